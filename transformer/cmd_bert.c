/*
 * cmd_bert.c -- the BERT commands (commands_bert.h): pretraining, the
 * pretraining gain on SST-2 and MR, cloze prompts with few examples, and
 * contextual vectors.
 */
#include "transformer/commands_bert.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dataset.h"
#include "matmul.h"
#include "metrics.h"
#include "transformer/bert.h"
#include "transformer/bert_data.h"
#include "transformer/bert_train.h"
#include "util.h"

/* Mean and sample standard deviation of x[0..n). */
static void mean_sd(const double *x, int n, double *mean, double *sd) {
    double s = 0, ss = 0;
    for (int i = 0; i < n; i++) s += x[i];
    *mean = s / n;
    for (int i = 0; i < n; i++) ss += (x[i] - *mean) * (x[i] - *mean);
    *sd = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
}

/* ============================================================ bert-pretrain */

static const char pretrain_usage[] =
    "Usage: transformer bert-pretrain [options]\n"
    "BERT's pretraining (Devlin et al. 2018): a byte-level BPE vocabulary with [PAD] [CLS]\n"
    "[SEP] [MASK], then a Transformer encoder trained to restore 15%% of the tokens (80%%\n"
    "[MASK], 10%% random, 10%% unchanged), with next-sentence prediction when --nsp 1.\n"
    "Corpus: the Bible's training verses, Brown (tags stripped), PTB train and SST-2's\n"
    "training sentences, lowercased; never a dev or test sentence.\n"
    "\n"
    "  --preset NAME     tiny: BERT-Tiny's shape (2 layers, d 128, 2 heads, FFN 512),\n"
    "                    8192 BPE tokens, 128 positions, inputs of 64, batch 32, 16000\n"
    "                    steps (about 40 minutes of one core); demo: 2 layers, d 64,\n"
    "                    FFN 256, 4096 BPE tokens, inputs of 64, 300 steps\n"
    "  --data FILE       pretrain on this text instead (one sentence a line)\n"
    "  --sources LIST    the corpus's parts, of: bible,brown,ptb,sst (default all)\n"
    "  --vocab-size N    BPE tokens, bytes + merges + <|endoftext|> (default 8192)\n"
    "  --layers N --d N --heads N --ff N    the encoder (2, 128, 2, 512)\n"
    "  --context N       positions an input holds, [CLS] and [SEP]s included (64)\n"
    "  --max-pos N       the position table (default 128, or --context when longer)\n"
    "  --nsp 0|1         next-sentence prediction: [CLS] A [SEP] B [SEP] (default 1)\n"
    "  --norm post|pre   LayerNorm after each sublayer (BERT) or before (default post)\n"
    "  --steps N --batch N --lr X --warmup F --dropout P   (16000, 32, 1e-3, 0.05, 0.1)\n"
    "  --log-every N     steps between metrics.tsv rows (default 50)\n"
    "  --out DIR         model.ckpt, encoder.json, vocab.bpe, metrics.tsv, config.txt\n"
    "                    (default runs/transformer/bert-tiny)\n"
    "  --seed N --threads N (2) --quiet\n"
    "\n"
    "Example:  transformer bert-pretrain --preset tiny --threads 1\n";

static const char *const norm_names[] = {"post", "pre", NULL};   /* TfNorm's order */

typedef struct {
    BertPretrainConfig pc;
    BertConfig mc;
    int vocab_size, max_pos, threads;
    const char *out, *data, *sources;
} PretrainOptions;

static int pretrain_preset(void *ctx, const char *name) {
    PretrainOptions *o = ctx;
    if (!strcmp(name, "tiny")) {   /* Turc et al. 2019's BERT-Tiny: L=2, H=128 */
        o->mc.L = 2, o->mc.C = 128, o->mc.NH = 2, o->mc.F = 512;
        /* inputs of 64 positions (SST's sentences are about 25 tokens): more
         * updates for the time, which is what the MLM loss needs (4,000 of
         * 64 reach 5.92; 1,500 of 128, the same time, 6.28; 16,000 of 64,
         * nine passes over the corpus, 3.94); the position table keeps 128
         * for fine-tuning */
        o->vocab_size = 8192, o->pc.T = 64, o->max_pos = 128, o->pc.batch = 32, o->pc.steps = 16000;
        o->out = "runs/transformer/bert-tiny";
        return 1;
    }
    if (!strcmp(name, "demo")) {
        o->mc.L = 2, o->mc.C = 64, o->mc.NH = 2, o->mc.F = 256;
        o->vocab_size = 4096, o->pc.T = 64, o->max_pos = 64, o->pc.batch = 32, o->pc.steps = 300;
        o->out = "runs/transformer/bert-demo";
        return 1;
    }
    return 0;
}

