/*
 * advantage.h -- how good an action was: returns, baselines and advantages.
 *
 * The RL objective is the expected return of the policy,
 *     J(theta) = E_{tau ~ pi_theta} [ sum_t gamma^t r_t ],
 * and the policy-gradient theorem (Williams 1992; Sutton et al. 2000) says
 *     grad J = E [ sum_t grad log pi_theta(a_t|s_t) * Psi_t ],
 * where Psi_t may be the return from t on (REINFORCE), that return minus a
 * baseline b(s_t) (the same expectation, less variance), or an advantage
 * estimate A(s_t, a_t) = Q(s_t, a_t) - V(s_t) (actor-critic). This module
 * computes those Psi_t from a batch of transitions.
 *
 * Layout, as cleanrl's: a rollout of T steps in N environments is stored
 * time-major, element (t, i) at index t*N + i. done[t*N+i] = 1 when the
 * action at step t ended environment i's episode (terminated or truncated:
 * cleanrl's ppo.py bootstraps neither), so nothing after it is credited to
 * it. The first step after the rollout (t = T) is valued by next_value (N)
 * when the rollout stopped mid-episode.
 */
#ifndef NLP_RLHF_ADVANTAGE_H
#define NLP_RLHF_ADVANTAGE_H

/*
 * Discounted returns, backwards in time:
 *     G_t = r_t + gamma * (1 - done_t) * G_{t+1},   G_T = next_value (NULL: 0)
 * With next_value = 0 and whole episodes this is REINFORCE's Monte Carlo
 * return; with next_value = V(s_T) it is A2C's n-step return.
 * returns, rewards, done: (T, N).
 */
void rl_discounted_returns(float *returns, const float *rewards, const int *done, const float *next_value,
                           int T, int N, float gamma);

/*
 * Generalised advantage estimation (Schulman et al. 2016, eq. 16), backwards:
 *     delta_t = r_t + gamma * (1 - done_t) * V(s_{t+1}) - V(s_t)
 *     A_t     = delta_t + gamma * lambda * (1 - done_t) * A_{t+1}
 * with V(s_{t+1}) = values[t+1] inside the rollout and next_value at t = T-1,
 * and returns_t = A_t + V(s_t), the value network's target. lambda = 1 gives
 * the discounted return minus V (A2C's advantage); lambda = 0 the one-step
 * TD error. adv, returns, rewards, values, done: (T, N); next_value (N).
 */
void rl_gae(float *adv, float *returns, const float *rewards, const float *values, const int *done,
            const float *next_value, int T, int N, float gamma, float lambda);

/* x <- (x - mean) / (std + eps) over n values, std with Bessel's correction
 * as torch.std: the normalisation of returns (REINFORCE) and of a
 * minibatch's advantages (PPO). n = 1 only subtracts the mean. */
void rl_normalise(float *x, int n, float eps);

/* 1 - Var(target - pred) / Var(target): how much of the returns' variance the
 * value function explains (1 perfect, 0 no better than a constant, negative
 * worse); NAN when the targets do not vary. Population variances, as numpy's. */
double rl_explained_variance(const float *pred, const float *target, int n);

#endif
