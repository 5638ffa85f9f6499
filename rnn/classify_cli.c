/*
 * classify_cli.c -- `rnn classify-train`: the classification experiments.
 *
 *   rnn classify-train --preset mr-cnn-rand       Kim 2014 CNN-rand, MR, 10-fold CV
 *   rnn classify-train --preset sst2-cnn-static   SST-2 train/dev/test, frozen word2vec rows
 *   rnn classify-train --preset bible-cnn         which division a verse is from
 *
 * Ends with  RESULT stage=rnn task=mr model=cnn-rand folds=10 ... acc=...
 */
#include "rnn/classify_cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "matmul.h"
#include "metrics.h"
#include "rnn/classify.h"
#include "util.h"
#include "vectors.h"

/* where scripts/pretrain_vectors.sh writes our word2vec vectors */
#define PRETRAINED_VECTORS "runs/word2vec/pretrain/vectors.bin"

static const char *usage_classify =
    "usage: rnn classify-train [--preset NAME] [options]\n"
    "\n"
    "Sentence classification with a bag-of-embeddings DNN, Kim's CNN or an LSTM.\n"
    "\n"
    "presets (flags after --preset override them):\n"
    "  mr-cnn-rand       Kim 2014 on MR: filters 3,4,5 x 100, ReLU, max over time,\n"
    "                    dropout 0.5, max-norm 3, E 300 random, batch 50, 10-fold CV, 4 epochs\n"
    "  mr-cnn-static     the same with frozen word2vec rows (" PRETRAINED_VECTORS ",\n"
    "                    made by scripts/pretrain_vectors.sh), 4 epochs\n"
    "  mr-cnn-nonstatic  the same, fine-tuned, 4 epochs\n"
    "  mr-dnn            mean of embeddings, ReLU layer of 100, dropout 0.5, 10 epochs\n"
    "  mr-lstm           LSTM 100, max-pool over the words, dropout 0.5, 5 epochs\n"
    "  sst2-cnn-rand, sst2-cnn-static, sst2-cnn-nonstatic\n"
    "                    SST-2 sentences (stsa.binary): train, the epoch of the best dev\n"
    "                    accuracy (of 10), its test accuracy\n"
    "  bible-cnn, bible-dnn, bible-lstm   the 8 divisions of the Bible (train/test), 3 epochs\n"
    "\n"
    "options:\n"
    "  --task mr|sst2|bible   --encoder dnn|cnn|lstm   --embeddings rand|static|nonstatic\n"
    "  --vectors FILE    pretrained rows: a word2vec-format file (.bin or .txt, ours or\n"
    "                    anyone's), or the directory of a word-level `rnn lm-train` run;\n"
    "                    unknown words get U[-a,a] with the vectors' variance (Kim)\n"
    "  --emb E           embedding size (300; with --vectors: the file's dimension,\n"
    "                    and an --emb that disagrees with the file is an error)\n"
    "  --hidden H (100)  --maps F (100)   --dropout P (0.5)   --max-norm S (3)\n"
    "  --epochs N (10)   --batch B (50)   --lr X (1e-3, Adam; Kim used Adadelta)\n"
    "  --folds N (10)    run the first N of MR's 10 folds\n"
    "  --maxlen N (64)   words kept per sentence\n"
    "  --out DIR         sst2 and bible: save the chosen epoch's model (DIR/model.ckpt,\n"
    "                    DIR/vocab.txt) for `rnn classify-eval`\n"
    "  --seed N   --threads N   --quiet\n";

typedef struct {
    RnnClsTrainOptions t;
    const char *task, *vectors;
    int folds, maxlen, emb_given;
    int threads;
} ClsOptions;

static const char *const tasks[] = { "mr", "sst2", "bible", NULL };
/* Kim's three ways with the embeddings, in the order of RnnClsEmbedding (and a spelling of the third) */
static const char *const modes[] = { "rand", "static", "nonstatic", "non-static", NULL };

static RnnClsEmbedding mode_of(int k) { return k == 3 ? RNN_CLS_EMB_NONSTATIC : (RnnClsEmbedding)k; }

static const char *mode_name(RnnClsEmbedding m) { return modes[m]; }

/* The epochs of the runs in rnn/README.md: what fits 10 folds of MR into
 * ~20 minutes of one shared core; SST-2 keeps the best dev epoch of 10. */
static int preset_epochs(const char *task, RnnClsEncoder e) {
    if (strcmp(task, "bible") == 0) return 3;
    if (strcmp(task, "mr") == 0) return e == RNN_CLS_CNN ? 4 : e == RNN_CLS_LSTM ? 5 : 10;
    return 10;
}

/* Index of s among the NULL-terminated words, or -1. */
static int word_index(const char *const *words, const char *s) {
    for (int k = 0; words[k]; k++) if (strcmp(words[k], s) == 0) return k;
    return -1;
}

