/* eval.c -- analogies, word similarity, nearest neighbours, PCA. See eval.h. */
#include "word2vec/eval.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "matmul.h"
#include "text.h"
#include "util.h"
#include "word2vec/vocab.h"

#define ANALOGY_BATCH 512

static void upcase(char *s) {
    for (; *s; s++) *s = (char)toupper((unsigned char)*s);
}

/* ---------------------------------------------------------------- analogies */

typedef struct {
    int q[ANALOGY_BATCH][4];   /* rows of a, b, c, d */
    int section[ANALOGY_BATCH];
    int n;
} Batch;

/* Score a batch: argmax over words of cos(b - a + c), excluding a, b, c. */
static void score_batch(const Vectors *u, Batch *bt, float *Q, float *S, W2vAnalogyResult *res) {
    int D = u->D, N = u->V;
    for (int i = 0; i < bt->n; i++) {
        const float *a = u->vecs + (size_t)bt->q[i][0] * D, *b = u->vecs + (size_t)bt->q[i][1] * D,
                    *c = u->vecs + (size_t)bt->q[i][2] * D;
        for (int j = 0; j < D; j++) Q[(size_t)i * D + j] = b[j] - a[j] + c[j];
    }
    matmul(0, 1, bt->n, N, D, 1.0f, Q, u->vecs, 0.0f, S);   /* S (n,N) = Q (n,D) @ M^T */
    for (int i = 0; i < bt->n; i++) {
        const float *s = S + (size_t)i * N;
        int best = -1;
        for (int w = 0; w < N; w++) {
            if (w == bt->q[i][0] || w == bt->q[i][1] || w == bt->q[i][2]) continue;
            if (best < 0 || s[w] > s[best]) best = w;
        }
        /* compare words, not rows, as the original (two rows may share a word once upper-cased) */
        int ok = best >= 0 && strcmp(u->words[best], u->words[bt->q[i][3]]) == 0;
        W2vAnalogySection *sec = &res->sections[bt->section[i]];
        sec->correct += ok;
        if (bt->section[i] < W2V_ANALOGY_SEMANTIC_SECTIONS) res->sem_correct += ok;
        else res->syn_correct += ok;
        res->correct += ok;
    }
    bt->n = 0;
}

/* The first n rows of v, words upper-cased, rows normalised. */
static Vectors *restricted_copy(const Vectors *v, int n) {
    char **up = xmalloc((size_t)n * sizeof(char *));
    for (int i = 0; i < n; i++) {
        up[i] = xstrdup(v->words[i]);
        upcase(up[i]);
    }
    Vectors *u = vectors_new(n, v->D, (const char *const *)up);
    for (int i = 0; i < n; i++) free(up[i]);
    free(up);
    memcpy(u->vecs, v->vecs, (size_t)n * v->D * sizeof(float));
    vectors_normalize(u);
    return u;
}

static double pct(long a, long b) { return b > 0 ? 100.0 * (double)a / (double)b : 0.0; }

