/* harness.c -- fixtures, tensor comparison and the suite runner. See harness.h. */
#include "harness.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint32_t read_u32(FILE *f, const char *path) {
    uint32_t v;
    ck_assert_msg(fread(&v, 4, 1, f) == 1, "fixture %s is truncated", path);
    return v;
}

Fixture *fixture_load(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "tests/fixtures/%s.bin", name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open fixture %s (run the tests from the repository root; "
                  "`make fixtures` regenerates it)", path);
    char magic[8];
    ck_assert_msg(fread(magic, 1, 8, f) == 8 && memcmp(magic, "NLPFIX01", 8) == 0,
                  "fixture %s has a wrong magic", path);
    Fixture *fx = calloc(1, sizeof *fx);
    fx->count = (int)read_u32(f, path);
    fx->t = calloc((size_t)fx->count, sizeof *fx->t);
    for (int i = 0; i < fx->count; i++) {
        FixtureTensor *t = &fx->t[i];
        uint32_t len = read_u32(f, path);
        ck_assert_msg(len < 256, "fixture %s: bad name length", path);
        t->name = calloc(len + 1, 1);
        ck_assert_msg(fread(t->name, 1, len, f) == len, "fixture %s is truncated", path);
        t->ndim = (int)read_u32(f, path);
        ck_assert_msg(t->ndim >= 0 && t->ndim <= 8, "fixture %s: bad ndim", path);
        t->size = 1;
        for (int d = 0; d < t->ndim; d++) {
            t->dims[d] = (int)read_u32(f, path);
            t->size *= (size_t)t->dims[d];
        }
        t->data = malloc(t->size * sizeof(float) + 1);
        ck_assert_msg(fread(t->data, sizeof(float), t->size, f) == t->size,
                      "fixture %s is truncated in tensor %s", path, t->name);
    }
    fclose(f);
    return fx;
}

float *fixture_get(const Fixture *fx, const char *name, size_t *size) {
    for (int i = 0; i < fx->count; i++)
        if (strcmp(fx->t[i].name, name) == 0) {
            if (size) *size = fx->t[i].size;
            return fx->t[i].data;
        }
    ck_abort_msg("fixture has no tensor '%s'", name);
    return NULL;
}

int fixture_int(const Fixture *fx, const char *name, size_t i) {
    size_t n;
    float *d = fixture_get(fx, name, &n);
    ck_assert_msg(i < n, "fixture tensor %s: index %zu out of range", name, i);
    return (int)lrintf(d[i]);
}

void fixture_free(Fixture *fx) {
    if (!fx) return;
    for (int i = 0; i < fx->count; i++) {
        free(fx->t[i].name);
        free(fx->t[i].data);
    }
    free(fx->t);
    free(fx);
}

int check_tensor(const char *label, const float *got, const float *want, size_t n, float tol) {
    /* A NaN or an Inf on either side fails outright: no running maximum can
     * hold a NaN (every comparison with it is false), and Inf - Inf is NaN. */
    for (size_t i = 0; i < n; i++)
        if (!isfinite(got[i]) || !isfinite(want[i])) {
            printf("TENSOR NOT OK  %-28s non-finite at [%zu]: got %.7g want %.7g\n", label, i, got[i], want[i]);
            return 0;
        }
    float maxdiff = 0.0f;
    size_t worst = 0;
    for (size_t i = 0; i < n; i++) {
        float d = fabsf(got[i] - want[i]);
        if (d > maxdiff) { maxdiff = d; worst = i; }
    }
    int ok = maxdiff <= tol;
    printf("TENSOR %s  %-28s maxdiff=%.3e (tol %.0e)", ok ? "OK    " : "NOT OK", label, maxdiff, tol);
    if (!ok) printf("  at [%zu]: got %.7g want %.7g", worst, got[worst], want[worst]);
    printf("\n");
    return ok;
}

void test_skipped(const char *func, const char *fmt, ...) {
    /* START_TEST(name) defines name_fn: print the test's own name */
    size_t n = strlen(func);
    if (n > 3 && strcmp(func + n - 3, "_fn") == 0) n -= 3;
    printf("SKIPPED: %.*s: ", (int)n, func);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

void write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    ck_assert(fwrite(data, 1, n, f) == n);
    fclose(f);
}

char *read_all(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    ck_assert(fread(buf, 1, (size_t)len, f) == (size_t)len);
    buf[len] = '\0';
    fclose(f);
    *n = (size_t)len;
    return buf;
}

char *replace_once(const char *s, const char *from, const char *to) {
    const char *at = strstr(s, from);
    ck_assert_msg(at != NULL, "'%s' not found", from);
    size_t a = (size_t)(at - s), n = strlen(s) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    memcpy(out, s, a);
    strcpy(out + a, to);
    strcat(out, at + strlen(from));
    return out;
}

