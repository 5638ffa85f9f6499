/* test_optim.c -- SGD, Adam, AdamW and clipping against PyTorch; schedules by their definitions. */
#include "harness.h"
#include "optim.h"

#include <math.h>
#include <string.h>

/* The fixture's two tensors: w (3,4) receives weight decay, b (4) does not. */
static void make_table(ParamTable *pt, const Fixture *fx) {
    params_init(pt);
    params_add(pt, "w", 2, 3, 4);
    params_add(pt, "b", 1, 4);
    params_alloc(pt);
    memcpy(params_get(pt, "w"), fixture_get(fx, "w0", NULL), 12 * sizeof(float));
    memcpy(params_get(pt, "b"), fixture_get(fx, "b0", NULL), 4 * sizeof(float));
}

static void load_grads(ParamTable *pt, const Fixture *fx, int step) {
    memcpy(params_grad(pt, "w"), fixture_get(fx, "grads_w", NULL) + 12 * step, 12 * sizeof(float));
    memcpy(params_grad(pt, "b"), fixture_get(fx, "grads_b", NULL) + 4 * step, 4 * sizeof(float));
}

/* 1e-6: five steps of float arithmetic in the same order as PyTorch's. */
static void compare_step(const ParamTable *pt, const Fixture *fx, const char *prefix, int step) {
    char wname[32], bname[32], label[48];
    snprintf(wname, sizeof wname, "%s_w", prefix);
    snprintf(bname, sizeof bname, "%s_b", prefix);
    snprintf(label, sizeof label, "%s step %d w", prefix, step + 1);
    ck_assert(check_tensor(label, params_get(pt, "w"), fixture_get(fx, wname, NULL) + 12 * step, 12, 1e-6f));
    snprintf(label, sizeof label, "%s step %d b", prefix, step + 1);
    ck_assert(check_tensor(label, params_get(pt, "b"), fixture_get(fx, bname, NULL) + 4 * step, 4, 1e-6f));
}

START_TEST(test_sgd_momentum_matches_pytorch) {
    Fixture *fx = fixture_load("optim");
    ParamTable pt;
    make_table(&pt, fx);
    for (int s = 0; s < 5; s++) {
        load_grads(&pt, fx, s);
        sgd_step(&pt, 0.1f, 0.9f, 0.01f);
        compare_step(&pt, fx, "sgd", s);
    }
    params_free(&pt);
    fixture_free(fx);
}
END_TEST

static void run_adam(const char *prefix, AdamConfig cfg, float lr) {
    Fixture *fx = fixture_load("optim");
    ParamTable pt;
    make_table(&pt, fx);
    for (int s = 0; s < 5; s++) {
        load_grads(&pt, fx, s);
        adam_step(&pt, &cfg, lr, s + 1);
        compare_step(&pt, fx, prefix, s);
    }
    params_free(&pt);
    fixture_free(fx);
}

START_TEST(test_adam_matches_pytorch) {
    run_adam("adam", (AdamConfig){0.9f, 0.999f, 1e-8f, 0.01f, 0}, 0.01f);
}
END_TEST

START_TEST(test_adamw_matches_pytorch) {
    run_adam("adamw", (AdamConfig){0.9f, 0.95f, 1e-8f, 0.1f, 1}, 0.01f);
}
END_TEST

START_TEST(test_clip_grad_norm_matches_pytorch) {
    Fixture *fx = fixture_load("optim");
    ParamTable pt;
    make_table(&pt, fx);
    load_grads(&pt, fx, 0);
    float norm = clip_grad_norm(&pt, 1.0f);
    ck_assert(check_tensor("clip norm", &norm, fixture_get(fx, "clip_norm", NULL), 1, 1e-5f));
    ck_assert(check_tensor("clip w", params_grad(&pt, "w"), fixture_get(fx, "clip_w", NULL), 12, 1e-6f));
    ck_assert(check_tensor("clip b", params_grad(&pt, "b"), fixture_get(fx, "clip_b", NULL), 4, 1e-6f));
    /* Below the threshold nothing changes. */
    float before = params_grad(&pt, "w")[0];
    clip_grad_norm(&pt, 100.0f);
    ck_assert_float_eq(params_grad(&pt, "w")[0], before);
    params_free(&pt);
    fixture_free(fx);
}
END_TEST

START_TEST(test_schedules) {
    /* linear: endpoints and midpoint */
    ck_assert_float_eq_tol(lr_linear(0, 100, 1.0f, 0.0f), 1.0f, 1e-7f);
    ck_assert_float_eq_tol(lr_linear(50, 100, 1.0f, 0.0f), 0.5f, 1e-7f);
    ck_assert_float_eq_tol(lr_linear(100, 100, 1.0f, 0.0f), 0.0f, 1e-7f);
    /* cosine with warmup (nanoGPT's get_lr): ramps to lr_max, halfway between at mid-decay, lr_min after */
    ck_assert_float_eq_tol(lr_cosine(0, 10, 110, 1e-3f, 1e-4f), 1e-4f, 1e-9f);
    ck_assert_float_eq_tol(lr_cosine(9, 10, 110, 1e-3f, 1e-4f), 1e-3f, 1e-9f);
    ck_assert_float_eq_tol(lr_cosine(10, 10, 110, 1e-3f, 1e-4f), 1e-3f, 1e-9f);
    ck_assert_float_eq_tol(lr_cosine(60, 10, 110, 1e-3f, 1e-4f), 5.5e-4f, 1e-9f);
    ck_assert_float_eq_tol(lr_cosine(500, 10, 110, 1e-3f, 1e-4f), 1e-4f, 1e-9f);
    /* Noam: rises linearly, peaks at step = warmup, then decays as step^-0.5 */
    float peak = lr_noam(3999, 512, 4000, 1.0f);
    ck_assert_float_eq_tol(peak, powf(512.0f, -0.5f) * powf(4000.0f, -0.5f), 1e-9f);
    ck_assert(lr_noam(1999, 512, 4000, 1.0f) < peak);
    ck_assert(lr_noam(7999, 512, 4000, 1.0f) < peak);
    ck_assert_float_eq_tol(lr_noam(15999, 512, 4000, 1.0f), peak * 0.5f, 1e-9f);
}
END_TEST

