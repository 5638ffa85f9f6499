/*
 * ppo_lm.c -- PPO on the language model: rollouts, the KL-penalised
 * rewards, GAE, and the clipped updates of policy and value. See ppo_lm.h.
 */
#include "rlhf/ppo_lm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"
#include "rlhf/advantage.h"
#include "rlhf/evaluate.h"
#include "rlhf/gold.h"
#include "rlhf/ppo.h"
#include "rlhf/responses.h"
#include "rlhf/reward_model.h"
#include "util.h"

void ppo_lm_defaults(PpoLmConfig *c) {
    *c = (PpoLmConfig){.rollouts = 64, .iterations = 60, .epochs = 4, .minibatch = 16, .lr = 1e-4f,
                       .value_lr = 1e-4f, .beta = 0.02f, .ptx = 0, .clip = 0.2f, .lambda = 0.95f, .grad_clip = 1,
                       .eval_every = 10, .seed = 1};
}

/* Everything an iteration touches, allocated before the first. (B, T)
 * arrays hold action t of row b at [b * T + t]; the flat ones (up to
 * minibatch x T) a minibatch's actions one after another. */
typedef struct {
    int B, M, T;
    Responses batch, mini;
    int *prompt_of, *prompt, *order, *done;
    float *old_logp, *ref_logp, *values, *rewards, *adv, *returns, *score, *kl, *gold;
    float *mini_logp, *dlogp, *dvalue;
    float *f_new, *f_old, *f_adv, *f_grad, *f_val, *f_oldval, *f_ret;
    int *ptx_in, *ptx_out;
    int *pretrain;
    size_t n_pretrain;
    long policy_steps, value_steps;   /* Adam's step counts */
    GptCache cache;
    char text[ANSWER_LEN];   /* a rollout's response, for the gold reward */
} Work;

static void work_init(Work *w, const Gpt *policy, const RlhfRun *run, const PpoLmConfig *c) {
    int B = c->rollouts, M = c->minibatch, T = run->T, V = policy->cfg.vocab_size;
    *w = (Work){.B = B, .M = M, .T = T};
    responses_alloc(&w->batch, B, T, V);
    responses_alloc(&w->mini, M, T, V);
    w->prompt_of = xmalloc((size_t)B * sizeof(int));
    w->prompt = xmalloc((size_t)T * sizeof(int));
    w->order = xmalloc((size_t)B * sizeof(int));
    w->done = xmalloc((size_t)T * sizeof(int));
    float **bt[] = {&w->old_logp, &w->ref_logp, &w->values, &w->rewards, &w->adv, &w->returns};
    for (size_t i = 0; i < sizeof bt / sizeof *bt; i++) *bt[i] = xcalloc((size_t)B * T, sizeof(float));
    float **b1[] = {&w->score, &w->kl, &w->gold};
    for (size_t i = 0; i < sizeof b1 / sizeof *b1; i++) *b1[i] = xcalloc((size_t)B, sizeof(float));
    float **mt[] = {&w->mini_logp, &w->dlogp, &w->dvalue, &w->f_new, &w->f_old, &w->f_adv, &w->f_grad,
                    &w->f_val, &w->f_oldval, &w->f_ret};
    for (size_t i = 0; i < sizeof mt / sizeof *mt; i++) *mt[i] = xcalloc((size_t)M * T, sizeof(float));
    w->ptx_in = xmalloc((size_t)M * T * sizeof(int));
    w->ptx_out = xmalloc((size_t)M * T * sizeof(int));
    gpt_cache_init(&w->cache, policy);
    if (c->ptx > 0) w->pretrain = rlhf_pretraining_tokens(run, 4, c->seed, &w->n_pretrain);
}

static void work_free(Work *w) {
    responses_free(&w->batch);
    responses_free(&w->mini);
    void *all[] = {w->prompt_of, w->prompt, w->order, w->done, w->old_logp, w->ref_logp, w->values, w->rewards,
                   w->adv, w->returns, w->score, w->kl, w->gold, w->mini_logp, w->dlogp, w->dvalue, w->f_new,
                   w->f_old, w->f_adv, w->f_grad, w->f_val, w->f_oldval, w->f_ret, w->ptx_in, w->ptx_out,
                   w->pretrain};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]);
    gpt_cache_free(&w->cache);
}

