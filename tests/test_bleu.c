/*
 * test_bleu.c -- BLEU as sacreBLEU computes it (common/bleu.h).
 *
 * Two kinds of known answers:
 *   - the values sacreBLEU publishes in its README and its own test suite
 *     (test/test_bleu.py, test/test_sentence_bleu.py), written out here;
 *   - tests/fixtures/bleu_sacrebleu.json, made by tests/ref/ref_bleu.py with
 *     sacreBLEU itself: scores under every tokenizer, smoothing, casing and
 *     order on English and multilingual text, and tokenized lines for the
 *     tokenizers' corners. Every field must agree: the score to 1e-9, the
 *     counts, totals, lengths, and the verbose line character for character.
 * Then the token-id interface, bad input reported with its message, and chrF
 * (sacreBLEU's CHRF) against its README, its test_chrf.py and the fixture.
 */
#include "harness.h"
#include "bleu.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *readme_hyps[] = {"The dog bit the man.", "It wasn't surprising.",
                                    "The man had just bitten him."};
static const char *readme_ref1[] = {"The dog bit the man.", "It was not unexpected.",
                                    "The man bit him first."};
static const char *readme_ref2[] = {"The dog had bit the man.", "No one was surprised.",
                                    "The man had bitten the dog."};
static const char *const *readme_refs[] = {readme_ref1, readme_ref2};
static const size_t readme_lines[] = {3, 3};

static BleuResult corpus(const char *const *hyps, size_t n, const char *const *const *refs,
                         int nrefs, BleuConfig cfg) {
    size_t lines[4] = {n, n, n, n};
    BleuResult r;
    char err[256] = "";
    int rc = bleu_corpus(hyps, n, refs, lines, nrefs, &cfg, &r, err, sizeof err);
    ck_assert_msg(rc == 0, "bleu_corpus failed: %s", err);
    return r;
}

static BleuResult sentence(const char *hyp, const char *ref, BleuConfig cfg) {
    BleuResult r;
    char err[256] = "";
    ck_assert_msg(bleu_sentence(hyp, &ref, 1, &cfg, &r, err, sizeof err) == 0, "%s", err);
    return r;
}

