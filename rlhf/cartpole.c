/* cartpole.c -- CartPole-v1 and its vectorised form. See cartpole.h. */
#include "rlhf/cartpole.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* gym's constants (gym/envs/classic_control/cartpole.py) */
#define GRAVITY 9.8
#define MASS_CART 1.0
#define MASS_POLE 0.1
#define TOTAL_MASS (MASS_POLE + MASS_CART)
#define HALF_LENGTH 0.5
#define POLEMASS_LENGTH (MASS_POLE * HALF_LENGTH)
#define FORCE_MAG 10.0
#define TAU 0.02
#define X_THRESHOLD 2.4
#define THETA_THRESHOLD (12 * 2 * M_PI / 360)
#define RESET_BOUND 0.05

void cartpole_reset(CartPole *env, Rng *rng) {
    /* uniform in [-0.05, 0.05), as gym's np_random.uniform(low, high) */
    for (int i = 0; i < CARTPOLE_OBS; i++) env->s[i] = -RESET_BOUND + 2 * RESET_BOUND * rng_uniform_double(rng);
    env->t = 0;
}

void cartpole_set_state(CartPole *env, const double s[CARTPOLE_OBS]) {
    memcpy(env->s, s, sizeof env->s);
    env->t = 0;
}

CartPoleStep cartpole_step(CartPole *env, int action) {
    if (action != 0 && action != 1) die("cartpole: action %d is neither 0 (left) nor 1 (right)", action);
    double x = env->s[0], x_dot = env->s[1], theta = env->s[2], theta_dot = env->s[3];
    double force = action == 1 ? FORCE_MAG : -FORCE_MAG;
    double costheta = cos(theta), sintheta = sin(theta);
    /* The equations of cartpole.h, in gym's order of operations (so the
     * rounding is the same too). */
    double temp = (force + POLEMASS_LENGTH * (theta_dot * theta_dot) * sintheta) / TOTAL_MASS;
    double thetaacc = (GRAVITY * sintheta - costheta * temp) /
                      (HALF_LENGTH * (4.0 / 3.0 - MASS_POLE * (costheta * costheta) / TOTAL_MASS));
    double xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS;
    /* Explicit Euler: positions advance with the velocities of the old state. */
    env->s[0] = x + TAU * x_dot;
    env->s[1] = x_dot + TAU * xacc;
    env->s[2] = theta + TAU * theta_dot;
    env->s[3] = theta_dot + TAU * thetaacc;
    env->t++;
    CartPoleStep out;
    out.reward = 1.0f;   /* the terminating step is rewarded too */
    out.terminated = env->s[0] < -X_THRESHOLD || env->s[0] > X_THRESHOLD ||
                     env->s[2] < -THETA_THRESHOLD || env->s[2] > THETA_THRESHOLD;
    out.truncated = env->t >= CARTPOLE_MAX_STEPS;
    return out;
}

void cartpole_observe(const CartPole *env, float *obs) {
    for (int i = 0; i < CARTPOLE_OBS; i++) obs[i] = (float)env->s[i];
}

/* ---------------------------------------------------------------- vectorised */

void cartpole_vec_init(CartPoleVec *v, int n, unsigned long long seed) {
    if (n < 1) die("cartpole: need at least one environment, got %d", n);
    memset(v, 0, sizeof *v);
    v->n = n;
    v->env = xcalloc((size_t)n, sizeof *v->env);
    v->obs = xcalloc((size_t)n * CARTPOLE_OBS, sizeof *v->obs);
    v->ep_return = xcalloc((size_t)n, sizeof *v->ep_return);
    v->finished_return = xcalloc((size_t)n, sizeof *v->finished_return);
    rng_seed(&v->rng, seed, 0xca77);
    for (int i = 0; i < n; i++) {
        cartpole_reset(&v->env[i], &v->rng);
        cartpole_observe(&v->env[i], v->obs + (size_t)i * CARTPOLE_OBS);
    }
}

void cartpole_vec_free(CartPoleVec *v) {
    free(v->env);
    free(v->obs);
    free(v->ep_return);
    free(v->finished_return);
    memset(v, 0, sizeof *v);
}

void cartpole_vec_step(CartPoleVec *v, const int *actions, const int *active, float *rewards, int *done) {
    v->finished = 0;
    for (int i = 0; i < v->n; i++) {
        rewards[i] = 0.0f;
        done[i] = 0;
        if (active && !active[i]) continue;
        CartPoleStep st = cartpole_step(&v->env[i], actions[i]);
        rewards[i] = st.reward;
        done[i] = st.terminated || st.truncated;
        v->ep_return[i] += st.reward;
        v->steps++;
        if (done[i]) {
            /* RecordEpisodeStatistics, then SyncVectorEnv's auto-reset */
            v->recent[v->episodes % CARTPOLE_RECENT] = v->ep_return[i];
            v->finished_return[v->finished++] = v->ep_return[i];
            v->episodes++;
            v->ep_return[i] = 0.0f;
            cartpole_reset(&v->env[i], &v->rng);
        }
        cartpole_observe(&v->env[i], v->obs + (size_t)i * CARTPOLE_OBS);
    }
}

double cartpole_vec_recent_return(const CartPoleVec *v) {
    long k = v->episodes < CARTPOLE_RECENT ? v->episodes : CARTPOLE_RECENT;
    if (k == 0) return NAN;
    double sum = 0.0;
    for (long i = 0; i < k; i++) sum += v->recent[i];
    return sum / (double)k;
}
