/*
 * evaluate.c -- policies' answers and their gold rewards. See evaluate.h.
 */
#include "rlhf/evaluate.h"

#include <stdlib.h>

#include "rlhf/gold.h"
#include "rlhf/sft_data.h"
#include "util.h"

void answerer_init(Answerer *a, const Gpt *m, int T, unsigned long long seed) {
    gpt_cache_init(&a->cache, m);
    responses_alloc(&a->r, 1, T, m->cfg.vocab_size);
    a->prompt = xmalloc((size_t)T * sizeof *a->prompt);
    rng_seed(&a->rng, seed, 9);
}

void answerer_free(Answerer *a) {
    gpt_cache_free(&a->cache);
    responses_free(&a->r);
    free(a->prompt);
}

int prompt_ids(const RlhfRun *run, int i, int *ids, int *targets) {
    char err[256];
    int n = sft_example(run->vocab, run->set.p[i].prompt, "", run->T, ids, targets, err, sizeof err);
    if (n < 0 || n >= run->T) die("rlhf: the prompt '%s' leaves no room for an answer in %d positions",
                                  run->set.p[i].prompt, run->T);
    return n;
}

void policy_answer(Gpt *m, Answerer *a, const RlhfRun *run, int i, float temperature, char *buf, size_t n) {
    int np = prompt_ids(run, i, a->prompt, a->r.targets);
    responses_sample(&a->r, 0, m, &a->cache, a->prompt, np, temperature, &a->rng);
    responses_text(&a->r, 0, run->vocab, buf, n);
}

GoldScore policy_gold_criteria(Gpt *m, const RlhfRun *run, int from, int to) {
    Answerer a;
    answerer_init(&a, m, run->T, 0);
    char answer[ANSWER_LEN];
    GoldScore mean = {0};
    for (int i = from; i < to; i++) {
        policy_answer(m, &a, run, i, 0, answer, sizeof answer);
        GoldScore g = gold_score(&run->set.world, &run->set.p[i], answer);
        for (int c = 0; c < GOLD_CRITERIA; c++) mean.c[c] += g.c[c] / (to - from);
        mean.total += g.total / (to - from);
    }
    answerer_free(&a);
    return mean;
}

double policy_mean_gold(Gpt *m, const RlhfRun *run, int from, int to) {
    return to > from ? policy_gold_criteria(m, run, from, to).total : 0;
}

WinRate policy_winrate(Gpt *a, Gpt *b, const RlhfRun *run, int from, int to, int samples, float temperature,
                       unsigned long long seed) {
    if (temperature == 0) samples = 1;
    Answerer aa, ab;
    answerer_init(&aa, a, run->T, seed);
    answerer_init(&ab, b, run->T, seed + 1);
    char ans_a[ANSWER_LEN], ans_b[ANSWER_LEN];
    WinRate w = {0};
    double wins = 0;
    for (int i = from; i < to; i++)
        for (int s = 0; s < samples; s++) {
            policy_answer(a, &aa, run, i, temperature, ans_a, sizeof ans_a);
            policy_answer(b, &ab, run, i, temperature, ans_b, sizeof ans_b);
            double ga = gold_score(&run->set.world, &run->set.p[i], ans_a).total;
            double gb = gold_score(&run->set.world, &run->set.p[i], ans_b).total;
            wins += ga > gb ? 1 : ga == gb ? 0.5 : 0;
            w.gold_a += ga, w.gold_b += gb;
            w.comparisons++;
        }
    answerer_free(&aa);
    answerer_free(&ab);
    if (w.comparisons) w.winrate = wins / w.comparisons, w.gold_a /= w.comparisons, w.gold_b /= w.comparisons;
    return w;
}
