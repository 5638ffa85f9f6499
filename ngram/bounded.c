/*
 * bounded.c -- the Kneser-Ney build in bounded memory (ngram train --memory).
 *
 * The in-memory build (count.c, estimate.c) holds every n-gram of every order
 * at once. Here no order is ever held whole: each step reads the n-grams of
 * one order as a sorted stream (sort.c) and writes the next step's records
 * into a sorter, whose buffer is the memory budget. The steps are those of
 * KenLM's lmplz, each needing its own order of the n-grams:
 *
 *   1 count        the corpus, twice through a window (count.c): the vocabulary,
 *                  then every n-gram of orders 2..N with count 1 and a stamp,
 *                  the position where it was seen; the counting sorters fold
 *                  repeats together.                         -> suffix order
 *   2 adjust       walk orders n and n+1 together in suffix order: the (n+1)-grams
 *                  that extend an n-gram to the left are adjacent, and their
 *                  number is its adjusted count a (Chen & Goodman's continuation
 *                  count; n-grams that begin with <s> keep c). Count-of-counts
 *                  give the discounts (estimate.c).           -> context order
 *   3 context      per history h (adjacent in context order): S(h), N1, N2, N3+,
 *                  so each n-gram's discounted share u = (a - D(a)) / S(h) and
 *                  h's backoff gamma(h). Orders N down to 2: gamma of the
 *                  (n-1)-grams is streamed, in their own context order, to the
 *                  next pass down, which joins it to them.   -> suffix order
 *   4 interpolate  p(h w) = u + gamma(h) p(h' w), the lower p joined from order
 *                  n-1's output, which was written in suffix order: orders 2 up
 *                  to N.                                      -> stamp order
 *   5 write        the ARPA file, each order in the order the n-grams were
 *                  first seen, as the in-memory tables hold them, so that both
 *                  builds write the same file byte for byte.
 *
 * Unigrams (V entries) stay in arrays by word id. The arithmetic is that of
 * estimate.c, in the same order of operations, so every float is the same.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ngram/ngram.h"
#include "util.h"

/* The fields of each step's records, after the n words:
 *   counts, context   count, stamp (2)
 *   suffix            u (double, 2), gamma (double, 2), log10 backoff (float), stamp (2)
 *   stamp order       stamp (2), log10 p, log10 backoff
 *   p and gamma streams (presorted files): one float */
#define COUNT_WIDTH(n) ((n) + 3)
#define SUFFIX_WIDTH(n) ((n) + 7)
#define STAMP_WIDTH(n) ((n) + 4)
#define FLOAT_WIDTH(n) ((n) + 1)

typedef struct {
    NgramLm lm;              /* vocabulary, order, estimator, discounts, ctx0 */
    size_t budget;           /* bytes of sort buffer */
    uint64_t position;       /* predicted tokens counted so far: the next stamp */
    size_t entries[NGRAM_MAX_ORDER + 1];
    NgramSorter counts[NGRAM_MAX_ORDER + 1];   /* step 1's, by suffix */
    NgramSorter context[NGRAM_MAX_ORDER + 1];  /* step 2's, by context */
    NgramSorter suffix[NGRAM_MAX_ORDER + 1];   /* step 3's, by suffix */
    NgramSorter stamped[NGRAM_MAX_ORDER + 1];  /* step 4's, by stamp */
    uint32_t *count1;        /* (V) raw unigram counts */
    uint32_t *cnt1;          /* (V) the estimator's unigram counts */
    float *logp1, *logbo1;   /* (V) the unigrams' log10 p and backoff */
} Build;

static void put_u64(uint32_t *r, uint64_t x) { r[0] = (uint32_t)x; r[1] = (uint32_t)(x >> 32); }
static void put_double(uint32_t *r, double x) { memcpy(r, &x, sizeof x); }
static double get_double(const uint32_t *r) { double x; memcpy(&x, r, sizeof x); return x; }
static void put_float(uint32_t *r, float x) { memcpy(r, &x, sizeof x); }
static float get_float(const uint32_t *r) { float x; memcpy(&x, r, sizeof x); return x; }

/* a (n words) against b (n words) in suffix order: last word first. */
static int suffix_cmp(const uint32_t *a, const uint32_t *b, int n) {
    for (int i = n - 1; i >= 0; i--) if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
}

