/*
 * decoder.c -- the RNN decoders of seq2seq/decoder.h: Sutskever's, Cho's,
 * Bahdanau's and Luong's, one step function apart.
 *
 * Where the time goes, and how it is arranged (B rows per step):
 *   1. with full teacher forcing the inputs are known in advance, so the
 *      embedding part of layer 0's input projection is ONE sgemm over the
 *      T*B rows before the loop, and the output layer (logits, and in
 *      backward dlogits @ W_out and dW_out) ONE sgemm each after it;
 *   2. the encoder side of an additive score, U h_j + b, is one sgemm over
 *      the S*B encoder rows per batch;
 *   3. each step is a few (B x ...) products: the query projection, the
 *      context's part of layer 0's input projection, W_hh of every layer,
 *      and Luong's W_c; attention's loops over source positions are in
 *      attention_rnn.c;
 *   4. backward walks the steps in reverse keeping every step's gate
 *      gradients, so the weight gradients are again whole-sequence sgemms.
 * Layer 0's W_ih (and att.w) are single tensors over a concatenated input
 * ([emb; extra], [s; h_j]). matmul() takes contiguous matrices, so each
 * forward copies their column blocks once ("views"), and backward adds the
 * blocks' gradients back: a few MB per batch, against GFLOPs of products.
 *
 * Nothing is allocated after s2s_decoder_acts_build / s2s_decode_state_build.
 */
#include "decoder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attention_rnn.h"
#include "matmul.h"
#include "ops.h"
#include "util.h"

#define MAXL S2S_DEC_MAX_LAYERS

/* ================================================================ shapes */

static int is_additive(S2sAttention a) { return a == S2S_ATTN_BAHDANAU || a == S2S_ATTN_LUONG_CONCAT; }

static int is_luong(S2sAttention a) {
    return a == S2S_ATTN_LUONG_DOT || a == S2S_ATTN_LUONG_GENERAL || a == S2S_ATTN_LUONG_CONCAT;
}

static int is_cho(const S2sDecoderConfig *c) { return c->attn == S2S_ATTN_NONE && c->feed_context; }
static int is_sutskever(const S2sDecoderConfig *c) { return c->attn == S2S_ATTN_NONE && !c->feed_context; }

static int gates_width(const S2sDecoderConfig *c) { return rnn_gates(c->cell) * c->H; }

/* Layer 0's input beside the embedding: z (Cho), c_t (Bahdanau), ht_{t-1} (Luong). */
static int extra_width(const S2sDecoderConfig *c) {
    if (is_luong(c->attn)) return c->H;
    if (c->attn == S2S_ATTN_BAHDANAU || is_cho(c)) return c->D;
    return 0;
}

static int out_width(const S2sDecoderConfig *c) {
    if (is_cho(c) || c->attn == S2S_ATTN_BAHDANAU) return c->E + c->H + c->D;
    return c->H;
}

/* Width of the query side attention reads (and of its gradient): A for an
 * additive score, D for a dot-product one (dot: s_t itself, H == D). */
static int query_width(const S2sDecoderConfig *c) { return is_additive(c->attn) ? c->A : c->D; }

/* ================================================================ helpers */

/* dst (rows,w) = columns [col0, col0+w) of src (rows,ld) */
static void take_cols(float *dst, const float *src, int rows, int ld, int col0, int w) {
    for (int r = 0; r < rows; r++)
        memcpy(dst + (size_t)r * w, src + (size_t)r * ld + col0, (size_t)w * sizeof(float));
}

/* columns [col0, col0+w) of dst (rows,ld) = src (rows,w) */
static void put_cols(float *dst, int ld, int col0, const float *src, int rows, int w) {
    for (int r = 0; r < rows; r++)
        memcpy(dst + (size_t)r * ld + col0, src + (size_t)r * w, (size_t)w * sizeof(float));
}

/* columns [col0, col0+w) of dst (rows,ld) += src (rows,w) */
static void add_to_cols(float *dst, int ld, int col0, const float *src, int rows, int w) {
    for (int r = 0; r < rows; r++) {
        float *restrict y = dst + (size_t)r * ld + col0;
        const float *restrict x = src + (size_t)r * w;
        for (int k = 0; k < w; k++) y[k] += x[k];
    }
}

/* dst (rows,w) += columns [col0, col0+w) of src (rows,ld) */
static void add_from_cols(float *dst, const float *src, int rows, int ld, int col0, int w) {
    for (int r = 0; r < rows; r++) {
        float *restrict y = dst + (size_t)r * w;
        const float *restrict x = src + (size_t)r * ld + col0;
        for (int k = 0; k < w; k++) y[k] += x[k];
    }
}