/* B responses of the policy to random training prompts, and their gold
 * rewards (for the curves only). Returns the tokens sampled. */
static long rollout(Gpt *policy, const RlhfRun *run, Work *w, Rng *rng) {
    long tokens = 0;
    for (int b = 0; b < w->B; b++) {
        int i = (int)rng_below(rng, (uint32_t)run->set.n_train);
        int np = prompt_ids(run, i, w->prompt, w->batch.targets);
        responses_sample(&w->batch, b, policy, &w->cache, w->prompt, np, 1.0f, rng);
        w->prompt_of[b] = i;
        tokens += w->batch.len[b];
        responses_text(&w->batch, b, run->vocab, w->text, sizeof w->text);
        w->gold[b] = (float)gold_score(&run->set.world, &run->set.p[i], w->text).total;
    }
    return tokens;
}

/* Value model outputs at each action's state into out (B, T). */
static void read_values(ScalarModel *value, const Responses *r, int B, float *out) {
    const float *s = scalar_model_forward(value, r->tokens, B, r->T);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < r->len[b]; t++) out[(size_t)b * r->T + t] = s[(size_t)b * r->T + r->start[b] + t - 1];
}

/* Per-token rewards (the KL penalty; the reward model's score added at the
 * last token), then GAE per response and advantages whitened over the batch. */
static void advantages(Work *w, const PpoLmConfig *c) {
    int T = w->T;
    float zero = 0;
    long n = 0;
    double sum = 0, sq = 0;
    for (int b = 0; b < w->B; b++) {
        int len = w->batch.len[b];
        size_t o = (size_t)b * T;
        w->kl[b] = 0;
        for (int t = 0; t < len; t++) {
            float k = w->old_logp[o + t] - w->ref_logp[o + t];
            w->kl[b] += k;
            w->rewards[o + t] = -c->beta * k;
            w->done[t] = t == len - 1;
        }
        w->rewards[o + len - 1] += w->score[b];
        rl_gae(w->adv + o, w->returns + o, w->rewards + o, w->values + o, w->done, &zero, len, 1, 1.0f, c->lambda);
        for (int t = 0; t < len; t++) sum += w->adv[o + t], sq += (double)w->adv[o + t] * w->adv[o + t], n++;
    }
    double mean = sum / n, var = n > 1 ? (sq - sum * mean) / (n - 1) : 0, sd = sqrt(var > 0 ? var : 0);
    for (int b = 0; b < w->B; b++)
        for (int t = 0; t < w->batch.len[b]; t++) w->adv[(size_t)b * T + t] = (float)((w->adv[(size_t)b * T + t] - mean) / (sd + 1e-8));
}

/* Rows order[0..n) of the batch into the minibatch. */
static void gather_rows(Work *w, const int *order, int n) {
    for (int i = 0; i < n; i++) {
        int b = order[i];
        memcpy(w->mini.tokens + (size_t)i * w->T, w->batch.tokens + (size_t)b * w->T, (size_t)w->T * sizeof(int));
        w->mini.start[i] = w->batch.start[b];
        w->mini.len[i] = w->batch.len[b];
    }
}

/* The actions' entries of rows[0..n) (NULL: rows 0..n-1) of src, a (B, T)
 * array laid out as r, one after another into dst; returns their count. */
static int flatten(float *dst, const float *src, const Responses *r, const int *rows, int n) {
    int k = 0;
    for (int i = 0; i < n; i++) {
        int b = rows ? rows[i] : i;
        for (int t = 0; t < r->len[b]; t++) dst[k++] = src[(size_t)b * r->T + t];
    }
    return k;
}

/* A flat array back to the minibatch's (n, T) layout, at the positions where
 * the backward pass reads it (offset 0: the actions; -1: the states before them). */
static void unflatten(float *dst, const float *src, const Work *w, int n, int at_state) {
    memset(dst, 0, (size_t)n * w->T * sizeof *dst);
    for (int i = 0, k = 0; i < n; i++)
        for (int t = 0; t < w->mini.len[i]; t++)
            dst[(size_t)i * w->T + (at_state ? w->mini.start[i] + t - 1 : t)] = src[k++];
}

