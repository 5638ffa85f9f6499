/* rnn_cells.c -- Elman RNN, LSTM and GRU layers with BPTT. See rnn_cells.h. */
#include "rnn_cells.h"

#include <math.h>
#include <string.h>

#include "fastmath.h"
#include "matmul.h"
#include "util.h"

int rnn_gates(RnnKind kind) {
    switch (kind) {
    case RNN_ELMAN: return 1;
    case RNN_LSTM: return 4;
    case RNN_GRU: return 3;
    }
    die("rnn: unknown cell kind %d", (int)kind);
}

static const char *kind_names[] = { "rnn", "lstm", "gru" };

const char *rnn_kind_name(RnnKind kind) { return kind_names[kind]; }

int rnn_kind_parse(const char *s, RnnKind *kind) {
    for (int k = 0; k < 3; k++)
        if (strcmp(s, kind_names[k]) == 0) { *kind = (RnnKind)k; return 0; }
    if (strcmp(s, "elman") == 0) { *kind = RNN_ELMAN; return 0; }
    return -1;
}

size_t rnn_act_size(RnnKind kind, int T, int B, int H) {
    size_t tbh = (size_t)T * B * H;
    switch (kind) {
    case RNN_ELMAN: return 0;
    case RNN_LSTM: return 5 * tbh;
    case RNN_GRU: return 6 * tbh;
    }
    die("rnn: unknown cell kind %d", (int)kind);
}

size_t rnn_scratch_size(RnnKind kind, int T, int B, int H) {
    size_t tbh = (size_t)T * B * H, bh = (size_t)B * H;
    switch (kind) {
    case RNN_ELMAN: return tbh + 2 * bh;
    case RNN_LSTM: return 4 * tbh + 4 * bh;
    case RNN_GRU: return 6 * tbh + 2 * bh;
    }
    die("rnn: unknown cell kind %d", (int)kind);
}

/* ---------------------------------------------------------------- helpers */

/* y (N,M) += b (M) on every row. */
static void add_rows(float *y, const float *b, int N, int M) {
    for (int n = 0; n < N; n++) {
        float *row = y + (size_t)n * M;
        for (int m = 0; m < M; m++) row[m] += b[m];
    }
}

/* db (M) += the column sums of dy (N,M): a bias's gradient. */
static void add_column_sums(float *db, const float *dy, int N, int M) {
    for (int n = 0; n < N; n++) {
        const float *row = dy + (size_t)n * M;
        for (int m = 0; m < M; m++) db[m] += row[m];
    }
}

/* out (B,GH) += b_hh + h_prev @ w_hh^T: the hidden side of every gate. */
static void add_hidden_side(float *out, const float *h_prev, const float *w_hh, const float *b_hh,
                            int B, int H, int GH) {
    add_rows(out, b_hh, B, GH);
    if (h_prev) matmul(0, 1, B, GH, H, 1.0f, h_prev, w_hh, 1.0f, out);
}

/* ------------------------------------------------------ sequence products */

void rnn_input_forward(float *xg, const float *x, const float *w_ih, const float *b_ih,
                       int N, int I, int GH) {
    for (int n = 0; n < N; n++) memcpy(xg + (size_t)n * GH, b_ih, (size_t)GH * sizeof(float));
    matmul(0, 1, N, GH, I, 1.0f, x, w_ih, 1.0f, xg);
}

void rnn_input_backward(float *dx, float *dw_ih, float *db_ih,
                        const float *dxg, const float *x, const float *w_ih,
                        int N, int I, int GH) {
    if (dx) matmul(0, 0, N, I, GH, 1.0f, dxg, w_ih, 1.0f, dx);
    matmul(1, 0, GH, I, N, 1.0f, dxg, x, 1.0f, dw_ih);
    add_column_sums(db_ih, dxg, N, GH);
}