/* Preset TASK-ENCODER[-MODE] (cli.h applies it before the flags); 0 when
 * name is not one. */
static int cls_preset(void *ctx, const char *name) {
    ClsOptions *o = ctx;
    char task[16] = {0}, rest[32] = {0};
    const char *dash = strchr(name, '-');
    if (!dash || (size_t)(dash - name) >= sizeof task) return 0;
    memcpy(task, name, (size_t)(dash - name));
    snprintf(rest, sizeof rest, "%s", dash + 1);
    int t = word_index(tasks, task);
    char *mode = strchr(rest, '-');
    if (mode) *mode++ = '\0';
    int m = mode ? word_index(modes, mode) : 0;
    RnnClsEncoder e;
    if (t < 0 || m < 0 || rnn_cls_encoder_parse(rest, &e)) return 0;
    o->task = tasks[t];
    o->t.model.enc = e;
    o->t.model.emb = mode_of(m);
    o->t.model.E = t == 2 ? 128 : 300;   /* the Bible's runs are smaller */
    o->t.epochs = preset_epochs(o->task, e);
    o->vectors = o->t.model.emb == RNN_CLS_EMB_RAND ? NULL : PRETRAINED_VECTORS;
    return 1;
}

static void cls_parse(ClsOptions *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    o->t.model = (RnnClsConfig){ .enc = RNN_CLS_CNN, .emb = RNN_CLS_EMB_RAND, .E = 300, .H = 100, .F = 100,
                                 .dropout = 0.5f, .max_norm = 3.0f };
    o->t.batch = 50; o->t.epochs = 10; o->t.lr = 1e-3f; o->t.seed = 1337;
    o->task = "mr"; o->folds = 10; o->maxlen = 64;
    RnnClsConfig *m = &o->t.model;
    int task = -1, enc = -1, mode = -1, emb = 0;   /* -1, 0: not given */
    const CliOption opts[] = {
        { .name = "task", .type = CLI_CHOICE, .dst = &task, .choices = tasks },
        { .name = "encoder", .type = CLI_CHOICE, .dst = &enc, .choices = rnn_cls_encoder_names },
        { .name = "embeddings", .type = CLI_CHOICE, .dst = &mode, .choices = modes },
        CLI_OPT("vectors", CLI_STRING, &o->vectors, 0, 0),
        CLI_OPT("emb", CLI_INT, &emb, 1, 4096),
        CLI_OPT("hidden", CLI_INT, &m->H, 1, 4096),
        CLI_OPT("maps", CLI_INT, &m->F, 1, 4096),
        CLI_OPT("dropout", CLI_FLOAT, &m->dropout, 0, 0.99),
        CLI_OPT("max-norm", CLI_FLOAT, &m->max_norm, 0, 1e6),
        CLI_OPT("epochs", CLI_INT, &o->t.epochs, 1, 10000),
        CLI_BATCH(&o->t.batch),
        CLI_LR_F(&o->t.lr),
        CLI_OPT("folds", CLI_INT, &o->folds, 1, 10),
        CLI_OPT("maxlen", CLI_INT, &o->maxlen, 1, 100000),
        CLI_SEED(&o->t.seed), CLI_THREADS(&o->threads), CLI_QUIET(&o->t.quiet), CLI_OUT(&o->t.save_dir),
        CLI_END
    };
    CliSpec spec = { .usage = usage_classify, .options = opts, .preset = cls_preset, .ctx = o,
                     .presets = "TASK-ENCODER[-MODE]: mr-cnn-rand, sst2-cnn-static, bible-lstm, ..." };
    if (cli_parse(&spec, argc, argv) > 0) usage_error("classify-train: unexpected argument '%s'", argv[1]);
    if (task >= 0) o->task = tasks[task];
    if (enc >= 0) m->enc = (RnnClsEncoder)enc;
    if (mode >= 0) m->emb = mode_of(mode);
    if (emb > 0) { m->E = emb; o->emb_given = 1; }
    if (o->t.save_dir && strcmp(o->task, "mr") == 0)
        usage_error("--out saves one model; MR's 10-fold cross-validation trains ten (use --task sst2 or bible)");
    if (o->threads > 0) set_threads(o->threads);
    if (o->t.model.emb == RNN_CLS_EMB_RAND) o->vectors = NULL;
    else if (!o->vectors)
        usage_error("static and non-static embeddings need --vectors FILE (word2vec format) or DIR (an rnn lm-train run)");
    else if (strcmp(o->vectors, PRETRAINED_VECTORS) == 0 && access(o->vectors, R_OK) != 0)
        die("'%s' is missing: make it with scripts/pretrain_vectors.sh (word2vec skip-gram on our "
            "English text), or give --vectors FILE", o->vectors);
}

