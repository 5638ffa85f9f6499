/*
 * test_rnn_cells.c -- Elman RNN, LSTM and GRU layers (common/rnn_cells.h).
 *
 *   - gradcheck of each layer over T=4, B=2, I=3, H=5 with respect to x, h0,
 *     c0 (LSTM) and every weight and bias, with the loss
 *         L = sum(h_all * r_out) + sum(h_last * r_h) [+ sum(c_last * r_c)]
 *     so that every incoming gradient (dh_all, dh_last, dc_last) is exercised
 *     (eps 1e-2, loss in double, max relative error < 5e-3). The worst
 *     case, ~3.8e-3, is a gradient near GRADCHECK_FLOOR: there the float
 *     forward's rounding of L (~5e-7 over 60 weighted outputs) divided by
 *     2*eps is ~3e-5 absolute. Larger eps trades that noise for truncation
 *     error (the weights act T*B times), which is also why x ~ N(0, 0.5).
 *     The PyTorch comparison below pins every gradient to 1e-5 absolute;
 *   - PyTorch fixtures (tests/ref/ref_rnn_cells.py, nn.RNN / nn.LSTM / nn.GRU
 *     with the same weights): all hidden states, the final h and c, and the
 *     gradients of x, h0, c0 and every weight and bias (abs tol 1e-5);
 *   - a NULL initial state behaves as a zero one;
 *   - running the step functions one at a time gives the layer's states;
 *   - padded batches (rnn_layer_forward_len / backward_len): a gradcheck
 *     over rows of lengths 4, 2 and 1 (T = 4), and each row of the padded
 *     batch gives what the plain layer gives on that row alone over its own
 *     length (states, zero outputs at padding, final state, every gradient,
 *     with the output gradient at padded steps ignored);
 *   - rnn_reverse_in_length on a worked example, out of place and in place.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "harness.h"
#include "rng.h"
#include "rnn_cells.h"

#define GRAD_TOL 5e-3
#define FIXTURE_TOL 1e-5f

/* One layer with its inputs, weights, outputs and gradients. */
typedef struct {
    RnnKind kind;
    int T, B, I, H, GH;
    const int *len;                                     /* NULL: every row runs T steps */
    float *x, *h0, *c0, *w_ih, *w_hh, *b_ih, *b_hh;      /* inputs and weights */
    float *r_out, *r_h, *r_c;                           /* loss weights */
    float *h_all, *h_last, *c_last, *act, *scratch;     /* outputs and buffers */
    float *dx, *dh0, *dc0, *dw_ih, *dw_hh, *db_ih, *db_hh;
} Layer;

