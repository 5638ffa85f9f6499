/*
 * labeller.h -- simulated labellers: people who rank K responses to a prompt
 * by the hidden gold reward (rlhf/gold.h), each through noise of their own.
 *
 * Labeller j ranks responses by gold_i + sigma * e_ij with e_ij ~ N(0, 1),
 * drawn afresh for every ranking (a labeller is not consistent with herself
 * either). Two labellers then order a pair whose gold rewards differ by D the
 * same way with probability
 *
 *     P(agree | D) = p^2 + (1 - p)^2,   p = Phi(D / (sigma sqrt 2)),
 *
 * p being the chance that one labeller puts the better response first. Over
 * a set of comparisons the agreement is the mean of that over its pairs, a
 * decreasing function of sigma (from the share of untied pairs, plus half the
 * ties, at sigma = 0, down to 1/2), so sigma can be set to reach a target:
 * InstructGPT's labellers agreed with each other on 72.6 +- 1.5% of pairs
 * (Ouyang et al. 2022, section 5.1), our default target.
 *
 * The agreement depends on the responses as well as on sigma: calibrate on
 * responses like the ones the labellers will rank (the policy's samples).
 */
#ifndef NLP_RLHF_LABELLER_H
#define NLP_RLHF_LABELLER_H

#include "rng.h"

#define LABELLER_AGREEMENT 0.726   /* InstructGPT's inter-labeller agreement */
enum { LABELLER_MAX_K = 9 };       /* InstructGPT ranked K = 4 to 9 responses */

typedef struct {
    double sigma;
    Rng rng;
} Labeller;

/* Labeller number id, with noise sigma, drawing from (seed, stream 100 + id). */
void labeller_init(Labeller *l, double sigma, unsigned long long seed, int id);
/* Rank k responses (2 <= k <= LABELLER_MAX_K) with gold rewards gold[0..k):
 * rank[i] is response i's place, 1 = best. */
void labeller_rank(Labeller *l, const double *gold, int k, int *rank);

/* Of the k(k-1)/2 pairs, how many two rankings order the same way. */
int ranking_agreement(const int *rank_a, const int *rank_b, int k);

/* The expected agreement of two labellers with noise sigma over every pair
 * within each of n groups; group g has k[g] responses whose gold rewards are
 * consecutive in gold (group 0 first). */
double labeller_expected_agreement(const double *gold, const int *k, int n, double sigma);
/* The sigma (to a relative 1e-6) at which that expectation is target, or -1 when no
 * sigma reaches it (target at or above the agreement at sigma = 0, or at or
 * below 1/2). */
double labeller_calibrate(const double *gold, const int *k, int n, double target);

#endif
