/*
 * bert.c -- the BERT model: embeddings, the encoder stack, the MLM head and
 * the pooler, forward and backward (see bert.h).
 */
#include "transformer/bert.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "ops.h"
#include "transformer/model.h"
#include "util.h"

/* ============================================================ config */

void bert_config_text(const BertConfig *c, char *buf, size_t n) {
    snprintf(buf, n,
             "kind=bert\nn_bpe=%d\nvocab=%d\nmax_pos=%d\nd=%d\nheads=%d\nff=%d\nlayers=%d\ndropout=%g\nnsp=%d\n"
             "norm=%s\n",
             c->n_bpe, c->V, c->max_pos, c->C, c->NH, c->F, c->L, c->dropout, c->nsp, tf_norm_name(c->norm));
}

int bert_config_parse(const char *text, BertConfig *c, char *err, size_t errlen) {
    char kind[64], norm[16];
    if (config_string(text, "kind", kind, sizeof kind))
        return err_set(err, errlen, "its config names no kind of model (kind=bert expected)");
    if (strcmp(kind, "bert"))
        return err_set(err, errlen, "it holds a kind=%s model, not BERT (kind=bert)", kind);
    memset(c, 0, sizeof *c);
    c->n_bpe = (int)config_long(text, "n_bpe", -1);
    c->V = (int)config_long(text, "vocab", -1);
    c->max_pos = (int)config_long(text, "max_pos", -1);
    c->C = (int)config_long(text, "d", -1);
    c->NH = (int)config_long(text, "heads", -1);
    c->F = (int)config_long(text, "ff", -1);
    c->L = (int)config_long(text, "layers", -1);
    c->dropout = (float)config_double(text, "dropout", 0.1);
    c->nsp = (int)config_long(text, "nsp", 0);
    if (config_string(text, "norm", norm, sizeof norm) || tf_norm_parse(norm, &c->norm))
        return err_set(err, errlen, "its BERT config has no norm=post or norm=pre");
    if (c->n_bpe < 257 || c->V != c->n_bpe + BERT_N_SPECIAL || c->max_pos < 4 || c->C < 1 || c->NH < 1 ||
        c->F < 1 || c->L < 1 || c->C % c->NH)
        return err_set(err, errlen, "its BERT config is incomplete or inconsistent");
    return 0;
}

/* ============================================================ parameters */

static void bind(BertTensors *t, const ParamTable *pt, float *(*get)(const ParamTable *, const char *)) {
    t->tok = get(pt, "bert.tok");
    t->pos = get(pt, "bert.pos");
    t->seg = get(pt, "bert.seg");
    t->ln_w = get(pt, "bert.ln.w");
    t->ln_b = get(pt, "bert.ln.b");
    t->mlm_w = get(pt, "mlm.w");
    t->mlm_b = get(pt, "mlm.b");
    t->mlm_ln_w = get(pt, "mlm.ln.w");
    t->mlm_ln_b = get(pt, "mlm.ln.b");
    t->mlm_bias = get(pt, "mlm.bias");
    t->pool_w = get(pt, "pool.w");
    t->pool_b = get(pt, "pool.b");
    t->nsp_w = get(pt, "nsp.w");
    t->nsp_b = get(pt, "nsp.b");
}

static TfStackConfig stack_config(const BertConfig *c) {
    return (TfStackConfig){.L = c->L, .C = c->C, .NH = c->NH, .F = c->F, .cross = 0, .norm = c->norm,
                           .dropout = c->dropout};
}

void bert_build(Bert *m, const BertConfig *cfg) {
    if (cfg->V != cfg->n_bpe + BERT_N_SPECIAL || cfg->max_pos < 4 || cfg->C < 1 || cfg->dropout < 0 ||
        cfg->dropout >= 1)
        die("bad BERT config (V %d, n_bpe %d, max_pos %d, d %d, dropout %g)", cfg->V, cfg->n_bpe, cfg->max_pos,
            cfg->C, cfg->dropout);
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    int V = cfg->V, C = cfg->C;
    TfStackConfig sc = stack_config(cfg);
    ParamTable *pt = &m->pt;
    params_init(pt);
    params_add(pt, "bert.tok", 2, V, C);
    params_add(pt, "bert.pos", 2, cfg->max_pos, C);
    params_add(pt, "bert.seg", 2, 2, C);
    params_add(pt, "bert.ln.w", 1, C);
    params_add(pt, "bert.ln.b", 1, C);
    tf_stack_declare(pt, "bert.enc", &sc);
    params_add(pt, "mlm.w", 2, C, C);
    params_add(pt, "mlm.b", 1, C);
    params_add(pt, "mlm.ln.w", 1, C);
    params_add(pt, "mlm.ln.b", 1, C);
    params_add(pt, "mlm.bias", 1, V);
    params_add(pt, "pool.w", 2, C, C);
    params_add(pt, "pool.b", 1, C);
    params_add(pt, "nsp.w", 2, 2, C);
    params_add(pt, "nsp.b", 1, 2);
    params_alloc(pt);
    bind(&m->w, pt, params_get);
    bind(&m->g, pt, params_grad);
    tf_stack_bind(&m->enc, pt, "bert.enc", &sc);
}