int tf_cmd_bert_pretrain(int argc, char **argv) {
    PretrainOptions o = {
        .pc = {.batch = 32, .T = 64, .steps = 4000, .lr = 1e-3f, .warmup = 0.05f, .weight_decay = 0.01f,
               .grad_clip = 1.0f, .mask_p = 0.15f, .nsp = 1, .log_every = 50, .seed = 1337},
        .mc = {.L = 2, .C = 128, .NH = 2, .F = 512, .dropout = 0.1f},
        .vocab_size = 8192,
        .threads = 2,
        .out = "runs/transformer/bert-tiny"};
    const CliOption opts[] = {
        CLI_SEED(&o.pc.seed), CLI_THREADS(&o.threads), CLI_OUT(&o.out), CLI_STEPS(&o.pc.steps),
        CLI_LR_F(&o.pc.lr), CLI_BATCH(&o.pc.batch), CLI_DATA(&o.data), CLI_QUIET(&o.pc.quiet),
        CLI_OPT("sources", CLI_STRING, &o.sources, 0, 0),
        CLI_OPT("vocab-size", CLI_INT, &o.vocab_size, 512, 65000),
        CLI_OPT("layers", CLI_INT, &o.mc.L, 1, 64),
        CLI_OPT("d", CLI_INT, &o.mc.C, 2, 4096),
        CLI_OPT("heads", CLI_INT, &o.mc.NH, 1, 64),
        CLI_OPT("ff", CLI_INT, &o.mc.F, 1, 16384),
        CLI_OPT("context", CLI_INT, &o.pc.T, 8, 4096),
        CLI_OPT("max-pos", CLI_INT, &o.max_pos, 8, 4096),
        CLI_OPT("nsp", CLI_INT, &o.pc.nsp, 0, 1),
        {.name = "norm", .type = CLI_CHOICE, .dst = &o.mc.norm, .choices = norm_names},
        CLI_OPT("warmup", CLI_FLOAT, &o.pc.warmup, 0, 1),
        CLI_OPT("dropout", CLI_FLOAT, &o.mc.dropout, 0, 0.9),
        CLI_OPT("log-every", CLI_LONG, &o.pc.log_every, 1, 1e9),
        CLI_END};
    CliSpec spec = {.usage = pretrain_usage, .options = opts, .preset = pretrain_preset, .ctx = &o,
                    .presets = "tiny, demo"};
    if (cli_parse(&spec, argc, argv) != 0) usage_error("bert-pretrain takes no file arguments (use --data FILE)");
    set_threads(o.threads);
    if (o.mc.C % o.mc.NH) usage_error("--d %d is not a multiple of --heads %d", o.mc.C, o.mc.NH);
    if (o.pc.steps < 1) usage_error("--steps must be at least 1");
    if (!o.max_pos) o.max_pos = o.pc.T > 128 ? o.pc.T : 128;
    if (o.max_pos < o.pc.T) usage_error("--max-pos %d is shorter than --context %d", o.max_pos, o.pc.T);

    double t0 = now_seconds();
    BertCorpus c;
    if (o.data) bert_corpus_read_file(&c, o.data);
    else bert_corpus_read(&c, o.sources);
    BertTok tok;
    bert_tok_train(&tok, c.text, c.len, o.vocab_size);
    bert_corpus_encode(&c, &tok);
    printf("corpus: %d sentences, %zu tokens (%.1f MB of text); vocabulary %d BPE tokens + 4 specials (%.1f s)\n",
           c.n, c.nids, c.len / 1e6, tok.n_bpe, now_seconds() - t0);
    for (int i = 0; i < 2; i++) {   /* the cloze label words must be one token each */
        const char *w = i ? "terrible" : "great";
        int id = bert_tok_single(&tok, w);
        if (id < 0) printf("note: \" %s\" is more than one token in this vocabulary\n", w);
        else printf("\" %s\" is token %d\n", w, id);
    }
    o.mc.n_bpe = tok.n_bpe;
    o.mc.V = tok.V;
    o.mc.max_pos = o.max_pos;
    o.mc.nsp = o.pc.nsp;
    Bert m;
    bert_build(&m, &o.mc);
    bert_init(&m, o.pc.seed);
    printf("BERT: %d layers, d %d, %d heads, FFN %d, %d positions: %zu parameters\n", o.mc.L, o.mc.C, o.mc.NH,
           o.mc.F, o.mc.max_pos, params_count(&m.pt));
    RunConfig *rc = config_begin(o.out);
    config_str(rc, "corpus", o.data ? o.data : o.sources ? o.sources : "bible,brown,ptb,sst");
    config_int(rc, "vocab_size", o.vocab_size);
    config_int(rc, "layers", o.mc.L), config_int(rc, "d", o.mc.C), config_int(rc, "heads", o.mc.NH);
    config_int(rc, "ff", o.mc.F), config_int(rc, "context", o.pc.T), config_int(rc, "nsp", o.pc.nsp);
    config_str(rc, "norm", norm_names[o.mc.norm]);
    config_int(rc, "steps", o.pc.steps), config_int(rc, "batch", o.pc.batch), config_num(rc, "lr", o.pc.lr);
    config_num(rc, "warmup", o.pc.warmup), config_num(rc, "dropout", o.mc.dropout);
    config_int(rc, "seed", (long long)o.pc.seed);
    config_end(rc);
    BertPretrainStats st;
    bert_pretrain(&m, &tok, &c, &o.pc, o.out, &st);
    bert_save(&m, &tok, o.out, o.pc.steps);
    printf("saved %s/model.ckpt (%.0f s of training, %ld input tokens)\n", o.out, st.seconds, st.tokens);
    result_begin("transformer");
    result_str("task", "bert-pretrain");
    result_int("layers", o.mc.L), result_int("d", o.mc.C), result_int("nsp", o.pc.nsp);
    result_int("steps", o.pc.steps), result_int("tokens", st.tokens);
    result_num("mlm_loss", st.mlm_loss, 4), result_num("mlm_acc", st.mlm_acc, 4);
    if (o.pc.nsp) result_num("nsp_acc", st.nsp_acc, 4);
    result_num("seconds", st.seconds, 0);
    result_end();
    bert_free(&m);
    bert_tok_free(&tok);
    bert_corpus_free(&c);
    return 0;
}

