/* demo.c -- `word2vec demo`: the chapter's tour on the Bible. See demo.h. */
#include "word2vec/demo.h"

#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "matmul.h"
#include "metrics.h"
#include "util.h"
#include "vectors.h"
#include "word2vec/eval.h"
#include "word2vec/nnlm.h"
#include "word2vec/train.h"
#include "word2vec/vocab.h"

#define BIBLE_TRAIN "data/cache/bible/words.train.txt"
#define BIBLE_TEST "data/cache/bible/words.test.txt"

static const char *DEMO_HELP =
    "usage: word2vec demo [--threads N] [--out DIR] [--no-nnlm]\n"
    "\n"
    "The chapter on the built-in Bible corpus (data/cache/bible, made by\n"
    "scripts/data.sh bible), about a minute on two cores:\n"
    "  1. one-hot vectors: every pair of words is equally far apart\n"
    "  2. skip-gram vectors trained in seconds (word2vec train's options)\n"
    "  3. nearest neighbours, analogies, WordSim-353 / SimLex-999\n"
    "  4. a PCA picture of chosen words (DIR/pca.png)\n"
    "  5. a short run of Bengio's neural LM beside the 5-gram model\n"
    "  --threads N   (2)    --out DIR   (runs/word2vec/demo)    --no-nnlm  skip step 5\n";

static void banner(const char *title) { printf("\n==== %s\n\n", title); }

/* 1. One-hot codes: distinct unit axes, so all distances are sqrt(2), all cosines 0. */
static void one_hot(void) {
    banner("1. one-hot vectors: every word is equally far from every other");
    const char *w[3] = {"cat", "dog", "apple"};
    printf("a vocabulary of 3 words, each a unit vector on its own axis:\n");
    for (int i = 0; i < 3; i++) printf("  %-6s = (%d, %d, %d)\n", w[i], i == 0, i == 1, i == 2);
    printf("\n%-8s", "distance");
    for (int j = 0; j < 3; j++) printf("%8s", w[j]);
    printf("\n");
    for (int i = 0; i < 3; i++) {
        printf("%-8s", w[i]);
        for (int j = 0; j < 3; j++) printf("%8.3f", i == j ? 0.0 : sqrt(2.0));
        printf("\n");
    }
    printf("\ncat is as far from dog as from apple: one-hot codes know nothing of meaning.\n");
}

static void print_cosines(const Vectors *v, const char *const *w, int n) {
    printf("%-8s", "cosine");
    for (int j = 0; j < n; j++) printf("%8s", w[j]);
    printf("\n");
    for (int i = 0; i < n; i++) {
        int a = vectors_find(v, w[i]);
        printf("%-8s", w[i]);
        for (int j = 0; j < n; j++) {
            int b = vectors_find(v, w[j]);
            float s = 0;
            for (int k = 0; k < v->D && a >= 0 && b >= 0; k++) s += v->vecs[(size_t)a * v->D + k] * v->vecs[(size_t)b * v->D + k];
            printf("%8.3f", s);
        }
        printf("\n");
    }
}

static void neighbours(const Vectors *v, const char *word) {
    int w = vectors_find(v, word), idx[8];
    float sim[8];
    if (w < 0) return;
    int got = w2v_nearest(v, v->vecs + (size_t)w * v->D, &w, 1, 8, idx, sim);
    printf("  %-10s", word);
    for (int i = 0; i < got; i++) printf(" %s (%.2f)", v->words[idx[i]], sim[i]);
    printf("\n");
}

static void analogy(const Vectors *v, const char *a, const char *b, const char *c, const char *want) {
    int w[3] = {vectors_find(v, a), vectors_find(v, b), vectors_find(v, c)}, idx[3];
    float sim[3];
    if (w[0] < 0 || w[1] < 0 || w[2] < 0) return;
    float *q = xmalloc((size_t)v->D * sizeof(float));
    for (int k = 0; k < v->D; k++)
        q[k] = v->vecs[(size_t)w[1] * v->D + k] - v->vecs[(size_t)w[0] * v->D + k] + v->vecs[(size_t)w[2] * v->D + k];
    int got = w2v_nearest(v, q, w, 3, 3, idx, sim);
    printf("  %s : %s :: %s : ?   ->", a, b, c);
    for (int i = 0; i < got; i++) printf(" %s", v->words[idx[i]]);
    printf("   (expected %s%s)\n", want, got > 0 && strcmp(v->words[idx[0]], want) == 0 ? ", right" : "");
    free(q);
}