void rnn_hidden_backward(float *dw_hh, float *db_hh,
                         const float *dhg, const float *h0, const float *h_all,
                         int T, int B, int H, int GH) {
    /* Step t's hidden input is h_all[t-1], so steps 1..T-1 pair with
     * h_all[0..T-2]: one product over (T-1)*B rows. Step 0 pairs with h0. */
    if (h0) matmul(1, 0, GH, H, B, 1.0f, dhg, h0, 1.0f, dw_hh);
    if (T > 1) matmul(1, 0, GH, H, (T - 1) * B, 1.0f, dhg + (size_t)B * GH, h_all, 1.0f, dw_hh);
    add_column_sums(db_hh, dhg, T * B, GH);
}

/* ------------------------------------------------------------------ Elman */

void elman_step_forward(float *h, const float *xg, const float *h_prev,
                        const float *w_hh, const float *b_hh, int B, int H) {
    size_t n = (size_t)B * H;
    if (h != xg) memcpy(h, xg, n * sizeof(float));
    add_hidden_side(h, h_prev, w_hh, b_hh, B, H, H);
    for (size_t i = 0; i < n; i++) h[i] = tanh_fast(h[i]);
}

void elman_step_backward(float *dxg, float *dh_prev,
                         const float *dh, const float *h, const float *w_hh, int B, int H) {
    size_t n = (size_t)B * H;
    for (size_t i = 0; i < n; i++) dxg[i] = dh[i] * (1.0f - h[i] * h[i]);
    if (dh_prev) matmul(0, 0, B, H, H, 1.0f, dxg, w_hh, 1.0f, dh_prev);
}

/* ------------------------------------------------------------------- LSTM */

void lstm_step_forward(float *h, float *c, float *gates,
                       const float *h_prev, const float *c_prev,
                       const float *w_hh, const float *b_hh, int B, int H) {
    add_hidden_side(gates, h_prev, w_hh, b_hh, B, H, 4 * H);
    /* Each loop below runs over one contiguous block, so it becomes SIMD code. */
    for (int b = 0; b < B; b++) {
        float *restrict g = gates + (size_t)b * 4 * H;
        for (int j = 0; j < 2 * H; j++) g[j] = sigmoid_fast(g[j]);          /* i, f */
        for (int j = 2 * H; j < 3 * H; j++) g[j] = tanh_fast(g[j]);         /* g */
        for (int j = 3 * H; j < 4 * H; j++) g[j] = sigmoid_fast(g[j]);      /* o */
        const float *ig = g, *fg = g + H, *gg = g + 2 * H, *og = g + 3 * H;
        float *restrict cb = c + (size_t)b * H, *restrict hb = h + (size_t)b * H;
        if (c_prev) {
            const float *cp = c_prev + (size_t)b * H;
            for (int j = 0; j < H; j++) cb[j] = fg[j] * cp[j] + ig[j] * gg[j];
        } else {
            for (int j = 0; j < H; j++) cb[j] = ig[j] * gg[j];
        }
        for (int j = 0; j < H; j++) hb[j] = og[j] * tanh_fast(cb[j]);
    }
}

/* One batch row of the LSTM's pointwise backward, for the i, g and o gates and
 * dct = dL/dc'. A function of its own, with restrict pointers, so the compiler
 * sees independent contiguous arrays and emits SIMD code. */
static void lstm_row_backward(float *restrict di, float *restrict dct, float *restrict dgg,
                              float *restrict d_o, const float *restrict ig,
                              const float *restrict gg, const float *restrict og,
                              const float *restrict c, const float *restrict dh,
                              const float *restrict dc, int H) {
    for (int j = 0; j < H; j++) {
        float tc = tanh_fast(c[j]);
        /* c' reaches the loss directly (dc) and through h' = o*tanh(c'). */
        float d = dc[j] + dh[j] * og[j] * (1.0f - tc * tc);
        dct[j] = d;
        /* Through each gate's nonlinearity: sigm' = s(1-s), tanh' = 1-t^2. */
        di[j] = d * gg[j] * ig[j] * (1.0f - ig[j]);
        dgg[j] = d * ig[j] * (1.0f - gg[j] * gg[j]);
        d_o[j] = dh[j] * tc * og[j] * (1.0f - og[j]);
    }
}

