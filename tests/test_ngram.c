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
 *   ARPA            round trip with identical perplexity, a hand-written file
 *                   with backoffs scored by hand, malformed files rejected
 *   bad input       empty corpora, bad orders, missing files: exit status 1 / 2
 *   PTB             KN5 test perplexity 141.19 +- 0.1% (KenLM) when the data is here
 *   demo            the quick demo: MKN beats add-k at every order above 1
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "../ngram/ngram.h"
#include "util.h"

#define TOY "tests/fixtures/ngram_toy.txt"
#define HAND_ARPA "tests/fixtures/ngram_hand.arpa"

static const char *tiny = "a b a\nb a\na b\n";

static void train_text(Lm *lm, const char *text, int order, Estimator est) {
    TrainConfig cfg;
    train_config_default(&cfg);
    cfg.order = order;
    cfg.est = est;
    lm_count_text(lm, &cfg, text, strlen(text), "test");
    lm_estimate(lm);
}

static void train_file(Lm *lm, const char *path, int order, Estimator est) {
    TrainConfig cfg;
    train_config_default(&cfg);
    cfg.order = order;
    cfg.est = est;
    lm_count_file(lm, &cfg, path);
    lm_estimate(lm);
}

/* Ids of a space-separated history ("" for none); unknown words -> <unk>. */
static int ids_of(const Lm *lm, const char *words, uint32_t *ids) {
    uint8_t oov[NGRAM_MAX_ORDER];
    return (int)lm_line_ids(lm, words, strlen(words), ids, oov, NGRAM_MAX_ORDER);
}

static uint32_t id_of(const Lm *lm, const char *w) {
    int id = vocab_find(lm->vocab, w, strlen(w));
    ck_assert_msg(id >= 0, "word %s not in the vocabulary", w);
    return (uint32_t)id;
}

/* p(w | h) from the counts; h's words are given as a string, "<s>" allowed. */
static double P(const Lm *lm, const char *h, const char *w) {
    uint32_t ids[NGRAM_MAX_ORDER];
    int n = 0;
    if (strncmp(h, "<s>", 3) == 0) { ids[n++] = VOCAB_BOS; h += 3; }
    n += ids_of(lm, h, ids + n);
    return lm_prob_counts(lm, ids, n, id_of(lm, w));
}

/* The same through the ARPA tables and the backoff recursion. */
static double P_arpa(const Lm *lm, const char *h, const char *w) {
    uint32_t ids[NGRAM_MAX_ORDER];
    int n = 0;
    if (strncmp(h, "<s>", 3) == 0) { ids[n++] = VOCAB_BOS; h += 3; }
    n += ids_of(lm, h, ids + n);
    return pow(10.0, lm_log10prob(lm, ids, n, id_of(lm, w), NULL));
}

/* ------------------------------------------------------------------ hand-computed */

/*
 * "a b a / b a / a b" as sentences <s> a b a </s>, <s> b a </s>, <s> a b </s>.
 * V = {<unk>, </s>, a, b}, |V| = 4. Raw bigram counts:
 *   <s> a 2, <s> b 1, a b 2, b a 2, a </s> 2, b </s> 1;  unigrams a 4, b 3, </s> 3 (10 tokens).
 * Continuation counts: a(a) = |{<s>, b}| = 2, a(b) = |{<s>, a}| = 2, a(</s>) = |{a, b}| = 2.
 */
