/* cartpole_train.c -- REINFORCE, A2C and PPO on CartPole. See cartpole_train.h. */
#include "rlhf/cartpole_train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "optim.h"
#include "rlhf/actor_critic.h"
#include "rlhf/advantage.h"
#include "rlhf/cartpole.h"
#include "util.h"

const char *const rl_algo_names[RL_N_ALGOS + 1] = {"reinforce", "reinforce-baseline", "a2c", "ppo", NULL};

#define LOG_MIN_STEPS 512   /* a metrics row at most this often (A2C updates every 40 steps) */

void cartpole_defaults(CartpoleConfig *c, RlAlgo algo) {
    memset(c, 0, sizeof *c);
    c->algo = algo;
    c->seed = 1;
    c->steps = 500000;
    c->hidden = 64;
    c->gamma = 0.99f;
    c->lambda = 1.0f;
    c->epochs = 1;
    c->minibatches = 1;
    c->max_grad_norm = 0.5f;
    c->log = stderr;
    c->loss = (PpoConfig){.clip = 0.2f, .ent_coef = 0.0f, .vf_coef = 0.5f, .clip_vloss = 0, .norm_adv = 0};
    switch (algo) {
    case RL_PPO:   /* cleanrl's ppo.py */
        c->envs = 4, c->rollout = 128, c->lr = 2.5e-4f, c->anneal_lr = 1, c->lambda = 0.95f;
        c->epochs = 4, c->minibatches = 4;
        c->loss.ent_coef = 0.01f, c->loss.clip_vloss = 1, c->loss.norm_adv = 1;
        break;
    case RL_A2C:   /* stable-baselines3's A2C on CartPole, with Adam for RMSprop */
        c->envs = 8, c->rollout = 5, c->lr = 7e-4f;
        break;
    default:       /* REINFORCE: one whole episode per environment per update */
        c->envs = 4, c->rollout = CARTPOLE_MAX_STEPS, c->lr = 1e-3f;
        break;
    }
}

/* ---------------------------------------------------------------- the trainer's state */

typedef struct {
    const CartpoleConfig *cfg;
    CartPoleVec vec;
    ActorCritic ac;
    AdamConfig adam;
    int adam_t;                /* Adam's step count */
    float lr;                  /* this update's learning rate */
    Rng act_rng, shuffle_rng;
    int N, T, B;               /* environments, steps per update, rows per batch (N*T) */
    /* A rollout, time-major (T, N): what the agent saw and did. */
    float *obs;                /* (T, N, 4) */
    int *actions;              /* (T, N) */
    float *logp;               /* (T, N) log pi_old(a|s) */
    float *values;             /* (T, N) V_old(s) */
    float *rewards;            /* (T, N) */
    int *done;                 /* (T, N) */
    float *adv, *returns;      /* (T, N) */
    float *next_value;         /* (N) V(s_T) */
    int *active;               /* (N) REINFORCE: still in this update's episode ... */
    int *ep_len;               /* (N) ... and how long that episode is so far */
    /* One minibatch (or REINFORCE's episodes), gathered from the rollout. */
    float *mb_obs;             /* (B, 4) */
    int *mb_actions, *mb_done;
    float *mb_logp, *mb_values, *mb_adv, *mb_returns;   /* (B) */
    int *perm;                 /* (B) the shuffled order of PPO's epochs */
    float *work;               /* (4B) ppo_loss's scratch */
    /* What the next metrics row averages. */
    double ep_sum;
    long ep_count;
    PpoStats st;
    double explained_var;
    int st_n, ev_n;
    CartpoleResult res;
    long ep_cap;
} Trainer;

static void check_config(const CartpoleConfig *c) {
    if (c->steps < 1) die("cartpole: --steps must be positive");
    if (c->envs < 1 || c->rollout < 1 || c->hidden < 1) die("cartpole: envs, rollout and hidden must be positive");
    if (c->epochs < 1 || c->minibatches < 1) die("cartpole: epochs and minibatches must be positive");
    if ((c->envs * c->rollout) % c->minibatches != 0)
        die("cartpole: %d minibatches do not divide the batch of %d x %d steps", c->minibatches, c->envs, c->rollout);
    if (c->algo != RL_REINFORCE && c->algo != RL_REINFORCE_BASELINE && (long)c->envs * c->rollout > c->steps)
        die("cartpole: --steps %ld is less than one update (%d envs x %d steps)", c->steps, c->envs, c->rollout);
}

