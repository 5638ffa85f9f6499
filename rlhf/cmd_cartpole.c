/*
 * cmd_cartpole.c -- `rlhf cartpole`: train REINFORCE, A2C or PPO on
 * CartPole-v1, log every update, draw the return curve, print the RESULT line.
 */
#include "rlhf/commands.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "matmul.h"
#include "metrics.h"
#include "util.h"

static const char cartpole_usage[] =
    "Usage: rlhf cartpole [options]\n"
    "Train a policy on CartPole-v1 (gym's physics, built in: no download) and report the\n"
    "mean return of its last 100 episodes (500 is perfect; 475 counts as solved).\n"
    "\n"
    "  --algo NAME         reinforce | reinforce-baseline | a2c | ppo (default ppo)\n"
    "  --steps N           environment steps, over all environments (default 500000,\n"
    "                      cleanrl's budget)\n"
    "  --seed N            environments, initial weights, actions (default 1)\n"
    "  --out DIR           run folder: config.txt, metrics.tsv, return.png, loss.png\n"
    "                      (default runs/rlhf/cartpole-ALGO-sSEED)\n"
    "  --threads N         (default 1: the networks are tiny)\n"
    "  --quiet             no progress lines\n"
    "The method's settings, each defaulting to its usual value (ppo: cleanrl's ppo.py;\n"
    "a2c: stable-baselines3's, with Adam; reinforce: one episode per environment):\n"
    "  --envs N            environments stepped together (ppo 4, a2c 8, reinforce 4)\n"
    "  --rollout N         steps in each environment per update (ppo 128, a2c 5)\n"
    "  --lr LR             Adam's learning rate (ppo 2.5e-4, a2c 7e-4, reinforce 1e-3)\n"
    "  --anneal-lr 0|1     decay it linearly to 0 over the run (ppo 1, others 0)\n"
    "  --gamma G           discount (0.99)\n"
    "  --gae-lambda L      GAE's lambda (ppo 0.95; a2c's n-step returns are lambda 1)\n"
    "  --epochs N          passes over each batch (ppo 4)\n"
    "  --minibatches N     per pass (ppo 4)\n"
    "  --clip E            PPO's clipping of the ratio and of the value (0.2)\n"
    "  --clip-vloss 0|1    clip the value loss too (ppo 1)\n"
    "  --norm-adv 0|1      normalise each minibatch's advantages (ppo 1)\n"
    "  --ent-coef C        entropy bonus (ppo 0.01, others 0)\n"
    "  --vf-coef C         value-loss weight (0.5)\n"
    "  --max-grad-norm N   clip the gradient's global norm, 0 = never (0.5)\n"
    "  --hidden N          width of the two tanh layers of both networks (64)\n"
    "  --preset cleanrl    PPO exactly as cleanrl's ppo.py (the same as the defaults)\n"
    "\n"
    "Example:  rlhf cartpole --algo ppo --seed 1\n"
    "          rlhf cartpole --algo reinforce --steps 100000 --out runs/rlhf/reinforce\n";

/* What the command line set; UNSET (or NAN) leaves the method's default. */
#define UNSET (-1)

typedef struct {
    int algo;
    unsigned long long seed;
    long steps;
    const char *out;
    int threads, quiet;
    int envs, rollout, hidden, epochs, minibatches, anneal_lr, clip_vloss, norm_adv;
    float lr, gamma, lambda, clip, ent_coef, vf_coef, max_grad_norm;
} CartpoleOptions;

static int cartpole_preset(void *ctx, const char *name) {
    CartpoleOptions *o = ctx;
    if (strcmp(name, "cleanrl") != 0) return 0;
    o->algo = RL_PPO;
    return 1;
}

/* The method's defaults, then every option the command line set. */
static void apply_options(CartpoleConfig *c, const CartpoleOptions *o) {
    cartpole_defaults(c, (RlAlgo)o->algo);
    c->seed = o->seed;
    if (o->steps != UNSET) c->steps = o->steps;
    if (o->envs != UNSET) c->envs = o->envs;
    if (o->rollout != UNSET) c->rollout = o->rollout;
    if (o->hidden != UNSET) c->hidden = o->hidden;
    if (o->epochs != UNSET) c->epochs = o->epochs;
    if (o->minibatches != UNSET) c->minibatches = o->minibatches;
    if (o->anneal_lr != UNSET) c->anneal_lr = o->anneal_lr;
    if (o->clip_vloss != UNSET) c->loss.clip_vloss = o->clip_vloss;
    if (o->norm_adv != UNSET) c->loss.norm_adv = o->norm_adv;
    if (!isnan(o->lr)) c->lr = o->lr;
    if (!isnan(o->gamma)) c->gamma = o->gamma;
    if (!isnan(o->lambda)) c->lambda = o->lambda;
    if (!isnan(o->clip)) c->loss.clip = o->clip;
    if (!isnan(o->ent_coef)) c->loss.ent_coef = o->ent_coef;
    if (!isnan(o->vf_coef)) c->loss.vf_coef = o->vf_coef;
    if (!isnan(o->max_grad_norm)) c->max_grad_norm = o->max_grad_norm;
    if (c->algo == RL_REINFORCE || c->algo == RL_REINFORCE_BASELINE) {
        if (o->rollout != UNSET || o->epochs != UNSET || o->minibatches != UNSET)
            usage_error("cartpole: REINFORCE plays whole episodes: --rollout, --epochs and --minibatches "
                        "are for a2c and ppo");
    }
    if ((c->envs * c->rollout) % c->minibatches != 0)
        usage_error("cartpole: --minibatches %d does not divide the batch of %d envs x %d steps", c->minibatches,
                    c->envs, c->rollout);
    if (c->algo != RL_REINFORCE && c->algo != RL_REINFORCE_BASELINE && (long)c->envs * c->rollout > c->steps)
        usage_error("cartpole: --steps %ld is less than one update of %d envs x %d steps", c->steps, c->envs,
                    c->rollout);
}

