/*
 * cmd_rm.c -- `rlhf rm-train`: InstructGPT's reward model, trained on the
 * run's rankings and judged on held-out prompts beside the labellers' own
 * agreement (rlhf/reward_model.h).
 */
#include "rlhf/commands.h"

#include <stdio.h>

#include "cli.h"
#include "matmul.h"
#include "metrics.h"
#include "rlhf/gold.h"
#include "rlhf/labeller.h"
#include "rlhf/prefs.h"
#include "rlhf/reward_model.h"
#include "rlhf/run.h"
#include "util.h"

static const char rm_usage[] =
    "Usage: rlhf rm-train [options]\n"
    "The reward model: the run's SFT model with a scalar head, trained on labeller 0's\n"
    "rankings of the training prompts' samples (RUN/prefs_train.tsv, from `rlhf labels --run`),\n"
    "all K(K-1)/2 comparisons of a ranking in one batch element, loss -log sigma(r_w - r_l).\n"
    "Its bias is then set so that the demonstrations score 0 on average. Judged on the\n"
    "held-out prompts: its accuracy on labeller 0's comparisons beside how often labeller 1\n"
    "agrees with labeller 0 on the same pairs (InstructGPT: 72.4% vs 72.6%). Writes\n"
    "RUN/rm.ckpt and RUN/rm.ckpt.head; ends with RESULT ... acc= agreement=.\n"
    "\n"
    "  --run DIR        the run folder (default runs/rlhf/small)\n"
    "  --epochs N       passes over the rankings (default 4)\n"
    "  --rankings N     rankings per step (default 4)\n"
    "  --lr LR          AdamW's learning rate, decayed linearly to 0 (default 3e-4)\n"
    "  --seed N         the head's initialisation and the order of the rankings (default 1)\n"
    "  --threads N      (default 1)\n"
    "\n"
    "Example:  rlhf rm-train --run runs/rlhf/small\n";

static void read_prefs(const RlhfRun *run, const char *file, PrefSet *set) {
    char path[4096], err[512];
    rlhf_run_path(run, file, path, sizeof path);
    if (prefs_read(path, set, err, sizeof err)) die("%s\n(make the rankings with `rlhf labels --run %s`)", err, run->dir);
}

/* The share of the comparisons of a that b's rankings order the same way. */
static double agreement(const PrefSet *a, const PrefSet *b, long *pairs) {
    if (a->n != b->n) die("rm-train: the two labellers ranked %d and %d prompts", a->n, b->n);
    long same = 0;
    *pairs = 0;
    for (int i = 0; i < a->n; i++) {
        if (a->r[i].k != b->r[i].k) die("rm-train: the labellers' rankings of prompt %d differ in size", i + 1);
        same += ranking_agreement(a->r[i].rank, b->r[i].rank, a->r[i].k);
        *pairs += a->r[i].k * (a->r[i].k - 1) / 2;
    }
    return *pairs ? (double)same / *pairs : 0;
}

/* The accuracy of the gold reward itself on set's comparisons (ties half):
 * the ceiling the labellers' noise leaves any reward model. */
static double gold_accuracy(const RlhfRun *run, const PrefSet *set) {
    double right = 0;
    long pairs = 0;
    for (int i = 0; i < set->n; i++) {
        const PrefRanking *pr = &set->r[i];
        int p = instruct_find_prompt(&run->set, pr->prompt);
        if (p < 0) die("rm-train: the prompt '%s' is not in the run's task", pr->prompt);
        float gold[LABELLER_MAX_K];
        for (int j = 0; j < pr->k; j++) gold[j] = (float)gold_score(&run->set.world, &run->set.p[p], pr->responses[j]).total;
        double r;
        rm_ranking_loss(gold, pr->rank, pr->k, 0, NULL, &r);
        right += r;
        pairs += pr->k * (pr->k - 1) / 2;
    }
    return pairs ? right / pairs : 0;
}

int rlhf_cmd_rm_train(int argc, char **argv) {
    const char *dir = "runs/rlhf/small";
    RmConfig c;
    rm_defaults(&c);
    int threads = 1;
    const CliOption opts[] = {CLI_SEED(&c.seed), CLI_THREADS(&threads), CLI_LR_F(&c.lr),
                              CLI_OPT("run", CLI_STRING, &dir, 0, 0),
                              CLI_OPT("epochs", CLI_INT, &c.epochs, 1, 1000),
                              CLI_OPT("rankings", CLI_INT, &c.rankings, 1, 1024), CLI_END};
    if (cli_parse(&(CliSpec){.usage = rm_usage, .options = opts}, argc, argv) > 0)
        usage_error("rm-train: unexpected argument '%s'", argv[1]);
    set_threads(threads);
    RlhfRun run;
    rlhf_run_open(&run, dir);
    PrefSet train = {0}, heldout = {0}, heldout_b = {0};
    read_prefs(&run, "prefs_train.tsv", &train);
    read_prefs(&run, "prefs_heldout.tsv", &heldout);
    read_prefs(&run, "prefs_heldout_b.tsv", &heldout_b);
    Gpt sft;
    rlhf_run_load(&run, "sft", &sft);
    ScalarModel rm;
    scalar_model_from(&rm, &sft, c.rankings * LABELLER_MAX_K, run.T, c.seed);
    gpt_free(&sft);
    double t0 = now_seconds();
    double loss = rm_train(&rm, &c, &train, run.vocab, run.T);
    double seconds = now_seconds() - t0;
    double centre = rm_centre_on_demos(&rm, &run.set, 0, run.set.n_train, run.vocab, run.T);
    long pairs, pairs_train, pairs_b;
    double acc = rm_accuracy(&rm, &heldout, run.vocab, run.T, &pairs);
    double acc_train = rm_accuracy(&rm, &train, run.vocab, run.T, &pairs_train);
    double agree = agreement(&heldout, &heldout_b, &pairs_b), oracle = gold_accuracy(&run, &heldout);
    char path[4096], task[256];
    rlhf_run_path(&run, "rm.ckpt", path, sizeof path);
    task_config_text(&run.task, task, sizeof task);
    scalar_model_save(&rm, path, task);
    printf("reward model: held-out accuracy %.4f over %ld comparisons (labellers agree on %.4f; the gold reward "
           "itself scores %.4f); training %.4f; demonstrations scored %.3f before centring\n", acc, pairs, agree, oracle,
           acc_train, centre);
    result_begin("rlhf");
    result_str("task", "rm");
    result_int("seed", (long long)c.seed);
    result_int("rankings", train.n);
    result_int("epochs", c.epochs);
    result_num("loss", loss, 4);
    result_num("acc", acc, 4);
    result_num("agreement", agree, 4);
    result_num("acc_gold", oracle, 4);
    result_num("acc_train", acc_train, 4);
    result_int("pairs", pairs);
    result_num("train_s", seconds, 2);
    result_end();
    scalar_model_free(&rm);
    prefs_free(&train);
    prefs_free(&heldout);
    prefs_free(&heldout_b);
    rlhf_run_close(&run);
    return 0;
}
