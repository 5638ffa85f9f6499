/* lm_train.c -- corpora, training loop, evaluation, sampling. See lm_train.h. */
#include "rnn/lm_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "dist.h"
#include "matmul.h"
#include "metrics.h"
#include "optim.h"
#include "util.h"

/* ------------------------------------------------------------ corpora */

int *rnn_lm_encode_text(const Vocab *v, int char_level, const char *text, size_t len, size_t *n) {
    if (!char_level) return text_sentence_stream(v, text, len, 1, n);   /* </s> first, as context */
    size_t count = vocab_encode(v, text, len, NULL, 0);
    int *ids = xmalloc((count ? count : 1) * sizeof(int));
    vocab_encode(v, text, len, ids, count);
    *n = count;
    return ids;
}

static void need_tokens(const char *path, size_t n) {
    if (n < 2) die("'%s': needs at least two tokens to predict anything", path);
}

void rnn_lm_data_words(RnnLmData *d, const char *train, const char *valid, const char *test) {
    memset(d, 0, sizeof *d);
    const char *paths[3] = { train, valid, test };
    size_t len;
    char *text = text_load(train, &len);
    d->vocab = vocab_build(VOCAB_WORD, text, len, 1, 0);
    free(text);
    for (int s = 0; s < 3; s++) {
        if (!paths[s]) continue;
        text = text_load(paths[s], &len);
        d->split[s] = text_sentence_stream(d->vocab, text, len, 1, &d->len[s]);
        free(text);
        need_tokens(paths[s], d->len[s]);
    }
}

void rnn_lm_data_chars(RnnLmData *d, const char *train, const char *valid, const char *test) {
    memset(d, 0, sizeof *d);
    d->char_level = 1;
    size_t len;
    char *text = text_load(train, &len);
    if (!valid && !test) {
        /* one file: the vocabulary of all of it (as nanoGPT), train 90%, valid 10% */
        d->vocab = vocab_build(VOCAB_CHAR, text, len, 1, 0);
        size_t n;
        int *ids = rnn_lm_encode_text(d->vocab, 1, text, len, &n);
        free(text);
        need_tokens(train, n);
        size_t cut = (size_t)(0.9 * (double)n);
        if (cut < 2 || n - cut < 1) die("'%s': too short to split 90/10", train);
        d->len[SPLIT_TRAIN] = cut;
        d->split[SPLIT_TRAIN] = xmalloc(cut * sizeof(int));
        memcpy(d->split[SPLIT_TRAIN], ids, cut * sizeof(int));
        d->len[SPLIT_VALID] = n - cut + 1;   /* + the last train char as context */
        d->split[SPLIT_VALID] = xmalloc((n - cut + 1) * sizeof(int));
        memcpy(d->split[SPLIT_VALID], ids + cut - 1, (n - cut + 1) * sizeof(int));
        free(ids);
        return;
    }
    d->vocab = vocab_build(VOCAB_CHAR, text, len, 1, 0);
    const char *paths[3] = { train, valid, test };
    for (int s = 0; s < 3; s++) {
        if (!paths[s]) continue;
        if (s > 0) text = text_load(paths[s], &len);
        d->split[s] = rnn_lm_encode_text(d->vocab, 1, text, len, &d->len[s]);
        free(text);
        need_tokens(paths[s], d->len[s]);
    }
}

void rnn_lm_data_free(RnnLmData *d) {
    vocab_free(d->vocab);
    for (int s = 0; s < 3; s++) free(d->split[s]);
    memset(d, 0, sizeof *d);
}

/* ------------------------------------------------------------ evaluation */

/* Mean nats per predicted token of stream[0..n) through a (B = 1), from a
 * zero state, in chunks of a->T with the state carried. */
