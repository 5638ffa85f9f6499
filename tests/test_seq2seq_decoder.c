/*
 * test_seq2seq_decoder.c -- the decoders of seq2seq/decoder.h.
 *
 *   - PyTorch fixtures (tests/ref/ref_seq2seq_decoder.py): Sutskever (2-layer
 *     LSTM from the encoder's LSTM states), Cho (GRU, context fed), Bahdanau
 *     (2-layer GRU, label smoothing 0.1), Luong dot (2-layer LSTM), general
 *     (GRU) and concat (LSTM) over a padded batch with teacher forcing: the
 *     logits, the loss, the attention weights, every parameter's gradient
 *     and the gradients of enc_out, h_final, c_final (tolerance 1e-5 times
 *     the tensor's largest magnitude, or 1e-5 below 1);
 *   - attention rows sum to 1 over a sentence's positions and are exactly 0
 *     at padding;
 *   - decoding one step at a time (s2s_decode_step, parent = identity; and two
 *     rows per sentence, the sentences in reverse order) gives the
 *     teacher-forced logits and attention rows;
 *   - teacher forcing 0 feeds the argmax: the same logits as greedy decoding;
 *   - finite differences over every weight and over enc_out, h_final,
 *     c_final on tiny models, with dropout on for two of them (the same
 *     masks at every evaluation: the generator is reseeded).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "harness.h"
#include "params.h"
#include "rng.h"
#include "seq2seq/decoder.h"

#define FIXTURE_TOL 1e-5f
#define GRAD_TOL 1e-2

/* One decoder with its batch. */
typedef struct {
    S2sDecoderConfig cfg;
    int T, S, B, pad_id, train;
    float smoothing, tf_ratio;
    ParamTable pt;
    S2sDecoder d;
    S2sDecoderActs a;
    float *enc_out, *h_final, *c_final;
    int *src_len, *tgt_in, *tgt_out;
    size_t n_enc, n_states;
} Case;

static float *floats(size_t n) { return calloc(n ? n : 1, sizeof(float)); }
static int *ints(size_t n) { return calloc(n ? n : 1, sizeof(int)); }

/* Declare, allocate and bind the parameters, build the activations, allocate the inputs. */
static void case_build(Case *k) {
    params_init(&k->pt);
    s2s_decoder_declare(&k->d, &k->cfg, &k->pt);
    params_alloc(&k->pt);
    s2s_decoder_bind(&k->d, &k->pt);
    s2s_decoder_acts_build(&k->a, &k->d, k->T, k->S, k->B, 7);
    k->n_enc = (size_t)k->S * k->B * k->cfg.D;
    k->n_states = (size_t)k->cfg.enc_L * k->cfg.enc_ndir * k->B * k->cfg.enc_H;
    k->enc_out = floats(k->n_enc);
    k->h_final = floats(k->n_states);
    k->c_final = k->cfg.enc_cell == RNN_LSTM ? floats(k->n_states) : NULL;
    k->src_len = ints((size_t)k->B);
    k->tgt_in = ints((size_t)k->T * k->B);
    k->tgt_out = ints((size_t)k->T * k->B);
}

static void case_free(Case *k) {
    s2s_decoder_acts_free(&k->a);
    params_free(&k->pt);
    free(k->enc_out); free(k->h_final); free(k->c_final);
    free(k->src_len); free(k->tgt_in); free(k->tgt_out);
}

static double case_forward(Case *k) {
    rng_seed(&k->a.rng, 7, 0);   /* the same dropout masks at every call */
    return s2s_decoder_forward(&k->d, &k->a, k->enc_out, k->src_len, k->h_final, k->c_final,
                               k->tgt_in, k->tgt_out, k->pad_id, k->smoothing,
                               k->S, k->T, k->B, k->train, k->tf_ratio);
}

static void case_backward(Case *k) {
    params_zero_grad(&k->pt);
    s2s_decoder_backward(&k->d, &k->a, 1.0f);
}

/* ------------------------------------------------------------ fixtures */

static const char *CASES[] = {"sutskever", "cho", "bahdanau", "luong_dot", "luong_general", "luong_concat"};
#define N_CASES (int)(sizeof CASES / sizeof CASES[0])

