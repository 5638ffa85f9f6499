/* train.c -- the training loop and evaluation. See train.h. */
#include "seq2seq/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matmul.h"
#include "metrics.h"
#include "optim.h"
#include "util.h"

/* ------------------------------------------------------------ evaluation */

/* Teacher-forced mean loss (no dropout, no smoothing), weighted by tokens. */
double s2s_eval_loss(S2sModel *m, const S2sPairs *p, int batch, long *tokens) {
    S2sBatches bs;
    s2s_batches_make(&bs, p, batch, 0, NULL);
    S2sActs a;
    s2s_acts_build(&a, m, bs.max_S, bs.max_T, bs.max_B, 0);
    double nats = 0.0;
    long count = 0;
    for (int i = 0; i < bs.nbatches; i++) {
        const S2sBatch *b = &bs.batch[i];
        long n = 0;
        for (int k = 0; k < b->T * b->B; k++) n += b->tgt_out[k] != VOCAB_PAD;
        nats += s2s_forward(m, &a, b, 0.0f, 0, 1.0f) * (double)n;
        count += n;
    }
    s2s_acts_free(&a);
    s2s_batches_free(&bs);
    if (tokens) *tokens = count;
    return count ? nats / (double)count : 0.0;
}

void s2s_eval_decode(S2sModel *m, const S2sPairs *p, int n, const Vocab *tgt_v, S2sTokens tokens, int K,
                     float alpha, int max_len, int batch, S2sScores *sc, char **hyps) {
    if (n <= 0 || n > p->n) n = p->n;
    S2sTranslator tr;
    s2s_translator_build(&tr, m, batch, s2s_longest_source(p, n), K, max_len);
    char **out = xcalloc((size_t)n, sizeof *out);
    double t0 = now_seconds();
    for (int i0 = 0; i0 < n; i0 += batch) {
        int nb = n - i0 < batch ? n - i0 : batch;
        s2s_translate(m, &tr, p->src + i0, p->src_len + i0, nb, alpha);
        for (int b = 0; b < nb; b++) {
            const BeamHyp *h = beam_best(tr.bs, b);
            out[i0 + b] = s2s_detokenize(tgt_v, h->tokens, h->len, tokens);
        }
    }
    sc->secs = now_seconds() - t0;
    s2s_score_outputs((const char *const *)out, p, n, tokens, sc);
    for (int i = 0; i < n; i++) {
        if (hyps) hyps[i] = out[i];
        else free(out[i]);
    }
    free(out);
    s2s_translator_free(&tr);
}

/* ------------------------------------------------------------ training */

void s2s_train_defaults(S2sTrainOptions *o) {
    memset(o, 0, sizeof *o);
    o->task = (S2sTaskOptions){ .task = S2S_TASK_DATES, .dates_train = S2S_DATES_TRAIN_PAIRS, .dates_eval = S2S_DATES_EVAL_PAIRS,
                                .min_count = 1 };
    o->model = (S2sConfig){
        .enc = { .cell = RNN_GRU, .E = 32, .H = 64, .L = 1, .bidir = 1 },
        .dec = { .cell = RNN_GRU, .E = 32, .H = 64, .L = 1, .A = 64, .attn = S2S_ATTN_BAHDANAU },
    };
    o->init_range = 0.08f;
    o->batch = 64;
    o->epochs = 10;
    o->lr = 1e-3f;
    o->clip = 1.0f;
    o->tf_ratio = 1.0f;
    o->beam = 5;
    o->alpha = 0.0f;
    o->decode_max_len = 50;
    o->seed = 1;
    o->threads = 2;
    o->out = "runs/seq2seq/dates";
}

