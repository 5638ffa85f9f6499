/* classify.c -- DNN, Kim CNN and LSTM sentence classifiers. See classify.h. */
#include "rnn/classify.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checkpoint.h"
#include "conv1d.h"
#include "ops.h"
#include "optim.h"
#include "rnn_cells.h"
#include "util.h"
#include "rnn/lm_train.h"

const int rnn_cls_cnn_widths[RNN_CLS_CNN_WIDTHS] = { 3, 4, 5 };
const char *const rnn_cls_encoder_names[] = { "dnn", "cnn", "lstm", NULL };

const char *rnn_cls_encoder_name(RnnClsEncoder e) { return rnn_cls_encoder_names[e]; }

int rnn_cls_encoder_parse(const char *s, RnnClsEncoder *e) {
    for (int k = 0; rnn_cls_encoder_names[k]; k++)
        if (strcmp(s, rnn_cls_encoder_names[k]) == 0) { *e = (RnnClsEncoder)k; return 0; }
    return -1;
}

int rnn_cls_feature_size(const RnnClsConfig *c) { return c->enc == RNN_CLS_CNN ? RNN_CLS_CNN_WIDTHS * c->F : c->H; }
int rnn_cls_pad_left(const RnnClsConfig *c) {
    return c->enc == RNN_CLS_CNN ? rnn_cls_cnn_widths[RNN_CLS_CNN_WIDTHS - 1] - 1 : 0;
}

/* ------------------------------------------------------------ parameters */

/* Point the fields of t that the encoder has at their tensors: get is
 * params_get (the values) or params_grad (the gradients). */
static void point_tensors(RnnClsTensors *t, const RnnClsConfig *cfg, const ParamTable *pt,
                          float *(*get)(const ParamTable *, const char *)) {
    char name[PARAM_NAME_MAX];
    memset(t, 0, sizeof *t);
    t->wte = get(pt, "wte");
    if (cfg->enc == RNN_CLS_CNN)
        for (int k = 0; k < RNN_CLS_CNN_WIDTHS; k++) {
            snprintf(name, sizeof name, "conv%d.w", rnn_cls_cnn_widths[k]); t->conv_w[k] = get(pt, name);
            snprintf(name, sizeof name, "conv%d.b", rnn_cls_cnn_widths[k]); t->conv_b[k] = get(pt, name);
        }
    if (cfg->enc == RNN_CLS_LSTM) {
        t->w_ih = get(pt, "lstm.w_ih"); t->w_hh = get(pt, "lstm.w_hh");
        t->b_ih = get(pt, "lstm.b_ih"); t->b_hh = get(pt, "lstm.b_hh");
    }
    if (cfg->enc == RNN_CLS_DNN) { t->w_hid = get(pt, "hid.w"); t->b_hid = get(pt, "hid.b"); }
    t->w_out = get(pt, "out.w");
    t->b_out = get(pt, "out.b");
}

void rnn_cls_build(RnnCls *m, const RnnClsConfig *cfg) {
    if (cfg->V < VOCAB_NSPECIAL || cfg->E < 1 || cfg->NC < 2)
        die("classifier: needs a vocabulary, E >= 1 and at least 2 classes");
    if (cfg->enc != RNN_CLS_CNN && cfg->H < 1) die("classifier: hidden size must be positive");
    if (cfg->enc == RNN_CLS_CNN && cfg->F < 1) die("classifier: feature maps must be positive");
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    int D = rnn_cls_feature_size(cfg), E = cfg->E, H = cfg->H;
    char name[PARAM_NAME_MAX];
    params_init(&m->pt);
    params_add(&m->pt, "wte", 2, cfg->V, E);
    if (cfg->enc == RNN_CLS_CNN)
        for (int k = 0; k < RNN_CLS_CNN_WIDTHS; k++) {
            int K = rnn_cls_cnn_widths[k];
            snprintf(name, sizeof name, "conv%d.w", K); params_add(&m->pt, name, 2, cfg->F, K * E);
            snprintf(name, sizeof name, "conv%d.b", K); params_add(&m->pt, name, 1, cfg->F);
        }
    if (cfg->enc == RNN_CLS_LSTM) {
        params_add(&m->pt, "lstm.w_ih", 2, 4 * H, E);
        params_add(&m->pt, "lstm.w_hh", 2, 4 * H, H);
        params_add(&m->pt, "lstm.b_ih", 1, 4 * H);
        params_add(&m->pt, "lstm.b_hh", 1, 4 * H);
    }
    if (cfg->enc == RNN_CLS_DNN) {
        params_add(&m->pt, "hid.w", 2, H, E);
        params_add(&m->pt, "hid.b", 1, H);
    }
    params_add(&m->pt, "out.w", 2, cfg->NC, D);
    params_add(&m->pt, "out.b", 1, cfg->NC);
    params_alloc(&m->pt);
    point_tensors(&m->w, cfg, &m->pt, params_get);
    point_tensors(&m->g, cfg, &m->pt, params_grad);
}

