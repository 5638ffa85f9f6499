/*
 * util.h -- errors, checked allocation and checked file I/O.
 *
 * Every stage sets its name once (util_set_prog("ngram")) so that errors read
 *     ngram: error: cannot open 'x.arpa': No such file or directory
 * and the process exits with status 1 (bad input) -- never a crash.
 * usage_error() exits with status 2 (bad command line), as DESIGN.md asks.
 *
 * The x-prefixed wrappers (xmalloc, xfopen, xfread, ...) die with the caller's
 * file and line and a hint, in the style of llm.c's mallocCheck/freadCheck, so
 * a learner who feeds a wrong file sees what went wrong and where.
 *
 * Library code that must report a recoverable failure (a loader that a test
 * feeds a corrupted file) returns an error code and fills a message instead;
 * see checkpoint.h.
 */
#ifndef NLP_UTIL_H
#define NLP_UTIL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

void util_set_prog(const char *name);   /* "ngram", "gpt", ...: prefix of every message */
const char *util_prog(void);

/* print "PROG: error: <message>\n" to stderr and exit(1) */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* print "PROG: error: <message>\n" to stderr and exit(2): bad usage */
void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* print "PROG: warning: <message>\n" to stderr and carry on */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For loaders that report instead of dying: format the message into the
 * caller's err[errlen] (nothing when err is NULL) and return -1, so a loader
 * can `return err_set(err, errlen, "'%s': truncated", path);`. */
int err_set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void *malloc_check(size_t size, const char *file, int line);
void *calloc_check(size_t n, size_t size, const char *file, int line);
void *realloc_check(void *p, size_t size, const char *file, int line);
char *strdup_check(const char *s, const char *file, int line);
FILE *fopen_check(const char *path, const char *mode, const char *file, int line);
void fread_check(void *dst, size_t size, size_t n, FILE *f, const char *path, const char *file, int line);
void fwrite_check(const void *src, size_t size, size_t n, FILE *f, const char *path, const char *file, int line);
void fclose_check(FILE *f, const char *path, const char *file, int line);

#define xmalloc(size)        malloc_check((size), __FILE__, __LINE__)
#define xcalloc(n, size)     calloc_check((n), (size), __FILE__, __LINE__)
#define xrealloc(p, size)    realloc_check((p), (size), __FILE__, __LINE__)
#define xstrdup(s)           strdup_check((s), __FILE__, __LINE__)
#define xfopen(path, mode)   fopen_check((path), (mode), __FILE__, __LINE__)
#define xfread(dst, size, n, f, path)  fread_check((dst), (size), (n), (f), (path), __FILE__, __LINE__)
#define xfwrite(src, size, n, f, path) fwrite_check((src), (size), (n), (f), (path), __FILE__, __LINE__)
#define xfclose(f, path)     fclose_check((f), (path), __FILE__, __LINE__)

/* Read a whole file into a NUL-terminated buffer (malloc'd); *len gets its size
 * in bytes (len may be NULL). The one whole-file reader: file_read returns 0, or
 * -1 with the reason in err; read_file dies with it. */
int file_read(const char *path, char **buf, size_t *len, char *err, size_t errlen);
char *read_file(const char *path, size_t *len);
/* The lines of a text file of records: fn(ctx, line, lineno, err, errlen) on
 * each line (numbered from 1, its '\r' and '\n' removed), skipping empty lines
 * and '#' comments, until fn returns non-zero. Returns 0, or -1 with err set:
 * unreadable, a NUL byte (what names the kind of file: "a fact file"), or
 * fn's own error. */
typedef int (*LineFn)(void *ctx, char *line, int lineno, char *err, size_t errlen);
int file_each_line(const char *path, const char *what, LineFn fn, void *ctx, char *err, size_t errlen);

/*
 * A directory where a file is expected: fopen(dir, "r") succeeds on Linux and
 * only the reads fail, later and strangely (ftell gives LONG_MAX, a parser
 * finds no header). xfopen/read_file die with "'PATH' is a directory,
 * expected a file", and loaders that report instead of dying open through
 * fopen_file, which returns NULL with that message, or "cannot open 'PATH':
 * REASON", in err.
 */
int path_exists(const char *path);   /* 1 when path names anything (a file, a folder) */
int path_is_dir(const char *path);   /* 1 when path names a directory */
/* buf <- "DIR/FILE"; dies when it does not fit in n bytes. */
void path_join(char *buf, size_t n, const char *dir, const char *file);
FILE *fopen_file(const char *path, const char *mode, char *err, size_t errlen);

/*
 * Atomic writes: write to "<path>.tmp.<pid>", fsync, then rename over path,
 * so a crash never leaves a half-written model or checkpoint behind. A path
 * that is a directory dies before anything is written. A save that was
 * killed leaves its "<path>.tmp.<pid>"; atomic_open removes those of the same
 * path whose process is gone (with a warning), never a running one's.
 *     FILE *f = atomic_open(path, &tmp);  ... xfwrite(...) ...  atomic_commit(f, tmp, path);
 */
FILE *atomic_open(const char *path, char **tmp_path);
void atomic_commit(FILE *f, char *tmp_path, const char *path);

/* Parse numeric option values strictly ("12x" and "" are errors): exit 2 with the option's name. */
long parse_long(const char *s, const char *opt, long lo, long hi);
double parse_double(const char *s, const char *opt, double lo, double hi);

/* mkdir -p; dies on failure */
void make_dirs(const char *path);

/* Wall-clock seconds from a monotonic clock. */
double now_seconds(void);
/* The median of x[0..n) (n >= 1), sorting x in place; of an even n the
 * higher middle one (Python's statistics.median_high), so that a benchmark
 * and its Python reference report the same statistic of their timed runs. */
double median_high(double *x, int n);

/* FNV-1a, 64-bit (Fowler, Noll, Vo) of s[0..len): the hash of every string
 * table in the toolkit; simple and good enough for short keys. */
uint64_t hash_bytes(const char *s, size_t len);

/*
 * Where a dataset file lives: buf gets "data/cache/<rel>" when that file
 * exists (`make data` put it there), else "$NLP_DATA_DIR/<rel>" when that
 * exists, else the cache path (so an error names where `make data` would put
 * it). Returns 1 when the file exists. Example: data_path(buf, sizeof buf,
 * "ptb/ptb.train.txt").
 */
int data_path(char *buf, size_t n, const char *rel);
/* data_path, or die with "'data/cache/<rel>' is missing (run `make data`, or
 * set NLP_DATA_DIR to the datasets' folder)" when the file is in neither place. */
void data_path_or_die(char *buf, size_t n, const char *rel);

#endif
