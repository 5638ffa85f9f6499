/* gradnorm.c -- ||dL_T/dh_t|| against T-t for an RNN and an LSTM. See gradnorm.h. */
#include "rnn/gradnorm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "rng.h"
#include "util.h"

static double rms_norm(const float *x, int B, int H) {
    double s = 0.0;
    for (int i = 0; i < B * H; i++) s += (double)x[i] * x[i];
    return sqrt(s / B);
}

void rnn_gradnorm_measure(double *norm, RnnKind kind, int T, int B, int H, float forget_bias, uint64_t seed) {
    if (kind != RNN_ELMAN && kind != RNN_LSTM) die("gradnorm: only the RNN and the LSTM are measured");
    if (T < 1 || B < 1 || H < 1) die("gradnorm: T, B and H must be positive");
    int GH = rnn_gates(kind) * H, I = H;
    size_t bh = (size_t)B * H;
    Rng rng;
    rng_seed(&rng, seed, 11);
    float bound = 1.0f / sqrtf((float)H);
    float *x = xmalloc((size_t)T * B * I * sizeof(float));
    float *w_ih = xmalloc((size_t)GH * I * sizeof(float)), *w_hh = xmalloc((size_t)GH * H * sizeof(float));
    float *b_ih = xmalloc((size_t)GH * sizeof(float)), *b_hh = xmalloc((size_t)GH * sizeof(float));
    rng_fill_normal(&rng, x, (size_t)T * B * I, 0.0f, 1.0f);
    rng_fill_uniform(&rng, w_ih, (size_t)GH * I, -bound, bound);
    rng_fill_uniform(&rng, w_hh, (size_t)GH * H, -bound, bound);
    rng_fill_uniform(&rng, b_ih, (size_t)GH, -bound, bound);
    rng_fill_uniform(&rng, b_hh, (size_t)GH, -bound, bound);
    if (kind == RNN_LSTM) for (int j = H; j < 2 * H; j++) b_ih[j] += forget_bias;   /* gates i, f, g, o */
    float *h_all = xcalloc((size_t)T * bh, sizeof(float));
    float *act = xcalloc(rnn_act_size(kind, T, B, H) + 1, sizeof(float));
    rnn_layer_forward(kind, h_all, NULL, NULL, act, x, NULL, NULL, w_ih, w_hh, b_ih, b_hh, T, B, I, H);

    /* dL/dh_T = r, a random unit vector per sequence */
    float *dh = xcalloc(bh, sizeof(float)), *dc = xcalloc(bh, sizeof(float));
    float *dh_prev = xcalloc(bh, sizeof(float)), *dc_prev = xcalloc(bh, sizeof(float));
    float *dgates = xcalloc((size_t)B * GH, sizeof(float));
    rng_fill_normal(&rng, dh, bh, 0.0f, 1.0f);
    for (int b = 0; b < B; b++) {
        float *r = dh + (size_t)b * H;
        double n = rms_norm(r, 1, H);
        for (int j = 0; j < H; j++) r[j] = (float)(r[j] / n);
    }
    const float *gates = act, *cells = act + (size_t)T * B * GH;
    for (int t = T - 1; t >= 0; t--) {
        norm[T - 1 - t] = rms_norm(dh, B, H);
        memset(dh_prev, 0, bh * sizeof(float));
        memset(dc_prev, 0, bh * sizeof(float));
        if (kind == RNN_ELMAN) {
            elman_step_backward(dgates, dh_prev, dh, h_all + t * bh, w_hh, B, H);
        } else {
            const float *c_prev = t > 0 ? cells + (t - 1) * bh : NULL;
            lstm_step_backward(dgates, dh_prev, dc_prev, dh, dc, gates + (size_t)t * B * GH,
                               cells + t * bh, c_prev, w_hh, B, H);
        }
        memcpy(dh, dh_prev, bh * sizeof(float));
        memcpy(dc, dc_prev, bh * sizeof(float));
    }
    free(x); free(w_ih); free(w_hh); free(b_ih); free(b_hh); free(h_all); free(act);
    free(dh); free(dc); free(dh_prev); free(dc_prev); free(dgates);
}

/* The RESULT line of one distance of the table: %g, since the norms span 17 decades. */
static void gradnorm_result(int H, int d, double rnn, double lstm, double lstm_open) {
    char v[3][32];
    snprintf(v[0], sizeof v[0], "%.6g", rnn);
    snprintf(v[1], sizeof v[1], "%.6g", lstm);
    snprintf(v[2], sizeof v[2], "%.6g", lstm_open);
    result_begin("rnn");
    result_str("task", "gradnorm");
    result_int("hidden", H);
    result_int("back", d);
    result_str("rnn", v[0]);
    result_str("lstm", v[1]);
    result_str("lstm_forget3", v[2]);
    result_end();
}

void rnn_gradnorm_run(const char *dir, int T, int H, uint64_t seed) {
    double *rnn = xmalloc((size_t)T * sizeof(double)), *lstm = xmalloc((size_t)T * sizeof(double));
    double *lstm1 = xmalloc((size_t)T * sizeof(double));
    rnn_gradnorm_measure(rnn, RNN_ELMAN, T, 16, H, 0.0f, seed);
    rnn_gradnorm_measure(lstm, RNN_LSTM, T, 16, H, 0.0f, seed);
    rnn_gradnorm_measure(lstm1, RNN_LSTM, T, 16, H, 3.0f, seed);
    char tsv[4096], png[4096], cmd[12288];
    make_dirs(dir);
    snprintf(tsv, sizeof tsv, "%s/gradnorm.tsv", dir);
    snprintf(png, sizeof png, "%s/gradnorm.png", dir);
    char *tmp;
    FILE *f = atomic_open(tsv, &tmp);
    fprintf(f, "T-t\trnn\tlstm\tlstm_forget_bias_3\n");
    for (int d = 0; d < T; d++) fprintf(f, "%d\t%.6g\t%.6g\t%.6g\n", d, rnn[d], lstm[d], lstm1[d]);
    atomic_commit(f, tmp, tsv);
    printf("||dL_T/dh_t|| (H=%d, random init, mean over 16 sequences)\n"
           "  T-t      RNN         LSTM   LSTM, forget bias 3\n", H);
    for (int d = 0; d < T; d += (d < 10 ? 5 : 10))
        printf("  %3d  %10.3g  %10.3g  %10.3g\n", d, rnn[d], lstm[d], lstm1[d]);
    for (int d = 0; d < T; d += (d < 10 ? 5 : 10)) gradnorm_result(H, d, rnn[d], lstm[d], lstm1[d]);
    fflush(stdout);
    snprintf(cmd, sizeof cmd, "scripts/plot.sh --bars --lines --logy -o '%s' --title "
             "'Vanishing gradient: ||dL_T/dh_t|| against T-t' --ylabel 'gradient norm' '%s' >/dev/null 2>&1",
             png, tsv);
    if (strchr(dir, '\'') || system(cmd) != 0) fprintf(stderr, "rnn: note: no plot (needs gnuplot and scripts/plot.sh)\n");
    else printf("wrote %s\n", png);
    free(rnn); free(lstm); free(lstm1);
}
