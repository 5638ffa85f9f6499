/*
 * model.c -- the Transformer encoder-decoder: config, parameters, the
 * teacher-forced loss, saving and loading, decoding with a key/value cache,
 * and attention maps. See model.h; the layer stacks are layers.c's.
 *
 * Layout: the batches of s2s_corpus.h are time-major (S,B); the model works
 * batch-major, (B,S,d), so that each sentence's positions are contiguous
 * rows for attention and every other op runs once over all B*S rows.
 */
#include "transformer/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "ops.h"
#include "s2s_tasks.h"
#include "util.h"

/* ================================================================ config */

static const char *const pos_names[] = {"sinusoid", "learned"};
static const char *const norm_names[] = {"post", "pre"};

const char *tf_pos_name(TfPos p) { return pos_names[p]; }
const char *tf_norm_name(TfNorm n) { return norm_names[n]; }

int tf_pos_parse(const char *s, TfPos *p) {
    for (int i = 0; i < 2; i++)
        if (strcmp(s, pos_names[i]) == 0) { *p = (TfPos)i; return 0; }
    return -1;
}

int tf_norm_parse(const char *s, TfNorm *n) {
    for (int i = 0; i < 2; i++)
        if (strcmp(s, norm_names[i]) == 0) { *n = (TfNorm)i; return 0; }
    return -1;
}

void tf_config_text(const TfConfig *c, char *buf, size_t n) {
    snprintf(buf, n,
             "kind=translation\ntask=%s\ntokens=%s\nd=%d\nheads=%d\nff=%d\nenc_layers=%d\ndec_layers=%d\n"
             "src_V=%d\ntgt_V=%d\nmax_pos=%d\npos=%s\nnorm=%s\nshare_emb=%d\ndropout=%.9g\n",
             c->task[0] ? c->task : "files", c->tokens == S2S_CHARS ? "chars" : "words", c->d, c->heads, c->ff,
             c->enc_layers, c->dec_layers, c->src_V, c->tgt_V, c->max_pos, tf_pos_name(c->pos), tf_norm_name(c->norm),
             c->share_emb, (double)c->dropout);
}

int tf_config_parse(const char *text, TfConfig *c) {
    char word[32];
    memset(c, 0, sizeof *c);
    if (config_string(text, "kind", word, sizeof word) || strcmp(word, "translation")) return -1;
    if (config_string(text, "task", c->task, sizeof c->task)) snprintf(c->task, sizeof c->task, "files");
    if (config_string(text, "tokens", word, sizeof word)) return -1;
    if (strcmp(word, "words") == 0) c->tokens = S2S_WORDS;
    else if (strcmp(word, "chars") == 0) c->tokens = S2S_CHARS;
    else return -1;
    if (config_string(text, "pos", word, sizeof word) || tf_pos_parse(word, &c->pos)) return -1;
    if (config_string(text, "norm", word, sizeof word) || tf_norm_parse(word, &c->norm)) return -1;
    c->d = (int)config_long(text, "d", 0);
    c->heads = (int)config_long(text, "heads", 0);
    c->ff = (int)config_long(text, "ff", 0);
    c->enc_layers = (int)config_long(text, "enc_layers", 0);
    c->dec_layers = (int)config_long(text, "dec_layers", 0);
    c->src_V = (int)config_long(text, "src_V", 0);
    c->tgt_V = (int)config_long(text, "tgt_V", 0);
    c->max_pos = (int)config_long(text, "max_pos", 0);
    c->share_emb = (int)config_long(text, "share_emb", -1);
    c->dropout = (float)config_double(text, "dropout", 0.0);
    if (c->d < 1 || c->heads < 1 || c->ff < 1 || c->enc_layers < 1 || c->dec_layers < 1 || c->src_V < 1 ||
        c->tgt_V < 1 || c->max_pos < 1 || c->share_emb < 0)
        return -1;
    return 0;
}

