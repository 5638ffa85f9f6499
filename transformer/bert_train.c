/*
 * bert_train.c -- pretraining, fine-tuning and prompting a BERT (see
 * bert_train.h), and the demo of bert.h.
 */
#include "transformer/bert_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "ops.h"
#include "optim.h"
#include "util.h"

/* Linear warmup over the first warmup fraction of total steps, then linear
 * decay to 0 (BERT, appendix A.2). */
static float warmup_linear(long step, long total, float warmup, float lr) {
    long w = (long)(warmup * (float)total);
    if (step < w) return lr * (float)(step + 1) / (float)w;
    return lr_linear(step - w, total - w, lr, 0.0f);
}

/* Index of the largest of x[0..n). */
static int argmax(const float *x, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best]) best = i;
    return best;
}

/* ============================================================ pretraining */

/* What one pretraining step produced, summed over a logging window. */
typedef struct {
    double mlm_loss, nsp_loss;
    long mlm_right, mlm_n, nsp_right, nsp_n, steps;
} Window;

/* Buffers of the pretraining loop, allocated once. */
typedef struct {
    BertActs *a;
    BertBatch bb;
    float *probs, *dlogits;        /* (Mmax,V) */
    float *nsp_logits, *nsp_probs, *dnsp;   /* (B,2) */
    float *dp;                     /* (B,C) */
    int Mmax;
} PretrainBufs;

/* One step's forward and backward on a fresh batch; adds to w. */
static void pretrain_step(Bert *m, PretrainBufs *pb, const BertPretrainConfig *pc, Window *w) {
    int V = m->cfg.V, C = m->cfg.C, B = pb->bb.B, T = pb->bb.T, M = pb->bb.M;
    BertActs *a = pb->a;
    bert_forward(m, a, pb->bb.ids, pb->bb.seg, pb->bb.len, B, T, 1);
    /* masked LM: cross-entropy at the chosen positions only (sec. 3.1) */
    const float *logits = bert_mlm_forward(m, a, pb->bb.rows, M);
    w->mlm_loss += crossentropy_forward(pb->probs, logits, pb->bb.target, M, V, -1, 0.0f);
    for (int i = 0; i < M; i++) w->mlm_right += argmax(logits + (size_t)i * V, V) == pb->bb.target[i];
    w->mlm_n += M;
    memset(pb->dlogits, 0, (size_t)M * V * sizeof(float));
    crossentropy_backward(pb->dlogits, pb->probs, pb->bb.target, M, V, -1, 0.0f, 1.0f);
    bert_mlm_backward(m, a, pb->dlogits);
    if (pc->nsp) {   /* next-sentence prediction on the pooled [CLS]; the two losses add */
        const float *p = bert_pool_forward(m, a);
        linear_forward(pb->nsp_logits, p, m->w.nsp_w, m->w.nsp_b, B, C, 2);
        w->nsp_loss += crossentropy_forward(pb->nsp_probs, pb->nsp_logits, pb->bb.is_next, B, 2, -1, 0.0f);
        for (int i = 0; i < B; i++) w->nsp_right += argmax(pb->nsp_logits + 2 * i, 2) == pb->bb.is_next[i];
        w->nsp_n += B;
        memset(pb->dnsp, 0, (size_t)B * 2 * sizeof(float));
        crossentropy_backward(pb->dnsp, pb->nsp_probs, pb->bb.is_next, B, 2, -1, 0.0f, 1.0f);
        memset(pb->dp, 0, (size_t)B * C * sizeof(float));
        linear_backward(pb->dp, m->g.nsp_w, m->g.nsp_b, pb->dnsp, p, m->w.nsp_w, B, C, 2);
        bert_pool_backward(m, a, pb->dp);
    }
    bert_backward(m, a);
    w->steps++;
}

