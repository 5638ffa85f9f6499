/*
 * estimate.c -- from counts to probabilities: the five estimators.
 *
 * Notation (ngram.h): h is the history, h' drops its oldest word, V = the
 * vocabulary without <s> and <pad>, |V| its size. cnt(h w) is the count an estimator
 * smooths: the raw count c, except that Kneser-Ney uses below the top order
 * the adjusted (continuation) count a(w1..wn) = |{v : c(v w1..wn) > 0}|,
 * and n-grams beginning with <s> keep their raw count (nothing precedes <s>).
 * S(h) = sum_x cnt(h x); Nk(h) = number of x with cnt(h x) = k (k = 3: 3 or more).
 *
 *   mle      p(w|h) = c(h w) / S(h)                      unseen -> 0
 *   addk     p(w|h) = (c(h w) + k) / (S(h) + k |V|)      (Laplace: k = 1)
 *   absdisc  p(w|h) = (c(h w) - D) / S(h)                if c(h w) > 0
 *                   = alpha(h) p(w|h')                   otherwise (backoff)
 *            alpha(h) = (D N1+(h) / S(h)) / (1 - sum_{x: c(h x) > 0} p(x|h'))
 *            D = t1 / (t1 + 2 t2) per order (Ney, Essen & Kneser 1994)
 *   kn       p(w|h) = (a(h w) - D) / S(h) + gamma(h) p(w|h'),  one D per order
 *   mkn      the same with D(a) = D1, D2, D3+ (Chen & Goodman 1998, eq. 26):
 *            Y = t1 / (t1 + 2 t2),  Dk = k - (k+1) Y t_{k+1} / t_k
 *            gamma(h) = (D1 N1(h) + D2 N2(h) + D3+ N3+(h)) / S(h)
 * t_k counts the n-grams of the order whose count is exactly k. Every
 * recursion ends in the uniform 1/|V| (absdisc and the KNs interpolate their
 * unigrams with it). A history never seen (S = 0) backs off for free.
 * This is KenLM lmplz's estimate, step by step (adjust_counts,
 * initial_probabilities, interpolate).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ngram/ngram.h"
#include "util.h"

const char *const ngram_estimator_names[] = { "mle", "addk", "absdisc", "kn", "mkn", NULL };

const char *ngram_estimator_name(NgramEstimator e) { return ngram_estimator_names[e]; }

int ngram_estimator_is_backoff(NgramEstimator e) {
    return e == NGRAM_EST_ABSDISC || e == NGRAM_EST_KN || e == NGRAM_EST_MKN;
}

static int is_kn(const NgramLm *lm) { return lm->est == NGRAM_EST_KN || lm->est == NGRAM_EST_MKN; }

/* The count the estimator smooths for entry i of order n. */
static uint32_t est_count(const NgramLm *lm, int n, size_t i) {
    const NgramTable *t = &lm->tab[n];
    return t->adj ? t->adj[i] : t->count[i];
}

/* Continuation counts of order n < N (KenLM's adjust_counts): each n-gram
 * one order up adds one to its suffix's. */
static void adjust_order(NgramLm *lm, int n) {
    NgramTable *t = &lm->tab[n], *up = &lm->tab[n + 1];
    t->adj = xcalloc(t->cap, sizeof *t->adj);
    for (size_t e = 0; e < up->len; e++) t->adj[up->suffix[e]]++;
    for (size_t e = 0; e < t->len; e++)
        if (ngram_first_word(lm, n, e) == VOCAB_BOS) t->adj[e] = t->count[e];
}

static void adjust_counts(NgramLm *lm) {
    for (int n = 1; n < lm->order; n++) adjust_order(lm, n);
}

int ngram_mkn_discounts(const uint64_t t[5], double D[4]) {
    D[0] = 0;
    for (int k = 1; k <= 3; k++) if (t[k] == 0) return -1;
    double y = (double)t[1] / ((double)t[1] + 2.0 * (double)t[2]);
    for (int k = 1; k <= 3; k++) {
        D[k] = k - (k + 1) * y * (double)t[k + 1] / (double)t[k];
        if (D[k] < 0 || D[k] > k) return -1;
    }
    return 0;
}

/* D = t1 / (t1 + 2 t2), the leave-one-out estimate; 0.5 when t1 = 0. */
static double single_discount(const uint64_t t[5]) {
    return t[1] ? (double)t[1] / ((double)t[1] + 2.0 * (double)t[2]) : 0.5;
}