static void check_config(const TfConfig *c) {
    if (c->d < 1 || c->heads < 1 || c->ff < 1 || c->enc_layers < 1 || c->dec_layers < 1 || c->max_pos < 1)
        die("transformer: every size must be >= 1 (d %d, heads %d, ff %d, layers %d+%d, max_pos %d)", c->d, c->heads,
            c->ff, c->enc_layers, c->dec_layers, c->max_pos);
    if (c->src_V <= VOCAB_NSPECIAL || c->tgt_V <= VOCAB_NSPECIAL)
        die("transformer: vocabularies of %d and %d tokens (the %d specials and at least one more)", c->src_V, c->tgt_V,
            VOCAB_NSPECIAL);
    if (c->share_emb && c->src_V != c->tgt_V)
        die("transformer: a shared embedding needs one joint vocabulary, but the sides have %d and %d tokens",
            c->src_V, c->tgt_V);
}

static TfStackConfig stack_config(const TfConfig *c, int decoder) {
    return (TfStackConfig){.L = decoder ? c->dec_layers : c->enc_layers, .C = c->d, .NH = c->heads, .F = c->ff,
                           .cross = decoder, .norm = c->norm, .dropout = c->dropout};
}

/* ================================================================ the model */

void tf_model_build(TfModel *m, const TfConfig *cfg) {
    check_config(cfg);
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    int d = cfg->d;
    TfStackConfig enc = stack_config(cfg, 0), dec = stack_config(cfg, 1);
    ParamTable *pt = &m->pt;
    params_init(pt);
    params_add(pt, "src_emb", 2, cfg->src_V, d);
    if (!cfg->share_emb) params_add(pt, "tgt_emb", 2, cfg->tgt_V, d);
    if (cfg->pos == TF_POS_LEARNED) {
        params_add(pt, "src_pos", 2, cfg->max_pos, d);
        params_add(pt, "tgt_pos", 2, cfg->max_pos, d);
    }
    tf_stack_declare(pt, "enc", &enc);
    tf_stack_declare(pt, "dec", &dec);
    params_add(pt, "out.w", 2, cfg->tgt_V, d);
    params_add(pt, "out.b", 1, cfg->tgt_V);
    params_alloc(pt);
    const char *tgt = cfg->share_emb ? "src_emb" : "tgt_emb";
    m->src_emb = params_get(pt, "src_emb"), m->g_src_emb = params_grad(pt, "src_emb");
    m->tgt_emb = params_get(pt, tgt), m->g_tgt_emb = params_grad(pt, tgt);
    if (cfg->pos == TF_POS_LEARNED) {
        m->src_pos = params_get(pt, "src_pos"), m->g_src_pos = params_grad(pt, "src_pos");
        m->tgt_pos = params_get(pt, "tgt_pos"), m->g_tgt_pos = params_grad(pt, "tgt_pos");
    } else {
        m->pe = xmalloc((size_t)cfg->max_pos * d * sizeof *m->pe);
        positional_sinusoids(m->pe, cfg->max_pos, d);
    }
    m->out_w = params_get(pt, "out.w"), m->g_out_w = params_grad(pt, "out.w");
    m->out_b = params_get(pt, "out.b"), m->g_out_b = params_grad(pt, "out.b");
    tf_stack_bind(&m->enc, pt, "enc", &enc);
    tf_stack_bind(&m->dec, pt, "dec", &dec);
}

void tf_model_free(TfModel *m) {
    params_free(&m->pt);
    free(m->pe);
    memset(m, 0, sizeof *m);
}

void tf_model_init(TfModel *m, Rng *rng) {
    /* the tensors outside the stacks: Xavier over each whole (rows, d) matrix */
    static const char *const matrices[] = {"src_emb", "tgt_emb", "src_pos", "tgt_pos", "out.w"};
    for (int i = 0; i < 5; i++) {
        int k = params_find(&m->pt, matrices[i]);
        if (k < 0) continue;
        const ParamInfo *p = &m->pt.info[k];
        float bound = sqrtf(6.0f / (float)(p->shape[0] + p->shape[1]));
        rng_fill_uniform(rng, m->pt.values + p->offset, p->size, -bound, bound);
    }
    memset(m->out_b, 0, (size_t)m->cfg.tgt_V * sizeof(float));
    tf_stack_init(&m->enc, rng);
    tf_stack_init(&m->dec, rng);
}