static int same_words(const uint32_t *a, const uint32_t *b, int n) { return memcmp(a, b, (size_t)n * sizeof *a) == 0; }

/* The discount of an n-gram of count c under order n's D (0 for unseen). */
static double discount(const double *D, uint32_t c) { return c == 0 ? 0.0 : D[c < 3 ? c : 3]; }

/* ------------------------------------------------------------------ 1 count */

/* The unigram arrays, once the vocabulary is known. */
static void unigram_arrays(Build *b) {
    if (b->count1) return;
    size_t V = (size_t)b->lm.vocab->size;
    b->count1 = xcalloc(V, sizeof *b->count1);
    b->cnt1 = xcalloc(V, sizeof *b->cnt1);
    b->logp1 = xcalloc(V, sizeof *b->logp1);
    b->logbo1 = xcalloc(V, sizeof *b->logbo1);
}

static void count_sentence(void *ctx, const uint32_t *seq, size_t L) {
    Build *b = ctx;
    unigram_arrays(b);
    for (size_t j = 1; j < L; j++) {   /* every predicted position: the n-grams ending there */
        uint64_t stamp = b->position++;
        b->count1[seq[j]]++;
        for (int n = 2; n <= b->lm.order && (size_t)n <= j + 1; n++) {
            uint32_t *r = ngram_sorter_add(&b->counts[n]);
            memcpy(r, seq + j + 1 - n, (size_t)n * sizeof *r);
            r[n] = 1;
            put_u64(r + n + 1, stamp);
        }
    }
}

static void count_corpus(Build *b, const NgramTrainConfig *cfg, const char *path) {
    int N = cfg->order;
    size_t share = N > 1 ? b->budget / (size_t)(N - 1) : b->budget;   /* the orders fill at once */
    for (int n = 2; n <= N; n++) ngram_sorter_init(&b->counts[n], n, COUNT_WIDTH(n), NGRAM_SORT_SUFFIX, n + 1, n, share);
    ngram_stream_corpus(&b->lm, cfg, path, count_sentence, b);
    unigram_arrays(b);
    for (int n = 2; n <= N; n++) ngram_sorter_finish(&b->counts[n]);
}

/* ------------------------------------------------------------------ 2 adjust */

static void count_of_counts(uint64_t t[5], uint32_t c) { if (c >= 1 && c <= 4) t[c]++; }

/* Order n's n-grams with the estimator's count, into context order: the
 * adjusted count below the top order, found by walking order n+1 alongside. */
static void adjust_order(Build *b, int n, uint64_t t[5]) {
    int N = b->lm.order;
    int kn_lower = n < N;
    NgramMerge self, up;
    ngram_merge_open(&self, &b->counts[n]);
    if (kn_lower) ngram_merge_open(&up, &b->counts[n + 1]);
    const uint32_t *u = kn_lower ? ngram_merge_next(&up) : NULL;
    NgramSorter *out = &b->context[n];
    ngram_sorter_init(out, n, COUNT_WIDTH(n), NGRAM_SORT_CONTEXT, n + 1, -1, b->budget);
    const uint32_t *r;
    while ((r = ngram_merge_next(&self)) != NULL) {
        b->entries[n]++;
        if (n == 2) b->cnt1[r[1]]++;   /* a unigram's adjusted count: the bigrams ending in it */
        uint32_t c = r[n];
        if (kn_lower) {
            uint32_t left = 0;   /* the (n+1)-grams whose suffix is r */
            while (u && suffix_cmp(u + 1, r, n) < 0) u = ngram_merge_next(&up);
            while (u && suffix_cmp(u + 1, r, n) == 0) { left++; u = ngram_merge_next(&up); }
            if (r[0] != VOCAB_BOS) c = left;   /* nothing precedes <s>: its n-grams keep c */
        }
        count_of_counts(t, c);
        uint32_t *o = ngram_sorter_add(out);
        memcpy(o, r, COUNT_WIDTH(n) * sizeof *o);
        o[n] = c;
    }
    ngram_merge_close(&self);
    if (kn_lower) ngram_merge_close(&up);
    ngram_sorter_finish(out);
}

