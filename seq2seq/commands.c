/* commands.c -- what several `seq2seq` commands share. See commands.h. */
#include "seq2seq/commands.h"

#include <stdlib.h>
#include <string.h>

#include "s2s_cli.h"
#include "util.h"

void s2s_cli_load(S2sModel *m, Vocab **src_v, Vocab **tgt_v, const char *dir) {
    char weights[4096];
    s2s_run_weights(weights, sizeof weights, dir, S2S_STAGE);
    s2s_load(m, src_v, tgt_v, weights, NULL, 0);
}

/* ------------------------------------- the model as common/s2s_cli.h sees it */

typedef struct {
    S2sModel m;
    S2sTranslator tr;   /* the last sentence's search (built per sentence: it sizes to the source) */
    int have_tr;
} System;

static double system_loss(void *model, const S2sPairs *p, int batch, long *tokens) {
    return s2s_eval_loss(&((System *)model)->m, p, batch, tokens);
}

static void system_decode(void *model, const S2sPairs *p, const Vocab *tgt_v, int K, float alpha, int max_out,
                          int batch, S2sScores *sc, char **hyps) {
    System *s = model;
    s2s_eval_decode(&s->m, p, 0, tgt_v, s->m.cfg.tokens, K, alpha, max_out, batch, sc, hyps);
}

static const BeamSearch *system_translate(void *model, const int *ids, int n, int K, int max_out, float alpha) {
    System *s = model;
    if (s->have_tr) s2s_translator_free(&s->tr);
    s2s_translator_build(&s->tr, &s->m, 1, n, K, max_out);
    s->have_tr = 1;
    int *src = (int *)ids;   /* s2s_translate reads the sources, never writes them */
    s2s_translate(&s->m, &s->tr, &src, &n, 1, alpha);
    return s->tr.bs;
}

static void system_free(void *model) {
    System *s = model;
    if (s->have_tr) s2s_translator_free(&s->tr);
    s2s_model_free(&s->m);
    free(s);
}

static void system_load(S2sSystem *sys, const char *dir) {
    System *s = xcalloc(1, sizeof *s);
    s2s_cli_load(&s->m, &sys->src_v, &sys->tgt_v, dir);
    sys->name = s2s_attention_name(s->m.cfg.dec.attn);
    sys->task = s->m.cfg.task;
    sys->tokens = s->m.cfg.tokens;
    sys->max_len = 0;
    sys->model = s;
    sys->eval_loss = system_loss;
    sys->eval_decode = system_decode;
    sys->translate = system_translate;
    sys->free = system_free;
}

static const S2sCliStage stage = { S2S_STAGE, "multi30k-bahdanau", system_load };

int s2s_cmd_eval(int argc, char **argv) { return s2s_cli_eval(&stage, argc, argv); }
int s2s_cmd_translate(int argc, char **argv) { return s2s_cli_translate(&stage, argc, argv); }
