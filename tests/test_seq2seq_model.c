/*
 * test_seq2seq_model.c -- the whole encoder-decoder of seq2seq/model.h:
 *
 *   - PyTorch fixtures (tests/ref/ref_seq2seq_model.py): each family --
 *     Sutskever's 2-layer LSTM, Cho's GRU fed the context, Bahdanau over a
 *     bidirectional GRU, Luong dot/general/concat -- over a padded batch with
 *     teacher forcing: the logits, the loss and every weight's gradient. The
 *     encoder and decoder have their own fixtures; these check the glue
 *     (which final state starts which decoder layer, the context's width).
 *   - padding changes nothing: a sentence alone and in a batch of longer
 *     ones gets the same teacher-forced logits and attention weights, and
 *     decodes to the same tokens and log-probability;
 *   - a reversed source (Sutskever's trick) is the plain model on reversed data;
 *   - saving and loading give back the same model and its config.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "seq2seq/model.h"
#include "util.h"

/* Fixtures are computed in double; ours in float. */
#define TOL 2e-5f

static S2sConfig config_of(const Fixture *fx) {
    S2sConfig c;
    memset(&c, 0, sizeof c);
    c.tokens = S2S_WORDS;
    RnnKind cell = (RnnKind)fixture_int(fx, "cfg", 0);
    c.enc = (S2sEncoderConfig){ .cell = cell, .V = fixture_int(fx, "cfg", 1), .E = fixture_int(fx, "cfg", 3),
                                .H = fixture_int(fx, "cfg", 4), .L = fixture_int(fx, "cfg", 5),
                                .bidir = fixture_int(fx, "cfg", 6) };
    c.dec = (S2sDecoderConfig){ .cell = cell, .V = fixture_int(fx, "cfg", 2), .E = fixture_int(fx, "cfg", 3),
                                .H = fixture_int(fx, "cfg", 7), .L = fixture_int(fx, "cfg", 8),
                                .A = fixture_int(fx, "cfg", 9), .attn = (S2sAttention)fixture_int(fx, "cfg", 10),
                                .feed_context = fixture_int(fx, "cfg", 11) };
    return c;
}

/* Every tensor of the table from the fixture, by name. */
static void load_weights(S2sModel *m, const Fixture *fx) {
    for (int i = 0; i < m->pt.count; i++) {
        const ParamInfo *p = &m->pt.info[i];
        size_t n;
        const float *w = fixture_get(fx, p->name, &n);
        ck_assert_msg(n == p->size, "%s: fixture has %zu floats, the model %zu", p->name, n, p->size);
        memcpy(m->pt.values + p->offset, w, n * sizeof *w);
    }
}

/* The fixture's batch, time-major, as s2s_corpus.h lays one out. */
static S2sBatch batch_of(const Fixture *fx) {
    size_t ns, nt, nb;
    fixture_get(fx, "src", &ns);
    fixture_get(fx, "tgt_in", &nt);
    fixture_get(fx, "src_len", &nb);
    S2sBatch b = { .B = (int)nb, .S = (int)(ns / nb), .T = (int)(nt / nb) };
    b.src = xmalloc(ns * sizeof(int));
    b.tgt_in = xmalloc(nt * sizeof(int));
    b.tgt_out = xmalloc(nt * sizeof(int));
    b.src_len = xmalloc(nb * sizeof(int));
    b.index = xmalloc(nb * sizeof(int));
    for (size_t i = 0; i < ns; i++) b.src[i] = fixture_int(fx, "src", i);
    for (size_t i = 0; i < nt; i++) {
        b.tgt_in[i] = fixture_int(fx, "tgt_in", i);
        b.tgt_out[i] = fixture_int(fx, "tgt_out", i);
    }
    for (size_t i = 0; i < nb; i++) b.src_len[i] = fixture_int(fx, "src_len", i), b.index[i] = (int)i;
    return b;
}

static void batch_free(S2sBatch *b) {
    free(b->src);
    free(b->tgt_in);
    free(b->tgt_out);
    free(b->src_len);
    free(b->index);
}

/* The model of fixture seq2seq_model_<name>: its shape and weights. Returns
 * the fixture (the batch and the expected results; the caller frees it). */
