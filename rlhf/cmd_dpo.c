/*
 * cmd_dpo.c -- `rlhf dpo`: the SFT policy trained directly on the
 * labellers' rankings (rlhf/dpo.h), judged by the gold reward.
 */
#include "rlhf/commands.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "matmul.h"
#include "metrics.h"
#include "rlhf/dpo.h"
#include "rlhf/evaluate.h"
#include "rlhf/run.h"
#include "util.h"

static const char dpo_usage[] =
    "Usage: rlhf dpo [options]\n"
    "Direct preference optimisation (Rafailov et al. 2023): the run's SFT model trained on\n"
    "labeller 0's rankings (RUN/prefs_train.tsv) with -log sigma(beta (log-ratio of the\n"
    "preferred - log-ratio of the rejected)), the SFT model as the reference: no reward model,\n"
    "no sampling. Writes RUN/dpo.ckpt and RUN/dpo/metrics.tsv and ends with\n"
    "RESULT ... kl= gold_heldout= winrate= (held-out, over SFT).\n"
    "\n"
    "  --run DIR         the run folder (default runs/rlhf/small)\n"
    "  --name NAME       the policy's name in the folder (default dpo)\n"
    "  --beta B          (default 0.5)\n"
    "  --epochs N        passes over the rankings (default 2)\n"
    "  --rankings N      rankings per step (default 4)\n"
    "  --lr LR           AdamW's learning rate, decayed linearly to 0 (default 1e-4)\n"
    "  --samples N       answers per held-out prompt for the win rate (default 4)\n"
    "  --seed N          (default 1)\n"
    "  --threads N       (default 1)\n"
    "  --quiet           no progress display\n"
    "\n"
    "Example:  rlhf dpo --run runs/rlhf/small --beta 0.1\n";

int rlhf_cmd_dpo(int argc, char **argv) {
    const char *dir = "runs/rlhf/small", *name = "dpo";
    DpoConfig c;
    dpo_defaults(&c);
    int threads = 1, samples = 4;
    const CliOption opts[] = {CLI_SEED(&c.seed), CLI_THREADS(&threads), CLI_QUIET(&c.quiet), CLI_LR_F(&c.lr),
                              CLI_OPT("run", CLI_STRING, &dir, 0, 0),
                              CLI_OPT("name", CLI_STRING, &name, 0, 0),
                              CLI_OPT("beta", CLI_FLOAT, &c.beta, 1e-6, 100),
                              CLI_OPT("epochs", CLI_INT, &c.epochs, 1, 1000),
                              CLI_OPT("rankings", CLI_INT, &c.rankings, 1, 1024),
                              CLI_OPT("samples", CLI_INT, &samples, 1, 1000), CLI_END};
    if (cli_parse(&(CliSpec){.usage = dpo_usage, .options = opts}, argc, argv) > 0)
        usage_error("dpo: unexpected argument '%s'", argv[1]);
    if (strchr(name, '/') || !*name) usage_error("dpo: --name '%s' must be a plain file name", name);
    set_threads(threads);
    RlhfRun run;
    rlhf_run_open(&run, dir);
    PrefSet train = {0};
    char path[4096], err[512];
    rlhf_run_path(&run, "prefs_train.tsv", path, sizeof path);
    if (prefs_read(path, &train, err, sizeof err)) die("%s\n(make the rankings with `rlhf labels --run %s`)", err, dir);
    Gpt policy, ref;
    rlhf_run_load(&run, "sft", &policy);
    rlhf_run_load(&run, "sft", &ref);
    rlhf_run_path(&run, name, path, sizeof path);
    Metrics *mt = metrics_create(path, DPO_COLUMNS);
    DpoResult r = dpo_train(&policy, &ref, &train, &run, &c, mt);
    metrics_close(mt);
    rlhf_run_save(&run, name, &policy);
    WinRate w = policy_winrate(&policy, &ref, &run, run.set.n_train, run.set.n, samples, 1.0f, c.seed);
    printf("%s: held-out greedy gold %.3f; wins %.3f of %ld sampled comparisons with SFT (gold %.3f vs %.3f); "
           "KL from SFT %.3f nats\n", name, r.gold_heldout, w.winrate, w.comparisons, w.gold_a, w.gold_b, r.kl);
    result_begin("rlhf");
    result_str("task", "dpo");
    result_str("name", name);
    result_int("seed", (long long)c.seed);
    result_num("beta", c.beta, 4);
    result_int("epochs", c.epochs);
    result_num("loss", r.loss, 4);
    result_num("acc", r.acc, 4);
    result_num("kl", r.kl, 4);
    result_num("gold_heldout", r.gold_heldout, 4);
    result_num("winrate", w.winrate, 4);
    result_num("train_s", r.seconds, 2);
    result_end();
    gpt_free(&policy);
    gpt_free(&ref);
    prefs_free(&train);
    rlhf_run_close(&run);
    return 0;
}
