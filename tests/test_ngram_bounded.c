/*
 * test_ngram_bounded.c -- ngram train --memory: the build in bounded memory.
 *
 *   same file     a generated corpus with a budget so small that every sorter
 *                 spills dozens of runs
 *                 gives, for orders 1..5, kn and mkn, --min-count and --vocab,
 *                 the very bytes of the in-memory build's ARPA file
 *   sorting       the external sort against qsort, in each of its three orders,
 *                 with more runs than are merged at once; a counting sorter's
 *                 sums and first stamps
 *   clean up      the spill folder is gone after a build, and after one that dies
 *   bad budgets   "abc", "0", "-1", "5X": exit 2 and a message; the options
 *                 --memory cannot take (--char, a .bin output, mle) likewise
 *   PTB           the 5-gram with --memory 8M equals the in-memory file (when the data is here)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "ngram/ngram.h"
#include "rng.h"
#include "util.h"

/* A corpus of `lines` sentences over a vocabulary of `words` words with
 * Zipf-like frequencies (so that every order has counts of 1 to 4 and the
 * modified KN discounts exist), written to path. */
static void write_corpus(const char *path, int lines, int words, uint64_t seed) {
    Rng rng;
    rng_seed(&rng, seed, 1);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < lines; i++) {
        int len = 1 + (int)(rng_uniform(&rng) * 12);
        for (int j = 0; j < len; j++) {
            double u = rng_uniform(&rng);
            int w = (int)(words * u * u * u);   /* small ids far more often */
            fprintf(f, "%sw%d", j ? " " : "", w);
        }
        fputc('\n', f);
    }
    fclose(f);
}

/* The in-memory build's ARPA file, as `ngram train` writes it. */
static void train_in_memory(const NgramTrainConfig *cfg, const char *corpus, const char *out) {
    NgramLm lm;
    NgramTrainConfig c = *cfg;
    c.write_only = 1;
    ngram_count_file(&lm, &c, corpus);
    lm.quiet = 1;
    ngram_estimate_to_arpa(&lm, out);
    ngram_free(&lm);
}

static int folder_is_empty(const char *dir) {
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int empty = 1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) empty = 0;
    closedir(d);
    return empty;
}

static void expect_same_file(const char *a, const char *b, const char *what) {
    size_t na, nb;
    char *x = read_all(a, &na), *y = read_all(b, &nb);
    size_t i = 0;
    while (i < na && i < nb && x[i] == y[i]) i++;
    ck_assert_msg(na == nb && i == na, "%s: the files differ at byte %zu (%zu and %zu bytes): ...%.60s... vs ...%.60s...",
                  what, i, na, nb, x + (i > 20 ? i - 20 : 0), y + (i > 20 ? i - 20 : 0));
    free(x);
    free(y);
}

/* ------------------------------------------------------------------ the same file */

START_TEST(test_bounded_equals_in_memory) {
    scratch_begin("bounded");
    char corpus[512], dir[512], vocab[512];
    snprintf(corpus, sizeof corpus, "%s", scratch_at("corpus.txt"));
    write_corpus(corpus, 500, 200, 7);
    snprintf(vocab, sizeof vocab, "%s", scratch_put("vocab.txt", "w0 w1 w2 w3 w5 w8 w13 w21 w34 w55\n"));
    snprintf(dir, sizeof dir, "%s", scratch_at("spill"));
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    struct { int order; NgramEstimator est; long min_count; const char *vocab; } cases[] = {
        { 1, NGRAM_EST_MKN, 1, NULL }, { 2, NGRAM_EST_KN, 1, NULL }, { 5, NGRAM_EST_MKN, 1, NULL },
        { 4, NGRAM_EST_KN, 1, NULL }, { 4, NGRAM_EST_MKN, 3, NULL }, { 3, NGRAM_EST_MKN, 1, vocab },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        NgramTrainConfig cfg;
        ngram_train_config_default(&cfg);
        cfg.order = cases[i].order;
        cfg.est = cases[i].est;
        cfg.min_count = cases[i].min_count;
        cfg.vocab_file = cases[i].vocab;
        char mem[512], bounded[512], what[128];
        snprintf(mem, sizeof mem, "%s", scratch_at("mem.arpa"));
        snprintf(bounded, sizeof bounded, "%s", scratch_at("bounded.arpa"));
        train_in_memory(&cfg, corpus, mem);
        ngram_train_bounded(&cfg, corpus, bounded, 1024, dir, 1);   /* 1 KB: the 64-record floor */
        snprintf(what, sizeof what, "order %d %s min-count %ld%s", cfg.order, ngram_estimator_name(cfg.est),
                 cfg.min_count, cfg.vocab_file ? " --vocab" : "");
        expect_same_file(mem, bounded, what);
        /* the sorters spilled many runs each */
        if (cfg.order >= 3) ck_assert_msg(ngram_spill_runs() > 20 * (unsigned long)cfg.order, "%s: only %lu runs", what, ngram_spill_runs());
        ck_assert_msg(folder_is_empty(dir), "%s: the spill folder was left behind", what);
    }
    /* a budget that holds everything: one run per sorter, the same file */
    NgramTrainConfig cfg;
    ngram_train_config_default(&cfg);
    train_in_memory(&cfg, corpus, scratch_at("mem.arpa"));
    ngram_train_bounded(&cfg, corpus, scratch_at("big.arpa"), (size_t)64 << 20, dir, 1);
    expect_same_file(scratch_at("mem.arpa"), scratch_at("big.arpa"), "order 5, 64M");
    ck_assert_uint_le(ngram_spill_runs(), 4 * 5);
    scratch_end();
}
END_TEST

