/*
 * test_ngram.c -- Chapter 1: n-gram models.
 *
 *   known answers   every estimator on two toy corpora: a three-line one
 *                   computed by hand in the comments, and tests/fixtures/
 *                   ngram_toy.txt whose values come from a direct, slow
 *                   transcription of the definitions (tests/fixtures/ngram_toy_ref.py)
 *   invariant       sum over V of p(w | h) = 1 for sampled histories of every
 *                   order and estimator (counts: 1e-6 in double; ARPA floats: 1e-5)
 *   <pad>           id 3 of the common vocabulary: never counted, written, predicted
 *                   or sampled
 *   sampling        a seed reproduces, temperature 0 / top-k 1 / a tiny nucleus
 *                   give the argmax chain
 *   ARPA            round trip with identical perplexity, a hand-written file
 *                   with backoffs scored by hand (OOVs included), malformed files rejected
 *   bad input       empty corpora, bad orders, missing files, NUL bytes and invalid
 *                   UTF-8: exit status 1 / 2; the CLI's messages and RESULT line
 *   PTB             KN5 test perplexity 141.19 +- 0.1% (KenLM) when the data is here
 *   demo            the quick demo: MKN beats add-k at every order above 1;
 *                   the CLI's demo prints a RESULT line per order
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "ngram/ngram.h"
#include "util.h"

#define TOY "tests/fixtures/ngram_toy.txt"
#define HAND_ARPA "tests/fixtures/ngram_hand.arpa"

static const char *tiny = "a b a\nb a\na b\n";

static void train_text(NgramLm *lm, const char *text, int order, NgramEstimator est) {
    NgramTrainConfig cfg;
    ngram_train_config_default(&cfg);
    cfg.order = order;
    cfg.est = est;
    ngram_count_text(lm, &cfg, text, strlen(text), "test");
    ngram_estimate(lm);
}

static void train_file(NgramLm *lm, const char *path, int order, NgramEstimator est) {
    NgramTrainConfig cfg;
    ngram_train_config_default(&cfg);
    cfg.order = order;
    cfg.est = est;
    ngram_count_file(lm, &cfg, path);
    ngram_estimate(lm);
}

/* Ids of a space-separated history ("" for none); unknown words -> <unk>. */
static int ids_of(const NgramLm *lm, const char *words, uint32_t *ids) {
    uint8_t oov[NGRAM_MAX_ORDER];
    return (int)ngram_line_ids(lm, words, strlen(words), ids, oov, NGRAM_MAX_ORDER);
}

static uint32_t id_of(const NgramLm *lm, const char *w) {
    int id = vocab_find(lm->vocab, w, strlen(w));
    ck_assert_msg(id >= 0, "word %s not in the vocabulary", w);
    return (uint32_t)id;
}

/* p(w | h) from the counts; h's words are given as a string, "<s>" allowed. */
static double P(const NgramLm *lm, const char *h, const char *w) {
    uint32_t ids[NGRAM_MAX_ORDER];
    int n = 0;
    if (strncmp(h, "<s>", 3) == 0) { ids[n++] = VOCAB_BOS; h += 3; }
    n += ids_of(lm, h, ids + n);
    return ngram_prob_counts(lm, ids, n, id_of(lm, w));
}

/* The same through the ARPA tables and the backoff recursion. */
static double P_arpa(const NgramLm *lm, const char *h, const char *w) {
    uint32_t ids[NGRAM_MAX_ORDER];
    int n = 0;
    if (strncmp(h, "<s>", 3) == 0) { ids[n++] = VOCAB_BOS; h += 3; }
    n += ids_of(lm, h, ids + n);
    return pow(10.0, ngram_log10prob(lm, ids, n, id_of(lm, w), NULL));
}

/* ------------------------------------------------------------------ hand-computed */

/*
 * "a b a / b a / a b" as sentences <s> a b a </s>, <s> b a </s>, <s> a b </s>.
 * V = {<unk>, </s>, a, b}, |V| = 4. Raw bigram counts:
 *   <s> a 2, <s> b 1, a b 2, b a 2, a </s> 2, b </s> 1;  unigrams a 4, b 3, </s> 3 (10 tokens).
 * Continuation counts: a(a) = |{<s>, b}| = 2, a(b) = |{<s>, a}| = 2, a(</s>) = |{a, b}| = 2.
 */
START_TEST(test_hand_mle_addk) {
    NgramLm lm;
    train_text(&lm, tiny, 2, NGRAM_EST_MLE);
    ck_assert_double_eq_tol(P(&lm, "", "a"), 4.0 / 10, 1e-12);
    ck_assert_double_eq_tol(P(&lm, "a", "b"), 2.0 / 4, 1e-12);        /* c(a b) / S(a) */
    ck_assert_double_eq_tol(P(&lm, "<s>", "a"), 2.0 / 3, 1e-12);
    ck_assert_double_eq_tol(P(&lm, "a", "a"), 0.0, 1e-12);            /* unseen: impossible */
    ck_assert_double_eq_tol(P(&lm, "<s>", "<unk>"), 0.0, 1e-12);
    ngram_free(&lm);
    train_text(&lm, tiny, 2, NGRAM_EST_ADDK);
    ck_assert_double_eq_tol(P(&lm, "a", "b"), 3.0 / 8, 1e-12);        /* (2+1) / (4+4) */
    ck_assert_double_eq_tol(P(&lm, "a", "a"), 1.0 / 8, 1e-12);
    ck_assert_double_eq_tol(P(&lm, "<s>", "<unk>"), 1.0 / 7, 1e-12);  /* (0+1) / (3+4) */
    ngram_free(&lm);
}
END_TEST

START_TEST(test_hand_kn) {
    NgramLm lm;
    train_text(&lm, tiny, 2, NGRAM_EST_KN);
    /* continuation counts */
    ck_assert_uint_eq(lm.tab[1].adj[id_of(&lm, "a")], 2);
    ck_assert_uint_eq(lm.tab[1].adj[id_of(&lm, "b")], 2);
    ck_assert_uint_eq(lm.tab[1].adj[VOCAB_EOS], 2);
    ck_assert_uint_eq(lm.tab[1].adj[VOCAB_UNK], 0);
    /* unigram t1 = 0: D falls back to 0.5; bigram t1 = 2, t2 = 4: D = 2 / (2 + 8) = 0.2 */
    ck_assert_double_eq_tol(lm.D[1][1], 0.5, 1e-12);
    ck_assert_double_eq_tol(lm.D[2][1], 0.2, 1e-12);
    /* p1(a) = (2 - 0.5)/6 + (0.5 * 3/6) / 4 = 0.3125; p1(<unk>) = 0.0625 */
    ck_assert_double_eq_tol(P(&lm, "", "a"), 0.3125, 1e-12);
    ck_assert_double_eq_tol(P(&lm, "", "<unk>"), 0.0625, 1e-12);
    /* p2(b|a) = (2 - 0.2)/4 + (0.2 * 2/4) * 0.3125 = 0.48125 */
    ck_assert_double_eq_tol(P(&lm, "a", "b"), 0.48125, 1e-12);
    /* unseen a a: gamma(a) p1(a) = 0.1 * 0.3125 */
    ck_assert_double_eq_tol(P(&lm, "a", "a"), 0.03125, 1e-12);
    ngram_free(&lm);
}
END_TEST

START_TEST(test_mkn_discount_formula) {
    /* Y = 10 / (10 + 2*4) = 5/9; D1 = 1 - 2Y*4/10 = 0.5556; D2 = 2 - 3Y*2/4 = 1.1667; D3 = 3 - 4Y*1/2 = 1.8889 */
    uint64_t t[5] = { 0, 10, 4, 2, 1 };
    double D[4];
    ck_assert_int_eq(ngram_mkn_discounts(t, D), 0);
    double Y = 10.0 / 18.0;
    ck_assert_double_eq_tol(D[1], 1 - 2 * Y * 4 / 10, 1e-12);
    ck_assert_double_eq_tol(D[2], 2 - 3 * Y * 2 / 4, 1e-12);
    ck_assert_double_eq_tol(D[3], 3 - 4 * Y * 1 / 2, 1e-12);
    uint64_t bad[5] = { 0, 0, 3, 1, 1 };
    ck_assert_int_eq(ngram_mkn_discounts(bad, D), -1);
}
END_TEST

