/*
 * main.c -- the `ngram` command line: train, eval, query, sample, demo.
 *
 *   ngram train --order 5 --out ptb5.arpa ptb.train.txt
 *   ngram eval --model ptb5.arpa ptb.test.txt          (ends with a RESULT line)
 *   echo "the cat sat" | ngram query --model ptb5.arpa
 *   ngram sample --model ptb5.arpa --temperature 0.8 --top-p 0.9
 *   ngram demo
 *
 * Exit status: 0 ok, 1 bad input (a clear message), 2 bad usage.
 */
#include <ctype.h>
#include <libgen.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngram/ngram.h"
#include "cli.h"
#include "metrics.h"
#include "util.h"

/* Everything a command can be told; each command reads the fields it needs. */
typedef struct {
    NgramTrainConfig train;
    int est;                  /* --estimator: an index of ngram_estimator_names, copied to train.est */
    const char *model_path;   /* --model: an ARPA file */
    const char *train_path;   /* --train: build the model in memory instead */
    const char *out;          /* --out: the ARPA file (train) or run folder (demo) */
    const char *data;         /* --data: dataset folder (demo) */
    const char *model_name;   /* --model-name: the RESULT line's model= */
    int sentences;            /* --sentences: per-sentence log10 p */
    int quiet, quick;
    unsigned long long seed;  /* --seed (default 1) */
    int threads;              /* --threads: accepted for uniformity; counting runs on one thread */
    long count, max_tokens;   /* --n, --max-tokens */
    SamplerConfig sampler;    /* --temperature, --top-k, --top-p (common/sample.h) */
    double holdout;           /* --holdout F: train on the first 1-F of --train, score the rest */
    const char *memory;       /* --memory SIZE: train in bounded memory (bounded.c), NULL = in memory */
} Options;

static void options_default(Options *o) {
    memset(o, 0, sizeof *o);
    ngram_train_config_default(&o->train);
    o->est = (int)o->train.est;
    o->seed = 1;
    o->threads = 1;
    o->count = 5;
    o->sampler = (SamplerConfig){ .temperature = 1.0f, .top_k = 0, .top_p = 1.0f };
}

/* The options, in the groups the commands share (common/cli.h); each command's
 * table lists its groups and ends with CLI_END. */
#define MODEL_OPTIONS(o)                                                                  \
    CLI_OPT("model", CLI_STRING, &(o)->model_path, 0, 0),                                 \
    CLI_OPT("train", CLI_STRING, &(o)->train_path, 0, 0)
#define TRAINING_OPTIONS(o)                                                               \
    CLI_OPT("order", CLI_INT, &(o)->train.order, 1, NGRAM_MAX_ORDER),                     \
    { .name = "estimator", .type = CLI_CHOICE, .dst = &(o)->est, .choices = ngram_estimator_names }, \
    CLI_OPT("k", CLI_DOUBLE, &(o)->train.addk, 1e-9, 1e9),                                \
    CLI_OPT("min-count", CLI_LONG, &(o)->train.min_count, 1, 1e9),                        \
    CLI_OPT("vocab", CLI_STRING, &(o)->train.vocab_file, 0, 0),                           \
    CLI_OPT("char", CLI_FLAG, &(o)->train.char_level, 0, 0)
#define COMMON_OPTIONS(o) CLI_QUIET(&(o)->quiet), CLI_SEED(&(o)->seed), CLI_THREADS(&(o)->threads)

static const char *usage_main =
    "usage: ngram COMMAND [options] [files]\n"
    "\n"
    "n-gram language models (Chapter 1: counting).\n"
    "\n"
    "commands:\n"
    "  train    count a corpus, smooth, write an ARPA file\n"
    "  eval     perplexity of text files under a model (ends with a RESULT line)\n"
    "  query    score sentences from stdin, like KenLM's query\n"
    "  sample   generate text from a model\n"
    "  demo     the chapter's demo on the built-in Bible corpus\n"
    "\n"
    "`ngram COMMAND --help` describes each command's options.\n";

