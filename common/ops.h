/*
 * ops.h -- the neural-network layers every stage is built from, each a pair of
 * plain functions: a forward pass and a backward pass (llm.c style).
 *
 * Conventions:
 *   - Arguments come in a fixed order: outputs, inputs, weights, then sizes.
 *   - Tensors are row-major float arrays; a batch of sequences (B,T) is passed
 *     flattened as N = B*T rows, because none of these ops mixes positions.
 *   - Backward functions take d-prefixed buffers and ACCUMULATE (+=) into the
 *     gradients of inputs and weights, so a tensor used twice (a tied
 *     embedding, a residual stream) simply receives both contributions. Zero
 *     the gradients once per step (params_zero_grad), not per op.
 *   - Forward passes save what backward needs (layernorm's mean and rstd,
 *     dropout's mask, cross-entropy's probabilities) into buffers the caller
 *     owns: no op allocates, so a training step never calls malloc.
 *   - Bad input that would otherwise corrupt memory (an id outside the
 *     vocabulary, a target outside the classes, p outside [0,1)) dies with a
 *     clear message, before any work is done.
 *
 * Legend of dimension letters:
 *   N  rows (batch * time, flattened)     C  input channels (features)
 *   OC output channels of a linear layer  V  vocabulary size / number of classes
 *   n  total element count of an elementwise op
 *
 * A model's forward pass is a readable list of these calls; its backward pass
 * walks the same list in reverse.
 */
#ifndef NLP_OPS_H
#define NLP_OPS_H

#include <stddef.h>

#include "rng.h"

/* ---------------------------------------------------------------- linear */

/* out (N,OC) = inp (N,C) @ weight^T + bias, with weight (OC,C) in PyTorch's
 * (out, in) layout and bias (OC) or NULL. One sgemm for the whole batch. */
void linear_forward(float *out, const float *inp, const float *weight, const float *bias,
                    int N, int C, int OC);
/* dinp (N,C) += dout @ weight;  dweight (OC,C) += dout^T @ inp;
 * dbias (OC) += column sums of dout.  Any of dinp, dweight, dbias may be NULL
 * to skip it (a frozen weight, an input that needs no gradient). */
void linear_backward(float *dinp, float *dweight, float *dbias,
                     const float *dout, const float *inp, const float *weight,
                     int N, int C, int OC);

/* ---------------------------------------------------------------- embedding */

/* out (N,C) = rows ids[i] of table (V,C). Dies if an id is outside [0, V). */
void embedding_forward(float *out, const int *ids, const float *table, int N, int V, int C);
/* The sinusoidal position table of Vaswani et al. 2017 (sec. 3.5) into pe (max_pos, d):
 * PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d)). */
void positional_sinusoids(float *pe, int max_pos, int d);
/* dtable (V,C): row ids[i] += dout[i]. A repeated id gathers every use. */
void embedding_backward(float *dtable, const float *dout, const int *ids, int N, int V, int C);

/* ---------------------------------------------------------------- log-softmax */

/* out (N,V) = inp - logsumexp(inp) per row (shifted by the row max for safety).
 * out must not alias inp: it holds the exponentials while the sum is taken. */
void log_softmax_forward(float *out, const float *inp, int N, int V);
/* Takes the saved OUTPUT:  dinp += dout - softmax(inp) * sum(dout), per row. */
void log_softmax_backward(float *dinp, const float *dout, const float *out, int N, int V);
/* log sum_j exp(z_j) of one row z (V), in double, shifted by the row's max:
 * log softmax(z)[y] = z[y] - logsumexp(z, V), one token's log-probability
 * without a (V) buffer (scoring continuations, a policy's actions). */
double logsumexp(const float *z, int V);

/* ---------------------------------------------------------------- entropy */

/* The entropy of each row's categorical distribution, from its
 * log-probabilities logp (N,V) (log_softmax_forward's output):
 *     out_i = -sum_j p_ij log p_ij,   p = exp(logp)
 * in nats, summed in double. A policy-gradient loss subtracts it to keep the
 * policy exploring (Williams & Peng 1991; the entropy bonus of A3C and PPO). */
void entropy_forward(float *out, const float *logp, int N, int V);
/* dlogp (N,V) += dout_i * dH_i/dlogp_ij = -dout_i * p_ij (logp_ij + 1), the
 * gradient with respect to the log-probabilities taken as free values; chain
 * it with log_softmax_backward to reach the logits. */
void entropy_backward(float *dlogp, const float *dout, const float *logp, int N, int V);