/* ============================================================ tasks */

static const char *const task_names[] = {"sst2", "mr", NULL};
enum { TASK_SST2, TASK_MR };

/* SST-2's split ("train", "dev", "test") through enc. */
static void load_sst(LabelledSet *d, const char *split, LsetEncoder enc) {
    char rel[64], path[1024];
    snprintf(rel, sizeof rel, "sst/stsa.binary.%s", split);
    data_path_or_die(path, sizeof path, rel);
    lset_init(d, 1);
    lset_load_labelled_file(d, path, 2, enc, 0);
}

static void load_mr(LabelledSet *d, LsetEncoder enc) {
    char pos[1024], neg[1024];
    data_path_or_die(pos, sizeof pos, "mr-polarity/rt-polarity.pos.utf8");
    data_path_or_die(neg, sizeof neg, "mr-polarity/rt-polarity.neg.utf8");
    lset_init(d, 1);
    lset_load_polarity(d, pos, neg, enc, 0);
}

/* The model to fine-tune: the pretrained one of dir, or (scratch) the same
 * shape and tokenizer with fresh weights. */
static void load_body(Bert *m, BertTok *tok, const char *dir, int scratch, unsigned long long seed) {
    bert_load(dir, m, tok);
    if (scratch) bert_init(m, seed);
}

/* ============================================================ bert-finetune */

static const char finetune_usage[] =
    "Usage: transformer bert-finetune --init DIR [options]\n"
    "BERT's fine-tuning (sec. 4.1): a linear classifier on the pooled [CLS] state, trained\n"
    "with the whole network; from the pretrained weights of DIR, and (unless --no-scratch)\n"
    "the same network from random weights, over several seeds: the pretraining gain.\n"
    "\n"
    "  --init DIR        a bert-pretrain folder (its tokenizer serves the scratch runs too)\n"
    "  --scratch         only the from-scratch runs;  --no-scratch: only the pretrained ones\n"
    "  --preset NAME     sst2: SST-2 (train 6920, dev 872, test 1821), 3 epochs, batch 32,\n"
    "                    lr 3e-4; mr: MR (10662 snippets), 10-fold cross-validation\n"
    "  --task sst2|mr    (default sst2)\n"
    "  --seeds N         SST-2: runs with seeds seed..seed+N-1 (default 3)\n"
    "  --folds N         MR: the first N of its 10 folds (default 10)\n"
    "  --max-train N     SST-2: only its first N training sentences, the few-label setting\n"
    "                    where pretraining pays most (0: all, the default)\n"
    "  --epochs N --batch N --lr X --warmup F    (3, 32, 3e-4, 0.1)\n"
    "  --seed N --threads N (2) --quiet\n"
    "\n"
    "Example:  transformer bert-finetune --preset sst2 --init runs/transformer/bert-tiny\n";

