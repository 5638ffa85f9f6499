/* vectors.c -- word vector files in the original word2vec formats. See vectors.h. */
#include "vectors.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vectors.c reads and writes float32 in the host's order, which must be little-endian"
#endif

/* ---------------------------------------------------------------- the table */

int vectors_find(const Vectors *v, const char *word) {
    int e = strmap_find(&v->index, word, strlen(word));
    return e < 0 ? -1 : v->row_of[e];
}

static void build_index(Vectors *v) {
    strmap_init(&v->index);
    v->row_of = xmalloc((size_t)v->V * sizeof(int));
    for (int i = 0; i < v->V; i++) {
        int added, e = strmap_intern(&v->index, v->words[i], strlen(v->words[i]), &added);
        if (added) v->row_of[e] = i;   /* a repeated word keeps its first row */
    }
}

/* V rows, words not yet set */
static Vectors *vectors_alloc(int V, int D) {
    Vectors *v = xcalloc(1, sizeof(Vectors));
    v->V = V;
    v->D = D;
    v->words = xcalloc((size_t)V, sizeof(char *));
    v->vecs = xcalloc((size_t)V * D, sizeof(float));
    return v;
}

Vectors *vectors_new(int V, int D, const char *const *words) {
    Vectors *v = vectors_alloc(V, D);
    for (int i = 0; i < V; i++) v->words[i] = xstrdup(words[i]);
    build_index(v);
    return v;
}

void vectors_free(Vectors *v) {
    if (!v) return;
    for (int i = 0; i < v->V; i++) free(v->words[i]);
    free(v->words);
    free(v->vecs);
    strmap_free(&v->index);
    free(v->row_of);
    free(v);
}

void vectors_normalize(Vectors *v) {
    for (int i = 0; i < v->V; i++) {
        float *x = v->vecs + (size_t)i * v->D;
        double ss = 0.0;
        for (int j = 0; j < v->D; j++) ss += (double)x[j] * x[j];
        if (ss == 0.0) continue;
        float inv = (float)(1.0 / sqrt(ss));
        for (int j = 0; j < v->D; j++) x[j] *= inv;
    }
}

/* ---------------------------------------------------------------- writing */

void vectors_save(const Vectors *v, const char *path, int binary) {
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    fprintf(f, "%d %d\n", v->V, v->D);
    for (int i = 0; i < v->V; i++) {
        const float *x = v->vecs + (size_t)i * v->D;
        fprintf(f, "%s ", v->words[i]);
        if (binary) xfwrite(x, sizeof(float), (size_t)v->D, f, path);
        else for (int j = 0; j < v->D; j++) fprintf(f, "%lf ", x[j]);
        fprintf(f, "\n");
    }
    atomic_commit(f, tmp, path);
}

/* ---------------------------------------------------------------- reading */

typedef struct {
    const char *path;
    const char *buf;   /* NUL-terminated */
    size_t len, pos;
    char *err;
    size_t errlen;
} Reader;

static int fail(Reader *r, const char *fmt, ...) {
    int n = snprintf(r->err, r->errlen, "'%s': ", r->path);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < r->errlen) vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static void skip_blank(Reader *r) {
    while (r->pos < r->len && (r->buf[r->pos] == ' ' || r->buf[r->pos] == '\n' || r->buf[r->pos] == '\r' ||
                               r->buf[r->pos] == '\t'))
        r->pos++;
}

/* The word of vector i: bytes up to the next space. */
static int read_word(Reader *r, int i, int V, char *word) {
    skip_blank(r);
    size_t start = r->pos;
    while (r->pos < r->len && r->buf[r->pos] != ' ' && r->buf[r->pos] != '\t' && r->buf[r->pos] != '\n')
        r->pos++;
    size_t n = r->pos - start;
    if (n == 0 || r->pos >= r->len)
        return fail(r, "truncated: the header promises %d vectors but the file ends in vector %d", V, i + 1);
    if (n >= VECTORS_MAX_WORD)
        return fail(r, "word of vector %d is %zu bytes long, more than the limit of %d", i + 1, n, VECTORS_MAX_WORD - 1);
    if (r->buf[r->pos] == '\n')
        return fail(r, "vector %d ('%.*s') has no values on its line", i + 1, (int)n, r->buf + start);
    memcpy(word, r->buf + start, n);
    word[n] = '\0';
    r->pos++;   /* the space */
    return 0;
}

static int read_binary_values(Reader *r, int i, int V, int D, float *x) {
    size_t need = (size_t)D * sizeof(float);
    if (r->len - r->pos < need)
        return fail(r, "truncated: the header promises %d vectors of %d floats but the file ends in vector %d",
                    V, D, i + 1);
    memcpy(x, r->buf + r->pos, need);
    r->pos += need;
    for (int j = 0; j < D; j++)
        if (!isfinite(x[j])) return fail(r, "vector %d has a non-finite value (NaN or inf)", i + 1);
    return 0;
}

