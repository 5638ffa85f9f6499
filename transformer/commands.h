/*
 * commands.h -- the `transformer` command line: one function per command.
 *
 *     transformer/cmd_train.c      train   (its recipes: the presets there)
 *     transformer/cmd_eval.c       eval    (loss, perplexity, BLEU of a split)
 *     transformer/cmd_translate.c  translate, attention
 *     transformer/cmd_demo.c       demo    (the translation half; BERT's joins it)
 *
 * A command takes the arguments after its name (argv[0] is the name) and
 * returns the exit status; bad input dies with status 1, bad usage 2.
 */
#ifndef TRANSFORMER_COMMANDS_H
#define TRANSFORMER_COMMANDS_H

#include "transformer/train.h"

int tf_cmd_train(int argc, char **argv);
int tf_cmd_eval(int argc, char **argv);
int tf_cmd_translate(int argc, char **argv);
int tf_cmd_attention(int argc, char **argv);
int tf_cmd_average(int argc, char **argv);
int tf_cmd_demo(int argc, char **argv);

/* Apply the train preset NAME to a TfTrainOptions; 0 when unknown. */
int tf_train_preset(void *ctx, const char *name);
#define TF_TRAIN_PRESETS "dates, multi30k, bible"

/* Load the model of a run folder: DIR/best/ when training kept one (the
 * weights its test scores came from), else DIR itself. */
void tf_cli_load(TfModel *m, Vocab **src_v, Vocab **tgt_v, const char *dir);

/* Which attention maps tf_draw_attention draws. */
typedef enum { TF_MAP_ALL, TF_MAP_CROSS, TF_MAP_ENC, TF_MAP_DEC } TfMapKind;

/*
 * Translate sentence greedily and draw its attention weights into the folder
 * dir (made if missing): for each chosen kind and layer (layer 0: every
 * layer), one PNG of all the heads in a grid (head 0), or of head `head`
 * alone, named <kind>_layer<l>[_head<h>].png; kinds: cross (the decoder
 * reading the source: the alignment), enc (encoder self-attention), dec
 * (decoder self-attention, causal). Rows are always the tokens produced
 * (source tokens for enc). Returns 0 when every PNG was drawn,
 * HEATMAP_NO_GNUPLOT when only the data and scripts were written, -1 when
 * something could not be written; either said on stderr. *translation
 * (malloc'd) gets the output. Dies on a layer or head the model lacks.
 */
int tf_draw_attention(TfModel *m, const Vocab *src_v, const Vocab *tgt_v, const char *sentence, const char *dir,
                      TfMapKind kind, int layer, int head, int max_out, char **translation);

/* What every part of `transformer demo` is given. */
typedef struct {
    const char *out;          /* the runs and pictures go under it */
    int threads, quiet;
    unsigned long long seed;
} TfDemoOptions;

#endif
