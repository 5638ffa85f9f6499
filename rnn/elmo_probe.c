/* elmo_probe.c -- the POS probe of a biLM's layers, and "flies" twice. See elmo_probe.h. */
#include "rnn/elmo_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnn/elmo.h"
#include "util.h"

/* ------------------------------------------------------------ the biLM */

void rnn_elmo_train_bilm(RnnLm *fwd, RnnLm *bwd, double *valid_loss, const TaggedCorpus *c, Vocab *v,
                         const RnnLmTrainOptions *o, const char *out) {
    const TaggedSplit *tr = &c->split[TAGGED_TRAIN], *ho = &c->split[TAGGED_HELDOUT];
    RnnLmData d = { .vocab = v };
    d.split[SPLIT_TRAIN] = text_sentence_stream(v, tr->text, tr->len, 1, &d.len[SPLIT_TRAIN]);
    d.split[SPLIT_VALID] = text_sentence_stream(v, ho->text, ho->len, 1, &d.len[SPLIT_VALID]);
    char dir[4096];
    RnnLmTrainOptions t = *o;
    snprintf(dir, sizeof dir, "%s/fwd", out);
    t.out = dir;
    valid_loss[0] = rnn_lm_train(fwd, &d, &t);
    /* the backward LM: the same model on the reversed streams */
    for (int s = 0; s < 2; s++) {
        int *rev = rnn_elmo_reverse(d.split[s], d.len[s]);
        free(d.split[s]);
        d.split[s] = rev;
    }
    snprintf(dir, sizeof dir, "%s/bwd", out);
    valid_loss[1] = rnn_lm_train(bwd, &d, &t);
    free(d.split[SPLIT_TRAIN]);
    free(d.split[SPLIT_VALID]);
}

/* ------------------------------------------------------------ token sets */

/* Whole sentences of a split, about max_tokens of them spread evenly over it. */
typedef struct {
    int n_sent;
    long n_tok;
    long *sent_start;   /* (n_sent + 1) */
    long *tok;          /* (n_tok) index in the split */
    int *ids;           /* (n_tok) vocabulary ids */
    int *tag;           /* (n_tok) */
} TokenSet;

static int word_vocab_id(const TaggedCorpus *c, const Vocab *v, int word) {
    size_t len;
    const char *w = strmap_key(&c->words, word, &len);
    int id = vocab_find(v, w, len);
    return id < 0 ? VOCAB_UNK : id;
}

static void token_set(TokenSet *t, const TaggedCorpus *c, int split, const Vocab *v, long max_tokens) {
    const TaggedSplit *s = &c->split[split];
    int stride = max_tokens > 0 && s->n_tok > max_tokens ? (int)((s->n_tok + max_tokens - 1) / max_tokens) : 1;
    memset(t, 0, sizeof *t);
    t->sent_start = xmalloc(((size_t)s->n_sent / stride + 2) * sizeof(long));
    long cap = max_tokens > 0 && max_tokens < s->n_tok ? max_tokens : s->n_tok;
    t->tok = xmalloc((size_t)cap * sizeof(long));
    t->ids = xmalloc((size_t)cap * sizeof(int));
    t->tag = xmalloc((size_t)cap * sizeof(int));
    for (int k = 0; k < s->n_sent; k += stride) {
        long first = s->sent_start[k], len = s->sent_start[k + 1] - first;
        if (t->n_tok + len > cap) break;
        t->sent_start[t->n_sent++] = t->n_tok;
        for (long i = first; i < first + len; i++) {
            t->tok[t->n_tok] = i;
            t->ids[t->n_tok] = word_vocab_id(c, v, s->word[i]);
            t->tag[t->n_tok++] = s->tag[i];
        }
    }
    t->sent_start[t->n_sent] = t->n_tok;
}

static void token_set_free(TokenSet *t) {
    free(t->sent_start); free(t->tok); free(t->ids); free(t->tag);
}

/* ------------------------------------------------------------ features */