/* The pretrained table (V,E) for v, or NULL for rand; sets E from the vectors
 * unless --emb was given. */
static float *pretrained(ClsOptions *o, const Vocab *v) {
    if (o->t.model.emb == RNN_CLS_EMB_RAND) return NULL;
    Vectors *vec = rnn_cls_vectors_load(o->vectors);
    if (!o->emb_given) o->t.model.E = vec->D;
    float *table = xmalloc((size_t)v->size * o->t.model.E * sizeof(float));
    Rng rng;
    rng_seed(&rng, o->t.seed, 5);
    float a;
    int found = rnn_cls_pretrained_rows(table, v, o->t.model.E, vec, o->vectors, &rng, &a);
    if (!o->t.quiet)
        fprintf(stderr, "rnn: %d of %d words have pretrained vectors (%s, %d x %d); the others U[-%.3f, %.3f]\n",
                found, v->size - VOCAB_NSPECIAL, o->vectors, vec->V, vec->D, a, a);
    vectors_free(vec);
    return table;
}

static void print_cls_result(const ClsOptions *o, int folds, const RnnClsScore *s, int n) {
    char model[64];
    snprintf(model, sizeof model, "%s-%s", rnn_cls_encoder_name(o->t.model.enc), mode_name(o->t.model.emb));
    result_begin("rnn");
    result_str("task", o->task);
    result_str("model", model);
    if (folds) result_int("folds", folds);
    else result_str("split", "test");
    result_int("sentences", n);
    result_int("epochs", s->epoch);
    if (!isnan(s->dev_acc)) result_num("dev_acc", 100.0 * s->dev_acc, 2);
    result_num("acc", 100.0 * s->test_acc, 2);
    result_end();
}

/* ------------------------------------------------------------ the Bible */

/* Train on the Bible's train verses, score its test verses; *majority gets the
 * majority-class baseline when non-NULL, *n the test verses. */
static RnnClsScore run_bible(ClsOptions *o, double *majority, int *n) {
    LabelledSet train, test;
    char words[4096];
    data_path_or_die(words, sizeof words, "bible/words.train.txt");
    Vocab *v = rnn_cls_load_bible_task(&train, &test, o->maxlen);
    o->t.model.V = v->size;
    o->t.model.NC = BIBLE_DIVISIONS;
    float *table = pretrained(o, v);
    o->t.save_vocab = v;
    RnnClsScore s = rnn_cls_train_eval(&o->t, &train, NULL, &test, table);
    if (majority) *majority = lset_majority_accuracy(&train, &test, BIBLE_DIVISIONS);
    if (n) *n = test.n;
    free(table);
    lset_free(&train);
    lset_free(&test);
    vocab_free(v);
    return s;
}

/* ------------------------------------------------------------ MR and SST-2 */

/* MR: 10 folds by a seeded shuffle (Kim's folds are random too); the mean
 * test accuracy of the first o->folds, each after the last epoch. */
static void run_mr(ClsOptions *o) {
    char pos[4096], neg[4096];
    data_path_or_die(pos, sizeof pos, "mr-polarity/rt-polarity.pos.utf8");
    data_path_or_die(neg, sizeof neg, "mr-polarity/rt-polarity.neg.utf8");
    LabelledSet all;
    Vocab *v;
    rnn_cls_load_mr(&all, &v, pos, neg, o->maxlen);
    o->t.model.V = v->size;
    o->t.model.NC = 2;
    float *table = pretrained(o, v);
    int *fold = xmalloc((size_t)all.n * sizeof(int));
    Rng rng;
    rng_seed(&rng, o->t.seed, 2);
    lset_assign_folds(fold, all.n, 10, &rng);
    RnnClsScore mean = { 0.0, NAN, o->t.epochs };
    for (int k = 0; k < o->folds; k++) {
        LabelledSet train, test;
        lset_subset(&train, &all, fold, k, 0);
        lset_subset(&test, &all, fold, k, 1);
        double acc = rnn_cls_train_eval(&o->t, &train, NULL, &test, table).test_acc;
        fprintf(stderr, "MR fold %d/10: test accuracy %.2f%%\n", k + 1, 100 * acc);
        mean.test_acc += acc / o->folds;
        lset_free(&train);
        lset_free(&test);
    }
    print_cls_result(o, o->folds, &mean, all.n);
    free(fold); free(table);
    lset_free(&all);
    vocab_free(v);
}