/* The PCA picture: chosen words that are in the vocabulary. */
static void pca_picture(const Vectors *v, const char *png) {
    const char *pick[] = {"god", "lord", "jesus", "christ", "spirit", "king", "queen", "prince", "david", "solomon",
                          "saul", "water", "wine", "bread", "oil", "jerusalem", "egypt", "babylon", "israel",
                          "father", "mother", "son", "daughter", "brother", "sister", "lion", "sheep", "ox", "dog"};
    int n = 0, np = (int)(sizeof pick / sizeof pick[0]);
    const char *labels[64];
    float *X = xmalloc((size_t)np * v->D * sizeof(float)), *xy = xmalloc((size_t)np * 2 * sizeof(float));
    for (int i = 0; i < np; i++) {
        int w = vectors_find(v, pick[i]);
        if (w < 0) continue;
        memcpy(X + (size_t)n * v->D, v->vecs + (size_t)w * v->D, (size_t)v->D * sizeof(float));
        labels[n++] = pick[i];
    }
    w2v_pca_2d(xy, X, n, v->D);
    if (w2v_pca_plot(png, labels, xy, n, "skip-gram vectors of the King James Bible, first two principal components") == 0)
        printf("wrote %s (%d words; the coordinates are in %s.tsv)\n", png, n, png);
    free(X);
    free(xy);
}

/* The 5-gram model's test perplexity with bin/ngram beside this binary; NAN if absent. */
static double ngram_ppl(void) {
    char exe[1024];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return NAN;
    exe[n] = '\0';
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s/ngram", dirname(exe));
    if (!path_exists(cmd)) return NAN;
    char full[2300];
    snprintf(full, sizeof full, "%s eval --train %s --order 5 --min-count 2 --quiet %s 2>/dev/null", cmd,
             BIBLE_TRAIN, BIBLE_TEST);
    FILE *p = popen(full, "r");
    if (!p) return NAN;
    char line[1024];
    double ppl = NAN;
    while (fgets(line, sizeof line, p)) {
        char *s = strstr(line, " ppl=");
        if (strncmp(line, "RESULT", 6) == 0 && s) ppl = atof(s + 5);
    }
    pclose(p);
    return ppl;
}

