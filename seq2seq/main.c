/*
 * main.c -- the seq2seq/ command line (Chapter 4: encoder-decoder and attention):
 *
 *     seq2seq train       train a translation model (presets: dates, Multi30k, Bible)
 *     seq2seq eval        loss, perplexity and BLEU of a model on a split
 *     seq2seq translate   stdin -> stdout, greedy or beam search
 *     seq2seq attention   a sentence's attention weights as a heat map (PNG)
 *     seq2seq bleu        sacreBLEU's BLEU (and chrF) of a hypothesis file
 *     seq2seq demo        dates with and without attention, then the Bible
 *     seq2seq bench       time training steps and beam search (make bench)
 *
 * This file only dispatches: each command lives in seq2seq/cmd_*.c.
 * Errors: bad input exits 1, bad usage 2 (DESIGN.md).
 */
#include "cli.h"
#include "matmul.h"
#include "seq2seq/commands.h"
#include "util.h"

static const CliCommand commands[] = {
    {"train", s2s_cmd_train, "train an encoder-decoder (--preset dates, multi30k-bahdanau, bible-bahdanau, ...)"},
    {"eval", s2s_cmd_eval, "loss, perplexity and BLEU of a trained model on a split (--by-length: per bucket)"},
    {"translate", s2s_cmd_translate, "translate stdin to stdout, one sentence per line (--beam K)"},
    {"attention", s2s_cmd_attention, "draw a sentence's attention weights as a heat map (PNG)"},
    {"bleu", s2s_cmd_bleu, "BLEU of a hypothesis file against reference files, exactly as sacreBLEU"},
    {"demo", s2s_cmd_demo, "dates with and without attention, side by side; then Bible verses"},
    {"bench", s2s_cmd_bench, "time a training step and beam search of the Multi30k Bahdanau model"},
};
enum { N_COMMANDS = sizeof commands / sizeof *commands };

int main(int argc, char **argv) {
    openmp_wait_passively(argv);
    util_set_prog("seq2seq");
    return cli_dispatch("seq2seq", "Chapter 4, encoder-decoder and attention: translation with recurrent networks.",
                        "seq2seq train --preset dates && "
                        "echo '9 may 2018' | seq2seq translate --model runs/seq2seq/dates",
                        commands, N_COMMANDS, argc, argv);
}