void rlhf_cartpole_result(const CartpoleConfig *cfg, const CartpoleResult *r) {
    result_begin("rlhf");
    result_str("task", "cartpole");
    result_str("algo", rl_algo_names[cfg->algo]);
    result_int("seed", (long long)cfg->seed);
    result_int("steps", r->steps);
    result_int("episodes", r->episodes);
    result_num("return", r->final_return, 2);
    result_num("train_s", r->train_s, 2);
    result_num("cpu_s", r->cpu_s, 2);
    result_num("sps", r->sps, 0);
    result_end();
}

void rlhf_cartpole_plots(const char *out) {
    char tsv[4096], png[4096];
    path_join(tsv, sizeof tsv, out, "metrics.tsv");
    const char *files[] = {tsv};
    path_join(png, sizeof png, out, "return.png");
    metrics_plot_curves(png, "CartPole-v1: mean return of the last 100 episodes", "return100", "step", files, 1);
    path_join(png, sizeof png, out, "loss.png");
    metrics_plot_curves(png, NULL, "loss", "step", files, 1);
}

int rlhf_cmd_cartpole(int argc, char **argv) {
    CartpoleOptions o = {.algo = RL_PPO, .seed = 1, .steps = UNSET, .threads = 1,
                         .envs = UNSET, .rollout = UNSET, .hidden = UNSET, .epochs = UNSET, .minibatches = UNSET,
                         .anneal_lr = UNSET, .clip_vloss = UNSET, .norm_adv = UNSET,
                         .lr = NAN, .gamma = NAN, .lambda = NAN, .clip = NAN, .ent_coef = NAN, .vf_coef = NAN,
                         .max_grad_norm = NAN};
    const CliOption opts[] = {
        CLI_SEED(&o.seed), CLI_THREADS(&o.threads), CLI_OUT(&o.out), CLI_QUIET(&o.quiet),
        CLI_STEPS(&o.steps),
        {.name = "algo", .type = CLI_CHOICE, .dst = &o.algo, .choices = rl_algo_names},
        CLI_OPT("envs", CLI_INT, &o.envs, 1, 4096),
        CLI_OPT("rollout", CLI_INT, &o.rollout, 1, 1 << 20),
        CLI_OPT("hidden", CLI_INT, &o.hidden, 1, 4096),
        CLI_OPT("epochs", CLI_INT, &o.epochs, 1, 1000),
        CLI_OPT("minibatches", CLI_INT, &o.minibatches, 1, 1 << 20),
        CLI_OPT("anneal-lr", CLI_INT, &o.anneal_lr, 0, 1),
        CLI_OPT("clip-vloss", CLI_INT, &o.clip_vloss, 0, 1),
        CLI_OPT("norm-adv", CLI_INT, &o.norm_adv, 0, 1),
        CLI_LR_F(&o.lr),
        CLI_OPT("gamma", CLI_FLOAT, &o.gamma, 0, 1),
        CLI_OPT("gae-lambda", CLI_FLOAT, &o.lambda, 0, 1),
        CLI_OPT("clip", CLI_FLOAT, &o.clip, 1e-6, 10),
        CLI_OPT("ent-coef", CLI_FLOAT, &o.ent_coef, 0, 100),
        CLI_OPT("vf-coef", CLI_FLOAT, &o.vf_coef, 0, 100),
        CLI_OPT("max-grad-norm", CLI_FLOAT, &o.max_grad_norm, 0, 1e9),
        CLI_END};
    CliSpec spec = {.usage = cartpole_usage, .options = opts, .preset = cartpole_preset, .ctx = &o,
                    .presets = "cleanrl"};
    if (cli_parse(&spec, argc, argv) > 0) usage_error("cartpole: unexpected argument '%s'", argv[1]);
    if (o.steps == 0) usage_error("cartpole: --steps must be at least 1");
    set_threads(o.threads);
    CartpoleConfig cfg;
    apply_options(&cfg, &o);
    char out[1024];
    if (o.out) snprintf(out, sizeof out, "%s", o.out);
    else snprintf(out, sizeof out, "runs/rlhf/cartpole-%s-s%llu", rl_algo_names[cfg.algo], o.seed);
    cfg.out = out;
    cfg.log = o.quiet ? NULL : stderr;
    CartpoleResult r = cartpole_train(&cfg);
    if (!o.quiet) fprintf(stderr, "rlhf: run in %s\n", out);
    rlhf_cartpole_plots(out);
    rlhf_cartpole_result(&cfg, &r);
    cartpole_result_free(&r);
    return 0;
}