/* ---------------------------------------------------------------- cross-entropy */

/*
 * Softmax and cross-entropy fused, as F.cross_entropy(logits, targets,
 * ignore_index=ignore_index, label_smoothing=smoothing, reduction='mean'):
 *
 *     loss_i = (1 - eps) * (-log p_i[t_i]) + eps * mean_j(-log p_i[j])
 *     loss   = sum of loss_i over rows with t_i != ignore_index, divided by
 *              their count (0 when every row is ignored)
 *
 * (Label smoothing: Szegedy et al. 2016, "Rethinking the Inception
 * Architecture", sec. 7.) logits (N,V), targets (N); probs (N,V) is a scratch
 * buffer the caller provides: it receives softmax(logits) per row, so the
 * backward pass need not recompute it. Sums are accumulated in double. Dies
 * if a non-ignored target is outside [0, V) or eps is outside [0, 1].
 * Returns the mean loss, in double (a gradient check or a perplexity wants
 * more digits than a float holds).
 */
double crossentropy_forward(float *probs, const float *logits, const int *targets,
                           int N, int V, int ignore_index, float smoothing);
/* dlogits (N,V) += (probs - smoothed one-hot) / count * dloss on non-ignored
 * rows, where the smoothed one-hot is (1-eps) at the target plus eps/V
 * everywhere. Ignored rows receive nothing. dloss is dL/dloss (1 for a loss
 * that is minimised directly). */
void crossentropy_backward(float *dlogits, const float *probs, const int *targets,
                           int N, int V, int ignore_index, float smoothing, float dloss);

/* ---------------------------------------------------------------- layernorm */

/*
 * LayerNorm (Ba et al. 2016) over the C channels of each row:
 *     out = (inp - mean) * rstd * weight + bias,  rstd = 1/sqrt(var + eps)
 * with the biased variance, as PyTorch. inp, out (N,C); weight (C); bias (C)
 * or NULL for none (nanoGPT's bias=False); saves mean and rstd (N) for the
 * backward pass. GPT-2 uses eps = 1e-5.
 */
void layernorm_forward(float *out, float *mean, float *rstd,
                       const float *inp, const float *weight, const float *bias,
                       int N, int C, float eps);
/* dinp (N,C), dweight (C), dbias (C) accumulate (dbias may be NULL when there
 * is no bias); takes the saved mean and rstd. */
void layernorm_backward(float *dinp, float *dweight, float *dbias,
                        const float *dout, const float *inp, const float *weight,
                        const float *mean, const float *rstd, int N, int C);

/* ---------------------------------------------------------------- activations */

/* Elementwise over n values. out may alias inp in every forward here. Each
 * backward takes the tensor that makes its derivative cheapest:
 *   tanh:    the output y,  dy/dx = 1 - y^2
 *   sigmoid: the output y,  dy/dx = y (1 - y)
 *   relu:    the output y,  dy/dx = [y > 0]
 *   gelu:    the input x (its derivative is not a function of y alone). */
void tanh_forward(float *out, const float *inp, size_t n);
void tanh_backward(float *dinp, const float *dout, const float *out, size_t n);
void sigmoid_forward(float *out, const float *inp, size_t n);
void sigmoid_backward(float *dinp, const float *dout, const float *out, size_t n);
void relu_forward(float *out, const float *inp, size_t n);
void relu_backward(float *dinp, const float *dout, const float *out, size_t n);
/* GELU in GPT-2's tanh approximation (Hendrycks & Gimpel 2016):
 *     gelu(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
 * the same as PyTorch's F.gelu(x, approximate='tanh'). */
void gelu_forward(float *out, const float *inp, size_t n);
void gelu_backward(float *dinp, const float *dout, const float *inp, size_t n);

/* ---------------------------------------------------------------- dropout */

/*
 * Inverted dropout (Srivastava et al. 2014): keep each value with probability
 * 1-p and scale the kept ones by 1/(1-p), so the expected output equals the
 * input and evaluation needs no rescaling (call with p = 0, or skip the op).
 * mask (n) is caller-provided: it receives 0 or 1/(1-p) per value, the factor
 * that backward multiplies by. p = 0 copies inp and draws nothing from rng.
 * Dies unless 0 <= p < 1. out may alias inp.
 */
void dropout_forward(float *out, float *mask, const float *inp, float p, size_t n, Rng *rng);
/* dinp (n) += dout * mask */
void dropout_backward(float *dinp, const float *dout, const float *mask, size_t n);

#endif
