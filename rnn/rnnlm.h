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
 * Double precision, as the toolkit (its `real` is double). Late in training,
 * with the rate halved to under 0.006, an output row's step lr * p * s is
 * below half a float's spacing for a weight near 0.1-0.25, and a float would
 * drop it; and the L2 factor 1 - lr * beta = 1 - 1e-8 rounds to exactly 1 in
 * float, so the penalty would never apply. The weights, the state, the
 * probabilities and the gradients are therefore doubles; a checkpoint keeps
 * each weight as the float nearest it (tensors U, W, X, Y, which any float
 * reader can use) plus two float remainders (tensor "rest", (2, n_weights)),
 * whose sum gives the double back exactly (for |w| above ~1e-23), so a
 * resumed run repeats one that never stopped.
 *
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

#define RNNLM_GRADIENT_CUTOFF 15.0   /* the toolkit's clip of each backpropagated gradient entry */

typedef struct {
    int V, H, C;   /* vocabulary, hidden size, classes */
} RnnlmConfig;

typedef struct {
    RnnlmConfig cfg;
    size_t n_weights;     /* V*H + H*H + C*H + V*H */
    double *weights;      /* (n_weights) U, W, X, Y in one buffer */
    double *grads;        /* (n_weights) their gradients, in the same layout */
    double *U;            /* (V,H) input weights, row w for word w */
    double *W;            /* (H,H) recurrent weights */
    double *X;            /* (C,H) class output weights */
    double *Y;            /* (V,H) word output weights, row row[w] for word w */
    double *gU, *gW, *gX, *gY;
    ParamTable pt;        /* the checkpoint's image: U, W, X, Y rounded to floats, rest (2, n_weights), word_class */
    float *word_class;    /* (V) class of each word, in pt (whole numbers; never trained) */
    /* derived from word_class by rnnlm_set_classes */
    int *cls;             /* (V) class of word w */
    int *row;             /* (V) Y's row of word w: a class's words are adjacent */
    int *word_at;         /* (V) the word of Y's row r */
    int *class_first;     /* (C+1) class c owns Y's rows class_first[c] .. class_first[c+1]-1 */
    int max_class;        /* the most words of any class */
} Rnnlm;

/* What one step needs besides the weights (allocated once, no allocation per word). */
typedef struct {
    double *s;       /* (H) the state */
    double *pc;      /* (C) class probabilities of the last output */
    double *pw;      /* (max_class) word probabilities within the target's class */
    double *z;       /* (max(C, max_class)) logits scratch */
    double *dz;      /* (max(C, max_class)) their gradients: the last output's, while z holds the next's */
    int threads;     /* threads of the output layer's row sweep (get_threads() when built) */
    double *ds_part; /* (threads-1, H) the other threads' shares of ds in that sweep */
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
void rnnlm_hidden_forward(const Rnnlm *m, double *s_next, const double *s_prev, int w);
/* -log P(next | s) in nats; leaves the class and in-class probabilities in st. */
double rnnlm_output_forward(const Rnnlm *m, RnnlmStep *st, const double *s, int next);
/* P(w | s) for every word w into p (V), through st's buffers; sums to 1. */
void rnnlm_distribution(const Rnnlm *m, RnnlmStep *st, const double *s, double *p);

/* ------------------------------------------------------------ backward */

/*
 * The output layer's backward after rnnlm_output_forward(st, s, next):
 *   ds (H) += dL/ds, with the output weights as they were (computed first);
 *   dX += alpha * dL/dX and dY's rows of next's class += alpha * dL/dY.
 * dX, dY are (C,H), (V,H) in the model's layout: m->gX, m->gY, or with
 * alpha = -lr the weights m->X, m->Y themselves (an online SGD step).
 */
void rnnlm_output_backward(const Rnnlm *m, const RnnlmStep *st, double *ds, double *dX, double *dY,
                           const double *s, int next, double alpha);

/*
 * Truncated BPTT over n steps (Mikolov 2012, thesis sec. 3.3): step k read
 * word[k] and went from state s[k] to s[k+1] (s is (n+1, H)); ds (n,H) holds
 * dL/ds[k+1] from the outputs. Walking back from step n-1, the gradient of
 * each pre-activation is dz_k = (ds_k + W^T dz_{k+1}, clipped) * s(1-s);
 * dU[word[k]] += alpha * dz_k, and dW += alpha * sum_k dz_k s[k]^T as one
 * sgemm at the end. dz (n,H) is scratch; carry (H) too. dU, dW as above.
 */
/*
 * The online step of rnnlm_output_backward (alpha = -lr, into X and Y
 * themselves) fused with the next word's rnnlm_output_forward(st, s_next,
 * next2): each output row takes its step and at once gives its logit for
 * s_next, so the rows are read once for both. Returns the next word's loss
 * and leaves its probabilities in st, exactly as the two calls would (a test
 * checks it bit for bit). Valid only when nothing else moves the weights
 * between the two words (no BPTT, no L2 step): s_next must already be
 * rnnlm_hidden_forward of the next word.
 */
double rnnlm_output_step(const Rnnlm *m, RnnlmStep *st, double *ds, const double *s, int next, double lr,
                         const double *s_next, int next2);

void rnnlm_bptt(const Rnnlm *m, double *dU, double *dW, const int *word, const double *s, const double *ds, int n,
                double *dz, double *carry, double alpha);

/* ------------------------------------------------------------ use */

/* Mean nats per predicted token of stream[0..n) (n-1 predictions), from s = 0.1. */
double rnnlm_evaluate(const Rnnlm *m, const int *stream, size_t n);

/* Save DIR/model.ckpt (stage "rnnlm") and DIR/vocab.txt; train_state (or
 * NULL) is "key=value\n" text kept in the checkpoint's config for --resume.
 * It refreshes m->pt, the checkpoint's float image of the weights. */
void rnnlm_save(Rnnlm *m, const Vocab *v, const char *dir, long step, const char *train_state);
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
    double lr, beta;      /* alpha (0.1) and the L2 penalty (1e-7) */
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
