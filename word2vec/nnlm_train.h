/*
 * nnlm_train.h -- corpora, the training loop, evaluation and checkpoints of
 * Bengio's neural LM (nnlm.h); `word2vec nnlm` (nnlm_cli.c) parses its flags
 * and calls these.
 *
 * Data: each line of a split is a sentence followed by </s>; every word and
 * every </s> is a target, its N = n-1 previous words in the sentence the
 * context, <s> before the sentence's start (nnlm_windows). The vocabulary is
 * common/text.h's word vocabulary of the training file (<unk> for the rest).
 *
 * Training (Bengio et al. 2003, with Adam in place of their SGD): each epoch
 * shuffles the training windows (rng stream 1 of --seed), takes minibatches
 * of B of them, and runs forward (with dropout, masks from stream 2),
 * backward and one Adam step per batch. A checkpoint is written after every
 * epoch.
 *
 * Early stopping, after the rule of Mikolov et al.'s RNNLM (Interspeech 2010)
 * with Adam: after each epoch the validation loss is measured. If it beats
 * the best so far, the model is kept. If not, the epoch is undone --
 * parameters and Adam's moments go back to the best model's -- and from then
 * on the learning rate is halved after every epoch; once `patience` epochs
 * have been undone (Mikolov: 2) training stops. So the model in memory and
 * in the checkpoint after an epoch is always the best on validation, and the
 * test set is scored with it.
 *
 * Resuming: the checkpoint (DIR/nnlm.ckpt) holds the parameters, Adam's
 * moments and step, and the whole training state between two epochs
 * (NnlmTrainState: epochs done, learning rate, best validation loss, epochs
 * undone, the shuffling and dropout generators), so training E1 epochs and
 * then E2 more from the checkpoint gives bit-for-bit the model of one E1 + E2
 * epoch run (one OpenBLAS thread, same flags).
 */
#ifndef W2V_NNLM_TRAIN_H
#define W2V_NNLM_TRAIN_H

#include <stdint.h>

#include "rng.h"
#include "text.h"
#include "word2vec/nnlm.h"

/* A split as (context, target) windows. */
typedef struct {
    long n;          /* tokens scored */
    int *ctx;        /* (n, N) */
    int *targets;    /* (n) */
} NnlmSplit;

/* The three splits of a corpus, encoded with one vocabulary. */
typedef struct {
    const Vocab *vocab;     /* not owned */
    NnlmSplit split[3];     /* SPLIT_TRAIN, SPLIT_VALID, SPLIT_TEST */
} NnlmData;

/* Encode the files paths[SPLIT_*] with vocab into windows of N context words. */
void nnlm_data_load(NnlmData *d, const char *const paths[3], const Vocab *vocab, int N);
void nnlm_data_free(NnlmData *d);

typedef struct {
    int epochs;          /* more passes over the training windows (0: none) */
    float lr;            /* Adam's learning rate at the start of a fresh run */
    long max_tokens;     /* train on at most this many windows per epoch (0: all) */
    int patience;        /* stop after validation failed to improve this many times (0: never) */
    uint64_t seed;       /* the shuffling and dropout streams of a fresh run */
    const char *out;     /* run folder: metrics.tsv, vocab.txt, nnlm.ckpt */
    int quiet;           /* no progress display, no epoch lines */
} NnlmTrainConfig;

/* Where training stands between two epochs: everything a run carries from
 * one epoch to the next besides the parameters and Adam's moments. */
typedef struct {
    long step;           /* Adam steps taken */
    int epoch;           /* epochs done */
    float lr;            /* the learning rate, after any halving */
    double best_valid;   /* best validation loss so far (INFINITY before any) */
    int undone;          /* epochs undone because validation did not improve */
    Rng rng;             /* the shuffling generator */
    Rng drop;            /* the dropout masks' generator */
} NnlmTrainState;

/* The state of a fresh run: step 0, lr from c, rng and drop streams 1 and 2 of c->seed. */
void nnlm_state_init(NnlmTrainState *s, const NnlmTrainConfig *c);

/* Write dir/nnlm.ckpt (model, Adam, state), atomically. */
void nnlm_checkpoint_save(const char *dir, const Nnlm *m, const NnlmTrainState *s);
/* Read dir/vocab.txt and dir/nnlm.ckpt into a model built for batches of B
 * and its state. A checkpoint from before the state was saved resumes with
 * the state of nnlm_state_init(c). Dies on bad input. */
Vocab *nnlm_checkpoint_load(const char *dir, Nnlm *m, int B, NnlmTrainState *s, const NnlmTrainConfig *c);

/* Train up to c->epochs more epochs on d's training split, validating after
 * each and stopping early by the rule above (at once when s->undone already
 * reached c->patience); continues c->out/metrics.tsv from step s->step when
 * s->step > 0 (a resumed run: rows logged after the checkpoint are dropped),
 * else starts it. Updates s; returns the best validation loss (s->best_valid,
 * the model's) and the last epoch's training tokens per second in
 * *tok_per_s (0 when no epoch ran). No allocation inside a step. */
double nnlm_train(Nnlm *m, NnlmTrainState *s, const NnlmData *d, const NnlmTrainConfig *c, double *tok_per_s);

/* Mean cross-entropy (nats per token) over a whole split, in batches of m->B. */
double nnlm_evaluate(Nnlm *m, const NnlmSplit *s);

#endif