static void write_run_config(const S2sTrainOptions *o, const S2sModel *m, const S2sData *d) {
    RunConfig *c = config_begin(o->out);
    char text[1024];
    s2s_config_text(&m->cfg, text, sizeof text);   /* its first line is task=... */
    config_lines(c, text);
    config_int(c, "params", (long long)params_count(&m->pt));
    config_int(c, "train_pairs", d->split[SPLIT_TRAIN].n);
    config_int(c, "batch", o->batch);
    config_int(c, "epochs", o->epochs);
    config_num(c, "lr", o->lr);
    config_num(c, "clip", o->clip);
    config_num(c, "teacher_forcing", o->tf_ratio);
    config_num(c, "label_smoothing", o->smoothing);
    config_int(c, "train_max_words", o->task.train_max_words);
    config_int(c, "seed", (long long)o->seed);
    config_int(c, "threads", o->threads);
    config_end(c);
}

typedef struct {
    double loss, ppl, bleu, exact;
} EpochScores;

static EpochScores validate(S2sModel *m, const S2sData *d, const S2sTrainOptions *o) {
    EpochScores e;
    e.loss = s2s_eval_loss(m, &d->split[SPLIT_VALID], o->batch, NULL);
    e.ppl = exp(e.loss);
    S2sScores sc;
    s2s_eval_decode(m, &d->split[SPLIT_VALID], o->valid_bleu, d->tgt_v, d->tokens, 1, 0.0f, o->decode_max_len,
                    o->batch, &sc, NULL);
    e.bleu = sc.bleu;
    e.exact = sc.exact;
    return e;
}

static void report_test(S2sModel *m, const S2sData *d, const S2sTrainOptions *o, double train_secs) {
    const S2sPairs *test = &d->split[SPLIT_TEST];
    long tokens;
    double loss = s2s_eval_loss(m, test, o->batch, &tokens);
    S2sScores greedy, beam;
    s2s_eval_decode(m, test, 0, d->tgt_v, d->tokens, 1, 0.0f, o->decode_max_len, o->batch, &greedy, NULL);
    if (o->beam > 1)
        s2s_eval_decode(m, test, 0, d->tgt_v, d->tokens, o->beam, o->alpha, o->decode_max_len, o->batch, &beam,
                        NULL);
    else
        beam = greedy;
    s2s_result_test(S2S_STAGE, s2s_attention_name(m->cfg.dec.attn), d, tokens, loss, &greedy, o->beam, &beam,
                    params_count(&m->pt), train_secs);
}

/* The validation loss of the weights a resumed run kept as its best. */
static double best_valid_loss(const char *best_dir, const S2sData *d, const S2sTrainOptions *o) {
    S2sModel best;
    Vocab *sv, *tv;
    s2s_load(&best, &sv, &tv, best_dir, NULL, 0);
    double loss = s2s_eval_loss(&best, &d->split[SPLIT_VALID], o->batch, NULL);
    vocab_free(sv);
    vocab_free(tv);
    s2s_model_free(&best);
    return loss;
}