static void adjust_counts(Build *b) {
    int N = b->lm.order, V = b->lm.vocab->size;
    uint64_t t[NGRAM_MAX_ORDER + 1][5];
    memset(t, 0, sizeof t);
    for (int n = 2; n <= N; n++) {
        adjust_order(b, n, t[n]);
        ngram_sorter_free(&b->counts[n]);   /* read as order n's, and as order n-1's up */
    }
    /* unigrams: adjusted below a top order, raw at order 1; <s> keeps its c (0) */
    if (N == 1) memcpy(b->cnt1, b->count1, (size_t)V * sizeof *b->cnt1);
    else b->cnt1[VOCAB_BOS] = b->count1[VOCAB_BOS];
    for (int w = 0; w < V; w++) count_of_counts(t[1], b->cnt1[w]);
    for (int n = 1; n <= N; n++) ngram_set_discounts(&b->lm, n, t[n]);
}

/* ------------------------------------------------------------------ 3 context */

typedef struct {
    uint32_t *rec;           /* (cap, width) one history's n-grams */
    size_t len, cap;
} Group;

static void group_add(Group *g, const uint32_t *r, int width) {
    if (g->len == g->cap) g->rec = xrealloc(g->rec, (g->cap = g->cap ? 2 * g->cap : 256) * (size_t)width * sizeof *g->rec);
    memcpy(g->rec + g->len++ * (size_t)width, r, (size_t)width * sizeof *r);
}

typedef struct {
    NgramMerge m;            /* the gammas of order n as histories, in context order */
    const uint32_t *head;
    int open;
} BackoffJoin;

static int context_cmp(const uint32_t *a, const uint32_t *b, int n) {
    for (int i = 0; i < n; i++) if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
}

/* The log10 backoff of n-gram g: its gamma as a history one order up, 0
 * (backoff 1) when it is none. The gammas come in g's own (context) order. */
static float backoff_of(BackoffJoin *j, const uint32_t *g, int n) {
    if (!j->open) return 0.0f;
    while (j->head && context_cmp(j->head, g, n) < 0) j->head = ngram_merge_next(&j->m);
    return j->head && context_cmp(j->head, g, n) == 0 ? get_float(j->head + n) : 0.0f;
}

/* One history's n-grams (Chen & Goodman's S(h), Nk(h), kn_entry_prob's
 * terms) into the suffix sorter; its gamma as a backoff, to the stream below. */
static void finish_group(Build *b, int n, Group *g, BackoffJoin *bo, FILE *down) {
    const double *D = b->lm.D[n];
    int w = COUNT_WIDTH(n);
    double S = 0;
    uint32_t nk[3] = { 0 };
    for (size_t i = 0; i < g->len; i++) {
        uint32_t c = g->rec[i * w + n];
        if (c == 0) continue;
        S += c;
        nk[c < 3 ? c - 1 : 2]++;
    }
    double gamma = S > 0 ? ngram_kn_gamma(D, nk, S) : 0.0;
    for (size_t i = 0; i < g->len; i++) {
        const uint32_t *r = g->rec + i * w;
        uint32_t c = r[n];
        uint32_t *o = ngram_sorter_add(&b->suffix[n]);
        memcpy(o, r, (size_t)n * sizeof *o);
        put_double(o + n, S > 0 ? (c - discount(D, c)) / S : -1.0);   /* -1: p is the lower order's */
        put_double(o + n + 2, gamma);
        put_float(o + n + 4, n < b->lm.order ? backoff_of(bo, r, n) : 0.0f);
        o[n + 5] = r[n + 1];
        o[n + 6] = r[n + 2];
    }
    /* the history h = w1..w(n-1) as an (n-1)-gram: backoff_weight's rule */
    const uint32_t *h = g->rec;
    float logbo = (float)log10(S <= 0 || h[n - 2] == VOCAB_EOS ? 1.0 : gamma);
    if (n == 2) b->logbo1[h[0]] = logbo;
    else {
        uint32_t rec[NGRAM_MAX_ORDER + 1];
        memcpy(rec, h, (size_t)(n - 1) * sizeof *rec);
        put_float(rec + n - 1, logbo);
        ngram_spill_write(down, rec, FLOAT_WIDTH(n - 1));
    }
}