static void trainer_init(Trainer *tr, const CartpoleConfig *cfg) {
    memset(tr, 0, sizeof *tr);
    tr->cfg = cfg;
    int reinforce = cfg->algo == RL_REINFORCE || cfg->algo == RL_REINFORCE_BASELINE;
    tr->N = cfg->envs;
    tr->T = reinforce ? CARTPOLE_MAX_STEPS : cfg->rollout;
    tr->B = tr->N * tr->T;
    size_t B = (size_t)tr->B;
    cartpole_vec_init(&tr->vec, tr->N, cfg->seed);
    AcConfig ac = {CARTPOLE_OBS, CARTPOLE_ACTIONS, cfg->hidden, cfg->algo != RL_REINFORCE};
    ac_init(&tr->ac, &ac, tr->B, cfg->seed);
    tr->adam = (AdamConfig){.beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-5f};   /* cleanrl's eps */
    rng_seed(&tr->act_rng, cfg->seed, 0xac710);
    rng_seed(&tr->shuffle_rng, cfg->seed, 0x5bf);
    tr->obs = xcalloc(B * CARTPOLE_OBS, sizeof(float));
    tr->actions = xcalloc(B, sizeof(int));
    tr->logp = xcalloc(B, sizeof(float));
    tr->values = xcalloc(B, sizeof(float));
    tr->rewards = xcalloc(B, sizeof(float));
    tr->done = xcalloc(B, sizeof(int));
    tr->adv = xcalloc(B, sizeof(float));
    tr->returns = xcalloc(B, sizeof(float));
    tr->next_value = xcalloc((size_t)tr->N, sizeof(float));
    tr->active = xcalloc((size_t)tr->N, sizeof(int));
    tr->ep_len = xcalloc((size_t)tr->N, sizeof(int));
    tr->mb_obs = xcalloc(B * CARTPOLE_OBS, sizeof(float));
    tr->mb_actions = xcalloc(B, sizeof(int));
    tr->mb_done = xcalloc(B, sizeof(int));
    tr->mb_logp = xcalloc(B, sizeof(float));
    tr->mb_values = xcalloc(B, sizeof(float));
    tr->mb_adv = xcalloc(B, sizeof(float));
    tr->mb_returns = xcalloc(B, sizeof(float));
    tr->perm = xcalloc(B, sizeof(int));
    tr->work = xcalloc(4 * B, sizeof(float));
    /* an episode lasts at least 8 steps, so this rarely grows (record_episodes) */
    tr->ep_cap = cfg->steps / 8 + tr->N + 16;
    tr->res.episode_step = xmalloc((size_t)tr->ep_cap * sizeof(long));
    tr->res.episode_return = xmalloc((size_t)tr->ep_cap * sizeof(float));
}

static void trainer_free(Trainer *tr) {
    cartpole_vec_free(&tr->vec);
    ac_free(&tr->ac);
    free(tr->obs); free(tr->actions); free(tr->logp); free(tr->values); free(tr->rewards); free(tr->done);
    free(tr->adv); free(tr->returns); free(tr->next_value); free(tr->active); free(tr->ep_len);
    free(tr->mb_obs); free(tr->mb_actions); free(tr->mb_done); free(tr->mb_logp); free(tr->mb_values); free(tr->mb_adv);
    free(tr->mb_returns); free(tr->perm); free(tr->work);
}

/* ---------------------------------------------------------------- acting */

/* The episodes the last vector step finished: into the run's record and the next metrics row. */
static void record_episodes(Trainer *tr) {
    CartpoleResult *r = &tr->res;
    for (int k = 0; k < tr->vec.finished; k++) {
        if (r->episodes == tr->ep_cap) {
            tr->ep_cap *= 2;
            r->episode_step = xrealloc(r->episode_step, (size_t)tr->ep_cap * sizeof(long));
            r->episode_return = xrealloc(r->episode_return, (size_t)tr->ep_cap * sizeof(float));
        }
        r->episode_step[r->episodes] = tr->vec.steps;
        r->episode_return[r->episodes++] = tr->vec.finished_return[k];
        tr->ep_sum += tr->vec.finished_return[k];
        tr->ep_count++;
    }
}

