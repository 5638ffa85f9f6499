/*
 * cmd_demo.c -- `rlhf demo`: the chapter in one command, section by section.
 * Part 1 is PPO learning to balance the pole on CartPole-v1 with cleanrl's
 * settings and budget; part 2 the InstructGPT pipeline at toy size (SFT,
 * labellers, reward model, PPO) and the same held-out prompts answered
 * before and after PPO, with their gold rewards.
 */
#include "rlhf/commands.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "matmul.h"
#include "rlhf/evaluate.h"
#include "rlhf/gold.h"
#include "rlhf/steps.h"
#include "util.h"

static const char demo_usage[] =
    "Usage: rlhf demo [options]\n"
    "Chapter 7's demo. 1. PPO (cleanrl's settings) learns CartPole-v1: the mean return of\n"
    "the last 100 episodes every 10% of the run, the RESULT line, and the return curve in\n"
    "OUT/cartpole/return.png. 2. InstructGPT at toy size in OUT/instruct: SFT on 30\n"
    "demonstrations, labellers' rankings, the reward model, PPO (each step's command and\n"
    "RESULT line; a step done by an earlier demo is reused), then held-out prompts answered\n"
    "by the SFT and PPO models with their gold rewards. About 2 minutes on one core.\n"
    "\n"
    "  --steps N       PPO's environment steps (default 500000, cleanrl's budget)\n"
    "  --seed N        (default 1)\n"
    "  --out DIR       (default runs/rlhf/demo)\n"
    "  --threads N     (default 1)\n";

typedef struct {
    const char *out;
    long steps;
    unsigned long long seed;
} DemoOptions;

/* Section 1: RL basics. PPO on CartPole, its progress on stdout. */
static void demo_cartpole(const DemoOptions *o) {
    CartpoleConfig cfg;
    cartpole_defaults(&cfg, RL_PPO);
    cfg.steps = o->steps;
    cfg.seed = o->seed;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/cartpole", o->out);
    cfg.out = dir;
    cfg.log = stdout;
    printf("PPO on CartPole-v1: 4 environments x 128 steps per update, GAE, 4 epochs x 4 minibatches,\n"
           "clip 0.2; 64-64 tanh actor and critic. A return of 500 means the pole stayed up for the\n"
           "whole episode; 475 over the last 100 episodes counts as solved.\n\n");
    CartpoleResult r = cartpole_train(&cfg);
    printf("\n%s after %ld steps and %ld episodes (%.1f s, %.0f steps/s): run in %s\n",
           r.final_return >= 475.0 ? "solved" : "not solved yet", r.steps, r.episodes, r.train_s, r.sps, dir);
    rlhf_cartpole_plots(dir);
    rlhf_cartpole_result(&cfg, &r);
    cartpole_result_free(&r);
}

/* Section 2: InstructGPT's three steps on the built-in task. */
static void demo_instruct(const DemoOptions *o) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/instruct", o->out);
    const RlhfStep steps[] = {
        {"sft", rlhf_cmd_sft, STEP_ARGS("sft", "--out", "@", "--quiet")},
        {"labels", rlhf_cmd_labels, STEP_ARGS("labels", "--run", "@", "--k", "9")},
        {"rm-train", rlhf_cmd_rm_train, STEP_ARGS("rm-train", "--run", "@")},
        {"ppo", rlhf_cmd_ppo, STEP_ARGS("ppo", "--run", "@", "--quiet")},
    };
    printf("A small word-level GPT pretrained on a world of made-up people's facts, fine-tuned on\n"
           "30 demonstrations; simulated labellers rank 9 of its answers to each of 1,800 prompts\n"
           "by a hidden gold reward (0 to 7) plus noise; a reward model learns their rankings; PPO\n"
           "optimises the policy against it. The gold reward judges, on prompts about people no\n"
           "training prompt mentions.\n\n");
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) rlhf_step_run(&steps[i], dir, "1");
    RlhfRun run;
    rlhf_run_open(&run, dir);
    Gpt sft, ppo;
    rlhf_run_load(&run, "sft", &sft);
    rlhf_run_load(&run, "ppo", &ppo);
    Answerer a, b;
    answerer_init(&a, &sft, run.T, 0);
    answerer_init(&b, &ppo, run.T, 0);
    printf("\nHeld-out prompts, greedy answers (gold reward of 7):\n");
    char before[ANSWER_LEN], after[ANSWER_LEN];
    for (int i = run.set.n_train; i < run.set.n_train + 6; i++) {
        const TaskPrompt *p = &run.set.p[i];
        policy_answer(&sft, &a, &run, i, 0, before, sizeof before);
        policy_answer(&ppo, &b, &run, i, 0, after, sizeof after);
        printf("%s\n  SFT (%.2f): %s\n  PPO (%.2f): %s\n", p->prompt, gold_score(&run.set.world, p, before).total,
               before, gold_score(&run.set.world, p, after).total, after);
    }
    answerer_free(&a);
    answerer_free(&b);
    gpt_free(&sft);
    gpt_free(&ppo);
    rlhf_run_close(&run);
}

typedef struct {
    const char *title;
    void (*run)(const DemoOptions *o);
} DemoSection;

/* The chapter's sections, in order. */
static const DemoSection sections[] = {
    {"RL basics: PPO balances the pole", demo_cartpole},
    {"InstructGPT at toy size: SFT, reward model, PPO", demo_instruct},
};
enum { N_SECTIONS = sizeof sections / sizeof *sections };

int rlhf_cmd_demo(int argc, char **argv) {
    DemoOptions o = {.out = "runs/rlhf/demo", .steps = 500000, .seed = 1};
    int threads = 1;
    const CliOption opts[] = {CLI_SEED(&o.seed), CLI_THREADS(&threads), CLI_OUT(&o.out), CLI_STEPS(&o.steps),
                              CLI_END};
    if (cli_parse(&(CliSpec){.usage = demo_usage, .options = opts}, argc, argv) > 0)
        usage_error("demo: unexpected argument '%s'", argv[1]);
    if (o.steps < 512) usage_error("demo: --steps must be at least 512 (one PPO update)");
    set_threads(threads);
    for (int i = 0; i < N_SECTIONS; i++) {
        printf("=== %d. %s\n\n", i + 1, sections[i].title);
        fflush(stdout);
        sections[i].run(&o);
    }
    return 0;
}
