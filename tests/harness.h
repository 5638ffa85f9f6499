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

/* A scratch path under the build's temporary directory, unique per call: "<dir>/<stem>.<k>". */
const char *tmp_path(const char *stem);

int run_suite(Suite *s);
#define TEST_MAIN(suite_fn) int main(void) { return run_suite(suite_fn()); }

#endif
