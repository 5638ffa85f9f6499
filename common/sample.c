/* sample.c -- one token from logits: temperature, top-k, top-p. See sample.h. */
#include "sample.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>

void sampler_check(const SamplerConfig *s) {
    if (!(s->temperature >= 0.0f) || s->temperature > 100.0f)
        usage_error("--temperature %g is outside [0, 100]", s->temperature);
    if (s->top_k < 0) usage_error("--top-k %d must be >= 0 (0: no cut)", s->top_k);
    if (!(s->top_p > 0.0f && s->top_p <= 1.0f)) usage_error("--top-p %g is outside (0, 1]", s->top_p);
}

/* qsort has no context argument: the probabilities being sorted (one thread). */
static const float *sort_probs;
static int by_prob_desc(const void *a, const void *b) {
    float pa = sort_probs[*(const int *)a], pb = sort_probs[*(const int *)b];
    if (pa != pb) return pa < pb ? 1 : -1;
    return *(const int *)a - *(const int *)b;   /* ties: lower id first, deterministic */
}

int sampler_draw(const SamplerConfig *s, const float *logits, int V, float *probs, int *order, Rng *r) {
    int best = 0;
    for (int i = 1; i < V; i++)
        if (logits[i] > logits[best]) best = i;
    if (s->temperature == 0.0f) return best;
    double sum = 0.0;
    for (int i = 0; i < V; i++) {
        probs[i] = expf((logits[i] - logits[best]) / s->temperature);
        sum += probs[i];
    }
    for (int i = 0; i < V; i++) probs[i] = (float)(probs[i] / sum);
    if (s->top_k == 0 && s->top_p >= 1.0f) return rng_categorical(r, probs, V);
    for (int i = 0; i < V; i++) order[i] = i;
    sort_probs = probs;
    qsort(order, (size_t)V, sizeof(int), by_prob_desc);
    int keep = s->top_k > 0 && s->top_k < V ? s->top_k : V;
    double mass = 0.0;
    for (int i = 0; i < keep; i++) {
        mass += probs[order[i]];
        if (mass >= s->top_p) {   /* the nucleus: smallest prefix reaching p */
            keep = i + 1;
            break;
        }
    }
    /* draw among the kept ones, renormalised */
    double kept = 0.0;
    for (int i = 0; i < keep; i++) kept += probs[order[i]];
    double u = rng_uniform_double(r) * kept, acc = 0.0;
    for (int i = 0; i < keep; i++) {
        acc += probs[order[i]];
        if (u < acc) return order[i];
    }
    return order[keep - 1];
}
