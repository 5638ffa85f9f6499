/* actor_critic.c -- the policy and value MLPs. See actor_critic.h. */
#include "rlhf/actor_critic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "init.h"
#include "ops.h"
#include "util.h"

/* Declare one MLP's tensors as "<name>.w1" ... "<name>.b3". */
static void declare_mlp(ParamTable *pt, const char *name, int C, int H, int O) {
    char key[PARAM_NAME_MAX];
    int shapes[3][2] = {{H, C}, {H, H}, {O, H}};
    for (int l = 0; l < 3; l++) {
        snprintf(key, sizeof key, "%s.w%d", name, l + 1);
        params_add(pt, key, 2, shapes[l][0], shapes[l][1]);
        snprintf(key, sizeof key, "%s.b%d", name, l + 1);
        params_add(pt, key, 1, shapes[l][0]);
    }
}

/* Pointers to one MLP's tensors in buf (pt.values or pt.grads). */
static AcMlp mlp_at(const ParamTable *pt, float *buf, const char *name) {
    char key[PARAM_NAME_MAX];
    float *p[6];
    for (int k = 0; k < 6; k++) {
        snprintf(key, sizeof key, "%s.%c%d", name, k % 2 ? 'b' : 'w', k / 2 + 1);
        p[k] = buf + pt->info[params_find(pt, key)].offset;
    }
    return (AcMlp){p[0], p[1], p[2], p[3], p[4], p[5]};
}

/* cleanrl's layer_init: orthogonal weights with gain sqrt(2) in the hidden
 * layers and out_gain in the head, zero biases (params_alloc zeroed them). */
static void init_mlp(AcMlp *m, int C, int H, int O, float out_gain, Rng *r) {
    init_orthogonal(m->w1, H, C, sqrtf(2.0f), r);
    init_orthogonal(m->w2, H, H, sqrtf(2.0f), r);
    init_orthogonal(m->w3, O, H, out_gain, r);
}

static AcActs alloc_acts(int B, int H, int O) {
    return (AcActs){xcalloc((size_t)B * H, sizeof(float)), xcalloc((size_t)B * H, sizeof(float)),
                    xcalloc((size_t)B * O, sizeof(float))};
}

static void free_acts(AcActs *a) {
    free(a->h1);
    free(a->h2);
    free(a->out);
}

void ac_init(ActorCritic *ac, const AcConfig *cfg, int max_batch, uint64_t seed) {
    memset(ac, 0, sizeof *ac);
    ac->cfg = *cfg;
    ac->max_batch = max_batch;
    int C = cfg->obs_dim, H = cfg->hidden, A = cfg->n_actions, B = max_batch;
    params_init(&ac->pt);
    declare_mlp(&ac->pt, "pi", C, H, A);
    if (cfg->critic) declare_mlp(&ac->pt, "v", C, H, 1);
    params_alloc(&ac->pt);
    ac->pi = mlp_at(&ac->pt, ac->pt.values, "pi");
    ac->dpi = mlp_at(&ac->pt, ac->pt.grads, "pi");
    Rng r;
    rng_seed(&r, seed, 0xac);
    init_mlp(&ac->pi, C, H, A, 0.01f, &r);
    ac->api = alloc_acts(B, H, A);
    if (cfg->critic) {
        ac->v = mlp_at(&ac->pt, ac->pt.values, "v");
        ac->dv = mlp_at(&ac->pt, ac->pt.grads, "v");
        init_mlp(&ac->v, C, H, 1, 1.0f, &r);
        ac->av = alloc_acts(B, H, 1);
        ac->value = ac->av.out;
        ac->dvalue = xcalloc((size_t)B, sizeof(float));
    }
    ac->logp = xcalloc((size_t)B * A, sizeof(float));
    ac->dlogp = xcalloc((size_t)B * A, sizeof(float));
    ac->dlogits = xcalloc((size_t)B * A, sizeof(float));
    ac->dh = xcalloc((size_t)B * H, sizeof(float));
    ac->dpre = xcalloc((size_t)B * H, sizeof(float));
}

