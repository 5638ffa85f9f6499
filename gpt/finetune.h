/*
 * finetune.h -- GPT-1's second stage: supervised fine-tuning of a pretrained
 * GPT for classification (Radford et al. 2018, section 3.2).
 *
 * The text x_1..x_m goes through the pretrained Transformer; the final state
 * of the last token, h_m (after the final LayerNorm), feeds one new linear
 * layer W_y, and P(y | x) = softmax(h_m W_y). Every weight is trained, the
 * body from its pretrained values and the head from scratch, with the
 * classification cross-entropy (GPT-1's auxiliary language-modelling term is
 * left out). The same network trained from random weights is the control:
 * the difference between the two is what pretraining bought.
 *
 * Fine-tuning is a new optimization: Adam's moments start at zero, even when
 * the checkpoint carries pretraining's (they are kept for exact resumes).
 *
 * Sequences of a batch have different lengths; they are right-padded, which
 * a causal model never sees from the real positions, and each sequence's
 * head reads the state at its own last real token.
 *
 * Under mpirun (common/dist.h) each rank takes a contiguous share of every
 * batch (--batch is the global batch), and one all-reduce of body and head
 * gradients per step gives every rank the same update; accuracies are
 * computed whole on every rank, and only rank 0 prints them.
 *
 * Legend: B batch, T time, C channels, K classes.
 */
#ifndef NLP_GPT_FINETUNE_H
#define NLP_GPT_FINETUNE_H

#include <stddef.h>

#include "dataset.h"
#include "gpt/gpt.h"

typedef struct {
    int batch, epochs;
    float lr, weight_decay, dropout;
    float grad_clip;    /* the global norm of body and head together (0: none) */
    unsigned long long seed;
    int quiet;
    int zero;           /* 1: ZeRO stage 1 for the body (common/zero.h, as gpt_train's) */
} GptFinetuneConfig;

typedef struct {
    ParamTable pt;      /* clsw (K,C), clsb (K) */
    float *w, *b;
    int K;
} GptClassHead;

void gpt_class_head_init(GptClassHead *h, int K, int C, unsigned long long seed);
void gpt_class_head_free(GptClassHead *h);

/* Fine-tune m and a fresh head on train (one-field examples, labels in
 * [0, K)); returns the final training loss. */
double gpt_finetune(Gpt *m, GptClassHead *h, const GptFinetuneConfig *fc, const LabelledSet *train);
/* Accuracy of m + head on d (no dropout). */
double gpt_classify_accuracy(Gpt *m, GptClassHead *h, const LabelledSet *d, int batch);

#endif
