/*
 * test_ops.c -- the layers of common/ops.h against central differences and
 * against PyTorch.
 *
 * Three kinds of test:
 *   - gradient checks: every op's backward pass, with respect to every input
 *     and weight, against gradcheck()'s central differences. The loss is
 *     L = sum(out * r) for a fixed random r (so backward receives dout = r),
 *     or the cross-entropy itself. Step GC_EPS = 1e-2, loss in double;
 *     worst relative error must stay below GC_TOL = 1e-3 (floor 1e-2, see
 *     gradcheck.h).
 *   - PyTorch fixtures (tests/ref/ref_ops.py): forward outputs and all
 *     gradients within FIX_TOL = 1e-5 absolute (values are O(1)).
 *   - edge cases: the accuracy of common/fastmath.h, known entropies, every target ignored, dropout's identity and kept fraction,
 *     out-of-range ids and targets (which die with exit status 1).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fastmath.h"
#include "gradcheck.h"
#include "harness.h"
#include "ops.h"
#include "rng.h"
#include "util.h"

#define GC_EPS 1e-2f
#define GC_TOL 1e-3
#define FIX_TOL 1e-5f

/* ---------------------------------------------------------------- helpers */

static float *randn(Rng *rng, size_t n, float std) {
    float *x = xmalloc(n * sizeof(float));
    rng_fill_normal(rng, x, n, 0.0f, std);
    return x;
}

static float *zeros(size_t n) { return xcalloc(n, sizeof(float)); }

/* sum_i out_i r_i in double: the scalar loss the gradient checks differentiate */
static double dot(const float *out, const float *r, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)out[i] * r[i];
    return s;
}

static void expect_grad(const char *label, LossFn loss, void *ctx, float *x, const float *grad,
                        size_t n) {
    double err = gradcheck(label, loss, ctx, x, grad, n, GC_EPS);
    ck_assert_msg(err < GC_TOL, "%s: max relative error %.3e >= %.0e", label, err, GC_TOL);
}

static void expect_tensor(const char *label, const float *got, const float *want, size_t n,
                          float tol) {
    ck_assert_msg(check_tensor(label, got, want, n, tol), "%s differs from PyTorch", label);
}

/* ---------------------------------------------------------------- linear */

typedef struct { int N, C, OC; float *x, *w, *b, *out, *r; } LinearCase;

static double linear_loss(void *p) {
    LinearCase *c = p;
    linear_forward(c->out, c->x, c->w, c->b, c->N, c->C, c->OC);
    return dot(c->out, c->r, (size_t)c->N * c->OC);
}

START_TEST(test_linear_gradcheck) {
    Rng rng; rng_seed(&rng, 1, 0);
    LinearCase c = {.N = 6, .C = 5, .OC = 4};
    size_t nx = (size_t)c.N * c.C, nw = (size_t)c.OC * c.C, no = (size_t)c.N * c.OC;
    c.x = randn(&rng, nx, 1.0f); c.w = randn(&rng, nw, 0.5f); c.b = randn(&rng, c.OC, 1.0f);
    c.r = randn(&rng, no, 1.0f); c.out = zeros(no);
    float *dx = zeros(nx), *dw = zeros(nw), *db = zeros(c.OC);
    linear_loss(&c);
    linear_backward(dx, dw, db, c.r, c.x, c.w, c.N, c.C, c.OC);
    expect_grad("linear dinp", linear_loss, &c, c.x, dx, nx);
    expect_grad("linear dweight", linear_loss, &c, c.w, dw, nw);
    expect_grad("linear dbias", linear_loss, &c, c.b, db, c.OC);
    free(c.x); free(c.w); free(c.b); free(c.r); free(c.out); free(dx); free(dw); free(db);
}
END_TEST

