/*
 * gpt.c -- the GPT-2 model: parameter table, forward, backward, KV cache.
 * See gpt.h for the architecture and the legend of dimension letters.
 */
#include "gpt/gpt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "checkpoint.h"
#include "ops.h"
#include "util.h"

#define LN_EPS 1e-5f   /* GPT-2's LayerNorm epsilon */

const char *const gpt_tensor_names[GPT_NUM_TENSORS] = {
    "wte",  "wpe",  "ln1w", "ln1b", "qkvw",    "qkvb",    "attprojw", "attprojb",
    "ln2w", "ln2b", "fcw",  "fcb",  "fcprojw", "fcprojb", "lnfw",     "lnfb"};

/* ------------------------------------------------------------ parameters */

static void check_config(const GptConfig *c) {
    if (c->n_layer < 1 || c->n_head < 1 || c->channels < 1 || c->vocab_size < 1 || c->max_seq_len < 1)
        die("bad GPT config: every size must be >= 1 (L=%d NH=%d C=%d V=%d maxT=%d)", c->n_layer, c->n_head,
            c->channels, c->vocab_size, c->max_seq_len);
    if (c->channels % c->n_head)
        die("bad GPT config: channels %d is not a multiple of heads %d", c->channels, c->n_head);
    if (!(c->dropout >= 0.0f && c->dropout < 1.0f)) die("bad GPT config: dropout %g outside [0,1)", c->dropout);
}

/* Point every field of t into buf (values or grads) by the table's offsets. */
static void point_tensors(GptTensors *t, const ParamTable *pt, float *buf) {
    float **field[GPT_NUM_TENSORS] = {&t->wte,  &t->wpe,  &t->ln1w, &t->ln1b, &t->qkvw,    &t->qkvb,
                                      &t->attprojw, &t->attprojb, &t->ln2w, &t->ln2b, &t->fcw, &t->fcb,
                                      &t->fcprojw, &t->fcprojb, &t->lnfw, &t->lnfb};
    for (int i = 0; i < GPT_NUM_TENSORS; i++) {
        int k = params_find(pt, gpt_tensor_names[i]);
        *field[i] = k < 0 ? NULL : buf + pt->info[k].offset;
    }
}

void gpt_build(Gpt *m, const GptConfig *cfg) {
    check_config(cfg);
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    int V = cfg->vocab_size, C = cfg->channels, L = cfg->n_layer, maxT = cfg->max_seq_len;
    ParamTable *pt = &m->pt;
    params_init(pt);
    params_add(pt, "wte", 2, V, C);
    params_add(pt, "wpe", 2, maxT, C);
    params_add(pt, "ln1w", 2, L, C);
    if (cfg->bias) params_add(pt, "ln1b", 2, L, C);
    params_add(pt, "qkvw", 3, L, 3 * C, C);
    if (cfg->bias) params_add(pt, "qkvb", 2, L, 3 * C);
    params_add(pt, "attprojw", 3, L, C, C);
    if (cfg->bias) params_add(pt, "attprojb", 2, L, C);
    params_add(pt, "ln2w", 2, L, C);
    if (cfg->bias) params_add(pt, "ln2b", 2, L, C);
    params_add(pt, "fcw", 3, L, 4 * C, C);
    if (cfg->bias) params_add(pt, "fcb", 2, L, 4 * C);
    params_add(pt, "fcprojw", 3, L, C, 4 * C);
    if (cfg->bias) params_add(pt, "fcprojb", 2, L, C);
    params_add(pt, "lnfw", 1, C);
    if (cfg->bias) params_add(pt, "lnfb", 1, C);
    /* Stacked gains and biases are (L,C): 2-D, but vectors per layer: no decay. */
    for (int k = 0; k < pt->count; k++) {
        const char *n = pt->info[k].name;
        int matrix = !strcmp(n, "wte") || !strcmp(n, "wpe") || !strcmp(n, "qkvw") || !strcmp(n, "attprojw") ||
                     !strcmp(n, "fcw") || !strcmp(n, "fcprojw");
        params_set_decay(pt, n, matrix);
    }
    params_alloc(pt);
    point_tensors(&m->w, pt, pt->values);
    point_tensors(&m->g, pt, pt->grads);
}