void bert_free(Bert *m) { params_free(&m->pt); }

void bert_init(Bert *m, uint64_t seed) {
    const BertConfig *c = &m->cfg;
    size_t C = (size_t)c->C;
    Rng r;
    rng_seed(&r, seed, 11);
    memset(m->pt.values, 0, m->pt.total * sizeof(float));
    /* BERT's initializer_range 0.02 (a normal, not truncated) */
    rng_fill_normal(&r, m->w.tok, (size_t)c->V * C, 0.0f, 0.02f);
    rng_fill_normal(&r, m->w.pos, (size_t)c->max_pos * C, 0.0f, 0.02f);
    rng_fill_normal(&r, m->w.seg, 2 * C, 0.0f, 0.02f);
    rng_fill_normal(&r, m->w.mlm_w, C * C, 0.0f, 0.02f);
    rng_fill_normal(&r, m->w.pool_w, C * C, 0.0f, 0.02f);
    rng_fill_normal(&r, m->w.nsp_w, 2 * C, 0.0f, 0.02f);
    for (size_t i = 0; i < C; i++) m->w.ln_w[i] = m->w.mlm_ln_w[i] = 1.0f;
    tf_stack_init(&m->enc, &r);
}

/* ============================================================ activations */

struct BertActs {
    int Bmax, Tmax, Mmax, B, T, M;
    const int *ids, *seg, *rows;   /* the last forward's inputs (the caller's) */
    Rng rng;                        /* embedding dropout */
    TfStackActs *stack;
    /* embeddings */
    float *emb;        /* (B,T,C) Tok + Pos + Seg */
    float *x;          /* (B,T,C) Dropout(LayerNorm(emb)): the stack's input */
    float *ln_mean, *ln_rstd;   /* (B*T) */
    float *drop;       /* (B,T,C) its dropout mask */
    float *h, *dh, *dx;         /* (B,T,C) stack output, its gradient, the stack input's gradient */
    /* MLM head, on M <= B*T rows */
    float *mh, *mu, *mg, *mo;   /* (M,C) gathered h, dense, gelu, LayerNorm */
    float *m_mean, *m_rstd;     /* (M) */
    float *logits;              /* (M,V) */
    float *dmo, *dmg, *dmu, *dmh;   /* (M,C) */
    /* pooler */
    float *ph, *pu, *p, *dph, *dpu; /* (B,C) [CLS] states, dense, tanh, and gradients */
};

BertActs *bert_acts_build(const Bert *m, int B, int T, int Mmax, uint64_t seed) {
    const BertConfig *c = &m->cfg;
    if (B < 1 || T < 1 || T > c->max_pos || Mmax < 1) die("bert_acts_build: batch (%d, %d) (at most %d positions)", B, T, c->max_pos);
    BertActs *a = xcalloc(1, sizeof *a);
    a->Bmax = B;
    a->Tmax = T;
    a->Mmax = Mmax;
    size_t N = (size_t)B * T, C = (size_t)c->C;
    TfStackConfig sc = stack_config(c);
    a->stack = tf_stack_acts_build(&sc, B, T, 0, seed);
    rng_seed(&a->rng, seed, 12);
    a->emb = xcalloc(N * C, sizeof(float));
    a->x = xcalloc(N * C, sizeof(float));
    a->ln_mean = xcalloc(N, sizeof(float));
    a->ln_rstd = xcalloc(N, sizeof(float));
    a->drop = xcalloc(N * C, sizeof(float));
    a->h = xcalloc(N * C, sizeof(float));
    a->dh = xcalloc(N * C, sizeof(float));
    a->dx = xcalloc(N * C, sizeof(float));
    float **mc[] = {&a->mh, &a->mu, &a->mg, &a->mo, &a->dmo, &a->dmg, &a->dmu, &a->dmh};
    for (size_t i = 0; i < sizeof mc / sizeof *mc; i++) *mc[i] = xcalloc((size_t)Mmax * C, sizeof(float));
    a->m_mean = xcalloc((size_t)Mmax, sizeof(float));
    a->m_rstd = xcalloc((size_t)Mmax, sizeof(float));
    a->logits = xcalloc((size_t)Mmax * c->V, sizeof(float));
    float **pc[] = {&a->ph, &a->pu, &a->p, &a->dph, &a->dpu};
    for (size_t i = 0; i < sizeof pc / sizeof *pc; i++) *pc[i] = xcalloc((size_t)B * C, sizeof(float));
    return a;
}

