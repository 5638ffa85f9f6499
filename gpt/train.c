/*
 * train.c -- the training loop, validation estimates, windowed evaluation
 * and checkpoints of a GPT (see train.h for the recipe).
 */
#include "gpt/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "dist.h"
#include "metrics.h"
#include "ops.h"
#include "optim.h"
#include "util.h"
#include "zero.h"

#define STEP_STREAM 1000   /* step s draws from stream STEP_STREAM + s */
#define EVAL_STREAM 7      /* validation batches: always the same ones */
/* with several ranks, rank r's dropout masks at step s: stream DROPOUT_STREAM + s * ranks + r */
#define DROPOUT_STREAM (1ULL << 40)

/* B windows of T+1 tokens at random offsets, of which windows first ..
 * first+count-1 are kept: inputs x (count,T), targets y (count,T); each
 * starts at one of starts[0..n_starts) when starts is not NULL. All B are
 * drawn, so every rank's generator ends where a single process's would. */
static void random_batch(int *x, int *y, const int *tokens, size_t n, const size_t *starts, size_t n_starts,
                         int B, int first, int count, int T, Rng *r) {
    if (n < (size_t)T + 1) die("the token stream (%zu tokens) is shorter than one window of %d + 1", n, T);
    for (int b = 0; b < B; b++) {
        size_t off = starts ? starts[rng_below(r, (uint32_t)n_starts)] : (size_t)rng_below(r, (uint32_t)(n - (size_t)T));
        if (b < first || b >= first + count) continue;
        memcpy(x + (size_t)(b - first) * T, tokens + off, (size_t)T * sizeof(int));
        memcpy(y + (size_t)(b - first) * T, tokens + off + 1, (size_t)T * sizeof(int));
    }
}


/* gpt_estimate_loss with windows starting at starts[0..n_starts) (NULL: anywhere);
 * with several ranks each scores its share of every batch, and the mean of
 * their means is the whole batch's (the shares are equal). */
static double estimate_loss_from(Gpt *m, const int *tokens, size_t n, const size_t *starts, size_t n_starts, int B,
                                 int T, int iters, unsigned long long seed) {
    int first, Bl = dist_share(B, &first);
    int *x = xmalloc((size_t)Bl * T * sizeof(int)), *y = xmalloc((size_t)Bl * T * sizeof(int));
    int was_training = m->training;
    m->training = 0;
    Rng r;
    rng_seed(&r, seed, EVAL_STREAM);
    double sum = 0.0;
    for (int i = 0; i < iters; i++) {
        random_batch(x, y, tokens, n, starts, n_starts, B, first, Bl, T, &r);
        sum += gpt_forward(m, x, y, Bl, T);
    }
    sum = dist_sum(sum) / dist_size();
    m->training = was_training;
    free(x);
    free(y);
    return sum / (iters > 0 ? iters : 1);
}

double gpt_estimate_loss(Gpt *m, const int *tokens, size_t n, int B, int T, int iters,
                         unsigned long long seed) {
    return estimate_loss_from(m, tokens, n, NULL, 0, B, T, iters, seed);
}

double gpt_eval_windows(Gpt *m, const int *tokens, size_t n, int T, size_t *count) {
    if (n < (size_t)T + 1) die("the token stream (%zu tokens) is shorter than one window of %d + 1", n, T);
    int V = m->cfg.vocab_size;
    size_t windows = (n - 1) / (size_t)T;
    /* one window at a time through the cache path: it keeps no per-layer
     * activations, so even GPT-2 at T = 1024 fits in a few hundred MB */
    GptCache c;
    gpt_cache_init(&c, m);
    float *logits = xmalloc((size_t)T * V * sizeof(float)), *probs = xmalloc((size_t)T * V * sizeof(float));
    m->training = 0;
    double sum = 0.0;   /* sum of per-token losses */
    for (size_t w = 0; w < windows; w++) {
        gpt_cache_reset(&c);
        gpt_forward_cached(m, &c, tokens + w * T, T, logits);
        sum += crossentropy_forward(probs, logits, tokens + w * T + 1, T, V, -1, 0.0f) * T;
    }
    free(logits);
    free(probs);
    gpt_cache_free(&c);
    *count = windows * (size_t)T;
    return sum / (double)*count;
}

