/*
 * main.c -- the word2vec command line.
 *
 *   word2vec train    --train CORPUS --output vectors.bin [word2vec.c's options]
 *   word2vec similar  --vectors FILE WORD...           nearest neighbours
 *   word2vec analogy  --vectors FILE A B C             A is to B as C is to ?
 *   word2vec eval     --vectors FILE                   analogies, WS-353, SimLex-999
 *   word2vec nnlm     --data DIR | --train/--valid/--test   Bengio's neural LM
 *   word2vec demo                                      the chapter, on the Bible
 *
 * Options are parsed with common/cli.h, which takes one dash as well as two,
 * so the original tool's spelling (-train x -cbow 0) works as well as
 * --train x --cbow 0. The original's names stay; where a common flag of the
 * toolkit means the same thing it is an alias (-alpha is --lr). Bad input
 * exits 1, bad usage 2.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "matmul.h"
#include "metrics.h"
#include "util.h"
#include "vectors.h"
#include "word2vec/demo.h"
#include "word2vec/eval.h"
#include "word2vec/nnlm.h"
#include "word2vec/train.h"
#include "word2vec/vocab.h"

/* ---------------------------------------------------------------- helpers */

/* --binary's words, in the order of VEC_TEXT, VEC_BINARY, VEC_AUTO. */
static const char *const FORMATS[] = {"0", "1", "auto", NULL};

/* Parse argv into opts; commands without file arguments take none. */
static int parse_options(const char *usage, const CliOption *opts, int argc, char **argv, int files_allowed) {
    CliSpec spec = {.usage = usage, .options = opts};
    int n = cli_parse(&spec, argc, argv);
    if (n > 0 && !files_allowed) usage_error("unexpected argument '%s'; see 'word2vec %s --help'", argv[1], argv[0]);
    return n;
}

/* ---------------------------------------------------------------- train */

static const char *TRAIN_HELP =
    "usage: word2vec train --train CORPUS --output FILE [options]\n"
    "\n"
    "Learn word vectors with CBOW or skip-gram (Mikolov et al. 2013), with the\n"
    "original word2vec tool's options and defaults (one dash works too: -train).\n"
    "\n"
    "  --train FILE       text corpus: words separated by spaces, one sentence a line\n"
    "  --output FILE      where to write the vectors\n"
    "  --size N           vector size (100)\n"
    "  --window N         max context words on each side (5)\n"
    "  --sample X         subsampling threshold for frequent words (1e-3; 0 = off)\n"
    "  --hs 0|1           hierarchical softmax (0)\n"
    "  --negative N       negative samples per word (5; 0 = off)\n"
    "  --threads N        Hogwild threads (the number of cores, at most 256); only 1 is\n"
    "                     reproducible\n"
    "  --iter N           passes over the corpus (5)\n"
    "  --min-count N      drop words seen fewer times (5)\n"
    "  --alpha X          starting learning rate (0.025 skip-gram, 0.05 CBOW); also --lr\n"
    "  --cbow 0|1         1 CBOW, 0 skip-gram (1)\n"
    "  --binary 0|1       write binary (1) or text (0) vectors (0)\n"
    "  --save-vocab FILE  also write 'word count' lines\n"
    "  --seed N           random seed (1)\n"
    "  --quiet            print only the RESULT line (no progress, no summary lines)\n"
    "\n"
    "example:\n"
    "  word2vec train --train corpus.txt --output vectors.bin --cbow 0 --size 100 --window 5 \\\n"
    "      --negative 5 --hs 0 --sample 1e-4 --threads 2 --iter 5 --min-count 5 --binary 1\n";