static Fixture *fixture_model(S2sModel *m, const char *name) {
    char file[64];
    snprintf(file, sizeof file, "seq2seq_model_%s", name);
    Fixture *fx = fixture_load(file);
    S2sConfig cfg = config_of(fx);
    s2s_model_build(m, &cfg);
    load_weights(m, fx);
    return fx;
}

static void check_case(const char *name) {
    S2sModel m;
    Fixture *fx = fixture_model(&m, name);
    S2sConfig cfg = m.cfg;
    S2sBatch b = batch_of(fx);
    S2sActs a;
    s2s_acts_build(&a, &m, b.S, b.T, b.B, 0);
    float smoothing = fixture_get(fx, "smoothing", NULL)[0];
    params_zero_grad(&m.pt);
    double loss = s2s_forward(&m, &a, &b, smoothing, 0, 1.0f);
    s2s_backward(&m, &a);
    float lossf = (float)loss;
    int ok = check_tensor("loss", &lossf, fixture_get(fx, "loss", NULL), 1, TOL);
    ok &= check_tensor("logits", a.dec.logits, fixture_get(fx, "logits", NULL), (size_t)b.T * b.B * cfg.dec.V, TOL);
    for (int i = 0; i < m.pt.count; i++) {
        const ParamInfo *p = &m.pt.info[i];
        char gname[PARAM_NAME_MAX + 2];
        snprintf(gname, sizeof gname, "g:%s", p->name);
        ok &= check_tensor(gname, m.pt.grads + p->offset, fixture_get(fx, gname, NULL), p->size, TOL);
    }
    ck_assert_msg(ok, "%s: the model differs from PyTorch's (see the NOT OK lines)", name);
    s2s_acts_free(&a);
    batch_free(&b);
    s2s_model_free(&m);
    fixture_free(fx);
}

START_TEST(pytorch_sutskever) { check_case("sutskever"); }
END_TEST
START_TEST(pytorch_cho) { check_case("cho"); }
END_TEST
START_TEST(pytorch_bahdanau) { check_case("bahdanau"); }
END_TEST
START_TEST(pytorch_luong_dot) { check_case("luong_dot"); }
END_TEST
START_TEST(pytorch_luong_general) { check_case("luong_general"); }
END_TEST
START_TEST(pytorch_luong_concat) { check_case("luong_concat"); }
END_TEST

/* The same sentence decoded alone and as the shortest of a batch. */
static void check_decoding_padding(const char *name, int K) {
    S2sModel m;
    fixture_free(fixture_model(&m, name));
    int s0[] = { 5, 7 }, s1[] = { 4, 9, 6, 8, 10, 5 }, s2[] = { 6, 6, 7, 4 };
    int *srcs[] = { s0, s1, s2 };
    int lens[] = { 2, 6, 4 };
    S2sTranslator batch, alone;
    s2s_translator_build(&batch, &m, 3, 6, K, 8);
    s2s_translator_build(&alone, &m, 1, 6, K, 8);
    s2s_translate(&m, &batch, srcs, lens, 3, 0.0f);
    for (int b = 0; b < 3; b++) {
        s2s_translate(&m, &alone, &srcs[b], &lens[b], 1, 0.0f);
        const BeamHyp *x = beam_best(batch.bs, b), *y = beam_best(alone.bs, 0);
        ck_assert_int_eq(x->len, y->len);
        ck_assert_int_eq(x->ended, y->ended);
        for (int t = 0; t < x->len; t++) ck_assert_int_eq(x->tokens[t], y->tokens[t]);
        ck_assert_msg(fabs(x->logprob - y->logprob) < 1e-4, "%s sentence %d: log P %g alone, %g in a batch", name, b,
                      y->logprob, x->logprob);
    }
    s2s_translator_free(&batch);
    s2s_translator_free(&alone);
    s2s_model_free(&m);
}

START_TEST(decoding_ignores_padding) {
    static const char *const names[] = { "sutskever", "cho", "bahdanau", "luong_general" };
    for (int i = 0; i < 4; i++) {
        check_decoding_padding(names[i], 1);
        check_decoding_padding(names[i], 3);
    }
}
END_TEST