static float *fx_get(const Fixture *fx, const char *c, const char *what, size_t *n) {
    char key[160];
    snprintf(key, sizeof key, "%s.%s", c, what);
    return fixture_get(fx, key, n);
}

static int fx_has(const Fixture *fx, const char *c, const char *what) {
    char key[160];
    snprintf(key, sizeof key, "%s.%s", c, what);
    for (int i = 0; i < fx->count; i++)
        if (strcmp(fx->t[i].name, key) == 0) return 1;
    return 0;
}

static void copy_ints(int *dst, const float *src, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = (int)lrintf(src[i]);
}

static void copy_exact(float *dst, const Fixture *fx, const char *c, const char *what, size_t n) {
    size_t got;
    const float *src = fx_get(fx, c, what, &got);
    ck_assert_msg(got == n, "%s.%s: %zu floats, expected %zu", c, what, got, n);
    memcpy(dst, src, n * sizeof(float));
}

/* The case the fixture describes, with its weights and inputs. */
static void case_from_fixture(Case *k, const Fixture *fx, const char *c) {
    memset(k, 0, sizeof *k);
    const float *g = fx_get(fx, c, "cfg", NULL);
    k->cfg = (S2sDecoderConfig){.cell = (RnnKind)g[0], .V = (int)g[1], .E = (int)g[2], .H = (int)g[3],
                                .L = (int)g[4], .A = (int)g[5], .attn = (S2sAttention)g[6],
                                .feed_context = (int)g[7], .enc_H = (int)g[8], .enc_L = (int)g[9],
                                .enc_ndir = (int)g[10], .D = (int)g[11], .enc_cell = (RnnKind)g[12]};
    k->T = (int)g[13]; k->S = (int)g[14]; k->B = (int)g[15]; k->pad_id = (int)g[16];
    k->smoothing = fx_get(fx, c, "smoothing", NULL)[0];
    k->tf_ratio = 1.0f;
    case_build(k);
    for (int i = 0; i < k->pt.count; i++)
        copy_exact(k->pt.values + k->pt.info[i].offset, fx, c, k->pt.info[i].name, k->pt.info[i].size);
    copy_exact(k->enc_out, fx, c, "enc_out", k->n_enc);
    copy_exact(k->h_final, fx, c, "h_final", k->n_states);
    if (k->c_final) copy_exact(k->c_final, fx, c, "c_final", k->n_states);
    copy_ints(k->src_len, fx_get(fx, c, "src_len", NULL), (size_t)k->B);
    copy_ints(k->tgt_in, fx_get(fx, c, "tgt_in", NULL), (size_t)k->T * k->B);
    copy_ints(k->tgt_out, fx_get(fx, c, "tgt_out", NULL), (size_t)k->T * k->B);
}

/* check_tensor with a tolerance relative to the reference's scale. */
static int check_close(const char *label, const float *got, const float *want, size_t n) {
    float scale = 1.0f;
    for (size_t i = 0; i < n; i++) scale = fabsf(want[i]) > scale ? fabsf(want[i]) : scale;
    return check_tensor(label, got, want, n, FIXTURE_TOL * scale);
}

static void compare_one(const Fixture *fx, const char *c, const char *what, const float *got, size_t n) {
    size_t m;
    const float *want = fx_get(fx, c, what, &m);
    ck_assert_msg(m == n, "%s.%s: %zu floats, expected %zu", c, what, m, n);
    char label[160];
    snprintf(label, sizeof label, "%s %s", c, what);
    ck_assert_msg(check_close(label, got, want, n), "%s differs from PyTorch", label);
}

