/*
 * test_rnn_rnnlm.c -- Mikolov's RNNLM of rnn/rnnlm.h (Chapter 3).
 *
 *   - classes: sqrt-frequency and frequency binning of hand-counted words
 *     give the classes worked out by hand (they differ), and more classes
 *     than words still leave none empty;
 *   - the class-factored probabilities of every word sum to 1, and each is
 *     exp(-loss) of the output layer for that word;
 *   - PyTorch fixture (tests/ref/ref_rnnlm.py): the same tiny model (V=9,
 *     H=5, C=3) over 6 words with autograd in double: the summed loss and
 *     the gradient of U, W, X, Y (abs tol 1e-5: the fixture's weights are
 *     floats), through rnnlm_output_backward and one rnnlm_bptt over all 6
 *     steps;
 *   - gradient check of the same, in double, against central differences;
 *   - the output layer's rows split over two threads give the one-thread
 *     loss and gradients (one class, and a class per word);
 *   - the fused online step (rnnlm_output_step) gives, bit for bit, the
 *     weights, ds, loss and probabilities of rnnlm_output_backward followed
 *     by rnnlm_output_forward, on one thread and two, whether or not the
 *     next word shares the class;
 *   - a saved model loads back to the same doubles (the three-float split);
 *   - the online trainer (BPTT every 3 words) learns a tiny corpus of
 *     repeated sentences far below the uniform perplexity; the saved model
 *     loads back and scores the same; `rnn lm-eval` and `rnn sample` read
 *     it;
 *   - resume: stopped after epoch k (every other k up to the end the
 *     schedule chooses) and resumed, a run gives the weights, validation loss
 *     and metrics rows (less their timing) of one that never stopped, bit for
 *     bit; a finished run resumes to nothing; other settings, and a
 *     checkpoint saved without a schedule, are refused;
 *   - bad flags: --classes with an LSTM, two layers or dropout, --stop-gain
 *     without Mikolov's schedule (exit 2),
 *     more classes than words, --resume with no model (exit 1).
 *   - --stop-gain: a smaller one trains longer, and the run 1.003 ended,
 *     resumed with it, equals one that had it from the start, bit for bit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "harness.h"
#include "matmul.h"
#include "params.h"
#include "rng.h"
#include "rnn/lm_train.h"
#include "rnn/rnnlm.h"
#include "util.h"

/* The largest |a[i] - b[i]| over n doubles. */
static double max_diff(const double *a, const double *b, size_t n) {
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(a[i] - b[i]));
    return worst;
}

/* ------------------------------------------------------------ classes */

START_TEST(test_classes_by_frequency_bins) {
    /* ids 0..7; sorted by count: 2 (100), 4 (25), 5 (25), 6 (4), 7 (1), then 0, 1, 3 (none).
     * sqrt masses 10, 5, 5, 2, 1 of 23: shares .43 | .65 .87 | ... -> 2 | 4 5 | rest.
     * plain masses 100, 25, 25, 4, 1 of 155: shares .65 | .81 | ... -> 2 | 4 | rest. */
    long counts[8] = { 0, 0, 100, 0, 25, 25, 4, 1 };
    int want_sqrt[8] = { 2, 2, 0, 2, 1, 1, 2, 2 }, want_freq[8] = { 2, 2, 0, 2, 1, 2, 2, 2 };
    Rnnlm m;
    RnnlmConfig cfg = { 8, 3, 3 };
    for (int sq = 0; sq < 2; sq++) {
        rnnlm_build(&m, &cfg);
        rnnlm_bin_classes(&m, counts, sq);
        for (int w = 0; w < 8; w++)
            ck_assert_msg(m.cls[w] == (sq ? want_sqrt : want_freq)[w], "%s: word %d in class %d, want %d",
                          sq ? "sqrt" : "freq", w, m.cls[w], (sq ? want_sqrt : want_freq)[w]);
        /* Y's rows: a class's words adjacent, in id order */
        ck_assert_int_eq(m.row[2], 0);
        ck_assert_int_eq(m.word_at[m.row[7]], 7);
        rnnlm_free(&m);
    }
    /* as many classes as words: one word each, none empty */
    RnnlmConfig all = { 8, 3, 8 };
    rnnlm_build(&m, &all);
    rnnlm_bin_classes(&m, counts, 1);
    ck_assert_int_eq(m.max_class, 1);
    rnnlm_free(&m);
}
END_TEST