void ngram_set_discounts(NgramLm *lm, int n, const uint64_t t[5]) {
    double *D = lm->D[n];
    if (lm->est == NGRAM_EST_MKN) {
        if (ngram_mkn_discounts(t, D) != 0) {
            if (!lm->quiet) warn("cannot estimate the modified Kneser-Ney discounts of order %d from "
                 "count-of-counts %llu %llu %llu %llu (small or artificial data?); "
                 "using D1=0.5 D2=1 D3+=1.5 as KenLM's --discount_fallback does", n,
                 (unsigned long long)t[1], (unsigned long long)t[2],
                 (unsigned long long)t[3], (unsigned long long)t[4]);
            D[1] = 0.5; D[2] = 1.0; D[3] = 1.5;
        }
    } else {
        D[1] = D[2] = D[3] = single_discount(t);
    }
    D[0] = 0;
}

static void discounts(NgramLm *lm) {
    for (int n = 1; n <= lm->order; n++) {
        uint64_t t[5] = { 0 };
        for (size_t e = 0; e < lm->tab[n].len; e++) {
            uint32_t c = est_count(lm, n, e);
            if (c >= 1 && c <= 4) t[c]++;
        }
        ngram_set_discounts(lm, n, t);
    }
}

/* S(h) and Nk(h) of the histories of order n+1, stored on their entries of
 * order n (n = 0: the empty history, lm->ctx0_*), from order n+1's counts. */
static void history_stats(NgramLm *lm, int n) {
    NgramTable *t = &lm->tab[n];
    const NgramTable *up = &lm->tab[n + 1];
    if (n == 0) {
        lm->ctx0_sum = 0;
        memset(lm->ctx0_nk, 0, sizeof lm->ctx0_nk);
    } else {
        t->ctx_sum = xcalloc(t->cap, sizeof *t->ctx_sum);
        t->ctx_nk = xcalloc(t->cap * 3, sizeof *t->ctx_nk);
    }
    for (size_t e = 0; e < up->len; e++) {
        uint32_t c = est_count(lm, n + 1, e);
        if (c == 0) continue;
        int k = c < 3 ? (int)c - 1 : 2;
        if (n == 0) { lm->ctx0_sum += c; lm->ctx0_nk[k]++; continue; }
        size_t h = up->prefix[e];
        t->ctx_sum[h] += c;
        t->ctx_nk[h * 3 + k]++;
    }
}

static void context_stats(NgramLm *lm) {
    for (int n = 0; n < lm->order; n++) history_stats(lm, n);
}

/* Absolute discounting's backoff needs sum_{x seen after h} p(x | h') per history. */
static void absdisc_lower_sums(NgramLm *lm) {
    for (int n = 2; n <= lm->order; n++) {
        NgramTable *t = &lm->tab[n], *down = &lm->tab[n - 1];
        down->ctx_low = xcalloc(down->cap, sizeof *down->ctx_low);
        uint32_t g[NGRAM_MAX_ORDER];
        for (size_t e = 0; e < t->len; e++) {
            if (t->count[e] == 0) continue;
            ngram_entry_words(lm, n, e, 1, g);
            down->ctx_low[t->prefix[e]] += ngram_prob_counts(lm, g + 1, n - 2, g[n - 1]);
        }
    }
}

void ngram_drop_lower_counts(NgramLm *lm) {
    for (int n = 1; n < lm->order; n++) {
        if (!lm->tab[n].adj) continue;
        free(lm->tab[n].count);
        lm->tab[n].count = NULL;
    }
}

void ngram_reset_estimate(NgramLm *lm) {
    for (int n = 1; n <= NGRAM_MAX_ORDER; n++) {
        NgramTable *t = &lm->tab[n];
        free(t->adj); free(t->ctx_sum); free(t->ctx_nk); free(t->ctx_low); free(t->logp); free(t->logbo);
        t->adj = NULL; t->ctx_sum = NULL; t->ctx_nk = NULL; t->ctx_low = NULL; t->logp = NULL; t->logbo = NULL;
    }
    ngram_query_free(&lm->q);
    lm->has_arpa = 0;
}

