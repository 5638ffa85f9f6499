/* test_core.c -- the parameter table, the RNG, the matmul wrappers and util's parsers. */
#include "checkpoint.h"
#include "gradcheck.h"
#include "harness.h"
#include "matmul.h"
#include "params.h"
#include "rng.h"
#include "text.h"
#include "util.h"
#include "vectors.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---------------------------------------------------------------- params */

START_TEST(test_params_layout_is_contiguous) {
    ParamTable pt;
    params_init(&pt);
    params_add(&pt, "wte", 2, 10, 4);
    params_add(&pt, "ln.w", 1, 4);
    params_add(&pt, "qkv", 3, 2, 12, 4);
    params_alloc(&pt);
    ck_assert_uint_eq(params_count(&pt), 40 + 4 + 96);
    ck_assert_ptr_eq(params_get(&pt, "wte"), pt.values);
    ck_assert_ptr_eq(params_get(&pt, "ln.w"), pt.values + 40);
    ck_assert_ptr_eq(params_grad(&pt, "qkv"), pt.grads + 44);
    ck_assert_int_eq(params_find(&pt, "nope"), -1);
    /* matrices decay, vectors do not (GPT-2's rule), unless told otherwise */
    ck_assert_int_eq(pt.info[0].decay, 1);
    ck_assert_int_eq(pt.info[1].decay, 0);
    params_set_decay(&pt, "wte", 0);
    ck_assert_int_eq(pt.info[0].decay, 0);
    for (size_t i = 0; i < pt.total; i++) pt.grads[i] = 1.0f;
    params_zero_grad(&pt);
    for (size_t i = 0; i < pt.total; i++) ck_assert_float_eq(pt.grads[i], 0.0f);
    params_free(&pt);
}
END_TEST

START_TEST(test_params_duplicate_name_dies) {
    util_set_prog("test");
    ParamTable pt;
    params_init(&pt);
    params_add(&pt, "w", 1, 3);
    params_add(&pt, "w", 1, 3);
}
END_TEST

START_TEST(test_params_unknown_name_dies) {
    ParamTable pt;
    params_init(&pt);
    params_add(&pt, "w", 1, 3);
    params_alloc(&pt);
    params_get(&pt, "missing");
}
END_TEST

/* ---------------------------------------------------------------- rng */

START_TEST(test_rng_same_seed_same_stream) {
    Rng a, b, c;
    rng_seed(&a, 42, 0);
    rng_seed(&b, 42, 0);
    rng_seed(&c, 42, 1);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint32_t x = rng_u32(&a);
        ck_assert_uint_eq(x, rng_u32(&b));
        differ += x != rng_u32(&c);
    }
    ck_assert_int_gt(differ, 990);   /* another stream is another sequence */
}
END_TEST

START_TEST(test_rng_distributions) {
    Rng r;
    rng_seed(&r, 7, 0);
    const int n = 200000;
    double sum = 0, sumsq = 0, usum = 0;
    for (int i = 0; i < n; i++) {
        double z = rng_normal(&r);
        sum += z;
        sumsq += z * z;
        float u = rng_uniform(&r);
        ck_assert(u >= 0.0f && u < 1.0f);
        usum += u;
    }
    /* bounds ~5 standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032 */
    ck_assert_double_eq_tol(sum / n, 0.0, 0.012);
    ck_assert_double_eq_tol(sumsq / n, 1.0, 0.016);
    ck_assert_double_eq_tol(usum / n, 0.5, 0.0035);

    float p[4] = {1, 0, 2, 7};   /* unnormalised on purpose */
    int counts[4] = {0};
    for (int i = 0; i < n; i++) counts[rng_categorical(&r, p, 4)]++;
    ck_assert_int_eq(counts[1], 0);
    ck_assert_double_eq_tol(counts[0] / (double)n, 0.1, 0.004);
    ck_assert_double_eq_tol(counts[2] / (double)n, 0.2, 0.005);
    ck_assert_double_eq_tol(counts[3] / (double)n, 0.7, 0.006);

    int below[3] = {0};
    for (int i = 0; i < 30000; i++) below[rng_below(&r, 3)]++;
    for (int k = 0; k < 3; k++) ck_assert_int_gt(below[k], 9500);
}
END_TEST

