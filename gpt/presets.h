/*
 * presets.h -- everything `gpt train` can be told, its defaults, and the
 * named recipes (--preset) that reproduce the chapter's results, like
 * nanoGPT's config files: a preset sets options, later flags override them.
 *
 *     shakespeare-char  nanoGPT's CPU recipe on Tiny Shakespeare's characters
 *     ptb               the word ladder's rung: Mikolov's Penn Treebank
 *     ptb-sst           PTB plus SST's unlabelled sentences, for `gpt finetune --task sst2`
 */
#ifndef NLP_GPT_PRESETS_H
#define NLP_GPT_PRESETS_H

#include "gpt/gpt.h"
#include "gpt/train.h"

typedef struct {
    GptConfig model;
    GptTrainConfig tc;
    const char *data, *val, *test, *vocab, *name, *out;
    const char *unlabelled;   /* "LABEL text" lines whose text joins the training text */
    int final_eval_iters, threads, words, min_count, eval_stride;
    int context;              /* --context: the model's and the windows' length (0: the preset's) */
    int resume;               /* continue the run in out from its ckpt.bin */
} GptTrainOptions;

/* nanoGPT's baby GPT (4 layers, 4 heads, 128 wide, context 64, batch 12) and
 * its training recipe: AdamW 1e-3 -> 1e-4 over 2000 steps. */
void gpt_train_defaults(GptTrainOptions *o);
/* Apply the recipe called name to the GptTrainOptions at ctx (cli.h's preset
 * callback); returns 0 when there is no such recipe. */
int gpt_train_preset(void *ctx, const char *name);
/* The recipes' names, for messages. */
#define GPT_TRAIN_PRESETS "shakespeare-char, ptb, ptb-sst"

#endif