#define USAGE_MODEL                                                                                 \
    "model (eval, query, sample): either\n"                                                         \
    "  --model FILE        an ARPA file (ours, KenLM's or SRILM's) or our .bin model\n"             \
    "or build one in memory from a corpus:\n"                                                       \
    "  --train CORPUS      with the training options below\n"                                       \
    "training:\n"                                                                                   \
    "  --order N           n-gram order, 1..16 (default 5)\n"                                       \
    "  --estimator E       mle | addk | absdisc | kn | mkn (default mkn, as KenLM lmplz)\n"         \
    "  --k K               add-k's k (default 1: Laplace)\n"                                        \
    "  --min-count C       words seen fewer than C times become <unk> (default 1: keep all)\n"      \
    "  --vocab FILE        words not listed in FILE become <unk>\n"                                 \
    "  --char              a character (byte) model of the raw stream, no sentence markers\n"       \
    "common:\n"                                                                                     \
    "  --quiet             no progress on stderr\n"                                                 \
    "  --seed S            random seed (default 1)\n"                                               \
    "  --threads T         accepted for uniformity; counting runs on one thread\n"

static const char *usage_train =
    "usage: ngram train [options] --out MODEL.arpa CORPUS\n\n"
    "Count every n-gram of CORPUS (one sentence per line, words split at whitespace),\n"
    "smooth with the estimator and write the model as an ARPA file (atomically),\n"
    "or, when the --out name ends in .bin, in our binary format (loads ~3x faster).\n"
    "mle and addk have no ARPA form; score them with `ngram eval --train`.\n"
    "  --memory SIZE       build in bounded memory, like lmplz -S: sort buffers of about\n"
    "                      SIZE bytes (suffix K, M or G: 512K, 100M, 2G), sorted runs\n"
    "                      spilled to a folder in $TMPDIR (else beside --out) that is\n"
    "                      removed at the end; kn and mkn word models, ARPA output only.\n"
    "                      The file is the same as without it.\n\n"
    "examples: ngram train --order 5 --out ptb5.arpa data/cache/ptb/ptb.train.txt\n"
    "          ngram train --order 5 --memory 100M --out big5.arpa big.txt\n\n"
    USAGE_MODEL;

static const char *usage_eval =
    "usage: ngram eval (--model MODEL.arpa | --train CORPUS) [options] FILE...\n\n"
    "Perplexity of each FILE as KenLM's query counts it (every word plus one </s>\n"
    "per line; OOV words scored as <unk>), then a RESULT line.\n"
    "  --sentences         also print each sentence's log10 probability\n"
    "  --model-name NAME   the RESULT line's model= (default: estimator+order)\n"
    "  --holdout F         no FILE: train on the first 1-F of --train's bytes (cut at a\n"
    "                      line end for words) and score the rest (the char ladder: 0.1)\n\n"
    "examples: ngram eval --model ptb5.arpa data/cache/ptb/ptb.test.txt\n"
    "          ngram eval --char --order 8 --train data/cache/tinyshakespeare/input.txt --holdout 0.1\n\n"
    USAGE_MODEL;

static const char *usage_query =
    "usage: ngram query (--model MODEL.arpa | --train CORPUS) [options] < text\n\n"
    "Score each line of stdin like KenLM's query: word=id ngram-length log10p for\n"
    "every token, the sentence total, then the perplexity summary.\n\n"
    USAGE_MODEL;

static const char *usage_sample =
    "usage: ngram sample (--model MODEL.arpa | --train CORPUS) [options]\n\n"
    "Generate text: each next token drawn from p(w | h)^(1/T), renormalised, among\n"
    "the K most likely tokens and the smallest set of them holding mass P.\n"
    "  --n N               sentences to sample (default 5)\n"
    "  --temperature T     1 = the model, <1 sharper, >1 flatter, 0 = the most likely (default 1)\n"
    "  --top-k K           sample among the K most likely tokens, 0 = all (default 0)\n"
    "  --top-p P           nucleus: the most likely tokens up to mass P, in (0,1] (default 1)\n"
    "  --max-tokens M      stop a sample after M tokens (default 60; char: 300)\n\n"
    USAGE_MODEL;

static const char *usage_demo =
    "usage: ngram demo [--quick] [--data DIR] [--out DIR] [--quiet]\n\n"
    "The chapter's demo on the King James Bible (DIR/bible/words.*.txt, made by\n"
    "`make data`): the sparsity lesson (an unseen n-gram that MLE calls impossible),\n"
    "validation perplexity by order 1..6 and estimator (table, TSV, PNG), and\n"
    "samples from orders 1..5; then a RESULT line per order (task=demo order=N and\n"
    "each estimator's perplexity). --quick uses a slice of the data.\n"
    "  --data DIR          datasets folder (default data/cache, else $NLP_DATA_DIR)\n"
    "  --out DIR           where the TSV and plot go (default runs/ngram/demo)\n";