START_TEST(test_rng_shuffle_is_permutation) {
    Rng r;
    rng_seed(&r, 3, 0);
    int a[100], seen[100] = {0}, moved = 0;
    for (int i = 0; i < 100; i++) a[i] = i;
    rng_shuffle_int(&r, a, 100);
    for (int i = 0; i < 100; i++) {
        seen[a[i]]++;
        moved += a[i] != i;
    }
    for (int i = 0; i < 100; i++) ck_assert_int_eq(seen[i], 1);
    ck_assert_int_gt(moved, 80);
}
END_TEST

/* ---------------------------------------------------------------- matmul */

/* C = op(A) op(B) computed the slow way, in double. */
static void naive(int ta, int tb, int M, int N, int K, const float *A, const float *B, float *C) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < K; k++) {
                float a = ta ? A[k * M + i] : A[i * K + k];
                float b = tb ? B[j * K + k] : B[k * N + j];
                s += (double)a * b;
            }
            C[i * N + j] = (float)s;
        }
}

START_TEST(test_matmul_all_transposes) {
    const int M = 7, N = 5, K = 9;
    float A[63], B[45], C[35], want[35];
    Rng r;
    rng_seed(&r, 11, 0);
    rng_fill_normal(&r, A, 63, 0, 1);
    rng_fill_normal(&r, B, 45, 0, 1);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            naive(ta, tb, M, N, K, A, B, want);
            matmul(ta, tb, M, N, K, 1.0f, A, B, 0.0f, C);
            char label[64];
            snprintf(label, sizeof label, "matmul ta=%d tb=%d", ta, tb);
            ck_assert(check_tensor(label, C, want, 35, 1e-5f));
            /* beta = 1 accumulates: C + 0.5 op(A)op(B) */
            matmul(ta, tb, M, N, K, 0.5f, A, B, 1.0f, C);
            for (int i = 0; i < 35; i++) want[i] *= 1.5f;
            ck_assert(check_tensor("matmul accumulate", C, want, 35, 1e-5f));
        }
}
END_TEST

/* dmatvec and dmatmul are the products in double: the naive float products'
 * results, to double's precision over float inputs. */
START_TEST(test_double_products) {
    const int M = 7, K = 9;
    float A[63], x[9], y[7], want[63];
    double Ad[63], xd[9], yd[7], back[9], outer[63];
    Rng r;
    rng_seed(&r, 12, 0);
    rng_fill_normal(&r, A, 63, 0, 1);
    rng_fill_normal(&r, x, 9, 0, 1);
    for (int i = 0; i < 63; i++) Ad[i] = A[i];
    for (int i = 0; i < 9; i++) xd[i] = x[i];
    naive(0, 0, M, 1, K, A, x, want);                       /* A x */
    dmatvec(0, M, K, 1.0, Ad, xd, 0.0, yd);
    for (int i = 0; i < 7; i++) { y[i] = (float)yd[i]; ck_assert_msg(fabs(yd[i] - want[i]) < 1e-5, "A x [%d]", i); }
    naive(1, 0, K, 1, M, A, y, want);                       /* A^T y */
    for (int i = 0; i < 9; i++) back[i] = 1.0;
    dmatvec(1, M, K, 2.0, Ad, yd, 1.0, back);               /* 1 + 2 A^T y */
    for (int i = 0; i < 9; i++) ck_assert_msg(fabs(back[i] - (1.0 + 2.0 * want[i])) < 1e-4, "A^T y [%d]", i);
    naive(0, 1, M, K, 1, y, x, want);                       /* y x^T, (7,1) @ (1,9) */
    for (int i = 0; i < 63; i++) outer[i] = 1.0;
    dmatmul(0, 1, M, K, 1, 3.0, yd, xd, 1.0, outer);        /* 1 + 3 y x^T */
    for (int i = 0; i < 63; i++) ck_assert_msg(fabs(outer[i] - (1.0 + 3.0 * want[i])) < 1e-4, "y x^T [%d]", i);
}
END_TEST