int w2v_demo_main(int argc, char **argv) {
    int threads = 2, no_nnlm = 0;
    const char *out = "runs/word2vec/demo";
    const CliOption opts[] = {
        CLI_THREADS(&threads), CLI_OUT(&out), CLI_OPT("no-nnlm", CLI_FLAG, &no_nnlm, 0, 0), CLI_END,
    };
    CliSpec spec = {.usage = DEMO_HELP, .options = opts};
    if (cli_parse(&spec, argc, argv) > 0) usage_error("unexpected argument '%s'; see 'word2vec demo --help'", argv[1]);
    if (!path_exists(BIBLE_TRAIN) && path_exists("scripts/data.sh")) {
        fprintf(stderr, "word2vec: %s missing, running scripts/data.sh bible\n", BIBLE_TRAIN);
        if (system("scripts/data.sh bible >&2") != 0) die("scripts/data.sh bible failed");
    }
    if (!path_exists(BIBLE_TRAIN)) die("'%s' not found; run 'scripts/data.sh bible' from the repository root", BIBLE_TRAIN);
    make_dirs(out);
    one_hot();

    banner("2. skip-gram vectors from the Bible, in seconds");
    W2vConfig cfg;
    w2v_config_default(&cfg);
    cfg.cbow = 0;
    cfg.sample = 1e-4;
    cfg.threads = threads;
    cfg.quiet = 1;
    printf("word2vec train --train %s --output %s/vectors.bin --cbow 0 --size 100 --window 5 \\\n"
           "    --negative 5 --hs 0 --sample 1e-4 --threads %d --iter 5 --min-count 5 --binary 1\n",
           BIBLE_TRAIN, out, threads);
    size_t len, n;
    char *text = w2v_corpus_load(BIBLE_TRAIN, &len);
    char err[512];
    W2vVocab *vocab = w2v_vocab_build(text, len, cfg.min_count, err, sizeof err);
    if (!vocab) die("'%s': %s", BIBLE_TRAIN, err);
    int *ids = w2v_encode(vocab, text, len, &n);
    free(text);
    set_threads(1);
    double t0 = now_seconds();
    W2vModel *m = w2v_model_new(&cfg, vocab);
    double wps = w2v_train(m, ids, n);
    printf("vocabulary %d words, %zu training words x 5 passes in %.1f s: %.0f words/s\n", m->V, n,
           now_seconds() - t0, wps);
    Vectors *v = w2v_vectors(m);
    char path[1024];
    snprintf(path, sizeof path, "%s/vectors.bin", out);
    vectors_save(v, path, 1);
    vectors_normalize(v);
    const char *pair[] = {"dog", "wolf", "gold", "silver", "bread", "wine"};
    printf("\ndense vectors do know: beasts are near beasts, metals near metals, food near food\n");
    print_cosines(v, pair, 6);

    banner("3. nearest neighbours (cosine)");
    const char *probe[] = {"god", "king", "water", "david", "jerusalem"};
    for (int i = 0; i < 5; i++) neighbours(v, probe[i]);
    printf("\nanalogies by vector arithmetic, b - a + c (3CosAdd):\n");
    analogy(v, "king", "queen", "man", "woman");
    analogy(v, "father", "mother", "son", "daughter");
    analogy(v, "brother", "sister", "father", "mother");
    analogy(v, "egypt", "pharaoh", "babylon", "nebuchadnezzar");

    char qpath[1024], wpath[1024], spath[1024];
    data_path(qpath, sizeof qpath, "word2vec-analogy/questions-words.txt");
    data_path(wpath, sizeof wpath, "word-similarity/EN-WS-353-ALL.txt");
    data_path(spath, sizeof spath, "word-similarity/EN-SIMLEX-999.txt");
    W2vAnalogyResult ar = {0};
    W2vSimilarityResult ws = {.rho = NAN}, sl = {.rho = NAN};
    if (path_exists(qpath)) {
        printf("\nthe part of questions-words.txt the Bible can answer (compute-accuracy's rules):\n");
        if (w2v_analogy_eval(v, qpath, W2V_ANALOGY_RESTRICT, &ar, stdout, err, sizeof err) != 0) die("%s", err);
    }
    if (path_exists(wpath) && w2v_similarity_eval(v, wpath, &ws, err, sizeof err) == 0)
        printf("WordSim-353  Spearman rho %.3f over the %d of %d pairs in the vocabulary\n", ws.rho, ws.found, ws.total);
    if (path_exists(spath) && w2v_similarity_eval(v, spath, &sl, err, sizeof err) == 0)
        printf("SimLex-999   Spearman rho %.3f over the %d of %d pairs in the vocabulary\n", sl.rho, sl.found, sl.total);
    printf("(small corpus, small numbers: the chapter's README shows how they grow with more text)\n");

    banner("4. a picture: the first two principal components");
    snprintf(path, sizeof path, "%s/pca.png", out);
    pca_picture(v, path);

    result_begin("word2vec");
    result_str("cmd", "demo");
    result_str("data", "bible");
    result_num("words_per_sec", wps, 0);
    if (ar.total > 0) {
        result_num("analogy", ar.seen ? 100.0 * ar.correct / ar.seen : 0.0, 2);
        result_int("analogy_seen", ar.seen);
    }
    if (!isnan(ws.rho)) result_num("ws353", ws.rho, 3);
    if (!isnan(sl.rho)) result_num("simlex", sl.rho, 3);
    result_end();
    w2v_analogy_result_free(&ar);
    vectors_free(v);
    w2v_model_free(m);
    free(ids);

    if (no_nnlm) return 0;
    banner("5. Bengio's neural language model (2003), a short run");
    double kn = ngram_ppl();
    if (!isnan(kn)) printf("the 5-gram modified Kneser-Ney model (ngram eval, min-count 2): test perplexity %.2f\n\n", kn);
    char nnlm_out[1024];
    snprintf(nnlm_out, sizeof nnlm_out, "%s/nnlm", out);
    char *nargv[] = {"nnlm", "--data", "bible", "--epochs", "1", "--max-tokens", "100000", "--order", "4",
                     "--embed", "32", "--hidden", "64", "--min-count", "2", "--lr", "3e-3", "--threads", "1",
                     "--out", nnlm_out, NULL};
    /* One thread: this small model gains little from two, and OpenMP threads
     * spinning beside OpenBLAS's can make two much slower on a busy machine. */
    printf("word2vec nnlm");
    for (int i = 1; nargv[i]; i++) printf(" %s", nargv[i]);
    printf("\n(one pass over 100k of the 824k training tokens: a taste, not a result;\n"
           " see the chapter's README for full runs)\n");
    return nnlm_main((int)(sizeof nargv / sizeof nargv[0]) - 1, nargv);
}
