/*
 * finetune.c -- a classification head on a GPT's last-token state, trained
 * end to end (see finetune.h).
 */
#include "gpt/finetune.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "metrics.h"
#include "ops.h"
#include "optim.h"
#include "rng.h"
#include "util.h"
#include "zero.h"

void gpt_class_head_init(GptClassHead *h, int K, int C, unsigned long long seed) {
    params_init(&h->pt);
    params_add(&h->pt, "clsw", 2, K, C);
    params_add(&h->pt, "clsb", 1, K);
    params_alloc(&h->pt);
    h->w = params_get(&h->pt, "clsw");
    h->b = params_get(&h->pt, "clsb");
    h->K = K;
    Rng r;
    rng_seed(&r, seed, 3);
    rng_fill_normal(&r, h->w, (size_t)K * C, 0.0f, 0.02f);
}

void gpt_class_head_free(GptClassHead *h) { params_free(&h->pt); }

/* Work buffers of one batch. */
typedef struct {
    int *x;          /* (B,T) right-padded ids */
    int *last;       /* (B) index of each sequence's last real token */
    int *y;          /* (B) labels */
    float *hid;      /* (B,C) final states at the last tokens */
    float *logits, *probs, *dlogits;   /* (B,K) */
    float *dhid;     /* (B,C) */
    float *dlnf;     /* (B,T,C) */
} Batch;

static void batch_alloc(Batch *b, int B, int T, int C, int K) {
    b->x = xcalloc((size_t)B * T, sizeof(int));
    b->last = xcalloc((size_t)B, sizeof(int));
    b->y = xcalloc((size_t)B, sizeof(int));
    b->hid = xcalloc((size_t)B * C, sizeof(float));
    b->logits = xcalloc((size_t)B * K, sizeof(float));
    b->probs = xcalloc((size_t)B * K, sizeof(float));
    b->dlogits = xcalloc((size_t)B * K, sizeof(float));
    b->dhid = xcalloc((size_t)B * C, sizeof(float));
    b->dlnf = xcalloc((size_t)B * T * C, sizeof(float));
}

static void batch_free(Batch *b) {
    free(b->x), free(b->last), free(b->y), free(b->hid), free(b->logits);
    free(b->probs), free(b->dlogits), free(b->dhid), free(b->dlnf);
}

/* Pack examples order[0..nb) into b (ids cut to the context maxT, padded
 * with id 0); returns the batch's T (its longest sequence). */
static int batch_pack(Batch *b, const LabelledSet *d, const int *order, int nb, int maxT) {
    int T = 1, len;
    for (int i = 0; i < nb; i++) {
        lset_seq(d, order[i], 0, &len);
        T = len > T ? (len < maxT ? len : maxT) : T;
    }
    for (int i = 0; i < nb; i++) {
        int e = order[i];
        const int *ids = lset_seq(d, e, 0, &len);
        if (len > T) len = T;
        memset(b->x + (size_t)i * T, 0, (size_t)T * sizeof(int));
        memcpy(b->x + (size_t)i * T, ids, (size_t)len * sizeof(int));
        b->last[i] = len - 1;
        b->y[i] = d->label[e];
    }
    return T;
}

/* Forward through the body and the head: logits (nb,K); returns the mean loss. */
static double classify_forward(Gpt *m, GptClassHead *h, Batch *b, int nb, int T) {
    int C = m->cfg.channels;
    gpt_forward(m, b->x, NULL, nb, T);
    for (int i = 0; i < nb; i++)   /* h_m: the state at each sequence's last token */
        memcpy(b->hid + (size_t)i * C, m->a.lnf + ((size_t)i * T + b->last[i]) * C, (size_t)C * sizeof(float));
    linear_forward(b->logits, b->hid, h->w, h->b, nb, C, h->K);
    return crossentropy_forward(b->probs, b->logits, b->y, nb, h->K, -1, 0.0f);
}

double gpt_classify_accuracy(Gpt *m, GptClassHead *h, const LabelledSet *d, int batch) {
    int maxT = m->cfg.max_seq_len, C = m->cfg.channels;
    Batch b;
    batch_alloc(&b, batch, maxT, C, h->K);
    int *order = xmalloc((size_t)batch * sizeof(int));
    m->training = 0;
    long right = 0;
    for (int s = 0; s < d->n; s += batch) {
        int nb = d->n - s < batch ? d->n - s : batch;
        for (int i = 0; i < nb; i++) order[i] = s + i;
        int T = batch_pack(&b, d, order, nb, maxT);
        classify_forward(m, h, &b, nb, T);
        for (int i = 0; i < nb; i++) {
            int best = 0;
            for (int k = 1; k < h->K; k++)
                if (b.logits[(size_t)i * h->K + k] > b.logits[(size_t)i * h->K + best]) best = k;
            right += best == b.y[i];
        }
    }
    free(order);
    batch_free(&b);
    return (double)right / (d->n ? d->n : 1);
}

/* Data parallelism (dist.h): of a batch of nb examples, this rank's
 * contiguous share [*first, *first + count), count returned (0 when there are
 * more ranks than examples). */
static int rank_share(int nb, int *first) {
    int n = dist_size(), r = dist_rank();
    *first = (int)((long)nb * r / n);
    return (int)((long)nb * (r + 1) / n) - *first;
}

