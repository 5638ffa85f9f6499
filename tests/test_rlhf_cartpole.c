/*
 * test_rlhf_cartpole.c -- chapter 7's environment (rlhf/cartpole.h).
 *
 *   - Trajectories under fixed actions equal an independent re-reading of
 *     gym's equations (tests/ref/ref_rlhf_cartpole.py, in double as gym):
 *     every observation of three episodes, one ending when the pole falls
 *     after always pushing right, one under random pushes, and one kept up
 *     by a controller for 500 steps and truncated there. The flags must
 *     agree exactly, the observations within OBS_TOL (float32 of the same
 *     double arithmetic: in practice they are equal).
 *   - Resets are uniform in [-0.05, 0.05].
 *   - The vector of environments: auto-reset within the step that ends an
 *     episode, its return recorded, inactive environments left alone.
 *   - A bad action dies with status 1.
 */
#include "harness.h"
#include "rlhf/cartpole.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define OBS_TOL 1e-6f

static float *get(const Fixture *fx, const char *episode, const char *field, size_t *n) {
    char name[64];
    snprintf(name, sizeof name, "%s.%s", episode, field);
    return fixture_get(fx, name, n);
}

/* Replay one episode of the fixture; returns its length. */
static size_t replay(const Fixture *fx, const char *episode) {
    size_t T, n4;
    float *start = get(fx, episode, "start", NULL), *actions = get(fx, episode, "actions", &T);
    float *want = get(fx, episode, "obs", &n4);
    float *reward = get(fx, episode, "reward", NULL), *term = get(fx, episode, "terminated", NULL);
    float *trunc = get(fx, episode, "truncated", NULL);
    ck_assert_uint_eq(n4, 4 * T);
    double s[4] = {start[0], start[1], start[2], start[3]};
    CartPole env;
    cartpole_set_state(&env, s);
    float *got = xmalloc(n4 * sizeof(float));
    for (size_t t = 0; t < T; t++) {
        CartPoleStep st = cartpole_step(&env, (int)actions[t]);
        cartpole_observe(&env, got + 4 * t);
        ck_assert_msg(st.reward == reward[t], "%s step %zu: reward %g, want %g", episode, t + 1, st.reward, reward[t]);
        ck_assert_msg(st.terminated == (int)term[t], "%s step %zu: terminated %d, want %d", episode, t + 1,
                      st.terminated, (int)term[t]);
        ck_assert_msg(st.truncated == (int)trunc[t], "%s step %zu: truncated %d, want %d", episode, t + 1,
                      st.truncated, (int)trunc[t]);
    }
    char label[64];
    snprintf(label, sizeof label, "cartpole %s obs", episode);
    ck_assert_msg(check_tensor(label, got, want, n4, OBS_TOL), "%s: trajectory differs from gym's", episode);
    free(got);
    return T;
}

START_TEST(test_trajectories_match_gym) {
    Fixture *fx = fixture_load("rlhf_cartpole");
    size_t push = replay(fx, "push"), random = replay(fx, "random"), balance = replay(fx, "balance");
    /* the episodes are what they claim: short falls, and the full 500 steps */
    ck_assert(push > 5 && push < 20);
    ck_assert(random > 5 && random < 100);
    ck_assert_uint_eq(balance, CARTPOLE_MAX_STEPS);
    fixture_free(fx);
}
END_TEST

/* Termination is |x| > 2.4 or |theta| > 12 degrees, strictly. */
START_TEST(test_thresholds) {
    CartPole env;
    double theta_max = 12 * 2 * M_PI / 360;
    /* no velocities, so one step moves the positions by nothing: the state is judged as set */
    double inside[4] = {2.4, 0, 0, 0}, outside[4] = {0, 0, theta_max + 1e-9, 0};
    cartpole_set_state(&env, inside);
    ck_assert_int_eq(cartpole_step(&env, 0).terminated, 0);
    cartpole_set_state(&env, outside);
    ck_assert_int_eq(cartpole_step(&env, 1).terminated, 1);
    double left[4] = {-2.4 - 1e-9, 0, 0, 0};
    cartpole_set_state(&env, left);
    ck_assert_int_eq(cartpole_step(&env, 1).terminated, 1);
}
END_TEST