/* The position table of a side: learned, or the fixed sinusoids. */
static const float *pos_table(const TfModel *m, int target) {
    if (m->cfg.pos == TF_POS_SINUSOID) return m->pe;
    return target ? m->tgt_pos : m->src_pos;
}

/* x (B,T,d) = table[ids] * sqrt(d) + PE(t0 + t)  (sec. 3.4: the embeddings
 * are scaled by sqrt(d_model); sec. 3.5: positions are added). */
static void embed_forward(float *x, const int *ids, int B, int T, int t0, const float *table, int V,
                          const float *pos, int d) {
    embedding_forward(x, ids, table, B * T, V, d);
    float scale = sqrtf((float)d);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            float *row = x + ((size_t)b * T + t) * d;
            const float *p = pos + (size_t)(t0 + t) * d;
            for (int i = 0; i < d; i++) row[i] = row[i] * scale + p[i];
        }
}

/* From dx (B,T,d), the gradient of embed_forward's x (t0 = 0): the position
 * rows (dpos NULL for the fixed sinusoids) and the table. Scales dx in place. */
static void embed_backward(float *dtable, float *dpos, float *dx, const int *ids, int B, int T, int V, int d) {
    if (dpos)
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++) {
                const float *g = dx + ((size_t)b * T + t) * d;
                float *p = dpos + (size_t)t * d;
                for (int i = 0; i < d; i++) p[i] += g[i];
            }
    float scale = sqrtf((float)d);
    for (size_t i = 0; i < (size_t)B * T * d; i++) dx[i] *= scale;
    embedding_backward(dtable, dx, ids, B * T, V, d);
}

/* ================================================================ training */

struct TfActs {
    int maxB, maxS, maxT;
    int B, S, T, drop;          /* the last forward's shape; 1 if it applied dropout */
    float smoothing;            /* the last forward's label smoothing */
    Rng rng;                    /* the embeddings' dropout */
    int *src, *tgt_in, *tgt_out;   /* (B,S), (B,T), (B,T) batch-major copies of the batch */
    int *src_len, *tgt_len;     /* (B) */
    int nrows;                  /* positions with a target (not PAD) */
    int *rows, *targets;        /* (nrows) their row in (B,T) and their target */
    float *memory;
    float *enc_x, *enc_mask;    /* (B,S,d) the encoder's input and its dropout mask */
    float *mem;                 /* (B,S,d) the encoder's output */
    float *dec_x, *dec_mask;    /* (B,T,d) */
    float *h;                   /* (B,T,d) the decoder's output */
    float *hp;                  /* (nrows,d) its rows with a target */
    float *logits;              /* (nrows,V); after backward, dlogits */
    float *probs;               /* (nrows,V) softmax, saved by the cross-entropy */
    float *dh, *dhp, *dmem, *dx, *demb;   /* (B,T,d), (nrows,d), (B,S,d), (B,max(S,T),d) x2 */
    TfStackActs *enc, *dec;
};

