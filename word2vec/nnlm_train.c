/* nnlm_train.c -- corpora, training loop, evaluation and checkpoints of the NNLM. See nnlm_train.h. */
#include "word2vec/nnlm_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "metrics.h"
#include "optim.h"
#include "util.h"

/* ---------------------------------------------------------------- data */

/* A file as the ladder's sentence stream (text.h: each line's words, then
 * </s>), cut into contexts and targets. */
static void split_load(NnlmSplit *s, const char *path, const Vocab *v, int N) {
    size_t len, n, words = 0;
    char *text = text_load(path, &len);
    int *ids = text_sentence_stream(v, text, len, 0, &n);
    free(text);
    for (size_t i = 0; i < n; i++) words += ids[i] != VOCAB_EOS;
    if (words == 0) die("'%s' has no words", path);
    s->n = (long)n;
    s->ctx = xmalloc(n * (size_t)N * sizeof(int));
    s->targets = xmalloc(n * sizeof(int));
    nnlm_windows(s->ctx, s->targets, ids, s->n, N, VOCAB_BOS, VOCAB_EOS);
    free(ids);
}

void nnlm_data_load(NnlmData *d, const char *const paths[3], const Vocab *vocab, int N) {
    d->vocab = vocab;
    for (int i = 0; i < 3; i++) split_load(&d->split[i], paths[i], vocab, N);
}

void nnlm_data_free(NnlmData *d) {
    for (int i = 0; i < 3; i++) {
        free(d->split[i].ctx);
        free(d->split[i].targets);
    }
    memset(d, 0, sizeof *d);
}

double nnlm_evaluate(Nnlm *m, const NnlmSplit *s) {
    double sum = 0.0;
    for (long i = 0; i < s->n; i += m->B) {
        int b = (int)(s->n - i < m->B ? s->n - i : m->B);
        sum += nnlm_forward(m, s->ctx + i * m->N, s->targets + i, b, NULL) * b;
    }
    return sum / (double)s->n;
}

/* ---------------------------------------------------------------- checkpoints */

void nnlm_state_init(NnlmTrainState *s, const NnlmTrainConfig *c) {
    memset(s, 0, sizeof *s);
    s->lr = c->lr;
    s->best_valid = INFINITY;
    rng_seed(&s->rng, c->seed, 1);
    rng_seed(&s->drop, c->seed, 2);
}

/* dir/name into buf, or die when it does not fit. */
static void run_file(char *buf, size_t n, const char *dir, const char *name) {
    if ((size_t)snprintf(buf, n, "%s/%s", dir, name) >= n) die("path too long: '%s/%s'", dir, name);
}

void nnlm_checkpoint_save(const char *dir, const Nnlm *m, const NnlmTrainState *s) {
    char conf[512], path[4096];
    nnlm_config_text(&m->cfg, conf, sizeof conf);
    size_t n = strlen(conf);
    /* The training state after the model's keys. lr and best_valid with
     * enough digits to read back the same float and double; the generator's
     * two 64-bit words as signed integers (config_long reads signed), the
     * bits unchanged. */
    snprintf(conf + n, sizeof conf - n,
             "epoch=%d\nlr=%.9g\nbest_valid=%.17g\nundone=%d\nrng_state=%lld\nrng_inc=%lld\n"
             "drop_state=%lld\ndrop_inc=%lld\n",
             s->epoch, (double)s->lr, s->best_valid, s->undone, (long long)s->rng.state, (long long)s->rng.inc,
             (long long)s->drop.state, (long long)s->drop.inc);
    run_file(path, sizeof path, dir, "nnlm.ckpt");
    checkpoint_save(path, "word2vec", conf, &m->pt, s->step, 1);
}

Vocab *nnlm_checkpoint_load(const char *dir, Nnlm *m, int B, NnlmTrainState *s, const NnlmTrainConfig *c) {
    char path[4096], err[512];
    run_file(path, sizeof path, dir, "vocab.txt");
    Vocab *vocab = vocab_load(path);
    run_file(path, sizeof path, dir, "nnlm.ckpt");
    CheckpointInfo ck = {0};
    if (checkpoint_read(path, "word2vec", &ck, err, sizeof err) != 0) die("%s", err);
    NnlmConfig cfg;
    nnlm_config_parse(&cfg, ck.config);
    if (cfg.V != vocab->size) die("'%s' is for %d words but its vocab.txt has %d", path, cfg.V, vocab->size);
    nnlm_build(m, &cfg, B);
    if (checkpoint_restore(&ck, &m->pt, err, sizeof err) != 0) die("%s", err);
    nnlm_state_init(s, c);
    s->step = ck.step;
    if (config_long(ck.config, "epoch", -1) >= 0) {   /* absent in checkpoints written before the state was */
        s->epoch = (int)config_long(ck.config, "epoch", 0);
        s->lr = (float)config_double(ck.config, "lr", c->lr);
        s->best_valid = config_double(ck.config, "best_valid", INFINITY);
        s->rng.state = (uint64_t)config_long(ck.config, "rng_state", 0);
        s->rng.inc = (uint64_t)config_long(ck.config, "rng_inc", 1);
        s->undone = (int)config_long(ck.config, "undone", 0);
        if (config_long(ck.config, "drop_inc", 0) != 0) {   /* absent before dropout: stream 2 of the seed */
            s->drop.state = (uint64_t)config_long(ck.config, "drop_state", 0);
            s->drop.inc = (uint64_t)config_long(ck.config, "drop_inc", 0);
        }
    }
    checkpoint_free(&ck);
    return vocab;
}

