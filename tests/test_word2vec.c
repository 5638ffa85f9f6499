/* test_word2vec.c -- chapter 2: vocabulary, Huffman codes, sampling, the
 * gradient of one update, vector files, evaluation, and bad input. */
#include "gradcheck.h"
#include "harness.h"
#include "optim.h"
#include "rng.h"
#include "text.h"
#include "util.h"
#include "vectors.h"
#include "word2vec/eval.h"
#include "word2vec/nnlm.h"
#include "word2vec/nnlm_train.h"
#include "word2vec/train.h"
#include "word2vec/vocab.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void write_text(const char *path, const char *s) { write_bytes(path, s, strlen(s)); }

/* ---------------------------------------------------------------- vocabulary */

START_TEST(test_vocab_rules) {
    const char *text = "a b a\nb a c\r\n\n";
    char err[128];
    W2vVocab *v = w2v_vocab_build(text, strlen(text), 1, err, sizeof err);
    ck_assert_ptr_nonnull(v);
    /* </s> first with its count (3 newlines), then by count */
    ck_assert_int_eq(v->size, 4);
    ck_assert_str_eq(v->words[0], "</s>");
    ck_assert_str_eq(v->words[1], "a");
    ck_assert_str_eq(v->words[2], "b");
    ck_assert_str_eq(v->words[3], "c");
    ck_assert_int_eq(v->counts[0], 3);
    ck_assert_int_eq(v->counts[1], 3);
    ck_assert_int_eq(v->train_words, 9);
    size_t n;
    int *ids = w2v_encode(v, text, strlen(text), &n);
    int want[] = {1, 2, 1, 0, 2, 1, 3, 0, 0};
    ck_assert_uint_eq(n, 9);
    for (size_t i = 0; i < n; i++) ck_assert_int_eq(ids[i], want[i]);
    free(ids);
    w2v_vocab_free(v);
    /* min-count 2 drops c; a tie keeps the order of first appearance */
    v = w2v_vocab_build("y x y x z\n", 10, 2, err, sizeof err);
    ck_assert_int_eq(v->size, 3);
    ck_assert_str_eq(v->words[1], "y");
    ck_assert_str_eq(v->words[2], "x");
    w2v_vocab_free(v);
}
END_TEST

START_TEST(test_long_words_are_cut) {
    char text[300];
    memset(text, 'x', 250);
    strcpy(text + 250, " y\n");
    size_t pos = 0;
    char word[W2V_MAX_WORD];
    ck_assert_uint_eq(w2v_next_word(text, strlen(text), &pos, word), 250);
    ck_assert_uint_eq(strlen(word), W2V_MAX_WORD - 1);
    ck_assert_uint_eq(w2v_next_word(text, strlen(text), &pos, word), 1);
    ck_assert_str_eq(word, "y");
    ck_assert_uint_eq(w2v_next_word(text, strlen(text), &pos, word), 4);
    ck_assert_str_eq(word, "</s>");
    ck_assert_uint_eq(w2v_next_word(text, strlen(text), &pos, word), 0);
}
END_TEST

START_TEST(test_empty_corpus) {
    char err[128];
    ck_assert_ptr_null(w2v_vocab_build("", 0, 1, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "empty corpus"));
    ck_assert_ptr_null(w2v_vocab_build("\n\n\n", 3, 1, err, sizeof err));
    ck_assert_ptr_null(w2v_vocab_build("a b c\n", 6, 5, err, sizeof err));   /* nothing reaches min-count */
}
END_TEST

/* ---------------------------------------------------------------- Huffman */

/* The textbook example (counts 45 16 13 12 9 5), worked by hand through the
 * original's two-queue algorithm: codes are root-first, inner nodes numbered
 * in creation order (0 = 5+9, 1 = 12+13, 2 = 14+16, 3 = 25+30, 4 = the root). */
START_TEST(test_huffman_codes) {
    const char *words[] = {"</s>", "d", "b", "c", "e", "a"};
    long long counts[] = {45, 16, 13, 12, 9, 5};
    W2vVocab *v = w2v_vocab_from_counts(words, counts, 6);
    w2v_vocab_huffman(v);
    const char *codes[] = {"0", "111", "101", "100", "1101", "1100"};
    int points[6][4] = {{4}, {4, 3, 2}, {4, 3, 1}, {4, 3, 1}, {4, 3, 2, 0}, {4, 3, 2, 0}};
    long long cost = 0;
    for (int w = 0; w < 6; w++) {
        ck_assert_int_eq(v->codelen[w], (int)strlen(codes[w]));
        for (int d = 0; d < v->codelen[w]; d++) {
            ck_assert_int_eq(v->codes[w * W2V_MAX_CODE + d], codes[w][d] - '0');
            ck_assert_int_eq(v->points[w * W2V_MAX_CODE + d], points[w][d]);
        }
        cost += counts[w] * v->codelen[w];
    }
    ck_assert_int_eq(cost, 224);   /* the optimal weighted length */
    w2v_vocab_free(v);
}
END_TEST

/* ---------------------------------------------------------------- sampling */

/* Alias draws against count^0.75: chi-square with 19 degrees of freedom must
 * stay under 43.82 (the p = 0.001 critical value). */
START_TEST(test_unigram_distribution) {
    enum { N = 20, DRAWS = 400000 };
    long long counts[N];
    for (int i = 0; i < N; i++) counts[i] = 1 + (i * 7919) % 1000 + (i == 3 ? 50000 : 0);
    W2vUnigram u;
    w2v_unigram_build(&u, counts, N, 0.75);
    Rng r;
    rng_seed(&r, 11, 0);
    long hist[N] = {0};
    for (int k = 0; k < DRAWS; k++) hist[w2v_unigram_draw(&u, &r)]++;
    double z = 0;
    for (int i = 0; i < N; i++) z += pow((double)counts[i], 0.75);
    double chi2 = 0;
    for (int i = 0; i < N; i++) {
        double e = DRAWS * pow((double)counts[i], 0.75) / z;
        chi2 += (hist[i] - e) * (hist[i] - e) / e;
    }
    printf("unigram^0.75 chi-square %.2f (df 19, critical 43.82)\n", chi2);
    ck_assert_double_lt(chi2, 43.82);
    w2v_unigram_free(&u);
}
END_TEST

START_TEST(test_subsampling_formula) {
    /* s T = 1000: a word of count 1000 gives (1 + 1) * 1 = 2 (always kept),
     * count 100000 gives (sqrt(100) + 1) * 0.01 = 0.11 */
    ck_assert_double_eq_tol(w2v_keep_probability(1000, 1e-3, 1000000), 2.0, 1e-12);
    ck_assert_double_eq_tol(w2v_keep_probability(100000, 1e-3, 1000000), 0.11, 1e-12);
    /* the model's table holds it, and the kept fraction follows it */
    const char *words[] = {"</s>", "the", "rare"};
    long long counts[] = {10, 100000, 10};
    W2vVocab *v = w2v_vocab_from_counts(words, counts, 3);
    W2vConfig cfg;
    w2v_config_default(&cfg);
    cfg.sample = 1e-4;
    W2vModel *m = w2v_model_new(&cfg, v);
    double want = w2v_keep_probability(100000, 1e-4, 100020);
    ck_assert_double_eq_tol(m->keep[1], want, 1e-6);
    ck_assert_double_gt(m->keep[2], 1.0);
    Rng r;
    rng_seed(&r, 3, 0);
    int kept = 0;
    for (int i = 0; i < 100000; i++) kept += !(m->keep[1] < rng_uniform(&r));
    ck_assert_double_eq_tol(kept / 100000.0, want, 0.005);
    w2v_model_free(m);
}
END_TEST

/* ---------------------------------------------------------------- gradients */

