/*
 * test_rlhf_ppo.c -- chapter 7's learning pieces: returns and advantages
 * (rlhf/advantage.h), PPO's losses (rlhf/ppo.h), the actor-critic networks
 * (rlhf/actor_critic.h) and the three methods end to end (cartpole_train.h).
 *
 *   - Discounted returns and GAE against values worked out by hand on a
 *     four-step rollout with an episode ending in the middle (and a second
 *     environment, to check the time-major layout); GAE with lambda = 1 is
 *     the n-step return minus V.
 *   - PPO's loss (clipped surrogate, clipped value loss, entropy) and its
 *     gradient with respect to the logits and values against cleanrl's
 *     formulas in PyTorch (tests/ref/ref_rlhf_ppo.py), with the approximate
 *     KL and the clip fraction; each branch of the clipping by hand; at
 *     ratio 1 the gradient is the plain policy gradient (A2C, REINFORCE).
 *   - The actor-critic's backward pass against central differences.
 *   - Quality: REINFORCE lifts CartPole's return from about 22 (a random
 *     policy) above 100 within 30,000 steps (0.3 s), for two seeds; PPO and
 *     A2C take a few updates without trouble, and a run is reproducible.
 */
#include "harness.h"
#include "gradcheck.h"
#include "ops.h"
#include "rlhf/actor_critic.h"
#include "rlhf/advantage.h"
#include "rlhf/cartpole_train.h"
#include "rlhf/ppo.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FIX_TOL 1e-5f

static void expect_floats(const char *label, const float *got, const float *want, size_t n, float tol) {
    ck_assert_msg(check_tensor(label, got, want, n, tol), "%s differs", label);
}

/* ---------------------------------------------------------------- returns and GAE */

/* Environment 0: rewards 1, values 1..4, its episode ends at step 1, V(s_4) = 10.
 * Environment 1: a reward of 2 at step 0, values 0, its episode ends at step 3
 * (so its bootstrap value, 100, must not count). Time-major (t, i). */
static const float rewards[8] = {1, 2, 1, 0, 1, 0, 1, 0};
static const float values[8] = {1, 0, 2, 0, 3, 0, 4, 0};
static const int done[8] = {0, 0, 1, 0, 0, 0, 0, 1};
static const float next_value[2] = {10, 100};

START_TEST(test_discounted_returns_by_hand) {
    float g[8];
    /* gamma 0.5, env 0: G3 = 1 + 0.5*10 = 6, G2 = 1 + 0.5*6 = 4, G1 = 1 (the end), G0 = 1 + 0.5*1 = 1.5
     *            env 1: G3 = 0 (the end: no bootstrap), G2 = G1 = 0, G0 = 2 */
    rl_discounted_returns(g, rewards, done, next_value, 4, 2, 0.5f);
    const float want[8] = {1.5f, 2, 1, 0, 4, 0, 6, 0};
    expect_floats("returns bootstrapped", g, want, 8, 0.0f);
    /* no bootstrap (REINFORCE's whole episodes): env 0's G3 = 1, G2 = 1.5 */
    rl_discounted_returns(g, rewards, done, NULL, 4, 2, 0.5f);
    const float want0[8] = {1.5f, 2, 1, 0, 1.5f, 0, 1, 0};
    expect_floats("returns to the end", g, want0, 8, 0.0f);
}
END_TEST

