/*
 * responses.h -- the language model as a policy: a batch of (prompt,
 * response) sequences, drawn from a GPT or read from text, and the
 * log-probabilities of the response tokens under a GPT, with their backward
 * pass. Part 2's reward model, PPO and DPO all work on this layout.
 *
 * Row b of a batch holds, in T positions,
 *
 *     PROMPT ... <s> a_1 a_2 ... a_n <pad> ...
 *                    ^ start[b]       len[b] = n
 *
 * where the actions a_1..a_n are the response's words and, when the
 * response ended rather than being cut off at the context, a last </s>.
 * Action t (0-based) is drawn from the model's distribution at position
 * start + t - 1 (the token before it), so
 *
 *     log pi(a_t | prompt, a_<t) = log softmax(logits[start + t - 1])[a_t],
 *
 * all of a row's actions scored by one forward pass over the batch (B, T).
 * The state the reward model reads is the last action's position,
 * start + n - 1: the whole response, </s> included, has been seen there.
 */
#ifndef NLP_RLHF_RESPONSES_H
#define NLP_RLHF_RESPONSES_H

#include <stddef.h>

#include "gpt/gpt.h"
#include "rlhf/sft_data.h"
#include "rng.h"

typedef struct {
    int B, T, V;
    int *tokens;   /* (B, T) */
    int *start;    /* (B) the first action's position */
    int *len;      /* (B) actions, </s> included */
    float *probs;  /* (V) sampling scratch */
    int *order;    /* (V) */
    int *targets;  /* (T) scratch: the targets sft_example lays out beside a row */
} Responses;

/* Rows of T positions over a vocabulary of V: everything sampling and
 * scoring need, so neither allocates. */
void responses_alloc(Responses *r, int B, int T, int V);
void responses_free(Responses *r);

/* Row b from text (the response's words, then </s> unless they fill the
 * row, as a sample cut off at the context does): 0, or -1 with err when a
 * word is outside v or the row does not fit in T positions. */
int responses_set(Responses *r, int b, const Vocab *v, const char *prompt, const char *response, char *err,
                  size_t errlen);

/* Row b drawn from m after the prompt's ids (the prompt and <s>: n_prompt
 * of them, as sft_example lays out): up to T - n_prompt actions, stopping
 * at </s>, at temperature (0: greedy), through the KV cache c. */
void responses_sample(Responses *r, int b, Gpt *m, GptCache *c, const int *prompt, int n_prompt, float temperature,
                      Rng *rng);

/* Row b's response as text (its words, without </s>) into buf. */
void responses_text(const Responses *r, int b, const Vocab *v, char *buf, size_t n);

/* The index in a (B, T) array of row b's last action: where the reward
 * model reads the response. */
static inline size_t responses_last(const Responses *r, int b) {
    return (size_t)b * r->T + r->start[b] + r->len[b] - 1;
}

/* One forward pass of m over rows [0, B) of r; logp (B, T) gets log pi of
 * row b's action t at [b * T + t] for t < len[b] (0 elsewhere). m's
 * activations must hold (B, T). Returns the sum over every action. */
double responses_logprobs(Gpt *m, const Responses *r, int B, float *logp);

/* The backward pass of a loss L of those log-probabilities, after
 * responses_logprobs on the same rows: dlogp (B, T) = dL/dlog pi (read
 * where an action is). Through the softmax, dL/dlogits = dlogp (onehot(a)
 * - softmax(logits)); accumulates into m's gradients. */
void responses_backward(Gpt *m, const Responses *r, int B, const float *dlogp);

#endif
