/* conv1d.c -- convolution over time (im2col + one sgemm) and max-over-time pooling. See conv1d.h. */
#include "conv1d.h"

#include <string.h>

#include "matmul.h"
#include "util.h"

size_t conv1d_cols_size(int B, int T, int C, int K) {
    return T < K ? 0 : (size_t)B * (T - K + 1) * K * C;
}

void conv1d_forward(float *out, float *cols, const float *x, const float *w, const float *b,
                    int B, int T, int C, int K, int F) {
    if (K < 1 || T < K) die("conv1d: a filter of width %d needs at least %d steps (got %d)", K, K, T);
    int TO = T - K + 1;
    size_t win = (size_t)K * C;
    /* im2col: each window of K steps is K*C contiguous floats of x */
    for (int bi = 0; bi < B; bi++)
        for (int t = 0; t < TO; t++)
            memcpy(cols + ((size_t)bi * TO + t) * win, x + ((size_t)bi * T + t) * C, win * sizeof(float));
    int N = B * TO;
    for (int n = 0; n < N; n++) memcpy(out + (size_t)n * F, b, (size_t)F * sizeof(float));
    matmul(0, 1, N, F, (int)win, 1.0f, cols, w, 1.0f, out);
}

void conv1d_backward(float *dx, float *dw, float *db, float *dcols,
                     const float *dout, const float *cols, const float *w,
                     int B, int T, int C, int K, int F) {
    int TO = T - K + 1, N = B * TO;
    size_t win = (size_t)K * C;
    matmul(1, 0, F, (int)win, N, 1.0f, dout, cols, 1.0f, dw);
    for (int n = 0; n < N; n++)
        for (int f = 0; f < F; f++) db[f] += dout[(size_t)n * F + f];
    if (!dx) return;
    matmul(0, 0, N, (int)win, F, 1.0f, dout, w, 0.0f, dcols);
    /* col2im: each window's gradient adds back onto the steps it covered */
    for (int bi = 0; bi < B; bi++)
        for (int t = 0; t < TO; t++) {
            const float *src = dcols + ((size_t)bi * TO + t) * win;
            float *dst = dx + ((size_t)bi * T + t) * C;
            for (size_t i = 0; i < win; i++) dst[i] += src[i];
        }
}

void maxpool_time_forward(float *out, int *argmax, const float *inp, int B, int TO, int F) {
    for (int bi = 0; bi < B; bi++)
        for (int f = 0; f < F; f++) {
            const float *x = inp + (size_t)bi * TO * F + f;
            int best = 0;
            for (int t = 1; t < TO; t++) if (x[(size_t)t * F] > x[(size_t)best * F]) best = t;
            out[(size_t)bi * F + f] = x[(size_t)best * F];
            argmax[(size_t)bi * F + f] = best;
        }
}

void maxpool_time_backward(float *dinp, const float *dout, const int *argmax, int B, int TO, int F) {
    for (int bi = 0; bi < B; bi++)
        for (int f = 0; f < F; f++)
            dinp[((size_t)bi * TO + argmax[(size_t)bi * F + f]) * F + f] += dout[(size_t)bi * F + f];
}