static int cmd_train(int argc, char **argv) {
    W2vConfig cfg;
    w2v_config_default(&cfg);
    const char *train = NULL, *output = NULL, *save_vocab = NULL;
    int binary = 0;
    long min_count = (long)cfg.min_count;
    unsigned long long seed = cfg.seed;
    const CliOption opts[] = {
        CLI_OPT("train", CLI_STRING, &train, 0, 0),
        CLI_OPT("output", CLI_STRING, &output, 0, 0),
        CLI_OPT("size", CLI_INT, &cfg.size, 1, 10000),
        CLI_OPT("window", CLI_INT, &cfg.window, 1, 100),
        CLI_OPT("sample", CLI_DOUBLE, &cfg.sample, 0, 1),
        CLI_OPT("hs", CLI_INT, &cfg.hs, 0, 1),
        CLI_OPT("negative", CLI_INT, &cfg.negative, 0, 1000),
        CLI_THREADS(&cfg.threads),
        CLI_OPT("iter", CLI_INT, &cfg.iter, 1, 100000),
        CLI_OPT("min-count", CLI_LONG, &min_count, 1, 1L << 40),
        {.name = "lr", .type = CLI_FLOAT, .dst = &cfg.alpha, .lo = 1e-9, .hi = 10, .alias = "alpha"},
        CLI_OPT("cbow", CLI_INT, &cfg.cbow, 0, 1),
        CLI_OPT("binary", CLI_INT, &binary, 0, 1),
        CLI_OPT("save-vocab", CLI_STRING, &save_vocab, 0, 0),
        CLI_SEED(&seed),
        CLI_QUIET(&cfg.quiet),
        CLI_END,
    };
    parse_options(TRAIN_HELP, opts, argc, argv, 0);
    cfg.min_count = min_count;
    cfg.seed = seed;
    if (!train || !output) usage_error("--train and --output are required; see 'word2vec train --help'");
    if (cfg.hs == 0 && cfg.negative == 0) usage_error("nothing to train: set --hs 1 or --negative > 0");

    size_t len;
    if (!path_exists(train)) die("cannot open training file '%s'", train);
    char *text = w2v_corpus_load(train, &len);
    char err[256];
    W2vVocab *vocab = w2v_vocab_build(text, len, cfg.min_count, err, sizeof err);
    if (!vocab) die("'%s': %s", train, err);
    if (!cfg.quiet) printf("Vocab size: %d\nWords in train file: %lld\n", vocab->size, vocab->train_words);
    if (save_vocab) w2v_vocab_save(vocab, save_vocab);
    size_t n;
    int *ids = w2v_encode(vocab, text, len, &n);
    free(text);
    set_threads(1);   /* the trainer's own threads do the work; keep BLAS out of their way */
    W2vModel *m = w2v_model_new(&cfg, vocab);
    double wps = w2v_train(m, ids, n);
    if (!cfg.quiet)
        printf("trained %d passes over %zu words: %.0f words/s (%.0f words/s/thread)\n", cfg.iter, n, wps,
               wps / cfg.threads);
    Vectors *v = w2v_vectors(m);
    vectors_save(v, output, binary);
    if (!cfg.quiet) printf("wrote %d vectors of size %d to %s\n", v->V, v->D, output);
    result_begin("word2vec");
    result_str("cmd", "train");
    result_str("model", cfg.cbow ? "cbow" : "skipgram");
    result_int("words", (long long)n);
    result_int("vocab", vocab->size);
    result_int("threads", cfg.threads);
    result_num("words_per_sec", wps, 0);
    result_end();
    vectors_free(v);
    w2v_model_free(m);
    free(ids);
    return 0;
}

/* ---------------------------------------------------------------- similar / analogy */

static const char *SIMILAR_HELP =
    "usage: word2vec similar --vectors FILE [--k N] [--binary auto|0|1] WORD...\n"
    "\n"
    "Print the N (10) words nearest to each WORD by cosine similarity.\n";

static const char *ANALOGY_HELP =
    "usage: word2vec analogy --vectors FILE [--k N] [--binary auto|0|1] A B C\n"
    "\n"
    "A is to B as C is to ?: the N (5) words nearest to B - A + C (3CosAdd),\n"
    "excluding A, B and C. For the questions-words.txt benchmark use 'word2vec eval'.\n";

/* Shared option parsing of similar and analogy: the vectors, normalised; the
 * words are left in argv[1..*nwords]. */
static Vectors *query_options(int argc, char **argv, const char *help, int *k, int *nwords) {
    const char *path = NULL;
    int format = VEC_AUTO;
    const CliOption opts[] = {
        CLI_OPT("vectors", CLI_STRING, &path, 0, 0),
        CLI_OPT("k", CLI_INT, k, 1, 10000),
        {.name = "binary", .type = CLI_CHOICE, .dst = &format, .choices = FORMATS},
        CLI_END,
    };
    *nwords = parse_options(help, opts, argc, argv, 1);
    if (!path) usage_error("--vectors is required; see 'word2vec %s --help'", argv[0]);
    Vectors *v = vectors_load(path, format);
    vectors_normalize(v);
    return v;
}

