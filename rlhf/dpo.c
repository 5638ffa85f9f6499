/*
 * dpo.c -- direct preference optimisation: its loss, the training loop on
 * the rankings, and the KL from the reference. See dpo.h.
 */
#include "rlhf/dpo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"
#include "rlhf/evaluate.h"
#include "rlhf/labeller.h"
#include "rlhf/responses.h"
#include "util.h"

double dpo_loss(const float *pi_w, const float *pi_l, const float *ref_w, const float *ref_l, int n, float beta,
                float *dpi_w, float *dpi_l, double *margin) {
    double loss = 0, m = 0;
    for (int i = 0; i < n; i++) {
        double z = beta * (((double)pi_w[i] - ref_w[i]) - ((double)pi_l[i] - ref_l[i]));
        loss += z > 0 ? log1p(exp(-z)) : -z + log1p(exp(z));   /* -log sigma(z) */
        m += z;
        float g = (float)(beta / (1 + exp(z)) / n);            /* -d/dz -log sigma(z) = sigma(-z) */
        dpi_w[i] -= g;
        dpi_l[i] += g;
    }
    if (margin) *margin = m / n;
    return loss / n;
}

void dpo_defaults(DpoConfig *c) {
    *c = (DpoConfig){.beta = 0.5f, .rankings = 4, .epochs = 2, .lr = 1e-4f, .grad_clip = 1, .eval_every = 50,
                     .seed = 1};
}

/* The sum of each row's action log-probabilities under m into seq (B). */
static void sequence_logprobs(Gpt *m, const Responses *r, int B, float *logp, float *seq) {
    responses_logprobs(m, r, B, logp);
    for (int b = 0; b < B; b++) {
        seq[b] = 0;
        for (int t = 0; t < r->len[b]; t++) seq[b] += logp[(size_t)b * r->T + t];
    }
}

double policy_kl(Gpt *policy, Gpt *ref, const RlhfRun *run, int n, unsigned long long seed) {
    enum { B = 16 };   /* answers scored per forward pass */
    int T = run->T;
    Responses r;
    responses_alloc(&r, B, T, policy->cfg.vocab_size);
    GptCache cache;
    gpt_cache_init(&cache, policy);
    int *prompt = xmalloc((size_t)T * sizeof *prompt);
    float *lp = xmalloc((size_t)B * T * sizeof *lp), *lq = xmalloc((size_t)B * T * sizeof *lq);
    float sp[B], sq[B];
    Rng rng;
    rng_seed(&rng, seed, 13);
    gpt_ensure_acts(policy, B, T);
    gpt_ensure_acts(ref, B, T);
    double kl = 0;
    for (int at = 0; at < n; at += B) {
        int rows = n - at < B ? n - at : B;
        for (int b = 0; b < rows; b++) {
            int i = (int)rng_below(&rng, (uint32_t)run->set.n_train);
            int np = prompt_ids(run, i, prompt, r.targets);
            responses_sample(&r, b, policy, &cache, prompt, np, 1.0f, &rng);
        }
        sequence_logprobs(policy, &r, rows, lp, sp);
        sequence_logprobs(ref, &r, rows, lq, sq);
        for (int b = 0; b < rows; b++) kl += sp[b] - sq[b];
    }
    free(prompt);
    free(lp);
    free(lq);
    gpt_cache_free(&cache);
    responses_free(&r);
    return n ? kl / n : 0;
}

typedef struct {
    Responses r;
    float *logp, *dlogp;            /* (B, T) */
    float *seq_pi, *seq_ref, *dseq; /* (B) */
    float *pi_w, *pi_l, *ref_w, *ref_l, *dw, *dl;   /* (pairs) */
    int *row_w, *row_l;
} DpoWork;

/* The rankings order[0..n) of set into rows, and their pairs (w, l) by rank; returns the pair count. */
static int lay_pairs(DpoWork *w, const PrefSet *set, const int *order, int n, const Vocab *v, int *rows) {
    char err[256];
    int row = 0, pairs = 0;
    for (int i = 0; i < n; i++) {
        const PrefRanking *pr = &set->r[order[i]];
        for (int j = 0; j < pr->k; j++)
            if (responses_set(&w->r, row + j, v, pr->prompt, pr->responses[j], err, sizeof err)) die("dpo: %s", err);
        for (int a = 0; a < pr->k; a++)
            for (int b = a + 1; b < pr->k; b++, pairs++) {
                int better = pr->rank[a] < pr->rank[b];
                w->row_w[pairs] = row + (better ? a : b);
                w->row_l[pairs] = row + (better ? b : a);
            }
        row += pr->k;
    }
    *rows = row;
    return pairs;
}

