/* train.c -- the Transformer's training loop and evaluation. See train.h. */
#include "transformer/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "matmul.h"
#include "metrics.h"
#include "optim.h"
#include "s2s_cli.h"
#include "util.h"

/* ------------------------------------------------------------ evaluation */

static long target_tokens(const S2sBatch *b) {
    long n = 0;
    for (int k = 0; k < b->T * b->B; k++) n += b->tgt_out[k] != VOCAB_PAD;
    return n;
}

double tf_eval_loss(TfModel *m, const S2sPairs *p, int batch, long *tokens) {
    S2sBatches bs;
    s2s_batches_make(&bs, p, batch, 0, NULL);
    TfActs *a = tf_acts_build(m, bs.max_B, bs.max_S, bs.max_T, 0);
    double nats = 0.0;
    long count = 0;
    for (int i = 0; i < bs.nbatches; i++) {
        const S2sBatch *b = &bs.batch[i];
        long n = target_tokens(b);
        nats += tf_forward(m, a, b, 0.0f, 0) * (double)n;
        count += n;
    }
    tf_acts_free(a);
    s2s_batches_free(&bs);
    if (tokens) *tokens = count;
    return count ? nats / (double)count : 0.0;
}

void tf_eval_decode(TfModel *m, const S2sPairs *p, int n, const Vocab *tgt_v, int K, float alpha, int max_len,
                    int batch, S2sScores *sc, char **hyps) {
    if (n <= 0 || n > p->n) n = p->n;
    if (max_len > m->cfg.max_pos) max_len = m->cfg.max_pos;   /* the decoder has no position beyond */
    TfTranslator *tr = tf_translator_build(m, batch, s2s_longest_source(p, n), K, max_len);
    char **out = xcalloc((size_t)n, sizeof *out);
    double t0 = now_seconds();
    for (int i0 = 0; i0 < n; i0 += batch) {
        int nb = n - i0 < batch ? n - i0 : batch;
        tf_translate(m, tr, p->src + i0, p->src_len + i0, nb, alpha);
        for (int b = 0; b < nb; b++) {
            const BeamHyp *h = beam_best(tf_translator_beam(tr), b);
            out[i0 + b] = s2s_detokenize(tgt_v, h->tokens, h->len, m->cfg.tokens);
        }
    }
    sc->secs = now_seconds() - t0;
    s2s_score_outputs((const char *const *)out, p, n, m->cfg.tokens, sc);
    for (int i = 0; i < n; i++) {
        if (hyps) hyps[i] = out[i];
        else free(out[i]);
    }
    free(out);
    tf_translator_free(tr);
}

/* ------------------------------------------------------------ training */

void tf_train_defaults(TfTrainOptions *o) {
    memset(o, 0, sizeof *o);
    o->task = (S2sTaskOptions){ .task = S2S_TASK_DATES, .dates_train = S2S_DATES_TRAIN_PAIRS, .dates_eval = S2S_DATES_EVAL_PAIRS,
                                .min_count = 1 };
    o->model = (TfConfig){ .d = 64, .heads = 4, .ff = 128, .enc_layers = 2, .dec_layers = 2,
                           .pos = TF_POS_SINUSOID, .norm = TF_POST_LN, .dropout = 0.1f };
    o->batch = 64;
    o->epochs = 10;
    o->lr = 5e-4f;
    o->schedule = TF_SCHED_CONSTANT;
    o->warmup = 4000;
    o->beta1 = 0.9f;
    o->beta2 = 0.98f;
    o->eps = 1e-9f;
    o->clip = 1.0f;
    o->beam = 5;
    o->decode_max_len = 50;
    o->seed = 1;
    o->threads = 2;
    o->out = "runs/transformer/dates";
}

float tf_learning_rate(const TfTrainOptions *o, long step) {
    if (o->schedule == TF_SCHED_CONSTANT) return o->lr;
    /* eq. 3 peaks at step + 1 = warmup with d^-0.5 warmup^-0.5: scale that to lr */
    float factor = o->lr * sqrtf((float)o->model.d) * sqrtf((float)o->warmup);
    return lr_noam(step, o->model.d, o->warmup, factor);
}

/* The longest sentence of the three splits, in positions: a source, or a
 * target with its BOS (the decoder's input). */
static int longest_position(const S2sData *d) {
    int P = 1;
    for (int s = 0; s < 3; s++) {
        const S2sPairs *p = &d->split[s];
        for (int i = 0; i < p->n; i++) {
            if (p->src_len[i] > P) P = p->src_len[i];
            if (p->tgt_len[i] + 1 > P) P = p->tgt_len[i] + 1;
        }
    }
    return P;
}