/* Sentence b of batch alone: its own lengths, no padding. */
static S2sBatch column(const S2sBatch *b, int j) {
    int T = 0;
    while (T < b->T && b->tgt_out[T * b->B + j] != VOCAB_PAD) T++;
    S2sBatch one = { .B = 1, .S = b->src_len[j], .T = T };
    one.src = xmalloc((size_t)one.S * sizeof(int));
    one.tgt_in = xmalloc((size_t)T * sizeof(int));
    one.tgt_out = xmalloc((size_t)T * sizeof(int));
    one.src_len = xmalloc(sizeof(int));
    one.index = xmalloc(sizeof(int));
    for (int s = 0; s < one.S; s++) one.src[s] = b->src[s * b->B + j];
    for (int t = 0; t < T; t++) one.tgt_in[t] = b->tgt_in[t * b->B + j], one.tgt_out[t] = b->tgt_out[t * b->B + j];
    one.src_len[0] = one.S;
    one.index[0] = 0;
    return one;
}

/* Teacher-forced, a sentence's logits and attention weights are the same
 * alone and in a padded batch (the loss is their mean, so it follows). */
static void check_forward_padding(const char *name) {
    S2sModel m;
    Fixture *fx = fixture_model(&m, name);
    S2sConfig cfg = m.cfg;
    S2sBatch b = batch_of(fx);
    S2sActs a, one_a;
    s2s_acts_build(&a, &m, b.S, b.T, b.B, 0);
    s2s_acts_build(&one_a, &m, b.S, b.T, 1, 0);
    s2s_forward(&m, &a, &b, 0.0f, 0, 1.0f);
    int V = cfg.dec.V;
    for (int j = 0; j < b.B; j++) {
        S2sBatch one = column(&b, j);
        s2s_forward(&m, &one_a, &one, 0.0f, 0, 1.0f);
        for (int t = 0; t < one.T; t++) {
            const float *x = a.dec.logits + ((size_t)t * b.B + j) * V, *y = one_a.dec.logits + (size_t)t * V;
            for (int v = 0; v < V; v++)
                ck_assert_msg(fabsf(x[v] - y[v]) < 1e-5f, "%s sentence %d step %d: logit %g in a batch, %g alone",
                              name, j, t, x[v], y[v]);
            if (!a.dec.att) continue;
            const float *p = a.dec.att + ((size_t)t * b.B + j) * b.S, *q = one_a.dec.att + (size_t)t * one.S;
            for (int s = 0; s < b.S; s++)
                ck_assert_msg(fabsf(p[s] - (s < one.S ? q[s] : 0.0f)) < 1e-6f,
                              "%s sentence %d step %d: attention to %d differs", name, j, t, s);
        }
        batch_free(&one);
    }
    s2s_acts_free(&a);
    s2s_acts_free(&one_a);
    batch_free(&b);
    s2s_model_free(&m);
    fixture_free(fx);
}

START_TEST(forward_ignores_padding) {
    static const char *const names[] = { "sutskever", "cho", "bahdanau", "luong_dot", "luong_general",
                                         "luong_concat" };
    for (int i = 0; i < 6; i++) check_forward_padding(names[i]);
}
END_TEST

/* reverse_src reads each source backwards: the same as the model without
 * it given the reversed sentences, teacher-forced and decoded. */
START_TEST(reversed_source) {
    S2sModel fwd, rev;
    Fixture *fx = fixture_model(&fwd, "sutskever");
    fixture_free(fixture_model(&rev, "sutskever"));
    rev.cfg.reverse_src = 1;
    S2sBatch b = batch_of(fx), flipped = batch_of(fx);
    for (int j = 0; j < b.B; j++)
        for (int s = 0; s < b.src_len[j]; s++) flipped.src[s * b.B + j] = b.src[(b.src_len[j] - 1 - s) * b.B + j];
    S2sActs a, af;
    s2s_acts_build(&a, &rev, b.S, b.T, b.B, 0);
    s2s_acts_build(&af, &fwd, b.S, b.T, b.B, 0);
    double l1 = s2s_forward(&rev, &a, &b, 0.0f, 0, 1.0f), l2 = s2s_forward(&fwd, &af, &flipped, 0.0f, 0, 1.0f);
    ck_assert_msg(l1 == l2, "reversed inside the model: loss %.9g, reversed data: %.9g", l1, l2);
    int s0[] = { 5, 7, 9 }, s0r[] = { 9, 7, 5 }, n = 3;
    int *p0 = s0, *p0r = s0r;
    S2sTranslator t1, t2;
    s2s_translator_build(&t1, &rev, 1, 3, 2, 6);
    s2s_translator_build(&t2, &fwd, 1, 3, 2, 6);
    s2s_translate(&rev, &t1, &p0, &n, 1, 0.0f);
    s2s_translate(&fwd, &t2, &p0r, &n, 1, 0.0f);
    const BeamHyp *x = beam_best(t1.bs, 0), *y = beam_best(t2.bs, 0);
    ck_assert_int_eq(x->len, y->len);
    for (int t = 0; t < x->len; t++) ck_assert_int_eq(x->tokens[t], y->tokens[t]);
    ck_assert(x->logprob == y->logprob);
    s2s_translator_free(&t1), s2s_translator_free(&t2);
    s2s_acts_free(&a), s2s_acts_free(&af);
    batch_free(&b), batch_free(&flipped);
    fixture_free(fx);
    s2s_model_free(&fwd), s2s_model_free(&rev);
}
END_TEST