/* A tiny model with its classes binned from fixed counts. */
static void tiny_model(Rnnlm *m, int V, int H, int C) {
    RnnlmConfig cfg = { V, H, C };
    rnnlm_build(m, &cfg);
    rnnlm_init(m, 7);
    long *counts = malloc((size_t)V * sizeof(long));
    for (int w = 0; w < V; w++) counts[w] = 1 + (w * 37) % 11;
    rnnlm_bin_classes(m, counts, 1);
    free(counts);
}

START_TEST(test_probabilities_sum_to_one) {
    Rnnlm m;
    tiny_model(&m, 11, 5, 3);
    for (size_t i = 0; i < m.n_weights; i++) m.weights[i] *= 10.0;   /* a peaked distribution */
    RnnlmStep st;
    rnnlm_step_build(&st, &m);
    double s[5] = { 0.9, 0.1, 0.5, 0.3, 0.7 }, p[11];
    rnnlm_distribution(&m, &st, s, p);
    double sum = 0.0;
    for (int w = 0; w < 11; w++) {
        sum += p[w];
        double q = exp(-rnnlm_output_forward(&m, &st, s, w));
        ck_assert_msg(fabs(q - p[w]) < 1e-12, "word %d: %g from the distribution, %g from the output", w, p[w], q);
    }
    ck_assert_msg(fabs(sum - 1.0) < 1e-12, "probabilities sum to %.17f", sum);
    rnnlm_step_free(&st);
    rnnlm_free(&m);
}
END_TEST

/* ------------------------------------------------------------ gradients */

#define SEQ 6

/* A tiny model run over SEQ words from a fixed state: the summed loss. */
typedef struct {
    Rnnlm m;
    RnnlmStep st;
    int word[SEQ], next[SEQ];
    double s[(SEQ + 1) * 5], ds[SEQ * 5], dz[SEQ * 5], carry[5];
} Seq;

static double seq_forward(Seq *q) {
    int H = q->m.cfg.H;
    double nats = 0.0;
    for (int k = 0; k < SEQ; k++) {
        rnnlm_hidden_forward(&q->m, q->s + (k + 1) * H, q->s + k * H, q->word[k]);
        nats += rnnlm_output_forward(&q->m, &q->st, q->s + (k + 1) * H, q->next[k]);
    }
    return nats;
}

static double seq_loss(void *ctx) { return seq_forward(ctx); }

/* The gradient of the summed loss, as training computes it (alpha = 1 into m.grads). */
static void seq_backward(Seq *q) {
    int H = q->m.cfg.H;
    memset(q->m.grads, 0, q->m.n_weights * sizeof(double));
    memset(q->ds, 0, sizeof q->ds);
    for (int k = 0; k < SEQ; k++) {   /* each output's backward right after its forward */
        rnnlm_hidden_forward(&q->m, q->s + (k + 1) * H, q->s + k * H, q->word[k]);
        rnnlm_output_forward(&q->m, &q->st, q->s + (k + 1) * H, q->next[k]);
        rnnlm_output_backward(&q->m, &q->st, q->ds + k * H, q->m.gX, q->m.gY, q->s + (k + 1) * H, q->next[k], 1.0);
    }
    rnnlm_bptt(&q->m, q->m.gU, q->m.gW, q->word, q->s, q->ds, SEQ, q->dz, q->carry, 1.0);
}

static Seq *seq_build(void) {
    Seq *q = calloc(1, sizeof *q);
    tiny_model(&q->m, 9, 5, 3);
    for (size_t i = 0; i < q->m.n_weights; i++) q->m.weights[i] *= 5.0;   /* std ~0.5 */
    rnnlm_step_build(&q->st, &q->m);
    int words[SEQ + 1] = { 2, 5, 8, 2, 4, 7, 6 };
    for (int k = 0; k < SEQ; k++) { q->word[k] = words[k]; q->next[k] = words[k + 1]; }
    double s0[5] = { 0.2, 0.8, 0.5, 0.4, 0.6 };
    memcpy(q->s, s0, sizeof s0);
    return q;
}