START_TEST(test_hand_mle_addk) {
    Lm lm;
    train_text(&lm, tiny, 2, EST_MLE);
    ck_assert_double_eq_tol(P(&lm, "", "a"), 4.0 / 10, 1e-12);
    ck_assert_double_eq_tol(P(&lm, "a", "b"), 2.0 / 4, 1e-12);        /* c(a b) / S(a) */
    ck_assert_double_eq_tol(P(&lm, "<s>", "a"), 2.0 / 3, 1e-12);
    ck_assert_double_eq_tol(P(&lm, "a", "a"), 0.0, 1e-12);            /* unseen: impossible */
    ck_assert_double_eq_tol(P(&lm, "<s>", "<unk>"), 0.0, 1e-12);
    lm_free(&lm);
    train_text(&lm, tiny, 2, EST_ADDK);
    ck_assert_double_eq_tol(P(&lm, "a", "b"), 3.0 / 8, 1e-12);        /* (2+1) / (4+4) */
    ck_assert_double_eq_tol(P(&lm, "a", "a"), 1.0 / 8, 1e-12);
    ck_assert_double_eq_tol(P(&lm, "<s>", "<unk>"), 1.0 / 7, 1e-12);  /* (0+1) / (3+4) */
    lm_free(&lm);
}
END_TEST

START_TEST(test_hand_kn) {
    Lm lm;
    train_text(&lm, tiny, 2, EST_KN);
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
    lm_free(&lm);
}
END_TEST

START_TEST(test_mkn_discount_formula) {
    /* Y = 10 / (10 + 2*4) = 5/9; D1 = 1 - 2Y*4/10 = 0.5556; D2 = 2 - 3Y*2/4 = 1.1667; D3 = 3 - 4Y*1/2 = 1.8889 */
    uint64_t t[5] = { 0, 10, 4, 2, 1 };
    double D[4];
    ck_assert_int_eq(mkn_discounts(t, D), 0);
    double Y = 10.0 / 18.0;
    ck_assert_double_eq_tol(D[1], 1 - 2 * Y * 4 / 10, 1e-12);
    ck_assert_double_eq_tol(D[2], 2 - 3 * Y * 2 / 4, 1e-12);
    ck_assert_double_eq_tol(D[3], 3 - 4 * Y * 1 / 2, 1e-12);
    uint64_t bad[5] = { 0, 0, 3, 1, 1 };
    ck_assert_int_eq(mkn_discounts(bad, D), -1);
}
END_TEST

START_TEST(test_unk_cutoff_and_vocab_file) {
    /* ngram_toy.txt: c 5 times, d e f twice each; --min-count 3 maps d e f to <unk> */
    TrainConfig cfg;
    train_config_default(&cfg);
    cfg.order = 2;
    cfg.min_count = 3;
    Lm lm;
    lm_count_file(&lm, &cfg, TOY);
    ck_assert_int_eq(lm_vocab_size(&lm), 6);             /* <unk> <s> </s> a b c (and the unused <pad>) */
    ck_assert_uint_eq(lm.tab[1].count[VOCAB_UNK], 6);
    ck_assert_int_lt(vocab_find(lm.vocab, "d", 1), 0);
    lm_free(&lm);
    /* a vocabulary file: unlisted words -> <unk>; listed but unseen words are words */
    const char *path = tmp_path("vocab.txt");
    FILE *f = fopen(path, "w");
    fputs("a b\nc\nzzz\n", f);
    fclose(f);
    train_config_default(&cfg);
    cfg.order = 2;
    cfg.vocab_file = path;
    lm_count_file(&lm, &cfg, TOY);
    lm_estimate(&lm);
    ck_assert_int_eq(lm_vocab_size(&lm), 7);             /* + zzz */
    ck_assert_uint_eq(lm.tab[1].count[VOCAB_UNK], 6);
    ck_assert_uint_eq(lm.tab[1].count[id_of(&lm, "zzz")], 0);
    ck_assert_double_gt(P(&lm, "a", "zzz"), 0.0);        /* smoothing reaches it */
    unlink(path);
    lm_free(&lm);
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
        Lm lm;
        train_file(&lm, TOY, 3, (Estimator)e);
        if (estimator_is_backoff((Estimator)e)) lm_compile_arpa(&lm);
        for (int q = 0; q < 8; q++) {
            double got = P(&lm, toy_query[q][0], toy_query[q][1]);
            ck_assert_msg(fabs(got - toy_want[e][q]) < 1e-11, "%s p(%s | %s) = %.12g, want %.12g",
                          estimator_name((Estimator)e), toy_query[q][1], toy_query[q][0], got, toy_want[e][q]);
            if (!estimator_is_backoff((Estimator)e)) continue;
            double arpa = P_arpa(&lm, toy_query[q][0], toy_query[q][1]);
            ck_assert_msg(fabs(arpa - toy_want[e][q]) < 1e-6 * toy_want[e][q],
                          "%s via ARPA p(%s | %s) = %.12g, want %.12g", estimator_name((Estimator)e),
                          toy_query[q][1], toy_query[q][0], arpa, toy_want[e][q]);
        }
        lm_free(&lm);
    }
}
END_TEST