void lstm_step_backward(float *dgates, float *dh_prev, float *dc_prev,
                        const float *dh, const float *dc,
                        const float *gates, const float *c, const float *c_prev,
                        const float *w_hh, int B, int H) {
    for (int b = 0; b < B; b++) {
        const float *g = gates + (size_t)b * 4 * H, *fg = g + H;
        float *dg = dgates + (size_t)b * 4 * H;
        size_t row = (size_t)b * H;
        /* dct parks in the f gate's block until the f gradient replaces it. */
        float *dct = dg + H;
        lstm_row_backward(dg, dct, dg + 2 * H, dg + 3 * H, g, g + 2 * H, g + 3 * H,
                          c + row, dh + row, dc + row, H);
        if (dc_prev) for (int j = 0; j < H; j++) dc_prev[row + j] += dct[j] * fg[j];
        if (c_prev) for (int j = 0; j < H; j++) dct[j] *= c_prev[row + j] * fg[j] * (1.0f - fg[j]);
        else for (int j = 0; j < H; j++) dct[j] = 0.0f;   /* c_prev = 0: no gradient to f */
    }
    if (dh_prev) matmul(0, 0, B, H, 4 * H, 1.0f, dgates, w_hh, 1.0f, dh_prev);
}

/* -------------------------------------------------------------------- GRU */

/* One batch row of the GRU's pointwise forward: g holds the input side of
 * the r, z, n gates (3H) and becomes r, z, n; hb the hidden side (3H). A
 * function of its own with restrict pointers, so it becomes SIMD code. */
static void gru_row_forward(float *restrict h, float *restrict g, const float *restrict hb,
                            const float *restrict hp, int H) {
    for (int j = 0; j < H; j++) {
        float r = sigmoid_fast(g[j] + hb[j]);
        float z = sigmoid_fast(g[H + j] + hb[H + j]);
        /* the reset gate scales only the hidden side of the candidate */
        float n = tanh_fast(g[2 * H + j] + r * hb[2 * H + j]);
        g[j] = r; g[H + j] = z; g[2 * H + j] = n;
        h[j] = (1.0f - z) * n + z * (hp ? hp[j] : 0.0f);
    }
}

void gru_step_forward(float *h, float *gates, float *hg, const float *h_prev,
                      const float *w_hh, const float *b_hh, int B, int H) {
    memset(hg, 0, (size_t)B * 3 * H * sizeof(float));
    add_hidden_side(hg, h_prev, w_hh, b_hh, B, H, 3 * H);
    for (int b = 0; b < B; b++)
        gru_row_forward(h + (size_t)b * H, gates + (size_t)b * 3 * H, hg + (size_t)b * 3 * H,
                        h_prev ? h_prev + (size_t)b * H : NULL, H);
}

/* One batch row of the GRU's pointwise backward (same layout as above). */
static void gru_row_backward(float *restrict dx, float *restrict dhh, const float *restrict dh,
                             const float *restrict g, const float *restrict hb,
                             const float *restrict hp, int H) {
    for (int j = 0; j < H; j++) {
        float r = g[j], z = g[H + j], n = g[2 * H + j], hn = hb[2 * H + j];
        float prev = hp ? hp[j] : 0.0f;
        float dn = dh[j] * (1.0f - z) * (1.0f - n * n);   /* before tanh */
        float dz = dh[j] * (prev - n) * z * (1.0f - z);   /* before sigm */
        float dr = dn * hn * r * (1.0f - r);               /* before sigm */
        dx[j] = dr; dx[H + j] = dz; dx[2 * H + j] = dn;
        dhh[j] = dr; dhh[H + j] = dz; dhh[2 * H + j] = dn * r;
    }
}

