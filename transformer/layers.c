/*
 * layers.c -- the Transformer's layer stack: parameters, forward, backward,
 * and the key/value cache of decoding. See layers.h for the equations and
 * the tensor layout.
 *
 * Legend: B batch, T query positions, Tm memory positions, C d_model,
 *         NH heads, F FFN width, L layers, N = B*T rows.
 *
 * A layer is a list of sublayers (encoder: self-attention, FFN; decoder:
 * self-attention, cross-attention, FFN), and every sublayer is the same
 * wrapper Sub(x, f) around its branch f. Sublayers are numbered across the
 * stack, i = l * nsub + k, and the residual stream before sublayer i is
 * stream(i): the stack's input x for i = 0, a saved buffer after that.
 */
#include "transformer/layers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "ops.h"
#include "util.h"

#define LN_EPS 1e-5f   /* PyTorch's LayerNorm default */

typedef enum { SUB_SELF, SUB_CROSS, SUB_FFN } SubKind;

static int nsub(const TfStackConfig *c) { return c->cross ? 3 : 2; }

static SubKind sub_kind(const TfStackConfig *c, int k) {
    if (k == 0) return SUB_SELF;
    return c->cross && k == 1 ? SUB_CROSS : SUB_FFN;
}

/* Layer l's slice of a stacked tensor of n floats per layer (NULL stays NULL). */
static float *layer(float *base, int l, size_t n) { return base ? base + (size_t)l * n : NULL; }

/* ================================================================ parameters */

static void check_config(const TfStackConfig *c) {
    if (c->L < 1 || c->C < 1 || c->NH < 1 || c->F < 1)
        die("transformer: every size must be >= 1 (layers %d, d_model %d, heads %d, ffn %d)", c->L, c->C, c->NH,
            c->F);
    if (c->C % c->NH) die("transformer: d_model %d does not split into %d heads", c->C, c->NH);
    if (!(c->dropout >= 0.0f && c->dropout < 1.0f)) die("transformer: dropout %g is outside [0, 1)", c->dropout);
}

/* The stack's tensors in one table: the suffix, the field it binds to, its
 * per-layer shape, how it starts, and when it exists. Sizes are in units of
 * C (k > 0: k*C) or of the FFN width (UNIT_F); cols 0 makes a vector. */
enum { UNIT_F = -1 };
typedef enum { INIT_ZERO, INIT_ONE, INIT_XAVIER } InitKind;
typedef enum { IN_EVERY, IN_DECODER, IN_PRE_LN } Presence;

typedef struct {
    const char *suffix;
    size_t field;           /* offsetof in TfStackTensors */
    int rows, cols;
    InitKind init;          /* INIT_XAVIER marks the matrices, which also get weight decay */
    Presence when;          /* IN_PRE_LN: ln_f, one (C) vector for the whole stack */
} TensorSpec;

#define F_(x) offsetof(TfStackTensors, x)
static const TensorSpec specs[] = {
    {"self.w", F_(self_w), 3, 1, INIT_XAVIER, IN_EVERY},      {"self.b", F_(self_b), 3, 0, INIT_ZERO, IN_EVERY},
    {"self.wo", F_(self_wo), 1, 1, INIT_XAVIER, IN_EVERY},    {"self.bo", F_(self_bo), 1, 0, INIT_ZERO, IN_EVERY},
    {"cross.wq", F_(cross_wq), 1, 1, INIT_XAVIER, IN_DECODER}, {"cross.bq", F_(cross_bq), 1, 0, INIT_ZERO, IN_DECODER},
    {"cross.wkv", F_(cross_wkv), 2, 1, INIT_XAVIER, IN_DECODER},
    {"cross.bkv", F_(cross_bkv), 2, 0, INIT_ZERO, IN_DECODER},
    {"cross.wo", F_(cross_wo), 1, 1, INIT_XAVIER, IN_DECODER}, {"cross.bo", F_(cross_bo), 1, 0, INIT_ZERO, IN_DECODER},
    {"ln1.w", F_(ln1_w), 1, 0, INIT_ONE, IN_EVERY},           {"ln1.b", F_(ln1_b), 1, 0, INIT_ZERO, IN_EVERY},
    {"ln2.w", F_(ln2_w), 1, 0, INIT_ONE, IN_EVERY},           {"ln2.b", F_(ln2_b), 1, 0, INIT_ZERO, IN_EVERY},
    {"ln3.w", F_(ln3_w), 1, 0, INIT_ONE, IN_DECODER},         {"ln3.b", F_(ln3_b), 1, 0, INIT_ZERO, IN_DECODER},
    {"ff.w1", F_(ff_w1), UNIT_F, 1, INIT_XAVIER, IN_EVERY},   {"ff.b1", F_(ff_b1), UNIT_F, 0, INIT_ZERO, IN_EVERY},
    {"ff.w2", F_(ff_w2), 1, UNIT_F, INIT_XAVIER, IN_EVERY},   {"ff.b2", F_(ff_b2), 1, 0, INIT_ZERO, IN_EVERY},
    {"ln_f.w", F_(lnf_w), 1, 0, INIT_ONE, IN_PRE_LN},         {"ln_f.b", F_(lnf_b), 1, 0, INIT_ZERO, IN_PRE_LN},
};
#define NSPECS ((int)(sizeof specs / sizeof *specs))