static float *zeros(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

static Layer layer_new(RnnKind kind, int T, int B, int I, int H) {
    Layer L = {.kind = kind, .T = T, .B = B, .I = I, .H = H, .GH = rnn_gates(kind) * H};
    size_t tbh = (size_t)T * B * H, bh = (size_t)B * H;
    L.x = zeros((size_t)T * B * I); L.h0 = zeros(bh); L.c0 = zeros(bh);
    L.w_ih = zeros((size_t)L.GH * I); L.w_hh = zeros((size_t)L.GH * H);
    L.b_ih = zeros((size_t)L.GH); L.b_hh = zeros((size_t)L.GH);
    L.r_out = zeros(tbh); L.r_h = zeros(bh); L.r_c = zeros(bh);
    L.h_all = zeros(tbh); L.h_last = zeros(bh); L.c_last = zeros(bh);
    L.act = zeros(rnn_act_size(kind, T, B, H));
    L.scratch = zeros(rnn_scratch_size(kind, T, B, H));
    L.dx = zeros((size_t)T * B * I); L.dh0 = zeros(bh); L.dc0 = zeros(bh);
    L.dw_ih = zeros((size_t)L.GH * I); L.dw_hh = zeros((size_t)L.GH * H);
    L.db_ih = zeros((size_t)L.GH); L.db_hh = zeros((size_t)L.GH);
    return L;
}

static void layer_free(Layer *L) {
    float *all[] = {L->x, L->h0, L->c0, L->w_ih, L->w_hh, L->b_ih, L->b_hh, L->r_out, L->r_h,
                    L->r_c, L->h_all, L->h_last, L->c_last, L->act, L->scratch, L->dx, L->dh0,
                    L->dc0, L->dw_ih, L->dw_hh, L->db_ih, L->db_hh};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
}

static int is_lstm(const Layer *L) { return L->kind == RNN_LSTM; }

/* Elman saves nothing: pass act = NULL, as a caller may. */
static float *act_of(const Layer *L) { return L->kind == RNN_ELMAN ? NULL : L->act; }

static void forward(Layer *L) {
    if (L->len) {
        rnn_layer_forward_len(L->kind, L->h_all, L->h_last, is_lstm(L) ? L->c_last : NULL, act_of(L),
                              L->x, L->len, L->h0, is_lstm(L) ? L->c0 : NULL,
                              L->w_ih, L->w_hh, L->b_ih, L->b_hh, L->T, L->B, L->I, L->H);
        return;
    }
    rnn_layer_forward(L->kind, L->h_all, L->h_last, is_lstm(L) ? L->c_last : NULL, act_of(L),
                      L->x, L->h0, is_lstm(L) ? L->c0 : NULL,
                      L->w_ih, L->w_hh, L->b_ih, L->b_hh, L->T, L->B, L->I, L->H);
}

/* Backward from dL/dh_all = r_out, dL/dh_last = r_h, dL/dc_last = r_c. */
static void backward(Layer *L) {
    if (L->len) {
        rnn_layer_backward_len(L->kind, L->dx, L->dh0, is_lstm(L) ? L->dc0 : NULL,
                               L->dw_ih, L->dw_hh, L->db_ih, L->db_hh, L->scratch,
                               L->r_out, L->r_h, is_lstm(L) ? L->r_c : NULL,
                               L->x, L->len, L->h0, is_lstm(L) ? L->c0 : NULL, L->h_all, act_of(L),
                               L->w_ih, L->w_hh, L->T, L->B, L->I, L->H);
        return;
    }
    rnn_layer_backward(L->kind, L->dx, L->dh0, is_lstm(L) ? L->dc0 : NULL,
                       L->dw_ih, L->dw_hh, L->db_ih, L->db_hh, L->scratch,
                       L->r_out, L->r_h, is_lstm(L) ? L->r_c : NULL,
                       L->x, L->h0, is_lstm(L) ? L->c0 : NULL, L->h_all, act_of(L),
                       L->w_ih, L->w_hh, L->T, L->B, L->I, L->H);
}

static double loss(void *ctx) {
    Layer *L = ctx;
    forward(L);
    size_t tbh = (size_t)L->T * L->B * L->H, bh = (size_t)L->B * L->H;
    double s = 0.0;
    for (size_t i = 0; i < tbh; i++) s += (double)L->h_all[i] * L->r_out[i];
    for (size_t i = 0; i < bh; i++) s += (double)L->h_last[i] * L->r_h[i];
    if (is_lstm(L))
        for (size_t i = 0; i < bh; i++) s += (double)L->c_last[i] * L->r_c[i];
    return s;
}

static void fill_random(Layer *L, uint64_t seed) {
    Rng rng;
    rng_seed(&rng, seed, 0);
    size_t tbh = (size_t)L->T * L->B * L->H, bh = (size_t)L->B * L->H;
    rng_fill_normal(&rng, L->x, (size_t)L->T * L->B * L->I, 0.0f, 0.5f);
    rng_fill_normal(&rng, L->h0, bh, 0.0f, 1.0f);
    rng_fill_normal(&rng, L->c0, bh, 0.0f, 1.0f);
    /* PyTorch's init, U(-1/sqrt(H), 1/sqrt(H)) */
    float a = 1.0f / sqrtf((float)L->H);
    rng_fill_uniform(&rng, L->w_ih, (size_t)L->GH * L->I, -a, a);
    rng_fill_uniform(&rng, L->w_hh, (size_t)L->GH * L->H, -a, a);
    rng_fill_uniform(&rng, L->b_ih, (size_t)L->GH, -a, a);
    rng_fill_uniform(&rng, L->b_hh, (size_t)L->GH, -a, a);
    rng_fill_normal(&rng, L->r_out, tbh, 0.0f, 1.0f);
    rng_fill_normal(&rng, L->r_h, bh, 0.0f, 1.0f);
    rng_fill_normal(&rng, L->r_c, bh, 0.0f, 1.0f);
}

/* B = 2 rows of T = 4 steps, or with len, a padded batch of as many rows. */
static void gradcheck_layer(RnnKind kind, const char *name, const int *len, int B) {
    Layer L = layer_new(kind, 4, B, 3, 5);
    L.len = len;
    fill_random(&L, 10 + (uint64_t)kind);
    forward(&L);
    backward(&L);
    struct { const char *what; float *x, *g; size_t n; } checks[] = {
        {"x", L.x, L.dx, (size_t)L.T * L.B * L.I},
        {"h0", L.h0, L.dh0, (size_t)L.B * L.H},
        {"c0", L.c0, L.dc0, is_lstm(&L) ? (size_t)L.B * L.H : 0},
        {"w_ih", L.w_ih, L.dw_ih, (size_t)L.GH * L.I},
        {"w_hh", L.w_hh, L.dw_hh, (size_t)L.GH * L.H},
        {"b_ih", L.b_ih, L.db_ih, (size_t)L.GH},
        {"b_hh", L.b_hh, L.db_hh, (size_t)L.GH},
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        if (checks[i].n == 0) continue;
        char label[64];
        snprintf(label, sizeof label, "%s d%s", name, checks[i].what);
        double err = gradcheck(label, loss, &L, checks[i].x, checks[i].g, checks[i].n, 1e-2f);
        ck_assert_msg(err < GRAD_TOL, "%s: rel err %.2e", label, err);
    }
    layer_free(&L);
}

START_TEST(gradcheck_elman) { gradcheck_layer(RNN_ELMAN, "elman", NULL, 2); }
END_TEST

START_TEST(gradcheck_lstm) { gradcheck_layer(RNN_LSTM, "lstm", NULL, 2); }
END_TEST

START_TEST(gradcheck_gru) { gradcheck_layer(RNN_GRU, "gru", NULL, 2); }
END_TEST

/* a full row, a shorter one and a one-step one: every way a row can end */
static const int padded_len[3] = { 4, 2, 1 };

START_TEST(gradcheck_len_elman) { gradcheck_layer(RNN_ELMAN, "elman (padded)", padded_len, 3); }
END_TEST

START_TEST(gradcheck_len_lstm) { gradcheck_layer(RNN_LSTM, "lstm (padded)", padded_len, 3); }
END_TEST

START_TEST(gradcheck_len_gru) { gradcheck_layer(RNN_GRU, "gru (padded)", padded_len, 3); }
END_TEST

/* Row b of layer P (T,B,...) into a one-row layer A of T = len steps, or back
 * (to_one = 0, the outputs and gradients). n floats per step of the row. */
static void copy_row(float *one, float *batch, int b, int steps, int B, size_t n, int to_one) {
    for (int t = 0; t < steps; t++) {
        float *in_batch = batch + ((size_t)t * B + b) * n, *in_one = one + (size_t)t * n;
        if (to_one) memcpy(in_one, in_batch, n * sizeof(float));
        else memcpy(in_batch, in_one, n * sizeof(float));
    }
}

/* What a padded batch gives row b must be what the plain layer gives that row
 * alone over its own len[b] steps: the padded batch's output gradient at
 * padded steps (random here, as r_out is) must be ignored. The weight
 * gradients of the batch are the sum of the rows' own. */
static void padded_rows_match_alone(RnnKind kind) {
    const int T = 4, B = 3, I = 3, H = 5;
    Layer P = layer_new(kind, T, B, I, H), want = layer_new(kind, T, B, I, H);
    P.len = padded_len;
    fill_random(&P, 21);
    forward(&P);
    backward(&P);
    size_t GH = (size_t)P.GH, bh = (size_t)B * H;
    /* want's x, h_all, dx and row states gather the one-row results */
    for (int b = 0; b < B; b++) {
        int n = padded_len[b];
        Layer A = layer_new(kind, n, 1, I, H);
        copy_row(A.x, P.x, b, n, B, I, 1);
        copy_row(A.r_out, P.r_out, b, n, B, H, 1);
        copy_row(A.h0, P.h0, b, 1, B, H, 1);
        copy_row(A.c0, P.c0, b, 1, B, H, 1);
        copy_row(A.r_h, P.r_h, b, 1, B, H, 1);
        copy_row(A.r_c, P.r_c, b, 1, B, H, 1);
        memcpy(A.w_ih, P.w_ih, GH * I * sizeof(float));
        memcpy(A.w_hh, P.w_hh, GH * H * sizeof(float));
        memcpy(A.b_ih, P.b_ih, GH * sizeof(float));
        memcpy(A.b_hh, P.b_hh, GH * sizeof(float));
        forward(&A);
        backward(&A);
        copy_row(A.h_all, want.h_all, b, n, B, H, 0);
        copy_row(A.h_last, want.h_last, b, 1, B, H, 0);
        copy_row(A.c_last, want.c_last, b, 1, B, H, 0);
        copy_row(A.dx, want.dx, b, n, B, I, 0);
        copy_row(A.dh0, want.dh0, b, 1, B, H, 0);
        copy_row(A.dc0, want.dc0, b, 1, B, H, 0);
        for (size_t i = 0; i < GH * I; i++) want.dw_ih[i] += A.dw_ih[i];
        for (size_t i = 0; i < GH * H; i++) want.dw_hh[i] += A.dw_hh[i];
        for (size_t i = 0; i < GH; i++) want.db_ih[i] += A.db_ih[i];
        for (size_t i = 0; i < GH; i++) want.db_hh[i] += A.db_hh[i];
        layer_free(&A);
    }
    /* want is zero where a row has ended: h_all must be, and so must dx */
    ck_assert(check_tensor("h_all (padded)", P.h_all, want.h_all, (size_t)T * bh, 1e-6f));
    ck_assert(check_tensor("h_last (padded)", P.h_last, want.h_last, bh, 1e-6f));
    if (is_lstm(&P)) ck_assert(check_tensor("c_last (padded)", P.c_last, want.c_last, bh, 1e-6f));
    ck_assert(check_tensor("dx (padded)", P.dx, want.dx, (size_t)T * B * I, 1e-6f));
    ck_assert(check_tensor("dh0 (padded)", P.dh0, want.dh0, bh, 1e-6f));
    if (is_lstm(&P)) ck_assert(check_tensor("dc0 (padded)", P.dc0, want.dc0, bh, 1e-6f));
    ck_assert(check_tensor("dw_ih (padded)", P.dw_ih, want.dw_ih, GH * I, 1e-5f));
    ck_assert(check_tensor("dw_hh (padded)", P.dw_hh, want.dw_hh, GH * H, 1e-5f));
    ck_assert(check_tensor("db_ih (padded)", P.db_ih, want.db_ih, GH, 1e-5f));
    ck_assert(check_tensor("db_hh (padded)", P.db_hh, want.db_hh, GH, 1e-5f));
    layer_free(&P);
    layer_free(&want);
}

START_TEST(padded_rows_alone) {
    padded_rows_match_alone(RNN_ELMAN);
    padded_rows_match_alone(RNN_LSTM);
    padded_rows_match_alone(RNN_GRU);
}
END_TEST

/* T = 4, B = 2, D = 2; x[t, b] = (10t + b, -(10t + b)); lengths 3 and 4. */
START_TEST(reverse_in_length) {
    enum { T = 4, B = 2, D = 2 };
    const int len[B] = { 3, 4 };
    float x[T * B * D], y[T * B * D], orig[T * B * D];
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            x[(t * B + b) * D] = (float)(10 * t + b);
            x[(t * B + b) * D + 1] = -(float)(10 * t + b);
        }
    memcpy(orig, x, sizeof x);
    /* row 0 reads steps 2, 1, 0 then keeps its padded step 3; row 1 reads 3, 2, 1, 0 */
    const float want[T * B * D] = { 20, -20, 31, -31,   10, -10, 21, -21,
                                    0, 0, 11, -11,      30, -30, 1, -1 };
    rnn_reverse_in_length(y, x, len, T, B, D);
    ck_assert(check_tensor("reversed", y, want, T * B * D, 0.0f));
    rnn_reverse_in_length(x, x, len, T, B, D);
    ck_assert(check_tensor("reversed in place", x, want, T * B * D, 0.0f));
    rnn_reverse_in_length(y, y, len, T, B, D);
    ck_assert(check_tensor("reversed twice", y, orig, T * B * D, 0.0f));
}
END_TEST