void rnn_cls_free(RnnCls *m) { params_free(&m->pt); }

void rnn_cls_init(RnnCls *m, Rng *rng) {
    for (int k = 0; k < m->pt.count; k++) {
        const ParamInfo *p = &m->pt.info[k];
        float *w = m->pt.values + p->offset;
        if (p->ndim == 1) memset(w, 0, p->size * sizeof(float));
        else rng_fill_uniform(rng, w, p->size, k == 0 ? -0.25f : -0.1f, k == 0 ? 0.25f : 0.1f);
    }
    rnn_cls_after_step(m);
}

void rnn_cls_after_step(RnnCls *m) {
    const RnnClsConfig *c = &m->cfg;
    memset(m->w.wte + (size_t)VOCAB_PAD * c->E, 0, (size_t)c->E * sizeof(float));
    if (c->max_norm <= 0) return;
    /* Kim: rescale a weight vector to norm s whenever a step takes it beyond s */
    int D = rnn_cls_feature_size(c);
    for (int k = 0; k < c->NC; k++) {
        float *w = m->w.w_out + (size_t)k * D;
        double n = 0.0;
        for (int j = 0; j < D; j++) n += (double)w[j] * w[j];
        n = sqrt(n);
        if (n > c->max_norm) for (int j = 0; j < D; j++) w[j] *= (float)(c->max_norm / n);
    }
}

/* ------------------------------------------------------------ activations */

