/*
 * test_transformer_model.c -- the encoder-decoder of transformer/model.h:
 *
 *   - PyTorch fixtures (tests/ref/ref_transformer_model.py): post-LN with
 *     sinusoids and two embeddings, pre-LN with learned positions and one
 *     shared embedding, over a padded batch with teacher forcing and label
 *     smoothing: the logits, the loss and every weight's gradient;
 *   - central differences through the embeddings and positions with dropout
 *     on (the stacks have their own check in test_transformer_layers.c);
 *   - decoding from the key/value cache scores each hypothesis exactly as
 *     the teacher-forced forward does, greedy and with a beam;
 *   - padding changes nothing: a sentence alone and in a batch of longer
 *     ones gets the same logits, and decodes the same;
 *   - attention maps are probability rows of the right shapes;
 *   - the Noam schedule (eq. 3) at hand-computed points;
 *   - saving and loading, and the files loading rejects: truncated, and a
 *     BERT checkpoint (same stage, kind=bert).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "gradcheck.h"
#include "harness.h"
#include "optim.h"
#include "transformer/model.h"
#include "util.h"

/* Fixtures are computed in double; ours in float. */
#define TOL 2e-5f

static TfConfig config_of(const Fixture *fx) {
    TfConfig c;
    memset(&c, 0, sizeof c);
    c.d = fixture_int(fx, "cfg", 0);
    c.heads = fixture_int(fx, "cfg", 1);
    c.ff = fixture_int(fx, "cfg", 2);
    c.enc_layers = fixture_int(fx, "cfg", 3);
    c.dec_layers = fixture_int(fx, "cfg", 4);
    c.src_V = fixture_int(fx, "cfg", 5);
    c.tgt_V = fixture_int(fx, "cfg", 6);
    c.max_pos = fixture_int(fx, "cfg", 7);
    c.pos = fixture_int(fx, "cfg", 8) ? TF_POS_LEARNED : TF_POS_SINUSOID;
    c.norm = fixture_int(fx, "cfg", 9) ? TF_PRE_LN : TF_POST_LN;
    c.share_emb = fixture_int(fx, "cfg", 10);
    c.tokens = S2S_WORDS;
    return c;
}

/* The model of fixture transformer_model_<name>, its shape and weights.
 * Returns the fixture (the batch and the expected results). */
static Fixture *fixture_model(TfModel *m, const char *name) {
    char file[64];
    snprintf(file, sizeof file, "transformer_model_%s", name);
    Fixture *fx = fixture_load(file);
    TfConfig cfg = config_of(fx);
    tf_model_build(m, &cfg);
    for (int i = 0; i < m->pt.count; i++) {
        const ParamInfo *p = &m->pt.info[i];
        size_t n;
        const float *w = fixture_get(fx, p->name, &n);
        ck_assert_msg(n == p->size, "%s: fixture has %zu floats, the model %zu", p->name, n, p->size);
        memcpy(m->pt.values + p->offset, w, n * sizeof *w);
    }
    return fx;
}

/* The fixture's batch, time-major, as s2s_corpus.h lays one out. */
static S2sBatch batch_of(const Fixture *fx) {
    size_t ns, nt, nb;
    fixture_get(fx, "src", &ns);
    fixture_get(fx, "tgt_in", &nt);
    fixture_get(fx, "src_len", &nb);
    S2sBatch b = {.B = (int)nb, .S = (int)(ns / nb), .T = (int)(nt / nb)};
    b.src = xmalloc(ns * sizeof(int));
    b.tgt_in = xmalloc(nt * sizeof(int));
    b.tgt_out = xmalloc(nt * sizeof(int));
    b.src_len = xmalloc(nb * sizeof(int));
    b.index = xmalloc(nb * sizeof(int));
    for (size_t i = 0; i < ns; i++) b.src[i] = fixture_int(fx, "src", i);
    for (size_t i = 0; i < nt; i++) {
        b.tgt_in[i] = fixture_int(fx, "tgt_in", i);
        b.tgt_out[i] = fixture_int(fx, "tgt_out", i);
    }
    for (size_t i = 0; i < nb; i++) b.src_len[i] = fixture_int(fx, "src_len", i), b.index[i] = (int)i;
    return b;
}