double gpt_eval_stream(Gpt *m, const int *tokens, size_t n, int T, int stride, size_t *count) {
    if (n < 2) die("the token stream has %zu tokens: nothing to predict", n);
    if (stride < 1 || stride > T) die("the evaluation stride %d is outside [1, %d]", stride, T);
    int V = m->cfg.vocab_size;
    GptCache c;
    gpt_cache_init(&c, m);
    float *logits = xmalloc((size_t)T * V * sizeof(float)), *probs = xmalloc((size_t)T * V * sizeof(float));
    m->training = 0;
    double sum = 0.0;
    size_t done = 0;   /* targets tokens[1..done] are scored */
    while (done < n - 1) {
        size_t end = done == 0 ? (size_t)T : done + (size_t)stride;   /* the window predicts up to tokens[end] */
        if (end > n - 1) end = n - 1;
        size_t start = end > (size_t)T ? end - (size_t)T : 0;          /* it reads tokens[start..end) */
        int len = (int)(end - start), skip = (int)(done - start);      /* the first `skip` predictions were scored */
        gpt_cache_reset(&c);
        gpt_forward_cached(m, &c, tokens + start, len, logits);
        sum += crossentropy_forward(probs, logits + (size_t)skip * V, tokens + done + 1, len - skip, V, -1, 0.0f) *
               (len - skip);
        done = end;
    }
    free(logits);
    free(probs);
    gpt_cache_free(&c);
    *count = n - 1;
    return sum / (double)(n - 1);
}

/* The checkpoint's config text: the model's keys, then the caller's (malloc'd). */
static char *checkpoint_config(const Gpt *m, const char *extra_config) {
    char model[512];
    gpt_config_text(&m->cfg, model, sizeof model);
    size_t n = strlen(model) + (extra_config ? strlen(extra_config) : 0) + 1;
    char *config = xmalloc(n);
    snprintf(config, n, "%s%s", model, extra_config ? extra_config : "");
    return config;
}

void gpt_save_checkpoint(const Gpt *m, const char *path, const char *extra_config, long step) {
    char *config = checkpoint_config(m, extra_config);
    checkpoint_save(path, "gpt", config, &m->pt, step, 1);
    free(config);
}

/* The checkpoint of a ZeRO run (zero.h): a collective, rank 0 writes. */
static void save_checkpoint_zero(const Gpt *m, const ZeroShard *z, const char *path, const char *extra_config,
                                 long step) {
    char *config = checkpoint_config(m, extra_config);
    zero_checkpoint_save(z, &m->pt, path, "gpt", config, step);
    free(config);
}

#define METRIC_COLUMNS "step tokens split loss ppl lr grad_norm tok_per_s elapsed_s"

/* The validation loss after `step` steps: a metrics row and the caller's hook
 * (as nanoGPT, step 0 shows the untrained loss). */
static void validate(Gpt *m, const GptTrainConfig *tc, Metrics *mt, const int *val, size_t n_val, long step,
                     long tokens_per_step, double t0) {
    double vl = estimate_loss_from(m, val, n_val, tc->val_starts, tc->n_val_starts, tc->batch, tc->seq_len,
                                   tc->eval_iters, tc->seed);
    if (mt) {
        metrics_num(mt, "step", step);
        metrics_num(mt, "tokens", (double)step * tokens_per_step);
        metrics_str(mt, "split", "valid");
        metrics_num(mt, "loss", vl);
        metrics_num(mt, "ppl", exp(vl));
        metrics_num(mt, "elapsed_s", now_seconds() - t0);
        metrics_write(mt);
    }
    if (tc->on_eval && dist_is_root()) tc->on_eval(m, step, vl, tc->ctx);
}

