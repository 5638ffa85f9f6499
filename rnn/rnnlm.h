/*
 * rnnlm.h -- Mikolov's recurrent neural network language model (RNNLM), the
 * network and the training of his rnnlm toolkit: one sigmoid hidden layer, an
 * output factored through word classes, online SGD with truncated BPTT.
 *
 * The model (Mikolov et al. 2010, "Recurrent neural network based language
 * model", eq. 1-3; Mikolov et al. 2011, "Extensions of recurrent neural
 * network language model", sec. 3, eq. 4-5), with no biases, as the toolkit:
 *
 *     s_t = sigmoid(U[w_t] + W s_{t-1})         U (V,H): row w is word w's input weights
 *                                               W (H,H): the recurrence
 *     P(c | s_t)    = softmax(X s_t)[c]          X (C,H): one row per class
 *     P(w | c, s_t) = softmax over the words of class c of (Y s_t)
 *                                               Y (V,H): one row per word
 *     P(w_{t+1} = w | w_1..w_t) = P(c(w) | s_t) P(w | c(w), s_t)
 *
 * Each word belongs to one class, so the probabilities over the vocabulary
 * still sum to one, and a step costs C + |c(w)| output rows instead of V:
 * with C = 100 classes on PTB's 10,000 words, about 200 rows in place of
 * 10,000. One class (C = 1) is the ordinary full softmax.
 *
 * Classes by frequency binning (Extensions, sec. 3): words sorted by count
 * (most frequent first) are cut into C consecutive bins of equal mass, the
 * mass being count / total as the paper describes (the toolkit's
 * "-old-classes"), or sqrt(count / total), the toolkit's default. Frequent words get small classes of
 * their own, rare words share large ones. The class of every word travels
 * with the weights (the (V) tensor "word_class", whole numbers), so a saved
 * model needs no counts to be read back. Y's rows are kept in class order
 * (row[w]), so the words of one class are adjacent rows and a class's
 * product is one matrix-vector product.
 *
 * Training (rnnlm_train.c): online, one word at a time, as the toolkit:
 *   - after each word, the output weights X and the rows of the target's
 *     class in Y take an SGD step (learning rate alpha) at once;
 *   - every `block` words (the toolkit's -bptt-block 10), the output
 *     gradients of those words flow back through time, `bptt` steps past the
 *     block's first word (-bptt), into U's rows and W (Williams & Peng's
 *     BPTT(h; h')); on the way back each gradient entry is clipped to +-15
 *     (the toolkit's gradient_cutoff);
 *   - L2 regularisation beta (1e-7) shrinks the weights a step updates,
 *     every tenth word, as the toolkit does to save time;
 *   - each pass (training, validation, test) starts from s = 0.1 in every
 *     unit, as the toolkit's netFlush, and the state is carried across
 *     sentences: </s> is a word.
 * Gradients here are dL/dtheta for L = -log P (the toolkit's "error" is the
 * negative of it), and every backward function ACCUMULATES alpha * gradient
 * into its targets: alpha = 1 into a gradient buffer for a check, alpha =
 * -lr into the weights themselves for an online step.
 *
 * Legend: V vocabulary, H hidden size, C classes, n_c words of class c.
 */
#ifndef RNN_RNNLM_H
#define RNN_RNNLM_H

#include <stddef.h>
#include <stdint.h>

#include "common/sample.h"
#include "params.h"
#include "text.h"

#define RNNLM_GRADIENT_CUTOFF 15.0f   /* the toolkit's clip of each backpropagated gradient entry */

typedef struct {
    int V, H, C;   /* vocabulary, hidden size, classes */
} RnnlmConfig;

typedef struct {
    RnnlmConfig cfg;
    ParamTable pt;        /* U, W, X, Y and word_class in one buffer */
    float *U;             /* (V,H) input weights, row w for word w */
    float *W;             /* (H,H) recurrent weights */
    float *X;             /* (C,H) class output weights */
    float *Y;             /* (V,H) word output weights, row row[w] for word w */
    float *word_class;    /* (V) class of each word (whole numbers; never trained) */
    float *gU, *gW, *gX, *gY;   /* the same tensors in pt.grads */
    /* derived from word_class by rnnlm_set_classes */
    int *cls;             /* (V) class of word w */
    int *row;             /* (V) Y's row of word w: a class's words are adjacent */
    int *word_at;         /* (V) the word of Y's row r */
    int *class_first;     /* (C+1) class c owns Y's rows class_first[c] .. class_first[c+1]-1 */
    int max_class;        /* the most words of any class */
} Rnnlm;

/* What one step needs besides the weights (allocated once, no allocation per word). */
typedef struct {
    float *s;       /* (H) the state */
    float *pc;      /* (C) class probabilities of the last output */
    float *pw;      /* (max_class) word probabilities within the target's class */
    float *z;       /* (max(C, max_class)) logits scratch */
    int threads;    /* threads of the output layer's row sweep (get_threads() when built) */
    float *ds_part; /* (threads-1, H) the other threads' shares of ds in that sweep */
} RnnlmStep;

/* ------------------------------------------------------------ model */

/* Declare and allocate (zero); every word in class 0 until rnnlm_set_classes.
 * Dies on a bad config (C outside 1..V). */
void rnnlm_build(Rnnlm *m, const RnnlmConfig *cfg);
void rnnlm_free(Rnnlm *m);
/* The toolkit's initialisation: each weight the sum of three U[-0.1, 0.1]. */
void rnnlm_init(Rnnlm *m, uint64_t seed);
/* Frequency binning of the words by counts (V), sqrt of the frequency when
 * sqrt_mass, the frequency itself otherwise; fills word_class and the maps. */
