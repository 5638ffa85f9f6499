/*
 * train.h -- the training loop and evaluation (loss, perplexity, BLEU,
 * exact match) of the Transformer of model.h, on the translation tasks of
 * common/s2s_tasks.h: the same pairs, vocabularies and BLEU as chapter 4's
 * RNNs (seq2seq/train.h), so the two chapters' numbers compare directly.
 *
 * Training (Vaswani et al. 2017, sec. 5; the PyTorch tutorial's recipe):
 * each epoch the pairs are shuffled into length-bucketed batches; each batch
 * is one teacher-forced forward and backward, a global-norm clip and an Adam
 * step (beta2 0.98 and eps 1e-9 as the paper, sec. 5.3; the tutorial keeps
 * PyTorch's 0.999 and 1e-8). The learning rate is constant, or the paper's
 * schedule (eq. 3), warmup then decay as 1/sqrt(step), scaled so that it
 * peaks at --lr after --warmup steps. After each epoch the validation loss,
 * perplexity and greedy BLEU are logged to DIR/metrics.tsv (with the wall
 * time so far, elapsed_s, so the time to reach a validation loss can be
 * read) and DIR/model.ckpt is saved with Adam's moments, for --resume; the
 * weights of the epoch with the lowest validation loss are kept in
 * DIR/best/, and the test scores are those of the best weights.
 */
#ifndef TRANSFORMER_TRAIN_H
#define TRANSFORMER_TRAIN_H

#include "s2s_tasks.h"
#include "transformer/model.h"

typedef enum { TF_SCHED_CONSTANT, TF_SCHED_NOAM } TfSchedule;

typedef struct {
    S2sTaskOptions task;
    TfConfig model;                /* max_pos 0: the longest sentence of the task's splits */
    int batch;
    int epochs;
    long steps;                    /* > 0: stop after this many steps instead */
    float lr;                      /* constant rate, or the peak of the Noam schedule */
    TfSchedule schedule;
    int warmup;                    /* Noam: steps of linear warmup */
    float beta1, beta2, eps;       /* Adam */
    float clip, smoothing;
    int max_len;                   /* truncate longer training sentences (0: no) */
    int beam;                      /* beam size of the final test decoding */
    float alpha;                   /* its length normalisation */
    int decode_max_len;            /* longest output */
    int valid_bleu;                /* validation pairs decoded each epoch for BLEU (0: all) */
    int average;                   /* > 0: keep the last `average` epochs' weights (OUT/epochs/N)
                                    * and test their mean (Vaswani et al. sec. 6.1) */
    unsigned long long seed;
    int threads;
    const char *out;
    int resume, quiet;
} TfTrainOptions;

void tf_train_defaults(TfTrainOptions *o);
/* Train; returns 0. Prints the RESULT line of the test split at the end. */
int tf_train(TfTrainOptions *o);
/* The learning rate of 0-based step `step`. */
float tf_learning_rate(const TfTrainOptions *o, long step);

/* Teacher-forced mean loss per target token (no dropout, no smoothing);
 * *tokens gets the number of target tokens when not NULL. */
double tf_eval_loss(TfModel *m, const S2sPairs *p, int batch, long *tokens);
/* Decode the first n pairs (0: all) with beam K (1: greedy), outputs of at
 * most max_len tokens (and at most the model's max_pos); hyps[i] gets each
 * output's text (malloc'd, the caller frees) when hyps is not NULL. */
void tf_eval_decode(TfModel *m, const S2sPairs *p, int n, const Vocab *tgt_v, int K, float alpha, int max_len,
                    int batch, S2sScores *sc, char **hyps);

#endif