TfActs *tf_acts_build(const TfModel *m, int B, int S, int T, uint64_t seed) {
    const TfConfig *c = &m->cfg;
    if (B < 1 || S < 1 || T < 1) die("transformer: activations for B=%d S=%d T=%d (each must be >= 1)", B, S, T);
    if (S > c->max_pos || T > c->max_pos)
        die("transformer: sentences of %d source and %d target positions, but the model has max_pos %d", S, T,
            c->max_pos);
    TfActs *a = xcalloc(1, sizeof *a);
    a->maxB = B, a->maxS = S, a->maxT = T;
    size_t d = c->d, V = c->tgt_V, bs = (size_t)B * S, bt = (size_t)B * T, bx = bs > bt ? bs : bt;
    size_t drop = c->dropout > 0.0f;
    size_t sizes[] = {bs * d, drop * bs * d, bs * d, bt * d, drop * bt * d, bt * d, bt * d, bt * V, bt * V,
                      bt * d, bt * d, bs * d, bx * d, bx * d};
    float **ptrs[] = {&a->enc_x, &a->enc_mask, &a->mem, &a->dec_x, &a->dec_mask, &a->h, &a->hp, &a->logits,
                      &a->probs, &a->dh, &a->dhp, &a->dmem, &a->dx, &a->demb};
    size_t n = sizeof sizes / sizeof *sizes, total = 0;
    for (size_t i = 0; i < n; i++) total += sizes[i];
    a->memory = xcalloc(total, sizeof(float));
    float *p = a->memory;
    for (size_t i = 0; i < n; i++) {
        *ptrs[i] = sizes[i] ? p : NULL;
        p += sizes[i];
    }
    a->src = xmalloc(bs * sizeof(int));
    a->tgt_in = xmalloc(bt * sizeof(int));
    a->tgt_out = xmalloc(bt * sizeof(int));
    a->src_len = xmalloc((size_t)B * sizeof(int));
    a->tgt_len = xmalloc((size_t)B * sizeof(int));
    a->rows = xmalloc(bt * sizeof(int));
    a->targets = xmalloc(bt * sizeof(int));
    TfStackConfig enc = stack_config(c, 0), dec = stack_config(c, 1);
    a->enc = tf_stack_acts_build(&enc, B, S, 0, seed ^ 0x9e3779b97f4a7c15ULL);
    a->dec = tf_stack_acts_build(&dec, B, T, S, seed ^ 0xc2b2ae3d27d4eb4fULL);
    rng_seed(&a->rng, seed, 0);
    return a;
}

void tf_acts_free(TfActs *a) {
    if (!a) return;
    tf_stack_acts_free(a->enc);
    tf_stack_acts_free(a->dec);
    free(a->memory);
    free(a->src), free(a->tgt_in), free(a->tgt_out), free(a->src_len), free(a->tgt_len), free(a->rows), free(a->targets);
    free(a);
}

const float *tf_acts_logits(const TfActs *a, int *n) {
    *n = a->nrows;
    return a->logits;
}

/* out (B,T) = in (T,B) transposed */
static void to_batch_major(int *out, const int *in, int T, int B) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) out[(size_t)b * T + t] = in[(size_t)t * B + b];
}

/* Copy the batch in, batch-major, with each side's lengths. */
static void take_batch(TfActs *a, const S2sBatch *b) {
    if (b->B < 1 || b->S < 1 || b->T < 1 || b->B > a->maxB || b->S > a->maxS || b->T > a->maxT)
        die("transformer: a batch of B=%d S=%d T=%d does not fit activations sized for B=%d S=%d T=%d", b->B, b->S,
            b->T, a->maxB, a->maxS, a->maxT);
    a->B = b->B, a->S = b->S, a->T = b->T;
    to_batch_major(a->src, b->src, b->S, b->B);
    to_batch_major(a->tgt_in, b->tgt_in, b->T, b->B);
    to_batch_major(a->tgt_out, b->tgt_out, b->T, b->B);
    for (int j = 0; j < b->B; j++) {
        if (b->src_len[j] < 1 || b->src_len[j] > b->S)
            die("transformer: source %d has length %d (1 to %d)", j, b->src_len[j], b->S);
        a->src_len[j] = b->src_len[j];
        int n = 0;   /* BOS y_1 .. y_m, then padding */
        while (n < b->T && a->tgt_in[(size_t)j * b->T + n] != VOCAB_PAD) n++;
        if (n < 1) die("transformer: target %d is empty (no BOS)", j);
        a->tgt_len[j] = n;
    }
    a->nrows = 0;
    for (int i = 0; i < b->B * b->T; i++)
        if (a->tgt_out[i] != VOCAB_PAD) a->rows[a->nrows] = i, a->targets[a->nrows++] = a->tgt_out[i];
    if (!a->nrows) die("transformer: a batch without targets (every tgt_out is PAD)");
}

