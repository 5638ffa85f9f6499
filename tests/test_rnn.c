/*
 * test_rnn.c -- the recurrent language models of rnn/ (Chapter 3).
 *
 *   - PyTorch fixture (tests/ref/ref_rnn_lm.py): a 2-layer LSTM LM, V=7 E=5
 *     H=6, T=4 B=3, with a carried-in initial state: the loss, the final h
 *     and c, and the gradient of every weight (abs tol 1e-5);
 *   - gradient check of the whole tiny model (embedding, 2 layers, dropout
 *     0.3 with a fixed mask, decoder, CE scaled by T) for the RNN, the LSTM
 *     and the GRU (eps 1e-2, loss in double, max relative error < 5e-3);
 *   - truncated BPTT: two chunks of 2 steps with the state carried give the
 *     loss of one chunk of 4; evaluation does not depend on its chunk length;
 *   - a checkpoint round trip gives the same loss; sampling repeats with its
 *     seed and stays inside the vocabulary; temperature 0, top-k 1 and a tiny
 *     top-p all give the argmax at every step (checked by hand), whatever the
 *     seed;
 *   - resume: 40 steps straight through and 20 + 20 with a --resume between
 *     give the same weights, Adam moments and metrics rows, bit for bit (an
 *     LSTM with SGD, per-epoch decay and dropout; a GRU with Adam); resumed
 *     again from the step-20 checkpoint after running past it, metrics.tsv
 *     still holds each step once (common/metrics' metrics_resume); without
 *     train_state.ckpt a run still resumes (its state from zero); resuming
 *     with another batch is an error;
 *   - ELMo's layers and probe: tests/test_rnn_elmo.c;
 *   - the vanishing gradient: 30 steps back, the RNN's ||dL/dh|| is below
 *     1e-3 of its last value and far below the LSTM's (forget bias 3); rnn
 *     gradnorm prints a RESULT line per distance of its table, holding the norms;
 *   - quality: the demo's quick mode (char LSTM 2x128 on the Bible, 150 steps
 *     of 50x50 chars, Adam 2e-3) reaches a valid loss < 2.4 nats/char (the
 *     unigram entropy of the text is ~3.0), when the Bible data is present;
 *   - bad input: a sequence length of 0, a corrupted checkpoint, a config
 *     that is not a model's, a training text too short for one chunk.
 *
 * And the sentence classifiers of classify.h:
 *   - PyTorch fixture (tests/ref/ref_rnn_classify.py): Kim's CNN, V=10 E=4,
 *     widths 3,4,5 x F=3, NC=3, B=3 T=11, dropout off: the logits, the loss
 *     and the gradient of every parameter, the embedding's included (abs tol
 *     1e-5);
 *   - gradient check of the DNN, the CNN and the LSTM classifiers (non-static
 *     and static, whose table must get no gradient);
 *   - pretrained rows (Kim's recipe): found words take their vector from a
 *     word2vec file or an LM run, unknown ones U[-a, a] with the vectors'
 *     variance, <pad> zero;
 *   - quality: a small CNN (E=32, F=32) trained for one epoch on the Bible's
 *     training verses beats the majority class of the 8 divisions on the test
 *     verses by more than 25 points (67% vs 23%), when the Bible data is
 *     present;
 *   - bad input: vectors whose dimension is not the model's, a classification
 *     file with an empty class, an empty file, a label without words, a
 *     negative sentence length limit (library) and --maxlen 0, an empty sentence,
 *     an empty training set, a corrupted classifier checkpoint and an LM
 *     checkpoint given as a classifier;
 *   - a saved classifier loads back and `classify-eval` scores a file with it;
 *     classify-eval without --model is a usage error, with a missing model an
 *     error.
 *
 * And bin/rnn (when built), run from a folder without data/cache and with an
 * empty NLP_DATA_DIR:
 *   - every preset and corpus whose files are missing says "'PATH' is
 *     missing (run `make data`, or set NLP_DATA_DIR ...)" and exits 1;
 *   - a NUL byte in an LM's text, in SST's training file or in a file given
 *     to classify-eval is an error naming the file and the line (exit 1);
 *   - common/cli.h's rules: --help exits 0; an unknown option, a bad number,
 *     a bad choice or preset, a stray argument, bad sampler settings exit 2;
 *     a flag overrides the preset before or after it, and the older
 *     spellings (--seq-len, --eval-interval, --train) still work.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gradcheck.h"
#include "harness.h"
#include "matmul.h"
#include "metrics.h"
#include "params.h"
#include "rnn/classify.h"
#include "rnn/classify_cli.h"
#include "rnn/gradnorm.h"
#include "rnn/lm.h"
#include "rnn/lm_train.h"
#include "text.h"
#include "util.h"
#include "vectors.h"

#define FIXTURE_TOL 1e-5f
#define GRAD_TOL 5e-3

/* ------------------------------------------------------------ PyTorch fixture */

START_TEST(test_lstm_lm_matches_pytorch) {
    Fixture *fx = fixture_load("rnnlm_lstm");
    const int V = 7, E = 5, H = 6, L = 2, T = 4, B = 3;
    RnnLmConfig cfg = { RNN_LSTM, V, E, H, L, 0.0f };
    RnnLm m;
    rnn_lm_build(&m, &cfg);
    for (int k = 0; k < m.pt.count; k++) {
        size_t n;
        float *w = fixture_get(fx, m.pt.info[k].name, &n);
        ck_assert_uint_eq(n, m.pt.info[k].size);
        memcpy(m.pt.values + m.pt.info[k].offset, w, n * sizeof(float));
    }
    RnnLmActs a;
    rnn_lm_acts_build(&a, &m, T, B, 0);
    float *h0 = fixture_get(fx, "h0", NULL), *c0 = fixture_get(fx, "c0", NULL);
    for (int l = 0; l < L; l++) {
        memcpy(a.h[l], h0 + l * B * H, B * H * sizeof(float));
        memcpy(a.c[l], c0 + l * B * H, B * H * sizeof(float));
    }
    int inp[12], tgt[12];
    for (int i = 0; i < T * B; i++) { inp[i] = fixture_int(fx, "inp", i); tgt[i] = fixture_int(fx, "tgt", i); }
    float loss = (float)rnn_lm_forward(&m, &a, inp, tgt, T, 1);
    ck_assert(check_tensor("loss", &loss, fixture_get(fx, "loss", NULL), 1, FIXTURE_TOL));
    float *hT = fixture_get(fx, "hT", NULL), *cT = fixture_get(fx, "cT", NULL);
    for (int l = 0; l < L; l++) {
        ck_assert(check_tensor("h_T", a.h[l], hT + l * B * H, B * H, FIXTURE_TOL));
        ck_assert(check_tensor("c_T", a.c[l], cT + l * B * H, B * H, FIXTURE_TOL));
    }
    params_zero_grad(&m.pt);
    rnn_lm_backward(&m, &a, 1.0f);
    for (int k = 0; k < m.pt.count; k++) {
        char name[80];
        snprintf(name, sizeof name, "d.%s", m.pt.info[k].name);
        ck_assert(check_tensor(name, m.pt.grads + m.pt.info[k].offset, fixture_get(fx, name, NULL),
                               m.pt.info[k].size, FIXTURE_TOL));
    }
    rnn_lm_acts_free(&a);
    rnn_lm_free(&m);
    fixture_free(fx);
}
END_TEST

/* ------------------------------------------------------------ gradient check */

typedef struct {
    RnnLm m;
    RnnLmActs a;
    int T, B;
    int inp[64], tgt[64];
    float h0[RNN_LM_MAX_LAYERS][64], c0[RNN_LM_MAX_LAYERS][64];
} Tiny;

/* The same chunk, initial state and dropout mask on every call. */
static double tiny_forward(Tiny *t) {
    for (int l = 0; l < t->m.cfg.L; l++) {
        memcpy(t->a.h[l], t->h0[l], (size_t)t->B * t->m.cfg.H * sizeof(float));
        memcpy(t->a.c[l], t->c0[l], (size_t)t->B * t->m.cfg.H * sizeof(float));
    }
    rng_seed(&t->a.rng, 99, 7);
    return rnn_lm_forward(&t->m, &t->a, t->inp, t->tgt, t->T, 1) * t->T;   /* Zaremba's scale */
}

static double tiny_loss(void *ctx) { return tiny_forward(ctx); }