START_TEST(test_gae_by_hand) {
    float adv[8], ret[8];
    /* gamma 0.5, lambda 0.5 (gamma * lambda = 0.25), env 0:
     *   t=3: delta = 1 + 0.5*10 - 4 = 2                A3 = 2
     *   t=2: delta = 1 + 0.5*4 - 3 = 0                 A2 = 0 + 0.25*2 = 0.5
     *   t=1: the episode ends: delta = 1 - 2 = -1      A1 = -1 (nothing after it)
     *   t=0: delta = 1 + 0.5*2 - 1 = 1                 A0 = 1 + 0.25*(-1) = 0.75
     * env 1: only t=0 has a reward: A0 = 2, the rest 0 (its end cuts off the 100).
     * returns = A + V. */
    rl_gae(adv, ret, rewards, values, done, next_value, 4, 2, 0.5f, 0.5f);
    const float want_adv[8] = {0.75f, 2, -1, 0, 0.5f, 0, 2, 0};
    const float want_ret[8] = {1.75f, 2, 1, 0, 3.5f, 0, 6, 0};
    expect_floats("gae advantages", adv, want_adv, 8, 0.0f);
    expect_floats("gae returns", ret, want_ret, 8, 0.0f);
}
END_TEST

/* lambda = 1: the advantage is the bootstrapped discounted return minus V (A2C). */
START_TEST(test_gae_lambda_one_is_nstep) {
    float adv[8], ret[8], g[8], want[8];
    rl_gae(adv, ret, rewards, values, done, next_value, 4, 2, 0.9f, 1.0f);
    rl_discounted_returns(g, rewards, done, next_value, 4, 2, 0.9f);
    for (int k = 0; k < 8; k++) want[k] = g[k] - values[k];
    expect_floats("gae(lambda=1) = G - V", adv, want, 8, 1e-6f);
    expect_floats("gae(lambda=1) returns = G", ret, g, 8, 1e-6f);
}
END_TEST

START_TEST(test_normalise_and_explained_variance) {
    float x[4] = {1, 2, 3, 4};
    rl_normalise(x, 4, 0.0f);
    /* mean 2.5, std with Bessel's correction sqrt(5/3) */
    float s = sqrtf(5.0f / 3.0f), want[4] = {-1.5f / s, -0.5f / s, 0.5f / s, 1.5f / s};
    expect_floats("normalised", x, want, 4, 1e-6f);
    float y[4] = {1, 2, 3, 4}, c[4] = {7, 7, 7, 7}, half[4] = {0.5f, 1, 1.5f, 2};
    ck_assert(fabs(rl_explained_variance(y, y, 4) - 1.0) < 1e-12);
    ck_assert(fabs(rl_explained_variance(c, y, 4)) < 1e-12);      /* a constant explains nothing */
    /* y - y/2 = y/2 has a quarter of y's variance */
    ck_assert(fabs(rl_explained_variance(half, y, 4) - 0.75) < 1e-6);
    ck_assert(isnan(rl_explained_variance(y, c, 4)));             /* constant targets */
}
END_TEST

/* ---------------------------------------------------------------- PPO's loss */

static const PpoConfig cleanrl_loss = {.clip = 0.2f, .ent_coef = 0.01f, .vf_coef = 0.5f, .clip_vloss = 1,
                                       .norm_adv = 1};

START_TEST(test_ppo_loss_pytorch) {
    Fixture *fx = fixture_load("rlhf_ppo");
    size_t nA, n;
    float *logits = fixture_get(fx, "logits", &nA), *vals = fixture_get(fx, "values", &n);
    int A = (int)(nA / n), actions[16];
    ck_assert(n <= 16);
    for (size_t i = 0; i < n; i++) actions[i] = fixture_int(fx, "actions", i);
    float *logp = xcalloc(nA, sizeof(float)), *dlogp = xcalloc(nA, sizeof(float));
    float *dlogits = xcalloc(nA, sizeof(float)), *dvalue = xcalloc(n, sizeof(float));
    float *work = xcalloc(4 * n, sizeof(float));
    log_softmax_forward(logp, logits, (int)n, A);
    PpoStats st = ppo_loss(dlogp, dvalue, logp, vals, actions, A, fixture_get(fx, "old_logp", NULL),
                           fixture_get(fx, "adv", NULL), fixture_get(fx, "returns", NULL),
                           fixture_get(fx, "old_values", NULL), (int)n, &cleanrl_loss, work);
    log_softmax_backward(dlogits, dlogp, logp, (int)n, A);
    const char *names[6] = {"loss", "pg_loss", "v_loss", "entropy", "approx_kl", "clip_frac"};
    double got[6] = {st.loss, st.pg_loss, st.v_loss, st.entropy, st.approx_kl, st.clip_frac};
    for (int k = 0; k < 6; k++) {
        float g = (float)got[k];
        expect_floats(names[k], &g, fixture_get(fx, names[k], NULL), 1, FIX_TOL);
    }
    ck_assert(st.clip_frac > 0 && st.clip_frac < 1);   /* the fixture clips some ratios, not all */
    expect_floats("ppo dlogits", dlogits, fixture_get(fx, "dlogits", NULL), nA, FIX_TOL);
    expect_floats("ppo dvalues", dvalue, fixture_get(fx, "dvalues", NULL), n, FIX_TOL);
    free(logp); free(dlogp); free(dlogits); free(dvalue); free(work);
    fixture_free(fx);
}
END_TEST