typedef struct {
    BertFinetuneConfig fc;
    const char *init;
    int task, seeds, folds, scratch_only, no_scratch, threads, max_train;
} FinetuneOptions;

static int finetune_preset(void *ctx, const char *name) {
    FinetuneOptions *o = ctx;
    if (!strcmp(name, "sst2")) o->task = TASK_SST2;
    else if (!strcmp(name, "mr")) o->task = TASK_MR;
    else return 0;
    o->fc.epochs = 3, o->fc.batch = 32, o->fc.lr = 3e-4f;
    return 1;
}

/* One fine-tuning run; test accuracy (and dev's in *dev_acc when dev). */
static double finetune_run(const FinetuneOptions *o, int scratch, unsigned long long seed, const LabelledSet *train,
                           const LabelledSet *dev, const LabelledSet *test, double *dev_acc) {
    Bert m;
    BertTok tok;
    load_body(&m, &tok, o->init, scratch, seed);
    BertClassifier h;
    bert_classifier_linear(&h, 2, m.cfg.C, seed);
    BertFinetuneConfig fc = o->fc;
    fc.seed = seed;
    bert_finetune(&m, &h, &fc, train, NULL);
    if (dev) *dev_acc = bert_accuracy(&m, &h, dev, 64);
    double acc = bert_accuracy(&m, &h, test, 64);
    bert_classifier_free(&h);
    bert_free(&m);
    bert_tok_free(&tok);
    return acc;
}

static void print_gain_result(const char *task, const char *init, int n, const char *over, double mean, double sd) {
    result_begin("transformer");
    result_str("task", "bert-finetune");
    result_str("data", task);
    result_str("init", init);
    result_int(over, n);
    result_str("split", "test");
    result_num("acc", mean, 4);
    result_num("acc_sd", sd, 4);
    result_end();
}

int tf_cmd_bert_finetune(int argc, char **argv) {
    FinetuneOptions o = {.fc = {.batch = 32, .epochs = 3, .lr = 3e-4f, .warmup = 0.1f, .weight_decay = 0.01f,
                                .grad_clip = 1.0f, .seed = 1},
                         .seeds = 3, .folds = 10, .threads = 2};
    const CliOption opts[] = {
        CLI_SEED(&o.fc.seed), CLI_THREADS(&o.threads), CLI_BATCH(&o.fc.batch), CLI_LR_F(&o.fc.lr),
        CLI_QUIET(&o.fc.quiet),
        CLI_OPT("init", CLI_STRING, &o.init, 0, 0),
        {.name = "task", .type = CLI_CHOICE, .dst = &o.task, .choices = task_names},
        CLI_OPT("scratch", CLI_FLAG, &o.scratch_only, 0, 0),
        CLI_OPT("no-scratch", CLI_FLAG, &o.no_scratch, 0, 0),
        CLI_OPT("seeds", CLI_INT, &o.seeds, 1, 100),
        CLI_OPT("folds", CLI_INT, &o.folds, 1, 10),
        CLI_OPT("max-train", CLI_INT, &o.max_train, 0, 100000000),
        CLI_OPT("epochs", CLI_INT, &o.fc.epochs, 1, 1000),
        CLI_OPT("warmup", CLI_FLOAT, &o.fc.warmup, 0, 1),
        CLI_END};
    CliSpec spec = {.usage = finetune_usage, .options = opts, .preset = finetune_preset, .ctx = &o,
                    .presets = "sst2, mr"};
    if (cli_parse(&spec, argc, argv) != 0) usage_error("bert-finetune takes no file arguments");
    if (!o.init) usage_error("bert-finetune: give --init DIR (a bert-pretrain folder; its tokenizer and shape)");
    if (o.scratch_only && o.no_scratch) usage_error("--scratch and --no-scratch exclude each other");
    set_threads(o.threads);
    Bert probe;
    BertTok tok;
    bert_load(o.init, &probe, &tok);
    bert_free(&probe);
    LsetEncoder enc = bert_tok_lset(&tok);
    LabelledSet all, train, dev, test;
    int runs, have_dev = o.task == TASK_SST2, *fold = NULL;
    if (o.task == TASK_SST2) {
        load_sst(&train, "train", enc);
        if (o.max_train > 0) lset_truncate(&train, o.max_train);
        load_sst(&dev, "dev", enc);
        load_sst(&test, "test", enc);
        runs = o.seeds;
        printf("SST-2: %d training, %d dev, %d test sentences; %d seeds\n", train.n, dev.n, test.n, runs);
    } else {   /* MR: 10 folds by a seeded shuffle, as rnn/'s Kim CNN */
        load_mr(&all, enc);
        fold = xmalloc((size_t)all.n * sizeof(int));
        Rng r;
        rng_seed(&r, o.fc.seed, 7);
        lset_assign_folds(fold, all.n, 10, &r);
        runs = o.folds;
        printf("MR: %d snippets, 10-fold cross-validation, %d folds run\n", all.n, runs);
    }
    const char *inits[2] = {"pretrained", "scratch"};
    double acc[2][100];
    printf("%-11s %5s %9s %9s %8s\n", "init", "run", "dev_acc", "test_acc", "seconds");
    for (int s = o.scratch_only; s < 2 - o.no_scratch; s++) {
        for (int k = 0; k < runs; k++) {
            unsigned long long seed = o.fc.seed + (unsigned long long)k;
            if (o.task == TASK_MR) {
                lset_subset(&train, &all, fold, k, 0);
                lset_subset(&test, &all, fold, k, 1);
            }
            double t0 = now_seconds(), dacc = NAN;
            acc[s][k] = finetune_run(&o, s, seed, &train, have_dev ? &dev : NULL, &test, &dacc);
            if (have_dev) printf("%-11s %5d %9.4f %9.4f %8.1f\n", inits[s], k, dacc, acc[s][k], now_seconds() - t0);
            else printf("%-11s %5d %9s %9.4f %8.1f\n", inits[s], k, "-", acc[s][k], now_seconds() - t0);
            fflush(stdout);
            if (o.task == TASK_MR) lset_free(&train), lset_free(&test);
        }
    }
    for (int s = o.scratch_only; s < 2 - o.no_scratch; s++) {
        double mean, sd;
        mean_sd(acc[s], runs, &mean, &sd);
        printf("%s: test accuracy %.2f +- %.2f %% over %d %s\n", inits[s], 100 * mean, 100 * sd, runs,
               o.task == TASK_SST2 ? "seeds" : "folds");
        print_gain_result(task_names[o.task], inits[s], runs, o.task == TASK_SST2 ? "seeds" : "folds", mean, sd);
    }
    if (o.task == TASK_SST2) lset_free(&train), lset_free(&dev), lset_free(&test);
    else lset_free(&all), free(fold);
    bert_tok_free(&tok);
    return 0;
}