static int spec_present(const TensorSpec *s, const TfStackConfig *c) {
    if (s->when == IN_DECODER) return c->cross;
    if (s->when == IN_PRE_LN) return c->norm == TF_PRE_LN;
    return 1;
}

static int units(int u, const TfStackConfig *c) { return u == UNIT_F ? c->F : u * c->C; }

static void spec_name(char *buf, size_t n, const char *prefix, const TensorSpec *s) {
    if (snprintf(buf, n, "%s.%s", prefix, s->suffix) >= (int)n) die("transformer: tensor prefix '%s' too long", prefix);
}

void tf_stack_declare(ParamTable *pt, const char *prefix, const TfStackConfig *cfg) {
    check_config(cfg);
    char name[PARAM_NAME_MAX];
    for (int i = 0; i < NSPECS; i++) {
        const TensorSpec *s = &specs[i];
        if (!spec_present(s, cfg)) continue;
        spec_name(name, sizeof name, prefix, s);
        int rows = units(s->rows, cfg);
        if (s->when == IN_PRE_LN) params_add(pt, name, 1, rows);
        else if (s->cols) params_add(pt, name, 3, cfg->L, rows, units(s->cols, cfg));
        else params_add(pt, name, 2, cfg->L, rows);
        /* Stacked gains and biases are (L,n): 2-D, but vectors per layer, so no decay. */
        params_set_decay(pt, name, s->init == INIT_XAVIER);
    }
}

static void point(TfStackTensors *t, const ParamTable *pt, float *buf, const char *prefix, const TfStackConfig *cfg) {
    char name[PARAM_NAME_MAX];
    memset(t, 0, sizeof *t);
    for (int i = 0; i < NSPECS; i++) {
        if (!spec_present(&specs[i], cfg)) continue;
        spec_name(name, sizeof name, prefix, &specs[i]);
        int k = params_find(pt, name);
        if (k < 0) die("transformer: the table has no tensor '%s'", name);
        *(float **)((char *)t + specs[i].field) = buf + pt->info[k].offset;
    }
}

void tf_stack_bind(TfStack *s, const ParamTable *pt, const char *prefix, const TfStackConfig *cfg) {
    s->cfg = *cfg;
    point(&s->w, pt, pt->values, prefix, cfg);
    point(&s->g, pt, pt->grads, prefix, cfg);
}

void tf_stack_init(TfStack *s, Rng *rng) {
    const TfStackConfig *c = &s->cfg;
    for (int i = 0; i < NSPECS; i++) {
        const TensorSpec *sp = &specs[i];
        if (!spec_present(sp, c)) continue;
        float *x = *(float **)((char *)&s->w + sp->field);
        int rows = units(sp->rows, c), nl = sp->when == IN_PRE_LN ? 1 : c->L;
        if (sp->init != INIT_XAVIER) {
            for (size_t j = 0; j < (size_t)nl * rows; j++) x[j] = sp->init == INIT_ONE ? 1.0f : 0.0f;
            continue;
        }
        /* Xavier per (out,in) block: self.w is 3 and cross.wkv 2 blocks of (C,C) */
        int cols = units(sp->cols, c), block = sp->rows > 1 ? c->C : rows;
        float bound = sqrtf(6.0f / (float)(block + cols));
        rng_fill_uniform(rng, x, (size_t)nl * rows * cols, -bound, bound);
    }
}

/* ================================================================ activations */

struct TfStackActs {
    TfStackConfig cfg;
    int maxB, maxT, maxTm;
    int B, T, Tm, drop;         /* the last forward: its shape, 1 if it applied dropout */
    const float *x, *mem;       /* its inputs (kept unchanged by the caller until backward) */
    Rng rng;                    /* dropout masks */
    float *memory;
    /* per sublayer i (L*nsub of them), each slot sized for (maxB, maxT) */
    float *stream;              /* (L*nsub, N, C) stream(i+1): the residual stream after sublayer i */
    float *aux;                 /* (L*nsub, N, C) post-LN: x + Dropout(f(x)), the LN's input; pre-LN: LN(x), f's input */
    float *mean, *rstd;         /* (L*nsub, N) that LayerNorm's */
    float *mask;                /* (L*nsub, N, C) dropout masks of the branch outputs (dropout > 0 only) */
    /* per layer */
    float *sq, *sk, *sv, *sy;   /* (L, N, C) self-attention q, k, v and heads' output */
    float *satt;                /* (L, B, NH, T, T) */
    float *cq, *cy;             /* (L, N, C) cross-attention q and output (decoder) */
    float *ck, *cv;             /* (L, B*Tm, C) memory keys and values (decoder) */
    float *catt;                /* (L, B, NH, T, Tm) (decoder) */
    float *h;                   /* (L, N, F) ReLU(x W1^T + b1), dropped out in place */
    float *hmask;               /* (L, N, F) its dropout mask (dropout > 0 only) */
    float *lnf_mean, *lnf_rstd; /* (N) pre-LN's final LayerNorm */
    /* scratch */
    float *branch;              /* (N, C) a branch's output */
    float *att_scratch;
    float *dres, *dsum, *dfin, *dtmp;   /* (N, C) */
    float *dq;                  /* (N, C) */
    float *dk, *dv;             /* (max(N, B*Tm), C) */
    float *dh, *dh2;            /* (N, F) */
};

