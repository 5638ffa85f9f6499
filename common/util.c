/* util.c -- errors, checked allocation and file I/O. See util.h. */
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dist.h"

static const char *prog_name = "nlp";

void util_set_prog(const char *name) { prog_name = name; }
const char *util_prog(void) { return prog_name; }

static void vreport(const char *kind, const char *fmt, va_list ap) {
    fflush(stdout);
    fprintf(stderr, "%s: %s: ", prog_name, kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vreport("error", fmt, ap);
    va_end(ap);
    dist_exit(1);   /* under MPI: every rank, not only this one */
}

void usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vreport("error", fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try '%s --help'.\n", prog_name);
    dist_exit(2);
}

void warn(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vreport("warning", fmt, ap);
    va_end(ap);
}

int err_set(char *err, size_t errlen, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

void *malloc_check(size_t size, const char *file, int line) {
    void *p = malloc(size ? size : 1);
    if (!p)
        die("out of memory allocating %zu bytes (%s:%d)\n"
            "HINT: try a smaller model, batch or corpus", size, file, line);
    return p;
}

void *calloc_check(size_t n, size_t size, const char *file, int line) {
    if (size && n > SIZE_MAX / size)
        die("allocation of %zu x %zu bytes overflows (%s:%d)", n, size, file, line);
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        die("out of memory allocating %zu x %zu bytes (%s:%d)\n"
            "HINT: try a smaller model, batch or corpus", n, size, file, line);
    return p;
}

void *realloc_check(void *p, size_t size, const char *file, int line) {
    void *q = realloc(p, size ? size : 1);
    if (!q)
        die("out of memory growing a buffer to %zu bytes (%s:%d)", size, file, line);
    return q;
}

char *strdup_check(const char *s, const char *file, int line) {
    size_t n = strlen(s) + 1;
    char *d = malloc_check(n, file, line);
    memcpy(d, s, n);
    return d;
}

int path_is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void path_join(char *buf, size_t n, const char *dir, const char *file) {
    if (snprintf(buf, n, "%s/%s", dir, file) >= (int)n) die("path too long: '%s/%s'", dir, file);
}

/* Did fopen give (or refuse, for writing) a directory? Closes f if so. */
static int opened_dir(FILE *f) {
    if (!f) return errno == EISDIR;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISDIR(st.st_mode)) return 0;
    fclose(f);
    return 1;
}

FILE *fopen_file(const char *path, const char *mode, char *err, size_t errlen) {
    FILE *f = fopen(path, mode);
    int e = errno;
    if (opened_dir(f)) {
        snprintf(err, errlen, "'%s' is a directory, expected a file", path);
        return NULL;
    }
    if (!f) snprintf(err, errlen, "cannot open '%s': %s", path, strerror(e));
    return f;
}

FILE *fopen_check(const char *path, const char *mode, const char *file, int line) {
    FILE *f = fopen(path, mode);
    if (opened_dir(f)) die("'%s' is a directory, expected a file", path);
    if (!f)
        die("cannot open '%s' (mode %s): %s (%s:%d)\n"
            "HINT: check the path; datasets come from 'make data' or $NLP_DATA_DIR",
            path, mode, strerror(errno), file, line);
    return f;
}

void fread_check(void *dst, size_t size, size_t n, FILE *f, const char *path,
                 const char *file, int line) {
    size_t got = fread(dst, size, n, f);
    if (got != n) {
        if (ferror(f))
            die("read error in '%s': %s (%s:%d)", path, strerror(errno), file, line);
        die("'%s' is truncated: expected %zu items of %zu bytes, got %zu (%s:%d)\n"
            "HINT: the file may be incomplete or from another program",
            path, n, size, got, file, line);
    }
}

void fwrite_check(const void *src, size_t size, size_t n, FILE *f, const char *path,
                  const char *file, int line) {
    if (fwrite(src, size, n, f) != n)
        die("write error in '%s': %s (%s:%d)", path, strerror(errno), file, line);
}

void fclose_check(FILE *f, const char *path, const char *file, int line) {
    if (fclose(f) != 0)
        die("cannot close '%s': %s (%s:%d)", path, strerror(errno), file, line);
}

int file_read(const char *path, char **buf, size_t *len, char *err, size_t errlen) {
    FILE *f = fopen_file(path, "rb", err, errlen);
    if (!f) return -1;
    size_t cap = 1 << 16, n = 0;
    char *s = xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) s = xrealloc(s, cap *= 2);
        size_t got = fread(s + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f), e = errno;
    fclose(f);
    if (bad) {
        free(s);
        snprintf(err, errlen, "cannot read '%s': %s", path, strerror(e));
        return -1;
    }
    s[n] = '\0';
    *buf = s;
    if (len) *len = n;
    return 0;
}