START_TEST(test_unk_cutoff_and_vocab_file) {
    /* ngram_toy.txt: c 5 times, d e f twice each; --min-count 3 maps d e f to <unk> */
    NgramTrainConfig cfg;
    ngram_train_config_default(&cfg);
    cfg.order = 2;
    cfg.min_count = 3;
    NgramLm lm;
    ngram_count_file(&lm, &cfg, TOY);
    ck_assert_int_eq(ngram_vocab_size(&lm), 6);             /* <unk> <s> </s> a b c (and the unused <pad>) */
    ck_assert_uint_eq(lm.tab[1].count[VOCAB_UNK], 6);
    ck_assert_int_lt(vocab_find(lm.vocab, "d", 1), 0);
    ngram_free(&lm);
    /* a vocabulary file: unlisted words -> <unk>; listed but unseen words are words */
    const char *path = tmp_path("vocab.txt");
    FILE *f = fopen(path, "w");
    fputs("a b\nc\nzzz\n", f);
    fclose(f);
    ngram_train_config_default(&cfg);
    cfg.order = 2;
    cfg.vocab_file = path;
    ngram_count_file(&lm, &cfg, TOY);
    ngram_estimate(&lm);
    ck_assert_int_eq(ngram_vocab_size(&lm), 7);             /* + zzz */
    ck_assert_uint_eq(lm.tab[1].count[VOCAB_UNK], 6);
    ck_assert_uint_eq(lm.tab[1].count[id_of(&lm, "zzz")], 0);
    ck_assert_double_gt(P(&lm, "a", "zzz"), 0.0);        /* smoothing reaches it */
    unlink(path);
    ngram_free(&lm);
}
END_TEST

/* ------------------------------------------------------------------ the toy corpus */

/* Values from tests/fixtures/ngram_toy_ref.py (the definitions transcribed
 * literally, by brute force over all n-grams), trigram models of ngram_toy.txt. */
static const char *toy_query[][2] = {
    { "", "a" }, { "a", "b" }, { "<s> a", "b" }, { "b a", "c" }, { "c c", "a" },
    { "<s>", "<unk>" }, { "a b", "</s>" }, { "x b", "a" },
};
static const double toy_want[5][8] = {
    /* mle */ { 0.254901960784, 0.307692307692, 0, 0, 0, 0, 0.75, 0.266666666667 },
    /* addk */ { 0.237288135593, 0.238095238095, 0.1, 0.0833333333333, 0.1, 0.05,
                 0.333333333333, 0.217391304348 },
    /* absdisc */ { 0.253676470588, 0.272727272727, 0.146138807429, 0.109708193042,
                    0.0489325489325, 0.0034435261708, 0.575757575758, 0.236363636364 },
    /* kn */ { 0.226136363636, 0.30575, 0.106549242424, 0.0647310606061, 0.0231161616162,
               0.00116666666667, 0.703651515152, 0.196090909091 },
    /* mkn */ { 0.197727272727, 0.221324675325, 0.128770720189, 0.0638488783943,
                0.0791046044864, 0.0340865800866, 0.24350023255, 0.154462809917 },
};

START_TEST(test_toy_known_answers) {
    for (int e = 0; e < 5; e++) {
        NgramLm lm;
        train_file(&lm, TOY, 3, (NgramEstimator)e);
        if (ngram_estimator_is_backoff((NgramEstimator)e)) ngram_compile_arpa(&lm, 1);
        for (int q = 0; q < 8; q++) {
            double got = P(&lm, toy_query[q][0], toy_query[q][1]);
            ck_assert_msg(fabs(got - toy_want[e][q]) < 1e-11, "%s p(%s | %s) = %.12g, want %.12g",
                          ngram_estimator_name((NgramEstimator)e), toy_query[q][1], toy_query[q][0], got,
                          toy_want[e][q]);
            if (!ngram_estimator_is_backoff((NgramEstimator)e)) continue;
            double arpa = P_arpa(&lm, toy_query[q][0], toy_query[q][1]);
            ck_assert_msg(fabs(arpa - toy_want[e][q]) < 1e-6 * toy_want[e][q],
                          "%s via ARPA p(%s | %s) = %.12g, want %.12g", ngram_estimator_name((NgramEstimator)e),
                          toy_query[q][1], toy_query[q][0], arpa, toy_want[e][q]);
        }
        ngram_free(&lm);
    }
}
END_TEST

START_TEST(test_toy_mkn_discounts) {
    /* adjusted count-of-counts (t1..t4): unigrams 1 2 1 1, bigrams 11 7 2 1, trigrams 23 5 2 0 */
    NgramLm lm;
    train_file(&lm, TOY, 3, NGRAM_EST_MKN);
    double y1 = 1.0 / 5, y2 = 11.0 / 25, y3 = 23.0 / 33;
    ck_assert_double_eq_tol(lm.D[1][1], 1 - 2 * y1 * 2 / 1, 1e-12);
    ck_assert_double_eq_tol(lm.D[1][2], 2 - 3 * y1 * 1 / 2, 1e-12);
    ck_assert_double_eq_tol(lm.D[1][3], 3 - 4 * y1 * 1 / 1, 1e-12);
    ck_assert_double_eq_tol(lm.D[2][1], 1 - 2 * y2 * 7 / 11, 1e-12);
    ck_assert_double_eq_tol(lm.D[2][2], 2 - 3 * y2 * 2 / 7, 1e-12);
    ck_assert_double_eq_tol(lm.D[2][3], 3 - 4 * y2 * 1 / 2, 1e-12);
    ck_assert_double_eq_tol(lm.D[3][1], 1 - 2 * y3 * 5 / 23, 1e-12);
    ck_assert_double_eq_tol(lm.D[3][2], 2 - 3 * y3 * 2 / 5, 1e-12);
    ck_assert_double_eq_tol(lm.D[3][3], 3.0, 1e-12);
    ngram_free(&lm);
}
END_TEST

/* ------------------------------------------------------------------ the invariant */

/* sum_{w in V} p(w | h) for one history, from the counts and (if any) the ARPA tables. */
static void check_sums(const NgramLm *lm, const uint32_t *h, int hlen) {
    double sum = 0.0, sum_arpa = 0.0;
    for (uint32_t w = 0; w < (uint32_t)lm->vocab->size; w++) {
        if (ngram_never_predicted(w)) continue;   /* <s>, <pad> */
        sum += ngram_prob_counts(lm, h, hlen, w);
        if (lm->has_arpa) sum_arpa += pow(10.0, ngram_log10prob(lm, h, hlen, w, NULL));
    }
    ck_assert_msg(fabs(sum - 1.0) < 1e-6, "%s order %d, history of %d words: sum p = %.12f",
                  ngram_estimator_name(lm->est), lm->order, hlen, sum);
    if (lm->has_arpa)
        ck_assert_msg(fabs(sum_arpa - 1.0) < 1e-5, "%s order %d via ARPA, history of %d words: sum p = %.9f",
                      ngram_estimator_name(lm->est), lm->order, hlen, sum_arpa);
}

/* Every seen history (up to `per_order` sampled per order), plus random unseen ones. */
static void check_invariant(const NgramLm *lm, Rng *rng, int per_order) {
    check_sums(lm, NULL, 0);
    for (int n = 1; n < lm->order; n++) {
        const NgramTable *t = &lm->tab[n];
        int k = per_order < (int)t->len ? per_order : (int)t->len;
        for (int i = 0; i < k; i++) {
            size_t e = per_order < (int)t->len ? rng_below(rng, (uint32_t)t->len) : (size_t)i;
            uint32_t g[NGRAM_MAX_ORDER];
            ngram_entry_words(lm, n, e, 1, g);
            check_sums(lm, g, n);
        }
        uint32_t h[NGRAM_MAX_ORDER];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < n; j++) h[j] = rng_below(rng, (uint32_t)lm->vocab->size);
            check_sums(lm, h, n);
        }
    }
}

START_TEST(test_invariant_toy) {
    Rng rng;
    rng_seed(&rng, 7, 0);
    for (int e = 0; e < 5; e++)
        for (int order = 1; order <= 4; order++) {
            NgramLm lm;
            train_file(&lm, TOY, order, (NgramEstimator)e);
            if (ngram_estimator_is_backoff((NgramEstimator)e)) ngram_compile_arpa(&lm, 1);
            check_invariant(&lm, &rng, 1000);
            ngram_free(&lm);
        }
}
END_TEST

