/* rnnlm_train.c -- Mikolov's online training of the RNNLM. See rnnlm.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "metrics.h"
#include "rnn/lm_train.h"
#include "rnn/rnnlm.h"
#include "util.h"

void rnnlm_train_defaults(RnnlmTrainOptions *o) {
    memset(o, 0, sizeof *o);
    o->model = (RnnlmConfig){ .V = 0, .H = 400, .C = 100 };
    o->sqrt_classes = 0;
    o->bptt = 4; o->block = 10;
    o->lr = 0.1; o->beta = 1e-7;
    o->stop_gain = RNN_PLATEAU_MIN_GAIN;
    o->epochs = 50;
    o->seed = 1;
    o->out = "runs/rnn/rnnlm";
}

void rnnlm_count_words(long *counts, int V, const int *stream, size_t n) {
    memset(counts, 0, (size_t)V * sizeof(long));
    for (size_t t = 1; t < n; t++) counts[stream[t]]++;
}

/* ------------------------------------------------------------ the window of BPTT */

/*
 * The last steps the next BPTT reaches back through: block new words and the
 * bptt - 1 before them (so the oldest word of a block still goes back bptt
 * steps; the toolkit's loop stops one step shorter). Allocated once.
 */
typedef struct {
    int cap, n;       /* steps it can hold (bptt + block - 1), steps held */
    int keep;         /* steps kept after a BPTT (bptt - 1) */
    int *word;        /* (cap) the word step k read */
    double *s;        /* (cap+1, H) s[k] before step k, s[k+1] after it */
    double *ds;       /* (cap, H) dL/ds[k+1] from step k's output; 0 once backpropagated */
    double *dz;       /* (cap, H) BPTT's pre-activation gradients */
    double *carry;    /* (H) */
} Window;

static void window_build(Window *w, int bptt, int block, int H) {
    w->cap = bptt + block - 1;
    w->keep = bptt - 1;
    w->n = 0;
    w->word = xcalloc((size_t)w->cap, sizeof(int));
    w->s = xcalloc((size_t)(w->cap + 1) * H, sizeof(double));
    w->ds = xcalloc((size_t)w->cap * H, sizeof(double));
    w->dz = xcalloc((size_t)w->cap * H, sizeof(double));
    w->carry = xcalloc((size_t)H, sizeof(double));
}

static void window_free(Window *w) {
    free(w->word); free(w->s); free(w->ds); free(w->dz); free(w->carry);
}

/* The state a pass starts from (s = 0.1), no steps held. */
static void window_reset(Window *w, const Rnnlm *m, RnnlmStep *st) {
    rnnlm_reset(m, st);
    memcpy(w->s, st->s, (size_t)m->cfg.H * sizeof(double));
    w->n = 0;
}

/* Shrink a weight block by (1 - lr beta): the L2 penalty's step. */
static void shrink(double *x, size_t n, double factor) {
    for (size_t i = 0; i < n; i++) x[i] *= factor;
}

/* BPTT through the held steps into U and W (an SGD step of rate lr), then
 * keep only the last `keep` steps, their output gradients spent. */
static void window_backprop(Window *w, Rnnlm *m, double lr, int regularise, double beta) {
    int H = m->cfg.H;
    if (w->n == 0) return;
    rnnlm_bptt(m, m->U, m->W, w->word, w->s, w->ds, w->n, w->dz, w->carry, -lr);
    if (regularise) shrink(m->W, (size_t)H * H, 1.0 - lr * beta);
    memset(w->ds, 0, (size_t)w->n * H * sizeof(double));
    int drop = w->n > w->keep ? w->n - w->keep : 0;
    if (drop == 0) return;
    w->n -= drop;
    memmove(w->word, w->word + drop, (size_t)w->n * sizeof(int));
    memmove(w->s, w->s + (size_t)drop * H, (size_t)(w->n + 1) * H * sizeof(double));
}

/* ------------------------------------------------------------ one epoch */

/*
 * One online pass over stream[0..n): for each word, the state moves on, the
 * output weights take their step, and every `block` words BPTT updates U
 * and W. Returns the mean training nats per word (before each word's update).
 *
 * Nine words in ten neither backpropagate through time nor take the L2 step,
 * so U and W stay put and the next word's state is known before this word's
 * output step: rnnlm_output_step then does the step and the next word's
 * output forward in one sweep over the rows, the same arithmetic in fewer
 * reads of memory.
 */
