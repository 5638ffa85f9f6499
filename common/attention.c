/* attention.c -- multi-head scaled dot-product attention. See attention.h. */
#include "attention.h"

#include <math.h>
#include <string.h>

#include "fastmath.h"
#include "matmul.h"
#include "util.h"

/* The scratch buffer holds one head at a time, in contiguous (T,hs) copies
 * that matmul() can take. */
typedef struct {
    float *qh, *doh, *dqh;          /* (Tq,hs) each */
    float *kh, *vh, *dkh, *dvh;     /* (Tk,hs) each */
    float *datt;                    /* (Tq,Tk) */
} HeadBuffers;

size_t attention_scratch_size(int Tq, int Tk, int C, int NH) {
    size_t hs = NH > 0 ? (size_t)(C / NH) : 0;
    return 3 * (size_t)Tq * hs + 4 * (size_t)Tk * hs + (size_t)Tq * Tk;
}

static HeadBuffers head_buffers(float *scratch, int Tq, int Tk, int hs) {
    size_t nq = (size_t)Tq * hs, nk = (size_t)Tk * hs;
    HeadBuffers hb;
    hb.qh = scratch;
    hb.doh = hb.qh + nq;
    hb.dqh = hb.doh + nq;
    hb.kh = hb.dqh + nq;
    hb.vh = hb.kh + nk;
    hb.dkh = hb.vh + nk;
    hb.dvh = hb.dkh + nk;
    hb.datt = hb.dvh + nk;
    return hb;
}

static void check_sizes(int B, int Tq, int Tk, int C, int NH) {
    if (B < 1 || Tq < 1 || Tk < 1 || C < 1)
        die("attention: empty input (B=%d Tq=%d Tk=%d C=%d)", B, Tq, Tk, C);
    if (NH < 1 || C % NH != 0) die("attention: %d channels do not split into %d heads", C, NH);
}

/* Copy head h of batch row b of x (B,T,C) into dst (T,hs). */
static void gather_head(float *dst, const float *x, int b, int h, int T, int C, int hs) {
    for (int t = 0; t < T; t++)
        memcpy(dst + (size_t)t * hs, x + ((size_t)b * T + t) * C + (size_t)h * hs,
               (size_t)hs * sizeof(float));
}

/* Head h of batch row b of x (B,T,C) = src (T,hs), or += when accumulate. */
static void scatter_head(float *x, const float *src, int accumulate, int b, int h, int T, int C, int hs) {
    for (int t = 0; t < T; t++) {
        float *row = x + ((size_t)b * T + t) * C + (size_t)h * hs;
        const float *s = src + (size_t)t * hs;
        if (accumulate) for (int d = 0; d < hs; d++) row[d] += s[d];
        else memcpy(row, s, (size_t)hs * sizeof(float));
    }
}

/* Number of keys query t may see: both masks hide a suffix of the keys. */
static int visible_keys(int t, int len, int causal, int Tq, int Tk) {
    int lim = len;
    if (causal && t + (Tk - Tq) + 1 < lim) lim = t + (Tk - Tq) + 1;
    return lim < 0 ? 0 : lim;
}

/* In place over one row of scores: softmax of the first lim entries, zeros
 * after. Subtracting the max keeps exp() from overflowing. */
static void masked_softmax_row(float *row, int lim, int Tk) {
    float inv = 0.0f;
    if (lim > 0) inv = (float)(1.0 / exp_shifted_sum(row, row, row_max(row, lim), lim));
    for (int j = 0; j < lim; j++) row[j] *= inv;
    for (int j = lim; j < Tk; j++) row[j] = 0.0f;
}

void attention_forward(float *out, float *att, float *scratch,
                       const float *q, const float *k, const float *v,
                       const int *key_len, int causal,
                       int B, int Tq, int Tk, int C, int NH) {
    check_sizes(B, Tq, Tk, C, NH);
    if (key_len)
        for (int b = 0; b < B; b++)
            if (key_len[b] < 0 || key_len[b] > Tk)
                die("attention: key length %d of batch row %d is outside [0, %d]", key_len[b], b, Tk);
    int hs = C / NH;
    float scale = 1.0f / sqrtf((float)hs);
    HeadBuffers hb = head_buffers(scratch, Tq, Tk, hs);
    float *oh = hb.doh;   /* forward keeps the head's output (Tq,hs) here */
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            float *a = att + ((size_t)b * NH + h) * Tq * Tk;
            gather_head(hb.qh, q, b, h, Tq, C, hs);
            gather_head(hb.kh, k, b, h, Tk, C, hs);
            gather_head(hb.vh, v, b, h, Tk, C, hs);
            /* scores (Tq,Tk) = Q K^T / sqrt(hs) */
            matmul(0, 1, Tq, Tk, hs, scale, hb.qh, hb.kh, 0.0f, a);
            /* softmax of each query row over the keys it may see */
            int len = key_len ? key_len[b] : Tk;
            for (int t = 0; t < Tq; t++)
                masked_softmax_row(a + (size_t)t * Tk, visible_keys(t, len, causal, Tq, Tk), Tk);
            /* head output (Tq,hs) = att V */
            matmul(0, 0, Tq, hs, Tk, 1.0f, a, hb.vh, 0.0f, oh);
            scatter_head(out, oh, 0, b, h, Tq, C, hs);
        }
}

void attention_backward(float *dq, float *dk, float *dv, float *scratch,
                        const float *dout, const float *q, const float *k, const float *v,
                        const float *att,
                        int B, int Tq, int Tk, int C, int NH) {
    check_sizes(B, Tq, Tk, C, NH);
    int hs = C / NH;
    float scale = 1.0f / sqrtf((float)hs);
    HeadBuffers hb = head_buffers(scratch, Tq, Tk, hs);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const float *a = att + ((size_t)b * NH + h) * Tq * Tk;
            gather_head(hb.qh, q, b, h, Tq, C, hs);
            gather_head(hb.kh, k, b, h, Tk, C, hs);
            gather_head(hb.vh, v, b, h, Tk, C, hs);
            gather_head(hb.doh, dout, b, h, Tq, C, hs);
            /* out = att V:  dV = att^T dout,  datt = dout V^T */
            matmul(1, 0, Tk, hs, Tq, 1.0f, a, hb.doh, 0.0f, hb.dvh);
            matmul(0, 1, Tq, Tk, hs, 1.0f, hb.doh, hb.vh, 0.0f, hb.datt);
            /* softmax backward, row by row: dscore_j = a_j (datt_j - sum_i a_i datt_i).
             * Masked entries have a_j = 0, so they get no gradient. */
            for (int t = 0; t < Tq; t++) {
                const float *ar = a + (size_t)t * Tk;
                float *dr = hb.datt + (size_t)t * Tk;
                float dot = 0.0f;
                for (int j = 0; j < Tk; j++) dot += ar[j] * dr[j];
                for (int j = 0; j < Tk; j++) dr[j] = ar[j] * (dr[j] - dot);
            }
            /* scores = Q K^T * scale:  dQ = dscores K * scale,  dK = dscores^T Q * scale */
            matmul(0, 0, Tq, hs, Tk, scale, hb.datt, hb.kh, 0.0f, hb.dqh);
            matmul(1, 0, Tk, hs, Tq, scale, hb.datt, hb.qh, 0.0f, hb.dkh);
            scatter_head(dq, hb.dqh, 1, b, h, Tq, C, hs);
            scatter_head(dk, hb.dkh, 1, b, h, Tk, C, hs);
            scatter_head(dv, hb.dvh, 1, b, h, Tk, C, hs);
        }
}