#define CLOSE(got, want, eps) \
    ck_assert_msg(fabs((got) - (want)) < (eps), "%s = %.12g, want %.12g", #got, (double)(got), (double)(want))

/* ---------------------------------------------------------------- published values */

/* sacreBLEU's README: "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944
 * hyp_len = 17 ref_len = 18)", and test_bleu.py's test_corpus_bleu. */
START_TEST(test_readme_corpus) {
    BleuConfig cfg = bleu_config_default();
    BleuResult r = corpus(readme_hyps, 3, readme_refs, 2, cfg);
    CLOSE(r.score, 48.530827, 1e-6);
    const double counts[] = {14, 7, 5, 3}, totals[] = {17, 14, 11, 8};
    const double prec[] = {100.0 * 14 / 17, 50.0, 100.0 * 5 / 11, 37.5};
    for (int n = 0; n < 4; n++) {
        ck_assert(r.counts[n] == counts[n]);
        ck_assert(r.totals[n] == totals[n]);
        CLOSE(r.precisions[n], prec[n], 1e-12);
    }
    CLOSE(r.bp, exp(1.0 - 18.0 / 17.0), 1e-15);
    CLOSE(r.ratio, 17.0 / 18.0, 1e-15);
    ck_assert_int_eq(r.sys_len, 17);
    ck_assert_int_eq(r.ref_len, 18);
    char line[256];
    bleu_format(&r, line, sizeof line);
    ck_assert_str_eq(line, "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)");

    cfg.tokenize = BLEU_TOK_NONE;
    CLOSE(corpus(readme_hyps, 3, readme_refs, 2, cfg).score, 49.1919566, 1e-7);
    cfg.tokenize = BLEU_TOK_INTL;
    CLOSE(corpus(readme_hyps, 3, readme_refs, 2, cfg).score, 43.91623493, 1e-8);
    cfg = bleu_config_default();
    cfg.smooth = BLEU_SMOOTH_NONE;
    CLOSE(corpus(readme_hyps, 3, readme_refs, 2, cfg).score, 48.530827, 1e-6);

    /* empty hypotheses are kept, and score 0 */
    const char *empty[] = {"", "", ""};
    r = corpus(empty, 3, readme_refs, 2, bleu_config_default());
    ck_assert(r.score == 0.0);
    ck_assert_int_eq(r.sys_len, 0);
    ck_assert_int_eq(r.ref_len, 6 + 5 + 6);   /* the shorter reference of each segment */
    ck_assert(r.bp == 0.0);
}
END_TEST

/* The README's variable number of references: "BLEU = 29.44 82.4/42.9/27.3/12.5
 * (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)". */
START_TEST(test_readme_variable_refs) {
    const char *ref1[] = {NULL, "It was not unexpected.", "The man bit him first."};
    const char *const *refs[] = {ref1, readme_ref2};
    BleuResult r = corpus(readme_hyps, 3, refs, 2, bleu_config_default());
    char line[256];
    bleu_format(&r, line, sizeof line);
    ck_assert_str_eq(line, "BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)");
    ref1[0] = "";   /* the README's other way: an empty reference, too far to be the closest */
    r = corpus(readme_hyps, 3, refs, 2, bleu_config_default());
    bleu_format(&r, line, sizeof line);
    ck_assert_str_eq(line, "BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)");
}
END_TEST

/* test_bleu.py's test_max_ngram_order */
START_TEST(test_max_order) {
    const char *want[] = {"77.65", "60.50", "53.93", "48.53", "46.14", "43.28"};
    for (int order = 1; order <= 6; order++) {
        BleuConfig cfg = bleu_config_default();
        cfg.max_order = order;
        BleuResult r = corpus(readme_hyps, 3, readme_refs, 2, cfg);
        char got[32];
        snprintf(got, sizeof got, "%.2f", r.score);
        ck_assert_msg(strcmp(got, want[order - 1]) == 0, "order %d: %s, want %s", order, got, want[order - 1]);
    }
}
END_TEST

/* sacrebleu.raw_corpus_bleu: no tokenization, floor smoothing, effective order. */
static BleuConfig raw_config(double floor) {
    BleuConfig c = bleu_config_default();
    c.tokenize = BLEU_TOK_NONE;
    c.smooth = BLEU_SMOOTH_FLOOR;
    c.smooth_value = floor;
    c.effective_order = 1;
    return c;
}

/* test_bleu.py: test_raw_bleu, test_effective_order, test_statistics, test_offset */
START_TEST(test_raw_bleu) {
    const char *h1[] = {"this is a test", "another test"}, *r1[] = {"ref1", "ref2"};
    const char *const *refs1[] = {r1};
    ck_assert(corpus(h1, 2, refs1, 1, raw_config(0.01)).score == 0.0);

    struct { const char *hyp, *ref; double want; } cases[] = {
        {"this is a test", "this is a test", 1.0},
        {"this is a fest", "this is a test", 0.223606797749979},
        {"test", "a test", 0.3678794411714425},
        {"a test", "a test", 1.0},
        {"a little test", "a test", 0.03218297948685433},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *const *refs[] = {&cases[i].ref};
        BleuResult r = corpus(&cases[i].hyp, 1, refs, 1, raw_config(0.01));
        CLOSE(r.score / 100, cases[i].want, 1e-8);
    }

    const char *hyp = "am I am a character sequence", *ref = "I am a symbol string sequence a a";
    const char *const *refs[] = {&ref};
    BleuResult r = corpus(&hyp, 1, refs, 1, raw_config(0.01));
    const double counts[] = {4, 2, 1, 0}, totals[] = {6, 5, 4, 3};
    for (int n = 0; n < 4; n++) ck_assert(r.counts[n] == counts[n] && r.totals[n] == totals[n]);
    CLOSE(corpus(&hyp, 1, refs, 1, raw_config(-1)).score / 100, 0.1555722182, 1e-8);   /* default 0.1 */
    ck_assert(corpus(&hyp, 1, refs, 1, raw_config(0.0)).score == 0.0);
}
END_TEST

static double from_stats(const int64_t *m, const int64_t *t, int64_t sys, int64_t ref, BleuConfig cfg) {
    BleuStats st;
    memset(&st, 0, sizeof st);
    for (int n = 0; n < 4; n++) {
        st.matches[n] = m[n];
        st.totals[n] = t[n];
    }
    st.sys_len = sys;
    st.ref_len = ref;
    BleuResult r;
    char err[128];
    ck_assert(bleu_compute(&st, &cfg, &r, err, sizeof err) == 0);
    return r.score;
}

/* test_bleu.py: test_scoring (compute_bleu's default: no smoothing) and
 * test_degenerate_statistics (floor smoothing, zero everywhere) */
START_TEST(test_scores_from_statistics) {
    BleuConfig cfg = bleu_config_default();
    cfg.smooth = BLEU_SMOOTH_NONE;
    CLOSE(from_stats((int64_t[]){9, 7, 5, 3}, (int64_t[]){10, 8, 6, 4}, 11, 11, cfg) / 100, 0.8375922397, 1e-8);

    struct { int64_t m[4], t[4], sys, ref; double floor; } deg[] = {
        {{0, 0, 0, 0}, {4, 4, 2, 1}, 0, 1, 0.0},
        {{0, 0, 0, 0}, {10, 11, 12, 0}, 14, 10, 0.0},
        {{0, 0, 0, 0}, {0, 0, 0, 0}, 0, 0, 0.0},
        {{6, 5, 4, 0}, {6, 5, 4, 3}, 6, 6, 0.0},
        {{0, 0, 0, 0}, {0, 0, 0, 0}, 0, 0, 0.1},
        {{0, 0, 0, 0}, {0, 0, 0, 0}, 1, 5, 0.01},
    };
    for (size_t i = 0; i < sizeof deg / sizeof deg[0]; i++) {
        BleuConfig f = bleu_config_default();
        f.smooth = BLEU_SMOOTH_FLOOR;
        f.smooth_value = deg[i].floor;
        ck_assert_msg(from_stats(deg[i].m, deg[i].t, deg[i].sys, deg[i].ref, f) == 0.0, "case %zu", i);
    }
}
END_TEST

/* test_sentence_bleu.py: a Romanian sentence under each smoothing, tokenizer
 * and casing (sacreBLEU checks these to 1e-3), and a sentence without a match. */
START_TEST(test_sentence_smoothing) {
    const char *ref = "produc\xC5\xA3ia de zah\xC4\x83r brut se exprim\xC4\x83 \xC3\xAEn zah\xC4\x83r alb;";
    const char *sys = "Produc\xC8\x9Bia de zah\xC4\x83r prim\xC4\x83 va fi exprimat\xC4\x83 \xC3\xAEn ceea ce "
                      "prive\xC8\x99te zah\xC4\x83rul alb;";
    struct { BleuSmooth smooth; double value; int lc; BleuTokenize tok; double want; } cases[] = {
        {BLEU_SMOOTH_EXP, -1, 0, BLEU_TOK_13A, 8.493},
        {BLEU_SMOOTH_NONE, -1, 0, BLEU_TOK_13A, 0.0},
        {BLEU_SMOOTH_FLOOR, -1, 0, BLEU_TOK_13A, 4.51688},
        {BLEU_SMOOTH_FLOOR, 0.1, 0, BLEU_TOK_13A, 4.51688},
        {BLEU_SMOOTH_FLOOR, 0.5, 0, BLEU_TOK_13A, 10.10},
        {BLEU_SMOOTH_ADD_K, -1, 0, BLEU_TOK_13A, 14.882},
        {BLEU_SMOOTH_ADD_K, 1, 0, BLEU_TOK_13A, 14.882},
        {BLEU_SMOOTH_ADD_K, 2, 0, BLEU_TOK_13A, 21.389},
        {BLEU_SMOOTH_EXP, -1, 0, BLEU_TOK_NONE, 7.347},
        {BLEU_SMOOTH_EXP, -1, 0, BLEU_TOK_INTL, 8.493},
        {BLEU_SMOOTH_EXP, -1, 0, BLEU_TOK_CHAR, 40.8759},
        {BLEU_SMOOTH_EXP, -1, 1, BLEU_TOK_CHAR, 42.0267},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        BleuConfig cfg = bleu_config_sentence();
        cfg.smooth = cases[i].smooth;
        cfg.smooth_value = cases[i].value;
        cfg.lowercase = cases[i].lc;
        cfg.tokenize = cases[i].tok;
        double got = sentence(sys, ref, cfg).score;
        ck_assert_msg(fabs(got - cases[i].want) < 1e-3, "case %zu: %.6f, want %.6f", i, got, cases[i].want);

        cfg.tokenize = BLEU_TOK_13A;
        cfg.lowercase = 0;
        ck_assert(sentence("this is a cat", "okay thanks", cfg).score == 0.0);
    }
}
END_TEST

/* ---------------------------------------------------------------- sacreBLEU's fixture */

static cJSON *load_fixture(void) {
    size_t len;
    char *text = read_file("tests/fixtures/bleu_sacrebleu.json", &len);
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    ck_assert_msg(root != NULL, "tests/fixtures/bleu_sacrebleu.json is not JSON");
    return root;
}

static BleuConfig case_config(const cJSON *c) {
    BleuConfig cfg = bleu_config_default();
    const char *tok = cJSON_GetObjectItem(c, "tokenize")->valuestring;
    cfg.tokenize = !strcmp(tok, "13a") ? BLEU_TOK_13A : !strcmp(tok, "intl") ? BLEU_TOK_INTL
                 : !strcmp(tok, "char") ? BLEU_TOK_CHAR : BLEU_TOK_NONE;
    cfg.lowercase = cJSON_IsTrue(cJSON_GetObjectItem(c, "lowercase"));
    const cJSON *sm = cJSON_GetObjectItem(c, "smooth");
    if (sm) {
        const char *s = sm->valuestring;
        cfg.smooth = !strcmp(s, "exp") ? BLEU_SMOOTH_EXP : !strcmp(s, "floor") ? BLEU_SMOOTH_FLOOR
                   : !strcmp(s, "add-k") ? BLEU_SMOOTH_ADD_K : BLEU_SMOOTH_NONE;
        const cJSON *v = cJSON_GetObjectItem(c, "smooth_value");
        cfg.smooth_value = cJSON_IsNumber(v) ? v->valuedouble : -1.0;
        cfg.effective_order = cJSON_IsTrue(cJSON_GetObjectItem(c, "effective_order"));
        cfg.max_order = cJSON_GetObjectItem(c, "max_order")->valueint;
    }
    return cfg;
}

static const char **strings(const cJSON *arr, int *n) {
    *n = cJSON_GetArraySize(arr);
    const char **s = xcalloc((size_t)*n + 1, sizeof *s);
    for (int i = 0; i < *n; i++) {
        const cJSON *e = cJSON_GetArrayItem(arr, i);
        s[i] = cJSON_IsString(e) ? e->valuestring : NULL;   /* null: no reference */
    }
    return s;
}

/* A fixture case's reference streams ("refs": nrefs arrays of lines), and
 * each stream's line count in *lines (both malloc'd). */
static const char ***reference_streams(const cJSON *c, int nrefs, size_t **lines) {
    const char ***refs = xcalloc((size_t)nrefs, sizeof *refs);
    *lines = xcalloc((size_t)nrefs, sizeof **lines);
    for (int r = 0; r < nrefs; r++) {
        int k;
        refs[r] = strings(cJSON_GetArrayItem(cJSON_GetObjectItem(c, "refs"), r), &k);
        (*lines)[r] = (size_t)k;
    }
    return refs;
}

START_TEST(test_fixture_scores) {
    cJSON *root = load_fixture();
    const cJSON *c;
    int ncases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "scores")) {
        const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
        BleuConfig cfg = case_config(c);
        int nh, nrefs = cJSON_GetArraySize(cJSON_GetObjectItem(c, "refs"));
        const char **hyps = strings(cJSON_GetObjectItem(c, "hyps"), &nh);
        size_t *lines;
        const char ***refs = reference_streams(c, nrefs, &lines);
        BleuResult res;
        char err[256] = "";
        int rc;
        if (!strcmp(cJSON_GetObjectItem(c, "kind")->valuestring, "sentence")) {
            const char **seg = xcalloc((size_t)nrefs, sizeof *seg);
            for (int r = 0; r < nrefs; r++) seg[r] = refs[r][0];
            rc = bleu_sentence(hyps[0], seg, nrefs, &cfg, &res, err, sizeof err);
            free(seg);
        } else {
            rc = bleu_corpus(hyps, (size_t)nh, (const char *const *const *)refs, lines, nrefs, &cfg,
                             &res, err, sizeof err);
        }
        ck_assert_msg(rc == 0, "%s: %s", name, err);

        double want = cJSON_GetObjectItem(c, "score")->valuedouble;
        ck_assert_msg(fabs(res.score - want) <= 1e-9, "%s: score %.15g, want %.15g", name, res.score, want);
        ck_assert_msg(fabs(res.bp - cJSON_GetObjectItem(c, "bp")->valuedouble) <= 1e-12, "%s: bp", name);
        ck_assert_msg(res.sys_len == cJSON_GetObjectItem(c, "sys_len")->valueint, "%s: sys_len %lld", name, (long long)res.sys_len);
        ck_assert_msg(res.ref_len == cJSON_GetObjectItem(c, "ref_len")->valueint, "%s: ref_len %lld", name, (long long)res.ref_len);
        for (int n = 0; n < cfg.max_order; n++) {
            double wc = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "counts"), n)->valuedouble;
            double wt = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "totals"), n)->valuedouble;
            double wp = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "precisions"), n)->valuedouble;
            ck_assert_msg(res.counts[n] == wc && res.totals[n] == wt,
                          "%s: order %d: %g/%g, want %g/%g", name, n + 1, res.counts[n], res.totals[n], wc, wt);
            ck_assert_msg(fabs(res.precisions[n] - wp) <= 1e-9, "%s: precision %d", name, n + 1);
        }
        char line[256];
        bleu_format(&res, line, sizeof line);
        ck_assert_str_eq(line, cJSON_GetObjectItem(c, "line")->valuestring);

        for (int r = 0; r < nrefs; r++) free(refs[r]);
        free(refs);
        free(lines);
        free(hyps);
        ncases++;
    }
    ck_assert_int_ge(ncases, 100);
    printf("bleu: %d sacreBLEU scores matched (%s)\n", ncases,
           cJSON_GetObjectItem(root, "version")->valuestring);
    cJSON_Delete(root);
}
END_TEST