static void add(float *restrict y, const float *restrict x, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

/* db (M) += column sums of dy (N,M) */
static void add_column_sums(float *db, const float *dy, int N, int M) {
    for (int n = 0; n < N; n++) add(db, dy + (size_t)n * M, (size_t)M);
}

/* dst row i = src row map[i] (map NULL: row i), w floats per row */
static void gather_rows(float *dst, const float *src, const int *map, int n, int w) {
    for (int i = 0; i < n; i++)
        memcpy(dst + (size_t)i * w, src + (size_t)(map ? map[i] : i) * w, (size_t)w * sizeof(float));
}

/* out (n, sum of widths) = [p0; p1; p2] row by row */
static void concat3(float *out, int n, const float *p0, int w0, const float *p1, int w1,
                    const float *p2, int w2) {
    int w = w0 + w1 + w2;
    put_cols(out, w, 0, p0, n, w0);
    put_cols(out, w, w0, p1, n, w1);
    put_cols(out, w, w0 + w1, p2, n, w2);
}

/* Buffers carved from one allocation: a first pass with base NULL counts. */
typedef struct { float *base; size_t used; } Carver;

static float *carve(Carver *cv, size_t n) {
    if (n == 0) return NULL;
    float *p = cv->base ? cv->base + cv->used : NULL;
    cv->used += (n + 15) & ~(size_t)15;   /* 64-byte steps keep every buffer aligned for SIMD */
    return p;
}

/* ================================================================ parameters */

static void check_config(const S2sDecoderConfig *c) {
    if (c->cell != RNN_GRU && c->cell != RNN_LSTM) die("decoder: the cell must be a GRU or an LSTM");
    if (c->enc_cell != RNN_GRU && c->enc_cell != RNN_LSTM) die("decoder: the encoder's cell must be a GRU or an LSTM");
    if (c->V < 2 || c->E < 1 || c->H < 1) die("decoder: V=%d E=%d H=%d: need V >= 2, E, H >= 1", c->V, c->E, c->H);
    if (c->L < 1 || c->L > S2S_DEC_MAX_LAYERS) die("decoder: %d layers: need 1..%d", c->L, S2S_DEC_MAX_LAYERS);
    if (c->enc_H < 1 || c->enc_L < 1 || (c->enc_ndir != 1 && c->enc_ndir != 2))
        die("decoder: encoder H=%d L=%d directions=%d make no sense", c->enc_H, c->enc_L, c->enc_ndir);
    if (c->D != c->enc_H * c->enc_ndir)
        die("decoder: D=%d, but the encoder gives %d x %d", c->D, c->enc_H, c->enc_ndir);
    if (!(c->dropout >= 0.0f && c->dropout < 1.0f)) die("decoder: dropout %g is outside [0, 1)", c->dropout);
    if (c->attn < S2S_ATTN_NONE || c->attn > S2S_ATTN_LUONG_CONCAT) die("decoder: unknown attention %d", (int)c->attn);
    if (c->feed_context && c->attn != S2S_ATTN_NONE)
        die("decoder: feed_context is Cho's decoder, which has no attention");
    if (is_sutskever(c) && (c->enc_cell != c->cell || c->enc_H != c->H || c->enc_L != c->L || c->enc_ndir != 1))
        die("decoder: without attention the decoder starts from the encoder's final states, "
            "so it needs the same cell, hidden size and layers, one direction (encoder %dx%d, %d dir; decoder %dx%d)",
            c->enc_L, c->enc_H, c->enc_ndir, c->L, c->H);
    if (is_cho(c) && c->H != c->D)
        die("decoder: Cho's decoder starts from the context z, so H (%d) must equal D (%d)", c->H, c->D);
    if (c->attn == S2S_ATTN_LUONG_DOT && c->H != c->D)
        die("decoder: dot attention needs H (%d) == D (%d); use general or concat", c->H, c->D);
    if (is_additive(c->attn) && c->A < 1) die("decoder: attention size A=%d must be >= 1", c->A);
}

void s2s_decoder_declare(S2sDecoder *d, const S2sDecoderConfig *cfg, ParamTable *pt) {
    check_config(cfg);
    memset(d, 0, sizeof *d);
    d->cfg = *cfg;
    d->out_in = out_width(cfg);
    const S2sDecoderConfig *c = cfg;
    int GH = gates_width(c);
    char name[PARAM_NAME_MAX];
    params_add(pt, "dec.emb", 2, c->V, c->E);
    for (int l = 0; l < c->L; l++) {
        int in = l ? c->H : c->E + extra_width(c);
        snprintf(name, sizeof name, "dec.l%d.w_ih", l); params_add(pt, name, 2, GH, in);
        snprintf(name, sizeof name, "dec.l%d.w_hh", l); params_add(pt, name, 2, GH, c->H);
        snprintf(name, sizeof name, "dec.l%d.b_ih", l); params_add(pt, name, 1, GH);
        snprintf(name, sizeof name, "dec.l%d.b_hh", l); params_add(pt, name, 1, GH);
    }
    if (c->attn != S2S_ATTN_NONE) {
        params_add(pt, "dec.bridge.w", 2, c->H, c->D);
        params_add(pt, "dec.bridge.b", 1, c->H);
    }
    if (is_additive(c->attn)) {
        params_add(pt, "dec.att.w", 2, c->A, c->H + c->D);
        params_add(pt, "dec.att.b", 1, c->A);
        params_add(pt, "dec.att.v", 1, c->A);
    }
    if (c->attn == S2S_ATTN_LUONG_GENERAL) params_add(pt, "dec.att.w", 2, c->D, c->H);
    if (is_luong(c->attn)) params_add(pt, "dec.att.wc", 2, c->H, c->D + c->H);
    params_add(pt, "dec.out.w", 2, c->V, d->out_in);
    params_add(pt, "dec.out.b", 1, c->V);
}

/* Value and gradient pointers of a tensor, or NULL when the variant has none. */
static void bind_one(const ParamTable *pt, const char *name, float **w, float **g) {
    if (params_find(pt, name) < 0) { *w = *g = NULL; return; }
    *w = params_get(pt, name);
    *g = params_grad(pt, name);
}

void s2s_decoder_bind(S2sDecoder *d, const ParamTable *pt) {
    S2sDecoderTensors *w = &d->w, *g = &d->g;
    char name[PARAM_NAME_MAX];
    bind_one(pt, "dec.emb", &w->emb, &g->emb);
    for (int l = 0; l < d->cfg.L; l++) {
        snprintf(name, sizeof name, "dec.l%d.w_ih", l); bind_one(pt, name, &w->w_ih[l], &g->w_ih[l]);
        snprintf(name, sizeof name, "dec.l%d.w_hh", l); bind_one(pt, name, &w->w_hh[l], &g->w_hh[l]);
        snprintf(name, sizeof name, "dec.l%d.b_ih", l); bind_one(pt, name, &w->b_ih[l], &g->b_ih[l]);
        snprintf(name, sizeof name, "dec.l%d.b_hh", l); bind_one(pt, name, &w->b_hh[l], &g->b_hh[l]);
    }
    bind_one(pt, "dec.bridge.w", &w->bridge_w, &g->bridge_w);
    bind_one(pt, "dec.bridge.b", &w->bridge_b, &g->bridge_b);
    bind_one(pt, "dec.att.w", &w->att_w, &g->att_w);
    bind_one(pt, "dec.att.b", &w->att_b, &g->att_b);
    bind_one(pt, "dec.att.v", &w->att_v, &g->att_v);
    bind_one(pt, "dec.att.wc", &w->att_wc, &g->att_wc);
    bind_one(pt, "dec.out.w", &w->out_w, &g->out_w);
    bind_one(pt, "dec.out.b", &w->out_b, &g->out_b);
}

/* ================================================================ views */

/* Contiguous copies of the column blocks that products use on their own. */
typedef struct {
    float *w_e;     /* (GH, E) layer 0's W_ih, embedding columns */
    float *w_x;     /* (GH, X) layer 0's W_ih, extra-input columns, or NULL */
    float *att_ws;  /* (A, H) att.w's query columns W_s (additive), or NULL */
    float *att_u;   /* (A, D) att.w's key columns U (additive), or NULL */
} Views;

static void views_carve(Views *v, Carver *cv, const S2sDecoderConfig *c) {
    int GH = gates_width(c), X = extra_width(c), A = is_additive(c->attn) ? c->A : 0;
    v->w_e = carve(cv, (size_t)GH * c->E);
    v->w_x = carve(cv, (size_t)GH * X);
    v->att_ws = carve(cv, (size_t)A * c->H);
    v->att_u = carve(cv, (size_t)A * c->D);
}

static void views_fill(Views *v, const S2sDecoder *d) {
    const S2sDecoderConfig *c = &d->cfg;
    int GH = gates_width(c), X = extra_width(c), E = c->E;
    take_cols(v->w_e, d->w.w_ih[0], GH, E + X, 0, E);
    if (X) take_cols(v->w_x, d->w.w_ih[0], GH, E + X, E, X);
    if (is_additive(c->attn)) {
        take_cols(v->att_ws, d->w.att_w, c->A, c->H + c->D, 0, c->H);
        take_cols(v->att_u, d->w.att_w, c->A, c->H + c->D, c->H, c->D);
    }
}

/* ================================================================ the initial state */

/* z (B,D) = [fwd^L_final; bwd^L_final]: the top layer's final states, side by side. */
static void top_final_states(float *z, const S2sDecoderConfig *c, const float *h_final, int B) {
    int top = c->enc_L - 1;
    for (int dir = 0; dir < c->enc_ndir; dir++) {
        const float *h = h_final + (size_t)(top * c->enc_ndir + dir) * B * c->enc_H;
        put_cols(z, c->D, dir * c->enc_H, h, B, c->enc_H);
    }
}

/*
 * state_0 of every layer, as pointers h0[l], c0[l] (B,H) (c0 NULL: zero):
 * Sutskever's the encoder's final states layer by layer; Cho's z; the
 * attention models' tanh(W_br z + b_br). z (B,D) and st0 (B,H) are buffers.
 */
static void initial_state(const S2sDecoder *d, const float **h0, const float **c0, float *z, float *st0,
                          const float *h_final, const float *c_final, int B) {
    const S2sDecoderConfig *c = &d->cfg;
    size_t bh = (size_t)B * c->H;
    for (int l = 0; l < c->L; l++) c0[l] = NULL;
    if (is_sutskever(c)) {
        for (int l = 0; l < c->L; l++) {
            h0[l] = h_final + l * bh;
            if (c->cell == RNN_LSTM) c0[l] = c_final + l * bh;
        }
        return;
    }
    top_final_states(z, c, h_final, B);
    const float *s = z;
    if (c->attn != S2S_ATTN_NONE) {
        linear_forward(st0, z, d->w.bridge_w, d->w.bridge_b, B, c->D, c->H);
        tanh_forward(st0, st0, bh);
        s = st0;
    }
    for (int l = 0; l < c->L; l++) h0[l] = s;
}

/* ================================================================ one step */

/*
 * One decoder step for n rows (B in training, the live hypotheses in
 * decoding): every pointer is that step's rows. gates[0] holds the
 * embedding part of layer 0's input projection (emb W_e^T + b_ih) on entry.
 */
typedef struct {
    int n;
    const int *src;                      /* row -> sentence (NULL: row i is sentence i) */
    const float *h_prev[MAXL];           /* (n,H) the state the step starts from */
    const float *c_prev[MAXL];           /* (n,H) LSTM (NULL: zero) */
    const float *ht_prev;                /* (n,H) Luong's ht_{t-1} (NULL: zero) */
    const float *emb;                    /* (n,E) the fed tokens' embeddings (after dropout) */
    float *gates[MAXL], *hg[MAXL];       /* (n,GH) as rnn_cells.h's step functions */
    float *c[MAXL], *h[MAXL];            /* (n,H) the new state */
    float *x[MAXL], *xmask[MAXL];        /* (n,H) layer l >= 1's input after dropout, and its mask */
    float *xx;                           /* (n,X) layer 0's extra input */
    float *q;                            /* (n,A) or (n,D) attention's query side (not for dot) */
    float *tn;                           /* (n,S,A) additive tanh kept for backward, or NULL */
    float *att;                          /* (n,att_ld) attention weights */
    int att_ld;
    float *cs, *ht;                      /* Luong: (n,D+H) [c_t; s_t] and (n,H) ht_t */
    float *outin;                        /* (n,out_in) the output layer's input when it is a concatenation */
    float p;                             /* dropout between layers (0: none) */
    Rng *rng;
} Step;

/* Luong's step after the cell: score from s_t, c_t, ht_t = tanh(W_c [c_t; s_t]) (eq. 5). */
static void luong_after_cell(const S2sDecoder *d, const Views *w, const S2sAttMemory *m, Step *s) {
    const S2sDecoderConfig *c = &d->cfg;
    int n = s->n, H = c->H, D = c->D;
    const float *st = s->h[c->L - 1], *q = st;                        /* dot: q = s_t */
    if (c->attn == S2S_ATTN_LUONG_GENERAL) { matmul(0, 1, n, D, H, 1.0f, st, d->w.att_w, 0.0f, s->q); q = s->q; }
    if (c->attn == S2S_ATTN_LUONG_CONCAT) { matmul(0, 1, n, c->A, H, 1.0f, st, w->att_ws, 0.0f, s->q); q = s->q; }
    s2s_att_forward(s->cs, D + H, s->att, s->att_ld, s->tn, q, m, s->src, n);   /* c_t into cs[:, :D] */
    put_cols(s->cs, D + H, D, st, n, H);
    matmul(0, 1, n, H, D + H, 1.0f, s->cs, d->w.att_wc, 0.0f, s->ht);
    tanh_forward(s->ht, s->ht, (size_t)n * H);
}

static void step_forward(const S2sDecoder *d, const Views *w, const S2sAttMemory *m, const float *z, Step *s) {
    const S2sDecoderConfig *c = &d->cfg;
    int n = s->n, H = c->H, D = c->D, E = c->E, GH = gates_width(c), X = extra_width(c), top = c->L - 1;

    /* Layer 0's input beside the embedding, and its part of the projection. */
    if (is_cho(c)) {
        gather_rows(s->xx, z, s->src, n, D);
    } else if (c->attn == S2S_ATTN_BAHDANAU) {
        /* appendix A.1.2: the query is s_{t-1}, the top layer's previous state */
        matmul(0, 1, n, c->A, H, 1.0f, s->h_prev[top], w->att_ws, 0.0f, s->q);
        s2s_att_forward(s->xx, D, s->att, s->att_ld, s->tn, s->q, m, s->src, n);
    } else if (is_luong(c->attn)) {
        /* input feeding (sec. 3.3): the previous attentional vector */
        if (s->ht_prev) memcpy(s->xx, s->ht_prev, (size_t)n * H * sizeof(float));
        else memset(s->xx, 0, (size_t)n * H * sizeof(float));
    }
    if (X) matmul(0, 1, n, GH, X, 1.0f, s->xx, w->w_x, 1.0f, s->gates[0]);

    /* The stack of cells. */
    for (int l = 0; l < c->L; l++) {
        if (l > 0) {
            const float *in = s->h[l - 1];
            if (s->p > 0.0f) {
                dropout_forward(s->x[l], s->xmask[l], in, s->p, (size_t)n * H, s->rng);
                in = s->x[l];
            }
            rnn_input_forward(s->gates[l], in, d->w.w_ih[l], d->w.b_ih[l], n, H, GH);
        }
        if (c->cell == RNN_LSTM)
            lstm_step_forward(s->h[l], s->c[l], s->gates[l], s->h_prev[l], s->c_prev[l],
                              d->w.w_hh[l], d->w.b_hh[l], n, H);
        else
            gru_step_forward(s->h[l], s->gates[l], s->hg[l], s->h_prev[l], d->w.w_hh[l], d->w.b_hh[l], n, H);
    }

    /* What the output layer reads. */
    if (is_luong(c->attn)) luong_after_cell(d, w, m, s);
    if (is_cho(c)) concat3(s->outin, n, s->emb, E, s->h[top], H, s->xx, D);
    if (c->attn == S2S_ATTN_BAHDANAU) concat3(s->outin, n, s->h[top], H, s->xx, D, s->emb, E);
}

/* ================================================================ training activations */

typedef struct {
    /* the last forward's sizes and inputs, for backward */
    int T, S, B, pad_id;
    float p, smoothing;
    const float *enc_out, *h_final, *c_final;
    const int *src_len, *tgt_out;
    int *fed;                              /* (T,B) the tokens fed: tgt_in, or an argmax */
    int *rows;                             /* (T*B) backward: the rows whose target is not pad */
    Views w;
    S2sAttMemory mem;
    float *keys;                           /* (S,B,A) U h_j + b_a */
    float *z, *st0;                        /* (B,D) the encoder's top final states, (B,H) the bridge's */
    const float *h0[MAXL], *c0[MAXL];      /* initial states (c0 NULL: zero) */
    float *emb, *emb_mask;                 /* (T,B,E) after dropout, and its mask */
    float *xx;                             /* (T,B,X) layer 0's extra input */
    float *gates[MAXL], *hg[MAXL], *c[MAXL], *h[MAXL];   /* (T,B,GH), (T,B,GH), (T,B,H), (T,B,H) */
    float *x[MAXL], *xmask[MAXL];          /* (T,B,H) l >= 1: inputs after dropout */
    float *q, *tn;                         /* (T,B,QW), (T,B,S,A) */
    float *cs, *ht;                        /* (T,B,D+H), (T,B,H) Luong */
    float *outin;                          /* (T,B,out_in) concatenated output-layer input */
    float *probs;                          /* (T,B,V) */
    /* backward */
    float *dlogits, *d_outin, *demb;       /* (T,B,V), (T,B,out_in), (T,B,E) */
    float *packed;                         /* (T*B,out_in) the output layer's input, target rows only */
    float *dxg[MAXL], *dhg[MAXL];          /* (T,B,GH) every step's gate gradients */
    float *dh[2][MAXL], *dc[2][MAXL];      /* (B,H) state gradients: this step's, the previous step's */
    int cur;                               /* which of the two is this step's */
    float *dtmp, *dctx, *dcs, *dht;        /* (B,H), (B,D), (B,D+H), (B,H) */
    float *dq, *de, *dkeys, *dpre;         /* (T,B,QW), (T,B,S), (S,B,A), (T,B,H) */
    float *dz, *dst0;                      /* (B,D), (B,H) */
    float *gtmp;                           /* a weight block's gradient before it joins its tensor */
} Acts;

static void acts_layout(S2sDecoderActs *a, Acts *P, const S2sDecoder *d, Carver *cv) {
    const S2sDecoderConfig *c = &d->cfg;
    int T = a->T, S = a->S, B = a->B, H = c->H, D = c->D, E = c->E, V = c->V, L = c->L;
    int GH = gates_width(c), X = extra_width(c), QW = query_width(c), O = d->out_in;
    int lstm = c->cell == RNN_LSTM, att = c->attn != S2S_ATTN_NONE, luong = is_luong(c->attn);
    int A = is_additive(c->attn) ? c->A : 0;
    size_t TB = (size_t)T * B, bh = (size_t)B * H, enc_states = (size_t)c->enc_L * c->enc_ndir * B * c->enc_H;
    a->logits = carve(cv, TB * V);
    a->att = att ? carve(cv, TB * S) : NULL;
    a->d_enc_out = carve(cv, (size_t)S * B * D);
    a->dh_final = carve(cv, enc_states);
    a->dc_final = c->enc_cell == RNN_LSTM ? carve(cv, enc_states) : NULL;
    views_carve(&P->w, cv, c);
    P->keys = carve(cv, (size_t)S * B * A);
    P->z = carve(cv, (size_t)B * D);
    P->st0 = carve(cv, att ? bh : 0);
    P->emb = carve(cv, TB * E);
    P->emb_mask = carve(cv, c->dropout > 0.0f ? TB * E : 0);
    P->xx = carve(cv, TB * X);
    for (int l = 0; l < L; l++) {
        P->gates[l] = carve(cv, TB * GH);
        P->hg[l] = carve(cv, lstm ? 0 : TB * GH);
        P->c[l] = carve(cv, lstm ? TB * H : 0);
        P->h[l] = carve(cv, TB * H);
        P->x[l] = carve(cv, l > 0 && c->dropout > 0.0f ? TB * H : 0);
        P->xmask[l] = carve(cv, l > 0 && c->dropout > 0.0f ? TB * H : 0);
        P->dxg[l] = carve(cv, TB * GH);
        P->dhg[l] = carve(cv, lstm ? 0 : TB * GH);
        for (int k = 0; k < 2; k++) {
            P->dh[k][l] = carve(cv, bh);
            P->dc[k][l] = carve(cv, lstm ? bh : 0);
        }
    }
    P->q = carve(cv, att && c->attn != S2S_ATTN_LUONG_DOT ? TB * QW : 0);
    P->tn = carve(cv, TB * S * A);
    P->cs = carve(cv, luong ? TB * (D + H) : 0);
    P->ht = carve(cv, luong ? TB * H : 0);
    P->outin = carve(cv, O > H ? TB * O : 0);
    P->probs = carve(cv, TB * V);
    P->dlogits = carve(cv, TB * V);
    P->d_outin = carve(cv, TB * O);
    P->packed = carve(cv, TB * O);
    P->demb = carve(cv, TB * E);
    P->dtmp = carve(cv, bh);
    P->dctx = carve(cv, att ? (size_t)B * D : 0);
    P->dcs = carve(cv, luong ? (size_t)B * (D + H) : 0);
    P->dht = carve(cv, luong ? bh : 0);
    P->dq = carve(cv, att ? TB * QW : 0);
    P->de = carve(cv, att ? TB * S : 0);
    P->dkeys = carve(cv, (size_t)S * B * A);
    P->dpre = carve(cv, luong ? TB * H : 0);
    P->dz = carve(cv, (size_t)B * D);
    P->dst0 = carve(cv, att ? bh : 0);
    size_t g0 = (size_t)GH * (E > X ? E : X), ga = (size_t)A * (H > D ? H : D);
    P->gtmp = carve(cv, g0 > ga ? g0 : ga);
}

void s2s_decoder_acts_build(S2sDecoderActs *a, const S2sDecoder *d, int T, int S, int B, uint64_t seed) {
    if (T < 1 || S < 1 || B < 1) die("decoder: batch of T=%d S=%d B=%d: each must be >= 1", T, S, B);
    memset(a, 0, sizeof *a);
    a->T = T; a->S = S; a->B = B;
    Acts *P = xcalloc(1, sizeof *P);
    Carver cv = {0};
    acts_layout(a, P, d, &cv);
    a->memory = xcalloc(cv.used, sizeof(float));
    cv = (Carver){.base = a->memory};
    acts_layout(a, P, d, &cv);
    P->fed = xcalloc((size_t)T * B, sizeof(int));
    P->rows = xcalloc((size_t)T * B, sizeof(int));
    a->priv = P;
    rng_seed(&a->rng, seed, 0);
}

void s2s_decoder_acts_free(S2sDecoderActs *a) {
    Acts *P = a->priv;
    if (P) { free(P->fed); free(P->rows); }
    free(P);
    free(a->memory);
    memset(a, 0, sizeof *a);
}

/* ================================================================ training forward */

/* Source lengths must lie in [1, S]; a decoder without attention never
 * reads them (NULL is fine there). */
static void check_sources(const S2sDecoder *d, const int *src_len, const float *c_final, int S, int B) {
    if (!src_len && d->cfg.attn != S2S_ATTN_NONE) die("decoder: attention needs the source lengths");
    for (int b = 0; src_len && b < B; b++)
        if (src_len[b] < 1 || src_len[b] > S)
            die("decoder: source length %d of sentence %d is outside [1, %d]", src_len[b], b, S);
    if (is_sutskever(&d->cfg) && d->cfg.cell == RNN_LSTM && !c_final)
        die("decoder: an LSTM decoder that starts from the encoder's states needs c_final");
}

static void check_batch(const S2sDecoder *d, const S2sDecoderActs *a, const int *src_len,
                        const float *c_final, int S, int T, int B) {
    if (T < 1 || S < 1 || B < 1 || T > a->T || S > a->S || B > a->B)
        die("decoder: batch T=%d S=%d B=%d does not fit the buffers built for T=%d S=%d B=%d",
            T, S, B, a->T, a->S, a->B);
    check_sources(d, src_len, c_final, S, B);
}

/* The encoder side, as attention reads it; additive: keys = U h_j + b_a, once per batch. */
static S2sAttMemory memory_of(const S2sDecoder *d, const Views *w, float *keys,
                              const float *enc_out, const int *src_len, int S, int B) {
    const S2sDecoderConfig *c = &d->cfg;
    S2sAttMemory m = {.enc = enc_out, .len = src_len, .S = S, .B = B, .D = c->D, .A = c->A};
    if (is_additive(c->attn)) {
        linear_forward(keys, enc_out, w->att_u, d->w.att_b, S * B, c->D, c->A);
        m.keys = keys;
        m.v = d->w.att_v;
    }
    return m;
}

/* Embeddings of the tokens fed at steps t0 .. t0+nt-1, dropout, and their
 * part of layer 0's input projection: one sgemm over the nt*B rows. */
static void embed_steps(const S2sDecoder *d, S2sDecoderActs *a, int t0, int nt) {
    Acts *P = a->priv;
    const S2sDecoderConfig *c = &d->cfg;
    size_t r0 = (size_t)t0 * P->B;
    int N = nt * P->B, E = c->E, GH = gates_width(c);
    float *emb = P->emb + r0 * E;
    embedding_forward(emb, P->fed + r0, d->w.emb, N, c->V, E);
    if (P->p > 0.0f) dropout_forward(emb, P->emb_mask + r0 * E, emb, P->p, (size_t)N * E, &a->rng);
    rnn_input_forward(P->gates[0] + r0 * GH, emb, P->w.w_e, d->w.b_ih[0], N, E, GH);
}

/* The rows the output layer reads (T,B,out_in). */
static const float *output_input(const S2sDecoder *d, const Acts *P) {
    if (is_sutskever(&d->cfg)) return P->h[d->cfg.L - 1];
    if (is_luong(d->cfg.attn)) return P->ht;
    return P->outin;
}

/* logits of steps t0 .. t0+nt-1: one sgemm over nt*B rows. */
static void output_steps(const S2sDecoder *d, S2sDecoderActs *a, int t0, int nt) {
    Acts *P = a->priv;
    size_t r0 = (size_t)t0 * P->B;
    linear_forward(a->logits + r0 * d->cfg.V, output_input(d, P) + r0 * d->out_in,
                   d->w.out_w, d->w.out_b, nt * P->B, d->out_in, d->cfg.V);
}

/* Step t's tokens when teacher forcing is partial: one coin for the batch
 * decides between the reference and the argmax of step t-1's logits. */
static void choose_inputs(const S2sDecoder *d, S2sDecoderActs *a, const int *tgt_in, int t, float tf_ratio) {
    Acts *P = a->priv;
    int B = P->B, V = d->cfg.V;
    int *fed = P->fed + (size_t)t * B;
    if (t == 0 || rng_uniform(&a->rng) < tf_ratio) {
        memcpy(fed, tgt_in + (size_t)t * B, (size_t)B * sizeof(int));
        return;
    }
    for (int b = 0; b < B; b++) {
        const float *z = a->logits + ((size_t)(t - 1) * B + b) * V;
        int best = 0;
        for (int v = 1; v < V; v++) if (z[v] > z[best]) best = v;
        fed[b] = best;
    }
}

/* Step t's pointers into the training activations. */
static Step training_step(const S2sDecoder *d, S2sDecoderActs *a, int t) {
    Acts *P = a->priv;
    const S2sDecoderConfig *c = &d->cfg;
    int B = P->B, S = P->S, H = c->H, GH = gates_width(c);
    size_t bh = (size_t)B * H, bg = (size_t)B * GH, now = (size_t)t * B, before = (size_t)(t - 1) * B;
    Step s = {.n = B, .src = NULL, .att_ld = S, .p = P->p, .rng = &a->rng};
    for (int l = 0; l < c->L; l++) {
        s.h_prev[l] = t ? P->h[l] + (t - 1) * bh : P->h0[l];
        if (c->cell == RNN_LSTM) s.c_prev[l] = t ? P->c[l] + (t - 1) * bh : P->c0[l];
        s.gates[l] = P->gates[l] + t * bg;
        s.hg[l] = P->hg[l] ? P->hg[l] + t * bg : NULL;
        s.c[l] = P->c[l] ? P->c[l] + t * bh : NULL;
        s.h[l] = P->h[l] + t * bh;
        s.x[l] = P->x[l] ? P->x[l] + t * bh : NULL;
        s.xmask[l] = P->xmask[l] ? P->xmask[l] + t * bh : NULL;
    }
    s.ht_prev = P->ht && t ? P->ht + before * H : NULL;
    s.emb = P->emb + now * c->E;
    s.xx = P->xx ? P->xx + now * extra_width(c) : NULL;
    s.q = P->q ? P->q + now * query_width(c) : NULL;
    s.tn = P->tn ? P->tn + now * S * c->A : NULL;
    s.att = a->att ? a->att + now * S : NULL;
    s.cs = P->cs ? P->cs + now * (c->D + H) : NULL;
    s.ht = P->ht ? P->ht + now * H : NULL;
    s.outin = P->outin ? P->outin + now * d->out_in : NULL;
    return s;
}

double s2s_decoder_forward(const S2sDecoder *d, S2sDecoderActs *a,
                           const float *enc_out, const int *src_len,
                           const float *h_final, const float *c_final,
                           const int *tgt_in, const int *tgt_out, int pad_id, float smoothing,
                           int S, int T, int B, int train, float tf_ratio) {
    check_batch(d, a, src_len, c_final, S, T, B);
    Acts *P = a->priv;
    P->T = T; P->S = S; P->B = B;
    P->p = train ? d->cfg.dropout : 0.0f;
    P->enc_out = enc_out; P->h_final = h_final; P->c_final = c_final; P->src_len = src_len;
    P->tgt_out = tgt_out; P->pad_id = pad_id; P->smoothing = smoothing;

    views_fill(&P->w, d);
    P->mem = memory_of(d, &P->w, P->keys, enc_out, src_len, S, B);
    initial_state(d, P->h0, P->c0, P->z, P->st0, h_final, c_final, B);

    int forced = tf_ratio >= 1.0f;   /* every input known: whole-sequence products */
    if (forced) {
        memcpy(P->fed, tgt_in, (size_t)T * B * sizeof(int));
        embed_steps(d, a, 0, T);
    }
    for (int t = 0; t < T; t++) {
        if (!forced) {
            choose_inputs(d, a, tgt_in, t, tf_ratio);
            embed_steps(d, a, t, 1);
        }
        Step s = training_step(d, a, t);
        step_forward(d, &P->w, &P->mem, P->z, &s);
        if (!forced) output_steps(d, a, t, 1);
    }
    if (forced) output_steps(d, a, 0, T);
    return crossentropy_forward(P->probs, a->logits, tgt_out, T * B, d->cfg.V, pad_id, smoothing);
}

/* ================================================================ training backward */

/* Luong's output side at step t, backward: from dL/dht_t to dL/ds_t (into dh_top). */
static void luong_backward(const S2sDecoder *d, S2sDecoderActs *a, int t, const float *dout, float *dh_top) {
    Acts *P = a->priv;
    const S2sDecoderConfig *c = &d->cfg;
    int B = P->B, H = c->H, D = c->D, S = P->S;
    size_t bh = (size_t)B * H, now = (size_t)t * B;
    const float *ht = P->ht + now * H, *st = P->h[c->L - 1] + now * H;
    float *dpre = P->dpre + now * H;
    /* ht = tanh(W_c [c; s]) */
    for (size_t i = 0; i < bh; i++) dpre[i] = (dout[i] + P->dht[i]) * (1.0f - ht[i] * ht[i]);
    matmul(0, 0, B, D + H, H, 1.0f, dpre, d->w.att_wc, 0.0f, P->dcs);
    add_from_cols(dh_top, P->dcs, B, D + H, D, H);
    /* c_t = attention over the encoder with query s_t */
    int QW = query_width(c);
    const float *q = c->attn == S2S_ATTN_LUONG_DOT ? st : P->q + now * QW;
    float *dq = P->dq + now * QW;
    s2s_att_backward(dq, P->de + now * S, a->d_enc_out, P->dkeys, P->dcs, D + H,
                     a->att + now * S, P->tn ? P->tn + now * S * c->A : NULL, q, &P->mem, B);
    if (c->attn == S2S_ATTN_LUONG_DOT) add(dh_top, dq, bh);
    if (c->attn == S2S_ATTN_LUONG_GENERAL) matmul(0, 0, B, H, D, 1.0f, dq, d->w.att_w, 1.0f, dh_top);
    if (c->attn == S2S_ATTN_LUONG_CONCAT) matmul(0, 0, B, H, c->A, 1.0f, dq, P->w.att_ws, 1.0f, dh_top);
}

/*
 * Step t backward. On entry P->dh[cur][l] (and dc) hold what reaches layer
 * l's state at step t from step t+1; on exit P->dh[1-cur] holds what reaches
 * its state at step t-1 (at t = 0: the initial state), and cur flips.
 */
static void step_backward(const S2sDecoder *d, S2sDecoderActs *a, int t) {
    Acts *P = a->priv;
    const S2sDecoderConfig *c = &d->cfg;
    int B = P->B, S = P->S, H = c->H, D = c->D, E = c->E, GH = gates_width(c), O = d->out_in;
    int top = c->L - 1, lstm = c->cell == RNN_LSTM;
    size_t bh = (size_t)B * H, bg = (size_t)B * GH, now = (size_t)t * B;
    float **dh = P->dh[P->cur], **dh_prev = P->dh[1 - P->cur];
    float **dc = P->dc[P->cur], **dc_prev = P->dc[1 - P->cur];
    for (int l = 0; l < c->L; l++) {
        memset(dh_prev[l], 0, bh * sizeof(float));
        if (lstm) memset(dc_prev[l], 0, bh * sizeof(float));
    }

    /* 1. What the output layer sent back to this step's inputs. */
    const float *dout = P->d_outin + now * O;
    float *demb = P->demb + now * E;
    if (is_sutskever(c)) {
        add(dh[top], dout, bh);
    } else if (is_cho(c)) {                                 /* [emb; s_t; z] */
        add_from_cols(demb, dout, B, O, 0, E);
        add_from_cols(dh[top], dout, B, O, E, H);
        add_from_cols(P->dz, dout, B, O, E + H, D);
    } else if (c->attn == S2S_ATTN_BAHDANAU) {              /* [s_t; c_t; emb] */
        add_from_cols(dh[top], dout, B, O, 0, H);
        take_cols(P->dctx, dout, B, O, H, D);
        add_from_cols(demb, dout, B, O, H + D, E);
    } else {                                                /* Luong: ht_t */
        luong_backward(d, a, t, dout, dh[top]);
    }

    /* 2. The stack, top down: each layer's input is the one below's output. */
    for (int l = top; l >= 0; l--) {
        float *dxg = P->dxg[l] + t * bg;
        const float *h_prev = t ? P->h[l] + (t - 1) * bh : P->h0[l];
        if (lstm) {
            const float *c_prev = t ? P->c[l] + (t - 1) * bh : P->c0[l];
            lstm_step_backward(dxg, dh_prev[l], dc_prev[l], dh[l], dc[l], P->gates[l] + t * bg,
                               P->c[l] + t * bh, c_prev, d->w.w_hh[l], B, H);
        } else {
            gru_step_backward(dxg, P->dhg[l] + t * bg, dh_prev[l], dh[l], P->gates[l] + t * bg,
                              P->hg[l] + t * bg, h_prev, d->w.w_hh[l], B, H);
        }
        if (l == 0) break;
        if (P->p > 0.0f) {
            matmul(0, 0, B, H, GH, 1.0f, dxg, d->w.w_ih[l], 0.0f, P->dtmp);
            dropout_backward(dh[l - 1], P->dtmp, P->xmask[l] + t * bh, bh);
        } else {
            matmul(0, 0, B, H, GH, 1.0f, dxg, d->w.w_ih[l], 1.0f, dh[l - 1]);
        }
    }

    /* 3. Layer 0's extra input. */
    const float *dxg0 = P->dxg[0] + t * bg;
    if (is_cho(c)) {
        matmul(0, 0, B, D, GH, 1.0f, dxg0, P->w.w_x, 1.0f, P->dz);
    } else if (c->attn == S2S_ATTN_BAHDANAU) {
        /* c_t = attention with query s_{t-1}: its gradient joins step t-1's top state */
        int A = c->A;
        matmul(0, 0, B, D, GH, 1.0f, dxg0, P->w.w_x, 1.0f, P->dctx);
        float *dq = P->dq + now * A;
        s2s_att_backward(dq, P->de + now * S, a->d_enc_out, P->dkeys, P->dctx, D, a->att + now * S,
                         P->tn + now * S * A, P->q + now * A, &P->mem, B);
        matmul(0, 0, B, H, A, 1.0f, dq, P->w.att_ws, 1.0f, dh_prev[top]);
    } else if (is_luong(c->attn)) {
        /* the input was ht_{t-1} (a constant zero at t = 0) */
        matmul(0, 0, B, H, GH, 1.0f, dxg0, P->w.w_x, 0.0f, P->dht);
    }
    P->cur = 1 - P->cur;
}

/* Every layer's W_ih, W_hh and biases, and the embeddings' gradient, from
 * the gate gradients of all steps: whole-sequence sgemms. */
static void stack_weight_grads(const S2sDecoder *d, Acts *P) {
    const S2sDecoderConfig *c = &d->cfg;
    int T = P->T, B = P->B, N = T * B, H = c->H, E = c->E, GH = gates_width(c), X = extra_width(c);
    for (int l = 0; l < c->L; l++) {
        const float *dxg = P->dxg[l];
        if (l == 0) {
            /* W_ih^0 = [W_e W_x]: each block from its own input, then into place */
            matmul(1, 0, GH, E, N, 1.0f, dxg, P->emb, 0.0f, P->gtmp);
            add_to_cols(d->g.w_ih[0], E + X, 0, P->gtmp, GH, E);
            if (X) {
                matmul(1, 0, GH, X, N, 1.0f, dxg, P->xx, 0.0f, P->gtmp);
                add_to_cols(d->g.w_ih[0], E + X, E, P->gtmp, GH, X);
            }
            add_column_sums(d->g.b_ih[0], dxg, N, GH);
            matmul(0, 0, N, E, GH, 1.0f, dxg, P->w.w_e, 1.0f, P->demb);
        } else {
            const float *x = P->p > 0.0f ? P->x[l] : P->h[l - 1];
            rnn_input_backward(NULL, d->g.w_ih[l], d->g.b_ih[l], dxg, x, d->w.w_ih[l], N, H, GH);
        }
        const float *dhg = c->cell == RNN_LSTM ? dxg : P->dhg[l];
        rnn_hidden_backward(d->g.w_hh[l], d->g.b_hh[l], dhg, P->h0[l], P->h[l], T, B, H, GH);
    }
    if (P->p > 0.0f)
        for (size_t i = 0; i < (size_t)N * E; i++) P->demb[i] *= P->emb_mask[i];
    embedding_backward(d->g.emb, P->demb, P->fed, N, c->V, E);
}

/* The attention's weights, from what every step left in dq, de, dkeys, dpre. */
static void attention_weight_grads(const S2sDecoder *d, S2sDecoderActs *a) {
    Acts *P = a->priv;
    const S2sDecoderConfig *c = &d->cfg;
    int T = P->T, B = P->B, S = P->S, N = T * B, H = c->H, D = c->D, A = c->A;
    const float *s_top = P->h[c->L - 1];
    if (is_additive(c->attn)) {
        /* e = v . tn over every (t, b, j): dv = de . tn, one product */
        matmul(0, 0, 1, A, N * S, 1.0f, P->de, P->tn, 1.0f, d->g.att_v);
        /* W_s from the queries: s_{t-1} (Bahdanau; s_{-1} is state_0) or s_t (concat) */
        if (c->attn == S2S_ATTN_BAHDANAU) {
            matmul(1, 0, A, H, B, 1.0f, P->dq, P->h0[c->L - 1], 0.0f, P->gtmp);
            if (T > 1) matmul(1, 0, A, H, N - B, 1.0f, P->dq + (size_t)B * A, s_top, 1.0f, P->gtmp);
        } else {
            matmul(1, 0, A, H, N, 1.0f, P->dq, s_top, 0.0f, P->gtmp);
        }
        add_to_cols(d->g.att_w, H + D, 0, P->gtmp, A, H);
        /* U and b from the keys U h_j + b, and the keys' share of d_enc_out */
        matmul(1, 0, A, D, S * B, 1.0f, P->dkeys, P->enc_out, 0.0f, P->gtmp);
        add_to_cols(d->g.att_w, H + D, H, P->gtmp, A, D);
        add_column_sums(d->g.att_b, P->dkeys, S * B, A);
        matmul(0, 0, S * B, D, A, 1.0f, P->dkeys, P->w.att_u, 1.0f, a->d_enc_out);
    }
    if (c->attn == S2S_ATTN_LUONG_GENERAL) matmul(1, 0, D, H, N, 1.0f, P->dq, s_top, 1.0f, d->g.att_w);
    if (is_luong(c->attn)) matmul(1, 0, H, D + H, N, 1.0f, P->dpre, P->cs, 1.0f, d->g.att_wc);
}

/* From the gradient of every layer's initial state to the encoder's final states. */
static void initial_state_backward(const S2sDecoder *d, S2sDecoderActs *a) {
    Acts *P = a->priv;
    const S2sDecoderConfig *c = &d->cfg;
    int B = P->B, H = c->H, D = c->D;
    size_t bh = (size_t)B * H;
    float **dh0 = P->dh[P->cur], **dc0 = P->dc[P->cur];
    if (is_sutskever(c)) {
        for (int l = 0; l < c->L; l++) {
            add(a->dh_final + l * bh, dh0[l], bh);
            if (c->cell == RNN_LSTM) add(a->dc_final + l * bh, dc0[l], bh);
        }
        return;
    }
    if (is_cho(c)) {
        for (int l = 0; l < c->L; l++) add(P->dz, dh0[l], bh);   /* state_0 = z in every layer */
    } else {
        /* state_0 = tanh(W_br z + b_br) in every layer; c_0 = 0 is a constant */
        memset(P->dst0, 0, bh * sizeof(float));
        for (int l = 0; l < c->L; l++) add(P->dst0, dh0[l], bh);
        for (size_t i = 0; i < bh; i++) P->dst0[i] *= 1.0f - P->st0[i] * P->st0[i];
        linear_backward(P->dz, d->g.bridge_w, d->g.bridge_b, P->dst0, P->z, d->w.bridge_w, B, D, H);
    }
    /* z = [fwd^L_final; bwd^L_final] */
    int top = c->enc_L - 1;
    for (int dir = 0; dir < c->enc_ndir; dir++)
        add_from_cols(a->dh_final + (size_t)(top * c->enc_ndir + dir) * B * c->enc_H, P->dz, B, D,
                      dir * c->enc_H, c->enc_H);
}

/*
 * The output layer, backward: one sgemm each for its input's gradient and
 * dW_out, over the rows that have a target. A row whose target is pad has
 * zero dlogits: it adds nothing to either product, so its rows are packed
 * out first (with Multi30k's batches a good share of the T*B rows is pad).
 */
static void output_backward(const S2sDecoder *d, Acts *P, float dloss) {
    int N = P->T * P->B, V = d->cfg.V, O = d->out_in, M = 0;
    const float *in = output_input(d, P);
    memset(P->dlogits, 0, (size_t)N * V * sizeof(float));
    crossentropy_backward(P->dlogits, P->probs, P->tgt_out, N, V, P->pad_id, P->smoothing, dloss);
    memset(P->d_outin, 0, (size_t)N * O * sizeof(float));
    for (int i = 0; i < N; i++)
        if (P->tgt_out[i] != P->pad_id) P->rows[M++] = i;
    if (M == N) {
        linear_backward(P->d_outin, d->g.out_w, d->g.out_b, P->dlogits, in, d->w.out_w, N, O, V);
        return;
    }
    if (M == 0) return;
    /* pack: row rows[m] moves to row m (m <= rows[m], so in place for dlogits) */
    for (int m = 0; m < M; m++) {
        if (P->rows[m] != m)
            memcpy(P->dlogits + (size_t)m * V, P->dlogits + (size_t)P->rows[m] * V, (size_t)V * sizeof(float));
        memcpy(P->packed + (size_t)m * O, in + (size_t)P->rows[m] * O, (size_t)O * sizeof(float));
    }
    linear_backward(P->d_outin, d->g.out_w, d->g.out_b, P->dlogits, P->packed, d->w.out_w, M, O, V);
    /* unpack d_outin in place, from the last row down, and zero the pad rows */
    for (int m = M - 1; m >= 0; m--) {
        int r = P->rows[m];
        if (r == m) break;   /* rows[k] = k for every k <= m from here on */
        memcpy(P->d_outin + (size_t)r * O, P->d_outin + (size_t)m * O, (size_t)O * sizeof(float));
        memset(P->d_outin + (size_t)m * O, 0, (size_t)O * sizeof(float));
    }
}

void s2s_decoder_backward(const S2sDecoder *d, S2sDecoderActs *a, float dloss) {
    Acts *P = a->priv;
    const S2sDecoderConfig *c = &d->cfg;
    int T = P->T, B = P->B, S = P->S, N = T * B;
    size_t bh = (size_t)B * c->H, enc_states = (size_t)c->enc_L * c->enc_ndir * B * c->enc_H;
    memset(a->d_enc_out, 0, (size_t)S * B * c->D * sizeof(float));
    memset(a->dh_final, 0, enc_states * sizeof(float));
    if (a->dc_final) memset(a->dc_final, 0, enc_states * sizeof(float));
    memset(P->dz, 0, (size_t)B * c->D * sizeof(float));
    memset(P->demb, 0, (size_t)N * c->E * sizeof(float));
    if (P->dkeys) memset(P->dkeys, 0, (size_t)S * B * c->A * sizeof(float));
    if (P->dht) memset(P->dht, 0, bh * sizeof(float));

    output_backward(d, P, dloss);

    /* The steps in reverse; nothing reaches the last step's state from later. */
    P->cur = 0;
    for (int l = 0; l < c->L; l++) {
        memset(P->dh[0][l], 0, bh * sizeof(float));
        if (P->dc[0][l]) memset(P->dc[0][l], 0, bh * sizeof(float));
    }
    for (int t = T - 1; t >= 0; t--) step_backward(d, a, t);

    stack_weight_grads(d, P);
    attention_weight_grads(d, a);
    initial_state_backward(d, a);
}

/* ================================================================ decoding, one step at a time */

typedef struct {
    int S, B;                              /* of the last s2s_decode_begin */
    Views w;
    S2sAttMemory mem;
    float *enc, *keys;                     /* (S,B,D) a copy of the encoder's outputs, (S,B,A) */
    int *len;                              /* (B) */
    float *hf, *cf;                        /* copies of the encoder's final states */
    float *z, *st0;                        /* (B,D), (B,H) */
    const float *h0[MAXL], *c0[MAXL];      /* (B,H) each sentence's initial state */
    /* per row (R rows): [0] the last step's states, [1] the states this step starts from */
    float *h[2][MAXL], *c[2][MAXL], *ht[2];
    float *emb, *gates[MAXL], *hg[MAXL], *xx, *q, *cs, *outin;   /* one step's work, (R, ...) */
} DecState;

static void state_layout(S2sDecodeState *st, DecState *P, const S2sDecoder *d, Carver *cv) {
    const S2sDecoderConfig *c = &d->cfg;
    int S = st->S, B = st->B, R = st->R, H = c->H, D = c->D, GH = gates_width(c);
    int lstm = c->cell == RNN_LSTM, luong = is_luong(c->attn), A = is_additive(c->attn) ? c->A : 0;
    size_t rh = (size_t)R * H, enc_states = (size_t)c->enc_L * c->enc_ndir * B * c->enc_H;
    st->att = c->attn != S2S_ATTN_NONE ? carve(cv, (size_t)R * S) : NULL;
    views_carve(&P->w, cv, c);
    P->enc = carve(cv, (size_t)S * B * D);
    P->keys = carve(cv, (size_t)S * B * A);
    P->hf = carve(cv, enc_states);
    P->cf = carve(cv, c->enc_cell == RNN_LSTM ? enc_states : 0);
    P->z = carve(cv, (size_t)B * D);
    P->st0 = carve(cv, c->attn != S2S_ATTN_NONE ? (size_t)B * H : 0);
    for (int k = 0; k < 2; k++) {
        for (int l = 0; l < c->L; l++) {
            P->h[k][l] = carve(cv, rh);
            P->c[k][l] = carve(cv, lstm ? rh : 0);
        }
        P->ht[k] = carve(cv, luong ? rh : 0);
    }
    P->emb = carve(cv, (size_t)R * c->E);
    for (int l = 0; l < c->L; l++) {
        P->gates[l] = carve(cv, (size_t)R * GH);
        P->hg[l] = carve(cv, lstm ? 0 : (size_t)R * GH);
    }
    P->xx = carve(cv, (size_t)R * extra_width(c));
    P->q = carve(cv, c->attn != S2S_ATTN_NONE && c->attn != S2S_ATTN_LUONG_DOT ? (size_t)R * query_width(c) : 0);
    P->cs = carve(cv, luong ? (size_t)R * (D + H) : 0);
    P->outin = carve(cv, d->out_in > H ? (size_t)R * d->out_in : 0);
}

void s2s_decode_state_build(S2sDecodeState *st, const S2sDecoder *d, int S, int B, int K) {
    if (S < 1 || B < 1 || K < 1) die("decoder: decoding state for S=%d B=%d K=%d: each must be >= 1", S, B, K);
    memset(st, 0, sizeof *st);
    st->S = S; st->B = B; st->R = B * K;
    DecState *P = xcalloc(1, sizeof *P);
    Carver cv = {0};
    state_layout(st, P, d, &cv);
    st->memory = xcalloc(cv.used, sizeof(float));
    cv = (Carver){.base = st->memory};
    state_layout(st, P, d, &cv);
    P->len = xcalloc((size_t)B, sizeof(int));
    st->priv = P;
}

void s2s_decode_state_free(S2sDecodeState *st) {
    DecState *P = st->priv;
    if (P) free(P->len);
    free(P);
    free(st->memory);
    memset(st, 0, sizeof *st);
}

void s2s_decode_begin(const S2sDecoder *d, S2sDecodeState *st, const float *enc_out, const int *src_len,
                      const float *h_final, const float *c_final, int S, int B) {
    DecState *P = st->priv;
    const S2sDecoderConfig *c = &d->cfg;
    if (S < 1 || B < 1 || S > st->S || B > st->B)
        die("decoder: S=%d B=%d do not fit the decoding state built for S=%d B=%d", S, B, st->S, st->B);
    check_sources(d, src_len, c_final, S, B);
    size_t enc_states = (size_t)c->enc_L * c->enc_ndir * B * c->enc_H;
    P->S = S; P->B = B;
    memcpy(P->enc, enc_out, (size_t)S * B * c->D * sizeof(float));
    if (src_len) memcpy(P->len, src_len, (size_t)B * sizeof(int));
    memcpy(P->hf, h_final, enc_states * sizeof(float));
    if (P->cf && c_final) memcpy(P->cf, c_final, enc_states * sizeof(float));
    views_fill(&P->w, d);
    P->mem = memory_of(d, &P->w, P->keys, P->enc, P->len, S, B);
    initial_state(d, P->h0, P->c0, P->z, P->st0, P->hf, P->cf, B);
    if (st->att) memset(st->att, 0, (size_t)st->R * st->S * sizeof(float));
}

/* Row i's starting state: row parent[i] of the last step, or sentence src[i]'s initial state. */
static void reorder_rows(const S2sDecoder *d, const S2sDecodeState *st, DecState *P,
                         const int *parent, const int *src, int n) {
    const S2sDecoderConfig *c = &d->cfg;
    size_t H = (size_t)c->H, row = H * sizeof(float);
    for (int i = 0; i < n; i++) {
        int p = parent[i], s = src[i];
        if (s < 0 || s >= P->B) die("decoder: row %d names sentence %d, outside [0, %d)", i, s, P->B);
        if (p >= st->R) die("decoder: row %d continues row %d, outside [0, %d)", i, p, st->R);
        for (int l = 0; l < c->L; l++) {
            memcpy(P->h[1][l] + i * H, p < 0 ? P->h0[l] + s * H : P->h[0][l] + p * H, row);
            if (c->cell != RNN_LSTM) continue;
            if (p >= 0) memcpy(P->c[1][l] + i * H, P->c[0][l] + p * H, row);
            else if (P->c0[l]) memcpy(P->c[1][l] + i * H, P->c0[l] + s * H, row);
            else memset(P->c[1][l] + i * H, 0, row);
        }
        if (!is_luong(c->attn)) continue;
        if (p >= 0) memcpy(P->ht[1] + i * H, P->ht[0] + p * H, row);
        else memset(P->ht[1] + i * H, 0, row);
    }
}

void s2s_decode_step(const S2sDecoder *d, S2sDecodeState *st, float *logits,
                     const int *tokens, const int *parent, const int *src, int n, int t) {
    (void)t;   /* a row with parent -1 starts its sentence, whatever the step */
    DecState *P = st->priv;
    const S2sDecoderConfig *c = &d->cfg;
    if (n < 1 || n > st->R) die("decoder: %d rows, outside [1, %d]", n, st->R);
    int GH = gates_width(c), lstm = c->cell == RNN_LSTM;
    reorder_rows(d, st, P, parent, src, n);
    embedding_forward(P->emb, tokens, d->w.emb, n, c->V, c->E);
    rnn_input_forward(P->gates[0], P->emb, P->w.w_e, d->w.b_ih[0], n, c->E, GH);
    Step s = {.n = n, .src = src, .emb = P->emb, .xx = P->xx, .q = P->q, .tn = NULL,
              .att = st->att, .att_ld = st->S, .cs = P->cs, .ht = P->ht[0], .outin = P->outin,
              .ht_prev = is_luong(c->attn) ? P->ht[1] : NULL, .p = 0.0f, .rng = NULL};
    for (int l = 0; l < c->L; l++) {
        s.h_prev[l] = P->h[1][l];
        s.c_prev[l] = lstm ? P->c[1][l] : NULL;
        s.gates[l] = P->gates[l];
        s.hg[l] = P->hg[l];
        s.c[l] = P->c[0][l];
        s.h[l] = P->h[0][l];
    }
    step_forward(d, &P->w, &P->mem, P->z, &s);
    const float *out = is_sutskever(c) ? P->h[0][c->L - 1] : is_luong(c->attn) ? P->ht[0] : P->outin;
    linear_forward(logits, out, d->w.out_w, d->w.out_b, n, d->out_in, c->V);
}