/* A NULL bias means no bias; NULL gradients are skipped, the others still filled. */
START_TEST(test_linear_null_bias_and_grads) {
    Rng rng; rng_seed(&rng, 2, 0);
    int N = 3, C = 4, OC = 2;
    float *x = randn(&rng, 12, 1.0f), *w = randn(&rng, 8, 1.0f), *zero_b = zeros(2);
    float out[6], want[6], dw_all[8] = {0}, dw_only[8] = {0}, dx[12] = {0}, db[2] = {0};
    linear_forward(out, x, w, NULL, N, C, OC);
    linear_forward(want, x, w, zero_b, N, C, OC);
    expect_tensor("linear no-bias out", out, want, 6, 0.0f);
    linear_backward(dx, dw_all, db, out, x, w, N, C, OC);
    linear_backward(NULL, dw_only, NULL, out, x, w, N, C, OC);
    expect_tensor("linear dweight alone", dw_only, dw_all, 8, 0.0f);
    free(x); free(w); free(zero_b);
}
END_TEST

START_TEST(test_linear_pytorch) {
    Fixture *fx = fixture_load("ops_linear");
    size_t nx, nw, no;
    float *x = fixture_get(fx, "x", &nx), *w = fixture_get(fx, "w", &nw);
    float *b = fixture_get(fx, "b", NULL), *dout = fixture_get(fx, "dout", &no);
    int N = fx->t[0].dims[0], C = fx->t[0].dims[1], OC = (int)(nw / C);
    float *out = zeros(no), *dx = zeros(nx), *dw = zeros(nw), *db = zeros(OC);
    linear_forward(out, x, w, b, N, C, OC);
    linear_backward(dx, dw, db, dout, x, w, N, C, OC);
    expect_tensor("linear out", out, fixture_get(fx, "out", NULL), no, FIX_TOL);
    expect_tensor("linear dx", dx, fixture_get(fx, "dx", NULL), nx, FIX_TOL);
    expect_tensor("linear dw", dw, fixture_get(fx, "dw", NULL), nw, FIX_TOL);
    expect_tensor("linear db", db, fixture_get(fx, "db", NULL), OC, FIX_TOL);
    free(out); free(dx); free(dw); free(db);
    fixture_free(fx);
}
END_TEST

/* ---------------------------------------------------------------- embedding */

typedef struct { int N, V, C; const int *ids; float *table, *out, *r; } EmbeddingCase;

static double embedding_loss(void *p) {
    EmbeddingCase *c = p;
    embedding_forward(c->out, c->ids, c->table, c->N, c->V, c->C);
    return dot(c->out, c->r, (size_t)c->N * c->C);
}

START_TEST(test_embedding_gradcheck) {
    Rng rng; rng_seed(&rng, 3, 0);
    static const int ids[] = {3, 0, 3, 5, 1, 3};   /* repeats must accumulate; 2, 4 unused */
    EmbeddingCase c = {.N = 6, .V = 6, .C = 4, .ids = ids};
    size_t nt = (size_t)c.V * c.C, no = (size_t)c.N * c.C;
    c.table = randn(&rng, nt, 1.0f); c.r = randn(&rng, no, 1.0f); c.out = zeros(no);
    float *dtable = zeros(nt);
    embedding_loss(&c);
    ck_assert_float_eq(c.out[2 * c.C + 1], c.table[3 * c.C + 1]);
    embedding_backward(dtable, c.r, c.ids, c.N, c.V, c.C);
    expect_grad("embedding dtable", embedding_loss, &c, c.table, dtable, nt);
    ck_assert_float_eq(dtable[2 * c.C], 0.0f);   /* an unused row gets no gradient */
    free(c.table); free(c.r); free(c.out); free(dtable);
}
END_TEST

/* These die() with exit status 1: run as Check exit tests. */
START_TEST(test_embedding_rejects_large_id) {
    int ids[] = {0, 7};
    float table[8 * 2] = {0}, out[2 * 2];
    embedding_forward(out, ids, table, 2, 7, 2);   /* id 7 in a vocabulary of 7 */
}
END_TEST

