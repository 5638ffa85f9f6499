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
#include <stdio.h>
#include <string.h>

#include "matmul.h"
#include "seq2seq/commands.h"
#include "util.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"train", s2s_cmd_train, "train an encoder-decoder (--preset dates, multi30k-bahdanau, bible-bahdanau, ...)"},
    {"eval", s2s_cmd_eval, "loss, perplexity and BLEU of a trained model on a split (--by-length: per bucket)"},
    {"translate", s2s_cmd_translate, "translate stdin to stdout, one sentence per line (--beam K)"},
    {"attention", s2s_cmd_attention, "draw a sentence's attention weights as a heat map (PNG)"},
    {"bleu", s2s_cmd_bleu, "BLEU of a hypothesis file against reference files, exactly as sacreBLEU"},
    {"demo", s2s_cmd_demo, "dates with and without attention, side by side; then Bible verses"},
    {"bench", s2s_cmd_bench, "time a training step and beam search of the Multi30k Bahdanau model"},
};
enum { N_COMMANDS = sizeof commands / sizeof *commands };

static void usage(FILE *f) {
    fputs("Usage: seq2seq COMMAND [options]   (seq2seq COMMAND --help for each)\n"
          "Chapter 4, encoder-decoder and attention: translation with recurrent networks.\n\n", f);
    for (int i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
    fputs("\nExample:  seq2seq train --preset dates && echo '9 may 2018' | seq2seq translate --model runs/seq2seq/dates\n",
          f);
}

int main(int argc, char **argv) {
    openmp_wait_passively(argv);
    util_set_prog("seq2seq");
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    for (int i = 0; i < N_COMMANDS; i++)
        if (!strcmp(cmd, commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    char names[256] = "";
    for (int i = 0; i < N_COMMANDS; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", commands[i].name);
    usage_error("unknown command '%s' (%s)", cmd, names);
}