/* h0 = c0 = NULL must give what explicit zero states give, forward and backward. */
static void null_state_is_zero(RnnKind kind) {
    Layer a = layer_new(kind, 3, 2, 3, 4), b = layer_new(kind, 3, 2, 3, 4);
    fill_random(&a, 99);
    fill_random(&b, 99);
    size_t bh = (size_t)a.B * a.H, tbh = (size_t)a.T * bh;
    memset(a.h0, 0, bh * sizeof(float));
    memset(a.c0, 0, bh * sizeof(float));
    forward(&a);
    backward(&a);
    rnn_layer_forward(kind, b.h_all, b.h_last, is_lstm(&b) ? b.c_last : NULL, act_of(&b), b.x, NULL, NULL,
                      b.w_ih, b.w_hh, b.b_ih, b.b_hh, b.T, b.B, b.I, b.H);
    rnn_layer_backward(kind, b.dx, NULL, NULL, b.dw_ih, b.dw_hh, b.db_ih, b.db_hh, b.scratch,
                       b.r_out, b.r_h, is_lstm(&b) ? b.r_c : NULL, b.x, NULL, NULL, b.h_all, act_of(&b),
                       b.w_ih, b.w_hh, b.T, b.B, b.I, b.H);
    ck_assert(check_tensor("h_all (NULL h0)", b.h_all, a.h_all, tbh, 1e-6f));
    ck_assert(check_tensor("dx (NULL h0)", b.dx, a.dx, (size_t)a.T * a.B * a.I, 1e-6f));
    ck_assert(check_tensor("dw_hh (NULL h0)", b.dw_hh, a.dw_hh, (size_t)a.GH * a.H, 1e-6f));
    ck_assert(check_tensor("db_hh (NULL h0)", b.db_hh, a.db_hh, (size_t)a.GH, 1e-6f));
    layer_free(&a);
    layer_free(&b);
}

