/*
 * ppo.h -- the loss of proximal policy optimisation (Schulman et al. 2017),
 * as cleanrl's ppo.py computes it, for a minibatch of n samples whose
 * actions were drawn from categorical policies over A choices (CartPole's
 * two pushes here; a vocabulary's tokens in InstructGPT's PPO).
 *
 * Data was collected with the old policy pi_old. With the probability ratio
 *     r_i = pi(a_i|s_i) / pi_old(a_i|s_i) = exp(log pi - log pi_old)
 * and advantages A_i (normalised over the minibatch), the clipped surrogate
 * objective (eq. 7) is maximised, i.e. its negation minimised:
 *     L_clip = mean_i max(-A_i r_i, -A_i clip(r_i, 1 - eps, 1 + eps))
 * The max takes the pessimistic of the two, so moving r beyond [1-eps, 1+eps]
 * in the direction the advantage favours earns nothing: one batch of data
 * cannot drag the policy far from the one that collected it.
 *
 * The value function regresses on the returns (GAE's A + V_old), with the
 * same clipping around the old values (clip_vloss, cleanrl's default):
 *     L_V = 0.5 mean_i max((V_i - R_i)^2, (V_old,i + clip(V_i - V_old,i, -eps, eps) - R_i)^2)
 * and an entropy bonus keeps the policy exploring (eq. 9):
 *     loss = L_clip - ent_coef * mean_i H(pi(.|s_i)) + vf_coef * L_V
 *
 * Diagnostics, without gradients: the approximate KL divergence
 * KL(pi_old || pi) ~ mean((r - 1) - log r) (Schulman's "k3" estimator:
 * unbiased and never negative) and the fraction of samples with
 * |r - 1| > eps.
 */
#ifndef NLP_RLHF_PPO_H
#define NLP_RLHF_PPO_H

typedef struct {
    float clip;        /* eps of the clipped surrogate and of the value clipping (0.2) */
    float ent_coef;    /* 0.01 */
    float vf_coef;     /* 0.5 */
    int clip_vloss;    /* 1: the clipped value loss above; 0: plain 0.5 (V - R)^2 */
    int norm_adv;      /* 1: normalise the minibatch's advantages (mean 0, std 1) */
} PpoConfig;

typedef struct {
    double loss, pg_loss, v_loss, entropy;   /* the total and its three terms */
    double approx_kl, clip_frac;
} PpoStats;

/* The clipped surrogate L_clip over n samples given the new and old
 * log-probabilities of the actions taken: dnewlogp (n) += dL/dlog pi.
 * Returns L_clip; adds the approx KL and the clip fraction to stats. */
double ppo_policy_loss(float *dnewlogp, const float *newlogp, const float *oldlogp, const float *adv, int n,
                       float clip, PpoStats *stats);
/* L_V (clip > 0: clipped around old_values; 0: unclipped), times coef, with
 * dvalue (n) += its gradient; returns L_V (without coef). */
double ppo_value_loss(float *dvalue, const float *values, const float *old_values, const float *returns, int n,
                      float clip, float coef);
/* mean((r - 1) - log r) over n samples. */
double ppo_approx_kl(const float *newlogp, const float *oldlogp, int n);

/*
 * The whole minibatch loss over categorical policies:
 *   logp (n, A)   log pi(.|s_i), rows of a log-softmax (dlogp (n, A) += its gradient)
 *   values (n)    V(s_i) (dvalue (n) += its gradient); NULL: no value loss (REINFORCE
 *                 without a baseline), and returns, old_values, dvalue are not read
 *   actions, old_logp, adv, returns, old_values (n): what the rollout stored
 *   work (4n floats): scratch, so the call allocates nothing
 * Returns the loss and its parts.
 *
 * On the first minibatch of an update the policy is still pi_old, so r = 1
 * and the surrogate's gradient, -A_i grad log pi(a_i|s_i) / n, is exactly
 * the vanilla policy gradient: with old_logp taken from the same forward
 * pass, no clipping and no normalisation, this is A2C's loss (advantages
 * from n-step returns) and REINFORCE's (advantages = normalised returns,
 * minus the baseline when there is one). rlhf/cartpole_train.c's three algorithms
 * share it that way.
 */
PpoStats ppo_loss(float *dlogp, float *dvalue, const float *logp, const float *values, const int *actions, int A,
                  const float *old_logp, const float *adv, const float *returns, const float *old_values, int n,
                  const PpoConfig *cfg, float *work);

#endif
