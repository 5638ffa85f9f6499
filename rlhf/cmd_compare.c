/*
 * cmd_compare.c -- `rlhf compare`: two policies of the pipeline answer the
 * held-out prompts, judged by the gold reward (rlhf/evaluate.h).
 */
#include "rlhf/commands.h"

#include <stdio.h>

#include "cli.h"
#include "matmul.h"
#include "metrics.h"
#include "rlhf/evaluate.h"
#include "rlhf/run.h"
#include "util.h"

static const char compare_usage[] =
    "Usage: rlhf compare [options]\n"
    "Two policies answer the held-out prompts. For each: the mean of every gold criterion\n"
    "over its greedy answers; then the win rate of A over B, sampled answers at temperature 1\n"
    "compared by the gold reward (a labeller without noise; ties count half), InstructGPT's\n"
    "headline measure. B may come from another run folder on the same task (a larger\n"
    "model's SFT, say). Ends with RESULT ... winrate= gold_a= gold_b=.\n"
    "\n"
    "  --run DIR        the run folder of A (default runs/rlhf/small)\n"
    "  --a NAME         policy A, DIR/NAME.ckpt (default ppo)\n"
    "  --b NAME         policy B (default sft)\n"
    "  --b-run DIR      B's run folder (default: A's)\n"
    "  --samples N      sampled answers per prompt and policy (default 4)\n"
    "  --seed N         (default 1)\n"
    "  --threads N      (default 1)\n"
    "\n"
    "Example:  rlhf compare --a ppo --b sft\n";

static void print_criteria(const char *name, const GoldScore *g) {
    printf("%-12s", name);
    for (int c = 0; c < GOLD_CRITERIA; c++) printf("  %s %.3f", gold_criterion_names[c], g->c[c]);
    printf("  gold %.3f of %.0f\n", g->total, gold_max());
}

int rlhf_cmd_compare(int argc, char **argv) {
    const char *dir = "runs/rlhf/small", *b_dir = NULL, *a_name = "ppo", *b_name = "sft";
    int threads = 1, samples = 4;
    unsigned long long seed = 1;
    const CliOption opts[] = {CLI_SEED(&seed), CLI_THREADS(&threads), CLI_OPT("run", CLI_STRING, &dir, 0, 0),
                              CLI_OPT("b-run", CLI_STRING, &b_dir, 0, 0), CLI_OPT("a", CLI_STRING, &a_name, 0, 0),
                              CLI_OPT("b", CLI_STRING, &b_name, 0, 0),
                              CLI_OPT("samples", CLI_INT, &samples, 1, 1000), CLI_END};
    if (cli_parse(&(CliSpec){.usage = compare_usage, .options = opts}, argc, argv) > 0)
        usage_error("compare: unexpected argument '%s'", argv[1]);
    set_threads(threads);
    RlhfRun run, b_run;
    rlhf_run_open(&run, dir);
    rlhf_run_open(&b_run, b_dir ? b_dir : dir);
    if (b_run.task.subjects != run.task.subjects || b_run.task.heldout != run.task.heldout ||
        b_run.task.seed != run.task.seed)
        die("compare: %s and %s were trained on different tasks", dir, b_run.dir);
    Gpt a, b;
    rlhf_run_load(&run, a_name, &a);
    rlhf_run_load(&b_run, b_name, &b);
    int from = run.set.n_train, to = run.set.n;
    GoldScore ga = policy_gold_criteria(&a, &run, from, to), gb = policy_gold_criteria(&b, &run, from, to);
    printf("greedy answers to the %d held-out prompts, each gold criterion's mean:\n", to - from);
    print_criteria(a_name, &ga);
    print_criteria(b_name, &gb);
    WinRate w = policy_winrate(&a, &b, &run, from, to, samples, 1.0f, seed);
    printf("%s (%zu parameters) wins %.3f of %ld sampled comparisons with %s (%zu parameters)\n", a_name,
           a.pt.total, w.winrate, w.comparisons, b_name, b.pt.total);
    result_begin("rlhf");
    result_str("task", "compare");
    result_str("a", a_name);
    result_str("b", b_name);
    result_int("params_a", (long long)a.pt.total);
    result_int("params_b", (long long)b.pt.total);
    result_num("winrate", w.winrate, 4);
    result_num("gold_a", ga.total, 4);
    result_num("gold_b", gb.total, 4);
    result_int("comparisons", w.comparisons);
    result_end();
    gpt_free(&a);
    gpt_free(&b);
    rlhf_run_close(&run);
    rlhf_run_close(&b_run);
    return 0;
}