static double train_epoch(Rnnlm *m, RnnlmStep *st, Window *w, const int *stream, size_t n,
                          const RnnlmTrainOptions *o, double lr, int quiet) {
    int H = m->cfg.H;
    double nats = 0.0, t0 = now_seconds(), ahead = NAN;   /* ahead: this word's loss, when already computed */
    long since_bptt = 0;
    window_reset(w, m, st);
    if (!quiet) progress_start((long)(n - 1), "words");
    for (size_t t = 0; t + 1 < n; t++) {
        /* ---- one word: no allocation from here ... */
        int k = w->n, next = stream[t + 1];
        double *s_prev = w->s + (size_t)k * H, *s = s_prev + H, *ds = w->ds + (size_t)k * H;
        w->word[k] = stream[t];
        double loss = ahead;
        if (isnan(ahead)) {
            rnnlm_hidden_forward(m, s, s_prev, stream[t]);
            loss = rnnlm_output_forward(m, st, s, next);
        }
        if (!isfinite(loss)) die("rnnlm: loss is %g at word %zu: lower --lr", loss, t);
        nats += loss;
        w->n++;
        /* the toolkit's L2 step, every tenth word, on the output weights it touched */
        int regularise = o->beta > 0.0 && (t + 1) % 10 == 0, backprop = ++since_bptt == o->block;
        if (!regularise && !backprop && t + 2 < n) {
            rnnlm_hidden_forward(m, s + H, s, next);   /* the next word's state: U and W stay put */
            ahead = rnnlm_output_step(m, st, ds, s, next, lr, s + H, stream[t + 2]);
        } else {
            ahead = NAN;
            rnnlm_output_backward(m, st, ds, m->X, m->Y, s, next, -lr);
            if (regularise) {
                int c = m->cls[next];
                shrink(m->X, (size_t)m->cfg.C * H, 1.0 - lr * o->beta);
                shrink(m->Y + (size_t)m->class_first[c] * H,
                       (size_t)(m->class_first[c + 1] - m->class_first[c]) * H, 1.0 - lr * o->beta);
            }
            if (backprop) {
                window_backprop(w, m, lr, regularise, o->beta);
                since_bptt = 0;
            }
        }
        /* ---- ... to here */
        if (!quiet && (t + 1) % 1000 == 0)
            progress_update((long)t + 1, nats / (double)(t + 1), (double)(t + 1) / (now_seconds() - t0 + 1e-9));
    }
    window_backprop(w, m, lr, 0, o->beta);   /* the last, partial block */
    if (!quiet) progress_end();
    return nats / (double)(n - 1);
}

/* ------------------------------------------------------------ the run */

static void write_config(const RnnlmTrainOptions *o, const RnnlmConfig *c, size_t train_words) {
    RunConfig *rc = config_begin(o->out);
    config_str(rc, "model", "rnnlm");
    config_int(rc, "vocab", c->V);
    config_int(rc, "hidden", c->H);
    config_int(rc, "classes", c->C);
    config_str(rc, "class_mass", o->sqrt_classes ? "sqrt-frequency" : "frequency");
    config_int(rc, "bptt", o->bptt);
    config_int(rc, "bptt_block", o->block);
    config_num(rc, "lr", o->lr);
    config_num(rc, "beta", o->beta);
    config_int(rc, "epochs", o->epochs);
    config_int(rc, "seed", (long long)o->seed);
    config_int(rc, "train_tokens", (long long)train_words);
    config_end(rc);
}

#define RNNLM_COLUMNS "epoch words split loss ppl lr words_per_s elapsed_s"

static void log_row(Metrics *log, long epoch, long words, const char *split, double loss, double lr, double wps,
                    double elapsed) {
    metrics_num(log, "epoch", epoch);
    metrics_num(log, "words", words);
    metrics_str(log, "split", split);
    metrics_num(log, "loss", loss);
    metrics_num(log, "ppl", exp(loss));
    metrics_num(log, "lr", lr);
    if (!isnan(wps)) metrics_num(log, "words_per_s", wps);
    metrics_num(log, "elapsed_s", elapsed);
    metrics_write(log);
}

