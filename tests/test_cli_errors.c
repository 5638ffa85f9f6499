/*
 * test_cli_errors.c -- the stage binaries' answers to bad paths, run as a
 * learner runs them: $BIN/<stage> (the Makefile passes BIN: bin/, or
 * build/san/bin under SAN=1), from the repository root.
 *
 * A directory where a file is expected (a model, a checkpoint, a corpus) must
 * exit 1 with
 *     STAGE: error: 'PATH' is a directory, expected a file
 * not with a nonsense allocation ("out of memory allocating 9223372036854775808
 * bytes": ftell on a directory) or a wrong diagnosis ("not an ARPA file").
 * Where a command takes a run folder (rnn lm-eval --model DIR, word2vec nnlm
 * --load DIR), the folder still works and only a directory in place of the
 * checkpoint inside it is an error.
 */
#include "harness.h"
#include "util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* $BIN/<stage> into buf; 0 when it is not built. */
static int stage_binary(char *buf, size_t n, const char *stage) {
    const char *bin = getenv("BIN");
    snprintf(buf, n, "%s/%s", bin && *bin ? bin : "bin", stage);
    return access(buf, X_OK) == 0;
}

/* Run "$BIN/<stage> <args>" with stdin empty and one thread; returns the exit
 * status, *err what it printed on stderr (malloc'd). */
static int run_stage(const char *stage, const char *args, char **err) {
    char exe[600], cmd[4096];
    stage_binary(exe, sizeof exe, stage);
    const char *err_path = tmp_path("stderr");
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 %s %s < /dev/null > /dev/null 2> %s", exe, args, err_path);
    int st = system(cmd);
    *err = read_file(err_path, NULL);
    remove(err_path);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The command must fail with status 1 and "STAGE: error: 'dir' is a directory, expected a file". */
static void expect_is_dir(const char *stage, const char *args, const char *dir) {
    char *err, want[1024];
    int rc = run_stage(stage, args, &err);
    printf("%s %s\n  -> exit %d: %s", stage, args, rc, err);
    snprintf(want, sizeof want, "%s: error: '%s' is a directory, expected a file\n", stage, dir);
    ck_assert_msg(rc == 1, "%s %s: exit %d, want 1", stage, args, rc);
    ck_assert_msg(strstr(err, want) != NULL, "%s %s: stderr lacks \"%s\":\n%s", stage, args, want, err);
    free(err);
}

static void expect_ok(const char *stage, const char *args) {
    char *err;
    int rc = run_stage(stage, args, &err);
    ck_assert_msg(rc == 0, "%s %s: exit %d, want 0:\n%s", stage, args, rc, err);
    free(err);
}

/* A scratch folder holding toy.txt (a tiny corpus) and an empty folder dir/. */
typedef struct {
    char root[512], toy[600], dir[600];
} Scratch;

static void scratch_make(Scratch *s, const char *stem) {
    snprintf(s->root, sizeof s->root, "%s", tmp_path(stem));
    snprintf(s->toy, sizeof s->toy, "%s/toy.txt", s->root);
    snprintf(s->dir, sizeof s->dir, "%s/dir", s->root);
    ck_assert_int_eq(mkdir(s->root, 0777), 0);
    ck_assert_int_eq(mkdir(s->dir, 0777), 0);
    FILE *f = fopen(s->toy, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 8; i++) fputs("the cat sat on the mat\na dog ran in the park\n", f);
    fclose(f);
}

static void scratch_remove(Scratch *s) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->root);
    ck_assert_int_eq(system(cmd), 0);
}

/* Replace the file root/run/name by an empty directory. */
static void file_to_dir(const char *run, const char *name) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", run, name);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(mkdir(path, 0777), 0);
}

