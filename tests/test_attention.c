/*
 * test_attention.c -- multi-head scaled dot-product attention (common/attention.h).
 *
 *   - gradcheck of dq, dk, dv with a causal mask, a padding mask, both, and
 *     cross-attention (Tq != Tk), against central differences (eps 1e-2,
 *     loss in double, max relative error < 3e-3; the worst cases, ~1.8e-3,
 *     are gradients near GRADCHECK_FLOOR where the float forward's rounding
 *     divided by 2*eps dominates);
 *   - PyTorch fixtures (tests/ref/ref_attention.py): out, att, dq, dk, dv of
 *     causal self-attention and padded cross-attention (abs tol 1e-5);
 *   - a query row that sees no key outputs zeros, not NaN, and passes no gradient.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "gradcheck.h"
#include "harness.h"
#include "rng.h"

#define GRAD_TOL 3e-3
#define FIXTURE_TOL 1e-5f

/* One attention problem with its buffers; the loss is sum(out * r). */
typedef struct {
    int B, Tq, Tk, C, NH, causal;
    const int *key_len;
    float *q, *k, *v, *r;                /* inputs and the loss weights */
    float *out, *att, *scratch;
    float *dq, *dk, *dv;
} Problem;

static Problem problem_new(int B, int Tq, int Tk, int C, int NH, int causal, const int *key_len,
                           uint64_t seed) {
    Problem p = {.B = B, .Tq = Tq, .Tk = Tk, .C = C, .NH = NH, .causal = causal, .key_len = key_len};
    Rng rng;
    rng_seed(&rng, seed, 0);
    size_t nq = (size_t)B * Tq * C, nk = (size_t)B * Tk * C;
    p.q = malloc(nq * sizeof(float)); p.k = malloc(nk * sizeof(float));
    p.v = malloc(nk * sizeof(float)); p.r = malloc(nq * sizeof(float));
    rng_fill_normal(&rng, p.q, nq, 0.0f, 1.0f);
    rng_fill_normal(&rng, p.k, nk, 0.0f, 1.0f);
    rng_fill_normal(&rng, p.v, nk, 0.0f, 1.0f);
    rng_fill_normal(&rng, p.r, nq, 0.0f, 1.0f);
    p.out = malloc(nq * sizeof(float));
    p.att = malloc((size_t)B * NH * Tq * Tk * sizeof(float));
    p.scratch = malloc(attention_scratch_size(Tq, Tk, C, NH) * sizeof(float));
    p.dq = calloc(nq, sizeof(float)); p.dk = calloc(nk, sizeof(float)); p.dv = calloc(nk, sizeof(float));
    return p;
}

static void problem_free(Problem *p) {
    free(p->q); free(p->k); free(p->v); free(p->r);
    free(p->out); free(p->att); free(p->scratch);
    free(p->dq); free(p->dk); free(p->dv);
}

static void forward(Problem *p) {
    attention_forward(p->out, p->att, p->scratch, p->q, p->k, p->v, p->key_len, p->causal,
                      p->B, p->Tq, p->Tk, p->C, p->NH);
}

/* dL/dout = r, so backward from r gives dL/dq, dL/dk, dL/dv. */
static void backward(Problem *p) {
    attention_backward(p->dq, p->dk, p->dv, p->scratch, p->r, p->q, p->k, p->v, p->att,
                       p->B, p->Tq, p->Tk, p->C, p->NH);
}

static double loss(void *ctx) {
    Problem *p = ctx;
    forward(p);
    double L = 0.0;
    for (size_t i = 0; i < (size_t)p->B * p->Tq * p->C; i++) L += (double)p->out[i] * p->r[i];
    return L;
}

