/*
 * nnlm.h -- Bengio et al.'s neural probabilistic language model (JMLR 2003).
 *
 * The model that learned word vectors as a by-product of predicting the next
 * word. With x the concatenation of the n-1 previous words' rows of a lookup
 * table C (paper, eq. 1):
 *
 *     y = b + W x + U tanh(d + H x),     P(w_t | context) = softmax(y)[w_t]
 *
 * W (the "direct connections" from the embeddings to the output) is optional,
 * as in the paper. For regularisation (not in the paper) a training forward
 * pass may apply inverted dropout (Srivastava et al. 2014) to x and to the
 * tanh layer's output: y = b + W x' + U h', x' = drop(x), h' = drop(tanh(.)). Trained by minimising cross-entropy over minibatches;
 * every product goes through common/matmul (as one sgemm per batch) and every
 * layer is a common/ops.h op, so the forward pass is a list of op calls and
 * the backward pass the same list reversed.
 *
 * Legend: B batch, N = n-1 context words, C embedding size (the paper's m),
 * H hidden units (the paper's h), V vocabulary.
 *
 * Parameters (one ParamTable, so Adam, checkpoints and the gradient check
 * each sweep one buffer):
 *     emb  (V, C)      the lookup table C: the word vectors it learns
 *     w1   (H, N*C)    H in the paper,   b1 (H)   d
 *     w2   (V, H)      U,                b2 (V)   b
 *     wd   (V, N*C)    W, only with direct connections
 *
 * Data: each line of a corpus is a sentence followed by </s>; the context of
 * its first words is padded with <s>. Every word and every </s> is scored, so
 * on the PTB test set the perplexity averages over 82,430 tokens (DESIGN.md).
 */
#ifndef W2V_NNLM_H
#define W2V_NNLM_H

#include <stdint.h>

#include "params.h"
#include "rng.h"

typedef struct {
    int V;        /* vocabulary */
    int order;    /* n: predicts from n-1 previous words */
    int embed;    /* C */
    int hidden;   /* H */
    int direct;   /* 1: direct connections W */
    float dropout; /* probability of dropping a value of x and of the hidden layer when training (0: none) */
} NnlmConfig;

/* Pointers into a ParamTable's values (or its grads), one per tensor. */
typedef struct {
    float *emb;   /* (V, C)    the lookup table C */
    float *w1;    /* (H, N*C)  H */
    float *b1;    /* (H)       d */
    float *w2;    /* (V, H)    U */
    float *b2;    /* (V)       b */
    float *wd;    /* (V, N*C)  W, or NULL without direct connections */
} NnlmTensors;

/* What the forward pass saves for the backward pass, and the backward pass's
 * scratch, for up to B rows: one buffer allocated by nnlm_build, so training
 * never allocates. */
typedef struct {
    float *x;        /* (B, N*C) concatenated embeddings */
    float *xd;       /* (B, N*C) x after dropout */
    float *xmask;    /* (B, N*C) its dropout mask */
    float *h;        /* (B, H) tanh(d + H x) */
    float *hd;       /* (B, H) h after dropout */
    float *hmask;    /* (B, H) its dropout mask */
    float *logits;   /* (B, V) */
    float *probs;    /* (B, V) softmax, saved by the loss */
    float *dx;       /* (B, N*C) gradient of the layers' input (xd, or x without dropout) */
    float *demb;     /* (B, N*C) gradient of x, behind the dropout */
    float *dh;       /* (B, H) gradient of the output layer's input (hd, or h) */
    float *dtanh;    /* (B, H) gradient of h, behind the dropout */
    float *dhpre;    /* (B, H) gradient before the tanh */
    float *dlogits;  /* (B, V) */
} NnlmActs;

typedef struct {
    NnlmConfig cfg;
    int N, B;            /* context words (order-1); batch capacity */
    ParamTable pt;
    NnlmTensors w;       /* into pt.values */
    NnlmTensors g;       /* into pt.grads */
    float *act_memory;   /* the one buffer behind a */
    NnlmActs a;
    int dropped;         /* 1 if the last forward applied dropout (backward follows it) */
} Nnlm;

/* Declare and allocate the parameters (zero) and activations for batches of up to B rows. */
void nnlm_build(Nnlm *m, const NnlmConfig *cfg, int B);
/* emb ~ N(0, 0.1^2); linear weights ~ U(-1/sqrt(in), 1/sqrt(in)); biases 0. */
void nnlm_init(Nnlm *m, uint64_t seed);
void nnlm_free(Nnlm *m);

/* Mean cross-entropy (nats) of B targets (B) given their contexts ctx (B, N).
 * drop: the generator of a training pass's dropout masks, or NULL to apply
 * none (evaluation); with cfg.dropout 0 it is not drawn from. */
double nnlm_forward(Nnlm *m, const int *ctx, const int *targets, int B, Rng *drop);
/* Gradients of the last forward's mean loss, accumulated into m->pt.grads
 * (zero them first); ctx and targets as given to it. */
void nnlm_backward(Nnlm *m, const int *ctx, const int *targets, int B);

/* The config as checkpoint text ("key=value\n"), and back. */
void nnlm_config_text(const NnlmConfig *cfg, char *buf, int len);
void nnlm_config_parse(NnlmConfig *cfg, const char *text);

/* Contexts and targets of a token stream: line i of a corpus is ids[...] ending
 * in </s>. From ids (n) with sentence ends marked by eos, make ctx (n, N) and
 * targets (n): the N previous ids within the sentence, <s> (bos) before it. */
void nnlm_windows(int *ctx, int *targets, const int *ids, long n, int N, int bos, int eos);

/* `word2vec nnlm ...`: the command (in nnlm_cli.c). */
int nnlm_main(int argc, char **argv);

#endif