void gru_step_backward(float *dxg, float *dhg, float *dh_prev,
                       const float *dh, const float *gates, const float *hg, const float *h_prev,
                       const float *w_hh, int B, int H) {
    for (int b = 0; b < B; b++) {
        size_t row = (size_t)b * H, row3 = (size_t)b * 3 * H;
        gru_row_backward(dxg + row3, dhg + row3, dh + row, gates + row3, hg + row3,
                         h_prev ? h_prev + row : NULL, H);
        /* h' = (1-z) n + z h: the direct path back to h (z is gates' middle block) */
        if (dh_prev)
            for (int j = 0; j < H; j++) dh_prev[row + j] += dh[row + j] * gates[row3 + H + j];
    }
    if (dh_prev) matmul(0, 0, B, H, 3 * H, 1.0f, dhg, w_hh, 1.0f, dh_prev);
}

/* ------------------------------------------------------------ whole layer */

static void check_sizes(RnnKind kind, int T, int B, int I, int H) {
    rnn_gates(kind);   /* dies on an unknown kind */
    if (T < 1 || B < 1 || I < 1 || H < 1)
        die("rnn: bad layer sizes T=%d B=%d I=%d H=%d", T, B, I, H);
}

/* Both layer forwards: len NULL means every row runs all T steps. */
static void layer_forward(RnnKind kind, float *h_all, float *h_last, float *c_last, float *act,
                          const float *x, const int *len, const float *h0, const float *c0,
                          const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh,
                          int T, int B, int I, int H);

void rnn_layer_forward(RnnKind kind, float *h_all, float *h_last, float *c_last, float *act,
                       const float *x, const float *h0, const float *c0,
                       const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh,
                       int T, int B, int I, int H) {
    check_sizes(kind, T, B, I, H);
    layer_forward(kind, h_all, h_last, c_last, act, x, NULL, h0, c0, w_ih, w_hh, b_ih, b_hh, T, B, I, H);
}

/* dst (n) = src, or zeros when src is NULL. */
static void copy_or_zero(float *dst, const float *src, size_t n) {
    if (src) memcpy(dst, src, n * sizeof(float));
    else memset(dst, 0, n * sizeof(float));
}

/* Both layer backwards: len NULL means every row runs all T steps. */
static void layer_backward(RnnKind kind, float *dx, float *dh0, float *dc0,
                           float *dw_ih, float *dw_hh, float *db_ih, float *db_hh, float *scratch,
                           const float *dh_all, const float *dh_last, const float *dc_last,
                           const float *x, const int *len, const float *h0, const float *c0,
                           const float *h_all, const float *act,
                           const float *w_ih, const float *w_hh,
                           int T, int B, int I, int H);

void rnn_layer_backward(RnnKind kind, float *dx, float *dh0, float *dc0,
                        float *dw_ih, float *dw_hh, float *db_ih, float *db_hh, float *scratch,
                        const float *dh_all, const float *dh_last, const float *dc_last,
                        const float *x, const float *h0, const float *c0,
                        const float *h_all, const float *act,
                        const float *w_ih, const float *w_hh,
                        int T, int B, int I, int H) {
    check_sizes(kind, T, B, I, H);
    layer_backward(kind, dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, scratch, dh_all, dh_last, dc_last, x, NULL, h0, c0,
                   h_all, act, w_ih, w_hh, T, B, I, H);
}

/* ------------------------------------------- padded batches (lengths) */

static void check_lengths(const int *len, int T, int B) {
    if (!len) die("rnn: a padded batch needs its lengths");
    for (int b = 0; b < B; b++)
        if (len[b] < 1 || len[b] > T)
            die("rnn: row %d has length %d, outside [1, %d]", b, len[b], T);
}

/* Zero the rows b of y (B,H) whose sequence has ended before step t (t >= len[b]);
 * none without lengths. */
static void zero_ended_rows(float *y, const int *len, int t, int B, int H) {
    if (!len) return;
    for (int b = 0; b < B; b++)
        if (t >= len[b]) memset(y + (size_t)b * H, 0, (size_t)H * sizeof(float));
}

