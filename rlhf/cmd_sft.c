/*
 * cmd_sft.c -- `rlhf sft`: InstructGPT's first step at toy size, judged by
 * the gold reward on held-out prompts (rlhf/sft_run.h).
 */
#include "rlhf/commands.h"

#include <stdio.h>

#include "cli.h"
#include "matmul.h"
#include "metrics.h"
#include "rlhf/sft_run.h"
#include "util.h"

static const char sft_usage[] =
    "Usage: rlhf sft [options]\n"
    "Supervised fine-tuning on the built-in instruction task: a small word-level GPT is\n"
    "pretrained on the world's fact sentences, then fine-tuned on the training prompts'\n"
    "demonstrations with the loss on the response tokens only. Both models answer the\n"
    "held-out prompts (about people no training prompt mentions) greedily; the answers are\n"
    "scored by the hidden gold reward (0 to 7; a demonstration scores 7). Ends with\n"
    "RESULT ... gold_pre= gold_sft= (held-out means) loss_pre= loss_sft=.\n"
    "\n"
    "  --out DIR             the run folder: pretrained.ckpt, sft.ckpt and pretraining.bin\n"
    "                        (the text the alignment tax is measured on) go there, for\n"
    "                        the rest of the pipeline (default runs/rlhf/small)\n"
    "  --subjects N          people in the world, 3 prompts each (default 800)\n"
    "  --heldout F           the fraction of them held out (default 0.25)\n"
    "  --layers N --heads N --width N   the GPT (default 2, 2, 64)\n"
    "  --context N           positions per example (default 40)\n"
    "  --pretrain-steps N    (default 600)\n"
    "  --steps N             SFT steps (default 300)\n"
    "  --demos N             demonstrations to learn from, N training prompts spread evenly\n"
    "                        over the subjects, the others left to the labellers' rankings\n"
    "                        (default 30; 0: all). InstructGPT's labellers wrote fewer\n"
    "                        demonstrations than they ranked answers: rankings are cheaper\n"
    "  --batch N             SFT examples per step (default 16)\n"
    "  --lr LR               SFT's AdamW learning rate, decayed linearly to 0 (default 1e-3)\n"
    "  --seed N              (default 1)\n"
    "  --threads N           (default 1)\n"
    "  --quiet               no progress display\n"
    "\n"
    "Example:  rlhf sft --seed 1\n";

int rlhf_cmd_sft(int argc, char **argv) {
    SftRunConfig c;
    sft_run_defaults(&c);
    int threads = 1;
    const CliOption opts[] = {
        CLI_SEED(&c.seed), CLI_THREADS(&threads), CLI_QUIET(&c.quiet),
        CLI_OUT(&c.out),
        CLI_OPT("subjects", CLI_INT, &c.task.subjects, 2, 1280),
        CLI_OPT("heldout", CLI_DOUBLE, &c.task.heldout, 1e-6, 1 - 1e-6),
        CLI_OPT("layers", CLI_INT, &c.layers, 1, 64),
        CLI_OPT("heads", CLI_INT, &c.heads, 1, 64),
        CLI_OPT("width", CLI_INT, &c.width, 1, 4096),
        CLI_OPT("context", CLI_INT, &c.context, 4, 1024),
        CLI_OPT("pretrain-steps", CLI_LONG, &c.pretrain_steps, 1, 1e9),
        CLI_OPT("steps", CLI_LONG, &c.sft.steps, 1, 1e9),
        CLI_OPT("demos", CLI_INT, &c.demos, 0, 1 << 30),
        CLI_BATCH(&c.sft.batch),
        CLI_LR_F(&c.sft.lr),
        CLI_END};
    if (cli_parse(&(CliSpec){.usage = sft_usage, .options = opts}, argc, argv) > 0)
        usage_error("sft: unexpected argument '%s'", argv[1]);
    if (c.width % c.heads != 0) usage_error("sft: --width %d is not a multiple of --heads %d", c.width, c.heads);
    set_threads(threads);
    c.sft.seed = c.seed;
    c.task.seed = c.seed;
    SftRunResult r = sft_run(&c);
    for (int i = 0; i < SFT_SHOWN && i < r.heldout; i++)
        printf("%s\n  before SFT (gold %.2f): %s\n  after SFT  (gold %.2f): %s\n", r.prompt[i], r.gold_before[i],
               r.before[i], r.gold_after[i], r.after[i]);
    printf("held-out prompts: mean gold reward %.3f before SFT, %.3f after (of 7); training prompts after: %.3f\n",
           r.gold_pre, r.gold_sft, r.gold_sft_train);
    result_begin("rlhf");
    result_str("task", "sft");
    result_int("seed", (long long)c.seed);
    result_int("prompts", r.train);
    result_int("heldout", r.heldout);
    result_num("gold_pre", r.gold_pre, 3);
    result_num("gold_sft", r.gold_sft, 3);
    result_num("gold_sft_train", r.gold_sft_train, 3);
    result_num("loss_pre", r.loss_pre, 4);
    result_num("loss_sft", r.loss_sft, 4);
    result_num("pretrain_s", r.pretrain_s, 2);
    result_num("sft_s", r.sft_s, 2);
    result_end();
    return 0;
}