/* A tiny vocabulary of n word tokens beyond the specials. */
static Vocab *tiny_vocab(int V) {
    Vocab *v = vocab_new(VOCAB_WORD);
    char w[16];
    for (int i = VOCAB_NSPECIAL; i < V; i++) {
        snprintf(w, sizeof w, "w%d", i);
        vocab_add(v, w, strlen(w), 1);
    }
    return v;
}

START_TEST(save_and_load) {
    S2sModel m, back;
    fixture_free(fixture_model(&m, "bahdanau"));
    Vocab *sv = tiny_vocab(m.cfg.enc.V), *tv = tiny_vocab(m.cfg.dec.V), *sv2, *tv2;
    const char *dir = tmp_path("s2s_model");
    s2s_save(&m, sv, tv, dir, 42, 0);
    long step;
    s2s_load(&back, &sv2, &tv2, dir, &step, 0);
    ck_assert_int_eq(step, 42);
    char a[1024], b[1024];
    s2s_config_text(&m.cfg, a, sizeof a);
    s2s_config_text(&back.cfg, b, sizeof b);
    ck_assert_str_eq(a, b);
    ck_assert_int_eq(back.pt.total, m.pt.total);
    ck_assert(memcmp(back.pt.values, m.pt.values, m.pt.total * sizeof(float)) == 0);
    ck_assert_int_eq(sv2->size, sv->size);
    vocab_free(sv), vocab_free(tv), vocab_free(sv2), vocab_free(tv2);
    s2s_model_free(&m);
    s2s_model_free(&back);
}
END_TEST

START_TEST(config_round_trip) {
    static const char *const names[] = { "sutskever", "cho", "luong_concat" };
    for (int i = 0; i < 3; i++) {
        S2sModel m;
        fixture_free(fixture_model(&m, names[i]));
        char a[1024], b[1024];
        S2sConfig back;
        s2s_config_text(&m.cfg, a, sizeof a);
        ck_assert_int_eq(s2s_config_parse(a, &back), 0);
        s2s_config_text(&back, b, sizeof b);
        ck_assert_str_eq(a, b);
        s2s_model_free(&m);
    }
    S2sConfig c;
    ck_assert_int_eq(s2s_config_parse("tokens=words\nenc_cell=gru\n", &c), -1);
    ck_assert_int_eq(s2s_config_parse("tokens=bytes\n", &c), -1);
}
END_TEST

Suite *seq2seq_model_suite(void) {
    Suite *s = suite_create("seq2seq_model");
    TCase *tc = tcase_create("model");
    tcase_add_test(tc, pytorch_sutskever);
    tcase_add_test(tc, pytorch_cho);
    tcase_add_test(tc, pytorch_bahdanau);
    tcase_add_test(tc, pytorch_luong_dot);
    tcase_add_test(tc, pytorch_luong_general);
    tcase_add_test(tc, pytorch_luong_concat);
    tcase_add_test(tc, forward_ignores_padding);
    tcase_add_test(tc, decoding_ignores_padding);
    tcase_add_test(tc, reversed_source);
    tcase_add_test(tc, save_and_load);
    tcase_add_test(tc, config_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(seq2seq_model_suite)
