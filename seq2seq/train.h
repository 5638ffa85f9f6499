/*
 * train.h -- the training loop and evaluation
 * (loss, perplexity, BLEU, exact match) of the encoder-decoder of model.h.
 *
 * The tasks (dates, multi30k, bible, files) and their BLEU are
 * common/s2s_tasks.h's, shared with the Transformer of transformer/.
 *
 * Training (Sutskever et al. 2014; the PyTorch tutorials' recipe): each
 * epoch the pairs are shuffled into length-bucketed batches; each batch is
 * one teacher-forced forward and backward, a global-norm clip and an Adam
 * step. After each epoch the validation loss, perplexity and greedy BLEU
 * are logged to DIR/metrics.tsv and DIR/model.ckpt is saved (with Adam's
 * moments, for --resume); the weights of the epoch with the lowest
 * validation loss are kept in DIR/best/, and the test scores are those of
 * the best weights, as the tutorials report them.
 */
#ifndef SEQ2SEQ_TRAIN_H
#define SEQ2SEQ_TRAIN_H

#include "s2s_tasks.h"
#include "seq2seq/model.h"

typedef struct {
    S2sTaskOptions task;
    S2sConfig model;
    float init_range;              /* U[-r, r] */
    int batch;
    int epochs;
    long steps;                    /* > 0: stop after this many steps instead */
    float lr, clip, tf_ratio, smoothing;
    int max_len;                   /* truncate longer sentences in training (0: no) */
    int beam;                      /* beam size of the final test decoding */
    float alpha;                   /* its length normalisation */
    int decode_max_len;            /* longest output */
    int valid_bleu;                /* sentences of valid decoded each epoch for BLEU (0: all) */
    unsigned long long seed;
    int threads;
    const char *out;
    int resume, quiet;
} S2sTrainOptions;

void s2s_train_defaults(S2sTrainOptions *o);
/* Train; returns 0. Prints RESULT lines for the test split at the end. */
int s2s_train(S2sTrainOptions *o);

double s2s_eval_loss(S2sModel *m, const S2sPairs *p, int batch, long *tokens);
/* Decode the first n pairs (0: all) with beam K (1: greedy); hyps[i] gets
 * each output's text (malloc'd, the caller frees) when hyps is not NULL. */
void s2s_eval_decode(S2sModel *m, const S2sPairs *p, int n, const Vocab *tgt_v, S2sTokens tokens, int K,
                     float alpha, int max_len, int batch, S2sScores *sc, char **hyps);

#endif
