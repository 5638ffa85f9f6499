/*
 * nnlm_cli.c -- `word2vec nnlm`: train Bengio's neural LM on a corpus split,
 * report validation and test perplexity, save checkpoints, export the lookup
 * table as word2vec vectors.
 *
 *   word2vec nnlm --data ptb --epochs 5                       train, then test perplexity
 *   word2vec nnlm --data ptb --load runs/word2vec/nnlm --epochs 2        two more epochs
 *   word2vec nnlm --data ptb --load runs/word2vec/nnlm --epochs 0        evaluate a saved model
 *   word2vec nnlm --data ptb --load runs/word2vec/nnlm --epochs 0 --export emb.bin
 *
 * It parses the flags, loads the data and calls nnlm_train.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "matmul.h"
#include "metrics.h"
#include "text.h"
#include "util.h"
#include "vectors.h"
#include "word2vec/nnlm.h"
#include "word2vec/nnlm_train.h"

/* --preset ptb: sizes picked before any search (no tuning: one run, scored
 * on validation after each epoch; word2vec/README.md gives its numbers) */
#define PTB_EMBED 128
#define PTB_HIDDEN 256
#define PTB_DROPOUT_TEXT 0.3
#define PTB_DROPOUT ((float)PTB_DROPOUT_TEXT)
#define STR_(x) #x
#define STR(x) STR_(x)
#define PTB_EPOCHS 7

static const char *NNLM_HELP =
    "usage: word2vec nnlm [--preset ptb] [--data ptb|bible | --train F --valid F --test F] [options]\n"
    "\n"
    "Bengio et al. (2003): the n-1 previous words -> lookup table -> concatenation\n"
    "-> tanh hidden layer -> softmax over the vocabulary, trained with Adam on\n"
    "minibatches. Each line is a sentence ended by </s>; every word and </s> is\n"
    "scored (82,430 tokens on the PTB test set). Ends with a RESULT line.\n"
    "\n"
    "Early stopping (Mikolov et al. 2010): after each epoch, a validation loss\n"
    "that is not the best so far undoes the epoch (back to the best model and\n"
    "its Adam moments); from the first such epoch on the learning rate is halved\n"
    "after every epoch, and after --patience of them training stops. The test\n"
    "set is scored with the best model.\n"
    "\n"
    "  --preset ptb       dropout and early stopping on PTB: --data ptb --embed " STR(PTB_EMBED) " --hidden " STR(PTB_HIDDEN) "\n"
    "                     --dropout " STR(PTB_DROPOUT_TEXT) " --epochs " STR(PTB_EPOCHS) " --patience 2 --threads 1\n"
    "                     --out runs/word2vec/nnlm_ptb_preset (flags after it override)\n"
    "  --data NAME        ptb ($NLP_DATA_DIR/ptb/ptb.*.txt) or bible\n"
    "                     (data/cache/bible/words.*.txt)\n"
    "  --train/--valid/--test FILE   the three splits instead\n"
    "  --order N          n: predict from n-1 previous words (5)\n"
    "  --embed N          lookup table size per word (64)\n"
    "  --hidden N         tanh hidden units (128)\n"
    "  --direct 0|1       direct connections from the embeddings to the output (0)\n"
    "  --dropout P        inverted dropout on the concatenated embeddings and the\n"
    "                     hidden layer while training (0; a training flag: --load\n"
    "                     keeps the saved run's)\n"
    "  --epochs N         at most N passes over the training set (3; 0 = evaluate\n"
    "                     only); with --load, passes after the saved ones\n"
    "  --patience N       stop after validation failed to improve N times (2; 0 = never)\n"
    "  --batch N          minibatch size (128)\n"
    "  --lr X             Adam learning rate (2e-3; halved as above; with --load,\n"
    "                     the saved rate: --lr starts a fresh run only)\n"
    "  --max-tokens N     train on at most N tokens per epoch (0 = all), for quick runs\n"
    "  --min-count N      training words seen fewer times become <unk> (1)\n"
    "  --out DIR          run directory: metrics.tsv, config.txt, nnlm.ckpt, vocab.txt\n"
    "                     (runs/word2vec/nnlm)\n"
    "  --load DIR         continue from DIR/nnlm.ckpt and DIR/vocab.txt (also --model DIR):\n"
    "                     the model, Adam, the epoch, learning rate, shuffling and\n"
    "                     dropout streams, so E1 epochs, then E2 with --load, equal\n"
    "                     E1+E2 epochs in one run (with --threads 1)\n"
    "  --export FILE      write the lookup table as word2vec binary vectors\n"
    "  --threads N        OpenBLAS threads (2)\n"
    "  --seed N           (1)\n"
    "  --quiet            print only the RESULT line (no progress, epoch lines or plots)\n";

