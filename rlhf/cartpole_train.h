/*
 * cartpole_train.h -- three policy-gradient methods on CartPole-v1, in the
 * order of their history, all over the same environments (cartpole.h), the
 * same networks (actor_critic.h) and the same loss code (ppo.h):
 *
 *   REINFORCE (Williams 1992): play whole episodes, then push up the
 *     log-probability of every action in proportion to the return that
 *     followed it (normalised over the batch). With a baseline: minus a
 *     learned V(s), which leaves the gradient's expectation alone and cuts
 *     its variance.
 *   A2C (Mnih et al. 2016, the synchronous form of A3C): every few steps,
 *     bootstrap the rest of the return from the critic (n-step returns), and
 *     weigh each action by its advantage R_t - V(s_t).
 *   PPO (Schulman et al. 2017), as cleanrl's ppo.py: 128 steps in each of 4
 *     environments, GAE advantages, then 4 epochs of 4 minibatches on the
 *     clipped surrogate.
 *
 * Defaults (cartpole_defaults) are each method's usual settings: cleanrl's
 * for PPO; A2C as stable-baselines3 runs it on CartPole (8 environments x
 * 5 steps, lr 7e-4, no entropy bonus) but with Adam; REINFORCE one episode
 * per environment per update with Adam at 1e-3. All have a 500k-step
 * budget, cleanrl's, and clip the gradient norm at 0.5.
 *
 * A run logs one row per update (or per 512 steps, whichever is longer) to
 * OUT/metrics.tsv: the mean return of the episodes finished since the last
 * row, the last 100's, the losses, PPO's approximate KL and clip fraction,
 * the critic's explained variance, the learning rate and steps per second.
 */
#ifndef NLP_RLHF_CARTPOLE_TRAIN_H
#define NLP_RLHF_CARTPOLE_TRAIN_H

#include <stdio.h>

#include "rlhf/ppo.h"

typedef enum { RL_REINFORCE, RL_REINFORCE_BASELINE, RL_A2C, RL_PPO, RL_N_ALGOS } RlAlgo;

/* "reinforce", "reinforce-baseline", "a2c", "ppo" */
extern const char *const rl_algo_names[RL_N_ALGOS + 1];

typedef struct {
    RlAlgo algo;
    unsigned long long seed;
    long steps;            /* environment steps to train for, over all environments */
    int envs;              /* environments stepped together */
    int rollout;           /* steps in each environment per update (A2C, PPO) */
    int hidden;            /* width of both hidden layers */
    float lr;              /* Adam's learning rate ... */
    int anneal_lr;         /* ... linearly down to 0 over the run (PPO) */
    float gamma;           /* discount */
    float lambda;          /* GAE's lambda (PPO; A2C's n-step return is lambda = 1) */
    int epochs;            /* passes over each batch (PPO) */
    int minibatches;       /* per epoch (PPO) */
    float max_grad_norm;   /* global-norm clipping; 0: none */
    PpoConfig loss;        /* clip, entropy and value coefficients, normalisation */
    const char *out;       /* run folder for config.txt, metrics.tsv, PNGs; NULL: none */
    FILE *log;             /* a progress line every 10% of the steps; NULL: silent */
} CartpoleConfig;

typedef struct {
    double final_return;   /* mean return of the last 100 episodes (fewer if fewer ended) */
    long steps;            /* environment steps taken */
    long episodes;         /* episodes finished */
    long updates;          /* optimizer updates done */
    double train_s;        /* wall seconds of training */
    double cpu_s;          /* CPU seconds of this process meanwhile (the wall time on an idle core) */
    double sps;            /* steps per second */
    /* Every finished episode, in order: the step count when it ended and its
     * return (the learning curves of `rlhf curves`). malloc'd, free with
     * cartpole_result_free. */
    long *episode_step;
    float *episode_return;
} CartpoleResult;

/* The method's usual settings (the header comment). */
void cartpole_defaults(CartpoleConfig *cfg, RlAlgo algo);
/* Train; dies on an inconsistent configuration (say, a batch that the
 * minibatches do not divide). */
CartpoleResult cartpole_train(const CartpoleConfig *cfg);
void cartpole_result_free(CartpoleResult *r);

#endif
