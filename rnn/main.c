/*
 * main.c -- the `rnn` command line (Chapter 3: from DNN to CNN to RNN).
 *
 *   rnn lm-train --preset ptb-small            Zaremba et al. 2014, small (ends with RESULT)
 *   rnn lm-train --preset ptb-rnnlm            Mikolov's RNNLM: classes, online SGD (ends with RESULT)
 *   rnn lm-train --corpus bible-chars --steps 500 --out runs/rnn/bible
 *   rnn lm-eval --model runs/rnn/bible data/cache/bible/chars.test.txt
 *   rnn sample --model runs/rnn/bible --n 300 --temperature 0.8
 *   rnn gradnorm                               ||dL_T/dh_t|| vs T-t, RNN vs LSTM (PNG)
 *   rnn elmo-probe                             a biLM on Brown, POS probes of its layers (RESULT per row)
 *   rnn elmo                                   "flies" in four sentences, tagged by those probes
 *   rnn demo                                   the chapter's demo, a few minutes
 *
 * Exit status: 0 ok, 1 bad input (a clear message), 2 bad usage.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "matmul.h"
#include "dist.h"
#include "optim.h"
#include "metrics.h"
#include "rnn/classify_cli.h"
#include "rnn/classify_demo.h"
#include "rnn/elmo_cli.h"
#include "rnn/gradnorm.h"
#include "rnn/lm_train.h"
#include "rnn/rnnlm.h"
#include "util.h"

/* Everything a command can be told; each command reads the fields it needs. */
typedef struct {
    RnnLmTrainOptions lm;
    /* each split's file (SPLIT_TRAIN, _VALID, _TEST): a dataset's, relative to the
     * data folder (--corpus, --preset), or your own (--train, --valid, --test) */
    const char *rel[3], *path[3];
    int char_level;           /* the corpus is read as characters */
    const char *model;        /* --model: a run folder or .ckpt (eval, sample) */
    const char *prime;        /* --prime: text to start sampling from */
    const char *name;         /* RESULT's data= */
    long count;               /* --n: tokens to sample */
    SamplerConfig sampler;    /* --temperature, --top-k, --top-p */
    int threads;
    int quick;
    /* flags whose effect depends on others, applied after the preset by parse() */
    int corpus, cell;         /* indices into corpus_names, cell_names; -1: not given */
    const char *train, *valid, *test;
    int char_flag;            /* --char */
    long epochs, steps;       /* -1: not given */
    /* Mikolov's RNNLM (rnnlm.h), chosen by --classes N > 0 */
    int classes;              /* 0: the minibatched models of lm.h */
    int bptt, bptt_block;     /* 0: rnnlm.h's defaults (4, 10) */
    float beta;               /* --l2; -1: the default 1e-7 */
    int class_bins;           /* index into class_bin_names: the mass the classes share */
    long max_words;           /* --max-words: train on a prefix (screening) */
} Options;

static const char *usage_main =
    "usage: rnn COMMAND [options]\n"
    "\n"
    "Recurrent language models (Chapter 3: from DNN to CNN to RNN).\n"
    "\n"
    "commands:\n"
    "  lm-train   train an RNN/LSTM/GRU language model (ends with a RESULT line)\n"
    "  lm-eval    perplexity of a text file under a trained model (RESULT line)\n"
    "  sample     generate text from a trained model\n"
    "  classify-train  DNN / Kim CNN / LSTM sentence classifiers (MR 10-fold, SST-2, Bible divisions)\n"
    "  classify-eval   a saved classifier's accuracy on a labelled file\n"
    "  gradnorm   ||dL_T/dh_t|| against T-t for an RNN and an LSTM, as a PNG\n"
    "  elmo       contextual vectors from a bidirectional LSTM LM (\"flies\" four times)\n"
    "  elmo-probe the POS probe of a biLM's layers vs static vectors (Peters et al. 2018)\n"
    "  demo       the chapter's demo on the built-in Bible corpus\n"
    "  bench      median training-step time (make bench compares it with PyTorch)\n"
    "\n"
    "`rnn COMMAND --help` describes each command's options.\n";