TfStackActs *tf_stack_acts_build(const TfStackConfig *cfg, int B, int T, int Tm, uint64_t seed) {
    check_config(cfg);
    if (B < 1 || T < 1 || (cfg->cross && Tm < 1))
        die("transformer: activations for B=%d T=%d Tm=%d (each must be >= 1)", B, T, Tm);
    TfStackActs *a = xcalloc(1, sizeof *a);
    a->cfg = *cfg;
    a->maxB = B, a->maxT = T, a->maxTm = cfg->cross ? Tm : 0;
    size_t L = cfg->L, C = cfg->C, NH = cfg->NH, F = cfg->F, N = (size_t)B * T, Nm = (size_t)B * a->maxTm;
    size_t S = L * nsub(cfg), drop = cfg->dropout > 0.0f, cross = cfg->cross, pre = cfg->norm == TF_PRE_LN;
    size_t nk = N > Nm ? N : Nm;
    size_t scratch = attention_scratch_size(T, T, (int)C, (int)NH);
    if (cross && attention_scratch_size(T, Tm, (int)C, (int)NH) > scratch)
        scratch = attention_scratch_size(T, Tm, (int)C, (int)NH);
    size_t sizes[] = {S * N * C, S * N * C, S * N, S * N, drop * S * N * C,
                      L * N * C, L * N * C, L * N * C, L * N * C, L * B * NH * T * T,
                      cross * L * N * C, cross * L * N * C, L * Nm * C, L * Nm * C, L * B * NH * T * a->maxTm,
                      L * N * F, drop * L * N * F, pre * N, pre * N,
                      N * C, scratch, N * C, N * C, N * C, N * C, N * C, nk * C, nk * C, N * F, N * F};
    float **ptrs[] = {&a->stream, &a->aux, &a->mean, &a->rstd, &a->mask,
                      &a->sq, &a->sk, &a->sv, &a->sy, &a->satt,
                      &a->cq, &a->cy, &a->ck, &a->cv, &a->catt,
                      &a->h, &a->hmask, &a->lnf_mean, &a->lnf_rstd,
                      &a->branch, &a->att_scratch, &a->dres, &a->dsum, &a->dfin, &a->dtmp, &a->dq, &a->dk, &a->dv,
                      &a->dh, &a->dh2};
    size_t n = sizeof sizes / sizeof *sizes, total = 0;
    for (size_t i = 0; i < n; i++) total += sizes[i];
    a->memory = xcalloc(total, sizeof(float));
    float *p = a->memory;
    for (size_t i = 0; i < n; i++) {
        *ptrs[i] = sizes[i] ? p : NULL;
        p += sizes[i];
    }
    rng_seed(&a->rng, seed, 0);
    return a;
}

void tf_stack_acts_free(TfStackActs *a) {
    if (!a) return;
    free(a->memory);
    free(a);
}

/* Per-slot strides: every layer's (and sublayer's) slice is sized for the
 * largest batch, and a smaller batch uses its beginning. */
static size_t slot_nc(const TfStackActs *a) { return (size_t)a->maxB * a->maxT * a->cfg.C; }
static size_t slot_n(const TfStackActs *a) { return (size_t)a->maxB * a->maxT; }
static size_t slot_nf(const TfStackActs *a) { return (size_t)a->maxB * a->maxT * a->cfg.F; }
static size_t slot_mc(const TfStackActs *a) { return (size_t)a->maxB * a->maxTm * a->cfg.C; }
static size_t slot_self_att(const TfStackActs *a) { return (size_t)a->maxB * a->cfg.NH * a->maxT * a->maxT; }
static size_t slot_cross_att(const TfStackActs *a) { return (size_t)a->maxB * a->cfg.NH * a->maxT * a->maxTm; }

/* The residual stream before sublayer i. */
static const float *stream_in(const TfStackActs *a, int i) {
    return i == 0 ? a->x : a->stream + (size_t)(i - 1) * slot_nc(a);
}

/* Sublayer k's LayerNorm: ln1, ln2, ln3 in order. */
static float *ln_w(const TfStackTensors *t, int k) { return k == 0 ? t->ln1_w : k == 1 ? t->ln2_w : t->ln3_w; }
static float *ln_b(const TfStackTensors *t, int k) { return k == 0 ? t->ln1_b : k == 1 ? t->ln2_b : t->ln3_b; }

const float *tf_stack_self_att(const TfStackActs *a, int l) { return a->satt + (size_t)l * slot_self_att(a); }