START_TEST(test_fixture_tokens) {
    cJSON *root = load_fixture();
    const cJSON *c;
    int ncases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "tokens")) {
        BleuConfig cfg = case_config(c);
        const char *text = cJSON_GetObjectItem(c, "text")->valuestring;
        char err[256] = "";
        char *got = bleu_tokenize(text, &cfg, err, sizeof err);
        ck_assert_msg(got != NULL, "%s", err);
        const char *want = cJSON_GetObjectItem(c, "out")->valuestring;
        ck_assert_msg(strcmp(got, want) == 0, "%s lc=%d '%s':\n got  '%s'\n want '%s'",
                      cJSON_GetObjectItem(c, "tokenize")->valuestring, cfg.lowercase, text, got, want);
        free(got);
        ncases++;
    }
    ck_assert_int_ge(ncases, 100);
    cJSON_Delete(root);
}
END_TEST

/* ---------------------------------------------------------------- tokenizers by hand */

static void expect_tokens(BleuTokenize tok, int lc, const char *text, const char *want) {
    BleuConfig cfg = bleu_config_default();
    cfg.tokenize = tok;
    cfg.lowercase = lc;
    char err[256] = "";
    char *got = bleu_tokenize(text, &cfg, err, sizeof err);
    ck_assert_msg(got != NULL, "%s", err);
    ck_assert_msg(strcmp(got, want) == 0, "'%s': got '%s', want '%s'", text, got, want);
    free(got);
}