static void pretrain_log(Metrics *mt, const Window *w, long step, long tokens, float lr, double tok_s, double el,
                         int nsp) {
    metrics_num(mt, "step", (double)step);
    metrics_num(mt, "tokens", (double)tokens);
    metrics_num(mt, "mlm_loss", w->mlm_loss / w->steps);
    metrics_num(mt, "mlm_acc", (double)w->mlm_right / w->mlm_n);
    if (nsp) {
        metrics_num(mt, "nsp_loss", w->nsp_loss / w->steps);
        metrics_num(mt, "nsp_acc", (double)w->nsp_right / w->nsp_n);
    }
    metrics_num(mt, "lr", lr);
    metrics_num(mt, "tok_per_s", tok_s);
    metrics_num(mt, "elapsed_s", el);
    metrics_write(mt);
}

/*
 * The MLM output bias starts at the log frequency of each token in the
 * corpus (add-one smoothed, centred), the prior a model's first steps would
 * otherwise learn. Why it matters here: Adam moves each bias by about lr a
 * step, so learning frequencies that span e^10 through the bias takes
 * thousands of steps, while the tied embedding table gets there at once by
 * pointing every token along one shared direction, scaled by frequency --
 * and the embedding LayerNorm then erases the scale, so every token enters
 * the encoder as nearly the same vector and the model stays at the unigram
 * loss (observed: a 2-layer model never left it on a task that context
 * solves outright).
 */
static void init_output_bias(Bert *m, const BertCorpus *c) {
    int V = m->cfg.V;
    double *count = xcalloc((size_t)V, sizeof(double)), mean = 0;
    for (size_t i = 0; i < c->nids; i++) count[c->ids[i]] += 1;
    for (int v = 0; v < V; v++) mean += count[v] = log(count[v] + 1.0);
    mean /= V;
    for (int v = 0; v < V; v++) m->w.mlm_bias[v] = (float)(count[v] - mean);
    free(count);
}

void bert_pretrain(Bert *m, const BertTok *t, const BertCorpus *c, const BertPretrainConfig *pc,
                   const char *run_dir, BertPretrainStats *out) {
    int B = pc->batch, T = pc->T, V = m->cfg.V, C = m->cfg.C;
    if (T > m->cfg.max_pos) die("--context %d is longer than the model's %d positions", T, m->cfg.max_pos);
    PretrainBufs pb;
    init_output_bias(m, c);
    pb.Mmax = B * ((int)(pc->mask_p * (float)T + 0.5f) + 1);
    pb.a = bert_acts_build(m, B, T, pb.Mmax, pc->seed);
    bert_batch_alloc(&pb.bb, B, T);
    pb.probs = xmalloc((size_t)pb.Mmax * V * sizeof(float));
    pb.dlogits = xmalloc((size_t)pb.Mmax * V * sizeof(float));
    pb.nsp_logits = xmalloc((size_t)B * 2 * sizeof(float));
    pb.nsp_probs = xmalloc((size_t)B * 2 * sizeof(float));
    pb.dnsp = xmalloc((size_t)B * 2 * sizeof(float));
    pb.dp = xmalloc((size_t)B * C * sizeof(float));
    /* BERT's Adam: beta2 0.999, eps 1e-6, decoupled weight decay 0.01 */
    AdamConfig ac = {.beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-6f, .weight_decay = pc->weight_decay, .decoupled = 1};
    Rng r;
    rng_seed(&r, pc->seed, 21);
    Metrics *mt = run_dir ? metrics_create(run_dir, "step tokens mlm_loss mlm_acc nsp_loss nsp_acc lr tok_per_s elapsed_s")
                          : NULL;
    Window w = {0}, last = {0};
    long tokens = 0, win_tokens = 0;
    double t0 = now_seconds(), tw = t0;
    float lr = 0;
    if (!pc->quiet) progress_start(pc->steps, "pretrain");
    for (long step = 0; step < pc->steps; step++) {
        bert_batch_make(&pb.bb, c, t, pc->nsp, pc->mask_p, &r);
        for (int i = 0; i < B; i++) win_tokens += pb.bb.len[i];
        lr = warmup_linear(step, pc->steps, pc->warmup, pc->lr);
        params_zero_grad(&m->pt);
        pretrain_step(m, &pb, pc, &w);
        if (pc->grad_clip > 0) clip_grad_norm(&m->pt, pc->grad_clip);
        adam_step(&m->pt, &ac, lr, (int)step + 1);
        if ((step + 1) % pc->log_every == 0 || step + 1 == pc->steps) {
            double now = now_seconds();
            tokens += win_tokens;
            if (mt) pretrain_log(mt, &w, step + 1, tokens, lr, win_tokens / (now - tw), now - t0, pc->nsp);
            if (!pc->quiet) progress_update(step + 1, w.mlm_loss / w.steps, win_tokens / (now - tw));
            last = w;
            w = (Window){0};
            win_tokens = 0;
            tw = now;
        }
    }
    if (!pc->quiet) progress_end();
    if (mt) metrics_close(mt);
    if (out) {
        out->mlm_loss = last.steps ? last.mlm_loss / last.steps : NAN;
        out->mlm_acc = last.mlm_n ? (double)last.mlm_right / last.mlm_n : NAN;
        out->nsp_acc = last.nsp_n ? (double)last.nsp_right / last.nsp_n : NAN;
        out->tokens = tokens;
        out->seconds = now_seconds() - t0;
    }
    bert_acts_free(pb.a);
    bert_batch_free(&pb.bb);
    free(pb.probs), free(pb.dlogits), free(pb.nsp_logits), free(pb.nsp_probs), free(pb.dnsp), free(pb.dp);
}

