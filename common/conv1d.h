/*
 * conv1d.h -- convolution over time and max-over-time pooling, the two ops of
 * Kim's (2014) sentence CNN ("Convolutional Neural Networks for Sentence
 * Classification", sec. 2).
 *
 * A filter of width K slides over a sentence of word vectors x (T,C):
 *     out[t, f] = b[f] + sum_{k<K} sum_c x[t+k, c] * w[f, k*C + c],   t = 0..T-K
 * The window x[t .. t+K) is K*C contiguous floats of a batch-major (B,T,C)
 * tensor, so the convolution is one sgemm over windows copied side by side
 * (im2col): cols (B*(T-K+1), K*C) @ w^T (K*C, F). The weight layout (F, K*C)
 * equals PyTorch's Conv1d weight (F, C, K) transposed to (F, K, C).
 *
 * Max-over-time pooling keeps, for each filter, the largest value over the
 * positions: the feature "was this n-gram pattern anywhere in the sentence".
 *
 * Legend: B batch, T time steps (padded length), C channels (embedding size),
 *         K filter width, F filters (feature maps), TO = T-K+1 output steps.
 * Conventions as ops.h: outputs, inputs, weights, sizes; backward accumulates.
 */
#ifndef NLP_CONV1D_H
#define NLP_CONV1D_H

#include <stddef.h>

/* Floats in the im2col scratch buffer: B*(T-K+1)*K*C. */
size_t conv1d_cols_size(int B, int T, int C, int K);

/* out (B,TO,F) = conv(x (B,T,C), w (F,K*C)) + b (F); cols (B*TO, K*C) is
 * filled with the windows and must be kept for backward. Dies if T < K. */
void conv1d_forward(float *out, float *cols, const float *x, const float *w, const float *b,
                    int B, int T, int C, int K, int F);
/* dx (B,T,C) += ..., dw (F,K*C) += dout^T @ cols, db (F) += column sums;
 * dcols (B*TO, K*C) is scratch (overwritten). dx may be NULL (frozen input). */
void conv1d_backward(float *dx, float *dw, float *db, float *dcols,
                     const float *dout, const float *cols, const float *w,
                     int B, int T, int C, int K, int F);

/* out (B,F) = max over t of inp (B,TO,F); argmax (B,F) remembers where. */
void maxpool_time_forward(float *out, int *argmax, const float *inp, int B, int TO, int F);
/* dinp (B,TO,F) += dout (B,F) at each argmax. */
void maxpool_time_backward(float *dinp, const float *dout, const int *argmax, int B, int TO, int F);

#endif