static const char *usage_train =
    "usage: rnn lm-train [--preset NAME] [options]\n"
    "\n"
    "Train a recurrent language model with truncated BPTT (state carried across\n"
    "chunks), global-norm clipping and SGD with decay or Adam.\n"
    "\n"
    "presets (--preset NAME is applied first; every other flag overrides it):\n"
    "  ptb-small          Zaremba 2014 small: PTB words, LSTM 2x200, T 20, B 20, U[-0.1,0.1],\n"
    "                     SGD lr 1 halved each epoch after 4, 13 epochs, clip 5, no dropout\n"
    "  ptb-rnn            the same with an Elman RNN, lr 0.1, 6 epochs halving after 3\n"
    "  ptb-rnnlm          Mikolov's RNNLM (the ladder's RNN rung): one sigmoid layer of 200,\n"
    "                     a full softmax (a class per word), online SGD lr 0.1 (an update per word),\n"
    "                     BPTT 4 every 10 words, L2 1e-7, in double; the rate halved from the\n"
    "                     first epoch gaining < 0.3%, stopping at the first halved one gaining\n"
    "                     < 0.05% (--stop-gain 1.003 stops at the second halved one, as the\n"
    "                     toolkit; --epochs 50: a ceiling)\n"
    "  shakespeare-lstm   Tiny Shakespeare chars, LSTM 2x128, T 50, B 50, Adam 2e-3, 2000 steps\n"
    "  shakespeare-gru    the same with a GRU\n"
    "  shakespeare-rnn    the same with an Elman RNN\n"
    "  bible-chars        the built-in Bible, chars, LSTM 2x128 (the demo's model)\n"
    "\n"
    "data:\n"
    "  --corpus NAME      ptb, bible-words, bible-chars, shakespeare (from `make data`)\n"
    "  --train F [--valid F] [--test F] [--char]   your own UTF-8 files (--data F is --train F)\n"
    "model:\n"
    "  --cell rnn|lstm|gru (lstm)   --emb E (128)   --hidden H (128)   --layers L (2)\n"
    "  --dropout P (0)    between layers and around them, never on the recurrence\n"
    "  --init R (0.1)     weights from U[-R, R]\n"
    "training:\n"
    "  --context T (50)   steps per BPTT chunk (alias --seq-len)\n"
    "  --batch B (50)     --epochs N (1) | --steps N (--steps wins)\n"
    "  --optimizer sgd|adam (adam)   --lr X (2e-3)   --lr-decay F (1)   --decay-start E (0)\n"
    "  --clip X (5)       global gradient norm (0 = off)\n"
    "  --time-sum         loss summed over time, averaged over batch (Zaremba's scale)\n"
    "  --plateau          Mikolov's RNNLM schedule instead of --lr-decay/--decay-start: an epoch\n"
    "                     that worsens validation is undone; after the first epoch gaining < 0.3%\n"
    "                     the rate halves every epoch; the second such epoch stops (--epochs: a ceiling)\n"
    "  --stop-gain G (1.003)   with --plateau or --classes: once the rate halves, stop at the first\n"
    "                     epoch whose validation loss gains less than the factor G (1: none at all)\n"
    "  --eval-every N     steps between validations (default once per epoch; alias --eval-interval)\n"
    "  --eval-tokens N    validate on the first N tokens only (default all)\n"
    "  --out DIR (runs/rnn/lm)   --resume   --seed N   --threads N   --quiet\n"
    "Mikolov's RNNLM (rnn/rnnlm.h), chosen by --classes; needs --cell rnn --layers 1, no dropout:\n"
    "  --classes N        output factored through N frequency classes (1, or one per word: a full softmax)\n"
    "  --class-bins freq|sqrt (freq)   equal shares of frequency (Mikolov 2011) or of its\n"
    "                     square root (the toolkit's default)\n"
    "  --bptt N (4)       steps back through time   --bptt-block N (10) words between BPTT updates\n"
    "  --l2 B (1e-7)      L2 penalty (every tenth word)   --max-words N   train on the first N words\n"
    "  --hidden, --lr, --epochs (a ceiling), --seed, --eval-tokens, --out as above; --batch,\n"
    "  --context, --optimizer, --clip, --init do not apply (online SGD; each backpropagated\n"
    "  gradient entry is clipped to 15). Give --lr 0.1 --epochs 50 without the preset.\n"
    "Under mpirun (a `make MPI=1` build) the ranks share the B streams: --batch must divide\n"
    "by their number, each carries its B/n rows, one all-reduce of the gradients a step;\n"
    "rank 0 validates and writes (gpt/SCALING.md).\n";

static const char *usage_eval =
    "usage: rnn lm-eval --model DIR [--char] FILE | --corpus NAME\n"
    "\n"
    "Perplexity of FILE (or the test split of --corpus) under a trained model,\n"
    "scoring every token once (B=1, state carried). Ends with\n"
    "  RESULT stage=rnn model=lstm data=... split=test tokens=N loss=... ppl=...\n";

static const char *usage_sample =
    "usage: rnn sample --model DIR [--n 500] [--temperature 0.8] [--top-k K] [--top-p P]\n"
    "                  [--prime TEXT] [--seed N]\n"
    "\n"
    "Sample from softmax(logits / temperature): 1 is the model's own distribution,\n"
    "lower is greedier and more repetitive, higher is more surprising; 0 takes the\n"
    "most likely token every time (the argmax). --top-k K keeps the K likeliest\n"
    "tokens (0: all), --top-p P the fewest whose probability reaches P (nucleus\n"
    "sampling, Holtzman et al. 2020; 1: all). The same seed gives the same text.\n";

