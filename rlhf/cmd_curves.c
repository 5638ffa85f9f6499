/*
 * cmd_curves.c -- `rlhf curves`: REINFORCE, A2C and PPO on CartPole-v1, each
 * over the same seeds and budget, and their learning curves (the return
 * against environment steps, averaged over the seeds) on one plot.
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

static const char curves_usage[] =
    "Usage: rlhf curves [options]\n"
    "Train each method on CartPole-v1 with each seed (every run as `rlhf cartpole --algo\n"
    "ALGO --seed S`, with that method's default settings), print each run's RESULT line,\n"
    "then one per method with the mean and standard deviation over the seeds, and draw\n"
    "OUT/curves.png: the return of the episodes that ended in each --bin steps, averaged\n"
    "over the seeds, against environment steps, one curve per method.\n"
    "\n"
    "  --algos LIST        comma-separated methods (default reinforce,a2c,ppo; also\n"
    "                      reinforce-baseline)\n"
    "  --seeds N           seeds 1..N (default 3)\n"
    "  --steps N           environment steps of each run (default 500000)\n"
    "  --bin N             steps per point of the curves (default 10000)\n"
    "  --out DIR           runs in DIR/ALGO-sSEED, curves in DIR/ALGO/metrics.tsv and\n"
    "                      DIR/curves.png (default runs/rlhf/curves)\n"
    "  --threads N --quiet\n"
    "\n"
    "Example:  rlhf curves --algos ppo,a2c --seeds 3 --steps 200000\n";

/* "reinforce,a2c" -> algos; returns how many. Dies (usage) on an unknown name. */
static int parse_algos(const char *list, RlAlgo *algos) {
    char *copy = xstrdup(list);
    int n = 0;
    for (char *save = NULL, *name = strtok_r(copy, ", ", &save); name; name = strtok_r(NULL, ", ", &save)) {
        int k = 0;
        while (rl_algo_names[k] && strcmp(rl_algo_names[k], name) != 0) k++;
        if (!rl_algo_names[k])
            usage_error("curves: unknown method '%s' in --algos (reinforce, reinforce-baseline, a2c, ppo)", name);
        if (n == RL_N_ALGOS) usage_error("curves: --algos names a method twice");
        for (int j = 0; j < n; j++)
            if (algos[j] == (RlAlgo)k) usage_error("curves: --algos names '%s' twice", name);
        algos[n++] = (RlAlgo)k;
    }
    free(copy);
    if (n == 0) usage_error("curves: --algos is empty");
    return n;
}

/*
 * One method's curve: at the end of each bin of `bin` steps, each seed's
 * mean return over the episodes that ended in the bin (the previous bin's
 * when none did), then the mean over the seeds, and their min and max.
 */
static void write_curve(const char *dir, CartpoleResult *runs, int seeds, long steps, long bin) {
    Metrics *m = metrics_create(dir, "step return return_min return_max");
    long *next = xcalloc((size_t)seeds, sizeof(long));
    double *last = xmalloc((size_t)seeds * sizeof(double));
    for (int s = 0; s < seeds; s++) last[s] = NAN;
    for (long end = bin; end - bin < steps; end += bin) {
        double sum = 0.0, lo = INFINITY, hi = -INFINITY;
        int have = 0;
        for (int s = 0; s < seeds; s++) {
            double total = 0.0;
            long count = 0;
            for (; next[s] < runs[s].episodes && runs[s].episode_step[next[s]] <= end; next[s]++, count++)
                total += runs[s].episode_return[next[s]];
            if (count) last[s] = total / count;
            if (isnan(last[s])) continue;
            sum += last[s], have++;
            lo = fmin(lo, last[s]), hi = fmax(hi, last[s]);
        }
        if (!have) continue;
        metrics_num(m, "step", (double)(end < steps ? end : steps));
        metrics_num(m, "return", sum / have);
        metrics_num(m, "return_min", lo);
        metrics_num(m, "return_max", hi);
        metrics_write(m);
    }
    metrics_close(m);
    free(next);
    free(last);
}