DpoResult dpo_train(Gpt *policy, Gpt *ref, const PrefSet *train, const RlhfRun *run, const DpoConfig *c, Metrics *mt) {
    if (train->n < 1) die("dpo: no rankings to train on");
    int K = LABELLER_MAX_K, B = c->rankings * K, P = c->rankings * K * (K - 1) / 2, T = run->T;
    DpoWork w;
    responses_alloc(&w.r, B, T, policy->cfg.vocab_size);
    w.logp = xmalloc((size_t)B * T * sizeof(float));
    w.dlogp = xmalloc((size_t)B * T * sizeof(float));
    float **per_row[] = {&w.seq_pi, &w.seq_ref, &w.dseq};
    for (int i = 0; i < 3; i++) *per_row[i] = xmalloc((size_t)B * sizeof(float));
    float **per_pair[] = {&w.pi_w, &w.pi_l, &w.ref_w, &w.ref_l, &w.dw, &w.dl};
    for (int i = 0; i < 6; i++) *per_pair[i] = xmalloc((size_t)P * sizeof(float));
    w.row_w = xmalloc((size_t)P * sizeof(int));
    w.row_l = xmalloc((size_t)P * sizeof(int));
    int *order = xmalloc((size_t)train->n * sizeof *order);
    for (int i = 0; i < train->n; i++) order[i] = i;
    gpt_ensure_acts(policy, B, T);
    gpt_ensure_acts(ref, B, T);
    Rng rng;
    rng_seed(&rng, c->seed, 14);
    AdamConfig ac = {.beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0, .decoupled = 1};
    DpoResult res = {0};
    double t0 = now_seconds();
    long step = 0, steps = (long)c->epochs * ((train->n + c->rankings - 1) / c->rankings);
    for (int e = 0; e < c->epochs; e++) {
        rng_shuffle_int(&rng, order, (size_t)train->n);
        double loss = 0, margin = 0, right = 0;
        long pairs_seen = 0;
        for (int at = 0; at < train->n; at += c->rankings, step++) {
            int n = train->n - at < c->rankings ? train->n - at : c->rankings, rows;
            int pairs = lay_pairs(&w, train, order + at, n, run->vocab, &rows);
            sequence_logprobs(ref, &w.r, rows, w.logp, w.seq_ref);
            sequence_logprobs(policy, &w.r, rows, w.logp, w.seq_pi);
            for (int p = 0; p < pairs; p++) {
                w.pi_w[p] = w.seq_pi[w.row_w[p]], w.pi_l[p] = w.seq_pi[w.row_l[p]];
                w.ref_w[p] = w.seq_ref[w.row_w[p]], w.ref_l[p] = w.seq_ref[w.row_l[p]];
                w.dw[p] = w.dl[p] = 0;
                right += (w.pi_w[p] - w.ref_w[p]) > (w.pi_l[p] - w.ref_l[p]);
            }
            double m;
            loss += dpo_loss(w.pi_w, w.pi_l, w.ref_w, w.ref_l, pairs, c->beta, w.dw, w.dl, &m) * pairs;
            margin += m * pairs;
            pairs_seen += pairs;
            /* d(sequence log-prob) reaches each of its tokens unchanged */
            memset(w.dseq, 0, (size_t)rows * sizeof(float));
            for (int p = 0; p < pairs; p++) w.dseq[w.row_w[p]] += w.dw[p], w.dseq[w.row_l[p]] += w.dl[p];
            for (int b = 0; b < rows; b++)
                for (int t = 0; t < T; t++) w.dlogp[(size_t)b * T + t] = t < w.r.len[b] ? w.dseq[b] : 0;
            params_zero_grad(&policy->pt);
            responses_backward(policy, &w.r, rows, w.dlogp);
            if (c->grad_clip > 0) clip_grad_norm(&policy->pt, c->grad_clip);
            adam_step(&policy->pt, &ac, lr_linear(step, steps, c->lr, 0.0f), (int)step + 1);
            int evaluate = (c->eval_every > 0 && (step + 1) % c->eval_every == 0) || step + 1 == steps;
            if (evaluate) {
                res.gold_heldout = policy_mean_gold(policy, run, run->set.n_train, run->set.n);
                res.kl = policy_kl(policy, ref, run, 64, c->seed);
                if (!c->quiet)
                    fprintf(stderr, "dpo step %ld/%ld  loss %.4f  held-out gold %.3f  kl %.3f\n", step + 1, steps,
                            loss / pairs_seen, res.gold_heldout, res.kl);
                if (mt) {
                    metrics_num(mt, "step", (double)(step + 1));
                    metrics_num(mt, "loss", loss / pairs_seen);
                    metrics_num(mt, "margin", margin / pairs_seen);
                    metrics_num(mt, "acc", right / pairs_seen);
                    metrics_num(mt, "kl", res.kl);
                    metrics_num(mt, "gold_heldout", res.gold_heldout);
                    metrics_write(mt);
                }
            }
        }
        res.loss = loss / pairs_seen, res.margin = margin / pairs_seen, res.acc = right / pairs_seen;
    }
    res.seconds = now_seconds() - t0;
    responses_free(&w.r);
    void *all[] = {w.logp, w.dlogp, w.seq_pi, w.seq_ref, w.dseq, w.pi_w, w.pi_l, w.ref_w, w.ref_l, w.dw, w.dl,
                   w.row_w, w.row_l, order};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]);
    return res;
}
