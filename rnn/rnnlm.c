/* rnnlm.c -- Mikolov's RNNLM: classes, forward, backward, evaluation, files. See rnnlm.h. */
#include "rnn/rnnlm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "matmul.h"
#include "ops.h"
#include "rng.h"
#include "util.h"

#define STAGE "rnnlm"

/* ------------------------------------------------------------ model */

void rnnlm_build(Rnnlm *m, const RnnlmConfig *cfg) {
    if (cfg->V < 2 || cfg->H < 1) die("rnnlm: vocabulary (>= 2) and hidden size (>= 1) must be positive");
    if (cfg->C < 1 || cfg->C > cfg->V)
        die("rnnlm: --classes must be in 1..%d (the vocabulary size), got %d", cfg->V, cfg->C);
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    int V = cfg->V, H = cfg->H, C = cfg->C;
    size_t sizes[4] = { (size_t)V * H, (size_t)H * H, (size_t)C * H, (size_t)V * H };
    m->n_weights = sizes[0] + sizes[1] + sizes[2] + sizes[3];
    m->weights = xcalloc(m->n_weights, sizeof(double));
    m->grads = xcalloc(m->n_weights, sizeof(double));
    double **w[4] = { &m->U, &m->W, &m->X, &m->Y }, **g[4] = { &m->gU, &m->gW, &m->gX, &m->gY };
    for (size_t i = 0, at = 0; i < 4; at += sizes[i], i++) {
        *w[i] = m->weights + at;
        *g[i] = m->grads + at;
    }
    params_init(&m->pt);
    params_add(&m->pt, "U", 2, V, H);
    params_add(&m->pt, "W", 2, H, H);
    params_add(&m->pt, "X", 2, C, H);
    params_add(&m->pt, "Y", 2, V, H);
    params_add(&m->pt, "rest", 2, 2, (int)m->n_weights);
    params_add(&m->pt, "word_class", 1, V);
    params_alloc(&m->pt);
    m->word_class = params_get(&m->pt, "word_class");
    m->cls = xmalloc((size_t)V * sizeof(int));
    m->row = xmalloc((size_t)V * sizeof(int));
    m->word_at = xmalloc((size_t)V * sizeof(int));
    m->class_first = xmalloc((size_t)(C + 1) * sizeof(int));
    /* until binned: every word in class 0 (only valid when C = 1) */
    if (C == 1) rnnlm_set_classes(m);
}

void rnnlm_free(Rnnlm *m) {
    free(m->weights); free(m->grads);
    params_free(&m->pt);
    free(m->cls); free(m->row); free(m->word_at); free(m->class_first);
    memset(m, 0, sizeof *m);
}

void rnnlm_init(Rnnlm *m, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed, 1);
    for (size_t i = 0; i < m->n_weights; i++)
        m->weights[i] = (rng_uniform_double(&r) - 0.5) * 0.2 + (rng_uniform_double(&r) - 0.5) * 0.2 +
                        (rng_uniform_double(&r) - 0.5) * 0.2;
}

/* ------------------------------------------------------------ classes */

static const long *sort_counts;   /* qsort's view of the counts being sorted */

/* Most frequent first; equal counts by id, so the binning is deterministic. */
static int by_count(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    if (sort_counts[x] != sort_counts[y]) return sort_counts[x] > sort_counts[y] ? -1 : 1;
    return (x > y) - (x < y);
}

void rnnlm_bin_classes(Rnnlm *m, const long *counts, int sqrt_mass) {
    int V = m->cfg.V, C = m->cfg.C;
    int *order = xmalloc((size_t)V * sizeof(int));
    for (int w = 0; w < V; w++) order[w] = w;
    sort_counts = counts;
    qsort(order, (size_t)V, sizeof(int), by_count);
    double total = 0.0, mass_sum = 0.0;
    for (int w = 0; w < V; w++) total += (double)counts[w];
    if (total <= 0) die("rnnlm: no word has a count to bin the classes by");
    for (int w = 0; w < V; w++) mass_sum += sqrt_mass ? sqrt(counts[w] / total) : counts[w] / total;
    /* Walk down the sorted words with the running share of the mass; the
     * class moves on when the share passes its next 1/C, or when the words
     * left are just enough to give each remaining class one. */
    double share = 0.0;
    int c = 0;
    for (int i = 0; i < V; i++) {
        int w = order[i];
        share += (sqrt_mass ? sqrt(counts[w] / total) : counts[w] / total) / mass_sum;
        m->word_class[w] = (float)c;
        int words_left = V - 1 - i, classes_left = C - 1 - c;
        if (c < C - 1 && (share > (double)(c + 1) / C || words_left <= classes_left)) c++;
    }
    free(order);
    if (rnnlm_set_classes(m)) die("rnnlm: binning left a class empty");
}