void bert_acts_free(BertActs *a) {
    if (!a) return;
    tf_stack_acts_free(a->stack);
    float *all[] = {a->emb, a->x,   a->ln_mean, a->ln_rstd, a->drop,  a->h,   a->dh,  a->dx,
                    a->mh,  a->mu,  a->mg,      a->mo,      a->dmo,   a->dmg, a->dmu, a->dmh,
                    a->m_mean, a->m_rstd, a->logits, a->ph, a->pu, a->p, a->dph, a->dpu};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]);
    free(a);
}

/* ============================================================ forward */

const float *bert_forward(Bert *m, BertActs *a, const int *ids, const int *seg, const int *len, int B, int T,
                          int train) {
    const BertConfig *c = &m->cfg;
    int C = c->C;
    size_t N = (size_t)B * T;
    if (B > a->Bmax || T > a->Tmax) die("bert_forward: batch (%d, %d) over the buffers' (%d, %d)", B, T, a->Bmax, a->Tmax);
    a->B = B, a->T = T, a->ids = ids, a->seg = seg;
    /* e = Tok(x) + Pos(t) + Seg(s) */
    embedding_forward(a->emb, ids, m->w.tok, (int)N, c->V, C);
    for (size_t i = 0; i < N; i++) {
        const float *pos = m->w.pos + (size_t)(i % T) * C;
        if (seg[i] < 0 || seg[i] > 1) die("bert_forward: segment id %d (0 or 1)", seg[i]);
        const float *sg = m->w.seg + (size_t)seg[i] * C;
        float *e = a->emb + i * C;
        for (int k = 0; k < C; k++) e[k] += pos[k] + sg[k];
    }
    layernorm_forward(a->x, a->ln_mean, a->ln_rstd, a->emb, m->w.ln_w, m->w.ln_b, (int)N, C, BERT_LN_EPS);
    dropout_forward(a->x, a->drop, a->x, train ? c->dropout : 0.0f, N * C, &a->rng);
    tf_stack_forward(&m->enc, a->stack, a->h, a->x, len, NULL, NULL, B, T, 0, train);
    memset(a->dh, 0, N * C * sizeof(float));
    return a->h;
}

const float *bert_mlm_forward(Bert *m, BertActs *a, const int *rows, int M) {
    int C = m->cfg.C, V = m->cfg.V;
    if (M > a->Mmax) die("bert_mlm_forward: %d rows, the buffers hold %d", M, a->Mmax);
    a->rows = rows, a->M = M;
    for (int i = 0; i < M; i++) {
        if (rows[i] < 0 || rows[i] >= a->B * a->T) die("bert_mlm_forward: row %d outside the batch", rows[i]);
        memcpy(a->mh + (size_t)i * C, a->h + (size_t)rows[i] * C, (size_t)C * sizeof(float));
    }
    /* u = LayerNorm(gelu(h W_d^T + b_d)); logits = u Tok^T + b_V (the tied output) */
    linear_forward(a->mu, a->mh, m->w.mlm_w, m->w.mlm_b, M, C, C);
    gelu_forward(a->mg, a->mu, (size_t)M * C);
    layernorm_forward(a->mo, a->m_mean, a->m_rstd, a->mg, m->w.mlm_ln_w, m->w.mlm_ln_b, M, C, BERT_LN_EPS);
    linear_forward(a->logits, a->mo, m->w.tok, m->w.mlm_bias, M, C, V);
    return a->logits;
}

const float *bert_pool_forward(Bert *m, BertActs *a) {
    int C = m->cfg.C;
    for (int b = 0; b < a->B; b++)   /* [CLS] is position 0 */
        memcpy(a->ph + (size_t)b * C, a->h + (size_t)b * a->T * C, (size_t)C * sizeof(float));
    linear_forward(a->pu, a->ph, m->w.pool_w, m->w.pool_b, a->B, C, C);
    tanh_forward(a->p, a->pu, (size_t)a->B * C);
    return a->p;
}

/* ============================================================ backward */

void bert_mlm_backward(Bert *m, BertActs *a, const float *dlogits) {
    int C = m->cfg.C, V = m->cfg.V, M = a->M;
    size_t MC = (size_t)M * C;
    memset(a->dmo, 0, MC * sizeof(float));
    memset(a->dmg, 0, MC * sizeof(float));
    memset(a->dmu, 0, MC * sizeof(float));
    memset(a->dmh, 0, MC * sizeof(float));
    /* the same calls as bert_mlm_forward, in reverse */
    linear_backward(a->dmo, m->g.tok, m->g.mlm_bias, dlogits, a->mo, m->w.tok, M, C, V);
    layernorm_backward(a->dmg, m->g.mlm_ln_w, m->g.mlm_ln_b, a->dmo, a->mg, m->w.mlm_ln_w, a->m_mean, a->m_rstd, M,
                       C);
    gelu_backward(a->dmu, a->dmg, a->mu, MC);
    linear_backward(a->dmh, m->g.mlm_w, m->g.mlm_b, a->dmu, a->mh, m->w.mlm_w, M, C, C);
    for (int i = 0; i < M; i++) {
        float *d = a->dh + (size_t)a->rows[i] * C;
        const float *s = a->dmh + (size_t)i * C;
        for (int k = 0; k < C; k++) d[k] += s[k];
    }
}

