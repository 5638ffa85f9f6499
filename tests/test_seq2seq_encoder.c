/*
 * test_seq2seq_encoder.c -- the encoder of seq2seq/encoder.h.
 *
 *   - PyTorch (tests/ref/ref_seq2seq_encoder.py): nn.Embedding and a
 *     two-layer bidirectional nn.GRU, and a two-layer nn.LSTM, over padded
 *     batches through pack_padded_sequence: outputs, h_n, c_n and the
 *     gradient of every parameter of L = sum(out r_out) + sum(h_n r_h)
 *     [+ sum(c_n r_c)] (relative tolerance 1e-5). The source ids at padding
 *     are replaced by ids outside the vocabulary, and r_out is random there:
 *     the encoder must ignore both;
 *   - padding invariance: one sentence alone (B = 1, S = its length) and in
 *     a batch with longer sentences gives the same outputs, final states and
 *     gradients (GRU and LSTM, two directions);
 *   - a central-difference gradcheck of every parameter of a tiny encoder
 *     (two layers, two directions, dropout 0.3 with its masks held fixed;
 *     eps 1e-2, max relative error < 5e-3);
 *   - bad input (a length of 0 or past S, an id outside the vocabulary, a
 *     bad config) exits 1 with a message.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "harness.h"
#include "rng.h"
#include "seq2seq/encoder.h"

#define FIXTURE_REL_TOL 1e-5f
#define GRAD_TOL 5e-3

/* An encoder with its parameters and buffers. */
typedef struct {
    S2sEncoder enc;
    ParamTable pt;
    S2sEncoderActs a;
    uint64_t seed;
} Model;

static void model_new(Model *m, const S2sEncoderConfig *cfg, int S, int B, uint64_t seed) {
    memset(m, 0, sizeof *m);
    params_init(&m->pt);
    s2s_encoder_declare(&m->enc, cfg, &m->pt);
    params_alloc(&m->pt);
    s2s_encoder_bind(&m->enc, &m->pt);
    s2s_encoder_acts_build(&m->a, &m->enc, S, B, seed);
    m->seed = seed;
}

static void model_free(Model *m) {
    s2s_encoder_acts_free(&m->a);
    params_free(&m->pt);
}

/* PyTorch's initialisation, U(-1/sqrt(H), 1/sqrt(H)), and N(0, emb_std)
 * embeddings (PyTorch's is 1). */
static void model_init(Model *m, uint64_t seed, float emb_std) {
    Rng rng;
    rng_seed(&rng, seed, 0);
    float a = 1.0f / sqrtf((float)m->enc.cfg.H);
    for (int k = 0; k < m->pt.count; k++) {
        const ParamInfo *p = &m->pt.info[k];
        float *w = m->pt.values + p->offset;
        if (k == 0) rng_fill_normal(&rng, w, p->size, 0.0f, emb_std);
        else rng_fill_uniform(&rng, w, p->size, -a, a);
    }
}

static size_t states_size(const Model *m, int B) {
    return (size_t)m->enc.cfg.L * m->enc.ndir * B * m->enc.cfg.H;
}

static int is_lstm(const Model *m) { return m->enc.cfg.cell == RNN_LSTM; }

/* ------------------------------------------------------------ PyTorch */

static const float *tensor(const Fixture *fx, const char *prefix, const char *name, size_t n) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", prefix, name);
    size_t have;
    const float *t = fixture_get(fx, key, &have);
    ck_assert_msg(have == n, "fixture tensor %s has %zu floats, want %zu", key, have, n);
    return t;
}

/* |got - want| <= tol * max(1, max |want|): relative to the tensor's scale. */
static int close_rel(const char *label, const float *got, const float *want, size_t n) {
    float scale = 1.0f;
    for (size_t i = 0; i < n; i++) if (fabsf(want[i]) > scale) scale = fabsf(want[i]);
    return check_tensor(label, got, want, n, FIXTURE_REL_TOL * scale);
}