const float *tf_stack_cross_att(const TfStackActs *a, int l) {
    return a->cfg.cross ? a->catt + (size_t)l * slot_cross_att(a) : NULL;
}

/* ================================================================ forward */

/* The branch f of sublayer kind of layer l, on its input fin (N,C), into
 * a->branch (N,C): multi-head attention (sec. 3.2.2) or the FFN (eq. 2). */
static void branch_forward(TfStack *s, TfStackActs *a, int l, SubKind kind, const float *fin, const int *len,
                           const int *mem_len) {
    const TfStackConfig *c = &s->cfg;
    const TfStackTensors *w = &s->w;
    int B = a->B, T = a->T, Tm = a->Tm, C = c->C, NH = c->NH, F = c->F, N = B * T;
    size_t CC = (size_t)C * C, nc = slot_nc(a);
    if (kind == SUB_SELF) {
        float *q = a->sq + l * nc, *k = a->sk + l * nc, *v = a->sv + l * nc, *y = a->sy + l * nc;
        const float *wq = layer(w->self_w, l, 3 * CC), *bq = layer(w->self_b, l, 3 * C);
        linear_forward(q, fin, wq, bq, N, C, C);
        linear_forward(k, fin, wq + CC, bq + C, N, C, C);
        linear_forward(v, fin, wq + 2 * CC, bq + 2 * C, N, C, C);
        /* a decoder's self-attention is causal: position t sees 1..t (sec. 3.2.3) */
        attention_forward(y, a->satt + l * slot_self_att(a), a->att_scratch, q, k, v, len, c->cross, B, T, T, C, NH);
        linear_forward(a->branch, y, layer(w->self_wo, l, CC), layer(w->self_bo, l, C), N, C, C);
    } else if (kind == SUB_CROSS) {
        /* queries from the decoder, keys and values from the encoder's output */
        float *q = a->cq + l * nc, *y = a->cy + l * nc, *k = a->ck + l * slot_mc(a), *v = a->cv + l * slot_mc(a);
        const float *wkv = layer(w->cross_wkv, l, 2 * CC), *bkv = layer(w->cross_bkv, l, 2 * C);
        linear_forward(q, fin, layer(w->cross_wq, l, CC), layer(w->cross_bq, l, C), N, C, C);
        linear_forward(k, a->mem, wkv, bkv, B * Tm, C, C);
        linear_forward(v, a->mem, wkv + CC, bkv + C, B * Tm, C, C);
        attention_forward(y, a->catt + l * slot_cross_att(a), a->att_scratch, q, k, v, mem_len, 0, B, T, Tm, C, NH);
        linear_forward(a->branch, y, layer(w->cross_wo, l, CC), layer(w->cross_bo, l, C), N, C, C);
    } else {
        float *h = a->h + l * slot_nf(a);
        linear_forward(h, fin, layer(w->ff_w1, l, (size_t)F * C), layer(w->ff_b1, l, F), N, C, F);
        relu_forward(h, h, (size_t)N * F);
        /* dropout after the ReLU, as PyTorch's TransformerEncoderLayer */
        if (a->drop) dropout_forward(h, a->hmask + l * slot_nf(a), h, c->dropout, (size_t)N * F, &a->rng);
        linear_forward(a->branch, h, layer(w->ff_w2, l, (size_t)C * F), layer(w->ff_b2, l, C), N, F, C);
    }
}

/* Sublayer i = (layer l, k-th): Sub(x, f) of layers.h, from stream_in(i) to out. */
static void sublayer_forward(TfStack *s, TfStackActs *a, int l, int k, float *out, const int *len,
                             const int *mem_len) {
    const TfStackConfig *c = &s->cfg;
    int i = l * nsub(c) + k, N = a->B * a->T, C = c->C;
    size_t n = (size_t)N * C;
    const float *in = stream_in(a, i);
    float *aux = a->aux + i * slot_nc(a), *mean = a->mean + i * slot_n(a), *rstd = a->rstd + i * slot_n(a);
    const float *g = layer(ln_w(&s->w, k), l, C), *b = layer(ln_b(&s->w, k), l, C);
    if (c->norm == TF_PRE_LN) {
        /* out = x + Dropout(f(LN(x))) */
        layernorm_forward(aux, mean, rstd, in, g, b, N, C, LN_EPS);
        branch_forward(s, a, l, sub_kind(c, k), aux, len, mem_len);
        if (a->drop) dropout_forward(a->branch, a->mask + i * slot_nc(a), a->branch, c->dropout, n, &a->rng);
        for (size_t j = 0; j < n; j++) out[j] = in[j] + a->branch[j];
    } else {
        /* out = LN(x + Dropout(f(x))) */
        branch_forward(s, a, l, sub_kind(c, k), in, len, mem_len);
        if (a->drop) dropout_forward(a->branch, a->mask + i * slot_nc(a), a->branch, c->dropout, n, &a->rng);
        for (size_t j = 0; j < n; j++) aux[j] = in[j] + a->branch[j];
        layernorm_forward(out, mean, rstd, aux, g, b, N, C, LN_EPS);
    }
}