static void context_order(Build *b, int n, NgramSorter *gammas_in, NgramSorter *gammas_out) {
    NgramMerge m;
    ngram_merge_open(&m, &b->context[n]);
    BackoffJoin bo = { .open = n < b->lm.order };
    if (bo.open) { ngram_merge_open(&bo.m, gammas_in); bo.head = ngram_merge_next(&bo.m); }
    FILE *down = n > 2 ? ngram_sorter_presorted(gammas_out, n - 1, FLOAT_WIDTH(n - 1), NGRAM_SORT_CONTEXT) : NULL;
    ngram_sorter_init(&b->suffix[n], n, SUFFIX_WIDTH(n), NGRAM_SORT_SUFFIX, n + 5, -1, b->budget);
    Group g = { 0 };
    const uint32_t *r;
    while ((r = ngram_merge_next(&m)) != NULL) {
        if (g.len && !same_words(g.rec, r, n - 1)) { finish_group(b, n, &g, &bo, down); g.len = 0; }
        group_add(&g, r, COUNT_WIDTH(n));
    }
    if (g.len) finish_group(b, n, &g, &bo, down);
    free(g.rec);
    if (down) ngram_spill_close(down);
    if (bo.open) ngram_merge_close(&bo.m);
    ngram_merge_close(&m);
    ngram_sorter_free(&b->context[n]);
    ngram_sorter_finish(&b->suffix[n]);
}

static void context_stats(Build *b) {
    NgramSorter gammas[2];   /* order n's gammas, read by pass n while pass n+1's are written */
    memset(gammas, 0, sizeof gammas);
    for (int n = b->lm.order; n >= 2; n--) {
        NgramSorter *in = &gammas[n & 1], *out = &gammas[(n - 1) & 1];
        context_order(b, n, in, out);
        ngram_sorter_free(in);
    }
    ngram_sorter_free(&gammas[0]);
    ngram_sorter_free(&gammas[1]);
}

/* ------------------------------------------------------------------ 4 interpolate */

/* The unigrams: kn_entry_prob at order 1, where the lower order is uniform. */
static void unigram_probs(Build *b) {
    NgramLm *lm = &b->lm;
    int V = lm->vocab->size;
    lm->ctx0_sum = 0;
    memset(lm->ctx0_nk, 0, sizeof lm->ctx0_nk);
    for (int w = 0; w < V; w++) {
        uint32_t c = b->cnt1[w];
        if (c == 0) continue;
        lm->ctx0_sum += c;
        lm->ctx0_nk[c < 3 ? c - 1 : 2]++;
    }
    double S = lm->ctx0_sum, uniform = 1.0 / ((double)ngram_vocab_size(lm) - 1.0);
    for (int w = 0; w < V; w++) {
        double p = 0.0;
        if (!ngram_never_predicted((uint32_t)w)) {
            uint32_t c = b->cnt1[w];
            p = S <= 0 ? uniform : (c - discount(lm->D[1], c)) / S + ngram_kn_gamma(lm->D[1], lm->ctx0_nk, S) * uniform;
        }
        b->logp1[w] = ngram_log10_prob(p);
    }
}

/* Order n's p from step 3's terms and order n-1's p, the n-grams in suffix
 * order so that their suffixes come in the order order n-1 wrote its p. */
static void interpolate_order(Build *b, int n, NgramSorter *lower_in, NgramSorter *lower_out) {
    int N = b->lm.order;
    NgramMerge m, low;
    ngram_merge_open(&m, &b->suffix[n]);
    const uint32_t *l = NULL;
    if (n > 2) { ngram_merge_open(&low, lower_in); l = ngram_merge_next(&low); }
    FILE *up = n < N ? ngram_sorter_presorted(lower_out, n, FLOAT_WIDTH(n), NGRAM_SORT_SUFFIX) : NULL;
    ngram_sorter_init(&b->stamped[n], n, STAMP_WIDTH(n), NGRAM_SORT_STAMP, n, -1, b->budget);
    const uint32_t *r;
    while ((r = ngram_merge_next(&m)) != NULL) {
        float lower_logp;
        if (n == 2) lower_logp = b->logp1[r[1]];
        else {
            while (l && suffix_cmp(l, r + 1, n - 1) < 0) l = ngram_merge_next(&low);
            if (!l || suffix_cmp(l, r + 1, n - 1) != 0) die("internal: a %d-gram's suffix is missing", n);
            lower_logp = get_float(l + n - 1);
        }
        double lower = pow(10.0, lower_logp), u = get_double(r + n);
        double p = u < 0 ? lower : u + get_double(r + n + 2) * lower;
        float logp = ngram_log10_prob(p);
        if (up) {
            uint32_t rec[NGRAM_MAX_ORDER + 1];
            memcpy(rec, r, (size_t)n * sizeof *rec);
            put_float(rec + n, logp);
            ngram_spill_write(up, rec, FLOAT_WIDTH(n));
        }
        uint32_t *o = ngram_sorter_add(&b->stamped[n]);
        memcpy(o, r, (size_t)n * sizeof *o);
        o[n] = r[n + 5];
        o[n + 1] = r[n + 6];
        put_float(o + n + 2, logp);
        memcpy(o + n + 3, r + n + 4, sizeof *o);   /* the log10 backoff */
    }
    if (up) ngram_spill_close(up);
    if (n > 2) ngram_merge_close(&low);
    ngram_merge_close(&m);
    ngram_sorter_free(&b->suffix[n]);
    ngram_sorter_finish(&b->stamped[n]);
}