/* One prediction: hidden h (D), output rows out (R,D), the targets and their
 * labels. Loss = -sum log s(+-h . u), accumulated in double. */
enum { GD = 8, GR = 6 };
typedef struct {
    float h[GD], out[GR * GD];
    int rows[4];
    float label[4];
    int n;
    /* CBOW: h is the mean of ctx (3, GD) when cbow is set */
    int cbow;
    float ctx[3 * GD];
} PredCtx;

static double log_sigmoid(double x) { return x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x)); }

static void cbow_mean(PredCtx *c) {
    for (int j = 0; j < GD; j++) c->h[j] = (c->ctx[j] + c->ctx[GD + j] + c->ctx[2 * GD + j]) / 3.0f;
}

static double pred_loss(void *arg) {
    PredCtx *c = arg;
    if (c->cbow) cbow_mean(c);
    double L = 0;
    for (int k = 0; k < c->n; k++) {
        double f = 0;
        for (int j = 0; j < GD; j++) f += (double)c->h[j] * c->out[c->rows[k] * GD + j];
        L -= log_sigmoid(c->label[k] > 0.5f ? f : -f);
    }
    return L;
}

static void random_ctx(PredCtx *c, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed, 0);
    rng_fill_uniform(&r, c->h, GD, -0.5f, 0.5f);
    rng_fill_uniform(&r, c->out, GR * GD, -0.5f, 0.5f);
    rng_fill_uniform(&r, c->ctx, 3 * GD, -0.5f, 0.5f);
}

/* The update with alpha = 1 moves each parameter by -dL/dparam: compare
 * dh and the change of the output rows with central differences (eps 1e-2,
 * relative error < 1e-3). */
static void check_update(PredCtx *c, int hs, const char *what) {
    if (c->cbow) cbow_mean(c);
    float dh[GD] = {0}, out_new[GR * GD], gout[GR * GD], gh[GD];
    memcpy(out_new, c->out, sizeof out_new);
    if (hs) {
        uint8_t codes[4];
        for (int k = 0; k < c->n; k++) codes[k] = c->label[k] > 0.5f ? 0 : 1;   /* label = 1 - code */
        w2v_hs_step(dh, out_new, c->h, c->rows, codes, c->n, 1.0f, GD, NULL);
    } else {
        w2v_ns_step(dh, out_new, c->h, c->rows, c->n, 1.0f, GD, NULL);
    }
    for (int i = 0; i < GR * GD; i++) gout[i] = c->out[i] - out_new[i];
    char label[64];
    snprintf(label, sizeof label, "%s output rows", what);
    double e1 = gradcheck(label, pred_loss, c, c->out, gout, GR * GD, 1e-2f);
    double e2;
    if (c->cbow) {
        /* dL/dctx_i = dL/dh / 3; the original adds the whole dh to each context word */
        float gctx[3 * GD];
        for (int i = 0; i < 3 * GD; i++) gctx[i] = -dh[i % GD] / 3.0f;
        snprintf(label, sizeof label, "%s context vectors", what);
        e2 = gradcheck(label, pred_loss, c, c->ctx, gctx, 3 * GD, 1e-2f);
    } else {
        for (int j = 0; j < GD; j++) gh[j] = -dh[j];
        snprintf(label, sizeof label, "%s hidden", what);
        e2 = gradcheck(label, pred_loss, c, c->h, gh, GD, 1e-2f);
    }
    printf("gradcheck %-24s max rel err: outputs %.2e, input %.2e\n", what, e1, e2);
    ck_assert_double_lt(e1, 1e-3);
    ck_assert_double_lt(e2, 1e-3);
}

START_TEST(test_gradcheck_skipgram_ns) {
    PredCtx c = {.rows = {2, 4, 5, 0}, .label = {1, 0, 0, 0}, .n = 4};
    random_ctx(&c, 1);
    check_update(&c, 0, "skip-gram NS");
}
END_TEST

START_TEST(test_gradcheck_skipgram_hs) {
    PredCtx c = {.rows = {4, 3, 1}, .label = {0, 1, 0}, .n = 3};   /* code 101 */
    random_ctx(&c, 2);
    check_update(&c, 1, "skip-gram HS");
}
END_TEST

START_TEST(test_gradcheck_cbow_ns) {
    PredCtx c = {.rows = {1, 3, 5}, .label = {1, 0, 0}, .n = 3, .cbow = 1};
    random_ctx(&c, 3);
    check_update(&c, 0, "CBOW NS");
}
END_TEST

START_TEST(test_gradcheck_cbow_hs) {
    PredCtx c = {.rows = {4, 3, 2, 0}, .label = {0, 0, 1, 0}, .n = 4, .cbow = 1};   /* code 1101 */
    random_ctx(&c, 4);
    check_update(&c, 1, "CBOW HS");
}
END_TEST

/* The sigmoid table agrees with the exact sigmoid to its resolution. */
START_TEST(test_sigmoid_table) {
    float table[W2V_EXP_TABLE_SIZE];
    w2v_exp_table_init(table);
    float h[1] = {1.0f}, u[1], dh[1];
    int t[1] = {0};
    for (float f = -5.9f; f < 5.9f; f += 0.37f) {
        u[0] = f;
        dh[0] = 0;
        w2v_ns_step(dh, u, h, t, 1, 1.0f, 1, table);
        float exact = 1.0f - 1.0f / (1.0f + expf(-f));
        ck_assert_float_eq_tol(dh[0] / f, exact, 0.004f);
    }
    /* beyond 6 the positive gradient is 0, below -6 it is alpha */
    u[0] = 7.0f; dh[0] = 0;
    w2v_ns_step(dh, u, h, t, 1, 1.0f, 1, table);
    ck_assert_float_eq(dh[0], 0.0f);
    u[0] = -7.0f; dh[0] = 0;
    w2v_ns_step(dh, u, h, t, 1, 1.0f, 1, table);
    ck_assert_float_eq(dh[0], -7.0f);
}
END_TEST

/* ---------------------------------------------------------------- training */

/* Ten planted pairs (x_i, y_i): each sentence is four context words of group i
 * around x_i or y_i, so the two words of a pair share all their contexts. */
static char *planted_corpus(size_t *len) {
    size_t cap = 1 << 20, n = 0;
    char *buf = xmalloc(cap);
    Rng r;
    rng_seed(&r, 5, 0);
    for (int s = 0; s < 3000; s++) {
        int g = (int)rng_below(&r, 10), pick = (int)rng_below(&r, 2);
        int c1 = (int)rng_below(&r, 4), c2 = (int)rng_below(&r, 4);
        n += (size_t)snprintf(buf + n, cap - n, "c%d_%d c%d_%d %s%d c%d_%d c%d_%d\n", g, c1, g, (c1 + 1) % 4,
                              pick ? "x" : "y", g, g, c2, g, (c2 + 2) % 4);
    }
    *len = n;
    return buf;
}

static W2vModel *train_planted(int cbow, int hs, int threads, uint64_t seed) {
    size_t len, n;
    char *text = planted_corpus(&len);
    char err[128];
    W2vVocab *v = w2v_vocab_build(text, len, 1, err, sizeof err);
    int *ids = w2v_encode(v, text, len, &n);
    W2vConfig cfg;
    w2v_config_default(&cfg);
    cfg.cbow = cbow;
    cfg.hs = hs;
    cfg.negative = hs ? 0 : 5;
    cfg.size = 16;
    cfg.sample = 0;
    cfg.min_count = 1;
    cfg.threads = threads;
    cfg.seed = seed;
    cfg.quiet = 1;
    W2vModel *m = w2v_model_new(&cfg, v);
    w2v_train(m, ids, n);
    free(ids);
    free(text);
    return m;
}

