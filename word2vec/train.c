/* train.c -- word2vec training: CBOW / skip-gram, NS / HS, Hogwild threads. See train.h. */
#include "word2vec/train.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "util.h"

void w2v_config_default(W2vConfig *cfg) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    *cfg = (W2vConfig){
        .cbow = 1, .size = 100, .window = 5, .sample = 1e-3, .hs = 0, .negative = 5,
        .threads = cores > 0 ? (int)cores : 1, .iter = 5, .min_count = 5, .alpha = -1.0f,
        .seed = 1, .quiet = 0,
    };
}

/* ---------------------------------------------------------------- small vector kernels */

/* The time goes into these two loops over D floats; omp simd lets the
 * compiler vectorise the reduction without -ffast-math. */
static inline float dot(const float *a, const float *b, int D) {
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (int i = 0; i < D; i++) s += a[i] * b[i];
    return s;
}

/* y += a x */
static inline void axpy(float *y, float a, const float *x, int D) {
#pragma omp simd
    for (int i = 0; i < D; i++) y[i] += a * x[i];
}

/* ---------------------------------------------------------------- sigmoid table */

void w2v_exp_table_init(float *table) {
    for (int i = 0; i < W2V_EXP_TABLE_SIZE; i++) {
        double e = exp(((double)i / W2V_EXP_TABLE_SIZE * 2.0 - 1.0) * W2V_MAX_EXP);
        table[i] = (float)(e / (e + 1.0));
    }
}

/* s(f) for |f| < 6 from the table. (The original computes the index scale
 * EXP_TABLE_SIZE / MAX_EXP / 2 in integers, 83 instead of 83.33, which reads
 * s(f - 0.024) near zero; we use the exact scale.) */
static inline float table_sigmoid(const float *table, float f) {
    int i = (int)((f + W2V_MAX_EXP) * ((float)W2V_EXP_TABLE_SIZE / W2V_MAX_EXP / 2));
    return table[i < W2V_EXP_TABLE_SIZE ? i : W2V_EXP_TABLE_SIZE - 1];
}

/* ---------------------------------------------------------------- the two objectives */

void w2v_ns_step(float *dh, float *syn1neg, const float *h, const int *targets, int n,
                 float alpha, int D, const float *exp_table) {
    for (int k = 0; k < n; k++) {
        float *u = syn1neg + (size_t)targets[k] * D;
        float label = k == 0 ? 1.0f : 0.0f;
        float f = dot(h, u, D), g;
        if (!exp_table) g = (label - 1.0f / (1.0f + expf(-f))) * alpha;
        else if (f > W2V_MAX_EXP) g = (label - 1.0f) * alpha;
        else if (f < -W2V_MAX_EXP) g = label * alpha;
        else g = (label - table_sigmoid(exp_table, f)) * alpha;
        axpy(dh, g, u, D);   /* with u before its update, as the original */
        axpy(u, g, h, D);
    }
}

void w2v_hs_step(float *dh, float *syn1, const float *h, const int *points, const uint8_t *codes,
                 int codelen, float alpha, int D, const float *exp_table) {
    for (int d = 0; d < codelen; d++) {
        float *v = syn1 + (size_t)points[d] * D;
        float f = dot(h, v, D), s;
        if (!exp_table) s = 1.0f / (1.0f + expf(-f));
        else if (f <= -W2V_MAX_EXP || f >= W2V_MAX_EXP) continue;
        else s = table_sigmoid(exp_table, f);
        /* the label of branch code is 1 - code: g = (1 - code - s) alpha */
        float g = (1.0f - codes[d] - s) * alpha;
        axpy(dh, g, v, D);
        axpy(v, g, h, D);
    }
}

double w2v_keep_probability(long long count, double sample, long long train_words) {
    double st = sample * (double)train_words;
    return (sqrt((double)count / st) + 1.0) * st / (double)count;
}

/* ---------------------------------------------------------------- alias sampling */

/*
 * Walker's alias method (Vose 1991's stable build): n columns of height 1/n;
 * column i keeps its own index with probability prob[i] and gives alias[i]
 * otherwise. Overfull columns top up the underfull ones, so building is O(n)
 * and a draw is one uniform column plus one coin.
 */
void w2v_unigram_build(W2vUnigram *u, const long long *counts, int n, double power) {
    u->n = n;
    u->prob = xmalloc((size_t)n * sizeof(float));
    u->alias = xmalloc((size_t)n * sizeof(int));
    double *scaled = xmalloc((size_t)n * sizeof(double)), total = 0.0;
    for (int i = 0; i < n; i++) total += pow((double)counts[i], power);
    int *small = xmalloc((size_t)n * sizeof(int)), *large = xmalloc((size_t)n * sizeof(int));
    int ns = 0, nl = 0;
    for (int i = 0; i < n; i++) {
        scaled[i] = pow((double)counts[i], power) / total * n;
        if (scaled[i] < 1.0) small[ns++] = i;
        else large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
        int s = small[--ns], l = large[--nl];
        u->prob[s] = (float)scaled[s];
        u->alias[s] = l;
        scaled[l] -= 1.0 - scaled[s];
        if (scaled[l] < 1.0) small[ns++] = l;
        else large[nl++] = l;
    }
    /* what is left is full up to rounding */
    while (nl > 0) { int l = large[--nl]; u->prob[l] = 1.0f; u->alias[l] = l; }
    while (ns > 0) { int s = small[--ns]; u->prob[s] = 1.0f; u->alias[s] = s; }
    free(scaled);
    free(small);
    free(large);
}

