/* rng.c -- PCG32 and the distributions built on it. See rng.h. */
#include "rng.h"

#include <math.h>

/* PCG-XSH-RR: a 64-bit LCG whose output is a permuted 32-bit slice. */
uint32_t rng_u32(Rng *r) {
    uint64_t old = r->state;
    r->state = old * 6364136223846793005ULL + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

void rng_seed(Rng *r, uint64_t seed, uint64_t stream) {
    r->state = 0;
    r->inc = (stream << 1u) | 1u;   /* the increment must be odd */
    rng_u32(r);
    r->state += seed;
    rng_u32(r);
}

uint32_t rng_below(Rng *r, uint32_t n) {
    /* Reject the top sliver of the 2^32 range that n does not divide evenly. */
    uint32_t threshold = -n % n;
    for (;;) {
        uint32_t x = rng_u32(r);
        if (x >= threshold) return x % n;
    }
}

float rng_uniform(Rng *r) { return (float)(rng_u32(r) >> 8) * (1.0f / 16777216.0f); }

double rng_uniform_double(Rng *r) {
    uint64_t hi = rng_u32(r) >> 5, lo = rng_u32(r) >> 6;   /* 27 + 26 = 53 bits */
    return ((double)hi * 67108864.0 + (double)lo) * (1.0 / 9007199254740992.0);
}

float rng_normal(Rng *r) {
    /* Box-Muller; 1 - u keeps the logarithm's argument in (0, 1]. */
    double u1 = 1.0 - rng_uniform_double(r), u2 = rng_uniform_double(r);
    return (float)(sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2));
}

void rng_fill_uniform(Rng *r, float *x, size_t n, float lo, float hi) {
    for (size_t i = 0; i < n; i++) x[i] = lo + (hi - lo) * rng_uniform(r);
}

void rng_fill_normal(Rng *r, float *x, size_t n, float mean, float std) {
    for (size_t i = 0; i < n; i++) x[i] = mean + std * rng_normal(r);
}

int rng_categorical(Rng *r, const float *p, int n) {
    double total = 0.0;
    for (int i = 0; i < n; i++) total += p[i];
    double u = rng_uniform_double(r) * total, cum = 0.0;
    for (int i = 0; i < n; i++) {
        cum += p[i];
        if (u < cum) return i;
    }
    /* Rounding can leave u == total: return the last index with mass. */
    for (int i = n - 1; i >= 0; i--)
        if (p[i] > 0) return i;
    return n - 1;
}

void rng_shuffle_int(Rng *r, int *a, size_t n) {
    for (size_t i = n; i > 1; i--) {
        size_t j = rng_below(r, (uint32_t)i);
        int t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}