static void seq_free(Seq *q) {
    rnnlm_step_free(&q->st);
    rnnlm_free(&q->m);
    free(q);
}

START_TEST(test_rnnlm_matches_pytorch) {
    Fixture *fx = fixture_load("rnnlm");
    Seq *q = seq_build();
    /* the fixture's weights and classes replace ours */
    const char *names[4] = { "U", "W", "X", "Y" };
    double *weights[4] = { q->m.U, q->m.W, q->m.X, q->m.Y }, *grads[4] = { q->m.gU, q->m.gW, q->m.gX, q->m.gY };
    for (int i = 0; i < 4; i++) {
        size_t n;
        float *want = fixture_get(fx, names[i], &n);
        ck_assert_int_eq(n, q->m.pt.info[params_find(&q->m.pt, names[i])].size);
        for (size_t k = 0; k < n; k++) weights[i][k] = want[k];
    }
    size_t n_class;
    float *classes = fixture_get(fx, "word_class", &n_class);
    ck_assert_int_eq(n_class, 9);
    memcpy(q->m.word_class, classes, n_class * sizeof(float));
    ck_assert_int_eq(rnnlm_set_classes(&q->m), 0);
    double loss = seq_forward(q), want_loss = fixture_get(fx, "loss", NULL)[0];
    ck_assert_msg(fabs(loss - want_loss) < 1e-5, "loss %.8f, PyTorch %.8f", loss, want_loss);
    seq_backward(q);
    for (int i = 0; i < 4; i++) {
        char name[16];
        snprintf(name, sizeof name, "d%s", names[i]);
        size_t n;
        float *want = fixture_get(fx, name, &n);
        double worst = 0.0;
        for (size_t k = 0; k < n; k++) worst = fmax(worst, fabs(grads[i][k] - want[k]));
        printf("rnnlm vs PyTorch: %s max abs diff %.2e\n", name, worst);
        ck_assert_msg(worst < 1e-5, "%s differs from PyTorch's by %g", name, worst);
    }
    seq_free(q);
    fixture_free(fx);
}
END_TEST

START_TEST(test_gradcheck_rnnlm) {
    Seq *q = seq_build();
    seq_backward(q);
    size_t n = q->m.n_weights;
    double err = gradcheck_double("rnnlm", seq_loss, q, q->m.weights, q->m.grads, n, 1e-5);
    printf("gradcheck rnnlm: max relative error %.2e over %zu parameters\n", err, n);
    ck_assert_msg(err < 1e-6, "gradcheck error %g", err);
    seq_free(q);
}
END_TEST

/* A state for the wide layer below: entries spread over (0.1, 0.9). */
static void wide_state(double *s, int H, double phase) {
    for (int i = 0; i < H; i++) s[i] = 0.5 + 0.4 * sin((double)i + phase);
}

/* The output layer's forward and backward for one word, on a layer wide
 * enough (600 x 128 weights) to split its rows over the threads of set_threads(n). */
static double wide_output_step(int threads, int C, double *ds, double *dX, double *dY) {
    set_threads(threads);
    Rnnlm m;
    tiny_model(&m, 600, 128, C);
    RnnlmStep st;
    rnnlm_step_build(&st, &m);
    ck_assert_int_eq(st.threads, threads);   /* so the two-thread run does split the rows */
    double s[128];
    wide_state(s, 128, 0.0);
    double loss = rnnlm_output_forward(&m, &st, s, 17);
    memset(ds, 0, 128 * sizeof(double));
    memset(dX, 0, (size_t)C * 128 * sizeof(double));
    memset(dY, 0, 600 * 128 * sizeof(double));
    rnnlm_output_backward(&m, &st, ds, dX, dY, s, 17, 1.0);
    rnnlm_step_free(&st);
    rnnlm_free(&m);
    set_threads(1);
    return loss;
}

/* Split over two threads, the rows give the one-thread loss and gradients
 * (up to the order of ds's sums), with one class (a full softmax in Y) and
 * a class per word (a full softmax in X). */
