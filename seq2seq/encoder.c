/* encoder.c -- embeddings and a stack of (bi)directional GRU or LSTM layers
 * over a padded batch. See encoder.h. */
#include "seq2seq/encoder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "util.h"

static const char *const dir_names[2] = { "fwd", "bwd" };

/* ------------------------------------------------------------ parameters */

static void check_config(const S2sEncoderConfig *c) {
    if (c->cell != RNN_GRU && c->cell != RNN_LSTM) die("encoder: the cell must be a GRU or an LSTM");
    if (c->V < 1 || c->E < 1 || c->H < 1)
        die("encoder: vocabulary, embedding and hidden sizes must be positive (V=%d E=%d H=%d)",
            c->V, c->E, c->H);
    if (c->L < 1 || c->L > S2S_MAX_LAYERS)
        die("encoder: %d layers, outside [1, %d]", c->L, S2S_MAX_LAYERS);
    if (c->bidir != 0 && c->bidir != 1) die("encoder: bidir must be 0 or 1, not %d", c->bidir);
    if (!(c->dropout >= 0.0f && c->dropout < 1.0f))
        die("encoder: dropout %g is outside [0, 1)", c->dropout);
}

/* The width of layer l's input: the embeddings, then the layer below's output. */
static int layer_input(const S2sEncoder *e, int l) { return l == 0 ? e->cfg.E : e->D; }

static void layer_name(char *buf, size_t n, int l, int d, const char *what) {
    snprintf(buf, n, "enc.l%d.%s.%s", l, dir_names[d], what);
}

void s2s_encoder_declare(S2sEncoder *e, const S2sEncoderConfig *cfg, ParamTable *pt) {
    check_config(cfg);
    memset(e, 0, sizeof *e);
    e->cfg = *cfg;
    e->ndir = cfg->bidir ? 2 : 1;
    e->D = cfg->H * e->ndir;
    int GH = rnn_gates(cfg->cell) * cfg->H;
    char name[PARAM_NAME_MAX];
    params_add(pt, "enc.emb", 2, cfg->V, cfg->E);
    for (int l = 0; l < cfg->L; l++)
        for (int d = 0; d < e->ndir; d++) {
            layer_name(name, sizeof name, l, d, "w_ih"); params_add(pt, name, 2, GH, layer_input(e, l));
            layer_name(name, sizeof name, l, d, "w_hh"); params_add(pt, name, 2, GH, cfg->H);
            layer_name(name, sizeof name, l, d, "b_ih"); params_add(pt, name, 1, GH);
            layer_name(name, sizeof name, l, d, "b_hh"); params_add(pt, name, 1, GH);
        }
}

/* Point t at the tensors: get is params_get (values) or params_grad. */
static void point_tensors(S2sEncoderTensors *t, const S2sEncoder *e, const ParamTable *pt,
                          float *(*get)(const ParamTable *, const char *)) {
    char name[PARAM_NAME_MAX];
    memset(t, 0, sizeof *t);
    t->emb = get(pt, "enc.emb");
    for (int l = 0; l < e->cfg.L; l++)
        for (int d = 0; d < e->ndir; d++) {
            layer_name(name, sizeof name, l, d, "w_ih"); t->w_ih[l][d] = get(pt, name);
            layer_name(name, sizeof name, l, d, "w_hh"); t->w_hh[l][d] = get(pt, name);
            layer_name(name, sizeof name, l, d, "b_ih"); t->b_ih[l][d] = get(pt, name);
            layer_name(name, sizeof name, l, d, "b_hh"); t->b_hh[l][d] = get(pt, name);
        }
}

void s2s_encoder_bind(S2sEncoder *e, const ParamTable *pt) {
    if (!pt->values) die("encoder: bind after params_alloc");
    point_tensors(&e->w, e, pt, params_get);
    point_tensors(&e->g, e, pt, params_grad);
}

/* ------------------------------------------------------------ activations */

/* What forward keeps for backward, and backward's own buffers. Sizes are for
 * the capacity (S,B); a smaller batch uses the front of each. */
