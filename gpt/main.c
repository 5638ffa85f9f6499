/*
 * main.c -- the gpt/ command line (Chapter 6: generative pretraining):
 *
 *     gpt bpe-train   learn a byte-level BPE vocabulary on a corpus
 *     gpt encode      text -> token ids (printed, or an llm.c token file)
 *     gpt decode      token ids -> text
 *     gpt train       train a GPT from scratch (presets: nanoGPT's recipes)
 *     gpt eval        mean next-token loss over consecutive windows
 *     gpt sample      generate text with temperature, top-k, top-p, KV cache
 *     gpt finetune    GPT-1's fine-tuning of a classifier, vs from scratch
 *     gpt convert     our checkpoints <-> llm.c's model files
 *     gpt bench       time training steps and generation
 *     gpt demo        the chapter's demo on the Bible: BPE, then a small GPT
 *     gpt demo-prompting  the prompting half's demo: in-context learning, ROME
 *     gpt icl-train   a GPT that learns to learn in context (letter-string tasks)
 *     gpt icl-eval    GPT-3's Fig. 1.2: held-out accuracy against in-context examples
 *     gpt icl-heads   induction heads: prefix-matching scores, attention heat map
 *     gpt facts-train a GPT on a synthetic world of facts (for trace and edit)
 *     gpt trace       causal tracing of its facts: ROME's Figure 1 heat maps
 *     gpt edit        ROME's rank-one edits of facts, beside fine-tuning
 *     gpt cot-train   a small GPT on multi-digit sums, with or without rationales
 *     gpt cot-eval    its accuracy: direct, chain-of-thought, trigger, self-consistency
 *
 * This file only dispatches: each command lives in gpt/cmd_*.c (gpt/commands.h).
 * Errors: bad input exits 1, bad usage 2 (DESIGN.md).
 */
#include "gpt/commands.h"
#include "cli.h"
#include "dist.h"
#include "matmul.h"
#include "util.h"

static const CliCommand commands[] = {
    {"bpe-train", gpt_cmd_bpe_train, "learn a byte-level BPE vocabulary on a corpus (default: the Bible)"},
    {"encode", gpt_cmd_encode, "text -> token ids, whitespace-separated (or an llm.c token file)"},
    {"decode", gpt_cmd_decode, "token ids (text or llm.c token file) -> text"},
    {"train", gpt_cmd_train, "train a GPT from scratch (--preset shakespeare-char: nanoGPT's CPU recipe)"},
    {"eval", gpt_cmd_eval, "mean next-token loss of a model (ours or llm.c's) on a token stream"},
    {"sample", gpt_cmd_sample, "generate text (temperature, top-k, top-p, KV cache), streamed"},
    {"finetune", gpt_cmd_finetune, "GPT-1's fine-tuning: a classifier on a pretrained GPT, vs from scratch"},
    {"convert", gpt_cmd_convert, "our checkpoints <-> llm.c's GPT-2 model files"},
    {"bench", gpt_cmd_bench, "time training steps and KV-cache generation (baby and GPT-2 124M shapes)"},
    {"demo", gpt_cmd_demo, "BPE on the Bible, then a small GPT trained on it, sampled as it learns"},
    {"demo-prompting", gpt_cmd_demo_prompting, "the prompting half: in-context learning, then a fact traced and edited"},
    {"icl-train", gpt_cmd_icl_train, "a GPT on letter-string tasks, learning to learn in context (--preset small)"},
    {"icl-eval", gpt_cmd_icl_eval, "GPT-3's Fig. 1.2: held-out task accuracy against in-context examples"},
    {"icl-heads", gpt_cmd_icl_heads, "induction heads: prefix-matching scores and the best head's attention"},
    {"facts-train", gpt_cmd_facts_train, "train a GPT on a synthetic world of facts (subject, relation, object)"},
    {"trace", gpt_cmd_trace, "causal tracing of the fact model: where a fact lives (ROME's Figure 1)"},
    {"edit", gpt_cmd_edit, "ROME's rank-one edits of facts: efficacy, paraphrase, specificity, vs fine-tuning"},
    {"cot-train", gpt_cmd_cot_train, "chain of thought: a small GPT on multi-digit sums, with or without rationales"},
    {"cot-eval", gpt_cmd_cot_eval, "its accuracy with direct, chain-of-thought, trigger and self-consistency prompts"},
};
enum { N_COMMANDS = sizeof commands / sizeof *commands };

int main(int argc, char **argv) {
    openmp_wait_passively(argv);
    dist_init(&argc, &argv);   /* one of n ranks under mpirun (gpt/SCALING.md) */
    util_set_prog("gpt");
    return cli_dispatch("gpt", "Chapter 6, generative pretraining: GPT-2's byte-level BPE and the GPT model.",
                        "echo 'Hello world' | gpt encode --vocab $NLP_DATA_DIR/gpt2",
                        commands, N_COMMANDS, argc, argv);
}