void bert_pool_backward(Bert *m, BertActs *a, const float *dp) {
    int C = m->cfg.C, B = a->B;
    size_t BC = (size_t)B * C;
    memset(a->dpu, 0, BC * sizeof(float));
    memset(a->dph, 0, BC * sizeof(float));
    tanh_backward(a->dpu, dp, a->p, BC);
    linear_backward(a->dph, m->g.pool_w, m->g.pool_b, a->dpu, a->ph, m->w.pool_w, B, C, C);
    for (int b = 0; b < B; b++) {
        float *d = a->dh + (size_t)b * a->T * C;
        for (int k = 0; k < C; k++) d[k] += a->dph[(size_t)b * C + k];
    }
}

void bert_backward(Bert *m, BertActs *a) {
    const BertConfig *c = &m->cfg;
    int C = c->C, T = a->T;
    size_t N = (size_t)a->B * T, NC = N * C;
    memset(a->dx, 0, NC * sizeof(float));
    tf_stack_backward(&m->enc, a->stack, a->dx, NULL, a->dh);
    /* dh is free now: it takes the gradient of LayerNorm's output, dx then that of e */
    memset(a->dh, 0, NC * sizeof(float));
    dropout_backward(a->dh, a->dx, a->drop, NC);
    memset(a->dx, 0, NC * sizeof(float));
    layernorm_backward(a->dx, m->g.ln_w, m->g.ln_b, a->dh, a->emb, m->w.ln_w, a->ln_mean, a->ln_rstd, (int)N, C);
    embedding_backward(m->g.tok, a->dx, a->ids, (int)N, c->V, C);
    embedding_backward(m->g.seg, a->dx, a->seg, (int)N, 2, C);
    for (size_t i = 0; i < N; i++) {
        float *gp = m->g.pos + (size_t)(i % T) * C;
        const float *d = a->dx + i * C;
        for (int k = 0; k < C; k++) gp[k] += d[k];
    }
    memset(a->dh, 0, NC * sizeof(float));   /* ready for the next step's heads */
}

/* ============================================================ save / load */

void bert_save(const Bert *m, const BertTok *tok, const char *dir, long step) {
    char cfg[512], path[4096];
    make_dirs(dir);
    if (tok) bpe_save_gpt2(tok->bpe, dir);
    bert_config_text(&m->cfg, cfg, sizeof cfg);
    path_join(path, sizeof path, dir, "model.ckpt");
    checkpoint_save(path, BERT_STAGE, cfg, &m->pt, step, 0);
}

int bert_read(const char *dir, Bert *m, BertTok *tok, char *err, size_t errlen) {
    char path[4096], why[512];
    path_join(path, sizeof path, dir, "model.ckpt");
    CheckpointInfo ck;
    if (checkpoint_read(path, BERT_STAGE, &ck, why, sizeof why)) return err_set(err, errlen, "%s", why);
    BertConfig cfg;
    if (bert_config_parse(ck.config, &cfg, why, sizeof why)) {
        checkpoint_free(&ck);
        return err_set(err, errlen, "'%s': %s", path, why);
    }
    bert_build(m, &cfg);
    int rc = checkpoint_restore(&ck, &m->pt, why, sizeof why);
    checkpoint_free(&ck);
    if (rc) {
        bert_free(m);
        return err_set(err, errlen, "'%s': %s", path, why);
    }
    if (!tok) return 0;
    Bpe *bpe;
    if (bpe_read_gpt2(dir, &bpe, why, sizeof why)) {
        bert_free(m);
        return err_set(err, errlen, "the tokenizer of '%s': %s", dir, why);
    }
    if (bpe->vocab_size != cfg.n_bpe) {
        bpe_free(bpe);
        bert_free(m);
        return err_set(err, errlen, "'%s' has %d BPE tokens but the model expects %d", dir, bpe->vocab_size,
                       cfg.n_bpe);
    }
    bert_tok_wrap(tok, bpe);
    return 0;
}

void bert_load(const char *dir, Bert *m, BertTok *tok) {
    char err[1024];
    if (bert_read(dir, m, tok, err, sizeof err)) die("%s", err);
}
