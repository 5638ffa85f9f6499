/*
 * harness.h -- what every Check suite shares.
 *
 * Fixtures: the scripts in tests/ref/ (PyTorch, run by `make fixtures`) write named
 * float32 tensors into tests/fixtures/NAME.bin through tests/ref/fixture.py.
 * Layout, all little-endian:
 *     "NLPFIX01"              8-byte magic
 *     u32 count               number of tensors
 *     count x { u32 name_len, name bytes, u32 ndim, u32 dims[ndim],
 *               float32 data[prod(dims)] }
 * Integer inputs (token ids, targets) are stored as floats holding whole numbers.
 *
 * check_tensor() compares one tensor with its reference the way llm.c's test
 * does and prints "TENSOR OK  name  maxdiff=..." (or NOT OK), so a failing
 * comparison says which tensor and by how much.
 *
 * TEST_MAIN(suite_fn) gives each tests/test_*.c its main().
 */
#ifndef NLP_HARNESS_H
#define NLP_HARNESS_H

#include <check.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
    char *name;
    int ndim;
    int dims[8];
    size_t size;     /* number of floats */
    float *data;
} FixtureTensor;

typedef struct {
    int count;
    FixtureTensor *t;
} Fixture;

/* Load tests/fixtures/<name>.bin; fails the current test (ck_abort) if missing or malformed. */
Fixture *fixture_load(const char *name);
/* The tensor called name; fails the test if absent. If size is non-NULL it gets the float count. */
float *fixture_get(const Fixture *fx, const char *name, size_t *size);
/* The tensor's value at index i, as an int (for ids and targets). */
int fixture_int(const Fixture *fx, const char *name, size_t i);
void fixture_free(Fixture *fx);

/* Max |a-b| over n floats; prints a TENSOR OK/NOT OK line; returns 1 when maxdiff <= tol.
 * A NaN or Inf in got or want returns 0, naming the first such index. */
int check_tensor(const char *label, const float *got, const float *want, size_t n, float tol);

/*
 * SKIP_TEST("fmt", ...) in a test body: the test cannot run here (a dataset or
 * a binary is missing). It prints one machine-readable line
 *     SKIPPED: <test name>: <why>
 * and returns from the test, so free what the test holds first. Check counts
 * the test as passed; scripts/run_tests.sh counts it as skipped instead, and
 * with TESTS_NO_SKIP=1 (CI, which has every dataset and binary) fails the run.
 */
#define SKIP_TEST(...) do { test_skipped(__func__, __VA_ARGS__); return; } while (0)
void test_skipped(const char *func, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Scratch files: write n bytes to path; read a whole file (malloc'd,
 * NUL-terminated, *n bytes); both fail the current test when they cannot. */
void write_bytes(const char *path, const void *data, size_t n);
char *read_all(const char *path, size_t *n);
/* s with its first `from` replaced by `to` (malloc'd); fails the test if absent. */
char *replace_once(const char *s, const char *from, const char *to);

/* A scratch path under the build's temporary directory, unique per call and per run:
 * "<dir>/nlp-test-<pid>-<start time>-<stem>.<k>". */
const char *tmp_path(const char *stem);

/*
 * A stage's command line, run as a learner runs it (the translation
 * chapters' suites): $BIN/STAGE (the Makefile passes BIN: bin/, or
 * build/san/bin under SAN=1) as a child process from the repository root,
 * judged by its exit status, stdout and stderr (DESIGN.md: bad input exits 1
 * with "STAGE: error: ...", bad usage 2). Whatever it is asked, it must not
 * crash nor trip a sanitizer: bin_run fails the test when it does.
 */
typedef struct {
    int status;      /* exit status; -1 when killed by a signal */
    char *out, *err; /* what it printed (malloc'd) */
} BinRun;

/* $BIN/stage (a static buffer), or NULL when it is not built. */
const char *bin_path(const char *stage);
/* "STAGE ARGS" through the shell, stdin from `in` (NULL: /dev/null), one thread. */
BinRun bin_run(const char *stage, const char *args, const char *in);
void bin_run_free(BinRun *r);
/* Require exit status `status` and each of the (NULL-ended) strings `has` in
 * stderr; an error (status 1 or 2) must say "STAGE: error:". */
void bin_expect(const char *stage, const char *args, const char *in, int status, const char *const *has);
/* The stdout (malloc'd) of a run that must succeed. */
char *bin_expect_ok(const char *stage, const char *args, const char *in);
/* Fails the test when text lacks want; what names the text. */
void expect_has(const char *text, const char *want, const char *what);
int count_lines(const char *s);

/* One scratch folder per test: scratch_begin makes it, scratch_at names a
 * file in it (in one of 16 rotating buffers: enough for one command's
 * arguments), scratch_end removes it with everything inside. */
void scratch_begin(const char *stem);
void scratch_end(void);
const char *scratch_at(const char *name);
const char *scratch_put(const char *name, const char *text);   /* write text; returns its path */
int scratch_exists(const char *name);
void scratch_cut_in_half(const char *name);   /* truncate to half its size */
void scratch_flip_a_bit(const char *name);    /* one bit in the middle */

int run_suite(Suite *s);
#define TEST_MAIN(suite_fn) int main(void) { return run_suite(suite_fn()); }

#endif
