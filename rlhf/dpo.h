/*
 * dpo.h -- direct preference optimisation (Rafailov et al. 2023): the
 * policy trained on the preference pairs themselves, with no reward model
 * and no sampling loop.
 *
 * The KL-penalised objective of PPO (ppo_lm.h) has a closed-form optimum,
 * pi*(y|x) = pi_ref(y|x) exp(r(x, y) / beta) / Z(x), so a reward is implied
 * by any policy: r(x, y) = beta log(pi(y|x) / pi_ref(y|x)) + beta log Z(x).
 * Put into the reward model's pairwise loss, Z cancels (eq. 7):
 *
 *     loss = -log sigma( beta [ log pi(y_w|x) - log pi_ref(y_w|x) - log pi(y_l|x) + log pi_ref(y_l|x) ] )
 *
 * Each log pi(y|x) is the sum of the response's token log-probabilities
 * (responses.h), </s> included. Every pair of a ranking is used, as the
 * reward model uses them (reward_model.h), the reference being the SFT model.
 */
#ifndef NLP_RLHF_DPO_H
#define NLP_RLHF_DPO_H

#include "gpt/gpt.h"
#include "metrics.h"
#include "rlhf/prefs.h"
#include "rlhf/run.h"

/* The mean DPO loss over n pairs of sequence log-probabilities (policy and
 * reference, preferred w and rejected l); dpi_w and dpi_l (n) += its
 * gradient with respect to the policy's. *margin (when not NULL) gets the
 * mean implied reward margin beta [...]. */
double dpo_loss(const float *pi_w, const float *pi_l, const float *ref_w, const float *ref_l, int n, float beta,
                float *dpi_w, float *dpi_l, double *margin);

typedef struct {
    float beta;            /* 0.5 (the paper used 0.1 and 0.5) */
    int rankings;          /* per step */
    int epochs;
    float lr, grad_clip;
    int eval_every;        /* steps between held-out greedy gold evaluations (0: at the end only) */
    unsigned long long seed;
    int quiet;
} DpoConfig;

/* beta 0.5, 4 rankings a step, 2 epochs, lr 1e-4, clip 1, eval every 50 steps. */
void dpo_defaults(DpoConfig *c);

typedef struct {
    double loss, margin, acc;   /* the last epoch's: loss, implied reward margin, pairs ordered right */
    double kl;                  /* KL from the reference on the training prompts' samples (nats per response) */
    double gold_heldout;
    double seconds;
} DpoResult;

#define DPO_COLUMNS "step loss margin acc kl gold_heldout"
/* Train policy (starting as ref) on the rankings of train; curves into mt. */
DpoResult dpo_train(Gpt *policy, Gpt *ref, const PrefSet *train, const RlhfRun *run, const DpoConfig *c, Metrics *mt);

/* The mean KL(policy || ref) over responses sampled from the policy at
 * temperature 1 to `n` training prompts: sum over the tokens of
 * log pi - log pi_ref, averaged over responses (the x axis of the
 * reward-KL frontier). */
double policy_kl(Gpt *policy, Gpt *ref, const RlhfRun *run, int n, unsigned long long seed);

#endif