static void check_kind(RnnKind kind) {
    Tiny *t = calloc(1, sizeof *t);
    t->T = 3; t->B = 2;
    RnnLmConfig cfg = { kind, 6, 4, 5, 2, 0.3f };
    rnn_lm_build(&t->m, &cfg);
    Rng r;
    rng_seed(&r, 5, 0);
    rnn_lm_init_uniform(&t->m, 0.5f, &r);
    rnn_lm_acts_build(&t->a, &t->m, t->T, t->B, 0);
    for (int i = 0; i < t->T * t->B; i++) { t->inp[i] = (int)rng_below(&r, 6); t->tgt[i] = (int)rng_below(&r, 6); }
    for (int l = 0; l < cfg.L; l++) {
        rng_fill_normal(&r, t->h0[l], 10, 0.0f, 0.5f);
        rng_fill_normal(&r, t->c0[l], 10, 0.0f, 0.5f);
    }
    tiny_forward(t);
    params_zero_grad(&t->m.pt);
    rnn_lm_backward(&t->m, &t->a, (float)t->T);
    double err = gradcheck(rnn_kind_name(kind), tiny_loss, t, t->m.pt.values, t->m.pt.grads, t->m.pt.total, 1e-2f);
    printf("gradcheck %-4s LM: max relative error %.2e over %zu parameters\n", rnn_kind_name(kind), err, t->m.pt.total);
    ck_assert_msg(err < GRAD_TOL, "%s: gradcheck error %g", rnn_kind_name(kind), err);
    rnn_lm_acts_free(&t->a);
    rnn_lm_free(&t->m);
    free(t);
}

START_TEST(test_gradcheck_rnn_lm) { check_kind(RNN_ELMAN); }
END_TEST
START_TEST(test_gradcheck_lstm_lm) { check_kind(RNN_LSTM); }
END_TEST
START_TEST(test_gradcheck_gru_lm) { check_kind(RNN_GRU); }
END_TEST

/* ------------------------------------------------------------ truncated BPTT */

static void small_model(RnnLm *m, RnnKind kind, int V) {
    RnnLmConfig cfg = { kind, V, 8, 8, 2, 0.0f };
    rnn_lm_build(m, &cfg);
    Rng r;
    rng_seed(&r, 11, 0);
    rnn_lm_init_uniform(m, 0.3f, &r);
}

START_TEST(test_state_carried_across_chunks) {
    RnnLm m;
    small_model(&m, RNN_LSTM, 9);
    int B = 2, inp[8] = { 1, 4, 5, 6, 7, 8, 2, 3 }, tgt[8] = { 4, 5, 6, 7, 8, 1, 3, 2 };
    RnnLmActs whole, half;
    rnn_lm_acts_build(&whole, &m, 4, B, 0);
    rnn_lm_acts_build(&half, &m, 2, B, 0);
    double one = rnn_lm_forward(&m, &whole, inp, tgt, 4, 0);
    double first = rnn_lm_forward(&m, &half, inp, tgt, 2, 0);
    double second = rnn_lm_forward(&m, &half, inp + 2 * B, tgt + 2 * B, 2, 0);
    ck_assert_double_eq_tol(one, (first + second) / 2, 1e-6);
    /* and the state mattered: the second half from a zero state scores otherwise */
    rnn_lm_reset_state(&half, &m);
    double fresh = rnn_lm_forward(&m, &half, inp + 2 * B, tgt + 2 * B, 2, 0);
    ck_assert(fabs(fresh - second) > 1e-4);
    rnn_lm_acts_free(&whole);
    rnn_lm_acts_free(&half);
    rnn_lm_free(&m);
}
END_TEST

START_TEST(test_eval_independent_of_chunk_length) {
    RnnLm m;
    small_model(&m, RNN_GRU, 9);
    int stream[23];
    for (int i = 0; i < 23; i++) stream[i] = (i * 7 + 3) % 9;
    double a = rnn_lm_evaluate(&m, stream, 23, 1, 0);
    double b = rnn_lm_evaluate(&m, stream, 23, 5, 0);
    double c = rnn_lm_evaluate(&m, stream, 23, 100, 0);
    ck_assert_double_eq_tol(a, b, 1e-5);
    ck_assert_double_eq_tol(a, c, 1e-5);
    rnn_lm_free(&m);
}
END_TEST

/* ------------------------------------------------------------ save, load, sample */

static Vocab *char_vocab(const char *text) { return vocab_build(VOCAB_CHAR, text, strlen(text), 1, 0); }

START_TEST(test_checkpoint_round_trip_and_sampling) {
    const char *text = "in the beginning god created the heaven and the earth.\n";
    Vocab *v = char_vocab(text);
    RnnLm m;
    small_model(&m, RNN_LSTM, v->size);
    const char *dir = tmp_path("rnn_ckpt");
    rnn_lm_save(&m, v, dir, 7, 0);
    size_t n;
    int *ids = rnn_lm_encode_text(v, 1, text, strlen(text), &n);
    double before = rnn_lm_evaluate(&m, ids, n, 16, 0);
    RnnLm m2;
    Vocab *v2;
    long step;
    rnn_lm_load(&m2, &v2, dir, &step);
    ck_assert_int_eq(step, 7);
    ck_assert_int_eq(v2->size, v->size);
    ck_assert_double_eq_tol(rnn_lm_evaluate(&m2, ids, n, 16, 0), before, 1e-7);
    SamplerConfig warm = { .temperature = 0.8f, .top_k = 0, .top_p = 1.0f };
    char *s1 = rnn_lm_sample(&m2, v2, "the ", 40, &warm, 5), *s2 = rnn_lm_sample(&m2, v2, "the ", 40, &warm, 5);
    ck_assert_str_eq(s1, s2);
    ck_assert(strncmp(s1, "the ", 4) == 0);
    size_t cps = 0;
    for (const char *p = s1; *p; p++) cps += ((unsigned char)*p & 0xC0) != 0x80;
    ck_assert_uint_eq(cps, 44);
    free(s1); free(s2); free(ids);
    vocab_free(v); vocab_free(v2);
    rnn_lm_free(&m); rnn_lm_free(&m2);
}
END_TEST

/* Sampling goes through common/sample.h: the same seed gives the same text,
 * and temperature 0 (or top-k 1, or a tiny top-p) is the argmax at every
 * step, whatever the seed: here recomputed by hand, token by token. */
START_TEST(test_sampling_is_seeded_and_greedy_at_temperature_zero) {
    const char *text = "in the beginning god created the heaven and the earth.\n";
    Vocab *v = char_vocab(text);
    RnnLm m;
    small_model(&m, RNN_LSTM, v->size);
    SamplerConfig greedy = { .temperature = 0.0f, .top_k = 0, .top_p = 1.0f };
    SamplerConfig top1 = { .temperature = 1.0f, .top_k = 1, .top_p = 1.0f };
    SamplerConfig nucleus = { .temperature = 1.0f, .top_k = 0, .top_p = 1e-6f };
    SamplerConfig hot = { .temperature = 1.5f, .top_k = 5, .top_p = 0.9f };
    char *g1 = rnn_lm_sample(&m, v, "the ", 30, &greedy, 1), *g2 = rnn_lm_sample(&m, v, "the ", 30, &greedy, 99);
    char *k1 = rnn_lm_sample(&m, v, "the ", 30, &top1, 7), *p1 = rnn_lm_sample(&m, v, "the ", 30, &nucleus, 8);
    char *h1 = rnn_lm_sample(&m, v, "the ", 30, &hot, 3), *h2 = rnn_lm_sample(&m, v, "the ", 30, &hot, 3);
    ck_assert_str_eq(g1, g2);
    ck_assert_str_eq(k1, g1);
    ck_assert_str_eq(p1, g1);
    ck_assert_str_eq(h1, h2);
    /* the argmax by hand, over the tokens a char text can hold */
    RnnLmActs a;
    rnn_lm_acts_build(&a, &m, 1, 1, 0);
    char want[256] = "the ";
    int tok = 0;
    for (const char *c = "the "; *c; c++) {
        tok = vocab_find(v, c, 1);
        rnn_lm_forward(&m, &a, &tok, NULL, 1, 0);
    }
    for (int i = 0; i < 30; i++) {
        int best = -1;
        for (int j = VOCAB_NSPECIAL; j < v->size; j++)
            if (best < 0 || a.logits[j] > a.logits[best]) best = j;
        strcat(want, vocab_token(v, best));
        tok = best;
        rnn_lm_forward(&m, &a, &tok, NULL, 1, 0);
    }
    ck_assert_str_eq(g1, want);
    rnn_lm_acts_free(&a);
    free(g1); free(g2); free(k1); free(p1); free(h1); free(h2);
    rnn_lm_free(&m);
    vocab_free(v);
}
END_TEST

/* ------------------------------------------------------------ vanishing gradient */

