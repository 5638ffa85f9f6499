/*
 * scalar_model.c -- a GPT trunk with a one-unit head: the reward and value
 * models. See scalar_model.h.
 */
#include "rlhf/scalar_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "gpt/train.h"
#include "util.h"

static void alloc_buffers(ScalarModel *s, int B, int T) {
    gpt_alloc_acts(&s->body, B, T);
    s->out = xmalloc((size_t)B * T * sizeof *s->out);
    s->dlnf = xmalloc((size_t)B * T * s->body.cfg.channels * sizeof *s->dlnf);
}

static void copy_gpt(Gpt *dst, const Gpt *src) {
    gpt_build(dst, &src->cfg);
    memcpy(dst->pt.values, src->pt.values, src->pt.total * sizeof(float));
}

void scalar_model_from(ScalarModel *s, const Gpt *src, int B, int T, unsigned long long seed) {
    copy_gpt(&s->body, src);
    gpt_class_head_init(&s->head, 1, src->cfg.channels, seed);
    alloc_buffers(s, B, T);
}

void scalar_model_copy(ScalarModel *s, const ScalarModel *src, int B, int T) {
    copy_gpt(&s->body, &src->body);
    gpt_class_head_init(&s->head, 1, src->body.cfg.channels, 0);
    memcpy(s->head.pt.values, src->head.pt.values, src->head.pt.total * sizeof(float));
    alloc_buffers(s, B, T);
}

void scalar_model_free(ScalarModel *s) {
    gpt_free(&s->body);
    gpt_class_head_free(&s->head);
    free(s->out);
    free(s->dlnf);
}

const float *scalar_model_forward(ScalarModel *s, const int *tokens, int B, int T) {
    int C = s->body.cfg.channels;
    gpt_forward(&s->body, tokens, NULL, B, T);
    for (int i = 0; i < B * T; i++) {
        const float *h = s->body.a.lnf + (size_t)i * C;
        float sum = s->head.b[0];
        for (int c = 0; c < C; c++) sum += h[c] * s->head.w[c];
        s->out[i] = sum;
    }
    return s->out;
}

void scalar_model_backward(ScalarModel *s, const float *dout) {
    int BT = s->body.cur_B * s->body.cur_T, C = s->body.cfg.channels;
    float *dw = params_grad(&s->head.pt, "clsw"), *db = params_grad(&s->head.pt, "clsb");
    for (int i = 0; i < BT; i++) {
        const float *h = s->body.a.lnf + (size_t)i * C;
        float *dh = s->dlnf + (size_t)i * C, g = dout[i];
        for (int c = 0; c < C; c++) {
            dh[c] = g * s->head.w[c];   /* ds/dh = w */
            dw[c] += g * h[c];
        }
        db[0] += g;
    }
    gpt_backward_final(&s->body, s->dlnf);
}

void scalar_model_tables(ScalarModel *s, ParamTable *pts[2]) {
    pts[0] = &s->body.pt;
    pts[1] = &s->head.pt;
}

/* path + ".head" into buf. */
static void head_path(char *buf, size_t n, const char *path) {
    if ((size_t)snprintf(buf, n, "%s.head", path) >= n) die("scalar model: the path '%s' is too long", path);
}

void scalar_model_save(const ScalarModel *s, const char *path, const char *extra_config) {
    char hp[4096];
    head_path(hp, sizeof hp, path);
    gpt_save_checkpoint(&s->body, path, extra_config, 0);
    checkpoint_save(hp, "rlhf", "head=scalar\n", &s->head.pt, 0, 0);
}

void scalar_model_load(ScalarModel *s, const char *path, int B, int T) {
    char hp[4096], err[512], *config = NULL;
    long step;
    gpt_load_any(path, &s->body, &config, &step);
    free(config);
    gpt_class_head_init(&s->head, 1, s->body.cfg.channels, 0);
    head_path(hp, sizeof hp, path);
    CheckpointInfo ck;
    if (checkpoint_read(hp, "rlhf", &ck, err, sizeof err) || checkpoint_restore(&ck, &s->head.pt, err, sizeof err))
        die("%s", err);
    checkpoint_free(&ck);
    alloc_buffers(s, B, T);
}
