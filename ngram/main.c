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
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngram/ngram.h"
#include "matmul.h"
#include "metrics.h"
#include "util.h"

/* Everything a command can be told; each command reads the fields it needs. */
typedef struct {
    NgramTrainConfig train;
    const char *model_path;   /* --model: an ARPA file */
    const char *train_path;   /* --train: build the model in memory instead */
    const char *out;          /* --out: the ARPA file (train) or run folder (demo) */
    const char *data;         /* --data: dataset folder (demo) */
    const char *model_name;   /* --model-name: the RESULT line's model= */
    int sentences;            /* --sentences: per-sentence log10 p */
    int quiet, quick;
    long seed, threads, count, max_tokens;
    SamplerConfig sampler;    /* --temperature, --top-k, --top-p (common/sample.h) */
    double holdout;           /* --holdout F: train on the first 1-F of --train, score the rest */
} Options;

enum { OPT_ORDER = 256, OPT_ESTIMATOR, OPT_K, OPT_MIN_COUNT, OPT_VOCAB, OPT_CHAR, OPT_MODEL,
       OPT_TRAIN, OPT_OUT, OPT_DATA, OPT_SENTENCES, OPT_QUIET, OPT_SEED, OPT_THREADS, OPT_COUNT,
       OPT_TEMPERATURE, OPT_TOP_K, OPT_TOP_P, OPT_MAX_TOKENS, OPT_QUICK, OPT_MODEL_NAME, OPT_HOLDOUT, OPT_HELP };

static const struct option long_options[] = {
    { "order", required_argument, 0, OPT_ORDER },
    { "estimator", required_argument, 0, OPT_ESTIMATOR },
    { "k", required_argument, 0, OPT_K },
    { "min-count", required_argument, 0, OPT_MIN_COUNT },
    { "vocab", required_argument, 0, OPT_VOCAB },
    { "char", no_argument, 0, OPT_CHAR },
    { "model", required_argument, 0, OPT_MODEL },
    { "train", required_argument, 0, OPT_TRAIN },
    { "out", required_argument, 0, OPT_OUT },
    { "data", required_argument, 0, OPT_DATA },
    { "sentences", no_argument, 0, OPT_SENTENCES },
    { "quiet", no_argument, 0, OPT_QUIET },
    { "seed", required_argument, 0, OPT_SEED },
    { "threads", required_argument, 0, OPT_THREADS },
    { "n", required_argument, 0, OPT_COUNT },
    { "temperature", required_argument, 0, OPT_TEMPERATURE },
    { "top-k", required_argument, 0, OPT_TOP_K },
    { "top-p", required_argument, 0, OPT_TOP_P },
    { "max-tokens", required_argument, 0, OPT_MAX_TOKENS },
    { "quick", no_argument, 0, OPT_QUICK },
    { "model-name", required_argument, 0, OPT_MODEL_NAME },
    { "holdout", required_argument, 0, OPT_HOLDOUT },
    { "help", no_argument, 0, OPT_HELP },
    { 0, 0, 0, 0 },
};

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

static const char *usage_model =
    "model (eval, query, sample): either\n"
    "  --model FILE        an ARPA file (ours, KenLM's or SRILM's) or our .bin model\n"
    "or build one in memory from a corpus:\n"
    "  --train CORPUS      with the training options below\n"
    "training:\n"
    "  --order N           n-gram order, 1..16 (default 5)\n"
    "  --estimator E       mle | addk | absdisc | kn | mkn (default mkn, as KenLM lmplz)\n"
    "  --k K               add-k's k (default 1: Laplace)\n"
    "  --min-count C       words seen fewer than C times become <unk> (default 1: keep all)\n"
    "  --vocab FILE        words not listed in FILE become <unk>\n"
    "  --char              a character (byte) model of the raw stream, no sentence markers\n"
    "common:\n"
    "  --quiet             no progress on stderr\n"
    "  --seed S            random seed (default 1)\n"
    "  --threads T         accepted for uniformity; counting runs on one thread\n";

