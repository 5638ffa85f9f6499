/* commands.c -- what several `transformer` commands share. See commands.h. */
#include "transformer/commands.h"

#include <stdio.h>
#include <stdlib.h>

#include "s2s_cli.h"
#include "util.h"

void tf_cli_load(TfModel *m, Vocab **src_v, Vocab **tgt_v, const char *dir) {
    char weights[4096];
    s2s_run_weights(weights, sizeof weights, dir, TF_STAGE);
    tf_load(m, src_v, tgt_v, weights, NULL, 0);
}

/* ------------------------------------- the model as common/s2s_cli.h sees it */

typedef struct {
    TfModel m;
    TfTranslator *tr;   /* built once, as long as the model reads, for the beam asked */
    int tr_K, tr_max_out;
} System;

static double system_loss(void *model, const S2sPairs *p, int batch, long *tokens) {
    return tf_eval_loss(&((System *)model)->m, p, batch, tokens);
}

static void system_decode(void *model, const S2sPairs *p, const Vocab *tgt_v, int K, float alpha, int max_out,
                          int batch, S2sScores *sc, char **hyps) {
    tf_eval_decode(&((System *)model)->m, p, 0, tgt_v, K, alpha, max_out, batch, sc, hyps);
}

static const BeamSearch *system_translate(void *model, const int *ids, int n, int K, int max_out, float alpha) {
    System *s = model;
    if (max_out > s->m.cfg.max_pos) max_out = s->m.cfg.max_pos;
    if (!s->tr || s->tr_K != K || s->tr_max_out != max_out) {
        if (s->tr) tf_translator_free(s->tr);
        s->tr = tf_translator_build(&s->m, 1, s->m.cfg.max_pos, K, max_out);
        s->tr_K = K, s->tr_max_out = max_out;
    }
    int *src = (int *)ids;   /* tf_translate reads the sources, never writes them */
    tf_translate(&s->m, s->tr, &src, &n, 1, alpha);
    return tf_translator_beam(s->tr);
}

static void system_free(void *model) {
    System *s = model;
    if (s->tr) tf_translator_free(s->tr);
    tf_model_free(&s->m);
    free(s);
}

static void system_load(S2sSystem *sys, const char *dir) {
    System *s = xcalloc(1, sizeof *s);
    tf_cli_load(&s->m, &sys->src_v, &sys->tgt_v, dir);
    sys->name = "transformer";
    sys->task = s->m.cfg.task;
    sys->tokens = s->m.cfg.tokens;
    sys->max_len = s->m.cfg.max_pos;
    sys->model = s;
    sys->eval_loss = system_loss;
    sys->eval_decode = system_decode;
    sys->translate = system_translate;
    sys->free = system_free;
}

static const S2sCliStage stage = { TF_STAGE, "multi30k", system_load };

int tf_cmd_eval(int argc, char **argv) { return s2s_cli_eval(&stage, argc, argv); }
int tf_cmd_translate(int argc, char **argv) { return s2s_cli_translate(&stage, argc, argv); }