START_TEST(test_rnn_gradient_vanishes_faster_than_lstm) {
    enum { T = 40 };
    double rnn[T], lstm[T];
    rnn_gradnorm_measure(rnn, RNN_ELMAN, T, 8, 32, 0.0f, 1);
    rnn_gradnorm_measure(lstm, RNN_LSTM, T, 8, 32, 3.0f, 1);
    printf("||dL/dh|| 30 steps back: rnn %.3g, lstm %.3g (1 at the last step)\n", rnn[30], lstm[30]);
    ck_assert_double_eq_tol(rnn[0], 1.0, 1e-5);
    ck_assert(rnn[30] < 1e-3 * rnn[0]);
    ck_assert(rnn[30] < 1e-2 * lstm[30]);
}
END_TEST

/* rnn gradnorm's RESULT lines (README's table, scripts/results.sh): one per
 * distance of the printed table, 0 5 10 for T = 12, holding the measured norms. */
START_TEST(test_gradnorm_result_lines) {
    enum { T = 12, H = 16 };
    const char *path = tmp_path("gradnorm_results.txt");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    result_set_stream(f);
    rnn_gradnorm_run(tmp_path("gradnorm"), T, H, 1);
    result_set_stream(NULL);
    fclose(f);
    double rnn[T], lstm[T];
    rnn_gradnorm_measure(rnn, RNN_ELMAN, T, 16, H, 0.0f, 1);
    rnn_gradnorm_measure(lstm, RNN_LSTM, T, 16, H, 0.0f, 1);
    size_t n;
    char *text = read_all(path, &n), want[256];
    snprintf(want, sizeof want, "RESULT stage=rnn task=gradnorm hidden=%d back=10 rnn=%.6g lstm=%.6g lstm_forget3=", H,
             rnn[10], lstm[10]);
    ck_assert_msg(strstr(text, want), "no '%s' in:\n%s", want, text);
    ck_assert_ptr_nonnull(strstr(text, " back=0 rnn=1 lstm=1 lstm_forget3=1\n"));
    int lines = 0;
    for (const char *p = text; (p = strstr(p, "RESULT ")); p++) lines++;
    ck_assert_int_eq(lines, 3);
    free(text);
}
END_TEST

/* ------------------------------------------------------------ quality */

START_TEST(test_demo_quick_learns_the_bible) {
    char path[4096];
    if (!data_path(path, sizeof path, "bible/chars.train.txt"))
        SKIP_TEST("no Bible data (make data)");
    char va[4096];
    data_path(va, sizeof va, "bible/chars.valid.txt");
    RnnLmData d;
    rnn_lm_data_chars(&d, path, va, NULL);
    RnnLmTrainOptions o;
    rnn_lm_train_defaults(&o);
    o.steps = 150; o.eval_every = 150; o.eval_tokens = 5000; o.quiet = 1;
    o.out = tmp_path("rnn_demo_quick");
    RnnLm m;
    double valid = rnn_lm_train(&m, &d, &o);
    printf("demo quick: valid loss %.4f nats/char after 150 steps\n", valid);
    ck_assert_msg(valid < 2.4, "valid loss %g", valid);
    rnn_lm_free(&m);
    rnn_lm_data_free(&d);
}
END_TEST

/* ------------------------------------------------------------ classifiers */

typedef struct {
    RnnCls m;
    RnnClsActs a;
    int ids[3 * 9], lens[3], labels[3];
} TinyCls;

static double cls_loss(void *p) {
    TinyCls *t = p;
    rng_seed(&t->a.rng, 4, 9);   /* the same dropout mask every call */
    return rnn_cls_forward(&t->m, &t->a, t->ids, t->lens, t->labels, 3, 9, 1);
}

static void check_encoder(RnnClsEncoder enc, RnnClsEmbedding mode) {
    TinyCls *t = calloc(1, sizeof *t);
    RnnClsConfig cfg = { enc, mode, 10, 4, 5, 3, 3, 0.3f, 0.0f };
    rnn_cls_build(&t->m, &cfg);
    Rng r;
    rng_seed(&r, 6, 0);
    rng_fill_uniform(&r, t->m.pt.values, t->m.pt.total, -0.5f, 0.5f);
    rnn_cls_after_step(&t->m);
    rnn_cls_acts_build(&t->a, &t->m, 3, 9, 0);
    int pad = rnn_cls_pad_left(&cfg), lens[3] = { 2, 5, 3 };
    for (int b = 0; b < 3; b++) {
        t->lens[b] = lens[b];
        t->labels[b] = b;
        for (int i = 0; i < 9; i++) {
            int w = i - pad;
            t->ids[b * 9 + i] = (w >= 0 && w < lens[b]) ? VOCAB_NSPECIAL + (int)rng_below(&r, 6) : VOCAB_PAD;
        }
    }
    cls_loss(t);
    params_zero_grad(&t->m.pt);
    rnn_cls_backward(&t->m, &t->a);
    char label[32];
    snprintf(label, sizeof label, "%s emb %d", rnn_cls_encoder_name(enc), (int)mode);
    /* the <pad> row is kept at zero by rnn_cls_after_step, never trained: skip the
     * table when it is frozen (its gradient must then be zero) */
    size_t skip = 0;
    if (mode == RNN_CLS_EMB_STATIC) {
        skip = (size_t)cfg.V * cfg.E;
        for (size_t i = 0; i < skip; i++) ck_assert(t->m.pt.grads[i] == 0.0f);
    }
    /* max pooling has kinks: a smaller step keeps the argmax where it is */
    float eps = enc == RNN_CLS_CNN ? 1e-3f : 1e-2f;
    double err = gradcheck(label, cls_loss, t, t->m.pt.values + skip, t->m.pt.grads + skip, t->m.pt.total - skip, eps);
    ck_assert_msg(err < GRAD_TOL, "%s: gradcheck error %g", label, err);
    rnn_cls_acts_free(&t->a);
    rnn_cls_free(&t->m);
    free(t);
}

START_TEST(test_gradcheck_classifiers) {
    check_encoder(RNN_CLS_DNN, RNN_CLS_EMB_NONSTATIC);
    check_encoder(RNN_CLS_CNN, RNN_CLS_EMB_NONSTATIC);
    check_encoder(RNN_CLS_LSTM, RNN_CLS_EMB_NONSTATIC);
    check_encoder(RNN_CLS_CNN, RNN_CLS_EMB_STATIC);
}
END_TEST

START_TEST(test_empty_sentence_dies) {
    RnnClsConfig cfg = { RNN_CLS_CNN, RNN_CLS_EMB_RAND, 10, 4, 5, 3, 2, 0.5f, 3.0f };
    RnnCls m;
    rnn_cls_build(&m, &cfg);
    RnnClsActs a;
    rnn_cls_acts_build(&a, &m, 1, 6, 0);
    int ids[6] = { 3, 3, 3, 3, 3, 3 }, lens[1] = { 0 }, labels[1] = { 0 };
    rnn_cls_forward(&m, &a, ids, lens, labels, 1, 6, 1);
}
END_TEST

START_TEST(test_empty_training_set_dies) {
    LabelledSet train, test;
    lset_init(&train, 1);
    lset_init(&test, 1);
    Vocab *v = vocab_build(VOCAB_WORD, "a b c", 5, 1, 0);
    lset_add_text(&test, 0, "a b", lset_words(v), 10);
    RnnClsTrainOptions o = { .model = { RNN_CLS_DNN, RNN_CLS_EMB_RAND, v->size, 4, 5, 3, 2, 0.5f, 3.0f },
                             .batch = 2, .epochs = 1, .lr = 1e-3f, .quiet = 1 };
    rnn_cls_train_eval(&o, &train, NULL, &test, NULL);
}
END_TEST

