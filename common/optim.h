/*
 * optim.h -- optimizers, gradient clipping and learning-rate schedules.
 *
 * Each optimizer is one loop over a ParamTable's flat buffers (params.h):
 * values, grads, and the state m, v. The update rules follow PyTorch's
 * torch.optim so that a step here and a step there agree to float rounding.
 *
 *   SGD with momentum (Polyak; PyTorch form, dampening 0):
 *       g  = grad + wd * p                    (L2 penalty, tensors with decay only)
 *       m  = mu * m + g                       (m starts at 0, so the first m = g)
 *       p -= lr * m
 *   Adam (Kingma & Ba 2015, Algorithm 1) and AdamW (Loshchilov & Hutter 2019):
 *       Adam : g = grad + wd * p              (weight decay coupled into the gradient)
 *       AdamW: p -= lr * wd * p               (decoupled weight decay)
 *       m = b1 m + (1-b1) g,   v = b2 v + (1-b2) g^2
 *       p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)      t = 1, 2, ...
 *   Weight decay touches only tensors whose ParamInfo.decay is set (matrices by
 *   default: not biases or LayerNorm gains, as in GPT-2).
 *
 * clip_grad_norm() rescales all gradients together when their global L2 norm
 * exceeds max_norm (Pascanu et al. 2013) and returns the norm before clipping,
 * which is worth logging. A model made of several tables (a pretrained body
 * and a new head) clips them as one with clip_grad_norm_tables(): the norm is
 * taken over all of them and one factor scales them all, as PyTorch's
 * clip_grad_norm_ over the parameters of every module. (The optimizer steps
 * need no such care: an update is elementwise, so one adam_step per table.)
 *
 * Schedules return the learning rate for a 0-based step:
 *   lr_linear     lr0 -> lr_end linearly over total steps (word2vec, BERT decay)
 *   lr_cosine     linear warmup to lr_max, then cosine to lr_min at decay_steps (nanoGPT)
 *   lr_noam       d^-0.5 * min(s^-0.5, s * warmup^-1.5) with s = step+1 (Vaswani et al. 2017, eq. 3)
 */
#ifndef NLP_OPTIM_H
#define NLP_OPTIM_H

#include "params.h"

void sgd_step(ParamTable *pt, float lr, float momentum, float weight_decay);

typedef struct {
    float beta1, beta2, eps, weight_decay;
    int decoupled;     /* 1: AdamW, 0: Adam with L2 in the gradient */
} AdamConfig;

/* One Adam/AdamW update; t counts steps from 1 (it sets the bias correction). */
void adam_step(ParamTable *pt, const AdamConfig *cfg, float lr, int t);
/* The same update for the floats [lo, hi) of the buffers only, whose moments
 * are m[0..hi-lo) and v[0..hi-lo) (ZeRO: one rank's slice, zero.h); each
 * tensor the slice cuts keeps its weight-decay mask. */
void adam_step_slice(ParamTable *pt, const AdamConfig *cfg, float lr, int t, size_t lo, size_t hi, float *m,
                     float *v);

float clip_grad_norm(ParamTable *pt, float max_norm);
/* The same over the gradients of n tables together; returns their joint norm. */
float clip_grad_norm_tables(ParamTable *const *pts, int n, float max_norm);

float lr_linear(long step, long total, float lr0, float lr_end);
float lr_cosine(long step, long warmup, long decay_steps, float lr_max, float lr_min);
float lr_noam(long step, int d_model, long warmup, float factor);

#endif