double tf_forward(TfModel *m, TfActs *a, const S2sBatch *b, float smoothing, int train) {
    const TfConfig *c = &m->cfg;
    take_batch(a, b);
    int B = a->B, S = a->S, T = a->T, d = c->d, V = c->tgt_V;
    a->drop = train && c->dropout > 0.0f;
    a->smoothing = smoothing;
    /* the encoder: mem = Encoder(Dropout(Emb(x) sqrt(d) + PE)) */
    embed_forward(a->enc_x, a->src, B, S, 0, m->src_emb, c->src_V, pos_table(m, 0), d);
    if (a->drop) dropout_forward(a->enc_x, a->enc_mask, a->enc_x, c->dropout, (size_t)B * S * d, &a->rng);
    tf_stack_forward(&m->enc, a->enc, a->mem, a->enc_x, a->src_len, NULL, NULL, B, S, 0, train);
    /* the decoder, teacher-forced: y_in = BOS y_1 .. y_m */
    embed_forward(a->dec_x, a->tgt_in, B, T, 0, m->tgt_emb, V, pos_table(m, 1), d);
    if (a->drop) dropout_forward(a->dec_x, a->dec_mask, a->dec_x, c->dropout, (size_t)B * T * d, &a->rng);
    tf_stack_forward(&m->dec, a->dec, a->h, a->dec_x, a->tgt_len, a->mem, a->src_len, B, T, S, train);
    /* the logits and the loss at the positions with a target only: sentences
     * of unequal length leave a quarter of a Multi30k batch's positions
     * padding, and the output layer is its largest product */
    for (int r = 0; r < a->nrows; r++)
        memcpy(a->hp + (size_t)r * d, a->h + (size_t)a->rows[r] * d, (size_t)d * sizeof(float));
    linear_forward(a->logits, a->hp, m->out_w, m->out_b, a->nrows, d, V);
    return crossentropy_forward(a->probs, a->logits, a->targets, a->nrows, V, VOCAB_PAD, smoothing);
}

/* The gradient of one side's embedded input dx: through its dropout, then
 * into the position rows and the table. */
static void input_backward(TfActs *a, float *dtable, float *dpos, const float *dx, const float *mask,
                           const int *ids, int B, int T, int V, int d) {
    size_t n = (size_t)B * T * d;
    if (mask) {
        memset(a->demb, 0, n * sizeof(float));
        dropout_backward(a->demb, dx, mask, n);
    } else {
        memcpy(a->demb, dx, n * sizeof(float));
    }
    embed_backward(dtable, dpos, a->demb, ids, B, T, V, d);
}

void tf_backward(TfModel *m, TfActs *a) {
    const TfConfig *c = &m->cfg;
    int B = a->B, S = a->S, T = a->T, d = c->d, V = c->tgt_V;
    size_t bt = (size_t)B * T, bs = (size_t)B * S;
    /* the loss, then the output layer; dlogits reuse the logits' buffer */
    int n = a->nrows;
    float *dlogits = a->logits;
    memset(dlogits, 0, (size_t)n * V * sizeof(float));
    crossentropy_backward(dlogits, a->probs, a->targets, n, V, VOCAB_PAD, a->smoothing, 1.0f);
    memset(a->dhp, 0, (size_t)n * d * sizeof(float));
    linear_backward(a->dhp, m->g_out_w, m->g_out_b, dlogits, a->hp, m->out_w, n, d, V);
    memset(a->dh, 0, bt * d * sizeof(float));   /* padded positions get no gradient */
    for (int r = 0; r < n; r++)
        memcpy(a->dh + (size_t)a->rows[r] * d, a->dhp + (size_t)r * d, (size_t)d * sizeof(float));
    /* the decoder, whose cross-attention passes a gradient to the memory */
    memset(a->dx, 0, bt * d * sizeof(float));
    memset(a->dmem, 0, bs * d * sizeof(float));
    tf_stack_backward(&m->dec, a->dec, a->dx, a->dmem, a->dh);
    input_backward(a, m->g_tgt_emb, m->g_tgt_pos, a->dx, a->drop ? a->dec_mask : NULL, a->tgt_in, B, T, V, d);
    /* the encoder */
    memset(a->dx, 0, bs * d * sizeof(float));
    tf_stack_backward(&m->enc, a->enc, a->dx, NULL, a->dmem);
    input_backward(a, m->g_src_emb, m->g_src_pos, a->dx, a->drop ? a->enc_mask : NULL, a->src, B, S, c->src_V, d);
}