void ac_free(ActorCritic *ac) {
    params_free(&ac->pt);
    free_acts(&ac->api);
    if (ac->cfg.critic) {
        free_acts(&ac->av);
        free(ac->dvalue);
    }
    free(ac->logp);
    free(ac->dlogp);
    free(ac->dlogits);
    free(ac->dh);
    free(ac->dpre);
    memset(ac, 0, sizeof *ac);
}

/* x (B, C) -> tanh -> tanh -> out (B, O): three linear layers, one sgemm each. */
static void mlp_forward(AcActs *a, const float *x, const AcMlp *m, int B, int C, int H, int O) {
    linear_forward(a->h1, x, m->w1, m->b1, B, C, H);
    tanh_forward(a->h1, a->h1, (size_t)B * H);
    linear_forward(a->h2, a->h1, m->w2, m->b2, B, H, H);
    tanh_forward(a->h2, a->h2, (size_t)B * H);
    linear_forward(a->out, a->h2, m->w3, m->b3, B, H, O);
}

/* The same in reverse, from dout (B, O); dh (B, H) and dpre (B, H) are scratch.
 * The input needs no gradient (it is the observation). */
static void mlp_backward(AcMlp *d, const float *dout, const AcActs *a, const float *x, const AcMlp *m,
                         float *dh, float *dpre, int B, int C, int H, int O) {
    size_t n = (size_t)B * H;
    memset(dh, 0, n * sizeof(float));
    linear_backward(dh, d->w3, d->b3, dout, a->h2, m->w3, B, H, O);
    memset(dpre, 0, n * sizeof(float));
    tanh_backward(dpre, dh, a->h2, n);
    memset(dh, 0, n * sizeof(float));
    linear_backward(dh, d->w2, d->b2, dpre, a->h1, m->w2, B, H, H);
    memset(dpre, 0, n * sizeof(float));
    tanh_backward(dpre, dh, a->h1, n);
    linear_backward(NULL, d->w1, d->b1, dpre, x, m->w1, B, C, H);
}

static void check_batch(const ActorCritic *ac, int B) {
    if (B < 1 || B > ac->max_batch) die("actor-critic: batch of %d rows, allocated for 1..%d", B, ac->max_batch);
}

void ac_forward(ActorCritic *ac, const float *obs, int B) {
    check_batch(ac, B);
    int C = ac->cfg.obs_dim, H = ac->cfg.hidden, A = ac->cfg.n_actions;
    mlp_forward(&ac->api, obs, &ac->pi, B, C, H, A);
    log_softmax_forward(ac->logp, ac->api.out, B, A);
    memset(ac->dlogp, 0, (size_t)B * A * sizeof(float));
    if (ac->cfg.critic) {
        mlp_forward(&ac->av, obs, &ac->v, B, C, H, 1);
        memset(ac->dvalue, 0, (size_t)B * sizeof(float));
    }
}

void ac_backward(ActorCritic *ac, const float *obs, int B) {
    check_batch(ac, B);
    int C = ac->cfg.obs_dim, H = ac->cfg.hidden, A = ac->cfg.n_actions;
    /* actor: dlogp -> dlogits (through the log-softmax) -> the MLP */
    memset(ac->dlogits, 0, (size_t)B * A * sizeof(float));
    log_softmax_backward(ac->dlogits, ac->dlogp, ac->logp, B, A);
    mlp_backward(&ac->dpi, ac->dlogits, &ac->api, obs, &ac->pi, ac->dh, ac->dpre, B, C, H, A);
    /* critic: dvalue -> the MLP */
    if (ac->cfg.critic) mlp_backward(&ac->dv, ac->dvalue, &ac->av, obs, &ac->v, ac->dh, ac->dpre, B, C, H, 1);
}

void ac_sample(const ActorCritic *ac, int B, Rng *rng, int *actions) {
    int A = ac->cfg.n_actions;
    for (int i = 0; i < B; i++) {
        const float *lp = ac->logp + (size_t)i * A;
        /* inverse CDF on exp(logp): the probabilities sum to 1 up to rounding */
        double u = rng_uniform_double(rng), cum = 0.0;
        int a = A - 1;
        for (int j = 0; j < A; j++) {
            cum += exp((double)lp[j]);
            if (u < cum) { a = j; break; }
        }
        actions[i] = a;
    }
}