/* One sample per branch of the clipped surrogate, with eps = 0.2:
 *   A > 0, r = 1.5: -A*1.2 > -A*1.5, the clipped term wins: no gradient
 *   A < 0, r = 1.5: -A*1.5 wins: gradient -A r = 1.5 (the ratio is pulled back)
 *   A > 0, r = 0.5: -A*0.5 wins: gradient -0.5
 *   A < 0, r = 0.5: -A*0.8 wins (clipped): no gradient
 *   A > 0, r = 1.1: inside, both equal: gradient -1.1 */
START_TEST(test_ppo_clip_branches) {
    float ratio[5] = {1.5f, 1.5f, 0.5f, 0.5f, 1.1f}, adv[5] = {1, -1, 1, -1, 1};
    float newlogp[5], oldlogp[5] = {0}, d[5] = {0};
    for (int i = 0; i < 5; i++) newlogp[i] = logf(ratio[i]);
    PpoStats st = {0};
    double loss = ppo_policy_loss(d, newlogp, oldlogp, adv, 5, 0.2f, &st);
    float want[5] = {0, 1.5f / 5, -0.5f / 5, 0, -1.1f / 5};
    expect_floats("clip branches d/dlogp", d, want, 5, 1e-6f);
    /* per sample: -1.2, 1.5, -0.5, 0.8, -1.1 */
    ck_assert(fabs(loss - (-1.2 + 1.5 - 0.5 + 0.8 - 1.1) / 5) < 1e-6);
    ck_assert(fabs(st.clip_frac - 4.0 / 5) < 1e-9);
}
END_TEST

/* The value clipping: the worse of the two errors counts. */
START_TEST(test_value_clip_branches) {
    /* V moved 0.5 from V_old = 0 towards R = 1: clipped V = 0.2, error 0.8 > 0.5: the clipped
     * term wins, no gradient; V moved 0.5 away (V = -0.5, R = 1): unclipped error 1.5 wins. */
    float v[3] = {0.5f, -0.5f, 0.1f}, old[3] = {0, 0, 0}, R[3] = {1, 1, 1}, d[3] = {0};
    double loss = ppo_value_loss(d, v, old, R, 3, 0.2f, 1.0f);
    float want[3] = {0, -1.5f / 3, -0.9f / 3};
    expect_floats("value clip d/dV", d, want, 3, 1e-6f);
    ck_assert(fabs(loss - 0.5 * (0.64 + 2.25 + 0.81) / 3) < 1e-6);
    memset(d, 0, sizeof d);   /* unclipped: plain 0.5 (V - R)^2 */
    ppo_value_loss(d, v, old, R, 3, 0.0f, 1.0f);
    float want_plain[3] = {-0.5f / 3, -1.5f / 3, -0.9f / 3};
    expect_floats("value plain d/dV", d, want_plain, 3, 1e-6f);
}
END_TEST