static void batch_free(S2sBatch *b) {
    free(b->src), free(b->tgt_in), free(b->tgt_out), free(b->src_len), free(b->index);
}

static void check_case(const char *name) {
    TfModel m;
    Fixture *fx = fixture_model(&m, name);
    S2sBatch b = batch_of(fx);
    TfActs *a = tf_acts_build(&m, b.B, b.S, b.T, 0);
    float smoothing = fixture_get(fx, "smoothing", NULL)[0];
    params_zero_grad(&m.pt);
    float loss = (float)tf_forward(&m, a, &b, smoothing, 0);
    int ok = check_tensor("loss", &loss, fixture_get(fx, "loss", NULL), 1, TOL);
    /* PyTorch's logits (B,T,V) at the positions with a target, as ours are kept */
    int V = m.cfg.tgt_V, n, k = 0;
    const float *logits = tf_acts_logits(a, &n), *all = fixture_get(fx, "logits", NULL);
    float *want = xmalloc((size_t)b.B * b.T * V * sizeof *want);
    for (int j = 0; j < b.B; j++)
        for (int t = 0; t < b.T; t++)
            if (b.tgt_out[t * b.B + j] != VOCAB_PAD)
                memcpy(want + (size_t)k++ * V, all + ((size_t)j * b.T + t) * V, (size_t)V * sizeof *want);
    ck_assert_int_eq(n, k);
    ok &= check_tensor("logits", logits, want, (size_t)n * V, TOL);
    free(want);
    tf_backward(&m, a);
    for (int i = 0; i < m.pt.count; i++) {
        const ParamInfo *p = &m.pt.info[i];
        char gname[PARAM_NAME_MAX + 2];
        snprintf(gname, sizeof gname, "g:%s", p->name);
        ok &= check_tensor(gname, m.pt.grads + p->offset, fixture_get(fx, gname, NULL), p->size, TOL);
    }
    ck_assert_msg(ok, "%s: the model differs from PyTorch's (see the NOT OK lines)", name);
    tf_acts_free(a);
    batch_free(&b);
    tf_model_free(&m);
    fixture_free(fx);
}

START_TEST(pytorch_post_ln) { check_case("post"); }
END_TEST
START_TEST(pytorch_pre_ln) { check_case("pre"); }
END_TEST

/* ---------------------------------------------------------------- dropout */

typedef struct {
    TfModel m;
    S2sBatch b;
} GradCtx;

/* The loss with fresh activations of one seed: the same dropout masks each time. */
static double model_loss(void *p) {
    GradCtx *c = p;
    TfActs *a = tf_acts_build(&c->m, c->b.B, c->b.S, c->b.T, 5);
    double loss = tf_forward(&c->m, a, &c->b, 0.1f, 1);
    tf_acts_free(a);
    return loss;
}

/* The embeddings, the sqrt(d) scale, the positions and the dropout on the
 * embedded inputs, by central differences. */