static void matches_pytorch(const char *c) {
    Fixture *fx = fixture_load("seq2seq_decoder");
    Case k;
    case_from_fixture(&k, fx, c);
    double loss = case_forward(&k);
    float want_loss = fx_get(fx, c, "loss", NULL)[0];
    printf("%s loss %.7f (PyTorch %.7f)\n", c, loss, want_loss);
    ck_assert_msg(fabs(loss - want_loss) < 1e-5, "%s: loss %.7f, PyTorch %.7f", c, loss, want_loss);
    compare_one(fx, c, "logits", k.a.logits, (size_t)k.T * k.B * k.cfg.V);
    if (k.cfg.attn != S2S_ATTN_NONE) compare_one(fx, c, "att", k.a.att, (size_t)k.T * k.B * k.S);
    else ck_assert(k.a.att == NULL);

    case_backward(&k);
    for (int i = 0; i < k.pt.count; i++) {
        char what[96];
        snprintf(what, sizeof what, "grad.%s", k.pt.info[i].name);
        compare_one(fx, c, what, k.pt.grads + k.pt.info[i].offset, k.pt.info[i].size);
    }
    compare_one(fx, c, "d_enc_out", k.a.d_enc_out, k.n_enc);
    compare_one(fx, c, "dh_final", k.a.dh_final, k.n_states);
    if (fx_has(fx, c, "dc_final")) compare_one(fx, c, "dc_final", k.a.dc_final, k.n_states);
    else ck_assert(k.a.dc_final == NULL);
    case_free(&k);
    fixture_free(fx);
}

START_TEST(pytorch_case) { matches_pytorch(CASES[_i]); }
END_TEST

/* ------------------------------------------------------------ attention rows */

START_TEST(attention_rows_are_distributions) {
    Fixture *fx = fixture_load("seq2seq_decoder");
    for (int ci = 0; ci < N_CASES; ci++) {
        Case k;
        case_from_fixture(&k, fx, CASES[ci]);
        case_forward(&k);
        if (k.a.att) {
            for (int t = 0; t < k.T; t++)
                for (int b = 0; b < k.B; b++) {
                    const float *row = k.a.att + ((size_t)t * k.B + b) * k.S;
                    double sum = 0.0;
                    for (int j = 0; j < k.S; j++) {
                        if (j >= k.src_len[b]) ck_assert_msg(row[j] == 0.0f, "%s: weight at padding", CASES[ci]);
                        ck_assert(row[j] >= 0.0f);
                        sum += row[j];
                    }
                    ck_assert_msg(fabs(sum - 1.0) < 1e-5, "%s: row sums to %g", CASES[ci], sum);
                }
        }
        case_free(&k);
    }
    fixture_free(fx);
}
END_TEST

/* ------------------------------------------------------------ decoding */

/* Decode the case's batch one step at a time with K rows per sentence,
 * the sentences in reverse order, feeding the reference tokens: every row
 * must see its sentence's teacher-forced logits and attention. */
static void incremental_matches(Case *k, const char *c, int K) {
    int B = k->B, V = k->cfg.V, S = k->S, n = B * K;
    S2sDecodeState st;
    s2s_decode_state_build(&st, &k->d, S, B, K);
    s2s_decode_begin(&k->d, &st, k->enc_out, k->src_len, k->h_final, k->c_final, S, B);
    int *tokens = ints((size_t)n), *parent = ints((size_t)n), *src = ints((size_t)n);
    float *logits = floats((size_t)n * V);
    for (int i = 0; i < n; i++) src[i] = K == 1 ? i : B - 1 - i / K;
    for (int t = 0; t < k->T; t++) {
        for (int i = 0; i < n; i++) {
            tokens[i] = k->tgt_in[t * B + src[i]];
            parent[i] = t == 0 ? -1 : i;
        }
        s2s_decode_step(&k->d, &st, logits, tokens, parent, src, n, t);
        for (int i = 0; i < n; i++) {
            char label[96];
            size_t row = (size_t)t * B + src[i];
            snprintf(label, sizeof label, "%s K=%d step %d row %d logits", c, K, t, i);
            ck_assert(check_tensor(label, logits + (size_t)i * V, k->a.logits + row * V, (size_t)V, 1e-5f));
            if (!st.att) continue;
            snprintf(label, sizeof label, "%s K=%d step %d row %d att", c, K, t, i);
            ck_assert(check_tensor(label, st.att + (size_t)i * st.S, k->a.att + row * S, (size_t)S, 1e-6f));
        }
    }
    free(tokens); free(parent); free(src); free(logits);
    s2s_decode_state_free(&st);
}

START_TEST(decode_steps_match_forward) {
    Fixture *fx = fixture_load("seq2seq_decoder");
    for (int ci = 0; ci < N_CASES; ci++) {
        Case k;
        case_from_fixture(&k, fx, CASES[ci]);
        case_forward(&k);
        incremental_matches(&k, CASES[ci], 1);
        incremental_matches(&k, CASES[ci], 2);
        case_free(&k);
    }
    fixture_free(fx);
}
END_TEST