static void layer_forward(RnnKind kind, float *h_all, float *h_last, float *c_last, float *act,
                          const float *x, const int *len, const float *h0, const float *c0,
                          const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh,
                          int T, int B, int I, int H) {
    size_t bh = (size_t)B * H, GH = (size_t)rnn_gates(kind) * H;
    /* act (none for Elman, which may pass NULL): gates (T,B,GH), then
     * LSTM's cells c (T,B,H) or GRU's hidden sides hg (T,B,3H). */
    float *gates = act;
    float *c_all = kind == RNN_ELMAN ? NULL : act + (size_t)T * B * GH;
    float *hg_all = c_all;
    /* Elman keeps its input side in h_all itself: each step finishes it in place. */
    rnn_input_forward(kind == RNN_ELMAN ? h_all : gates, x, w_ih, b_ih, T * B, I, (int)GH);
    for (int t = 0; t < T; t++) {
        float *h = h_all + t * bh;
        const float *h_prev = t == 0 ? h0 : h_all + (t - 1) * bh;
        switch (kind) {
        case RNN_ELMAN:
            elman_step_forward(h, h, h_prev, w_hh, b_hh, B, H);
            break;
        case RNN_LSTM:
            lstm_step_forward(h, c_all + t * bh, gates + t * B * GH,
                              h_prev, t == 0 ? c0 : c_all + (t - 1) * bh, w_hh, b_hh, B, H);
            zero_ended_rows(c_all + t * bh, len, t, B, H);
            break;
        case RNN_GRU:
            gru_step_forward(h, gates + t * B * GH, hg_all + t * B * GH, h_prev, w_hh, b_hh, B, H);
            break;
        }
        /* An ended row's step ran on padding: its output is zero, and its
         * state lives on at step len[b]-1, where h_last reads it. */
        zero_ended_rows(h, len, t, B, H);
    }
    for (int b = 0; b < B; b++) {
        size_t last = (size_t)((len ? len[b] : T) - 1) * bh + (size_t)b * H;
        if (h_last) memcpy(h_last + (size_t)b * H, h_all + last, (size_t)H * sizeof(float));
        if (c_last && kind == RNN_LSTM) memcpy(c_last + (size_t)b * H, c_all + last, (size_t)H * sizeof(float));
    }
}

void rnn_layer_forward_len(RnnKind kind, float *h_all, float *h_last, float *c_last, float *act,
                           const float *x, const int *len, const float *h0, const float *c0,
                           const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh,
                           int T, int B, int I, int H) {
    check_sizes(kind, T, B, I, H);
    check_lengths(len, T, B);
    layer_forward(kind, h_all, h_last, c_last, act, x, len, h0, c0, w_ih, w_hh, b_ih, b_hh, T, B, I, H);
}

/* The gradient that reaches step t of every row from outside the recurrence:
 * dh (B,H) = dh_all[t] on rows still running, plus dh_last on rows whose
 * last step is t; dc (B,H) (LSTM, else NULL) = dc_last on those rows.
 * Ended rows get zero, so their (discarded) step sends nothing back.
 * len NULL: every row runs all T steps. */
static void seed_step_gradient(float *dh, float *dc, const float *dh_all_t,
                               const float *dh_last, const float *dc_last,
                               const int *len, int t, int T, int B, int H) {
    for (int b = 0; b < B; b++) {
        size_t row = (size_t)b * H;
        int n = len ? len[b] : T;   /* no lengths: every row runs all T steps */
        int running = t < n, last = t == n - 1;
        copy_or_zero(dh + row, running && dh_all_t ? dh_all_t + row : NULL, (size_t)H);
        if (last && dh_last) for (int j = 0; j < H; j++) dh[row + j] += dh_last[row + j];
        if (dc) copy_or_zero(dc + row, last && dc_last ? dc_last + row : NULL, (size_t)H);
    }
}

