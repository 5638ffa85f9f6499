/*
 * fastmath.h -- exp, sigmoid and tanh that the compiler can vectorise.
 *
 * glibc's expf and tanhf are calls the vectoriser cannot see through: in
 * profiles, expf inside the softmax took ~20% of a word-level LSTM's step, and
 * tanhf (through expm1f) 43% of a small GPT's step inside GELU. These versions
 * are straight-line float code (no calls, no branches), so a loop over them
 * becomes SIMD code.
 *
 * exp_fast follows the classic Cephes recipe: write x = n ln2 + r with
 * |r| <= ln2/2, take e^r from a degree-6 polynomial, and build 2^n directly in
 * the float's exponent bits. Relative error stays below 3e-7 (glibc: ~1e-7);
 * tests/test_ops.c measures it. Inputs are clamped to [-87, 88], where 2^n is
 * still a normal float, so e^x for x < -87 returns ~1.6e-38 instead of 0.
 *
 * tanh_fast uses one exp: tanh|x| = (1 - e^(-2|x|)) / (1 + e^(-2|x|)), and a
 * Taylor series near 0, where 1 - e^(-2|x|) would cancel.
 */
#ifndef NLP_FASTMATH_H
#define NLP_FASTMATH_H

#include <stdint.h>
#include <string.h>

static inline float exp_fast(float x) {
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    /* n = round(x / ln2): adding 1.5 * 2^23 pushes the fraction bits out. */
    const float round_magic = 12582912.0f;
    float n = (x * 1.44269504088896341f + round_magic) - round_magic;
    /* r = x - n ln2, with ln2 split in two so the product is exact enough. */
    float r = x - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float er = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;   /* 2^n as a float's bit pattern */
    float two_n;
    memcpy(&two_n, &bits, sizeof two_n);
    return er * two_n;
}

static inline float sigmoid_fast(float x) { return 1.0f / (1.0f + exp_fast(-x)); }

static inline float tanh_fast(float x) {
    float a = x < 0.0f ? -x : x;
    float t = exp_fast(-2.0f * a);
    float y = (1.0f - t) / (1.0f + t);
    float x2 = x * x;
    float small = a * (1.0f - x2 * (1.0f / 3.0f - x2 * (2.0f / 15.0f - x2 * (17.0f / 315.0f))));
    y = a < 0.2f ? small : y;
    return x < 0.0f ? -y : y;
}

/* Row reductions for softmax. They keep FASTMATH_LANES partial results, which
 * the compiler turns into one SIMD register (a single running sum would be a
 * serial chain it may not reorder); the lanes are combined at the end. */
#define FASTMATH_LANES 8

static inline float row_max(const float *x, int n) {
    float m[FASTMATH_LANES];
    for (int k = 0; k < FASTMATH_LANES; k++) m[k] = x[0];
    int j = 0;
    for (; j + FASTMATH_LANES <= n; j += FASTMATH_LANES)
        for (int k = 0; k < FASTMATH_LANES; k++) m[k] = x[j + k] > m[k] ? x[j + k] : m[k];
    for (; j < n; j++) m[0] = x[j] > m[0] ? x[j] : m[0];
    float best = m[0];
    for (int k = 1; k < FASTMATH_LANES; k++) best = m[k] > best ? m[k] : best;
    return best;
}

/* y_j = e^(x_j - shift) for j < n (y may be x); returns the sum of the y_j. */
static inline double exp_shifted_sum(float *y, const float *x, float shift, int n) {
    float s[FASTMATH_LANES] = { 0 };
    int j = 0;
    for (; j + FASTMATH_LANES <= n; j += FASTMATH_LANES)
        for (int k = 0; k < FASTMATH_LANES; k++) {
            y[j + k] = exp_fast(x[j + k] - shift);
            s[k] += y[j + k];
        }
    for (; j < n; j++) { y[j] = exp_fast(x[j] - shift); s[0] += y[j]; }
    double sum = 0.0;
    for (int k = 0; k < FASTMATH_LANES; k++) sum += s[k];
    return sum;
}

#endif