void rnn_cls_acts_build(RnnClsActs *a, const RnnCls *m, int B, int T, uint64_t seed) {
    const RnnClsConfig *c = &m->cfg;
    memset(a, 0, sizeof *a);
    a->B = B; a->T = T;
    size_t BT = (size_t)B * T, D = (size_t)rnn_cls_feature_size(c);
    int cnn = c->enc == RNN_CLS_CNN, dnn = c->enc == RNN_CLS_DNN, lstm = c->enc == RNN_CLS_LSTM;
    size_t cols[RNN_CLS_CNN_WIDTHS], most = 0;
    for (int k = 0; k < RNN_CLS_CNN_WIDTHS; k++) {
        cols[k] = cnn ? conv1d_cols_size(B, T, c->E, rnn_cls_cnn_widths[k]) : 0;
        if (cols[k] > most) most = cols[k];
    }
    /* the float buffers and their sizes, then the int ones (0: the encoder has none) */
    float **fptr[] = { &a->emb, &a->demb, &a->cols[0], &a->cols[1], &a->cols[2], &a->conv[0], &a->conv[1],
                       &a->conv[2], &a->dconv[0], &a->dconv[1], &a->dconv[2], &a->dcols, &a->mean, &a->dmean,
                       &a->h_all, &a->dh_all, &a->act, &a->scratch, &a->feat, &a->mask, &a->featd, &a->dfeat,
                       &a->dfeatd, &a->logits, &a->probs };
    size_t conv = cnn ? BT * c->F : 0, mean = dnn ? (size_t)B * c->E : 0, hall = lstm ? BT * c->H : 0;
    size_t fsize[] = { BT * c->E, BT * c->E, cols[0], cols[1], cols[2], conv, conv, conv, conv, conv, conv, most,
                       mean, mean, hall, hall, lstm ? rnn_act_size(RNN_LSTM, T, B, c->H) : 0,
                       lstm ? rnn_scratch_size(RNN_LSTM, T, B, c->H) : 0,
                       B * D, B * D, B * D, B * D, B * D, (size_t)B * c->NC, (size_t)B * c->NC };
    int **iptr[] = { &a->ids, &a->tm_ids, &a->lens, &a->labels, &a->argmax };
    size_t isize[] = { BT, BT, (size_t)B, (size_t)B, B * D };
    _Static_assert(RNN_CLS_CNN_WIDTHS == 3, "one entry per width above");
    _Static_assert(sizeof fptr / sizeof *fptr == sizeof fsize / sizeof *fsize, "a size for every float buffer");
    _Static_assert(sizeof(int) == sizeof(float), "the ints are carved from the float allocation");
    size_t nf = sizeof fsize / sizeof *fsize, ni = sizeof isize / sizeof *isize, total = 0;
    for (size_t i = 0; i < nf; i++) total += fsize[i];
    for (size_t i = 0; i < ni; i++) total += isize[i];
    a->memory = xcalloc(total, sizeof(float));
    float *p = a->memory;
    for (size_t i = 0; i < nf; i++) { *fptr[i] = fsize[i] ? p : NULL; p += fsize[i]; }
    for (size_t i = 0; i < ni; i++) { *iptr[i] = isize[i] ? (int *)p : NULL; p += isize[i]; }
    rng_seed(&a->rng, seed, 9);
}

void rnn_cls_acts_free(RnnClsActs *a) {
    free(a->memory);
    memset(a, 0, sizeof *a);
}

/* ------------------------------------------------------------ forward */