void ngram_estimate(NgramLm *lm) {
    if (!lm->has_counts) die("this model has no counts to estimate from");
    if (is_kn(lm)) adjust_counts(lm);
    discounts(lm);
    context_stats(lm);
    if (lm->est == NGRAM_EST_ABSDISC) absdisc_lower_sums(lm);
}

/* The statistics of history hist (n-1 words) for order n and its entry
 * (-1 for the empty history); 0 when never seen. */
static int history(const NgramLm *lm, int n, const uint32_t *hist, double *S, const uint32_t **nk, double *low,
                   long *entry) {
    *entry = -1;
    if (n == 1) { *S = lm->ctx0_sum; *nk = lm->ctx0_nk; *low = 0; return 1; }
    const NgramTable *t = &lm->tab[n - 1];
    long i = ngram_find(lm, n - 1, hist);
    if (i < 0) return 0;
    *S = t->ctx_sum[i];
    *nk = t->ctx_nk + (size_t)i * 3;
    *low = t->ctx_low ? t->ctx_low[i] : 0;
    *entry = i;
    return 1;
}

double ngram_kn_gamma(const double *D, const uint32_t *nk, double S) {
    return (D[1] * nk[0] + D[2] * nk[1] + D[3] * nk[2]) / S;
}

/* |V|: the size of the distribution, the base of the uniform order 0. */
static double predicted_size(const NgramLm *lm) { return (double)ngram_vocab_size(lm) - 1.0; }

double ngram_prob_counts(const NgramLm *lm, const uint32_t *h, int hlen, uint32_t w) {
    if (ngram_never_predicted(w)) return 0.0;
    double V = predicted_size(lm);
    double p = 1.0 / V;                      /* order 0: uniform over V */
    int top = hlen + 1 < lm->order ? hlen + 1 : lm->order;
    for (int n = 1; n <= top; n++) {
        const uint32_t *hist = n > 1 ? h + hlen - (n - 1) : NULL;
        double S, low;
        const uint32_t *nk;
        long hi;
        if (!history(lm, n, hist, &S, &nk, &low, &hi)) break;
        if (S <= 0) continue;
        long i = ngram_find_next(lm, n, hi, w);
        double c = i < 0 ? 0.0 : (double)est_count(lm, n, (size_t)i);
        const double *D = lm->D[n];
        double n1p = (double)nk[0] + nk[1] + nk[2];
        switch (lm->est) {
        case NGRAM_EST_MLE: p = c / S; break;
        case NGRAM_EST_ADDK: p = (c + lm->addk) / (S + lm->addk * V); break;
        case NGRAM_EST_ABSDISC:
            if (n == 1) p = (fmax(c - D[1], 0.0) + D[1] * n1p / V) / S;
            else if (c > 0) p = (c - D[1]) / S;
            else p = low < 1.0 - 1e-12 ? (D[1] * n1p / S) / (1.0 - low) * p : 0.0;
            break;
        case NGRAM_EST_KN:
        case NGRAM_EST_MKN: {
            double Dc = c == 0 ? 0.0 : D[c < 3 ? (int)c : 3];
            p = (c - Dc) / S + ngram_kn_gamma(D, nk, S) * p;
            break;
        }
        }
    }
    return p;
}

float ngram_log10_prob(double p) {
    return p > 0 ? (float)fmin(0.0, log10(p)) : NGRAM_LOG10_ZERO;   /* p may round above 1 */
}

/* The backoff weight of history entry i of order n (1 when it is no history). */
static double backoff_weight(const NgramLm *lm, int n, size_t i) {
    const NgramTable *t = &lm->tab[n];
    double S = t->ctx_sum[i];
    uint32_t last = n == 1 ? (uint32_t)i : t->word[i];
    if (S <= 0 || last == VOCAB_EOS) return 1.0;
    const uint32_t *nk = t->ctx_nk + i * 3;
    const double *D = lm->D[n + 1];
    if (lm->est == NGRAM_EST_ABSDISC) {
        double low = t->ctx_low[i];
        return low < 1.0 - 1e-12 ? (D[1] * (nk[0] + nk[1] + nk[2]) / S) / (1.0 - low) : 1.0;
    }
    return ngram_kn_gamma(D, nk, S);
}

/* p of entry e of order n for the KNs, through the prefix and suffix links:
 * the suffix's probability is the lower order's, already computed. */