static const char *usage_gradnorm =
    "usage: rnn gradnorm [--steps T (60)] [--hidden H (64)] [--out DIR (runs/rnn/gradnorm)]\n"
    "\n"
    "For a randomly initialised Elman RNN and LSTM (U[-1/sqrt(H), 1/sqrt(H)], as\n"
    "PyTorch), feed T random inputs and measure ||dL_T/dh_t|| for a loss on the\n"
    "last state only. The RNN's norm decays geometrically with T-t (the vanishing\n"
    "gradient, Bengio et al. 1994); the LSTM's cell path keeps it alive longer.\n"
    "Writes gradnorm.tsv and gradnorm.png; a RESULT line per distance of the printed table.\n";

static const char *usage_demo =
    "usage: rnn demo [--quick] [--out DIR (runs/rnn/demo)] [--threads N]\n"
    "\n"
    "A char-level LSTM on the built-in Bible with loss curves and samples, then\n"
    "the gradient-norm plot, then the Bible-division classifiers (DNN, CNN, LSTM)\n"
    "with random and word2vec-pretrained embeddings as a table. --quick trains the\n"
    "char LSTM 150 steps (the test suite's run) and only the random column.\n";

static void __attribute__((noreturn)) help(const char *text) { fputs(text, stdout); exit(0); }

/* The corpora `make data` fetches (--corpus NAME), and their files under the data folder. */
enum { CORPUS_PTB, CORPUS_BIBLE_WORDS, CORPUS_BIBLE_CHARS, CORPUS_SHAKESPEARE };
static const char *const corpus_names[] = { "ptb", "bible-words", "bible-chars", "shakespeare", NULL };
static const struct {
    const char *result_name, *rel[3];   /* RESULT's data=; train, valid, test (NULL: none) */
    int char_level;
} corpora[] = {   /* in the order of corpus_names */
    { "ptb", { "ptb/ptb.train.txt", "ptb/ptb.valid.txt", "ptb/ptb.test.txt" }, 0 },
    { "bible-words", { "bible/words.train.txt", "bible/words.valid.txt", "bible/words.test.txt" }, 0 },
    { "bible-chars", { "bible/chars.train.txt", "bible/chars.valid.txt", "bible/chars.test.txt" }, 1 },
    { "tinyshakespeare", { "tinyshakespeare/input.txt", NULL, NULL }, 1 },   /* one file, split 90/10 */
};

/* Corpus k (CORPUS_*) as the data to read. */
static void corpus_paths(Options *o, int k) {
    for (int s = 0; s < 3; s++) { o->rel[s] = corpora[k].rel[s]; o->path[s] = NULL; }
    o->char_level = corpora[k].char_level;
    o->name = corpora[k].result_name;
}

/* The file of split s (NULL when there is none); a dataset file that is
 * missing is an error that says how to get it. */
static const char *split_file(const Options *o, int s) {
    static char found[3][4096];
    if (!o->rel[s]) return o->path[s];
    data_path_or_die(found[s], sizeof found[s], o->rel[s]);
    return found[s];
}

/* The named configurations of lm-train (cli.h applies one before the flags);
 * 0 when name is none of them. */
static int apply_preset(void *ctx, const char *name) {
    Options *o = ctx;
    RnnLmTrainOptions *t = &o->lm;
    RnnKind kind;
    static char out[256];
    snprintf(out, sizeof out, "runs/rnn/%s", name);
    t->out = out;
    if (strcmp(name, "ptb-small") == 0 || strcmp(name, "ptb-rnn") == 0) {
        corpus_paths(o, CORPUS_PTB);
        int elman = name[4] == 'r';
        t->model = (RnnLmConfig){ .kind = elman ? RNN_ELMAN : RNN_LSTM, .E = 200, .H = 200, .L = 2 };
        t->init_range = 0.1f;
        t->T = 20; t->B = 20; t->steps = 0;
        /* The Elman rung gets a shorter schedule (6 epochs, halving after 3)
         * to fit the course's time budget; Zaremba's LSTM keeps all 13. */
        t->epochs = elman ? 6 : 13;
        t->optimizer = 0; t->lr = elman ? 0.1f : 1.0f; t->decay = 0.5f; t->decay_start = elman ? 3 : 4;
        t->clip = 5.0f; t->time_sum = 1; t->eval_T = 35; t->log_every = 100;
    } else if (strcmp(name, "ptb-rnnlm") == 0) {
        /* Mikolov 2011/2012's recipe (rnnlm.h); the hidden size is our choice (README).
         * One class per word of PTB's 10,000 makes the class softmax a full
         * softmax: 10.5 test points better than 100 classes, and 7x the time of
         * the 1x400, 100-class model (README). */
        corpus_paths(o, CORPUS_PTB);
        t->model = (RnnLmConfig){ .kind = RNN_ELMAN, .E = 200, .H = 200, .L = 1 };
        o->classes = 10000;
        t->lr = 0.1f; t->epochs = 50; t->steps = 0; t->seed = 1;
        /* the toolkit stops at the second halved epoch (1.003); letting the
         * halving run on until an epoch gains < 0.05% gains about 2 test points (README) */
        t->stop_gain = 1.0005;
    } else if (strncmp(name, "shakespeare-", 12) == 0 && rnn_kind_parse(name + 12, &kind) == 0) {
        corpus_paths(o, CORPUS_SHAKESPEARE);
        t->model.kind = kind;
        t->model.E = 128; t->model.H = 128; t->model.L = 2; t->model.dropout = 0.0f;
        t->T = 50; t->B = 50; t->steps = 2000; t->optimizer = 1; t->lr = 2e-3f;
        t->clip = 5.0f; t->eval_every = 500; t->log_every = 10;
    } else if (strcmp(name, "bible-chars") == 0) {
        corpus_paths(o, CORPUS_BIBLE_CHARS);
        t->model = (RnnLmConfig){ .kind = RNN_LSTM, .E = 128, .H = 128, .L = 2 };
        t->T = 50; t->B = 50; t->steps = 2000; t->optimizer = 1; t->lr = 2e-3f;
        t->clip = 5.0f; t->eval_every = 500; t->eval_tokens = 50000;
    } else {
        return 0;
    }
    return 1;
}