START_TEST(test_approx_kl) {
    float newlogp[2] = {logf(2.0f), 0.0f}, oldlogp[2] = {0, 0};
    /* r = 2: (2 - 1) - log 2;  r = 1: 0 */
    ck_assert(fabs(ppo_approx_kl(newlogp, oldlogp, 2) - (1.0 - log(2.0)) / 2) < 1e-6);
    ck_assert(ppo_approx_kl(oldlogp, oldlogp, 2) == 0.0);
}
END_TEST

/* At ratio 1 (old = new), no normalisation nor entropy: dL/dlogp(a_i) = -A_i / n,
 * the vanilla policy gradient of -mean(A log pi); other actions get nothing. */
START_TEST(test_ratio_one_is_policy_gradient) {
    int n = 3, A = 2, actions[3] = {0, 1, 1};
    float logits[6] = {0.3f, -0.2f, 1.0f, 0.5f, -1.0f, 2.0f}, logp[6], dlogp[6] = {0}, old[3];
    float adv[3] = {2, -1, 0.5f}, work[12];
    log_softmax_forward(logp, logits, n, A);
    for (int i = 0; i < n; i++) old[i] = logp[i * A + actions[i]];
    PpoConfig plain = {.clip = 0.2f};
    ppo_loss(dlogp, NULL, logp, NULL, actions, A, old, adv, NULL, NULL, n, &plain, work);
    float want[6] = {-2.0f / 3, 0, 0, 1.0f / 3, 0, -0.5f / 3};
    expect_floats("ratio 1 gradient", dlogp, want, 6, 1e-7f);
}
END_TEST

/* ---------------------------------------------------------------- the networks */

typedef struct {
    ActorCritic *ac;
    const float *obs, *r1, *r2;
    int B;
} AcCase;

static double ac_loss(void *p) {
    AcCase *c = p;
    ac_forward(c->ac, c->obs, c->B);
    int A = c->ac->cfg.n_actions;
    double s = 0.0;
    for (int i = 0; i < c->B * A; i++) s += (double)c->ac->logp[i] * c->r1[i];
    if (c->ac->value)
        for (int i = 0; i < c->B; i++) s += (double)c->ac->value[i] * c->r2[i];
    return s;
}

static void check_ac_gradients(int critic) {
    AcConfig cfg = {.obs_dim = 4, .n_actions = 3, .hidden = 5, .critic = critic};
    ActorCritic ac;
    int B = 6;
    ac_init(&ac, &cfg, B, 3);
    /* bigger than the 0.01 policy head's, so the head's gradient is not all rounding */
    Rng r;
    rng_seed(&r, 9, 0);
    rng_fill_normal(&r, ac.pt.values, ac.pt.total, 0.0f, 0.5f);
    float obs[24], r1[18], r2[6];
    rng_fill_normal(&r, obs, 24, 0.0f, 1.0f);
    rng_fill_normal(&r, r1, 18, 0.0f, 1.0f);
    rng_fill_normal(&r, r2, 6, 0.0f, 1.0f);
    AcCase c = {&ac, obs, r1, r2, B};
    ac_loss(&c);
    memcpy(ac.dlogp, r1, sizeof r1);
    if (critic) memcpy(ac.dvalue, r2, sizeof r2);
    params_zero_grad(&ac.pt);
    ac_backward(&ac, obs, B);
    double err = gradcheck(critic ? "actor-critic params" : "actor params", ac_loss, &c, ac.pt.values,
                           ac.pt.grads, ac.pt.total, 1e-2f);
    /* a whole network in float, as the GPT tests: the noise of the forward pass
     * (a few 1e-5 absolute) is what is left over, not a wrong term */
    ck_assert_msg(err < 1e-2, "max relative error %.3e", err);
    /* the actor's 3 layers, and the critic's when there is one */
    size_t actor = 5 * 4 + 5 + 5 * 5 + 5 + 3 * 5 + 3, critic_n = 5 * 4 + 5 + 5 * 5 + 5 + 5 + 1;
    ck_assert_uint_eq(ac.pt.total, actor + (critic ? critic_n : 0));
    ac_free(&ac);
}