int s2s_train(S2sTrainOptions *o) {
    set_threads(o->threads);
    S2sData d;
    s2s_data_load(&d, &o->task, NULL, NULL, o->seed);
    o->model.tokens = d.tokens;
    snprintf(o->model.task, sizeof o->model.task, "%s", d.name);
    o->model.enc.V = d.src_v->size;
    o->model.dec.V = d.tgt_v->size;
    S2sModel m;
    long step = 0;
    int first_epoch = 0;
    if (o->resume) {
        Vocab *sv, *tv;
        s2s_load(&m, &sv, &tv, o->out, &step, 1);
        if (sv->size != d.src_v->size || tv->size != d.tgt_v->size)
            die("'%s': the saved vocabularies (%d, %d tokens) are not this task's (%d, %d)", o->out, sv->size,
                tv->size, d.src_v->size, d.tgt_v->size);
        vocab_free(sv);
        vocab_free(tv);
    } else {
        s2s_model_build(&m, &o->model);
        Rng init;
        rng_seed(&init, o->seed, 7);
        s2s_model_init_uniform(&m, o->init_range, &init);
    }
    const S2sPairs *train = &d.split[SPLIT_TRAIN];
    int batches_per_epoch = (train->n + o->batch - 1) / o->batch;
    first_epoch = (int)(step / batches_per_epoch);
    /* The batches are cut once and reshuffled in place each epoch (each
     * epoch's order comes from its own generator stream, so a resumed run
     * sees the same order); their largest shapes size the activations. */
    Rng shuffle;
    rng_seed(&shuffle, o->seed, 100 + (uint64_t)first_epoch);
    S2sBatches bs;
    s2s_batches_make(&bs, train, o->batch, o->max_len, &shuffle);
    S2sActs a;
    s2s_acts_build(&a, &m, bs.max_S, bs.max_T, o->batch, o->seed);
    AdamConfig adam = { .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f };
    const char *columns = "step epoch split loss ppl bleu exact lr grad_norm tok_per_s elapsed_s";
    Metrics *mt = o->resume ? metrics_resume(o->out, columns, step) : metrics_create(o->out, columns);
    write_run_config(o, &m, &d);
    if (!o->quiet)
        fprintf(stderr, "seq2seq: %s, %s attention, %zu parameters, %d training pairs, %d batches per epoch\n",
                d.name, s2s_attention_name(m.cfg.dec.attn), params_count(&m.pt), train->n, batches_per_epoch);
    char best_dir[4096];
    snprintf(best_dir, sizeof best_dir, "%s/best", o->out);
    double best_loss = INFINITY, t0 = now_seconds();
    long total_steps = o->steps > 0 ? o->steps : (long)o->epochs * batches_per_epoch;
    if (o->resume && path_exists(best_dir)) best_loss = best_valid_loss(best_dir, &d, o);
    for (int epoch = first_epoch; step < total_steps; epoch++) {
        char label[32];
        snprintf(label, sizeof label, "epoch %d", epoch + 1);
        if (!o->quiet) progress_start(batches_per_epoch, label);
        if (epoch > first_epoch) {
            rng_seed(&shuffle, o->seed, 100 + (uint64_t)epoch);
            s2s_batches_shuffle(&bs, train, &shuffle);
        }
        double window = 0.0, tokens = 0.0, grad_norm = 0.0, te = now_seconds();
        int nb = 0;
        for (int i = 0; i < bs.nbatches && step < total_steps; i++, nb++) {
            const S2sBatch *b = &bs.batch[i];
            params_zero_grad(&m.pt);
            window += s2s_forward(&m, &a, b, o->smoothing, 1, o->tf_ratio);
            s2s_backward(&m, &a);
            grad_norm += clip_grad_norm(&m.pt, o->clip);
            adam_step(&m.pt, &adam, o->lr, (int)++step);
            for (int k = 0; k < b->T * b->B; k++) tokens += b->tgt_out[k] != VOCAB_PAD;
            if (!o->quiet) progress_update(nb + 1, window / (nb + 1), tokens / (now_seconds() - te));
        }
        if (!o->quiet) progress_end();
        metrics_str(mt, "split", "train");
        metrics_num(mt, "step", (double)step);
        metrics_num(mt, "epoch", epoch + 1);
        metrics_num(mt, "loss", window / nb);
        metrics_num(mt, "ppl", exp(window / nb));
        metrics_num(mt, "lr", o->lr);
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
        if (!o->quiet) {
            fprintf(stderr, "epoch %d: train loss %.4f, valid loss %.4f ppl %.2f bleu %.2f exact %.1f%%\n",
                    epoch + 1, window / nb, v.loss, v.ppl, v.bleu, v.exact * 100.0);
        }
        s2s_save(&m, d.src_v, d.tgt_v, o->out, step, 1);
        if (v.loss < best_loss) {
            best_loss = v.loss;
            s2s_save(&m, d.src_v, d.tgt_v, best_dir, step, 0);
        }
    }
    double train_secs = now_seconds() - t0;
    metrics_close(mt);
    metrics_plot(o->out);
    s2s_batches_free(&bs);
    s2s_acts_free(&a);
    s2s_model_free(&m);
    /* The test scores are the best validation epoch's, as the tutorials report them. */
    Vocab *sv, *tv;
    s2s_load(&m, &sv, &tv, path_exists(best_dir) ? best_dir : o->out, NULL, 0);
    vocab_free(sv);
    vocab_free(tv);
    report_test(&m, &d, o, train_secs);
    s2s_model_free(&m);
    s2s_data_free(&d);
    return 0;
}