void tf_stack_forward(TfStack *s, TfStackActs *a, float *out, const float *x, const int *len, const float *mem,
                      const int *mem_len, int B, int T, int Tm, int train) {
    const TfStackConfig *c = &s->cfg;
    if (B < 1 || T < 1 || B > a->maxB || T > a->maxT || (c->cross && (Tm < 1 || Tm > a->maxTm)))
        die("transformer: a batch of B=%d T=%d Tm=%d does not fit activations sized for B=%d T=%d Tm=%d", B, T,
            c->cross ? Tm : 0, a->maxB, a->maxT, a->maxTm);
    if (c->cross && !mem) die("transformer: a decoder stack needs the encoder's output");
    a->B = B, a->T = T, a->Tm = c->cross ? Tm : 0;
    a->x = x, a->mem = c->cross ? mem : NULL;
    a->drop = train && c->dropout > 0.0f;
    if (a->drop && !a->mask) die("transformer: dropout %g, but the activations were built without it", c->dropout);
    int S = c->L * nsub(c), N = B * T, C = c->C;
    int post_out = c->norm == TF_POST_LN;   /* post-LN's last sublayer writes straight into out */
    for (int l = 0; l < c->L; l++)
        for (int k = 0; k < nsub(c); k++) {
            int i = l * nsub(c) + k;
            float *dst = post_out && i == S - 1 ? out : a->stream + (size_t)i * slot_nc(a);
            sublayer_forward(s, a, l, k, dst, len, mem_len);
        }
    if (c->norm == TF_PRE_LN)
        layernorm_forward(out, a->lnf_mean, a->lnf_rstd, stream_in(a, S), s->w.lnf_w, s->w.lnf_b, N, C, LN_EPS);
}

/* ================================================================ backward */

/* The branch's backward: from dy (N,C), the gradient of a->branch, ACCUMULATE
 * into dfin (N,C) (the gradient of its input fin) and the weights' gradients. */
static void branch_backward(TfStack *s, TfStackActs *a, int l, SubKind kind, float *dfin, float *dmem,
                            const float *dy, const float *fin) {
    const TfStackConfig *c = &s->cfg;
    const TfStackTensors *w = &s->w, *g = &s->g;
    int B = a->B, T = a->T, Tm = a->Tm, C = c->C, NH = c->NH, F = c->F, N = B * T, Nm = B * Tm;
    size_t CC = (size_t)C * C, nc = slot_nc(a), n = (size_t)N * C;
    if (kind == SUB_SELF) {
        const float *q = a->sq + l * nc, *k = a->sk + l * nc, *v = a->sv + l * nc, *y = a->sy + l * nc;
        const float *wq = layer(w->self_w, l, 3 * CC);
        float *gw = layer(g->self_w, l, 3 * CC), *gb = layer(g->self_b, l, 3 * C);
        memset(a->dtmp, 0, n * sizeof(float));
        linear_backward(a->dtmp, layer(g->self_wo, l, CC), layer(g->self_bo, l, C), dy, y, layer(w->self_wo, l, CC),
                        N, C, C);
        memset(a->dq, 0, n * sizeof(float));
        memset(a->dk, 0, n * sizeof(float));
        memset(a->dv, 0, n * sizeof(float));
        attention_backward(a->dq, a->dk, a->dv, a->att_scratch, a->dtmp, q, k, v, a->satt + l * slot_self_att(a), B,
                           T, T, C, NH);
        linear_backward(dfin, gw, gb, a->dq, fin, wq, N, C, C);
        linear_backward(dfin, gw + CC, gb + C, a->dk, fin, wq + CC, N, C, C);
        linear_backward(dfin, gw + 2 * CC, gb + 2 * C, a->dv, fin, wq + 2 * CC, N, C, C);
    } else if (kind == SUB_CROSS) {
        const float *q = a->cq + l * nc, *y = a->cy + l * nc, *k = a->ck + l * slot_mc(a), *v = a->cv + l * slot_mc(a);
        const float *wkv = layer(w->cross_wkv, l, 2 * CC);
        float *gkv = layer(g->cross_wkv, l, 2 * CC), *gbkv = layer(g->cross_bkv, l, 2 * C);
        memset(a->dtmp, 0, n * sizeof(float));
        linear_backward(a->dtmp, layer(g->cross_wo, l, CC), layer(g->cross_bo, l, C), dy, y,
                        layer(w->cross_wo, l, CC), N, C, C);
        memset(a->dq, 0, n * sizeof(float));
        memset(a->dk, 0, (size_t)Nm * C * sizeof(float));
        memset(a->dv, 0, (size_t)Nm * C * sizeof(float));
        attention_backward(a->dq, a->dk, a->dv, a->att_scratch, a->dtmp, q, k, v, a->catt + l * slot_cross_att(a), B,
                           T, Tm, C, NH);
        linear_backward(dfin, layer(g->cross_wq, l, CC), layer(g->cross_bq, l, C), a->dq, fin,
                        layer(w->cross_wq, l, CC), N, C, C);
        linear_backward(dmem, gkv, gbkv, a->dk, a->mem, wkv, Nm, C, C);
        linear_backward(dmem, gkv + CC, gbkv + C, a->dv, a->mem, wkv + CC, Nm, C, C);
    } else {
        const float *h = a->h + l * slot_nf(a);
        size_t nf = (size_t)N * F;
        memset(a->dh, 0, nf * sizeof(float));
        linear_backward(a->dh, layer(g->ff_w2, l, (size_t)C * F), layer(g->ff_b2, l, C), dy, h,
                        layer(w->ff_w2, l, (size_t)C * F), N, F, C);
        const float *dh = a->dh;
        if (a->drop) {
            memset(a->dh2, 0, nf * sizeof(float));
            dropout_backward(a->dh2, a->dh, a->hmask + l * slot_nf(a), nf);
            dh = a->dh2;
        }
        /* h holds ReLU's output after dropout: where dropout zeroed it, dh is
         * already 0, so [h > 0] is ReLU's own derivative wherever it matters. */
        float *dpre = dh == a->dh ? a->dh2 : a->dh;
        memset(dpre, 0, nf * sizeof(float));
        relu_backward(dpre, dh, h, nf);
        linear_backward(dfin, layer(g->ff_w1, l, (size_t)F * C), layer(g->ff_b1, l, F), dpre, fin,
                        layer(w->ff_w1, l, (size_t)F * C), N, C, F);
    }
}