START_TEST(test_threads_setting) {
    set_threads(2);
    ck_assert_int_eq(get_threads(), 2);
    set_threads(0);   /* clamped */
    ck_assert_int_eq(get_threads(), 1);
}
END_TEST

START_TEST(test_median_high) {
    double odd[] = {3.0, 1.0, 2.0}, even[] = {4.0, 1.0, 3.0, 2.0}, one[] = {7.0};
    ck_assert(median_high(odd, 3) == 2.0);
    ck_assert(median_high(even, 4) == 3.0);   /* the higher middle, as Python's median_high */
    ck_assert(median_high(one, 1) == 7.0);
}
END_TEST

/* ---------------------------------------------------------------- gradcheck */

/* L = sum x_i^2, so dL/dx_i = 2 x_i (central differences are exact for a quadratic). */
static double square_loss(void *ctx) {
    const float *x = ctx;
    double s = 0;
    for (int i = 0; i < 5; i++) s += (double)x[i] * x[i];
    return s;
}

START_TEST(test_gradcheck_accepts_right_and_catches_wrong) {
    float x[5] = {0.5f, -1.0f, 2.0f, 0.1f, -0.3f}, right[5], wrong[5];
    for (int i = 0; i < 5; i++) right[i] = wrong[i] = 2 * x[i];
    wrong[2] *= 1.01f;   /* a 1% error in one element */
    ck_assert_double_lt(gradcheck("square right", square_loss, x, x, right, 5, 1e-2f), 1e-3);
    ck_assert_double_gt(gradcheck("square wrong", square_loss, x, x, wrong, 5, 1e-2f), 5e-3);
}
END_TEST

/* ------------------------------------------------- NaN and Inf in the comparators */

/* stdout into a scratch file between capture_start and capture_end, which
 * returns what was printed (malloc'd): the comparators' lines name the index. */
static int saved_stdout = -1;
static const char *capture_file;

static void capture_start(void) {
    fflush(stdout);
    capture_file = tmp_path("stdout");
    FILE *f = fopen(capture_file, "w");
    ck_assert_ptr_nonnull(f);
    saved_stdout = dup(1);
    dup2(fileno(f), 1);
    fclose(f);
}

static char *capture_end(void) {
    fflush(stdout);
    dup2(saved_stdout, 1);
    close(saved_stdout);
    size_t len;
    char *text = read_file(capture_file, &len);
    remove(capture_file);
    /* still shown in the log, indented so that scripts/run_tests.sh reads no line of it */
    for (const char *line = text; *line; ) {
        size_t n = strcspn(line, "\n");
        printf("  | %.*s\n", (int)n, line);
        line += n + (line[n] == '\n');
    }
    return text;
}

/* check_tensor must fail, naming index `at`, when got/want hold a non-finite value there. */
static void expect_tensor_fails(const char *label, const float *got, const float *want, size_t at) {
    capture_start();
    int ok = check_tensor(label, got, want, 5, 1e-3f);
    char *out = capture_end();
    char idx[32];
    snprintf(idx, sizeof idx, "[%zu]", at);
    ck_assert_msg(!ok, "%s: check_tensor accepted a non-finite value at [%zu]", label, at);
    ck_assert_msg(strstr(out, "NOT OK") && strstr(out, idx), "%s: message '%s' does not name %s", label, out, idx);
    free(out);
}

START_TEST(test_check_tensor_rejects_nan_and_inf) {
    const float want[5] = {1, 2, 3, 4, 5};
    for (size_t at = 0; at < 5; at += 2) {   /* first, middle, last */
        float got[5] = {1, 2, 3, 4, 5}, bad_want[5] = {1, 2, 3, 4, 5};
        got[at] = NAN;
        expect_tensor_fails("must fail: NaN computed", got, want, at);
        bad_want[at] = NAN;
        expect_tensor_fails("must fail: NaN expected", want, bad_want, at);
        got[at] = INFINITY;
        expect_tensor_fails("must fail: Inf computed", got, want, at);
        got[at] = -INFINITY;
        bad_want[at] = -INFINITY;   /* equal infinities differ by NaN */
        expect_tensor_fails("must fail: -Inf in both", got, bad_want, at);
    }
    ck_assert(check_tensor("finite", want, want, 5, 0.0f));
}
END_TEST