START_TEST(test_kim_cnn_matches_pytorch) {
    Fixture *fx = fixture_load("rnn_classify");
    const int V = 10, E = 4, F = 3, NC = 3, B = 3, T = 11;
    RnnClsConfig cfg = { RNN_CLS_CNN, RNN_CLS_EMB_NONSTATIC, V, E, 0, F, NC, 0.0f, 0.0f };
    RnnCls m;
    rnn_cls_build(&m, &cfg);
    for (int k = 0; k < m.pt.count; k++) {
        size_t n;
        float *w = fixture_get(fx, m.pt.info[k].name, &n);
        ck_assert_uint_eq(n, m.pt.info[k].size);
        memcpy(m.pt.values + m.pt.info[k].offset, w, n * sizeof(float));
    }
    int ids[3 * 11], lens[3], labels[3];
    for (int i = 0; i < B * T; i++) ids[i] = fixture_int(fx, "ids", (size_t)i);
    for (int b = 0; b < B; b++) { lens[b] = fixture_int(fx, "lens", (size_t)b); labels[b] = fixture_int(fx, "labels", (size_t)b); }
    RnnClsActs a;
    rnn_cls_acts_build(&a, &m, B, T, 0);
    float loss = (float)rnn_cls_forward(&m, &a, ids, lens, labels, B, T, 1);
    int ok = check_tensor("cnn logits", a.logits, fixture_get(fx, "logits", NULL), (size_t)B * NC, FIXTURE_TOL);
    ok &= check_tensor("cnn loss", &loss, fixture_get(fx, "loss", NULL), 1, FIXTURE_TOL);
    params_zero_grad(&m.pt);
    rnn_cls_backward(&m, &a);
    for (int k = 0; k < m.pt.count; k++) {
        char name[PARAM_NAME_MAX + 2];
        snprintf(name, sizeof name, "d.%s", m.pt.info[k].name);
        ok &= check_tensor(name, m.pt.grads + m.pt.info[k].offset, fixture_get(fx, name, NULL),
                           m.pt.info[k].size, FIXTURE_TOL);
    }
    ck_assert(ok);
    rnn_cls_acts_free(&a);
    rnn_cls_free(&m);
    fixture_free(fx);
}
END_TEST

/* a word2vec text file of 3 words of dimension D: "the" all 0.1, "god" all -0.3, "zebra" 0.5 */
static const char *tiny_vectors_file(int D) {
    const char *words[] = { "the", "god", "zebra" };
    Vectors *vec = vectors_new(3, D, words);
    for (int j = 0; j < D; j++) { vec->vecs[j] = 0.1f; vec->vecs[D + j] = -0.3f; vec->vecs[2 * D + j] = 0.5f; }
    const char *p = tmp_path("cls_vectors.txt");
    vectors_save(vec, p, 0);
    vectors_free(vec);
    return p;
}

START_TEST(test_pretrained_rows_kim) {
    Vocab *v = vocab_build(VOCAB_WORD, "in the beginning god", 20, 1, 0);
    const char *p = tiny_vectors_file(8);
    Vectors *vec = rnn_cls_vectors_load(p);
    float table[8 * 8], a;
    Rng r;
    rng_seed(&r, 1, 1);
    ck_assert_int_eq(rnn_cls_pretrained_rows(table, v, 8, vec, p, &r, &a), 2);
    /* values 0.1, -0.3, 0.5 (mean 0.1, variance 0.32/3): a = sqrt(3 var) */
    ck_assert_float_eq_tol(a, sqrtf(0.32f), 1e-5f);
    const float *the = table + (size_t)vocab_find(v, "the", 3) * 8, *god = table + (size_t)vocab_find(v, "god", 3) * 8;
    const float *in = table + (size_t)vocab_find(v, "in", 2) * 8;
    for (int j = 0; j < 8; j++) {
        ck_assert_float_eq(the[j], 0.1f);
        ck_assert_float_eq(god[j], -0.3f);
        ck_assert(fabsf(in[j]) <= a);
        ck_assert_float_eq(table[VOCAB_PAD * 8 + j], 0.0f);
    }
    vectors_free(vec);
    /* an LM run as the source: its input embedding, row for row */
    RnnLm m;
    small_model(&m, RNN_LSTM, v->size);   /* E = 8 */
    const char *dir = tmp_path("rnn_vectors");
    rnn_lm_save(&m, v, dir, 0, 0);
    vec = rnn_cls_vectors_load(dir);
    ck_assert_int_eq(rnn_cls_pretrained_rows(table, v, 8, vec, dir, &r, NULL), 4);
    int w = vocab_find(v, "beginning", 9);
    ck_assert_int_eq(memcmp(table + (size_t)w * 8, m.w.wte + (size_t)w * 8, 8 * sizeof(float)), 0);
    vectors_free(vec);
    rnn_lm_free(&m);
    vocab_free(v);
}
END_TEST

START_TEST(test_vectors_dimension_mismatch_dies) {
    Vocab *v = vocab_build(VOCAB_WORD, "in the beginning", 16, 1, 0);
    const char *p = tiny_vectors_file(8);
    Vectors *vec = rnn_cls_vectors_load(p);
    float table[64 * 16];
    Rng r;
    rng_seed(&r, 1, 1);
    rnn_cls_pretrained_rows(table, v, 16, vec, p, &r, NULL);   /* E = 16, the file's 8: exit 1 */
}
END_TEST

/* A classification file of the given text; loading it as SST's files are. */
static void load_labelled_text(const char *text, LabelledSet *s) {
    const char *p = tmp_path("cls_labelled");
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
    Vocab *v;
    rnn_cls_load_labelled(s, &v, &p, 1, 2, 64);
    vocab_free(v);
}

START_TEST(test_labelled_file_loads) {
    LabelledSet s;
    load_labelled_text("1 a fine film\n0 dull , dull\n", &s);
    ck_assert_int_eq(s.n, 2);
    ck_assert_int_eq(s.label[0], 1);
    ck_assert_int_eq(s.len[0], 3);
    ck_assert_int_eq(s.len[1], 3);
    lset_free(&s);
}
END_TEST

START_TEST(test_empty_class_dies) {
    LabelledSet s;
    load_labelled_text("1 a fine film\n1 fine , fine\n", &s);
    lset_check_classes(&s, 2, "test");   /* class 0 has no sentences: exit 1 */
}
END_TEST

START_TEST(test_empty_classification_file_dies) {
    LabelledSet s;
    load_labelled_text("", &s);
}
END_TEST

START_TEST(test_label_without_words_dies) {
    LabelledSet s;
    load_labelled_text("1 a fine film\n0\n", &s);
}
END_TEST

START_TEST(test_bad_label_dies) {
    LabelledSet s;
    load_labelled_text("1 a fine film\n2 out of range\n", &s);
}
END_TEST

START_TEST(test_sentence_limit_negative_dies) {
    LabelledSet s;
    lset_init(&s, 1);
    Vocab *v = vocab_build(VOCAB_WORD, "a b c", 5, 1, 0);
    lset_add_text(&s, 0, "a b", lset_words(v), -1);   /* 0 means no limit (dataset.h); below it is an error */
}
END_TEST

START_TEST(test_maxlen_zero_rejected) {
    char *argv[] = { "classify-train", "--task", "bible", "--maxlen", "0", NULL };
    rnn_cmd_classify_train(5, argv);   /* usage error: exit 2 */
}
END_TEST

/* Flips bits of one byte of DIR/model.ckpt, as a damaged disk would. */
static void corrupt_checkpoint_byte(const char *dir, long offset) {
    char ckpt[4096];
    snprintf(ckpt, sizeof ckpt, "%s/model.ckpt", dir);
    FILE *f = fopen(ckpt, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, offset, SEEK_SET);
    int c = fgetc(f);
    fseek(f, offset, SEEK_SET);
    fputc(c ^ 0x55, f);
    fclose(f);
}

/* A small CNN trained two epochs on a toy labelled file and saved as --out
 * does: rnn_cls_load gives back a model with the same accuracy, and
 * classify-eval scores the file with it. */
static const char *toy_reviews =
    "1 a fine film\n1 a fine , fine cast\n1 fine acting\n0 a dull film\n0 dull , dull plot\n0 dull acting\n";

static RnnClsScore train_toy_classifier(const char *dir, const char *p, LabelledSet *s, Vocab **v) {
    FILE *f = fopen(p, "w");
    fputs(toy_reviews, f);
    fclose(f);
    rnn_cls_load_labelled(s, v, &p, 1, 2, 64);
    RnnClsTrainOptions o = { .model = { .enc = RNN_CLS_CNN, .emb = RNN_CLS_EMB_RAND, .V = (*v)->size, .E = 8, .H = 8,
                                     .F = 4, .NC = 2, .dropout = 0.0f, .max_norm = 3.0f },
                          .batch = 3, .epochs = 2, .lr = 1e-2f, .seed = 7, .quiet = 1,
                          .save_dir = dir, .save_vocab = *v };
    return rnn_cls_train_eval(&o, s, NULL, s, NULL);
}