/* Sublayer i's backward: a->dres holds dL/d(its output) on entry and
 * dL/d(its input stream) on return. */
static void sublayer_backward(TfStack *s, TfStackActs *a, int l, int k, float *dmem) {
    const TfStackConfig *c = &s->cfg;
    int i = l * nsub(c) + k, N = a->B * a->T, C = c->C;
    size_t n = (size_t)N * C;
    const float *in = stream_in(a, i), *aux = a->aux + i * slot_nc(a);
    const float *mean = a->mean + i * slot_n(a), *rstd = a->rstd + i * slot_n(a);
    const float *mask = a->drop ? a->mask + i * slot_nc(a) : NULL;
    const float *gw = layer(ln_w(&s->w, k), l, C);
    float *dgw = layer(ln_w(&s->g, k), l, C), *dgb = layer(ln_b(&s->g, k), l, C);
    SubKind kind = sub_kind(c, k);
    if (c->norm == TF_PRE_LN) {
        /* out = x + Dropout(f(LN(x))): dres already is the residual path's share of dx */
        const float *dy = a->dres;
        if (mask) {
            memset(a->dsum, 0, n * sizeof(float));
            dropout_backward(a->dsum, a->dres, mask, n);
            dy = a->dsum;
        }
        memset(a->dfin, 0, n * sizeof(float));
        branch_backward(s, a, l, kind, a->dfin, dmem, dy, aux);
        layernorm_backward(a->dres, dgw, dgb, a->dfin, in, gw, mean, rstd, N, C);
    } else {
        /* out = LN(x + Dropout(f(x))): through the LayerNorm to the sum, then
         * the sum's gradient goes both to x directly and through f */
        memset(a->dsum, 0, n * sizeof(float));
        layernorm_backward(a->dsum, dgw, dgb, a->dres, aux, gw, mean, rstd, N, C);
        memcpy(a->dres, a->dsum, n * sizeof(float));
        const float *dy = a->dsum;
        if (mask) {
            memset(a->dfin, 0, n * sizeof(float));
            dropout_backward(a->dfin, a->dsum, mask, n);
            dy = a->dfin;
        }
        branch_backward(s, a, l, kind, a->dres, dmem, dy, in);
    }
}

void tf_stack_backward(TfStack *s, TfStackActs *a, float *dx, float *dmem, const float *dout) {
    const TfStackConfig *c = &s->cfg;
    int S = c->L * nsub(c), N = a->B * a->T, C = c->C;
    size_t n = (size_t)N * C;
    if (c->norm == TF_PRE_LN) {
        memset(a->dres, 0, n * sizeof(float));
        layernorm_backward(a->dres, s->g.lnf_w, s->g.lnf_b, dout, stream_in(a, S), s->w.lnf_w, a->lnf_mean,
                           a->lnf_rstd, N, C);
    } else {
        memcpy(a->dres, dout, n * sizeof(float));
    }
    for (int l = c->L - 1; l >= 0; l--)
        for (int k = nsub(c) - 1; k >= 0; k--) sublayer_backward(s, a, l, k, dmem);
    for (size_t j = 0; j < n; j++) dx[j] += a->dres[j];
}

/* ================================================================ cached decoding */

struct TfStackCache {
    TfStackConfig cfg;
    int R, maxT, maxB, maxTm;
    int t, n;                   /* positions held per row, rows held */
    int nmem, Tm;               /* sentences and positions of the memory */
    int *mem_len;               /* (maxB) */
    float *memory;
    /* Self-attention keys and values, per layer a block of R*maxT*C floats
     * holding the rows packed as (n, t, C), so that one attention call reads
     * them all; two copies, since reordering by parent writes the other. */
    float *k, *v, *k2, *v2;
    float *mk, *mv;             /* (L, maxB, maxTm, C) cross-attention keys and values of the memory */
    /* one step's work, (R, ...) */
    float *x, *fin, *aux, *q, *kn, *vn, *y, *branch, *h;
    float *mean, *rstd;
    float *att, *att_scratch;
};

