/*
 * cartpole.h -- CartPole-v1, the classic control task (Barto, Sutton &
 * Anderson 1983), with gym's exact physics, and N copies of it stepped
 * together as gym's SyncVectorEnv steps them.
 *
 * A pole is hinged on a cart that moves along a track. Each step the agent
 * pushes the cart left (action 0) or right (1) with a force of 10 N; the
 * state is s = (x, x_dot, theta, theta_dot): the cart's position and
 * velocity, the pole's angle from upright and its angular velocity. gym's
 * equations of motion (Florian 2007, "Correct equations for the dynamics of
 * the cart-pole system", with the friction terms dropped):
 *
 *     temp     = (F + m_p l theta_dot^2 sin theta) / (m_c + m_p)
 *     theta_dd = (g sin theta - cos theta * temp) / (l (4/3 - m_p cos^2 theta / (m_c + m_p)))
 *     x_dd     = temp - m_p l theta_dd cos theta / (m_c + m_p)
 *
 * with g = 9.8, m_c = 1.0, m_p = 0.1, l = 0.5 (HALF the pole's length), then
 * one explicit Euler step of tau = 0.02 s in which the positions move with
 * the OLD velocities:
 *
 *     x += tau x_dot;  x_dot += tau x_dd;  theta += tau theta_dot;  theta_dot += tau theta_dd
 *
 * The episode terminates when |x| > 2.4 or |theta| > 12 degrees
 * (12 * 2 pi / 360 rad), and is truncated after 500 steps (v1's limit). The
 * reward is 1 for every step, the terminating one included, so an episode's
 * return is its length and 500 is the most there is; the task counts as
 * solved at an average of 475. A reset draws each of the four state
 * variables uniformly in [-0.05, 0.05].
 *
 * The state is kept in double, as gym keeps it (Python floats), and the
 * agent sees it as float32, as gym returns it: a trajectory here equals
 * gym's under the same start state and actions (tests/test_rlhf_cartpole.c
 * against tests/ref/ref_rlhf_cartpole.py).
 */
#ifndef NLP_RLHF_CARTPOLE_H
#define NLP_RLHF_CARTPOLE_H

#include "rng.h"

#define CARTPOLE_OBS 4            /* x, x_dot, theta, theta_dot */
#define CARTPOLE_ACTIONS 2        /* push left, push right */
#define CARTPOLE_MAX_STEPS 500    /* CartPole-v1's TimeLimit */
#define CARTPOLE_SOLVED 475.0     /* gym's reward_threshold for v1 */

typedef struct {
    double s[CARTPOLE_OBS];   /* x, x_dot, theta, theta_dot */
    int t;                    /* steps taken in this episode */
} CartPole;

/* What one step did. */
typedef struct {
    float reward;             /* 1 on every step */
    int terminated;           /* the pole fell or the cart left the track */
    int truncated;            /* the 500-step limit was reached (gym's TimeLimit: may come with terminated) */
} CartPoleStep;

/* Start an episode: each state variable uniform in [-0.05, 0.05]. */
void cartpole_reset(CartPole *env, Rng *rng);
/* Start from a given state (tests, the reference's trajectories). */
void cartpole_set_state(CartPole *env, const double s[CARTPOLE_OBS]);
/* One push (action 0: left, 1: right); dies on any other action. */
CartPoleStep cartpole_step(CartPole *env, int action);
/* The observation: the state as float32, obs (4). */
void cartpole_observe(const CartPole *env, float *obs);

/*
 * N environments stepped together, with gym's SyncVectorEnv auto-reset (as
 * cleanrl's ppo.py uses it): an environment whose episode ends in a step is
 * reset within that step, so the observation returned is the first of its
 * next episode, and done[i] says the action just taken ended an episode.
 * The episode that ended is recorded (gym's RecordEpisodeStatistics): its
 * return and length go to a ring of the last CARTPOLE_RECENT episodes, and
 * into the step's list of finished episodes.
 */
#define CARTPOLE_RECENT 100       /* "the last 100 episodes": gym's solved criterion */

typedef struct {
    int n;                      /* number of environments */
    CartPole *env;              /* (n) */
    Rng rng;                    /* the resets' draws */
    float *obs;                 /* (n, 4) the current observation of each */
    float *ep_return;           /* (n) return of each one's episode so far */
    long steps;                 /* environment steps taken, over all n */
    long episodes;              /* episodes finished, over all n */
    float recent[CARTPOLE_RECENT];   /* returns of the last episodes finished (a ring) */
    int finished;               /* episodes finished in the last step call ... */
    float *finished_return;     /* (n) ... their returns */
} CartPoleVec;

/* n environments, each reset from seed's stream. */
void cartpole_vec_init(CartPoleVec *v, int n, unsigned long long seed);
void cartpole_vec_free(CartPoleVec *v);
/*
 * Step every environment i with active[i] set (active NULL: all of them)
 * with actions[i]; rewards (n) and done (n) receive each one's reward and
 * whether its episode ended (terminated or truncated; 0 for the inactive).
 * v->obs then holds the next observations, reset ones for those that ended.
 */
void cartpole_vec_step(CartPoleVec *v, const int *actions, const int *active, float *rewards, int *done);
/* Mean return of the last min(episodes, 100) finished episodes; NAN before the first. */
double cartpole_vec_recent_return(const CartPoleVec *v);

#endif
