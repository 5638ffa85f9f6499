/* lm.c -- recurrent language models: forward and backward. See lm.h. */
#include "rnn/lm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "ops.h"
#include "util.h"

/* ------------------------------------------------------------ parameters */

/* Point every field of t at its tensor: get is params_get (the values) or
 * params_grad (the gradients). */
static void point_tensors(RnnLmTensors *t, const ParamTable *pt, int L,
                          float *(*get)(const ParamTable *, const char *)) {
    char name[PARAM_NAME_MAX];
    t->wte = get(pt, "wte");
    for (int l = 0; l < L; l++) {
        snprintf(name, sizeof name, "l%d.w_ih", l); t->w_ih[l] = get(pt, name);
        snprintf(name, sizeof name, "l%d.w_hh", l); t->w_hh[l] = get(pt, name);
        snprintf(name, sizeof name, "l%d.b_ih", l); t->b_ih[l] = get(pt, name);
        snprintf(name, sizeof name, "l%d.b_hh", l); t->b_hh[l] = get(pt, name);
    }
    t->w_out = get(pt, "w_out");
    t->b_out = get(pt, "b_out");
}

void rnn_lm_build(RnnLm *m, const RnnLmConfig *cfg) {
    if (cfg->V < 1 || cfg->E < 1 || cfg->H < 1) die("lm: vocabulary, embedding and hidden sizes must be positive");
    if (cfg->L < 1 || cfg->L > RNN_LM_MAX_LAYERS) die("lm: layers must be in 1..%d (got %d)", RNN_LM_MAX_LAYERS, cfg->L);
    if (!(cfg->dropout >= 0.0f && cfg->dropout < 1.0f)) die("lm: dropout must be in [0, 1)");
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    int GH = rnn_gates(cfg->kind) * cfg->H;
    char name[PARAM_NAME_MAX];
    params_init(&m->pt);
    params_add(&m->pt, "wte", 2, cfg->V, cfg->E);
    for (int l = 0; l < cfg->L; l++) {
        int I = l == 0 ? cfg->E : cfg->H;
        snprintf(name, sizeof name, "l%d.w_ih", l); params_add(&m->pt, name, 2, GH, I);
        snprintf(name, sizeof name, "l%d.w_hh", l); params_add(&m->pt, name, 2, GH, cfg->H);
        snprintf(name, sizeof name, "l%d.b_ih", l); params_add(&m->pt, name, 1, GH);
        snprintf(name, sizeof name, "l%d.b_hh", l); params_add(&m->pt, name, 1, GH);
    }
    params_add(&m->pt, "w_out", 2, cfg->V, cfg->H);
    params_add(&m->pt, "b_out", 1, cfg->V);
    params_alloc(&m->pt);
    point_tensors(&m->w, &m->pt, cfg->L, params_get);
    point_tensors(&m->g, &m->pt, cfg->L, params_grad);
}

void rnn_lm_free(RnnLm *m) { params_free(&m->pt); }

void rnn_lm_init_uniform(RnnLm *m, float range, Rng *rng) {
    rng_fill_uniform(rng, m->pt.values, m->pt.total, -range, range);
}

void rnn_lm_config_text(const RnnLmConfig *cfg, char *buf, size_t n) {
    snprintf(buf, n, "kind=%d\nvocab=%d\nemb=%d\nhidden=%d\nlayers=%d\ndropout=%.6f\n",
             (int)cfg->kind, cfg->V, cfg->E, cfg->H, cfg->L, cfg->dropout);
}

int rnn_lm_config_parse(const char *text, RnnLmConfig *cfg) {
    long kind = config_long(text, "kind", -1);
    if (kind < 0 || kind > 2) return -1;
    cfg->kind = (RnnKind)kind;
    cfg->V = (int)config_long(text, "vocab", 0);
    cfg->E = (int)config_long(text, "emb", 0);
    cfg->H = (int)config_long(text, "hidden", 0);
    cfg->L = (int)config_long(text, "layers", 0);
    cfg->dropout = (float)config_double(text, "dropout", 0.0);
    if (cfg->V < 1 || cfg->E < 1 || cfg->H < 1 || cfg->L < 1 || cfg->L > RNN_LM_MAX_LAYERS) return -1;
    if (!(cfg->dropout >= 0.0f && cfg->dropout < 1.0f)) return -1;
    return 0;
}