/* ============================================================ classifiers */

void bert_classifier_linear(BertClassifier *h, int K, int C, unsigned long long seed) {
    memset(h, 0, sizeof *h);
    h->K = K;
    params_init(&h->pt);
    params_add(&h->pt, "cls.w", 2, K, C);
    params_add(&h->pt, "cls.b", 1, K);
    params_alloc(&h->pt);
    h->w = params_get(&h->pt, "cls.w");
    h->b = params_get(&h->pt, "cls.b");
    Rng r;
    rng_seed(&r, seed, 13);
    rng_fill_normal(&r, h->w, (size_t)K * C, 0.0f, 0.02f);
}

void bert_classifier_prompt(BertClassifier *h, int K, const int *label_tok) {
    memset(h, 0, sizeof *h);
    if (K > 8) die("a prompt takes at most 8 label words");
    h->K = K;
    h->prompt = 1;
    for (int k = 0; k < K; k++) h->label_tok[k] = label_tok[k];
    params_init(&h->pt);
}

void bert_classifier_free(BertClassifier *h) {
    if (!h->prompt) params_free(&h->pt);
}

/* Buffers of classification, for batches of up to B examples. */
typedef struct {
    int B, T;
    BertActs *a;
    int *ids, *seg, *len, *y, *mrow;   /* (B,T) (B,T) (B) (B) (B): the [MASK]'s flat row */
    float *logits, *probs, *dlogits;   /* (B,K) */
    float *pd, *drop, *dpd, *dp;       /* (B,C) pooled after dropout, its mask, gradients */
    float *dfull;                      /* (B,V) the MLM logits' gradient (prompt) */
    Rng rng;
} ClassBufs;

static void class_bufs_build(ClassBufs *cb, const Bert *m, int K, int B, unsigned long long seed) {
    size_t BC = (size_t)B * m->cfg.C;
    cb->B = B;
    cb->T = m->cfg.max_pos;
    cb->a = bert_acts_build(m, B, cb->T, B, seed);
    cb->ids = xcalloc((size_t)B * cb->T, sizeof(int));
    cb->seg = xcalloc((size_t)B * cb->T, sizeof(int));
    cb->len = xcalloc((size_t)B, sizeof(int));
    cb->y = xcalloc((size_t)B, sizeof(int));
    cb->mrow = xcalloc((size_t)B, sizeof(int));
    cb->logits = xcalloc((size_t)B * K, sizeof(float));
    cb->probs = xcalloc((size_t)B * K, sizeof(float));
    cb->dlogits = xcalloc((size_t)B * K, sizeof(float));
    cb->pd = xcalloc(BC, sizeof(float));
    cb->drop = xcalloc(BC, sizeof(float));
    cb->dpd = xcalloc(BC, sizeof(float));
    cb->dp = xcalloc(BC, sizeof(float));
    cb->dfull = xcalloc((size_t)B * m->cfg.V, sizeof(float));
    rng_seed(&cb->rng, seed, 14);
}