static void print_usage(const char *cmd) {
    if (!cmd) { fputs(usage_main, stdout); return; }
    if (strcmp(cmd, "train") == 0)
        printf("usage: ngram train [options] --out MODEL.arpa CORPUS\n\n"
               "Count every n-gram of CORPUS (one sentence per line, words split at whitespace),\n"
               "smooth with the estimator and write the model as an ARPA file (atomically),\n"
               "or, when the --out name ends in .bin, in our binary format (loads ~3x faster).\n"
               "mle and addk have no ARPA form; score them with `ngram eval --train`.\n\n"
               "example: ngram train --order 5 --out ptb5.arpa data/cache/ptb/ptb.train.txt\n\n");
    else if (strcmp(cmd, "eval") == 0)
        printf("usage: ngram eval (--model MODEL.arpa | --train CORPUS) [options] FILE...\n\n"
               "Perplexity of each FILE as KenLM's query counts it (every word plus one </s>\n"
               "per line; OOV words scored as <unk>), then a RESULT line.\n"
               "  --sentences         also print each sentence's log10 probability\n"
               "  --model-name NAME   the RESULT line's model= (default: estimator+order)\n"
               "  --holdout F         no FILE: train on the first 1-F of --train's bytes (cut at a\n"
               "                      line end for words) and score the rest (the char ladder: 0.1)\n\n"
               "examples: ngram eval --model ptb5.arpa data/cache/ptb/ptb.test.txt\n"
               "          ngram eval --char --order 8 --train data/cache/tinyshakespeare/input.txt --holdout 0.1\n\n");
    else if (strcmp(cmd, "query") == 0)
        printf("usage: ngram query (--model MODEL.arpa | --train CORPUS) [options] < text\n\n"
               "Score each line of stdin like KenLM's query: word=id ngram-length log10p for\n"
               "every token, the sentence total, then the perplexity summary.\n\n");
    else if (strcmp(cmd, "sample") == 0)
        printf("usage: ngram sample (--model MODEL.arpa | --train CORPUS) [options]\n\n"
               "Generate text: each next token drawn from p(w | h)^(1/T), renormalised, among\n"
               "the K most likely tokens and the smallest set of them holding mass P.\n"
               "  --n N               sentences to sample (default 5)\n"
               "  --temperature T     1 = the model, <1 sharper, >1 flatter, 0 = the most likely (default 1)\n"
               "  --top-k K           sample among the K most likely tokens, 0 = all (default 0)\n"
               "  --top-p P           nucleus: the most likely tokens up to mass P, in (0,1] (default 1)\n"
               "  --max-tokens M      stop a sample after M tokens (default 60; char: 300)\n\n");
    else if (strcmp(cmd, "demo") == 0) {
        printf("usage: ngram demo [--quick] [--data DIR] [--out DIR] [--quiet]\n\n"
               "The chapter's demo on the King James Bible (DIR/bible/words.*.txt, made by\n"
               "`make data`): the sparsity lesson (an unseen n-gram that MLE calls impossible),\n"
               "validation perplexity by order 1..6 and estimator (table, TSV, PNG), and\n"
               "samples from orders 1..5. --quick uses a slice of the data.\n"
               "  --data DIR          datasets folder (default data/cache, else $NLP_DATA_DIR)\n"
               "  --out DIR           where the TSV and plot go (default runs/ngram/demo)\n");
        return;
    } else { fputs(usage_main, stdout); return; }
    fputs(usage_model, stdout);
}

static void parse_options(int argc, char **argv, const char *cmd, Options *o) {
    memset(o, 0, sizeof *o);
    ngram_train_config_default(&o->train);
    o->seed = 1;
    o->count = 5;
    o->sampler = (SamplerConfig){ .temperature = 1.0f, .top_k = 0, .top_p = 1.0f };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_ORDER: o->train.order = (int)parse_long(optarg, "--order", 1, NGRAM_MAX_ORDER); break;
        case OPT_ESTIMATOR:
            if (ngram_estimator_parse(optarg, &o->train.est) != 0)
                usage_error("unknown estimator '%s' (mle, addk, absdisc, kn or mkn)", optarg);
            break;
        case OPT_K: o->train.addk = parse_double(optarg, "--k", 1e-9, 1e9); break;
        case OPT_MIN_COUNT: o->train.min_count = parse_long(optarg, "--min-count", 1, 1000000000L); break;
        case OPT_VOCAB: o->train.vocab_file = optarg; break;
        case OPT_CHAR: o->train.char_level = 1; break;
        case OPT_MODEL: o->model_path = optarg; break;
        case OPT_TRAIN: o->train_path = optarg; break;
        case OPT_OUT: o->out = optarg; break;
        case OPT_DATA: o->data = optarg; break;
        case OPT_SENTENCES: o->sentences = 1; break;
        case OPT_QUIET: o->quiet = 1; break;
        case OPT_SEED: o->seed = parse_long(optarg, "--seed", 0, 0x7fffffffL); break;
        case OPT_THREADS: o->threads = parse_long(optarg, "--threads", 1, 1024); break;
        case OPT_COUNT: o->count = parse_long(optarg, "--n", 1, 1000000); break;
        /* the sampler's ranges are checked by sampler_check (common/sample.h) */
        case OPT_TEMPERATURE: o->sampler.temperature = (float)parse_double(optarg, "--temperature", -1e9, 1e9); break;
        case OPT_TOP_K: o->sampler.top_k = (int)parse_long(optarg, "--top-k", -1000000000L, 1000000000L); break;
        case OPT_TOP_P: o->sampler.top_p = (float)parse_double(optarg, "--top-p", -1e9, 1e9); break;
        case OPT_MAX_TOKENS: o->max_tokens = parse_long(optarg, "--max-tokens", 1, 1000000); break;
        case OPT_QUICK: o->quick = 1; break;
        case OPT_MODEL_NAME:
            if (!*optarg || strpbrk(optarg, " \t\n\r\v\f"))
                usage_error("--model-name '%s' must be one word (it is the RESULT line's model=)", optarg);
            o->model_name = optarg;
            break;
        case OPT_HOLDOUT: o->holdout = parse_double(optarg, "--holdout", 1e-6, 0.999999); break;
        case OPT_HELP: print_usage(cmd); exit(0);
        default:
            usage_error("%s: unknown option '%s' (see `ngram %s --help`)", cmd, argv[optind - 1], cmd);
        }
    }
}