START_TEST(test_output_layer_threads_agree) {
    int classes[2] = { 1, 600 };
    for (int k = 0; k < 2; k++) {
        int C = classes[k];
        double *ds1 = malloc(128 * sizeof(double)), *ds2 = malloc(128 * sizeof(double));
        double *dX1 = malloc((size_t)C * 128 * sizeof(double)), *dX2 = malloc((size_t)C * 128 * sizeof(double));
        double *dY1 = malloc(600 * 128 * sizeof(double)), *dY2 = malloc(600 * 128 * sizeof(double));
        double one = wide_output_step(1, C, ds1, dX1, dY1), two = wide_output_step(2, C, ds2, dX2, dY2);
        ck_assert_msg(fabs(one - two) < 1e-12, "C=%d: loss %.17f on one thread, %.17f on two", C, one, two);
        ck_assert_msg(max_diff(ds1, ds2, 128) < 1e-12, "C=%d: ds differs", C);
        ck_assert_msg(max_diff(dX1, dX2, (size_t)C * 128) < 1e-12, "C=%d: dX differs", C);
        ck_assert_msg(max_diff(dY1, dY2, 600 * 128) < 1e-12, "C=%d: dY differs", C);
        double norm = 0.0;
        for (int i = 0; i < 128; i++) norm += fabs(ds1[i]);
        ck_assert_msg(norm > 1e-3, "C=%d: ds is zero, the check would pass on nothing", C);
        free(ds1); free(ds2); free(dX1); free(dX2); free(dY1); free(dY2);
    }
}
END_TEST

/* Two words of online training on a wide layer: word 17 then `next2`, by
 * rnnlm_output_step (fused) or by backward-then-forward (apart). Leaves the
 * weights in w (n_weights), ds (128) and the second word's probabilities
 * (pc: C, pw: max_class); returns its loss. */
static double two_words(int threads, int C, int next2, int fused, double *w, double *ds, double *pc, double *pw) {
    set_threads(threads);
    Rnnlm m;
    tiny_model(&m, 600, 128, C);
    RnnlmStep st;
    rnnlm_step_build(&st, &m);
    double s[128], s_next[128], loss;
    wide_state(s, 128, 0.0);
    wide_state(s_next, 128, 1.0);
    rnnlm_output_forward(&m, &st, s, 17);
    memset(ds, 0, 128 * sizeof(double));
    if (fused) {
        loss = rnnlm_output_step(&m, &st, ds, s, 17, 0.1, s_next, next2);
    } else {
        rnnlm_output_backward(&m, &st, ds, m.X, m.Y, s, 17, -0.1);
        loss = rnnlm_output_forward(&m, &st, s_next, next2);
    }
    memcpy(w, m.weights, m.n_weights * sizeof(double));
    memcpy(pc, st.pc, (size_t)C * sizeof(double));
    memcpy(pw, st.pw, (size_t)m.max_class * sizeof(double));
    rnnlm_step_free(&st);
    rnnlm_free(&m);
    set_threads(1);
    return loss;
}

/* The fused step is the two calls it replaces, to the bit: one class (the
 * next word always shares it), a class per word (never), and 3 classes with
 * a next word in the same class as word 17 and in another. */
