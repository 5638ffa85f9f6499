/*
 * s2s_cli.h -- the commands both translation chapters share: `eval` and
 * `translate`, one implementation for chapter 4's RNNs (seq2seq/) and
 * chapter 5's Transformer (transformer/), so the two are run and scored by
 * the same code, with the same options, messages and RESULT fields.
 *
 * A chapter describes its trained model as an S2sSystem (its functions for
 * loss, decoding and translating one sentence) and passes a loader:
 *
 *     static void load(S2sSystem *sys, const char *dir) { ... fill sys ... }
 *     static const S2sCliStage stage = { "seq2seq", "multi30k-bahdanau", load };
 *     int s2s_cmd_eval(int argc, char **argv) { return s2s_cli_eval(&stage, argc, argv); }
 */
#ifndef NLP_S2S_CLI_H
#define NLP_S2S_CLI_H

#include <stddef.h>

#include "beam.h"
#include "s2s_tasks.h"

typedef struct {
    const char *name;         /* RESULT model=: "bahdanau", "none", "transformer" */
    const char *task;         /* the task it was trained on ("" when unknown) */
    S2sTokens tokens;         /* what its vocabularies hold */
    int max_len;              /* longest source, and target with BOS, it reads (0: any) */
    Vocab *src_v, *tgt_v;
    void *model;              /* the chapter's own model (and any state it keeps) */
    /* teacher-forced mean loss per target token of p; *tokens gets their count */
    double (*eval_loss)(void *model, const S2sPairs *p, int batch, long *tokens);
    /* decode every pair of p (beam K, 1 greedy) into hyps[i] (malloc'd) and score them */
    void (*eval_decode)(void *model, const S2sPairs *p, const Vocab *tgt_v, int K, float alpha, int max_out,
                        int batch, S2sScores *sc, char **hyps);
    /* beam-search the source ids[0..n); the returned search holds its
     * hypotheses until the next call */
    const BeamSearch *(*translate)(void *model, const int *ids, int n, int K, int max_out, float alpha);
    void (*free)(void *model);
} S2sSystem;

typedef struct {
    const char *stage;        /* "seq2seq" | "transformer": usage, messages, RESULT stage= */
    const char *example_run;  /* a preset's run folder under runs/STAGE/, for the usage's example */
    /* fill sys from a run folder (its best/ weights when present); dies on bad input */
    void (*load)(S2sSystem *sys, const char *dir);
} S2sCliStage;

/* `STAGE eval`: loss, perplexity, BLEU and exact match of a trained model on
 * a split (--by-length: BLEU by source length, Bahdanau et al.'s Figure 2). */
int s2s_cli_eval(const S2sCliStage *st, int argc, char **argv);
/* `STAGE translate`: each line of stdin translated to stdout (--nbest). */
int s2s_cli_translate(const S2sCliStage *st, int argc, char **argv);

/* The folder of a run's weights: DIR/best when it holds a checkpoint (the
 * best validation epoch's), else DIR. Dies (usage) when dir is NULL. */
void s2s_run_weights(char *out, size_t n, const char *dir, const char *stage);
/* Dies, naming the pair, when a source of p is longer than max_len tokens
 * or a target with BOS is (max_len 0: no limit). what names the split. */
void s2s_check_lengths(const S2sPairs *p, int max_len, const char *what);

#endif