START_TEST(test_classifier_save_load_round_trip) {
    const char *dir = tmp_path("cls_saved");
    LabelledSet s;
    Vocab *v;
    const char *data = tmp_path("cls_toy");
    RnnClsScore trained = train_toy_classifier(dir, data, &s, &v);
    RnnCls m;
    Vocab *v2;
    rnn_cls_load(&m, &v2, dir);
    ck_assert_int_eq(v2->size, v->size);
    ck_assert_int_eq(m.cfg.F, 4);
    RnnClsActs a;
    rnn_cls_acts_build(&a, &m, 3, 20, 1);
    double acc = rnn_cls_accuracy(&m, &a, &s);
    ck_assert_msg(acc == trained.test_acc, "loaded %g, trained %g", acc, trained.test_acc);
    /* The saved model answers exactly as the one the eval command loads. */
    char *argv[] = { "classify-eval", "--model", (char *)dir, "--data", (char *)data, NULL };
    ck_assert_int_eq(rnn_cmd_classify_eval(5, argv), 0);
    rnn_cls_acts_free(&a);
    rnn_cls_free(&m);
    lset_free(&s);
    vocab_free(v);
    vocab_free(v2);
}
END_TEST

START_TEST(test_corrupted_classifier_dies) {
    const char *dir = tmp_path("cls_corrupt");
    LabelledSet s;
    Vocab *v;
    train_toy_classifier(dir, tmp_path("cls_toy"), &s, &v);
    corrupt_checkpoint_byte(dir, 150);
    RnnCls m;
    Vocab *v2;
    rnn_cls_load(&m, &v2, dir);   /* the checksum fails: exit 1 */
}
END_TEST

START_TEST(test_classify_eval_needs_a_model) {
    char *argv[] = { "classify-eval", "--task", "sst2", NULL };
    rnn_cmd_classify_eval(3, argv);   /* usage error: exit 2 */
}
END_TEST

START_TEST(test_classify_eval_missing_model_dies) {
    char *argv[] = { "classify-eval", "--model", (char *)tmp_path("no_such_model"), "--task", "bible", NULL };
    rnn_cmd_classify_eval(5, argv);   /* no model.ckpt there: exit 1 */
}
END_TEST

START_TEST(test_lm_checkpoint_is_not_a_classifier) {
    Vocab *v = char_vocab("abcabc\n");
    RnnLm m;
    small_model(&m, RNN_LSTM, v->size);
    const char *dir = tmp_path("cls_foreign");
    rnn_lm_save(&m, v, dir, 1, 0);
    RnnCls c;
    Vocab *v2;
    rnn_cls_load(&c, &v2, dir);   /* stage "rnn", not "rnn-classify": exit 1 */
}
END_TEST

START_TEST(test_cnn_beats_majority_on_bible) {
    LabelledSet train, test;
    Vocab *v = rnn_cls_load_bible_task(&train, &test, 40);
    if (!v)
        SKIP_TEST("no Bible data (make data)");
    RnnClsTrainOptions o = { .model = { RNN_CLS_CNN, RNN_CLS_EMB_RAND, v->size, 32, 0, 32, BIBLE_DIVISIONS, 0.5f, 3.0f },
                          .batch = 50, .epochs = 1, .lr = 2e-3f, .seed = 1, .quiet = 1 };
    double acc = rnn_cls_train_eval(&o, &train, NULL, &test, NULL).test_acc;
    double majority = lset_majority_accuracy(&train, &test, BIBLE_DIVISIONS);
    printf("bible divisions: CNN %.2f%% vs majority class %.2f%% (%d training verses, 1 epoch)\n",
           100 * acc, 100 * majority, train.n);
    ck_assert_msg(acc > majority + 0.25, "CNN %.4f, majority %.4f", acc, majority);
    lset_free(&train);
    lset_free(&test);
    vocab_free(v);
}
END_TEST

/* ------------------------------------------------------------ resume */

/* A char corpus of ~470 characters: with T 8 and B 4 an epoch is 13 chunks,
 * so a 40-step run turns three epochs and a stop at step 20 falls mid-epoch. */
static const char *resume_corpus(void) {
    const char *p = tmp_path("rnn_resume.txt");
    FILE *f = fopen(p, "w");
    for (int i = 0; i < 6; i++)
        fputs("in the beginning god created the heaven and the earth. and the earth was without form.\n", f);
    fclose(f);
    return p;
}

/* sgd: an LSTM with SGD, lr halved each epoch after the first, Zaremba's
 * time-summed loss; else a GRU with Adam. Dropout on, so the mask
 * generator's state matters too. */
static void resume_options(RnnLmTrainOptions *o, int sgd, const char *out, long steps) {
    rnn_lm_train_defaults(o);
    o->model = (RnnLmConfig){ sgd ? RNN_LSTM : RNN_GRU, 0, 12, 16, 2, 0.25f };
    o->T = 8; o->B = 4; o->steps = steps;
    o->optimizer = !sgd; o->lr = sgd ? 1.0f : 3e-3f; o->decay = 0.5f; o->decay_start = 1; o->time_sum = sgd;
    o->log_every = 5; o->eval_every = 10; o->eval_T = 16; o->seed = 5; o->quiet = 1;
    o->out = out;
}

/* The rows of DIR/metrics.tsv without their two timing columns (tok_per_s, elapsed_s). */
static char *metrics_without_timing(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/metrics.tsv", dir);
    Lines *l = lines_load(path);
    size_t cap = 1, len = 0;
    for (size_t i = 0; i < l->n; i++) cap += strlen(l->line[i]) + 1;
    char *out = calloc(cap, 1);
    for (size_t i = 0; i < l->n; i++) {
        int tabs = 0;
        for (const char *c = l->line[i]; *c && !(*c == '\t' && ++tabs == 8); c++) out[len++] = *c;
        out[len++] = '\n';
    }
    lines_free(l);
    return out;
}