/* Train in memory. for_writing: the model is only going to be written, so
 * the Kneser-Neys can drop what they no longer need (ngram_drop_index, ngram_drop_lower_counts). */
static void build_model(NgramLm *lm, const NgramTrainConfig *cfg, const char *path, int quiet, int for_writing) {
    double t0 = now_seconds();
    ngram_count_file(lm, cfg, path);
    int trim = for_writing && (lm->est == NGRAM_EST_KN || lm->est == NGRAM_EST_MKN);
    if (trim) ngram_drop_index(lm);
    ngram_estimate(lm);
    if (trim) ngram_drop_lower_counts(lm);
    if (ngram_estimator_is_backoff(lm->est)) ngram_compile_arpa(lm);
    if (!quiet) {
        fprintf(stderr, "ngram: %s %d-gram model of %s: %d words, %llu tokens,",
                ngram_estimator_name(lm->est), lm->order, path, ngram_vocab_size(lm),
                (unsigned long long)lm->train_tokens);
        for (int n = 1; n <= lm->order; n++) fprintf(stderr, " %zu", ngram_entries(lm, n));
        fprintf(stderr, " n-grams (%.2f s)\n", now_seconds() - t0);
    }
}

static void load_model(NgramLm *lm, const Options *o, const char *cmd) {
    if (!!o->model_path == !!o->train_path)
        usage_error("%s needs exactly one of --model FILE.arpa or --train CORPUS", cmd);
    if (o->train_path) { build_model(lm, &o->train, o->train_path, o->quiet, 0); return; }
    char err[512];
    int rc = ngram_binary_is_model(o->model_path) ? ngram_binary_read(lm, o->model_path, err, sizeof err)
                                             : ngram_arpa_read(lm, o->model_path, o->train.char_level, err, sizeof err);
    if (rc != 0) die("%s", err);
}

static int cmd_train(int argc, char **argv) {
    Options o;
    parse_options(argc, argv, "train", &o);
    if (optind != argc - 1) usage_error("train needs exactly one corpus file (see `ngram train --help`)");
    if (!o.out) usage_error("train needs --out MODEL.arpa");
    if (!ngram_estimator_is_backoff(o.train.est))
        usage_error("the %s estimator has no ARPA form; evaluate it with `ngram eval --train CORPUS "
                    "--estimator %s`", ngram_estimator_name(o.train.est), ngram_estimator_name(o.train.est));
    NgramLm lm;
    build_model(&lm, &o.train, argv[optind], o.quiet, 1);
    double t0 = now_seconds();
    size_t olen = strlen(o.out);
    if (olen > 4 && strcmp(o.out + olen - 4, ".bin") == 0) ngram_binary_write(&lm, o.out);
    else ngram_arpa_write(&lm, o.out);
    if (!o.quiet) fprintf(stderr, "ngram: wrote %s (%.2f s)\n", o.out, now_seconds() - t0);
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
    result_num("ppl", ngram_ppl_including(p), 2);
    result_num("ppl_excl_oov", ngram_ppl_excluding(p), 2);
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
    if (ngram_estimator_is_backoff(lm.est)) ngram_compile_arpa(&lm);
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
    parse_options(argc, argv, "eval", &o);
    if (o.holdout > 0) {
        if (optind != argc) usage_error("eval --holdout scores the tail of --train; no file arguments");
        return eval_holdout(&o);
    }
    if (optind >= argc) usage_error("eval needs at least one text file (see `ngram eval --help`)");
    NgramLm lm;
    load_model(&lm, &o, "eval");
    for (int i = optind; i < argc; i++) {
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
    parse_options(argc, argv, "query", &o);
    if (optind != argc) usage_error("query reads its sentences from stdin; no file arguments");
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
    parse_options(argc, argv, "sample", &o);
    if (optind != argc) usage_error("sample takes no file arguments");
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

static int cmd_demo(int argc, char **argv) {
    Options o;
    parse_options(argc, argv, "demo", &o);
    if (optind != argc) usage_error("demo takes no file arguments");
    NgramDemoResult res;
    ngram_demo(o.data, o.out ? o.out : "runs/ngram/demo", o.quick, o.quiet, &res);
    return 0;
}

int main(int argc, char **argv) {
    openmp_wait_passively(argv);
    util_set_prog("ngram");
    if (argc < 2) { fputs(usage_main, stderr); return 2; }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        print_usage(NULL);
        return 0;
    }
    argv[1] = argv[0];
    argc--, argv++;
    if (strcmp(cmd, "train") == 0) return cmd_train(argc, argv);
    if (strcmp(cmd, "eval") == 0) return cmd_eval(argc, argv);
    if (strcmp(cmd, "query") == 0) return cmd_query(argc, argv);
    if (strcmp(cmd, "sample") == 0) return cmd_sample(argc, argv);
    if (strcmp(cmd, "demo") == 0) return cmd_demo(argc, argv);
    usage_error("unknown command '%s' (train, eval, query, sample or demo)", cmd);
}