static void class_bufs_free(ClassBufs *cb) {
    bert_acts_free(cb->a);
    free(cb->ids), free(cb->seg), free(cb->len), free(cb->y), free(cb->mrow);
    free(cb->logits), free(cb->probs), free(cb->dlogits);
    free(cb->pd), free(cb->drop), free(cb->dpd), free(cb->dp), free(cb->dfull);
}

/* [CLS] x [SEP] for examples order[0..nb), padded to the longest; x is cut
 * to the model's positions (its start for a prompt, whose template is at
 * the end; else its end). Returns the batch's T. */
static int class_pack(ClassBufs *cb, const Bert *m, const BertClassifier *h, const LabelledSet *d, const int *order,
                      int nb) {
    int T = 3, len, maxx = cb->T - 2, pad = m->cfg.n_bpe, cls = pad + 1, sep = pad + 2, mask = pad + 3;
    for (int i = 0; i < nb; i++) {
        lset_seq(d, order[i], 0, &len);
        if (len > maxx) len = maxx;
        if (len + 2 > T) T = len + 2;
    }
    for (int i = 0; i < nb; i++) {
        const int *x = lset_seq(d, order[i], 0, &len);
        if (len > maxx && h->prompt) x += len - maxx;   /* a prompt keeps its end, the template */
        if (len > maxx) len = maxx;
        int *row = cb->ids + (size_t)i * T;
        row[0] = cls;
        memcpy(row + 1, x, (size_t)len * sizeof(int));
        row[len + 1] = sep;
        for (int j = len + 2; j < T; j++) row[j] = pad;
        memset(cb->seg + (size_t)i * T, 0, (size_t)T * sizeof(int));
        cb->len[i] = len + 2;
        cb->y[i] = d->label[order[i]];
        if (cb->y[i] < 0 || cb->y[i] >= h->K) die("example %d has label %d, outside 0..%d", order[i], cb->y[i], h->K - 1);
        if (h->prompt) {
            cb->mrow[i] = -1;
            for (int j = 1; j <= len && cb->mrow[i] < 0; j++)
                if (row[j] == mask) cb->mrow[i] = i * T + j;
            if (cb->mrow[i] < 0) die("example %d has no [MASK] within the model's %d positions", order[i], cb->T);
        }
    }
    return T;
}

/* Logits (nb,K) of a packed batch, and the mean cross-entropy. */
static double class_forward(Bert *m, BertClassifier *h, ClassBufs *cb, int nb, int T, int train) {
    int C = m->cfg.C, V = m->cfg.V, K = h->K;
    bert_forward(m, cb->a, cb->ids, cb->seg, cb->len, nb, T, train);
    if (h->prompt) {   /* the label words' MLM logits at the mask (LM-BFF eq. 2) */
        const float *full = bert_mlm_forward(m, cb->a, cb->mrow, nb);
        for (int i = 0; i < nb; i++)
            for (int k = 0; k < K; k++) cb->logits[i * K + k] = full[(size_t)i * V + h->label_tok[k]];
    } else {           /* a linear layer on the pooled [CLS], after dropout (sec. 4.1) */
        const float *p = bert_pool_forward(m, cb->a);
        dropout_forward(cb->pd, cb->drop, p, train ? m->cfg.dropout : 0.0f, (size_t)nb * C, &cb->rng);
        linear_forward(cb->logits, cb->pd, h->w, h->b, nb, C, K);
    }
    return crossentropy_forward(cb->probs, cb->logits, cb->y, nb, K, -1, 0.0f);
}