int rnnlm_set_classes(Rnnlm *m) {
    int V = m->cfg.V, C = m->cfg.C;
    memset(m->class_first, 0, (size_t)(C + 1) * sizeof(int));
    for (int w = 0; w < V; w++) {
        float f = m->word_class[w];
        if (!(f >= 0.0f && f < (float)C) || f != floorf(f)) return -1;
        m->cls[w] = (int)f;
        m->class_first[m->cls[w] + 1]++;
    }
    m->max_class = 0;
    for (int c = 0; c < C; c++) {
        if (m->class_first[c + 1] == 0) return -1;
        if (m->class_first[c + 1] > m->max_class) m->max_class = m->class_first[c + 1];
        m->class_first[c + 1] += m->class_first[c];
    }
    /* rows in class order, the words of a class in id order */
    int *next = xmalloc((size_t)C * sizeof(int));
    memcpy(next, m->class_first, (size_t)C * sizeof(int));
    for (int w = 0; w < V; w++) {
        m->row[w] = next[m->cls[w]]++;
        m->word_at[m->row[w]] = w;
    }
    free(next);
    return 0;
}

/* ------------------------------------------------------------ step buffers */

void rnnlm_step_build(RnnlmStep *st, const Rnnlm *m) {
    int wide = m->cfg.C > m->max_class ? m->cfg.C : m->max_class;
    st->s = xcalloc((size_t)m->cfg.H, sizeof(double));
    st->pc = xcalloc((size_t)m->cfg.C, sizeof(double));
    st->pw = xcalloc((size_t)m->max_class, sizeof(double));
    st->z = xcalloc((size_t)wide, sizeof(double));
    st->dz = xcalloc((size_t)wide, sizeof(double));
    st->threads = get_threads();
    st->ds_part = xcalloc((size_t)(st->threads > 1 ? st->threads - 1 : 1) * m->cfg.H, sizeof(double));
}

void rnnlm_step_free(RnnlmStep *st) {
    free(st->s); free(st->pc); free(st->pw); free(st->z); free(st->dz); free(st->ds_part);
    memset(st, 0, sizeof *st);
}

void rnnlm_reset(const Rnnlm *m, RnnlmStep *st) {
    for (int i = 0; i < m->cfg.H; i++) st->s[i] = 0.1;
}

/* ------------------------------------------------------------ forward */

/* Output rows below this many weights take one thread: a fork would cost more. */
#define SWEEP_PARALLEL_MIN 65536

/* The threads a sweep over n rows of H weights takes. */
static int sweep_threads(const RnnlmStep *st, int n, int H) {
    return (size_t)n * H >= SWEEP_PARALLEL_MIN ? st->threads : 1;
}

/* The first row of thread t's contiguous share of n rows among T threads. */
static int share_start(int n, int t, int T) { return (int)((long)n * t / T); }

/* s = sigmoid(s) in place. */
static void sigmoid_inplace(double *s, int n) {
    for (int i = 0; i < n; i++) s[i] = 1.0 / (1.0 + exp(-s[i]));
}

void rnnlm_hidden_forward(const Rnnlm *m, double *s_next, const double *s_prev, int w) {
    int H = m->cfg.H;
    if (w < 0 || w >= m->cfg.V) die("rnnlm: token id %d outside the vocabulary of %d", w, m->cfg.V);
    dmatvec(0, H, H, 1.0, m->W, s_prev, 0.0, s_next);
    const double *u = m->U + (size_t)w * H;   /* U times a one-hot input: a row */
    for (int i = 0; i < H; i++) s_next[i] += u[i];
    sigmoid_inplace(s_next, H);
}

/* p = softmax(z) over n entries; returns -log p[target] in nats (0 when target < 0). */
static double softmax(double *p, const double *z, int n, int target) {
    double max = z[0], sum = 0.0;
    for (int i = 1; i < n; i++) max = z[i] > max ? z[i] : max;
    for (int i = 0; i < n; i++) sum += p[i] = exp(z[i] - max);
    for (int i = 0; i < n; i++) p[i] /= sum;
    return target < 0 ? 0.0 : log(sum) - (z[target] - max);
}

