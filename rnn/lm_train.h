/*
 * lm_train.h -- corpora, the training loop, evaluation and sampling of the
 * recurrent language models of lm.h.
 *
 * Corpora become one stream of ids per split, scored the way DESIGN.md's
 * ladder counts:
 *   words  each line's words, then </s>; the stream opens with one </s> that is
 *          context only, so every word and every end marker of the split is
 *          predicted (PTB test: 82,430 tokens). Vocabulary: every training word.
 *   chars  the raw code points, newlines included, no markers; the first
 *          character of a file is context only. With a single file (Tiny
 *          Shakespeare's input.txt) train is the first 90% and valid the last
 *          10%, whose first character is predicted from the last of train.
 *
 * Training (Zaremba et al. 2014): the train stream is cut into B contiguous
 * rows, read T tokens at a time with the state carried across chunks; after
 * each backward the global gradient norm is clipped, then SGD (lr decayed by
 * `decay` each epoch after `decay_start`) or Adam.
 *
 * Or Mikolov's RNNLM schedule (`plateau`, as his rnnlm toolkit trains):
 * validate after each epoch; an epoch that made validation worse is undone
 * (the best epoch's weights come back); once an epoch gains less than 0.3%
 * (valid loss × 1.003 above the previous epoch's), the rate halves before
 * every later epoch, and the second such epoch ends the run (`epochs` is then
 * a ceiling). `stop_gain` below 1.003 lets the halving go on longer: the run
 * then ends at the first halved epoch gaining less than that.
 *
 * Evaluation runs one stream (B=1) through the whole split with the state
 * carried, so the perplexity is exactly exp(mean nats over every token),
 * independent of the chunk length.
 *
 * Checkpoints. At every checkpoint a run writes DIR/model.ckpt (weights and
 * Adam's moments) and DIR/train_state.ckpt (the carried hidden and cell
 * states, the dropout generator, the position in the text, the learning rate,
 * the metrics row being averaged). --resume restores both, so a run stopped
 * and resumed gives the same weights and metrics rows, bit for bit (one
 * thread), as one that never stopped.
 */
#ifndef RNN_LM_TRAIN_H
#define RNN_LM_TRAIN_H

#include <stddef.h>

#include "common/sample.h"
#include "rnn/lm.h"
#include "text.h"

typedef struct {
    Vocab *vocab;
    int *split[3];        /* SPLIT_TRAIN/VALID/TEST streams (ids); NULL if absent */
    size_t len[3];        /* ids in each stream (context token included) */
    int char_level;
} RnnLmData;

/* Word-level corpus: train, valid and test files (valid/test may be NULL). */
void rnn_lm_data_words(RnnLmData *d, const char *train, const char *valid, const char *test);
/* Char-level: three files, or one (valid NULL, test NULL) split 90/10. */
void rnn_lm_data_chars(RnnLmData *d, const char *train, const char *valid, const char *test);
/* Encode a text with an existing vocabulary into a scoring stream (as above). */
int *rnn_lm_encode_text(const Vocab *v, int char_level, const char *text, size_t len, size_t *n);
void rnn_lm_data_free(RnnLmData *d);

typedef struct {
    /* model */
    RnnLmConfig model;
    float init_range;     /* U[-r, r] initialisation */
    /* schedule */
    int T, B;             /* unrolled steps, streams */
    long epochs;          /* full passes over train (used when steps == 0) */
    long steps;           /* or a fixed number of steps (cycling through epochs) */
    int optimizer;        /* 0 SGD, 1 Adam */
    float lr, decay;      /* lr, and its factor per epoch after decay_start */
    int decay_start;      /* epochs run at full lr (Zaremba small: 4) */
    float clip;           /* global-norm clip (0 = none) */
    int time_sum;         /* 1: loss summed over time, mean over batch (Zaremba); 0: mean */
    int plateau;          /* 1: Mikolov's schedule above instead of decay/decay_start */
    double stop_gain;     /* its stopping threshold (RNN_PLATEAU_MIN_GAIN) */
    /* bookkeeping */
    long eval_every;      /* steps between validations (0: once per epoch) */
    long eval_tokens;     /* cap on tokens per validation (0: the whole split) */
    long log_every;       /* steps between train rows in metrics.tsv */
    long ckpt_every;      /* steps between checkpoints (0: each validation) */
    int eval_T;           /* chunk length of evaluation */
    unsigned long long seed;
    const char *out;      /* run folder: metrics.tsv, config.txt, model.ckpt, train_state.ckpt, vocab.txt */
    int resume;           /* continue from out/model.ckpt and out/train_state.ckpt */
    int quiet;
    const char *sample_prompt;   /* if set: print a sample from it at each validation */
    int sample_len;              /* tokens per such sample */
} RnnLmTrainOptions;

void rnn_lm_train_defaults(RnnLmTrainOptions *o);

/* Train on d (fills the vocabulary size into the config); returns the last
 * validation loss (nats/token), or NAN when there is no valid split. The
 * trained model is left in m (built here; rnn_lm_free it). */
double rnn_lm_train(RnnLm *m, const RnnLmData *d, const RnnLmTrainOptions *o);

/* Mean nats per predicted token over stream[0..n) (n-1 predictions, or at
 * most max_tokens when > 0), B = 1, chunks of T. */
double rnn_lm_evaluate(RnnLm *m, const int *stream, size_t n, int T, long max_tokens);

/* Mikolov's schedule (`plateau` above), shared with rnnlm.h's trainer: after
 * an epoch with validation loss `valid`, *better says whether it beat the best
 * so far (keep it; otherwise the caller undoes it), lr halves once halving
 * has begun, and the return value is 1 when the run should stop. */
#define RNN_PLATEAU_MIN_GAIN 1.003   /* the rnnlm toolkit's -min-improvement */
typedef struct {
    double lr;         /* the rate of the coming epoch */
    double best;       /* the kept model's validation loss (INFINITY at first) */
    double prev;       /* the last epoch's (INFINITY at first) */
    int halving;       /* 1 once an epoch has gained less than 0.3% */
    double stop_gain;  /* then an epoch whose prev / valid is below this stops (1.003 as the toolkit) */
} RnnPlateau;
int rnn_plateau_epoch(RnnPlateau *p, double valid, int *better);
/* The line a run prints about that decision. */
void rnn_plateau_say(const RnnPlateau *p, long epoch, int better, int stop);

/* Save / load a model with its vocabulary: DIR/model.ckpt and DIR/vocab.txt. */
void rnn_lm_save(const RnnLm *m, const Vocab *v, const char *dir, long step, int with_optimizer);
/* Load DIR/model.ckpt (or a .ckpt path, vocab beside it) or die with a message. */
void rnn_lm_load(RnnLm *m, Vocab **v, const char *path, long *step);

/* Generate n tokens after the prime text (may be empty) with the sampler s
 * (common/sample.h: temperature, 0 for the argmax, top-k, top-p), drawing
 * from the generator seeded by seed; never a special token that no text
 * holds. Returns the prime and the sample as one NUL-terminated string (the
 * caller frees it). */
char *rnn_lm_sample(RnnLm *m, const Vocab *v, const char *prime, int n, const SamplerConfig *s, uint64_t seed);

#endif