/* A slice of real text when present (PTB), else the Bible slice, else skipped. */
static char *real_text(size_t max_bytes, size_t *len) {
    const char *names[] = { "ptb/ptb.train.txt", "bible/words.train.txt" };
    for (int i = 0; i < 2; i++) {
        char path[1024];
        if (!data_path(path, sizeof path, names[i])) continue;
        char *text = read_file(path, len);
        if (*len > max_bytes) {
            char *cut = memchr(text + max_bytes, '\n', *len - max_bytes);
            if (cut) { cut[1] = '\0'; *len = (size_t)(cut + 1 - text); }
        }
        return text;
    }
    return NULL;
}

START_TEST(test_invariant_real_text) {
    size_t len;
    char *text = real_text(60000, &len);
    if (!text) SKIP_TEST("no PTB or Bible data (run `make data`)");
    Rng rng;
    rng_seed(&rng, 11, 0);
    for (int e = 0; e < 5; e++) {
        NgramLm lm;
        NgramTrainConfig cfg;
        ngram_train_config_default(&cfg);
        cfg.order = 4;
        cfg.est = (NgramEstimator)e;
        ngram_count_text(&lm, &cfg, text, len, "slice");
        ngram_estimate(&lm);
        if (ngram_estimator_is_backoff(lm.est)) ngram_compile_arpa(&lm, 1);
        check_invariant(&lm, &rng, 8);
        ngram_free(&lm);
    }
    free(text);
}
END_TEST

/* Each number field of an ARPA line below 1/16 in magnitude is written as
 * printf's %.9g writes it (arpa.c does it by integer arithmetic). Returns the
 * number of fields checked. */
static long check_small_floats(char *text) {
    long checked = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *tab1 = strchr(line, '\t');
        if (!tab1 || line[0] == '\\') continue;
        char *tab2 = strchr(tab1 + 1, '\t');
        char *fields[2] = { line, tab2 ? tab2 + 1 : NULL };
        *tab1 = '\0';
        for (int i = 0; i < 2 && fields[i]; i++) {
            float x = strtof(fields[i], NULL);
            if (x == 0 || fabsf(x) >= 0.0625f) continue;
            char want[64];
            snprintf(want, sizeof want, "%.9g", (double)x);
            ck_assert_str_eq(fields[i], want);
            checked++;
        }
    }
    return checked;
}

/* ngram train's path (counted without hash indexes, estimated and written
 * order by order) writes the file of the whole-model path, byte for byte. */
START_TEST(test_arpa_written_order_by_order) {
    size_t len;
    char *text = real_text(60000, &len);
    if (!text) SKIP_TEST("no PTB or Bible data (run `make data`)");
    for (int e = NGRAM_EST_KN; e <= NGRAM_EST_MKN; e++) {
        NgramTrainConfig cfg;
        ngram_train_config_default(&cfg);
        cfg.order = 4;
        cfg.est = (NgramEstimator)e;
        NgramLm whole, streamed;
        ngram_count_text(&whole, &cfg, text, len, "slice");
        ngram_estimate(&whole);
        ngram_compile_arpa(&whole, 0);
        const char *a = tmp_path("whole.arpa");
        ngram_arpa_write(&whole, a);
        cfg.write_only = 1;
        ngram_count_text(&streamed, &cfg, text, len, "slice");
        ck_assert_ptr_null(streamed.tab[2].slot);   /* no index kept */
        const char *b = tmp_path("streamed.arpa");
        ngram_estimate_to_arpa(&streamed, b);
        size_t la, lb;
        char *ta = read_file(a, &la), *tb = read_file(b, &lb);
        ck_assert_uint_eq(la, lb);
        ck_assert_int_eq(memcmp(ta, tb, la), 0);
        ck_assert_int_gt(check_small_floats(ta), 1000);
        unlink(a);
        unlink(b);
        free(ta);
        free(tb);
        ngram_free(&whole);
        ngram_free(&streamed);
    }
    free(text);
}
END_TEST

/* <pad> (id 3 of the common vocabulary) is never counted, written, predicted or sampled. */
START_TEST(test_pad_never_used) {
    NgramLm lm;
    train_file(&lm, TOY, 3, NGRAM_EST_MKN);
    ngram_compile_arpa(&lm, 1);
    ck_assert_str_eq(vocab_token(lm.vocab, VOCAB_PAD), "<pad>");
    ck_assert_uint_eq(lm.tab[1].count[VOCAB_PAD], 0);
    ck_assert_double_eq(ngram_prob_counts(&lm, NULL, 0, VOCAB_PAD), 0.0);
    ck_assert_double_eq(ngram_log10prob(&lm, NULL, 0, VOCAB_PAD, NULL), NGRAM_LOG10_ZERO);
    /* the ARPA file: every unigram but <pad>'s */
    const char *path = tmp_path("pad.arpa");
    ngram_arpa_write(&lm, path);
    size_t len;
    char *text = read_file(path, &len);
    ck_assert_ptr_null(strstr(text, "<pad>"));
    char want[64];
    snprintf(want, sizeof want, "ngram 1=%d\n", ngram_vocab_size(&lm));
    ck_assert_ptr_nonnull(strstr(text, want));
    free(text);
    unlink(path);
    /* "<pad>" in text to score is an unknown word, like "<s>" */
    NgramPerplexity p;
    ngram_score_text(&lm, "a <pad> b\n", 10, "pad", &p, NULL, 0, 0);
    ck_assert_uint_eq(p.oov, 1);
    /* samples */
    char *buf;
    FILE *mem = open_memstream(&buf, &len);
    Rng rng;
    rng_seed(&rng, 3, 0);
    SamplerConfig flat = { .temperature = 2.0f, .top_k = 0, .top_p = 1.0f };
    for (int i = 0; i < 200; i++) ngram_sample(&lm, &flat, &rng, 20, mem);
    fclose(mem);
    ck_assert_ptr_null(strstr(buf, "<pad>"));
    free(buf);
    ngram_free(&lm);
    /* a char model: its |V| is every byte seen, <unk> and </s>; the sums still hold */
    NgramTrainConfig cfg;
    ngram_train_config_default(&cfg);
    cfg.order = 3;
    cfg.char_level = 1;
    const char *bytes = "abracadabra\n<s> \xc3\xa9\n";
    ngram_count_text(&lm, &cfg, bytes, strlen(bytes), "bytes");
    lm.quiet = 1;
    ngram_estimate(&lm);
    ngram_compile_arpa(&lm, 1);
    ck_assert_int_eq(ngram_vocab_size(&lm), 3 + 12);   /* <unk> <s> </s>, then a b r c d \n < s > space \xc3 \xa9 */
    rng_seed(&rng, 5, 0);
    check_invariant(&lm, &rng, 50);
    ngram_free(&lm);
}
END_TEST

/* ------------------------------------------------------------------ sampling */

/* n sentences drawn with sampler s and seed, as one string (free it). */
static char *samples(const NgramLm *lm, SamplerConfig s, uint64_t seed, int n) {
    char *buf;
    size_t len;
    FILE *mem = open_memstream(&buf, &len);
    Rng rng;
    rng_seed(&rng, seed, 0);
    for (int i = 0; i < n; i++) ngram_sample(lm, &s, &rng, 20, mem);
    fclose(mem);
    return buf;
}

/* The most likely sentence, word by word, as a sentence of the sampler at
 * temperature 0 must be: argmax of p(w | h) over the predicted tokens, the
 * lower id on a tie, until </s> or 20 words. */
static char *argmax_chain(const NgramLm *lm) {
    char *buf;
    size_t len;
    FILE *mem = open_memstream(&buf, &len);
    uint32_t seq[22] = { VOCAB_BOS };
    int L = 1;
    for (int t = 0; t < 20; t++) {
        int hlen = L < lm->order - 1 ? L : lm->order - 1;
        uint32_t best = VOCAB_UNK;
        for (uint32_t w = 1; w < (uint32_t)lm->vocab->size; w++) {
            if (ngram_never_predicted(w)) continue;
            if (ngram_log10prob(lm, seq + L - hlen, hlen, w, NULL) >
                ngram_log10prob(lm, seq + L - hlen, hlen, best, NULL)) best = w;
        }
        if (best == VOCAB_EOS) break;
        seq[L++] = best;
        fprintf(mem, "%s%s", t ? " " : "", lm->vocab->tokens[best]);
    }
    fputc('\n', mem);
    fclose(mem);
    return buf;
}

