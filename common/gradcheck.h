/*
 * gradcheck.h -- analytic gradients against central differences.
 *
 * To check an op (or a whole tiny model), write a LossFn that runs the forward
 * pass and returns a scalar, usually L = sum_i out_i * r_i for a fixed random
 * r, so that dL/dout = r is what the backward pass receives. Run forward and
 * backward once to get the analytic gradient of every input, then call
 *
 *     double err = gradcheck("layernorm dx", loss_fn, ctx, x, dx, n, 1e-2f);
 *
 * which perturbs each x[i] by +-eps, estimates dL/dx[i] = (L+ - L-) / 2eps, and
 * returns the worst relative error
 *     |analytic - numeric| / max(|analytic|, |numeric|, GRADCHECK_FLOOR)
 * (the floor keeps near-zero gradients from dividing by noise), or INFINITY,
 * naming the index, as soon as an analytic or a numeric gradient is NaN or
 * Inf, so that every `err < tol` fails. For float ops
 * with eps = 1e-2 and a double-accumulated loss, errors below 1e-3 are typical.
 * The same call with x = pt->values and grad = pt->grads sweeps every
 * parameter of a model. gradcheck_double() checks a model kept in double
 * (the RNNLM), where eps = 1e-5 gives errors near 1e-8.
 */
#ifndef NLP_GRADCHECK_H
#define NLP_GRADCHECK_H

#include <stddef.h>

#define GRADCHECK_FLOOR 1e-2

typedef double (*LossFn)(void *ctx);

double gradcheck(const char *label, LossFn loss, void *ctx,
                 float *x, const float *grad, size_t n, float eps);
double gradcheck_double(const char *label, LossFn loss, void *ctx,
                        double *x, const double *grad, size_t n, double eps);

#endif