double rnn_cls_forward(RnnCls *m, RnnClsActs *a, const int *ids, const int *lens, const int *labels,
                   int B, int T, int train) {
    const RnnClsConfig *c = &m->cfg;
    const RnnClsTensors *w = &m->w;
    if (B < 1 || B > a->B || T < 1 || T > a->T) die("classifier: batch %dx%d outside the buffers' %dx%d", B, T, a->B, a->T);
    int E = c->E, H = c->H, D = rnn_cls_feature_size(c);
    a->b = B; a->t = T;
    memcpy(a->ids, ids, (size_t)B * T * sizeof(int));
    memcpy(a->lens, lens, (size_t)B * sizeof(int));
    for (int b = 0; b < B; b++) if (lens[b] < 1) die("classifier: an empty sentence (length 0) in the batch");
    if (labels) memcpy(a->labels, labels, (size_t)B * sizeof(int));

    if (c->enc == RNN_CLS_CNN) {
        embedding_forward(a->emb, a->ids, w->wte, B * T, c->V, E);
        for (int k = 0; k < RNN_CLS_CNN_WIDTHS; k++) {
            int K = rnn_cls_cnn_widths[k], TO = T - K + 1;
            conv1d_forward(a->conv[k], a->cols[k], a->emb, w->conv_w[k], w->conv_b[k], B, T, E, K, c->F);
            relu_forward(a->conv[k], a->conv[k], (size_t)B * TO * c->F);
        }
        /* max over time of each width's maps, side by side: feat (B, 3F) */
        for (int k = 0; k < RNN_CLS_CNN_WIDTHS; k++) {
            int TO = T - rnn_cls_cnn_widths[k] + 1;
            for (int b = 0; b < B; b++)
                for (int f = 0; f < c->F; f++) {
                    const float *x = a->conv[k] + (size_t)b * TO * c->F + f;
                    int best = 0;
                    for (int t = 1; t < TO; t++) if (x[(size_t)t * c->F] > x[(size_t)best * c->F]) best = t;
                    a->feat[(size_t)b * D + k * c->F + f] = x[(size_t)best * c->F];
                    a->argmax[(size_t)b * D + k * c->F + f] = best;
                }
        }
    } else if (c->enc == RNN_CLS_DNN) {
        embedding_forward(a->emb, a->ids, w->wte, B * T, c->V, E);
        for (int b = 0; b < B; b++) {
            float *mean = a->mean + (size_t)b * E;
            memset(mean, 0, (size_t)E * sizeof(float));
            for (int t = 0; t < lens[b]; t++)
                for (int e = 0; e < E; e++) mean[e] += a->emb[((size_t)b * T + t) * E + e];
            for (int e = 0; e < E; e++) mean[e] /= (float)lens[b];
        }
        linear_forward(a->feat, a->mean, w->w_hid, w->b_hid, B, E, H);
        relu_forward(a->feat, a->feat, (size_t)B * H);
    } else {
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++) a->tm_ids[t * B + b] = ids[b * T + t];
        embedding_forward(a->emb, a->tm_ids, w->wte, B * T, c->V, E);
        rnn_layer_forward(RNN_LSTM, a->h_all, NULL, NULL, a->act, a->emb, NULL, NULL,
                          w->w_ih, w->w_hh, w->b_ih, w->b_hh, T, B, E, H);
        /* max over the sentence's own steps (not the padding after it) */
        for (int b = 0; b < B; b++)
            for (int j = 0; j < H; j++) {
                int best = 0;
                for (int t = 1; t < lens[b] && t < T; t++)
                    if (a->h_all[((size_t)t * B + b) * H + j] > a->h_all[((size_t)best * B + b) * H + j]) best = t;
                a->feat[(size_t)b * H + j] = a->h_all[((size_t)best * B + b) * H + j];
                a->argmax[(size_t)b * H + j] = best;
            }
    }
    dropout_forward(a->featd, a->mask, a->feat, train ? c->dropout : 0.0f, (size_t)B * D, &a->rng);
    linear_forward(a->logits, a->featd, w->w_out, w->b_out, B, D, c->NC);
    if (!labels) return 0.0;
    return crossentropy_forward(a->probs, a->logits, a->labels, B, c->NC, -1, 0.0f);
}

void rnn_cls_predict(const RnnCls *m, const RnnClsActs *a, int *pred) {
    int NC = m->cfg.NC;
    for (int b = 0; b < a->b; b++) {
        const float *l = a->logits + (size_t)b * NC;
        int best = 0;
        for (int k = 1; k < NC; k++) if (l[k] > l[best]) best = k;
        pred[b] = best;
    }
}

/* ------------------------------------------------------------ backward */