START_TEST(test_embedding_rejects_negative_id) {
    int ids[] = {-1};
    float table[4] = {0}, dtable[4] = {0}, dout[2] = {0};
    (void)table;
    embedding_backward(dtable, dout, ids, 1, 2, 2);
}
END_TEST

/* ---------------------------------------------------------------- log-softmax */

typedef struct { int N, V; float *x, *out, *r; } LogSoftmaxCase;

static double log_softmax_loss(void *p) {
    LogSoftmaxCase *c = p;
    log_softmax_forward(c->out, c->x, c->N, c->V);
    return dot(c->out, c->r, (size_t)c->N * c->V);
}

START_TEST(test_log_softmax_gradcheck) {
    Rng rng; rng_seed(&rng, 4, 0);
    LogSoftmaxCase c = {.N = 4, .V = 7};
    size_t n = (size_t)c.N * c.V;
    c.x = randn(&rng, n, 2.0f); c.r = randn(&rng, n, 1.0f); c.out = zeros(n);
    float *dx = zeros(n);
    log_softmax_loss(&c);
    log_softmax_backward(dx, c.r, c.out, c.N, c.V);
    expect_grad("log_softmax dinp", log_softmax_loss, &c, c.x, dx, n);
    free(c.x); free(c.r); free(c.out); free(dx);
}
END_TEST

START_TEST(test_log_softmax_pytorch) {
    Fixture *fx = fixture_load("ops_log_softmax");
    size_t n;
    float *x = fixture_get(fx, "x", &n), *dout = fixture_get(fx, "dout", NULL);
    int N = fx->t[0].dims[0], V = fx->t[0].dims[1];
    float *out = zeros(n), *dx = zeros(n);
    log_softmax_forward(out, x, N, V);
    log_softmax_backward(dx, dout, out, N, V);
    expect_tensor("log_softmax out", out, fixture_get(fx, "out", NULL), n, FIX_TOL);
    expect_tensor("log_softmax dx", dx, fixture_get(fx, "dx", NULL), n, FIX_TOL);
    free(out); free(dx);
    fixture_free(fx);
}
END_TEST

/* ---------------------------------------------------------------- entropy */

/* The entropy of softmax(x), through log_softmax: L = sum_i H_i r_i. */
typedef struct { int N, V; float *x, *logp, *h, *r; } EntropyCase;

static double entropy_loss(void *p) {
    EntropyCase *c = p;
    log_softmax_forward(c->logp, c->x, c->N, c->V);
    entropy_forward(c->h, c->logp, c->N, c->V);
    return dot(c->h, c->r, (size_t)c->N);
}

START_TEST(test_entropy_gradcheck) {
    Rng rng; rng_seed(&rng, 14, 0);
    EntropyCase c = {.N = 5, .V = 6};
    size_t n = (size_t)c.N * c.V;
    c.x = randn(&rng, n, 1.5f); c.r = randn(&rng, c.N, 1.0f); c.logp = zeros(n); c.h = zeros(c.N);
    float *dlogp = zeros(n), *dx = zeros(n);
    entropy_loss(&c);
    entropy_backward(dlogp, c.r, c.logp, c.N, c.V);
    log_softmax_backward(dx, dlogp, c.logp, c.N, c.V);
    expect_grad("entropy dlogits", entropy_loss, &c, c.x, dx, n);
    free(c.x); free(c.r); free(c.logp); free(c.h); free(dlogp); free(dx);
}
END_TEST

/* Uniform over V: log V nats; (nearly) certain: 0; two equal of three: log 2. */
START_TEST(test_entropy_values) {
    float x[9] = {0.3f, 0.3f, 0.3f, 40.0f, 0.0f, 0.0f, 5.0f, 5.0f, -60.0f}, logp[9], h[3];
    log_softmax_forward(logp, x, 3, 3);
    entropy_forward(h, logp, 3, 3);
    ck_assert(fabsf(h[0] - logf(3.0f)) < 1e-6f);
    ck_assert(fabsf(h[1]) < 1e-6f);
    ck_assert(fabsf(h[2] - logf(2.0f)) < 1e-6f);
}
END_TEST