static void write_run_config(const TfTrainOptions *o, const TfModel *m, const S2sData *d) {
    RunConfig *c = config_begin(o->out);
    char text[2048];
    tf_config_text(&m->cfg, text, sizeof text);
    config_lines(c, text);
    config_int(c, "params", (long long)params_count(&m->pt));
    config_int(c, "train_pairs", d->split[SPLIT_TRAIN].n);
    config_int(c, "joint_vocab", o->task.joint_vocab);
    config_int(c, "batch", o->batch);
    config_int(c, "epochs", o->epochs);
    config_int(c, "steps", o->steps);
    config_str(c, "schedule", o->schedule == TF_SCHED_NOAM ? "noam" : "constant");
    config_num(c, "lr", o->lr);
    config_int(c, "warmup", o->warmup);
    config_num(c, "adam_beta1", o->beta1);
    config_num(c, "adam_beta2", o->beta2);
    config_num(c, "adam_eps", o->eps);
    config_num(c, "clip", o->clip);
    config_num(c, "label_smoothing", o->smoothing);
    config_int(c, "average", o->average);
    config_int(c, "train_max_words", o->task.train_max_words);
    config_int(c, "seed", (long long)o->seed);
    config_int(c, "threads", o->threads);
    config_end(c);
}

typedef struct {
    double loss, ppl, bleu, exact;
} EpochScores;

static EpochScores validate(TfModel *m, const S2sData *d, const TfTrainOptions *o) {
    EpochScores e;
    e.loss = tf_eval_loss(m, &d->split[SPLIT_VALID], o->batch, NULL);
    e.ppl = exp(e.loss);
    S2sScores sc;
    tf_eval_decode(m, &d->split[SPLIT_VALID], o->valid_bleu, d->tgt_v, 1, 0.0f, o->decode_max_len, o->batch, &sc,
                   NULL);
    e.bleu = sc.bleu;
    e.exact = sc.exact;
    return e;
}

static void report_test(TfModel *m, const S2sData *d, const TfTrainOptions *o, double train_secs) {
    const S2sPairs *test = &d->split[SPLIT_TEST];
    long tokens;
    double loss = tf_eval_loss(m, test, o->batch, &tokens);
    S2sScores greedy, beam;
    tf_eval_decode(m, test, 0, d->tgt_v, 1, 0.0f, o->decode_max_len, o->batch, &greedy, NULL);
    if (o->beam > 1)
        tf_eval_decode(m, test, 0, d->tgt_v, o->beam, o->alpha, o->decode_max_len, o->batch, &beam, NULL);
    else
        beam = greedy;
    s2s_result_test(TF_STAGE, "transformer", d, tokens, loss, &greedy, o->beam, &beam, params_count(&m->pt),
                    train_secs);
}

/* OUT/epochs/N: epoch N's weights, kept for averaging (--average). */
static void epoch_dir(char *buf, size_t n, const char *out, int epoch) {
    snprintf(buf, n, "%s/epochs/%d", out, epoch);
}

/* Keep epoch `epoch`'s weights and drop those that fell out of the window. */
static void keep_epoch(const TfModel *m, const S2sData *d, const TfTrainOptions *o, int epoch, long step) {
    char dir[4096], file[4200];
    epoch_dir(dir, sizeof dir, o->out, epoch);
    tf_save(m, d->src_v, d->tgt_v, dir, step, 0);
    epoch_dir(dir, sizeof dir, o->out, epoch - o->average);
    if (!path_exists(dir)) return;
    static const char *const files[] = { "model.ckpt", "src_vocab.txt", "tgt_vocab.txt" };
    for (int i = 0; i < 3; i++) {
        path_join(file, sizeof file, dir, files[i]);
        remove(file);
    }
    if (rmdir(dir) != 0) die("cannot remove '%s' (does it hold other files?)", dir);
}

/* The mean of the last `average` epochs' weights, up to epoch `last`, into
 * m, saved to OUT/average; its validation loss is printed. */
static void average_epochs(TfModel *m, const S2sData *d, const TfTrainOptions *o, int last) {
    int first = last - o->average + 1 > 1 ? last - o->average + 1 : 1;
    char paths[64][4096];
    const char *dirs[64];
    int n = 0;
    for (int e = first; e <= last && n < 64; e++) {
        epoch_dir(paths[n], sizeof paths[n], o->out, e);
        if (path_exists(paths[n])) dirs[n] = paths[n], n++;
    }
    Vocab *sv, *tv;
    long step;
    tf_load_average(m, &sv, &tv, dirs, n, &step);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/average", o->out);
    tf_save(m, sv, tv, dir, step, 0);
    vocab_free(sv);
    vocab_free(tv);
    printf("the mean of epochs %d-%d (%d checkpoints): valid loss %.4f, in %s\n", first, last, n,
           tf_eval_loss(m, &d->split[SPLIT_VALID], o->batch, NULL), dir);
}