int file_each_line(const char *path, const char *what, LineFn fn, void *ctx, char *err, size_t errlen) {
    char *text;
    size_t len;
    if (file_read(path, &text, &len, err, errlen) != 0) return -1;
    if (strlen(text) != len) {
        free(text);
        return err_set(err, errlen, "%s: holds a NUL byte; %s is text", path, what);
    }
    int lineno = 0, rc = 0;
    for (char *line = text, *next; line && rc == 0; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r') line[--n] = '\0';
        if (n == 0 || line[0] == '#') continue;
        rc = fn(ctx, line, lineno, err, errlen);
    }
    free(text);
    return rc;
}

char *read_file(const char *path, size_t *len) {
    char err[1024], *buf;
    if (file_read(path, &buf, len, err, sizeof err) != 0)
        die("%s\nHINT: check the path; datasets come from 'make data' or $NLP_DATA_DIR", err);
    return buf;
}

/* A save killed before its rename leaves "<path>.tmp.<pid>" behind. Remove
 * those of this path whose process no longer exists (kill(pid, 0) fails with
 * ESRCH); a running process's file is a save in progress and stays. */
static void remove_stale_temps(const char *path) {
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t base_len = strlen(base);
    char dir[PATH_MAX];
    if (!slash) strcpy(dir, ".");
    else if (slash == path) strcpy(dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    DIR *d = opendir(dir);
    if (!d) return;   /* atomic_open's fopen reports the real problem */
    for (struct dirent *e; (e = readdir(d)) != NULL; ) {
        const char *name = e->d_name;
        if (strncmp(name, base, base_len) != 0 || strncmp(name + base_len, ".tmp.", 5) != 0) continue;
        const char *digits = name + base_len + 5;
        char *end;
        errno = 0;
        long pid = strtol(digits, &end, 10);
        if (!isdigit((unsigned char)*digits) || *end != '\0' || errno || pid <= 0 || pid > INT_MAX) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        char stale[PATH_MAX];
        if (snprintf(stale, sizeof stale, "%s/%s", dir, name) < (int)sizeof stale && unlink(stale) == 0)
            warn("removed '%s', left by an interrupted save (process %ld is gone)", stale, pid);
    }
    closedir(d);
}

FILE *atomic_open(const char *path, char **tmp_path) {
    if (path_is_dir(path)) die("'%s' is a directory, expected a file", path);
    remove_stale_temps(path);
    size_t n = strlen(path) + 32;
    char *tmp = xmalloc(n);
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) die("cannot create '%s': %s", tmp, strerror(errno));
    *tmp_path = tmp;
    return f;
}

void atomic_commit(FILE *f, char *tmp_path, const char *path) {
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        int e = errno;
        fclose(f);
        unlink(tmp_path);
        die("cannot write '%s': %s", path, strerror(e));
    }
    if (fclose(f) != 0) {
        unlink(tmp_path);
        die("cannot close '%s': %s", tmp_path, strerror(errno));
    }
    if (rename(tmp_path, path) != 0) {
        int e = errno;
        unlink(tmp_path);
        die("cannot rename '%s' to '%s': %s", tmp_path, path, strerror(e));
    }
    free(tmp_path);
}

long parse_long(const char *s, const char *opt, long lo, long hi) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0')
        usage_error("option %s expects an integer, got '%s'", opt, s);
    if (v < lo || v > hi)
        usage_error("option %s must be in [%ld, %ld], got %ld", opt, lo, hi, v);
    return v;
}

double parse_double(const char *s, const char *opt, double lo, double hi) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end != '\0' || isnan(v))
        usage_error("option %s expects a number, got '%s'", opt, s);
    if (v < lo || v > hi)
        usage_error("option %s must be in [%g, %g], got %g", opt, lo, hi, v);
    return v;
}

void make_dirs(const char *path) {
    char buf[PATH_MAX];
    if (strlen(path) >= sizeof buf) die("path too long: '%s'", path);
    strcpy(buf, path);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                die("cannot create directory '%s': %s", buf, strerror(errno));
            *p = saved;
            if (saved == '\0') break;
        }
    }
}

uint64_t hash_bytes(const char *s, size_t len) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double median_high(double *x, int n) {
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    return x[n / 2];
}

int path_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

static int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int data_path(char *buf, size_t n, const char *rel) {
    snprintf(buf, n, "data/cache/%s", rel);
    if (file_exists(buf)) return 1;
    const char *env = getenv("NLP_DATA_DIR");
    if (env && *env) {
        snprintf(buf, n, "%s/%s", env, rel);
        if (file_exists(buf)) return 1;
    }
    snprintf(buf, n, "data/cache/%s", rel);
    return 0;
}

void data_path_or_die(char *buf, size_t n, const char *rel) {
    if (!data_path(buf, n, rel))
        die("'%s' is missing (run `make data`, or set NLP_DATA_DIR to the datasets' folder)", buf);
}