void gpt_init_weights(Gpt *m, unsigned long long seed) {
    Rng r;
    rng_seed(&r, seed, 0);
    const ParamTable *pt = &m->pt;
    float resid_std = 0.02f / sqrtf(2.0f * (float)m->cfg.n_layer);
    for (int k = 0; k < pt->count; k++) {
        const ParamInfo *p = &pt->info[k];
        float *x = pt->values + p->offset;
        const char *n = p->name;
        if (!strcmp(n, "ln1w") || !strcmp(n, "ln2w") || !strcmp(n, "lnfw")) {
            for (size_t i = 0; i < p->size; i++) x[i] = 1.0f;
        } else if (!strcmp(n, "attprojw") || !strcmp(n, "fcprojw")) {
            rng_fill_normal(&r, x, p->size, 0.0f, resid_std);
        } else if (p->decay) {
            rng_fill_normal(&r, x, p->size, 0.0f, 0.02f);
        } else {
            memset(x, 0, p->size * sizeof(float));   /* biases */
        }
    }
}

void gpt_free(Gpt *m) {
    params_free(&m->pt);
    free(m->act_memory);
    memset(m, 0, sizeof *m);
}

void gpt_config_text(const GptConfig *c, char *buf, size_t n) {
    snprintf(buf, n, "model=gpt2\nmax_seq_len=%d\nvocab_size=%d\nn_layer=%d\nn_head=%d\nchannels=%d\nbias=%d\n",
             c->max_seq_len, c->vocab_size, c->n_layer, c->n_head, c->channels, c->bias);
}