/* ================================================================ save / load */

void tf_save(const TfModel *m, const Vocab *src_v, const Vocab *tgt_v, const char *dir, long step,
             int with_optimizer) {
    char cfg[1024], path[4096];
    make_dirs(dir);
    s2s_vocabs_save(dir, src_v, tgt_v);
    tf_config_text(&m->cfg, cfg, sizeof cfg);
    path_join(path, sizeof path, dir, "model.ckpt");
    checkpoint_save(path, TF_STAGE, cfg, &m->pt, step, with_optimizer);
}

void tf_load(TfModel *m, Vocab **src_v, Vocab **tgt_v, const char *dir, long *step, int with_optimizer) {
    char ckpt[4096], err[512], kind[32];
    path_join(ckpt, sizeof ckpt, dir, "model.ckpt");
    CheckpointInfo ck;
    if (checkpoint_read(ckpt, TF_STAGE, &ck, err, sizeof err)) die("%s", err);
    /* BERT checkpoints share the stage: the kind tells them apart */
    if (config_string(ck.config, "kind", kind, sizeof kind)) snprintf(kind, sizeof kind, "unknown");
    if (strcmp(kind, "translation"))
        die("'%s' holds a Transformer of kind=%s, not a translation model (kind=translation)", ckpt, kind);
    TfConfig cfg;
    if (tf_config_parse(ck.config, &cfg)) die("'%s': not a translation model (its config is incomplete)", ckpt);
    tf_model_build(m, &cfg);
    if (checkpoint_restore(&ck, &m->pt, err, sizeof err)) die("'%s': %s", ckpt, err);
    if (with_optimizer && !ck.has_optimizer) die("'%s' holds no optimizer state to resume from", ckpt);
    if (step) *step = ck.step;
    checkpoint_free(&ck);
    s2s_vocabs_load(dir, cfg.src_V, cfg.tgt_V, ckpt, src_v, tgt_v);
}

/* Dies unless a and b hold the same tokens in the same order. */
static void check_same_vocab(const Vocab *a, const Vocab *b, const char *side, const char *dir) {
    int same = a->size == b->size;
    for (int i = 0; same && i < a->size; i++) same = strcmp(vocab_token(a, i), vocab_token(b, i)) == 0;
    if (!same) die("'%s': its %s vocabulary is not the first model's: only checkpoints of one run average", dir, side);
}

void tf_load_average(TfModel *m, Vocab **src_v, Vocab **tgt_v, const char *const *dirs, int n, long *step) {
    if (n < 1) die("nothing to average");
    tf_load(m, src_v, tgt_v, dirs[0], step, 0);
    char first[2048], other[2048];
    tf_config_text(&m->cfg, first, sizeof first);
    for (int i = 1; i < n; i++) {
        TfModel o;
        Vocab *sv, *tv;
        tf_load(&o, &sv, &tv, dirs[i], step, 0);
        tf_config_text(&o.cfg, other, sizeof other);
        if (strcmp(first, other)) die("'%s' is not the shape of '%s': only checkpoints of one run average", dirs[i], dirs[0]);
        check_same_vocab(*src_v, sv, "source", dirs[i]);
        check_same_vocab(*tgt_v, tv, "target", dirs[i]);
        for (size_t k = 0; k < m->pt.total; k++) m->pt.values[k] += o.pt.values[k];
        vocab_free(sv);
        vocab_free(tv);
        tf_model_free(&o);
    }
    for (size_t k = 0; k < m->pt.total; k++) m->pt.values[k] /= (float)n;
}