int w2v_analogy_eval(const Vectors *v, const char *path, int restrict_n, W2vAnalogyResult *res, FILE *log,
                     char *err, size_t errlen) {
    memset(res, 0, sizeof *res);
    size_t len;
    char *text;   /* UTF-8 text without NUL bytes (text.h) */
    if (text_read(path, &text, &len, NULL, err, errlen) != 0) return -1;
    Vectors *u = restricted_copy(v, restrict_n < v->V ? restrict_n : v->V);
    Batch *bt = xcalloc(1, sizeof(Batch));
    float *Q = xmalloc((size_t)ANALOGY_BATCH * u->D * sizeof(float));
    float *S = xmalloc((size_t)ANALOGY_BATCH * u->V * sizeof(float));
    int rc = 0, cap = 0, lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        char *tok[5], *s2 = NULL;
        int nt = 0;
        for (char *t = strtok_r(line, " \t\r", &s2); t && nt < 5; t = strtok_r(NULL, " \t\r", &s2)) tok[nt++] = t;
        if (nt == 0) continue;
        if (strcmp(tok[0], ":") == 0) {
            if (res->nsections == cap) res->sections = xrealloc(res->sections, (size_t)(cap = cap ? 2 * cap : 16) * sizeof(W2vAnalogySection));
            W2vAnalogySection *sec = &res->sections[res->nsections++];
            memset(sec, 0, sizeof *sec);
            snprintf(sec->name, sizeof sec->name, "%s", nt > 1 ? tok[1] : "?");
            continue;
        }
        if (nt != 4 || res->nsections == 0) {
            snprintf(err, errlen, "'%s' line %d: expected a ': section' line or four words", path, lineno);
            rc = -1;
            break;
        }
        int sec = res->nsections - 1, q[4], known = 1;
        for (int k = 0; k < 4; k++) {
            if (strlen(tok[k]) >= W2V_MAX_WORD) tok[k][W2V_MAX_WORD - 1] = '\0';
            upcase(tok[k]);
            q[k] = vectors_find(u, tok[k]);
            known &= q[k] >= 0;
        }
        res->sections[sec].total++;
        res->total++;
        if (!known) continue;
        res->sections[sec].seen++;
        res->seen++;
        if (sec < W2V_ANALOGY_SEMANTIC_SECTIONS) res->sem_seen++;
        else res->syn_seen++;
        memcpy(bt->q[bt->n], q, sizeof q);
        bt->section[bt->n++] = sec;
        if (bt->n == ANALOGY_BATCH) score_batch(u, bt, Q, S, res);
    }
    if (bt->n > 0) score_batch(u, bt, Q, S, res);
    if (rc == 0 && log) {
        fprintf(log, "%-28s %9s %8s %13s\n", "section", "accuracy", "correct", "seen / total");
        for (int i = 0; i < res->nsections; i++) {
            const W2vAnalogySection *s = &res->sections[i];
            fprintf(log, "%-28s %8.2f%% %8ld %6ld / %5ld\n", s->name, pct(s->correct, s->seen), s->correct, s->seen, s->total);
        }
        fprintf(log, "%-28s %8.2f%% %8ld %6ld\n", "semantic", pct(res->sem_correct, res->sem_seen), res->sem_correct, res->sem_seen);
        fprintf(log, "%-28s %8.2f%% %8ld %6ld\n", "syntactic", pct(res->syn_correct, res->syn_seen), res->syn_correct, res->syn_seen);
        fprintf(log, "%-28s %8.2f%% %8ld %6ld / %5ld\n", "total", pct(res->correct, res->seen), res->correct, res->seen, res->total);
        fprintf(log, "questions seen / total: %ld %ld   %.2f %%\n", res->seen, res->total, pct(res->seen, res->total));
    }
    free(Q);
    free(S);
    free(bt);
    vectors_free(u);
    free(text);
    if (rc != 0) w2v_analogy_result_free(res);
    return rc;
}

void w2v_analogy_result_free(W2vAnalogyResult *res) {
    free(res->sections);
    res->sections = NULL;
    res->nsections = 0;
}

/* ---------------------------------------------------------------- similarity */

static const double *rank_values;   /* qsort has no context argument */
static int by_value(const void *a, const void *b) {
    double x = rank_values[*(const int *)a], y = rank_values[*(const int *)b];
    return (x > y) - (x < y);
}

/* 1-based ranks of x (n), ties sharing the mean of their ranks. */
static void rank(double *r, const double *x, int n) {
    int *order = xmalloc((size_t)n * sizeof(int));
    for (int i = 0; i < n; i++) order[i] = i;
    rank_values = x;
    qsort(order, (size_t)n, sizeof(int), by_value);
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && x[order[j + 1]] == x[order[i]]) j++;
        double mean = (i + j) / 2.0 + 1.0;
        for (int k = i; k <= j; k++) r[order[k]] = mean;
        i = j + 1;
    }
    free(order);
}