/* L = sum x_i^2, but NaN once x[bad] moves: a loss that blows up at one element. */
static int nan_at = -1;
static double square_loss_nan(void *ctx) {
    const float *x = ctx;
    static const float x0[5] = {0.5f, -1.0f, 2.0f, 0.1f, -0.3f};
    double s = 0;
    for (int i = 0; i < 5; i++) s += (double)x[i] * x[i];
    return nan_at >= 0 && x[nan_at] != x0[nan_at] ? NAN : s;
}

/* gradcheck must return +inf (so every `err < tol` fails) and name index `at`. */
static void expect_gradcheck_fails(const char *label, float *x, const float *grad, size_t at) {
    capture_start();
    double err = gradcheck(label, square_loss_nan, x, x, grad, 5, 1e-2f);
    char *out = capture_end();
    char idx[32];
    snprintf(idx, sizeof idx, "[%zu]", at);
    ck_assert_msg(isinf(err) && err > 0, "%s: gradcheck returned %g for a non-finite value at [%zu]", label, err, at);
    ck_assert_msg(strstr(out, idx) != NULL, "%s: message '%s' does not name %s", label, out, idx);
    free(out);
}

START_TEST(test_gradcheck_rejects_nan_and_inf) {
    float x[5] = {0.5f, -1.0f, 2.0f, 0.1f, -0.3f};
    for (int at = 0; at < 5; at += 2) {   /* first, middle, last */
        float g[5];
        for (int i = 0; i < 5; i++) g[i] = 2 * x[i];
        g[at] = NAN;
        expect_gradcheck_fails("must fail: NaN analytic", x, g, (size_t)at);
        g[at] = INFINITY;
        expect_gradcheck_fails("must fail: Inf analytic", x, g, (size_t)at);
        g[at] = 2 * x[at];
        nan_at = at;
        expect_gradcheck_fails("must fail: NaN loss", x, g, (size_t)at);
        nan_at = -1;
        ck_assert_double_lt(gradcheck("square right", square_loss_nan, x, x, g, 5, 1e-2f), 1e-3);
    }
}
END_TEST

/* ---------------------------------------------------------------- skips */

/* SKIP_TEST prints one "SKIPPED: <test>: <why>" line and returns from the test. */
static int after_skip = 0;
static void skipping_fn(int n) {
    SKIP_TEST("no data here (%d)", n);
    after_skip = 1;
}

START_TEST(test_skip_prints_one_line_and_returns) {
    capture_start();
    skipping_fn(42);
    char *out = capture_end();
    ck_assert_str_eq(out, "SKIPPED: skipping: no data here (42)\n");
    ck_assert_int_eq(after_skip, 0);
    free(out);
}
END_TEST

/* Run scripts/run_tests.sh (from the repository root) on a fake suite that
 * reports 3 checks, one of them skipped; returns its exit status, *log its output. */