static double evaluate_with(RnnLm *m, RnnLmActs *a, const int *stream, size_t n, long max_tokens) {
    if (n < 2) die("evaluation needs at least two tokens");
    size_t todo = n - 1, T = (size_t)a->T;
    if (max_tokens > 0 && (size_t)max_tokens < todo) todo = (size_t)max_tokens;
    rnn_lm_reset_state(a, m);
    /* one row at a time: the per-step products are too small to share out,
     * and waking a second thread for each costs more than it saves */
    int threads = get_threads();
    set_threads(1);
    double nats = 0.0;
    for (size_t pos = 0; pos < todo; pos += T) {
        int t = (int)(todo - pos < T ? todo - pos : T);
        nats += rnn_lm_forward(m, a, stream + pos, stream + pos + 1, t, 0) * t;
    }
    set_threads(threads);
    return nats / (double)todo;
}

double rnn_lm_evaluate(RnnLm *m, const int *stream, size_t n, int T, long max_tokens) {
    RnnLmActs a;
    rnn_lm_acts_build(&a, m, T, 1, 0);
    double loss = evaluate_with(m, &a, stream, n, max_tokens);
    rnn_lm_acts_free(&a);
    return loss;
}

/* ------------------------------------------------------------ save / load */

void rnn_lm_save(const RnnLm *m, const Vocab *v, const char *dir, long step, int with_optimizer) {
    char cfg[512], path[4096];
    make_dirs(dir);
    rnn_lm_config_text(&m->cfg, cfg, sizeof cfg);
    snprintf(path, sizeof path, "%s/vocab.txt", dir);
    vocab_save(v, path);
    snprintf(path, sizeof path, "%s/model.ckpt", dir);
    checkpoint_save(path, "rnn", cfg, &m->pt, step, with_optimizer);
}

void rnn_lm_load(RnnLm *m, Vocab **v, const char *path, long *step) {
    char ckpt[4096], vocab[4096], err[512];
    size_t n = strlen(path);
    if (n > 5 && strcmp(path + n - 5, ".ckpt") == 0) {
        snprintf(ckpt, sizeof ckpt, "%s", path);
        const char *slash = strrchr(path, '/');
        if (slash) snprintf(vocab, sizeof vocab, "%.*s/vocab.txt", (int)(slash - path), path);
        else snprintf(vocab, sizeof vocab, "vocab.txt");
    } else {
        snprintf(ckpt, sizeof ckpt, "%s/model.ckpt", path);
        snprintf(vocab, sizeof vocab, "%s/vocab.txt", path);
    }
    CheckpointInfo ck;
    if (checkpoint_read(ckpt, "rnn", &ck, err, sizeof err)) die("%s", err);
    RnnLmConfig cfg;
    if (rnn_lm_config_parse(ck.config, &cfg)) die("'%s': not a recurrent LM checkpoint (bad config)", ckpt);
    rnn_lm_build(m, &cfg);
    if (checkpoint_restore(&ck, &m->pt, err, sizeof err)) die("'%s': %s", ckpt, err);
    if (step) *step = ck.step;
    checkpoint_free(&ck);
    if (vocab_read(vocab, v, err, sizeof err)) die("%s", err);
    if ((*v)->size != cfg.V)
        die("'%s' has %d tokens but the model in '%s' expects %d", vocab, (*v)->size, ckpt, cfg.V);
}

/* ------------------------------------------------------------ training */

void rnn_lm_train_defaults(RnnLmTrainOptions *o) {
    memset(o, 0, sizeof *o);
    o->model = (RnnLmConfig){ .kind = RNN_LSTM, .V = 0, .E = 128, .H = 128, .L = 2, .dropout = 0.0f };
    o->init_range = 0.1f;
    o->T = 50; o->B = 50;
    o->epochs = 1;
    o->optimizer = 1;
    o->lr = 2e-3f; o->decay = 1.0f; o->decay_start = 0;
    o->clip = 5.0f;
    o->stop_gain = RNN_PLATEAU_MIN_GAIN;
    o->log_every = 10;
    o->eval_T = 100;
    o->seed = 1337;
    o->out = "runs/rnn/lm";
}

static float epoch_lr(const RnnLmTrainOptions *o, long epoch) {
    long past = epoch + 1 - o->decay_start;   /* epochs run after the flat ones */
    return past > 0 ? o->lr * powf(o->decay, (float)past) : o->lr;
}