/* w and b in two tables (a body and a head) clipped together: PyTorch's
 * clip_grad_norm_ over both parameters, so the fixture's clip_w and clip_b;
 * clipping each table alone would scale them by different factors. */
START_TEST(test_clip_grad_norm_tables) {
    Fixture *fx = fixture_load("optim");
    ParamTable body, head;
    params_init(&body);
    params_add(&body, "w", 2, 3, 4);
    params_alloc(&body);
    params_init(&head);
    params_add(&head, "b", 1, 4);
    params_alloc(&head);
    memcpy(params_grad(&body, "w"), fixture_get(fx, "grads_w", NULL), 12 * sizeof(float));
    memcpy(params_grad(&head, "b"), fixture_get(fx, "grads_b", NULL), 4 * sizeof(float));
    ParamTable *both[2] = {&body, &head};
    float norm = clip_grad_norm_tables(both, 2, 1.0f);
    ck_assert(check_tensor("tables clip norm", &norm, fixture_get(fx, "clip_norm", NULL), 1, 1e-5f));
    ck_assert(check_tensor("tables clip w", params_grad(&body, "w"), fixture_get(fx, "clip_w", NULL), 12, 1e-6f));
    ck_assert(check_tensor("tables clip b", params_grad(&head, "b"), fixture_get(fx, "clip_b", NULL), 4, 1e-6f));
    /* one table: exactly clip_grad_norm; the body's norm alone is smaller
     * than the joint one, so clipping it alone would scale it less */
    ParamTable copy;
    params_init(&copy);
    params_add(&copy, "w", 2, 3, 4);
    params_alloc(&copy);
    memcpy(params_grad(&body, "w"), fixture_get(fx, "grads_w", NULL), 12 * sizeof(float));
    memcpy(params_grad(&copy, "w"), fixture_get(fx, "grads_w", NULL), 12 * sizeof(float));
    float alone = clip_grad_norm_tables(both, 1, 1.0f), direct = clip_grad_norm(&copy, 1.0f);
    ck_assert_float_eq(alone, direct);
    ck_assert_mem_eq(params_grad(&body, "w"), params_grad(&copy, "w"), 12 * sizeof(float));
    ck_assert(alone < norm);
    params_free(&copy);
    params_free(&body);
    params_free(&head);
    fixture_free(fx);
}
END_TEST

/* ZeRO (zero.h): AdamW over two slices of the buffer, each with its own
 * moments, is adam_step over the whole bit for bit -- also where a slice
 * cuts a tensor, whose weight-decay mask must hold on both sides. The cut
 * at 5 falls inside w (decay), the one at 14 inside b (none). */
START_TEST(test_adam_slices_equal_whole) {
    Fixture *fx = fixture_load("optim");
    AdamConfig cfg = {0.9f, 0.95f, 1e-8f, 0.1f, 1};
    size_t cuts[] = {5, 14};
    for (int c = 0; c < 2; c++) {
        ParamTable whole, sliced;
        make_table(&whole, fx);
        make_table(&sliced, fx);
        size_t cut = cuts[c], n = whole.total;
        float m0[16] = {0}, v0[16] = {0}, m1[16] = {0}, v1[16] = {0};
        for (int s = 0; s < 5; s++) {
            load_grads(&whole, fx, s);
            load_grads(&sliced, fx, s);
            adam_step(&whole, &cfg, 0.01f, s + 1);
            adam_step_slice(&sliced, &cfg, 0.01f, s + 1, 0, cut, m0, v0);
            adam_step_slice(&sliced, &cfg, 0.01f, s + 1, cut, n, m1, v1);
        }
        ck_assert_mem_eq(sliced.values, whole.values, n * sizeof(float));
        ck_assert_mem_eq(m0, whole.m, cut * sizeof(float));
        ck_assert_mem_eq(m1, whole.m + cut, (n - cut) * sizeof(float));
        ck_assert_mem_eq(v1, whole.v + cut, (n - cut) * sizeof(float));
        /* and a slice touches nothing outside itself */
        float before = sliced.values[n - 1];
        adam_step_slice(&sliced, &cfg, 0.01f, 6, 0, cut, m0, v0);
        ck_assert_float_eq(sliced.values[n - 1], before);
        params_free(&whole);
        params_free(&sliced);
    }
    fixture_free(fx);
}
END_TEST

static Suite *optim_suite(void) {
    Suite *s = suite_create("optim");
    TCase *tc = tcase_create("optim");
    tcase_add_test(tc, test_sgd_momentum_matches_pytorch);
    tcase_add_test(tc, test_adam_matches_pytorch);
    tcase_add_test(tc, test_adamw_matches_pytorch);
    tcase_add_test(tc, test_clip_grad_norm_matches_pytorch);
    tcase_add_test(tc, test_schedules);
    tcase_add_test(tc, test_clip_grad_norm_tables);
    tcase_add_test(tc, test_adam_slices_equal_whole);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(optim_suite)