START_TEST(test_fused_step_is_backward_then_forward) {
    Rnnlm probe;
    tiny_model(&probe, 600, 128, 3);
    int same = -1, other = -1;
    for (int w = 0; w < 600; w++) {
        if (w == 17) continue;
        if (probe.cls[w] == probe.cls[17] && same < 0) same = w;
        if (probe.cls[w] != probe.cls[17] && other < 0) other = w;
    }
    rnnlm_free(&probe);
    ck_assert(same >= 0 && other >= 0);
    struct { int C, next2; } cases[4] = { { 1, 40 }, { 600, 40 }, { 3, same }, { 3, other } };
    size_t n_weights = 600 * 128 * 2 + 128 * 128 + 600 * 128;
    double *w1 = malloc(n_weights * sizeof(double)), *w2 = malloc(n_weights * sizeof(double));
    double ds1[128], ds2[128], pc1[600], pc2[600], pw1[600], pw2[600];
    for (int threads = 1; threads <= 2; threads++)
        for (int k = 0; k < 4; k++) {
            int C = cases[k].C;
            size_t n = n_weights - (size_t)(600 - C) * 128;
            memset(pw1, 0, sizeof pw1);
            memset(pw2, 0, sizeof pw2);
            Rnnlm start;   /* the weights before the step, which must move them */
            tiny_model(&start, 600, 128, C);
            double apart = two_words(threads, C, cases[k].next2, 0, w1, ds1, pc1, pw1);
            double fused = two_words(threads, C, cases[k].next2, 1, w2, ds2, pc2, pw2);
            ck_assert_msg(apart == fused, "threads %d, C=%d: loss %.17g apart, %.17g fused", threads, C, apart, fused);
            ck_assert_msg(memcmp(w1, w2, n * sizeof(double)) == 0, "threads %d, C=%d: the weights differ", threads, C);
            ck_assert_msg(memcmp(ds1, ds2, sizeof ds1) == 0, "threads %d, C=%d: ds differs", threads, C);
            ck_assert_msg(memcmp(pc1, pc2, (size_t)C * sizeof(double)) == 0, "threads %d, C=%d: pc differs", threads, C);
            ck_assert_msg(memcmp(pw1, pw2, sizeof pw1) == 0, "threads %d, C=%d: pw differs", threads, C);
            ck_assert_msg(max_diff(start.weights, w2, n) > 1e-4, "threads %d, C=%d: the step moved nothing", threads, C);
            rnnlm_free(&start);
        }
    free(w1); free(w2);
}
END_TEST

/* ------------------------------------------------------------ training */

/* Four sentences of a tiny language, repeated in order: a model that
 * carries its state across sentences can tell nearly every next word. */
static const char *tiny_corpus(const char *name, int copies) {
    static const char *lines = "the cat sat on the mat\nthe dog ran to the park\na cat saw a dog\n"
                               "the dog sat on a mat\n";
    size_t n = strlen(lines);
    char *text = malloc(n * (size_t)copies + 1);
    for (int i = 0; i < copies; i++) memcpy(text + n * i, lines, n);
    text[n * copies] = '\0';
    const char *path = scratch_put(name, text);
    free(text);
    return path;
}

START_TEST(test_online_training_learns_and_saves) {
    scratch_begin("rnnlm_train");
    const char *train = tiny_corpus("train.txt", 60), *valid = tiny_corpus("valid.txt", 3);
    RnnLmData d;
    rnn_lm_data_words(&d, train, valid, NULL);
    RnnlmTrainOptions o;
    rnnlm_train_defaults(&o);
    o.model.H = 16; o.model.C = 4;
    o.bptt = 3; o.block = 3;
    o.epochs = 8;
    o.out = scratch_at("run");
    o.quiet = 1;
    Rnnlm m;
    double valid_loss = rnnlm_train(&m, d.vocab, d.split[SPLIT_TRAIN], d.len[SPLIT_TRAIN], d.split[SPLIT_VALID],
                                    d.len[SPLIT_VALID], &o);
    int V = d.vocab->size;
    printf("rnnlm on the tiny corpus: valid ppl %.3f (uniform %d)\n", exp(valid_loss), V);
    /* uniform would be V = 15; the bigrams alone leave about 1.5 choices a word */
    ck_assert_msg(exp(valid_loss) < 2.5, "valid ppl %g", exp(valid_loss));
    double here = rnnlm_evaluate(&m, d.split[SPLIT_VALID], d.len[SPLIT_VALID]);
    ck_assert_msg(fabs(here - valid_loss) < 1e-9, "the kept model scores %g, the run reported %g", here, valid_loss);
    Rnnlm back;
    Vocab *v;
    rnnlm_load(&back, &v, scratch_at("run"), NULL);
    double loaded = rnnlm_evaluate(&back, d.split[SPLIT_VALID], d.len[SPLIT_VALID]);
    ck_assert_msg(loaded == here, "loaded model scores %.17g, trained %.17g", loaded, here);
    ck_assert_msg(memcmp(back.weights, m.weights, m.n_weights * sizeof(double)) == 0,
                  "the loaded weights are not the trained doubles");
    ck_assert(rnnlm_is_checkpoint(scratch_at("run")));
    vocab_free(v);
    rnnlm_free(&back);
    rnnlm_free(&m);

    /* the command line reads it back: lm-eval and sample */
    char args[8192];
    snprintf(args, sizeof args, "lm-eval --model %s %s", scratch_at("run"), valid);
    char *out = bin_expect_ok("rnn", args, NULL);
    expect_has(out, "RESULT stage=rnn model=rnnlm", "lm-eval's output");
    free(out);
    snprintf(args, sizeof args, "sample --model %s --n 12 --prime the --seed 3", scratch_at("run"));
    out = bin_expect_ok("rnn", args, NULL);
    ck_assert_msg(strncmp(out, "the ", 4) == 0, "sample: '%s'", out);
    free(out);

    /* a damaged model folder is refused with a message: a vocabulary one word
     * short, then a checkpoint cut in half */
    static const char *const short_vocab[] = { "truncated", NULL }, *const cut[] = { "is truncated", NULL };
    snprintf(args, sizeof args, "lm-eval --model %s %s", scratch_at("run"), valid);
    char path[4096];
    snprintf(path, sizeof path, "%s/vocab.txt", scratch_at("run"));
    size_t len;
    char *text = read_file(path, &len);
    char *last = memrchr(text, '\n', len - 1);   /* the start of the last line */
    FILE *f = fopen(path, "w");
    fwrite(text, 1, last ? (size_t)(last - text + 1) : 0, f);
    fclose(f);
    bin_expect("rnn", args, NULL, 1, short_vocab);
    f = fopen(path, "w");
    fwrite(text, 1, len, f);
    fclose(f);
    free(text);
    snprintf(path, sizeof path, "%s/model.ckpt", scratch_at("run"));
    text = read_file(path, &len);
    f = fopen(path, "w");
    fwrite(text, 1, len / 2, f);
    fclose(f);
    free(text);
    bin_expect("rnn", args, NULL, 1, cut);
    rnn_lm_data_free(&d);
    scratch_end();
}
END_TEST