static int run_runner(const char *env, char **log) {
    const char *fake = tmp_path("fake_suite"), *out = tmp_path("runner_log");
    FILE *f = fopen(fake, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "#!/bin/sh\necho 'SKIPPED: test_needs_data: data/cache/x not found'\n"
               "echo '100%%: Checks: 3, Failures: 0, Errors: 0'\n");
    fclose(f);
    chmod(fake, 0755);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s scripts/run_tests.sh %s > %s 2>&1", env, fake, out);
    int st = system(cmd);
    *log = read_file(out, NULL);
    printf("%s:\n", cmd);
    for (const char *line = *log; *line; ) {   /* indented: the runner running us must not count it */
        size_t n = strcspn(line, "\n");
        printf("  | %.*s\n", (int)n, line);
        line += n + (line[n] == '\n');
    }
    remove(fake);
    remove(out);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_runner_counts_skips_apart) {
    char *log;
    ck_assert_int_eq(run_runner("TESTS_NO_SKIP=0", &log), 0);
    ck_assert_msg(strstr(log, "\ntests: 2 passed, 0 failed, 1 skipped\n"), "closing line wrong in:\n%s", log);
    free(log);
    /* CI's mode: a skipped check fails the run, and is named */
    ck_assert_int_eq(run_runner("TESTS_NO_SKIP=1", &log), 1);
    ck_assert_msg(strstr(log, "tests: 2 passed, 0 failed, 1 skipped\n"), "closing line wrong in:\n%s", log);
    ck_assert_msg(strstr(log, "test_needs_data: data/cache/x not found"), "skip not listed in:\n%s", log);
    free(log);
}
END_TEST

/* ---------------------------------------------------------------- util */

START_TEST(test_parse_numbers) {
    ck_assert_int_eq(parse_long("42", "--steps", 0, 100), 42);
    ck_assert_double_eq(parse_double("1e-3", "--lr", 0, 1), 1e-3);
}
END_TEST

START_TEST(test_parse_long_rejects_garbage) { parse_long("12x", "--steps", 0, 100); }
END_TEST

START_TEST(test_parse_long_rejects_out_of_range) { parse_long("101", "--steps", 0, 100); }
END_TEST

START_TEST(test_atomic_write_replaces_file) {
    const char *path = tmp_path("atomic");
    for (int round = 0; round < 2; round++) {
        char *tmp;
        FILE *f = atomic_open(path, &tmp);
        fprintf(f, "round %d\n", round);
        atomic_commit(f, tmp, path);
    }
    size_t len;
    char *text = read_file(path, &len);
    ck_assert_str_eq(text, "round 1\n");
    ck_assert_uint_eq(len, 8);
    free(text);
    remove(path);
}
END_TEST

START_TEST(test_open_missing_file_dies) {
    util_set_prog("test");
    xfopen("/nonexistent/definitely/not/here", "rb");
}
END_TEST

/* A directory where a file is expected: every common loader says so (fopen
 * accepts a directory for reading, and the reads used to fail strangely). */
START_TEST(test_loaders_reject_a_directory) {
    char dir[512], want[600], err[1024];
    snprintf(dir, sizeof dir, "%s", tmp_path("a_dir"));
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    snprintf(want, sizeof want, "'%s' is a directory, expected a file", dir);
    ck_assert(path_is_dir(dir) && !path_is_dir("/nonexistent") && !path_is_dir("tests/harness.c"));
    ck_assert_ptr_null(fopen_file(dir, "rb", err, sizeof err));
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(fopen_file(dir, "wb", err, sizeof err));
    ck_assert_str_eq(err, want);
    CheckpointInfo ck;
    ck_assert_int_eq(checkpoint_read(dir, NULL, &ck, err, sizeof err), -1);
    ck_assert_msg(strstr(err, want), "checkpoint_read: %s", err);
    char *buf;
    size_t len;
    ck_assert_int_eq(text_read(dir, &buf, &len, NULL, err, sizeof err), -1);
    ck_assert_msg(strstr(err, want), "text_read: %s", err);
    int *ids, vocab_size;
    ck_assert_int_eq(tokens_read(dir, &ids, &len, &vocab_size, err, sizeof err), -1);
    ck_assert_msg(strstr(err, want), "tokens_read: %s", err);
    Vectors *v;
    ck_assert_int_eq(vectors_read(dir, VEC_AUTO, &v, err, sizeof err), -1);
    ck_assert_msg(strstr(err, want), "vectors_read: %s", err);
    rmdir(dir);
}
END_TEST

/* xfopen and read_file die (status 1) with the same message. */
START_TEST(test_read_file_of_a_directory_dies) {
    util_set_prog("test");
    read_file("tests", NULL);
}
END_TEST

START_TEST(test_xfopen_of_a_directory_dies) {
    util_set_prog("test");
    xfopen("tests", "rb");
}
END_TEST

