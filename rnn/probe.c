/* probe.c -- softmax regression on frozen vectors, with ELMo's layer mix. See probe.h. */
#include "rnn/probe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "optim.h"
#include "rng.h"
#include "util.h"

void rnn_probe_config_default(RnnProbeConfig *cfg) {
    *cfg = (RnnProbeConfig){ .epochs = 8, .batch = 256, .lr = 2e-3f, .seed = 1 };
}

void rnn_probe_build(RnnProbe *p, int K, int D, int C) {
    if (K < 1 || K > RNN_PROBE_MAX_LAYERS || D < 1 || C < 2)
        die("probe: %d layers of %d features into %d classes is no probe", K, D, C);
    p->K = K; p->D = D; p->C = C;
    params_init(&p->pt);
    params_add(&p->pt, "w", 2, C, D);
    params_add(&p->pt, "b", 1, C);
    if (K > 1) {
        params_add(&p->pt, "mix", 1, K);
        params_add(&p->pt, "gamma", 1, 1);
    }
    params_alloc(&p->pt);
    if (K > 1) params_get(&p->pt, "gamma")[0] = 1.0f;   /* mix = 0: s uniform */
}

void rnn_probe_free(RnnProbe *p) { params_free(&p->pt); }

void rnn_probe_mix_weights(const RnnProbe *p, float *s) {
    if (p->K == 1) { s[0] = 1.0f; return; }
    const float *a = params_get(&p->pt, "mix");
    float top = a[0];
    for (int j = 1; j < p->K; j++) if (a[j] > top) top = a[j];
    double sum = 0;
    for (int j = 0; j < p->K; j++) sum += s[j] = expf(a[j] - top);
    for (int j = 0; j < p->K; j++) s[j] = (float)(s[j] / sum);
}

void rnn_probe_standardize(float *const *xs, const long *ns, int nx, int D, float *mean, float *sd) {
    double *sum = xcalloc((size_t)D, sizeof(double)), *sq = xcalloc((size_t)D, sizeof(double));
    long n = ns[0];
    for (long i = 0; i < n; i++)
        for (int d = 0; d < D; d++) {
            double v = xs[0][(size_t)i * D + d];
            sum[d] += v; sq[d] += v * v;
        }
    for (int d = 0; d < D; d++) {
        double m = n ? sum[d] / n : 0, var = n ? sq[d] / n - m * m : 0;
        mean[d] = (float)m;
        sd[d] = var > 1e-12 ? (float)sqrt(var) : 1.0f;   /* a constant column stays 0 */
    }
    for (int k = 0; k < nx; k++)
        for (long i = 0; i < ns[k]; i++)
            for (int d = 0; d < D; d++) {
                float *v = &xs[k][(size_t)i * D + d];
                *v = (*v - mean[d]) / sd[d];
            }
    free(sum); free(sq);
}

size_t rnn_probe_scratch_size(const RnnProbe *p, int N) {
    /* z and dz (N,D) when mixing; logits and probs (N,C) */
    return (size_t)N * (p->K > 1 ? 2 * (size_t)p->D : 0) + 2 * (size_t)N * p->C;
}

/* z (N,D) = gamma * sum_j s_j xs[j] (eq. 1); a K = 1 probe reads xs[0] itself. */
static const float *mix_forward(const RnnProbe *p, const float *const *xs, int N, float *z) {
    if (p->K == 1) return xs[0];
    float s[RNN_PROBE_MAX_LAYERS], gamma = params_get(&p->pt, "gamma")[0];
    rnn_probe_mix_weights(p, s);
    size_t n = (size_t)N * p->D;
    for (size_t i = 0; i < n; i++) {
        float v = 0.0f;
        for (int j = 0; j < p->K; j++) v += s[j] * xs[j][i];
        z[i] = gamma * v;
    }
    return z;
}

/* Gradients of the mix from dz (N,D): with g_j = <dz, x_j>,
 *     dgamma = sum_j s_j g_j,   ds_j = gamma g_j,   da_j = s_j (ds_j - sum_k s_k ds_k)
 * (the softmax's Jacobian). */
static void mix_backward(RnnProbe *p, const float *const *xs, int N, const float *dz) {
    float s[RNN_PROBE_MAX_LAYERS], gamma = params_get(&p->pt, "gamma")[0];
    double g[RNN_PROBE_MAX_LAYERS], ds[RNN_PROBE_MAX_LAYERS], dot = 0, dgamma = 0;
    rnn_probe_mix_weights(p, s);
    size_t n = (size_t)N * p->D;
    for (int j = 0; j < p->K; j++) {
        g[j] = 0;
        for (size_t i = 0; i < n; i++) g[j] += (double)dz[i] * xs[j][i];
        ds[j] = gamma * g[j];
        dot += s[j] * ds[j];
        dgamma += s[j] * g[j];
    }
    float *da = params_grad(&p->pt, "mix");
    for (int j = 0; j < p->K; j++) da[j] += (float)(s[j] * (ds[j] - dot));
    params_grad(&p->pt, "gamma")[0] += (float)dgamma;
}