START_TEST(gradcheck_embeddings_with_dropout) {
    GradCtx *c = xcalloc(1, sizeof *c);
    Fixture *fx = fixture_model(&c->m, "post");
    TfConfig cfg = c->m.cfg;
    tf_model_free(&c->m);
    cfg.pos = TF_POS_LEARNED, cfg.dropout = 0.2f, cfg.enc_layers = cfg.dec_layers = 1;
    tf_model_build(&c->m, &cfg);
    Rng rng;
    rng_seed(&rng, 3, 0);
    tf_model_init(&c->m, &rng);
    /* every FFN unit on, away from ReLU's kink (see test_transformer_layers.c) */
    for (int i = 0; i < cfg.ff; i++) c->m.enc.w.ff_b1[i] = c->m.dec.w.ff_b1[i] = 4.0f;
    c->b = batch_of(fx);
    TfActs *a = tf_acts_build(&c->m, c->b.B, c->b.S, c->b.T, 5);
    params_zero_grad(&c->m.pt);
    tf_forward(&c->m, a, &c->b, 0.1f, 1);
    tf_backward(&c->m, a);
    static const char *const names[] = {"src_emb", "tgt_emb", "src_pos", "tgt_pos"};
    double worst = 0.0;
    for (int i = 0; i < 4; i++) {
        const ParamInfo *p = &c->m.pt.info[params_find(&c->m.pt, names[i])];
        double e = gradcheck(names[i], model_loss, c, c->m.pt.values + p->offset, c->m.pt.grads + p->offset, p->size,
                             1e-2f);
        worst = e > worst ? e : worst;
    }
    printf("GRADCHECK embeddings and positions with dropout: max relative error %.2e\n", worst);
    ck_assert_msg(worst < 2e-2, "relative error %g", worst);
    /* dropout is on in training only */
    ck_assert(model_loss(c) != tf_forward(&c->m, a, &c->b, 0.1f, 0));
    tf_acts_free(a);
    batch_free(&c->b);
    tf_model_free(&c->m);
    fixture_free(fx);
    free(c);
}
END_TEST

/* ---------------------------------------------------------------- decoding */

/* A fixture's model that never writes PAD (a teacher-forced batch could not
 * hold a PAD inside a target: it would read as the target's end), and ends
 * its outputs less eagerly, so that hypotheses run for several steps. */
static Fixture *decoding_model(TfModel *m, const char *name) {
    Fixture *fx = fixture_model(m, name);
    m->out_b[VOCAB_PAD] -= 100.0f;
    m->out_b[VOCAB_EOS] -= 1.0f;
    return fx;
}

/* log P(hypothesis | src) by the teacher-forced forward: BOS y_1 .. y_m in,
 * y_1 .. y_m [EOS] as targets. */
static double teacher_forced_logprob(TfModel *m, const int *src, int S, const BeamHyp *h) {
    int T = h->len + 1, V = m->cfg.tgt_V, sl = S, ix = 0;
    int *tin = xmalloc((size_t)T * sizeof(int)), *tout = xmalloc((size_t)T * sizeof(int));
    tin[0] = VOCAB_BOS;
    for (int t = 0; t < h->len; t++) tin[t + 1] = tout[t] = h->tokens[t];
    tout[h->len] = VOCAB_EOS;
    S2sBatch b = {.S = S, .T = T, .B = 1, .src = (int *)src, .tgt_in = tin, .tgt_out = tout, .src_len = &sl,
                  .index = &ix};
    TfActs *a = tf_acts_build(m, 1, S, T, 0);
    tf_forward(m, a, &b, 0.0f, 0);
    int n;
    const float *logits = tf_acts_logits(a, &n);   /* one row per position: every target is set */
    double lp = 0.0;
    for (int t = 0; t < h->len + h->ended; t++) {
        const float *z = logits + (size_t)t * V;
        double mx = z[0], sum = 0.0;
        for (int v = 1; v < V; v++) mx = z[v] > mx ? z[v] : mx;
        for (int v = 0; v < V; v++) sum += exp(z[v] - mx);
        lp += z[tout[t]] - mx - log(sum);
    }
    tf_acts_free(a);
    free(tin), free(tout);
    return lp;
}

static int s0[] = {5, 7}, s1[] = {4, 9, 6, 8, 10}, s2[] = {6, 6, 7, 4};
static int *const sources[] = {s0, s1, s2};
static const int source_len[] = {2, 5, 4};

/* Every hypothesis the cached decoder returns has the log-probability the
 * whole-sequence forward gives it. */