static void check_planted(int cbow, int hs) {
    W2vModel *m = train_planted(cbow, hs, 1, 1);
    Vectors *v = w2v_vectors(m);
    vectors_normalize(v);
    int right = 0;
    for (int g = 0; g < 10; g++) {
        char x[16], y[16];
        snprintf(x, sizeof x, "x%d", g);
        snprintf(y, sizeof y, "y%d", g);
        int wx = vectors_find(v, x), idx;
        float sim;
        w2v_nearest(v, v->vecs + (size_t)wx * v->D, &wx, 1, 1, &idx, &sim);
        right += strcmp(v->words[idx], y) == 0;
    }
    printf("planted pairs nearest (cbow %d, hs %d): %d / 10\n", cbow, hs, right);
    ck_assert_int_eq(right, 10);
    vectors_free(v);
    w2v_model_free(m);
}

START_TEST(test_planted_skipgram_ns) { check_planted(0, 0); }
END_TEST
START_TEST(test_planted_cbow_hs) { check_planted(1, 1); }
END_TEST

START_TEST(test_one_thread_reproducible) {
    W2vModel *a = train_planted(0, 0, 1, 7), *b = train_planted(0, 0, 1, 7), *c = train_planted(0, 0, 1, 8);
    size_t bytes = (size_t)a->V * a->D * sizeof(float);
    ck_assert_int_eq(memcmp(a->syn0, b->syn0, bytes), 0);
    ck_assert_int_ne(memcmp(a->syn0, c->syn0, bytes), 0);
    w2v_model_free(a);
    w2v_model_free(b);
    w2v_model_free(c);
}
END_TEST

START_TEST(test_two_threads_train) {
    W2vModel *m = train_planted(0, 0, 2, 1);
    for (size_t i = 0; i < (size_t)m->V * m->D; i++) ck_assert(isfinite(m->syn0[i]));
    w2v_model_free(m);
}
END_TEST

/* ---------------------------------------------------------------- formats */

static Vectors *small_vectors(void) {
    const char *words[] = {"</s>", "god"};
    Vectors *v = vectors_new(2, 3, words);
    float x[6] = {0, 0, 0, 0.125f, -0.5f, 1.0f};
    memcpy(v->vecs, x, sizeof x);
    return v;
}

static char *file_bytes(const char *path, size_t *len) { return read_file(path, len); }

/* The bytes of the original tool's binary layout, built by hand. */
START_TEST(test_binary_layout_byte_exact) {
    unsigned char want[] = {
        '2', ' ', '3', '\n',
        '<', '/', 's', '>', ' ', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\n',
        'g', 'o', 'd', ' ', 0x00, 0x00, 0x00, 0x3e, 0x00, 0x00, 0x00, 0xbf, 0x00, 0x00, 0x80, 0x3f, '\n'};
    const char *hand = tmp_path("hand.bin");
    write_bytes(hand, want, sizeof want);
    char err[256];
    Vectors *r;
    ck_assert_int_eq(vectors_read(hand, VEC_AUTO, &r, err, sizeof err), 0);
    ck_assert_int_eq(r->V, 2);
    ck_assert_int_eq(r->D, 3);
    ck_assert_str_eq(r->words[1], "god");
    ck_assert_float_eq(r->vecs[3], 0.125f);
    ck_assert_float_eq(r->vecs[4], -0.5f);
    ck_assert_float_eq(r->vecs[5], 1.0f);
    ck_assert_int_eq(vectors_find(r, "god"), 1);
    vectors_free(r);
    /* and writing gives the same bytes */
    Vectors *v = small_vectors();
    const char *out = tmp_path("out.bin");
    vectors_save(v, out, 1);
    size_t len;
    char *got = file_bytes(out, &len);
    ck_assert_uint_eq(len, sizeof want);
    ck_assert_int_eq(memcmp(got, want, len), 0);
    free(got);
    vectors_free(v);
}
END_TEST

START_TEST(test_text_layout_byte_exact) {
    const char *want = "2 3\n</s> 0.000000 0.000000 0.000000 \ngod 0.125000 -0.500000 1.000000 \n";
    Vectors *v = small_vectors();
    const char *out = tmp_path("out.txt");
    vectors_save(v, out, 0);
    size_t len;
    char *got = file_bytes(out, &len);
    ck_assert_str_eq(got, want);
    free(got);
    char err[256];
    Vectors *r;
    ck_assert_int_eq(vectors_read(out, VEC_AUTO, &r, err, sizeof err), 0);
    ck_assert_int_eq(memcmp(r->vecs, v->vecs, 6 * sizeof(float)), 0);
    vectors_free(r);
    /* fastText's .vec: no trailing spaces, no </s> */
    const char *vec = tmp_path("ft.vec");
    write_text(vec, "2 2\nthe 0.5 -1\nof 1e-2 2\n");
    ck_assert_int_eq(vectors_read(vec, VEC_AUTO, &r, err, sizeof err), 0);
    ck_assert_float_eq(r->vecs[3], 2.0f);
    ck_assert_float_eq_tol(r->vecs[2], 0.01f, 1e-9f);
    vectors_free(r);
    vectors_free(v);
}
END_TEST

START_TEST(test_round_trip_trained) {
    W2vModel *m = train_planted(1, 0, 1, 3);
    Vectors *v = w2v_vectors(m);
    const char *bin = tmp_path("rt.bin"), *txt = tmp_path("rt.txt");
    vectors_save(v, bin, 1);
    vectors_save(v, txt, 0);
    char err[256];
    Vectors *a, *b;
    ck_assert_int_eq(vectors_read(bin, VEC_BINARY, &a, err, sizeof err), 0);
    ck_assert_int_eq(vectors_read(txt, VEC_TEXT, &b, err, sizeof err), 0);
    ck_assert_int_eq(a->V, v->V);
    ck_assert_int_eq(memcmp(a->vecs, v->vecs, (size_t)v->V * v->D * sizeof(float)), 0);   /* binary: exact */
    for (int i = 0; i < v->V; i++) ck_assert_str_eq(b->words[i], v->words[i]);
    check_tensor("text round trip (6 decimals)", b->vecs, v->vecs, (size_t)v->V * v->D, 1e-6f);
    vectors_free(a);
    vectors_free(b);
    vectors_free(v);
    w2v_model_free(m);
}
END_TEST

/* A word repeated in a vector file keeps its first row, and the words after
 * it keep their own rows (the table's entries are not rows then). */
START_TEST(test_vectors_repeated_word) {
    const char *path = tmp_path("rep.txt");
    write_text(path, "4 1\nthe 1\nof 2\nthe 3\nand 4\n");
    char err[256];
    Vectors *v;
    ck_assert_int_eq(vectors_read(path, VEC_TEXT, &v, err, sizeof err), 0);
    ck_assert_int_eq(vectors_find(v, "the"), 0);
    ck_assert_int_eq(vectors_find(v, "of"), 1);
    ck_assert_int_eq(vectors_find(v, "and"), 3);
    ck_assert_int_eq(vectors_find(v, "a"), -1);
    vectors_free(v);
}
END_TEST

/* word2vec's vocabulary lists each word once: ids are the table's entries. */
START_TEST(test_vocab_repeated_word_dies) {
    const char *words[] = {"</s>", "a", "a"};
    long long counts[] = {1, 2, 2};
    w2v_vocab_from_counts(words, counts, 3);
}
END_TEST

/* ---------------------------------------------------------------- bad vector files */

static void expect_bad(const void *bytes, size_t n, int format, const char *needle) {
    const char *p = tmp_path("bad");
    write_bytes(p, bytes, n);
    char err[256];
    Vectors *v = (Vectors *)1;
    ck_assert_int_eq(vectors_read(p, format, &v, err, sizeof err), -1);
    ck_assert_ptr_null(v);
    if (!strstr(err, needle)) ck_abort_msg("error '%s' does not mention '%s'", err, needle);
}