static void check_gradients(const char *name, Problem *p) {
    forward(p);
    backward(p);
    char label[64];
    size_t nq = (size_t)p->B * p->Tq * p->C, nk = (size_t)p->B * p->Tk * p->C;
    snprintf(label, sizeof label, "%s dq", name);
    ck_assert(gradcheck(label, loss, p, p->q, p->dq, nq, 1e-2f) < GRAD_TOL);
    snprintf(label, sizeof label, "%s dk", name);
    ck_assert(gradcheck(label, loss, p, p->k, p->dk, nk, 1e-2f) < GRAD_TOL);
    snprintf(label, sizeof label, "%s dv", name);
    ck_assert(gradcheck(label, loss, p, p->v, p->dv, nk, 1e-2f) < GRAD_TOL);
}

START_TEST(gradcheck_causal) {
    Problem p = problem_new(2, 5, 5, 8, 2, 1, NULL, 1);
    check_gradients("causal", &p);
    problem_free(&p);
}
END_TEST

START_TEST(gradcheck_padding) {
    static const int len[2] = {5, 3};
    Problem p = problem_new(2, 5, 5, 8, 2, 0, len, 2);
    check_gradients("padding", &p);
    problem_free(&p);
}
END_TEST

START_TEST(gradcheck_causal_and_padding) {
    static const int len[2] = {2, 4};
    Problem p = problem_new(2, 5, 5, 8, 2, 1, len, 3);
    check_gradients("causal+padding", &p);
    problem_free(&p);
}
END_TEST

START_TEST(gradcheck_cross) {
    static const int len[2] = {7, 4};
    Problem p = problem_new(2, 3, 7, 6, 3, 0, len, 4);
    check_gradients("cross Tq=3 Tk=7", &p);
    problem_free(&p);
}
END_TEST

/* Tq < Tk with causal: the queries are the last Tq positions (KV-cache decoding). */
START_TEST(gradcheck_causal_cached) {
    Problem p = problem_new(2, 2, 5, 4, 1, 1, NULL, 5);
    check_gradients("causal Tq=2 Tk=5", &p);
    /* query 0 is position 3: it sees keys 0..3, not key 4 */
    for (int b = 0; b < 2; b++) {
        ck_assert_float_eq(p.att[(size_t)b * 2 * 5 + 4], 0.0f);
        ck_assert(p.att[(size_t)b * 2 * 5 + 3] > 0.0f);
    }
    problem_free(&p);
}
END_TEST

/* The probabilities of each row sum to one over the visible keys only. */
START_TEST(rows_are_distributions) {
    static const int len[2] = {3, 5};
    Problem p = problem_new(2, 5, 5, 8, 2, 1, len, 6);
    forward(&p);
    for (int b = 0; b < 2; b++)
        for (int h = 0; h < 2; h++)
            for (int t = 0; t < 5; t++) {
                const float *row = p.att + (((size_t)b * 2 + h) * 5 + t) * 5;
                int lim = t + 1 < len[b] ? t + 1 : len[b];
                double s = 0.0;
                for (int j = 0; j < 5; j++) {
                    if (j >= lim) ck_assert_float_eq(row[j], 0.0f);
                    s += row[j];
                }
                ck_assert_double_eq_tol(s, 1.0, 1e-6);
            }
    problem_free(&p);
}
END_TEST

START_TEST(fully_masked_row_is_zero) {
    /* batch row 0 has no valid key: its whole output is zero. */
    static const int len[2] = {0, 3};
    Problem p = problem_new(2, 4, 4, 6, 2, 0, len, 7);
    forward(&p);
    backward(&p);
    size_t nq = (size_t)4 * 6, nk = (size_t)4 * 6;   /* floats per batch row */
    for (size_t i = 0; i < 2 * nq; i++) ck_assert(isfinite(p.out[i]) && isfinite(p.dq[i]));
    for (size_t i = 0; i < 2 * nk; i++) ck_assert(isfinite(p.dk[i]) && isfinite(p.dv[i]));
    for (size_t i = 0; i < nq; i++) {
        ck_assert_float_eq(p.out[i], 0.0f);
        ck_assert_float_eq(p.dq[i], 0.0f);
    }
    for (size_t i = 0; i < nk; i++) {
        ck_assert_float_eq(p.dk[i], 0.0f);
        ck_assert_float_eq(p.dv[i], 0.0f);
    }
    for (size_t i = 0; i < (size_t)2 * 4 * 4; i++) ck_assert_float_eq(p.att[i], 0.0f);
    problem_free(&p);

    /* causal with Tq > Tk: the first query (position -1 of the keys) sees nothing */
    Problem c = problem_new(1, 3, 2, 4, 2, 1, NULL, 8);
    check_gradients("causal Tq=3 Tk=2", &c);
    for (int d = 0; d < 4; d++) ck_assert_float_eq(c.out[d], 0.0f);
    ck_assert(c.out[4] != 0.0f);
    problem_free(&c);
}
END_TEST

