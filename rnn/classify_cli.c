/*
 * classify_cli.c -- `rnn classify-train`: the classification experiments.
 *
 *   rnn classify-train --preset mr-cnn-rand       Kim 2014 CNN-rand, MR, 10-fold CV
 *   rnn classify-train --preset bible-cnn         which division a verse is from
 *
 * Ends with  RESULT stage=rnn task=mr model=cnn-rand folds=10 acc=...
 */
#include "rnn/classify_cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matmul.h"
#include "metrics.h"
#include "rnn/classify.h"
#include "util.h"

static const char *usage_classify =
    "usage: rnn classify-train [--preset NAME] [options]\n"
    "\n"
    "Sentence classification with a bag-of-embeddings DNN, Kim's CNN or an LSTM.\n"
    "\n"
    "presets (flags after --preset override them):\n"
    "  mr-cnn-rand       Kim 2014 on MR: filters 3,4,5 x 100, ReLU, max over time,\n"
    "                    dropout 0.5, max-norm 3, E 300 random, batch 50, 10-fold CV\n"
    "  mr-cnn-static     the same with frozen pretrained rows (--vectors-lm DIR)\n"
    "  mr-cnn-nonstatic  the same, fine-tuned\n"
    "  mr-dnn            mean of embeddings, ReLU layer of 100, dropout 0.5\n"
    "  mr-lstm           LSTM 100, max-pool over the words, dropout 0.5\n"
    "  bible-cnn, bible-dnn, bible-lstm   the 8 divisions of the Bible (train/test)\n"
    "\n"
    "options:\n"
    "  --task mr|bible   --encoder dnn|cnn|lstm   --embeddings rand|static|nonstatic\n"
    "  --vectors-lm DIR  pretrained rows from a word-level `rnn lm-train` run (its E must match)\n"
    "  --emb E (300)     --hidden H (100)   --maps F (100)   --dropout P (0.5)   --max-norm S (3)\n"
    "  --epochs N (10)   --batch B (50)     --lr X (1e-3, Adam; Kim used Adadelta)\n"
    "  --folds N (10)    run the first N of MR's 10 folds\n"
    "  --maxlen N (64)   words kept per sentence\n"
    "  --seed N   --threads N   --quiet\n";

typedef struct {
    ClsTrainOptions t;
    const char *task, *vectors_lm, *name;
    int folds, maxlen;
    long threads;
} ClsOptions;

enum { C_PRESET = 300, C_TASK, C_ENC, C_EMBMODE, C_VECTORS, C_EMB, C_HIDDEN, C_MAPS, C_DROPOUT,
       C_MAXNORM, C_EPOCHS, C_BATCH, C_LR, C_FOLDS, C_MAXLEN, C_SEED, C_THREADS, C_QUIET, C_HELP };

static const struct option cls_options[] = {
    { "preset", required_argument, 0, C_PRESET }, { "task", required_argument, 0, C_TASK },
    { "encoder", required_argument, 0, C_ENC }, { "embeddings", required_argument, 0, C_EMBMODE },
    { "vectors-lm", required_argument, 0, C_VECTORS }, { "emb", required_argument, 0, C_EMB },
    { "hidden", required_argument, 0, C_HIDDEN }, { "maps", required_argument, 0, C_MAPS },
    { "dropout", required_argument, 0, C_DROPOUT }, { "max-norm", required_argument, 0, C_MAXNORM },
    { "epochs", required_argument, 0, C_EPOCHS }, { "batch", required_argument, 0, C_BATCH },
    { "lr", required_argument, 0, C_LR }, { "folds", required_argument, 0, C_FOLDS },
    { "maxlen", required_argument, 0, C_MAXLEN }, { "seed", required_argument, 0, C_SEED },
    { "threads", required_argument, 0, C_THREADS }, { "quiet", no_argument, 0, C_QUIET },
    { "help", no_argument, 0, C_HELP }, { 0, 0, 0, 0 },
};

static int parse_mode(const char *s) {
    if (strcmp(s, "rand") == 0) return EMB_RAND;
    if (strcmp(s, "static") == 0) return EMB_STATIC;
    if (strcmp(s, "nonstatic") == 0 || strcmp(s, "non-static") == 0) return EMB_NONSTATIC;
    usage_error("--embeddings must be rand, static or nonstatic");
}