/*
 * One row's dot product with s. `omp simd reduction` lets the compiler sum
 * in vector lanes (a plain loop must add in order, one at a time); every
 * sweep below calls this same function, so a product comes out the same,
 * to the bit, whichever sweep computes it.
 */
static inline double row_dot(const double *restrict x, const double *restrict s, int H) {
    double sum = 0.0;
    #pragma omp simd reduction(+ : sum)
    for (int i = 0; i < H; i++) sum += x[i] * s[i];
    return sum;
}

/* z[r] = rows[r] . s for r in [lo, hi). */
static void dot_rows_range(int lo, int hi, int H, const double *rows, const double *s, double *z) {
    for (int r = lo; r < hi; r++) z[r] = row_dot(rows + (size_t)r * H, s, H);
}

/* The same over st->threads threads when large, with a fixed split, so a run
 * is the same for a given thread count (unlike dgemv's own threads). */
static void dot_rows(const RnnlmStep *st, int n, int H, const double *rows, const double *s, double *z) {
    int T = sweep_threads(st, n, H);
    #pragma omp parallel for num_threads(T) schedule(static, 1) if (T > 1)
    for (int t = 0; t < T; t++) dot_rows_range(share_start(n, t, T), share_start(n, t + 1, T), H, rows, s, z);
}

/* The rows of Y that class c owns, and how many. */
static double *class_rows(const Rnnlm *m, double *Y, int c, int *n) {
    *n = m->class_first[c + 1] - m->class_first[c];
    return Y + (size_t)m->class_first[c] * m->cfg.H;
}

/* next's place among the words of its class. */
static int place_in_class(const Rnnlm *m, int next) { return m->row[next] - m->class_first[m->cls[next]]; }

double rnnlm_output_forward(const Rnnlm *m, RnnlmStep *st, const double *s, int next) {
    int H = m->cfg.H, C = m->cfg.C, c = m->cls[next], n;
    dot_rows(st, C, H, m->X, s, st->z);
    double nats = softmax(st->pc, st->z, C, c);
    const double *Yc = class_rows(m, m->Y, c, &n);
    dot_rows(st, n, H, Yc, s, st->z);
    return nats + softmax(st->pw, st->z, n, place_in_class(m, next));
}

void rnnlm_distribution(const Rnnlm *m, RnnlmStep *st, const double *s, double *p) {
    int H = m->cfg.H, C = m->cfg.C, n;
    dot_rows(st, C, H, m->X, s, st->z);
    softmax(st->pc, st->z, C, -1);
    for (int c = 0; c < C; c++) {
        const double *Yc = class_rows(m, m->Y, c, &n);
        dot_rows(st, n, H, Yc, s, st->z);
        softmax(st->pw, st->z, n, -1);
        for (int k = 0; k < n; k++) p[m->word_at[m->class_first[c] + k]] = st->pc[c] * st->pw[k];
    }
}

/* ------------------------------------------------------------ backward */

/*
 * ds += rows^T dz and drows += alpha dz s^T in one sweep over the rows, as the
 * toolkit does: each row sends its share of the gradient back to s before it
 * takes its step (drows may be rows itself). One read of the rows instead of
 * the two of a dgemv and a dger: the output layer is bound by memory, and
 * with one class per word (a full softmax) it is most of the work.
 * With s_next, each row, once it has moved, also gives the next word's logit
 * z[r] = rows[r] . s_next (rnnlm_output_step): the next word's forward pass
 * rides on the same sweep, as it would read the moved row anyway.
 */
static void sweep_rows(int lo, int hi, int H, const double *dz, const double *rows, double *drows,
                       const double *restrict s, double alpha, double *restrict ds, const double *s_next,
                       double *z) {
    for (int r = lo; r < hi; r++) {
        const double *x = rows + (size_t)r * H;
        double *dx = drows + (size_t)r * H, d = dz[r], a = alpha * dz[r];
        for (int i = 0; i < H; i++) ds[i] += d * x[i];
        for (int i = 0; i < H; i++) dx[i] += a * s[i];
        if (s_next) z[r] = row_dot(x, s_next, H);
    }
}