static const char *const cell_names[] = { "rnn", "lstm", "gru", "elman", NULL };   /* elman = rnn */
static const char *const optimizer_names[] = { "sgd", "adam", NULL };   /* RnnLmTrainOptions.optimizer */
static const char *const class_bin_names[] = { "freq", "sqrt", NULL };  /* Options.class_bins */

/* The options of every LM command (common/cli.h: --preset first, then the
 * flags in order); returns how many files follow them, moved to argv[1..].
 * max_files: how many the command takes. */
static int parse(Options *o, int argc, char **argv, const char *usage, int max_files) {
    RnnLmTrainOptions *t = &o->lm;
    rnn_lm_train_defaults(t);
    o->count = 500;
    o->sampler = (SamplerConfig){ .temperature = 0.8f, .top_k = 0, .top_p = 1.0f };
    o->corpus = o->cell = -1;
    o->epochs = o->steps = -1;
    o->beta = -1.0f;
    const CliOption opts[] = {
        { .name = "corpus", .type = CLI_CHOICE, .dst = &o->corpus, .choices = corpus_names },
        { .name = "train", .type = CLI_STRING, .dst = &o->train, .alias = "data" },
        CLI_OPT("valid", CLI_STRING, &o->valid, 0, 0),
        CLI_OPT("test", CLI_STRING, &o->test, 0, 0),
        CLI_OPT("char", CLI_FLAG, &o->char_flag, 0, 0),
        { .name = "cell", .type = CLI_CHOICE, .dst = &o->cell, .choices = cell_names },
        CLI_OPT("emb", CLI_INT, &t->model.E, 1, 65536),
        CLI_OPT("hidden", CLI_INT, &t->model.H, 1, 65536),
        CLI_OPT("layers", CLI_INT, &t->model.L, 1, RNN_LM_MAX_LAYERS),
        CLI_OPT("dropout", CLI_FLOAT, &t->model.dropout, 0, 0.99),
        CLI_OPT("init", CLI_FLOAT, &t->init_range, 0, 10),
        { .name = "context", .type = CLI_INT, .dst = &t->T, .lo = 1, .hi = 100000, .alias = "seq-len" },
        CLI_BATCH(&t->B),
        CLI_OPT("epochs", CLI_LONG, &o->epochs, 1, 100000),
        CLI_STEPS(&o->steps),
        { .name = "optimizer", .type = CLI_CHOICE, .dst = &t->optimizer, .choices = optimizer_names },
        CLI_LR_F(&t->lr),
        CLI_OPT("lr-decay", CLI_FLOAT, &t->decay, 1e-6, 1),
        CLI_OPT("decay-start", CLI_INT, &t->decay_start, 0, 100000),
        CLI_OPT("clip", CLI_FLOAT, &t->clip, 0, 1e9),
        CLI_OPT("time-sum", CLI_FLAG, &t->time_sum, 0, 0),
        CLI_OPT("plateau", CLI_FLAG, &t->plateau, 0, 0),
        CLI_OPT("stop-gain", CLI_DOUBLE, &t->stop_gain, 1, 2),
        { .name = "eval-every", .type = CLI_LONG, .dst = &t->eval_every, .lo = 1, .hi = 1e9, .alias = "eval-interval" },
        CLI_OPT("eval-tokens", CLI_LONG, &t->eval_tokens, 1, 1e9),
        CLI_SEED(&t->seed), CLI_THREADS(&o->threads), CLI_OUT(&t->out), CLI_QUIET(&t->quiet),
        CLI_OPT("resume", CLI_FLAG, &t->resume, 0, 0),
        CLI_OPT("model", CLI_STRING, &o->model, 0, 0),
        CLI_OPT("n", CLI_LONG, &o->count, 0, 1e8),
        CLI_OPT("temperature", CLI_FLOAT, &o->sampler.temperature, 0, 100),
        CLI_OPT("top-k", CLI_INT, &o->sampler.top_k, 0, 1 << 30),
        CLI_OPT("top-p", CLI_FLOAT, &o->sampler.top_p, 0, 1),
        CLI_OPT("prime", CLI_STRING, &o->prime, 0, 0),
        CLI_OPT("quick", CLI_FLAG, &o->quick, 0, 0),
        CLI_OPT("classes", CLI_INT, &o->classes, 1, 1 << 30),
        { .name = "class-bins", .type = CLI_CHOICE, .dst = &o->class_bins, .choices = class_bin_names },
        CLI_OPT("bptt", CLI_INT, &o->bptt, 1, 10000),
        CLI_OPT("bptt-block", CLI_INT, &o->bptt_block, 1, 10000),
        CLI_OPT("l2", CLI_FLOAT, &o->beta, 0, 1),
        CLI_OPT("max-words", CLI_LONG, &o->max_words, 1, 1e12),
        CLI_END
    };
    CliSpec spec = { .usage = usage, .options = opts, .preset = apply_preset, .ctx = o,
                     .presets = "ptb-small, ptb-rnn, ptb-rnnlm, shakespeare-lstm, shakespeare-gru, shakespeare-rnn, bible-chars" };
    int nfiles = cli_parse(&spec, argc, argv);
    if (nfiles > max_files) usage_error("%s: unexpected argument '%s' (see --help)", argv[0], argv[max_files + 1]);
    /* a corpus, then your own files, each replacing what came before */
    if (o->corpus >= 0) corpus_paths(o, o->corpus);
    if (o->train) {
        o->path[SPLIT_TRAIN] = o->train;
        o->path[SPLIT_VALID] = o->path[SPLIT_TEST] = NULL;
        for (int s = 0; s < 3; s++) o->rel[s] = NULL;
        o->name = "custom";
    }
    if (o->valid) { o->path[SPLIT_VALID] = o->valid; o->rel[SPLIT_VALID] = NULL; }
    if (o->test) { o->path[SPLIT_TEST] = o->test; o->rel[SPLIT_TEST] = NULL; }
    if (o->char_flag) o->char_level = 1;
    if (o->cell >= 0) t->model.kind = o->cell == 3 ? RNN_ELMAN : (RnnKind)o->cell;
    /* --steps N trains N steps; --epochs N, without --steps, N passes */
    if (o->epochs > 0) t->epochs = o->epochs;
    if (o->steps >= 0) t->steps = o->steps;
    else if (o->epochs > 0) t->steps = 0;
    if (o->classes > 0 && (t->model.kind != RNN_ELMAN || t->model.L != 1 || t->model.dropout > 0.0f))
        usage_error("--classes trains Mikolov's RNNLM: one sigmoid layer, so --cell rnn --layers 1 and no --dropout");
    if (t->stop_gain != RNN_PLATEAU_MIN_GAIN && o->classes <= 0 && !t->plateau)
        usage_error("--stop-gain belongs to Mikolov's schedule: give --plateau or --classes too");
    sampler_check(&o->sampler);
    if (o->threads > 0) set_threads(o->threads);
    return nfiles;
}