double rnn_probe_loss(RnnProbe *p, const float *const *xs, const int *tags, int N, float *scratch, int backward) {
    int D = p->D, C = p->C;
    int mixing = p->K > 1;
    float *z = scratch, *dz = z + (mixing ? (size_t)N * D : 0);
    float *logits = dz + (mixing ? (size_t)N * D : 0), *probs = logits + (size_t)N * C;
    const float *w = params_get(&p->pt, "w"), *b = params_get(&p->pt, "b");
    const float *zin = mix_forward(p, xs, N, z);
    linear_forward(logits, zin, w, b, N, D, C);
    double loss = crossentropy_forward(probs, logits, tags, N, C, -1, 0.0f);
    if (!backward) return loss;
    float *dlogits = logits;   /* spent: reuse */
    memset(dlogits, 0, (size_t)N * C * sizeof(float));
    crossentropy_backward(dlogits, probs, tags, N, C, -1, 0.0f, 1.0f);
    if (mixing) memset(dz, 0, (size_t)N * D * sizeof(float));
    linear_backward(mixing ? dz : NULL, params_grad(&p->pt, "w"), params_grad(&p->pt, "b"), dlogits, zin, w, N, D, C);
    if (mixing) mix_backward(p, xs, N, dz);
    return loss;
}

/* Rows idx[0..N) of each layer into the batch buffers xb[j] (N, D). */
static void gather_rows(float *const *xb, const float *const *layers, int K, int D, const int *idx, int N) {
    for (int j = 0; j < K; j++)
        for (int i = 0; i < N; i++)
            memcpy(xb[j] + (size_t)i * D, layers[j] + (size_t)idx[i] * D, (size_t)D * sizeof(float));
}

double rnn_probe_train(RnnProbe *p, const float *const *layers, const int *tags, long n, const RnnProbeConfig *cfg) {
    int K = p->K, D = p->D, Bt = cfg->batch;
    if (n < 1) die("probe: no training tokens");
    if (n > 0x7fffffff) die("probe: %ld training tokens is too many", n);
    int *order = xmalloc((size_t)n * sizeof(int)), *tb = xmalloc((size_t)Bt * sizeof(int));
    for (long i = 0; i < n; i++) order[i] = (int)i;
    float *xb[RNN_PROBE_MAX_LAYERS];
    float *batch_mem = xmalloc((size_t)K * Bt * D * sizeof(float));
    for (int j = 0; j < K; j++) xb[j] = batch_mem + (size_t)j * Bt * D;
    float *scratch = xmalloc(rnn_probe_scratch_size(p, Bt) * sizeof(float));
    AdamConfig adam = { 0.9f, 0.999f, 1e-8f, 0.0f, 0 };
    Rng rng;
    rng_seed(&rng, cfg->seed, 11);
    int t = 0;
    double epoch_loss = 0;
    for (int e = 0; e < cfg->epochs; e++) {
        rng_shuffle_int(&rng, order, (size_t)n);
        double sum = 0;
        for (long i0 = 0; i0 < n; i0 += Bt) {
            int N = n - i0 < Bt ? (int)(n - i0) : Bt;
            gather_rows(xb, layers, K, D, order + i0, N);
            for (int i = 0; i < N; i++) tb[i] = tags[order[i0 + i]];
            params_zero_grad(&p->pt);
            sum += rnn_probe_loss(p, (const float *const *)xb, tb, N, scratch, 1) * N;
            adam_step(&p->pt, &adam, cfg->lr, ++t);
        }
        epoch_loss = sum / n;
    }
    free(order); free(tb); free(batch_mem); free(scratch);
    return epoch_loss;
}

void rnn_probe_predict(const RnnProbe *p, const float *const *layers, long n, int *pred) {
    enum { ROWS = 1024 };
    int D = p->D, C = p->C;
    float *z = xmalloc((size_t)ROWS * D * sizeof(float)), *logits = xmalloc((size_t)ROWS * C * sizeof(float));
    const float *w = params_get(&p->pt, "w"), *b = params_get(&p->pt, "b");
    for (long i0 = 0; i0 < n; i0 += ROWS) {
        int N = n - i0 < ROWS ? (int)(n - i0) : ROWS;
        const float *xs[RNN_PROBE_MAX_LAYERS];
        for (int j = 0; j < p->K; j++) xs[j] = layers[j] + (size_t)i0 * D;
        linear_forward(logits, mix_forward(p, xs, N, z), w, b, N, D, C);
        for (int i = 0; i < N; i++) {
            const float *row = logits + (size_t)i * C;
            int best = 0;
            for (int c = 1; c < C; c++) if (row[c] > row[best]) best = c;
            pred[i0 + i] = best;
        }
    }
    free(z); free(logits);
}
