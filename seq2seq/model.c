/* model.c -- the encoder-decoder as one model: config, parameters, the
 * teacher-forced loss, saving and loading, and decoding. See model.h. */
#include "seq2seq/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "s2s_tasks.h"
#include "util.h"

/* ------------------------------------------------------------ config */

static const char *const attention_names[] = { "none", "bahdanau", "luong-dot", "luong-general",
                                               "luong-concat" };

const char *s2s_attention_name(S2sAttention a) { return attention_names[a]; }

int s2s_attention_parse(const char *s, S2sAttention *a) {
    for (int i = 0; i < 5; i++)
        if (strcmp(s, attention_names[i]) == 0) { *a = (S2sAttention)i; return 0; }
    return -1;
}

void s2s_config_link(S2sConfig *c) {
    c->dec.enc_cell = c->enc.cell;
    c->dec.enc_H = c->enc.H;
    c->dec.enc_L = c->enc.L;
    c->dec.enc_ndir = c->enc.bidir ? 2 : 1;
    c->dec.D = c->enc.H * c->dec.enc_ndir;
}

void s2s_config_text(const S2sConfig *c, char *buf, size_t n) {
    snprintf(buf, n,
             "task=%s\ntokens=%s\nreverse_src=%d\n"
             "enc_cell=%s\nsrc_V=%d\nenc_E=%d\nenc_H=%d\nenc_L=%d\nenc_bidir=%d\nenc_dropout=%.9g\n"
             "dec_cell=%s\ntgt_V=%d\ndec_E=%d\ndec_H=%d\ndec_L=%d\nattention=%s\natt_A=%d\n"
             "feed_context=%d\ndec_dropout=%.9g\n",
             c->task[0] ? c->task : "files", c->tokens == S2S_CHARS ? "chars" : "words", c->reverse_src,
             rnn_kind_name(c->enc.cell), c->enc.V, c->enc.E, c->enc.H, c->enc.L, c->enc.bidir,
             (double)c->enc.dropout,
             rnn_kind_name(c->dec.cell), c->dec.V, c->dec.E, c->dec.H, c->dec.L,
             s2s_attention_name(c->dec.attn), c->dec.A, c->dec.feed_context, (double)c->dec.dropout);
}

int s2s_config_parse(const char *text, S2sConfig *c) {
    char word[64];
    memset(c, 0, sizeof *c);
    if (config_string(text, "task", c->task, sizeof c->task)) snprintf(c->task, sizeof c->task, "files");
    if (config_string(text, "tokens", word, sizeof word)) return -1;
    if (strcmp(word, "words") == 0) c->tokens = S2S_WORDS;
    else if (strcmp(word, "chars") == 0) c->tokens = S2S_CHARS;
    else return -1;
    if (config_string(text, "enc_cell", word, sizeof word) || rnn_kind_parse(word, &c->enc.cell)) return -1;
    if (config_string(text, "dec_cell", word, sizeof word) || rnn_kind_parse(word, &c->dec.cell)) return -1;
    if (config_string(text, "attention", word, sizeof word) || s2s_attention_parse(word, &c->dec.attn)) return -1;
    c->reverse_src = (int)config_long(text, "reverse_src", 0);
    c->enc.V = (int)config_long(text, "src_V", 0);
    c->enc.E = (int)config_long(text, "enc_E", 0);
    c->enc.H = (int)config_long(text, "enc_H", 0);
    c->enc.L = (int)config_long(text, "enc_L", 0);
    c->enc.bidir = (int)config_long(text, "enc_bidir", -1);
    c->enc.dropout = (float)config_double(text, "enc_dropout", 0.0);
    c->dec.V = (int)config_long(text, "tgt_V", 0);
    c->dec.E = (int)config_long(text, "dec_E", 0);
    c->dec.H = (int)config_long(text, "dec_H", 0);
    c->dec.L = (int)config_long(text, "dec_L", 0);
    c->dec.A = (int)config_long(text, "att_A", -1);
    c->dec.feed_context = (int)config_long(text, "feed_context", -1);
    c->dec.dropout = (float)config_double(text, "dec_dropout", 0.0);
    if (c->enc.V < 1 || c->enc.E < 1 || c->enc.H < 1 || c->enc.L < 1 || c->enc.bidir < 0 || c->dec.V < 1 ||
        c->dec.E < 1 || c->dec.H < 1 || c->dec.L < 1 || c->dec.A < 0 || c->dec.feed_context < 0)
        return -1;
    s2s_config_link(c);
    return 0;
}

/* ------------------------------------------------------------ the model */