static void copy_file(const char *from, const char *to) {
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    ck_assert(in && out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
}

/* Copy DIR's model.ckpt and train_state.ckpt to or from DIR/keep.* */
static void keep_checkpoint(const char *dir, int restore) {
    const char *names[2] = { "model.ckpt", "train_state.ckpt" };
    for (int k = 0; k < 2; k++) {
        char file[4200], kept[4200];
        snprintf(file, sizeof file, "%s/%s", dir, names[k]);
        snprintf(kept, sizeof kept, "%s/keep.%s", dir, names[k]);
        if (restore) copy_file(kept, file);
        else copy_file(file, kept);
    }
}

/* A run resumed (b, its folder parts) against one never stopped (a, whole):
 * the same weights, optimizer moments and metrics rows, bit for bit. */
static void expect_same_run(const RnnLm *a, const RnnLm *b, const char *whole, const char *parts) {
    size_t bytes = a->pt.total * sizeof(float);
    ck_assert_msg(memcmp(a->pt.values, b->pt.values, bytes) == 0, "the resumed run's weights differ");
    ck_assert_msg(memcmp(a->pt.m, b->pt.m, bytes) == 0 && memcmp(a->pt.v, b->pt.v, bytes) == 0,
                  "the resumed run's Adam moments differ");
    char *ra = metrics_without_timing(whole), *rb = metrics_without_timing(parts);
    ck_assert_str_eq(rb, ra);
    free(ra);
    free(rb);
}

/* Two runs of the same 40 steps: one straight through, one stopped at step
 * 20 and resumed. They must agree bit for bit: the weights, Adam's moments,
 * every metrics row. With stop_again, the resumed run is then rolled back to
 * its step-20 checkpoint and resumed once more, as when a run dies after
 * logging past its last checkpoint: metrics.tsv must still hold each step once. */
static void check_resume(int sgd, int stop_again) {
    set_threads(1);
    RnnLmData d;
    rnn_lm_data_chars(&d, resume_corpus(), NULL, NULL);
    const char *whole = tmp_path("rnn_whole"), *parts = tmp_path("rnn_parts");
    RnnLmTrainOptions o;
    RnnLm a, b;
    resume_options(&o, sgd, whole, 40);
    rnn_lm_train(&a, &d, &o);
    resume_options(&o, sgd, parts, 20);
    rnn_lm_train(&b, &d, &o);
    rnn_lm_free(&b);
    keep_checkpoint(parts, 0);
    o.steps = 40; o.resume = 1;
    for (int round = 0; round < (stop_again ? 2 : 1); round++) {
        if (round == 1) {
            rnn_lm_free(&b);
            keep_checkpoint(parts, 1);
        }
        rnn_lm_train(&b, &d, &o);
        expect_same_run(&a, &b, whole, parts);
    }
    rnn_lm_free(&a);
    rnn_lm_free(&b);
    rnn_lm_data_free(&d);
}

/* A run folder without train_state.ckpt (or with one from another step)
 * still resumes: the weights and Adam's moments go on, the carried state
 * from zero. */
START_TEST(test_resume_without_train_state) {
    RnnLmData d;
    rnn_lm_data_chars(&d, resume_corpus(), NULL, NULL);
    const char *dir = tmp_path("rnn_no_state");
    RnnLmTrainOptions o;
    RnnLm m;
    resume_options(&o, 0, dir, 10);
    rnn_lm_train(&m, &d, &o);
    rnn_lm_free(&m);
    char path[4200];
    snprintf(path, sizeof path, "%s/train_state.ckpt", dir);
    ck_assert_int_eq(remove(path), 0);
    o.steps = 20; o.resume = 1;
    double valid = rnn_lm_train(&m, &d, &o);
    ck_assert(isfinite(valid));
    rnn_lm_free(&m);
    rnn_lm_data_free(&d);
}
END_TEST

/* Resuming with another batch would read the text at other places: an error. */
START_TEST(test_resume_with_another_batch_dies) {
    RnnLmData d;
    rnn_lm_data_chars(&d, resume_corpus(), NULL, NULL);
    const char *dir = tmp_path("rnn_other_batch");
    RnnLmTrainOptions o;
    RnnLm m;
    resume_options(&o, 0, dir, 10);
    rnn_lm_train(&m, &d, &o);
    rnn_lm_free(&m);
    o.steps = 20; o.resume = 1; o.B = 2;
    rnn_lm_train(&m, &d, &o);   /* exit 1 */
}
END_TEST

START_TEST(test_resume_is_bit_identical_sgd_lstm) { check_resume(1, 0); }
END_TEST
START_TEST(test_resume_is_bit_identical_adam_gru) { check_resume(0, 0); }
END_TEST
START_TEST(test_resume_logs_each_step_once) { check_resume(1, 1); }
END_TEST

/* ------------------------------------------------------------ Mikolov's schedule */

/* The validation rows of DIR/metrics.tsv: their loss and lr (at most max). */
static int valid_rows(const char *dir, double *loss, double *lr, int max) {
    char path[4096];
    snprintf(path, sizeof path, "%s/metrics.tsv", dir);
    Lines *l = lines_load(path);
    int n = 0;
    for (size_t i = 1; i < l->n && n < max; i++) {
        long step, tokens;
        double epoch, ppl;
        char split[16];
        if (sscanf(l->line[i], "%ld %lf %ld %15s %lf %lf %lf", &step, &epoch, &tokens, split, &loss[n], &ppl,
                   &lr[n]) == 7 && strcmp(split, "valid") == 0)
            n++;
    }
    lines_free(l);
    return n;
}

/* A small Elman LM at a rate high enough to make an epoch worse. */
static void plateau_options(RnnLmTrainOptions *o, const char *out, long epochs) {
    rnn_lm_train_defaults(o);
    o->model = (RnnLmConfig){ RNN_ELMAN, 0, 12, 16, 1, 0.0f };
    o->T = 8; o->B = 4; o->epochs = epochs; o->plateau = 1;
    o->optimizer = 0; o->lr = 1.0f; o->time_sum = 1; o->eval_T = 16; o->seed = 3; o->quiet = 1;
    o->log_every = 7;   /* an epoch is 14 chunks: a stop after an epoch falls on a metrics row */
    o->out = out;
}

/* The rate stays until an epoch gains less than 0.3%, then halves after
 * every epoch; a worse epoch is undone; the second small gain stops the run
 * before the ceiling, with the best epoch's model. */
START_TEST(test_plateau_schedule) {
    set_threads(1);
    RnnLmData d;
    rnn_lm_data_chars(&d, resume_corpus(), NULL, NULL);
    const char *dir = tmp_path("rnn_plateau");
    RnnLmTrainOptions o;
    plateau_options(&o, dir, 200);
    RnnLm m;
    double best = rnn_lm_train(&m, &d, &o);
    double loss[200], lr[200];
    int n = valid_rows(dir, loss, lr, 200);
    ck_assert_msg(n >= 3 && n < 200, "%d epochs: the schedule never stopped the run", n);
    int first_small = -1, small = 0, worse = 0, first_worse = -1;
    double kept = INFINITY, kept_before_worse = INFINITY;
    for (int e = 0; e < n; e++) {
        double want = first_small < 0 ? 1.0 : ldexp(1.0, -(e - first_small));
        ck_assert_msg(fabs(lr[e] - want) < 1e-9, "epoch %d ran at lr %g, not %g", e + 1, lr[e], want);
        if (e > 0 && loss[e] * 1.003 > loss[e - 1]) {
            small++;
            if (first_small < 0) first_small = e;
        }
        if (loss[e] >= kept && worse++ == 0) { first_worse = e; kept_before_worse = kept; }
        if (loss[e] < kept) kept = loss[e];
    }
    ck_assert_int_eq(small, 2);   /* the second one ended the run */
    ck_assert(loss[n - 1] * 1.003 > loss[n - 2]);
    ck_assert_double_eq_tol(best, kept, 1e-5);   /* metrics.tsv keeps 7 digits */
    /* the model the run leaves is the best epoch's, even when the last was worse */
    double again = rnn_lm_evaluate(&m, d.split[SPLIT_VALID], d.len[SPLIT_VALID], 16, 0);
    ck_assert_double_eq_tol(again, kept, 1e-6);
    printf("plateau: %d epochs, halving from epoch %d, %d worse epochs undone, best valid %.4f\n", n,
           first_small + 1, worse, kept);
    rnn_lm_free(&m);
    /* stopped by the ceiling right after the first worse epoch (at lr 1 one
     * comes early; which one depends on the CPU's arithmetic), the run
     * leaves the best model before it */
    ck_assert_msg(first_worse > 0, "no epoch was worse than the best before it at this rate");
    plateau_options(&o, tmp_path("rnn_plateau_ceiling"), first_worse + 1);
    rnn_lm_train(&m, &d, &o);
    again = rnn_lm_evaluate(&m, d.split[SPLIT_VALID], d.len[SPLIT_VALID], 16, 0);
    ck_assert_double_eq_tol(again, kept_before_worse, 1e-5);
    rnn_lm_free(&m);
    rnn_lm_data_free(&d);
}
END_TEST

/* Stopped after 3 epochs and resumed, the schedule goes on as if never
 * stopped: the same weights and metrics rows, bit for bit. */
START_TEST(test_plateau_resume_is_bit_identical) {
    set_threads(1);
    RnnLmData d;
    rnn_lm_data_chars(&d, resume_corpus(), NULL, NULL);
    const char *whole = tmp_path("rnn_plateau_whole"), *parts = tmp_path("rnn_plateau_parts");
    RnnLmTrainOptions o;
    RnnLm a, b;
    plateau_options(&o, whole, 200);
    rnn_lm_train(&a, &d, &o);
    plateau_options(&o, parts, 3);
    rnn_lm_train(&b, &d, &o);
    rnn_lm_free(&b);
    plateau_options(&o, parts, 200);
    o.resume = 1;
    rnn_lm_train(&b, &d, &o);
    expect_same_run(&a, &b, whole, parts);
    rnn_lm_free(&a);
    rnn_lm_free(&b);
    rnn_lm_data_free(&d);
}
END_TEST

/* ------------------------------------------------------------ the command line */

/* bin/rnn as an absolute path (so a test can run it from another folder), or
 * NULL when it is not built. */
static const char *rnn_binary(void) {
    static char path[4096];
    const char *bin = getenv("BIN");
    char rel[4096];
    snprintf(rel, sizeof rel, "%s/rnn", bin && *bin ? bin : "bin");
    if (!realpath(rel, path) || access(path, X_OK) != 0) return NULL;
    return path;
}

/* Runs `rnn ARGS` in folder cwd with NLP_DATA_DIR=data_dir; returns its exit
 * status and leaves its stderr in *err (free it). */
static int run_rnn(const char *cwd, const char *data_dir, const char *args, char **err) {
    const char *errfile = tmp_path("rnn_stderr");
    char cmd[32768];
    snprintf(cmd, sizeof cmd, "cd '%s' && NLP_DATA_DIR='%s' '%s' %s > /dev/null 2> '%s'", cwd, data_dir,
             rnn_binary(), args, errfile);
    int st = system(cmd);
    size_t len;
    *err = read_file(errfile, &len);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A folder with no data/cache in it, and an empty one for NLP_DATA_DIR:
 * as on a machine where `make data` never ran. */
static void no_data(char *cwd, char *empty, size_t n) {
    snprintf(cwd, n, "%s", tmp_path("rnn_cwd"));
    snprintf(empty, n, "%s", tmp_path("rnn_no_data"));
    make_dirs(cwd);
    make_dirs(empty);
}

START_TEST(test_missing_dataset_says_make_data) {
    if (!rnn_binary()) SKIP_TEST("bin/rnn is not built");
    char cwd[4096], empty[4096], lm[4096], cls[4096];
    no_data(cwd, empty, sizeof cwd);
    /* a saved LM and classifier, for the commands that load one first */
    snprintf(lm, sizeof lm, "%s", tmp_path("rnn_missing_lm"));
    snprintf(cls, sizeof cls, "%s", tmp_path("rnn_missing_cls"));
    Vocab *v = char_vocab("abcabc\n");
    RnnLm m;
    small_model(&m, RNN_LSTM, v->size);
    rnn_lm_save(&m, v, lm, 1, 0);
    LabelledSet s;
    Vocab *cv;
    train_toy_classifier(cls, tmp_path("cls_toy"), &s, &cv);
    struct { const char *fmt, *arg; } cases[] = {   /* fmt: the arguments, with arg for its %s */
        { "lm-train --preset ptb-small", NULL }, { "lm-train --preset ptb-rnn --steps 1", NULL },
        { "lm-train --corpus bible-words", NULL }, { "lm-train --preset bible-chars", NULL },
        { "lm-train --preset shakespeare-gru", NULL }, { "lm-eval --model '%s' --corpus ptb", lm },
        { "classify-train --preset mr-cnn-rand", NULL }, { "classify-train --preset sst2-cnn-rand", NULL },
        { "classify-train --preset bible-cnn", NULL }, { "classify-eval --model '%s' --task sst2", cls },
        { "classify-eval --model '%s' --task bible", cls }, { "demo --quick", NULL },
        { "elmo --out '%s'", tmp_path("rnn_elmo") }, { "elmo-probe --out '%s'", tmp_path("rnn_elmo_probe") },
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char args[4200], *err;
        snprintf(args, sizeof args, cases[k].fmt, cases[k].arg);
        int status = run_rnn(cwd, empty, args, &err);
        ck_assert_msg(status == 1, "rnn %s: exit %d, stderr: %s", args, status, err);
        ck_assert_msg(strstr(err, "' is missing (run `make data`, or set NLP_DATA_DIR to the datasets' folder)"),
                      "rnn %s: %s", args, err);
        ck_assert_msg(strstr(err, "'data/cache/"), "rnn %s does not name the file: %s", args, err);
        free(err);
    }
    rnn_lm_free(&m);
    vocab_free(v);
    lset_free(&s);
    vocab_free(cv);
}
END_TEST

/* A text file with a NUL byte on its second line, which is no text (text.h). */
static const char *nul_file(const char *stem, const char *first_line) {
    const char *p = tmp_path(stem);
    FILE *f = fopen(p, "wb");
    fputs(first_line, f);
    fputs("in the beginning\n", f);
    fwrite("and god\0said\n", 1, 13, f);
    fclose(f);
    return p;
}

START_TEST(test_nul_byte_is_rejected_with_file_and_line) {
    if (!rnn_binary()) SKIP_TEST("bin/rnn is not built");
    char cwd[4096], empty[4096], sst[4600], cls[4096], args[8192];
    no_data(cwd, empty, sizeof cwd);
    snprintf(cls, sizeof cls, "%s", tmp_path("rnn_nul_cls"));
    LabelledSet s;
    Vocab *cv;
    train_toy_classifier(cls, tmp_path("cls_toy"), &s, &cv);
    /* SST's three files from NLP_DATA_DIR, the training one with the NUL */
    snprintf(sst, sizeof sst, "%s/sst", empty);
    make_dirs(sst);
    const char *splits[3] = { "train", "dev", "test" };
    for (int k = 0; k < 3; k++) {
        char path[4700];
        snprintf(path, sizeof path, "%s/stsa.binary.%s", sst, splits[k]);
        FILE *f = fopen(path, "wb");
        fputs("1 a fine film\n", f);
        if (k == 0) fwrite("0 a dull\0film\n", 1, 14, f);
        else fputs("0 a dull film\n", f);
        fclose(f);
    }
    const char *lm_text = nul_file("rnn_nul.txt", "");
    const char *labelled = nul_file("rnn_nul_labelled.txt", "1 a fine film\n");
    /* fmt: the arguments, with the file for the first %s and the classifier's folder for a second */
    struct { const char *fmt, *file; int line; } cases[] = {
        { "lm-train --train '%s' --char --steps 1 --quiet", lm_text, 2 },
        { "lm-train --train '%s' --steps 1 --quiet", lm_text, 2 },
        { "lm-train --corpus bible-words --train '%s' --steps 1 --quiet", lm_text, 2 },
        { "classify-train --task sst2 --epochs 1 --quiet", "sst/stsa.binary.train", 2 },
        { "classify-eval --data '%s' --model '%s'", labelled, 3 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char *err, want[4700];
        snprintf(args, sizeof args, cases[k].fmt, cases[k].file, cls);
        int status = run_rnn(cwd, empty, args, &err);
        ck_assert_msg(status == 1, "rnn %s: exit %d, stderr: %s", args, status, err);
        snprintf(want, sizeof want, "%s': NUL byte at byte", cases[k].file);
        ck_assert_msg(strstr(err, want), "rnn %s does not name the file: %s", args, err);
        snprintf(want, sizeof want, "(line %d)", cases[k].line);
        ck_assert_msg(strstr(err, want), "rnn %s does not name the line: %s", args, err);
        free(err);
    }
    lset_free(&s);
    vocab_free(cv);
}
END_TEST

/* common/cli.h's rules: unknown options, bad numbers and bad choices are
 * usage errors (exit 2), --help prints the usage (exit 0). */
START_TEST(test_command_line_usage) {
    if (!rnn_binary()) SKIP_TEST("bin/rnn is not built");
    char cwd[4096], empty[4096], lm[4096];
    no_data(cwd, empty, sizeof cwd);
    snprintf(lm, sizeof lm, "%s", tmp_path("rnn_cli_lm"));
    Vocab *v = char_vocab("abcabc\n");
    RnnLm m;
    small_model(&m, RNN_LSTM, v->size);
    rnn_lm_save(&m, v, lm, 1, 0);
    struct { const char *fmt; int status; } cases[] = {   /* %s: a saved LM */
        { "lm-train --help", 0 }, { "lm-train --preset ptb-small --help", 0 }, { "lm-eval -h", 0 },
        { "sample --help", 0 }, { "classify-train --help", 0 }, { "classify-eval --help", 0 },
        { "bench --help", 0 }, { "demo --help", 0 },
        { "lm-train --no-such-option", 2 }, { "classify-train --no-such-option 1", 2 },
        { "classify-eval --no-such-option", 2 }, { "bench --no-such-option", 2 },
        { "lm-train --steps 12x", 2 }, { "lm-train --context 0", 2 }, { "lm-train --lr", 2 },
        { "lm-train --cell tree", 2 }, { "lm-train --preset no-such-preset", 2 },
        { "lm-train --corpus ptb stray-argument", 2 }, { "classify-train --epochs many", 2 },
        { "classify-train --preset mr-rnn", 2 }, { "classify-eval --task mr --model x", 2 },
        { "bench --case huge", 2 }, { "sample --model '%s' --top-p 0", 2 },
        { "sample --model '%s' --temperature -1", 2 }, { "sample --model '%s' --top-k -3", 2 },
        { "sample --model '%s' --n 5 --temperature 0 --top-k 3 --top-p 0.5", 0 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char args[4200], *err;
        snprintf(args, sizeof args, cases[k].fmt, lm);
        int status = run_rnn(cwd, empty, args, &err);
        ck_assert_msg(status == cases[k].status, "rnn %s: exit %d, want %d; stderr: %s", args, status,
                      cases[k].status, err);
        free(err);
    }
    rnn_lm_free(&m);
    vocab_free(v);
}
END_TEST

/* `rnn bench` counts a step's matrix-product FLOPs by hand: for the char
 * case (LSTM 2x128, E 128, V 65), forward 2 per weight of each layer's
 * W_ih (4H x E or H) and W_hh (4H x H) and of the decoder (V x H), three
 * times that with the backward pass. The README's ceiling argument rests on it. */
START_TEST(test_bench_counts_flops) {
    if (!rnn_binary()) SKIP_TEST("bin/rnn is not built");
    char cmd[4200], line[1024] = "";
    snprintf(cmd, sizeof cmd, "'%s' bench --case char --reps 1 --threads 1", rnn_binary());
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    while (fgets(line, sizeof line, p) && strncmp(line, "RESULT ", 7) != 0) {}
    ck_assert_int_eq(pclose(p), 0);
    const char *f = strstr(line, " mflop_per_tok=");
    ck_assert_msg(f != NULL, "no mflop_per_tok in: %s", line);
    double H = 128, forward = 2 * (4 * H * (128 + H) + 4 * H * (H + H) + 65 * H);
    ck_assert_double_eq_tol(atof(f + 15), 3 * forward / 1e6, 1e-3);
}
END_TEST

/* A preset is applied first; a flag overrides it wherever it stands, and
 * the older spellings (--seq-len, --eval-interval, --train) still work. */
START_TEST(test_flags_override_the_preset) {
    if (!rnn_binary()) SKIP_TEST("bin/rnn is not built");
    char cwd[4096], empty[4096], out[4096], args[8192], *err;
    no_data(cwd, empty, sizeof cwd);
    const char *text = tmp_path("rnn_preset.txt");
    FILE *f = fopen(text, "w");
    for (int i = 0; i < 20; i++) fputs("in the beginning god created the heaven and the earth.\n", f);
    fclose(f);
    const char *spellings[2][3] = { { "--context", "--eval-every", "--data" },
                                    { "--seq-len", "--eval-interval", "--train" } };
    for (int k = 0; k < 2; k++) {
        snprintf(out, sizeof out, "%s", tmp_path("rnn_preset_run"));
        /* ptb-small: PTB words, SGD lr 1, 13 epochs, T 20, B 20, H 200; --hidden stands before it */
        snprintf(args, sizeof args, "lm-train --hidden 8 --preset ptb-small %s '%s' --char --emb 8 --steps 3 %s 4 "
                 "--batch 2 %s 2 --eval-tokens 10 --out '%s' --quiet --threads 1",
                 spellings[k][2], text, spellings[k][0], spellings[k][1], out);
        int status = run_rnn(cwd, empty, args, &err);
        ck_assert_msg(status == 0, "rnn %s: exit %d: %s", args, status, err);
        free(err);
        char path[4200];
        snprintf(path, sizeof path, "%s/config.txt", out);
        size_t len;
        char *config = read_file(path, &len);
        const char *want[] = { "level = char\n", "hidden = 8\n", "emb = 8\n", "seq_len = 4\n", "batch = 2\n",
                               "steps = 3\n", "optimizer = sgd\n", "lr = 1\n", "time_sum = 1\n" };
        for (size_t w = 0; w < sizeof want / sizeof *want; w++)
            ck_assert_msg(strstr(config, want[w]), "%s: no '%s' in\n%s", args, want[w], config);
        free(config);
        /* --eval-every 2 of 3 steps: validation rows at steps 2 and 3 */
        snprintf(path, sizeof path, "%s/metrics.tsv", out);
        char *rows = read_file(path, &len);
        ck_assert_msg(strstr(rows, "\n2\t") && strstr(rows, "valid"), "%s", rows);
        free(rows);
    }
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(test_sequence_length_zero_dies) {
    RnnLm m;
    small_model(&m, RNN_LSTM, 9);
    RnnLmActs a;
    rnn_lm_acts_build(&a, &m, 0, 4, 0);
}
END_TEST

START_TEST(test_corrupted_checkpoint_dies) {
    Vocab *v = char_vocab("abcabc\n");
    RnnLm m;
    small_model(&m, RNN_GRU, v->size);
    const char *dir = tmp_path("rnn_bad");
    rnn_lm_save(&m, v, dir, 1, 0);
    corrupt_checkpoint_byte(dir, 200);
    RnnLm m2;
    Vocab *v2;
    rnn_lm_load(&m2, &v2, dir, NULL);   /* the checksum fails: exit 1 */
}
END_TEST

START_TEST(test_bad_config_rejected) {
    RnnLmConfig cfg;
    ck_assert_int_eq(rnn_lm_config_parse("kind=1\nvocab=10\nemb=4\nhidden=0\nlayers=2\n", &cfg), -1);
    ck_assert_int_eq(rnn_lm_config_parse("kind=5\nvocab=10\nemb=4\nhidden=4\nlayers=2\n", &cfg), -1);
    ck_assert_int_eq(rnn_lm_config_parse("kind=2\nvocab=10\nemb=4\nhidden=4\nlayers=99\n", &cfg), -1);
    ck_assert_int_eq(rnn_lm_config_parse("kind=2\nvocab=10\nemb=4\nhidden=4\nlayers=2\n", &cfg), 0);
}
END_TEST

START_TEST(test_text_too_short_dies) {
    const char *p = tmp_path("rnn_short");
    FILE *f = fopen(p, "w");
    fputs("abc", f);
    fclose(f);
    RnnLmData d;
    rnn_lm_data_chars(&d, p, p, NULL);
    RnnLmTrainOptions o;
    rnn_lm_train_defaults(&o);
    o.quiet = 1; o.out = tmp_path("rnn_short_run");
    RnnLm m;
    rnn_lm_train(&m, &d, &o);   /* 3 chars make no chunk of 50 steps: exit 1 */
}
END_TEST

static Suite *rnn_suite(void) {
    Suite *s = suite_create("rnn");
    TCase *tc = tcase_create("lm");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_lstm_lm_matches_pytorch);
    tcase_add_test(tc, test_gradcheck_rnn_lm);
    tcase_add_test(tc, test_gradcheck_lstm_lm);
    tcase_add_test(tc, test_gradcheck_gru_lm);
    tcase_add_test(tc, test_state_carried_across_chunks);
    tcase_add_test(tc, test_resume_is_bit_identical_sgd_lstm);
    tcase_add_test(tc, test_resume_is_bit_identical_adam_gru);
    tcase_add_test(tc, test_resume_logs_each_step_once);
    tcase_add_test(tc, test_plateau_schedule);
    tcase_add_test(tc, test_plateau_resume_is_bit_identical);
    tcase_add_test(tc, test_resume_without_train_state);
    tcase_add_exit_test(tc, test_resume_with_another_batch_dies, 1);
    tcase_add_test(tc, test_eval_independent_of_chunk_length);
    tcase_add_test(tc, test_checkpoint_round_trip_and_sampling);
    tcase_add_test(tc, test_sampling_is_seeded_and_greedy_at_temperature_zero);
    tcase_add_test(tc, test_rnn_gradient_vanishes_faster_than_lstm);
    tcase_add_test(tc, test_gradnorm_result_lines);
    tcase_add_test(tc, test_bad_config_rejected);
    tcase_add_test(tc, test_kim_cnn_matches_pytorch);
    tcase_add_test(tc, test_gradcheck_classifiers);
    tcase_add_test(tc, test_pretrained_rows_kim);
    tcase_add_test(tc, test_labelled_file_loads);
    tcase_add_exit_test(tc, test_empty_class_dies, 1);
    tcase_add_exit_test(tc, test_empty_classification_file_dies, 1);
    tcase_add_exit_test(tc, test_label_without_words_dies, 1);
    tcase_add_exit_test(tc, test_bad_label_dies, 1);
    tcase_add_exit_test(tc, test_sentence_limit_negative_dies, 1);
    tcase_add_exit_test(tc, test_maxlen_zero_rejected, 2);
    tcase_add_exit_test(tc, test_empty_sentence_dies, 1);
    tcase_add_exit_test(tc, test_empty_training_set_dies, 1);
    tcase_add_exit_test(tc, test_vectors_dimension_mismatch_dies, 1);
    tcase_add_exit_test(tc, test_sequence_length_zero_dies, 1);
    tcase_add_exit_test(tc, test_corrupted_checkpoint_dies, 1);
    tcase_add_exit_test(tc, test_text_too_short_dies, 1);
    tcase_add_test(tc, test_classifier_save_load_round_trip);
    tcase_add_exit_test(tc, test_corrupted_classifier_dies, 1);
    tcase_add_exit_test(tc, test_lm_checkpoint_is_not_a_classifier, 1);
    tcase_add_exit_test(tc, test_classify_eval_needs_a_model, 2);
    tcase_add_exit_test(tc, test_classify_eval_missing_model_dies, 1);
    tcase_add_test(tc, test_missing_dataset_says_make_data);
    tcase_add_test(tc, test_nul_byte_is_rejected_with_file_and_line);
    tcase_add_test(tc, test_command_line_usage);
    tcase_add_test(tc, test_bench_counts_flops);
    tcase_add_test(tc, test_flags_override_the_preset);
    suite_add_tcase(s, tc);
    TCase *q = tcase_create("quality");
    tcase_set_timeout(q, 900);   /* ~15 s in release; ASan on a busy machine is far slower */
    tcase_add_test(q, test_demo_quick_learns_the_bible);
    tcase_add_test(q, test_cnn_beats_majority_on_bible);
    suite_add_tcase(s, q);
    return s;
}

TEST_MAIN(rnn_suite)