static void check_pytorch(const char *prefix) {
    Fixture *fx = fixture_load("seq2seq_encoder");
    const float *dims = tensor(fx, prefix, "dims", 8);
    S2sEncoderConfig cfg = { .cell = dims[7] ? RNN_LSTM : RNN_GRU, .V = (int)dims[0], .E = (int)dims[1],
                             .H = (int)dims[2], .L = (int)dims[3], .bidir = (int)dims[4], .dropout = 0.0f };
    int S = (int)dims[5], B = (int)dims[6];
    Model m;
    model_new(&m, &cfg, S, B, 1);
    for (int k = 0; k < m.pt.count; k++) {
        const ParamInfo *p = &m.pt.info[k];
        memcpy(m.pt.values + p->offset, tensor(fx, prefix, p->name, p->size), p->size * sizeof(float));
    }
    int *src = malloc((size_t)S * B * sizeof(int)), len[16];
    ck_assert_int_le(B, 16);
    const float *fsrc = tensor(fx, prefix, "src", (size_t)S * B), *flen = tensor(fx, prefix, "len", B);
    for (int b = 0; b < B; b++) len[b] = (int)flen[b];
    for (int s = 0; s < S; s++)
        for (int b = 0; b < B; b++)   /* "anything at padding": ids no embedding has */
            src[s * B + b] = s < len[b] ? (int)fsrc[s * B + b] : (s % 2 ? -3 : cfg.V + 7);

    size_t nout = (size_t)S * B * m.enc.D, nst = states_size(&m, B);
    s2s_encoder_forward(&m.enc, &m.a, src, len, S, B, 1);   /* train: dropout is 0 anyway */
    int ok = 1;
    ok &= close_rel("out", m.a.out, tensor(fx, prefix, "out", nout), nout);
    ok &= close_rel("h_n", m.a.h_final, tensor(fx, prefix, "h_n", nst), nst);
    if (is_lstm(&m)) ok &= close_rel("c_n", m.a.c_final, tensor(fx, prefix, "c_n", nst), nst);

    params_zero_grad(&m.pt);
    s2s_encoder_backward(&m.enc, &m.a, tensor(fx, prefix, "r_out", nout), tensor(fx, prefix, "r_h", nst),
                         is_lstm(&m) ? tensor(fx, prefix, "r_c", nst) : NULL);
    for (int k = 0; k < m.pt.count; k++) {
        const ParamInfo *p = &m.pt.info[k];
        char key[96];
        snprintf(key, sizeof key, "grad.%s", p->name);
        ok &= close_rel(key, m.pt.grads + p->offset, tensor(fx, prefix, key, p->size), p->size);
    }
    free(src);
    model_free(&m);
    fixture_free(fx);
    ck_assert_msg(ok, "%s encoder differs from PyTorch", prefix);
}

START_TEST(pytorch_gru_bidir) { check_pytorch("gru"); }
END_TEST

START_TEST(pytorch_lstm) { check_pytorch("lstm"); }
END_TEST

/* ------------------------------------------------------------ padding */

/* Sentence `sent` of length n, alone and as column 1 of a batch of three
 * whose other sentences are longer (S = 6) and shorter. Its output gradient
 * is the same in both; in the batch its padded positions get garbage (to be
 * ignored) and the other sentences get none, so every parameter gradient
 * comes from the sentence alone. */
