/*
 * commands.h -- the `seq2seq` command line: one function per command.
 *
 *     seq2seq/cmd_train.c      train   (its recipes: the presets there)
 *     seq2seq/cmd_eval.c       eval    (loss, perplexity, BLEU; by source length)
 *     seq2seq/cmd_translate.c  translate, attention
 *     seq2seq/cmd_bleu.c       bleu    (sacreBLEU's scores of text files)
 *     seq2seq/cmd_demo.c       demo
 *     seq2seq/cmd_bench.c      bench   (make bench's side of the speed comparison)
 *
 * A command takes the arguments after its name (argv[0] is the name) and
 * returns the exit status; bad input dies with status 1, bad usage 2.
 */
#ifndef SEQ2SEQ_COMMANDS_H
#define SEQ2SEQ_COMMANDS_H

#include "seq2seq/train.h"

int s2s_cmd_train(int argc, char **argv);
int s2s_cmd_eval(int argc, char **argv);
int s2s_cmd_translate(int argc, char **argv);
int s2s_cmd_attention(int argc, char **argv);
int s2s_cmd_bleu(int argc, char **argv);
int s2s_cmd_demo(int argc, char **argv);
int s2s_cmd_bench(int argc, char **argv);

/* Apply the train preset NAME to a S2sTrainOptions; 0 when unknown. */
int s2s_train_preset(void *ctx, const char *name);
#define S2S_TRAIN_PRESETS "dates, dates-noattn, multi30k-lstm, multi30k-cho, multi30k-bahdanau, bible-noattn, bible-bahdanau"

/* Load the model of a run folder: DIR/best/ when training kept one (the
 * weights its test scores came from), else DIR itself. */
void s2s_cli_load(S2sModel *m, Vocab **src_v, Vocab **tgt_v, const char *dir);
/* Translate sentence greedily and draw its attention map into png; returns
 * heatmap_png's code: 0 drawn, HEATMAP_NO_GNUPLOT (the data and script
 * written, no PNG), -1 when nothing could be written; either said on stderr. *translation
 * (malloc'd) gets the output. Dies when the model has no attention. */
int s2s_draw_attention(S2sModel *m, const Vocab *src_v, const Vocab *tgt_v, const char *sentence, const char *png,
                       int max_out, char **translation);

#endif