/* ---------------------------------------------------------------- training */

#define NNLM_COLUMNS "step epoch split loss ppl lr tok_per_s elapsed_s"
#define NNLM_LOG_EVERY 100   /* steps between train rows of metrics.tsv */

static void log_row(Metrics *mt, long step, int epoch, const char *split, double loss, float lr, double tps,
                    double elapsed) {
    metrics_num(mt, "step", step);
    metrics_num(mt, "epoch", epoch);
    metrics_str(mt, "split", split);
    metrics_num(mt, "loss", loss);
    metrics_num(mt, "ppl", exp(loss));
    metrics_num(mt, "lr", lr);
    metrics_num(mt, "tok_per_s", tps);
    metrics_num(mt, "elapsed_s", elapsed);
    metrics_write(mt);
}

/* Mikolov's rule after an epoch whose validation loss is valid: keep the
 * model if it improved, else undo the epoch; from the first epoch undone on,
 * halve the learning rate after every epoch. */
static void keep_or_undo(Nnlm *m, NnlmTrainState *s, ParamSnapshot *best, double valid) {
    if (valid < s->best_valid) {
        s->best_valid = valid;
        params_snapshot_take(best, &m->pt);
    } else {
        params_snapshot_restore(best, &m->pt);
        s->undone++;
    }
    if (s->undone > 0) s->lr *= 0.5f;
}

double nnlm_train(Nnlm *m, NnlmTrainState *s, const NnlmData *d, const NnlmTrainConfig *c, double *tok_per_s) {
    const NnlmSplit *train = &d->split[SPLIT_TRAIN];
    int B = m->B, N = m->N;
    long per_epoch = c->max_tokens > 0 && c->max_tokens < train->n ? c->max_tokens : train->n;
    long steps = (per_epoch + B - 1) / B;
    Metrics *mt = s->step > 0 ? metrics_resume(c->out, NNLM_COLUMNS, s->step) : metrics_create(c->out, NNLM_COLUMNS);
    char path[4096];
    run_file(path, sizeof path, c->out, "vocab.txt");   /* beside the checkpoint, which needs it */
    vocab_save(d->vocab, path);
    int *order = xmalloc((size_t)train->n * sizeof(int));
    int *bctx = xmalloc((size_t)B * N * sizeof(int)), *btgt = xmalloc((size_t)B * sizeof(int));
    AdamConfig adam = {.beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0.0f, .decoupled = 0};
    /* the model after the last checkpoint is the best so far (keep_or_undo) */
    ParamSnapshot best;
    params_snapshot_init(&best, &m->pt);
    double t0 = now_seconds();
    *tok_per_s = 0.0;
    for (int e = 0; e < c->epochs && !(c->patience > 0 && s->undone >= c->patience); e++) {
        int ep = ++s->epoch;
        for (long i = 0; i < train->n; i++) order[i] = (int)i;
        rng_shuffle_int(&s->rng, order, (size_t)train->n);
        if (!c->quiet) progress_start(steps, "nnlm");
        double te = now_seconds(), sum = 0.0;
        for (long k = 0; k < steps; k++) {
            /* ---- one step: no allocation from here ... */
            int b = (int)(per_epoch - k * B < B ? per_epoch - k * B : B);
            for (int r = 0; r < b; r++) {
                long t = order[k * B + r];
                memcpy(bctx + (size_t)r * N, train->ctx + t * N, (size_t)N * sizeof(int));
                btgt[r] = train->targets[t];
            }
            params_zero_grad(&m->pt);
            double loss = nnlm_forward(m, bctx, btgt, b, &s->drop);
            nnlm_backward(m, bctx, btgt, b);
            adam_step(&m->pt, &adam, s->lr, (int)++s->step);
            /* ---- ... to here */
            sum += loss * b;
            double tps = (double)(k * B + b) / (now_seconds() - te);
            if (!c->quiet) progress_update(k + 1, loss, tps);
            if ((k + 1) % NNLM_LOG_EVERY == 0 || k + 1 == steps)
                log_row(mt, s->step, ep, "train", loss, s->lr, tps, now_seconds() - t0);
        }
        if (!c->quiet) progress_end();
        *tok_per_s = per_epoch / (now_seconds() - te);
        double valid = nnlm_evaluate(m, &d->split[SPLIT_VALID]);
        log_row(mt, s->step, ep, "valid", valid, s->lr, *tok_per_s, now_seconds() - t0);
        int improved = valid < s->best_valid;
        keep_or_undo(m, s, &best, valid);
        if (!c->quiet)
            printf("epoch %d: train ppl %.2f, valid ppl %.2f (%s), %.0f tokens/s, lr now %.2g\n", ep,
                   exp(sum / per_epoch), exp(valid), improved ? "kept" : "worse: undone", *tok_per_s, s->lr);
        nnlm_checkpoint_save(c->out, m, s);
    }
    if (!c->quiet && c->patience > 0 && s->undone >= c->patience)
        printf("stopped after epoch %d: validation failed to improve %d times; kept the best model\n", s->epoch,
               s->undone);
    metrics_close(mt);
    params_snapshot_free(&best);
    free(order);
    free(bctx);
    free(btgt);
    return s->best_valid;
}
