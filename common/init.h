/*
 * init.h -- weight initialisers that take more than a fill of random numbers
 * (those are rng_fill_uniform / rng_fill_normal in rng.h).
 *
 * init_orthogonal (Saxe et al. 2014, "Exact solutions to the nonlinear
 * dynamics of learning in deep linear neural networks", sec. 3): W (rows,
 * cols) becomes gain times a random matrix whose rows (rows <= cols) or
 * columns (rows >= cols) are orthonormal, so that at the start every
 * direction of the input is passed on with the same scale. It is what
 * torch.nn.init.orthogonal_(W, gain) computes: draw a standard normal matrix
 * (transposed when it is wide), take the Q of its QR decomposition with R's
 * diagonal made positive, (transpose back) and scale by gain. A2C and PPO
 * implementations (openai/baselines, cleanrl) initialise their networks so:
 * gain sqrt(2) for tanh hidden layers, 0.01 for the policy head (a nearly
 * uniform first policy), 1 for the value head.
 *
 * The QR is modified Gram-Schmidt in double: its R has a positive diagonal
 * by construction, so its Q is the one PyTorch keeps after the sign fix.
 * The same normal draws give the same matrix up to float rounding; the
 * draws themselves come from rng.h, not from PyTorch's generator.
 */
#ifndef NLP_INIT_H
#define NLP_INIT_H

#include "rng.h"

/* w (rows, cols) = gain * a random semi-orthogonal matrix. Allocates scratch
 * (an initialiser, never called inside a training step). */
void init_orthogonal(float *w, int rows, int cols, float gain, Rng *r);

#endif