/* Metrics rows without their timing columns (words_per_s, elapsed_s). */
static char *untimed_metrics(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/metrics.tsv", dir);
    size_t len;
    char *text = read_file(path, &len), *out = malloc(len + 1), *o = out;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        int tabs = 0;
        for (char *c = line; *c && tabs < 6; c++) {
            if (*c == '\t') tabs++;
            if (tabs < 6) *o++ = *c;
        }
        *o++ = '\n';
    }
    *o = '\0';
    free(text);
    return out;
}

static double train_tiny_until(RnnLmData *d, Rnnlm *m, const char *out, long epochs, int resume, float lr,
                               double stop_gain) {
    RnnlmTrainOptions o;
    rnnlm_train_defaults(&o);
    o.stop_gain = stop_gain;
    o.model.H = 16; o.model.C = 4;
    o.bptt = 3; o.block = 3;
    o.lr = lr;
    o.epochs = epochs;
    o.out = out;
    o.resume = resume;
    o.quiet = 1;
    return rnnlm_train(m, d->vocab, d->split[SPLIT_TRAIN], d->len[SPLIT_TRAIN], d->split[SPLIT_VALID],
                       d->len[SPLIT_VALID], &o);
}

static double train_tiny(RnnLmData *d, Rnnlm *m, const char *out, long epochs, int resume) {
    return train_tiny_until(d, m, out, epochs, resume, 0.3f, RNN_PLATEAU_MIN_GAIN);
}

/* The tiny corpus (20 copies) for training, valid_text for validation. */
static void tiny_data(RnnLmData *d, const char *valid_text) {
    const char *train = tiny_corpus("train.txt", 20);
    const char *valid = scratch_put("valid.txt", valid_text);
    rnn_lm_data_words(d, train, valid, NULL);
}

static int valid_rows(const char *rows) {
    int n = 0;
    for (const char *c = rows; (c = strstr(c, "\tvalid")) != NULL; c++) n++;
    return n;
}

/* Stopped after epoch k and resumed, an online run gives the weights,
 * schedule and metrics rows of one that never stopped, bit for bit; a run
 * that has ended resumes to nothing more. */