/* ---------------------------------------------------------------- cross-entropy */

typedef struct { int N, V, ignore; float smoothing; const int *targets; float *logits, *probs; } CECase;

static double ce_loss(void *p) {
    CECase *c = p;
    return crossentropy_forward(c->probs, c->logits, c->targets, c->N, c->V, c->ignore, c->smoothing);
}

static void ce_gradcheck(const char *label, float smoothing) {
    Rng rng; rng_seed(&rng, 5, 0);
    static const int targets[] = {2, -100, 0, 6, -100, 3};
    CECase c = {.N = 6, .V = 7, .ignore = -100, .smoothing = smoothing, .targets = targets};
    size_t n = (size_t)c.N * c.V;
    c.logits = randn(&rng, n, 2.0f); c.probs = zeros(n);
    float *dlogits = zeros(n);
    ce_loss(&c);
    crossentropy_backward(dlogits, c.probs, c.targets, c.N, c.V, c.ignore, c.smoothing, 1.0f);
    expect_grad(label, ce_loss, &c, c.logits, dlogits, n);
    ck_assert_float_eq(dlogits[1 * c.V + 2], 0.0f);   /* ignored rows get no gradient */
    free(c.logits); free(c.probs); free(dlogits);
}

START_TEST(test_crossentropy_gradcheck) {
    ce_gradcheck("crossentropy dlogits", 0.0f);
    ce_gradcheck("crossentropy smoothed dlogits", 0.1f);
}
END_TEST

static void ce_against_pytorch(const Fixture *fx, float smoothing, const char *suffix) {
    size_t n;
    float *logits = fixture_get(fx, "logits", &n);
    int N = fx->t[0].dims[0], V = fx->t[0].dims[1], ignore = fixture_int(fx, "ignore_index", 0);
    int *targets = xmalloc((size_t)N * sizeof(int));
    for (int i = 0; i < N; i++) targets[i] = fixture_int(fx, "targets", (size_t)i);
    float *probs = zeros(n), *dlogits = zeros(n);
    char name[64];
    float loss = (float)crossentropy_forward(probs, logits, targets, N, V, ignore, smoothing);
    crossentropy_backward(dlogits, probs, targets, N, V, ignore, smoothing, 1.0f);
    snprintf(name, sizeof name, "loss%s", suffix);
    expect_tensor(name, &loss, fixture_get(fx, name, NULL), 1, FIX_TOL);
    snprintf(name, sizeof name, "dlogits%s", suffix);
    expect_tensor(name, dlogits, fixture_get(fx, name, NULL), n, FIX_TOL);
    expect_tensor("probs", probs, fixture_get(fx, "probs", NULL), n, FIX_TOL);
    free(targets); free(probs); free(dlogits);
}

START_TEST(test_crossentropy_pytorch) {
    Fixture *fx = fixture_load("ops_crossentropy");
    ce_against_pytorch(fx, fixture_get(fx, "smoothing", NULL)[0], "");
    ce_against_pytorch(fx, 0.0f, "_plain");
    fixture_free(fx);
}
END_TEST

/* Every position ignored (a batch of padding): loss 0 and no gradient, no 0/0. */
START_TEST(test_crossentropy_all_ignored) {
    Rng rng; rng_seed(&rng, 6, 0);
    int N = 3, V = 5, targets[] = {-1, -1, -1};
    float *logits = randn(&rng, 15, 1.0f), *probs = zeros(15), *dlogits = zeros(15), *none = zeros(15);
    double loss = crossentropy_forward(probs, logits, targets, N, V, -1, 0.1f);
    ck_assert(loss == 0.0);
    crossentropy_backward(dlogits, probs, targets, N, V, -1, 0.1f, 1.0f);
    expect_tensor("all-ignored dlogits", dlogits, none, 15, 0.0f);
    double row = 0.0;   /* probabilities are still written */
    for (int j = 0; j < V; j++) row += probs[j];
    ck_assert_double_eq_tol(row, 1.0, 1e-6);
    free(logits); free(probs); free(dlogits); free(none);
}
END_TEST