static void cls_preset(ClsOptions *o, const char *name) {
    char task[16] = {0}, rest[32] = {0};
    const char *dash = strchr(name, '-');
    if (!dash || (size_t)(dash - name) >= sizeof task) usage_error("unknown preset '%s'", name);
    memcpy(task, name, (size_t)(dash - name));
    snprintf(rest, sizeof rest, "%s", dash + 1);
    if (strcmp(task, "mr") != 0 && strcmp(task, "bible") != 0) usage_error("unknown preset '%s'", name);
    o->task = strcmp(task, "mr") == 0 ? "mr" : "bible";
    char *mode = strchr(rest, '-');
    if (mode) *mode++ = '\0';
    EncoderKind e;
    if (cls_encoder_parse(rest, &e)) usage_error("unknown preset '%s'", name);
    o->t.model.enc = e;
    o->t.model.emb = mode ? (EmbeddingMode)parse_mode(mode) : EMB_RAND;
    o->t.model.E = strcmp(task, "mr") == 0 ? 300 : 128;
    o->t.epochs = strcmp(task, "mr") == 0 ? 10 : 3;
}

static void cls_parse(ClsOptions *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    o->t.model = (ClsConfig){ .enc = ENC_CNN, .emb = EMB_RAND, .E = 300, .H = 100, .F = 100,
                              .dropout = 0.5f, .max_norm = 3.0f };
    o->t.batch = 50; o->t.epochs = 10; o->t.lr = 1e-3f; o->t.seed = 1337;
    o->task = "mr"; o->folds = 10; o->maxlen = 64;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", cls_options, NULL)) != -1) {
        ClsConfig *m = &o->t.model;
        switch (c) {
        case C_PRESET: cls_preset(o, optarg); break;
        case C_TASK:
            if (strcmp(optarg, "mr") && strcmp(optarg, "bible")) usage_error("--task must be mr or bible");
            o->task = strcmp(optarg, "mr") == 0 ? "mr" : "bible";
            break;
        case C_ENC: if (cls_encoder_parse(optarg, &m->enc)) usage_error("--encoder must be dnn, cnn or lstm"); break;
        case C_EMBMODE: m->emb = (EmbeddingMode)parse_mode(optarg); break;
        case C_VECTORS: o->vectors_lm = optarg; break;
        case C_EMB: m->E = (int)parse_long(optarg, "--emb", 1, 4096); break;
        case C_HIDDEN: m->H = (int)parse_long(optarg, "--hidden", 1, 4096); break;
        case C_MAPS: m->F = (int)parse_long(optarg, "--maps", 1, 4096); break;
        case C_DROPOUT: m->dropout = (float)parse_double(optarg, "--dropout", 0.0, 0.99); break;
        case C_MAXNORM: m->max_norm = (float)parse_double(optarg, "--max-norm", 0.0, 1e6); break;
        case C_EPOCHS: o->t.epochs = (int)parse_long(optarg, "--epochs", 1, 10000); break;
        case C_BATCH: o->t.batch = (int)parse_long(optarg, "--batch", 1, 100000); break;
        case C_LR: o->t.lr = (float)parse_double(optarg, "--lr", 1e-9, 10.0); break;
        case C_FOLDS: o->folds = (int)parse_long(optarg, "--folds", 1, 10); break;
        case C_MAXLEN: o->maxlen = (int)parse_long(optarg, "--maxlen", 1, 100000); break;
        case C_SEED: o->t.seed = (unsigned long)parse_long(optarg, "--seed", 0, 0x7fffffffL); break;
        case C_THREADS: o->threads = parse_long(optarg, "--threads", 1, 256); break;
        case C_QUIET: o->t.quiet = 1; break;
        case C_HELP: fputs(usage_classify, stdout); exit(0);
        default: usage_error("see rnn classify-train --help");
        }
    }
    if (optind < argc) usage_error("unexpected argument '%s'", argv[optind]);
    if (o->threads > 0) set_threads((int)o->threads);
    if (o->t.model.emb != EMB_RAND && !o->vectors_lm)
        usage_error("static and non-static embeddings need --vectors-lm DIR (a word-level rnn lm-train run);"
                    " word2vec files wait for the vectors reader to move into common/");
}

static float *pretrained(const ClsOptions *o, const Vocab *v) {
    if (o->t.model.emb == EMB_RAND) return NULL;
    float *table = xmalloc((size_t)v->size * o->t.model.E * sizeof(float));
    Rng rng;
    rng_seed(&rng, o->t.seed, 5);
    int found = cls_vectors_from_lm(table, v, o->t.model.E, o->vectors_lm, &rng);
    if (!o->t.quiet) fprintf(stderr, "rnn: %d of %d words have pretrained vectors\n", found, v->size - VOCAB_NSPECIAL);
    return table;
}

