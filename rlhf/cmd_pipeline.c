/*
 * cmd_pipeline.c -- `rlhf pipeline`: InstructGPT's steps in order over one
 * run folder, each the command a learner would type (rlhf/run.h), so the
 * chapter's table comes from one command. A step whose RESULT file is in
 * the folder is not run again: its saved RESULT line is printed instead.
 */
#include "rlhf/commands.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "metrics.h"
#include "rlhf/steps.h"
#include "util.h"

static const char pipeline_usage[] =
    "Usage: rlhf pipeline [options]\n"
    "Every step of part 2 in order, each the command shown, in one run folder:\n"
    "  sft          pretrain a small word-level GPT, fine-tune it on 30 demonstrations\n"
    "  labels       labellers rank 9 of its samples for each of the 1,800 training prompts\n"
    "  rm-train     the reward model on those rankings\n"
    "  ppo          PPO against it, KL penalty beta 0.02\n"
    "  ppo-ptx      the same with the pretraining loss mixed in\n"
    "  ppo-beta0    the same without the KL penalty: reward hacking\n"
    "  dpo          DPO on the same rankings\n"
    "  sft-large    a 7x larger GPT with SFT only, on the same demonstrations\n"
    "  compare      the small PPO policy against the large SFT model\n"
    "  ...-s2, -s3  PPO, PPO-ptx, PPO at beta 0 and DPO again from seeds 2 and 3\n"
    "then draws OUT/frontier.png (held-out gold reward against KL from the SFT model) and\n"
    "OUT/hacking_score.png, OUT/hacking_gold.png (the reward model's score and the gold\n"
    "reward along PPO, with and without the KL penalty). Each step's RESULT line is printed\n"
    "and kept in OUT/STEP.result; a step whose file is there is not run again (delete it to\n"
    "redo the step). About 10 minutes on one core.\n"
    "\n"
    "  --preset NAME    small (the only one so far)\n"
    "  --out DIR        (default runs/rlhf/small)\n"
    "  --threads N      (default 1)\n"
    "\n"
    "Example:  rlhf pipeline --preset small\n";

static const RlhfStep small_steps[] = {
    {"sft", rlhf_cmd_sft, STEP_ARGS("sft", "--out", "@", "--quiet")},
    {"labels", rlhf_cmd_labels, STEP_ARGS("labels", "--run", "@", "--k", "9")},
    {"rm-train", rlhf_cmd_rm_train, STEP_ARGS("rm-train", "--run", "@")},
    {"ppo", rlhf_cmd_ppo, STEP_ARGS("ppo", "--run", "@", "--quiet")},
    {"ppo-ptx", rlhf_cmd_ppo, STEP_ARGS("ppo", "--run", "@", "--ptx", "0.5", "--quiet")},
    {"ppo-beta0", rlhf_cmd_ppo, STEP_ARGS("ppo", "--run", "@", "--beta", "0", "--name", "ppo_beta0", "--quiet")},
    {"dpo", rlhf_cmd_dpo, STEP_ARGS("dpo", "--run", "@", "--quiet")},
    {"sft-large", rlhf_cmd_sft, STEP_ARGS("sft", "--out", "@/large", "--layers", "4", "--heads", "4", "--width", "128",
                                          "--pretrain-steps", "2000", "--quiet")},
    {"compare", rlhf_cmd_compare, STEP_ARGS("compare", "--run", "@", "--a", "ppo", "--b-run", "@/large", "--b", "sft")},
    /* one run of RL is one draw: the same four policies from seeds 2 and 3, over the same SFT model and rankings */
    {"ppo-s2", rlhf_cmd_ppo, STEP_ARGS("ppo", "--run", "@", "--seed", "2", "--name", "ppo_s2", "--quiet")},
    {"ppo-s3", rlhf_cmd_ppo, STEP_ARGS("ppo", "--run", "@", "--seed", "3", "--name", "ppo_s3", "--quiet")},
    {"ppo-ptx-s2", rlhf_cmd_ppo, STEP_ARGS("ppo", "--run", "@", "--seed", "2", "--ptx", "0.5", "--name", "ppo_ptx_s2",
                                           "--quiet")},
    {"ppo-ptx-s3", rlhf_cmd_ppo, STEP_ARGS("ppo", "--run", "@", "--seed", "3", "--ptx", "0.5", "--name", "ppo_ptx_s3",
                                           "--quiet")},
    {"ppo-beta0-s2", rlhf_cmd_ppo, STEP_ARGS("ppo", "--run", "@", "--seed", "2", "--beta", "0", "--name",
                                             "ppo_beta0_s2", "--quiet")},
    {"ppo-beta0-s3", rlhf_cmd_ppo, STEP_ARGS("ppo", "--run", "@", "--seed", "3", "--beta", "0", "--name",
                                             "ppo_beta0_s3", "--quiet")},
    {"dpo-s2", rlhf_cmd_dpo, STEP_ARGS("dpo", "--run", "@", "--seed", "2", "--name", "dpo_s2", "--quiet")},
    {"dpo-s3", rlhf_cmd_dpo, STEP_ARGS("dpo", "--run", "@", "--seed", "3", "--name", "dpo_s3", "--quiet")},
};
enum { N_STEPS = sizeof small_steps / sizeof *small_steps };

/* The figures: held-out gold against KL for every policy, and PPO with and
 * without the KL penalty along training. */
static void draw(const char *dir) {
    char png[4096], f[4][4096];
    const char *names[] = {"ppo", "ppo_ptx", "ppo_beta0", "dpo"};
    const char *tsvs[4];
    for (int i = 0; i < 4; i++) snprintf(f[i], sizeof f[i], "%s/%s/metrics.tsv", dir, names[i]), tsvs[i] = f[i];
    snprintf(png, sizeof png, "%s/frontier.png", dir);
    metrics_plot_curves(png, "held-out gold reward against KL from the SFT model", "gold_heldout", "kl", tsvs, 4);
    const char *hacking[] = {f[0], f[2]};
    snprintf(png, sizeof png, "%s/hacking_score.png", dir);
    metrics_plot_curves(png, "reward model score along PPO", "score", "iteration", hacking, 2);
    snprintf(png, sizeof png, "%s/hacking_gold.png", dir);
    metrics_plot_curves(png, "the gold reward of the same samples", "gold", "iteration", hacking, 2);
}

int rlhf_cmd_pipeline(int argc, char **argv) {
    const char *preset = "small", *dir = "runs/rlhf/small";
    int threads = 1;
    const CliOption opts[] = {CLI_THREADS(&threads), CLI_OUT(&dir), CLI_OPT("preset", CLI_STRING, &preset, 0, 0),
                              CLI_END};
    if (cli_parse(&(CliSpec){.usage = pipeline_usage, .options = opts}, argc, argv) > 0)
        usage_error("pipeline: unexpected argument '%s'", argv[1]);
    if (strcmp(preset, "small")) usage_error("pipeline: unknown --preset '%s' (small)", preset);
    make_dirs(dir);
    char threads_text[16];
    snprintf(threads_text, sizeof threads_text, "%d", threads);
    for (int i = 0; i < N_STEPS; i++) rlhf_step_run(&small_steps[i], dir, threads_text);
    draw(dir);
    printf("figures: %s/frontier.png, %s/hacking_score.png, %s/hacking_gold.png\n", dir, dir, dir);
    return 0;
}