START_TEST(test_crossentropy_rejects_bad_target) {
    int targets[] = {1, 4};   /* 4 is not a class of V = 4, nor the ignore index */
    float logits[8] = {0}, probs[8];
    crossentropy_forward(probs, logits, targets, 2, 4, -100, 0.0f);
}
END_TEST

/* ---------------------------------------------------------------- layernorm */

typedef struct { int N, C; float *x, *w, *b, *out, *mean, *rstd, *r; } LayernormCase;

static double layernorm_loss(void *p) {
    LayernormCase *c = p;
    layernorm_forward(c->out, c->mean, c->rstd, c->x, c->w, c->b, c->N, c->C, 1e-5f);
    return dot(c->out, c->r, (size_t)c->N * c->C);
}

START_TEST(test_layernorm_gradcheck) {
    Rng rng; rng_seed(&rng, 7, 0);
    LayernormCase c = {.N = 4, .C = 8};
    size_t n = (size_t)c.N * c.C;
    c.x = randn(&rng, n, 1.0f); c.w = randn(&rng, c.C, 1.0f); c.b = randn(&rng, c.C, 1.0f);
    c.r = randn(&rng, n, 1.0f); c.out = zeros(n); c.mean = zeros(c.N); c.rstd = zeros(c.N);
    float *dx = zeros(n), *dw = zeros(c.C), *db = zeros(c.C);
    layernorm_loss(&c);
    layernorm_backward(dx, dw, db, c.r, c.x, c.w, c.mean, c.rstd, c.N, c.C);
    expect_grad("layernorm dinp", layernorm_loss, &c, c.x, dx, n);
    expect_grad("layernorm dweight", layernorm_loss, &c, c.w, dw, c.C);
    expect_grad("layernorm dbias", layernorm_loss, &c, c.b, db, c.C);
    free(c.x); free(c.w); free(c.b); free(c.r); free(c.out); free(c.mean); free(c.rstd);
    free(dx); free(dw); free(db);
}
END_TEST

START_TEST(test_layernorm_pytorch) {
    Fixture *fx = fixture_load("ops_layernorm");
    size_t n;
    float *x = fixture_get(fx, "x", &n), *w = fixture_get(fx, "w", NULL);
    float *b = fixture_get(fx, "b", NULL), *dout = fixture_get(fx, "dout", NULL);
    int N = fx->t[0].dims[0], C = fx->t[0].dims[1];
    float *out = zeros(n), *mean = zeros(N), *rstd = zeros(N);
    float *dx = zeros(n), *dw = zeros(C), *db = zeros(C);
    layernorm_forward(out, mean, rstd, x, w, b, N, C, 1e-5f);
    layernorm_backward(dx, dw, db, dout, x, w, mean, rstd, N, C);
    expect_tensor("layernorm out", out, fixture_get(fx, "out", NULL), n, FIX_TOL);
    expect_tensor("layernorm dx", dx, fixture_get(fx, "dx", NULL), n, FIX_TOL);
    expect_tensor("layernorm dw", dw, fixture_get(fx, "dw", NULL), C, FIX_TOL);
    expect_tensor("layernorm db", db, fixture_get(fx, "db", NULL), C, FIX_TOL);
    free(out); free(mean); free(rstd); free(dx); free(dw); free(db);
    fixture_free(fx);
}
END_TEST

