/* ops.c -- forward and backward passes of the shared layers. See ops.h. */
#include "ops.h"

#include <math.h>
#include <string.h>

#include "fastmath.h"
#include "matmul.h"
#include "util.h"

/* Elementwise and row-wise ops fan out to threads only above this many floats: below it, waking
 * the (passively waiting) OpenMP threads costs more than the loop itself. */
#define PARALLEL_MIN_ELEMENTS 16384

/* ---------------------------------------------------------------- linear */

void linear_forward(float *out, const float *inp, const float *weight, const float *bias,
                    int N, int C, int OC) {
    /* inp (N,C), weight (OC,C), bias (OC) or NULL -> out (N,OC) */
    matmul(0, 1, N, OC, C, 1.0f, inp, weight, 0.0f, out);
    if (!bias) return;
    #pragma omp parallel for if ((size_t)N * OC >= PARALLEL_MIN_ELEMENTS)
    for (int i = 0; i < N; i++) {
        float *row = out + (size_t)i * OC;
        for (int o = 0; o < OC; o++) row[o] += bias[o];
    }
}

void linear_backward(float *dinp, float *dweight, float *dbias,
                     const float *dout, const float *inp, const float *weight,
                     int N, int C, int OC) {
    /* dout (N,OC), inp (N,C), weight (OC,C) -> dinp (N,C), dweight (OC,C), dbias (OC) */
    if (dinp) matmul(0, 0, N, C, OC, 1.0f, dout, weight, 1.0f, dinp);      /* dout @ W */
    if (dweight) matmul(1, 0, OC, C, N, 1.0f, dout, inp, 1.0f, dweight);   /* dout^T @ inp */
    if (!dbias) return;
    for (int i = 0; i < N; i++) {
        const float *row = dout + (size_t)i * OC;
        for (int o = 0; o < OC; o++) dbias[o] += row[o];
    }
}

/* ---------------------------------------------------------------- embedding */

/* Every id must name a row of the table; checked before any row is touched. */
static void check_ids(const int *ids, int N, int V, const char *op) {
    for (int i = 0; i < N; i++)
        if (ids[i] < 0 || ids[i] >= V)
            die("%s: token id %d at position %d is outside the vocabulary [0, %d)",
                op, ids[i], i, V);
}

void positional_sinusoids(float *pe, int max_pos, int d) {
    for (int p = 0; p < max_pos; p++)
        for (int i = 0; i < d; i += 2) {
            double angle = p / pow(10000.0, (double)i / d);
            pe[(size_t)p * d + i] = (float)sin(angle);
            if (i + 1 < d) pe[(size_t)p * d + i + 1] = (float)cos(angle);
        }
}

void embedding_forward(float *out, const int *ids, const float *table, int N, int V, int C) {
    /* ids (N), table (V,C) -> out (N,C) */
    check_ids(ids, N, V, "embedding_forward");
    #pragma omp parallel for if ((size_t)N * C >= PARALLEL_MIN_ELEMENTS)
    for (int i = 0; i < N; i++)
        memcpy(out + (size_t)i * C, table + (size_t)ids[i] * C, (size_t)C * sizeof(float));
}

void embedding_backward(float *dtable, const float *dout, const int *ids, int N, int V, int C) {
    /* dout (N,C), ids (N) -> dtable (V,C). Serial: two rows with the same id
     * would race on one table row if the loop were split across threads. */
    check_ids(ids, N, V, "embedding_backward");
    for (int i = 0; i < N; i++) {
        float *drow = dtable + (size_t)ids[i] * C;
        const float *g = dout + (size_t)i * C;
        for (int c = 0; c < C; c++) drow[c] += g[c];
    }
}

/* ---------------------------------------------------------------- log-softmax */

/* log(sum_j exp(x_j)) of one row, shifted by the row max so no exp overflows. */
static double row_logsumexp(const float *x, float *scratch, int V) {
    float maxv = row_max(x, V);
    return maxv + log(exp_shifted_sum(scratch, x, maxv, V));
}

double logsumexp(const float *z, int V) {
    float maxv = row_max(z, V);
    double sum = 0.0;
    for (int j = 0; j < V; j++) sum += exp((double)z[j] - maxv);
    return maxv + log(sum);
}