/* ------------------------------------------------------------------ sorting */

static const NgramSorter *cmp_sorter;   /* qsort's comparison needs the order */

static int reference_cmp(const void *pa, const void *pb) {
    const uint32_t *a = pa, *b = pb;
    const NgramSorter *s = cmp_sorter;
    if (s->key == NGRAM_SORT_STAMP) {
        uint64_t x = a[s->stamp_at] | (uint64_t)a[s->stamp_at + 1] << 32, y = b[s->stamp_at] | (uint64_t)b[s->stamp_at + 1] << 32;
        return x < y ? -1 : x > y;
    }
    for (int k = 0; k < s->n; k++) {
        int i = s->key == NGRAM_SORT_CONTEXT ? k : s->n - 1 - k;
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    }
    return 0;
}

/* LEN records through a sorter of the given order and buffer, against qsort. */
static void check_sorter_order(NgramSortKey key, size_t buffer_records, uint32_t word_range, Rng *rng) {
    enum { N = 3, W = 6, LEN = 20000 };   /* words, stamp (2), one more field */
    uint32_t *ref = xmalloc(LEN * W * sizeof *ref);
    NgramSorter s;
    unsigned long runs_before = ngram_spill_runs();
    ngram_sorter_init(&s, N, W, key, N, -1, buffer_records * W * sizeof(uint32_t));
    for (int i = 0; i < LEN; i++) {
        uint32_t *r = ngram_sorter_add(&s), *q = ref + i * W;
        for (int k = 0; k < N; k++) r[k] = (uint32_t)(rng_uniform(rng) * word_range);
        r[N] = (uint32_t)((i * 7919) % LEN);   /* distinct stamps */
        r[N + 1] = 0;
        r[N + 2] = (uint32_t)i;
        memcpy(q, r, W * sizeof *q);
    }
    ngram_sorter_finish(&s);
    ck_assert_uint_eq(ngram_spill_runs() - runs_before, (LEN + buffer_records - 1) / buffer_records);
    ck_assert_int_le(s.nruns, 64);   /* merged down to sort.c's MERGE_FANIN */
    cmp_sorter = &s;
    qsort(ref, LEN, W * sizeof *ref, reference_cmp);
    NgramMerge m;
    ngram_merge_open(&m, &s);
    const uint32_t *r;
    int i = 0;
    while ((r = ngram_merge_next(&m)) != NULL) {
        ck_assert_int_lt(i, LEN);
        ck_assert_int_eq(reference_cmp(r, ref + i * W), 0);   /* in order (ties: any) */
        if (key == NGRAM_SORT_STAMP) ck_assert_int_eq(r[N + 2], ref[i * W + N + 2]);
        i++;
    }
    ck_assert_int_eq(i, LEN);
    ngram_merge_close(&m);
    ngram_sorter_free(&s);
    free(ref);
}

START_TEST(test_sorter_orders) {
    scratch_begin("sorter");
    ngram_spill_begin(scratch_at("."));
    Rng rng;
    rng_seed(&rng, 3, 1);
    for (int key = NGRAM_SORT_CONTEXT; key <= NGRAM_SORT_STAMP; key++) {
        check_sorter_order((NgramSortKey)key, 64, 5, &rng);   /* 313 runs of quicksort, many equal words */
        /* one run, sorted by radix passes: buckets of one word (range 5, 300), of
         * many (range 4e9: the passes shift), some long enough for a second pass */
        check_sorter_order((NgramSortKey)key, 20000, 5, &rng);
        check_sorter_order((NgramSortKey)key, 20000, 300, &rng);
        check_sorter_order((NgramSortKey)key, 20000, 4000000000u, &rng);
    }
    ngram_spill_end();
    scratch_end();
}
END_TEST