/* A NULL bias means no bias (nanoGPT's bias=False); a NULL dbias is skipped. */
START_TEST(test_layernorm_null_bias) {
    Rng rng; rng_seed(&rng, 14, 0);
    int N = 2, C = 6;
    float *x = randn(&rng, 12, 1.0f), *w = randn(&rng, 6, 1.0f), *zero_b = zeros(6);
    float out[12], want[12], mean[2], rstd[2];
    float dx[12] = {0}, dx_want[12] = {0}, dw[6] = {0}, dw_want[6] = {0}, db[6] = {0};
    layernorm_forward(out, mean, rstd, x, w, NULL, N, C, 1e-5f);
    layernorm_forward(want, mean, rstd, x, w, zero_b, N, C, 1e-5f);
    expect_tensor("layernorm no-bias out", out, want, 12, 0.0f);
    layernorm_backward(dx, dw, NULL, x, x, w, mean, rstd, N, C);
    layernorm_backward(dx_want, dw_want, db, x, x, w, mean, rstd, N, C);
    expect_tensor("layernorm no-bias dinp", dx, dx_want, 12, 0.0f);
    expect_tensor("layernorm no-bias dweight", dw, dw_want, 6, 0.0f);
    free(x); free(w); free(zero_b);
}
END_TEST

/* ---------------------------------------------------------------- activations */

typedef void (*Forward)(float *out, const float *inp, size_t n);
typedef void (*Backward)(float *dinp, const float *dout, const float *saved, size_t n);

typedef struct {
    const char *name;
    Forward forward;
    Backward backward;
    int saves_output;   /* backward takes the output (1) or the input (0) */
} Activation;

static const Activation activations[] = {
    {"tanh dinp", tanh_forward, tanh_backward, 1},
    {"sigmoid dinp", sigmoid_forward, sigmoid_backward, 1},
    {"relu dinp", relu_forward, relu_backward, 1},
    {"gelu dinp", gelu_forward, gelu_backward, 0},
};

typedef struct { const Activation *act; size_t n; float *x, *out, *r; } ActivationCase;

static double activation_loss(void *p) {
    ActivationCase *c = p;
    c->act->forward(c->out, c->x, c->n);
    return dot(c->out, c->r, c->n);
}

START_TEST(test_activations_gradcheck) {
    Rng rng; rng_seed(&rng, 8, 0);
    ActivationCase c = {.n = 40};
    c.x = randn(&rng, c.n, 2.0f); c.r = randn(&rng, c.n, 1.0f); c.out = zeros(c.n);
    /* Keep inputs away from ReLU's kink, where central differences straddle it. */
    for (size_t i = 0; i < c.n; i++)
        if (fabsf(c.x[i]) < 0.1f) c.x[i] = c.x[i] < 0 ? -0.1f : 0.1f;
    float *dx = zeros(c.n);
    for (size_t a = 0; a < sizeof activations / sizeof activations[0]; a++) {
        c.act = &activations[a];
        memset(dx, 0, c.n * sizeof(float));
        activation_loss(&c);
        c.act->backward(dx, c.r, c.act->saves_output ? c.out : c.x, c.n);
        expect_grad(c.act->name, activation_loss, &c, c.x, dx, c.n);
    }
    free(c.x); free(c.r); free(c.out); free(dx);
}
END_TEST

START_TEST(test_gelu_pytorch) {
    Fixture *fx = fixture_load("ops_gelu");
    size_t n;
    float *x = fixture_get(fx, "x", &n), *dout = fixture_get(fx, "dout", NULL);
    float *out = zeros(n), *dx = zeros(n);
    gelu_forward(out, x, n);
    gelu_backward(dx, dout, x, n);
    expect_tensor("gelu out", out, fixture_get(fx, "out", NULL), n, FIX_TOL);
    expect_tensor("gelu dx", dx, fixture_get(fx, "dx", NULL), n, FIX_TOL);
    free(out); free(dx);
    fixture_free(fx);
}
END_TEST

/* ---------------------------------------------------------------- dropout */

/* The loss re-seeds the generator, so every evaluation draws the same mask. */
typedef struct { size_t n; float p; float *x, *out, *mask, *r; } DropoutCase;

static double dropout_loss(void *p) {
    DropoutCase *c = p;
    Rng rng; rng_seed(&rng, 42, 7);
    dropout_forward(c->out, c->mask, c->x, c->p, c->n, &rng);
    return dot(c->out, c->r, c->n);
}