/* ============================================================ cloze */

static const char cloze_usage[] =
    "Usage: transformer cloze --model DIR [options]\n"
    "Sentiment as a cloze (LM-BFF, Gao et al. 2021): \"SENTENCE it was [MASK] .\" and the\n"
    "class whose label word (terrible / great) the MLM head prefers at the mask. Zero-shot\n"
    "with the pretrained model; then, for each seed, 16 training and 16 dev examples a\n"
    "class drawn from SST-2's training set: prompt-based fine-tuning (the MLM head's\n"
    "label-word logits, trained end to end) against head fine-tuning (a new linear layer\n"
    "on [CLS]) on the same examples, the step kept by dev accuracy. Tested on SST-2's dev\n"
    "(872, LM-BFF's test set) and test (1821) sentences.\n"
    "\n"
    "  --model DIR        a bert-pretrain folder\n"
    "  --template T       %s is the sentence (default \"%s it was [MASK] .\")\n"
    "  --words NEG,POS    label words, one BPE token each (default terrible,great)\n"
    "  --shots K          training (and dev) examples a class (default 16)\n"
    "  --seeds N          sampled subsets (default 5)\n"
    "  --steps N --batch N --lr X --eval-every N   fine-tuning (300, 8, 1e-4, 20)\n"
    "  --zero-shot        only the zero-shot row\n"
    "  --seed N --threads N (2) --quiet\n"
    "\n"
    "Example:  transformer cloze --model runs/transformer/bert-tiny\n";

/* The few-shot subsets of seed: k training and k dev examples of each class
 * of full, disjoint, drawn by a seeded shuffle (LM-BFF's D_train, D_dev). */
static void few_shot_split(LabelledSet *tr, LabelledSet *dv, const LabelledSet *full, int K, int k,
                           unsigned long long seed) {
    int *order = xmalloc((size_t)full->n * sizeof(int)), taken[8] = {0};
    for (int i = 0; i < full->n; i++) order[i] = i;
    Rng r;
    rng_seed(&r, seed, 31);
    rng_shuffle_int(&r, order, (size_t)full->n);
    lset_init(tr, 1);
    lset_init(dv, 1);
    for (int i = 0; i < full->n; i++) {
        int e = order[i], y = full->label[e], len;
        if (taken[y] >= 2 * k) continue;
        const int *ids = lset_seq(full, e, 0, &len);
        lset_add(taken[y]++ < k ? tr : dv, y, &ids, &len);
    }
    for (int y = 0; y < K; y++)
        if (taken[y] < 2 * k) die("SST-2's training set has fewer than %d examples of class %d", 2 * k, y);
    free(order);
}