static void check_cache(const char *name, int K) {
    TfModel m;
    fixture_free(decoding_model(&m, name));
    TfTranslator *tr = tf_translator_build(&m, 3, 5, K, 7);
    tf_translate(&m, tr, sources, source_len, 3, 0.0f);
    const BeamSearch *bs = tf_translator_beam(tr);
    for (int b = 0; b < 3; b++)
        for (int j = 0; j < beam_count(bs, b); j++) {
            const BeamHyp *h = &beam_nbest(bs, b)[j];
            double lp = teacher_forced_logprob(&m, sources[b], source_len[b], h);
            ck_assert_msg(fabs(lp - h->logprob) < 1e-4, "%s K=%d sentence %d hypothesis %d: cached log P %.6f, forward %.6f",
                          name, K, b, j, h->logprob, lp);
        }
    tf_translator_free(tr);
    tf_model_free(&m);
}

START_TEST(cached_decoding_matches_forward) {
    check_cache("post", 1);
    check_cache("post", 3);
    check_cache("pre", 1);
    check_cache("pre", 3);
}
END_TEST

/* The same sentence decoded alone and as one of a batch of longer ones. */
static void check_decoding_padding(const char *name, int K) {
    TfModel m;
    fixture_free(decoding_model(&m, name));
    TfTranslator *batch = tf_translator_build(&m, 3, 5, K, 7), *alone = tf_translator_build(&m, 1, 5, K, 7);
    tf_translate(&m, batch, sources, source_len, 3, 0.6f);
    for (int b = 0; b < 3; b++) {
        tf_translate(&m, alone, &sources[b], &source_len[b], 1, 0.6f);
        const BeamHyp *x = beam_best(tf_translator_beam(batch), b), *y = beam_best(tf_translator_beam(alone), 0);
        ck_assert_int_eq(x->len, y->len);
        ck_assert_int_eq(x->ended, y->ended);
        for (int t = 0; t < x->len; t++) ck_assert_int_eq(x->tokens[t], y->tokens[t]);
        ck_assert_msg(fabs(x->logprob - y->logprob) < 1e-4, "%s sentence %d: log P %g alone, %g in a batch", name, b,
                      y->logprob, x->logprob);
    }
    tf_translator_free(batch);
    tf_translator_free(alone);
    tf_model_free(&m);
}

START_TEST(decoding_ignores_padding) {
    check_decoding_padding("post", 1);
    check_decoding_padding("post", 3);
    check_decoding_padding("pre", 1);
    check_decoding_padding("pre", 3);
}
END_TEST

/* Sentence j of a batch alone: its own lengths, no padding. */
static S2sBatch column(const S2sBatch *b, int j) {
    int T = 0;
    while (T < b->T && b->tgt_out[T * b->B + j] != VOCAB_PAD) T++;
    S2sBatch one = {.B = 1, .S = b->src_len[j], .T = T};
    one.src = xmalloc((size_t)one.S * sizeof(int));
    one.tgt_in = xmalloc((size_t)T * sizeof(int));
    one.tgt_out = xmalloc((size_t)T * sizeof(int));
    one.src_len = xmalloc(sizeof(int));
    one.index = xmalloc(sizeof(int));
    for (int s = 0; s < one.S; s++) one.src[s] = b->src[s * b->B + j];
    for (int t = 0; t < T; t++) one.tgt_in[t] = b->tgt_in[t * b->B + j], one.tgt_out[t] = b->tgt_out[t * b->B + j];
    one.src_len[0] = one.S;
    one.index[0] = 0;
    return one;
}

/* Teacher-forced, a sentence's logits are the same alone and in a padded
 * batch, and so is its loss. */