static void padding_invariance(RnnKind cell) {
    S2sEncoderConfig cfg = { .cell = cell, .V = 9, .E = 4, .H = 3, .L = 2, .bidir = 1, .dropout = 0.2f };
    enum { n = 3, S = 6, B = 3, col = 1 };
    const int sent[n] = { 5, 2, 7 };
    const int len[B] = { 6, n, 2 }, one_len[1] = { n };
    int src[S * B], one_src[n];
    Rng rng;
    rng_seed(&rng, 33, 0);
    for (int i = 0; i < S * B; i++) src[i] = (int)rng_below(&rng, (uint32_t)cfg.V);
    for (int s = 0; s < n; s++) one_src[s] = src[s * B + col] = sent[s];

    Model one, many;
    model_new(&one, &cfg, n, 1, 5);
    model_new(&many, &cfg, S, B, 5);
    model_init(&one, 8, 1.0f);
    memcpy(many.pt.values, one.pt.values, one.pt.total * sizeof(float));
    int D = one.enc.D, H = cfg.H, LD = cfg.L * one.enc.ndir;

    /* the gradients: the sentence's own, random; the batch's: zero elsewhere */
    float one_dout[n * 6], one_dh[4 * 3], one_dc[4 * 3];
    ck_assert_int_eq(D, 6);
    ck_assert_int_eq(LD * H, 4 * 3);
    rng_fill_normal(&rng, one_dout, (size_t)n * D, 0.0f, 1.0f);
    rng_fill_normal(&rng, one_dh, (size_t)LD * H, 0.0f, 1.0f);
    rng_fill_normal(&rng, one_dc, (size_t)LD * H, 0.0f, 1.0f);
    float dout[S * B * 6] = { 0 }, dh[4 * B * 3] = { 0 }, dc[4 * B * 3] = { 0 };
    for (int s = 0; s < S; s++)
        for (int j = 0; j < D; j++)
            dout[(s * B + col) * D + j] = s < n ? one_dout[s * D + j] : rng_normal(&rng);
    for (int k = 0; k < LD; k++)
        for (int j = 0; j < H; j++) {
            dh[(k * B + col) * H + j] = one_dh[k * H + j];
            dc[(k * B + col) * H + j] = one_dc[k * H + j];
        }

    s2s_encoder_forward(&one.enc, &one.a, one_src, one_len, n, 1, 0);
    s2s_encoder_forward(&many.enc, &many.a, src, len, S, B, 0);
    params_zero_grad(&one.pt);
    params_zero_grad(&many.pt);
    s2s_encoder_backward(&one.enc, &one.a, one_dout, one_dh, cell == RNN_LSTM ? one_dc : NULL);
    s2s_encoder_backward(&many.enc, &many.a, dout, dh, cell == RNN_LSTM ? dc : NULL);

    /* column col of the batch's outputs and states */
    float got_out[S * 6], got_h[4 * 3], got_c[4 * 3];
    for (int s = 0; s < S; s++) memcpy(got_out + s * D, many.a.out + (s * B + col) * D, D * sizeof(float));
    for (int k = 0; k < LD; k++) {
        memcpy(got_h + k * H, many.a.h_final + (k * B + col) * H, H * sizeof(float));
        if (cell == RNN_LSTM) memcpy(got_c + k * H, many.a.c_final + (k * B + col) * H, H * sizeof(float));
    }
    float zeros[S * 6] = { 0 };
    ck_assert(check_tensor("out (in a batch)", got_out, one.a.out, (size_t)n * D, 1e-6f));
    ck_assert(check_tensor("out at padding", got_out + n * D, zeros, (size_t)(S - n) * D, 0.0f));
    ck_assert(check_tensor("h_final (in a batch)", got_h, one.a.h_final, (size_t)LD * H, 1e-6f));
    if (cell == RNN_LSTM)
        ck_assert(check_tensor("c_final (in a batch)", got_c, one.a.c_final, (size_t)LD * H, 1e-6f));
    for (int k = 0; k < one.pt.count; k++) {
        const ParamInfo *p = &one.pt.info[k];
        ck_assert(check_tensor(p->name, many.pt.grads + p->offset, one.pt.grads + p->offset, p->size, 1e-5f));
    }
    model_free(&one);
    model_free(&many);
}

START_TEST(padding_invariance_gru) { padding_invariance(RNN_GRU); }
END_TEST

START_TEST(padding_invariance_lstm) { padding_invariance(RNN_LSTM); }
END_TEST

/* ------------------------------------------------------------ gradcheck */

/* A tiny encoder and the loss L = sum(out r_out) + sum(h_final r_h) [+ sum(c_final r_c)]. */
typedef struct {
    Model m;
    int S, B;
    const int *src, *len;
    float *r_out, *r_h, *r_c;
} Check;

/* Training forward with dropout: the acts are rebuilt with the same seed
 * first, so every evaluation draws the same masks. */
static void check_forward(Check *c) {
    s2s_encoder_acts_free(&c->m.a);
    s2s_encoder_acts_build(&c->m.a, &c->m.enc, c->S, c->B, c->m.seed);
    s2s_encoder_forward(&c->m.enc, &c->m.a, c->src, c->len, c->S, c->B, 1);
}

static double check_loss(void *ctx) {
    Check *c = ctx;
    check_forward(c);
    size_t nout = (size_t)c->S * c->B * c->m.enc.D, nst = states_size(&c->m, c->B);
    double s = 0.0;
    for (size_t i = 0; i < nout; i++) s += (double)c->m.a.out[i] * c->r_out[i];
    for (size_t i = 0; i < nst; i++) s += (double)c->m.a.h_final[i] * c->r_h[i];
    if (is_lstm(&c->m))
        for (size_t i = 0; i < nst; i++) s += (double)c->m.a.c_final[i] * c->r_c[i];
    return s;
}