START_TEST(test_tokenizers) {
    /* 13a: entities unescaped, ASCII symbols apart, period and comma apart
     * unless beside a digit, a dash apart after a digit */
    expect_tokens(BLEU_TOK_13A, 0, "It wasn't &quot;surprising&quot;, was it?",
                  "It wasn't \" surprising \" , was it ?");
    expect_tokens(BLEU_TOK_13A, 0, "1,000.50 in 2018. 3-4", "1,000.50 in 2018 . 3 - 4");
    /* intl: Unicode punctuation and symbols apart, not between digits */
    expect_tokens(BLEU_TOK_INTL, 0, "\xC2\xABOui\xC2\xBB 3,5 \xE2\x82\xAC", "\xC2\xAB Oui \xC2\xBB 3,5 \xE2\x82\xAC");
    /* char: every non-space character a word */
    expect_tokens(BLEU_TOK_CHAR, 0, "ab c\xC3\xA9", "a b c \xC3\xA9");
    /* none: only whitespace splits */
    expect_tokens(BLEU_TOK_NONE, 0, " a,b\xE3\x80\x80 c. ", "a,b c.");
    /* lowercase: Latin, Greek with final sigma, Cyrillic */
    expect_tokens(BLEU_TOK_NONE, 1, "\xC3\x89T\xC3\x89 \xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3 \xD0\x9C\xD0\x98\xD0\xA0",
                  "\xC3\xA9t\xC3\xA9 \xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82 \xD0\xBC\xD0\xB8\xD1\x80");
}
END_TEST