/* RESULT stage=rlhf task=cartpole-curves algo= seeds= steps= return= return_std= train_s= cpu_s= */
static void method_result(RlAlgo algo, const CartpoleResult *runs, int seeds) {
    double mean = 0.0, ss = 0.0, secs = 0.0, cpu = 0.0;
    for (int s = 0; s < seeds; s++) mean += runs[s].final_return, secs += runs[s].train_s, cpu += runs[s].cpu_s;
    mean /= seeds;
    for (int s = 0; s < seeds; s++) ss += (runs[s].final_return - mean) * (runs[s].final_return - mean);
    result_begin("rlhf");
    result_str("task", "cartpole-curves");
    result_str("algo", rl_algo_names[algo]);
    result_int("seeds", seeds);
    result_int("steps", runs[0].steps);
    result_num("return", mean, 2);
    result_num("return_std", seeds > 1 ? sqrt(ss / (seeds - 1)) : 0.0, 2);   /* across seeds, as cleanrl's +- */
    result_num("train_s", secs / seeds, 2);   /* per run, wall */
    result_num("cpu_s", cpu / seeds, 2);
    result_end();
}

int rlhf_cmd_curves(int argc, char **argv) {
    const char *algo_list = "reinforce,a2c,ppo", *out = "runs/rlhf/curves";
    int seeds = 3, threads = 1, quiet = 0;
    long steps = 500000, bin = 10000;
    const CliOption opts[] = {
        CLI_THREADS(&threads), CLI_OUT(&out), CLI_QUIET(&quiet), CLI_STEPS(&steps),
        CLI_OPT("algos", CLI_STRING, &algo_list, 0, 0),
        CLI_OPT("seeds", CLI_INT, &seeds, 1, 100),
        CLI_OPT("bin", CLI_LONG, &bin, 1, 1e12),
        CLI_END};
    if (cli_parse(&(CliSpec){.usage = curves_usage, .options = opts}, argc, argv) > 0)
        usage_error("curves: unexpected argument '%s'", argv[1]);
    if (steps == 0) usage_error("curves: --steps must be at least 1");
    RlAlgo algos[RL_N_ALGOS];
    int nalgos = parse_algos(algo_list, algos);
    set_threads(threads);
    CartpoleResult *runs = xcalloc((size_t)seeds, sizeof *runs);
    char **tsvs = xcalloc((size_t)nalgos, sizeof *tsvs);
    for (int a = 0; a < nalgos; a++) {
        for (int s = 0; s < seeds; s++) {
            CartpoleConfig cfg;
            cartpole_defaults(&cfg, algos[a]);
            cfg.seed = (unsigned long long)s + 1;
            cfg.steps = steps;
            char dir[1024];
            snprintf(dir, sizeof dir, "%s/%s-s%d", out, rl_algo_names[algos[a]], s + 1);
            cfg.out = dir;
            cfg.log = quiet ? NULL : stderr;
            runs[s] = cartpole_train(&cfg);
            rlhf_cartpole_result(&cfg, &runs[s]);
        }
        char dir[1024], tsv[1100];
        snprintf(dir, sizeof dir, "%s/%s", out, rl_algo_names[algos[a]]);
        write_curve(dir, runs, seeds, steps, bin);
        snprintf(tsv, sizeof tsv, "%s/metrics.tsv", dir);
        tsvs[a] = xstrdup(tsv);
        method_result(algos[a], runs, seeds);
        for (int s = 0; s < seeds; s++) cartpole_result_free(&runs[s]);
    }
    char png[1024], title[128];
    snprintf(png, sizeof png, "%s/curves.png", out);
    snprintf(title, sizeof title, "CartPole-v1: return per %ld steps, mean of %d seeds", bin, seeds);
    if (metrics_plot_curves(png, title, "return", "step", (const char *const *)tsvs, nalgos) && !quiet)
        fprintf(stderr, "rlhf: curves in %s\n", png);
    for (int a = 0; a < nalgos; a++) free(tsvs[a]);
    free(tsvs);
    free(runs);
    return 0;
}