START_TEST(test_bad_vector_files) {
    const char *good = "2 2\na 1 2\nb 3 4\n";
    expect_bad(good, strlen(good) - 4, VEC_TEXT, "truncated");               /* cut short */
    expect_bad("2 2\na 1\nb 3 4 5\n", 16, VEC_TEXT, "1 values");           /* a short line */
    expect_bad("1 2\na 1 2\nb 3 4\n", 16, VEC_TEXT, "more data");            /* body longer than header */
    expect_bad("2 0\na\nb\n", 8, VEC_AUTO, "dimension 0");
    expect_bad("0 5\n", 4, VEC_AUTO, "at least 1");
    expect_bad("hello\n", 6, VEC_AUTO, "header");
    expect_bad("", 0, VEC_AUTO, "empty");
    expect_bad("1 2\na 1 2 3\n", 12, VEC_TEXT, "more than");
    expect_bad("1 2\na 1 x\n", 10, VEC_TEXT, "not a number");
    expect_bad("1000000 300\na 1 2\n", 18, VEC_AUTO, "truncated");           /* before allocating */
    /* a binary file cut inside its last vector */
    unsigned char bin[] = {'1', ' ', '2', '\n', 'a', ' ', 0, 0, 0x80, 0x3f, 0, 0};
    expect_bad(bin, sizeof bin, VEC_BINARY, "truncated");
    /* a word longer than the limit */
    char longw[400];
    int n = snprintf(longw, sizeof longw, "1 1\n");
    memset(longw + n, 'w', 150);
    snprintf(longw + n + 150, sizeof longw - (size_t)n - 150, " 1\n");
    expect_bad(longw, strlen(longw), VEC_TEXT, "limit");
    /* a missing file */
    char err[256];
    Vectors *v;
    ck_assert_int_eq(vectors_read("/nonexistent/x.bin", VEC_AUTO, &v, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "cannot open"));
}
END_TEST

/* ---------------------------------------------------------------- evaluation */

/* man = e1, woman = e2, king = (e1 + e3), queen = (e2 + e3), male ~ man,
 * apple = e4, far = e5 (kept out of a restricted vocabulary). */
static Vectors *hand_vectors(void) {
    const char *words[] = {"man", "woman", "king", "queen", "male", "apple", "far"};
    Vectors *v = vectors_new(7, 5, words);
    float x[7][5] = {{1, 0, 0, 0, 0}, {0, 1, 0, 0, 0}, {1, 0, 1, 0, 0}, {0, 1, 1, 0, 0},
                     {1, 0.05f, 0, 0, 0}, {0, 0, 0, 1, 0}, {0, 0, 0, 0, 1}};
    memcpy(v->vecs, x, sizeof x);
    return v;
}

START_TEST(test_analogy_known_answers) {
    const char *q = tmp_path("questions.txt");
    write_text(q,
               ": capital-common-countries\n"
               "man woman king queen\n"      /* right: woman - man + king = queen */
               "MAN WOMAN King QUEEN\n"      /* upper-casing makes it the same question */
               "man male king queen\n"       /* b - a + c ~ king, excluded: next is queen */
               "man woman king apple\n"      /* wrong */
               "man woman far queen\n"       /* 'far' is outside the first 6 words: skipped */
               "man woman unknown queen\n"   /* OOV: skipped */
               ": s2\n: s3\n: s4\n: s5\n"      /* empty sections still count: the sixth is syntactic */
               ": gram1-adjective-to-adverb\n"
               "king queen man woman\n");    /* syntactic, right */
    Vectors *v = hand_vectors();
    W2vAnalogyResult r;
    char err[256];
    ck_assert_int_eq(w2v_analogy_eval(v, q, 6, &r, stdout, err, sizeof err), 0);
    ck_assert_int_eq(r.nsections, 6);
    ck_assert_int_eq(r.total, 7);
    ck_assert_int_eq(r.seen, 5);
    ck_assert_int_eq(r.correct, 4);
    ck_assert_int_eq(r.sem_seen, 4);
    ck_assert_int_eq(r.sem_correct, 3);
    ck_assert_int_eq(r.syn_seen, 1);
    ck_assert_int_eq(r.syn_correct, 1);
    ck_assert_int_eq(r.sections[0].total, 6);
    ck_assert_str_eq(r.sections[5].name, "gram1-adjective-to-adverb");
    w2v_analogy_result_free(&r);
    /* without the restriction 'far' is in: e2 - e1 + e5 is still nearest queen */
    ck_assert_int_eq(w2v_analogy_eval(v, q, 30000, &r, NULL, err, sizeof err), 0);
    ck_assert_int_eq(r.seen, 6);
    ck_assert_int_eq(r.correct, 5);
    w2v_analogy_result_free(&r);
    /* malformed and missing files */
    const char *badq = tmp_path("badq.txt");
    write_text(badq, ": s\nman woman king\n");
    ck_assert_int_eq(w2v_analogy_eval(v, badq, 6, &r, NULL, err, sizeof err), -1);
    ck_assert_int_eq(w2v_analogy_eval(v, "/nonexistent/q.txt", 6, &r, NULL, err, sizeof err), -1);
    vectors_free(v);
}
END_TEST

START_TEST(test_spearman_known_values) {
    double x[] = {1, 2, 3, 4, 5}, up[] = {3, 5, 7, 9, 11}, down[] = {5, 4, 3, 2, 1}, ties[] = {5, 6, 7, 8, 7};
    ck_assert_double_eq_tol(w2v_spearman(x, up, 5), 1.0, 1e-12);
    ck_assert_double_eq_tol(w2v_spearman(x, down, 5), -1.0, 1e-12);
    /* ranks of ties = 1 2 3.5 5 3.5: rho = 8 / sqrt(10 * 9.5) */
    ck_assert_double_eq_tol(w2v_spearman(x, ties, 5), 8.0 / sqrt(95.0), 1e-12);
    ck_assert(isnan(w2v_spearman(x, up, 1)));
}
END_TEST

START_TEST(test_similarity_with_coverage) {
    const char *p = tmp_path("sim.txt");
    /* cosines: man-male 0.9988, king-queen 0.5, man-king 0.707, man-apple 0 */
    write_text(p, "man\tmale\t9.5\nKing\tqueen\t6\nman\tking\t7\nman\tapple\t1\nman\tzebra\t3\n");
    Vectors *v = hand_vectors();
    W2vSimilarityResult r;
    char err[256];
    ck_assert_int_eq(w2v_similarity_eval(v, p, &r, err, sizeof err), 0);
    ck_assert_int_eq(r.total, 5);
    ck_assert_int_eq(r.found, 4);
    ck_assert_double_eq_tol(r.rho, 1.0, 1e-12);
    write_text(p, "man male\n");
    ck_assert_int_eq(w2v_similarity_eval(v, p, &r, err, sizeof err), -1);
    vectors_free(v);
}
END_TEST

START_TEST(test_nearest_and_pca) {
    Vectors *v = hand_vectors();
    vectors_normalize(v);
    int idx[3];
    float sim[3];
    int self = 0;
    ck_assert_int_eq(w2v_nearest(v, v->vecs, &self, 1, 3, idx, sim), 3);
    ck_assert_str_eq(v->words[idx[0]], "male");
    ck_assert_str_eq(v->words[idx[1]], "king");
    ck_assert(sim[0] >= sim[1] && sim[1] >= sim[2]);
    /* points on a line in 5-D: the first component carries all the spread */
    float X[4 * 5], out[4 * 2];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 5; j++) X[i * 5 + j] = (float)i * (j == 1 ? 2.0f : j == 3 ? -1.0f : 0.0f);
    w2v_pca_2d(out, X, 4, 5);
    float scale = sqrtf(5.0f);
    for (int i = 0; i < 4; i++) {
        ck_assert_float_eq_tol(fabsf(out[2 * i] - out[0]), (float)i * scale, 1e-3f);
        ck_assert_float_eq_tol(out[2 * i + 1], 0.0f, 1e-3f);
    }
    vectors_free(v);
}
END_TEST

