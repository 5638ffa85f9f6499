/*
 * demo.c -- the chapter's demo on the King James Bible (data/cache/bible).
 *
 * Three lessons, in under a minute:
 *   1. Sparsity. Counting treats each n-gram as its own symbol (one-hot), so a
 *      perfectly reasonable trigram that the training text happens to lack gets
 *      P = 0 under maximum likelihood, and one such trigram in held-out text
 *      makes its perplexity infinite. Every smoother moves a little mass there.
 *   2. Perplexity on held-out verses by order (1..6) and estimator: a table,
 *      a TSV and a PNG. Longer histories help only while counts are not too
 *      sparse, and how the mass is redistributed (Kneser-Ney) matters more
 *      than whether it is (add-k).
 *   3. Samples from orders 1..5, to see text get better.
 * The counts are taken once at order 6; each (order, estimator) pair re-estimates
 * from them (ngram_reset_estimate), which is why the whole grid is fast.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ngram/ngram.h"
#include "util.h"

#define DEMO_MAX_ORDER 6

/* Keep the first `bytes` of text, cut at a line end. */
static size_t cut_lines(char *text, size_t len, size_t bytes) {
    if (bytes >= len) return len;
    char *nl = memchr(text + bytes, '\n', len - bytes);
    if (!nl) return len;
    nl[1] = '\0';
    return (size_t)(nl + 1 - text);
}

static void estimate_as(NgramLm *lm, int order, NgramEstimator e) {
    ngram_reset_estimate(lm);
    lm->order = order;
    lm->est = e;
    ngram_estimate(lm);
}

static uint32_t count_of(const NgramLm *lm, const uint32_t *g, int n) {
    long i = ngram_find(lm, n, g);
    return i < 0 ? 0 : lm->tab[n].count[i];
}

/* The first held-out trigram of frequent words whose two bigrams were seen in
 * training but which itself never was; also the share of unseen trigrams. */
static int find_unseen_trigram(const NgramLm *lm, const char *text, size_t len, uint32_t g[3], double *unseen_share) {
    size_t cap = 4096, total = 0, unseen = 0;
    uint32_t *seq = xmalloc((cap + 2) * sizeof *seq);
    uint8_t *oov = xmalloc(cap + 2);
    int found = 0;
    for (const char *line = text; line < text + len; ) {
        const char *eol = memchr(line, '\n', (size_t)(text + len - line));
        if (!eol) eol = text + len;
        size_t m = ngram_line_ids(lm, line, (size_t)(eol - line), seq + 1, oov, cap);
        if (m > cap) m = cap;
        seq[0] = VOCAB_BOS;
        seq[m + 1] = VOCAB_EOS;
        for (size_t j = 2; j <= m + 1; j++) {
            const uint32_t *t = seq + j - 2;
            total++;
            if (count_of(lm, t, 3) > 0) continue;
            unseen++;
            if (found || j > m) continue;
            int frequent = 1;
            for (int k = 0; k < 3; k++)
                frequent = frequent && t[k] >= VOCAB_NSPECIAL && lm->tab[1].count[t[k]] >= 20;
            if (frequent && count_of(lm, t, 2) >= 2 && count_of(lm, t + 1, 2) >= 2) {
                memcpy(g, t, 3 * sizeof *g);
                found = 1;
            }
        }
        line = eol + 1;
    }
    *unseen_share = total ? (double)unseen / (double)total : 0.0;
    free(seq);
    free(oov);
    return found;
}

static void sparsity_lesson(NgramLm *lm, const char *valid, size_t vlen, FILE *out, NgramDemoResult *res) {
    uint32_t g[3];
    double share;
    int found = find_unseen_trigram(lm, valid, vlen, g, &share);
    if (out) fprintf(out, "\n1. Sparsity: %.1f%% of the held-out trigrams never occur in training.\n", 100 * share);
    if (!found) { if (out) fprintf(out, "   (no unseen trigram of frequent words found)\n"); return; }
    const char *const *w = (const char *const *)lm->vocab->tokens;
    if (out) fprintf(out, "   \"%s %s %s\" is one (c(%s %s) = %u, c(%s %s) = %u):\n",
                     w[g[0]], w[g[1]], w[g[2]], w[g[0]], w[g[1]], count_of(lm, g, 2),
                     w[g[1]], w[g[2]], count_of(lm, g + 1, 2));
    for (int e = NGRAM_EST_MLE; e <= NGRAM_EST_MKN; e++) {
        estimate_as(lm, 3, (NgramEstimator)e);
        double p = ngram_prob_counts(lm, g, 2, g[2]);
        if (e == NGRAM_EST_MLE) res->mle_unseen_p = p;
        res->smoothed_p[e] = p;
        if (out) fprintf(out, "   %-8s P(%s | %s %s) = %.3g%s\n", ngram_estimator_name((NgramEstimator)e),
                         w[g[2]], w[g[0]], w[g[1]], p,
                         e == NGRAM_EST_MLE ? "   <- impossible, so held-out perplexity is infinite" : "");
    }
}