static void load_corpus(const Options *o, RnnLmData *d) {
    if (!o->rel[SPLIT_TRAIN] && !o->path[SPLIT_TRAIN])
        usage_error("no training data: give --preset, --corpus or --train (see --help)");
    const char *train = split_file(o, SPLIT_TRAIN), *valid = split_file(o, SPLIT_VALID);
    const char *test = split_file(o, SPLIT_TEST);
    if (o->char_level) rnn_lm_data_chars(d, train, valid, test);
    else rnn_lm_data_words(d, train, valid, test);
}

/* The RESULT line of a score: loss in nats per token; valid, the last
 * validation loss of a training run, reported beside its test score (NAN:
 * none). params= labels the rung on the ladder's plots. */
static void result_line(const char *model, long long params, const char *data, const char *split, size_t tokens,
                        double loss, double valid) {
    result_begin("rnn");
    result_str("model", model);
    result_str("data", data);
    result_str("split", split);
    result_int("tokens", (long long)tokens);
    result_num("loss", loss, 4);
    result_num("ppl", exp(loss), 2);
    if (!isnan(valid)) result_num("valid_ppl", exp(valid), 2);
    result_int("params", params);
    result_end();
}

static void print_result(const RnnLm *m, const char *data, const char *split, size_t tokens, double loss,
                         double valid) {
    result_line(rnn_kind_name(m->cfg.kind), (long long)params_count(&m->pt), data, split, tokens, loss, valid);
}

/* An RNNLM's params= counts its weights, not the word classes stored beside them. */
static void print_rnnlm_result(const Rnnlm *m, const char *data, const char *split, size_t tokens, double loss,
                               double valid) {
    result_line("rnnlm", (long long)m->n_weights, data, split, tokens, loss, valid);
}