/* The share of the most frequent class of d. */
static double majority(const LabelledSet *d, int K) {
    int count[8] = {0}, best = 0;
    for (int i = 0; i < d->n; i++) count[d->label[i]]++;
    for (int y = 0; y < K; y++) best = count[y] > best ? count[y] : best;
    return (double)best / d->n;
}

static void cloze_result(const char *method, int n, double dev, double dev_sd, double test, double test_sd) {
    result_begin("transformer");
    result_str("task", "cloze");
    result_str("data", "sst2");
    result_str("method", method);
    result_int("seeds", n);
    result_num("dev_acc", dev, 4);
    result_num("dev_acc_sd", dev_sd, 4);
    result_str("split", "test");
    result_num("acc", test, 4);
    result_num("acc_sd", test_sd, 4);
    result_end();
}

int tf_cmd_cloze(int argc, char **argv) {
    const char *model = NULL, *templ = "%s it was [MASK] .", *words = "terrible,great";
    int shots = 16, seeds = 5, zero_only = 0, threads = 2;
    BertFinetuneConfig fc = {.batch = 8, .steps = 300, .lr = 1e-4f, .warmup = 0.0f, .weight_decay = 0.01f,
                             .grad_clip = 1.0f, .eval_every = 20, .seed = 1, .quiet = 1};
    int quiet = 0;
    const CliOption opts[] = {
        CLI_SEED(&fc.seed), CLI_THREADS(&threads), CLI_BATCH(&fc.batch), CLI_LR_F(&fc.lr), CLI_QUIET(&quiet),
        CLI_STEPS(&fc.steps),
        CLI_OPT("model", CLI_STRING, &model, 0, 0),
        CLI_OPT("template", CLI_STRING, &templ, 0, 0),
        CLI_OPT("words", CLI_STRING, &words, 0, 0),
        CLI_OPT("shots", CLI_INT, &shots, 1, 10000),
        CLI_OPT("seeds", CLI_INT, &seeds, 1, 100),
        {.name = "eval-every", .type = CLI_LONG, .dst = &fc.eval_every, .lo = 1, .hi = 1e9, .alias = "eval-interval"},
        CLI_OPT("zero-shot", CLI_FLAG, &zero_only, 0, 0),
        CLI_END};
    if (cli_parse(&(CliSpec){.usage = cloze_usage, .options = opts}, argc, argv) != 0)
        usage_error("cloze takes no file arguments");
    if (!model) usage_error("cloze: give --model DIR (a bert-pretrain folder)");
    if (fc.steps < 1) usage_error("--steps must be at least 1");
    set_threads(threads);
    Bert m;
    BertTok tok;
    bert_load(model, &m, &tok);
    /* the label words */
    int label_tok[2], K = 0;
    char wbuf[256];
    snprintf(wbuf, sizeof wbuf, "%s", words);
    for (char *w = strtok(wbuf, ","); w; w = strtok(NULL, ",")) {
        if (K == 2) usage_error("--words takes two words, NEG,POS");
        if ((label_tok[K++] = bert_tok_single(&tok, w)) < 0)
            die("the label word \" %s\" is more than one token in %s's vocabulary", w, model);
    }
    if (K != 2) usage_error("--words takes two words, NEG,POS");
    BertTemplate tp = {.tok = &tok, .templ = templ};
    LsetEncoder enc = bert_template_lset(&tp);
    LabelledSet train, dev, test;
    load_sst(&train, "train", enc);
    load_sst(&dev, "dev", enc);
    load_sst(&test, "test", enc);
    printf("template \"%s\", label words %s; SST-2 dev %d, test %d sentences\n", templ, words, dev.n, test.n);
    printf("%-22s %16s %16s\n", "method", "dev (872)", "test (1821)");
    printf("%-22s %16.1f %16.1f\n", "majority class", 100 * majority(&dev, 2), 100 * majority(&test, 2));
    printf("%-22s %16.1f %16.1f\n", "chance", 50.0, 50.0);
    BertClassifier prompt;
    bert_classifier_prompt(&prompt, 2, label_tok);
    double zd = bert_accuracy(&m, &prompt, &dev, 64), zt = bert_accuracy(&m, &prompt, &test, 64);
    printf("%-22s %16.1f %16.1f\n", "zero-shot prompt", 100 * zd, 100 * zt);
    cloze_result("zero-shot", 0, zd, 0, zt, 0);
    if (!zero_only) {
        double acc[2][2][100];   /* method, split (dev, test), seed */
        const char *names[2] = {"prompt fine-tuning", "head fine-tuning"};
        for (int s = 0; s < seeds; s++) {
            LabelledSet tr, dv;
            few_shot_split(&tr, &dv, &train, 2, shots, fc.seed + (unsigned long long)s);
            for (int meth = 0; meth < 2; meth++) {
                Bert fm;
                bert_load(model, &fm, NULL);
                BertClassifier h;
                if (meth == 0) bert_classifier_prompt(&h, 2, label_tok);
                else bert_classifier_linear(&h, 2, fm.cfg.C, fc.seed + (unsigned long long)s);
                BertFinetuneConfig f = fc;
                f.seed = fc.seed + (unsigned long long)s;
                double sel = bert_finetune(&fm, &h, &f, &tr, &dv);
                acc[meth][0][s] = bert_accuracy(&fm, &h, &dev, 64);
                acc[meth][1][s] = bert_accuracy(&fm, &h, &test, 64);
                if (!quiet)
                    fprintf(stderr, "seed %d %s: small-dev %.3f, dev %.4f, test %.4f\n", s, names[meth], sel,
                            acc[meth][0][s], acc[meth][1][s]);
                bert_classifier_free(&h);
                bert_free(&fm);
            }
            lset_free(&tr);
            lset_free(&dv);
        }
        for (int meth = 0; meth < 2; meth++) {
            double md, sdd, mt, sdt;
            mean_sd(acc[meth][0], seeds, &md, &sdd);
            mean_sd(acc[meth][1], seeds, &mt, &sdt);
            char label[64];
            snprintf(label, sizeof label, "%s (%d/class)", meth ? "head FT" : "prompt FT", shots);
            printf("%-22s %9.1f +- %4.1f %9.1f +- %4.1f\n", label, 100 * md, 100 * sdd, 100 * mt, 100 * sdt);
            cloze_result(meth ? "head-finetune" : "prompt-finetune", seeds, md, sdd, mt, sdt);
        }
    }
    bert_classifier_free(&prompt);
    lset_free(&train), lset_free(&dev), lset_free(&test);
    bert_free(&m);
    bert_tok_free(&tok);
    return 0;
}