static void layer_backward(RnnKind kind, float *dx, float *dh0, float *dc0,
                           float *dw_ih, float *dw_hh, float *db_ih, float *db_hh, float *scratch,
                           const float *dh_all, const float *dh_last, const float *dc_last,
                           const float *x, const int *len, const float *h0, const float *c0,
                           const float *h_all, const float *act,
                           const float *w_ih, const float *w_hh,
                           int T, int B, int I, int H) {
    size_t bh = (size_t)B * H, GH = (size_t)rnn_gates(kind) * H, tbg = (size_t)T * B * GH;
    const float *gates = act, *c_all = kind == RNN_ELMAN ? NULL : act + tbg, *hg_all = c_all;
    float *dxg = scratch;                                 /* (T,B,GH) */
    float *dhg = kind == RNN_GRU ? dxg + tbg : dxg;       /* GRU's hidden side differs */
    float *carry = dhg + tbg;             /* (B,H) buffers: two, four for LSTM */
    /* dh, dc: gradient reaching step t's h and c; the *_prev pair collects step t-1's. */
    float *dh = carry, *dh_prev = carry + bh;
    float *dc = kind == RNN_LSTM ? carry + 2 * bh : NULL;
    float *dc_prev = kind == RNN_LSTM ? carry + 3 * bh : NULL;

    seed_step_gradient(dh, dc, dh_all ? dh_all + (T - 1) * bh : NULL, dh_last, dc_last, len, T - 1, T, B, H);
    for (int t = T - 1; t >= 0; t--) {
        const float *h_prev = t == 0 ? h0 : h_all + (t - 1) * bh;
        float *into_h = t == 0 ? dh0 : dh_prev, *into_c = t == 0 ? dc0 : dc_prev;
        /* step t-1 starts from what reaches it from outside; step t adds the recurrence */
        if (t > 0)
            seed_step_gradient(dh_prev, dc_prev, dh_all ? dh_all + (t - 1) * bh : NULL,
                               dh_last, dc_last, len, t - 1, T, B, H);
        switch (kind) {
        case RNN_ELMAN:
            elman_step_backward(dxg + t * bh, into_h, dh, h_all + t * bh, w_hh, B, H);
            break;
        case RNN_LSTM:
            lstm_step_backward(dxg + t * B * GH, into_h, into_c, dh, dc, gates + t * B * GH,
                               c_all + t * bh, t == 0 ? c0 : c_all + (t - 1) * bh, w_hh, B, H);
            break;
        case RNN_GRU:
            gru_step_backward(dxg + t * B * GH, dhg + t * B * GH, into_h, dh, gates + t * B * GH,
                              hg_all + t * B * GH, h_prev, w_hh, B, H);
            break;
        }
        float *tmp = dh; dh = dh_prev; dh_prev = tmp;
        tmp = dc; dc = dc_prev; dc_prev = tmp;
    }
    rnn_input_backward(dx, dw_ih, db_ih, dxg, x, w_ih, T * B, I, (int)GH);
    rnn_hidden_backward(dw_hh, db_hh, dhg, h0, h_all, T, B, H, (int)GH);
}

void rnn_layer_backward_len(RnnKind kind, float *dx, float *dh0, float *dc0,
                            float *dw_ih, float *dw_hh, float *db_ih, float *db_hh, float *scratch,
                            const float *dh_all, const float *dh_last, const float *dc_last,
                            const float *x, const int *len, const float *h0, const float *c0,
                            const float *h_all, const float *act,
                            const float *w_ih, const float *w_hh,
                            int T, int B, int I, int H) {
    check_sizes(kind, T, B, I, H);
    check_lengths(len, T, B);
    layer_backward(kind, dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, scratch, dh_all, dh_last, dc_last, x, len, h0, c0,
                   h_all, act, w_ih, w_hh, T, B, I, H);
}

void rnn_reverse_in_length(float *y, const float *x, const int *len, int T, int B, int D) {
    check_lengths(len, T, B);
    size_t row = (size_t)D * sizeof(float);
    for (int b = 0; b < B; b++) {
        /* the slot of step t of row b in (T,B,D) */
#define AT(p, t) ((p) + ((size_t)(t) * B + b) * D)
        if (y == x) {
            for (int t = 0, u = len[b] - 1; t < u; t++, u--)
                for (int j = 0; j < D; j++) {
                    float v = AT(y, t)[j];
                    AT(y, t)[j] = AT(y, u)[j];
                    AT(y, u)[j] = v;
                }
        } else {
            for (int t = 0; t < T; t++)
                memcpy(AT(y, t), AT(x, t < len[b] ? len[b] - 1 - t : t), row);
        }
#undef AT
    }
}