typedef struct {
    int S, B;                                  /* the last forward's batch; 0 before one */
    int *ids;                                  /* (S,B) src, id 0 at padding */
    int *len;                                  /* (B) */
    float *x[S2S_MAX_LAYERS];                  /* (S,B,I_l) layer l's input after dropout */
    float *mask[S2S_MAX_LAYERS];               /* (S,B,I_l) its dropout mask */
    float *xr[S2S_MAX_LAYERS];                 /* (S,B,I_l) x[l] reversed in length (bwd only) */
    float *h[S2S_MAX_LAYERS][2];               /* (S,B,H) states; bwd's in its reversed order */
    float *act[S2S_MAX_LAYERS][2];             /* rnn_act_size each */
    float *dy;     /* (S,B,max(D,E)) gradient of a layer's output, then of the input below */
    float *dx;     /* (S,B,max(D,E)) gradient of a layer's input */
    float *dxr;    /* (S,B,max(D,E)) the same for the bwd direction, in its order (bidir only) */
    float *dh;     /* (S,B,H) one direction's output gradient; forward's reversal buffer */
    float *scratch;                            /* rnn_scratch_size */
    Rng rng;                                   /* dropout */
} EncPriv;

void s2s_encoder_acts_build(S2sEncoderActs *a, const S2sEncoder *e, int S, int B, uint64_t seed) {
    if (S < 1 || B < 1) die("encoder: batch capacity %dx%d must be positive", S, B);
    const S2sEncoderConfig *c = &e->cfg;
    memset(a, 0, sizeof *a);
    a->S = S; a->B = B;
    EncPriv *p = xcalloc(1, sizeof *p);
    a->priv = p;
    size_t n = (size_t)S * B, H = (size_t)c->H, D = (size_t)e->D;
    size_t wide = D > (size_t)c->E ? D : (size_t)c->E, states = (size_t)c->L * e->ndir * B * H;
    int bi = e->ndir == 2, lstm = c->cell == RNN_LSTM;

    /* Every buffer and its size (0: not needed), then one allocation carved in order. */
    enum { MAXBUF = 3 + 7 * S2S_MAX_LAYERS + 5 };   /* acts', per layer (3 + 2 per direction), backward's */
    float **ptr[MAXBUF];
    size_t size[MAXBUF];
    int k = 0;
#define BUF(field, floats) (ptr[k] = &(field), size[k] = (floats), k++)
    BUF(a->out, n * D);
    BUF(a->h_final, states);
    BUF(a->c_final, lstm ? states : 0);
    for (int l = 0; l < c->L; l++) {
        size_t in = n * layer_input(e, l);
        BUF(p->x[l], in);
        BUF(p->mask[l], in);
        BUF(p->xr[l], bi ? in : 0);
        for (int d = 0; d < e->ndir; d++) {
            BUF(p->h[l][d], n * H);
            BUF(p->act[l][d], rnn_act_size(c->cell, S, B, c->H));
        }
    }
    BUF(p->dy, n * wide);
    BUF(p->dx, n * wide);
    BUF(p->dxr, bi ? n * wide : 0);
    BUF(p->dh, n * H);
    BUF(p->scratch, rnn_scratch_size(c->cell, S, B, c->H));
#undef BUF
    _Static_assert(sizeof(int) == sizeof(float), "the ints are carved from the float allocation");
    size_t total = n + B;   /* ids and len */
    for (int i = 0; i < k; i++) total += size[i];
    a->memory = xcalloc(total, sizeof(float));
    float *at = a->memory;
    for (int i = 0; i < k; i++) { *ptr[i] = size[i] ? at : NULL; at += size[i]; }
    p->ids = (int *)at;
    p->len = (int *)at + n;
    rng_seed(&p->rng, seed, 11);
}

void s2s_encoder_acts_free(S2sEncoderActs *a) {
    free(a->memory);
    free(a->priv);
    memset(a, 0, sizeof *a);
}

/* ------------------------------------------------------------ helpers */

/* dst (N, width) columns [col, col+H) = src (N,H). */
static void put_columns(float *dst, const float *src, size_t N, int H, int col, int width) {
    for (size_t i = 0; i < N; i++)
        memcpy(dst + i * width + col, src + i * H, (size_t)H * sizeof(float));
}