/*
 * The sweep over st->threads threads: each takes a contiguous share of the
 * rows and sums its part of ds apart (thread 0 into ds itself), then the parts
 * are added in thread order, so a run is the same for a given thread count.
 */
static void backprop_rows(const RnnlmStep *st, int n, int H, const double *dz, const double *rows, double *drows,
                          const double *s, double alpha, double *ds, const double *s_next, double *z) {
    int T = sweep_threads(st, n, H);
    if (T <= 1) { sweep_rows(0, n, H, dz, rows, drows, s, alpha, ds, s_next, z); return; }
    memset(st->ds_part, 0, (size_t)(T - 1) * H * sizeof(double));
    #pragma omp parallel for num_threads(T) schedule(static, 1)
    for (int t = 0; t < T; t++) {
        double *part = t == 0 ? ds : st->ds_part + (size_t)(t - 1) * H;
        sweep_rows(share_start(n, t, T), share_start(n, t + 1, T), H, dz, rows, drows, s, alpha, part, s_next, z);
    }
    for (int t = 1; t < T; t++)
        for (int i = 0; i < H; i++) ds[i] += st->ds_part[(size_t)(t - 1) * H + i];
}

/* dz = p - onehot(target) over n entries: the softmax's gradient of -log p[target]. */
static void softmax_grad(double *dz, const double *p, int n, int target) {
    for (int i = 0; i < n; i++) dz[i] = p[i];
    dz[target] -= 1.0;
}

void rnnlm_output_backward(const Rnnlm *m, const RnnlmStep *st, double *ds, double *dX, double *dY,
                           const double *s, int next, double alpha) {
    int H = m->cfg.H, C = m->cfg.C, c = m->cls[next], n;
    /* the word within its class first, then the class: ds gets each layer's
     * share before that layer moves */
    const double *Yc = class_rows(m, m->Y, c, &n);
    softmax_grad(st->dz, st->pw, n, place_in_class(m, next));
    backprop_rows(st, n, H, st->dz, Yc, dY + (size_t)m->class_first[c] * H, s, alpha, ds, NULL, NULL);
    softmax_grad(st->dz, st->pc, C, c);
    backprop_rows(st, C, H, st->dz, m->X, dX, s, alpha, ds, NULL, NULL);
}

double rnnlm_output_step(const Rnnlm *m, RnnlmStep *st, double *ds, const double *s, int next, double lr,
                         const double *s_next, int next2) {
    int H = m->cfg.H, C = m->cfg.C, c = m->cls[next], c2 = m->cls[next2], n, n2;
    double *Yc = class_rows(m, m->Y, c, &n), *Yc2 = class_rows(m, m->Y, c2, &n2);
    double nats = 0.0;
    /* the word within its class: when next2 shares next's class, its word
     * logits come from the same sweep, else from their own after it */
    softmax_grad(st->dz, st->pw, n, place_in_class(m, next));
    backprop_rows(st, n, H, st->dz, Yc, Yc, s, -lr, ds, c2 == c ? s_next : NULL, st->z);
    if (c2 == c) nats += softmax(st->pw, st->z, n, place_in_class(m, next2));
    /* the class layer, every row of which both words read */
    softmax_grad(st->dz, st->pc, C, c);
    backprop_rows(st, C, H, st->dz, m->X, m->X, s, -lr, ds, s_next, st->z);
    nats += softmax(st->pc, st->z, C, c2);
    if (c2 != c) {
        dot_rows(st, n2, H, Yc2, s_next, st->z);
        nats += softmax(st->pw, st->z, n2, place_in_class(m, next2));
    }
    return nats;
}

/* x = min(max(x, -limit), limit). */
static double clip(double x, double limit) { return x > limit ? limit : x < -limit ? -limit : x; }

