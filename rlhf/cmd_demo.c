/*
 * cmd_demo.c -- `rlhf demo`: the chapter in one command, section by section.
 * Part 1 is PPO learning to balance the pole on CartPole-v1 with cleanrl's
 * settings and budget; the InstructGPT pipeline at toy size will follow as
 * the next section of the same list.
 */
#include "rlhf/commands.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "matmul.h"
#include "util.h"

static const char demo_usage[] =
    "Usage: rlhf demo [options]\n"
    "Chapter 7's demo. PPO (cleanrl's settings) learns CartPole-v1: the mean return of\n"
    "the last 100 episodes every 10% of the run, the RESULT line, and the return curve in\n"
    "OUT/cartpole/return.png. About 6 seconds of CPU on one core.\n"
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

typedef struct {
    const char *title;
    void (*run)(const DemoOptions *o);
} DemoSection;

/* The chapter's sections, in order. */
static const DemoSection sections[] = {
    {"RL basics: PPO balances the pole", demo_cartpole},
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
