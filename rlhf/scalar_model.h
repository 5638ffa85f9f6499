/*
 * scalar_model.h -- a GPT with a scalar head: InstructGPT's reward model and
 * PPO's value model (Ouyang et al. 2022, section 3.5; both start from a
 * trained language model, the unembedding replaced by one linear unit).
 *
 * The head reads the final LayerNorm's state h (C) at a position:
 *
 *     s(position) = h . w + b
 *
 * The reward model reads it at a response's last action (responses.h), once
 * the whole response is in view; the value model at every action's
 * position, V(state before action t). The trunk is chapter 6's GPT, whose
 * gpt_backward_final takes the head's gradient dL/dh = dL/ds w back through
 * it.
 *
 * Saved as two files: the trunk as a GPT checkpoint (gpt/train.h) at path,
 * and the head (w, b) as a small checkpoint of stage "rlhf" at path.head.
 */
#ifndef NLP_RLHF_SCALAR_MODEL_H
#define NLP_RLHF_SCALAR_MODEL_H

#include "gpt/finetune.h"
#include "gpt/gpt.h"

typedef struct {
    Gpt body;
    GptClassHead head; /* GPT-1's classification head with one output: w (1, C), b (1) */
    float *out;        /* (B, T) the head at every position of the last forward pass */
    float *dlnf;       /* (B, T, C) the backward pass's gradient into the trunk */
} ScalarModel;

/* A copy of the language model src (weights, shape) with a new head
 * (N(0, 0.02) from seed), for batches up to (B, T). */
void scalar_model_from(ScalarModel *s, const Gpt *src, int B, int T, unsigned long long seed);
/* A copy of another scalar model (the value model starts as the reward model). */
void scalar_model_copy(ScalarModel *s, const ScalarModel *src, int B, int T);
void scalar_model_free(ScalarModel *s);

/* The head at every position of tokens (B, T) into s->out (returned). */
const float *scalar_model_forward(ScalarModel *s, const int *tokens, int B, int T);
/* After a forward pass: dout (B, T) = dL/ds at each position (0 where the
 * head was not read). Accumulates into the head's and the trunk's gradients. */
void scalar_model_backward(ScalarModel *s, const float *dout);
/* The trunk's and the head's tables, for the optimizer (clip_grad_norm_tables). */
void scalar_model_tables(ScalarModel *s, ParamTable *pts[2]);

void scalar_model_save(const ScalarModel *s, const char *path, const char *extra_config);
/* Dies on a missing or bad file. */
void scalar_model_load(ScalarModel *s, const char *path, int B, int T);

#endif
