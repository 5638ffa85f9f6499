/*
 * sft_run.h -- the SFT experiment at toy size: a word-level GPT pretrained
 * on the world's fact sentences (rlhf_pretraining_tokens), fine-tuned on the
 * training prompts' demonstrations (sft.h), and both models' greedy answers
 * to the held-out prompts scored by the hidden gold reward (gold.h): what
 * SFT alone buys. Both models are saved in the run folder (run.h) as
 * pretrained.ckpt and sft.ckpt, the start of the rest of the pipeline.
 */
#ifndef NLP_RLHF_SFT_RUN_H
#define NLP_RLHF_SFT_RUN_H

#include "rlhf/run.h"
#include "rlhf/sft.h"

typedef struct {
    const char *out;           /* the run folder */
    TaskConfig task;
    unsigned long long seed;   /* the weights, the batches */
    int layers, heads, width;  /* the GPT */
    int context;               /* positions: a prompt, <s>, a response and </s> must fit */
    int repeats;               /* pretraining text: every fact through every template, this many times */
    long pretrain_steps;
    float pretrain_lr;
    int demos;                 /* demonstrations SFT learns from, spread evenly over the training prompts (0: all) */
    SftConfig sft;
    int quiet;                 /* no progress display */
} SftRunConfig;

enum { SFT_SHOWN = 3, SFT_ANSWER_LEN = 256 };

typedef struct {
    int train, heldout;        /* prompts */
    /* the first SFT_SHOWN held-out prompts (one of each kind), answered before and after */
    char prompt[SFT_SHOWN][SFT_ANSWER_LEN], before[SFT_SHOWN][SFT_ANSWER_LEN], after[SFT_SHOWN][SFT_ANSWER_LEN];
    double gold_before[SFT_SHOWN], gold_after[SFT_SHOWN];
    double gold_pre;           /* mean gold reward of the pretrained model's answers, held-out prompts */
    double gold_sft;           /* the same after SFT */
    double gold_sft_train;     /* after SFT, on the training prompts */
    double loss_pre, loss_sft; /* SFT loss per response token on the held-out demonstrations */
    double pretrain_s, sft_s;
} SftRunResult;

/* runs/rlhf/small; 800 subjects, a quarter held out, seed 1; 2 layers x 2
 * heads x 64, context 40, 4 repeats, 600 pretraining steps at 2e-3; SFT on
 * 30 demonstrations, 300 steps of 16 at 1e-3. */
void sft_run_defaults(SftRunConfig *c);
SftRunResult sft_run(const SftRunConfig *c);

#endif