/* dst (N,H) = columns [col, col+H) of src (N, width). */
static void take_columns(float *dst, const float *src, size_t N, int H, int col, int width) {
    for (size_t i = 0; i < N; i++)
        memcpy(dst + i * H, src + i * width + col, (size_t)H * sizeof(float));
}

/* Zero the rows (S,B,C) at positions past each sentence's length. */
static void zero_padding(float *x, const int *len, int S, int B, int C) {
    for (int s = 0; s < S; s++)
        for (int b = 0; b < B; b++)
            if (s >= len[b]) memset(x + ((size_t)s * B + b) * C, 0, (size_t)C * sizeof(float));
}

/* Where layer l, direction d's (B,H) final state starts in (L*ndir,B,H):
 * PyTorch's h_n order. */
static size_t final_at(const S2sEncoder *e, int l, int d, int B) {
    return ((size_t)l * e->ndir + d) * B * e->cfg.H;
}

/* Check the batch and keep its ids (0 at padding: they are never read, but
 * every id the embedding sees must be valid) and lengths. */
static void take_batch(EncPriv *p, const S2sEncoder *e, const S2sEncoderActs *a,
                       const int *src, const int *src_len, int S, int B) {
    if (S < 1 || B < 1 || S > a->S || B > a->B)
        die("encoder: batch %dx%d outside the buffers' %dx%d", S, B, a->S, a->B);
    for (int b = 0; b < B; b++) {
        if (src_len[b] < 1 || src_len[b] > S)
            die("encoder: sentence %d has length %d, outside [1, %d]", b, src_len[b], S);
        p->len[b] = src_len[b];
    }
    for (int s = 0; s < S; s++)
        for (int b = 0; b < B; b++) {
            int id = src[s * B + b], real = s < src_len[b];
            if (real && (id < 0 || id >= e->cfg.V))
                die("encoder: token %d of sentence %d is id %d, outside the vocabulary [0, %d)",
                    s, b, id, e->cfg.V);
            p->ids[s * B + b] = real ? id : 0;
        }
    p->S = S;
    p->B = B;
}

/* ------------------------------------------------------------ forward */

/* One direction of layer l over p->x[l]: its states into columns
 * [d*H, (d+1)*H) of y (S,B,D), its final state into h_final, c_final. */
static void direction_forward(const S2sEncoder *e, S2sEncoderActs *a, int l, int d, float *y) {
    const S2sEncoderConfig *c = &e->cfg;
    const S2sEncoderTensors *w = &e->w;
    EncPriv *p = a->priv;
    int S = p->S, B = p->B, I = layer_input(e, l);
    size_t at = final_at(e, l, d, B);
    const float *x = p->x[l];
    if (d == 1) {
        /* bwd^l_s = cell(x^l_s, bwd^l_{s+1}): the same layer run on each
         * sentence read backwards, its states then put back in place */
        rnn_reverse_in_length(p->xr[l], p->x[l], p->len, S, B, I);
        x = p->xr[l];
    }
    rnn_layer_forward_len(c->cell, p->h[l][d], a->h_final + at, a->c_final ? a->c_final + at : NULL,
                          p->act[l][d], x, p->len, NULL, NULL,
                          w->w_ih[l][d], w->w_hh[l][d], w->b_ih[l][d], w->b_hh[l][d], S, B, I, c->H);
    const float *states = p->h[l][d];
    if (d == 1) {
        rnn_reverse_in_length(p->dh, p->h[l][1], p->len, S, B, c->H);
        states = p->dh;
    }
    put_columns(y, states, (size_t)S * B, c->H, d * c->H, e->D);
}