/* The validation loss of the weights a resumed run kept as its best. */
static double best_valid_loss(const char *best_dir, const S2sData *d, const TfTrainOptions *o) {
    TfModel best;
    Vocab *sv, *tv;
    tf_load(&best, &sv, &tv, best_dir, NULL, 0);
    double loss = tf_eval_loss(&best, &d->split[SPLIT_VALID], o->batch, NULL);
    vocab_free(sv);
    vocab_free(tv);
    tf_model_free(&best);
    return loss;
}

/* The elapsed_s of the last row a resumed run kept (its last column), so the
 * wall-clock times go on from there; 0 when there is none. */
static double resumed_elapsed(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/metrics.tsv", dir);
    if (!path_exists(path)) return 0.0;
    size_t len;
    char *text = read_file(path, &len);
    while (len > 0 && text[len - 1] == '\n') text[--len] = '\0';
    char *row = strrchr(text, '\n'), *tab = strrchr(text, '\t');
    double secs = row && tab && tab > row ? strtod(tab + 1, NULL) : 0.0;
    free(text);
    return secs;
}

/* A new model of o->model's shape, sized for d's vocabularies and sentences. */
static void new_model(TfModel *m, TfTrainOptions *o, const S2sData *d) {
    o->model.tokens = d->tokens;
    snprintf(o->model.task, sizeof o->model.task, "%s", d->name);
    o->model.src_V = d->src_v->size;
    o->model.tgt_V = d->tgt_v->size;
    int longest = longest_position(d);
    if (o->model.max_pos == 0) o->model.max_pos = longest;
    else if (o->model.max_pos < longest)
        die("the task has a sentence of %d positions (source, or target + BOS): --max-pos %d is too small",
            longest, o->model.max_pos);
    tf_model_build(m, &o->model);
    Rng init;
    rng_seed(&init, o->seed, 7);
    tf_model_init(m, &init);
}