/* The F feature matrices of a token set: word2vec's vectors (when given),
 * then the biLM's layers 0..L. feat[f] is allocated here. */
static void features(float **feat, const TokenSet *t, const TaggedCorpus *c, int split, RnnLm *fwd, RnnLm *bwd,
                     const Vectors *stat) {
    int f = 0, L = fwd->cfg.L, W = 2 * fwd->cfg.H;
    if (stat) {
        const TaggedSplit *s = &c->split[split];
        feat[f] = xcalloc((size_t)t->n_tok * stat->D, sizeof(float));   /* unknown words: zero */
        for (long i = 0; i < t->n_tok; i++) {
            size_t len;
            const char *w = strmap_key(&c->words, s->word[t->tok[i]], &len);
            char word[VECTORS_MAX_WORD];
            snprintf(word, sizeof word, "%.*s", (int)len, w);
            int row = vectors_find(stat, word);
            if (row >= 0) memcpy(feat[f] + (size_t)i * stat->D, stat->vecs + (size_t)row * stat->D, (size_t)stat->D * sizeof(float));
        }
        f++;
    }
    for (int l = 0; l <= L; l++) feat[f + l] = xmalloc((size_t)t->n_tok * W * sizeof(float));
    rnn_elmo_layers(feat + f, fwd, bwd, t->ids, t->sent_start, t->n_sent);
}

/* ------------------------------------------------------------ scores */

/* For each word form: whether it has more than one tag in the training
 * part, and its most frequent tag among the probes' training tokens (the
 * baseline sees the same labels as the probes). */
typedef struct {
    int *mft;            /* (words) -1 for a word the probes never see */
    unsigned char *ambiguous;
    int fallback;        /* the most frequent tag overall, for the others */
} TagStats;

static void tag_stats(TagStats *ts, const TaggedCorpus *c, const TokenSet *labelled) {
    int W = c->words.n, T = c->tags.n;
    const TaggedSplit *s = &c->split[TAGGED_TRAIN];
    int *first = xmalloc((size_t)W * sizeof(int));
    for (int w = 0; w < W; w++) first[w] = -1;
    ts->ambiguous = xcalloc((size_t)W, 1);
    for (long i = 0; i < s->n_tok; i++) {
        int w = s->word[i];
        if (first[w] < 0) first[w] = s->tag[i];
        else if (first[w] != s->tag[i]) ts->ambiguous[w] = 1;
    }
    free(first);
    int *count = xcalloc((size_t)W * T, sizeof(int));
    long *total = xcalloc((size_t)T, sizeof(long));
    for (long i = 0; i < labelled->n_tok; i++) {
        count[(size_t)s->word[labelled->tok[i]] * T + labelled->tag[i]]++;
        total[labelled->tag[i]]++;
    }
    ts->mft = xmalloc((size_t)W * sizeof(int));
    ts->fallback = 0;
    for (int k = 1; k < T; k++) if (total[k] > total[ts->fallback]) ts->fallback = k;
    for (int w = 0; w < W; w++) {
        int best = -1;
        for (int k = 0; k < T; k++) {
            int n = count[(size_t)w * T + k];
            if (n && (best < 0 || n > count[(size_t)w * T + best])) best = k;
        }
        ts->mft[w] = best;
    }
    free(count); free(total);
}

static ElmoProbeRow score(const char *name, const int *pred, const TokenSet *t, const TaggedSplit *s,
                          const TagStats *ts) {
    ElmoProbeRow r = {0};
    snprintf(r.name, sizeof r.name, "%s", name);
    long ok = 0, amb = 0, amb_ok = 0;
    for (long i = 0; i < t->n_tok; i++) {
        int right = pred[i] == t->tag[i];
        ok += right;
        if (ts->ambiguous[s->word[t->tok[i]]]) { amb++; amb_ok += right; }
    }
    r.acc = t->n_tok ? (double)ok / t->n_tok : 0;
    r.acc_ambiguous = amb ? (double)amb_ok / amb : 0;
    return r;
}