static void check_forward_padding(const char *name) {
    TfModel m;
    Fixture *fx = fixture_model(&m, name);
    S2sBatch b = batch_of(fx);
    TfActs *a = tf_acts_build(&m, b.B, b.S, b.T, 0), *one_a = tf_acts_build(&m, 1, b.S, b.T, 0);
    tf_forward(&m, a, &b, 0.0f, 0);
    int V = m.cfg.tgt_V, n, row0 = 0;   /* row0: sentence j's first row among the batch's logits */
    const float *batch_logits = tf_acts_logits(a, &n);
    for (int j = 0; j < b.B; j++) {
        S2sBatch one = column(&b, j);
        tf_forward(&m, one_a, &one, 0.0f, 0);
        const float *one_logits = tf_acts_logits(one_a, &n);
        ck_assert_int_eq(n, one.T);
        for (int t = 0; t < one.T; t++) {
            const float *x = batch_logits + ((size_t)row0 + t) * V, *y = one_logits + (size_t)t * V;
            for (int v = 0; v < V; v++)
                ck_assert_msg(fabsf(x[v] - y[v]) < 1e-5f, "%s sentence %d step %d: logit %g in a batch, %g alone",
                              name, j, t, x[v], y[v]);
        }
        row0 += one.T;
        batch_free(&one);
    }
    tf_acts_free(a);
    tf_acts_free(one_a);
    batch_free(&b);
    tf_model_free(&m);
    fixture_free(fx);
}

START_TEST(forward_ignores_padding) {
    check_forward_padding("post");
    check_forward_padding("pre");
}
END_TEST

/* Each map's rows are probabilities over what the row may see: the source
 * positions, or the decoder's own positions up to its step. */
START_TEST(attention_maps) {
    TfModel m;
    fixture_free(fixture_model(&m, "pre"));
    int src[] = {5, 7, 9}, out[] = {6, 4, 8, 5}, S = 3, T = 4, L = 2, H = m.cfg.heads;
    float *enc = xmalloc((size_t)L * H * S * S * sizeof(float)), *dec = xmalloc((size_t)L * H * T * T * sizeof(float));
    float *cross = xmalloc((size_t)L * H * T * S * sizeof(float));
    tf_attention_maps(&m, src, S, out, T, enc, dec, cross);
    for (int r = 0; r < L * H * S; r++) {
        double sum = 0.0;
        for (int j = 0; j < S; j++) sum += enc[(size_t)r * S + j];
        ck_assert_msg(fabs(sum - 1.0) < 1e-5, "encoder row %d sums to %g", r, sum);
    }
    for (int r = 0; r < L * H * T; r++) {
        double sd = 0.0, sc = 0.0;
        int t = r % T;
        for (int j = 0; j < T; j++) {
            if (j > t) ck_assert_float_eq(dec[(size_t)r * T + j], 0.0f);   /* causal */
            sd += dec[(size_t)r * T + j];
        }
        for (int j = 0; j < S; j++) sc += cross[(size_t)r * S + j];
        ck_assert_msg(fabs(sd - 1.0) < 1e-5 && fabs(sc - 1.0) < 1e-5, "decoder row %d sums to %g and %g", r, sd, sc);
    }
    /* an empty output still has the encoder's maps */
    tf_attention_maps(&m, src, S, out, 0, enc, NULL, NULL);
    free(enc), free(dec), free(cross);
    tf_model_free(&m);
}
END_TEST

/* ---------------------------------------------------------------- the schedule */

/* lrate = d^-0.5 min(s^-0.5, s warmup^-1.5), s = step + 1 (eq. 3), by hand
 * for the paper's d = 512, warmup = 4000. */
START_TEST(noam_schedule) {
    /* s = 1: 512^-0.5 * 4000^-1.5 = 0.0441942 * 3.95285e-6 */
    ck_assert_float_eq_tol(lr_noam(0, 512, 4000, 1.0f), 1.746928e-7f, 1e-12f);
    /* s = 4000, the peak, where both terms meet: (512 * 4000)^-0.5 */
    ck_assert_float_eq_tol(lr_noam(3999, 512, 4000, 1.0f), 6.987712e-4f, 1e-9f);
    /* s = 16000: (512 * 16000)^-0.5, half the peak (4x the steps) */
    ck_assert_float_eq_tol(lr_noam(15999, 512, 4000, 1.0f), 3.493856e-4f, 1e-9f);
    /* a factor scales it: 2 * (256 * 2000)^-0.5 at the peak of d = 256, warmup 2000 */
    ck_assert_float_eq_tol(lr_noam(1999, 256, 2000, 2.0f), 2.795085e-3f, 1e-8f);
    /* linear warmup: twice the step, twice the rate */
    ck_assert_float_eq_tol(lr_noam(1999, 512, 4000, 1.0f), 0.5f * lr_noam(3999, 512, 4000, 1.0f), 1e-10f);
}
END_TEST

