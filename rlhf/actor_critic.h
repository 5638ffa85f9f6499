/*
 * actor_critic.h -- the agent's networks for CartPole: a policy (the actor)
 * and a value function (the critic), each a small MLP of two tanh hidden
 * layers, as in cleanrl's ppo.py (and openai/baselines' "mlp" policy):
 *
 *     actor:  obs (4) -> 64 -> tanh -> 64 -> tanh -> logits (2)    pi(a|s) = softmax(logits)
 *     critic: obs (4) -> 64 -> tanh -> 64 -> tanh -> value (1)     V(s)
 *
 * The two share no weights. Weights are orthogonal (common/init.h) with gain
 * sqrt(2) in the hidden layers, 0.01 in the policy head (so the first policy
 * is close to uniform) and 1 in the value head; biases start at 0.
 * REINFORCE without a baseline has no critic (cfg.critic = 0): its
 * parameter table then holds the actor alone.
 *
 * All parameters are one ParamTable (common/params.h), so the optimizer, the
 * gradient clipping and a gradient check each take one call. Activations
 * are allocated once for up to max_batch rows: a training step allocates
 * nothing, and each layer over a whole batch is one sgemm (linear_forward).
 */
#ifndef NLP_RLHF_ACTOR_CRITIC_H
#define NLP_RLHF_ACTOR_CRITIC_H

#include <stdint.h>

#include "params.h"
#include "rng.h"

typedef struct {
    int obs_dim;      /* 4 for CartPole */
    int n_actions;    /* 2 for CartPole */
    int hidden;       /* 64 */
    int critic;       /* 1: also a value network */
} AcConfig;

/* One MLP's weights: (H, C), (H), (H, H), (H), (O, H), (O). */
typedef struct { float *w1, *b1, *w2, *b2, *w3, *b3; } AcMlp;

/* One MLP's activations for B rows: h1, h2 (B, H) after tanh; out (B, O). */
typedef struct { float *h1, *h2, *out; } AcActs;

typedef struct {
    AcConfig cfg;
    int max_batch;
    ParamTable pt;
    AcMlp pi, v;          /* pointers into pt.values (v: NULL fields without a critic) */
    AcMlp dpi, dv;        /* the same into pt.grads */
    AcActs api, av;       /* activations of the last forward pass */
    float *logp;          /* (B, A) log pi(.|s), log-softmax of api.out */
    float *value;         /* (B) V(s) = av.out (NULL without a critic) */
    /* What backward starts from; the caller fills them (zeroed by ac_forward). */
    float *dlogp;         /* (B, A) dL/dlog pi */
    float *dvalue;        /* (B) dL/dV */
    /* The backward pass's intermediate gradients. */
    float *dlogits;       /* (B, A) */
    float *dh, *dpre;     /* (B, H) a hidden layer's output and pre-activation */
} ActorCritic;

/* Declare, allocate and initialise (orthogonal, from seed) for up to max_batch rows. */
void ac_init(ActorCritic *ac, const AcConfig *cfg, int max_batch, uint64_t seed);
void ac_free(ActorCritic *ac);
/* obs (B, obs_dim) -> ac->logp (B, A) and ac->value (B); zeroes dlogp, dvalue. */
void ac_forward(ActorCritic *ac, const float *obs, int B);
/* Accumulate into ac->pt.grads the gradients of the loss whose derivatives
 * with respect to logp and value the caller left in ac->dlogp, ac->dvalue,
 * for the batch of the last ac_forward. */
void ac_backward(ActorCritic *ac, const float *obs, int B);
/* An action drawn from pi(.|s) for each of the B rows of the last forward. */
void ac_sample(const ActorCritic *ac, int B, Rng *rng, int *actions);

#endif