int w2v_unigram_draw(const W2vUnigram *u, Rng *rng) {
    int i = (int)(((uint64_t)rng_u32(rng) * (uint64_t)u->n) >> 32);
    return rng_uniform(rng) < u->prob[i] ? i : u->alias[i];
}

void w2v_unigram_free(W2vUnigram *u) {
    free(u->prob);
    free(u->alias);
    u->prob = NULL;
    u->alias = NULL;
}

/* ---------------------------------------------------------------- the model */

static float *alloc_table(size_t n) {
    void *p;
    if (posix_memalign(&p, 64, n * sizeof(float)) != 0) die("out of memory for a %zu-float table", n);
    return p;
}

W2vModel *w2v_model_new(const W2vConfig *cfg, W2vVocab *vocab) {
    if (cfg->hs == 0 && cfg->negative == 0) die("nothing to train: set --hs 1 or --negative > 0");
    W2vModel *m = xcalloc(1, sizeof(W2vModel));
    m->cfg = *cfg;
    if (m->cfg.alpha < 0) m->cfg.alpha = cfg->cbow ? 0.05f : 0.025f;
    m->vocab = vocab;
    m->V = vocab->size;
    m->D = cfg->size;
    size_t VD = (size_t)m->V * m->D;
    m->syn0 = alloc_table(VD);
    Rng rng;
    rng_seed(&rng, cfg->seed, 0);
    for (size_t i = 0; i < VD; i++) m->syn0[i] = (rng_uniform(&rng) - 0.5f) / m->D;
    if (cfg->hs) {
        w2v_vocab_huffman(vocab);
        m->syn1 = alloc_table(VD);
        memset(m->syn1, 0, VD * sizeof(float));
    }
    if (cfg->negative > 0) {
        m->syn1neg = alloc_table(VD);
        memset(m->syn1neg, 0, VD * sizeof(float));
        w2v_unigram_build(&m->unigram, vocab->counts, m->V, 0.75);
    }
    m->keep = xmalloc((size_t)m->V * sizeof(float));
    for (int w = 0; w < m->V; w++)
        m->keep[w] = cfg->sample > 0 && vocab->counts[w] > 0
                   ? (float)w2v_keep_probability(vocab->counts[w], cfg->sample, vocab->train_words) : 2.0f;
    w2v_exp_table_init(m->exp_table);
    return m;
}

void w2v_model_free(W2vModel *m) {
    if (!m) return;
    free(m->syn0);
    free(m->syn1);
    free(m->syn1neg);
    free(m->keep);
    w2v_unigram_free(&m->unigram);
    w2v_vocab_free(m->vocab);
    free(m);
}

Vectors *w2v_vectors(const W2vModel *m) {
    Vectors *v = vectors_new(m->V, m->D, (const char *const *)m->vocab->words);
    memcpy(v->vecs, m->syn0, (size_t)m->V * m->D * sizeof(float));
    return v;
}

/* ---------------------------------------------------------------- Hogwild training */

typedef struct {
    W2vModel *m;
    const int *ids;
    size_t start, end;          /* this thread's chunk of the corpus */
    int id;
    atomic_llong *words_done;   /* shared: words processed by all threads */
    long long total;            /* iter * corpus words: when alpha reaches its floor */
    double t0;
} Worker;

/* A negative for word: alias draw, </s> replaced as the original does. */
static inline int draw_negative(const W2vModel *m, Rng *rng) {
    int t = w2v_unigram_draw(&m->unigram, rng);
    if (t == 0) t = 1 + (int)rng_below(rng, (uint32_t)(m->V - 1));
    return t;
}

/* One prediction of word from hidden vector h: HS and/or NS, accumulating dh. */
static void predict(const W2vModel *m, Rng *rng, int word, const float *h, float *dh, int *targets, float alpha) {
    const W2vVocab *v = m->vocab;
    int D = m->D;
    if (m->syn1)
        w2v_hs_step(dh, m->syn1, h, v->points + (size_t)word * W2V_MAX_CODE, v->codes + (size_t)word * W2V_MAX_CODE,
                    v->codelen[word], alpha, D, m->exp_table);
    if (m->syn1neg) {
        int n = 0;
        targets[n++] = word;
        for (int k = 0; k < m->cfg.negative; k++) {
            int t = draw_negative(m, rng);
            if (t != word) targets[n++] = t;
        }
        w2v_ns_step(dh, m->syn1neg, h, targets, n, alpha, D, m->exp_table);
    }
}