START_TEST(test_reset_range) {
    Rng r;
    rng_seed(&r, 5, 0);
    CartPole env;
    double sum[4] = {0}, lo = 1, hi = -1;
    int n = 4000;
    for (int k = 0; k < n; k++) {
        cartpole_reset(&env, &r);
        ck_assert_int_eq(env.t, 0);
        for (int i = 0; i < 4; i++) {
            sum[i] += env.s[i];
            lo = fmin(lo, env.s[i]), hi = fmax(hi, env.s[i]);
        }
    }
    ck_assert(lo >= -0.05 && hi < 0.05);
    ck_assert(lo < -0.049 && hi > 0.049);   /* and it reaches both ends */
    for (int i = 0; i < 4; i++) ck_assert_msg(fabs(sum[i] / n) < 0.003, "mean of variable %d: %g", i, sum[i] / n);
}
END_TEST

/* Always pushing right: each environment falls within a few steps, is reset
 * in the same step, and its episode is recorded with return = length. */
START_TEST(test_vec_auto_reset) {
    CartPoleVec v;
    cartpole_vec_init(&v, 3, 11);
    int actions[3] = {1, 1, 1}, done[3], len[3] = {0}, ended = 0;
    float rewards[3];
    for (int t = 0; t < 200; t++) {
        float before[3 * 4];
        memcpy(before, v.obs, sizeof before);
        cartpole_vec_step(&v, actions, NULL, rewards, done);
        int finished = 0;
        for (int i = 0; i < 3; i++) {
            ck_assert_float_eq(rewards[i], 1.0f);
            len[i]++;
            if (done[i]) {
                /* the new episode's first observation, and the old one's return */
                for (int k = 0; k < 4; k++) ck_assert(fabsf(v.obs[4 * i + k]) <= 0.05f);
                ck_assert_float_eq(v.finished_return[finished], (float)len[i]);
                ck_assert_float_eq(v.ep_return[i], 0.0f);
                finished++, ended++;
                len[i] = 0;
            } else {
                ck_assert_float_eq(v.ep_return[i], (float)len[i]);
            }
        }
        ck_assert_int_eq(v.finished, finished);
    }
    ck_assert_int_eq(v.steps, 600);
    ck_assert_int_eq(v.episodes, ended);
    ck_assert(ended > 20);   /* pushing one way drops the pole in about 10 steps */
    ck_assert(fabs(cartpole_vec_recent_return(&v) - 600.0 / ended) < 3.0);
    cartpole_vec_free(&v);
}
END_TEST

START_TEST(test_vec_inactive_untouched) {
    CartPoleVec v;
    cartpole_vec_init(&v, 2, 3);
    float obs1[4], rewards[2];
    memcpy(obs1, v.obs + 4, sizeof obs1);
    int actions[2] = {0, 1}, active[2] = {1, 0}, done[2];
    for (int t = 0; t < 5; t++) cartpole_vec_step(&v, actions, active, rewards, done);
    ck_assert(memcmp(obs1, v.obs + 4, sizeof obs1) == 0);
    ck_assert_float_eq(rewards[1], 0.0f);
    ck_assert_int_eq(v.steps, 5);
    ck_assert(isnan(cartpole_vec_recent_return(&v)));
    cartpole_vec_free(&v);
}
END_TEST

/* The recent-return ring holds the last 100 episodes only. */
START_TEST(test_vec_recent_100) {
    CartPoleVec v;
    cartpole_vec_init(&v, 1, 1);
    int a = 1, done;
    float r;
    long ep_start = 0;
    double lens[400];
    int n = 0;
    while (n < 150) {
        cartpole_vec_step(&v, &a, NULL, &r, &done);
        if (done) lens[n++] = (double)(v.steps - ep_start), ep_start = v.steps;
    }
    double sum = 0;
    for (int k = 50; k < 150; k++) sum += lens[k];
    ck_assert(fabs(cartpole_vec_recent_return(&v) - sum / 100) < 1e-4);
    cartpole_vec_free(&v);
}
END_TEST

START_TEST(test_bad_action_dies) {
    CartPole env;
    double s[4] = {0};
    cartpole_set_state(&env, s);
    cartpole_step(&env, 2);
}
END_TEST

static Suite *rlhf_cartpole_suite(void) {
    Suite *s = suite_create("rlhf_cartpole");
    TCase *tc = tcase_create("cartpole");
    tcase_add_test(tc, test_trajectories_match_gym);
    tcase_add_test(tc, test_thresholds);
    tcase_add_test(tc, test_reset_range);
    tcase_add_test(tc, test_vec_auto_reset);
    tcase_add_test(tc, test_vec_inactive_untouched);
    tcase_add_test(tc, test_vec_recent_100);
    tcase_add_exit_test(tc, test_bad_action_dies, 1);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(rlhf_cartpole_suite)