START_TEST(test_resume_is_bit_identical) {
    scratch_begin("rnnlm_resume");
    /* sentences the training text never has, so that validation stops improving */
    RnnLmData d;
    tiny_data(&d, "the cat sat on the mat\na cat saw a dog\na dog sat on the park\nthe mat ran to a cat\n");
    Rnnlm whole, part;
    double whole_loss = train_tiny(&d, &whole, scratch_at("whole"), 30, 0);
    char *whole_rows = untimed_metrics(scratch_at("whole"));
    int epochs = valid_rows(whole_rows);
    ck_assert_msg(epochs >= 4 && epochs < 30, "the schedule ran %d epochs: the test needs it to stop itself", epochs);
    for (int k = 1; k < epochs; k += 2) {
        train_tiny(&d, &part, scratch_at("part"), k, 0);
        rnnlm_free(&part);
        double loss = train_tiny(&d, &part, scratch_at("part"), 30, 1);
        char *rows = untimed_metrics(scratch_at("part"));
        ck_assert_msg(loss == whole_loss, "stopped after %d: valid %.17g, whole %.17g", k, loss, whole_loss);
        ck_assert_msg(memcmp(part.weights, whole.weights, part.n_weights * sizeof(double)) == 0,
                      "stopped after epoch %d, the weights differ", k);
        ck_assert_msg(strcmp(rows, whole_rows) == 0, "stopped after epoch %d, the rows\n%s\ndiffer from\n%s", k, rows,
                      whole_rows);
        free(rows);
        rnnlm_free(&part);
    }
    /* the run has ended: resuming trains nothing and keeps the rows */
    double again = train_tiny(&d, &part, scratch_at("whole"), 30, 1);
    char *rows = untimed_metrics(scratch_at("whole"));
    ck_assert(again == whole_loss);
    ck_assert_str_eq(rows, whole_rows);
    free(rows);
    rnnlm_free(&part);
    free(whole_rows);
    rnnlm_free(&whole);
    rnn_lm_data_free(&d);
    scratch_end();
}
END_TEST

/* A smaller stop gain lets the halving run on: the run trains longer, and the
 * one the toolkit's 1.003 ended, resumed with the smaller gain, gives the
 * weights and rows of a run that had it from the start, bit for bit. */
START_TEST(test_resume_with_smaller_stop_gain_goes_on) {
    scratch_begin("rnnlm_stop_gain");
    /* three training sentences and a new one: at this rate the halved epochs
     * still gain a little when 1.003 stops the run */
    RnnLmData d;
    tiny_data(&d, "the cat sat on the mat\nthe dog ran to the park\na cat saw a dog\nthe dog sat on the park\n");
    Rnnlm toolkit, patient, resumed;
    double toolkit_loss = train_tiny_until(&d, &toolkit, scratch_at("resumed"), 60, 0, 0.2f, RNN_PLATEAU_MIN_GAIN);
    char *toolkit_rows = untimed_metrics(scratch_at("resumed"));
    double patient_loss = train_tiny_until(&d, &patient, scratch_at("patient"), 60, 0, 0.2f, 1.0);
    char *patient_rows = untimed_metrics(scratch_at("patient"));
    ck_assert_msg(valid_rows(patient_rows) > valid_rows(toolkit_rows) && valid_rows(patient_rows) < 60,
                  "epochs: %d with gain 1, %d with 1.003", valid_rows(patient_rows), valid_rows(toolkit_rows));
    ck_assert(patient_loss <= toolkit_loss);
    double loss = train_tiny_until(&d, &resumed, scratch_at("resumed"), 60, 1, 0.2f, 1.0);
    char *rows = untimed_metrics(scratch_at("resumed"));
    ck_assert_msg(loss == patient_loss, "resumed %.17g, from the start %.17g", loss, patient_loss);
    ck_assert(memcmp(resumed.weights, patient.weights, patient.n_weights * sizeof(double)) == 0);
    ck_assert_str_eq(rows, patient_rows);
    free(rows);
    free(patient_rows);
    free(toolkit_rows);
    rnnlm_free(&resumed);
    rnnlm_free(&patient);
    rnnlm_free(&toolkit);
    rnn_lm_data_free(&d);
    scratch_end();
}
END_TEST