/* ---------------------------------------------------------------- save / load */

static Vocab *tiny_vocab(int V) {
    Vocab *v = vocab_new(VOCAB_WORD);
    char w[16];
    for (int i = VOCAB_NSPECIAL; i < V; i++) {
        snprintf(w, sizeof w, "w%d", i);
        vocab_add(v, w, strlen(w), 1);
    }
    return v;
}

/* Model "pre" saved to a fresh folder; returns the folder. */
static const char *saved_model(TfModel *m) {
    fixture_free(fixture_model(m, "pre"));
    Vocab *sv = tiny_vocab(m->cfg.src_V), *tv = tiny_vocab(m->cfg.tgt_V);
    const char *dir = tmp_path("tf_model");
    tf_save(m, sv, tv, dir, 42, 1);
    vocab_free(sv), vocab_free(tv);
    return dir;
}

START_TEST(save_and_load) {
    TfModel m, back;
    const char *dir = saved_model(&m);
    Vocab *sv, *tv;
    long step;
    tf_load(&back, &sv, &tv, dir, &step, 1);
    ck_assert_int_eq(step, 42);
    char a[1024], b[1024];
    tf_config_text(&m.cfg, a, sizeof a);
    tf_config_text(&back.cfg, b, sizeof b);
    ck_assert_str_eq(a, b);
    ck_assert_int_eq(back.pt.total, m.pt.total);
    ck_assert(memcmp(back.pt.values, m.pt.values, m.pt.total * sizeof(float)) == 0);
    ck_assert_int_eq(sv->size, m.cfg.src_V);
    ck_assert_int_eq(tv->size, m.cfg.tgt_V);
    ck_assert_ptr_eq(back.tgt_emb, back.src_emb);   /* still shared */
    vocab_free(sv), vocab_free(tv);
    tf_model_free(&m);
    tf_model_free(&back);
}
END_TEST

/* tf_load_average: every weight the mean of the folders' (here w and w + 2,
 * so w + 1), the first folder's vocabularies, the last folder's step. */
START_TEST(average_of_checkpoints) {
    TfModel m, avg;
    const char *first = saved_model(&m);
    for (size_t k = 0; k < m.pt.total; k++) m.pt.values[k] += 2.0f;
    Vocab *sv = tiny_vocab(m.cfg.src_V), *tv = tiny_vocab(m.cfg.tgt_V);
    const char *second = tmp_path("tf_model_plus2");
    tf_save(&m, sv, tv, second, 43, 0);
    vocab_free(sv), vocab_free(tv);
    const char *dirs[2] = { first, second };
    long step;
    tf_load_average(&avg, &sv, &tv, dirs, 2, &step);
    ck_assert_int_eq(step, 43);
    ck_assert_int_eq(avg.pt.total, m.pt.total);
    float worst = 0.0f;
    for (size_t k = 0; k < m.pt.total; k++) {
        float d = fabsf(avg.pt.values[k] - (m.pt.values[k] - 1.0f));
        if (d > worst) worst = d;
    }
    ck_assert_float_le(worst, 1e-6f);
    ck_assert_int_eq(sv->size, m.cfg.src_V);
    vocab_free(sv), vocab_free(tv);
    tf_model_free(&m);
    tf_model_free(&avg);
}
END_TEST