/* Train on one sentence sen (len words). neu1, neu1e (D) and targets are scratch. */
static void train_sentence(W2vModel *m, Rng *rng, const int *sen, int len, float alpha,
                           float *neu1, float *neu1e, int *targets) {
    int D = m->D, W = m->cfg.window;
    for (int p = 0; p < len; p++) {
        int word = sen[p];
        int b = (int)rng_below(rng, (uint32_t)W);   /* effective window W - b */
        if (m->cfg.cbow) {
            memset(neu1, 0, (size_t)D * sizeof(float));
            memset(neu1e, 0, (size_t)D * sizeof(float));
            int cw = 0;
            for (int a = b; a < 2 * W + 1 - b; a++) {
                int c = p - W + a;
                if (a == W || c < 0 || c >= len) continue;
                axpy(neu1, 1.0f, m->syn0 + (size_t)sen[c] * D, D);
                cw++;
            }
            if (cw == 0) continue;
            for (int i = 0; i < D; i++) neu1[i] /= (float)cw;
            predict(m, rng, word, neu1, neu1e, targets, alpha);
            for (int a = b; a < 2 * W + 1 - b; a++) {
                int c = p - W + a;
                if (a == W || c < 0 || c >= len) continue;
                axpy(m->syn0 + (size_t)sen[c] * D, 1.0f, neu1e, D);
            }
        } else {
            for (int a = b; a < 2 * W + 1 - b; a++) {
                int c = p - W + a;
                if (a == W || c < 0 || c >= len) continue;
                float *h = m->syn0 + (size_t)sen[c] * D;
                memset(neu1e, 0, (size_t)D * sizeof(float));
                predict(m, rng, word, h, neu1e, targets, alpha);
                axpy(h, 1.0f, neu1e, D);
            }
        }
    }
}

static float current_alpha(const W2vModel *m, long long done, long long total) {
    float a0 = m->cfg.alpha, a = a0 * (1.0f - (float)((double)done / (double)(total + 1)));
    return a < a0 * 1e-4f ? a0 * 1e-4f : a;
}

static void *worker_main(void *arg) {
    Worker *wk = arg;
    W2vModel *m = wk->m;
    long long total = wk->total;
    Rng rng;
    rng_seed(&rng, m->cfg.seed, 1000 + (uint64_t)wk->id);
    float *neu1 = xmalloc((size_t)m->D * sizeof(float)), *neu1e = xmalloc((size_t)m->D * sizeof(float));
    int *targets = xmalloc((size_t)(m->cfg.negative + 1) * sizeof(int));
    int sen[W2V_MAX_SENTENCE];
    float alpha = m->cfg.alpha;
    for (int it = 0; it < m->cfg.iter; it++) {
        size_t pos = wk->start;
        long long word_count = 0, last_word_count = 0;
        while (pos < wk->end) {
            if (word_count - last_word_count > 10000) {
                long long done = atomic_fetch_add_explicit(wk->words_done, word_count - last_word_count,
                                                           memory_order_relaxed) + word_count - last_word_count;
                last_word_count = word_count;
                alpha = current_alpha(m, done, total);
                if (wk->id == 0 && !m->cfg.quiet)
                    progress_update(done, NAN, done / (now_seconds() - wk->t0));
            }
            /* read a sentence: up to </s> or 1000 kept words, subsampling on the way */
            int len = 0;
            while (pos < wk->end) {
                int w = wk->ids[pos++];
                word_count++;
                if (w == 0) break;
                if (m->keep[w] < rng_uniform(&rng)) continue;
                sen[len++] = w;
                if (len >= W2V_MAX_SENTENCE) break;
            }
            train_sentence(m, &rng, sen, len, alpha, neu1, neu1e, targets);
        }
        atomic_fetch_add_explicit(wk->words_done, word_count - last_word_count, memory_order_relaxed);
    }
    free(neu1);
    free(neu1e);
    free(targets);
    return NULL;
}

double w2v_train(W2vModel *m, const int *ids, size_t n) {
    int T = m->cfg.threads;
    if ((size_t)T > n) T = n > 0 ? (int)n : 1;
    atomic_llong words_done = 0;
    Worker *wk = xmalloc((size_t)T * sizeof(Worker));
    pthread_t *th = xmalloc((size_t)T * sizeof(pthread_t));
    double t0 = now_seconds();
    if (!m->cfg.quiet) progress_start((long)m->cfg.iter * (long)n, "word2vec");
    for (int t = 0; t < T; t++) {
        wk[t] = (Worker){m, ids, n * t / T, n * (t + 1) / T, t, &words_done, (long long)m->cfg.iter * (long long)n, t0};
        if (T == 1) worker_main(&wk[0]);   /* in this thread: reproducible, debuggable */
        else if (pthread_create(&th[t], NULL, worker_main, &wk[t]) != 0) die("cannot start training thread %d", t);
    }
    if (T > 1)
        for (int t = 0; t < T; t++) pthread_join(th[t], NULL);
    if (!m->cfg.quiet) progress_end();
    double secs = now_seconds() - t0;
    free(wk);
    free(th);
    return (double)m->cfg.iter * (double)n / (secs > 0 ? secs : 1e-9);
}