/* ---------------------------------------------------------------- the neural LM */

START_TEST(test_nnlm_windows) {
    /* two sentences "5 6 </s>" and "7 </s>", bos 1, eos 2, two context words */
    int ids[] = {5, 6, 2, 7, 2}, ctx[10], tgt[5];
    nnlm_windows(ctx, tgt, ids, 5, 2, 1, 2);
    int want[] = {1, 1, 1, 5, 5, 6, 1, 1, 1, 7};
    for (int i = 0; i < 10; i++) ck_assert_int_eq(ctx[i], want[i]);
    for (int i = 0; i < 5; i++) ck_assert_int_eq(tgt[i], ids[i]);
}
END_TEST

typedef struct {
    Nnlm *m;
    int ctx[5 * 2], tgt[5];
    Rng *drop;    /* NULL, or the generator every call restarts from: one fixed dropout mask */
    Rng start;
} NnlmCtx;

static double nnlm_loss(void *arg) {
    NnlmCtx *c = arg;
    if (c->drop) *c->drop = c->start;
    return nnlm_forward(c->m, c->ctx, c->tgt, 5, c->drop);
}

/* Every parameter of a tiny model (direct connections included) against
 * central differences: eps 1e-2, relative error < 1e-3. */
START_TEST(test_nnlm_gradcheck) {
    NnlmConfig cfg = {.V = 7, .order = 3, .embed = 3, .hidden = 4, .direct = 1};
    Nnlm m;
    nnlm_build(&m, &cfg, 5);
    nnlm_init(&m, 9);
    Rng r;
    rng_seed(&r, 10, 0);
    rng_fill_uniform(&r, m.pt.values, m.pt.total, -0.8f, 0.8f);   /* livelier than the init */
    NnlmCtx c = {.m = &m, .ctx = {0, 1, 2, 3, 3, 3, 6, 5, 4, 4}, .tgt = {1, 2, 3, 6, 3}};
    params_zero_grad(&m.pt);
    nnlm_loss(&c);
    nnlm_backward(&m, c.ctx, c.tgt, 5);
    double err = gradcheck("nnlm all parameters", nnlm_loss, &c, m.pt.values, m.pt.grads, m.pt.total, 1e-2f);
    printf("nnlm gradcheck over %zu parameters: max rel err %.2e\n", m.pt.total, err);
    ck_assert_double_lt(err, 1e-3);
    nnlm_free(&m);
}
END_TEST

/* The same with dropout 0.5 on x and h, the mask held fixed (each loss
 * evaluation redraws it from the same generator state). */
START_TEST(test_nnlm_gradcheck_dropout) {
    NnlmConfig cfg = {.V = 7, .order = 3, .embed = 3, .hidden = 4, .direct = 1, .dropout = 0.5f};
    Nnlm m;
    nnlm_build(&m, &cfg, 5);
    Rng r, drop;
    rng_seed(&r, 10, 0);
    rng_fill_uniform(&r, m.pt.values, m.pt.total, -0.8f, 0.8f);
    rng_seed(&drop, 11, 2);
    NnlmCtx c = {.m = &m, .ctx = {0, 1, 2, 3, 3, 3, 6, 5, 4, 4}, .tgt = {1, 2, 3, 6, 3}, .drop = &drop, .start = drop};
    params_zero_grad(&m.pt);
    nnlm_loss(&c);
    int zeros = 0;   /* the mask must really drop something, or this checks nothing new */
    for (int i = 0; i < 5 * 6; i++) zeros += m.a.xmask[i] == 0.0f;
    ck_assert_int_gt(zeros, 0);
    nnlm_backward(&m, c.ctx, c.tgt, 5);
    double err = gradcheck("nnlm with dropout", nnlm_loss, &c, m.pt.values, m.pt.grads, m.pt.total, 1e-2f);
    printf("nnlm gradcheck with dropout 0.5: max rel err %.2e\n", err);
    ck_assert_double_lt(err, 1e-3);
    nnlm_free(&m);
}
END_TEST

/* Dropout changes a training pass and nothing else: with p > 0 the training
 * loss and gradients differ from evaluation's; evaluation (no generator) is
 * the same for any p; p = 0 with a generator is the plain path bit for bit
 * and draws nothing. */
START_TEST(test_nnlm_dropout_train_only) {
    NnlmConfig cfg = {.V = 7, .order = 3, .embed = 4, .hidden = 8, .direct = 1, .dropout = 0.0f};
    int ctx[] = {0, 1, 2, 3, 3, 3, 6, 5, 4, 4}, tgt[] = {1, 2, 3, 6, 3};
    Nnlm m;
    nnlm_build(&m, &cfg, 5);
    nnlm_init(&m, 3);
    size_t n = m.pt.total;
    float *plain = malloc(n * sizeof(float));
    params_zero_grad(&m.pt);
    double eval0 = nnlm_forward(&m, ctx, tgt, 5, NULL);
    nnlm_backward(&m, ctx, tgt, 5);
    memcpy(plain, m.pt.grads, n * sizeof(float));

    Rng drop, before;
    rng_seed(&drop, 4, 2);
    before = drop;
    params_zero_grad(&m.pt);
    double train0 = nnlm_forward(&m, ctx, tgt, 5, &drop);
    nnlm_backward(&m, ctx, tgt, 5);
    ck_assert_double_eq(train0, eval0);
    ck_assert_int_eq(memcmp(plain, m.pt.grads, n * sizeof(float)), 0);
    ck_assert_int_eq(memcmp(&drop, &before, sizeof drop), 0);

    m.cfg.dropout = 0.5f;
    ck_assert_double_eq(nnlm_forward(&m, ctx, tgt, 5, NULL), eval0);
    params_zero_grad(&m.pt);
    double train = nnlm_forward(&m, ctx, tgt, 5, &drop);
    nnlm_backward(&m, ctx, tgt, 5);
    ck_assert(train != eval0);
    ck_assert(memcmp(plain, m.pt.grads, n * sizeof(float)) != 0);
    ck_assert(memcmp(&drop, &before, sizeof drop) != 0);
    ck_assert_double_eq(nnlm_forward(&m, ctx, tgt, 5, NULL), eval0);   /* the training pass left no trace */
    free(plain);
    nnlm_free(&m);
}
END_TEST

/* Forward loss and every gradient against PyTorch (tests/ref/ref_word2vec.py):
 * float32 here against float64 there, tolerance 1e-5 absolute. */