START_TEST(test_sampling) {
    NgramLm lm;
    train_text(&lm, "the cat sat on the mat\nthe cat sat\nthe dog sat on the mat .\na dog ran\n", 3,
               NGRAM_EST_MKN);
    ngram_compile_arpa(&lm, 1);
    SamplerConfig model = { .temperature = 1.0f, .top_k = 0, .top_p = 1.0f };
    /* a seed gives the same sentences every time; another seed, others */
    char *a = samples(&lm, model, 1, 20), *b = samples(&lm, model, 1, 20), *c = samples(&lm, model, 2, 20);
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(a, c);
    ck_assert_ptr_null(strstr(a, "<s>"));
    printf("samples, seed 1:\n%s", a);
    /* temperature 0, top-k 1 and a tiny nucleus all give the most likely chain, whatever the seed */
    char *want = argmax_chain(&lm);
    SamplerConfig greedy = { .temperature = 0.0f, .top_k = 0, .top_p = 1.0f };
    SamplerConfig top1 = { .temperature = 1.0f, .top_k = 1, .top_p = 1.0f };
    SamplerConfig nucleus = { .temperature = 1.0f, .top_k = 0, .top_p = 1e-6f };
    SamplerConfig cuts[3] = { greedy, top1, nucleus };
    for (int i = 0; i < 3; i++) {
        char *got = samples(&lm, cuts[i], (uint64_t)(7 + i), 1);
        ck_assert_msg(strcmp(got, want) == 0, "sampler %d gave '%s', the argmax chain is '%s'", i, got, want);
        free(got);
    }
    /* by the counts: the (3 of 4 starts), cat (2 of 3), sat, then on and </s> tie at 1 after
     * "cat sat" and the bigram decides (sat on: 2), the, mat, and </s> beats "." on
     * continuation counts (4 words precede </s>, one precedes ".") */
    ck_assert_str_eq(want, "the cat sat on the mat\n");
    printf("the argmax chain: %s", want);
    free(a);
    free(b);
    free(c);
    free(want);
    ngram_free(&lm);
}
END_TEST

/* ------------------------------------------------------------------ ARPA */

static void score(const NgramLm *lm, const char *text, NgramPerplexity *p) {
    ngram_score_text(lm, text, strlen(text), "text", p, NULL, 0, 0);
}

START_TEST(test_arpa_round_trip) {
    const char *eval = "a b c\nb a d e\nzz a b\nc c c c\n";
    for (int e = NGRAM_EST_ABSDISC; e <= NGRAM_EST_MKN; e++) {
        NgramLm lm, back;
        train_file(&lm, TOY, 3, (NgramEstimator)e);
        ngram_compile_arpa(&lm, 1);
        const char *path = tmp_path("round.arpa");
        ngram_arpa_write(&lm, path);
        char err[512];
        ck_assert_msg(ngram_arpa_read(&back, path, 0, err, sizeof err) == 0, "%s", err);
        ck_assert_uint_eq(back.order, 3);
        for (int n = 1; n <= 3; n++) ck_assert_uint_eq(ngram_entries(&back, n), ngram_entries(&lm, n));
        NgramPerplexity a, b;
        score(&lm, eval, &a);
        score(&back, eval, &b);
        ck_assert_uint_eq(a.tokens, 18);
        ck_assert_uint_eq(a.oov, 1);
        ck_assert_uint_eq(b.oov, 1);
        ck_assert_msg(a.logprob == b.logprob && a.logprob_iv == b.logprob_iv,
                      "%s: %.17g vs %.17g after the round trip", ngram_estimator_name((NgramEstimator)e),
                      a.logprob, b.logprob);
        unlink(path);
        ngram_free(&lm);
        ngram_free(&back);
    }
}
END_TEST