int gpt_config_parse(const char *text, GptConfig *c, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    c->max_seq_len = (int)config_long(text, "max_seq_len", -1);
    c->vocab_size = (int)config_long(text, "vocab_size", -1);
    c->n_layer = (int)config_long(text, "n_layer", -1);
    c->n_head = (int)config_long(text, "n_head", -1);
    c->channels = (int)config_long(text, "channels", -1);
    c->bias = (int)config_long(text, "bias", -1);
    if (c->max_seq_len < 1 || c->vocab_size < 1 || c->n_layer < 1 || c->n_head < 1 || c->channels < 1 ||
        c->channels % c->n_head || (c->bias != 0 && c->bias != 1)) {
        snprintf(err, errlen, "the checkpoint's model config is missing or invalid:\n%s", text);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ activations */

void gpt_ensure_acts(Gpt *m, int B, int T) {
    if (!m->act_memory || m->B < B || m->T < T) gpt_alloc_acts(m, B > m->B ? B : m->B, T > m->T ? T : m->T);
}

void gpt_alloc_acts(Gpt *m, int B, int T) {
    const GptConfig *c = &m->cfg;
    if (T > c->max_seq_len) die("sequence length %d exceeds the model's context %d", T, c->max_seq_len);
    if (B < 1 || T < 1) die("batch shape (%d,%d) must be positive", B, T);
    size_t L = c->n_layer, C = c->channels, NH = c->n_head, V = c->vocab_size, BT = (size_t)B * T;
    int drop = c->dropout > 0.0f;
    /* the sizes, in the order of GptActs */
    size_t sizes[] = {
        BT * C,                                    /* encoded */
        L * BT * C, L * BT, L * BT,                /* ln1, mean, rstd */
        L * BT * C, L * BT * C, L * BT * C,        /* q, k, v */
        L * B * NH * T * T,                        /* att */
        L * BT * C, L * BT * C,                    /* atty, res2 */
        L * BT * C, L * BT, L * BT,                /* ln2, mean, rstd */
        L * BT * 4 * C, L * BT * 4 * C,            /* fch, fch_gelu */
        L * BT * C,                                /* res3 */
        BT * C, BT, BT,                            /* lnf, mean, rstd */
        BT * V, BT * V,                            /* logits, probs */
        drop ? BT * C : 0, drop ? L * BT * C : 0, drop ? L * BT * C : 0,   /* masks */
        BT * C, attention_scratch_size(T, T, (int)C, (int)NH),            /* branch, att scratch */
        BT * C, BT * C, BT * C, BT * C, BT * C, BT * C,                   /* dresid dbtc dbranch dq dk dv */
        BT * 4 * C, BT * 4 * C, BT * V,                                   /* d4c_a d4c_b dlogits */
    };
    float **ptrs[] = {&m->a.encoded, &m->a.ln1, &m->a.ln1_mean, &m->a.ln1_rstd, &m->a.q, &m->a.k, &m->a.v,
                      &m->a.att, &m->a.atty, &m->a.res2, &m->a.ln2, &m->a.ln2_mean, &m->a.ln2_rstd,
                      &m->a.fch, &m->a.fch_gelu, &m->a.res3, &m->a.lnf, &m->a.lnf_mean, &m->a.lnf_rstd,
                      &m->a.logits, &m->a.probs, &m->a.mask_emb, &m->a.mask_attn, &m->a.mask_mlp,
                      &m->a.branch, &m->a.att_scratch, &m->a.dresid, &m->a.dbtc, &m->a.dbranch, &m->a.dq,
                      &m->a.dk, &m->a.dv, &m->a.d4c_a, &m->a.d4c_b, &m->a.dlogits};
    size_t n = sizeof sizes / sizeof *sizes, total = 0;
    for (size_t i = 0; i < n; i++) total += sizes[i];
    free(m->act_memory);
    m->act_memory = xcalloc(total, sizeof(float));
    float *p = m->act_memory;
    for (size_t i = 0; i < n; i++) {
        *ptrs[i] = sizes[i] ? p : NULL;
        p += sizes[i];
    }
    m->B = B;
    m->T = T;
}

/* ------------------------------------------------------------ forward */

/* out (N,C) = a + b */
static void residual_forward(float *out, const float *a, const float *b, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

/* Layer l's slice of a stacked tensor with per-layer size n (NULL stays NULL). */
static float *layer(float *base, int l, size_t n) { return base ? base + (size_t)l * n : NULL; }

/* The patch's work on site s of layer l, whose output x is (B,T,C): record
 * sequence 0, overwrite the restored positions, and (the MLP of delta_layer)
 * add delta. */
static void patch_site(const GptPatch *p, int s, int l, float *x, int B, int T, int C) {
    size_t tc = (size_t)T * C, lt = (size_t)l * T;
    if (p->record[s]) memcpy(p->record[s] + lt * C, x, tc * sizeof(float));
    if (p->restore[s])
        for (int t = 0; t < T; t++)
            if (p->restore[s][lt + t])
                for (int b = 0; b < B; b++)
                    memcpy(x + b * tc + (size_t)t * C, p->clean[s] + (lt + t) * C, (size_t)C * sizeof(float));
    if (s == GPT_SITE_MLP && p->delta && l == p->delta_layer)
        for (int b = 0; b < B; b++)
            if (p->delta_pos[b] >= 0)
                for (int i = 0; i < C; i++) x[b * tc + (size_t)p->delta_pos[b] * C + i] += p->delta[i];
}

double gpt_forward(Gpt *m, const int *tokens, const int *targets, int B, int T) {
    const GptConfig *c = &m->cfg;
    if (!m->act_memory) gpt_alloc_acts(m, B, T);
    if (B * T > m->B * m->T || T > m->T || B > m->B)
        die("batch (%d,%d) is larger than the activations were sized for (%d,%d)", B, T, m->B, m->T);
    int L = c->n_layer, C = c->channels, NH = c->n_head, V = c->vocab_size, BT = B * T;
    size_t btc = (size_t)BT * C, bt = BT;
    float p = m->training ? c->dropout : 0.0f;
    if (p > 0 && !m->a.mask_emb) gpt_alloc_acts(m, m->B, m->T);   /* dropout switched on after sizing */
    GptActs *a = &m->a;
    const GptTensors *w = &m->w;
    m->cur_B = B;
    m->cur_T = T;
    m->tokens = tokens;
    m->targets = targets;

    /* embeddings: token rows plus position rows */
    embedding_forward(a->encoded, tokens, w->wte, BT, V, C);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            float *x = a->encoded + ((size_t)b * T + t) * C;
            const float *pos = w->wpe + (size_t)t * C;
            for (int i = 0; i < C; i++) x[i] += pos[i];
        }
    if (m->patch && m->patch->embed_add)
        for (size_t i = 0; i < btc; i++) a->encoded[i] += m->patch->embed_add[i];
    if (p > 0) dropout_forward(a->encoded, a->mask_emb, a->encoded, p, btc, m->rng);

    for (int l = 0; l < L; l++) {
        const float *residual = l == 0 ? a->encoded : a->res3 + (size_t)(l - 1) * btc;
        float *ln1 = a->ln1 + l * btc, *ln1_mean = a->ln1_mean + l * bt, *ln1_rstd = a->ln1_rstd + l * bt;
        float *q = a->q + l * btc, *k = a->k + l * btc, *v = a->v + l * btc;
        float *att = a->att + (size_t)l * B * NH * T * T;
        float *atty = a->atty + l * btc, *res2 = a->res2 + l * btc;
        float *ln2 = a->ln2 + l * btc, *ln2_mean = a->ln2_mean + l * bt, *ln2_rstd = a->ln2_rstd + l * bt;
        float *fch = a->fch + l * btc * 4, *fch_gelu = a->fch_gelu + l * btc * 4;
        float *res3 = a->res3 + l * btc;
        const float *qkvw = layer(w->qkvw, l, 3 * C * C), *qkvb = layer(w->qkvb, l, 3 * C);

        /* attention branch: W^Q, W^K, W^V are the three (C,C) row blocks of qkvw */
        layernorm_forward(ln1, ln1_mean, ln1_rstd, residual, layer(w->ln1w, l, C), layer(w->ln1b, l, C), BT, C,
                          LN_EPS);
        linear_forward(q, ln1, qkvw, qkvb, BT, C, C);
        linear_forward(k, ln1, qkvw + (size_t)C * C, qkvb ? qkvb + C : NULL, BT, C, C);
        linear_forward(v, ln1, qkvw + (size_t)2 * C * C, qkvb ? qkvb + 2 * C : NULL, BT, C, C);
        attention_forward(atty, att, a->att_scratch, q, k, v, NULL, 1, B, T, T, C, NH);
        linear_forward(a->branch, atty, layer(w->attprojw, l, C * C), layer(w->attprojb, l, C), BT, C, C);
        if (p > 0) dropout_forward(a->branch, a->mask_attn + l * btc, a->branch, p, btc, m->rng);
        if (m->patch) patch_site(m->patch, GPT_SITE_ATTN, l, a->branch, B, T, C);
        residual_forward(res2, residual, a->branch, btc);

        /* MLP branch */
        layernorm_forward(ln2, ln2_mean, ln2_rstd, res2, layer(w->ln2w, l, C), layer(w->ln2b, l, C), BT, C,
                          LN_EPS);
        linear_forward(fch, ln2, layer(w->fcw, l, 4 * C * C), layer(w->fcb, l, 4 * C), BT, C, 4 * C);
        gelu_forward(fch_gelu, fch, btc * 4);
        linear_forward(a->branch, fch_gelu, layer(w->fcprojw, l, 4 * C * C), layer(w->fcprojb, l, C), BT, 4 * C,
                       C);
        if (p > 0) dropout_forward(a->branch, a->mask_mlp + l * btc, a->branch, p, btc, m->rng);
        if (m->patch) patch_site(m->patch, GPT_SITE_MLP, l, a->branch, B, T, C);
        residual_forward(res3, res2, a->branch, btc);
        if (m->patch) patch_site(m->patch, GPT_SITE_BLOCK, l, res3, B, T, C);
    }

    const float *top = a->res3 + (size_t)(L - 1) * btc;
    layernorm_forward(a->lnf, a->lnf_mean, a->lnf_rstd, top, w->lnfw, w->lnfb, BT, C, LN_EPS);
    linear_forward(a->logits, a->lnf, w->wte, NULL, BT, C, V);   /* tied: wte is the output matrix */

    m->loss = 0.0;
    if (targets) m->loss = crossentropy_forward(a->probs, a->logits, targets, BT, V, -1, 0.0f);
    return m->loss;
}

double gpt_token_logprobs(Gpt *m, const int *tokens, int prompt_len, int n, float *out) {
    int T = n - 1, V = m->cfg.vocab_size;   /* the last token is predicted, never read */
    if (prompt_len < 1 || prompt_len >= n)
        die("gpt_token_logprobs: a prompt of %d tokens and a continuation of %d (each needs at least 1)",
            prompt_len, n - prompt_len);
    if (m->act_memory && T > m->T) gpt_alloc_acts(m, m->B, T);
    gpt_forward(m, tokens, NULL, 1, T);
    double sum = 0.0;
    for (int t = prompt_len - 1; t < T; t++) {   /* the logits at t predict token t+1 */
        const float *z = m->a.logits + (size_t)t * V;
        double lp = z[tokens[t + 1]] - logsumexp(z, V);
        if (out) out[t - (prompt_len - 1)] = (float)lp;
        sum += lp;
    }
    return sum;
}

/* ------------------------------------------------------------ backward */

void gpt_backward(Gpt *m, float dloss) {
    if (!m->targets) die("gpt_backward needs a forward pass with targets");
    int BT = m->cur_B * m->cur_T, V = m->cfg.vocab_size;
    GptActs *a = &m->a;

    /* the cross-entropy, reversed: dlogits = (softmax - onehot) * dloss / BT */
    memset(a->dlogits, 0, (size_t)BT * V * sizeof(float));
    crossentropy_backward(a->dlogits, a->probs, m->targets, BT, V, -1, 0.0f, dloss);
    gpt_backward_from_logits(m, a->dlogits);
}

void gpt_backward_from_logits(Gpt *m, const float *dlogits) {
    int BT = m->cur_B * m->cur_T, C = m->cfg.channels, V = m->cfg.vocab_size;
    GptActs *a = &m->a;
    const GptTensors *w = &m->w, *g = &m->g;

    /* the tied output matrix: logits = lnf @ wte^T */
    memset(a->dbtc, 0, (size_t)BT * C * sizeof(float));
    linear_backward(a->dbtc, g->wte, NULL, dlogits, a->lnf, w->wte, BT, C, V);
    gpt_backward_final(m, a->dbtc);
}

void gpt_backward_final(Gpt *m, const float *dlnf) {
    const GptConfig *c = &m->cfg;
    int B = m->cur_B, T = m->cur_T;
    int L = c->n_layer, C = c->channels, NH = c->n_head, V = c->vocab_size, BT = B * T;
    size_t btc = (size_t)BT * C, bt = BT;
    int drop = m->training && c->dropout > 0.0f;
    GptActs *a = &m->a;
    const GptTensors *w = &m->w, *g = &m->g;

    /* the final LayerNorm */
    memset(a->dresid, 0, btc * sizeof(float));
    layernorm_backward(a->dresid, g->lnfw, g->lnfb, dlnf, a->res3 + (size_t)(L - 1) * btc, w->lnfw,
                       a->lnf_mean, a->lnf_rstd, BT, C);

    /* the blocks, last to first. dresid holds dLoss/d(stream) and gathers each
     * branch's contribution in place, since stream_out = stream_in + branch. */
    for (int l = L - 1; l >= 0; l--) {
        const float *residual = l == 0 ? a->encoded : a->res3 + (size_t)(l - 1) * btc;
        const float *ln1 = a->ln1 + l * btc, *ln1_mean = a->ln1_mean + l * bt, *ln1_rstd = a->ln1_rstd + l * bt;
        const float *q = a->q + l * btc, *k = a->k + l * btc, *v = a->v + l * btc;
        const float *att = a->att + (size_t)l * B * NH * T * T;
        const float *atty = a->atty + l * btc, *res2 = a->res2 + l * btc;
        const float *ln2 = a->ln2 + l * btc, *ln2_mean = a->ln2_mean + l * bt, *ln2_rstd = a->ln2_rstd + l * bt;
        const float *fch = a->fch + l * btc * 4, *fch_gelu = a->fch_gelu + l * btc * 4;
        const float *qkvw = layer(w->qkvw, l, 3 * C * C);
        float *dqkvw = layer(g->qkvw, l, 3 * C * C), *dqkvb = layer(g->qkvb, l, 3 * C);
        const GptPatch *pa = m->patch;

        /* the gradient of a delta added to this MLP's output: the stream's,
         * since stream_out = stream_in + branch + delta */
        if (pa && pa->ddelta && pa->delta && l == pa->delta_layer)
            for (int b = 0; b < B; b++)
                if (pa->delta_pos[b] >= 0)
                    for (int i = 0; i < C; i++) pa->ddelta[i] += a->dresid[((size_t)b * T + pa->delta_pos[b]) * C + i];

        /* MLP branch */
        const float *dbranch = a->dresid;
        if (drop) {
            memset(a->dbranch, 0, btc * sizeof(float));
            dropout_backward(a->dbranch, a->dresid, a->mask_mlp + l * btc, btc);
            dbranch = a->dbranch;
        }
        memset(a->d4c_a, 0, btc * 4 * sizeof(float));
        linear_backward(a->d4c_a, layer(g->fcprojw, l, 4 * C * C), layer(g->fcprojb, l, C), dbranch, fch_gelu,
                        layer(w->fcprojw, l, 4 * C * C), BT, 4 * C, C);
        memset(a->d4c_b, 0, btc * 4 * sizeof(float));
        gelu_backward(a->d4c_b, a->d4c_a, fch, btc * 4);
        memset(a->dbtc, 0, btc * sizeof(float));
        linear_backward(a->dbtc, layer(g->fcw, l, 4 * C * C), layer(g->fcb, l, 4 * C), a->d4c_b, ln2,
                        layer(w->fcw, l, 4 * C * C), BT, C, 4 * C);
        layernorm_backward(a->dresid, layer(g->ln2w, l, C), layer(g->ln2b, l, C), a->dbtc, res2,
                           layer(w->ln2w, l, C), ln2_mean, ln2_rstd, BT, C);

        /* attention branch */
        dbranch = a->dresid;
        if (drop) {
            memset(a->dbranch, 0, btc * sizeof(float));
            dropout_backward(a->dbranch, a->dresid, a->mask_attn + l * btc, btc);
            dbranch = a->dbranch;
        }
        memset(a->dbtc, 0, btc * sizeof(float));
        linear_backward(a->dbtc, layer(g->attprojw, l, C * C), layer(g->attprojb, l, C), dbranch, atty,
                        layer(w->attprojw, l, C * C), BT, C, C);
        memset(a->dq, 0, btc * sizeof(float));
        memset(a->dk, 0, btc * sizeof(float));
        memset(a->dv, 0, btc * sizeof(float));
        attention_backward(a->dq, a->dk, a->dv, a->att_scratch, a->dbtc, q, k, v, att, B, T, T, C, NH);
        memset(a->dbtc, 0, btc * sizeof(float));   /* now d(ln1) */
        linear_backward(a->dbtc, dqkvw, dqkvb, a->dq, ln1, qkvw, BT, C, C);
        linear_backward(a->dbtc, dqkvw + (size_t)C * C, dqkvb ? dqkvb + C : NULL, a->dk, ln1,
                        qkvw + (size_t)C * C, BT, C, C);
        linear_backward(a->dbtc, dqkvw + (size_t)2 * C * C, dqkvb ? dqkvb + 2 * C : NULL, a->dv, ln1,
                        qkvw + (size_t)2 * C * C, BT, C, C);
        layernorm_backward(a->dresid, layer(g->ln1w, l, C), layer(g->ln1b, l, C), a->dbtc, residual,
                           layer(w->ln1w, l, C), ln1_mean, ln1_rstd, BT, C);
    }

    /* embeddings */
    const float *demb = a->dresid;
    if (drop) {
        memset(a->dbranch, 0, btc * sizeof(float));
        dropout_backward(a->dbranch, a->dresid, a->mask_emb, btc);
        demb = a->dbranch;
    }
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const float *d = demb + ((size_t)b * T + t) * C;
            float *dpos = g->wpe + (size_t)t * C;
            for (int i = 0; i < C; i++) dpos[i] += d[i];
        }
    /* the token ids were checked by the forward pass; tokens = targets' inputs */
    embedding_backward(g->wte, demb, m->tokens, BT, V, C);
}

/* ------------------------------------------------------------ KV cache */

void gpt_cache_init(GptCache *c, const Gpt *m) {
    const GptConfig *g = &m->cfg;
    size_t L = g->n_layer, C = g->channels, T = g->max_seq_len, NH = g->n_head, V = g->vocab_size;
    size_t sizes[] = {L * T * C, L * T * C, T * C, T * C, T * C, T * C, T * C, T, T, T * 4 * C, T * 4 * C,
                      NH * T * T, attention_scratch_size((int)T, (int)T, (int)C, (int)NH), V};
    float **ptrs[] = {&c->k,    &c->v,   &c->x,   &c->ln,       &c->q,         &c->atty, &c->branch,
                      &c->mean, &c->rstd, &c->fch, &c->fch_gelu, &c->att, &c->att_scratch, &c->logits};
    size_t n = sizeof sizes / sizeof *sizes, total = 0;
    for (size_t i = 0; i < n; i++) total += sizes[i];
    c->memory = xcalloc(total, sizeof(float));
    float *p = c->memory;
    for (size_t i = 0; i < n; i++) {
        *ptrs[i] = p;
        p += sizes[i];
    }
    c->maxT = (int)T;
    c->pos = 0;
}

void gpt_cache_free(GptCache *c) {
    free(c->memory);
    memset(c, 0, sizeof *c);
}

void gpt_cache_reset(GptCache *c) { c->pos = 0; }

/* The same list of ops as gpt_forward for n new positions, with one
 * difference: the keys and values go into the cache, and the queries attend
 * to every cached position (attention's bottom-right causal alignment). */
float *gpt_forward_cached(Gpt *m, GptCache *c, const int *tokens, int n, float *all_logits) {
    const GptConfig *g = &m->cfg;
    const GptTensors *w = &m->w;
    int L = g->n_layer, C = g->channels, NH = g->n_head, V = g->vocab_size, pos = c->pos;
    if (n < 1 || pos + n > c->maxT)
        die("the KV cache holds %d positions; %d + %d do not fit", c->maxT, pos, n);
    size_t nc = (size_t)n * C;

    embedding_forward(c->x, tokens, w->wte, n, V, C);
    for (int t = 0; t < n; t++)
        for (int i = 0; i < C; i++) c->x[(size_t)t * C + i] += w->wpe[(size_t)(pos + t) * C + i];

    for (int l = 0; l < L; l++) {
        const float *qkvw = layer(w->qkvw, l, 3 * C * C), *qkvb = layer(w->qkvb, l, 3 * C);
        float *kc = c->k + (size_t)l * c->maxT * C, *vc = c->v + (size_t)l * c->maxT * C;
        layernorm_forward(c->ln, c->mean, c->rstd, c->x, layer(w->ln1w, l, C), layer(w->ln1b, l, C), n, C, LN_EPS);
        linear_forward(c->q, c->ln, qkvw, qkvb, n, C, C);
        linear_forward(kc + (size_t)pos * C, c->ln, qkvw + (size_t)C * C, qkvb ? qkvb + C : NULL, n, C, C);
        linear_forward(vc + (size_t)pos * C, c->ln, qkvw + (size_t)2 * C * C, qkvb ? qkvb + 2 * C : NULL, n, C, C);
        attention_forward(c->atty, c->att, c->att_scratch, c->q, kc, vc, NULL, 1, 1, n, pos + n, C, NH);
        linear_forward(c->branch, c->atty, layer(w->attprojw, l, C * C), layer(w->attprojb, l, C), n, C, C);
        for (size_t i = 0; i < nc; i++) c->x[i] += c->branch[i];

        layernorm_forward(c->ln, c->mean, c->rstd, c->x, layer(w->ln2w, l, C), layer(w->ln2b, l, C), n, C, LN_EPS);
        linear_forward(c->fch, c->ln, layer(w->fcw, l, 4 * C * C), layer(w->fcb, l, 4 * C), n, C, 4 * C);
        gelu_forward(c->fch_gelu, c->fch, nc * 4);
        linear_forward(c->branch, c->fch_gelu, layer(w->fcprojw, l, 4 * C * C), layer(w->fcprojb, l, C), n, 4 * C,
                       C);
        for (size_t i = 0; i < nc; i++) c->x[i] += c->branch[i];
    }
    layernorm_forward(c->ln, c->mean, c->rstd, c->x, w->lnfw, w->lnfb, n, C, LN_EPS);
    if (all_logits) {
        linear_forward(all_logits, c->ln, w->wte, NULL, n, C, V);
        memcpy(c->logits, all_logits + (size_t)(n - 1) * V, (size_t)V * sizeof(float));
    } else {
        linear_forward(c->logits, c->ln + (size_t)(n - 1) * C, w->wte, NULL, 1, C, V);
    }
    c->pos = pos + n;
    return c->logits;
}