void rnnlm_bptt(const Rnnlm *m, double *dU, double *dW, const int *word, const double *s, const double *ds, int n,
                double *dz, double *carry, double alpha) {
    int H = m->cfg.H;
    memcpy(carry, ds + (size_t)(n - 1) * H, (size_t)H * sizeof(double));
    for (int k = n - 1; k >= 0; k--) {
        double *dzk = dz + (size_t)k * H;
        const double *sk = s + (size_t)(k + 1) * H;
        for (int i = 0; i < H; i++) dzk[i] = carry[i] * sk[i] * (1.0 - sk[i]);   /* through s[k+1] = sigmoid(z_k) */
        double *u = dU + (size_t)word[k] * H;
        for (int i = 0; i < H; i++) u[i] += alpha * dzk[i];
        if (k == 0) break;
        /* one step further back: W^T dz, each entry clipped (the toolkit's
         * gradient_cutoff), plus what step k-1's own output sent to s[k] */
        dmatvec(1, H, H, 1.0, m->W, dzk, 0.0, carry);
        const double *dsk = ds + (size_t)(k - 1) * H;
        for (int i = 0; i < H; i++) carry[i] = clip(carry[i], RNNLM_GRADIENT_CUTOFF) + dsk[i];
    }
    /* dW += alpha * sum_k dz_k s[k]^T: every step's outer product in one dgemm */
    dmatmul(1, 0, H, H, n, alpha, dz, s, 1.0, dW);
}

/* ------------------------------------------------------------ evaluation */

double rnnlm_evaluate(const Rnnlm *m, const int *stream, size_t n) {
    if (n < 2) die("evaluation needs at least two tokens");
    RnnlmStep st;
    rnnlm_step_build(&st, m);
    rnnlm_reset(m, &st);
    double *next = xmalloc((size_t)m->cfg.H * sizeof(double));
    double nats = 0.0;
    for (size_t t = 0; t + 1 < n; t++) {
        rnnlm_hidden_forward(m, next, st.s, stream[t]);
        if (stream[t + 1] < 0 || stream[t + 1] >= m->cfg.V) die("rnnlm: token id %d outside the vocabulary", stream[t + 1]);
        nats += rnnlm_output_forward(m, &st, next, stream[t + 1]);
        double *tmp = st.s; st.s = next; next = tmp;
    }
    free(next);
    rnnlm_step_free(&st);
    return nats / (double)(n - 1);
}

/* ------------------------------------------------------------ files */

/* DIR/model.ckpt and DIR/vocab.txt, or a .ckpt path with vocab.txt beside it. */
static void file_paths(const char *path, char *ckpt, char *vocab, size_t n) {
    size_t len = strlen(path);
    if (len > 5 && strcmp(path + len - 5, ".ckpt") == 0) {
        snprintf(ckpt, n, "%s", path);
        const char *slash = strrchr(path, '/');
        if (slash) snprintf(vocab, n, "%.*s/vocab.txt", (int)(slash - path), path);
        else snprintf(vocab, n, "vocab.txt");
    } else {
        snprintf(ckpt, n, "%s/model.ckpt", path);
        snprintf(vocab, n, "%s/vocab.txt", path);
    }
}

/*
 * The checkpoint's image of the double weights: a = the float nearest w,
 * b = the float nearest w - a, c = w - a - b (exact: w - a has at most 29
 * significant bits, b takes 24 of them). a + b + c in double is w again,
 * for any |w| whose last remainder is not below float's normal range (~1e-23).
 */
static void split_weights(Rnnlm *m) {
    float *a = params_get(&m->pt, "U"), *rest = params_get(&m->pt, "rest");   /* U, W, X, Y are adjacent */
    float *b = rest, *c = rest + m->n_weights;
    for (size_t i = 0; i < m->n_weights; i++) {
        double w = m->weights[i];
        a[i] = (float)w;
        b[i] = (float)(w - a[i]);
        c[i] = (float)(w - a[i] - b[i]);
    }
}

static void join_weights(Rnnlm *m) {
    const float *a = params_get(&m->pt, "U"), *rest = params_get(&m->pt, "rest");
    const float *b = rest, *c = rest + m->n_weights;
    for (size_t i = 0; i < m->n_weights; i++) m->weights[i] = ((double)a[i] + b[i]) + c[i];
}

void rnnlm_save(Rnnlm *m, const Vocab *v, const char *dir, long step, const char *train_state) {
    char cfg[2048], path[4096];
    split_weights(m);
    make_dirs(dir);
    snprintf(cfg, sizeof cfg, "kind=rnnlm\nvocab=%d\nhidden=%d\nclasses=%d\n%s", m->cfg.V, m->cfg.H, m->cfg.C,
             train_state ? train_state : "");
    snprintf(path, sizeof path, "%s/vocab.txt", dir);
    vocab_save(v, path);
    snprintf(path, sizeof path, "%s/model.ckpt", dir);
    checkpoint_save(path, STAGE, cfg, &m->pt, step, 0);
}