/* One step of the N environments at rollout row t: observe, act from pi, step. */
static void act(Trainer *tr, int t, const int *active) {
    int N = tr->N;
    size_t row = (size_t)t * N;
    memcpy(tr->obs + row * CARTPOLE_OBS, tr->vec.obs, (size_t)N * CARTPOLE_OBS * sizeof(float));
    ac_forward(&tr->ac, tr->vec.obs, N);
    ac_sample(&tr->ac, N, &tr->act_rng, tr->actions + row);
    for (int i = 0; i < N; i++) {
        tr->logp[row + i] = tr->ac.logp[(size_t)i * CARTPOLE_ACTIONS + tr->actions[row + i]];
        tr->values[row + i] = tr->ac.value ? tr->ac.value[i] : 0.0f;
    }
    cartpole_vec_step(&tr->vec, tr->actions + row, active, tr->rewards + row, tr->done + row);
    record_episodes(tr);
}

/* ---------------------------------------------------------------- learning */

/* Rows idx[0..n) of the rollout into the minibatch buffers (idx NULL: the first n in order). */
static void gather(Trainer *tr, const int *idx, int n) {
    for (int j = 0; j < n; j++) {
        int k = idx ? idx[j] : j;
        memcpy(tr->mb_obs + (size_t)j * CARTPOLE_OBS, tr->obs + (size_t)k * CARTPOLE_OBS,
               CARTPOLE_OBS * sizeof(float));
        tr->mb_actions[j] = tr->actions[k];
        tr->mb_logp[j] = tr->logp[k];
        tr->mb_values[j] = tr->values[k];
        tr->mb_adv[j] = tr->adv[k];
        tr->mb_returns[j] = tr->returns[k];
    }
}

/* Forward, loss, backward, clip, Adam on the n rows in the minibatch buffers. */
static void gradient_step(Trainer *tr, int n) {
    ActorCritic *ac = &tr->ac;
    ac_forward(ac, tr->mb_obs, n);
    params_zero_grad(&ac->pt);
    PpoStats st = ppo_loss(ac->dlogp, ac->dvalue, ac->logp, ac->value, tr->mb_actions, CARTPOLE_ACTIONS,
                           tr->mb_logp, tr->mb_adv, tr->mb_returns, tr->mb_values, n, &tr->cfg->loss, tr->work);
    ac_backward(ac, tr->mb_obs, n);
    if (tr->cfg->max_grad_norm > 0) clip_grad_norm(&ac->pt, tr->cfg->max_grad_norm);
    adam_step(&ac->pt, &tr->adam, tr->lr, ++tr->adam_t);
    tr->st.loss += st.loss, tr->st.pg_loss += st.pg_loss, tr->st.v_loss += st.v_loss;
    tr->st.entropy += st.entropy, tr->st.approx_kl += st.approx_kl, tr->st.clip_frac += st.clip_frac;
    tr->st_n++;
}

/*
 * A2C and PPO: T steps in each environment, advantages by GAE (lambda = 1
 * for A2C: the n-step return minus V), then `epochs` passes over the batch
 * in `minibatches` shuffled minibatches. A2C is the case of one epoch of one
 * minibatch, where the ratio is 1 and the clipped surrogate's gradient is
 * the plain policy gradient (Huang et al. 2022, "A2C is a special case of
 * PPO"); its value loss is unclipped and its advantages unnormalised.
 */
static void actor_critic_update(Trainer *tr) {
    const CartpoleConfig *c = tr->cfg;
    for (int t = 0; t < tr->T; t++) act(tr, t, NULL);
    /* bootstrap: the value of where each environment stands now */
    ac_forward(&tr->ac, tr->vec.obs, tr->N);
    memcpy(tr->next_value, tr->ac.value, (size_t)tr->N * sizeof(float));
    rl_gae(tr->adv, tr->returns, tr->rewards, tr->values, tr->done, tr->next_value, tr->T, tr->N, c->gamma,
           c->lambda);
    int mb = tr->B / c->minibatches;
    for (int i = 0; i < tr->B; i++) tr->perm[i] = i;
    for (int epoch = 0; epoch < c->epochs; epoch++) {
        if (c->minibatches > 1) rng_shuffle_int(&tr->shuffle_rng, tr->perm, (size_t)tr->B);
        for (int start = 0; start < tr->B; start += mb) {
            gather(tr, tr->perm + start, mb);
            gradient_step(tr, mb);
        }
    }
    tr->explained_var += rl_explained_variance(tr->values, tr->returns, tr->B);
    tr->ev_n++;
}