/* A counting sorter: each distinct n-gram once, with its total count and its first stamp. */
START_TEST(test_sorter_counts) {
    scratch_begin("counting");
    ngram_spill_begin(scratch_at("."));
    enum { N = 2, W = 5, KINDS = 50, LEN = 20000 };
    uint32_t want_count[KINDS] = { 0 };
    uint64_t want_first[KINDS];
    NgramSorter s;
    ngram_sorter_init(&s, N, W, NGRAM_SORT_SUFFIX, N + 1, N, 64 * W * sizeof(uint32_t));
    for (int i = 0; i < LEN; i++) {
        int k = (i * i + 3 * i) % KINDS;
        uint32_t *r = ngram_sorter_add(&s);
        r[0] = (uint32_t)(k % 7);
        r[1] = (uint32_t)(k / 7);
        r[2] = 1;
        r[3] = (uint32_t)i;
        r[4] = 1;   /* stamps above 2^32: the high half counts */
        if (want_count[k]++ == 0) want_first[k] = (uint64_t)i | 1ull << 32;
    }
    ngram_sorter_finish(&s);
    NgramMerge m;
    ngram_merge_open(&m, &s);
    const uint32_t *r, *prev = NULL;
    uint32_t last[W];
    int distinct = 0;
    long total = 0;
    while ((r = ngram_merge_next(&m)) != NULL) {
        int k = (int)(r[0] + 7 * r[1]);
        ck_assert_uint_eq(r[2], want_count[k]);
        ck_assert_uint_eq(r[3] | (uint64_t)r[4] << 32, want_first[k]);
        if (prev) ck_assert(last[1] < r[1] || (last[1] == r[1] && last[0] < r[0]));   /* suffix order, no repeats */
        memcpy(last, r, sizeof last);
        prev = last;
        distinct++;
        total += r[2];
    }
    int kinds = 0;
    for (int k = 0; k < KINDS; k++) kinds += want_count[k] > 0;
    ck_assert_int_eq(distinct, kinds);
    ck_assert_int_eq(total, LEN);
    ngram_merge_close(&m);
    ngram_sorter_free(&s);
    ngram_spill_end();
    scratch_end();
}
END_TEST

/* ------------------------------------------------------------------ the command line */

START_TEST(test_cli_memory) {
    if (!bin_path("ngram")) SKIP_TEST("CLI: $BIN/ngram not built");
    scratch_begin("cli_memory");
    char corpus[512], dir[512], args[2048];
    snprintf(corpus, sizeof corpus, "%s", scratch_at("corpus.txt"));
    write_corpus(corpus, 400, 100, 11);
    snprintf(dir, sizeof dir, "%s", scratch_at("tmp"));
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    setenv("TMPDIR", dir, 1);   /* where the spill folder goes */
    char *ok;
    snprintf(args, sizeof args, "train --quiet --order 4 --out %s %s", scratch_at("mem.arpa"), corpus);
    free(bin_expect_ok("ngram", args, NULL));
    snprintf(args, sizeof args, "train --quiet --order 4 --memory 2K --out %s %s", scratch_at("small.arpa"), corpus);
    free(bin_expect_ok("ngram", args, NULL));
    expect_same_file(scratch_at("mem.arpa"), scratch_at("small.arpa"), "CLI --memory 2K");
    snprintf(args, sizeof args, "train --order 4 --memory 1m --out %s %s", scratch_at("small.arpa"), corpus);
    ok = bin_expect_ok("ngram", args, NULL);
    free(ok);
    expect_same_file(scratch_at("mem.arpa"), scratch_at("small.arpa"), "CLI --memory 1m");
    ck_assert_msg(folder_is_empty(dir), "the spill folder was left behind");

    /* a build that dies half-way (a reserved token on the last line) leaves no spill folder either */
    FILE *f = fopen(corpus, "a");
    fputs("a <s> b\n", f);
    fclose(f);
    snprintf(args, sizeof args, "train --memory 2K --out %s %s", scratch_at("bad.arpa"), corpus);
    bin_expect("ngram", args, NULL, 1, (const char *const[]){ "reserved token '<s>'", NULL });
    ck_assert_msg(folder_is_empty(dir), "a failed build left its spill folder");
    ck_assert(!scratch_exists("bad.arpa"));

    /* bad budgets and what --memory cannot build: usage errors */
    const char *bad[] = { "abc", "0", "-1", "5X", "0.5", "2KB", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(args, sizeof args, "train --memory '%s' --out %s %s", bad[i], scratch_at("x.arpa"), corpus);
        bin_expect("ngram", args, NULL, 2, (const char *const[]){ "is not a size", NULL });
    }
    snprintf(args, sizeof args, "train --memory 1M --char --out %s %s", scratch_at("x.arpa"), corpus);
    bin_expect("ngram", args, NULL, 2, (const char *const[]){ "word models only", NULL });
    snprintf(args, sizeof args, "train --memory 1M --out %s %s", scratch_at("x.bin"), corpus);
    bin_expect("ngram", args, NULL, 2, (const char *const[]){ "ARPA files only", NULL });
    snprintf(args, sizeof args, "train --memory 1M --estimator absdisc --out %s %s", scratch_at("x.arpa"), corpus);
    bin_expect("ngram", args, NULL, 2, (const char *const[]){ "Kneser-Ney models only", NULL });
    snprintf(args, sizeof args, "train --memory 1M --out %s %s", scratch_at("x.arpa"), scratch_at("missing.txt"));
    bin_expect("ngram", args, NULL, 1, (const char *const[]){ "cannot open", NULL });
    ck_assert_msg(folder_is_empty(dir), "a refused build left a spill folder");
    unsetenv("TMPDIR");
    scratch_end();
}
END_TEST