static double kn_entry_prob(const NgramLm *lm, int n, size_t e) {
    const NgramTable *t = &lm->tab[n];
    double lower = 1.0 / predicted_size(lm);
    if (n > 1) lower = pow(10.0, lm->tab[n - 1].logp[t->suffix[e]]);
    double S;
    const uint32_t *nk;
    if (n == 1) { S = lm->ctx0_sum; nk = lm->ctx0_nk; }
    else {
        const NgramTable *down = &lm->tab[n - 1];
        S = down->ctx_sum[t->prefix[e]];
        nk = down->ctx_nk + (size_t)t->prefix[e] * 3;
    }
    if (S <= 0) return lower;
    double c = est_count(lm, n, e);
    const double *D = lm->D[n];
    double Dc = c == 0 ? 0.0 : D[c < 3 ? (int)c : 3];
    return (c - Dc) / S + ngram_kn_gamma(D, nk, S) * lower;
}

/* log10 p of every entry of order n (the orders below done already). */
static void compile_logp(NgramLm *lm, int n) {
    NgramTable *t = &lm->tab[n];
    t->logp = xmalloc(t->cap * sizeof *t->logp);
    uint32_t g[NGRAM_MAX_ORDER];
    for (size_t e = 0; e < t->len; e++) {
        double p;
        if (n == 1 && ngram_never_predicted((uint32_t)e)) p = 0.0;
        else if (is_kn(lm)) p = kn_entry_prob(lm, n, e);
        else {
            ngram_entry_words(lm, n, e, 1, g);
            p = ngram_prob_counts(lm, g, n - 1, g[n - 1]);
        }
        t->logp[e] = ngram_log10_prob(p);
    }
}

/* log10 backoff of every entry of order n < N, as a history. */
static void compile_logbo(NgramLm *lm, int n) {
    NgramTable *t = &lm->tab[n];
    t->logbo = xmalloc(t->cap * sizeof *t->logbo);
    for (size_t e = 0; e < t->len; e++) t->logbo[e] = (float)log10(backoff_weight(lm, n, e));
}

static void check_backoff(const NgramLm *lm) {
    if (!ngram_estimator_is_backoff(lm->est))
        die("the %s estimator is not a backoff model, so it has no ARPA form "
            "(score it with `ngram eval --train`)", ngram_estimator_name(lm->est));
}

void ngram_compile_arpa(NgramLm *lm, int query) {
    check_backoff(lm);
    for (int n = 1; n <= lm->order; n++) {
        compile_logp(lm, n);
        if (n < lm->order) compile_logbo(lm, n);   /* the top order is never a history */
    }
    if (query) ngram_build_query(lm, 1);
    lm->has_arpa = 1;
}

/* Once order n is compiled and written, nothing reads order n-1's statistics
 * and probabilities, nor order n's counts, suffix links and backoffs; the
 * prefix links and words stay, as they spell the n-grams of the orders above. */
static void release_order(NgramLm *lm, int n) {
    NgramTable *t = &lm->tab[n], *down = &lm->tab[n - 1];
    free(down->ctx_sum); down->ctx_sum = NULL;
    free(down->ctx_nk); down->ctx_nk = NULL;
    free(down->logp); down->logp = NULL;
    free(t->count); t->count = NULL;
    free(t->adj); t->adj = NULL;
    free(t->suffix); t->suffix = NULL;
    free(t->logbo); t->logbo = NULL;
}

void ngram_estimate_to_arpa(NgramLm *lm, const char *path) {
    if (!is_kn(lm) || !lm->has_counts) die("internal: ngram_estimate_to_arpa needs a counted Kneser-Ney model");
    for (int n = 1; n < lm->order; n++) {   /* below the top order only the adjusted counts are used */
        adjust_order(lm, n);
        free(lm->tab[n].count);
        lm->tab[n].count = NULL;
    }
    discounts(lm);
    size_t entries[NGRAM_MAX_ORDER + 1];
    for (int n = 1; n <= lm->order; n++) entries[n] = ngram_entries(lm, n);
    NgramArpaOut a;
    ngram_arpa_begin(&a, lm->vocab, lm->order, entries, path);
    history_stats(lm, 0);
    for (int n = 1; n <= lm->order; n++) {
        if (n < lm->order) {
            history_stats(lm, n);
            compile_logbo(lm, n);
        }
        compile_logp(lm, n);
        ngram_arpa_table(&a, lm, n);
        release_order(lm, n);
    }
    ngram_arpa_end(&a);
}