START_TEST(test_nnlm_matches_pytorch) {
    Fixture *fx = fixture_load("word2vec_nnlm");
    NnlmConfig cfg = {.V = 7, .order = 3, .embed = 3, .hidden = 4, .direct = 1};
    Nnlm m;
    nnlm_build(&m, &cfg, 5);
    const char *names[] = {"emb", "w1", "b1", "w2", "b2", "wd"};
    for (int i = 0; i < 6; i++) {
        size_t n;
        float *src = fixture_get(fx, names[i], &n);
        ck_assert_uint_eq(n, m.pt.info[params_find(&m.pt, names[i])].size);
        memcpy(params_get(&m.pt, names[i]), src, n * sizeof(float));
    }
    int ctx[10], tgt[5];
    for (int i = 0; i < 10; i++) ctx[i] = fixture_int(fx, "ctx", (size_t)i);
    for (int i = 0; i < 5; i++) tgt[i] = fixture_int(fx, "tgt", (size_t)i);
    params_zero_grad(&m.pt);
    float loss = (float)nnlm_forward(&m, ctx, tgt, 5, NULL);
    nnlm_backward(&m, ctx, tgt, 5);
    int ok = check_tensor("nnlm loss", &loss, fixture_get(fx, "loss", NULL), 1, 1e-5f);
    const char *grads[] = {"demb", "dw1", "db1", "dw2", "db2", "dwd"};
    for (int i = 0; i < 6; i++) {
        size_t n;
        float *want = fixture_get(fx, grads[i], &n);
        ok &= check_tensor(grads[i], params_grad(&m.pt, names[i]), want, n, 1e-5f);
    }
    ck_assert(ok);
    nnlm_free(&m);
    fixture_free(fx);
}
END_TEST

/* A few Adam steps on one batch must drive its loss well down. */
START_TEST(test_nnlm_learns) {
    NnlmConfig cfg = {.V = 7, .order = 3, .embed = 4, .hidden = 8, .direct = 0};
    Nnlm m;
    nnlm_build(&m, &cfg, 5);
    nnlm_init(&m, 1);
    int ctx[] = {0, 1, 2, 3, 3, 3, 6, 5, 4, 4}, tgt[] = {1, 2, 3, 6, 3};
    AdamConfig adam = {.beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};
    double first = 0, loss = 0;
    for (int t = 1; t <= 100; t++) {
        params_zero_grad(&m.pt);
        loss = nnlm_forward(&m, ctx, tgt, 5, NULL);
        if (t == 1) first = loss;
        nnlm_backward(&m, ctx, tgt, 5);
        adam_step(&m.pt, &adam, 0.05f, t);
    }
    printf("nnlm memorises a batch: loss %.3f -> %.4f\n", first, loss);
    ck_assert_double_gt(first, 1.5);
    ck_assert_double_lt(loss, 0.05);
    nnlm_free(&m);
}
END_TEST

/* A tiny corpus. With order 3, embed 4, hidden 8, dropout 0.3, batch 4,
 * seed 5 and lr 0.1, validation fails to improve after epochs 3 and 4 (so
 * epochs are undone and the lr halved before the interruption below); with
 * lr 0.05, after epoch 7. */
static void tiny_nnlm_corpus(char *train, char *valid) {
    strcpy(train, tmp_path("nnlm-train.txt"));
    strcpy(valid, tmp_path("nnlm-valid.txt"));
    write_text(train, "a b c d\nb c d a\nc d a b\nd a b c\na c b d\n");
    write_text(valid, "a b c d\nd c b a\n");
}

/* tiny_nnlm_corpus loaded (its validation split scored as test too) and the
 * small model with dropout that the library tests train; returns the vocabulary. */
static Vocab *tiny_nnlm_setup(NnlmData *d, NnlmConfig *cfg) {
    char train[512], valid[512];
    tiny_nnlm_corpus(train, valid);
    size_t len;
    char *text = text_load(train, &len);
    Vocab *vocab = vocab_build(VOCAB_WORD, text, len, 1, 0);
    free(text);
    const char *paths[3] = {train, valid, valid};
    nnlm_data_load(d, paths, vocab, 2);
    *cfg = (NnlmConfig){.V = vocab->size, .order = 3, .embed = 4, .hidden = 8, .direct = 0, .dropout = 0.3f};
    return vocab;
}

/* 7 epochs in one run == 4 epochs, a checkpoint, and 3 more from it: the
 * parameters, Adam's moments and the state (dropout's generator too) bit
 * for bit. */
START_TEST(test_nnlm_resume_library) {
    char dir_a[512], dir_b[512];
    strcpy(dir_a, tmp_path("nnlm-a"));
    strcpy(dir_b, tmp_path("nnlm-b"));
    NnlmData d;
    NnlmConfig cfg;
    Vocab *vocab = tiny_nnlm_setup(&d, &cfg);
    NnlmTrainConfig c = {.epochs = 7, .lr = 0.1f, .seed = 5, .out = dir_a, .quiet = 1};
    Nnlm a, b;
    NnlmTrainState sa, sb;
    double tps;
    nnlm_build(&a, &cfg, 4);
    nnlm_init(&a, 5);
    nnlm_state_init(&sa, &c);
    double va = nnlm_train(&a, &sa, &d, &c, &tps);

    c.epochs = 4;
    c.out = dir_b;
    nnlm_build(&b, &cfg, 4);
    nnlm_init(&b, 5);
    nnlm_state_init(&sb, &c);
    nnlm_train(&b, &sb, &d, &c, &tps);
    ck_assert_float_eq(sb.lr, 0.025f);   /* halved after epochs 3 and 4: that state must carry over */
    ck_assert_int_eq(sb.undone, 2);
    nnlm_free(&b);
    c.epochs = 3;
    c.seed = 99;   /* a resumed run takes its generators from the checkpoint, not the seed */
    Vocab *vb = nnlm_checkpoint_load(dir_b, &b, 4, &sb, &c);
    ck_assert_int_eq(sb.epoch, 4);
    ck_assert_int_eq(sb.undone, 2);
    double vb_loss = nnlm_train(&b, &sb, &d, &c, &tps);

    size_t bytes = a.pt.total * sizeof(float);
    ck_assert_int_eq(memcmp(a.pt.values, b.pt.values, bytes), 0);
    ck_assert_int_eq(memcmp(a.pt.m, b.pt.m, bytes), 0);
    ck_assert_int_eq(memcmp(a.pt.v, b.pt.v, bytes), 0);
    ck_assert_int_eq(sa.step, sb.step);
    ck_assert_int_eq(sa.epoch, 7);
    ck_assert_int_eq(sb.epoch, 7);
    ck_assert_float_eq(sa.lr, sb.lr);
    ck_assert_double_eq(sa.best_valid, sb.best_valid);
    ck_assert_double_eq(va, vb_loss);
    ck_assert_int_eq(sa.undone, sb.undone);
    ck_assert_int_eq(memcmp(&sa.rng, &sb.rng, sizeof sa.rng), 0);
    ck_assert_int_eq(memcmp(&sa.drop, &sb.drop, sizeof sa.drop), 0);
    nnlm_free(&a);
    nnlm_free(&b);
    nnlm_data_free(&d);
    vocab_free(vocab);
    vocab_free(vb);
}
END_TEST

/* Early stopping: with patience 2 the run of tiny_nnlm_corpus at lr 0.1
 * stops after epoch 4, the second that failed to improve; the model left is
 * the best on validation (epoch 2's), and a further call trains no more. */
START_TEST(test_nnlm_early_stopping) {
    NnlmData d;
    NnlmConfig cfg;
    Vocab *vocab = tiny_nnlm_setup(&d, &cfg);
    NnlmTrainConfig c = {.epochs = 20, .lr = 0.1f, .patience = 2, .seed = 5, .out = tmp_path("nnlm-stop"), .quiet = 1};
    Nnlm m;
    NnlmTrainState s;
    double tps;
    nnlm_build(&m, &cfg, 4);
    nnlm_init(&m, 5);
    nnlm_state_init(&s, &c);
    double best = nnlm_train(&m, &s, &d, &c, &tps);
    ck_assert_int_eq(s.epoch, 4);
    ck_assert_int_eq(s.undone, 2);
    ck_assert_float_eq(s.lr, 0.025f);
    ck_assert_double_eq(best, s.best_valid);
    ck_assert_double_eq(nnlm_evaluate(&m, &d.split[SPLIT_VALID]), best);   /* the kept model is the best one */
    long step = s.step;
    nnlm_train(&m, &s, &d, &c, &tps);
    ck_assert_int_eq(s.epoch, 4);
    ck_assert_int_eq(s.step, step);
    nnlm_free(&m);
    nnlm_data_free(&d);
    vocab_free(vocab);
}
END_TEST