double w2v_spearman(const double *x, const double *y, int n) {
    if (n < 2) return NAN;
    double *rx = xmalloc((size_t)n * sizeof(double)), *ry = xmalloc((size_t)n * sizeof(double));
    rank(rx, x, n);
    rank(ry, y, n);
    /* Pearson correlation of the ranks (exact with ties, unlike 1 - 6 sum d^2 / ...) */
    double mx = 0, my = 0;
    for (int i = 0; i < n; i++) { mx += rx[i]; my += ry[i]; }
    mx /= n;
    my /= n;
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++) {
        sxy += (rx[i] - mx) * (ry[i] - my);
        sxx += (rx[i] - mx) * (rx[i] - mx);
        syy += (ry[i] - my) * (ry[i] - my);
    }
    free(rx);
    free(ry);
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

/* Row of word as written, else lower-cased; -1 if neither. */
static int find_any_case(const Vectors *v, char *word) {
    int r = vectors_find(v, word);
    if (r >= 0) return r;
    for (char *s = word; *s; s++) *s = (char)tolower((unsigned char)*s);
    return vectors_find(v, word);
}

static double cosine(const float *a, const float *b, int D) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < D; i++) { ab += (double)a[i] * b[i]; aa += (double)a[i] * a[i]; bb += (double)b[i] * b[i]; }
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0.0;
}

int w2v_similarity_eval(const Vectors *v, const char *path, W2vSimilarityResult *res, char *err, size_t errlen) {
    memset(res, 0, sizeof *res);
    res->rho = NAN;
    size_t len;
    char *text;   /* UTF-8 text without NUL bytes (text.h) */
    if (text_read(path, &text, &len, NULL, err, errlen) != 0) return -1;
    int cap = 256, n = 0, lineno = 0, rc = 0;
    double *human = xmalloc((size_t)cap * sizeof(double)), *model = xmalloc((size_t)cap * sizeof(double));
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        char *s2 = NULL, *w1 = strtok_r(line, " \t\r", &s2), *w2 = strtok_r(NULL, " \t\r", &s2),
             *sc = strtok_r(NULL, " \t\r", &s2);
        if (!w1 || w1[0] == '#') continue;
        char *end = NULL;
        double score = sc ? strtod(sc, &end) : 0.0;
        if (!w2 || !sc || *end != '\0') {
            snprintf(err, errlen, "'%s' line %d: expected 'word1 word2 score'", path, lineno);
            rc = -1;
            break;
        }
        res->total++;
        if (strlen(w1) >= W2V_MAX_WORD || strlen(w2) >= W2V_MAX_WORD) continue;
        int a = find_any_case(v, w1), b = find_any_case(v, w2);
        if (a < 0 || b < 0) continue;
        if (n == cap) {
            cap *= 2;
            human = xrealloc(human, (size_t)cap * sizeof(double));
            model = xrealloc(model, (size_t)cap * sizeof(double));
        }
        human[n] = score;
        model[n] = cosine(v->vecs + (size_t)a * v->D, v->vecs + (size_t)b * v->D, v->D);
        n++;
    }
    if (rc == 0) {
        res->found = n;
        res->rho = w2v_spearman(human, model, n);
    }
    free(human);
    free(model);
    free(text);
    return rc;
}

/* ---------------------------------------------------------------- neighbours */

int w2v_nearest(const Vectors *v, const float *q, const int *exclude, int nexclude, int k, int *idx, float *sim) {
    int found = 0;
    for (int w = 0; w < v->V; w++) {
        int skip = 0;
        for (int e = 0; e < nexclude; e++) skip |= exclude[e] == w;
        if (skip) continue;
        const float *x = v->vecs + (size_t)w * v->D;
        float s = 0.0f;
        for (int j = 0; j < v->D; j++) s += q[j] * x[j];
        if (found == k && s <= sim[k - 1]) continue;
        /* insertion into the sorted top k */
        int p = found < k ? found++ : k - 1;
        while (p > 0 && sim[p - 1] < s) {
            sim[p] = sim[p - 1];
            idx[p] = idx[p - 1];
            p--;
        }
        sim[p] = s;
        idx[p] = w;
    }
    return found;
}

/* ---------------------------------------------------------------- PCA */

/* Remove from x (D) its components along the unit rows of prev (nprev, D). */
static void orthogonalize(float *x, const float *prev, int nprev, int D) {
    for (int p = 0; p < nprev; p++) {
        double d = 0.0;
        for (int i = 0; i < D; i++) d += (double)x[i] * prev[(size_t)p * D + i];
        for (int i = 0; i < D; i++) x[i] -= (float)d * prev[(size_t)p * D + i];
    }
}

