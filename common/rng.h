/*
 * rng.h -- one small seedable random generator (PCG32, O'Neill 2014).
 *
 * Every random choice of a run (initialisation, dropout masks, shuffling,
 * sampling) draws from an Rng seeded by --seed, so the same seed and the same
 * thread count give the same run. Streams let independent consumers (say,
 * dropout and data order) draw without disturbing each other:
 *     Rng r; rng_seed(&r, seed, stream);
 */
#ifndef NLP_RNG_H
#define NLP_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct { uint64_t state, inc; } Rng;

void rng_seed(Rng *r, uint64_t seed, uint64_t stream);
uint32_t rng_u32(Rng *r);
uint32_t rng_below(Rng *r, uint32_t n);          /* uniform integer in [0, n), unbiased */
float rng_uniform(Rng *r);                        /* uniform in [0, 1), 24 random bits */
double rng_uniform_double(Rng *r);                /* uniform in [0, 1), 53 random bits */
float rng_normal(Rng *r);                         /* standard normal (Box-Muller) */
void rng_fill_uniform(Rng *r, float *x, size_t n, float lo, float hi);
void rng_fill_normal(Rng *r, float *x, size_t n, float mean, float std);
/* Index i drawn with probability p[i] / sum(p); p need not be normalised. */
int rng_categorical(Rng *r, const float *p, int n);
void rng_shuffle_int(Rng *r, int *a, size_t n);   /* Fisher-Yates */

#endif
