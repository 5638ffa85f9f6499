/*
 * main.c -- the transformer/ command line (Chapter 5: attention is all you need):
 *
 *     transformer train       train an encoder-decoder Transformer (presets: dates, Multi30k, Bible)
 *     transformer eval        loss, perplexity and BLEU of a model on a split
 *     transformer translate   stdin -> stdout, greedy or beam search
 *     transformer attention   a sentence's attention heads, every layer, as heat maps
 *     transformer average     the mean of several checkpoints' weights (Vaswani et al. sec. 6.1)
 *     transformer bert-pretrain, bert-finetune, cloze, bert-vectors   BERT (transformer/cmd_bert.c)
 *     transformer demo        the chapter in a couple of minutes
 *     transformer bench       time training steps and decoding (make bench)
 *
 * This file only dispatches: each command lives in transformer/cmd_*.c.
 * Errors: bad input exits 1, bad usage 2 (DESIGN.md).
 */
#include "cli.h"
#include "matmul.h"
#include "transformer/bench.h"
#include "transformer/commands.h"
#include "transformer/commands_bert.h"
#include "util.h"

static const CliCommand commands[] = {
    /* the encoder-decoder on chapter 4's translation tasks */
    {"train", tf_cmd_train, "train a Transformer encoder-decoder (--preset dates, multi30k, bible)"},
    {"eval", tf_cmd_eval, "loss, perplexity and BLEU of a trained model on a split"},
    {"translate", tf_cmd_translate, "translate stdin to stdout, one sentence per line (--beam K)"},
    {"attention", tf_cmd_attention, "draw a sentence's attention heads, every layer, as heat maps (PNG)"},
    {"average", tf_cmd_average, "average the weights of checkpoints of one run into a new model folder"},
    /* BERT: masked-LM pretraining, fine-tuning and cloze prompts */
    {"bert-pretrain", tf_cmd_bert_pretrain, "pretrain a BERT with the masked LM (and NSP) (--preset tiny, demo)"},
    {"bert-finetune", tf_cmd_bert_finetune, "a classifier on [CLS], pretrained vs from scratch (--preset sst2, mr)"},
    {"cloze", tf_cmd_cloze, "\"SENTENCE it was [MASK] .\": zero-shot and 16-shot prompts vs a head (SST-2)"},
    {"bert-vectors", tf_cmd_bert_vectors, "contextual vectors: \"flies\" in two sentences, and its neighbours"},
    /* the whole chapter */
    {"demo", tf_cmd_demo, "a Transformer learns the dates of chapter 4; its attention heads drawn"},
    {"bench", tf_cmd_bench, "time a training step and greedy/beam decoding of the Multi30k Transformer (make bench)"},
};
enum { N_COMMANDS = sizeof commands / sizeof *commands };

int main(int argc, char **argv) {
    openmp_wait_passively(argv);
    util_set_prog(TF_STAGE);
    return cli_dispatch(TF_STAGE, "Chapter 5, attention is all you need: the Transformer.",
                        "transformer train --preset dates && "
                        "echo '9 may 2018' | transformer translate --model runs/transformer/dates",
                        commands, N_COMMANDS, argc, argv);
}