/* lm-train --classes N: Mikolov's RNNLM, online (rnnlm.h). */
static int cmd_rnnlm_train(const Options *o, RnnLmData *d) {
    if (dist_size() > 1) usage_error("--classes trains online in one process: run it without mpirun");
    RnnlmTrainOptions r;
    rnnlm_train_defaults(&r);
    r.model.H = o->lm.model.H;
    r.model.C = o->classes;
    r.sqrt_classes = o->class_bins == 1;
    if (o->bptt > 0) r.bptt = o->bptt;
    if (o->bptt_block > 0) r.block = o->bptt_block;
    if (o->beta >= 0.0f) r.beta = o->beta;
    r.lr = o->lm.lr;
    r.stop_gain = o->lm.stop_gain;
    r.epochs = o->lm.epochs;
    r.max_words = o->max_words;
    r.eval_tokens = o->lm.eval_tokens;
    r.seed = o->lm.seed;
    r.out = o->lm.out;
    r.resume = o->lm.resume;
    r.quiet = o->lm.quiet;
    Rnnlm m;
    double valid = rnnlm_train(&m, d->vocab, d->split[SPLIT_TRAIN], d->len[SPLIT_TRAIN], d->split[SPLIT_VALID],
                               d->len[SPLIT_VALID], &r);
    const char *name = o->name ? o->name : "custom";
    if (d->split[SPLIT_TEST]) {
        double loss = rnnlm_evaluate(&m, d->split[SPLIT_TEST], d->len[SPLIT_TEST]);
        print_rnnlm_result(&m, name, "test", d->len[SPLIT_TEST] - 1, loss, valid);
    } else {
        print_rnnlm_result(&m, name, "valid", d->len[SPLIT_VALID] - 1, valid, NAN);
    }
    rnnlm_free(&m);
    rnn_lm_data_free(d);
    return 0;
}

static int cmd_lm_train(int argc, char **argv) {
    Options o = {0};
    parse(&o, argc, argv, usage_train, 0);
    RnnLmData d;
    load_corpus(&o, &d);
    if (!o.lm.quiet)
        fprintf(stderr, "rnn: %s %zu train tokens, vocabulary %d\n", o.char_level ? "chars" : "words",
                d.len[SPLIT_TRAIN], d.vocab->size);
    if (o.classes > 0) return cmd_rnnlm_train(&o, &d);
    RnnLm m;
    double valid = rnn_lm_train(&m, &d, &o.lm);
    const char *name = o.name ? o.name : "custom";
    int root = dist_is_root();   /* rank 0 alone evaluates and prints */
    if (root && d.split[SPLIT_TEST]) {
        double loss = rnn_lm_evaluate(&m, d.split[SPLIT_TEST], d.len[SPLIT_TEST], o.lm.eval_T, 0);
        print_result(&m, name, "test", d.len[SPLIT_TEST] - 1, loss, d.split[SPLIT_VALID] ? valid : NAN);
    } else if (root && d.split[SPLIT_VALID]) {
        print_result(&m, name, "valid", d.len[SPLIT_VALID] - 1, valid, NAN);
    }
    rnn_lm_free(&m);
    rnn_lm_data_free(&d);
    return 0;
}

/* The token ids lm-eval scores: FILE, or the test split of --corpus, in the
 * model's vocabulary. *path names it; *n >= 2. */
static int *eval_tokens(const Options *o, const char *file, const Vocab *v, const char **path, size_t *n) {
    *path = file ? file : split_file(o, SPLIT_TEST);
    if (!*path) usage_error("lm-eval needs a FILE or --corpus with a test split");
    size_t len;
    char *text = text_load(*path, &len);
    int *ids = rnn_lm_encode_text(v, v->kind == VOCAB_CHAR, text, len, n);
    free(text);
    if (*n < 2) die("'%s': needs at least two tokens to score", *path);
    return ids;
}

/* lm-eval of a saved RNNLM: FILE (or the corpus's test split), from s = 0.1. */
static int cmd_rnnlm_eval(const Options *o, const char *file) {
    Rnnlm m;
    Vocab *v;
    rnnlm_load(&m, &v, o->model, NULL);
    const char *path;
    size_t n;
    int *ids = eval_tokens(o, file, v, &path, &n);
    double loss = rnnlm_evaluate(&m, ids, n);
    int corpus = o->name && !file;
    print_rnnlm_result(&m, corpus ? o->name : path, corpus ? "test" : "file", n - 1, loss, NAN);
    free(ids);
    vocab_free(v);
    rnnlm_free(&m);
    return 0;
}

static int cmd_lm_eval(int argc, char **argv) {
    Options o = {0};
    int nfiles = parse(&o, argc, argv, usage_eval, 1);
    if (!o.model) usage_error("lm-eval needs --model DIR");
    if (rnnlm_is_checkpoint(o.model)) return cmd_rnnlm_eval(&o, nfiles ? argv[1] : NULL);
    RnnLm m;
    Vocab *v;
    rnn_lm_load(&m, &v, o.model, NULL);
    const char *path;
    size_t n;
    int *ids = eval_tokens(&o, nfiles ? argv[1] : NULL, v, &path, &n);
    double loss = rnn_lm_evaluate(&m, ids, n, 100, 0);
    print_result(&m, o.name ? o.name : path, o.name ? "test" : "file", n - 1, loss, NAN);
    free(ids);
    vocab_free(v);
    rnn_lm_free(&m);
    return 0;
}