/* gnuplot, when installed: one PNG of perplexity against order, one line per estimator. */
static void plot(const char *tsv, const char *png, FILE *out) {
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
        if (out) fprintf(out, "   (gnuplot not found: no PNG; the numbers are in %s)\n", tsv);
        return;
    }
    FILE *gp = popen("gnuplot", "w");
    if (!gp) return;
    fprintf(gp, "set terminal pngcairo size 800,500\nset output '%s'\n"
                "set title 'Bible, held-out perplexity by n-gram order (MLE is infinite above order 1)'\n"
                "set xlabel 'order n'\nset ylabel 'perplexity'\nset logscale y\nset key top right\n"
                "set grid\nset datafile missing 'inf'\n"
                "plot for [c=3:6] '%s' using 1:c with linespoints lw 2 title columnhead\n", png, tsv);
    int rc = pclose(gp);
    if (out) fprintf(out, "   plot: %s%s\n", png, rc == 0 ? "" : " (gnuplot failed)");
}

static void perplexity_grid(NgramLm *lm, const char *valid, size_t vlen, const char *out_dir, FILE *out,
                            NgramDemoResult *res) {
    if (out) fprintf(out, "\n2. Held-out perplexity by order and estimator:\n\n   order");
    for (int e = 0; e < 5; e++) if (out) fprintf(out, " %10s", ngram_estimator_name((NgramEstimator)e));
    if (out) fprintf(out, "\n");
    for (int n = 1; n <= DEMO_MAX_ORDER; n++) {
        if (out) fprintf(out, "   %5d", n);
        for (int e = 0; e < 5; e++) {
            estimate_as(lm, n, (NgramEstimator)e);
            NgramPerplexity p;
            ngram_score_text(lm, valid, vlen, "valid", &p, NULL, 0, 0);
            res->ppl[n][e] = ngram_ppl_including(&p);
            if (out) fprintf(out, " %10.1f", res->ppl[n][e]);
            if (out) fflush(out);
        }
        if (out) fprintf(out, "\n");
    }
    make_dirs(out_dir);
    char tsv[1024], png[1024];
    snprintf(tsv, sizeof tsv, "%s/ppl_by_order.tsv", out_dir);
    snprintf(png, sizeof png, "%s/ppl_by_order.png", out_dir);
    char *tmp;
    FILE *f = atomic_open(tsv, &tmp);
    fprintf(f, "order");
    for (int e = 0; e < 5; e++) fprintf(f, "\t%s", ngram_estimator_name((NgramEstimator)e));
    fprintf(f, "\n");
    for (int n = 1; n <= DEMO_MAX_ORDER; n++) {
        fprintf(f, "%d", n);
        for (int e = 0; e < 5; e++) fprintf(f, "\t%.3f", res->ppl[n][e]);
        fprintf(f, "\n");
    }
    atomic_commit(f, tmp, tsv);
    if (out) fprintf(out, "\n   table: %s\n", tsv);
    plot(tsv, png, out);
}

static void samples(NgramLm *lm, FILE *out) {
    if (!out) return;
    fprintf(out, "\n3. Samples (modified Kneser-Ney, temperature 1, seed 1):\n");
    SamplerConfig s = { .temperature = 1.0f, .top_k = 0, .top_p = 1.0f };   /* the model as it is */
    Rng rng;
    rng_seed(&rng, 1, 1);
    for (int n = 1; n <= 5; n++) {
        estimate_as(lm, n, NGRAM_EST_MKN);
        fprintf(out, "   order %d: ", n);
        ngram_sample(lm, &s, &rng, 30, out);
    }
}

/* dir/rel, or data_path()'s choice (data/cache, else $NLP_DATA_DIR) when dir is NULL */
static void dataset_file(char *buf, size_t n, const char *dir, const char *rel) {
    if (dir) snprintf(buf, n, "%s/%s", dir, rel);
    else data_path(buf, n, rel);
}

void ngram_demo(const char *dir, const char *out_dir, int quick, int quiet, NgramDemoResult *res) {
    memset(res, 0, sizeof *res);
    char train_path[1024], valid_path[1024];
    dataset_file(train_path, sizeof train_path, dir, "bible/words.train.txt");
    dataset_file(valid_path, sizeof valid_path, dir, "bible/words.valid.txt");
    if (access(train_path, R_OK) != 0 || access(valid_path, R_OK) != 0)
        die("the Bible corpus is missing (%s): run `make data` first (or point --data or "
            "NLP_DATA_DIR at the datasets)", train_path);
    double t0 = now_seconds();
    size_t tlen, vlen;
    char *train = text_load(train_path, &tlen);
    char *valid = text_load(valid_path, &vlen);
    if (quick) {   /* a fifth of the training verses, a quarter of the held-out ones */
        tlen = cut_lines(train, tlen, tlen / 5);
        vlen = cut_lines(valid, vlen, vlen / 4);
    }
    NgramTrainConfig cfg;
    ngram_train_config_default(&cfg);
    cfg.order = DEMO_MAX_ORDER;
    cfg.min_count = 2;   /* words seen once become <unk>, so <unk> has counts to learn from */
    NgramLm lm;
    ngram_count_text(&lm, &cfg, train, tlen, train_path);
    lm.quiet = 1;   /* order 1 with a cutoff has no singletons: MKN's expected fallback */
    FILE *out = quiet ? NULL : stdout;
    if (out) fprintf(out, "ngram demo: King James Bible, %llu training tokens, %d words in the vocabulary "
                          "(words seen once -> <unk>)%s\n", (unsigned long long)lm.train_tokens,
                     ngram_vocab_size(&lm), quick ? " [quick: a slice]" : "");
    sparsity_lesson(&lm, valid, vlen, out, res);
    perplexity_grid(&lm, valid, vlen, out_dir, out, res);
    samples(&lm, out);
    if (out) fprintf(out, "\ndone in %.1f s\n", now_seconds() - t0);
    ngram_free(&lm);
    free(train);
    free(valid);
}
