/*
 * reward_model.c -- the ranking loss, training the reward model on
 * preference files, its accuracy, and its centring. See reward_model.h.
 */
#include "rlhf/reward_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"
#include "rlhf/labeller.h"
#include "util.h"

/* -log sigma(x) = log(1 + e^-x), without overflow for large |x| */
static double softplus_neg(double x) { return x > 0 ? log1p(exp(-x)) : -x + log1p(exp(x)); }

double rm_ranking_loss(const float *r, const int *rank, int k, float scale, float *dr, double *correct) {
    int pairs = k * (k - 1) / 2;
    double loss = 0, right = 0;
    for (int i = 0; i < k; i++)
        for (int j = i + 1; j < k; j++) {
            int w = rank[i] < rank[j] ? i : j, l = w == i ? j : i;   /* the preferred and the rejected */
            double d = (double)r[w] - r[l];
            loss += softplus_neg(d);
            right += d > 0 ? 1 : d == 0 ? 0.5 : 0;
            /* d/dd -log sigma(d) = -sigma(-d) */
            float g = (float)(scale / pairs / (1 + exp(d)));
            if (dr) dr[w] -= g, dr[l] += g;
        }
    if (correct) *correct = right;
    return loss / pairs;
}

void rm_defaults(RmConfig *c) {
    *c = (RmConfig){.rankings = 4, .epochs = 4, .lr = 3e-4f, .weight_decay = 0, .grad_clip = 1, .seed = 1};
}

void rm_rewards(ScalarModel *rm, const Responses *r, int B, float *out) {
    const float *s = scalar_model_forward(rm, r->tokens, B, r->T);
    for (int b = 0; b < B; b++) out[b] = s[responses_last(r, b)];
}

/* Rankings order[0..n) of set as consecutive rows of r; returns the rows used. */
static int lay_rankings(const PrefSet *set, const int *order, int n, Responses *r, const Vocab *v) {
    char err[256];
    int rows = 0;
    for (int i = 0; i < n; i++) {
        const PrefRanking *pr = &set->r[order[i]];
        for (int j = 0; j < pr->k; j++, rows++)
            if (responses_set(r, rows, v, pr->prompt, pr->responses[j], err, sizeof err))
                die("reward model: %s", err);
    }
    return rows;
}

/* The ranking loss of rankings order[0..n) laid out in r (rewards in s),
 * each weighted 1/n; dout (rows, T) gets dL/ds at each last action when not
 * NULL. Returns the mean loss; *correct and *pairs accumulate. */
static double batch_loss(const PrefSet *set, const int *order, int n, const Responses *r, const float *s,
                         float *dout, double *correct, long *pairs) {
    float reward[LABELLER_MAX_K], dr[LABELLER_MAX_K];
    double loss = 0;
    for (int i = 0, row = 0; i < n; row += set->r[order[i]].k, i++) {
        const PrefRanking *pr = &set->r[order[i]];
        for (int j = 0; j < pr->k; j++) {
            reward[j] = s[responses_last(r, row + j)];
            dr[j] = 0;
        }
        double right;
        loss += rm_ranking_loss(reward, pr->rank, pr->k, 1.0f / n, dr, &right) / n;
        *correct += right;
        *pairs += pr->k * (pr->k - 1) / 2;
        if (dout)
            for (int j = 0; j < pr->k; j++) dout[responses_last(r, row + j)] = dr[j];
    }
    return loss;
}

static int max_k(const PrefSet *set) {
    int k = 2;
    for (int i = 0; i < set->n; i++) k = set->r[i].k > k ? set->r[i].k : k;
    return k;
}