/* Parse a command's options (argv[0] is the command's name): --help prints
 * usage and exits 0, a bad option or value exits 2. Returns the number of
 * file arguments, now argv[1..n]. */
static int parse_options(Options *o, const char *usage, const CliOption *opts, int argc, char **argv) {
    CliSpec spec = { .usage = usage, .options = opts };
    int nfiles = cli_parse(&spec, argc, argv);
    o->train.est = (NgramEstimator)o->est;
    if (o->model_name && (!*o->model_name || strpbrk(o->model_name, " \t\n\r\v\f")))
        usage_error("--model-name '%s' must be one word (it is the RESULT line's model=)", o->model_name);
    return nfiles;
}

/* Train in memory; out: the file the model is going to be written to, if
 * any. A model that will only be written keeps only what writing it needs: a
 * Kneser-Ney keeps no hash index (its estimate follows links), and into an
 * ARPA file it is estimated and written order by order, each order's data
 * freed once used (ngram_estimate_to_arpa). */
static void build_model(NgramLm *lm, const NgramTrainConfig *cfg, const char *path, int quiet, const char *out,
                        int to_binary) {
    double t0 = now_seconds();
    NgramTrainConfig c = *cfg;
    c.write_only = out && (c.est == NGRAM_EST_KN || c.est == NGRAM_EST_MKN);
    ngram_count_file(lm, &c, path);
    if (c.write_only && !to_binary) ngram_estimate_to_arpa(lm, out);
    else {
        ngram_estimate(lm);
        if (c.write_only) ngram_drop_lower_counts(lm);
        if (ngram_estimator_is_backoff(lm->est)) ngram_compile_arpa(lm, !out);
        if (to_binary) {
            ngram_build_query(lm, 0);   /* the tables, order by order, become the file's */
            ngram_binary_write(lm, out);
        } else if (out) ngram_arpa_write(lm, out);
    }
    if (!quiet) {
        fprintf(stderr, "ngram: %s %d-gram model of %s: %d words, %llu tokens,",
                ngram_estimator_name(lm->est), lm->order, path, ngram_vocab_size(lm),
                (unsigned long long)lm->train_tokens);
        for (int n = 1; n <= lm->order; n++) fprintf(stderr, " %zu", ngram_entries(lm, n));
        fprintf(stderr, " n-grams (%.2f s)\n", now_seconds() - t0);
        if (out) fprintf(stderr, "ngram: wrote %s\n", out);
    }
}

static void load_model(NgramLm *lm, const Options *o, const char *cmd) {
    if (!!o->model_path == !!o->train_path)
        usage_error("%s needs exactly one of --model FILE.arpa or --train CORPUS", cmd);
    if (o->train_path) { build_model(lm, &o->train, o->train_path, o->quiet, NULL, 0); return; }
    char err[512];
    int rc = ngram_binary_is_model(o->model_path) ? ngram_binary_read(lm, o->model_path, err, sizeof err)
                                             : ngram_arpa_read(lm, o->model_path, o->train.char_level, err, sizeof err);
    if (rc != 0) die("%s", err);
}

/* "100M" -> 104857600: a positive number of bytes with an optional K, M or G
 * (powers of 1024, as lmplz's -S); 0 if it is none. */
static size_t parse_size(const char *s) {
    char *end;
    double x = strtod(s, &end);
    if (end == s || !(x > 0) || !isfinite(x)) return 0;
    const char *units = "KMG";
    const char *u = *end ? strchr(units, toupper((unsigned char)*end)) : NULL;
    if (*end && (!u || end[1])) return 0;
    if (u) for (const char *k = units; k <= u; k++) x *= 1024;
    return x >= 1 && x < 1e18 ? (size_t)x : 0;
}

/* The folder the bounded build spills into: $TMPDIR, else the output's. */
static void spill_parent(const char *out, char *dir, size_t cap) {
    const char *tmp = getenv("TMPDIR");
    if (tmp && *tmp) { snprintf(dir, cap, "%s", tmp); return; }
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", out);
    snprintf(dir, cap, "%s", dirname(buf));
}

