/*
 * sft.h -- supervised fine-tuning, InstructGPT's first step: the pretrained
 * GPT trained with next-token cross-entropy on demonstrations, the loss
 * counting the response tokens only (sft_data.h lays the examples out with
 * -1 targets elsewhere).
 *
 * Each step draws `batch` examples at random (seed, stream 6), runs forward
 * and backward once, clips the gradient's global norm and takes one AdamW
 * step at a learning rate decaying linearly to 0. Adam's moments start from
 * zero: pretraining's would be bias-corrected as if fresh (gpt/finetune.c
 * says why). All buffers are allocated before the first step.
 */
#ifndef NLP_RLHF_SFT_H
#define NLP_RLHF_SFT_H

#include "gpt/gpt.h"

typedef struct {
    int batch;
    long steps;
    float lr, weight_decay, grad_clip;   /* grad_clip <= 0: none */
    unsigned long long seed;
} SftConfig;

/* batch 16, 300 steps, lr 1e-3, weight decay 0, clip 1, seed 1. */
void sft_defaults(SftConfig *c);

/* Fine-tune m on n examples of T positions (tokens and targets, (n, T) each,
 * as sft_example lays them out; T <= the model's context). losses, when not
 * NULL, gets each step's training loss. Returns the last one. */
double sft_train(Gpt *m, const SftConfig *c, const int *tokens, const int *targets, int n, int T, float *losses);

/* The mean cross-entropy per response token over the n examples, in batches
 * of up to `batch` (no dropout). */
double sft_loss(Gpt *m, const int *tokens, const int *targets, int n, int T, int batch);

#endif