/* Every flag of the command, for the preset to set. */
typedef struct {
    NnlmConfig cfg;
    const char *data, *paths[3], *out, *load, *export_path;
    int epochs, B, threads, quiet, patience;
    long max_tokens, min_count;
    float lr;
    unsigned long long seed;
} NnlmOptions;

/* --preset ptb: a bigger NNLM with dropout and early stopping (the flags after it override). */
static int apply_preset(void *ctx, const char *name) {
    if (strcmp(name, "ptb") != 0) return 0;
    NnlmOptions *o = ctx;
    o->data = "ptb";
    o->cfg = (NnlmConfig){.order = 5, .embed = PTB_EMBED, .hidden = PTB_HIDDEN, .direct = 0, .dropout = PTB_DROPOUT};
    o->epochs = PTB_EPOCHS;
    o->patience = 2;
    o->lr = 2e-3f;
    o->B = 128;
    o->threads = 1;
    o->out = "runs/word2vec/nnlm_ptb_preset";   /* apart from the two-epoch run's runs/word2vec/nnlm_ptb */
    return 1;
}

int nnlm_main(int argc, char **argv) {
    NnlmOptions o = {.cfg = {.order = 5, .embed = 64, .hidden = 128, .direct = 0, .dropout = 0.0f},
                     .out = "runs/word2vec/nnlm", .epochs = 3, .B = 128, .threads = 2, .patience = 2,
                     .min_count = 1, .lr = 2e-3f, .seed = 1};
    const CliOption opts[] = {
        CLI_DATA(&o.data),
        CLI_OPT("train", CLI_STRING, &o.paths[SPLIT_TRAIN], 0, 0),
        CLI_OPT("valid", CLI_STRING, &o.paths[SPLIT_VALID], 0, 0),
        CLI_OPT("test", CLI_STRING, &o.paths[SPLIT_TEST], 0, 0),
        CLI_OPT("order", CLI_INT, &o.cfg.order, 2, 32),
        CLI_OPT("embed", CLI_INT, &o.cfg.embed, 1, 4096),
        CLI_OPT("hidden", CLI_INT, &o.cfg.hidden, 1, 16384),
        CLI_OPT("direct", CLI_INT, &o.cfg.direct, 0, 1),
        CLI_OPT("dropout", CLI_FLOAT, &o.cfg.dropout, 0, 0.99),
        CLI_OPT("epochs", CLI_INT, &o.epochs, 0, 1000),
        CLI_OPT("patience", CLI_INT, &o.patience, 0, 1000),
        CLI_BATCH(&o.B),
        CLI_OPT("lr", CLI_FLOAT, &o.lr, 1e-9, 10),
        CLI_OPT("max-tokens", CLI_LONG, &o.max_tokens, 0, 1L << 40),
        CLI_OUT(&o.out),
        {.name = "load", .type = CLI_STRING, .dst = &o.load, .alias = "model"},
        CLI_OPT("export", CLI_STRING, &o.export_path, 0, 0),
        CLI_THREADS(&o.threads),
        CLI_SEED(&o.seed),
        CLI_OPT("min-count", CLI_LONG, &o.min_count, 1, 1L << 40),
        CLI_QUIET(&o.quiet),
        CLI_END,
    };
    CliSpec spec = {.usage = NNLM_HELP, .options = opts, .preset = apply_preset, .ctx = &o, .presets = "ptb"};
    if (cli_parse(&spec, argc, argv) > 0) usage_error("unexpected argument '%s'; see 'word2vec nnlm --help'", argv[1]);
    NnlmConfig cfg = o.cfg;
    const char *data = o.data, **paths = o.paths, *out = o.out, *load = o.load;
    int epochs = o.epochs, B = o.B, quiet = o.quiet;
    char buf[3][1024];
    if (data) {
        const char *names[3] = {"train", "valid", "test"};
        for (int i = 0; i < 3; i++) {
            char rel[64];
            if (strcmp(data, "ptb") == 0) snprintf(rel, sizeof rel, "ptb/ptb.%s.txt", names[i]);
            else if (strcmp(data, "bible") == 0) snprintf(rel, sizeof rel, "bible/words.%s.txt", names[i]);
            else usage_error("--data must be ptb or bible, got '%s'", data);
            data_path(buf[i], sizeof buf[i], rel);
            if (!paths[i]) paths[i] = buf[i];
        }
    }
    if (!paths[0] || !paths[1] || !paths[2]) usage_error("give --data, or --train, --valid and --test; see 'word2vec nnlm --help'");
    for (int i = 0; i < 3; i++)
        if (!path_exists(paths[i])) die("cannot open '%s'%s", paths[i], data ? " (run 'make data' or scripts/data.sh)" : "");
    set_threads(o.threads);

    /* the vocabulary, model and training state: fresh from the training text, or as saved */
    NnlmTrainConfig tc = {.epochs = epochs, .lr = o.lr, .max_tokens = o.max_tokens, .patience = o.patience,
                          .seed = o.seed, .out = out, .quiet = quiet};
    Nnlm m;
    NnlmTrainState st;
    Vocab *vocab;
    if (load) {
        vocab = nnlm_checkpoint_load(load, &m, B, &st, &tc);
        cfg = m.cfg;
    } else {
        size_t len;
        char *text = text_load(paths[0], &len);
        vocab = vocab_build(VOCAB_WORD, text, len, o.min_count, 0);
        free(text);
        cfg.V = vocab->size;
        nnlm_build(&m, &cfg, B);
        nnlm_init(&m, o.seed);
        nnlm_state_init(&st, &tc);
    }
    NnlmData d;
    nnlm_data_load(&d, paths, vocab, m.N);
    const NnlmSplit *sp = d.split;
    if (!quiet)
        printf("nnlm: V %d, order %d, embed %d, hidden %d, direct %d, dropout %g: %zu parameters; "
               "tokens train %ld valid %ld test %ld\n", cfg.V, cfg.order, cfg.embed, cfg.hidden, cfg.direct,
               (double)cfg.dropout, params_count(&m.pt), sp[0].n, sp[1].n, sp[2].n);

    /* training: shuffled minibatches, Adam, early stopping on validation */
    make_dirs(out);
    RunConfig *rc = config_begin(out);
    config_str(rc, "train", paths[0]);
    config_int(rc, "order", cfg.order); config_int(rc, "embed", cfg.embed); config_int(rc, "hidden", cfg.hidden);
    config_int(rc, "direct", cfg.direct); config_num(rc, "dropout", cfg.dropout);
    config_int(rc, "epochs", epochs); config_int(rc, "patience", o.patience); config_int(rc, "batch", B);
    config_num(rc, "lr", o.lr); config_int(rc, "max_tokens", o.max_tokens); config_int(rc, "min_count", o.min_count);
    config_int(rc, "seed", (long long)o.seed);
    config_end(rc);
    double tps = 0.0;
    nnlm_train(&m, &st, &d, &tc, &tps);
    if (epochs > 0 && !quiet) metrics_plot(out);   /* gnuplot has its own chatter */

    /* the model is the best on validation (nnlm_train.h), or as loaded */
    double valid = nnlm_evaluate(&m, &sp[SPLIT_VALID]);
    double test = nnlm_evaluate(&m, &sp[SPLIT_TEST]);
    if (!quiet) printf("valid ppl %.2f (%ld tokens), test ppl %.2f (%ld tokens)\n", exp(valid), sp[1].n, exp(test), sp[2].n);
    if (o.export_path) {
        Vectors *v = vectors_new(vocab->size, cfg.embed, (const char *const *)vocab->tokens);
        memcpy(v->vecs, m.w.emb, (size_t)vocab->size * cfg.embed * sizeof(float));
        vectors_save(v, o.export_path, 1);
        if (!quiet) printf("wrote the %d x %d lookup table to %s\n", vocab->size, cfg.embed, o.export_path);
        vectors_free(v);
    }
    result_begin("word2vec");
    result_str("model", "nnlm");
    result_str("data", data ? data : "custom");
    result_str("split", "test");
    result_int("tokens", sp[2].n);
    result_num("loss", test, 4);
    result_num("ppl", exp(test), 2);
    result_num("valid_ppl", exp(valid), 2);
    result_int("params", (long long)params_count(&m.pt));
    result_int("epochs", st.epoch);
    if (epochs > 0) result_num("train_tok_per_s", tps, 0);
    result_end();
    nnlm_data_free(&d);
    nnlm_free(&m);
    vocab_free(vocab);
    return 0;
}