/* ------------------------------------------------------------ the table */

void rnn_elmo_probe_run(ElmoProbeRun *r, const TaggedCorpus *c, RnnLm *fwd, RnnLm *bwd, const Vocab *v,
                        const ElmoProbeOptions *o) {
    memset(r, 0, sizeof *r);
    r->L = fwd->cfg.L;
    int has_static = o->stat != NULL, W = 2 * fwd->cfg.H, C = c->tags.n;
    r->F = has_static + r->L + 1;
    for (int f = 0; f < r->F; f++) r->width[f] = has_static && f == 0 ? o->stat->D : W;
    TokenSet train, test;
    token_set(&train, c, TAGGED_TRAIN, v, o->probe_tokens);
    token_set(&test, c, TAGGED_HELDOUT, v, o->test_tokens);
    float *train_feat[RNN_LM_MAX_LAYERS + 2];
    features(train_feat, &train, c, TAGGED_TRAIN, fwd, bwd, o->stat);
    features(r->test_feat, &test, c, TAGGED_HELDOUT, fwd, bwd, o->stat);
    for (int f = 0; f < r->F; f++) {
        float *xs[2] = { train_feat[f], r->test_feat[f] };
        long ns[2] = { train.n_tok, test.n_tok };
        r->mean[f] = xmalloc((size_t)r->width[f] * sizeof(float));
        r->sd[f] = xmalloc((size_t)r->width[f] * sizeof(float));
        rnn_probe_standardize(xs, ns, 2, r->width[f], r->mean[f], r->sd[f]);
    }
    TagStats ts;
    tag_stats(&ts, c, &train);
    const TaggedSplit *ho = &c->split[TAGGED_HELDOUT];
    int *pred = xmalloc((size_t)test.n_tok * sizeof(int));
    for (long i = 0; i < test.n_tok; i++) {
        int m = ts.mft[ho->word[test.tok[i]]];
        pred[i] = m >= 0 ? m : ts.fallback;
    }
    r->row[r->n_rows++] = score("mft", pred, &test, ho, &ts);
    /* one probe per feature matrix, then ELMo's mix of the biLM's layers */
    for (int k = 0; k <= r->F; k++) {
        int mix = k == r->F, K = mix ? r->L + 1 : 1, first = mix ? has_static : k;
        rnn_probe_build(&r->probe[k], K, r->width[first], C);
        rnn_probe_train(&r->probe[k], (const float *const *)train_feat + first, train.tag, train.n_tok, &o->probe);
        rnn_probe_predict(&r->probe[k], (const float *const *)r->test_feat + first, test.n_tok, pred);
        char name[16];
        if (mix) snprintf(name, sizeof name, "mix");
        else if (has_static && k == 0) snprintf(name, sizeof name, "static");
        else snprintf(name, sizeof name, "layer%d", k - has_static);
        r->row[r->n_rows++] = score(name, pred, &test, ho, &ts);
    }
    r->test_tokens = test.n_tok;
    for (long i = 0; i < test.n_tok; i++) r->test_ambiguous += ts.ambiguous[ho->word[test.tok[i]]];
    r->test_tok = test.tok;
    test.tok = NULL;
    for (int f = 0; f < r->F; f++) free(train_feat[f]);
    free(pred); free(ts.mft); free(ts.ambiguous);
    token_set_free(&train);
    token_set_free(&test);
}

const ElmoProbeRow *rnn_elmo_probe_row(const ElmoProbeRun *r, const char *name) {
    for (int k = 0; k < r->n_rows; k++) if (strcmp(r->row[k].name, name) == 0) return &r->row[k];
    return NULL;
}

void rnn_elmo_probe_free(ElmoProbeRun *r) {
    for (int f = 0; f < r->F; f++) { free(r->mean[f]); free(r->sd[f]); free(r->test_feat[f]); }
    for (int k = 0; k <= r->F; k++) rnn_probe_free(&r->probe[k]);
    free(r->test_tok);
    memset(r, 0, sizeof *r);
}