/* ================================================================ decoding */

struct TfTranslator {
    int B, S, K, max_len;
    BeamSearch *bs;
    TfModel *m;                 /* the model of the current tf_translate call */
    int *src, *src_len;         /* (B,S) the sentences, padded, batch-major; (B) */
    float *x, *mem;             /* (B,S,d) the encoder's input and output */
    float *step_x, *step_h;     /* (B*K,d) one step's embedded tokens and the decoder's output */
    TfStackActs *enc;
    TfStackCache *cache;
};

TfTranslator *tf_translator_build(const TfModel *m, int B, int S, int K, int max_len) {
    const TfConfig *c = &m->cfg;
    if (B < 1 || S < 1) die("transformer: a translator for %d sentences of %d tokens", B, S);
    if (S > c->max_pos) die("transformer: sources of %d tokens, but the model reads at most %d", S, c->max_pos);
    TfTranslator *tr = xcalloc(1, sizeof *tr);
    tr->bs = beam_create(B, K, c->tgt_V, max_len);   /* checks K and max_len */
    /* step t feeds position t, and the longest output takes max_len steps */
    if (max_len > c->max_pos)
        usage_error("an output of up to %d tokens, but the model has %d positions (lower --max-len)", max_len,
                    c->max_pos);
    tr->B = B, tr->S = S, tr->K = K, tr->max_len = max_len;
    size_t d = c->d;
    tr->src = xmalloc((size_t)B * S * sizeof(int));
    tr->src_len = xmalloc((size_t)B * sizeof(int));
    tr->x = xmalloc((size_t)B * S * d * sizeof(float));
    tr->mem = xmalloc((size_t)B * S * d * sizeof(float));
    tr->step_x = xmalloc((size_t)B * K * d * sizeof(float));
    tr->step_h = xmalloc((size_t)B * K * d * sizeof(float));
    TfStackConfig enc = stack_config(c, 0), dec = stack_config(c, 1);
    enc.dropout = 0.0f;   /* decoding never drops out: no masks to hold */
    tr->enc = tf_stack_acts_build(&enc, B, S, 0, 0);
    tr->cache = tf_stack_cache_build(&dec, B * K, max_len, B, S);
    return tr;
}

void tf_translator_free(TfTranslator *tr) {
    if (!tr) return;
    beam_free(tr->bs);
    tf_stack_acts_free(tr->enc);
    tf_stack_cache_free(tr->cache);
    free(tr->src), free(tr->src_len), free(tr->x), free(tr->mem), free(tr->step_x), free(tr->step_h);
    free(tr);
}

const BeamSearch *tf_translator_beam(const TfTranslator *tr) { return tr->bs; }

/* beam.h's step function: embed each row's last token at position t, run
 * the decoder one position on its cache, project to logits. */
static void translate_step(void *ctx, float *logits, const int *tokens, const int *parent, const int *src, int n,
                           int t) {
    TfTranslator *tr = ctx;
    TfModel *m = tr->m;
    const TfConfig *c = &m->cfg;
    embed_forward(tr->step_x, tokens, n, 1, t, m->tgt_emb, c->tgt_V, pos_table(m, 1), c->d);
    tf_stack_step(&m->dec, tr->cache, tr->step_h, tr->step_x, parent, src, n, t);
    linear_forward(logits, tr->step_h, m->out_w, m->out_b, n, c->d, c->tgt_V);
}