/* SST-2 (Socher et al. 2013, as Kim's stsa.binary files): sentences only. */
static void run_sst2(ClsOptions *o) {
    static const char *rel[3] = { "sst/stsa.binary.train", "sst/stsa.binary.dev", "sst/stsa.binary.test" };
    char path[3][4096];
    const char *paths[3];
    for (int k = 0; k < 3; k++) {
        data_path_or_die(path[k], sizeof path[k], rel[k]);
        paths[k] = path[k];
    }
    LabelledSet s[3];
    Vocab *v;
    rnn_cls_load_labelled(s, &v, paths, 3, 2, o->maxlen);
    o->t.model.V = v->size;
    o->t.model.NC = 2;
    float *table = pretrained(o, v);
    o->t.save_vocab = v;
    RnnClsScore r = rnn_cls_train_eval(&o->t, &s[0], &s[1], &s[2], table);
    fprintf(stderr, "SST-2: best dev accuracy %.2f%% at epoch %d, its test accuracy %.2f%%\n",
            100 * r.dev_acc, r.epoch, 100 * r.test_acc);
    print_cls_result(o, 0, &r, s[2].n);
    free(table);
    for (int k = 0; k < 3; k++) lset_free(&s[k]);
    vocab_free(v);
}

int rnn_cmd_classify_train(int argc, char **argv) {
    ClsOptions o;
    cls_parse(&o, argc, argv);
    if (strcmp(o.task, "mr") == 0) run_mr(&o);
    else if (strcmp(o.task, "sst2") == 0) run_sst2(&o);
    else {
        double majority;
        int n;
        RnnClsScore s = run_bible(&o, &majority, &n);
        fprintf(stderr, "bible divisions: test accuracy %.2f%% (majority class %.2f%%)\n", 100 * s.test_acc, 100 * majority);
        print_cls_result(&o, 0, &s, n);
    }
    return 0;
}

/* ------------------------------------------------------------ classify-eval */

static const char *usage_classify_eval =
    "usage: rnn classify-eval --model DIR (--data FILE | --task sst2|bible) [--threads N]\n"
    "\n"
    "Accuracy of a classifier saved by `rnn classify-train --out DIR`: on FILE, lines\n"
    "'LABEL word word ...' (LABEL in 0..classes-1, as SST's stsa.binary files), or on\n"
    "a task's test split. Words the model never saw become <unk>. Ends with\n"
    "RESULT ... acc=\n";

int rnn_cmd_classify_eval(int argc, char **argv) {
    static const char *const eval_tasks[] = { "sst2", "bible", NULL };
    const char *model = NULL, *data = NULL, *task = NULL;
    int task_k = -1, threads = 0;
    const CliOption opts[] = {
        CLI_OPT("model", CLI_STRING, &model, 0, 0),
        CLI_DATA(&data),
        { .name = "task", .type = CLI_CHOICE, .dst = &task_k, .choices = eval_tasks },
        CLI_THREADS(&threads),
        CLI_END
    };
    CliSpec spec = { .usage = usage_classify_eval, .options = opts };
    if (cli_parse(&spec, argc, argv) > 0) usage_error("classify-eval: unexpected argument '%s'", argv[1]);
    if (task_k >= 0) task = eval_tasks[task_k];
    if (threads > 0) set_threads(threads);
    if (!model) usage_error("--model DIR is required");
    if (!data == !task) usage_error("give one of --data FILE or --task sst2|bible");
    RnnCls m;
    Vocab *v;
    rnn_cls_load(&m, &v, model);
    LabelledSet set;
    lset_init(&set, 1);
    char path[4096], labels[4096];
    if (data || strcmp(task, "sst2") == 0) {
        if (!data) {
            data_path_or_die(path, sizeof path, "sst/stsa.binary.test");
            data = path;
        }
        lset_load_labelled_file(&set, data, m.cfg.NC, lset_words(v), 0);
    } else {
        data_path_or_die(path, sizeof path, "bible/words.test.txt");
        data_path_or_die(labels, sizeof labels, "bible/labels.test.tsv");
        if (m.cfg.NC != BIBLE_DIVISIONS) die("'%s' has %d classes, the Bible task %d", model, m.cfg.NC, BIBLE_DIVISIONS);
        lset_load_bible(&set, path, labels, lset_words(v), 0, 0);
        data = path;
    }
    int maxlen = 0;
    for (int i = 0; i < set.n; i++) if (set.len[i] > maxlen) maxlen = set.len[i];
    RnnClsActs a;
    rnn_cls_acts_build(&a, &m, 50, maxlen + 2 * rnn_cls_pad_left(&m.cfg) + 5, 1);
    double acc = rnn_cls_accuracy(&m, &a, &set);
    fprintf(stderr, "%s: %d sentences, accuracy %.2f%%\n", data, set.n, 100 * acc);
    result_begin("rnn");
    result_str("task", "classify-eval");
    result_str("model", rnn_cls_encoder_name(m.cfg.enc));
    result_str("data", data);
    result_int("sentences", set.n);
    result_num("acc", 100 * acc, 2);
    result_end();
    rnn_cls_acts_free(&a);
    lset_free(&set);
    rnn_cls_free(&m);
    vocab_free(v);
    return 0;
}