START_TEST(test_ngram_directory) {
    char exe[600], args[2048];
    if (!stage_binary(exe, sizeof exe, "ngram")) SKIP_TEST("%s not built", exe);
    Scratch s;
    scratch_make(&s, "ngram_dir");
    snprintf(args, sizeof args, "eval --model %s %s", s.dir, s.toy);             /* the ARPA or binary model */
    expect_is_dir("ngram", args, s.dir);
    snprintf(args, sizeof args, "query --model %s", s.dir);
    expect_is_dir("ngram", args, s.dir);
    snprintf(args, sizeof args, "train --out %s/m.arpa %s", s.root, s.dir);      /* the corpus */
    expect_is_dir("ngram", args, s.dir);
    snprintf(args, sizeof args, "eval --model tests/fixtures/ngram_hand.arpa %s", s.dir);   /* the text */
    expect_is_dir("ngram", args, s.dir);
    snprintf(args, sizeof args, "train --out %s %s", s.dir, s.toy);              /* the output */
    expect_is_dir("ngram", args, s.dir);
    scratch_remove(&s);
}
END_TEST

START_TEST(test_word2vec_directory) {
    char exe[600], args[4096], run[700];
    if (!stage_binary(exe, sizeof exe, "word2vec")) SKIP_TEST("%s not built", exe);
    Scratch s;
    scratch_make(&s, "w2v_dir");
    snprintf(args, sizeof args, "train --train %s --output %s/v.txt --threads 1", s.dir, s.root);
    expect_is_dir("word2vec", args, s.dir);
    snprintf(args, sizeof args, "similar --vectors %s", s.dir);
    expect_is_dir("word2vec", args, s.dir);
    snprintf(args, sizeof args, "nnlm --train %s --valid %s --test %s --epochs 0 --out %s/nn0", s.dir, s.toy, s.toy,
             s.root);
    expect_is_dir("word2vec", args, s.dir);
    /* --load takes a run folder: it still works, and a folder in place of its checkpoint is the error */
    snprintf(run, sizeof run, "%s/nn", s.root);
    snprintf(args, sizeof args, "nnlm --train %s --valid %s --test %s --epochs 1 --embed 4 --hidden 4 --threads 1 "
             "--out %s", s.toy, s.toy, s.toy, run);
    expect_ok("word2vec", args);
    snprintf(args, sizeof args, "nnlm --train %s --valid %s --test %s --epochs 0 --threads 1 --load %s --out %s/nn2",
             s.toy, s.toy, s.toy, run, s.root);
    expect_ok("word2vec", args);
    file_to_dir(run, "nnlm.ckpt");
    char ckpt[800];
    snprintf(ckpt, sizeof ckpt, "%s/nnlm.ckpt", run);
    expect_is_dir("word2vec", args, ckpt);
    scratch_remove(&s);
}
END_TEST

START_TEST(test_rnn_directory) {
    char exe[600], args[4096], run[700], ckpt[800];
    if (!stage_binary(exe, sizeof exe, "rnn")) SKIP_TEST("%s not built", exe);
    Scratch s;
    scratch_make(&s, "rnn_dir");
    snprintf(args, sizeof args, "lm-train --train %s --steps 1 --out %s/r0 --quiet --threads 1", s.dir, s.root);
    expect_is_dir("rnn", args, s.dir);
    /* --model takes a run folder or its model.ckpt: both still work */
    snprintf(run, sizeof run, "%s/run", s.root);
    snprintf(args, sizeof args, "lm-train --train %s --steps 2 --seq-len 4 --batch 2 --emb 4 --hidden 4 --layers 1 "
             "--out %s --quiet --threads 1", s.toy, run);
    expect_ok("rnn", args);
    snprintf(args, sizeof args, "lm-eval --model %s %s", run, s.toy);
    expect_ok("rnn", args);
    snprintf(args, sizeof args, "lm-eval --model %s/model.ckpt %s", run, s.toy);
    expect_ok("rnn", args);
    snprintf(args, sizeof args, "lm-eval --model %s %s", run, s.dir);             /* the text to score */
    expect_is_dir("rnn", args, s.dir);
    /* a folder named like a checkpoint, and a folder in place of the run's checkpoint */
    snprintf(ckpt, sizeof ckpt, "%s/d.ckpt", s.root);
    ck_assert_int_eq(mkdir(ckpt, 0777), 0);
    snprintf(args, sizeof args, "lm-eval --model %s %s", ckpt, s.toy);
    expect_is_dir("rnn", args, ckpt);
    file_to_dir(run, "model.ckpt");
    snprintf(ckpt, sizeof ckpt, "%s/model.ckpt", run);
    snprintf(args, sizeof args, "lm-eval --model %s %s", run, s.toy);
    expect_is_dir("rnn", args, ckpt);
    snprintf(args, sizeof args, "sample --model %s", run);
    expect_is_dir("rnn", args, ckpt);
    snprintf(args, sizeof args, "classify-eval --model %s --data %s", run, s.toy);
    expect_is_dir("rnn", args, ckpt);
    scratch_remove(&s);
}
END_TEST