static const char *mode_name(EmbeddingMode m) { return m == EMB_RAND ? "rand" : m == EMB_STATIC ? "static" : "nonstatic"; }

static void print_cls_result(const ClsOptions *o, int folds, double acc, int n) {
    char model[64];
    snprintf(model, sizeof model, "%s-%s", cls_encoder_name(o->t.model.enc), mode_name(o->t.model.emb));
    result_begin("rnn");
    result_str("task", o->task);
    result_str("model", model);
    if (folds) result_int("folds", folds);
    else result_str("split", "test");
    result_int("sentences", n);
    result_num("acc", 100.0 * acc, 2);
    result_end();
}

double cls_run_bible(const ClsTrainOptions *t, const char *vectors_lm, int maxlen, double *majority) {
    char tr[4096], trl[4096], te[4096], tel[4096];
    data_path(tr, sizeof tr, "bible/words.train.txt");
    data_path(trl, sizeof trl, "bible/labels.train.tsv");
    data_path(te, sizeof te, "bible/words.test.txt");
    data_path(tel, sizeof tel, "bible/labels.test.tsv");
    size_t len;
    char *text = text_load(tr, &len);
    Vocab *v = vocab_build(VOCAB_WORD, text, len, 2, 0);
    free(text);
    ClsSet train = {0}, test = {0};
    cls_load_bible(&train, v, tr, trl, maxlen);
    cls_load_bible(&test, v, te, tel, maxlen);
    ClsTrainOptions o = *t;
    o.model.V = v->size;
    o.model.NC = BIBLE_DIVISIONS;
    ClsOptions co = { .t = o, .vectors_lm = vectors_lm };
    float *table = pretrained(&co, v);
    double acc = cls_train_eval(&o, &train, &test, table);
    if (majority) {
        int count[BIBLE_DIVISIONS] = {0}, best = 0;
        for (int i = 0; i < train.n; i++) count[train.label[i]]++;
        for (int k = 1; k < BIBLE_DIVISIONS; k++) if (count[k] > count[best]) best = k;
        int hit = 0;
        for (int i = 0; i < test.n; i++) hit += test.label[i] == best;
        *majority = (double)hit / test.n;
    }
    free(table);
    clsset_free(&train);
    clsset_free(&test);
    vocab_free(v);
    return acc;
}

int cmd_classify_train(int argc, char **argv) {
    ClsOptions o;
    cls_parse(&o, argc, argv);
    if (strcmp(o.task, "bible") == 0) {
        double majority;
        double acc = cls_run_bible(&o.t, o.vectors_lm, o.maxlen, &majority);
        fprintf(stderr, "bible divisions: test accuracy %.2f%% (majority class %.2f%%)\n", 100 * acc, 100 * majority);
        print_cls_result(&o, 0, acc, 1555);
        return 0;
    }
    char pos[4096], neg[4096];
    data_path(pos, sizeof pos, "mr-polarity/rt-polarity.pos.utf8");
    data_path(neg, sizeof neg, "mr-polarity/rt-polarity.neg.utf8");
    ClsSet all = {0};
    Vocab *v;
    cls_load_mr(&all, &v, pos, neg, o.maxlen);
    o.t.model.V = v->size;
    o.t.model.NC = 2;
    float *table = pretrained(&o, v);
    /* 10 folds by a seeded shuffle (Kim's folds are random too) */
    int *fold = xmalloc((size_t)all.n * sizeof(int)), *perm = xmalloc((size_t)all.n * sizeof(int));
    for (int i = 0; i < all.n; i++) perm[i] = i;
    Rng rng;
    rng_seed(&rng, o.t.seed, 2);
    rng_shuffle_int(&rng, perm, (size_t)all.n);
    for (int i = 0; i < all.n; i++) fold[perm[i]] = i % 10;
    double sum = 0.0;
    for (int k = 0; k < o.folds; k++) {
        ClsSet train, test;
        clsset_subset(&train, &all, fold, k, 0);
        clsset_subset(&test, &all, fold, k, 1);
        double acc = cls_train_eval(&o.t, &train, &test, table);
        fprintf(stderr, "MR fold %d/10: test accuracy %.2f%%\n", k + 1, 100 * acc);
        sum += acc;
        clsset_view_free(&train);
        clsset_view_free(&test);
    }
    print_cls_result(&o, o.folds, sum / o.folds, all.n);
    free(fold); free(perm); free(table);
    clsset_free(&all);
    vocab_free(v);
    return 0;
}