static void gradcheck_encoder(RnnKind cell, const char *label) {
    S2sEncoderConfig cfg = { .cell = cell, .V = 5, .E = 3, .H = 3, .L = 2, .bidir = 1, .dropout = 0.3f };
    static const int src[4 * 2] = { 1, 4, 0, 2, 3, 9, 2, -1 };   /* padding: 9, -1 */
    static const int len[2] = { 4, 2 };
    Check c = { .S = 4, .B = 2, .src = src, .len = len };
    model_new(&c.m, &cfg, c.S, c.B, 77);
    /* embeddings of std 0.5, not 1: central differences with eps 1e-2 are
     * off by ~eps^2 times the loss's third derivative, and larger inputs
     * (scaled by dropout's 1/(1-p) too) make that the larger error */
    model_init(&c.m, 3, 0.5f);
    size_t nout = (size_t)c.S * c.B * c.m.enc.D, nst = states_size(&c.m, c.B);
    c.r_out = malloc(nout * sizeof(float));
    c.r_h = malloc(nst * sizeof(float));
    c.r_c = malloc(nst * sizeof(float));
    Rng rng;
    rng_seed(&rng, 12, 0);
    rng_fill_normal(&rng, c.r_out, nout, 0.0f, 1.0f);
    rng_fill_normal(&rng, c.r_h, nst, 0.0f, 1.0f);
    rng_fill_normal(&rng, c.r_c, nst, 0.0f, 1.0f);

    check_forward(&c);
    params_zero_grad(&c.m.pt);
    s2s_encoder_backward(&c.m.enc, &c.m.a, c.r_out, c.r_h, is_lstm(&c.m) ? c.r_c : NULL);
    double err = gradcheck(label, check_loss, &c, c.m.pt.values, c.m.pt.grads, c.m.pt.total, 1e-2f);
    ck_assert_msg(err < GRAD_TOL, "%s: rel err %.2e", label, err);
    free(c.r_out); free(c.r_h); free(c.r_c);
    model_free(&c.m);
}

START_TEST(gradcheck_gru) { gradcheck_encoder(RNN_GRU, "encoder gru bidir"); }
END_TEST

START_TEST(gradcheck_lstm) { gradcheck_encoder(RNN_LSTM, "encoder lstm bidir"); }
END_TEST

/* ------------------------------------------------------------ bad input */

/* A tiny GRU encoder over S = 3, B = 2 with the given lengths and ids. */
static void run_batch(const int *src, const int *len) {
    S2sEncoderConfig cfg = { .cell = RNN_GRU, .V = 5, .E = 2, .H = 2, .L = 1, .bidir = 1 };
    Model m;
    model_new(&m, &cfg, 3, 2, 1);
    s2s_encoder_forward(&m.enc, &m.a, src, len, 3, 2, 0);
    model_free(&m);
}

START_TEST(rejects_empty_sentence) {
    const int src[6] = { 1, 1, 1, 1, 1, 1 }, len[2] = { 3, 0 };
    run_batch(src, len);
}
END_TEST

START_TEST(rejects_length_past_s) {
    const int src[6] = { 1, 1, 1, 1, 1, 1 }, len[2] = { 4, 1 };
    run_batch(src, len);
}
END_TEST

START_TEST(rejects_id_outside_vocabulary) {
    const int src[6] = { 1, 1, 5, 1, 1, 1 }, len[2] = { 3, 3 };
    run_batch(src, len);
}
END_TEST

START_TEST(rejects_too_many_layers) {
    S2sEncoderConfig cfg = { .cell = RNN_GRU, .V = 5, .E = 2, .H = 2, .L = S2S_MAX_LAYERS + 1 };
    Model m;
    model_new(&m, &cfg, 3, 2, 1);
}
END_TEST

static Suite *seq2seq_encoder_suite(void) {
    Suite *s = suite_create("seq2seq_encoder");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, pytorch_gru_bidir);
    tcase_add_test(tc, pytorch_lstm);
    tcase_add_test(tc, padding_invariance_gru);
    tcase_add_test(tc, padding_invariance_lstm);
    tcase_add_test(tc, gradcheck_gru);
    tcase_add_test(tc, gradcheck_lstm);
    suite_add_tcase(s, tc);
    TCase *errors = tcase_create("errors");
    tcase_add_exit_test(errors, rejects_empty_sentence, 1);
    tcase_add_exit_test(errors, rejects_length_past_s, 1);
    tcase_add_exit_test(errors, rejects_id_outside_vocabulary, 1);
    tcase_add_exit_test(errors, rejects_too_many_layers, 1);
    suite_add_tcase(s, errors);
    return s;
}

TEST_MAIN(seq2seq_encoder_suite)
