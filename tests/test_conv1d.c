/*
 * test_conv1d.c -- convolution over time and max-over-time pooling (common/conv1d.h).
 *
 *   - PyTorch fixture (tests/ref/ref_conv1d.py): Conv1d + ReLU + max over time
 *     on B=2, T=7, C=3, K=3, F=4; the conv output, the pooled features and the
 *     gradients of x, w and b (abs tol 1e-5);
 *   - gradcheck of conv1d alone (L = sum(out * r), eps 1e-2, rel err < 1e-3)
 *     for x, w and b, and of the pooled path for x (distinct values, so the
 *     argmax does not move under a 1e-3 step);
 *   - a sentence shorter than the filter dies with a message.
 */
#include <stdlib.h>
#include <string.h>

#include "conv1d.h"
#include "gradcheck.h"
#include "harness.h"
#include "ops.h"
#include "rng.h"

enum { B = 2, T = 7, C = 3, K = 3, F = 4, TO = T - K + 1 };

typedef struct {
    float x[B * T * C], w[F * K * C], b[F], r[B * TO * F], rp[B * F];
    float out[B * TO * F], cols[B * TO * K * C], pooled[B * F];
    int argmax[B * F];
    int pool;   /* 1: L = sum(maxpool(relu(conv)) * rp), 0: L = sum(conv * r) */
} Ctx;

static double conv_loss(void *p) {
    Ctx *c = p;
    conv1d_forward(c->out, c->cols, c->x, c->w, c->b, B, T, C, K, F);
    double L = 0.0;
    if (!c->pool) {
        for (int i = 0; i < B * TO * F; i++) L += (double)c->out[i] * c->r[i];
        return L;
    }
    relu_forward(c->out, c->out, B * TO * F);
    maxpool_time_forward(c->pooled, c->argmax, c->out, B, TO, F);
    for (int i = 0; i < B * F; i++) L += (double)c->pooled[i] * c->rp[i];
    return L;
}

/* Analytic gradients of conv_loss into dx, dw, db. */
static void conv_grads(Ctx *c, float *dx, float *dw, float *db) {
    float dout[B * TO * F] = {0}, dcols[B * TO * K * C];
    conv_loss(c);
    if (c->pool) {
        float dpool_in[B * TO * F] = {0};
        maxpool_time_backward(dpool_in, c->rp, c->argmax, B, TO, F);
        relu_backward(dout, dpool_in, c->out, B * TO * F);
    } else {
        memcpy(dout, c->r, sizeof dout);
    }
    conv1d_backward(dx, dw, db, dcols, dout, c->cols, c->w, B, T, C, K, F);
}

START_TEST(test_conv1d_matches_pytorch) {
    Fixture *fx = fixture_load("conv1d");
    Ctx c = { .pool = 1 };
    memcpy(c.x, fixture_get(fx, "x", NULL), sizeof c.x);
    memcpy(c.w, fixture_get(fx, "w", NULL), sizeof c.w);
    memcpy(c.b, fixture_get(fx, "b", NULL), sizeof c.b);
    memcpy(c.rp, fixture_get(fx, "r", NULL), sizeof c.rp);
    conv1d_forward(c.out, c.cols, c.x, c.w, c.b, B, T, C, K, F);
    ck_assert(check_tensor("conv", c.out, fixture_get(fx, "conv", NULL), B * TO * F, 1e-5f));
    float dx[B * T * C] = {0}, dw[F * K * C] = {0}, db[F] = {0};
    conv_grads(&c, dx, dw, db);
    ck_assert(check_tensor("pooled", c.pooled, fixture_get(fx, "pooled", NULL), B * F, 1e-5f));
    ck_assert(check_tensor("dx", dx, fixture_get(fx, "dx", NULL), B * T * C, 1e-5f));
    ck_assert(check_tensor("dw", dw, fixture_get(fx, "dw", NULL), F * K * C, 1e-5f));
    ck_assert(check_tensor("db", db, fixture_get(fx, "db", NULL), F, 1e-5f));
    fixture_free(fx);
}
END_TEST

START_TEST(test_conv1d_gradcheck) {
    static Ctx c;
    Rng r;
    rng_seed(&r, 8, 0);
    rng_fill_normal(&r, c.x, B * T * C, 0, 1);
    rng_fill_normal(&r, c.w, F * K * C, 0, 0.5f);
    rng_fill_normal(&r, c.b, F, 0, 0.5f);
    rng_fill_normal(&r, c.r, B * TO * F, 0, 1);
    rng_fill_normal(&r, c.rp, B * F, 0, 1);
    for (c.pool = 0; c.pool <= 1; c.pool++) {
        float dx[B * T * C] = {0}, dw[F * K * C] = {0}, db[F] = {0};
        conv_grads(&c, dx, dw, db);
        float eps = c.pool ? 1e-3f : 1e-2f;
        double ex = gradcheck(c.pool ? "pooled dx" : "conv dx", conv_loss, &c, c.x, dx, B * T * C, eps);
        double ew = gradcheck(c.pool ? "pooled dw" : "conv dw", conv_loss, &c, c.w, dw, F * K * C, eps);
        double eb = gradcheck(c.pool ? "pooled db" : "conv db", conv_loss, &c, c.b, db, F, eps);
        ck_assert(ex < 1e-2 && ew < 1e-2 && eb < 1e-2);
        if (!c.pool) ck_assert(ex < 1e-3 && ew < 1e-3 && eb < 1e-3);
    }
}
END_TEST

START_TEST(test_conv1d_short_sentence_dies) {
    float x[2 * 3] = {0}, w[3 * 3] = {0}, b[1] = {0}, out[4], cols[64];
    conv1d_forward(out, cols, x, w, b, 1, 2, 3, 3, 1);
}
END_TEST

static Suite *conv1d_suite(void) {
    Suite *s = suite_create("conv1d");
    TCase *tc = tcase_create("conv1d");
    tcase_add_test(tc, test_conv1d_matches_pytorch);
    tcase_add_test(tc, test_conv1d_gradcheck);
    tcase_add_exit_test(tc, test_conv1d_short_sentence_dies, 1);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(conv1d_suite)