void log_softmax_forward(float *out, const float *inp, int N, int V) {
    /* inp (N,V) -> out (N,V) */
    #pragma omp parallel for if ((size_t)N * V >= PARALLEL_MIN_ELEMENTS)
    for (int i = 0; i < N; i++) {
        const float *x = inp + (size_t)i * V;
        float *y = out + (size_t)i * V;
        float lse = (float)row_logsumexp(x, y, V);   /* y holds e^(x-max) meanwhile */
        for (int j = 0; j < V; j++) y[j] = x[j] - lse;
    }
}

void log_softmax_backward(float *dinp, const float *dout, const float *out, int N, int V) {
    /* dout, out (N,V) -> dinp (N,V).  d(x_j - lse)/dx_k = [j=k] - softmax_k */
    #pragma omp parallel for if ((size_t)N * V >= PARALLEL_MIN_ELEMENTS)
    for (int i = 0; i < N; i++) {
        const float *g = dout + (size_t)i * V, *y = out + (size_t)i * V;
        float *dx = dinp + (size_t)i * V;
        double gsum = 0.0;
        for (int j = 0; j < V; j++) gsum += g[j];
        for (int j = 0; j < V; j++) dx[j] += g[j] - exp_fast(y[j]) * (float)gsum;
    }
}

/* ---------------------------------------------------------------- entropy */

void entropy_forward(float *out, const float *logp, int N, int V) {
    /* logp (N,V) -> out (N) */
    for (int i = 0; i < N; i++) {
        const float *lp = logp + (size_t)i * V;
        double h = 0.0;
        for (int j = 0; j < V; j++) h -= (double)exp_fast(lp[j]) * lp[j];
        out[i] = (float)h;
    }
}

void entropy_backward(float *dlogp, const float *dout, const float *logp, int N, int V) {
    /* d(-sum_k p_k l_k)/dl_j = -p_j l_j - p_j, since dp_j/dl_j = p_j for p = exp(l) */
    for (int i = 0; i < N; i++) {
        const float *lp = logp + (size_t)i * V;
        float *dl = dlogp + (size_t)i * V;
        for (int j = 0; j < V; j++) dl[j] -= dout[i] * exp_fast(lp[j]) * (lp[j] + 1.0f);
    }
}

/* ---------------------------------------------------------------- cross-entropy */

/* The loss is summed over a fixed number of row blocks and the block sums are
 * added in order, so the result does not depend on the thread count (an OpenMP
 * reduction would add the threads' partial sums in whatever order they finish). */
#define CE_BLOCKS 64

/* Checks the targets and eps; returns the number of rows that are not ignored. */
static int ce_count_targets(const int *targets, int N, int V, int ignore_index, float smoothing,
                            const char *op) {
    if (!(smoothing >= 0.0f && smoothing <= 1.0f))
        die("%s: label smoothing %g is outside [0, 1]", op, smoothing);
    int count = 0;
    for (int i = 0; i < N; i++) {
        if (targets[i] == ignore_index) continue;
        if (targets[i] < 0 || targets[i] >= V)
            die("%s: target %d at position %d is outside the classes [0, %d) "
                "and is not the ignore index %d", op, targets[i], i, V, ignore_index);
        count++;
    }
    return count;
}

/* Writes softmax(x) into p; returns logsumexp(x) and the mean of x, from
 * which a row's loss follows through -log p_j = lse - x_j. */
static double softmax_row(float *p, const float *x, int V, int need_mean, double *xmean) {
    float maxv = row_max(x, V);
    double sum = exp_shifted_sum(p, x, maxv, V);
    float inv = (float)(1.0 / sum);
    for (int j = 0; j < V; j++) p[j] *= inv;
    *xmean = 0.0;
    if (need_mean) {   /* only label smoothing needs it */
        double xsum = 0.0;
        for (int j = 0; j < V; j++) xsum += x[j];
        *xmean = xsum / V;
    }
    return maxv + log(sum);
}