/* Chunk k of rows first .. first+B-1 into inp, tgt (T,B) time-major. */
static void fill_chunk(int *inp, int *tgt, const int *s, size_t row_len, long k, int T, int first, int B) {
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            size_t at = (size_t)(first + b) * row_len + (size_t)k * T + t;
            inp[t * B + b] = s[at];
            tgt[t * B + b] = s[at + 1];
        }
}

static void write_config(const RnnLmTrainOptions *o, const RnnLmData *d, long total) {
    RunConfig *c = config_begin(o->out);
    config_str(c, "model", rnn_kind_name(o->model.kind));
    config_str(c, "level", d->char_level ? "char" : "word");
    config_int(c, "vocab", o->model.V);
    config_int(c, "emb", o->model.E);
    config_int(c, "hidden", o->model.H);
    config_int(c, "layers", o->model.L);
    config_num(c, "dropout", o->model.dropout);
    config_num(c, "init_range", o->init_range);
    config_int(c, "seq_len", o->T);
    config_int(c, "batch", o->B);
    config_int(c, "steps", total);
    config_str(c, "optimizer", o->optimizer ? "adam" : "sgd");
    config_num(c, "lr", o->lr);
    config_num(c, "lr_decay", o->decay);
    config_int(c, "decay_start", o->decay_start);
    config_num(c, "clip", o->clip);
    config_int(c, "time_sum", o->time_sum);
    config_int(c, "plateau", o->plateau);
    config_int(c, "seed", (long long)o->seed);
    config_int(c, "train_tokens", (long long)d->len[SPLIT_TRAIN]);
    config_end(c);
}

#define LM_COLUMNS "step epoch tokens split loss ppl lr grad_norm tok_per_s elapsed_s"

/* A learner watches the text improve: a short sample at temperature 0.8 from
 * the model as it stands (its own state buffers, so training is untouched). */
static void print_checkpoint_sample(RnnLm *m, const Vocab *v, const RnnLmTrainOptions *o, long step) {
    SamplerConfig warm = { .temperature = 0.8f, .top_k = 0, .top_p = 1.0f };
    char *s = rnn_lm_sample(m, v, o->sample_prompt, o->sample_len, &warm, o->seed + (uint64_t)step);
    printf("--- sample at step %ld (temperature 0.8):\n%s\n", step, s);
    fflush(stdout);
    free(s);
}

/* ------------------------------------------------------------ training state */

/*
 * What carries a run from one step to the next besides the weights and
 * Adam's moments (model.ckpt): the hidden (and LSTM cell) state of every
 * layer and row, the dropout generator, the position in the text, the
 * learning rate, and the metrics row being averaged. DIR/train_state.ckpt
 * (stage "rnn-state") holds them, the states as tensors "h.l0", "c.l0", ...
 * of shape (B,H) and the rest as its config text. It is written after
 * model.ckpt at every checkpoint, so that --resume goes on bit for bit where
 * the run stopped.
 */
#define STATE_STAGE "rnn-state"

typedef struct {
    long step;            /* steps done */
    long per_epoch;       /* chunks per epoch (the text, B and T decide it) */
    float lr;             /* the learning rate of the last step */
    double window_loss;   /* train loss summed since the last metrics row ... */
    long window;          /* ... over this many steps */
    double elapsed;       /* seconds of training so far */
    /* Mikolov's schedule (--plateau) */
    float plateau_lr;     /* the rate of the coming epoch */
    double best_valid;    /* the kept model's validation loss */
    double prev_valid;    /* the last epoch's */
    int halving;          /* 1 once an epoch has gained less than 0.3% */
    double stop_gain;     /* the options' */
} Progress;

static void state_path(char *buf, size_t n, const char *dir) { snprintf(buf, n, "%s/train_state.ckpt", dir); }