static int cmd_similar(int argc, char **argv) {
    int k = 10, nwords;
    Vectors *v = query_options(argc, argv, SIMILAR_HELP, &k, &nwords);
    if (nwords == 0) usage_error("give at least one word; see 'word2vec similar --help'");
    int *idx = xmalloc((size_t)k * sizeof(int));
    float *sim = xmalloc((size_t)k * sizeof(float));
    int status = 0;
    for (int a = 1; a <= nwords; a++) {
        int w = vectors_find(v, argv[a]);
        if (w < 0) {
            fprintf(stderr, "word2vec: '%s' is not in the vocabulary\n", argv[a]);
            status = 1;
            continue;
        }
        int got = w2v_nearest(v, v->vecs + (size_t)w * v->D, &w, 1, k, idx, sim);
        printf("%s:", argv[a]);
        for (int i = 0; i < got; i++) printf(" %s %.3f", v->words[idx[i]], sim[i]);
        printf("\n");
    }
    free(idx);
    free(sim);
    vectors_free(v);
    return status;
}

static int cmd_analogy(int argc, char **argv) {
    int k = 5, nwords;
    Vectors *v = query_options(argc, argv, ANALOGY_HELP, &k, &nwords);
    if (nwords != 3) usage_error("give three words A B C; see 'word2vec analogy --help'");
    int w[3];
    for (int i = 0; i < 3; i++)
        if ((w[i] = vectors_find(v, argv[1 + i])) < 0) die("'%s' is not in the vocabulary", argv[1 + i]);
    float *q = xmalloc((size_t)v->D * sizeof(float));
    for (int j = 0; j < v->D; j++)
        q[j] = v->vecs[(size_t)w[1] * v->D + j] - v->vecs[(size_t)w[0] * v->D + j] + v->vecs[(size_t)w[2] * v->D + j];
    int *idx = xmalloc((size_t)k * sizeof(int));
    float *sim = xmalloc((size_t)k * sizeof(float));
    int got = w2v_nearest(v, q, w, 3, k, idx, sim);
    printf("%s : %s :: %s :", argv[1], argv[2], argv[3]);
    for (int i = 0; i < got; i++) printf(" %s", v->words[idx[i]]);
    printf("\n");
    free(q);
    free(idx);
    free(sim);
    vectors_free(v);
    return 0;
}

/* ---------------------------------------------------------------- eval */

static const char *EVAL_HELP =
    "usage: word2vec eval --vectors FILE [options]\n"
    "\n"
    "Analogy accuracy as the original compute-accuracy (top 30,000 words, upper-cased,\n"
    "3CosAdd), and Spearman rho on WordSim-353 and SimLex-999 with coverage.\n"
    "Ends with a RESULT line. Datasets default to $NLP_DATA_DIR (else data/cache):\n"
    "  word2vec-analogy/questions-words.txt, word-similarity/EN-WS-353-ALL.txt,\n"
    "  word-similarity/EN-SIMLEX-999.txt; a default that is missing is skipped.\n"
    "\n"
    "  --vectors FILE     word2vec binary or text vectors\n"
    "  --binary auto|0|1  the file's format (auto)\n"
    "  --questions FILE   analogy questions\n"
    "  --ws353 FILE       word pairs with scores\n"
    "  --simlex FILE      word pairs with scores\n"
    "  --restrict N       analogy vocabulary: the first N words (30000)\n"
    "  --data NAME        name for the RESULT line (the vectors' file name)\n";

/* The dataset path: given explicitly (must exist) or the default (may be absent: NULL). */
static const char *dataset(const char *given, char *buf, size_t n, const char *rel) {
    if (given) return given;
    if (data_path(buf, n, rel)) return buf;
    fprintf(stderr, "word2vec: note: %s not found, skipped\n", buf);
    return NULL;
}