void tf_translate(TfModel *m, TfTranslator *tr, int *const *src, const int *len, int n, float alpha) {
    const TfConfig *c = &m->cfg;
    if (n < 1 || n > tr->B) die("translate: %d sentences (the translator holds 1 to %d)", n, tr->B);
    int S = 0;
    for (int b = 0; b < n; b++) {
        if (len[b] < 1 || len[b] > tr->S) die("translate: a sentence of %d tokens (1 to %d fit)", len[b], tr->S);
        if (len[b] > S) S = len[b];
    }
    for (int b = 0; b < n; b++) {
        tr->src_len[b] = len[b];
        for (int s = 0; s < S; s++) tr->src[(size_t)b * S + s] = s < len[b] ? src[b][s] : VOCAB_PAD;
    }
    embed_forward(tr->x, tr->src, n, S, 0, m->src_emb, c->src_V, pos_table(m, 0), c->d);
    tf_stack_forward(&m->enc, tr->enc, tr->mem, tr->x, tr->src_len, NULL, NULL, n, S, 0, 0);
    tf_stack_cache_memory(&m->dec, tr->cache, tr->mem, tr->src_len, n, S);
    tr->m = m;
    if (tr->K == 1) beam_greedy(tr->bs, n, translate_step, tr, VOCAB_BOS, VOCAB_EOS, alpha);
    else beam_search(tr->bs, n, translate_step, tr, VOCAB_BOS, VOCAB_EOS, alpha);
}

/* ================================================================ attention maps */

/* dst (H, rows, cols) = the top-left (rows, cols) of each of the H
 * (ld_rows, ld_cols) matrices of src. */
static void copy_maps(float *dst, const float *src, int H, int rows, int cols, int ld_rows, int ld_cols) {
    for (int h = 0; h < H; h++)
        for (int i = 0; i < rows; i++)
            memcpy(dst + ((size_t)h * rows + i) * cols, src + ((size_t)h * ld_rows + i) * ld_cols,
                   (size_t)cols * sizeof(float));
}

void tf_attention_maps(TfModel *m, const int *src, int S, const int *out, int T, float *enc_self, float *dec_self,
                       float *cross) {
    const TfConfig *c = &m->cfg;
    if (S < 1 || T < 0) die("attention maps: a source of %d tokens and an output of %d", S, T);
    /* teacher-forced: BOS out_0 .. out_{T-1} in, out_0 .. out_{T-1} EOS as targets;
     * the last input row (the step after out_{T-1}) is not drawn */
    int Td = T + 1;
    int *ids = xmalloc((size_t)(S + 2 * Td + 2) * sizeof(int));
    S2sBatch b = {.S = S, .T = Td, .B = 1, .src = ids, .tgt_in = ids + S, .tgt_out = ids + S + Td,
                  .src_len = ids + S + 2 * Td, .index = ids + S + 2 * Td + 1};
    memcpy(b.src, src, (size_t)S * sizeof(int));
    b.tgt_in[0] = VOCAB_BOS;
    for (int t = 0; t < T; t++) b.tgt_in[t + 1] = b.tgt_out[t] = out[t];
    b.tgt_out[T] = VOCAB_EOS;
    b.src_len[0] = S, b.index[0] = 0;
    TfActs *a = tf_acts_build(m, 1, S, Td, 0);
    tf_forward(m, a, &b, 0.0f, 0);
    int NH = c->heads;
    for (int l = 0; l < c->enc_layers && enc_self; l++)
        copy_maps(enc_self + (size_t)l * NH * S * S, tf_stack_self_att(a->enc, l), NH, S, S, S, S);
    for (int l = 0; l < c->dec_layers; l++) {
        if (dec_self) copy_maps(dec_self + (size_t)l * NH * T * T, tf_stack_self_att(a->dec, l), NH, T, T, Td, Td);
        if (cross) copy_maps(cross + (size_t)l * NH * T * S, tf_stack_cross_att(a->dec, l), NH, T, S, Td, S);
    }
    tf_acts_free(a);
    free(ids);
}