/* The table of carried states: h (and the LSTM's c) of each layer, (B,H). */
static void state_table(ParamTable *st, const RnnLm *m, int B) {
    char name[PARAM_NAME_MAX];
    params_init(st);
    for (int l = 0; l < m->cfg.L; l++) {
        snprintf(name, sizeof name, "h.l%d", l);
        params_add(st, name, 2, B, m->cfg.H);
        if (m->cfg.kind != RNN_LSTM) continue;
        snprintf(name, sizeof name, "c.l%d", l);
        params_add(st, name, 2, B, m->cfg.H);
    }
    params_alloc(st);
}

/* Copy the carried states from the activations into the table (save = 1) or
 * back: with several ranks, this rank's rows first .. first+a->B-1 of it. */
static void copy_states(ParamTable *st, RnnLmActs *a, const RnnLm *m, int first, int save) {
    size_t bytes = (size_t)a->B * m->cfg.H * sizeof(float);
    char name[PARAM_NAME_MAX];
    for (int l = 0; l < m->cfg.L; l++) {
        float *state[2] = { a->h[l], a->c[l] };
        for (int s = 0; s < (m->cfg.kind == RNN_LSTM ? 2 : 1); s++) {
            snprintf(name, sizeof name, "%c.l%d", "hc"[s], l);
            float *saved = params_get(st, name) + (size_t)first * m->cfg.H;
            if (save) memcpy(saved, state[s], bytes);
            else memcpy(state[s], saved, bytes);
        }
    }
}

/* The generator's two 64-bit words go through config_long as their bits. */
_Static_assert(sizeof(long) == sizeof(uint64_t), "a long holds a generator word");

/* A collective under MPI: every rank puts its rows of the states into the
 * table (bounds: rank r's floats of a (B,H) tensor, dist_allgather), rank 0
 * writes. The dropout generator saved is rank 0's. */
static void save_train_state(const char *dir, ParamTable *st, const RnnLm *m, RnnLmActs *a, const Progress *p,
                             int first, const size_t *bounds) {
    char cfg[1024], path[4096];
    copy_states(st, a, m, first, 1);
    for (int k = 0; k < st->count; k++) dist_allgather(st->values + st->info[k].offset, bounds);
    if (!dist_is_root()) return;
    snprintf(cfg, sizeof cfg,
             "step=%ld\nepoch=%ld\nchunk=%ld\nchunks_per_epoch=%ld\nbatch=%d\nseq_len=%d\nlr=%.9g\n"
             "window_loss=%.17g\nwindow=%ld\nelapsed_s=%.17g\ndropout_rng_state=%ld\ndropout_rng_inc=%ld\n"
             "plateau_lr=%.9g\nbest_valid=%.17g\nprev_valid=%.17g\nhalving=%d\n",
             p->step, p->step / p->per_epoch, p->step % p->per_epoch, p->per_epoch, st->info[0].shape[0], a->T, p->lr,
             p->window_loss, p->window, p->elapsed, (long)a->rng.state, (long)a->rng.inc, p->plateau_lr,
             p->best_valid, p->prev_valid, p->halving);
    state_path(path, sizeof path, dir);
    checkpoint_save(path, STATE_STAGE, cfg, st, p->step, 0);
}

/* Restore what save_train_state wrote for a run resumed at p->step. Returns
 * 0, or -1 with the reason in why when there is nothing to restore (no file,
 * or one from another step): the carried state then starts from zero. Dies on
 * a damaged file or one from a run with another batch, length or text. */