static void class_backward(Bert *m, BertClassifier *h, ClassBufs *cb, int nb) {
    int C = m->cfg.C, V = m->cfg.V, K = h->K;
    memset(cb->dlogits, 0, (size_t)nb * K * sizeof(float));
    crossentropy_backward(cb->dlogits, cb->probs, cb->y, nb, K, -1, 0.0f, 1.0f);
    if (h->prompt) {
        memset(cb->dfull, 0, (size_t)nb * V * sizeof(float));
        for (int i = 0; i < nb; i++)
            for (int k = 0; k < K; k++) cb->dfull[(size_t)i * V + h->label_tok[k]] = cb->dlogits[i * K + k];
        bert_mlm_backward(m, cb->a, cb->dfull);
    } else {
        memset(cb->dpd, 0, (size_t)nb * C * sizeof(float));
        memset(cb->dp, 0, (size_t)nb * C * sizeof(float));
        linear_backward(cb->dpd, params_grad(&h->pt, "cls.w"), params_grad(&h->pt, "cls.b"), cb->dlogits, cb->pd,
                        h->w, nb, C, K);
        dropout_backward(cb->dp, cb->dpd, cb->drop, (size_t)nb * C);
        bert_pool_backward(m, cb->a, cb->dp);
    }
    bert_backward(m, cb->a);
}

static double accuracy_with(Bert *m, BertClassifier *h, ClassBufs *cb, const LabelledSet *d) {
    int order[256];
    long right = 0;
    if (cb->B > 256) die("evaluation batches hold at most 256 examples");
    for (int s = 0; s < d->n; s += cb->B) {
        int nb = d->n - s < cb->B ? d->n - s : cb->B;
        for (int i = 0; i < nb; i++) order[i] = s + i;
        int T = class_pack(cb, m, h, d, order, nb);
        class_forward(m, h, cb, nb, T, 0);
        for (int i = 0; i < nb; i++) right += argmax(cb->logits + i * h->K, h->K) == cb->y[i];
    }
    return d->n ? (double)right / d->n : 0.0;
}

double bert_accuracy(Bert *m, BertClassifier *h, const LabelledSet *d, int batch) {
    ClassBufs cb;
    class_bufs_build(&cb, m, h->K, batch, 1);
    double acc = accuracy_with(m, h, &cb, d);
    class_bufs_free(&cb);
    return acc;
}

/* Copy the values of body and head into (to = 1) or out of (to = 0) keep. */
static void snapshot(Bert *m, BertClassifier *h, float *keep, int to) {
    float *bufs[2] = {m->pt.values, h->pt.values};
    size_t ns[2] = {m->pt.total, h->pt.total}, off = 0;
    for (int i = 0; i < 2; i++) {
        if (!ns[i]) continue;
        if (to) memcpy(keep + off, bufs[i], ns[i] * sizeof(float));
        else memcpy(bufs[i], keep + off, ns[i] * sizeof(float));
        off += ns[i];
    }
}

double bert_finetune(Bert *m, BertClassifier *h, const BertFinetuneConfig *fc, const LabelledSet *train,
                     const LabelledSet *dev) {
    int B = fc->batch;
    if (B > 256) die("--batch %d: fine-tuning batches hold at most 256 examples", B);
    ClassBufs cb;
    class_bufs_build(&cb, m, h->K, B, fc->seed);
    int *order = xmalloc((size_t)train->n * sizeof(int));
    for (int i = 0; i < train->n; i++) order[i] = i;
    long per_epoch = (train->n + B - 1) / B, total = fc->steps > 0 ? fc->steps : per_epoch * fc->epochs;
    float *keep = dev && fc->eval_every > 0 ? xmalloc((m->pt.total + h->pt.total) * sizeof(float)) : NULL;
    double best = -1.0;
    /* a new optimization: Adam's moments start at zero */
    memset(m->pt.m, 0, m->pt.total * sizeof(float));
    memset(m->pt.v, 0, m->pt.total * sizeof(float));
    AdamConfig ac = {.beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-6f, .weight_decay = fc->weight_decay, .decoupled = 1};
    Rng r;
    rng_seed(&r, fc->seed, 15);
    ParamTable *both[2] = {&m->pt, &h->pt};
    int ntab = h->pt.total ? 2 : 1;
    if (!fc->quiet) progress_start(total, h->prompt ? "prompt-finetune" : "finetune");
    for (long step = 0, s = train->n; step < total; step++, s += B) {
        if (s >= train->n) {   /* a new epoch: reshuffle */
            rng_shuffle_int(&r, order, (size_t)train->n);
            s = 0;
        }
        int nb = train->n - (int)s < B ? train->n - (int)s : B;
        int T = class_pack(&cb, m, h, train, order + s, nb);
        params_zero_grad(&m->pt);
        if (ntab == 2) params_zero_grad(&h->pt);
        double loss = class_forward(m, h, &cb, nb, T, 1);
        class_backward(m, h, &cb, nb);
        if (fc->grad_clip > 0) clip_grad_norm_tables(both, ntab, fc->grad_clip);
        float lr = warmup_linear(step, total, fc->warmup, fc->lr);
        adam_step(&m->pt, &ac, lr, (int)step + 1);
        if (ntab == 2) adam_step(&h->pt, &ac, lr, (int)step + 1);
        if (!fc->quiet) progress_update(step + 1, loss, 0);
        if (keep && ((step + 1) % fc->eval_every == 0 || step + 1 == total)) {
            double acc = accuracy_with(m, h, &cb, dev);
            if (acc > best) {   /* LM-BFF's model selection on the small dev set */
                best = acc;
                snapshot(m, h, keep, 1);
            }
        }
    }
    if (!fc->quiet) progress_end();
    if (keep) snapshot(m, h, keep, 0);
    else if (dev) best = accuracy_with(m, h, &cb, dev);
    free(keep);
    free(order);
    class_bufs_free(&cb);
    return best;
}

