/* nnlm.c -- Bengio et al.'s (2003) neural language model. See nnlm.h. */
#include "word2vec/nnlm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "matmul.h"
#include "ops.h"
#include "rng.h"
#include "util.h"

#define NNLM_NUM_TENSORS 6
static const char *const nnlm_tensor_names[NNLM_NUM_TENSORS] = {"emb", "w1", "b1", "w2", "b2", "wd"};

/* Point every field of t into buf (values or grads) by the table's offsets. */
static void point_tensors(NnlmTensors *t, const ParamTable *pt, float *buf) {
    float **field[NNLM_NUM_TENSORS] = {&t->emb, &t->w1, &t->b1, &t->w2, &t->b2, &t->wd};
    for (int i = 0; i < NNLM_NUM_TENSORS; i++) {
        int k = params_find(pt, nnlm_tensor_names[i]);
        *field[i] = k < 0 ? NULL : buf + pt->info[k].offset;
    }
}

/* One buffer for every activation of B rows, the fields of a pointing into it. */
static void alloc_acts(Nnlm *m) {
    size_t B = (size_t)m->B, V = (size_t)m->cfg.V, H = (size_t)m->cfg.hidden, NC = (size_t)m->N * m->cfg.embed;
    NnlmActs *a = &m->a;
    /* the sizes, in the order of NnlmActs */
    size_t sizes[] = {B * NC, B * NC, B * NC, B * H, B * H, B * H, B * V, B * V,
                      B * NC, B * NC, B * H, B * H, B * H, B * V};
    float **ptrs[] = {&a->x,  &a->xd,   &a->xmask, &a->h,  &a->hd,    &a->hmask, &a->logits, &a->probs,
                      &a->dx, &a->demb, &a->dh,    &a->dtanh, &a->dhpre, &a->dlogits};
    size_t n = sizeof sizes / sizeof *sizes, total = 0;
    for (size_t i = 0; i < n; i++) total += sizes[i];
    m->act_memory = xcalloc(total, sizeof(float));
    float *p = m->act_memory;
    for (size_t i = 0; i < n; i++) {
        *ptrs[i] = p;
        p += sizes[i];
    }
}

void nnlm_build(Nnlm *m, const NnlmConfig *cfg, int B) {
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->N = cfg->order - 1;
    m->B = B;
    int V = cfg->V, C = cfg->embed, H = cfg->hidden, NC = m->N * C;
    if (!(cfg->dropout >= 0.0f && cfg->dropout < 1.0f)) die("nnlm: dropout %g is outside [0, 1)", cfg->dropout);
    if (m->N < 1 || V < 2 || C < 1 || H < 1 || B < 1) die("nnlm: bad configuration (order %d, V %d)", cfg->order, V);
    params_init(&m->pt);
    params_add(&m->pt, "emb", 2, V, C);
    params_add(&m->pt, "w1", 2, H, NC);
    params_add(&m->pt, "b1", 1, H);
    params_add(&m->pt, "w2", 2, V, H);
    params_add(&m->pt, "b2", 1, V);
    if (cfg->direct) params_add(&m->pt, "wd", 2, V, NC);
    params_alloc(&m->pt);
    point_tensors(&m->w, &m->pt, m->pt.values);
    point_tensors(&m->g, &m->pt, m->pt.grads);
    alloc_acts(m);
}

void nnlm_init(Nnlm *m, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed, 0);
    int V = m->cfg.V, C = m->cfg.embed, H = m->cfg.hidden, NC = m->N * C;
    const NnlmTensors *w = &m->w;
    rng_fill_normal(&r, w->emb, (size_t)V * C, 0.0f, 0.1f);
    float k1 = 1.0f / sqrtf((float)NC), k2 = 1.0f / sqrtf((float)H);
    rng_fill_uniform(&r, w->w1, (size_t)H * NC, -k1, k1);
    rng_fill_uniform(&r, w->w2, (size_t)V * H, -k2, k2);
    if (w->wd) rng_fill_uniform(&r, w->wd, (size_t)V * NC, -k1, k1);
    memset(w->b1, 0, (size_t)H * sizeof(float));
    memset(w->b2, 0, (size_t)V * sizeof(float));
}

void nnlm_free(Nnlm *m) {
    params_free(&m->pt);
    free(m->act_memory);
    memset(m, 0, sizeof *m);
}

/* What the layers above read: x and h themselves, or their dropped copies. */
static const float *layer_input(const Nnlm *m, const float *plain, const float *dropped) {
    return m->dropped ? dropped : plain;
}