const char *tmp_path(const char *stem) {
    static char buf[8][512];
    static int k = 0;
    static unsigned long run = 0;   /* the process's start time: a killed run's leftovers under a reused pid never collide */
    if (!run) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        run = ((unsigned long)ts.tv_sec * 1000000000ul + (unsigned long)ts.tv_nsec) | 1;
    }
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    char *p = buf[k % 8];
    snprintf(p, 512, "%s/nlp-test-%ld-%lx-%s.%d", dir, (long)getpid(), run, stem, k);
    k++;
    return p;
}

int run_suite(Suite *s) {
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

/* ------------------------------------------------- a stage's command line */

const char *bin_path(const char *stage) {
    static char path[600];
    const char *bin = getenv("BIN");
    snprintf(path, sizeof path, "%s/%s", bin && *bin ? bin : "bin", stage);
    return access(path, X_OK) == 0 ? path : NULL;
}

BinRun bin_run(const char *stage, const char *args, const char *in) {
    const char *exe = bin_path(stage);
    ck_assert_msg(exe != NULL, "%s is not built", stage);
    char out_path[512], err_path[512], cmd[8192];
    snprintf(out_path, sizeof out_path, "%s", tmp_path("stdout"));
    snprintf(err_path, sizeof err_path, "%s", tmp_path("stderr"));
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 %s %s < %s > %s 2> %s", exe, args, in ? in : "/dev/null",
             out_path, err_path);
    int st = system(cmd);
    size_t n;
    BinRun r = { WIFEXITED(st) ? WEXITSTATUS(st) : -1, read_all(out_path, &n), read_all(err_path, &n) };
    remove(out_path);
    remove(err_path);
    printf("%s %s\n  -> exit %d%s%s", stage, args, r.status, *r.err ? ": " : "\n", r.err);
    ck_assert_msg(r.status >= 0, "%s %s: killed by a signal", stage, args);
    ck_assert_msg(!strstr(r.err, "Sanitizer") && !strstr(r.err, "runtime error"), "%s %s:\n%s", stage, args,
                  r.err);
    return r;
}

void bin_run_free(BinRun *r) {
    free(r->out);
    free(r->err);
}

void bin_expect(const char *stage, const char *args, const char *in, int status, const char *const *has) {
    BinRun r = bin_run(stage, args, in);
    ck_assert_msg(r.status == status, "%s %s: exit %d, want %d:\n%s", stage, args, r.status, status, r.err);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s: error: ", stage);
    if (status != 0) ck_assert_msg(strstr(r.err, prefix) != NULL, "%s %s: %s", stage, args, r.err);
    for (const char *const *h = has; h && *h; h++)
        ck_assert_msg(strstr(r.err, *h) != NULL, "%s %s: stderr lacks \"%s\":\n%s", stage, args, *h, r.err);
    bin_run_free(&r);
}

char *bin_expect_ok(const char *stage, const char *args, const char *in) {
    BinRun r = bin_run(stage, args, in);
    ck_assert_msg(r.status == 0, "%s %s: exit %d, want 0:\n%s", stage, args, r.status, r.err);
    free(r.err);
    return r.out;
}

void expect_has(const char *text, const char *want, const char *what) {
    ck_assert_msg(strstr(text, want) != NULL, "%s lacks \"%s\":\n%s", what, want, text);
}

int count_lines(const char *s) {
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

static char scratch_root[512];

void scratch_begin(const char *stem) {
    snprintf(scratch_root, sizeof scratch_root, "%s", tmp_path(stem));
    ck_assert_int_eq(mkdir(scratch_root, 0777), 0);
}

void scratch_end(void) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch_root);
    ck_assert_int_eq(system(cmd), 0);
}

const char *scratch_at(const char *name) {
    static char buf[16][1024];
    static int k = 0;
    char *p = buf[k++ % 16];
    snprintf(p, sizeof buf[0], "%s/%s", scratch_root, name);
    return p;
}

const char *scratch_put(const char *name, const char *text) {
    const char *path = scratch_at(name);
    write_bytes(path, text, strlen(text));
    return path;
}

int scratch_exists(const char *name) {
    return access(scratch_at(name), F_OK) == 0;
}

void scratch_cut_in_half(const char *name) {
    struct stat st;
    ck_assert_int_eq(stat(scratch_at(name), &st), 0);
    ck_assert_int_eq(truncate(scratch_at(name), st.st_size / 2), 0);
}

void scratch_flip_a_bit(const char *name) {
    size_t n;
    char *data = read_all(scratch_at(name), &n);
    data[n / 2] ^= 0x04;
    write_bytes(scratch_at(name), data, n);
    free(data);
}