void s2s_model_build(S2sModel *m, const S2sConfig *cfg) {
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    s2s_config_link(&m->cfg);
    params_init(&m->pt);
    s2s_encoder_declare(&m->enc, &m->cfg.enc, &m->pt);
    s2s_decoder_declare(&m->dec, &m->cfg.dec, &m->pt);
    params_alloc(&m->pt);
    s2s_encoder_bind(&m->enc, &m->pt);
    s2s_decoder_bind(&m->dec, &m->pt);
}

void s2s_model_free(S2sModel *m) { params_free(&m->pt); }

void s2s_model_init_uniform(S2sModel *m, float range, Rng *rng) {
    for (int i = 0; i < m->pt.count; i++) {
        const ParamInfo *p = &m->pt.info[i];
        float *w = m->pt.values + p->offset;
        if (p->ndim >= 2) rng_fill_uniform(rng, w, p->size, -range, range);
        else memset(w, 0, p->size * sizeof *w);
    }
}

/* ------------------------------------------------------------ training */

void s2s_acts_build(S2sActs *a, const S2sModel *m, int S, int T, int B, uint64_t seed) {
    a->src_rev = m->cfg.reverse_src ? xmalloc((size_t)S * B * sizeof *a->src_rev) : NULL;
    s2s_encoder_acts_build(&a->enc, &m->enc, S, B, seed);
    s2s_decoder_acts_build(&a->dec, &m->dec, T, S, B, seed ^ 0x9e3779b97f4a7c15ULL);
}

void s2s_acts_free(S2sActs *a) {
    free(a->src_rev);
    s2s_encoder_acts_free(&a->enc);
    s2s_decoder_acts_free(&a->dec);
}

/* Each column of a time-major (S,B) id batch backwards within its length;
 * the padding stays at the end. */
static void reverse_sources(int *out, const int *src, const int *len, int S, int B) {
    for (int b = 0; b < B; b++)
        for (int s = 0; s < S; s++) out[s * B + b] = s < len[b] ? src[(len[b] - 1 - s) * B + b] : src[s * B + b];
}

double s2s_forward(S2sModel *m, S2sActs *a, const S2sBatch *b, float smoothing, int train, float tf_ratio) {
    const int *src = b->src;
    if (m->cfg.reverse_src) {
        reverse_sources(a->src_rev, b->src, b->src_len, b->S, b->B);
        src = a->src_rev;
    }
    s2s_encoder_forward(&m->enc, &a->enc, src, b->src_len, b->S, b->B, train);
    return s2s_decoder_forward(&m->dec, &a->dec, a->enc.out, b->src_len, a->enc.h_final, a->enc.c_final,
                               b->tgt_in, b->tgt_out, VOCAB_PAD, smoothing, b->S, b->T, b->B, train, tf_ratio);
}

void s2s_backward(S2sModel *m, S2sActs *a) {
    s2s_decoder_backward(&m->dec, &a->dec, 1.0f);
    s2s_encoder_backward(&m->enc, &a->enc, a->dec.d_enc_out, a->dec.dh_final, a->dec.dc_final);
}

/* ------------------------------------------------------------ save / load */

void s2s_save(const S2sModel *m, const Vocab *src_v, const Vocab *tgt_v, const char *dir, long step,
              int with_optimizer) {
    char cfg[1024], path[4096];
    make_dirs(dir);
    s2s_vocabs_save(dir, src_v, tgt_v);
    s2s_config_text(&m->cfg, cfg, sizeof cfg);
    path_join(path, sizeof path, dir, "model.ckpt");
    checkpoint_save(path, S2S_STAGE, cfg, &m->pt, step, with_optimizer);
}

void s2s_load(S2sModel *m, Vocab **src_v, Vocab **tgt_v, const char *dir, long *step, int with_optimizer) {
    char ckpt[4096], err[512];
    path_join(ckpt, sizeof ckpt, dir, "model.ckpt");
    CheckpointInfo ck;
    if (checkpoint_read(ckpt, S2S_STAGE, &ck, err, sizeof err)) die("%s", err);
    S2sConfig cfg;
    if (s2s_config_parse(ck.config, &cfg)) die("'%s': not a translation model (its config is incomplete)", ckpt);
    s2s_model_build(m, &cfg);
    if (checkpoint_restore(&ck, &m->pt, err, sizeof err)) die("'%s': %s", ckpt, err);
    if (with_optimizer && !ck.has_optimizer) die("'%s' holds no optimizer state to resume from", ckpt);
    if (step) *step = ck.step;
    checkpoint_free(&ck);
    s2s_vocabs_load(dir, cfg.enc.V, cfg.dec.V, ckpt, src_v, tgt_v);
}