void rnnlm_bin_classes(Rnnlm *m, const long *counts, int sqrt_mass);
/* Rebuild cls, row, word_at, class_first from word_class (after a load);
 * -1 when a value is not a class or a class is empty. */
int rnnlm_set_classes(Rnnlm *m);

void rnnlm_step_build(RnnlmStep *st, const Rnnlm *m);
void rnnlm_step_free(RnnlmStep *st);
/* The state every pass starts from: s = 0.1 (the toolkit's netFlush). */
void rnnlm_reset(const Rnnlm *m, RnnlmStep *st);

/* ------------------------------------------------------------ forward */

/* s_next = sigmoid(U[w] + W s_prev) (s_next must not alias s_prev). */
void rnnlm_hidden_forward(const Rnnlm *m, float *s_next, const float *s_prev, int w);
/* -log P(next | s) in nats; leaves the class and in-class probabilities in st. */
double rnnlm_output_forward(const Rnnlm *m, RnnlmStep *st, const float *s, int next);
/* P(w | s) for every word w into p (V), through st's buffers; sums to 1. */
void rnnlm_distribution(const Rnnlm *m, RnnlmStep *st, const float *s, float *p);

/* ------------------------------------------------------------ backward */

/*
 * The output layer's backward after rnnlm_output_forward(st, s, next):
 *   ds (H) += dL/ds, with the output weights as they were (computed first);
 *   dX += alpha * dL/dX and dY's rows of next's class += alpha * dL/dY.
 * dX, dY are (C,H), (V,H) in the model's layout: m->gX, m->gY, or with
 * alpha = -lr the weights m->X, m->Y themselves (an online SGD step).
 */
void rnnlm_output_backward(const Rnnlm *m, const RnnlmStep *st, float *ds, float *dX, float *dY,
                           const float *s, int next, float alpha);

/*
 * Truncated BPTT over n steps (Mikolov 2012, thesis sec. 3.3): step k read
 * word[k] and went from state s[k] to s[k+1] (s is (n+1, H)); ds (n,H) holds
 * dL/ds[k+1] from the outputs. Walking back from step n-1, the gradient of
 * each pre-activation is dz_k = (ds_k + W^T dz_{k+1}, clipped) * s(1-s);
 * dU[word[k]] += alpha * dz_k, and dW += alpha * sum_k dz_k s[k]^T as one
 * sgemm at the end. dz (n,H) is scratch; carry (H) too. dU, dW as above.
 */
void rnnlm_bptt(const Rnnlm *m, float *dU, float *dW, const int *word, const float *s, const float *ds, int n,
                float *dz, float *carry, float alpha);

/* ------------------------------------------------------------ use */

/* Mean nats per predicted token of stream[0..n) (n-1 predictions), from s = 0.1. */
double rnnlm_evaluate(const Rnnlm *m, const int *stream, size_t n);

/* Save DIR/model.ckpt (stage "rnnlm") and DIR/vocab.txt; train_state (or
 * NULL) is "key=value\n" text kept in the checkpoint's config for --resume. */
void rnnlm_save(const Rnnlm *m, const Vocab *v, const char *dir, long step, const char *train_state);
/* 1 when the checkpoint at path (a run folder or a .ckpt) is an RNNLM's. */
int rnnlm_is_checkpoint(const char *path);
/* Load a saved RNNLM and its vocabulary, or die with a message. With config
 * non-NULL, *config is the checkpoint's config text (the caller frees it). */
void rnnlm_load(Rnnlm *m, Vocab **v, const char *path, char **config);

/* Generate n words after the prime (a word vocabulary), drawing from the
 * whole distribution P(w | s) with the sampler s; as rnn_lm_sample. */
char *rnnlm_sample(const Rnnlm *m, const Vocab *v, const char *prime, int n, const SamplerConfig *s,
                   uint64_t seed);

/* ------------------------------------------------------------ training */

typedef struct {
    RnnlmConfig model;    /* V is set from the corpus */
    int sqrt_classes;     /* 1: classes of equal sqrt-frequency mass (the toolkit's default); 0: frequency (the paper) */
    int bptt, block;      /* -bptt and -bptt-block */
    float lr, beta;       /* alpha (0.1) and the L2 penalty (1e-7) */
    double stop_gain;     /* the schedule's threshold (lm_train.h; the toolkit's 1.003) */
    long epochs;          /* a ceiling: the schedule stops the run */
    long max_words;       /* train on the first max_words tokens only (0: all; a screening run) */
    long eval_tokens;     /* validate on the first N tokens only (0: all) */
    uint64_t seed;
    const char *out;      /* run folder: model.ckpt, vocab.txt, metrics.tsv, config.txt */
    int resume;           /* go on after the last epoch out/model.ckpt saved */
    int quiet;
} RnnlmTrainOptions;

void rnnlm_train_defaults(RnnlmTrainOptions *o);

/*
 * Train on the word stream train[0..n_train) with validation on valid
 * (Mikolov's schedule: the lm_train.h plateau rule, rnn_plateau_epoch), and
 * counts (V) for the classes; the best model is left in m (built here) and
 * saved in o->out after every epoch. Returns its validation loss (nats).
 */
double rnnlm_train(Rnnlm *m, const Vocab *vocab, const int *train, size_t n_train, const int *valid,
                   size_t n_valid, const RnnlmTrainOptions *o);

/* How often each id occurs in the predicted part of a stream (stream[1..n)). */
void rnnlm_count_words(long *counts, int V, const int *stream, size_t n);

#endif