static int cmd_sample(int argc, char **argv) {
    Options o = {0};
    parse(&o, argc, argv, usage_sample, 0);
    if (!o.model) usage_error("sample needs --model DIR");
    if (rnnlm_is_checkpoint(o.model)) {
        Rnnlm r;
        Vocab *v;
        rnnlm_load(&r, &v, o.model, NULL);
        char *text = rnnlm_sample(&r, v, o.prime, (int)o.count, &o.sampler, o.lm.seed);
        printf("%s\n", text);
        free(text);
        vocab_free(v);
        rnnlm_free(&r);
        return 0;
    }
    RnnLm m;
    Vocab *v;
    rnn_lm_load(&m, &v, o.model, NULL);
    char *text = rnn_lm_sample(&m, v, o.prime, (int)o.count, &o.sampler, o.lm.seed);
    printf("%s\n", text);
    free(text);
    vocab_free(v);
    rnn_lm_free(&m);
    return 0;
}

static int cmd_gradnorm(int argc, char **argv) {
    Options o = {0};
    parse(&o, argc, argv, usage_gradnorm, 0);
    int T = o.lm.steps > 0 ? (int)o.lm.steps : 60;
    int H = o.lm.model.H != 128 ? o.lm.model.H : 64;
    const char *out = strcmp(o.lm.out, "runs/rnn/lm") == 0 ? "runs/rnn/gradnorm" : o.lm.out;
    rnn_gradnorm_run(out, T, H, o.lm.seed);
    return 0;
}