double crossentropy_forward(float *probs, const float *logits, const int *targets,
                           int N, int V, int ignore_index, float smoothing) {
    /* logits (N,V), targets (N) -> probs (N,V), returns the mean loss */
    int count = ce_count_targets(targets, N, V, ignore_index, smoothing, "crossentropy_forward");
    double block_loss[CE_BLOCKS];
    #pragma omp parallel for if ((size_t)N * V >= PARALLEL_MIN_ELEMENTS)
    for (int b = 0; b < CE_BLOCKS; b++) {
        int lo = (int)((long long)N * b / CE_BLOCKS), hi = (int)((long long)N * (b + 1) / CE_BLOCKS);
        double s = 0.0;
        for (int i = lo; i < hi; i++) {
            const float *x = logits + (size_t)i * V;
            double xmean, lse = softmax_row(probs + (size_t)i * V, x, V, smoothing > 0.0f, &xmean);
            /* An ignored row still gets its probabilities, but adds no loss. */
            if (targets[i] == ignore_index) continue;
            s += (1.0 - smoothing) * (lse - x[targets[i]]) + smoothing * (lse - xmean);
        }
        block_loss[b] = s;
    }
    if (count == 0) return 0.0;   /* nothing to predict: no loss, and no 0/0 */
    double total = 0.0;
    for (int b = 0; b < CE_BLOCKS; b++) total += block_loss[b];
    return total / count;
}

void crossentropy_backward(float *dlogits, const float *probs, const int *targets,
                           int N, int V, int ignore_index, float smoothing, float dloss) {
    /* probs (N,V), targets (N) -> dlogits (N,V).
     * d loss_i / d x_j = p_j - (1-eps)[j = t] - eps/V, then the mean's 1/count. */
    int count = ce_count_targets(targets, N, V, ignore_index, smoothing, "crossentropy_backward");
    if (count == 0) return;
    float scale = dloss / (float)count;
    float off = smoothing / (float)V;
    #pragma omp parallel for if ((size_t)N * V >= PARALLEL_MIN_ELEMENTS)
    for (int i = 0; i < N; i++) {
        if (targets[i] == ignore_index) continue;
        const float *p = probs + (size_t)i * V;
        float *dx = dlogits + (size_t)i * V;
        for (int j = 0; j < V; j++) dx[j] += (p[j] - off) * scale;
        dx[targets[i]] -= (1.0f - smoothing) * scale;
    }
}

/* ---------------------------------------------------------------- layernorm */

void layernorm_forward(float *out, float *mean, float *rstd,
                       const float *inp, const float *weight, const float *bias,
                       int N, int C, float eps) {
    /* inp (N,C), weight (C), bias (C) or NULL -> out (N,C), mean (N), rstd (N) */
    #pragma omp parallel for if ((size_t)N * C >= PARALLEL_MIN_ELEMENTS)
    for (int i = 0; i < N; i++) {
        const float *x = inp + (size_t)i * C;
        float *y = out + (size_t)i * C;
        double m = 0.0;
        for (int c = 0; c < C; c++) m += x[c];
        m /= C;
        double var = 0.0;   /* two passes: sum (x-m)^2 does not cancel like E[x^2]-m^2 */
        for (int c = 0; c < C; c++) var += (x[c] - m) * (x[c] - m);
        var /= C;
        float s = (float)(1.0 / sqrt(var + eps));
        for (int c = 0; c < C; c++)
            y[c] = ((float)(x[c] - m) * s) * weight[c] + (bias ? bias[c] : 0.0f);
        mean[i] = (float)m;
        rstd[i] = s;
    }
}

void layernorm_backward(float *dinp, float *dweight, float *dbias,
                        const float *dout, const float *inp, const float *weight,
                        const float *mean, const float *rstd, int N, int C) {
    /* dout, inp (N,C), weight (C), mean, rstd (N) -> dinp (N,C), dweight, dbias (C).
     * With xhat = (x - mean) rstd and g = weight * dout, the chain rule through
     * mean and rstd gives dx = rstd (g - mean(g) - xhat mean(g xhat)).
     * Serial: every row adds into the same dweight and dbias. */
    for (int i = 0; i < N; i++) {
        const float *x = inp + (size_t)i * C, *gy = dout + (size_t)i * C;
        float *dx = dinp + (size_t)i * C;
        float m = mean[i], s = rstd[i];
        double gmean = 0.0, gxmean = 0.0;
        for (int c = 0; c < C; c++) {
            float xhat = (x[c] - m) * s, g = weight[c] * gy[c];
            gmean += g;
            gxmean += g * xhat;
            dweight[c] += xhat * gy[c];
            if (dbias) dbias[c] += gy[c];
        }
        gmean /= C;
        gxmean /= C;
        for (int c = 0; c < C; c++) {
            float xhat = (x[c] - m) * s, g = weight[c] * gy[c];
            dx[c] += s * (g - (float)gmean - xhat * (float)gxmean);
        }
    }
}