static void check_fixture(const char *name) {
    Fixture *fx = fixture_load(name);
    int B = fixture_int(fx, "dims", 0), Tq = fixture_int(fx, "dims", 1), Tk = fixture_int(fx, "dims", 2);
    int C = fixture_int(fx, "dims", 3), NH = fixture_int(fx, "dims", 4), causal = fixture_int(fx, "dims", 5);
    int padded = fixture_int(fx, "dims", 6);
    int key_len[16];
    ck_assert(B <= 16);
    for (int b = 0; b < B; b++) key_len[b] = fixture_int(fx, "key_len", (size_t)b);
    size_t nq = (size_t)B * Tq * C, nk = (size_t)B * Tk * C, na = (size_t)B * NH * Tq * Tk;
    float *out = malloc(nq * sizeof(float)), *att = malloc(na * sizeof(float));
    float *scratch = malloc(attention_scratch_size(Tq, Tk, C, NH) * sizeof(float));
    float *dq = calloc(nq, sizeof(float)), *dk = calloc(nk, sizeof(float)), *dv = calloc(nk, sizeof(float));
    const float *q = fixture_get(fx, "q", NULL), *k = fixture_get(fx, "k", NULL);
    const float *v = fixture_get(fx, "v", NULL);
    attention_forward(out, att, scratch, q, k, v, padded ? key_len : NULL, causal, B, Tq, Tk, C, NH);
    attention_backward(dq, dk, dv, scratch, fixture_get(fx, "dout", NULL), q, k, v, att,
                       B, Tq, Tk, C, NH);
    int ok = 1;
    ok &= check_tensor("out", out, fixture_get(fx, "out", NULL), nq, FIXTURE_TOL);
    ok &= check_tensor("att", att, fixture_get(fx, "att", NULL), na, FIXTURE_TOL);
    ok &= check_tensor("dq", dq, fixture_get(fx, "dq", NULL), nq, FIXTURE_TOL);
    ok &= check_tensor("dk", dk, fixture_get(fx, "dk", NULL), nk, FIXTURE_TOL);
    ok &= check_tensor("dv", dv, fixture_get(fx, "dv", NULL), nk, FIXTURE_TOL);
    free(out); free(att); free(scratch); free(dq); free(dk); free(dv);
    fixture_free(fx);
    ck_assert_msg(ok, "%s differs from PyTorch", name);
}

START_TEST(pytorch_causal) { check_fixture("attention_causal"); }
END_TEST

START_TEST(pytorch_padded_cross) { check_fixture("attention_padded"); }
END_TEST

static Suite *attention_suite(void) {
    Suite *s = suite_create("attention");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, gradcheck_causal);
    tcase_add_test(tc, gradcheck_padding);
    tcase_add_test(tc, gradcheck_causal_and_padding);
    tcase_add_test(tc, gradcheck_cross);
    tcase_add_test(tc, gradcheck_causal_cached);
    tcase_add_test(tc, rows_are_distributions);
    tcase_add_test(tc, fully_masked_row_is_zero);
    tcase_add_test(tc, pytorch_causal);
    tcase_add_test(tc, pytorch_padded_cross);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(attention_suite)