void rnn_cls_backward(RnnCls *m, RnnClsActs *a) {
    const RnnClsConfig *c = &m->cfg;
    const RnnClsTensors *w = &m->w, *g = &m->g;
    int B = a->b, T = a->t, E = c->E, H = c->H, D = rnn_cls_feature_size(c);
    float *dlogits = a->logits;
    memset(dlogits, 0, (size_t)B * c->NC * sizeof(float));
    crossentropy_backward(dlogits, a->probs, a->labels, B, c->NC, -1, 0.0f, 1.0f);
    memset(a->dfeatd, 0, (size_t)B * D * sizeof(float));
    linear_backward(a->dfeatd, g->w_out, g->b_out, dlogits, a->featd, w->w_out, B, D, c->NC);
    memset(a->dfeat, 0, (size_t)B * D * sizeof(float));
    dropout_backward(a->dfeat, a->dfeatd, a->mask, (size_t)B * D);
    int train_emb = c->emb != RNN_CLS_EMB_STATIC;
    memset(a->demb, 0, (size_t)B * T * E * sizeof(float));

    if (c->enc == RNN_CLS_CNN) {
        for (int k = 0; k < RNN_CLS_CNN_WIDTHS; k++) {
            int K = rnn_cls_cnn_widths[k], TO = T - K + 1;
            memset(a->dconv[k], 0, (size_t)B * TO * c->F * sizeof(float));
            for (int b = 0; b < B; b++)
                for (int f = 0; f < c->F; f++) {
                    size_t i = (size_t)b * D + k * c->F + f;
                    /* through the max (only the argmax) and the ReLU (only if it was positive) */
                    size_t at = ((size_t)b * TO + a->argmax[i]) * c->F + f;
                    if (a->conv[k][at] > 0.0f) a->dconv[k][at] += a->dfeat[i];
                }
            conv1d_backward(train_emb ? a->demb : NULL, g->conv_w[k], g->conv_b[k], a->dcols,
                            a->dconv[k], a->cols[k], w->conv_w[k], B, T, E, K, c->F);
        }
        if (train_emb) embedding_backward(g->wte, a->demb, a->ids, B * T, c->V, E);
    } else if (c->enc == RNN_CLS_DNN) {
        for (size_t i = 0; i < (size_t)B * H; i++) if (a->feat[i] <= 0.0f) a->dfeat[i] = 0.0f;   /* ReLU */
        float *dmean = a->dmean;
        memset(dmean, 0, (size_t)B * E * sizeof(float));
        linear_backward(dmean, g->w_hid, g->b_hid, a->dfeat, a->mean, w->w_hid, B, E, H);
        if (train_emb) {
            for (int b = 0; b < B; b++)
                for (int t = 0; t < a->lens[b]; t++)
                    for (int e = 0; e < E; e++)
                        a->demb[((size_t)b * T + t) * E + e] = dmean[(size_t)b * E + e] / (float)a->lens[b];
            embedding_backward(g->wte, a->demb, a->ids, B * T, c->V, E);
        }
    } else {
        memset(a->dh_all, 0, (size_t)T * B * H * sizeof(float));
        for (int b = 0; b < B; b++)
            for (int j = 0; j < H; j++)
                a->dh_all[((size_t)a->argmax[(size_t)b * H + j] * B + b) * H + j] += a->dfeat[(size_t)b * H + j];
        rnn_layer_backward(RNN_LSTM, train_emb ? a->demb : NULL, NULL, NULL,
                           g->w_ih, g->w_hh, g->b_ih, g->b_hh, a->scratch,
                           a->dh_all, NULL, NULL, a->emb, NULL, NULL, a->h_all, a->act,
                           w->w_ih, w->w_hh, T, B, E, H);
        if (train_emb) embedding_backward(g->wte, a->demb, a->tm_ids, B * T, c->V, E);
    }
}

/* ------------------------------------------------------------ training */

/* Lay sentences order[0..B) out as a padded batch; returns its length T. */
static int make_batch(int *ids, int *lens, int *labels, const LabelledSet *s, const int *order, int B, int pad,
                      int T_cap) {
    int T = 0;
    for (int b = 0; b < B; b++) if (s->len[order[b]] > T) T = s->len[order[b]];
    T += 2 * pad;
    if (T < rnn_cls_cnn_widths[RNN_CLS_CNN_WIDTHS - 1]) T = rnn_cls_cnn_widths[RNN_CLS_CNN_WIDTHS - 1];
    if (T > T_cap) T = T_cap;
    for (int b = 0; b < B; b++) {
        int i = order[b], n;
        const int *words = lset_seq(s, i, 0, &n);
        for (int t = 0; t < T; t++) {
            int w = t - pad;
            ids[b * T + t] = (w >= 0 && w < n) ? words[w] : VOCAB_PAD;
        }
        lens[b] = n;
        labels[b] = s->label[i];
    }
    return T;
}