/* ------------------------------------------------------------ resuming */

/*
 * An online run stops and resumes between epochs only. model.ckpt, written
 * after every epoch, holds the kept model, and its config the schedule: the
 * coming rate, the best and the last validation losses, whether halving has
 * begun, the last epoch's gain and whether the run has ended, beside the
 * settings the run must keep. A run the schedule ended goes on when resumed
 * with a smaller --stop-gain that its last epoch's gain passes.
 * Nothing else carries over (each pass starts from s = 0.1, and training
 * draws no random numbers), so a resumed run repeats the one that never
 * stopped bit for bit, at the same thread count.
 */
typedef struct {
    long epoch;           /* epochs done */
    RnnPlateau plateau;
    double last_gain;     /* the last epoch's: previous validation loss / its own */
    int stopped;          /* the schedule has ended the run */
    double elapsed;       /* seconds of training and validation so far */
} RnnlmProgress;

/* The settings a resumed run must share with the one it continues. */
static void format_settings(char *buf, size_t n, const RnnlmTrainOptions *o, size_t n_train, size_t n_eval) {
    snprintf(buf, n, "class_mass=%s\nbptt=%d\nbptt_block=%d\nstart_lr=%.9g\nbeta=%.9g\ntrain_words=%zu\nvalid_words=%zu\n",
             o->sqrt_classes ? "sqrt-frequency" : "frequency", o->bptt, o->block, o->lr, o->beta, n_train - 1,
             n_eval - 1);
}

/* The settings, then the schedule: the training state model.ckpt keeps. */
static void format_state(char *buf, size_t n, const RnnlmTrainOptions *o, size_t n_train, size_t n_eval,
                         const RnnlmProgress *p) {
    format_settings(buf, n, o, n_train, n_eval);
    size_t used = strlen(buf);
    snprintf(buf + used, n - used,
             "epoch=%ld\nnext_lr=%.17g\nbest_valid=%.17g\nprev_valid=%.17g\nhalving=%d\nlast_gain=%.17g\n"
             "stopped=%d\nelapsed_s=%.17g\n",
             p->epoch, p->plateau.lr, p->plateau.best, p->plateau.prev, p->plateau.halving, p->last_gain, p->stopped,
             p->elapsed);
}

/* Load out/model.ckpt and its schedule into m and p, or die saying why. */
static void resume_run(Rnnlm *m, const Vocab *vocab, const RnnlmTrainOptions *o, size_t n_train, size_t n_eval,
                       RnnlmProgress *p) {
    Vocab *saved;
    char *cfg, settings[512];
    rnnlm_load(m, &saved, o->out, &cfg);
    if (saved->size != vocab->size) die("'%s': its vocabulary differs from the corpus's", o->out);
    vocab_free(saved);
    if (config_long(cfg, "epoch", -1) < 0)
        die("'%s' holds no schedule to resume (it was saved without one): start a new run", o->out);
    if (m->cfg.H != o->model.H || m->cfg.C != o->model.C)
        die("'%s' has --hidden %d --classes %d, this run %d and %d: resume with the run's options", o->out,
            m->cfg.H, m->cfg.C, o->model.H, o->model.C);
    format_settings(settings, sizeof settings, o, n_train, n_eval);
    if (!strstr(cfg, settings))
        die("'%s' comes from a run with other settings or text. It holds\n%sand this run has\n%s"
            "resume with the run's options and corpus", o->out, cfg, settings);
    p->epoch = config_long(cfg, "epoch", 0);
    p->plateau.lr = config_double(cfg, "next_lr", o->lr);
    p->plateau.best = config_double(cfg, "best_valid", INFINITY);
    p->plateau.prev = config_double(cfg, "prev_valid", INFINITY);
    p->plateau.halving = (int)config_long(cfg, "halving", 0);
    p->last_gain = config_double(cfg, "last_gain", 0.0);
    p->stopped = (int)config_long(cfg, "stopped", 0) && p->last_gain < o->stop_gain;
    p->elapsed = config_double(cfg, "elapsed_s", 0.0);
    free(cfg);
}