START_TEST(test_arpa_hand_written) {
    NgramLm lm;
    char err[512];
    ck_assert_msg(ngram_arpa_read(&lm, HAND_ARPA, 0, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(lm.order, 3);
    /* found directly */
    ck_assert_double_eq_tol(log10(P_arpa(&lm, "<s> a", "b")), -0.1, 1e-6);
    ck_assert_double_eq_tol(log10(P_arpa(&lm, "a b", "</s>")), -0.2, 1e-6);
    /* a b a absent: bo(a b) + p(a | b) = -0.25 - 0.9 */
    ck_assert_double_eq_tol(log10(P_arpa(&lm, "a b", "a")), -1.15, 1e-6);
    /* b a b absent, b a has no backoff (0): p(b | a) = -0.5 */
    ck_assert_double_eq_tol(log10(P_arpa(&lm, "b a", "b")), -0.5, 1e-6);
    /* <s> a </s>: bo(<s> a) + bo(a) + p(</s>) = -0.15 - 0.2 - 1 */
    ck_assert_double_eq_tol(log10(P_arpa(&lm, "<s> a", "</s>")), -1.35, 1e-6);
    /* "a b" scores -0.3 - 0.1 - 0.2 over 3 tokens; "x" is OOV: p(<unk> | <s>) = bo(<s>) + -2 */
    NgramPerplexity p;
    score(&lm, "a b\n", &p);
    ck_assert_double_eq_tol(p.logprob, -0.6, 1e-6);
    ck_assert_double_eq_tol(ngram_ppl_including(&p), pow(10.0, 0.2), 1e-5);
    score(&lm, "x\n", &p);
    ck_assert_uint_eq(p.oov, 1);
    ck_assert_uint_eq(p.tokens, 2);
    /* x = -0.30103 - 2; </s> after <unk>: bo(<unk>) = 0, p(</s>) = -1 */
    ck_assert_double_eq_tol(p.logprob, -0.30103 - 2 - 1, 1e-6);
    ck_assert_double_eq_tol(p.logprob_iv, -1, 1e-6);
    /* KenLM query's per-word lines, and eval --sentences' per-sentence lines */
    char *buf;
    size_t len;
    FILE *mem = open_memstream(&buf, &len);
    ngram_score_text(&lm, "a b\nb zz\n", 9, "text", &p, mem, 0, 1);
    fclose(mem);
    ck_assert_str_eq(buf, "a=4 2 -0.3\tb=5 3 -0.1\t</s>=2 3 -0.2\tTotal: -0.6 OOV: 0\n"
                          "b=5 1 -1\tzz=0 1 -2.1\t</s>=2 1 -1\tTotal: -4.1 OOV: 1\n");
    /* b: bo(<s>) + p(b) = -0.30103 - 0.69897; zz as <unk>: bo(b) + p(<unk>) = -0.1 - 2 */
    free(buf);
    mem = open_memstream(&buf, &len);
    ngram_score_text(&lm, "a b\n", 4, "text", &p, mem, 1, 0);
    fclose(mem);
    ck_assert_str_eq(buf, "-0.600000\ta b\n");
    free(buf);
    ngram_free(&lm);
}
END_TEST

/* A pruned model: "<s> a b" without its suffix "a b", which the walk needs
 * to reach it. The reader adds "a b" as a blank whose p is the recursion's,
 * bo(a) + p(b) = -0.2 - 0.69897; scores and matched lengths stay the recursion's. */
START_TEST(test_arpa_missing_suffix) {
    const char *text = "\\data\\\nngram 1=5\nngram 2=3\nngram 3=2\n\n\\1-grams:\n-99\t<s>\t-0.30103\n"
                       "-0.60206\ta\t-0.2\n-0.69897\tb\t-0.1\n-1\t</s>\n-2\t<unk>\n\n\\2-grams:\n"
                       "-0.3\t<s> a\t-0.15\n-0.4\tb </s>\n-0.9\tb a\n\n\\3-grams:\n-0.1\t<s> a b\n-0.2\ta b </s>\n\n\\end\\\n";
    const char *path = tmp_path("pruned.arpa");
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    NgramLm lm;
    char err[512];
    ck_assert_msg(ngram_arpa_read(&lm, path, 0, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(ngram_entries(&lm, 2), 3);   /* the blank is not one of the model's n-grams */
    ck_assert_double_eq_tol(log10(P_arpa(&lm, "<s> a", "b")), -0.1, 1e-6);
    ck_assert_double_eq_tol(log10(P_arpa(&lm, "<unk> a", "b")), -0.2 - 0.69897, 1e-6);
    ck_assert_double_eq_tol(log10(P_arpa(&lm, "a b", "a")), -0.9, 1e-6);    /* bo(a b) = 1: absent */
    NgramPerplexity p;
    char *buf;
    size_t len;
    FILE *mem = open_memstream(&buf, &len);
    ngram_score_text(&lm, "zz a b\n", 7, "text", &p, mem, 0, 1);
    fclose(mem);
    /* zz: bo(<s>) + p(<unk>); a | <s> <unk>: p(a); b | <unk> a: the blank's p, matched 1; </s> | a b: p*(a b </s>) */
    ck_assert_str_eq(buf, "zz=0 1 -2.30103\ta=4 1 -0.60206\tb=5 1 -0.89897\t</s>=2 3 -0.2\tTotal: -4.00206 OOV: 1\n");
    free(buf);
    ngram_free(&lm);
    unlink(path);
}
END_TEST

/*
 * Perplexity with OOVs, by hand, under ngram_hand.arpa. "x" is not in the
 * model: an OOV, scored as <unk>. A literal "<unk>" is the <unk> word, not an
 * OOV (KenLM's query would count it as one too: its vocabulary answers 0 for both).
 *   a | <s>          p*(<s> a)                                  -0.3
 *   x | <s> a        bo(<s> a) + bo(a) + p(<unk>) = -0.15-0.2-2  -2.35   OOV
 *   b | a <unk>      (a <unk> absent) bo(<unk>) = 0 + p(b)       -0.69897
 *   </s> | <unk> b   (<unk> b absent) p*(b </s>)                 -0.4
 *   <unk> | <s>      bo(<s>) + p(<unk>) = -0.30103 - 2           -2.30103
 *   b | <s> <unk>    bo(<unk>) = 0 + p(b)                        -0.69897
 *   </s> | <unk> b   p*(b </s>)                                  -0.4
 * 7 tokens, sum -7.14897: ppl = 10^(7.14897/7) = 10.5022, loss = 7.14897 ln 10 / 7 = 2.3516;
 * without the OOV, 6 tokens, sum -4.79897: ppl_excl_oov = 10^(4.79897/6) = 6.30708.
 */
static const char *oov_text = "a x b\n<unk> b\n";

START_TEST(test_ppl_excluding_oovs) {
    NgramLm lm;
    char err[512];
    ck_assert_msg(ngram_arpa_read(&lm, HAND_ARPA, 0, err, sizeof err) == 0, "%s", err);
    NgramPerplexity p;
    score(&lm, oov_text, &p);
    ck_assert_uint_eq(p.tokens, 7);
    ck_assert_uint_eq(p.oov, 1);
    ck_assert_uint_eq(p.sentences, 2);
    ck_assert_double_eq_tol(p.logprob, -7.14897, 1e-6);
    ck_assert_double_eq_tol(p.logprob_iv, -4.79897, 1e-6);
    ck_assert_double_eq_tol(ngram_ppl_including(&p), pow(10.0, 7.14897 / 7), 1e-5);
    ck_assert_double_eq_tol(ngram_ppl_excluding(&p), pow(10.0, 4.79897 / 6), 1e-5);
    /* no OOVs: the two are one */
    score(&lm, "a b\n", &p);
    ck_assert_double_eq(ngram_ppl_including(&p), ngram_ppl_excluding(&p));
    ngram_free(&lm);
}
END_TEST

/* The word ladder scores the same tokens in every stage (DESIGN.md): what
 * ngram scores is common/text.h's text_sentence_stream, one </s> per line,
 * whatever the whitespace, blank lines and a last line without its newline. */
START_TEST(test_same_tokens_as_sentence_stream) {
    const char *text = "a b\tc\r\n\n  d  zz a \nb\vc\fd\n\nc a";
    NgramLm lm;
    train_text(&lm, "a b c\nd a\n", 2, NGRAM_EST_KN);
    ngram_compile_arpa(&lm, 1);
    size_t n;
    int *ids = text_sentence_stream(lm.vocab, text, strlen(text), 0, &n);
    NgramPerplexity p;
    score(&lm, text, &p);
    ck_assert_uint_eq(p.tokens, n);
    ck_assert_uint_eq(p.sentences, 6);
    ck_assert_uint_eq(p.oov, 1);
    size_t k = 0;
    for (const char *line = text, *end = text + strlen(text); line < end; ) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol) eol = end;
        uint32_t got[16];
        uint8_t oov[16];
        size_t m = ngram_line_ids(&lm, line, (size_t)(eol - line), got, oov, 16);
        for (size_t j = 0; j < m; j++) ck_assert_int_eq(ids[k++], (int)got[j]);
        ck_assert_int_eq(ids[k++], VOCAB_EOS);
        line = eol + 1;
    }
    ck_assert_uint_eq(k, n);
    free(ids);
    ngram_free(&lm);
}
END_TEST

START_TEST(test_binary_round_trip) {
    const char *eval = "a b c\nb a d e\nzz a b\nc c c c\n";
    NgramLm lm, back;
    train_file(&lm, TOY, 3, NGRAM_EST_MKN);
    ngram_compile_arpa(&lm, 1);
    const char *path = tmp_path("model.bin");
    ngram_binary_write(&lm, path);
    ck_assert(ngram_binary_is_model(path));
    ck_assert(!ngram_binary_is_model(HAND_ARPA));
    char err[512];
    ck_assert_msg(ngram_binary_read(&back, path, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(back.est, NGRAM_EST_MKN);
    NgramPerplexity a, b;
    score(&lm, eval, &a);
    score(&back, eval, &b);
    ck_assert(a.logprob == b.logprob && a.oov == b.oov && a.tokens == b.tokens);
    ngram_free(&back);
    /* every truncation is an error with a message, never a crash */
    size_t len;
    char *bytes = read_file(path, &len);
    const char *cut = tmp_path("cut.bin");
    for (size_t keep = 0; keep < len; keep += 1 + keep / 3) {
        FILE *f = fopen(cut, "wb");
        fwrite(bytes, 1, keep, f);
        fclose(f);
        ck_assert_msg(ngram_binary_read(&back, cut, err, sizeof err) != 0, "accepted %zu of %zu bytes", keep, len);
    }
    printf("truncated binary rejected as expected: %s\n", err);
    /* header fields that lie: each refused by name, before any table is read */
    struct { size_t at; uint32_t value; const char *want; } lies[] = {
        { 0, 0x4d415247u, "bad magic" },                /* "GRAM" over "NGRA" */
        { 8, 2, "unsupported version" },
        { 12, 0x04030201u, "other byte order" },
        { 16, 17, "bad order" },
        { 32, 3, "bad vocabulary size" },
        { 176 + 8, 1, "bad table sizes" },              /* order 2: fewer slots than n-grams */
        { 176 + 16, 1u << 20, "shorter than its header says" },
    };
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        char *copy = xmalloc(len);
        memcpy(copy, bytes, len);
        memcpy(copy + lies[i].at, &lies[i].value, 4);
        if (lies[i].at >= 176) memset(copy + lies[i].at + 4, 0, 4);   /* a u64 */
        FILE *f = fopen(cut, "wb");
        fwrite(copy, 1, len, f);
        fclose(f);
        free(copy);
        ck_assert_int_ne(ngram_binary_read(&back, cut, err, sizeof err), 0);
        ck_assert_msg(strstr(err, lies[i].want), "'%s' lacks '%s'", err, lies[i].want);
    }
    /* a word offset outside the arena */
    size_t arena = 0;
    for (int id = 0; id < lm.vocab->size; id++) arena += strlen(lm.vocab->tokens[id]) + 1;
    size_t word_at = 312 + ((arena + 7) & ~(size_t)7);   /* the header, the arena padded to 8 */
    ck_assert_mem_eq(bytes + 312, "<unk>", 6);
    ck_assert_uint_eq(*(uint32_t *)(bytes + word_at + 4), 6);   /* <s> follows "<unk>\0" */
    {
        char *copy = xmalloc(len);
        memcpy(copy, bytes, len);
        memcpy(copy + word_at + 4, "\xff\xff\xff\x0f", 4);
        FILE *g = fopen(cut, "wb");
        fwrite(copy, 1, len, g);
        fclose(g);
        free(copy);
        ck_assert_int_ne(ngram_binary_read(&back, cut, err, sizeof err), 0);
        ck_assert_ptr_nonnull(strstr(err, "a word outside the arena"));
    }
    /* one byte too many */
    FILE *f = fopen(cut, "wb");
    fwrite(bytes, 1, len, f);
    fputc(0, f);
    fclose(f);
    ck_assert_int_ne(ngram_binary_read(&back, cut, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "longer than its header says"));
    free(bytes);
    unlink(cut);
    unlink(path);
    ngram_free(&lm);
}
END_TEST

/* Write text to a scratch file and expect ngram_arpa_read to fail with `want` in its message. */
static void expect_arpa_error(const char *text, const char *want) {
    const char *path = tmp_path("bad.arpa");
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    NgramLm lm;
    char err[512] = "";
    ck_assert_msg(ngram_arpa_read(&lm, path, 0, err, sizeof err) != 0, "accepted a bad ARPA file (want '%s')", want);
    ck_assert_msg(strstr(err, want) != NULL, "message '%s' lacks '%s'", err, want);
    printf("rejected as expected: %s\n", err);
    unlink(path);
}

#define HEAD "\\data\\\nngram 1=3\nngram 2=2\n\n\\1-grams:\n-1\t<s>\t-0.5\n-0.5\ta\t-0.2\n-0.5\t</s>\n\n"

START_TEST(test_arpa_rejects) {
    const char *ok = HEAD "\\2-grams:\n-0.1\t<s> a\n-0.2\ta </s>\n\n\\end\\\n";
    NgramLm lm;
    char err[512];
    const char *path = tmp_path("ok.arpa");
    FILE *f = fopen(path, "w");
    fputs(ok, f);
    fclose(f);
    ck_assert_msg(ngram_arpa_read(&lm, path, 0, err, sizeof err) == 0, "%s", err);   /* the control */
    ngram_free(&lm);
    unlink(path);
    expect_arpa_error(HEAD "\\2-grams:\n-0.1\t<s> a\n", "the 2-gram section has 1 entries but \\data\\ says 2");
    expect_arpa_error(HEAD "\\2-grams:\n-0.1\t<s> a\n-0.2\ta </s>\n-0.3\ta a\n\n\\end\\\n", "more entries");
    expect_arpa_error(HEAD "\\2-grams:\n-0.1\t<s> a\n-0.2\ta </s>\n", "missing \\end\\");
    expect_arpa_error(HEAD "\\2-grams:\n-0.1\t<s> a\nminus\ta </s>\n\\end\\\n", "bad probability 'minus'");
    expect_arpa_error(HEAD "\\2-grams:\n-0.1\t<s> a\n-0.2\ta </s>\tx\n\\end\\\n", "bad backoff 'x'");
    expect_arpa_error(HEAD "\\2-grams:\n-0.1\t<s> a\n-0.2\ta b\n\\end\\\n", "'b' of a 2-gram is not among the unigrams");
    expect_arpa_error(HEAD "\\2-grams:\n-0.1\t<s> a\n-0.2\ta\n\\end\\\n", "needs log10p, 2 words");
    expect_arpa_error(HEAD "\\3-grams:\n-0.1\t<s> a\n-0.2\ta </s>\n\\end\\\n", "expected \\2-grams:");
    expect_arpa_error(HEAD "\\end\\\n", "expected \\2-grams:");
    expect_arpa_error(HEAD, "file ends before the \\2-grams: section");
    expect_arpa_error("\\data\\\nngram 1=x\n", "bad count line");
    expect_arpa_error("\\data\\\nngram 1=99999999\n\n\\1-grams:\n-1\ta\n", "more n-grams than the file has bytes");
    expect_arpa_error("\\data\\\nngram 2=3\n", "order 2 after order 0");
    expect_arpa_error("\\data\\\n\\1-grams:\n", "no 'ngram N=COUNT' lines");
    expect_arpa_error("hello\nworld\n", "not an ARPA file");
    expect_arpa_error("", "not an ARPA file");
    ck_assert_int_ne(ngram_arpa_read(&lm, "/nonexistent/model.arpa", 0, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "cannot open"));
}
END_TEST

/* ------------------------------------------------------------------ bad input */

START_TEST(test_empty_corpus_dies) {
    NgramLm lm;
    train_text(&lm, "", 3, NGRAM_EST_MKN);
}
END_TEST

START_TEST(test_blank_corpus_dies) {
    NgramLm lm;
    train_text(&lm, "\n  \n\t\n", 3, NGRAM_EST_MKN);
}
END_TEST

START_TEST(test_order_zero_dies) {
    NgramLm lm;
    train_text(&lm, tiny, 0, NGRAM_EST_MKN);
}
END_TEST

START_TEST(test_order_too_high_dies) {
    NgramLm lm;
    train_text(&lm, tiny, NGRAM_MAX_ORDER + 1, NGRAM_EST_MKN);
}
END_TEST

START_TEST(test_missing_corpus_dies) {
    NgramLm lm;
    train_file(&lm, "/nonexistent/corpus.txt", 3, NGRAM_EST_MKN);
}
END_TEST

START_TEST(test_reserved_token_dies) {
    NgramLm lm;
    train_text(&lm, "a b\n<s> a\n", 3, NGRAM_EST_MKN);
}
END_TEST

START_TEST(test_reserved_pad_dies) {
    NgramLm lm;
    train_text(&lm, "a b\na <pad>\n", 3, NGRAM_EST_MKN);
}
END_TEST

/* Text that is not text: a NUL byte inside a word, an invalid UTF-8 byte.
 * Training on it and scoring it both stop with exit status 1 (text.h's rule),
 * in memory and from a file. */
static const char nul_text[] = "a b a\nb a\0x b\na b\n";     /* the NUL: byte 9, line 2 */
static const char bad_utf8[] = "a b a\nb \xff a\na b\n";     /* the 0xff: byte 8, line 2 */

/* Write n bytes to a scratch file and return its path. */
static const char *bytes_file(const char *stem, const char *bytes, size_t n) {
    const char *path = tmp_path(stem);
    write_bytes(path, bytes, n);
    return path;
}

START_TEST(test_nul_in_corpus_dies) {
    NgramLm lm;
    NgramTrainConfig cfg;
    ngram_train_config_default(&cfg);
    ngram_count_text(&lm, &cfg, nul_text, sizeof nul_text - 1, "nul");
}
END_TEST

START_TEST(test_nul_in_corpus_file_dies) {
    NgramLm lm;
    train_file(&lm, bytes_file("nul.txt", nul_text, sizeof nul_text - 1), 3, NGRAM_EST_MKN);
}
END_TEST

START_TEST(test_nul_in_char_corpus_dies) {
    NgramLm lm;
    NgramTrainConfig cfg;
    ngram_train_config_default(&cfg);
    cfg.char_level = 1;
    ngram_count_text(&lm, &cfg, nul_text, sizeof nul_text - 1, "nul");
}
END_TEST

START_TEST(test_nul_in_scored_text_dies) {
    NgramLm lm;
    train_text(&lm, tiny, 2, NGRAM_EST_MKN);
    NgramPerplexity p;
    ngram_score_text(&lm, nul_text, sizeof nul_text - 1, "nul", &p, NULL, 0, 0);
}
END_TEST

START_TEST(test_nul_in_scored_file_dies) {
    NgramLm lm;
    train_text(&lm, tiny, 2, NGRAM_EST_MKN);
    NgramPerplexity p;
    ngram_score_file(&lm, bytes_file("nul.txt", nul_text, sizeof nul_text - 1), &p, NULL, 0, 0);
}
END_TEST

START_TEST(test_bad_utf8_in_corpus_dies) {
    NgramLm lm;
    NgramTrainConfig cfg;
    ngram_train_config_default(&cfg);
    ngram_count_text(&lm, &cfg, bad_utf8, sizeof bad_utf8 - 1, "bad");
}
END_TEST

START_TEST(test_bad_utf8_in_scored_text_dies) {
    NgramLm lm;
    train_text(&lm, tiny, 2, NGRAM_EST_MKN);
    NgramPerplexity p;
    ngram_score_text(&lm, bad_utf8, sizeof bad_utf8 - 1, "bad", &p, NULL, 0, 0);
}
END_TEST

/* bin/ngram, or $BIN/ngram (make test sets BIN to the variant's binaries), or NULL if not built. */
static const char *ngram_bin(void) {
    static char path[600];
    const char *bin = getenv("BIN");
    snprintf(path, sizeof path, "%s/ngram", bin && *bin ? bin : "bin");
    return access(path, X_OK) == 0 ? path : NULL;
}

/* The CLI's exit statuses, when bin/ngram has been built (make all). */
static int run(const char *cmd) {
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run `ngram ARGS`, stdin from the file in (or none), stderr to a scratch file;
 * expect exit status `status` and `want` in what it printed on stderr. */
static void expect_cli(const char *args, const char *in, int status, const char *want) {
    const char *bin = ngram_bin(), *errf = tmp_path("stderr.txt");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s < %s > /dev/null 2> %s", bin, args, in ? in : "/dev/null", errf);
    int rc = run(cmd);
    size_t len;
    char *err = read_file(errf, &len);
    ck_assert_msg(rc == status, "`ngram %s` exited %d, want %d (stderr: %s)", args, rc, status, err);
    ck_assert_msg(strstr(err, want) != NULL, "`ngram %s` printed '%s', lacking '%s'", args, err, want);
    printf("ngram %s -> %d: %s", args, rc, err);
    free(err);
    unlink(errf);
}

/* eval's summary and RESULT line (common/metrics.h) for the hand-computed OOV example. */
START_TEST(test_cli_result_line) {
    if (!ngram_bin()) SKIP_TEST("CLI RESULT line: $BIN/ngram not built");
    char dir[512], path[600], cmd[2048];
    snprintf(dir, sizeof dir, "%s", tmp_path("result"));
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    snprintf(path, sizeof path, "%s/hand.test.txt", dir);   /* data=hand split=test */
    write_bytes(path, oov_text, strlen(oov_text));
    const char *out = tmp_path("result.txt");
    snprintf(cmd, sizeof cmd, "%s eval --model %s %s > %s", ngram_bin(), HAND_ARPA, path, out);
    ck_assert_int_eq(run(cmd), 0);
    size_t len;
    char *got = read_file(out, &len);
    ck_assert_str_eq(got, "Perplexity including OOVs:\t10.502\n"
                          "Perplexity excluding OOVs:\t6.307\n"
                          "OOVs:\t1\n"
                          "Tokens:\t7\n"
                          "RESULT stage=ngram model=arpa3 data=hand split=test tokens=7 oov=1 loss=2.3516 "
                          "ppl=10.502 ppl_excl_oov=6.307 ngrams=11\n");
    free(got);
    unlink(out);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* demo's RESULT lines (the README's generated table): one per order 1..6, every
 * estimator's perplexity, MLE's infinite from order 2 on. */
START_TEST(test_cli_demo_result_lines) {
    char path[1024], cmd[2048];
    if (!ngram_bin()) SKIP_TEST("CLI demo: $BIN/ngram not built");
    if (!data_path(path, sizeof path, "bible/words.train.txt")) SKIP_TEST("%s not found (run `make data`)", path);
    const char *out = tmp_path("demo_results.txt");
    snprintf(cmd, sizeof cmd, "%s demo --quick --quiet --out %s | grep '^RESULT' > %s", ngram_bin(), tmp_path("demo_cli"), out);
    ck_assert_int_eq(run(cmd), 0);
    size_t len;
    char *got = read_file(out, &len);
    int lines = 0;
    for (const char *p = got; (p = strstr(p, "RESULT stage=ngram task=demo data=bible split=valid order=")); p++) lines++;
    ck_assert_int_eq(lines, 6);
    ck_assert_msg(strstr(got, " order=1 mle=") && !strstr(got, " order=1 mle=inf "), "%s", got);
    ck_assert_msg(strstr(got, " order=3 mle=inf addk="), "%s", got);
    ck_assert_msg(strstr(got, " kn=") && strstr(got, " mkn="), "%s", got);
    free(got);
    unlink(out);
}
END_TEST

START_TEST(test_cli_rejects_non_text) {
    if (!ngram_bin()) SKIP_TEST("CLI text checks: $BIN/ngram not built");
    char nul[512], bad[512], model[512], args[2048], want[1024];   /* tmp_path's buffers get reused */
    snprintf(nul, sizeof nul, "%s", bytes_file("nul.txt", nul_text, sizeof nul_text - 1));
    snprintf(bad, sizeof bad, "%s", bytes_file("bad.txt", bad_utf8, sizeof bad_utf8 - 1));
    snprintf(model, sizeof model, "%s", tmp_path("nul.arpa"));
    snprintf(want, sizeof want, "ngram: error: '%s': NUL byte at byte 9 (line 2)", nul);
    snprintf(args, sizeof args, "train --quiet --out %s %s", model, nul);
    expect_cli(args, NULL, 1, want);
    ck_assert_int_ne(access(model, F_OK), 0);   /* no model written */
    snprintf(args, sizeof args, "train --quiet --char --out %s %s", model, nul);
    expect_cli(args, NULL, 1, want);
    snprintf(args, sizeof args, "eval --model %s %s", HAND_ARPA, nul);
    expect_cli(args, NULL, 1, want);
    snprintf(args, sizeof args, "eval --quiet --train %s " TOY, nul);
    expect_cli(args, NULL, 1, want);
    snprintf(args, sizeof args, "eval --quiet --train %s --holdout 0.5", nul);
    expect_cli(args, NULL, 1, want);
    expect_cli("query --model " HAND_ARPA, nul, 1, "ngram: error: 'stdin': NUL byte at byte 9 (line 2)");
    snprintf(want, sizeof want, "ngram: error: '%s': invalid UTF-8 at byte 8 (line 2)", bad);
    snprintf(args, sizeof args, "train --quiet --out %s %s", model, bad);
    expect_cli(args, NULL, 1, want);
    snprintf(args, sizeof args, "eval --model %s %s", HAND_ARPA, bad);
    expect_cli(args, NULL, 1, want);
    snprintf(args, sizeof args, "eval --quiet --train " TOY " --vocab %s " TOY, bad);
    expect_cli(args, NULL, 1, want);
    expect_cli("query --model " HAND_ARPA, bad, 1, "ngram: error: 'stdin': invalid UTF-8 at byte 8 (line 2)");
    unlink(nul);
    unlink(bad);
}
END_TEST

/* Exit status of `ngram ARGS`, output discarded. */
static int ngram_status(const char *args) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s >/dev/null 2>&1 </dev/null", ngram_bin(), args);
    return run(cmd);
}

START_TEST(test_cli_exit_status) {
    if (!ngram_bin()) SKIP_TEST("CLI exit codes: $BIN/ngram not built");
    ck_assert_int_eq(ngram_status("train --order 0 --out /dev/null " TOY), 2);
    ck_assert_int_eq(ngram_status("train --order 17 --out /dev/null " TOY), 2);
    ck_assert_int_eq(ngram_status("train --estimator foo --out /dev/null " TOY), 2);
    ck_assert_int_eq(ngram_status("frobnicate"), 2);
    ck_assert_int_eq(ngram_status(""), 2);
    ck_assert_int_eq(ngram_status("eval " TOY), 2);   /* no model */
    ck_assert_int_eq(ngram_status("train --out /dev/null /nonexistent.txt"), 1);
    ck_assert_int_eq(ngram_status("eval --model /nonexistent.arpa " TOY), 1);
    ck_assert_int_eq(ngram_status("eval --model " TOY " " TOY), 1);   /* not ARPA */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "echo 'a b' | %s query --model " HAND_ARPA " >/dev/null", ngram_bin());
    ck_assert_int_eq(run(cmd), 0);
    ck_assert_int_eq(ngram_status("sample --model " HAND_ARPA " --top-k 2 --top-p 0.9"), 0);
    ck_assert_int_eq(ngram_status("sample --model " HAND_ARPA " --top-p 0"), 2);
    ck_assert_int_eq(ngram_status("sample --model " HAND_ARPA " --top-p 1.5"), 2);
    ck_assert_int_eq(ngram_status("sample --model " HAND_ARPA " --top-k -1"), 2);
    ck_assert_int_eq(ngram_status("sample --model " HAND_ARPA " --temperature -1"), 2);
}
END_TEST

/* common/cli.h's rules on every command: --help, unknown options, bad values, files anywhere. */
START_TEST(test_cli_parsing) {
    if (!ngram_bin()) SKIP_TEST("CLI parsing: $BIN/ngram not built");
    const char *cmds[] = { "train", "eval", "query", "sample", "demo" };
    char args[512], cmd[1024];
    for (int i = 0; i < 5; i++) {
        snprintf(args, sizeof args, "%s --help", cmds[i]);
        ck_assert_int_eq(ngram_status(args), 0);
        snprintf(cmd, sizeof cmd, "%s %s --help | head -1 | grep -q '^usage: ngram %s '", ngram_bin(), cmds[i],
                 cmds[i]);
        ck_assert_msg(run(cmd) == 0, "`ngram %s --help` does not start with its usage line", cmds[i]);
        snprintf(args, sizeof args, "%s --no-such-option 1", cmds[i]);
        ck_assert_int_eq(ngram_status(args), 2);
    }
    ck_assert_int_eq(ngram_status("--help"), 0);
    ck_assert_int_eq(ngram_status("demo --order 3"), 2);           /* another command's option */
    ck_assert_int_eq(ngram_status("train --out /dev/null --order 5x " TOY), 2);   /* bad numbers */
    ck_assert_int_eq(ngram_status("train --out /dev/null --order= " TOY), 2);
    ck_assert_int_eq(ngram_status("train --out /dev/null --k abc " TOY), 2);
    ck_assert_int_eq(ngram_status("train --out /dev/null --min-count 0 " TOY), 2);
    ck_assert_int_eq(ngram_status("eval --train " TOY " --holdout 1.5"), 2);
    ck_assert_int_eq(ngram_status("sample --model " HAND_ARPA " --n 0"), 2);
    ck_assert_int_eq(ngram_status("sample --model " HAND_ARPA " --seed -1"), 2);
    ck_assert_int_eq(ngram_status("sample --model " HAND_ARPA " --temperature 1e3"), 2);
    ck_assert_int_eq(ngram_status("train --out /dev/null " TOY " --order"), 2);     /* value missing */
    ck_assert_int_eq(ngram_status("eval --model " HAND_ARPA " --model-name 'a b' " TOY), 2);
    /* options after the files, --name=value, one dash */
    ck_assert_int_eq(ngram_status("eval " TOY " --model " HAND_ARPA), 0);
    ck_assert_int_eq(ngram_status("eval --order=2 -estimator kn --train " TOY " " TOY), 0);
}
END_TEST

/* ------------------------------------------------------------------ PTB and the demo */

START_TEST(test_ptb_kn5) {
    char train[1024], test[1024], valid[1024];
    if (!data_path(train, sizeof train, "ptb/ptb.train.txt") || !data_path(test, sizeof test, "ptb/ptb.test.txt") ||
        !data_path(valid, sizeof valid, "ptb/ptb.valid.txt"))
        SKIP_TEST("%s not found (run `make data` or set NLP_DATA_DIR)", train);
    NgramLm lm;
    train_file(&lm, train, 5, NGRAM_EST_MKN);
    ngram_compile_arpa(&lm, 1);
    NgramPerplexity p;
    ngram_score_file(&lm, test, &p, NULL, 0, 0);
    printf("PTB KN5 test perplexity %.3f over %llu tokens (KenLM 141.186)\n", ngram_ppl_including(&p),
           (unsigned long long)p.tokens);
    ck_assert_uint_eq(p.tokens, 82430);
    ck_assert_uint_eq(p.oov, 0);
    size_t len, n;   /* the ladder's sentence stream has the same tokens */
    char *text = text_load(test, &len);
    int *ids = text_sentence_stream(lm.vocab, text, len, 0, &n);
    ck_assert_uint_eq(n, p.tokens);
    free(ids);
    free(text);
    /* ngram/README.md's table, to the three decimals it prints */
    ck_assert_double_eq_tol(ngram_ppl_including(&p), 141.186, 5e-4);
    ngram_score_file(&lm, valid, &p, NULL, 0, 0);
    printf("PTB KN5 valid perplexity %.3f over %llu tokens (KenLM 148.007)\n", ngram_ppl_including(&p),
           (unsigned long long)p.tokens);
    ck_assert_uint_eq(p.tokens, 73760);
    ck_assert_double_eq_tol(ngram_ppl_including(&p), 148.008, 5e-4);
    ngram_free(&lm);
}
END_TEST

START_TEST(test_demo_quick) {
    char path[1024];
    if (!data_path(path, sizeof path, "bible/words.train.txt"))
        SKIP_TEST("%s not found (run `make data`)", path);
    NgramDemoResult r;
    char out[512];
    snprintf(out, sizeof out, "%s", tmp_path("demo"));
    ngram_demo(NULL, out, 1, 1, &r);
    ck_assert_double_eq(r.mle_unseen_p, 0.0);
    for (int e = NGRAM_EST_ADDK; e <= NGRAM_EST_MKN; e++) ck_assert_double_gt(r.smoothed_p[e], 0.0);
    for (int n = 2; n <= 6; n++) {
        printf("demo order %d: add-k %.1f  mkn %.1f\n", n, r.ppl[n][NGRAM_EST_ADDK], r.ppl[n][NGRAM_EST_MKN]);
        ck_assert_double_lt(r.ppl[n][NGRAM_EST_MKN], r.ppl[n][NGRAM_EST_ADDK]);
    }
    ck_assert_double_lt(r.ppl[3][NGRAM_EST_MKN], 0.5 * r.ppl[1][NGRAM_EST_MKN]);   /* context helps */
    ck_assert(isinf(r.ppl[3][NGRAM_EST_MLE]));   /* unseen trigrams in held-out text */
}
END_TEST

static Suite *ngram_suite(void) {
    Suite *s = suite_create("ngram");
    TCase *tc = tcase_create("known answers");
    tcase_add_test(tc, test_hand_mle_addk);
    tcase_add_test(tc, test_hand_kn);
    tcase_add_test(tc, test_mkn_discount_formula);
    tcase_add_test(tc, test_unk_cutoff_and_vocab_file);
    tcase_add_test(tc, test_toy_known_answers);
    tcase_add_test(tc, test_toy_mkn_discounts);
    suite_add_tcase(s, tc);
    tc = tcase_create("invariant");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_invariant_toy);
    tcase_add_test(tc, test_invariant_real_text);
    tcase_add_test(tc, test_pad_never_used);
    tcase_add_test(tc, test_sampling);
    suite_add_tcase(s, tc);
    tc = tcase_create("arpa");
    tcase_add_test(tc, test_arpa_round_trip);
    tcase_add_test(tc, test_arpa_written_order_by_order);
    tcase_add_test(tc, test_arpa_hand_written);
    tcase_add_test(tc, test_arpa_missing_suffix);
    tcase_add_test(tc, test_ppl_excluding_oovs);
    tcase_add_test(tc, test_same_tokens_as_sentence_stream);
    tcase_add_test(tc, test_arpa_rejects);
    tcase_add_test(tc, test_binary_round_trip);
    suite_add_tcase(s, tc);
    tc = tcase_create("bad input");
    tcase_set_timeout(tc, 60);   /* the CLI cases start bin/ngram some fifty times */
    tcase_add_exit_test(tc, test_empty_corpus_dies, 1);
    tcase_add_exit_test(tc, test_blank_corpus_dies, 1);
    tcase_add_exit_test(tc, test_order_zero_dies, 1);
    tcase_add_exit_test(tc, test_order_too_high_dies, 1);
    tcase_add_exit_test(tc, test_missing_corpus_dies, 1);
    tcase_add_exit_test(tc, test_reserved_token_dies, 1);
    tcase_add_exit_test(tc, test_reserved_pad_dies, 1);
    tcase_add_exit_test(tc, test_nul_in_corpus_dies, 1);
    tcase_add_exit_test(tc, test_nul_in_corpus_file_dies, 1);
    tcase_add_exit_test(tc, test_nul_in_char_corpus_dies, 1);
    tcase_add_exit_test(tc, test_nul_in_scored_text_dies, 1);
    tcase_add_exit_test(tc, test_nul_in_scored_file_dies, 1);
    tcase_add_exit_test(tc, test_bad_utf8_in_corpus_dies, 1);
    tcase_add_exit_test(tc, test_bad_utf8_in_scored_text_dies, 1);
    tcase_add_test(tc, test_cli_exit_status);
    tcase_add_test(tc, test_cli_parsing);
    tcase_add_test(tc, test_cli_rejects_non_text);
    tcase_add_test(tc, test_cli_result_line);
    tcase_add_test(tc, test_cli_demo_result_lines);
    suite_add_tcase(s, tc);
    tc = tcase_create("benchmarks data");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_ptb_kn5);
    tcase_add_test(tc, test_demo_quick);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(ngram_suite)