double gpt_train(Gpt *m, const GptTrainConfig *tc, const int *train, size_t n_train, const int *val,
                 size_t n_val, long start, float *losses) {
    int B = tc->batch, T = tc->seq_len, K = tc->accum > 0 ? tc->accum : 1, ranks = dist_size();
    /* Data parallelism (dist.h): each of n ranks takes a contiguous 1/n of the
     * B windows one process would draw, so the batches, and hence the results,
     * do not depend on the number of ranks */
    int first, Bl = dist_share(B, &first);
    if (T > m->cfg.max_seq_len) die("--context %d exceeds the model's context %d", T, m->cfg.max_seq_len);
    if (!m->act_memory || m->B < Bl || m->T < T) gpt_alloc_acts(m, Bl, T);
    for (size_t i = 0; i < tc->n_starts; i++)
        if (tc->starts[i] + (size_t)T >= n_train) die("window start %zu leaves less than %d + 1 tokens", tc->starts[i], T);
    if (tc->starts && tc->n_starts == 0) die("no window starts given");
    for (size_t i = 0; i < tc->n_val_starts; i++)
        if (tc->val_starts[i] + (size_t)T >= n_val) die("validation window start %zu leaves less than %d + 1 tokens", tc->val_starts[i], T);
    if (tc->val_starts && tc->n_val_starts == 0) die("no validation window starts given");
    int *x = xmalloc((size_t)Bl * T * sizeof(int)), *y = xmalloc((size_t)Bl * T * sizeof(int));
    AdamConfig ac = {.beta1 = tc->beta1, .beta2 = tc->beta2, .eps = 1e-8f, .weight_decay = tc->weight_decay,
                     .decoupled = 1};
    ZeroShard z;   /* --zero 1: this rank's slice of AdamW's state */
    if (tc->zero) zero_init(&z, &m->pt);
    Metrics *mt = NULL;
    char ckpt[4096] = "";
    if (tc->out_dir && dist_is_root()) {   /* rank 0 alone writes */
        make_dirs(tc->out_dir);
        mt = start > 0 ? metrics_resume(tc->out_dir, METRIC_COLUMNS, start) : metrics_create(tc->out_dir, METRIC_COLUMNS);
        snprintf(ckpt, sizeof ckpt, "%s/ckpt.bin", tc->out_dir);
    }
    Rng r, drop;
    m->rng = ranks > 1 ? &drop : &r;   /* one process draws its masks after its windows, from r */
    double t0 = now_seconds(), t_last = t0, loss = 0.0;
    long tokens_per_step = (long)B * T * K;
    int quiet = tc->quiet || !dist_is_root();
    if (!quiet) progress_start(tc->steps, "train");
    int evaluating = val && tc->eval_interval > 0;
    if (evaluating && start == 0) validate(m, tc, mt, val, n_val, 0, tokens_per_step, t0);   /* the untrained loss */
    for (long step = start; step < tc->steps; step++) {
        float lr = lr_cosine(step, tc->warmup, tc->decay_steps, tc->lr, tc->min_lr);
        rng_seed(&r, tc->seed, STEP_STREAM + (unsigned long long)step);
        m->training = 1;
        params_zero_grad(&m->pt);
        loss = 0.0;
        /* Several ranks: their rows of a batch must not share masks (the masks
         * then depend on the number of ranks, unlike the batches). */
        if (ranks > 1) rng_seed(&drop, tc->seed, DROPOUT_STREAM + (unsigned long long)step * ranks + dist_rank());
        for (int k = 0; k < K; k++) {
            random_batch(x, y, train, n_train, tc->starts, tc->n_starts, B, first, Bl, T, &r);
            loss += gpt_forward(m, x, y, Bl, T) / K;
            /* each rank's mean over its B/n windows, weighted 1/n: the sum over
             * the ranks is the gradient of the whole batch's mean loss */
            gpt_backward(m, 1.0f / (float)(K * ranks));
        }
        /* one all-reduce of the gradient buffer per step, then clipping on the
         * global norm and the same AdamW step on every rank */
        dist_allreduce_sum(m->pt.grads, m->pt.total);
        loss = dist_sum(loss) / ranks;
        float norm = tc->grad_clip > 0 ? clip_grad_norm(&m->pt, tc->grad_clip) : 0.0f;
        if (tc->zero) zero_adam_step(&z, &m->pt, &ac, lr, (int)step + 1);
        else adam_step(&m->pt, &ac, lr, (int)step + 1);
        if (!isfinite(loss)) die("the training loss became %g at step %ld (learning rate too high?)", loss, step);
        if (losses) losses[step - start] = (float)loss;

        double now = now_seconds();
        double tps = (double)tokens_per_step / (now - t_last > 0 ? now - t_last : 1e-9);
        t_last = now;
        if (!quiet) progress_update(step + 1, loss, tps);
        if (mt && (step % (tc->log_interval > 0 ? tc->log_interval : 1) == 0 || step + 1 == tc->steps)) {
            metrics_num(mt, "step", step + 1);
            metrics_num(mt, "tokens", (double)(step + 1) * tokens_per_step);
            metrics_str(mt, "split", "train");
            metrics_num(mt, "loss", loss);
            metrics_num(mt, "ppl", exp(loss));
            metrics_num(mt, "lr", lr);
            metrics_num(mt, "grad_norm", norm);
            metrics_num(mt, "tok_per_s", tps);
            metrics_num(mt, "elapsed_s", now - t0);
            metrics_write(mt);
        }
        /* Validation after every eval_interval steps (the last step's is the caller's final
         * estimate), logged before that step's checkpoint, so a run resumed from the
         * checkpoint does not log it twice. */
        if (evaluating && (step + 1) % tc->eval_interval == 0 && step + 1 < tc->steps)
            validate(m, tc, mt, val, n_val, step + 1, tokens_per_step, t0);
        int save = tc->out_dir && ((tc->ckpt_interval > 0 && (step + 1) % tc->ckpt_interval == 0) || step + 1 == tc->steps);
        if (save && tc->zero) save_checkpoint_zero(m, &z, ckpt, tc->extra_config, step + 1);   /* every rank */
        else if (save && mt) gpt_save_checkpoint(m, ckpt, tc->extra_config, step + 1);
    }
    if (tc->zero) zero_free(&z);
    if (!quiet) progress_end();
    m->training = 0;
    m->rng = NULL;
    if (mt) metrics_close(mt);
    free(x);
    free(y);
    return loss;
}