double rnn_cls_accuracy(RnnCls *m, RnnClsActs *a, const LabelledSet *s) {
    int pad = rnn_cls_pad_left(&m->cfg);
    int B = a->B, correct = 0;
    int *order = xmalloc((size_t)B * sizeof(int)), *ids = xmalloc((size_t)a->B * a->T * sizeof(int));
    int *lens = xmalloc((size_t)B * sizeof(int)), *labels = xmalloc((size_t)B * sizeof(int)), *pred = xmalloc((size_t)B * sizeof(int));
    for (int i = 0; i < s->n; i += B) {
        int b = s->n - i < B ? s->n - i : B;
        for (int k = 0; k < b; k++) order[k] = i + k;
        int T = make_batch(ids, lens, labels, s, order, b, pad, a->T);
        rnn_cls_forward(m, a, ids, lens, NULL, b, T, 0);
        rnn_cls_predict(m, a, pred);
        for (int k = 0; k < b; k++) correct += pred[k] == labels[k];
    }
    free(order); free(ids); free(lens); free(labels); free(pred);
    return (double)correct / (s->n ? s->n : 1);
}

RnnClsScore rnn_cls_train_eval(const RnnClsTrainOptions *o, const LabelledSet *train, const LabelledSet *dev,
                        const LabelledSet *test, const float *init_emb) {
    if (train->n < 1 || test->n < 1 || (dev && dev->n < 1)) die("classifier: empty training, dev or test set");
    RnnCls m;
    rnn_cls_build(&m, &o->model);
    const RnnClsConfig *c = &m.cfg;
    lset_check_classes(train, c->NC, "classifier: the training set");
    Rng rng;
    rng_seed(&rng, o->seed, 1);
    rnn_cls_init(&m, &rng);
    if (init_emb) memcpy(m.w.wte, init_emb, (size_t)c->V * c->E * sizeof(float));
    else if (c->emb != RNN_CLS_EMB_RAND) die("classifier: static and non-static embeddings need pretrained vectors");
    rnn_cls_after_step(&m);
    int pad = rnn_cls_pad_left(c), maxlen = 0;
    const LabelledSet *sets[3] = { train, dev, test };
    for (int k = 0; k < 3; k++)
        for (int i = 0; sets[k] && i < sets[k]->n; i++) if (sets[k]->len[i] > maxlen) maxlen = sets[k]->len[i];
    int T_cap = maxlen + 2 * pad + 5, B = o->batch < train->n ? o->batch : train->n;
    RnnClsActs a;
    rnn_cls_acts_build(&a, &m, B, T_cap, o->seed);
    int *order = xmalloc((size_t)train->n * sizeof(int));
    int *ids = xmalloc((size_t)B * T_cap * sizeof(int)), *lens = xmalloc((size_t)B * sizeof(int)), *labels = xmalloc((size_t)B * sizeof(int));
    for (int i = 0; i < train->n; i++) order[i] = i;
    AdamConfig adam = { 0.9f, 0.999f, 1e-8f, 0.0f, 0 };
    RnnClsScore best = { 0.0, NAN, 0 };
    int t = 0;
    for (int ep = 0; ep < o->epochs; ep++) {
        rng_shuffle_int(&rng, order, (size_t)train->n);
        double sum = 0.0;
        int nb = 0;
        for (int i = 0; i + B <= train->n; i += B) {   /* full batches, as Kim */
            int T = make_batch(ids, lens, labels, train, order + i, B, pad, T_cap);
            sum += rnn_cls_forward(&m, &a, ids, lens, labels, B, T, 1);
            params_zero_grad(&m.pt);
            rnn_cls_backward(&m, &a);
            adam_step(&m.pt, &adam, o->lr, ++t);
            rnn_cls_after_step(&m);
            nb++;
        }
        double dev_acc = dev ? rnn_cls_accuracy(&m, &a, dev) : NAN;
        /* test is scored only for an epoch that could be the answer */
        int better = dev ? ep == 0 || dev_acc > best.dev_acc : ep == o->epochs - 1;
        if (better) best = (RnnClsScore){ rnn_cls_accuracy(&m, &a, test), dev_acc, ep + 1 };
        if (better && o->save_dir) rnn_cls_save(&m, o->save_vocab, o->save_dir);
        if (!o->quiet) {
            fprintf(stderr, "  %s epoch %d: train loss %.4f", rnn_cls_encoder_name(c->enc), ep + 1, sum / (nb ? nb : 1));
            if (dev) fprintf(stderr, "  dev %.2f%%%s", 100 * dev_acc, better ? "  (best so far)" : "");
            fprintf(stderr, "\n");
        }
    }
    free(order); free(ids); free(lens); free(labels);
    rnn_cls_acts_free(&a);
    rnn_cls_free(&m);
    return best;
}