void s2s_encoder_forward(const S2sEncoder *e, S2sEncoderActs *a, const int *src, const int *src_len,
                         int S, int B, int train) {
    const S2sEncoderConfig *c = &e->cfg;
    EncPriv *p = a->priv;
    take_batch(p, e, a, src, src_len, S, B);
    size_t n = (size_t)S * B;
    float pdrop = train ? c->dropout : 0.0f;

    /* x_s = dropout(emb[src_s]), zero at padding so the layers see finite zeros there */
    embedding_forward(p->x[0], p->ids, e->w.emb, (int)n, c->V, c->E);
    zero_padding(p->x[0], p->len, S, B, c->E);
    dropout_forward(p->x[0], p->mask[0], p->x[0], pdrop, n * c->E, &p->rng);

    for (int l = 0; l < c->L; l++) {
        float *y = l == c->L - 1 ? a->out : p->x[l + 1];   /* [fwd; bwd] (S,B,D) */
        for (int d = 0; d < e->ndir; d++) direction_forward(e, a, l, d, y);
        /* dropout between layers only (Zaremba et al. 2014: not on the recurrence) */
        if (l < c->L - 1) dropout_forward(y, p->mask[l + 1], y, pdrop, n * e->D, &p->rng);
    }
}

/* ------------------------------------------------------------ backward */

/* One direction of layer l: accumulates its weight gradients and the
 * gradient of the layer's input into p->dx, from p->dy's columns of d. */
static void direction_backward(const S2sEncoder *e, EncPriv *p, int l, int d,
                               const float *dh_final, const float *dc_final) {
    const S2sEncoderConfig *c = &e->cfg;
    int S = p->S, B = p->B, I = layer_input(e, l);
    size_t n = (size_t)S * B;
    take_columns(p->dh, p->dy, n, c->H, d * c->H, e->D);
    const float *dh_last = dh_final ? dh_final + final_at(e, l, d, B) : NULL;
    const float *dc_last = dc_final && c->cell == RNN_LSTM ? dc_final + final_at(e, l, d, B) : NULL;
    float *dx = p->dx, *x = p->x[l];
    if (d == 1) {
        /* the bwd direction ran on reversed sentences: so does its gradient */
        rnn_reverse_in_length(p->dh, p->dh, p->len, S, B, c->H);
        memset(p->dxr, 0, n * I * sizeof(float));
        dx = p->dxr;
        x = p->xr[l];
    }
    const S2sEncoderTensors *w = &e->w, *g = &e->g;
    rnn_layer_backward_len(c->cell, dx, NULL, NULL, g->w_ih[l][d], g->w_hh[l][d], g->b_ih[l][d], g->b_hh[l][d],
                           p->scratch, p->dh, dh_last, dc_last, x, p->len, NULL, NULL,
                           p->h[l][d], p->act[l][d], w->w_ih[l][d], w->w_hh[l][d], S, B, I, c->H);
    if (d == 1) {
        rnn_reverse_in_length(p->dxr, p->dxr, p->len, S, B, I);
        for (size_t i = 0; i < n * I; i++) p->dx[i] += p->dxr[i];
    }
}

void s2s_encoder_backward(const S2sEncoder *e, S2sEncoderActs *a, const float *d_out,
                          const float *dh_final, const float *dc_final) {
    const S2sEncoderConfig *c = &e->cfg;
    EncPriv *p = a->priv;
    if (p->S == 0) die("encoder: backward before any forward");
    size_t n = (size_t)p->S * p->B;

    /* the forward pass in reverse: dy is the gradient of layer l's output */
    if (d_out) memcpy(p->dy, d_out, n * e->D * sizeof(float));
    else memset(p->dy, 0, n * e->D * sizeof(float));
    for (int l = c->L - 1; l >= 0; l--) {
        size_t in = n * layer_input(e, l);
        memset(p->dx, 0, in * sizeof(float));
        for (int d = 0; d < e->ndir; d++) direction_backward(e, p, l, d, dh_final, dc_final);
        /* through the dropout below this layer: dy becomes the gradient of
         * the layer below's output, or of the embeddings */
        memset(p->dy, 0, in * sizeof(float));
        dropout_backward(p->dy, p->dx, p->mask[l], in);
    }
    /* padded positions carry zero gradient, so id 0 there receives nothing */
    embedding_backward(e->g.emb, p->dy, p->ids, (int)n, c->V, c->E);
}