double nnlm_forward(Nnlm *m, const int *ctx, const int *targets, int B, Rng *drop) {
    int V = m->cfg.V, C = m->cfg.embed, H = m->cfg.hidden, NC = m->N * C;
    float p = m->cfg.dropout;
    if (B > m->B) die("nnlm: batch of %d rows, built for %d", B, m->B);
    const NnlmTensors *w = &m->w;
    NnlmActs *a = &m->a;
    m->dropped = drop && p > 0.0f;
    /* x (B, N*C): the (B*N, C) rows of the lookup are already the concatenation */
    embedding_forward(a->x, ctx, w->emb, B * m->N, V, C);
    if (m->dropped) dropout_forward(a->xd, a->xmask, a->x, p, (size_t)B * NC, drop);
    const float *x = layer_input(m, a->x, a->xd);
    linear_forward(a->h, x, w->w1, w->b1, B, NC, H);               /* d + H x */
    tanh_forward(a->h, a->h, (size_t)B * H);
    if (m->dropped) dropout_forward(a->hd, a->hmask, a->h, p, (size_t)B * H, drop);
    linear_forward(a->logits, layer_input(m, a->h, a->hd), w->w2, w->b2, B, H, V);   /* b + U tanh(.) */
    if (w->wd) matmul(0, 1, B, V, NC, 1.0f, x, w->wd, 1.0f, a->logits);   /* + W x */
    return crossentropy_forward(a->probs, a->logits, targets, B, V, -1, 0.0f);
}

/* The forward list, reversed. */
void nnlm_backward(Nnlm *m, const int *ctx, const int *targets, int B) {
    int V = m->cfg.V, C = m->cfg.embed, H = m->cfg.hidden, NC = m->N * C;
    const NnlmTensors *w = &m->w, *g = &m->g;
    NnlmActs *a = &m->a;
    size_t nx = (size_t)B * NC, nh = (size_t)B * H;
    const float *x = layer_input(m, a->x, a->xd);
    /* without dropout the gradients of x and h are those of the layers' inputs */
    float *dtanh = m->dropped ? a->dtanh : a->dh, *demb = m->dropped ? a->demb : a->dx;
    memset(a->dlogits, 0, (size_t)B * V * sizeof(float));
    memset(a->dh, 0, nh * sizeof(float));
    memset(a->dtanh, 0, nh * sizeof(float));
    memset(a->dhpre, 0, nh * sizeof(float));
    memset(a->dx, 0, nx * sizeof(float));
    memset(a->demb, 0, nx * sizeof(float));
    crossentropy_backward(a->dlogits, a->probs, targets, B, V, -1, 0.0f, 1.0f);
    if (w->wd) {
        matmul(1, 0, V, NC, B, 1.0f, a->dlogits, x, 1.0f, g->wd);      /* dW += dy^T x */
        matmul(0, 0, B, NC, V, 1.0f, a->dlogits, w->wd, 1.0f, a->dx);  /* dx += dy W */
    }
    linear_backward(a->dh, g->w2, g->b2, a->dlogits, layer_input(m, a->h, a->hd), w->w2, B, H, V);
    if (m->dropped) dropout_backward(dtanh, a->dh, a->hmask, nh);
    tanh_backward(a->dhpre, dtanh, a->h, nh);
    linear_backward(a->dx, g->w1, g->b1, a->dhpre, x, w->w1, B, NC, H);
    if (m->dropped) dropout_backward(demb, a->dx, a->xmask, nx);
    embedding_backward(g->emb, demb, ctx, B * m->N, V, C);
}

void nnlm_config_text(const NnlmConfig *cfg, char *buf, int len) {
    snprintf(buf, (size_t)len, "V=%d\norder=%d\nembed=%d\nhidden=%d\ndirect=%d\ndropout=%.9g\n", cfg->V, cfg->order,
             cfg->embed, cfg->hidden, cfg->direct, (double)cfg->dropout);
}

void nnlm_config_parse(NnlmConfig *cfg, const char *text) {
    cfg->V = (int)config_long(text, "V", 0);
    cfg->order = (int)config_long(text, "order", 0);
    cfg->embed = (int)config_long(text, "embed", 0);
    cfg->hidden = (int)config_long(text, "hidden", 0);
    cfg->direct = (int)config_long(text, "direct", 0);
    cfg->dropout = (float)config_double(text, "dropout", 0.0);   /* absent in checkpoints from before dropout */
}

void nnlm_windows(int *ctx, int *targets, const int *ids, long n, int N, int bos, int eos) {
    long start = 0;   /* first token of the current sentence */
    for (long t = 0; t < n; t++) {
        for (int k = 0; k < N; k++) {
            long p = t - N + k;
            ctx[t * N + k] = p >= start ? ids[p] : bos;
        }
        targets[t] = ids[t];
        if (ids[t] == eos) start = t + 1;
    }
}
