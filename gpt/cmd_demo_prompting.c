/*
 * cmd_demo_prompting.c -- `gpt demo-prompting`: the prompting half of
 * chapter 6 in a few minutes. A small GPT that has learned to learn in
 * context solves a cipher it never saw from four examples and fails with
 * none (gpt/icl.h); then a fact is traced, edited by ROME and queried again
 * (gpt/rome.h, through gpt_rome_demo).
 */
#include "gpt/commands.h"

#include <stdio.h>

#include "gpt/icl.h"
#include "matmul.h"
#include "util.h"

static const char demo_prompting_usage[] =
    "Usage: gpt demo-prompting [options]\n"
    "Chapter 6's prompting half: (1) in-context learning: a small GPT trained on letter\n"
    "ciphers and echo lines (the small preset of `gpt icl-train`, under two minutes) reads a\n"
    "cipher it has never seen off four examples, and fails with none; (2) ROME: a fact of\n"
    "the synthetic world is traced through the fact model, rewritten by a rank-one edit,\n"
    "and queried again through a paraphrase and a neighbour.\n"
    "\n"
    "  --icl-model FILE   a checkpoint of `gpt icl-train` instead of training the small one\n"
    "  --facts DIR        the fact model's folder (default runs/gpt/facts; trained there\n"
    "                     first when missing, 1-2 minutes)\n"
    "  --threads N\n"
    "\n"
    "Example:  gpt demo-prompting --icl-model runs/gpt/icl-large/ckpt.bin\n";

int gpt_cmd_demo_prompting(int argc, char **argv) {
    const char *icl_model = NULL, *facts = "runs/gpt/facts";
    int threads = 0;
    const CliOption opts[] = {
        CLI_THREADS(&threads),
        CLI_OPT("icl-model", CLI_STRING, &icl_model, 0, 0),
        CLI_OPT("facts", CLI_STRING, &facts, 0, 0),
        CLI_END};
    gpt_cli_parse(&(CliSpec){.usage = demo_prompting_usage, .options = opts}, argc, argv, 0);
    if (threads) set_threads(threads);

    printf("1. In-context learning (GPT-3, Brown et al. 2020): a task learned from its prompt alone\n\n");
    double t0 = now_seconds();
    icl_demo(icl_model, stdout);
    printf("(%.0f s)\n\n2. Locating and editing a fact (ROME, Meng et al. 2022)\n", now_seconds() - t0);
    fflush(stdout);
    t0 = now_seconds();
    gpt_rome_demo(facts);
    printf("(%.0f s)\n", now_seconds() - t0);
    return 0;
}
