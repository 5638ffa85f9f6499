/*
 * evaluate.h -- judging policies with what the policy never sees: the
 * hidden gold reward (gold.h), over the run's prompts (run.h).
 *
 * A policy answers a prompt by sampling after "PROMPT <s>" until </s>
 * (responses.h), greedily at temperature 0. Its mean gold reward says how
 * good its answers are; the win rate of A over B, how often a labeller who
 * knew the gold reward exactly would prefer A's answer to B's, ties
 * counting half: InstructGPT's headline measure (Ouyang et al. 2022,
 * Figure 1), with a noiseless labeller.
 */
#ifndef NLP_RLHF_EVALUATE_H
#define NLP_RLHF_EVALUATE_H

#include "gpt/gpt.h"
#include "rlhf/gold.h"
#include "rlhf/responses.h"
#include "rlhf/run.h"

enum { ANSWER_LEN = 1024 };

/* What answering needs, allocated once for m. */
typedef struct {
    GptCache cache;
    Responses r;    /* one row */
    int *prompt;    /* (T) */
    Rng rng;
} Answerer;

void answerer_init(Answerer *a, const Gpt *m, int T, unsigned long long seed);
void answerer_free(Answerer *a);

/* The ids of "PROMPT <s>" of the run's prompt i into ids (T), with targets
 * (T) as scratch: their number; dies when the prompt does not fit. */
int prompt_ids(const RlhfRun *run, int i, int *ids, int *targets);

/* m's answer to the run's prompt i, at temperature (0: greedy), as text. */
void policy_answer(Gpt *m, Answerer *a, const RlhfRun *run, int i, float temperature, char *buf, size_t n);

/* The mean gold reward of m's greedy answers to prompts [from, to). */
double policy_mean_gold(Gpt *m, const RlhfRun *run, int from, int to);
/* The same, criterion by criterion (each in [0, 1]) and the total. */
GoldScore policy_gold_criteria(Gpt *m, const RlhfRun *run, int from, int to);

typedef struct {
    double winrate;            /* A over B, ties half */
    double gold_a, gold_b;     /* the mean gold rewards of the answers compared */
    long comparisons;
} WinRate;

/* A's and B's answers to prompts [from, to), `samples` each at
 * temperature (0: one greedy answer each), compared by the gold reward. */
WinRate policy_winrate(Gpt *a, Gpt *b, const RlhfRun *run, int from, int to, int samples, float temperature,
                       unsigned long long seed);

#endif