/* ------------------------------------------------------------ corpora */

Vocab *rnn_cls_load_bible_task(LabelledSet *train, LabelledSet *test, int maxlen) {
    char tr[4096], trl[4096], te[4096], tel[4096];
    if (!data_path(tr, sizeof tr, "bible/words.train.txt")) return NULL;
    data_path_or_die(trl, sizeof trl, "bible/labels.train.tsv");
    data_path_or_die(te, sizeof te, "bible/words.test.txt");
    data_path_or_die(tel, sizeof tel, "bible/labels.test.tsv");
    size_t len;
    char *text = text_load(tr, &len);
    Vocab *v = vocab_build(VOCAB_WORD, text, len, 2, 0);
    free(text);
    lset_init(train, 1);
    lset_init(test, 1);
    lset_load_bible(train, tr, trl, lset_words(v), maxlen, 0);
    lset_load_bible(test, te, tel, lset_words(v), maxlen, 0);
    return v;
}

void rnn_cls_load_mr(LabelledSet *s, Vocab **v, const char *pos, const char *neg, int maxlen) {
    Vocab *full = vocab_new(VOCAB_WORD);
    const char *paths[2] = { pos, neg };
    for (int k = 0; k < 2; k++) {
        size_t len;
        char *text = text_load(paths[k], &len);
        vocab_count(full, text, len);
        free(text);
    }
    *v = vocab_prune(full, 1, 0);   /* Kim builds the vocabulary over the whole data set */
    vocab_free(full);
    lset_init(s, 1);
    lset_load_polarity(s, pos, neg, lset_words(*v), maxlen);
}

void rnn_cls_load_labelled(LabelledSet *sets, Vocab **v, const char *const *paths, int nfiles, int NC, int maxlen) {
    Vocab *full = vocab_new(VOCAB_WORD);
    for (int f = 0; f < nfiles; f++) {
        Lines *l = lines_load(paths[f]);
        for (size_t i = 0; i < l->n; i++) {
            const char *words;
            if (lset_parse_label(l->line[i], NC, &words) < 0)
                die("%s:%zu: a line must start with its label, an integer in 0..%d", paths[f], i + 1, NC - 1);
            vocab_count(full, words, strlen(words));
        }
        lines_free(l);
    }
    *v = vocab_prune(full, 1, 0);   /* over every split, as Kim (and rnn_cls_load_mr) */
    vocab_free(full);
    for (int f = 0; f < nfiles; f++) {
        lset_init(&sets[f], 1);
        lset_load_labelled_file(&sets[f], paths[f], NC, lset_words(*v), maxlen);
    }
}

/* ------------------------------------------------------------ pretrained rows */

/* The input embedding of an LM run, as word vectors (specials included). */
static Vectors *vectors_of_lm(const char *dir) {
    RnnLm lm;
    Vocab *lv;
    rnn_lm_load(&lm, &lv, dir, NULL);
    Vectors *vec = vectors_new(lv->size, lm.cfg.E, (const char *const *)lv->tokens);
    memcpy(vec->vecs, lm.w.wte, (size_t)lv->size * lm.cfg.E * sizeof(float));
    vocab_free(lv);
    rnn_lm_free(&lm);
    return vec;
}

Vectors *rnn_cls_vectors_load(const char *src) {
    struct stat st;
    if (stat(src, &st) == 0 && S_ISDIR(st.st_mode)) return vectors_of_lm(src);
    return vectors_load(src, VEC_AUTO);
}

