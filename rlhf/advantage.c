/* advantage.c -- returns, GAE, normalisation. See advantage.h. */
#include "rlhf/advantage.h"

#include <math.h>
#include <stddef.h>

void rl_discounted_returns(float *returns, const float *rewards, const int *done, const float *next_value,
                           int T, int N, float gamma) {
    for (int i = 0; i < N; i++) {
        float g = next_value ? next_value[i] : 0.0f;
        for (int t = T - 1; t >= 0; t--) {
            size_t k = (size_t)t * N + i;
            g = rewards[k] + gamma * (done[k] ? 0.0f : g);
            returns[k] = g;
        }
    }
}

void rl_gae(float *adv, float *returns, const float *rewards, const float *values, const int *done,
            const float *next_value, int T, int N, float gamma, float lambda) {
    for (int i = 0; i < N; i++) {
        float last = 0.0f;   /* A_{t+1} */
        for (int t = T - 1; t >= 0; t--) {
            size_t k = (size_t)t * N + i;
            float next_v = t == T - 1 ? next_value[i] : values[k + N];
            float nonterminal = done[k] ? 0.0f : 1.0f;
            float delta = rewards[k] + gamma * nonterminal * next_v - values[k];
            last = delta + gamma * lambda * nonterminal * last;
            adv[k] = last;
            returns[k] = last + values[k];
        }
    }
}

void rl_normalise(float *x, int n, float eps) {
    double mean = 0.0, ss = 0.0;
    for (int i = 0; i < n; i++) mean += x[i];
    mean /= n;
    for (int i = 0; i < n; i++) ss += (x[i] - mean) * (x[i] - mean);
    double denom = n > 1 ? sqrt(ss / (n - 1)) + eps : 1.0;
    for (int i = 0; i < n; i++) x[i] = (float)((x[i] - mean) / denom);
}

/* population variance of a - b (b NULL: of a) */
static double variance(const float *a, const float *b, int n) {
    double mean = 0.0, ss = 0.0;
    for (int i = 0; i < n; i++) mean += a[i] - (b ? b[i] : 0.0f);
    mean /= n;
    for (int i = 0; i < n; i++) {
        double d = a[i] - (b ? b[i] : 0.0f) - mean;
        ss += d * d;
    }
    return ss / n;
}

double rl_explained_variance(const float *pred, const float *target, int n) {
    double var_y = variance(target, NULL, n);
    if (var_y == 0.0) return NAN;
    return 1.0 - variance(target, pred, n) / var_y;
}
