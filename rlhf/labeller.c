/*
 * labeller.c -- simulated labellers: noisy rankings by the gold reward, and
 * the noise that gives a target agreement. See labeller.h.
 */
#include "rlhf/labeller.h"

#include <math.h>

#include "util.h"

void labeller_init(Labeller *l, double sigma, unsigned long long seed, int id) {
    l->sigma = sigma;
    rng_seed(&l->rng, seed, 100 + (uint64_t)id);
}

void labeller_rank(Labeller *l, const double *gold, int k, int *rank) {
    if (k < 2 || k > LABELLER_MAX_K) die("labeller: can rank 2 to %d responses, not %d", LABELLER_MAX_K, k);
    double seen[LABELLER_MAX_K];
    for (int i = 0; i < k; i++) seen[i] = gold[i] + l->sigma * rng_normal(&l->rng);
    /* place = 1 + the number of responses seen as better (ties to the earlier one) */
    for (int i = 0; i < k; i++) {
        rank[i] = 1;
        for (int j = 0; j < k; j++) rank[i] += seen[j] > seen[i] || (seen[j] == seen[i] && j < i);
    }
}

int ranking_agreement(const int *rank_a, const int *rank_b, int k) {
    int same = 0;
    for (int i = 0; i < k; i++)
        for (int j = i + 1; j < k; j++) same += (rank_a[i] < rank_a[j]) == (rank_b[i] < rank_b[j]);
    return same;
}

/* P(two labellers order a pair with gold difference d the same way). */
static double pair_agreement(double d, double sigma) {
    /* the difference of two labellers' noises on the pair is N(0, 2 sigma^2) */
    double p = sigma > 0 ? 0.5 * erfc(-d / (2 * sigma)) : (d != 0 ? 1 : 0.5);
    return p * p + (1 - p) * (1 - p);
}

double labeller_expected_agreement(const double *gold, const int *k, int n, double sigma) {
    double sum = 0;
    long pairs = 0;
    for (int g = 0; g < n; gold += k[g++])
        for (int i = 0; i < k[g]; i++)
            for (int j = i + 1; j < k[g]; j++, pairs++) sum += pair_agreement(gold[i] - gold[j], sigma);
    return pairs ? sum / pairs : 0.5;
}

double labeller_calibrate(const double *gold, const int *k, int n, double target) {
    double lo = 1e-6, hi = 1e6;   /* agreement falls as sigma grows: bisect on log sigma */
    if (!(target < labeller_expected_agreement(gold, k, n, lo) && target > labeller_expected_agreement(gold, k, n, hi)))
        return -1;
    while (hi - lo > 1e-6 * lo) {
        double mid = sqrt(lo * hi);
        if (labeller_expected_agreement(gold, k, n, mid) > target) lo = mid;
        else hi = mid;
    }
    return sqrt(lo * hi);
}