/* A corpus that is not text: the windowed reader's messages are text_load's. */
START_TEST(test_cli_memory_rejects_non_text) {
    if (!bin_path("ngram")) SKIP_TEST("CLI: $BIN/ngram not built");
    scratch_begin("cli_memory_text");
    static const char nul_text[] = "a b a\nb a\0x b\na b\n", bad_utf8[] = "a b a\nb \xff a\na b\n";
    const char *nul = scratch_at("nul.txt");
    write_bytes(nul, nul_text, sizeof nul_text - 1);
    char args[2048], want[1024];
    snprintf(args, sizeof args, "train --memory 1M --out %s %s", scratch_at("x.arpa"), nul);
    snprintf(want, sizeof want, "'%s': NUL byte at byte 9 (line 2)", nul);
    bin_expect("ngram", args, NULL, 1, (const char *const[]){ want, NULL });
    const char *bad = scratch_at("bad.txt");
    write_bytes(bad, bad_utf8, sizeof bad_utf8 - 1);
    snprintf(args, sizeof args, "train --memory 1M --out %s %s", scratch_at("x.arpa"), bad);
    snprintf(want, sizeof want, "'%s': invalid UTF-8 at byte 8 (line 2)", bad);
    bin_expect("ngram", args, NULL, 1, (const char *const[]){ want, NULL });
    snprintf(args, sizeof args, "train --memory 1M --out %s %s", scratch_at("x.arpa"), scratch_put("empty.txt", "\n\n"));
    bin_expect("ngram", args, NULL, 1, (const char *const[]){ "the corpus has no words", NULL });
    scratch_end();
}
END_TEST

/* ------------------------------------------------------------------ PTB */

START_TEST(test_ptb_bounded) {
    char train[1024];
    if (!data_path(train, sizeof train, "ptb/ptb.train.txt")) SKIP_TEST("%s not found (run `make data`)", train);
    scratch_begin("ptb_bounded");
    NgramTrainConfig cfg;
    ngram_train_config_default(&cfg);
    train_in_memory(&cfg, train, scratch_at("mem.arpa"));
    ngram_train_bounded(&cfg, train, scratch_at("bounded.arpa"), (size_t)8 << 20, scratch_at("."), 1);
    ck_assert_uint_gt(ngram_spill_runs(), 4 * 5);   /* 8M is too small for PTB's counts */
    expect_same_file(scratch_at("mem.arpa"), scratch_at("bounded.arpa"), "PTB 5-gram, --memory 8M");
    scratch_end();
}
END_TEST

static Suite *ngram_bounded_suite(void) {
    Suite *s = suite_create("ngram_bounded");
    TCase *tc = tcase_create("bounded");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_bounded_equals_in_memory);
    tcase_add_test(tc, test_sorter_orders);
    tcase_add_test(tc, test_sorter_counts);
    tcase_add_test(tc, test_cli_memory);
    tcase_add_test(tc, test_cli_memory_rejects_non_text);
    suite_add_tcase(s, tc);
    tc = tcase_create("benchmarks data");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_ptb_bounded);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(ngram_bounded_suite)
