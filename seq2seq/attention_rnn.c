/* attention_rnn.c -- additive and dot-product attention over one padded
 * batch of encoder outputs. See attention_rnn.h. */
#include "attention_rnn.h"

#include <string.h>

#include "fastmath.h"

/* Rows fan out to threads only above this much work (floats touched): below
 * it, waking the passively waiting OpenMP threads costs more than the loop. */
#define PARALLEL_MIN_WORK 16384

static size_t work_of(const S2sAttMemory *m, int n) {
    return (size_t)n * m->S * (m->keys ? m->A : m->D);
}

static const float *enc_row(const S2sAttMemory *m, int j, int s) {
    return m->enc + ((size_t)j * m->B + s) * m->D;
}

/* e_j = v . tanh(q + k_j), keeping the tanh in t when t is not NULL. */
static float additive_score(float *restrict t, const float *restrict q, const float *restrict k,
                            const float *restrict v, int A) {
    float e = 0.0f;
    if (t) {
        #pragma omp simd reduction(+:e)
        for (int a = 0; a < A; a++) {
            t[a] = tanh_fast(q[a] + k[a]);
            e += v[a] * t[a];
        }
    } else {
        #pragma omp simd reduction(+:e)
        for (int a = 0; a < A; a++) e += v[a] * tanh_fast(q[a] + k[a]);
    }
    return e;
}

static float dot(const float *restrict x, const float *restrict y, int n) {
    float s = 0.0f;
    #pragma omp simd reduction(+:s)
    for (int i = 0; i < n; i++) s += x[i] * y[i];
    return s;
}

/* y += alpha x */
static void axpy(float *restrict y, float alpha, const float *restrict x, int n) {
    for (int i = 0; i < n; i++) y[i] += alpha * x[i];
}

/* a[0..len) = softmax of the scores held there; a[len..ld) = 0. */
static void masked_softmax(float *a, int len, int ld) {
    float maxv = a[0];
    for (int j = 1; j < len; j++) maxv = a[j] > maxv ? a[j] : maxv;
    float sum = 0.0f;
    for (int j = 0; j < len; j++) {
        a[j] = exp_fast(a[j] - maxv);
        sum += a[j];
    }
    float inv = 1.0f / sum;
    for (int j = 0; j < len; j++) a[j] *= inv;
    for (int j = len; j < ld; j++) a[j] = 0.0f;
}

/* One query row over sentence s: scores, weights, context. */
static void row_forward(float *ctx, float *att, int att_ld, float *tn, const float *q,
                        const S2sAttMemory *m, int s) {
    int len = m->len[s], A = m->A, D = m->D;
    for (int j = 0; j < len; j++) {
        if (m->keys) {
            const float *k = m->keys + ((size_t)j * m->B + s) * A;
            att[j] = additive_score(tn ? tn + (size_t)j * A : NULL, q, k, m->v, A);
        } else {
            att[j] = dot(q, enc_row(m, j, s), D);
        }
    }
    if (tn) memset(tn + (size_t)len * A, 0, (size_t)(m->S - len) * A * sizeof(float));
    masked_softmax(att, len, att_ld);
    memset(ctx, 0, (size_t)D * sizeof(float));
    for (int j = 0; j < len; j++) axpy(ctx, att[j], enc_row(m, j, s), D);
}

void s2s_att_forward(float *ctx, int ctx_ld, float *att, int att_ld, float *tn,
                     const float *q, const S2sAttMemory *m, const int *src, int n) {
    int qw = m->keys ? m->A : m->D;
    #pragma omp parallel for if (work_of(m, n) >= PARALLEL_MIN_WORK)
    for (int i = 0; i < n; i++)
        row_forward(ctx + (size_t)i * ctx_ld, att + (size_t)i * att_ld, att_ld,
                    tn ? tn + (size_t)i * m->S * m->A : NULL, q + (size_t)i * qw, m, src ? src[i] : i);
}

/* One row of backward (sentence b = the row). Through c = sum_j a_j h_j:
 * da_j = dc . h_j and dh_j += a_j dc; through the softmax,
 * de_j = a_j (da_j - sum_k a_k da_k); then through the score. */
static void row_backward(float *dq, float *de, float *d_enc, float *dkeys, const float *dctx,
                         const float *att, const float *tn, const float *q,
                         const S2sAttMemory *m, int b) {
    int len = m->len[b], A = m->A, D = m->D, B = m->B;
    float mean = 0.0f;
    for (int j = 0; j < len; j++) {
        de[j] = dot(dctx, enc_row(m, j, b), D);   /* da_j, for now */
        mean += att[j] * de[j];
        axpy(d_enc + ((size_t)j * B + b) * D, att[j], dctx, D);
    }
    for (int j = 0; j < len; j++) de[j] = att[j] * (de[j] - mean);
    for (int j = len; j < m->S; j++) de[j] = 0.0f;

    if (m->keys) {
        /* e_j = v . t_j, t_j = tanh(q + k_j): q and k_j get the same gradient */
        memset(dq, 0, (size_t)A * sizeof(float));
        for (int j = 0; j < len; j++) {
            const float *restrict t = tn + (size_t)j * A;
            float *restrict dk = dkeys + ((size_t)j * B + b) * A;
            for (int a = 0; a < A; a++) {
                float g = de[j] * m->v[a] * (1.0f - t[a] * t[a]);
                dq[a] += g;
                dk[a] += g;
            }
        }
    } else {
        /* e_j = q . h_j */
        memset(dq, 0, (size_t)D * sizeof(float));
        for (int j = 0; j < len; j++) {
            axpy(dq, de[j], enc_row(m, j, b), D);
            axpy(d_enc + ((size_t)j * B + b) * D, de[j], q, D);
        }
    }
}

void s2s_att_backward(float *dq, float *de, float *d_enc, float *dkeys,
                      const float *dctx, int dctx_ld, const float *att, const float *tn,
                      const float *q, const S2sAttMemory *m, int n) {
    int qw = m->keys ? m->A : m->D, S = m->S;
    /* Row b writes only sentence b's rows of d_enc and dkeys: rows can run in parallel. */
    #pragma omp parallel for if (work_of(m, n) >= PARALLEL_MIN_WORK)
    for (int b = 0; b < n; b++)
        row_backward(dq + (size_t)b * qw, de + (size_t)b * S, d_enc, dkeys,
                     dctx + (size_t)b * dctx_ld, att + (size_t)b * S,
                     tn ? tn + (size_t)b * S * m->A : NULL, q + (size_t)b * qw, m, b);
}