/* tf_ratio 0: every step after the first is fed the argmax of the last
 * logits, which is greedy decoding; backward runs over the fed tokens. */
START_TEST(no_teacher_forcing_is_greedy) {
    Fixture *fx = fixture_load("seq2seq_decoder");
    for (int ci = 0; ci < N_CASES; ci++) {
        Case k;
        case_from_fixture(&k, fx, CASES[ci]);
        k.tf_ratio = 0.0f;
        double loss = case_forward(&k);
        ck_assert(isfinite(loss));
        int B = k.B, V = k.cfg.V;
        S2sDecodeState st;
        s2s_decode_state_build(&st, &k.d, k.S, B, 1);
        s2s_decode_begin(&k.d, &st, k.enc_out, k.src_len, k.h_final, k.c_final, k.S, B);
        int *tokens = ints((size_t)B), *parent = ints((size_t)B), *src = ints((size_t)B);
        float *logits = floats((size_t)B * V);
        for (int t = 0; t < k.T; t++) {
            for (int b = 0; b < B; b++) {
                src[b] = b;
                parent[b] = t ? b : -1;
                if (t == 0) { tokens[b] = k.tgt_in[b]; continue; }
                const float *z = logits + (size_t)b * V;
                int best = 0;
                for (int v = 1; v < V; v++) if (z[v] > z[best]) best = v;
                tokens[b] = best;
            }
            s2s_decode_step(&k.d, &st, logits, tokens, parent, src, B, t);
            char label[96];
            snprintf(label, sizeof label, "%s greedy step %d", CASES[ci], t);
            ck_assert(check_tensor(label, logits, k.a.logits + (size_t)t * B * V, (size_t)B * V, 1e-5f));
        }
        case_backward(&k);
        for (size_t i = 0; i < k.pt.total; i++) ck_assert(isfinite(k.pt.grads[i]));
        free(tokens); free(parent); free(src); free(logits);
        s2s_decode_state_free(&st);
        case_free(&k);
    }
    fixture_free(fx);
}
END_TEST

/* ------------------------------------------------------------ gradcheck */

static double loss_fn(void *ctx) { return case_forward(ctx); }

/* A tiny model of the given kind with random weights and batch. */
static void tiny_case(Case *k, S2sAttention attn, int feed, RnnKind cell, RnnKind enc_cell, int L,
                      float dropout, uint64_t seed) {
    memset(k, 0, sizeof *k);
    int H = 4, sutskever = attn == S2S_ATTN_NONE && !feed;
    k->cfg = (S2sDecoderConfig){.cell = cell, .V = 7, .E = 3, .H = H, .L = L, .A = 3, .attn = attn,
                                .feed_context = feed, .dropout = dropout,
                                .enc_H = sutskever ? H : 2, .enc_L = sutskever ? L : 2,
                                .enc_ndir = sutskever ? 1 : 2, .enc_cell = sutskever ? cell : enc_cell};
    k->cfg.D = k->cfg.enc_H * k->cfg.enc_ndir;
    k->T = 3; k->S = 3; k->B = 2; k->pad_id = 0; k->smoothing = 0.1f;
    k->train = 1; k->tf_ratio = 1.0f;
    case_build(k);
    Rng rng;
    rng_seed(&rng, seed, 1);
    rng_fill_normal(&rng, k->pt.values, k->pt.total, 0.0f, 0.5f);
    k->src_len[0] = 3; k->src_len[1] = 2;
    rng_fill_normal(&rng, k->enc_out, k->n_enc, 0.0f, 1.0f);
    for (int j = 0; j < k->S; j++)
        for (int b = 0; b < k->B; b++)
            if (j >= k->src_len[b]) memset(k->enc_out + ((size_t)j * k->B + b) * k->cfg.D, 0, k->cfg.D * sizeof(float));
    rng_fill_normal(&rng, k->h_final, k->n_states, 0.0f, 1.0f);
    if (k->c_final) rng_fill_normal(&rng, k->c_final, k->n_states, 0.0f, 1.0f);
    for (int i = 0; i < k->T * k->B; i++) {
        k->tgt_in[i] = 1 + (int)rng_below(&rng, 6);
        k->tgt_out[i] = 1 + (int)rng_below(&rng, 6);
    }
    k->tgt_out[(k->T - 1) * k->B + 1] = k->pad_id;   /* sentence 1 ends a step early */
}