double rnnlm_train(Rnnlm *m, const Vocab *vocab, const int *train, size_t n_train, const int *valid,
                   size_t n_valid, const RnnlmTrainOptions *o) {
    if (o->bptt < 1 || o->block < 1) die("rnnlm: --bptt and --bptt-block must be at least 1");
    if (!valid) die("rnnlm: the RNNLM's schedule needs a validation split");
    if (o->max_words > 0 && (size_t)o->max_words + 1 < n_train) n_train = (size_t)o->max_words + 1;
    if (n_train < 2) die("rnnlm: the training text needs at least two tokens");
    size_t n_eval = o->eval_tokens > 0 && (size_t)o->eval_tokens + 1 < n_valid ? (size_t)o->eval_tokens + 1 : n_valid;
    RnnlmConfig cfg = o->model;
    cfg.V = vocab->size;
    if (cfg.C > cfg.V) die("rnnlm: --classes %d is more than the %d words of the vocabulary", cfg.C, cfg.V);
    if (!(o->stop_gain >= 1.0)) die("rnnlm: --stop-gain must be at least 1 (got %g)", o->stop_gain);
    RnnlmProgress p = { 0, { o->lr, INFINITY, INFINITY, 0, o->stop_gain }, INFINITY, 0, 0.0 };
    if (o->resume) {
        resume_run(m, vocab, o, n_train, n_eval, &p);
        if (!o->quiet) fprintf(stderr, "rnnlm: resuming %s after epoch %ld\n", o->out, p.epoch);
    } else {
        rnnlm_build(m, &cfg);
        rnnlm_init(m, o->seed);
        long *counts = xmalloc((size_t)cfg.V * sizeof(long));
        rnnlm_count_words(counts, cfg.V, train, n_train);
        rnnlm_bin_classes(m, counts, o->sqrt_classes);
        free(counts);
    }
    write_config(o, &cfg, n_train);
    Metrics *log = o->resume ? metrics_resume_at(o->out, RNNLM_COLUMNS, "epoch", p.epoch)
                             : metrics_create(o->out, RNNLM_COLUMNS);
    if (!o->quiet)
        fprintf(stderr, "rnnlm: V %d, H %d, %d classes (largest %d words), bptt %d, block %d, lr %g, %zu words\n",
                cfg.V, cfg.H, cfg.C, m->max_class, o->bptt, o->block, o->lr, n_train - 1);

    RnnlmStep st;
    rnnlm_step_build(&st, m);
    Window w;
    window_build(&w, o->bptt, o->block, cfg.H);
    /* the kept model: a resumed run starts from it */
    size_t bytes = m->n_weights * sizeof(double);
    double *best = xmalloc(bytes);
    memcpy(best, m->weights, bytes);
    double start = now_seconds() - p.elapsed;
    char state[1024];
    for (long epoch = p.epoch + 1; epoch <= o->epochs && !p.stopped; epoch++) {
        double lr = p.plateau.lr;
        double t0 = now_seconds();
        double train_loss = train_epoch(m, &st, &w, train, n_train, o, lr, o->quiet);
        double seconds = now_seconds() - t0, wps = (double)(n_train - 1) / (seconds > 0 ? seconds : 1e-9);
        long words = epoch * (long)(n_train - 1);
        double valid_loss = rnnlm_evaluate(m, valid, n_eval);
        log_row(log, epoch, words, "train", train_loss, lr, wps, now_seconds() - start);
        log_row(log, epoch, words, "valid", valid_loss, lr, NAN, now_seconds() - start);
        if (!o->quiet)
            fprintf(stderr, "epoch %ld lr %.5g  train ppl %.2f  valid ppl %.2f  (%.0f s, %.0f words/s)\n", epoch, lr,
                    exp(train_loss), exp(valid_loss), seconds, wps);
        int better;
        p.last_gain = p.plateau.prev / valid_loss;
        p.stopped = rnn_plateau_epoch(&p.plateau, valid_loss, &better);
        memcpy(better ? best : m->weights, better ? m->weights : best, bytes);
        if (!o->quiet) rnn_plateau_say(&p.plateau, epoch, better, p.stopped);
        p.epoch = epoch;
        p.elapsed = now_seconds() - start;
        format_state(state, sizeof state, o, n_train, n_eval, &p);
        rnnlm_save(m, vocab, o->out, epoch, state);
    }
    metrics_close(log);
    free(best);
    window_free(&w);
    rnnlm_step_free(&st);
    return p.plateau.best;
}