static void interpolate(Build *b) {
    unigram_probs(b);
    NgramSorter probs[2];   /* order n-1's p, read by pass n while pass n's are written */
    memset(probs, 0, sizeof probs);
    for (int n = 2; n <= b->lm.order; n++) {
        NgramSorter *in = &probs[(n - 1) & 1], *out = &probs[n & 1];
        interpolate_order(b, n, in, out);
        ngram_sorter_free(in);
    }
    ngram_sorter_free(&probs[0]);
    ngram_sorter_free(&probs[1]);
}

/* ------------------------------------------------------------------ 5 write */

static void write_arpa(Build *b, const char *path) {
    const NgramLm *lm = &b->lm;
    int N = lm->order, V = lm->vocab->size;
    b->entries[1] = (size_t)V - 1;   /* every word but <pad> */
    NgramArpaOut a;
    ngram_arpa_begin(&a, lm->vocab, N, b->entries, path);
    ngram_arpa_section(&a, 1);
    for (uint32_t w = 0; w < (uint32_t)V; w++)
        if (w != VOCAB_PAD) ngram_arpa_entry(&a, &w, 1, b->logp1[w], b->logbo1[w]);
    for (int n = 2; n <= N; n++) {
        ngram_arpa_section(&a, n);
        NgramMerge m;
        ngram_merge_open(&m, &b->stamped[n]);
        const uint32_t *r;
        while ((r = ngram_merge_next(&m)) != NULL) ngram_arpa_entry(&a, r, n, get_float(r + n + 2), get_float(r + n + 3));
        ngram_merge_close(&m);
        ngram_sorter_free(&b->stamped[n]);
    }
    ngram_arpa_end(&a);
}

/* ------------------------------------------------------------------ the build */

void ngram_train_bounded(const NgramTrainConfig *cfg, const char *corpus, const char *out, size_t memory,
                         const char *tmp_parent, int quiet) {
    if (cfg->char_level) die("--memory builds word models only (a char model's counts fit in memory)");
    if (cfg->est != NGRAM_EST_KN && cfg->est != NGRAM_EST_MKN)
        die("--memory builds Kneser-Ney models (kn, mkn) only, not %s", ngram_estimator_name(cfg->est));
    double t0 = now_seconds();
    Build *b = xcalloc(1, sizeof *b);
    b->budget = memory;
    ngram_spill_begin(tmp_parent);
    count_corpus(b, cfg, corpus);
    adjust_counts(b);
    context_stats(b);
    interpolate(b);
    write_arpa(b, out);
    ngram_spill_end();
    if (!quiet) {
        fprintf(stderr, "ngram: %s %d-gram model of %s: %d words, %llu tokens,", ngram_estimator_name(b->lm.est),
                b->lm.order, corpus, ngram_vocab_size(&b->lm), (unsigned long long)b->lm.train_tokens);
        for (int n = 1; n <= b->lm.order; n++) fprintf(stderr, " %zu", b->entries[n]);
        fprintf(stderr, " n-grams, in bounded memory (%.2f s)\n", now_seconds() - t0);
    }
    free(b->count1); free(b->cnt1); free(b->logp1); free(b->logbo1);
    ngram_free(&b->lm);
    free(b);
}
