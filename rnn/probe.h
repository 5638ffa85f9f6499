/*
 * probe.h -- a linear probe: softmax regression on frozen token vectors,
 * the measure of what a representation holds (Peters et al. 2018, sec. 5.3:
 * "a linear classifier ... to predict POS tags" from each biLM layer; Shi et
 * al. 2016 and Belinkov et al. 2017 probed NMT encoders the same way).
 *
 * Legend: n tokens, D features per layer, K layers, C classes.
 *
 * The input is K feature matrices x_j (n, D), fixed. With K = 1 the probe is
 *     p(c | k) = softmax(W x_k + b)_c                               W (C,D), b (C)
 * and with K > 1 it first mixes the layers as ELMo does (eq. 1):
 *     z_k = gamma * sum_j s_j x_{j,k},   s = softmax(a)             a (K), gamma (1)
 *     p(c | k) = softmax(W z_k + b)_c
 * so the learned s_j say which layers the task draws on. Only the probe's
 * parameters learn; the vectors stay frozen. Training minimises the mean
 * cross-entropy with Adam on shuffled minibatches.
 *
 * Features are standardised first (each column to mean 0, variance 1 over the
 * training tokens; rnn_probe_standardize), so that one learning rate suits
 * word2vec's vectors and the LSTM states alike, and layers of different scales
 * enter the mix on equal terms (ELMo's sec. 3.2 normalises each layer too).
 */
#ifndef RNN_PROBE_H
#define RNN_PROBE_H

#include <stdint.h>

#include "params.h"

#define RNN_PROBE_MAX_LAYERS 8

typedef struct {
    int epochs;        /* passes over the training tokens */
    int batch;         /* tokens per Adam step */
    float lr;          /* Adam's learning rate */
    uint64_t seed;     /* the shuffling */
} RnnProbeConfig;

typedef struct {
    int K, D, C;
    ParamTable pt;     /* "w" (C,D), "b" (C), and with K > 1 "mix" (K) and "gamma" (1) */
} RnnProbe;

void rnn_probe_config_default(RnnProbeConfig *cfg);   /* 8 epochs, batch 256, lr 2e-3 */

/* A probe of K layers of D features into C classes: W, b zero, mix uniform, gamma 1. */
void rnn_probe_build(RnnProbe *p, int K, int D, int C);
void rnn_probe_free(RnnProbe *p);

/* Mean and standard deviation of each column of x (n, D) into mean, sd (D);
 * then x_i = (x_i - mean) / sd for every row of each of the nx matrices xs
 * (the training tokens and the held-out ones, with the training statistics). */
void rnn_probe_standardize(float *const *xs, const long *ns, int nx, int D, float *mean, float *sd);

/* Train on n tokens: layers[j] (n, D), tags (n) in [0, C). Returns the last
 * epoch's mean training cross-entropy (nats). */
double rnn_probe_train(RnnProbe *p, const float *const *layers, const int *tags, long n, const RnnProbeConfig *cfg);

/* The most likely class of each of the n tokens into pred (n). */
void rnn_probe_predict(const RnnProbe *p, const float *const *layers, long n, int *pred);

/* The mix weights s = softmax(a) into s (K) (a K = 1 probe: s = 1). */
void rnn_probe_mix_weights(const RnnProbe *p, float *s);

/* --- the pieces, for the gradient check */

/* Mean cross-entropy of the N rows xs[j] (N, D) with their tags, and (when
 * backward) its gradient added into p->pt.grads. scratch: rnn_probe_scratch_size(). */
double rnn_probe_loss(RnnProbe *p, const float *const *xs, const int *tags, int N, float *scratch, int backward);
size_t rnn_probe_scratch_size(const RnnProbe *p, int N);

#endif