static int cmd_train(int argc, char **argv) {
    Options o;
    options_default(&o);
    const CliOption opts[] = {
        TRAINING_OPTIONS(&o), CLI_OUT(&o.out), CLI_OPT("memory", CLI_STRING, &o.memory, 0, 0),
        COMMON_OPTIONS(&o), CLI_END,
    };
    if (parse_options(&o, usage_train, opts, argc, argv) != 1)
        usage_error("train needs exactly one corpus file (see `ngram train --help`)");
    if (!o.out) usage_error("train needs --out MODEL.arpa");
    if (!ngram_estimator_is_backoff(o.train.est))
        usage_error("the %s estimator has no ARPA form; evaluate it with `ngram eval --train CORPUS "
                    "--estimator %s`", ngram_estimator_name(o.train.est), ngram_estimator_name(o.train.est));
    size_t olen = strlen(o.out);
    int to_binary = olen > 4 && strcmp(o.out + olen - 4, ".bin") == 0;
    if (o.memory) {
        size_t bytes = parse_size(o.memory);
        if (!bytes) usage_error("--memory '%s' is not a size (a positive number of bytes, or with K, M or G: 100M)", o.memory);
        if (to_binary) usage_error("--memory writes ARPA files only (the binary file is the query tables, built in memory)");
        if (o.train.char_level) usage_error("--memory builds word models only, not --char");
        if (o.train.est != NGRAM_EST_KN && o.train.est != NGRAM_EST_MKN)
            usage_error("--memory builds Kneser-Ney models only (--estimator kn or mkn)");
        char dir[4096];
        spill_parent(o.out, dir, sizeof dir);
        ngram_train_bounded(&o.train, argv[1], o.out, bytes, dir, o.quiet);
        return 0;
    }
    /* Every array of 1 MB or more mapped on its own, so that freeing it gives
     * its memory back at once: glibc would otherwise raise this threshold at
     * the first such free and keep the later arrays in a heap that does not
     * shrink, adding what the build has freed to its peak. */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    NgramLm lm;
    build_model(&lm, &o.train, argv[1], o.quiet, o.out, to_binary);
    ngram_free(&lm);
    return 0;
}

/* "data/cache/ptb/ptb.test.txt" -> data "ptb", split "test"; "bible/words.valid.txt" -> "bible", "valid". */
static void name_of_file(const char *path, char *data, char *split, size_t cap) {
    char buf[1024], dirbuf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    snprintf(dirbuf, sizeof dirbuf, "%s", path);
    char *base = basename(buf);
    char *dot = strrchr(base, '.');
    if (dot && strcmp(dot, ".txt") == 0) *dot = '\0';
    dot = strrchr(base, '.');
    snprintf(split, cap, "%s", dot ? dot + 1 : "eval");
    if (dot) *dot = '\0';
    snprintf(data, cap, "%s", base);
    if (strcmp(base, "words") == 0 || strcmp(base, "chars") == 0 || strcmp(base, "input") == 0)
        snprintf(data, cap, "%s", basename(dirname(dirbuf)));
}

/* A RESULT value is one word: whitespace in a file name becomes '_'. */
static void one_word(char *s) {
    for (; *s; s++)
        if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s)) *s = '_';
}

/* The n-grams of every order, as the ARPA header counts them: the model's
 * size beside the neural rungs' params= on the ladder's plots. */
static size_t ngram_total_entries(const NgramLm *lm) {
    size_t total = 0;
    for (int n = 1; n <= lm->order; n++) total += ngram_entries(lm, n);
    return total;
}

/* KenLM query's summary, then the RESULT line (common/metrics.h) with both of
 * its perplexities: ppl= including the OOV words (scored as <unk>),
 * ppl_excl_oov= without them (see score.c for what counts as an OOV). */