TfStackCache *tf_stack_cache_build(const TfStackConfig *cfg, int R, int maxT, int B, int Tm) {
    check_config(cfg);
    if (!cfg->cross) die("transformer: only a decoder stack decodes step by step");
    if (R < 1 || maxT < 1 || B < 1 || Tm < 1)
        die("transformer: a decoding cache of R=%d rows, %d steps, B=%d, Tm=%d (each must be >= 1)", R, maxT, B, Tm);
    TfStackCache *c = xcalloc(1, sizeof *c);
    c->cfg = *cfg;
    c->R = R, c->maxT = maxT, c->maxB = B, c->maxTm = Tm;
    size_t L = cfg->L, C = cfg->C, NH = cfg->NH, F = cfg->F, kv = L * R * maxT * C, m = L * B * Tm * C;
    size_t scratch = attention_scratch_size(1, maxT, (int)C, (int)NH);
    if (attention_scratch_size(R, Tm, (int)C, (int)NH) > scratch) scratch = attention_scratch_size(R, Tm, (int)C, (int)NH);
    size_t att = (size_t)R * NH * (maxT > Tm ? maxT : Tm);
    size_t rc = (size_t)R * C;
    size_t sizes[] = {kv, kv, kv, kv, m, m, rc, rc, rc, rc, rc, rc, rc, rc, (size_t)R * F, R, R, att, scratch};
    float **ptrs[] = {&c->k, &c->v, &c->k2, &c->v2, &c->mk, &c->mv, &c->x, &c->fin, &c->aux, &c->q, &c->kn,
                      &c->vn, &c->y, &c->branch, &c->h, &c->mean, &c->rstd, &c->att, &c->att_scratch};
    size_t n = sizeof sizes / sizeof *sizes, total = 0;
    for (size_t i = 0; i < n; i++) total += sizes[i];
    c->memory = xcalloc(total, sizeof(float));
    float *p = c->memory;
    for (size_t i = 0; i < n; i++) {
        *ptrs[i] = p;
        p += sizes[i];
    }
    c->mem_len = xcalloc((size_t)B, sizeof(int));
    return c;
}

void tf_stack_cache_free(TfStackCache *c) {
    if (!c) return;
    free(c->memory);
    free(c->mem_len);
    free(c);
}

void tf_stack_cache_memory(TfStack *s, TfStackCache *c, const float *mem, const int *mem_len, int n, int Tm) {
    const TfStackConfig *g = &s->cfg;
    if (n < 1 || n > c->maxB || Tm < 1 || Tm > c->maxTm)
        die("transformer: a memory of %d sentences of %d positions does not fit a cache for %d of %d", n, Tm,
            c->maxB, c->maxTm);
    int C = g->C;
    size_t CC = (size_t)C * C, blk = (size_t)c->maxB * c->maxTm * C;
    for (int b = 0; b < n; b++) {
        if (mem_len[b] < 1 || mem_len[b] > Tm)
            die("transformer: memory length %d of sentence %d is outside [1, %d]", mem_len[b], b, Tm);
        c->mem_len[b] = mem_len[b];
    }
    for (int l = 0; l < g->L; l++) {
        const float *wkv = layer(s->w.cross_wkv, l, 2 * CC), *bkv = layer(s->w.cross_bkv, l, 2 * C);
        linear_forward(c->mk + l * blk, mem, wkv, bkv, n * Tm, C, C);
        linear_forward(c->mv + l * blk, mem, wkv + CC, bkv + C, n * Tm, C, C);
    }
    c->nmem = n, c->Tm = Tm;
    c->t = 0, c->n = 0;   /* a new decoding starts */
}

/* The rows' past keys and values in their new order: row i gets row
 * parent[i]'s t positions, packed with room for position t. */
static void cache_reorder(TfStackCache *c, const int *parent, int n, int t) {
    size_t C = c->cfg.C, blk = (size_t)c->R * c->maxT * C;
    if (t > 0)
        for (int l = 0; l < c->cfg.L; l++)
            for (int i = 0; i < n; i++) {
                size_t from = l * blk + (size_t)parent[i] * t * C, to = l * blk + (size_t)i * (t + 1) * C;
                memcpy(c->k2 + to, c->k + from, t * C * sizeof(float));
                memcpy(c->v2 + to, c->v + from, t * C * sizeof(float));
            }
    float *k = c->k, *v = c->v;
    c->k = c->k2, c->v = c->v2, c->k2 = k, c->v2 = v;
}