START_TEST(test_atomic_open_of_a_directory_dies) {
    util_set_prog("test");
    char *tmp;
    atomic_open("tests", &tmp);
}
END_TEST

/* file_each_line: numbered lines without their '\r', comments and empty
 * lines skipped, a callback's error stopping the walk, NUL bytes refused. */
typedef struct {
    char seen[8][16];
    int lineno[8], n;
} SeenLines;

static int note_line(void *ctx, char *line, int lineno, char *err, size_t errlen) {
    SeenLines *s = ctx;
    if (!strcmp(line, "stop")) return err_set(err, errlen, "line %d says stop", lineno);
    snprintf(s->seen[s->n], sizeof s->seen[s->n], "%s", line);
    s->lineno[s->n++] = lineno;
    return 0;
}

START_TEST(test_file_each_line) {
    const char *path = tmp_path("lines.txt");
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("a b\r\n# a comment\n\nc\nstop\nd\n", f);
    fclose(f);
    SeenLines s = {0};
    char err[256];
    ck_assert_int_eq(file_each_line(path, "a list", note_line, &s, err, sizeof err), -1);
    ck_assert_str_eq(err, "line 5 says stop");
    ck_assert_int_eq(s.n, 2);
    ck_assert_str_eq(s.seen[0], "a b");
    ck_assert_str_eq(s.seen[1], "c");
    ck_assert_int_eq(s.lineno[0], 1);
    ck_assert_int_eq(s.lineno[1], 4);
    f = fopen(path, "wb");
    fwrite("a\0b\n", 1, 4, f);
    fclose(f);
    ck_assert_int_eq(file_each_line(path, "a list", note_line, &s, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "NUL byte; a list is text") != NULL, "%s", err);
    ck_assert_int_eq(file_each_line("/no/such/file", "a list", note_line, &s, err, sizeof err), -1);
    remove(path);
}
END_TEST

static Suite *core_suite(void) {
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_params_layout_is_contiguous);
    tcase_add_exit_test(tc, test_params_duplicate_name_dies, 1);
    tcase_add_exit_test(tc, test_params_unknown_name_dies, 1);
    tcase_add_test(tc, test_file_each_line);
    tcase_add_test(tc, test_rng_same_seed_same_stream);
    tcase_add_test(tc, test_rng_distributions);
    tcase_add_test(tc, test_rng_shuffle_is_permutation);
    tcase_add_test(tc, test_matmul_all_transposes);
    tcase_add_test(tc, test_double_products);
    tcase_add_test(tc, test_threads_setting);
    tcase_add_test(tc, test_median_high);
    tcase_add_test(tc, test_gradcheck_accepts_right_and_catches_wrong);
    tcase_add_test(tc, test_check_tensor_rejects_nan_and_inf);
    tcase_add_test(tc, test_gradcheck_rejects_nan_and_inf);
    tcase_add_test(tc, test_skip_prints_one_line_and_returns);
    tcase_add_test(tc, test_parse_numbers);
    tcase_add_exit_test(tc, test_parse_long_rejects_garbage, 2);
    tcase_add_exit_test(tc, test_parse_long_rejects_out_of_range, 2);
    tcase_add_test(tc, test_atomic_write_replaces_file);
    tcase_add_exit_test(tc, test_open_missing_file_dies, 1);
    tcase_add_test(tc, test_loaders_reject_a_directory);
    tcase_add_exit_test(tc, test_read_file_of_a_directory_dies, 1);
    tcase_add_exit_test(tc, test_xfopen_of_a_directory_dies, 1);
    tcase_add_exit_test(tc, test_atomic_open_of_a_directory_dies, 1);
    suite_add_tcase(s, tc);
    TCase *tr = tcase_create("runner");   /* two runs of a shell script: more than the default 4 s on a busy machine */
    tcase_set_timeout(tr, 30);
    tcase_add_test(tr, test_runner_counts_skips_apart);
    suite_add_tcase(s, tr);
    return s;
}

TEST_MAIN(core_suite)