/* ---------------------------------------------------------------- activations */

void tanh_forward(float *out, const float *inp, size_t n) {
    #pragma omp parallel for if (n >= PARALLEL_MIN_ELEMENTS)
    for (size_t i = 0; i < n; i++) out[i] = tanh_fast(inp[i]);
}

void tanh_backward(float *dinp, const float *dout, const float *out, size_t n) {
    #pragma omp parallel for if (n >= PARALLEL_MIN_ELEMENTS)
    for (size_t i = 0; i < n; i++) dinp[i] += dout[i] * (1.0f - out[i] * out[i]);
}

void sigmoid_forward(float *out, const float *inp, size_t n) {
    #pragma omp parallel for if (n >= PARALLEL_MIN_ELEMENTS)
    for (size_t i = 0; i < n; i++) out[i] = sigmoid_fast(inp[i]);
}

void sigmoid_backward(float *dinp, const float *dout, const float *out, size_t n) {
    #pragma omp parallel for if (n >= PARALLEL_MIN_ELEMENTS)
    for (size_t i = 0; i < n; i++) dinp[i] += dout[i] * out[i] * (1.0f - out[i]);
}

void relu_forward(float *out, const float *inp, size_t n) {
    #pragma omp parallel for if (n >= PARALLEL_MIN_ELEMENTS)
    for (size_t i = 0; i < n; i++) out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
}

void relu_backward(float *dinp, const float *dout, const float *out, size_t n) {
    #pragma omp parallel for if (n >= PARALLEL_MIN_ELEMENTS)
    for (size_t i = 0; i < n; i++) if (out[i] > 0.0f) dinp[i] += dout[i];
}

#define GELU_SCALE 0.7978845608028654f   /* sqrt(2/pi) */
#define GELU_CUBIC 0.044715f

void gelu_forward(float *out, const float *inp, size_t n) {
    #pragma omp parallel for if (n >= PARALLEL_MIN_ELEMENTS)
    for (size_t i = 0; i < n; i++) {
        float x = inp[i];
        out[i] = 0.5f * x * (1.0f + tanh_fast(GELU_SCALE * (x + GELU_CUBIC * x * x * x)));
    }
}

void gelu_backward(float *dinp, const float *dout, const float *inp, size_t n) {
    /* With u = sqrt(2/pi)(x + 0.044715 x^3):
     * d/dx 0.5 x (1 + tanh u) = 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) du/dx */
    #pragma omp parallel for if (n >= PARALLEL_MIN_ELEMENTS)
    for (size_t i = 0; i < n; i++) {
        float x = inp[i];
        float t = tanh_fast(GELU_SCALE * (x + GELU_CUBIC * x * x * x));
        float du = GELU_SCALE * (1.0f + 3.0f * GELU_CUBIC * x * x);
        dinp[i] += dout[i] * (0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * du);
    }
}

/* ---------------------------------------------------------------- dropout */

void dropout_forward(float *out, float *mask, const float *inp, float p, size_t n, Rng *rng) {
    /* Serial: the mask must come from rng in a fixed order for runs to repeat. */
    if (!(p >= 0.0f && p < 1.0f)) die("dropout: probability %g is outside [0, 1)", p);
    float keep_scale = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) {
        mask[i] = (p == 0.0f || rng_uniform(rng) >= p) ? keep_scale : 0.0f;
        out[i] = inp[i] * mask[i];
    }
}

void dropout_backward(float *dinp, const float *dout, const float *mask, size_t n) {
    #pragma omp parallel for if (n >= PARALLEL_MIN_ELEMENTS)
    for (size_t i = 0; i < n; i++) dinp[i] += dout[i] * mask[i];
}