/*
 * REINFORCE: each environment plays one whole episode (those that finish
 * first wait for the others), so every action is weighed by the full
 * discounted return that followed it, G_t, normalised over the batch. With
 * a baseline, by G_t - V(s_t), while V regresses on G_t.
 */
static void reinforce_update(Trainer *tr) {
    const CartpoleConfig *c = tr->cfg;
    int N = tr->N, *len = tr->ep_len;
    for (int i = 0; i < N; i++) tr->active[i] = 1, len[i] = 0;
    for (int t = 0, left = N; left > 0; t++) {
        act(tr, t, tr->active);
        for (int i = 0; i < N; i++) {
            if (!tr->active[i]) continue;
            len[i]++;
            if (tr->done[(size_t)t * N + i]) tr->active[i] = 0, left--;
        }
    }
    /* the episodes one after another: environment i's steps (t, i) for t < len[i] */
    int n = 0;
    for (int i = 0; i < N; i++)
        for (int t = 0; t < len[i]; t++) {
            size_t k = (size_t)t * N + i;
            memcpy(tr->mb_obs + (size_t)n * CARTPOLE_OBS, tr->obs + k * CARTPOLE_OBS, CARTPOLE_OBS * sizeof(float));
            tr->mb_actions[n] = tr->actions[k];
            tr->mb_adv[n] = tr->rewards[k];      /* rewards for now, returns below */
            tr->mb_done[n] = t == len[i] - 1;    /* the episode's end */
            n++;
        }
    rl_discounted_returns(tr->mb_returns, tr->mb_adv, tr->mb_done, NULL, n, 1, c->gamma);
    rl_normalise(tr->mb_returns, n, 1e-8f);
    /* advantages (minus the baseline) and the "old" log-probabilities, from
     * the policy as it is: the ratio is 1, the loss the plain policy gradient */
    ActorCritic *ac = &tr->ac;
    ac_forward(ac, tr->mb_obs, n);
    for (int j = 0; j < n; j++) {
        tr->mb_logp[j] = ac->logp[(size_t)j * CARTPOLE_ACTIONS + tr->mb_actions[j]];
        tr->mb_values[j] = ac->value ? ac->value[j] : 0.0f;
        tr->mb_adv[j] = tr->mb_returns[j] - tr->mb_values[j];
    }
    gradient_step(tr, n);
    if (ac->value) {
        tr->explained_var += rl_explained_variance(tr->mb_values, tr->mb_returns, n);
        tr->ev_n++;
    }
}

/* ---------------------------------------------------------------- the run */

#define METRICS_COLUMNS "step update episodes return return100 loss pg_loss v_loss entropy approx_kl clip_frac " \
                        "explained_var lr sps elapsed_s"

static void write_config(const CartpoleConfig *c) {
    RunConfig *rc = config_begin(c->out);
    config_str(rc, "task", "cartpole");
    config_str(rc, "algo", rl_algo_names[c->algo]);
    config_int(rc, "seed", (long long)c->seed);
    config_int(rc, "steps", c->steps);
    config_int(rc, "envs", c->envs);
    config_int(rc, "rollout", c->rollout);
    config_int(rc, "hidden", c->hidden);
    config_num(rc, "lr", c->lr);
    config_int(rc, "anneal_lr", c->anneal_lr);
    config_num(rc, "gamma", c->gamma);
    config_num(rc, "gae_lambda", c->lambda);
    config_int(rc, "epochs", c->epochs);
    config_int(rc, "minibatches", c->minibatches);
    config_num(rc, "clip", c->loss.clip);
    config_int(rc, "clip_vloss", c->loss.clip_vloss);
    config_int(rc, "norm_adv", c->loss.norm_adv);
    config_num(rc, "ent_coef", c->loss.ent_coef);
    config_num(rc, "vf_coef", c->loss.vf_coef);
    config_num(rc, "max_grad_norm", c->max_grad_norm);
    config_end(rc);
}