/* ---------------------------------------------------------------- token ids */

START_TEST(test_ids) {
    /* hyp 1 2 3 4 vs ref 1 2 3 5 and ref 4 1 2: unigrams 4/4, bigrams 2/3
     * (1 2 twice in no one reference: clipped at 1), trigrams 1/2, 4-grams 0/1 */
    const int hyp[] = {1, 2, 3, 4}, r1[] = {1, 2, 3, 5}, r2[] = {4, 1, 2};
    const int *refs[] = {r1, r2};
    const int lens[] = {4, 3};
    BleuStats st;
    memset(&st, 0, sizeof st);
    bleu_ids_add(&st, hyp, 4, refs, lens, 2, 4);
    const int64_t m[] = {4, 2, 1, 0}, t[] = {4, 3, 2, 1};
    for (int n = 0; n < 4; n++) ck_assert(st.matches[n] == m[n] && st.totals[n] == t[n]);
    ck_assert_int_eq(st.sys_len, 4);
    ck_assert_int_eq(st.ref_len, 4);

    /* the README corpus as ids scores what its text does */
    BleuConfig cfg = bleu_config_default();
    BleuStats text;
    memset(&text, 0, sizeof text);
    memset(&st, 0, sizeof st);
    char err[256];
    for (int i = 0; i < 3; i++) {
        const char *seg[] = {readme_ref1[i], readme_ref2[i]};
        ck_assert(bleu_stats_add(&text, readme_hyps[i], seg, 2, &cfg, err, sizeof err) == 0);
        /* the same words as ids: each word's id is its first position in a shared list */
        const char *all[3] = {readme_hyps[i], readme_ref1[i], readme_ref2[i]};
        char *tok[3];
        int ids[3][32], len[3] = {0, 0, 0};
        char *words[96];
        int nwords = 0;
        for (int s = 0; s < 3; s++) {
            tok[s] = bleu_tokenize(all[s], &cfg, err, sizeof err);
            for (char *save = NULL, *w = strtok_r(tok[s], " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                int id = 0;
                while (id < nwords && strcmp(words[id], w)) id++;
                if (id == nwords) words[nwords++] = w;
                ids[s][len[s]++] = id;
            }
        }
        const int *rid[] = {ids[1], ids[2]};
        const int rlen[] = {len[1], len[2]};
        bleu_ids_add(&st, ids[0], len[0], rid, rlen, 2, 4);
        for (int s = 0; s < 3; s++) free(tok[s]);
    }
    ck_assert(memcmp(&st, &text, sizeof st) == 0);
    BleuResult r;
    ck_assert(bleu_compute(&st, &cfg, &r, err, sizeof err) == 0);
    CLOSE(r.score, 48.530827, 1e-6);
}
END_TEST

/* ---------------------------------------------------------------- bad input */

START_TEST(test_errors) {
    BleuConfig cfg = bleu_config_default();
    BleuResult r;
    char err[256] = "";
    size_t short_lines[] = {3, 2};
    ck_assert(bleu_corpus(readme_hyps, 3, readme_refs, short_lines, 2, &cfg, &r, err, sizeof err) == -1);
    ck_assert_str_eq(err, "BLEU: reference stream 2 has 2 lines, the hypotheses 3");
    ck_assert(bleu_corpus(readme_hyps, 3, readme_refs, readme_lines, 0, &cfg, &r, err, sizeof err) == -1);
    ck_assert_str_eq(err, "BLEU: no reference stream");

    /* invalid UTF-8 in a hypothesis (a lone continuation byte) and a reference (truncated) */
    const char *bad_hyps[] = {"fine", "caf\x80 bar"};
    const char *ok_refs[] = {"fine", "cafe bar"};
    const char *const *refs1[] = {ok_refs};
    size_t two[] = {2};
    ck_assert(bleu_corpus(bad_hyps, 2, refs1, two, 1, &cfg, &r, err, sizeof err) == -1);
    ck_assert_msg(strstr(err, "invalid UTF-8 at byte 3") && strstr(err, "(segment 2)"), "%s", err);
    const char *bad_ref = "ok \xE2\x82";
    ck_assert(bleu_sentence("ok", &bad_ref, 1, &cfg, &r, err, sizeof err) == -1);
    ck_assert_msg(strstr(err, "invalid UTF-8 at byte 3") != NULL, "%s", err);
    ck_assert(bleu_tokenize("\xFF", &cfg, err, sizeof err) == NULL);

    /* a segment with no reference at all */
    const char *none[] = {NULL};
    ck_assert(bleu_sentence("a", none, 1, &cfg, &r, err, sizeof err) == -1);
    ck_assert_str_eq(err, "BLEU: a segment has no reference");

    /* orders outside 1..BLEU_MAX_ORDER */
    cfg.max_order = 0;
    const char *ref = "a";
    ck_assert(bleu_sentence("a", &ref, 1, &cfg, &r, err, sizeof err) == -1);
    ck_assert_str_eq(err, "BLEU n-gram order 0 is outside 1..8");
    cfg.max_order = BLEU_MAX_ORDER + 1;
    ck_assert(bleu_sentence("a", &ref, 1, &cfg, &r, err, sizeof err) == -1);
}
END_TEST

/* ---------------------------------------------------------------- chrF */

static double chrf1(const char *hyp, const char *ref, ChrfConfig cfg) {
    double score;
    char err[256] = "";
    const char *const refs[] = {ref};
    const char *const *streams[] = {refs};
    size_t one = 1;
    ck_assert_msg(chrf_corpus(&hyp, 1, streams, &one, 1, &cfg, &score, err, sizeof err) == 0, "%s", err);
    return score;
}

/* sacreBLEU's README ("chrF2 = 59.73") and test_chrf.py */
START_TEST(test_chrf_published) {
    double score;
    char err[256] = "";
    ChrfConfig cfg = chrf_config_default();
    ck_assert(chrf_corpus(readme_hyps, 3, readme_refs, readme_lines, 2, &cfg, &score, err, sizeof err) == 0);
    char got[16];
    snprintf(got, sizeof got, "%.2f", score);
    ck_assert_str_eq(got, "59.73");

    /* sentence_chrf with eps smoothing (Czech, sacreBLEU checks to 1e-4) */
    struct { const char *hyp, *ref; double want; } sent[] = {
        {"Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.",
         "Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.", 39.14078509},
        {"Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.",
         "A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.", 31.22557079},
        {"Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.",
         "Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.", 57.15704367},
    };
    cfg.eps_smoothing = 1;
    for (size_t i = 0; i < sizeof sent / sizeof sent[0]; i++) {
        ck_assert(chrf_sentence(sent[i].hyp, &sent[i].ref, 1, &cfg, &score, err, sizeof err) == 0);
        ck_assert_msg(fabs(score - sent[i].want) < 1e-4, "sentence %zu: %.8f, want %.8f", i, score, sent[i].want);
    }

    /* corpus_chrf(char_order=6, word_order=0, beta=3), eps smoothing and not */
    ChrfConfig b3 = chrf_config_default();
    b3.beta = 3;
    b3.eps_smoothing = 1;
    struct { const char *hyp, *ref; double want; } eps[] = {
        {"abcdefg", "hijklmnop", 0.0}, {"a", "b", 0.0}, {"", "b", 0.0}, {"", "ref", 0.0},
        {"", "reference", 0.0}, {"aa", "ab", 8.3333}, {"a", "a", 16.6667}, {"a b c", "a b c", 50.0},
        {"a b c", "abc", 50.0},
        {" risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .",
         "risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .", 63.361730},
        {" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. ",
         "Das Verh\xC3\xA4ltnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.", 64.1302698},
        {"Niemand hat die Absicht, eine Mauer zu errichten", "Niemand hat die Absicht, eine Mauer zu errichten", 100.0},
    };
    for (size_t i = 0; i < sizeof eps / sizeof eps[0]; i++)
        ck_assert_msg(fabs(chrf1(eps[i].hyp, eps[i].ref, b3) - eps[i].want) < 1e-4, "eps case %zu", i);
    const char *ab[] = {"a", "b"}, *ac[] = {"a", "c"};
    const char *const *acs[] = {ac};
    size_t two = 2;
    ck_assert(chrf_corpus(ab, 2, acs, &two, 1, &b3, &score, err, sizeof err) == 0);
    ck_assert(fabs(score - 8.3333) < 1e-4);

    b3.eps_smoothing = 0;
    struct { const char *hyp, *ref; double want; } eff[] = {
        {"a", "a", 100.0}, {"", "reference", 0.0}, {"a b c", "a b c", 100.0}, {"a b c", "abc", 100.0},
        {"", "c", 0.0}, {"aa", "ab", 25.0},
    };
    for (size_t i = 0; i < sizeof eff / sizeof eff[0]; i++)
        ck_assert_msg(fabs(chrf1(eff[i].hyp, eff[i].ref, b3) - eff[i].want) < 1e-4, "effective-order case %zu", i);
    ck_assert(chrf_corpus(ab, 2, acs, &two, 1, &b3, &score, err, sizeof err) == 0);
    ck_assert(fabs(score - 50.0) < 1e-4);

    /* whitespace kept (corpus_chrf's remove_whitespace=False) */
    b3.whitespace = 1;
    CLOSE(chrf1("Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich.",
                "Das Verh\xC3\xA4ltnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.", b3),
          67.3481606, 1e-4);
    CLOSE(chrf1("risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .",
                "risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .", b3),
          65.2414427, 1e-4);

    /* errors as for BLEU */
    size_t short_lines[] = {3, 1};
    ck_assert(chrf_corpus(readme_hyps, 3, readme_refs, short_lines, 2, &cfg, &score, err, sizeof err) == -1);
    ck_assert_str_eq(err, "chrF: reference stream 2 has 1 lines, the hypotheses 3");
    const char *bad = "\xC3";
    ck_assert(chrf_sentence("a", &bad, 1, &cfg, &score, err, sizeof err) == -1);
    ck_assert_msg(strstr(err, "invalid UTF-8") != NULL, "%s", err);
    cfg.char_order = 0;
    ck_assert(chrf_sentence("a", readme_ref1, 1, &cfg, &score, err, sizeof err) == -1);
}
END_TEST

START_TEST(test_chrf_fixture) {
    cJSON *root = load_fixture();
    const cJSON *c;
    int ncases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "chrf")) {
        ChrfConfig cfg = {
            cJSON_GetObjectItem(c, "char_order")->valueint, cJSON_GetObjectItem(c, "word_order")->valueint,
            cJSON_GetObjectItem(c, "beta")->valueint, cJSON_IsTrue(cJSON_GetObjectItem(c, "lowercase")),
            cJSON_IsTrue(cJSON_GetObjectItem(c, "whitespace")), cJSON_IsTrue(cJSON_GetObjectItem(c, "eps_smoothing")),
        };
        int nh, nrefs = cJSON_GetArraySize(cJSON_GetObjectItem(c, "refs"));
        const char **hyps = strings(cJSON_GetObjectItem(c, "hyps"), &nh);
        size_t *lines;
        const char ***refs = reference_streams(c, nrefs, &lines);
        double score;
        char err[256] = "";
        ck_assert_msg(chrf_corpus(hyps, (size_t)nh, (const char *const *const *)refs, lines, nrefs, &cfg,
                                  &score, err, sizeof err) == 0, "%s", err);
        double want = cJSON_GetObjectItem(c, "score")->valuedouble;
        ck_assert_msg(fabs(score - want) <= 1e-9, "chrF %s (nc %d nw %d beta %d lc %d ws %d eps %d): %.15g, want %.15g",
                      cJSON_GetObjectItem(c, "name")->valuestring, cfg.char_order, cfg.word_order, cfg.beta,
                      cfg.lowercase, cfg.whitespace, cfg.eps_smoothing, score, want);
        for (int r = 0; r < nrefs; r++) free(refs[r]);
        free(refs);
        free(lines);
        free(hyps);
        ncases++;
    }
    ck_assert_int_ge(ncases, 20);
    cJSON_Delete(root);
}
END_TEST

Suite *bleu_suite(void) {
    Suite *s = suite_create("bleu");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_readme_corpus);
    tcase_add_test(tc, test_readme_variable_refs);
    tcase_add_test(tc, test_max_order);
    tcase_add_test(tc, test_raw_bleu);
    tcase_add_test(tc, test_scores_from_statistics);
    tcase_add_test(tc, test_sentence_smoothing);
    tcase_add_test(tc, test_fixture_scores);
    tcase_add_test(tc, test_fixture_tokens);
    tcase_add_test(tc, test_tokenizers);
    tcase_add_test(tc, test_ids);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_chrf_published);
    tcase_add_test(tc, test_chrf_fixture);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(bleu_suite)