START_TEST(config_round_trip) {
    TfModel m;
    fixture_free(fixture_model(&m, "post"));
    m.cfg.dropout = 0.1f;
    snprintf(m.cfg.task, sizeof m.cfg.task, "multi30k");
    char a[1024], b[1024];
    TfConfig back;
    tf_config_text(&m.cfg, a, sizeof a);
    ck_assert_ptr_nonnull(strstr(a, "kind=translation\n"));
    ck_assert_int_eq(tf_config_parse(a, &back), 0);
    tf_config_text(&back, b, sizeof b);
    ck_assert_str_eq(a, b);
    char *bert = replace_once(a, "kind=translation", "kind=bert");
    ck_assert_int_eq(tf_config_parse(bert, &back), -1);
    char *bad = replace_once(a, "norm=post", "norm=sandwich");
    ck_assert_int_eq(tf_config_parse(bad, &back), -1);
    free(bert), free(bad);
    TfPos p;
    TfNorm n;
    ck_assert_int_eq(tf_pos_parse(tf_pos_name(TF_POS_LEARNED), &p), 0);
    ck_assert_int_eq(p, TF_POS_LEARNED);
    ck_assert_int_eq(tf_norm_parse(tf_norm_name(TF_PRE_LN), &n), 0);
    ck_assert_int_eq(n, TF_PRE_LN);
    ck_assert_int_eq(tf_pos_parse("rotary", &p), -1);
    tf_model_free(&m);
}
END_TEST

/* A checkpoint cut short: loading dies (exit 1) with checkpoint.h's message. */
START_TEST(load_rejects_truncated) {
    TfModel m;
    const char *dir = saved_model(&m);
    char path[512];
    snprintf(path, sizeof path, "%s/model.ckpt", dir);
    size_t n;
    char *bytes = read_all(path, &n);
    write_bytes(path, bytes, n / 2);
    free(bytes);
    Vocab *sv, *tv;
    TfModel back;
    tf_load(&back, &sv, &tv, dir, NULL, 0);
}
END_TEST

/* A BERT checkpoint has the same stage and a kind=bert config. */
START_TEST(load_rejects_bert) {
    TfModel m;
    const char *dir = saved_model(&m);
    char path[512], cfg[1024];
    snprintf(path, sizeof path, "%s/model.ckpt", dir);
    tf_config_text(&m.cfg, cfg, sizeof cfg);
    char *bert = replace_once(cfg, "kind=translation", "kind=bert");
    checkpoint_save(path, TF_STAGE, bert, &m.pt, 1, 0);
    free(bert);
    Vocab *sv, *tv;
    TfModel back;
    tf_load(&back, &sv, &tv, dir, NULL, 0);
}
END_TEST

/* Learned positions end at max_pos: an output that could run past it is a usage error. */
START_TEST(translator_rejects_max_len_past_positions) {
    TfModel m;
    fixture_free(fixture_model(&m, "pre"));
    tf_translator_build(&m, 1, 4, 1, m.cfg.max_pos + 1);
}
END_TEST

Suite *transformer_model_suite(void) {
    Suite *s = suite_create("transformer_model");
    TCase *tc = tcase_create("model");
    tcase_add_test(tc, pytorch_post_ln);
    tcase_add_test(tc, pytorch_pre_ln);
    tcase_add_test(tc, gradcheck_embeddings_with_dropout);
    tcase_add_test(tc, cached_decoding_matches_forward);
    tcase_add_test(tc, decoding_ignores_padding);
    tcase_add_test(tc, forward_ignores_padding);
    tcase_add_test(tc, attention_maps);
    tcase_add_test(tc, noam_schedule);
    tcase_add_test(tc, save_and_load);
    tcase_add_test(tc, average_of_checkpoints);
    tcase_add_test(tc, config_round_trip);
    suite_add_tcase(s, tc);
    TCase *errors = tcase_create("errors");
    tcase_add_exit_test(errors, load_rejects_truncated, 1);
    tcase_add_exit_test(errors, load_rejects_bert, 1);
    tcase_add_exit_test(errors, translator_rejects_max_len_past_positions, 2);
    suite_add_tcase(s, errors);
    return s;
}

TEST_MAIN(transformer_model_suite)