static int cmd_demo(int argc, char **argv) {
    Options o = {0};
    parse(&o, argc, argv, usage_demo, 0);
    const char *root = strcmp(o.lm.out, "runs/rnn/lm") == 0 ? "runs/rnn/demo" : o.lm.out;
    char dir[4096];
    apply_preset(&o, "bible-chars");
    snprintf(dir, sizeof dir, "%s/bible-chars", root);
    o.lm.out = dir;
    o.lm.steps = o.quick ? 150 : 600;
    o.lm.eval_every = 150;
    o.lm.eval_tokens = o.quick ? 5000 : 50000;
    o.lm.sample_prompt = o.quick ? NULL : "And God said";
    o.lm.sample_len = 120;
    printf("== 1. a char-level LSTM (2x128) on the King James Bible, %ld steps of 50x50 chars\n", o.lm.steps);
    fflush(stdout);
    RnnLmData d;
    load_corpus(&o, &d);
    RnnLm m;
    double valid = rnn_lm_train(&m, &d, &o.lm);
    printf("valid loss %.4f nats/char (ppl %.2f) on the first %ld valid chars\n", valid, exp(valid), o.lm.eval_tokens);
    for (int k = 0; k < 2; k++) {
        SamplerConfig sampler = { .temperature = k == 0 ? 0.5f : 1.0f, .top_k = 0, .top_p = 1.0f };
        char *s = rnn_lm_sample(&m, d.vocab, "And God said", 200, &sampler, 42);
        printf("--- sample, temperature %.1f:\n%s\n", sampler.temperature, s);
        free(s);
    }
    metrics_plot(dir);
    print_result(&m, "bible-chars", "valid", (size_t)o.lm.eval_tokens, valid, NAN);
    rnn_lm_free(&m);
    rnn_lm_data_free(&d);

    printf("\n== 2. vanishing gradients: ||dL_T/dh_t|| for an RNN and an LSTM\n");
    snprintf(dir, sizeof dir, "%s/gradnorm", root);
    rnn_gradnorm_run(dir, 60, 64, 1);

    printf("\n== 3. which division of the Bible is a verse from? (8 classes, test verses)\n");
    fflush(stdout);
    rnn_cls_demo_table(root, o.quick);
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* `rnn bench --case char|ptb`: median time of one training step (forward,
 * backward, clip, optimizer) on random tokens, for make bench (bench/rnn.c). */
static int cmd_bench(int argc, char **argv) {
    static const char *const cases[] = { "char", "ptb", NULL };
    int which = 0, threads = 1;
    long reps = 20;
    const CliOption opts[] = {
        { .name = "case", .type = CLI_CHOICE, .dst = &which, .choices = cases },
        CLI_THREADS(&threads),
        CLI_OPT("reps", CLI_LONG, &reps, 1, 100000),
        CLI_END
    };
    CliSpec spec = { .usage = "usage: rnn bench [--case char|ptb] [--threads N] [--reps N]\n"
                              "  char: LSTM 2x128, V 65, seq 50, batch 50, Adam (char-rnn's default)\n"
                              "  ptb:  LSTM 2x200, V 10000, seq 20, batch 20, SGD (Zaremba small)\n",
                     .options = opts };
    if (cli_parse(&spec, argc, argv) > 0) usage_error("bench: unexpected argument '%s'", argv[1]);
    set_threads(threads);
    int ptb = which == 1;
    RnnLmConfig cfg = { RNN_LSTM, ptb ? 10000 : 65, ptb ? 200 : 128, ptb ? 200 : 128, 2, 0.0f };
    int T = ptb ? 20 : 50, B = ptb ? 20 : 50, N = T * B;
    RnnLm m;
    rnn_lm_build(&m, &cfg);
    Rng r;
    rng_seed(&r, 1, 0);
    rnn_lm_init_uniform(&m, 0.1f, &r);
    RnnLmActs a;
    rnn_lm_acts_build(&a, &m, T, B, 1);
    int *inp = xmalloc((size_t)N * sizeof(int)), *tgt = xmalloc((size_t)N * sizeof(int));
    for (int i = 0; i < N; i++) { inp[i] = (int)rng_below(&r, (uint32_t)cfg.V); tgt[i] = (int)rng_below(&r, (uint32_t)cfg.V); }
    AdamConfig adam = { 0.9f, 0.999f, 1e-8f, 0.0f, 0 };
    double *ms = xmalloc((size_t)(reps + 3) * sizeof(double));
    for (long k = 0; k < reps + 3; k++) {
        double t0 = now_seconds();
        rnn_lm_forward(&m, &a, inp, tgt, T, 1);
        params_zero_grad(&m.pt);
        rnn_lm_backward(&m, &a, 1.0f);
        clip_grad_norm(&m.pt, 5.0f);
        if (ptb) sgd_step(&m.pt, 1.0f, 0.0f, 0.0f);
        else adam_step(&m.pt, &adam, 2e-3f, (int)k + 1);
        ms[k] = 1e3 * (now_seconds() - t0);
    }
    qsort(ms + 3, (size_t)reps, sizeof(double), cmp_double);   /* the first 3 warm up */
    double med = ms[3 + reps / 2];
    /* FLOPs of a step per token: 2 per weight of the matrix products forward
     * (each layer's W_ih and W_hh, the decoder), twice that backward (the
     * input's gradient and the weight's); the embedding is a lookup. */
    double fwd = 0;
    for (int l = 0; l < cfg.L; l++) fwd += 2.0 * rnn_gates(cfg.kind) * cfg.H * ((l ? cfg.H : cfg.E) + cfg.H);
    fwd += 2.0 * cfg.H * cfg.V;
    result_begin("rnn");
    result_str("task", "bench");
    result_str("case", cases[which]);
    result_int("threads", threads);
    result_num("ms_per_step", med, 2);
    result_num("tok_per_s", N / (med / 1e3), 0);
    result_num("mflop_per_tok", 3 * fwd / 1e6, 3);
    result_num("gflop_s", 3 * fwd * N / (med / 1e3) / 1e9, 1);
    result_end();
    free(ms); free(inp); free(tgt);
    rnn_lm_acts_free(&a);
    rnn_lm_free(&m);
    return 0;
}

int main(int argc, char **argv) {
    /* Mikolov's RNNLM trains online: two parallel sweeps of the output layer
     * per word, ~300 us apart. A thread that sleeps between them costs a
     * wake-up each time. With 3000 polls (~85 us here) before it sleeps, two
     * threads ran at 1.58x and 1.47x one thread's speed (200 and 300 units),
     * against 1.38x and 1.23x when it slept at once (README, "Mikolov's
     * RNNLM"); the LSTM benchmarks neither gained nor lost. */
    openmp_wait_briefly(argv, "3000");
    dist_init(&argc, &argv);   /* one of n ranks under mpirun: lm-train is data parallel */
    util_set_prog("rnn");
    if (argc < 2) { fputs(usage_main, stderr); return 2; }
    const char *cmd = argv[1];
    argv++; argc--;
    if (strcmp(cmd, "lm-train") == 0) return cmd_lm_train(argc, argv);
    if (strcmp(cmd, "lm-eval") == 0) return cmd_lm_eval(argc, argv);
    if (strcmp(cmd, "sample") == 0) return cmd_sample(argc, argv);
    if (strcmp(cmd, "classify-train") == 0) return rnn_cmd_classify_train(argc, argv);
    if (strcmp(cmd, "classify-eval") == 0) return rnn_cmd_classify_eval(argc, argv);
    if (strcmp(cmd, "gradnorm") == 0) return cmd_gradnorm(argc, argv);
    if (strcmp(cmd, "demo") == 0) return cmd_demo(argc, argv);
    if (strcmp(cmd, "bench") == 0) return cmd_bench(argc, argv);
    if (strcmp(cmd, "elmo") == 0) return rnn_cmd_elmo(argc, argv);
    if (strcmp(cmd, "elmo-probe") == 0) return rnn_cmd_elmo_probe(argc, argv);
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) help(usage_main);
    usage_error("unknown command '%s' (see rnn --help)", cmd);
}