/* The top eigenvector of the symmetric C (D,D) orthogonal to the nprev rows
 * of prev, by power iteration from a fixed start (deterministic). */
static void top_eigen(float *vec, const float *C, int D, const float *prev, int nprev, float *tmp) {
    for (int i = 0; i < D; i++) vec[i] = 1.0f + 0.01f * (float)(i % 7);
    for (int it = 0; it < 500; it++) {
        orthogonalize(vec, prev, nprev, D);
        matmul(0, 0, D, 1, D, 1.0f, C, vec, 0.0f, tmp);   /* tmp = C vec */
        orthogonalize(tmp, prev, nprev, D);
        double norm = 0.0;
        for (int i = 0; i < D; i++) norm += (double)tmp[i] * tmp[i];
        norm = sqrt(norm);
        if (norm == 0.0) break;
        for (int i = 0; i < D; i++) vec[i] = (float)(tmp[i] / norm);
    }
    /* sign: the largest component positive, so plots do not flip between runs */
    int big = 0;
    for (int i = 1; i < D; i++) if (fabsf(vec[i]) > fabsf(vec[big])) big = i;
    if (vec[big] < 0) for (int i = 0; i < D; i++) vec[i] = -vec[i];
}

void w2v_pca_2d(float *out, const float *X, int n, int D) {
    float *Xc = xmalloc((size_t)n * D * sizeof(float)), *C = xmalloc((size_t)D * D * sizeof(float));
    float *pc = xmalloc((size_t)2 * D * sizeof(float)), *tmp = xmalloc((size_t)D * sizeof(float));
    for (int j = 0; j < D; j++) {
        double mean = 0.0;
        for (int i = 0; i < n; i++) mean += X[(size_t)i * D + j];
        mean /= n;
        for (int i = 0; i < n; i++) Xc[(size_t)i * D + j] = X[(size_t)i * D + j] - (float)mean;
    }
    matmul(1, 0, D, D, n, 1.0f, Xc, Xc, 0.0f, C);   /* C (D,D) = Xc^T Xc */
    top_eigen(pc, C, D, NULL, 0, tmp);
    top_eigen(pc + D, C, D, pc, 1, tmp);             /* the next one, orthogonal to the first */
    matmul(0, 1, n, 2, D, 1.0f, Xc, pc, 0.0f, out);   /* out (n,2) = Xc @ pc^T */
    free(Xc);
    free(C);
    free(pc);
    free(tmp);
}

int w2v_pca_plot(const char *png, const char *const *labels, const float *xy, int n, const char *title) {
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
        fprintf(stderr, "%s: note: gnuplot not found, no plot drawn\n", util_prog());
        return -1;
    }
    size_t plen = strlen(png) + 8;
    char *dat = xmalloc(plen);
    snprintf(dat, plen, "%s.tsv", png);
    FILE *f = xfopen(dat, "w");
    for (int i = 0; i < n; i++) fprintf(f, "%g\t%g\t%s\n", xy[2 * i], xy[2 * i + 1], labels[i]);
    xfclose(f, dat);
    FILE *g = popen("gnuplot", "w");
    if (!g) die("cannot run gnuplot");
    fprintf(g, "set terminal pngcairo size 900,700 font 'sans,11'\nset output '%s'\n", png);
    fprintf(g, "set title '%s'\nset xlabel 'PC 1'\nset ylabel 'PC 2'\nset key off\nset grid\n", title);
    fprintf(g, "set datafile separator '\\t'\n");
    fprintf(g, "plot '%s' using 1:2 with points pt 7 ps 1 lc rgb '#3366aa', "
               "'' using 1:2:3 with labels offset 0.8,0.6 left font 'sans,10'\n", dat);
    int rc = pclose(g);
    free(dat);
    if (rc != 0) {
        fprintf(stderr, "%s: note: gnuplot failed, no plot drawn\n", util_prog());
        return -1;
    }
    return 0;
}