int tf_train(TfTrainOptions *o) {
    set_threads(o->threads);
    TfModel m;
    long step = 0;
    Vocab *saved_src = NULL, *saved_tgt = NULL;
    if (o->resume) {
        /* the saved model's shape, not the options', goes on training */
        tf_load(&m, &saved_src, &saved_tgt, o->out, &step, 1);
        o->model = m.cfg;
    }
    /* one embedding table for both sides needs one vocabulary for both */
    if (o->model.share_emb) o->task.joint_vocab = 1;
    S2sData d;
    s2s_data_load(&d, &o->task, NULL, NULL, o->seed);
    if (o->resume) {
        if (saved_src->size != d.src_v->size || saved_tgt->size != d.tgt_v->size)
            die("'%s': the saved vocabularies (%d, %d tokens) are not this task's (%d, %d)", o->out,
                saved_src->size, saved_tgt->size, d.src_v->size, d.tgt_v->size);
        vocab_free(saved_src);
        vocab_free(saved_tgt);
    } else {
        new_model(&m, o, &d);
    }
    static const char *const split_names[3] = { "train", "valid", "test" };
    for (int s = 0; s < 3; s++) s2s_check_lengths(&d.split[s], m.cfg.max_pos, split_names[s]);
    const S2sPairs *train = &d.split[SPLIT_TRAIN];
    int batches_per_epoch = (train->n + o->batch - 1) / o->batch;
    int first_epoch = (int)(step / batches_per_epoch);
    /* The batches are cut once and reshuffled in place each epoch (each
     * epoch's order comes from its own generator stream, so a resumed run
     * sees the same order); their largest shapes size the activations. */
    Rng shuffle;
    rng_seed(&shuffle, o->seed, 100 + (uint64_t)first_epoch);
    S2sBatches bs;
    s2s_batches_make(&bs, train, o->batch, o->max_len, &shuffle);
    /* a resumed run draws other dropout masks than the first epochs did */
    TfActs *a = tf_acts_build(&m, o->batch, bs.max_S, bs.max_T, o->seed + (uint64_t)step);
    AdamConfig adam = { .beta1 = o->beta1, .beta2 = o->beta2, .eps = o->eps };
    const char *columns = "step epoch split loss ppl bleu exact lr grad_norm tok_per_s elapsed_s";
    Metrics *mt = o->resume ? metrics_resume(o->out, columns, step) : metrics_create(o->out, columns);
    write_run_config(o, &m, &d);
    if (!o->quiet)
        fprintf(stderr, "transformer: %s, %d+%d layers of d %d, %d heads, FFN %d, %zu parameters, %d training "
                "pairs, %d batches per epoch\n", d.name, m.cfg.enc_layers, m.cfg.dec_layers, m.cfg.d, m.cfg.heads,
                m.cfg.ff, params_count(&m.pt), train->n, batches_per_epoch);
    char best_dir[4096];
    snprintf(best_dir, sizeof best_dir, "%s/best", o->out);
    double best_loss = INFINITY, t0 = now_seconds() - (o->resume ? resumed_elapsed(o->out) : 0.0);
    long total_steps = o->steps > 0 ? o->steps : (long)o->epochs * batches_per_epoch;
    if (o->resume && path_exists(best_dir)) best_loss = best_valid_loss(best_dir, &d, o);
    int last_epoch = first_epoch;
    for (int epoch = first_epoch; step < total_steps; epoch++) {
        char label[32];
        snprintf(label, sizeof label, "epoch %d", epoch + 1);
        if (!o->quiet) progress_start(batches_per_epoch, label);
        if (epoch > first_epoch) {
            rng_seed(&shuffle, o->seed, 100 + (uint64_t)epoch);
            s2s_batches_shuffle(&bs, train, &shuffle);
        }
        double window = 0.0, tokens = 0.0, grad_norm = 0.0, te = now_seconds();
        float lr = o->lr;
        int nb = 0;
        for (int i = 0; i < bs.nbatches && step < total_steps; i++, nb++) {
            const S2sBatch *b = &bs.batch[i];
            params_zero_grad(&m.pt);
            window += tf_forward(&m, a, b, o->smoothing, 1);
            tf_backward(&m, a);
            grad_norm += clip_grad_norm(&m.pt, o->clip);
            lr = tf_learning_rate(o, step);
            adam_step(&m.pt, &adam, lr, (int)++step);
            tokens += (double)target_tokens(b);
            if (!o->quiet) progress_update(nb + 1, window / (nb + 1), tokens / (now_seconds() - te));
        }
        if (!o->quiet) progress_end();
        metrics_str(mt, "split", "train");
        metrics_num(mt, "step", (double)step);
        metrics_num(mt, "epoch", epoch + 1);
        metrics_num(mt, "loss", window / nb);
        metrics_num(mt, "ppl", exp(window / nb));
        metrics_num(mt, "lr", lr);
        metrics_num(mt, "grad_norm", grad_norm / nb);
        metrics_num(mt, "tok_per_s", tokens / (now_seconds() - te));
        metrics_num(mt, "elapsed_s", now_seconds() - t0);
        metrics_write(mt);
        EpochScores v = validate(&m, &d, o);
        metrics_str(mt, "split", "valid");
        metrics_num(mt, "step", (double)step);
        metrics_num(mt, "epoch", epoch + 1);
        metrics_num(mt, "loss", v.loss);
        metrics_num(mt, "ppl", v.ppl);
        metrics_num(mt, "bleu", v.bleu);
        metrics_num(mt, "exact", v.exact * 100.0);
        metrics_num(mt, "elapsed_s", now_seconds() - t0);
        metrics_write(mt);
        if (!o->quiet)
            fprintf(stderr, "epoch %d: train loss %.4f, valid loss %.4f ppl %.2f bleu %.2f exact %.1f%% (%.0f s)\n",
                    epoch + 1, window / nb, v.loss, v.ppl, v.bleu, v.exact * 100.0, now_seconds() - t0);
        tf_save(&m, d.src_v, d.tgt_v, o->out, step, 1);
        if (o->average > 0) keep_epoch(&m, &d, o, epoch + 1, step);
        last_epoch = epoch + 1;
        if (v.loss < best_loss) {
            best_loss = v.loss;
            tf_save(&m, d.src_v, d.tgt_v, best_dir, step, 0);
        }
    }
    double train_secs = now_seconds() - t0;
    metrics_close(mt);
    metrics_plot(o->out);
    s2s_batches_free(&bs);
    tf_acts_free(a);
    tf_model_free(&m);
    /* The test scores are the best validation epoch's, as the tutorial
     * reports them, or with --average the mean of the last epochs' weights. */
    if (o->average > 0) {
        average_epochs(&m, &d, o, last_epoch);
    } else {
        Vocab *sv, *tv;
        tf_load(&m, &sv, &tv, path_exists(best_dir) ? best_dir : o->out, NULL, 0);
        vocab_free(sv);
        vocab_free(tv);
    }
    report_test(&m, &d, o, train_secs);
    tf_model_free(&m);
    s2s_data_free(&d);
    return 0;
}
