/*
 * cmd_labels.c -- `rlhf labels`: the instruction task, K responses per
 * prompt, labellers calibrated to InstructGPT's agreement, their rankings as
 * preference files, and the agreement of two of them on held-out prompts.
 */
#include "rlhf/commands.h"

#include <stdio.h>

#include "cli.h"
#include "matmul.h"
#include "metrics.h"
#include "rlhf/labeller.h"
#include "rlhf/labels.h"
#include "util.h"

static const char labels_usage[] =
    "Usage: rlhf labels [options]\n"
    "Part 2's data: the built-in instruction task over a world of made-up people's facts\n"
    "(\"where does X live ?\", \"list two facts about X .\", \"continue : X speaks Greek .\"),\n"
    "K responses to every prompt (with --run, the run's SFT model's samples at temperature 1;\n"
    "without, the demonstrations with random edits, standing in for a model's samples),\n"
    "simulated labellers who rank them by a hidden gold reward plus\n"
    "noise calibrated so that two of them agree on the target share of pairs, and their\n"
    "rankings. Writes OUT/task.tsv, OUT/prefs_train.tsv, OUT/prefs_heldout.tsv (labeller 0)\n"
    "and OUT/prefs_heldout_b.tsv (labeller 1, the same responses) and ends\n"
    "with RESULT ... sigma= expected= agreement= (measured on the held-out prompts).\n"
    "\n"
    "  --subjects N     people in the world of facts, 3 prompts each (default 200)\n"
    "  --heldout F      the fraction of them whose prompts are held out (default 0.25)\n"
    "  --k N            responses ranked per prompt, 2..9 (default 4)\n"
    "  --agreement A    the labellers' target agreement (default 0.726, InstructGPT's)\n"
    "  --seed N         the world, the prompts, the responses, the labellers (default 1)\n"
    "  --out DIR        (default runs/rlhf/labels)\n"
    "  --threads N      (default 1)\n"
    "  --run DIR        rank the samples of DIR/sft.ckpt (rlhf sft --out DIR) on its task,\n"
    "                   into DIR (--subjects and --heldout come from the run)\n"
    "\n"
    "Example:  rlhf labels --k 4 --seed 1\n";

int rlhf_cmd_labels(int argc, char **argv) {
    LabelsConfig c;
    labels_defaults(&c);
    const char *out = "runs/rlhf/labels", *run_dir = NULL;
    int threads = 1;
    const CliOption opts[] = {CLI_SEED(&c.seed), CLI_OUT(&out), CLI_THREADS(&threads),
                              CLI_OPT("run", CLI_STRING, &run_dir, 0, 0),
                              CLI_OPT("subjects", CLI_INT, &c.subjects, 2, 1280),
                              CLI_OPT("heldout", CLI_DOUBLE, &c.heldout, 1e-6, 1 - 1e-6),
                              CLI_OPT("k", CLI_INT, &c.k, 2, LABELLER_MAX_K),
                              CLI_OPT("agreement", CLI_DOUBLE, &c.target, 0.5 + 1e-6, 1 - 1e-6), CLI_END};
    if (cli_parse(&(CliSpec){.usage = labels_usage, .options = opts}, argc, argv) > 0)
        usage_error("labels: unexpected argument '%s'", argv[1]);
    set_threads(threads);
    RlhfRun run;
    Gpt sft;
    if (run_dir) {
        rlhf_run_open(&run, run_dir);
        rlhf_run_load(&run, "sft", &sft);
        c.policy = &sft, c.run = &run, out = run_dir;
    }
    LabelsResult r = labels_run(&c, out);
    if (run_dir) {
        gpt_free(&sft);
        rlhf_run_close(&run);
    }
    fprintf(stderr, "rlhf: task and rankings in %s\n", out);
    result_begin("rlhf");
    result_str("task", "labels");
    result_str("responses", run_dir ? "sft" : "edited");
    result_int("seed", (long long)c.seed);
    result_int("prompts", r.train);
    result_int("heldout", r.heldout);
    result_int("k", c.k);
    result_num("sigma", r.sigma, 4);
    result_num("expected", r.expected, 4);
    result_num("agreement", r.agreement, 4);
    result_int("pairs", r.pairs);
    result_end();
    return 0;
}