static void print_result(const Options *o, const NgramLm *lm, const char *path, const NgramPerplexity *p) {
    char model[64], data[256], split[256];
    if (o->model_name) snprintf(model, sizeof model, "%s", o->model_name);
    else if (lm->est_known) snprintf(model, sizeof model, "%s%d", ngram_estimator_name(lm->est), lm->order);
    else snprintf(model, sizeof model, "arpa%d", lm->order);   /* an ARPA file does not say */
    name_of_file(path, data, split, sizeof data);
    one_word(data);
    one_word(split);
    double loss = -p->logprob * log(10.0) / (double)p->tokens;
    printf("Perplexity including OOVs:\t%.3f\n", ngram_ppl_including(p));
    printf("Perplexity excluding OOVs:\t%.3f\n", ngram_ppl_excluding(p));
    printf("OOVs:\t%llu\n", (unsigned long long)p->oov);
    printf("Tokens:\t%llu\n", (unsigned long long)p->tokens);
    result_begin("ngram");
    result_str("model", model);
    result_str("data", data);
    result_str("split", split);
    result_int("tokens", (long long)p->tokens);
    result_int("oov", (long long)p->oov);
    result_num("loss", loss, 4);
    result_num("ppl", ngram_ppl_including(p), 3);   /* as KenLM's query prints it */
    result_num("ppl_excl_oov", ngram_ppl_excluding(p), 3);
    result_int("ngrams", (long long)ngram_total_entries(lm));
    result_end();
}

/* --holdout: one file split into a training head and a scored tail. */
static int eval_holdout(const Options *o) {
    if (!o->train_path) usage_error("--holdout needs --train CORPUS");
    size_t len;
    char *text = text_load(o->train_path, &len);
    size_t cut = (size_t)((double)len * (1.0 - o->holdout));
    if (!o->train.char_level) {   /* words: whole lines on each side */
        char *nl = memchr(text + cut, '\n', len - cut);
        cut = nl ? (size_t)(nl + 1 - text) : len;
    }
    if (cut == 0 || cut >= len) die("%s: --holdout %g leaves nothing to train on or to score", o->train_path, o->holdout);
    NgramLm lm;
    double t0 = now_seconds();
    ngram_count_text(&lm, &o->train, text, cut, o->train_path);
    ngram_estimate(&lm);
    if (ngram_estimator_is_backoff(lm.est)) ngram_compile_arpa(&lm, 1);
    if (!o->quiet)
        fprintf(stderr, "ngram: %s %d-gram model of the first %zu bytes of %s (%.2f s)\n",
                ngram_estimator_name(lm.est), lm.order, cut, o->train_path, now_seconds() - t0);
    NgramPerplexity p;
    ngram_score_text(&lm, text + cut, len - cut, o->train_path, &p, stdout, o->sentences, 0);
    char label[1100];
    snprintf(label, sizeof label, "%s", o->train_path);
    char *dot = strrchr(label, '.');
    if (dot && strcmp(dot, ".txt") == 0) *dot = '\0';
    strcat(label, ".valid.txt");   /* the RESULT line names the held-out tail split=valid */
    print_result(o, &lm, label, &p);
    ngram_free(&lm);
    free(text);
    return 0;
}

static int cmd_eval(int argc, char **argv) {
    Options o;
    options_default(&o);
    const CliOption opts[] = {
        MODEL_OPTIONS(&o), TRAINING_OPTIONS(&o),
        CLI_OPT("sentences", CLI_FLAG, &o.sentences, 0, 0),
        CLI_OPT("model-name", CLI_STRING, &o.model_name, 0, 0),
        CLI_OPT("holdout", CLI_DOUBLE, &o.holdout, 1e-6, 0.999999),
        COMMON_OPTIONS(&o), CLI_END,
    };
    int nfiles = parse_options(&o, usage_eval, opts, argc, argv);
    if (o.holdout > 0) {
        if (nfiles != 0) usage_error("eval --holdout scores the tail of --train; no file arguments");
        return eval_holdout(&o);
    }
    if (nfiles == 0) usage_error("eval needs at least one text file (see `ngram eval --help`)");
    NgramLm lm;
    load_model(&lm, &o, "eval");
    for (int i = 1; i <= nfiles; i++) {
        NgramPerplexity p;
        ngram_score_file(&lm, argv[i], &p, stdout, o.sentences, 0);
        if (p.tokens == 0) die("%s: no tokens to score", argv[i]);
        print_result(&o, &lm, argv[i], &p);
    }
    ngram_free(&lm);
    return 0;
}