int rnn_cls_pretrained_rows(float *table, const Vocab *v, int E, const Vectors *vec, const char *src,
                        Rng *rng, float *a_out) {
    if (vec->D != E)
        die("'%s': its vectors have dimension %d but the classifier's embeddings have %d (set --emb %d)",
            src, vec->D, E, vec->D);
    /* Kim: unknown words from U[-a, a] "so that the randomly initialized
     * vectors have the same variance as the pre-trained ones" */
    double sum = 0.0, sq = 0.0, n = (double)vec->V * vec->D;
    for (size_t i = 0; i < (size_t)vec->V * vec->D; i++) { sum += vec->vecs[i]; sq += (double)vec->vecs[i] * vec->vecs[i]; }
    double var = sq / n - (sum / n) * (sum / n);
    float a = (float)sqrt(3.0 * (var > 0.0 ? var : 0.0));
    rng_fill_uniform(rng, table, (size_t)v->size * E, -a, a);
    int found = 0;
    for (int i = VOCAB_NSPECIAL; i < v->size; i++) {
        int j = vectors_find(vec, v->tokens[i]);
        if (j < 0) continue;
        memcpy(table + (size_t)i * E, vec->vecs + (size_t)j * E, (size_t)E * sizeof(float));
        found++;
    }
    memset(table + (size_t)VOCAB_PAD * E, 0, (size_t)E * sizeof(float));
    if (a_out) *a_out = a;
    return found;
}

/* ------------------------------------------------------------ saved models */

#define CLS_STAGE "rnn-classify"

void rnn_cls_save(const RnnCls *m, const Vocab *v, const char *dir) {
    const RnnClsConfig *c = &m->cfg;
    char cfg[512], path[4096];
    snprintf(cfg, sizeof cfg, "encoder=%d\nembeddings=%d\nV=%d\nE=%d\nH=%d\nF=%d\nNC=%d\ndropout=%.9g\nmax_norm=%.9g\n",
             (int)c->enc, (int)c->emb, c->V, c->E, c->H, c->F, c->NC, c->dropout, c->max_norm);
    make_dirs(dir);
    snprintf(path, sizeof path, "%s/vocab.txt", dir);
    vocab_save(v, path);
    snprintf(path, sizeof path, "%s/model.ckpt", dir);
    checkpoint_save(path, CLS_STAGE, cfg, &m->pt, 0, 0);
}

void rnn_cls_load(RnnCls *m, Vocab **v, const char *dir) {
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/model.ckpt", dir);
    CheckpointInfo ck;
    if (checkpoint_read(path, CLS_STAGE, &ck, err, sizeof err)) die("%s", err);
    RnnClsConfig c = {
        .enc = (RnnClsEncoder)config_long(ck.config, "encoder", -1),
        .emb = (RnnClsEmbedding)config_long(ck.config, "embeddings", -1),
        .V = (int)config_long(ck.config, "V", 0), .E = (int)config_long(ck.config, "E", 0),
        .H = (int)config_long(ck.config, "H", 0), .F = (int)config_long(ck.config, "F", 0),
        .NC = (int)config_long(ck.config, "NC", 0),
        .dropout = (float)config_double(ck.config, "dropout", 0.0),
        .max_norm = (float)config_double(ck.config, "max_norm", 0.0),
    };
    if (c.enc < RNN_CLS_DNN || c.enc > RNN_CLS_LSTM || c.emb < RNN_CLS_EMB_RAND || c.emb > RNN_CLS_EMB_NONSTATIC ||
        c.V < 5 || c.E < 1 || c.H < 1 || c.F < 1 || c.NC < 2)
        die("'%s': not a classifier checkpoint (bad config)", path);
    rnn_cls_build(m, &c);
    if (checkpoint_restore(&ck, &m->pt, err, sizeof err)) die("%s", err);
    checkpoint_free(&ck);
    snprintf(path, sizeof path, "%s/vocab.txt", dir);
    *v = vocab_load(path);
    if ((*v)->size != c.V) die("'%s' has %d words but the model expects %d", path, (*v)->size, c.V);
}