/* Forward and backward over examples order[0..nb) of a batch of `whole`:
 * the gradients of their mean loss weighted nb/whole (the whole batch's mean
 * when every share is added up); returns their mean loss. */
static double finetune_grads(Gpt *m, GptClassHead *h, Batch *b, const LabelledSet *d, const int *order, int nb,
                             int whole, int maxT) {
    int C = m->cfg.channels, T = batch_pack(b, d, order, nb, maxT);
    double loss = classify_forward(m, h, b, nb, T);
    /* backward: cross-entropy, the head, then scatter into the last positions */
    memset(b->dlogits, 0, (size_t)nb * h->K * sizeof(float));
    crossentropy_backward(b->dlogits, b->probs, b->y, nb, h->K, -1, 0.0f, (float)nb / (float)whole);
    memset(b->dhid, 0, (size_t)nb * C * sizeof(float));
    linear_backward(b->dhid, params_grad(&h->pt, "clsw"), params_grad(&h->pt, "clsb"), b->dlogits, b->hid, h->w, nb,
                    C, h->K);
    memset(b->dlnf, 0, (size_t)nb * T * C * sizeof(float));
    for (int i = 0; i < nb; i++)
        memcpy(b->dlnf + ((size_t)i * T + b->last[i]) * C, b->dhid + (size_t)i * C, (size_t)C * sizeof(float));
    gpt_backward_final(m, b->dlnf);
    return loss;
}

double gpt_finetune(Gpt *m, GptClassHead *h, const GptFinetuneConfig *fc, const LabelledSet *train) {
    int maxT = m->cfg.max_seq_len, C = m->cfg.channels, B = fc->batch;   /* B: the global batch */
    if (!m->act_memory || m->B < B || m->T < maxT) gpt_alloc_acts(m, B, maxT);
    Batch b;
    batch_alloc(&b, B, maxT, C, h->K);
    int *order = xmalloc((size_t)train->n * sizeof(int));
    for (int i = 0; i < train->n; i++) order[i] = i;
    AdamConfig ac = {.beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = fc->weight_decay,
                     .decoupled = 1};
    /* a new optimization: a checkpoint brings pretraining's Adam moments,
     * which with the step count restarting at 1 would be bias-corrected as if
     * fresh and scale the first updates by stale gradient statistics */
    memset(m->pt.m, 0, m->pt.total * sizeof(float));
    memset(m->pt.v, 0, m->pt.total * sizeof(float));
    ZeroShard z;   /* --zero 1: this rank's slice of the body's AdamW state (the head's is tiny) */
    if (fc->zero) zero_init(&z, &m->pt);
    long per_epoch = (train->n + B - 1) / B, total = per_epoch * fc->epochs, step = 0;
    Rng r, drop;
    rng_seed(&r, fc->seed, 5);
    /* one process draws its dropout masks from r too; ranks must not, or
     * their shuffles (the same on every rank) would drift apart */
    int ranks = dist_size();
    m->rng = ranks > 1 ? &drop : &r;
    m->cfg.dropout = fc->dropout;
    double loss = 0.0;
    if (!fc->quiet) progress_start(total, "finetune");
    for (int e = 0; e < fc->epochs; e++) {
        rng_shuffle_int(&r, order, (size_t)train->n);
        for (int s = 0; s < train->n; s += B, step++) {
            int nb = train->n - s < B ? train->n - s : B, first, mine = rank_share(nb, &first);
            /* GPT-1: linear warmup over 0.2% of the updates, then linear decay */
            long warm = total / 500 + 1;
            float lr = step < warm ? fc->lr * (float)(step + 1) / (float)warm
                                   : lr_linear(step - warm, total - warm, fc->lr, 0.0f);
            m->training = 1;
            params_zero_grad(&m->pt);
            params_zero_grad(&h->pt);
            if (ranks > 1)   /* rank r's masks of step s: stream 2^40 + s n + r, as in gpt_train */
                rng_seed(&drop, fc->seed, (1ULL << 40) + (unsigned long long)step * ranks + dist_rank());
            loss = 0.0;
            if (mine) loss = finetune_grads(m, h, &b, train, order + s + first, mine, nb, maxT) * ((double)mine / nb);
            /* the ranks' means weighted by their shares: the batch's mean and its gradient */
            dist_allreduce_sum(m->pt.grads, m->pt.total);
            dist_allreduce_sum(h->pt.grads, h->pt.total);
            loss = dist_sum(loss);
            /* body and head are one network: one norm over both, one factor */
            ParamTable *both[2] = {&m->pt, &h->pt};
            if (fc->grad_clip > 0) clip_grad_norm_tables(both, 2, fc->grad_clip);
            if (fc->zero) zero_adam_step(&z, &m->pt, &ac, lr, (int)step + 1);
            else adam_step(&m->pt, &ac, lr, (int)step + 1);
            adam_step(&h->pt, &ac, lr, (int)step + 1);
            if (!fc->quiet) progress_update(step + 1, loss, 0);
        }
    }
    if (!fc->quiet) progress_end();
    if (fc->zero) zero_free(&z);
    m->training = 0;
    m->rng = NULL;
    free(order);
    batch_free(&b);
    return loss;
}