START_TEST(test_dropout_gradcheck) {
    Rng rng; rng_seed(&rng, 9, 0);
    DropoutCase c = {.n = 32, .p = 0.3f};
    c.x = randn(&rng, c.n, 1.0f); c.r = randn(&rng, c.n, 1.0f);
    c.out = zeros(c.n); c.mask = zeros(c.n);
    float *dx = zeros(c.n);
    dropout_loss(&c);
    dropout_backward(dx, c.r, c.mask, c.n);
    expect_grad("dropout dinp", dropout_loss, &c, c.x, dx, c.n);
    free(c.x); free(c.r); free(c.out); free(c.mask); free(dx);
}
END_TEST

START_TEST(test_dropout_identity) {
    Rng rng; rng_seed(&rng, 10, 0);
    size_t n = 100;
    float *x = randn(&rng, n, 1.0f), *out = zeros(n), *mask = zeros(n), *dx = zeros(n);
    Rng before = rng;
    dropout_forward(out, mask, x, 0.0f, n, &rng);
    expect_tensor("dropout p=0 out", out, x, n, 0.0f);
    ck_assert(rng.state == before.state);   /* p = 0 draws nothing */
    dropout_backward(dx, x, mask, n);
    expect_tensor("dropout p=0 dinp", dx, x, n, 0.0f);
    free(x); free(out); free(mask); free(dx);
}
END_TEST

/* p = 0.5 keeps about half, each kept value doubled. With n = 20000 the kept
 * fraction has standard deviation 0.0035; the bound 0.02 is almost 6 of them. */
START_TEST(test_dropout_keep_fraction) {
    Rng rng; rng_seed(&rng, 11, 0);
    size_t n = 20000, kept = 0;
    float *x = randn(&rng, n, 1.0f), *out = zeros(n), *mask = zeros(n);
    dropout_forward(out, mask, x, 0.5f, n, &rng);
    for (size_t i = 0; i < n; i++) {
        ck_assert(mask[i] == 0.0f || mask[i] == 2.0f);
        ck_assert_float_eq(out[i], x[i] * mask[i]);
        kept += mask[i] != 0.0f;
    }
    double frac = (double)kept / n;
    printf("dropout p=0.5 kept fraction %.4f\n", frac);
    ck_assert_double_eq_tol(frac, 0.5, 0.02);
    free(x); free(out); free(mask);
}
END_TEST

START_TEST(test_dropout_rejects_p_one) {
    Rng rng; rng_seed(&rng, 12, 0);
    float x[2] = {1, 2}, out[2], mask[2];
    dropout_forward(out, mask, x, 1.0f, 2, &rng);
}
END_TEST

/* ---------------------------------------------------------------- accumulation */

/* Backward passes add into their gradients: two calls give twice one. */
START_TEST(test_backward_accumulates) {
    Rng rng; rng_seed(&rng, 13, 0);
    int N = 3, C = 4, OC = 5;
    float *x = randn(&rng, 12, 1.0f), *w = randn(&rng, 20, 1.0f), *dout = randn(&rng, 15, 1.0f);
    float once[20] = {0}, twice[20] = {0}, want[20];
    linear_backward(NULL, once, NULL, dout, x, w, N, C, OC);
    linear_backward(NULL, twice, NULL, dout, x, w, N, C, OC);
    linear_backward(NULL, twice, NULL, dout, x, w, N, C, OC);
    for (int i = 0; i < 20; i++) want[i] = 2.0f * once[i];
    expect_tensor("linear dweight twice", twice, want, 20, 1e-5f);
    float g1[12] = {0}, g2[12] = {0}, g2want[12];
    gelu_backward(g1, x, x, 12);
    gelu_backward(g2, x, x, 12);
    gelu_backward(g2, x, x, 12);
    for (int i = 0; i < 12; i++) g2want[i] = 2.0f * g1[i];
    expect_tensor("gelu dinp twice", g2, g2want, 12, 1e-6f);
    free(x); free(w); free(dout);
}
END_TEST