static int restore_train_state(const char *dir, ParamTable *st, const RnnLm *m, RnnLmActs *a, Progress *p,
                               int first, char *why, size_t n) {
    char path[4096], err[512];
    state_path(path, sizeof path, dir);
    if (access(path, F_OK) != 0) { snprintf(why, n, "'%s' is missing", path); return -1; }
    CheckpointInfo ck;
    if (checkpoint_read(path, STATE_STAGE, &ck, err, sizeof err)) die("%s", err);
    if (ck.step != p->step) {
        snprintf(why, n, "'%s' is from step %ld, the model from step %ld", path, ck.step, p->step);
        checkpoint_free(&ck);
        return -1;
    }
    int B = (int)config_long(ck.config, "batch", -1), T = (int)config_long(ck.config, "seq_len", -1);
    long per_epoch = config_long(ck.config, "chunks_per_epoch", -1);
    int run_B = st->info[0].shape[0];   /* the whole batch, every rank's rows */
    if (B != run_B || T != a->T || per_epoch != p->per_epoch)
        die("'%s' comes from a run with --batch %d --context %d and %ld chunks per epoch, this one has %d, %d "
            "and %ld: resume with the run's options and corpus", path, B, T, per_epoch, run_B, a->T, p->per_epoch);
    if (checkpoint_restore(&ck, st, err, sizeof err)) die("'%s': %s", path, err);
    copy_states(st, a, m, first, 0);
    a->rng.state = (uint64_t)config_long(ck.config, "dropout_rng_state", 0);
    a->rng.inc = (uint64_t)config_long(ck.config, "dropout_rng_inc", 0);
    p->lr = (float)config_double(ck.config, "lr", 0.0);
    p->window_loss = config_double(ck.config, "window_loss", 0.0);
    p->window = config_long(ck.config, "window", 0);
    p->elapsed = config_double(ck.config, "elapsed_s", 0.0);
    p->plateau_lr = (float)config_double(ck.config, "plateau_lr", p->plateau_lr);
    p->best_valid = config_double(ck.config, "best_valid", p->best_valid);
    p->prev_valid = config_double(ck.config, "prev_valid", p->prev_valid);
    p->halving = (int)config_long(ck.config, "halving", p->halving);
    checkpoint_free(&ck);
    return 0;
}

/* ------------------------------------------------------------ training */

/* One metrics row (the columns a validation row has no value for stay empty). */
static void log_row(Metrics *log, const char *split, long step, const Progress *p, long tokens, double loss,
                    float lr, float norm, double tps, double elapsed) {
    metrics_num(log, "step", step);
    metrics_num(log, "epoch", (double)step / p->per_epoch);
    metrics_num(log, "tokens", tokens);
    metrics_str(log, "split", split);
    metrics_num(log, "loss", loss);
    metrics_num(log, "ppl", exp(loss));
    metrics_num(log, "lr", lr);
    if (!isnan(norm)) metrics_num(log, "grad_norm", norm);
    if (!isnan(tps)) metrics_num(log, "tok_per_s", tps);
    metrics_num(log, "elapsed_s", elapsed);
    metrics_write(log);
}

int rnn_plateau_epoch(RnnPlateau *p, double valid, int *better) {
    int small_gain = valid * RNN_PLATEAU_MIN_GAIN > p->prev, stop = p->halving && valid * p->stop_gain >= p->prev;
    *better = valid < p->best;
    if (*better) p->best = valid;
    if (small_gain) p->halving = 1;
    if (p->halving) p->lr *= 0.5f;
    p->prev = valid;
    return stop;
}

void rnn_plateau_say(const RnnPlateau *p, long epoch, int better, int stop) {
    fprintf(stderr, "rnn: epoch %ld %s; %s\n", epoch, better ? "kept" : "made validation worse: undone",
            stop ? "a halved epoch gained too little: stopping" : p->halving ? "the rate halves" : "same rate");
}

/* Mikolov's schedule after an epoch whose validation loss is valid
 * (lm_train.h): keep the epoch or undo it, then set the next epoch's rate.
 * Returns 1 when the run should end. */
static int plateau_epoch_end(RnnLm *m, ParamSnapshot *best, Progress *p, double valid, int quiet) {
    RnnPlateau pl = { p->plateau_lr, p->best_valid, p->prev_valid, p->halving, p->stop_gain };
    int better, stop = rnn_plateau_epoch(&pl, valid, &better);
    if (better) params_snapshot_take(best, &m->pt);
    else params_snapshot_restore(best, &m->pt);
    p->plateau_lr = (float)pl.lr; p->best_valid = pl.best; p->prev_valid = pl.prev; p->halving = pl.halving;
    if (!quiet) rnn_plateau_say(&pl, p->step / p->per_epoch, better, stop);
    return stop;
}