/* ============================================================ bert-vectors */

static const char vectors_usage[] =
    "Usage: transformer bert-vectors --model DIR [options]\n"
    "Contextual vectors: the last layer's vector of WORD in two sentences (by default\n"
    "\"flies\" in \"time flies like an arrow\" and \"fruit flies like a banana\"), their\n"
    "cosine (the input embeddings, one per token, would give 1), and each one's nearest\n"
    "neighbours among the tokens of sentences of the pretraining corpus, in context.\n"
    "\n"
    "  --model DIR        a bert-pretrain folder\n"
    "  --word W           (default flies)\n"
    "  --a TEXT --b TEXT  the two sentences\n"
    "  --contexts N       corpus sentences whose tokens are the neighbours (default 4000)\n"
    "  --data FILE --sources LIST   the corpus they come from: give what the model was\n"
    "                     pretrained on (default all four sources, as bert-pretrain's)\n"
    "  --k N              neighbours shown (default 8)\n"
    "  --threads N (2)\n"
    "\n"
    "Example:  transformer bert-vectors --model runs/transformer/bert-tiny\n";

/* The mean of the vectors of word's tokens in text (the first occurrence),
 * into v (C); dies when text does not contain the word. */
static void word_vector(Bert *m, BertTok *t, const char *text, const char *word, float *v) {
    int n, *ids, C = m->cfg.C;
    float *h = bert_embed(m, t, text, &n, &ids);
    char buf[256];
    snprintf(buf, sizeof buf, " %s", word);
    int wn = (int)bert_tok_encode(t, buf, strlen(buf), NULL, 0), w[64];
    if (wn > 64) die("--word is too long");
    bert_tok_encode(t, buf, strlen(buf), w, (size_t)wn);
    int at = -1;
    for (int i = 0; i + wn <= n && at < 0; i++)
        if (!memcmp(ids + i, w, (size_t)wn * sizeof(int))) at = i;
    if (at < 0) die("'%s' does not contain the word \"%s\" (as the tokens of \" %s\")", text, word, word);
    memset(v, 0, (size_t)C * sizeof(float));
    for (int j = 0; j < wn; j++)
        for (int k = 0; k < C; k++) v[k] += h[(size_t)(at + j) * C + k] / wn;
    free(h);
    free(ids);
}

static float cosine(const float *a, const float *b, int n) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < n; i++) ab += a[i] * b[i], aa += a[i] * a[i], bb += b[i] * b[i];
    return (float)(ab / (sqrt(aa * bb) + 1e-12));
}