/* ------------------------------------------------------------ activations */

/* Point *field at the next n floats of memory (when memory is not NULL yet,
 * only count them): the first pass sizes the allocation, the second carves it. */
static void carve(float **field, float *memory, size_t *used, size_t n) {
    *field = memory ? memory + *used : NULL;
    *used += n;
}

/* The same for ints, which share the allocation (both are 4 bytes). */
_Static_assert(sizeof(int) == sizeof(float), "ids are carved from the float allocation");
static void carve_ints(int **field, float *memory, size_t *used, size_t n) {
    *field = memory ? (int *)(memory + *used) : NULL;
    *used += n;
}

void rnn_lm_acts_build(RnnLmActs *a, const RnnLm *m, int T, int B, uint64_t seed) {
    const RnnLmConfig *c = &m->cfg;
    if (T < 1 || B < 1) die("lm: sequence length and batch must be at least 1 (got T=%d, B=%d)", T, B);
    memset(a, 0, sizeof *a);
    a->T = T; a->B = B;
    size_t N = (size_t)T * B, bh = (size_t)B * c->H;
    size_t wide = c->E > c->H ? (size_t)c->E : (size_t)c->H;
    for (int pass = 0; pass < 2; pass++) {
        size_t used = 0;
        carve(&a->emb, a->memory, &used, N * c->E);
        for (int l = 0; l <= c->L; l++) {
            size_t width = l == 0 ? (size_t)c->E : (size_t)c->H;
            carve(&a->xin[l], a->memory, &used, N * width);
            carve(&a->mask[l], a->memory, &used, N * width);
        }
        for (int l = 0; l < c->L; l++) {
            carve(&a->h_all[l], a->memory, &used, N * c->H);
            carve(&a->act[l], a->memory, &used, rnn_act_size(c->kind, T, B, c->H));
            carve(&a->h0[l], a->memory, &used, bh);
            carve(&a->c0[l], a->memory, &used, bh);
            carve(&a->h[l], a->memory, &used, bh);
            carve(&a->c[l], a->memory, &used, bh);
        }
        carve(&a->logits, a->memory, &used, N * c->V);
        carve(&a->probs, a->memory, &used, N * c->V);
        carve(&a->dx, a->memory, &used, N * wide);
        carve(&a->dh, a->memory, &used, N * c->H);
        carve(&a->scratch, a->memory, &used, rnn_scratch_size(c->kind, T, B, c->H));
        carve_ints(&a->inp, a->memory, &used, N);
        carve_ints(&a->tgt, a->memory, &used, N);
        if (pass == 0) a->memory = xcalloc(used, sizeof(float));
    }
    rng_seed(&a->rng, seed, 7);
}

void rnn_lm_acts_free(RnnLmActs *a) {
    free(a->memory);
    memset(a, 0, sizeof *a);
}

void rnn_lm_reset_state(RnnLmActs *a, const RnnLm *m) {
    size_t bh = (size_t)a->B * m->cfg.H;
    for (int l = 0; l < m->cfg.L; l++) {
        memset(a->h[l], 0, bh * sizeof(float));
        memset(a->c[l], 0, bh * sizeof(float));
    }
}

/* ------------------------------------------------------------ forward */