/* ---------------------------------------------------------------- the command line */

static int run(const char *args) {
    const char *bin = getenv("BIN");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s/word2vec %s >/dev/null 2>&1", bin && *bin ? bin : "bin", args);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

START_TEST(test_cli_exit_codes) {
    const char *bin = getenv("BIN");
    char path[512];
    snprintf(path, sizeof path, "%s/word2vec", bin && *bin ? bin : "bin");
    struct stat st;
    if (stat(path, &st) != 0)
        SKIP_TEST("%s not built", path);
    ck_assert_int_eq(run("--help"), 0);
    ck_assert_int_eq(run("train --help"), 0);
    ck_assert_int_eq(run("bogus"), 2);
    ck_assert_int_eq(run("train --output x"), 2);                 /* --train missing */
    ck_assert_int_eq(run("train --train x --output y --size 0"), 2);
    ck_assert_int_eq(run("train --train /nonexistent --output y"), 1);
    const char *empty = tmp_path("empty.txt");
    write_text(empty, "\n\n");
    char args[600];
    snprintf(args, sizeof args, "train --train %s --output %s --quiet", empty, tmp_path("o.bin"));
    ck_assert_int_eq(run(args), 1);                               /* empty corpus */
    snprintf(args, sizeof args, "eval --vectors %s", empty);
    ck_assert_int_eq(run(args), 1);                               /* not a vector file */
    ck_assert_int_eq(run("similar --vectors /nonexistent/v.bin god"), 1);
    ck_assert_int_eq(run("nnlm --train /nonexistent/a --valid b --test c"), 1);
    const char *words = tmp_path("words.txt");
    write_text(words, "a b\n");
    snprintf(args, sizeof args, "nnlm --train %s --valid %s --test %s --epochs 0 --out %s", words, empty, words,
             tmp_path("nowords"));
    ck_assert_int_eq(run(args), 1);                               /* a split of empty lines */
    ck_assert_int_eq(run("nnlm --data nowhere"), 2);
    ck_assert_int_eq(run("demo --bogus"), 2);
}
END_TEST

/* Run bin/word2vec with args, stdout and stderr into the file out; the exit status. */
static int run_capture(const char *args, const char *out) {
    const char *bin = getenv("BIN");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s/word2vec %s >%s 2>&1", bin && *bin ? bin : "bin", args, out);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int have_binary(void) {
    const char *bin = getenv("BIN");
    char path[512];
    snprintf(path, sizeof path, "%s/word2vec", bin && *bin ? bin : "bin");
    struct stat st;
    return stat(path, &st) == 0;
}

/* Every command: --help exits 0, an unknown option or a bad value exits 2,
 * and the original tool's one-dash spelling (-alpha, alias of --lr) works. */
START_TEST(test_cli_options) {
    if (!have_binary()) SKIP_TEST("bin/word2vec not built");
    const char *cmds[] = {"train", "similar", "analogy", "eval", "nnlm", "demo"};
    char args[2400];
    for (int i = 0; i < 6; i++) {
        snprintf(args, sizeof args, "%s --help", cmds[i]);
        ck_assert_int_eq(run(args), 0);
        snprintf(args, sizeof args, "%s --bogus 1", cmds[i]);
        ck_assert_int_eq(run(args), 2);
    }
    ck_assert_int_eq(run("train --size x --help"), 0);   /* --help wins wherever it stands */
    ck_assert_int_eq(run("train --train a --output b --window 5x"), 2);
    ck_assert_int_eq(run("train --train a --output b --seed -1"), 2);
    ck_assert_int_eq(run("train --train a --output b --alpha 0"), 2);
    ck_assert_int_eq(run("train --train a --output b --threads 0"), 2);
    ck_assert_int_eq(run("similar --vectors v --k 0 god"), 2);
    ck_assert_int_eq(run("similar --vectors v --binary maybe god"), 2);
    ck_assert_int_eq(run("eval --vectors v --restrict -5"), 2);
    ck_assert_int_eq(run("nnlm --data ptb --order 1x"), 2);
    ck_assert_int_eq(run("nnlm --data ptb --batch 0"), 2);
    ck_assert_int_eq(run("nnlm --data ptb extra.txt"), 2);
    ck_assert_int_eq(run("nnlm --preset wiki"), 2);               /* no such preset */
    ck_assert_int_eq(run("nnlm --preset ptb --dropout 1"), 2);    /* a probability below 1 */
    ck_assert_int_eq(run("nnlm --preset ptb --patience -1"), 2);
    ck_assert_int_eq(run("nnlm --preset ptb --help"), 0);
    ck_assert_int_eq(run("demo --threads abc"), 2);

    char corpus[512], a[512], b[512];
    strcpy(corpus, tmp_path("dash.txt"));
    strcpy(a, tmp_path("dash-a.txt"));
    strcpy(b, tmp_path("dash-b.txt"));
    write_text(corpus, "the cat sat on the mat\nthe dog sat on the log\n");
    snprintf(args, sizeof args, "train -train %s -output %s -size 8 -cbow 0 -alpha 0.05 -min-count 1 -iter 2 "
             "-threads 1 -binary 0 -quiet", corpus, a);
    ck_assert_int_eq(run(args), 0);
    snprintf(args, sizeof args, "train --train=%s --output %s --size 8 --cbow 0 --lr 0.05 --min-count 1 --iter 2 "
             "--threads 1 --binary 0 --quiet", corpus, b);
    ck_assert_int_eq(run(args), 0);
    size_t la, lb;
    char *va = read_file(a, &la), *vb = read_file(b, &lb);
    ck_assert_str_eq(va, vb);
    free(va);
    free(vb);
}
END_TEST

/* The whole output of a --quiet run must be its one RESULT line. */
static void expect_only_result(const char *args) {
    char out[512];
    strcpy(out, tmp_path("quiet.out"));
    ck_assert_int_eq(run_capture(args, out), 0);
    size_t len;
    char *got = read_file(out, &len);
    if (strncmp(got, "RESULT ", 7) != 0 || strchr(got, '\n') != got + len - 1)
        ck_abort_msg("--quiet printed more than the RESULT line:\n%s", got);
    free(got);
}

START_TEST(test_cli_quiet) {
    if (!have_binary()) SKIP_TEST("bin/word2vec not built");
    char corpus[512], valid[512], args[2048];
    strcpy(corpus, tmp_path("quiet.txt"));
    write_text(corpus, "the cat sat on the mat\nthe dog sat on the log\n");
    snprintf(args, sizeof args, "train --train %s --output %s --size 8 --iter 1 --min-count 1 --threads 1 --quiet",
             corpus, tmp_path("quiet.bin"));
    expect_only_result(args);
    strcpy(valid, tmp_path("quiet-valid.txt"));
    write_text(valid, "the cat sat\n");
    snprintf(args, sizeof args, "nnlm --train %s --valid %s --test %s --order 2 --embed 4 --hidden 4 --epochs 1 "
             "--threads 1 --out %s --quiet", corpus, valid, valid, tmp_path("quiet-nnlm"));
    expect_only_result(args);
}
END_TEST

/* The text of file path (read_file), for checking a captured output. */
static int output_has(const char *path, const char *needle) {
    size_t len;
    char *got = read_file(path, &len);
    int ok = strstr(got, needle) != NULL;
    if (!ok) printf("output lacks '%s':\n%s\n", needle, got);
    free(got);
    return ok;
}

/* A NUL byte is never text: every reader stops with the file, byte and line. */
START_TEST(test_cli_nul_byte) {
    if (!have_binary()) SKIP_TEST("bin/word2vec not built");
    char bad[512], good[512], out[512], args[2400], want[600];
    strcpy(bad, tmp_path("nul.txt"));
    strcpy(good, tmp_path("good.txt"));
    strcpy(out, tmp_path("nul.out"));
    write_bytes(bad, "the cat\nsat\0on the mat\n", 23);   /* the NUL is byte 11, on line 2 */
    write_text(good, "the cat sat\non the mat\n");
    snprintf(want, sizeof want, "'%s': NUL byte at byte 11 (line 2)", bad);
    snprintf(args, sizeof args, "train --train %s --output %s --min-count 1 --threads 1 --quiet", bad, tmp_path("n.bin"));
    ck_assert_int_eq(run_capture(args, out), 1);
    ck_assert(output_has(out, want));
    snprintf(args, sizeof args, "nnlm --train %s --valid %s --test %s --epochs 1 --out %s --quiet", bad, good, good,
             tmp_path("nul-nnlm"));
    ck_assert_int_eq(run_capture(args, out), 1);
    ck_assert(output_has(out, want));
    snprintf(args, sizeof args, "nnlm --train %s --valid %s --test %s --epochs 1 --out %s --quiet", good, bad, good,
             tmp_path("nul-nnlm"));
    ck_assert_int_eq(run_capture(args, out), 1);
    ck_assert(output_has(out, want));
    char vec[512], questions[512];   /* the benchmark files of eval */
    strcpy(vec, tmp_path("nul-vec.txt"));
    write_text(vec, "2 2\nthe 1 2\ncat 3 4\n");
    strcpy(questions, tmp_path("nul-questions.txt"));
    write_text(questions, ": family\nthe cat cat the\n");
    snprintf(args, sizeof args, "eval --vectors %s --questions %s --ws353 %s --simlex %s", vec, bad, good, good);
    ck_assert_int_eq(run_capture(args, out), 1);
    ck_assert(output_has(out, want));
    snprintf(args, sizeof args, "eval --vectors %s --questions %s --ws353 %s --simlex %s", vec, questions, bad, bad);
    ck_assert_int_eq(run_capture(args, out), 1);
    ck_assert(output_has(out, want));
}
END_TEST

/* word2vec reads bytes, as the original tool: a corpus that is not UTF-8
 * (here Latin-1) trains, with a warning naming the first bad byte. */
START_TEST(test_cli_invalid_utf8_warns) {
    if (!have_binary()) SKIP_TEST("bin/word2vec not built");
    char corpus[512], vocab[512], out[512], args[2400], want[600];
    strcpy(corpus, tmp_path("latin1.txt"));
    strcpy(vocab, tmp_path("latin1.vocab"));
    strcpy(out, tmp_path("latin1.out"));
    write_text(corpus, "un caf\xe9 noir\nun caf\xe9 cr\xe8me\n");   /* 0xe9 at byte 6, line 1 */
    snprintf(args, sizeof args, "train --train %s --output %s --save-vocab %s --size 4 --min-count 2 --threads 1 --quiet",
             corpus, tmp_path("l.bin"), vocab);
    ck_assert_int_eq(run_capture(args, out), 0);
    snprintf(want, sizeof want, "warning: '%s': invalid UTF-8 at byte 6 (line 1)", corpus);
    ck_assert(output_has(out, want));
    ck_assert(output_has(vocab, "caf\xe9 2\n"));
}
END_TEST

/* The same through the command line: the two runs' final checkpoints are the same bytes. */
START_TEST(test_cli_nnlm_resume) {
    if (!have_binary()) SKIP_TEST("bin/word2vec not built");
    char train[512], valid[512], dir_a[512], dir_b[512], flags[1700], args[3000], ck_a[600], ck_b[600];
    tiny_nnlm_corpus(train, valid);
    strcpy(dir_a, tmp_path("nnlm-cli-a"));
    strcpy(dir_b, tmp_path("nnlm-cli-b"));
    snprintf(flags, sizeof flags, "--train %s --valid %s --test %s --order 3 --embed 4 --hidden 8 --batch 4 "
             "--lr 0.05 --dropout 0.3 --patience 0 --seed 5 --threads 1", train, valid, valid);
    snprintf(args, sizeof args, "nnlm %s --epochs 7 --out %s", flags, dir_a);
    ck_assert_int_eq(run(args), 0);
    snprintf(args, sizeof args, "nnlm %s --epochs 6 --out %s", flags, dir_b);
    ck_assert_int_eq(run(args), 0);
    snprintf(args, sizeof args, "nnlm %s --load %s --epochs 1 --out %s", flags, dir_b, dir_b);
    ck_assert_int_eq(run(args), 0);
    snprintf(ck_a, sizeof ck_a, "%s/nnlm.ckpt", dir_a);
    snprintf(ck_b, sizeof ck_b, "%s/nnlm.ckpt", dir_b);
    size_t la, lb;
    char *a = read_file(ck_a, &la), *b = read_file(ck_b, &lb);
    ck_assert_uint_eq(la, lb);
    ck_assert_int_eq(memcmp(a, b, la), 0);
    free(a);
    free(b);
}
END_TEST

static Suite *word2vec_suite(void) {
    Suite *s = suite_create("word2vec");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_vocab_rules);
    tcase_add_test(tc, test_long_words_are_cut);
    tcase_add_test(tc, test_empty_corpus);
    tcase_add_test(tc, test_huffman_codes);
    tcase_add_test(tc, test_unigram_distribution);
    tcase_add_test(tc, test_subsampling_formula);
    tcase_add_test(tc, test_gradcheck_skipgram_ns);
    tcase_add_test(tc, test_gradcheck_skipgram_hs);
    tcase_add_test(tc, test_gradcheck_cbow_ns);
    tcase_add_test(tc, test_gradcheck_cbow_hs);
    tcase_add_test(tc, test_sigmoid_table);
    tcase_add_test(tc, test_planted_skipgram_ns);
    tcase_add_test(tc, test_planted_cbow_hs);
    tcase_add_test(tc, test_one_thread_reproducible);
    tcase_add_test(tc, test_two_threads_train);
    tcase_add_test(tc, test_binary_layout_byte_exact);
    tcase_add_test(tc, test_text_layout_byte_exact);
    tcase_add_test(tc, test_round_trip_trained);
    tcase_add_test(tc, test_vectors_repeated_word);
    tcase_add_exit_test(tc, test_vocab_repeated_word_dies, 1);
    tcase_add_test(tc, test_bad_vector_files);
    tcase_add_test(tc, test_analogy_known_answers);
    tcase_add_test(tc, test_spearman_known_values);
    tcase_add_test(tc, test_similarity_with_coverage);
    tcase_add_test(tc, test_nearest_and_pca);
    tcase_add_test(tc, test_nnlm_windows);
    tcase_add_test(tc, test_nnlm_gradcheck);
    tcase_add_test(tc, test_nnlm_gradcheck_dropout);
    tcase_add_test(tc, test_nnlm_dropout_train_only);
    tcase_add_test(tc, test_nnlm_matches_pytorch);
    tcase_add_test(tc, test_nnlm_learns);
    tcase_add_test(tc, test_nnlm_resume_library);
    tcase_add_test(tc, test_nnlm_early_stopping);
    tcase_add_test(tc, test_cli_exit_codes);
    tcase_add_test(tc, test_cli_options);
    tcase_add_test(tc, test_cli_quiet);
    tcase_add_test(tc, test_cli_nnlm_resume);
    tcase_add_test(tc, test_cli_nul_byte);
    tcase_add_test(tc, test_cli_invalid_utf8_warns);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(word2vec_suite)