static void gradcheck_case(S2sAttention attn, int feed, RnnKind cell, RnnKind enc_cell, int L, float dropout,
                           const char *name) {
    Case k;
    tiny_case(&k, attn, feed, cell, enc_cell, L, dropout, 100 + (uint64_t)attn);
    case_forward(&k);
    case_backward(&k);
    /* backward's outputs are overwritten by later forwards: keep copies */
    float *d_enc = floats(k.n_enc), *dh = floats(k.n_states), *dc = floats(k.n_states);
    float *grads = floats(k.pt.total);
    memcpy(d_enc, k.a.d_enc_out, k.n_enc * sizeof(float));
    memcpy(dh, k.a.dh_final, k.n_states * sizeof(float));
    if (k.c_final) memcpy(dc, k.a.dc_final, k.n_states * sizeof(float));
    memcpy(grads, k.pt.grads, k.pt.total * sizeof(float));
    struct { const char *what; float *x, *g; size_t n; } checks[] = {
        {"weights", k.pt.values, grads, k.pt.total},
        {"enc_out", k.enc_out, d_enc, k.n_enc},
        {"h_final", k.h_final, dh, k.n_states},
        {"c_final", k.c_final, dc, k.c_final ? k.n_states : 0},
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        if (checks[i].n == 0) continue;
        char label[96];
        snprintf(label, sizeof label, "%s d%s", name, checks[i].what);
        double err = gradcheck(label, loss_fn, &k, checks[i].x, checks[i].g, checks[i].n, 1e-2f);
        ck_assert_msg(err < GRAD_TOL, "%s: rel err %.2e", label, err);
    }
    free(d_enc); free(dh); free(dc); free(grads);
    case_free(&k);
}

START_TEST(gradcheck_sutskever) { gradcheck_case(S2S_ATTN_NONE, 0, RNN_LSTM, RNN_LSTM, 2, 0.3f, "sutskever"); }
END_TEST
START_TEST(gradcheck_cho) { gradcheck_case(S2S_ATTN_NONE, 1, RNN_GRU, RNN_GRU, 1, 0.0f, "cho"); }
END_TEST
START_TEST(gradcheck_bahdanau) { gradcheck_case(S2S_ATTN_BAHDANAU, 0, RNN_GRU, RNN_GRU, 2, 0.3f, "bahdanau"); }
END_TEST
START_TEST(gradcheck_luong_dot) { gradcheck_case(S2S_ATTN_LUONG_DOT, 0, RNN_GRU, RNN_LSTM, 1, 0.0f, "luong dot"); }
END_TEST
START_TEST(gradcheck_luong_general) { gradcheck_case(S2S_ATTN_LUONG_GENERAL, 0, RNN_LSTM, RNN_GRU, 2, 0.0f, "luong general"); }
END_TEST
START_TEST(gradcheck_luong_concat) { gradcheck_case(S2S_ATTN_LUONG_CONCAT, 0, RNN_LSTM, RNN_LSTM, 1, 0.0f, "luong concat"); }
END_TEST

static Suite *decoder_suite(void) {
    Suite *s = suite_create("seq2seq_decoder");
    TCase *tc = tcase_create("decoder");
    tcase_add_loop_test(tc, pytorch_case, 0, N_CASES);
    tcase_add_test(tc, attention_rows_are_distributions);
    tcase_add_test(tc, decode_steps_match_forward);
    tcase_add_test(tc, no_teacher_forcing_is_greedy);
    tcase_add_test(tc, gradcheck_sutskever);
    tcase_add_test(tc, gradcheck_cho);
    tcase_add_test(tc, gradcheck_bahdanau);
    tcase_add_test(tc, gradcheck_luong_dot);
    tcase_add_test(tc, gradcheck_luong_general);
    tcase_add_test(tc, gradcheck_luong_concat);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(decoder_suite)