/* ============================================================ prompts */

static size_t template_encode(const void *ctx, const char *text, size_t len, int *out, size_t cap) {
    const BertTemplate *tp = ctx;
    const char *at = strstr(tp->templ, "%s");
    if (!at) die("the template '%s' has no %%s for the sentence", tp->templ);
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\n' || text[len - 1] == '\r')) len--;
    size_t pre = (size_t)(at - tp->templ), post = strlen(at + 2);
    char *s = xmalloc(pre + len + post + 1);
    memcpy(s, tp->templ, pre);
    memcpy(s + pre, text, len);
    memcpy(s + pre + len, at + 2, post + 1);
    size_t n = bert_tok_encode(tp->tok, s, pre + len + post, out, cap);
    free(s);
    return n;
}

LsetEncoder bert_template_lset(const BertTemplate *tp) { return (LsetEncoder){template_encode, tp}; }

/* ============================================================ inspection */

/* Encode text framed as [CLS] text [SEP] and run the encoder without
 * dropout; *n tokens of text. Returns the acts (the caller frees them). */
static BertActs *run_text(Bert *m, BertTok *t, const char *text, int **ids, int *n, int M, const float **h) {
    size_t len = strlen(text), k = bert_tok_encode(t, text, len, NULL, 0);
    if ((int)k + 2 > m->cfg.max_pos) die("'%s' is longer than the model's %d positions", text, m->cfg.max_pos);
    int T = (int)k + 2;
    *ids = xmalloc((size_t)T * sizeof(int) * 2);
    int *row = *ids, *seg = *ids + T;
    row[0] = t->cls;
    bert_tok_encode(t, text, len, row + 1, k);
    row[T - 1] = t->sep;
    memset(seg, 0, (size_t)T * sizeof(int));
    BertActs *a = bert_acts_build(m, 1, T, M > 0 ? M : 1, 1);
    *h = bert_forward(m, a, row, seg, &T, 1, T, 0);
    *n = (int)k;
    return a;
}

float *bert_embed(Bert *m, BertTok *t, const char *text, int *n, int **ids_out) {
    int *ids, C = m->cfg.C;
    const float *h;
    BertActs *a = run_text(m, t, text, &ids, n, 1, &h);
    float *v = xmalloc((size_t)(*n > 0 ? *n : 1) * C * sizeof(float));
    memcpy(v, h + C, (size_t)*n * C * sizeof(float));
    if (ids_out) {
        *ids_out = xmalloc((size_t)(*n > 0 ? *n : 1) * sizeof(int));
        memcpy(*ids_out, ids + 1, (size_t)*n * sizeof(int));
    }
    free(ids);
    bert_acts_free(a);
    return v;
}