START_TEST(test_actor_critic_gradcheck) {
    check_ac_gradients(1);
    check_ac_gradients(0);
}
END_TEST

/* The initial policy is close to uniform (policy head gain 0.01). */
START_TEST(test_initial_policy_uniform) {
    AcConfig cfg = {4, 2, 64, 1};
    ActorCritic ac;
    ac_init(&ac, &cfg, 8, 1);
    float obs[32];
    Rng r;
    rng_seed(&r, 1, 0);
    rng_fill_uniform(&r, obs, 32, -0.05f, 0.05f);
    ac_forward(&ac, obs, 8);
    for (int i = 0; i < 16; i++) ck_assert(fabsf(ac.logp[i] - logf(0.5f)) < 0.01f);
    ac_free(&ac);
}
END_TEST

/* ---------------------------------------------------------------- end to end */

static CartpoleResult run(RlAlgo algo, unsigned long long seed, long steps) {
    CartpoleConfig cfg;
    cartpole_defaults(&cfg, algo);
    cfg.seed = seed;
    cfg.steps = steps;
    cfg.log = NULL;
    return cartpole_train(&cfg);
}

START_TEST(test_reinforce_learns) {
    for (unsigned long long seed = 1; seed <= 2; seed++) {
        CartpoleResult r = run(RL_REINFORCE, seed, 30000);
        printf("REINFORCE seed %llu: return %.1f (last 100 episodes) after %ld steps\n", seed, r.final_return,
               r.steps);
        ck_assert_msg(r.final_return > 100.0, "seed %llu: REINFORCE's return %.1f <= 100 after %ld steps", seed,
                      r.final_return, r.steps);
        /* the first episodes, under the near-uniform policy, are short */
        double first = 0;
        for (int k = 0; k < 20; k++) first += r.episode_return[k];
        ck_assert(first / 20 < 40);
        cartpole_result_free(&r);
    }
}
END_TEST

START_TEST(test_short_runs_reproducible) {
    for (int algo = 0; algo < RL_N_ALGOS; algo++) {
        CartpoleResult a = run((RlAlgo)algo, 4, 3000), b = run((RlAlgo)algo, 4, 3000);
        ck_assert_int_eq(a.episodes, b.episodes);
        ck_assert_int_eq(a.steps, b.steps);
        ck_assert(a.final_return == b.final_return);
        ck_assert(isfinite(a.final_return) && a.updates > 0);
        cartpole_result_free(&a);
        cartpole_result_free(&b);
    }
}
END_TEST

static Suite *rlhf_ppo_suite(void) {
    Suite *s = suite_create("rlhf_ppo");
    TCase *tc = tcase_create("advantage");
    tcase_add_test(tc, test_discounted_returns_by_hand);
    tcase_add_test(tc, test_gae_by_hand);
    tcase_add_test(tc, test_gae_lambda_one_is_nstep);
    tcase_add_test(tc, test_normalise_and_explained_variance);
    suite_add_tcase(s, tc);
    tc = tcase_create("ppo");
    tcase_add_test(tc, test_ppo_loss_pytorch);
    tcase_add_test(tc, test_ppo_clip_branches);
    tcase_add_test(tc, test_value_clip_branches);
    tcase_add_test(tc, test_approx_kl);
    tcase_add_test(tc, test_ratio_one_is_policy_gradient);
    suite_add_tcase(s, tc);
    tc = tcase_create("networks");
    tcase_add_test(tc, test_actor_critic_gradcheck);
    tcase_add_test(tc, test_initial_policy_uniform);
    suite_add_tcase(s, tc);
    tc = tcase_create("training");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_reinforce_learns);
    tcase_add_test(tc, test_short_runs_reproducible);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(rlhf_ppo_suite)