/* The branch of sublayer kind on one step's rows: fin (n,C) -> c->branch. */
static void step_branch(TfStack *s, TfStackCache *c, int l, SubKind kind, const float *fin, const int *src, int n,
                        int t) {
    const TfStackConfig *g = &s->cfg;
    const TfStackTensors *w = &s->w;
    int C = g->C, NH = g->NH, F = g->F;
    size_t CC = (size_t)C * C;
    if (kind == SUB_SELF) {
        const float *wq = layer(w->self_w, l, 3 * CC), *bq = layer(w->self_b, l, 3 * C);
        size_t blk = (size_t)c->R * c->maxT * C;
        float *kc = c->k + l * blk, *vc = c->v + l * blk;
        linear_forward(c->q, fin, wq, bq, n, C, C);
        linear_forward(c->kn, fin, wq + CC, bq + C, n, C, C);
        linear_forward(c->vn, fin, wq + 2 * CC, bq + 2 * C, n, C, C);
        for (int i = 0; i < n; i++) {   /* append position t to each row */
            memcpy(kc + ((size_t)i * (t + 1) + t) * C, c->kn + (size_t)i * C, C * sizeof(float));
            memcpy(vc + ((size_t)i * (t + 1) + t) * C, c->vn + (size_t)i * C, C * sizeof(float));
        }
        /* one query per row over its t+1 keys: the causal mask has nothing left to hide */
        attention_forward(c->y, c->att, c->att_scratch, c->q, kc, vc, NULL, 0, n, 1, t + 1, C, NH);
        linear_forward(c->branch, c->y, layer(w->self_wo, l, CC), layer(w->self_bo, l, C), n, C, C);
    } else if (kind == SUB_CROSS) {
        size_t blk = (size_t)c->maxB * c->maxTm * C;
        linear_forward(c->q, fin, layer(w->cross_wq, l, CC), layer(w->cross_bq, l, C), n, C, C);
        /* the rows of one sentence are consecutive (beam.h packs them so): they
         * are that sentence's Tq queries over its memory */
        for (int r0 = 0, r1; r0 < n; r0 = r1) {
            int b = src[r0];
            for (r1 = r0 + 1; r1 < n && src[r1] == b;) r1++;
            const float *mk = c->mk + l * blk + (size_t)b * c->Tm * C, *mv = c->mv + l * blk + (size_t)b * c->Tm * C;
            attention_forward(c->y + (size_t)r0 * C, c->att, c->att_scratch, c->q + (size_t)r0 * C, mk, mv,
                              &c->mem_len[b], 0, 1, r1 - r0, c->Tm, C, NH);
        }
        linear_forward(c->branch, c->y, layer(w->cross_wo, l, CC), layer(w->cross_bo, l, C), n, C, C);
    } else {
        linear_forward(c->h, fin, layer(w->ff_w1, l, (size_t)F * C), layer(w->ff_b1, l, F), n, C, F);
        relu_forward(c->h, c->h, (size_t)n * F);
        linear_forward(c->branch, c->h, layer(w->ff_w2, l, (size_t)C * F), layer(w->ff_b2, l, C), n, F, C);
    }
}

void tf_stack_step(TfStack *s, TfStackCache *c, float *out, const float *x, const int *parent, const int *src, int n,
                   int t) {
    const TfStackConfig *g = &s->cfg;
    if (!c->nmem) die("transformer: tf_stack_step before tf_stack_cache_memory");
    if (t != c->t || t >= c->maxT || n < 1 || n > c->R)
        die("transformer: decoding step %d of %d rows, but the cache holds %d steps of %d rows (at most %d, %d)", t, n,
            c->t, c->n, c->maxT, c->R);
    for (int i = 0; i < n; i++) {
        if (t > 0 && (parent[i] < 0 || parent[i] >= c->n))
            die("transformer: row %d continues row %d of %d", i, parent[i], c->n);
        if (src[i] < 0 || src[i] >= c->nmem) die("transformer: row %d reads sentence %d of %d", i, src[i], c->nmem);
    }
    cache_reorder(c, parent, n, t);
    int C = g->C;
    size_t nc = (size_t)n * C;
    memcpy(c->x, x, nc * sizeof(float));
    for (int l = 0; l < g->L; l++)
        for (int k = 0; k < nsub(g); k++) {
            const float *gw = layer(ln_w(&s->w, k), l, C), *gb = layer(ln_b(&s->w, k), l, C);
            if (g->norm == TF_PRE_LN) {
                layernorm_forward(c->fin, c->mean, c->rstd, c->x, gw, gb, n, C, LN_EPS);
                step_branch(s, c, l, sub_kind(g, k), c->fin, src, n, t);
                for (size_t j = 0; j < nc; j++) c->x[j] += c->branch[j];
            } else {
                step_branch(s, c, l, sub_kind(g, k), c->x, src, n, t);
                for (size_t j = 0; j < nc; j++) c->aux[j] = c->x[j] + c->branch[j];
                layernorm_forward(c->x, c->mean, c->rstd, c->aux, gw, gb, n, C, LN_EPS);
            }
        }
    if (g->norm == TF_PRE_LN) layernorm_forward(out, c->mean, c->rstd, c->x, s->w.lnf_w, s->w.lnf_b, n, C, LN_EPS);
    else memcpy(out, c->x, nc * sizeof(float));
    c->t = t + 1, c->n = n;
}