int bert_fill_masks(Bert *m, BertTok *t, const char *text, int k, int maxm, int *ids, float *probs) {
    int *row, n, rows[64], M = 0, V = m->cfg.V;
    const float *h;
    BertActs *a = run_text(m, t, text, &row, &n, maxm < 64 ? maxm : 64, &h);
    for (int j = 1; j <= n && M < maxm && M < 64; j++)
        if (row[j] == t->mask) rows[M++] = j;
    if (M > 0) {
        const float *logits = bert_mlm_forward(m, a, rows, M);
        float *p = xmalloc((size_t)V * sizeof(float));
        for (int i = 0; i < M; i++) {
            const float *l = logits + (size_t)i * V;
            float mx = l[argmax(l, V)];
            double z = 0;
            for (int v = 0; v < V; v++) z += p[v] = expf(l[v] - mx);
            for (int j = 0; j < k; j++) {   /* the k best, by selection */
                int b = argmax(p, V);
                ids[i * k + j] = b;
                probs[i * k + j] = (float)(p[b] / z);
                p[b] = -1.0f;
            }
        }
        free(p);
    }
    free(row);
    bert_acts_free(a);
    return M;
}

/* ============================================================ demo */

int bert_demo(const BertDemoOptions *o) {
    const char *out = o->out ? o->out : "runs/transformer/bert-demo";
    static const char *const verses[] = {
        "in the beginning god created the [MASK] and the earth.",
        "and god said, let there be [MASK]: and there was light.",
        "the lord is my [MASK]; i shall not want.",
        "for god so loved the [MASK], that he gave his only begotten son.",
        "thou shalt love thy [MASK] as thyself.",
        "blessed are the meek: for they shall inherit the [MASK].",
    };
    double t0 = now_seconds();
    BertCorpus c;
    bert_corpus_read(&c, "bible");
    BertTok tok;
    bert_tok_train(&tok, c.text, c.len, 4096);
    bert_corpus_encode(&c, &tok);
    /* the demo size: 2 layers of d 64, masked LM only, on inputs of 32
     * positions: what takes the model off the unigram plateau (the same
     * guesses at every mask) is the number of updates, so short inputs
     * buy more of them a minute (here it leaves it after about 1,200) */
    BertConfig mc = {.n_bpe = tok.n_bpe, .V = tok.V, .max_pos = 64, .C = 64, .NH = 2, .F = 256, .L = 2,
                     .dropout = 0.1f};
    BertPretrainConfig pc = {.batch = 32, .T = 32, .steps = o->steps > 0 ? o->steps : 2000, .lr = 2e-3f,
                             .warmup = 0.05f, .weight_decay = 0.01f, .grad_clip = 1.0f, .mask_p = 0.15f,
                             .log_every = 50, .seed = o->seed, .quiet = o->quiet};
    Bert m;
    bert_build(&m, &mc);
    bert_init(&m, o->seed);
    printf("BERT demo: the Bible's training verses, %d sentences, %zu BPE tokens (vocabulary %d + 4 specials);\n"
           "a 2-layer BERT of d 64 (%zu parameters) learns to fill masked tokens for %ld steps.\n",
           c.n, c.nids, tok.n_bpe, params_count(&m.pt), pc.steps);
    BertPretrainStats st;
    bert_pretrain(&m, &tok, &c, &pc, out, &st);
    bert_save(&m, &tok, out, pc.steps);
    printf("masked-LM loss %.3f, accuracy %.1f%% (last %ld steps), %.0f s\n\n", st.mlm_loss, 100 * st.mlm_acc,
           pc.log_every, now_seconds() - t0);
    for (size_t v = 0; v < sizeof verses / sizeof *verses; v++) {
        int ids[5];
        float p[5];
        if (bert_fill_masks(&m, &tok, verses[v], 5, 1, ids, p) != 1) continue;
        printf("%s\n   ", verses[v]);
        for (int j = 0; j < 5; j++) printf(" %s (%.2f)", bert_tok_text(&tok, ids[j]), p[j]);
        printf("\n");
    }
    result_begin("transformer");
    result_str("task", "bert-demo");
    result_int("steps", pc.steps);
    result_num("mlm_loss", st.mlm_loss, 4);
    result_num("mlm_acc", st.mlm_acc, 4);
    result_end();
    bert_free(&m);
    bert_tok_free(&tok);
    bert_corpus_free(&c);
    return 0;
}