static int cmd_query(int argc, char **argv) {
    Options o;
    options_default(&o);
    const CliOption opts[] = { MODEL_OPTIONS(&o), TRAINING_OPTIONS(&o), COMMON_OPTIONS(&o), CLI_END };
    if (parse_options(&o, usage_query, opts, argc, argv) != 0)
        usage_error("query reads its sentences from stdin; no file arguments");
    NgramLm lm;
    load_model(&lm, &o, "query");
    size_t cap = 1 << 16, len = 0, got;
    char *text = xmalloc(cap);
    while ((got = fread(text + len, 1, cap - len, stdin)) > 0) {
        len += got;
        if (len == cap) text = xrealloc(text, cap *= 2);
    }
    NgramPerplexity p;
    ngram_score_text(&lm, text, len, "stdin", &p, stdout, 0, 1);
    printf("Perplexity including OOVs:\t%g\n", ngram_ppl_including(&p));
    printf("Perplexity excluding OOVs:\t%g\n", ngram_ppl_excluding(&p));
    printf("OOVs:\t%llu\nTokens:\t%llu\n", (unsigned long long)p.oov, (unsigned long long)p.tokens);
    free(text);
    ngram_free(&lm);
    return 0;
}

static int cmd_sample(int argc, char **argv) {
    Options o;
    options_default(&o);
    const CliOption opts[] = {
        MODEL_OPTIONS(&o), TRAINING_OPTIONS(&o),
        CLI_OPT("n", CLI_LONG, &o.count, 1, 1000000),
        CLI_OPT("temperature", CLI_FLOAT, &o.sampler.temperature, 0, 100),   /* sample.h's ranges */
        CLI_OPT("top-k", CLI_INT, &o.sampler.top_k, 0, 1e9),
        CLI_OPT("top-p", CLI_FLOAT, &o.sampler.top_p, 0, 1),
        CLI_OPT("max-tokens", CLI_LONG, &o.max_tokens, 1, 1000000),
        COMMON_OPTIONS(&o), CLI_END,
    };
    if (parse_options(&o, usage_sample, opts, argc, argv) != 0) usage_error("sample takes no file arguments");
    sampler_check(&o.sampler);   /* a setting out of range: exit 2 */
    NgramLm lm;
    load_model(&lm, &o, "sample");
    Rng rng;
    rng_seed(&rng, (uint64_t)o.seed, 1);
    int max = o.max_tokens ? (int)o.max_tokens : lm.char_level ? 300 : 60;
    for (long i = 0; i < o.count; i++) {
        ngram_sample(&lm, &o.sampler, &rng, max, stdout);
        if (lm.char_level) printf("\n---\n");
    }
    ngram_free(&lm);
    return 0;
}

/* The demo's perplexity grid as RESULT lines, one per order (the README's table). */
static void print_demo_result(const NgramDemoResult *res) {
    for (int n = 1; n < (int)(sizeof res->ppl / sizeof res->ppl[0]); n++) {
        result_begin("ngram");
        result_str("task", "demo");
        result_str("data", "bible");
        result_str("split", "valid");
        result_int("order", n);
        for (int e = 0; e < 5; e++) result_num(ngram_estimator_name((NgramEstimator)e), res->ppl[n][e], 3);
        result_end();
    }
}

static int cmd_demo(int argc, char **argv) {
    Options o;
    options_default(&o);
    const CliOption opts[] = {
        CLI_OPT("quick", CLI_FLAG, &o.quick, 0, 0), CLI_DATA(&o.data), CLI_OUT(&o.out), CLI_QUIET(&o.quiet), CLI_END,
    };
    if (parse_options(&o, usage_demo, opts, argc, argv) != 0) usage_error("demo takes no file arguments");
    NgramDemoResult res;
    ngram_demo(o.data, o.out ? o.out : "runs/ngram/demo", o.quick, o.quiet, &res);
    print_demo_result(&res);
    return 0;
}

/* The one stage without OpenMP or BLAS: no openmp_wait_passively (matmul.h),
 * whose re-execution would start every run twice, and (with the Makefile's
 * --as-needed) no OpenBLAS to load. */
int main(int argc, char **argv) {
    util_set_prog("ngram");
    if (argc < 2) { fputs(usage_main, stderr); return 2; }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_main, stdout);
        return 0;
    }
    argc--, argv++;   /* argv[0] is now the command, as cli_parse's messages name it */
    if (strcmp(cmd, "train") == 0) return cmd_train(argc, argv);
    if (strcmp(cmd, "eval") == 0) return cmd_eval(argc, argv);
    if (strcmp(cmd, "query") == 0) return cmd_query(argc, argv);
    if (strcmp(cmd, "sample") == 0) return cmd_sample(argc, argv);
    if (strcmp(cmd, "demo") == 0) return cmd_demo(argc, argv);
    usage_error("unknown command '%s' (train, eval, query, sample or demo)", cmd);
}