double rm_train(ScalarModel *rm, const RmConfig *c, const PrefSet *train, const Vocab *v, int T) {
    if (train->n < 1) die("reward model: no rankings to train on");
    int per = c->rankings, B = per * max_k(train);
    Responses r;
    responses_alloc(&r, B, T, rm->body.cfg.vocab_size);
    float *dout = xmalloc((size_t)B * T * sizeof *dout);
    int *order = xmalloc((size_t)train->n * sizeof *order);
    for (int i = 0; i < train->n; i++) order[i] = i;
    Rng rng;
    rng_seed(&rng, c->seed, 7);
    AdamConfig ac = {.beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = c->weight_decay, .decoupled = 1};
    ParamTable *pts[2];
    scalar_model_tables(rm, pts);
    long steps = (long)c->epochs * ((train->n + per - 1) / per), step = 0;
    double epoch_loss = 0;
    rm->body.training = 1;
    for (int e = 0; e < c->epochs; e++) {
        rng_shuffle_int(&rng, order, (size_t)train->n);
        epoch_loss = 0;
        for (int at = 0; at < train->n; at += per, step++) {
            int n = train->n - at < per ? train->n - at : per;
            int rows = lay_rankings(train, order + at, n, &r, v);
            const float *s = scalar_model_forward(rm, r.tokens, rows, T);
            memset(dout, 0, (size_t)rows * T * sizeof *dout);
            double correct = 0;
            long pairs = 0;
            epoch_loss += batch_loss(train, order + at, n, &r, s, dout, &correct, &pairs) * n;
            params_zero_grad(pts[0]);
            params_zero_grad(pts[1]);
            scalar_model_backward(rm, dout);
            if (c->grad_clip > 0) clip_grad_norm_tables(pts, 2, c->grad_clip);
            float lr = lr_linear(step, steps, c->lr, 0.0f);
            adam_step(pts[0], &ac, lr, (int)step + 1);
            adam_step(pts[1], &ac, lr, (int)step + 1);
        }
        epoch_loss /= train->n;
    }
    rm->body.training = 0;
    free(order);
    free(dout);
    responses_free(&r);
    return epoch_loss;
}

double rm_accuracy(ScalarModel *rm, const PrefSet *set, const Vocab *v, int T, long *pairs) {
    int per = rm->body.B / max_k(set), B = per * max_k(set);   /* as many rankings as the model's batch holds */
    if (per < 1) die("reward model: sized for %d rows, but a ranking has %d responses", rm->body.B, max_k(set));
    Responses r;
    responses_alloc(&r, B, T, rm->body.cfg.vocab_size);
    int *order = xmalloc((size_t)per * sizeof *order);
    double correct = 0;
    *pairs = 0;
    rm->body.training = 0;
    for (int at = 0; at < set->n; at += per) {
        int n = set->n - at < per ? set->n - at : per;
        for (int i = 0; i < n; i++) order[i] = at + i;
        int rows = lay_rankings(set, order, n, &r, v);
        const float *s = scalar_model_forward(rm, r.tokens, rows, T);
        batch_loss(set, order, n, &r, s, NULL, &correct, pairs);
    }
    responses_free(&r);
    free(order);
    return *pairs ? correct / *pairs : 0;
}

double rm_centre_on_demos(ScalarModel *rm, const InstructSet *s, int from, int to, const Vocab *v, int T) {
    int B = rm->body.B;
    Responses r;
    responses_alloc(&r, B, T, rm->body.cfg.vocab_size);
    float *reward = xmalloc((size_t)B * sizeof *reward);
    char err[256];
    double sum = 0;
    rm->body.training = 0;
    for (int at = from; at < to; at += B) {
        int n = to - at < B ? to - at : B;
        for (int i = 0; i < n; i++)
            if (responses_set(&r, i, v, s->p[at + i].prompt, s->p[at + i].demo, err, sizeof err))
                die("reward model: %s", err);
        rm_rewards(rm, &r, n, reward);
        for (int i = 0; i < n; i++) sum += reward[i];
    }
    responses_free(&r);
    free(reward);
    double mean = to > from ? sum / (to - from) : 0;
    rm->head.b[0] -= (float)mean;
    return mean;
}