int tf_cmd_bert_vectors(int argc, char **argv) {
    const char *model = NULL, *data = NULL, *sources = NULL, *word = "flies", *sa = "time flies like an arrow", *sb = "fruit flies like a banana";
    int ncontexts = 4000, k = 8, threads = 2;
    const CliOption opts[] = {
        CLI_THREADS(&threads),
        CLI_OPT("model", CLI_STRING, &model, 0, 0),
        CLI_OPT("word", CLI_STRING, &word, 0, 0),
        CLI_OPT("a", CLI_STRING, &sa, 0, 0),
        CLI_OPT("b", CLI_STRING, &sb, 0, 0),
        CLI_OPT("contexts", CLI_INT, &ncontexts, 0, 1000000),
        CLI_DATA(&data),
        CLI_OPT("sources", CLI_STRING, &sources, 0, 0),
        CLI_OPT("k", CLI_INT, &k, 1, 100),
        CLI_END};
    if (cli_parse(&(CliSpec){.usage = vectors_usage, .options = opts}, argc, argv) != 0)
        usage_error("bert-vectors takes no file arguments");
    if (!model) usage_error("bert-vectors: give --model DIR (a bert-pretrain folder)");
    set_threads(threads);
    Bert m;
    BertTok tok;
    bert_load(model, &m, &tok);
    int C = m.cfg.C;
    float *va = xmalloc((size_t)C * sizeof(float)), *vb = xmalloc((size_t)C * sizeof(float));
    word_vector(&m, &tok, sa, word, va);
    word_vector(&m, &tok, sb, word, vb);
    printf("\"%s\" in \"%s\" and in \"%s\": cosine %.3f (input embeddings: 1)\n", word, sa, sb, cosine(va, vb, C));
    if (ncontexts > 0) {
        /* contexts: every token of ncontexts sentences spread over the corpus */
        BertCorpus c;
        if (data) bert_corpus_read_file(&c, data);
        else bert_corpus_read(&c, sources);
        int total = 0;
        for (const char *p = c.text; *p; p++) total += *p == '\n';
        int step = total / ncontexts > 0 ? total / ncontexts : 1, cap = 0, nv = 0;
        float *vecs = NULL;
        int *sent = NULL, *tid = NULL;
        int nl = 0, li = 0;
        for (char *p = c.text; *p; li++) {
            char *nlp = strchr(p, '\n');
            if (nlp) *nlp = '\0';
            /* (sentences longer than the model's positions are passed over) */
            if (li % step == 0 && *p && (int)bert_tok_encode(&tok, p, strlen(p), NULL, 0) + 2 <= m.cfg.max_pos) {
                int n, *ids;
                float *h = bert_embed(&m, &tok, p, &n, &ids);
                if (nv + n > cap) {
                    cap = (nv + n) * 2;
                    vecs = xrealloc(vecs, (size_t)cap * C * sizeof(float));
                    sent = xrealloc(sent, (size_t)cap * sizeof(int));
                    tid = xrealloc(tid, (size_t)cap * sizeof(int));
                }
                memcpy(vecs + (size_t)nv * C, h, (size_t)n * C * sizeof(float));
                for (int i = 0; i < n; i++) sent[nv + i] = nl, tid[nv + i] = ids[i];
                nv += n;
                nl++;
                free(h), free(ids);
            }
            p = nlp ? nlp + 1 : p + strlen(p);
        }
        printf("neighbours among %d tokens of %d corpus sentences:\n", nv, nl);
        float *sim = xmalloc((size_t)nv * sizeof(float));
        for (int q = 0; q < 2; q++) {
            printf("  \"%s\" in \"%s\":\n", word, q ? sb : sa);
            for (int i = 0; i < nv; i++) sim[i] = cosine(q ? vb : va, vecs + (size_t)i * C, C);
            for (int j = 0; j < k && j < nv; j++) {
                int b = 0;
                for (int i = 1; i < nv; i++)
                    if (sim[i] > sim[b]) b = i;
                printf("    %.3f  ", sim[b]);   /* the token in brackets, with four tokens either side */
                for (int i = b - 4; i <= b + 4; i++) {
                    if (i < 0 || i >= nv || sent[i] != sent[b]) continue;
                    const char *w = bert_tok_text(&tok, tid[i]);
                    if (i == b) printf(" [%s]", w[0] == ' ' ? w + 1 : w);
                    else printf("%s", w);
                }
                printf("\n");
                sim[b] = -2.0f;
            }
        }
        free(sim), free(vecs), free(sent), free(tid);
        bert_corpus_free(&c);
    }
    free(va), free(vb);
    bert_free(&m);
    bert_tok_free(&tok);
    return 0;
}
