/*
 * ppo_lm.h -- InstructGPT's third step: the SFT policy optimised with PPO
 * against the reward model, held near the SFT model by a KL penalty
 * (Ouyang et al. 2022, section 3.5, eq. 2; Stiennon et al. 2020; Ziegler
 * et al. 2019):
 *
 *     objective(phi) = E_{x, y ~ pi_phi} [ r_theta(x, y) - beta log(pi_phi(y|x) / pi_SFT(y|x)) ]
 *                    + gamma E_{x ~ pretraining} [ log pi_phi(x) ]                    (PPO-ptx)
 *
 * A response is an episode whose actions are its tokens (responses.h). Each
 * token earns the KL penalty -beta (log pi_old(a_t) - log pi_SFT(a_t)), and
 * the last one also the reward model's score; GAE (gamma 1, lambda 0.95)
 * over the response gives each token's advantage against a value model
 * initialised from the reward model (scalar_model.h), and the clipped
 * surrogate of rlhf/ppo.h, the same code that balances CartPole, updates the
 * policy for a few epochs of minibatches. PPO-ptx adds gamma times the
 * pretraining loss of a batch of the pretraining text to each minibatch, to
 * pay back the "alignment tax" on the text the model first learned.
 *
 * The gold reward (gold.h) is computed on the rollouts for the curves only:
 * nothing the policy learns from depends on it, which is what lets reward
 * hacking show (beta = 0: the reward model's score rises while the gold
 * reward falls).
 */
#ifndef NLP_RLHF_PPO_LM_H
#define NLP_RLHF_PPO_LM_H

#include "gpt/gpt.h"
#include "metrics.h"
#include "rlhf/run.h"
#include "rlhf/scalar_model.h"

typedef struct {
    int rollouts;             /* responses sampled per iteration */
    long iterations;
    int epochs, minibatch;    /* PPO epochs over each batch, rows per minibatch */
    float lr, value_lr;       /* AdamW, constant */
    float beta;               /* the KL coefficient (InstructGPT 0.02) */
    float ptx;                /* gamma, the pretraining loss's weight (0: plain PPO; InstructGPT 27.8) */
    float clip;               /* of the ratio and of the value (0.2) */
    float lambda;             /* GAE's (0.95; gamma is 1 within a response) */
    float grad_clip;
    int eval_every;           /* iterations between greedy held-out gold evaluations (0: never) */
    unsigned long long seed;
    int quiet;
} PpoLmConfig;

/* 64 rollouts, 60 iterations, 4 epochs of minibatches of 16, lr 1e-4, value
 * lr 1e-4, beta 0.02, no ptx, clip 0.2, lambda 0.95, clip 1, eval every 10. */
void ppo_lm_defaults(PpoLmConfig *c);

typedef struct {
    double score, kl, gold;   /* the last iteration's rollouts: reward model, KL from SFT (nats per response), gold */
    double gold_heldout;      /* greedy answers to the held-out prompts after training */
    double seconds, tokens_per_s;   /* training, and the rollouts' sampled tokens per second */
} PpoLmResult;

/* Optimise policy (starting as the SFT model ref) against rm on the run's
 * training prompts; curves into mt when not NULL (columns PPO_LM_COLUMNS). */
#define PPO_LM_COLUMNS "iteration score kl gold reward length pg_loss v_loss approx_kl clip_frac ptx_loss gold_heldout"
PpoLmResult ppo_lm_train(Gpt *policy, Gpt *ref, ScalarModel *rm, ScalarModel *value, const RlhfRun *run,
                         const PpoLmConfig *c, Metrics *mt);

#endif