START_TEST(test_toy_mkn_discounts) {
    /* adjusted count-of-counts (t1..t4): unigrams 1 2 1 1, bigrams 11 7 2 1, trigrams 23 5 2 0 */
    Lm lm;
    train_file(&lm, TOY, 3, EST_MKN);
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
    lm_free(&lm);
}
END_TEST

/* ------------------------------------------------------------------ the invariant */

/* sum_{w in V} p(w | h) for one history, from the counts and (if any) the ARPA tables. */
static void check_sums(const Lm *lm, const uint32_t *h, int hlen) {
    double sum = 0.0, sum_arpa = 0.0;
    for (uint32_t w = 0; w < (uint32_t)lm->vocab->size; w++) {
        if (never_predicted(w)) continue;   /* <s>, <pad> */
        sum += lm_prob_counts(lm, h, hlen, w);
        if (lm->has_arpa) sum_arpa += pow(10.0, lm_log10prob(lm, h, hlen, w, NULL));
    }
    ck_assert_msg(fabs(sum - 1.0) < 1e-6, "%s order %d, history of %d words: sum p = %.12f",
                  estimator_name(lm->est), lm->order, hlen, sum);
    if (lm->has_arpa)
        ck_assert_msg(fabs(sum_arpa - 1.0) < 1e-5, "%s order %d via ARPA, history of %d words: sum p = %.9f",
                      estimator_name(lm->est), lm->order, hlen, sum_arpa);
}