static int read_text_values(Reader *r, int i, int V, int D, float *x) {
    for (int j = 0; j < D; j++) {
        while (r->pos < r->len && (r->buf[r->pos] == ' ' || r->buf[r->pos] == '\t')) r->pos++;
        if (r->pos >= r->len)
            return fail(r, "truncated: the header promises %d vectors but the file ends in vector %d", V, i + 1);
        if (r->buf[r->pos] == '\n' || r->buf[r->pos] == '\r')
            return fail(r, "vector %d has %d values, the header says %d", i + 1, j, D);
        char *end;
        errno = 0;
        double val = strtod(r->buf + r->pos, &end);
        if (end == r->buf + r->pos || (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r' && *end != '\0'))
            return fail(r, "vector %d, value %d is not a number", i + 1, j + 1);
        if (!isfinite(val) || fabs(val) > 3.4e38)
            return fail(r, "vector %d has a non-finite value (NaN or inf)", i + 1);
        x[j] = (float)val;
        r->pos = (size_t)(end - r->buf);
    }
    while (r->pos < r->len && (r->buf[r->pos] == ' ' || r->buf[r->pos] == '\t' || r->buf[r->pos] == '\r')) r->pos++;
    if (r->pos < r->len && r->buf[r->pos] != '\n')
        return fail(r, "vector %d has more than the %d values the header says", i + 1, D);
    return 0;
}

/* A text file has only number characters between the first word's space and
 * the end of its line (or its first 4D bytes); a binary one rarely does. */
static int looks_like_text(const Reader *r, int D) {
    size_t p = r->pos;
    while (p < r->len && (r->buf[p] == '\n' || r->buf[p] == ' ')) p++;
    while (p < r->len && r->buf[p] != ' ' && r->buf[p] != '\n') p++;
    p++;
    size_t end = p + (size_t)D * 4 < r->len ? p + (size_t)D * 4 : r->len;
    for (; p < end && r->buf[p] != '\n'; p++)
        if (r->buf[p] == '\0' || !strchr("0123456789+-.eEinfaINFA \t\r", r->buf[p])) return 0;
    return 1;
}

static int parse(Reader *r, int format, Vectors **out) {
    char *end;
    long V = strtol(r->buf, &end, 10);
    char *end2 = end;
    long D = end > r->buf ? strtol(end, &end2, 10) : 0;
    if (end == r->buf || end2 == end || (*end2 != '\n' && *end2 != '\r' && *end2 != ' '))
        return fail(r, "the first line must be the header 'V D' (words, dimensions)");
    if (D <= 0) return fail(r, "the header says dimension %ld: it must be at least 1", D);
    if (V <= 0) return fail(r, "the header says %ld words: it must be at least 1", V);
    if (V > (1L << 30) || D > 100000) return fail(r, "the header 'V D' = '%ld %ld' is out of range", V, D);
    const char *nl = strchr(end2, '\n');
    r->pos = nl ? (size_t)(nl - r->buf) + 1 : r->len;

    int binary = format == VEC_AUTO ? !looks_like_text(r, (int)D) : format == VEC_BINARY;
    /* before allocating what the header asks for, check the file could hold it */
    double least = (double)V * (binary ? (double)D * 4 + 2 : (double)D * 2 + 2);
    if ((double)(r->len - r->pos) < least)
        return fail(r, "truncated: the header promises %ld vectors of dimension %ld (at least %.0f bytes), "
                       "the file has %zu bytes after it", V, D, least, r->len - r->pos);

    Vectors *v = vectors_alloc((int)V, (int)D);
    char word[VECTORS_MAX_WORD];
    for (int i = 0; i < v->V; i++) {
        float *x = v->vecs + (size_t)i * v->D;
        if (read_word(r, i, v->V, word) ||
            (binary ? read_binary_values(r, i, v->V, v->D, x) : read_text_values(r, i, v->V, v->D, x))) {
            vectors_free(v);
            return -1;
        }
        v->words[i] = xstrdup(word);
    }
    skip_blank(r);
    if (r->pos < r->len) {
        vectors_free(v);
        return fail(r, "the header says %ld vectors but the file has more data after them", V);
    }
    build_index(v);
    *out = v;
    return 0;
}

int vectors_read(const char *path, int format, Vectors **out, char *err, size_t errlen) {
    *out = NULL;
    FILE *f = fopen_file(path, "rb", err, errlen);
    if (!f) return -1;
    size_t cap = 1 << 16, len = 0, got;
    char *buf = xmalloc(cap);
    while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap) buf = xrealloc(buf, cap *= 2);
    }
    int bad = ferror(f);
    fclose(f);
    buf[len] = '\0';
    Reader r = {path, buf, len, 0, err, errlen};
    int rc = bad ? fail(&r, "read error") : len == 0 ? fail(&r, "empty file, expected the header 'V D'") : parse(&r, format, out);
    free(buf);
    return rc;
}

Vectors *vectors_load(const char *path, int format) {
    char err[512];
    Vectors *v;
    if (vectors_read(path, format, &v, err, sizeof err) != 0) die("%s", err);
    return v;
}