START_TEST(test_gpt_directory) {
    char exe[600], args[4096];
    if (!stage_binary(exe, sizeof exe, "gpt")) SKIP_TEST("%s not built", exe);
    Scratch s;
    scratch_make(&s, "gpt_dir");
    snprintf(args, sizeof args, "eval --model %s --data %s", s.dir, s.toy);        /* checkpoint or llm.c model */
    expect_is_dir("gpt", args, s.dir);
    snprintf(args, sizeof args, "sample --model %s --tokens 4", s.dir);
    expect_is_dir("gpt", args, s.dir);
    snprintf(args, sizeof args, "convert --in %s --out %s/m.bin", s.dir, s.root);
    expect_is_dir("gpt", args, s.dir);
    snprintf(args, sizeof args, "train --data %s --steps 1 --out %s/g0 --quiet", s.dir, s.root);   /* the corpus */
    expect_is_dir("gpt", args, s.dir);
    /* --vocab takes a folder: a folder in place of its encoder.json is the error */
    char enc[800];
    snprintf(enc, sizeof enc, "%s/encoder.json", s.dir);
    ck_assert_int_eq(mkdir(enc, 0777), 0);
    snprintf(args, sizeof args, "encode --vocab %s", s.dir);
    expect_is_dir("gpt", args, enc);
    scratch_remove(&s);
}
END_TEST

/* A preset or task whose dataset is in neither data/cache nor $NLP_DATA_DIR
 * says which file and how to get it, for gpt's presets (rnn's are tested in
 * test_rnn.c). */
START_TEST(test_gpt_missing_data) {
    char exe[600], abs[PATH_MAX], cmd[8192];
    if (!stage_binary(exe, sizeof exe, "gpt")) SKIP_TEST("%s not built", exe);
    ck_assert_ptr_nonnull(realpath(exe, abs));
    const char *empty = tmp_path("no_data");
    ck_assert_int_eq(mkdir(empty, 0700), 0);
    const char *args[] = { "train --preset ptb --steps 1", "train --preset shakespeare-char --steps 1",
                           "train --preset ptb-sst --steps 1" };
    for (size_t i = 0; i < sizeof args / sizeof *args; i++) {
        const char *err_path = tmp_path("stderr");
        snprintf(cmd, sizeof cmd, "cd %s && NLP_DATA_DIR=%s %s %s < /dev/null > /dev/null 2> %s", empty, empty,
                 abs, args[i], err_path);
        int st = system(cmd);
        char *err = read_file(err_path, NULL);
        printf("gpt %s\n  -> %s", args[i], err);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1, "gpt %s: want exit 1", args[i]);
        ck_assert_msg(strstr(err, "is missing (run `make data`, or set NLP_DATA_DIR") != NULL, "gpt %s: %s", args[i], err);
        free(err);
        remove(err_path);
    }
    rmdir(empty);
}
END_TEST

static Suite *cli_errors_suite(void) {
    Suite *s = suite_create("cli_errors");
    TCase *tc = tcase_create("directories");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_ngram_directory);
    tcase_add_test(tc, test_word2vec_directory);
    tcase_add_test(tc, test_rnn_directory);
    tcase_add_test(tc, test_gpt_directory);
    tcase_add_test(tc, test_gpt_missing_data);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(cli_errors_suite)