/* Every seen history (up to `per_order` sampled per order), plus random unseen ones. */
static void check_invariant(const Lm *lm, Rng *rng, int per_order) {
    check_sums(lm, NULL, 0);
    for (int n = 1; n < lm->order; n++) {
        const NgramTable *t = &lm->tab[n];
        int k = per_order < (int)t->len ? per_order : (int)t->len;
        for (int i = 0; i < k; i++) {
            size_t e = per_order < (int)t->len ? rng_below(rng, (uint32_t)t->len) : (size_t)i;
            check_sums(lm, t->words + e * n, n);
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
            Lm lm;
            train_file(&lm, TOY, order, (Estimator)e);
            if (estimator_is_backoff((Estimator)e)) lm_compile_arpa(&lm);
            check_invariant(&lm, &rng, 1000);
            lm_free(&lm);
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
        Lm lm;
        TrainConfig cfg;
        train_config_default(&cfg);
        cfg.order = 4;
        cfg.est = (Estimator)e;
        lm_count_text(&lm, &cfg, text, len, "slice");
        lm_estimate(&lm);
        if (estimator_is_backoff(lm.est)) lm_compile_arpa(&lm);
        check_invariant(&lm, &rng, 8);
        lm_free(&lm);
    }
    free(text);
}
END_TEST

/* <pad> (id 3 of the common vocabulary) is never counted, written, predicted or sampled. */
START_TEST(test_pad_never_used) {
    Lm lm;
    train_file(&lm, TOY, 3, EST_MKN);
    lm_compile_arpa(&lm);
    ck_assert_str_eq(vocab_token(lm.vocab, VOCAB_PAD), "<pad>");
    ck_assert_uint_eq(lm.tab[1].count[VOCAB_PAD], 0);
    ck_assert_double_eq(lm_prob_counts(&lm, NULL, 0, VOCAB_PAD), 0.0);
    ck_assert_double_eq(lm_log10prob(&lm, NULL, 0, VOCAB_PAD, NULL), LOG10_ZERO);
    /* the ARPA file: every unigram but <pad>'s */
    const char *path = tmp_path("pad.arpa");
    arpa_write(&lm, path);
    size_t len;
    char *text = read_file(path, &len);
    ck_assert_ptr_null(strstr(text, "<pad>"));
    char want[64];
    snprintf(want, sizeof want, "ngram 1=%d\n", lm_vocab_size(&lm));
    ck_assert_ptr_nonnull(strstr(text, want));
    free(text);
    unlink(path);
    /* "<pad>" in text to score is an unknown word, like "<s>" */
    Perplexity p;
    lm_score_text(&lm, "a <pad> b\n", 10, &p, NULL, 0, 0);
    ck_assert_uint_eq(p.oov, 1);
    /* samples */
    char *buf;
    FILE *mem = open_memstream(&buf, &len);
    Rng rng;
    rng_seed(&rng, 3, 0);
    for (int i = 0; i < 200; i++) lm_sample(&lm, &rng, 2.0, 20, mem);
    fclose(mem);
    ck_assert_ptr_null(strstr(buf, "<pad>"));
    free(buf);
    lm_free(&lm);
    /* a char model: its |V| is every byte seen, <unk> and </s>; the sums still hold */
    TrainConfig cfg;
    train_config_default(&cfg);
    cfg.order = 3;
    cfg.char_level = 1;
    const char *bytes = "abracadabra\n<s> \xc3\xa9\n";
    lm_count_text(&lm, &cfg, bytes, strlen(bytes), "bytes");
    lm.quiet = 1;
    lm_estimate(&lm);
    lm_compile_arpa(&lm);
    ck_assert_int_eq(lm_vocab_size(&lm), 3 + 12);   /* <unk> <s> </s>, then a b r c d \n < s > space \xc3 \xa9 */
    rng_seed(&rng, 5, 0);
    check_invariant(&lm, &rng, 50);
    lm_free(&lm);
}
END_TEST

/* ------------------------------------------------------------------ ARPA */

static void score(const Lm *lm, const char *text, Perplexity *p) {
    lm_score_text(lm, text, strlen(text), p, NULL, 0, 0);
}

START_TEST(test_arpa_round_trip) {
    const char *eval = "a b c\nb a d e\nzz a b\nc c c c\n";
    for (int e = EST_ABSDISC; e <= EST_MKN; e++) {
        Lm lm, back;
        train_file(&lm, TOY, 3, (Estimator)e);
        lm_compile_arpa(&lm);
        const char *path = tmp_path("round.arpa");
        arpa_write(&lm, path);
        char err[512];
        ck_assert_msg(arpa_read(&back, path, 0, err, sizeof err) == 0, "%s", err);
        ck_assert_uint_eq(back.order, 3);
        for (int n = 1; n <= 3; n++) ck_assert_uint_eq(back.tab[n].len, lm.tab[n].len);
        Perplexity a, b;
        score(&lm, eval, &a);
        score(&back, eval, &b);
        ck_assert_uint_eq(a.tokens, 18);
        ck_assert_uint_eq(a.oov, 1);
        ck_assert_uint_eq(b.oov, 1);
        ck_assert_msg(a.logprob == b.logprob && a.logprob_iv == b.logprob_iv,
                      "%s: %.17g vs %.17g after the round trip", estimator_name((Estimator)e),
                      a.logprob, b.logprob);
        unlink(path);
        lm_free(&lm);
        lm_free(&back);
    }
}
END_TEST

START_TEST(test_arpa_hand_written) {
    Lm lm;
    char err[512];
    ck_assert_msg(arpa_read(&lm, HAND_ARPA, 0, err, sizeof err) == 0, "%s", err);
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
    Perplexity p;
    score(&lm, "a b\n", &p);
    ck_assert_double_eq_tol(p.logprob, -0.6, 1e-6);
    ck_assert_double_eq_tol(ppl_including(&p), pow(10.0, 0.2), 1e-5);
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
    lm_score_text(&lm, "a b\nb zz\n", 9, &p, mem, 0, 1);
    fclose(mem);
    ck_assert_str_eq(buf, "a=4 2 -0.3\tb=5 3 -0.1\t</s>=2 3 -0.2\tTotal: -0.6 OOV: 0\n"
                          "b=5 1 -1\tzz=0 1 -2.1\t</s>=2 1 -1\tTotal: -4.1 OOV: 1\n");
    /* b: bo(<s>) + p(b) = -0.30103 - 0.69897; zz as <unk>: bo(b) + p(<unk>) = -0.1 - 2 */
    free(buf);
    mem = open_memstream(&buf, &len);
    lm_score_text(&lm, "a b\n", 4, &p, mem, 1, 0);
    fclose(mem);
    ck_assert_str_eq(buf, "-0.600000\ta b\n");
    free(buf);
    lm_free(&lm);
}
END_TEST

START_TEST(test_binary_round_trip) {
    const char *eval = "a b c\nb a d e\nzz a b\nc c c c\n";
    Lm lm, back;
    train_file(&lm, TOY, 3, EST_MKN);
    lm_compile_arpa(&lm);
    const char *path = tmp_path("model.bin");
    binary_write(&lm, path);
    ck_assert(binary_is_model(path));
    ck_assert(!binary_is_model(HAND_ARPA));
    char err[512];
    ck_assert_msg(binary_read(&back, path, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(back.est, EST_MKN);
    Perplexity a, b;
    score(&lm, eval, &a);
    score(&back, eval, &b);
    ck_assert(a.logprob == b.logprob && a.oov == b.oov && a.tokens == b.tokens);
    lm_free(&back);
    /* every truncation is an error with a message, never a crash */
    size_t len;
    char *bytes = read_file(path, &len);
    const char *cut = tmp_path("cut.bin");
    for (size_t keep = 0; keep < len; keep += 1 + keep / 3) {
        FILE *f = fopen(cut, "wb");
        fwrite(bytes, 1, keep, f);
        fclose(f);
        ck_assert_msg(binary_read(&back, cut, err, sizeof err) != 0, "accepted %zu of %zu bytes", keep, len);
    }
    printf("truncated binary rejected as expected: %s\n", err);
    /* a word id out of range */
    size_t arena = 0;
    for (int id = 0; id < lm.vocab->size; id++) arena += strlen(lm.vocab->tokens[id]) + 1;
    size_t words_at = 8 + 16 + 8 + 8 + arena + 8;   /* magic, header, sizes, arena, unigram count */
    ck_assert_mem_eq(bytes + 40, "<unk>", 6);
    memcpy(bytes + words_at, "\xff\xff\xff\x0f", 4);
    FILE *f = fopen(cut, "wb");
    fwrite(bytes, 1, len, f);
    fclose(f);
    ck_assert_int_ne(binary_read(&back, cut, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "word id out of range"));
    free(bytes);
    unlink(cut);
    unlink(path);
    lm_free(&lm);
}
END_TEST

/* Write text to a scratch file and expect arpa_read to fail with `want` in its message. */
static void expect_arpa_error(const char *text, const char *want) {
    const char *path = tmp_path("bad.arpa");
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    Lm lm;
    char err[512] = "";
    ck_assert_msg(arpa_read(&lm, path, 0, err, sizeof err) != 0, "accepted a bad ARPA file (want '%s')", want);
    ck_assert_msg(strstr(err, want) != NULL, "message '%s' lacks '%s'", err, want);
    printf("rejected as expected: %s\n", err);
    unlink(path);
}

#define HEAD "\\data\\\nngram 1=3\nngram 2=2\n\n\\1-grams:\n-1\t<s>\t-0.5\n-0.5\ta\t-0.2\n-0.5\t</s>\n\n"

START_TEST(test_arpa_rejects) {
    const char *ok = HEAD "\\2-grams:\n-0.1\t<s> a\n-0.2\ta </s>\n\n\\end\\\n";
    Lm lm;
    char err[512];
    const char *path = tmp_path("ok.arpa");
    FILE *f = fopen(path, "w");
    fputs(ok, f);
    fclose(f);
    ck_assert_msg(arpa_read(&lm, path, 0, err, sizeof err) == 0, "%s", err);   /* the control */
    lm_free(&lm);
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
    expect_arpa_error("\\data\\\nngram 2=3\n", "order 2 after order 0");
    expect_arpa_error("\\data\\\n\\1-grams:\n", "no 'ngram N=COUNT' lines");
    expect_arpa_error("hello\nworld\n", "not an ARPA file");
    expect_arpa_error("", "not an ARPA file");
    ck_assert_int_ne(arpa_read(&lm, "/nonexistent/model.arpa", 0, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "cannot open"));
}
END_TEST

/* ------------------------------------------------------------------ bad input */

START_TEST(test_empty_corpus_dies) {
    Lm lm;
    train_text(&lm, "", 3, EST_MKN);
}
END_TEST

START_TEST(test_blank_corpus_dies) {
    Lm lm;
    train_text(&lm, "\n  \n\t\n", 3, EST_MKN);
}
END_TEST

START_TEST(test_order_zero_dies) {
    Lm lm;
    train_text(&lm, tiny, 0, EST_MKN);
}
END_TEST

START_TEST(test_order_too_high_dies) {
    Lm lm;
    train_text(&lm, tiny, NGRAM_MAX_ORDER + 1, EST_MKN);
}
END_TEST

START_TEST(test_missing_corpus_dies) {
    Lm lm;
    train_file(&lm, "/nonexistent/corpus.txt", 3, EST_MKN);
}
END_TEST

START_TEST(test_reserved_token_dies) {
    Lm lm;
    train_text(&lm, "a b\n<s> a\n", 3, EST_MKN);
}
END_TEST

START_TEST(test_reserved_pad_dies) {
    Lm lm;
    train_text(&lm, "a b\na <pad>\n", 3, EST_MKN);
}
END_TEST

/* The CLI's exit statuses, when $BIN/ngram has been built (make all). */
static int run(const char *cmd) {
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_cli_exit_status) {
    const char *bin = getenv("BIN");   /* the Makefile's: bin/, or build/san/bin under SAN=1 */
    char ngram[600];
    snprintf(ngram, sizeof ngram, "%s/ngram", bin && *bin ? bin : "bin");
    if (access(ngram, X_OK) != 0) SKIP_TEST("%s not built", ngram);
    setenv("NGRAM", ngram, 1);   /* the commands below run it as $NGRAM */
    ck_assert_int_eq(run("$NGRAM train --order 0 --out /dev/null " TOY " 2>/dev/null"), 2);
    ck_assert_int_eq(run("$NGRAM train --order 17 --out /dev/null " TOY " 2>/dev/null"), 2);
    ck_assert_int_eq(run("$NGRAM train --estimator foo --out /dev/null " TOY " 2>/dev/null"), 2);
    ck_assert_int_eq(run("$NGRAM frobnicate 2>/dev/null"), 2);
    ck_assert_int_eq(run("$NGRAM eval " TOY " 2>/dev/null"), 2);   /* no model */
    ck_assert_int_eq(run("$NGRAM train --out /dev/null /nonexistent.txt 2>/dev/null"), 1);
    ck_assert_int_eq(run("$NGRAM eval --model /nonexistent.arpa " TOY " 2>/dev/null"), 1);
    ck_assert_int_eq(run("$NGRAM eval --model " TOY " " TOY " 2>/dev/null"), 1);   /* not ARPA */
    ck_assert_int_eq(run("$NGRAM eval --help >/dev/null"), 0);
    ck_assert_int_eq(run("echo 'a b' | $NGRAM query --model " HAND_ARPA " >/dev/null"), 0);
}
END_TEST

/* ------------------------------------------------------------------ PTB and the demo */

START_TEST(test_ptb_kn5) {
    char train[1024], test[1024], valid[1024];
    if (!data_path(train, sizeof train, "ptb/ptb.train.txt") || !data_path(test, sizeof test, "ptb/ptb.test.txt") ||
        !data_path(valid, sizeof valid, "ptb/ptb.valid.txt"))
        SKIP_TEST("%s not found (run `make data` or set NLP_DATA_DIR)", train);
    Lm lm;
    train_file(&lm, train, 5, EST_MKN);
    lm_compile_arpa(&lm);
    Perplexity p;
    lm_score_file(&lm, test, &p, NULL, 0, 0);
    printf("PTB KN5 test perplexity %.3f over %llu tokens (KenLM 141.186)\n", ppl_including(&p),
           (unsigned long long)p.tokens);
    ck_assert_uint_eq(p.tokens, 82430);
    ck_assert_uint_eq(p.oov, 0);
    /* ngram/README.md's table, to the three decimals it prints */
    ck_assert_double_eq_tol(ppl_including(&p), 141.186, 5e-4);
    lm_score_file(&lm, valid, &p, NULL, 0, 0);
    printf("PTB KN5 valid perplexity %.3f over %llu tokens (KenLM 148.007)\n", ppl_including(&p),
           (unsigned long long)p.tokens);
    ck_assert_uint_eq(p.tokens, 73760);
    ck_assert_double_eq_tol(ppl_including(&p), 148.008, 5e-4);
    lm_free(&lm);
}
END_TEST

START_TEST(test_demo_quick) {
    char path[1024];
    if (!data_path(path, sizeof path, "bible/words.train.txt"))
        SKIP_TEST("%s not found (run `make data`)", path);
    DemoResult r;
    char out[512];
    snprintf(out, sizeof out, "%s", tmp_path("demo"));
    ngram_demo(NULL, out, 1, 1, &r);
    ck_assert_double_eq(r.mle_unseen_p, 0.0);
    for (int e = EST_ADDK; e <= EST_MKN; e++) ck_assert_double_gt(r.smoothed_p[e], 0.0);
    for (int n = 2; n <= 6; n++) {
        printf("demo order %d: add-k %.1f  mkn %.1f\n", n, r.ppl[n][EST_ADDK], r.ppl[n][EST_MKN]);
        ck_assert_double_lt(r.ppl[n][EST_MKN], r.ppl[n][EST_ADDK]);
    }
    ck_assert_double_lt(r.ppl[3][EST_MKN], 0.5 * r.ppl[1][EST_MKN]);   /* context helps */
    ck_assert(isinf(r.ppl[3][EST_MLE]));   /* unseen trigrams in held-out text */
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
    suite_add_tcase(s, tc);
    tc = tcase_create("arpa");
    tcase_add_test(tc, test_arpa_round_trip);
    tcase_add_test(tc, test_arpa_hand_written);
    tcase_add_test(tc, test_arpa_rejects);
    tcase_add_test(tc, test_binary_round_trip);
    suite_add_tcase(s, tc);
    tc = tcase_create("bad input");
    tcase_add_exit_test(tc, test_empty_corpus_dies, 1);
    tcase_add_exit_test(tc, test_blank_corpus_dies, 1);
    tcase_add_exit_test(tc, test_order_zero_dies, 1);
    tcase_add_exit_test(tc, test_order_too_high_dies, 1);
    tcase_add_exit_test(tc, test_missing_corpus_dies, 1);
    tcase_add_exit_test(tc, test_reserved_token_dies, 1);
    tcase_add_exit_test(tc, test_reserved_pad_dies, 1);
    tcase_add_test(tc, test_cli_exit_status);
    suite_add_tcase(s, tc);
    tc = tcase_create("benchmarks data");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_ptb_kn5);
    tcase_add_test(tc, test_demo_quick);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(ngram_suite)