START_TEST(null_initial_state) {
    null_state_is_zero(RNN_ELMAN);
    null_state_is_zero(RNN_LSTM);
    null_state_is_zero(RNN_GRU);
}
END_TEST

/* A decoder runs one step at a time (its next input depends on its output):
 * input projection of one step, then the step, must give what the layer gives. */
static void steps_match_layer(RnnKind kind) {
    Layer L = layer_new(kind, 4, 2, 3, 5);
    fill_random(&L, 7);
    forward(&L);
    size_t bh = (size_t)L.B * L.H, bg = (size_t)L.B * L.GH;
    float *h = zeros(2 * bh), *c = zeros(2 * bh), *gates = zeros(bg), *hg = zeros(bg);
    memcpy(h, L.h0, bh * sizeof(float));
    memcpy(c, L.c0, bh * sizeof(float));
    for (int t = 0; t < L.T; t++) {
        float *h_prev = h + (t % 2) * bh, *h_next = h + ((t + 1) % 2) * bh;
        float *c_prev = c + (t % 2) * bh, *c_next = c + ((t + 1) % 2) * bh;
        rnn_input_forward(gates, L.x + (size_t)t * L.B * L.I, L.w_ih, L.b_ih, L.B, L.I, L.GH);
        if (kind == RNN_ELMAN) elman_step_forward(h_next, gates, h_prev, L.w_hh, L.b_hh, L.B, L.H);
        if (kind == RNN_LSTM)
            lstm_step_forward(h_next, c_next, gates, h_prev, c_prev, L.w_hh, L.b_hh, L.B, L.H);
        if (kind == RNN_GRU) gru_step_forward(h_next, gates, hg, h_prev, L.w_hh, L.b_hh, L.B, L.H);
        ck_assert(check_tensor("step h", h_next, L.h_all + t * bh, bh, 1e-6f));
    }
    free(h); free(c); free(gates); free(hg);
    layer_free(&L);
}