/* ------------------------------------------------------------ decoding */

typedef struct {
    S2sDecoder *dec;
    S2sDecodeState *st;
} StepCtx;

static void decode_step(void *ctx, float *logits, const int *tokens, const int *parent, const int *src, int n,
                        int t) {
    StepCtx *c = ctx;
    s2s_decode_step(c->dec, c->st, logits, tokens, parent, src, n, t);
}

void s2s_translator_build(S2sTranslator *tr, const S2sModel *m, int B, int S, int K, int max_len) {
    memset(tr, 0, sizeof *tr);
    tr->B = B; tr->S = S; tr->K = K; tr->max_len = max_len;
    tr->bs = beam_create(B, K, m->cfg.dec.V, max_len);
    tr->src = xmalloc((size_t)S * B * sizeof *tr->src);
    tr->src_len = xmalloc((size_t)B * sizeof *tr->src_len);
    s2s_encoder_acts_build(&tr->enc, &m->enc, S, B, 0);
    s2s_decode_state_build(&tr->st, &m->dec, S, B, K);
}

void s2s_translator_free(S2sTranslator *tr) {
    beam_free(tr->bs);
    free(tr->src);
    free(tr->src_len);
    s2s_encoder_acts_free(&tr->enc);
    s2s_decode_state_free(&tr->st);
}

/* Lay n sentences out time-major and padded, as the encoder reads them
 * (backwards when reverse); returns the longest length. */
static int pack_sources(int *packed, int *lens, int *const *src, const int *len, int n, int S, int reverse) {
    int longest = 0;
    for (int b = 0; b < n; b++) {
        if (len[b] < 1 || len[b] > S) die("translate: a sentence of %d tokens (1 to %d fit)", len[b], S);
        lens[b] = len[b];
        if (len[b] > longest) longest = len[b];
    }
    for (int s = 0; s < longest; s++)
        for (int b = 0; b < n; b++)
            packed[s * n + b] = s >= len[b] ? VOCAB_PAD : reverse ? src[b][len[b] - 1 - s] : src[b][s];
    return longest;
}

void s2s_translate(S2sModel *m, S2sTranslator *tr, int *const *src, const int *len, int n, float alpha) {
    if (n < 1 || n > tr->B) die("translate: %d sentences (the translator holds 1 to %d)", n, tr->B);
    int S = pack_sources(tr->src, tr->src_len, src, len, n, tr->S, m->cfg.reverse_src);
    s2s_encoder_forward(&m->enc, &tr->enc, tr->src, tr->src_len, S, n, 0);
    s2s_decode_begin(&m->dec, &tr->st, tr->enc.out, tr->src_len, tr->enc.h_final, tr->enc.c_final, S, n);
    StepCtx ctx = { &m->dec, &tr->st };
    if (tr->K == 1) beam_greedy(tr->bs, n, decode_step, &ctx, VOCAB_BOS, VOCAB_EOS, alpha);
    else beam_search(tr->bs, n, decode_step, &ctx, VOCAB_BOS, VOCAB_EOS, alpha);
}

int s2s_attention_matrix(S2sModel *m, const int *src, int src_len, const int *out, int out_len, float *w) {
    if (m->cfg.dec.attn == S2S_ATTN_NONE) return -1;
    S2sTranslator tr;
    s2s_translator_build(&tr, m, 1, src_len, 1, out_len + 1);
    int *const srcs[1] = { (int *)src };
    pack_sources(tr.src, tr.src_len, srcs, &src_len, 1, src_len, m->cfg.reverse_src);
    s2s_encoder_forward(&m->enc, &tr.enc, tr.src, tr.src_len, src_len, 1, 0);
    s2s_decode_begin(&m->dec, &tr.st, tr.enc.out, tr.src_len, tr.enc.h_final, tr.enc.c_final, src_len, 1);
    float *logits = xmalloc((size_t)m->cfg.dec.V * sizeof *logits);
    int zero = 0;
    for (int t = 0; t < out_len; t++) {
        int tok = t == 0 ? VOCAB_BOS : out[t - 1], parent = t == 0 ? -1 : 0;
        s2s_decode_step(&m->dec, &tr.st, logits, &tok, &parent, &zero, 1, t);
        /* columns in the sentence's own order, however the model read it */
        for (int j = 0; j < src_len; j++)
            w[(size_t)t * src_len + j] = tr.st.att[m->cfg.reverse_src ? src_len - 1 - j : j];
    }
    free(logits);
    s2s_translator_free(&tr);
    return 0;
}