int rnnlm_is_checkpoint(const char *path) {
    char ckpt[4096], vocab[4096];
    file_paths(path, ckpt, vocab, sizeof ckpt);
    return checkpoint_is_stage(ckpt, STAGE);
}

void rnnlm_load(Rnnlm *m, Vocab **v, const char *path, char **config) {
    char ckpt[4096], vocab[4096], err[512];
    file_paths(path, ckpt, vocab, sizeof ckpt);
    CheckpointInfo ck;
    if (checkpoint_read(ckpt, STAGE, &ck, err, sizeof err)) die("%s", err);
    RnnlmConfig cfg = { (int)config_long(ck.config, "vocab", 0), (int)config_long(ck.config, "hidden", 0),
                        (int)config_long(ck.config, "classes", 0) };
    if (cfg.V < 2 || cfg.H < 1 || cfg.C < 1 || cfg.C > cfg.V) die("'%s': not an RNNLM checkpoint (bad config)", ckpt);
    rnnlm_build(m, &cfg);
    if (checkpoint_restore(&ck, &m->pt, err, sizeof err)) die("'%s': %s", ckpt, err);
    join_weights(m);
    if (config) *config = xstrdup(ck.config);
    checkpoint_free(&ck);
    if (rnnlm_set_classes(m)) die("'%s': its word classes are damaged", ckpt);
    if (vocab_read(vocab, v, err, sizeof err)) die("%s", err);
    if ((*v)->size != cfg.V)
        die("'%s' has %d tokens but the model in '%s' expects %d", vocab, (*v)->size, ckpt, cfg.V);
}

/* ------------------------------------------------------------ sampling */

static void append(char **buf, size_t *len, size_t *cap, const char *s) {
    size_t n = strlen(s);
    while (*len + n + 1 > *cap) { *cap = *cap * 2 + 64; *buf = xrealloc(*buf, *cap); }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

char *rnnlm_sample(const Rnnlm *m, const Vocab *v, const char *prime, int n, const SamplerConfig *s,
                   uint64_t seed) {
    sampler_check(s);
    if (v->kind != VOCAB_WORD) die("rnnlm: sampling needs a word vocabulary");
    int V = m->cfg.V, H = m->cfg.H;
    RnnlmStep st;
    rnnlm_step_build(&st, m);
    rnnlm_reset(m, &st);
    Rng rng;
    rng_seed(&rng, seed, 3);
    double *next = xmalloc((size_t)H * sizeof(double)), *p = xmalloc((size_t)V * sizeof(double));
    float *logp = xmalloc((size_t)V * sizeof(float)), *probs = xmalloc((size_t)V * sizeof(float));
    int *order = xmalloc((size_t)V * sizeof(int));
    /* a prime starts a sentence: </s> first, as every stream does */
    size_t np = prime && *prime ? vocab_encode(v, prime, strlen(prime), NULL, 0) : 0;
    int *ids = xmalloc((np + 1) * sizeof(int));
    ids[0] = VOCAB_EOS;
    if (np) vocab_encode(v, prime, strlen(prime), ids + 1, np);
    char *out = NULL;
    size_t len = 0, cap = 0;
    append(&out, &len, &cap, prime ? prime : "");
    for (size_t i = 0; i < np + 1 + (size_t)n; i++) {
        int tok = i <= np ? ids[i] : -1;
        if (tok < 0) {   /* past the prime: draw from log P(w | s), never <s> or <pad> */
            rnnlm_distribution(m, &st, st.s, p);
            for (int w = 0; w < V; w++) logp[w] = p[w] > 0.0 ? (float)log(p[w]) : -INFINITY;
            logp[VOCAB_BOS] = logp[VOCAB_PAD] = -INFINITY;
            tok = sampler_draw(s, logp, V, probs, order, &rng);
            if (len > 0 && out[len - 1] != '\n') append(&out, &len, &cap, " ");
            append(&out, &len, &cap, tok == VOCAB_EOS ? "\n" : vocab_token(v, tok));
        }
        rnnlm_hidden_forward(m, next, st.s, tok);
        double *tmp = st.s; st.s = next; next = tmp;
    }
    free(ids); free(next); free(p); free(logp); free(probs); free(order);
    rnnlm_step_free(&st);
    return out;
}
