/*
 * reward_model.h -- InstructGPT's second step: a reward model trained on
 * labellers' rankings (Ouyang et al. 2022, section 3.5, eq. 1).
 *
 * A ranking of K responses to a prompt gives K(K-1)/2 comparisons, each a
 * preferred response y_w and a rejected one y_l. The model r (a scalar
 * head on the SFT model, scalar_model.h) is trained to order them:
 *
 *     loss = -1/C(K,2) sum over the ranking's pairs of log sigma(r(x, y_w) - r(x, y_l))
 *
 * All of a ranking's pairs are one batch element, so its K responses go
 * through the network once (not once per pair) and the model does not see
 * the same response in several steps of an epoch, which InstructGPT found
 * to overfit. The loss depends on differences only, so a constant can be
 * added to r freely: after training, the bias is set so that the
 * demonstrations score 0 on average, and PPO's rewards are centred.
 *
 * The reward of a response is the head at its last action (responses.h).
 */
#ifndef NLP_RLHF_REWARD_MODEL_H
#define NLP_RLHF_REWARD_MODEL_H

#include "rlhf/instruct.h"
#include "rlhf/prefs.h"
#include "rlhf/responses.h"
#include "rlhf/scalar_model.h"

/* The ranking loss above for one ranking of k responses with rewards r (k)
 * and places rank (k, 1 = best): returns the mean over its pairs;
 * dr (k) += scale x its gradient. *correct (when not NULL) gets the pairs r
 * orders as the ranking does, a tie counting half. */
double rm_ranking_loss(const float *r, const int *rank, int k, float scale, float *dr, double *correct);

typedef struct {
    int rankings;      /* per step; a step's batch holds rankings x K responses */
    int epochs;
    float lr, weight_decay, grad_clip;
    unsigned long long seed;
} RmConfig;

/* 4 rankings a step, 4 epochs, lr 3e-4, no decay, clip 1, seed 1. */
void rm_defaults(RmConfig *c);

/* The reward of each of rows [0, B) of r, into out (B). */
void rm_rewards(ScalarModel *rm, const Responses *r, int B, float *out);

/* Train rm on every ranking of train (texts in v's words; each at most K
 * responses, K * c->rankings rows of T positions); returns the last
 * epoch's mean loss. */
double rm_train(ScalarModel *rm, const RmConfig *c, const PrefSet *train, const Vocab *v, int T);

/* The fraction of the comparisons of set that rm orders as its rankings do
 * (ties count half); *pairs gets their number. */
double rm_accuracy(ScalarModel *rm, const PrefSet *set, const Vocab *v, int T, long *pairs);

/* Shift the bias so the demonstrations of prompts [from, to) of s score 0
 * on average; returns the mean before the shift. */
double rm_centre_on_demos(ScalarModel *rm, const InstructSet *s, int from, int to, const Vocab *v, int T);

#endif