/* ---------------------------------------------------------------- fastmath */

/* exp_fast, tanh_fast and sigmoid_fast against libm in double, on a dense grid
 * over the range the models use: relative error below 3e-7 (a few float ulps;
 * glibc's expf is within ~1e-7). */
START_TEST(test_fastmath_accuracy) {
    double worst_exp = 0.0, worst_tanh = 0.0, worst_sig = 0.0;
    for (int i = 0; i <= 200000; i++) {
        float x = -80.0f + 160.0f * (float)i / 200000.0f;
        double e = exp((double)x);
        worst_exp = fmax(worst_exp, fabs(exp_fast(x) - e) / e);
        if (fabsf(x) < 20.0f) {
            double t = tanh((double)x);
            if (t != 0.0) worst_tanh = fmax(worst_tanh, fabs(tanh_fast(x) - t) / fabs(t));
            double sg = 1.0 / (1.0 + exp(-(double)x));
            worst_sig = fmax(worst_sig, fabs(sigmoid_fast(x) - sg) / sg);
        }
    }
    ck_assert_msg(worst_exp < 3e-7, "exp_fast relative error %g", worst_exp);
    ck_assert_msg(worst_tanh < 3e-7, "tanh_fast relative error %g", worst_tanh);
    ck_assert_msg(worst_sig < 3e-7, "sigmoid_fast relative error %g", worst_sig);
    /* Out of range inputs saturate instead of overflowing to inf or NaN. */
    ck_assert(isfinite(exp_fast(1000.0f)) && exp_fast(-1000.0f) >= 0.0f);
    ck_assert(tanh_fast(50.0f) == 1.0f && tanh_fast(-50.0f) == -1.0f);
}
END_TEST

/* ---------------------------------------------------------------- suite */

static Suite *ops_suite(void) {
    util_set_prog("test_ops");
    Suite *s = suite_create("ops");
    TCase *grad = tcase_create("gradcheck");
    tcase_add_test(grad, test_linear_gradcheck);
    tcase_add_test(grad, test_embedding_gradcheck);
    tcase_add_test(grad, test_log_softmax_gradcheck);
    tcase_add_test(grad, test_entropy_gradcheck);
    tcase_add_test(grad, test_crossentropy_gradcheck);
    tcase_add_test(grad, test_layernorm_gradcheck);
    tcase_add_test(grad, test_activations_gradcheck);
    tcase_add_test(grad, test_dropout_gradcheck);
    suite_add_tcase(s, grad);

    TCase *torch = tcase_create("pytorch");
    tcase_add_test(torch, test_linear_pytorch);
    tcase_add_test(torch, test_log_softmax_pytorch);
    tcase_add_test(torch, test_crossentropy_pytorch);
    tcase_add_test(torch, test_layernorm_pytorch);
    tcase_add_test(torch, test_gelu_pytorch);
    suite_add_tcase(s, torch);

    TCase *edge = tcase_create("edge");
    tcase_add_test(edge, test_linear_null_bias_and_grads);
    tcase_add_test(edge, test_layernorm_null_bias);
    tcase_add_test(edge, test_crossentropy_all_ignored);
    tcase_add_test(edge, test_dropout_identity);
    tcase_add_test(edge, test_dropout_keep_fraction);
    tcase_add_test(edge, test_backward_accumulates);
    tcase_add_test(edge, test_fastmath_accuracy);
    tcase_add_test(edge, test_entropy_values);
    tcase_add_exit_test(edge, test_embedding_rejects_large_id, 1);
    tcase_add_exit_test(edge, test_embedding_rejects_negative_id, 1);
    tcase_add_exit_test(edge, test_crossentropy_rejects_bad_target, 1);
    tcase_add_exit_test(edge, test_dropout_rejects_p_one, 1);
    suite_add_tcase(s, edge);
    return s;
}

TEST_MAIN(ops_suite)