/* One metrics row: the averages since the last one. */
static void log_row(Trainer *tr, Metrics *m, long update, double elapsed) {
    if (m) {
        metrics_num(m, "step", (double)tr->vec.steps);
        metrics_num(m, "update", (double)update);
        metrics_num(m, "episodes", (double)tr->vec.episodes);
        if (tr->ep_count) metrics_num(m, "return", tr->ep_sum / tr->ep_count);
        if (tr->vec.episodes) metrics_num(m, "return100", cartpole_vec_recent_return(&tr->vec));
        if (tr->st_n) {
            double k = tr->st_n;
            metrics_num(m, "loss", tr->st.loss / k);
            metrics_num(m, "pg_loss", tr->st.pg_loss / k);
            metrics_num(m, "v_loss", tr->st.v_loss / k);
            metrics_num(m, "entropy", tr->st.entropy / k);
            if (tr->cfg->algo == RL_PPO) {
                metrics_num(m, "approx_kl", tr->st.approx_kl / k);
                metrics_num(m, "clip_frac", tr->st.clip_frac / k);
            }
        }
        if (tr->ev_n && isfinite(tr->explained_var)) metrics_num(m, "explained_var", tr->explained_var / tr->ev_n);
        metrics_num(m, "lr", tr->lr);
        metrics_num(m, "sps", elapsed > 0 ? tr->vec.steps / elapsed : 0.0);
        metrics_num(m, "elapsed_s", elapsed);
        metrics_write(m);
    }
    tr->ep_sum = 0.0, tr->ep_count = 0;
    tr->st = (PpoStats){0}, tr->st_n = 0;
    tr->explained_var = 0.0, tr->ev_n = 0;
}

CartpoleResult cartpole_train(const CartpoleConfig *cfg) {
    check_config(cfg);
    Trainer tr;
    trainer_init(&tr, cfg);
    Metrics *m = NULL;
    if (cfg->out) {
        write_config(cfg);
        m = metrics_create(cfg->out, METRICS_COLUMNS);
    }
    int reinforce = cfg->algo == RL_REINFORCE || cfg->algo == RL_REINFORCE_BASELINE;
    /* A2C and PPO: a fixed number of updates of N x T steps (cleanrl: 500000 / 512 = 976) */
    long updates = reinforce ? 0 : cfg->steps / tr.B;
    long print_every = cfg->steps / 10 > 0 ? cfg->steps / 10 : 1;
    long next_log = LOG_MIN_STEPS, next_print = print_every;
    double t0 = now_seconds();
    clock_t c0 = clock();
    long u = 0;
    for (; reinforce ? tr.vec.steps < cfg->steps : u < updates; u++) {
        /* cleanrl anneals from lr at the first update to lr/updates at the last */
        tr.lr = cfg->anneal_lr ? cfg->lr * (float)(1.0 - (double)u / updates) : cfg->lr;
        if (reinforce) reinforce_update(&tr);
        else actor_critic_update(&tr);
        double elapsed = now_seconds() - t0;
        if (tr.vec.steps >= next_log) {
            log_row(&tr, m, u + 1, elapsed);
            next_log = tr.vec.steps + LOG_MIN_STEPS;
        }
        if (cfg->log && tr.vec.steps >= next_print) {
            fprintf(cfg->log, "%-18s step %7ld/%ld  return (last 100) %6.1f  %6.0f steps/s\n",
                    rl_algo_names[cfg->algo], tr.vec.steps, cfg->steps, cartpole_vec_recent_return(&tr.vec),
                    elapsed > 0 ? tr.vec.steps / elapsed : 0.0);
            fflush(cfg->log);
            while (next_print <= tr.vec.steps) next_print += print_every;
        }
    }
    CartpoleResult res = tr.res;
    res.train_s = now_seconds() - t0;
    res.cpu_s = (double)(clock() - c0) / CLOCKS_PER_SEC;
    res.steps = tr.vec.steps;
    res.updates = u;
    res.sps = res.train_s > 0 ? res.steps / res.train_s : 0.0;
    res.final_return = cartpole_vec_recent_return(&tr.vec);
    if (m) metrics_close(m);
    trainer_free(&tr);
    return res;
}

void cartpole_result_free(CartpoleResult *r) {
    free(r->episode_step);
    free(r->episode_return);
    memset(r, 0, sizeof *r);
}