/* gamma x the language-modelling loss of M random windows of the
 * pretraining text, backward into the policy's gradients (PPO-ptx). */
static double ptx_grads(Gpt *policy, Work *w, float ptx, Rng *rng) {
    int T = w->T;
    for (int i = 0; i < w->M; i++) {
        size_t o = rng_below(rng, (uint32_t)(w->n_pretrain - T - 1));
        memcpy(w->ptx_in + (size_t)i * T, w->pretrain + o, (size_t)T * sizeof(int));
        memcpy(w->ptx_out + (size_t)i * T, w->pretrain + o + 1, (size_t)T * sizeof(int));
    }
    double loss = gpt_forward(policy, w->ptx_in, w->ptx_out, w->M, T);
    gpt_backward(policy, ptx);
    return loss;
}

typedef struct {
    PpoStats st;
    double v_loss, ptx_loss;
    int minibatches;
} UpdateStats;

/* AdamW as InstructGPT's PPO ran it (beta2 0.95), no weight decay. */
static const AdamConfig ppo_adam = {.beta1 = 0.9f, .beta2 = 0.95f, .eps = 1e-8f, .weight_decay = 0, .decoupled = 1};

/* One step of the policy on the minibatch's n rows (batch rows `rows`):
 * the clipped surrogate on every action, plus gamma x the pretraining loss
 * with PPO-ptx. Returns the number of actions. */
static int policy_step(Gpt *policy, Work *w, const int *rows, int n, const PpoLmConfig *c, Rng *rng,
                       UpdateStats *u) {
    responses_logprobs(policy, &w->mini, n, w->mini_logp);
    int k = flatten(w->f_new, w->mini_logp, &w->mini, NULL, n);
    flatten(w->f_old, w->old_logp, &w->batch, rows, n);
    flatten(w->f_adv, w->adv, &w->batch, rows, n);
    memset(w->f_grad, 0, (size_t)k * sizeof(float));
    u->st.pg_loss += ppo_policy_loss(w->f_grad, w->f_new, w->f_old, w->f_adv, k, c->clip, &u->st);
    unflatten(w->dlogp, w->f_grad, w, n, 0);
    params_zero_grad(&policy->pt);
    responses_backward(policy, &w->mini, n, w->dlogp);
    if (c->ptx > 0) u->ptx_loss += ptx_grads(policy, w, c->ptx, rng);
    if (c->grad_clip > 0) clip_grad_norm(&policy->pt, c->grad_clip);
    adam_step(&policy->pt, &ppo_adam, c->lr, (int)++w->policy_steps);
    return k;
}

/* One step of the value model on the same rows: regressed on the returns,
 * clipped around the values the rollout saw. */
static void value_step(ScalarModel *value, Work *w, const int *rows, int n, int k, const PpoLmConfig *c,
                       UpdateStats *u) {
    ParamTable *vt[2];
    scalar_model_tables(value, vt);
    read_values(value, &w->mini, n, w->mini_logp);
    flatten(w->f_val, w->mini_logp, &w->mini, NULL, n);
    flatten(w->f_oldval, w->values, &w->batch, rows, n);
    flatten(w->f_ret, w->returns, &w->batch, rows, n);
    memset(w->f_grad, 0, (size_t)k * sizeof(float));
    u->v_loss += ppo_value_loss(w->f_grad, w->f_val, w->f_oldval, w->f_ret, k, c->clip, 1.0f);
    unflatten(w->dvalue, w->f_grad, w, n, 1);
    params_zero_grad(vt[0]);
    params_zero_grad(vt[1]);
    scalar_model_backward(value, w->dvalue);
    if (c->grad_clip > 0) clip_grad_norm_tables(vt, 2, c->grad_clip);
    w->value_steps++;
    adam_step(vt[0], &ppo_adam, c->value_lr, (int)w->value_steps);
    adam_step(vt[1], &ppo_adam, c->value_lr, (int)w->value_steps);
}