double rnn_lm_train(RnnLm *m, const RnnLmData *d, const RnnLmTrainOptions *o) {
    RnnLmTrainOptions opt = *o;
    opt.model.V = d->vocab->size;
    if (opt.T < 1) die("sequence length must be at least 1 (got %d)", opt.T);
    if (opt.B < 1) die("batch must be at least 1 (got %d)", opt.B);
    size_t row_len = d->len[SPLIT_TRAIN] / (size_t)opt.B;
    long per_epoch = row_len > 1 ? (long)((row_len - 1) / (size_t)opt.T) : 0;
    if (per_epoch < 1)
        die("training text too short: %zu tokens make no chunk of %d steps in %d rows",
            d->len[SPLIT_TRAIN], opt.T, opt.B);
    long total = opt.steps > 0 ? opt.steps : opt.epochs * per_epoch;
    long eval_every = opt.eval_every > 0 ? opt.eval_every : per_epoch;
    long ckpt_every = opt.ckpt_every > 0 ? opt.ckpt_every : eval_every;
    /* Data parallelism (dist.h): rank r carries rows [first, first + Bl) of
     * the B streams, so the chunks, and the results, are one process's */
    int ranks = dist_size(), root = dist_is_root(), first, Bl = dist_share(opt.B, &first);
    if (!root) opt.quiet = 1;
    if (opt.plateau && !d->split[SPLIT_VALID]) die("--plateau needs a validation split");
    if (opt.plateau && opt.steps > 0) die("--plateau trains whole epochs: give --epochs (a ceiling), not --steps");
    if (opt.plateau && ((opt.eval_every && opt.eval_every != per_epoch) || (opt.ckpt_every && opt.ckpt_every != per_epoch)))
        die("--plateau validates and saves once per epoch (%ld steps): drop --eval-every and --ckpt-every", per_epoch);

    Progress p = { .per_epoch = per_epoch, .plateau_lr = opt.lr, .best_valid = INFINITY, .prev_valid = INFINITY,
                   .stop_gain = opt.stop_gain };
    if (opt.resume) {
        Vocab *v;
        rnn_lm_load(m, &v, opt.out, &p.step);
        if (v->size != opt.model.V) die("'%s': its vocabulary differs from the corpus's", opt.out);
        vocab_free(v);
        opt.model = m->cfg;
        if (!opt.quiet) fprintf(stderr, "rnn: resuming %s at step %ld\n", opt.out, p.step);
    } else {
        rnn_lm_build(m, &opt.model);
        Rng init;
        rng_seed(&init, opt.seed, 1);
        rnn_lm_init_uniform(m, opt.init_range, &init);
    }
    Metrics *log = NULL;   /* rank 0 alone writes */
    if (root) {
        write_config(&opt, d, total);
        log = opt.resume ? metrics_resume(opt.out, LM_COLUMNS, p.step) : metrics_create(opt.out, LM_COLUMNS);
    }

    /* every buffer of the loop, allocated once; with several ranks each
     * draws its dropout masks from its own stream (rows must not share them) */
    RnnLmActs a, eval;
    uint64_t drop_seed = opt.seed + (uint64_t)p.step + (ranks > 1 ? (uint64_t)dist_rank() << 40 : 0);
    rnn_lm_acts_build(&a, m, opt.T, Bl, drop_seed);
    if (d->split[SPLIT_VALID]) rnn_lm_acts_build(&eval, m, opt.eval_T, 1, 0);
    ParamTable st;
    state_table(&st, m, opt.B);
    size_t *bounds = xmalloc((size_t)(ranks + 1) * sizeof *bounds);   /* each rank's floats of a (B,H) state */
    for (int r = 0; r <= ranks; r++) bounds[r] = (size_t)r * Bl * m->cfg.H;
    if (opt.resume && p.step > 0) {
        char why[4200];
        if (restore_train_state(opt.out, &st, m, &a, &p, first, why, sizeof why) == 0) {
            if (ranks > 1) rng_seed(&a.rng, drop_seed, 7);   /* the saved generator is rank 0's */
            float lr = opt.optimizer ? opt.lr : epoch_lr(&opt, (p.step - 1) / per_epoch);
            if (!opt.plateau && lr != p.lr)
                fprintf(stderr, "rnn: note: the run's learning rate was %g at step %ld, the options give %g: "
                        "going on with %g\n", p.lr, p.step, lr, lr);
        } else {
            fprintf(stderr, "rnn: note: %s, so the carried state restarts at zero\n", why);
        }
    }
    ParamSnapshot best;   /* --plateau: the kept model (a resumed run starts at an epoch's end, from it) */
    if (opt.plateau) params_snapshot_init(&best, &m->pt);
    int *inp = xmalloc((size_t)opt.T * Bl * sizeof(int));
    int *tgt = xmalloc((size_t)opt.T * Bl * sizeof(int));

    AdamConfig adam = { 0.9f, 0.999f, 1e-8f, 0.0f, 0 };
    float dloss = opt.time_sum ? (float)opt.T : 1.0f;
    double t0 = now_seconds(), elapsed0 = p.elapsed, valid_loss = NAN;
    long tokens = p.step * opt.T * opt.B;
    long tokens0 = tokens;   /* the rate counts this run's tokens only */
    float norm = 0.0f;
    if (!opt.quiet) progress_start(total, "train");
    while (p.step < total) {
        /* ---- one training step: no allocation from here ... */
        long epoch = p.step / per_epoch, k = p.step % per_epoch;
        if (k == 0) rnn_lm_reset_state(&a, m);   /* each epoch starts from a zero state */
        float lr = opt.plateau ? p.plateau_lr : opt.optimizer ? opt.lr : epoch_lr(&opt, epoch);
        fill_chunk(inp, tgt, d->split[SPLIT_TRAIN], row_len, k, opt.T, first, Bl);
        double loss = rnn_lm_forward(m, &a, inp, tgt, opt.T, 1);
        if (!isfinite(loss)) die("loss is %g at step %ld: lower --lr or --clip", loss, p.step);
        params_zero_grad(&m->pt);
        /* each rank's mean over its rows weighted 1/n, summed by one
         * all-reduce: the gradient of the whole batch's mean loss */
        rnn_lm_backward(m, &a, dloss / (float)ranks);
        dist_allreduce_sum(m->pt.grads, m->pt.total);
        loss = dist_sum(loss) / ranks;
        norm = opt.clip > 0 ? clip_grad_norm(&m->pt, opt.clip) : 0.0f;
        if (opt.optimizer) adam_step(&m->pt, &adam, lr, (int)(p.step + 1));
        else sgd_step(&m->pt, lr, 0.0f, 0.0f);
        /* ---- ... to here */
        long step = ++p.step;
        p.lr = lr;
        tokens += (long)opt.T * opt.B;
        p.window_loss += loss; p.window++;
        double run_time = now_seconds() - t0;
        double tps = (double)(tokens - tokens0) / (run_time > 0 ? run_time : 1e-9);
        p.elapsed = elapsed0 + run_time;
        if (!opt.quiet) progress_update(step, loss, tps);
        if (log && (step % opt.log_every == 0 || step == total)) {
            log_row(log, "train", step, &p, tokens, p.window_loss / p.window, lr, norm, tps, p.elapsed);
            p.window_loss = 0.0; p.window = 0;
        }
        int do_eval = step % eval_every == 0 || step == total;
        if (root && do_eval && d->split[SPLIT_VALID]) {   /* the other ranks wait in the next all-reduce */
            valid_loss = evaluate_with(m, &eval, d->split[SPLIT_VALID], d->len[SPLIT_VALID], opt.eval_tokens);
            log_row(log, "valid", step, &p, tokens, valid_loss, lr, NAN, NAN, elapsed0 + now_seconds() - t0);
            if (!opt.quiet) {
                progress_end();
                fprintf(stderr, "step %ld epoch %.2f lr %.4g  valid loss %.4f ppl %.2f  (%.0f tok/s)\n",
                        step, (double)step / per_epoch, lr, valid_loss, exp(valid_loss), tps);
            }
            if (opt.sample_prompt) print_checkpoint_sample(m, d->vocab, &opt, step);
        }
        /* every rank takes the same decision on rank 0's validation loss */
        if (opt.plateau && step % per_epoch == 0 &&
            plateau_epoch_end(m, &best, &p, dist_sum(root ? valid_loss : 0.0), opt.quiet))
            total = step;
        if (step % ckpt_every == 0 || step == total) {
            if (root) rnn_lm_save(m, d->vocab, opt.out, step, 1);
            save_train_state(opt.out, &st, m, &a, &p, first, bounds);
        }
    }
    if (!opt.quiet) progress_end();
    if (log) metrics_close(log);
    free(inp); free(tgt); free(bounds);
    if (opt.plateau) params_snapshot_free(&best);
    params_free(&st);
    rnn_lm_acts_free(&a);
    if (d->split[SPLIT_VALID]) rnn_lm_acts_free(&eval);
    return opt.plateau ? p.best_valid : valid_loss;
}