void rnn_lm_forward_states(RnnLm *m, RnnLmActs *a, const int *inp, int T, int train) {
    const RnnLmConfig *c = &m->cfg;
    const RnnLmTensors *w = &m->w;
    if (T < 1 || T > a->T) die("rnn_lm_forward: chunk of %d steps, buffers hold 1..%d", T, a->T);
    int B = a->B, N = T * B;
    size_t bh = (size_t)B * c->H;
    float p = train ? c->dropout : 0.0f;
    a->last_T = T; a->train = train;
    memcpy(a->inp, inp, (size_t)N * sizeof(int));

    embedding_forward(a->emb, a->inp, w->wte, N, c->V, c->E);
    dropout_forward(a->xin[0], a->mask[0], a->emb, p, (size_t)N * c->E, &a->rng);
    for (int l = 0; l < c->L; l++) {
        int I = l == 0 ? c->E : c->H;
        /* the chunk starts where the previous one ended (truncated BPTT) */
        memcpy(a->h0[l], a->h[l], bh * sizeof(float));
        memcpy(a->c0[l], a->c[l], bh * sizeof(float));
        int lstm = c->kind == RNN_LSTM;
        rnn_layer_forward(c->kind, a->h_all[l], a->h[l], lstm ? a->c[l] : NULL, a->act[l],
                          a->xin[l], a->h0[l], lstm ? a->c0[l] : NULL,
                          w->w_ih[l], w->w_hh[l], w->b_ih[l], w->b_hh[l], T, B, I, c->H);
        dropout_forward(a->xin[l + 1], a->mask[l + 1], a->h_all[l], p, (size_t)N * c->H, &a->rng);
    }
}

double rnn_lm_forward(RnnLm *m, RnnLmActs *a, const int *inp, const int *tgt, int T, int train) {
    const RnnLmConfig *c = &m->cfg;
    int N = T * a->B;
    rnn_lm_forward_states(m, a, inp, T, train);
    if (tgt) memcpy(a->tgt, tgt, (size_t)N * sizeof(int));
    linear_forward(a->logits, a->xin[c->L], m->w.w_out, m->w.b_out, N, c->H, c->V);
    if (!tgt) return 0.0;
    return crossentropy_forward(a->probs, a->logits, a->tgt, N, c->V, -1, 0.0f);
}

/* ------------------------------------------------------------ backward */

/* The forward list in reverse: loss, decoder, then each layer from the top. */
void rnn_lm_backward(RnnLm *m, RnnLmActs *a, float dloss) {
    const RnnLmConfig *c = &m->cfg;
    const RnnLmTensors *w = &m->w, *g = &m->g;
    int T = a->last_T, B = a->B, N = T * B;
    float *dlogits = a->logits;   /* the logits are spent: reuse their buffer */
    memset(dlogits, 0, (size_t)N * c->V * sizeof(float));
    crossentropy_backward(dlogits, a->probs, a->tgt, N, c->V, -1, 0.0f, dloss);

    /* a->dx holds the gradient of the current layer input xin[l] */
    memset(a->dx, 0, (size_t)N * c->H * sizeof(float));
    linear_backward(a->dx, g->w_out, g->b_out, dlogits, a->xin[c->L], w->w_out, N, c->H, c->V);
    for (int l = c->L - 1; l >= 0; l--) {
        int I = l == 0 ? c->E : c->H;
        int lstm = c->kind == RNN_LSTM;
        memset(a->dh, 0, (size_t)N * c->H * sizeof(float));
        dropout_backward(a->dh, a->dx, a->mask[l + 1], (size_t)N * c->H);
        memset(a->dx, 0, (size_t)N * I * sizeof(float));
        rnn_layer_backward(c->kind, a->dx, NULL, NULL,
                           g->w_ih[l], g->w_hh[l], g->b_ih[l], g->b_hh[l], a->scratch,
                           a->dh, NULL, NULL,
                           a->xin[l], a->h0[l], lstm ? a->c0[l] : NULL, a->h_all[l], a->act[l],
                           w->w_ih[l], w->w_hh[l], T, B, I, c->H);
    }
    /* a->dx is now d xin[0]; through the embedding dropout into the table */
    memset(a->emb, 0, (size_t)N * c->E * sizeof(float));   /* emb is spent too */
    dropout_backward(a->emb, a->dx, a->mask[0], (size_t)N * c->E);
    embedding_backward(g->wte, a->emb, a->inp, N, c->V, c->E);
}