START_TEST(step_by_step) {
    steps_match_layer(RNN_ELMAN);
    steps_match_layer(RNN_LSTM);
    steps_match_layer(RNN_GRU);
}
END_TEST

/* Copy fixture tensor name into dst, checking its size. */
static void load(float *dst, const Fixture *fx, const char *name, size_t n) {
    size_t got;
    const float *src = fixture_get(fx, name, &got);
    ck_assert_msg(got == n, "fixture tensor %s has %zu floats, want %zu", name, got, n);
    memcpy(dst, src, n * sizeof(float));
}

static int same(const char *label, const float *got, const Fixture *fx, const char *name, size_t n) {
    size_t have;
    const float *want = fixture_get(fx, name, &have);
    ck_assert_msg(have == n, "fixture tensor %s has %zu floats, want %zu", name, have, n);
    return check_tensor(label, got, want, n, FIXTURE_TOL);
}

static void check_fixture(RnnKind kind, const char *name) {
    Fixture *fx = fixture_load(name);
    int T = fixture_int(fx, "dims", 0), B = fixture_int(fx, "dims", 1);
    int I = fixture_int(fx, "dims", 2), H = fixture_int(fx, "dims", 3);
    Layer L = layer_new(kind, T, B, I, H);
    size_t tbh = (size_t)T * B * H, bh = (size_t)B * H;
    load(L.x, fx, "x", (size_t)T * B * I);
    load(L.h0, fx, "h0", bh);
    load(L.w_ih, fx, "w_ih", (size_t)L.GH * I);
    load(L.w_hh, fx, "w_hh", (size_t)L.GH * H);
    load(L.b_ih, fx, "b_ih", (size_t)L.GH);
    load(L.b_hh, fx, "b_hh", (size_t)L.GH);
    load(L.r_out, fx, "r_out", tbh);
    load(L.r_h, fx, "r_h", bh);
    if (is_lstm(&L)) {
        load(L.c0, fx, "c0", bh);
        load(L.r_c, fx, "r_c", bh);
    }
    forward(&L);
    backward(&L);
    int ok = 1;
    ok &= same("out (h_all)", L.h_all, fx, "out", tbh);
    ok &= same("h_n", L.h_last, fx, "h_n", bh);
    if (is_lstm(&L)) ok &= same("c_n", L.c_last, fx, "c_n", bh);
    ok &= same("dx", L.dx, fx, "dx", (size_t)T * B * I);
    ok &= same("dh0", L.dh0, fx, "dh0", bh);
    if (is_lstm(&L)) ok &= same("dc0", L.dc0, fx, "dc0", bh);
    ok &= same("dw_ih", L.dw_ih, fx, "dw_ih", (size_t)L.GH * I);
    ok &= same("dw_hh", L.dw_hh, fx, "dw_hh", (size_t)L.GH * H);
    ok &= same("db_ih", L.db_ih, fx, "db_ih", (size_t)L.GH);
    ok &= same("db_hh", L.db_hh, fx, "db_hh", (size_t)L.GH);
    layer_free(&L);
    fixture_free(fx);
    ck_assert_msg(ok, "%s differs from PyTorch", name);
}

START_TEST(pytorch_rnn) { check_fixture(RNN_ELMAN, "rnn_elman"); }
END_TEST

START_TEST(pytorch_lstm) { check_fixture(RNN_LSTM, "rnn_lstm"); }
END_TEST

START_TEST(pytorch_gru) { check_fixture(RNN_GRU, "rnn_gru"); }
END_TEST

static Suite *rnn_cells_suite(void) {
    Suite *s = suite_create("rnn_cells");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, gradcheck_elman);
    tcase_add_test(tc, gradcheck_lstm);
    tcase_add_test(tc, gradcheck_gru);
    tcase_add_test(tc, null_initial_state);
    tcase_add_test(tc, step_by_step);
    tcase_add_test(tc, pytorch_rnn);
    tcase_add_test(tc, pytorch_lstm);
    tcase_add_test(tc, pytorch_gru);
    tcase_add_test(tc, gradcheck_len_elman);
    tcase_add_test(tc, gradcheck_len_lstm);
    tcase_add_test(tc, gradcheck_len_gru);
    tcase_add_test(tc, padded_rows_alone);
    tcase_add_test(tc, reverse_in_length);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(rnn_cells_suite)
