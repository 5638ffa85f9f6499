/*
 * train.h -- the translation tasks, the training loop, and evaluation
 * (loss, perplexity, BLEU, exact match) of the encoder-decoder of model.h.
 *
 * Tasks (each a set of train/valid/test sentence pairs, corpus.h):
 *   dates     built in: synthetic dates in many human formats -> ISO
 *             (seq2seq/dates.h), characters
 *   multi30k  German -> English image captions (Elliott et al. 2016), task 1:
 *             29,000 / 1,014 / 1,000 (test2016), words, lower-cased
 *   bible     King James -> Reina-Valera 1909 verses (`make data`), words
 *   files     any line-aligned files given with --train-src/--train-tgt ...
 *
 * Training (Sutskever et al. 2014; the PyTorch tutorials' recipe): each
 * epoch the pairs are shuffled into length-bucketed batches; each batch is
 * one teacher-forced forward and backward, a global-norm clip and an Adam
 * step. After each epoch the validation loss, perplexity and greedy BLEU
 * are logged to DIR/metrics.tsv and DIR/model.ckpt is saved (with Adam's
 * moments, for --resume); the weights of the epoch with the lowest
 * validation loss are kept in DIR/best/, and the test scores are those of
 * the best weights, as the tutorials report them.
 *
 * BLEU here is corpus BLEU over the normalised (tokenised, lower-cased)
 * words: sacreBLEU's computation with tokenisation "none" and no smoothing,
 * hypotheses with their <unk> tokens as they come out -- the tutorials'
 * torchtext bleu_score.
 */
#ifndef SEQ2SEQ_TRAIN_H
#define SEQ2SEQ_TRAIN_H

#include "seq2seq/model.h"

typedef enum { S2S_TASK_DATES, S2S_TASK_MULTI30K, S2S_TASK_BIBLE, S2S_TASK_FILES } S2sTask;

typedef struct {
    S2sTask task;
    const char *files[3][2];       /* S2S_TASK_FILES: train, valid, test x src, tgt */
    int dates_train, dates_eval;   /* pairs generated for dates */
    int train_max_words;           /* keep training pairs of at most this many words (0: all) */
    int min_count, max_vocab;      /* vocabulary: tokens seen >= min_count, at most max_vocab */
} S2sTaskOptions;

typedef struct {
    S2sPairs split[3];             /* train, valid, test (SPLIT_TRAIN ...) */
    Vocab *src_v, *tgt_v;
    S2sTokens tokens;
    const char *name;
} S2sData;

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

const char *s2s_task_name(S2sTask t);
int s2s_task_parse(const char *s, S2sTask *t);
/* Load (or generate) the task's three splits; with vocabularies NULL they
 * are built on train, else used as given (a trained model's). Dies with a
 * clear message when a dataset is missing or malformed. */
void s2s_data_load(S2sData *d, const S2sTaskOptions *o, Vocab *src_v, Vocab *tgt_v, unsigned long long seed);
void s2s_data_free(S2sData *d);

void s2s_train_defaults(S2sTrainOptions *o);
/* Train; returns 0. Prints RESULT lines for the test split at the end. */
int s2s_train(S2sTrainOptions *o);

/* Scores of a model on a set of pairs. */
typedef struct {
    double loss, ppl;              /* teacher-forced, per target token (EOS included) */
    long tokens;
    double bleu;                   /* corpus BLEU of the decoded outputs, 0..100 */
    double exact;                  /* fraction of outputs equal to their reference */
    double secs;                   /* decoding time */
} S2sScores;

double s2s_eval_loss(S2sModel *m, const S2sPairs *p, int batch, long *tokens);
/* Decode the first n pairs (0: all) with beam K (1: greedy); hyps[i] gets
 * each output's text (malloc'd, the caller frees) when hyps is not NULL. */
void s2s_eval_decode(S2sModel *m, const S2sPairs *p, int n, const Vocab *tgt_v, S2sTokens tokens, int K,
                     float alpha, int max_len, int batch, S2sScores *sc, char **hyps);

#endif