/* ------------------------------------------------------------ sampling */

static void append(char **buf, size_t *len, size_t *cap, const char *s) {
    size_t n = strlen(s);
    while (*len + n + 1 > *cap) { *cap = *cap * 2 + 64; *buf = xrealloc(*buf, *cap); }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

char *rnn_lm_sample(RnnLm *m, const Vocab *v, const char *prime, int n, const SamplerConfig *s, uint64_t seed) {
    sampler_check(s);
    int char_level = v->kind == VOCAB_CHAR, V = m->cfg.V;
    RnnLmActs a;
    rnn_lm_acts_build(&a, m, 1, 1, seed);
    Rng rng;
    rng_seed(&rng, seed, 3);
    size_t np = 0;
    int *ids = NULL;
    if (prime && *prime && char_level) ids = rnn_lm_encode_text(v, 1, prime, strlen(prime), &np);
    if (prime && *prime && !char_level) {   /* a word prime starts a sentence */
        np = vocab_encode(v, prime, strlen(prime), NULL, 0);
        ids = xmalloc((np + 1) * sizeof(int));
        ids[0] = VOCAB_EOS;
        vocab_encode(v, prime, strlen(prime), ids + 1, np);
        np++;
    }
    if (np == 0) {
        free(ids);
        ids = xmalloc(sizeof(int));
        int nl = vocab_find(v, "\n", 1);
        ids[0] = char_level ? (nl >= 0 ? nl : VOCAB_UNK) : VOCAB_EOS;
        np = 1;
    }
    char *out = NULL;
    size_t len = 0, cap = 0;
    append(&out, &len, &cap, prime ? prime : "");
    int tok = 0, *order = xmalloc((size_t)V * sizeof(int));   /* the sampler's scratch, with a.probs */
    for (size_t i = 0; i < np; i++) { tok = ids[i]; rnn_lm_forward(m, &a, &tok, NULL, 1, 0); }
    free(ids);
    for (int i = 0; i < n; i++) {
        /* never the <s> and <pad> that no text holds (nor, in a char model, <unk> and </s>) */
        a.logits[VOCAB_BOS] = a.logits[VOCAB_PAD] = -INFINITY;
        if (char_level) a.logits[VOCAB_UNK] = a.logits[VOCAB_EOS] = -INFINITY;
        tok = sampler_draw(s, a.logits, V, a.probs, order, &rng);
        if (char_level) append(&out, &len, &cap, vocab_token(v, tok));
        else {
            if (len > 0 && out[len - 1] != '\n') append(&out, &len, &cap, " ");
            append(&out, &len, &cap, tok == VOCAB_EOS ? "\n" : vocab_token(v, tok));
        }
        rnn_lm_forward(m, &a, &tok, NULL, 1, 0);
    }
    free(order);
    rnn_lm_acts_free(&a);
    return out;
}
