/* nnlm.c -- Bengio et al.'s (2003) neural language model. See nnlm.h. */
#include "nnlm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "matmul.h"
#include "ops.h"
#include "rng.h"
#include "util.h"

void nnlm_build(Nnlm *m, const NnlmConfig *cfg, int B) {
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->N = cfg->order - 1;
    m->B = B;
    int V = cfg->V, C = cfg->embed, H = cfg->hidden, NC = m->N * C;
    if (m->N < 1 || V < 2 || C < 1 || H < 1 || B < 1) die("nnlm: bad configuration (order %d, V %d)", cfg->order, V);
    params_init(&m->pt);
    params_add(&m->pt, "emb", 2, V, C);
    params_add(&m->pt, "w1", 2, H, NC);
    params_add(&m->pt, "b1", 1, H);
    params_add(&m->pt, "w2", 2, V, H);
    params_add(&m->pt, "b2", 1, V);
    if (cfg->direct) params_add(&m->pt, "wd", 2, V, NC);
    params_alloc(&m->pt);
    m->emb = params_get(&m->pt, "emb");   m->demb = params_grad(&m->pt, "emb");
    m->w1 = params_get(&m->pt, "w1");     m->dw1 = params_grad(&m->pt, "w1");
    m->b1 = params_get(&m->pt, "b1");     m->db1 = params_grad(&m->pt, "b1");
    m->w2 = params_get(&m->pt, "w2");     m->dw2 = params_grad(&m->pt, "w2");
    m->b2 = params_get(&m->pt, "b2");     m->db2 = params_grad(&m->pt, "b2");
    if (cfg->direct) { m->wd = params_get(&m->pt, "wd"); m->dwd = params_grad(&m->pt, "wd"); }
    m->x = xmalloc((size_t)B * NC * sizeof(float));
    m->dx = xmalloc((size_t)B * NC * sizeof(float));
    m->h = xmalloc((size_t)B * H * sizeof(float));
    m->dh = xmalloc((size_t)B * H * sizeof(float));
    m->dhpre = xmalloc((size_t)B * H * sizeof(float));
    m->logits = xmalloc((size_t)B * V * sizeof(float));
    m->probs = xmalloc((size_t)B * V * sizeof(float));
    m->dlogits = xmalloc((size_t)B * V * sizeof(float));
}

void nnlm_init(Nnlm *m, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed, 0);
    int V = m->cfg.V, C = m->cfg.embed, H = m->cfg.hidden, NC = m->N * C;
    rng_fill_normal(&r, m->emb, (size_t)V * C, 0.0f, 0.1f);
    float k1 = 1.0f / sqrtf((float)NC), k2 = 1.0f / sqrtf((float)H);
    rng_fill_uniform(&r, m->w1, (size_t)H * NC, -k1, k1);
    rng_fill_uniform(&r, m->w2, (size_t)V * H, -k2, k2);
    if (m->wd) rng_fill_uniform(&r, m->wd, (size_t)V * NC, -k1, k1);
    memset(m->b1, 0, (size_t)H * sizeof(float));
    memset(m->b2, 0, (size_t)V * sizeof(float));
}

void nnlm_free(Nnlm *m) {
    params_free(&m->pt);
    free(m->x);
    free(m->dx);
    free(m->h);
    free(m->dh);
    free(m->dhpre);
    free(m->logits);
    free(m->probs);
    free(m->dlogits);
}

double nnlm_forward(Nnlm *m, const int *ctx, const int *targets, int B) {
    int V = m->cfg.V, C = m->cfg.embed, H = m->cfg.hidden, NC = m->N * C;
    if (B > m->B) die("nnlm: batch of %d rows, built for %d", B, m->B);
    /* x (B, N*C): the (B*N, C) rows of the lookup are already the concatenation */
    embedding_forward(m->x, ctx, m->emb, B * m->N, V, C);
    linear_forward(m->h, m->x, m->w1, m->b1, B, NC, H);            /* d + H x */
    tanh_forward(m->h, m->h, (size_t)B * H);
    linear_forward(m->logits, m->h, m->w2, m->b2, B, H, V);        /* b + U tanh(.) */
    if (m->wd) matmul(0, 1, B, V, NC, 1.0f, m->x, m->wd, 1.0f, m->logits);   /* + W x */
    return crossentropy_forward(m->probs, m->logits, targets, B, V, -1, 0.0f);
}

/* The forward list, reversed. */
void nnlm_backward(Nnlm *m, const int *ctx, const int *targets, int B) {
    int V = m->cfg.V, C = m->cfg.embed, H = m->cfg.hidden, NC = m->N * C;
    memset(m->dlogits, 0, (size_t)B * V * sizeof(float));
    memset(m->dh, 0, (size_t)B * H * sizeof(float));
    memset(m->dhpre, 0, (size_t)B * H * sizeof(float));
    memset(m->dx, 0, (size_t)B * NC * sizeof(float));
    crossentropy_backward(m->dlogits, m->probs, targets, B, V, -1, 0.0f, 1.0f);
    if (m->wd) {
        matmul(1, 0, V, NC, B, 1.0f, m->dlogits, m->x, 1.0f, m->dwd);   /* dW += dy^T x */
        matmul(0, 0, B, NC, V, 1.0f, m->dlogits, m->wd, 1.0f, m->dx);   /* dx += dy W */
    }
    linear_backward(m->dh, m->dw2, m->db2, m->dlogits, m->h, m->w2, B, H, V);
    tanh_backward(m->dhpre, m->dh, m->h, (size_t)B * H);
    linear_backward(m->dx, m->dw1, m->db1, m->dhpre, m->x, m->w1, B, NC, H);
    embedding_backward(m->demb, m->dx, ctx, B * m->N, V, C);
}

void nnlm_config_text(const NnlmConfig *cfg, char *buf, int len) {
    snprintf(buf, (size_t)len, "V=%d\norder=%d\nembed=%d\nhidden=%d\ndirect=%d\n", cfg->V, cfg->order, cfg->embed,
             cfg->hidden, cfg->direct);
}

void nnlm_config_parse(NnlmConfig *cfg, const char *text) {
    cfg->V = (int)config_long(text, "V", 0);
    cfg->order = (int)config_long(text, "order", 0);
    cfg->embed = (int)config_long(text, "embed", 0);
    cfg->hidden = (int)config_long(text, "hidden", 0);
    cfg->direct = (int)config_long(text, "direct", 0);
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