static int cmd_eval(int argc, char **argv) {
    const char *path = NULL, *qpath = NULL, *wpath = NULL, *spath = NULL, *name = NULL;
    int format = VEC_AUTO, restrict_n = W2V_ANALOGY_RESTRICT;
    const CliOption opts[] = {
        CLI_OPT("vectors", CLI_STRING, &path, 0, 0),
        {.name = "binary", .type = CLI_CHOICE, .dst = &format, .choices = FORMATS},
        CLI_OPT("questions", CLI_STRING, &qpath, 0, 0),
        CLI_OPT("ws353", CLI_STRING, &wpath, 0, 0),
        CLI_OPT("simlex", CLI_STRING, &spath, 0, 0),
        CLI_OPT("restrict", CLI_INT, &restrict_n, 1, 1 << 30),
        CLI_DATA(&name),
        CLI_END,
    };
    parse_options(EVAL_HELP, opts, argc, argv, 0);
    if (!path) usage_error("--vectors is required; see 'word2vec eval --help'");
    char qbuf[1024], wbuf[1024], sbuf[1024], err[512];
    qpath = dataset(qpath, qbuf, sizeof qbuf, "word2vec-analogy/questions-words.txt");
    wpath = dataset(wpath, wbuf, sizeof wbuf, "word-similarity/EN-WS-353-ALL.txt");
    spath = dataset(spath, sbuf, sizeof sbuf, "word-similarity/EN-SIMLEX-999.txt");
    Vectors *v = vectors_load(path, format);
    printf("%s: %d vectors of size %d\n", path, v->V, v->D);

    W2vAnalogyResult ar = {0};
    W2vSimilarityResult ws = {.rho = NAN}, sl = {.rho = NAN};
    if (qpath && w2v_analogy_eval(v, qpath, restrict_n, &ar, stdout, err, sizeof err) != 0) die("%s", err);
    if (wpath && w2v_similarity_eval(v, wpath, &ws, err, sizeof err) != 0) die("%s", err);
    if (spath && w2v_similarity_eval(v, spath, &sl, err, sizeof err) != 0) die("%s", err);
    if (wpath) printf("WordSim-353  rho %.3f over %d of %d pairs\n", ws.rho, ws.found, ws.total);
    if (spath) printf("SimLex-999   rho %.3f over %d of %d pairs\n", sl.rho, sl.found, sl.total);

    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    result_begin("word2vec");
    result_str("cmd", "eval");
    result_str("data", name ? name : base);
    if (qpath) {
        result_num("analogy", ar.seen ? 100.0 * ar.correct / ar.seen : 0.0, 2);
        result_num("semantic", ar.sem_seen ? 100.0 * ar.sem_correct / ar.sem_seen : 0.0, 2);
        result_num("syntactic", ar.syn_seen ? 100.0 * ar.syn_correct / ar.syn_seen : 0.0, 2);
        result_int("analogy_seen", ar.seen);
        result_int("analogy_total", ar.total);
    }
    if (wpath) { result_num("ws353", ws.rho, 3); result_int("ws353_pairs", ws.found); }
    if (spath) { result_num("simlex", sl.rho, 3); result_int("simlex_pairs", sl.found); }
    result_end();
    w2v_analogy_result_free(&ar);
    vectors_free(v);
    return 0;
}

/* ---------------------------------------------------------------- main */

static const char *HELP =
    "usage: word2vec COMMAND [options]   (each command has --help)\n"
    "\n"
    "Chapter 2 of the course: word vectors.\n"
    "  train     learn vectors with CBOW or skip-gram (the original tool's options)\n"
    "  similar   nearest neighbours of words\n"
    "  analogy   a is to b as c is to ?\n"
    "  eval      analogy accuracy, WordSim-353 and SimLex-999 (ends with RESULT)\n"
    "  nnlm      Bengio et al.'s (2003) neural language model: train, perplexity, export\n"
    "  demo      the chapter's tour on the Bible, about a minute\n";

int main(int argc, char **argv) {
    openmp_wait_passively(argv);
    util_set_prog("word2vec");
    if (argc < 2) usage_error("missing command; see 'word2vec --help'");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(HELP, stdout);
        return 0;
    }
    argc--;
    argv++;   /* the parser sees "COMMAND --opt ..." with the command as argv[0] */
    if (strcmp(cmd, "train") == 0) return cmd_train(argc, argv);
    if (strcmp(cmd, "similar") == 0) return cmd_similar(argc, argv);
    if (strcmp(cmd, "analogy") == 0) return cmd_analogy(argc, argv);
    if (strcmp(cmd, "eval") == 0) return cmd_eval(argc, argv);
    if (strcmp(cmd, "nnlm") == 0) return nnlm_main(argc, argv);
    if (strcmp(cmd, "demo") == 0) return w2v_demo_main(argc, argv);
    usage_error("unknown command '%s'; see 'word2vec --help'", cmd);
}