/* Resuming with another setting than the run's is refused, naming it. */
START_TEST(test_resume_with_other_settings_dies) {
    scratch_begin("rnnlm_resume_other");
    const char *train = tiny_corpus("train.txt", 4);
    char args[8192];
    snprintf(args, sizeof args, "lm-train --train %s --valid %s --classes 3 --cell rnn --layers 1 --hidden 8 "
             "--epochs 1 --quiet --out %s", train, train, scratch_at("o"));
    free(bin_expect_ok("rnn", args, NULL));
    static const char *const other[] = { "bptt=5", "resume with the run's options", NULL };
    snprintf(args, sizeof args, "lm-train --train %s --valid %s --classes 3 --cell rnn --layers 1 --hidden 8 "
             "--epochs 2 --bptt 5 --resume --quiet --out %s", train, train, scratch_at("o"));
    bin_expect("rnn", args, NULL, 1, other);
    static const char *const hidden[] = { "--hidden 8", NULL };
    snprintf(args, sizeof args, "lm-train --train %s --valid %s --classes 3 --cell rnn --layers 1 --hidden 9 "
             "--epochs 2 --resume --quiet --out %s", train, train, scratch_at("o"));
    bin_expect("rnn", args, NULL, 1, hidden);
    /* a checkpoint saved without a schedule (as before --resume could read one) */
    Rnnlm m;
    Vocab *v;
    rnnlm_load(&m, &v, scratch_at("o"), NULL);
    rnnlm_save(&m, v, scratch_at("bare"), 1, NULL);
    vocab_free(v);
    rnnlm_free(&m);
    static const char *const bare[] = { "holds no schedule", NULL };
    snprintf(args, sizeof args, "lm-train --train %s --valid %s --classes 3 --cell rnn --layers 1 --hidden 8 "
             "--epochs 2 --resume --quiet --out %s", train, train, scratch_at("bare"));
    bin_expect("rnn", args, NULL, 1, bare);
    scratch_end();
}
END_TEST

START_TEST(test_bad_flags) {
    scratch_begin("rnnlm_flags");
    const char *train = tiny_corpus("train.txt", 2);
    char args[8192];
    static const char *const rnn_only[] = { "--cell rnn --layers 1", NULL };
    const char *bad[3] = { "--classes 3", "--classes 3 --cell rnn --layers 2", "--classes 3 --cell rnn --layers 1 --dropout 0.5" };
    for (int i = 0; i < 3; i++) {
        snprintf(args, sizeof args, "lm-train --train %s --valid %s %s --out %s", train, train, bad[i], scratch_at("o"));
        bin_expect("rnn", args, NULL, 2, rnn_only);
    }
    static const char *const no_schedule[] = { "--plateau or --classes", NULL };
    snprintf(args, sizeof args, "lm-train --train %s --valid %s --stop-gain 1.001 --out %s", train, train,
             scratch_at("o"));
    bin_expect("rnn", args, NULL, 2, no_schedule);
        static const char *const too_many[] = { "more than", NULL };
    snprintf(args, sizeof args, "lm-train --train %s --valid %s --classes 500 --cell rnn --layers 1 --out %s", train,
             train, scratch_at("o"));
    bin_expect("rnn", args, NULL, 1, too_many);
    static const char *const nothing[] = { "model.ckpt", NULL };
    snprintf(args, sizeof args, "lm-train --train %s --valid %s --classes 3 --cell rnn --layers 1 --resume --out %s",
             train, train, scratch_at("none"));
    bin_expect("rnn", args, NULL, 1, nothing);
    scratch_end();
}
END_TEST

static Suite *rnnlm_suite(void) {
    Suite *s = suite_create("rnn_rnnlm");
    TCase *tc = tcase_create("rnnlm");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_classes_by_frequency_bins);
    tcase_add_test(tc, test_probabilities_sum_to_one);
    tcase_add_test(tc, test_rnnlm_matches_pytorch);
    tcase_add_test(tc, test_gradcheck_rnnlm);
    tcase_add_test(tc, test_output_layer_threads_agree);
    tcase_add_test(tc, test_fused_step_is_backward_then_forward);
    tcase_add_test(tc, test_online_training_learns_and_saves);
    tcase_add_test(tc, test_resume_is_bit_identical);
    tcase_add_test(tc, test_resume_with_smaller_stop_gain_goes_on);
    tcase_add_test(tc, test_resume_with_other_settings_dies);
    tcase_add_test(tc, test_bad_flags);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(rnnlm_suite)