/* PPO's epochs over the batch, in shuffled minibatches. */
static void update(Gpt *policy, ScalarModel *value, Work *w, const PpoLmConfig *c, Rng *rng, UpdateStats *u) {
    for (int b = 0; b < w->B; b++) w->order[b] = b;
    for (int e = 0; e < c->epochs; e++) {
        rng_shuffle_int(rng, w->order, (size_t)w->B);
        for (int at = 0; at < w->B; at += w->M) {
            int n = w->B - at < w->M ? w->B - at : w->M, *rows = w->order + at;
            gather_rows(w, rows, n);
            int k = policy_step(policy, w, rows, n, c, rng, u);
            value_step(value, w, rows, n, k, c, u);
            u->minibatches++;
        }
    }
}

static double mean_of(const float *x, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += x[i];
    return n ? s / n : 0;
}

PpoLmResult ppo_lm_train(Gpt *policy, Gpt *ref, ScalarModel *rm, ScalarModel *value, const RlhfRun *run,
                         const PpoLmConfig *c, Metrics *mt) {
    if (c->minibatch > c->rollouts) die("ppo: a minibatch of %d is larger than the %d rollouts", c->minibatch, c->rollouts);
    Work w;
    work_init(&w, policy, run, c);
    int B = w.B, T = w.T;
    gpt_ensure_acts(policy, B, T);
    gpt_ensure_acts(ref, B, T);
    if (rm->body.B < B || value->body.B < B) die("ppo: the reward and value models hold fewer than %d rows", B);
    Rng rng;
    rng_seed(&rng, c->seed, 11);
    PpoLmResult res = {0};
    double t0 = now_seconds(), sampling = 0;
    long sampled = 0;
    for (long it = 0; it < c->iterations; it++) {
        double ts = now_seconds();
        sampled += rollout(policy, run, &w, &rng);
        sampling += now_seconds() - ts;
        responses_logprobs(policy, &w.batch, B, w.old_logp);
        responses_logprobs(ref, &w.batch, B, w.ref_logp);
        rm_rewards(rm, &w.batch, B, w.score);
        read_values(value, &w.batch, B, w.values);
        advantages(&w, c);
        UpdateStats it_stats = {0};
        update(policy, value, &w, c, &rng, &it_stats);
        res.score = mean_of(w.score, B), res.kl = mean_of(w.kl, B), res.gold = mean_of(w.gold, B);
        int evaluate = c->eval_every > 0 && ((it + 1) % c->eval_every == 0 || it + 1 == c->iterations);
        double gold_heldout = evaluate ? policy_mean_gold(policy, run, run->set.n_train, run->set.n) : 0;
        if (evaluate) res.gold_heldout = gold_heldout;
        if (!c->quiet)
            fprintf(stderr, "ppo %4ld/%ld  score %7.3f  kl %6.3f  gold %.3f%s\n", it + 1, c->iterations, res.score,
                    res.kl, res.gold, evaluate ? "  (held-out greedy gold below)" : "");
        if (mt) {
            int m = it_stats.minibatches;
            long len = 0;
            for (int b = 0; b < B; b++) len += w.batch.len[b];
            metrics_num(mt, "iteration", (double)(it + 1));
            metrics_num(mt, "score", res.score);
            metrics_num(mt, "kl", res.kl);
            metrics_num(mt, "gold", res.gold);
            metrics_num(mt, "reward", res.score - c->beta * res.kl);
            metrics_num(mt, "length", (double)len / B);
            metrics_num(mt, "pg_loss", it_stats.st.pg_loss / m);
            metrics_num(mt, "v_loss", it_stats.v_loss / m);
            metrics_num(mt, "approx_kl", it_stats.st.approx_kl / m);
            metrics_num(mt, "clip_frac", it_stats.st.clip_frac / m);
            if (c->ptx > 0) metrics_num(mt, "ptx_loss", it_stats.ptx_loss / m);
            if (evaluate) metrics_num(mt, "gold_heldout", gold_heldout);
            metrics_write(mt);
        }
    }
    if (c->eval_every == 0) res.gold_heldout = policy_mean_gold(policy, run, run->set.n_train, run->set.n);
    res.seconds = now_seconds() - t0;
    res.tokens_per_s = sampling > 0 ? sampled / sampling : 0;
    work_free(&w);
    return res;
}
