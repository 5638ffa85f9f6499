/*
 * sort.c -- n-gram records sorted in bounded memory: sorted runs on disk, merged.
 *
 * A record is `width` uint32 fields: an n-gram's n word ids first, then what
 * one step of the bounded build carries with it (a count, a probability, ...).
 * An NgramSorter takes records in any order into a buffer of fixed size; when
 * the buffer is full it is sorted and written to the spill folder as a run.
 * NgramMerge reads the runs back as one sorted stream, each run through a
 * small read buffer, so the memory is the buffer's whatever the records'
 * number. This is the sort of KenLM lmplz's pipeline, which has a sorted
 * stream between every two steps, and the classic external merge sort.
 *
 * The orders (ngram.h, NgramSortKey) are lmplz's:
 *   context  by w1, w2, .. wn: the n-grams of one history w1..w(n-1) are adjacent
 *   suffix   by wn, w(n-1), .. w1: the n-grams that extend one (n-1)-gram to the
 *            left are adjacent, and their suffixes w2..wn come in the
 *            (n-1)-grams' own suffix order, so two orders can be walked together
 *   stamp    by a 64-bit number in the record (where the n-gram was first seen)
 *
 * A counting sorter (count_at >= 0) treats records with the same words as one
 * n-gram: their counts add up and the smaller stamp stays, in the buffer when
 * it fills (so a run holds each n-gram once) and again across runs when merging.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ngram/ngram.h"
#include "util.h"

#define MERGE_FANIN 64            /* runs merged at once: each holds a FILE and its buffer */
#define RUN_BUFFER (64 << 10)     /* bytes of read buffer per run */

/* ------------------------------------------------------------------ the spill folder */

static char spill_dir[4096];      /* "" = none; removed with its files at exit, error or not */
static unsigned long spill_files; /* names handed out: run.0, run.1, ... */
static unsigned long spilled;     /* sorted runs written since the folder was made */

static void remove_spill_dir(void) {
    if (!spill_dir[0]) return;
    DIR *d = opendir(spill_dir);
    if (d) {
        struct dirent *e;
        char path[sizeof spill_dir + 300];
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.') continue;
            snprintf(path, sizeof path, "%s/%s", spill_dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(spill_dir);
    spill_dir[0] = '\0';
}

void ngram_spill_begin(const char *parent) {
    if (spill_dir[0]) die("internal: the spill folder is already open");
    snprintf(spill_dir, sizeof spill_dir, "%s/ngram-spill.XXXXXX", parent);
    if (!mkdtemp(spill_dir)) {
        int err = errno;
        spill_dir[0] = '\0';
        die("cannot make a spill folder in '%s': %s (set TMPDIR to a writable folder)", parent, strerror(err));
    }
    spilled = 0;
    static int registered;
    if (!registered) atexit(remove_spill_dir);   /* die() exits: the runs go with it */
    registered = 1;
}

/* The buffer of the sorter that finished last, kept for the next sorter:
 * a fresh buffer's pages must be faulted in and zeroed by the kernel, which
 * for a large budget cost as much as the sorting. At most one is kept. */
static uint32_t *spare;
static size_t spare_bytes;

static uint32_t *take_buffer(size_t bytes) {
    if (spare && spare_bytes >= bytes) {
        uint32_t *b = spare;
        spare = NULL;
        return b;
    }
    free(spare);   /* too small: gone before the larger one comes */
    spare = NULL;
    return xmalloc(bytes);
}

static void give_back_buffer(uint32_t *b, size_t bytes) {
    if (spare && spare_bytes >= bytes) { free(b); return; }
    free(spare);
    spare = b;
    spare_bytes = bytes;
}

void ngram_spill_end(void) {
    free(spare);
    spare = NULL;
    remove_spill_dir();
}

unsigned long ngram_spill_runs(void) { return spilled; }

/* A fresh file name in the spill folder. */
void ngram_spill_name(char *out, size_t cap) {
    if (!spill_dir[0]) die("internal: no spill folder");
    snprintf(out, cap, "%s/run.%lu", spill_dir, spill_files++);
}

FILE *ngram_spill_open(const char *path, const char *mode) {
    FILE *f = fopen(path, mode);
    if (!f) die("cannot open the spill file '%s': %s", path, strerror(errno));
    return f;
}

void ngram_spill_write(FILE *f, const uint32_t *rec, size_t nfields) {
    if (fwrite_unlocked(rec, sizeof *rec, nfields, f) != nfields)   /* one writer per file */ die("cannot write a spill file: %s", strerror(errno));
}

void ngram_spill_close(FILE *f) {
    if (ferror(f) || fclose(f) != 0) die("cannot write a spill file (disk full?)");
}

/* ------------------------------------------------------------------ comparing */

static uint64_t stamp_of(const uint32_t *r, int at) { return (uint64_t)r[at] | (uint64_t)r[at + 1] << 32; }

/* The key fields of each order, most significant first: a stamp is compared
 * as its high half, then its low half. */
static void set_key(NgramSorter *s) {
    switch (s->key) {
    case NGRAM_SORT_CONTEXT: s->nkey = s->n; for (int i = 0; i < s->n; i++) s->keyat[i] = i; break;
    case NGRAM_SORT_SUFFIX: s->nkey = s->n; for (int i = 0; i < s->n; i++) s->keyat[i] = s->n - 1 - i; break;
    case NGRAM_SORT_STAMP: s->nkey = 2; s->keyat[0] = s->stamp_at + 1; s->keyat[1] = s->stamp_at; break;
    }
}

/* <0, 0, >0 as record a comes before, with, after b in the sorter's order,
 * deciding from key field `from` on (the fields before it are known equal). */
static inline int compare_from(const NgramSorter *s, int from, const uint32_t *a, const uint32_t *b) {
    for (int i = from; i < s->nkey; i++) {
        uint32_t x = a[s->keyat[i]], y = b[s->keyat[i]];
        if (x != y) return x < y ? -1 : 1;
    }
    return 0;
}

static int compare(const NgramSorter *s, const uint32_t *a, const uint32_t *b) { return compare_from(s, 0, a, b); }

static void swap_records(uint32_t *a, uint32_t *b, int width) {
    for (int i = 0; i < width; i++) { uint32_t t = a[i]; a[i] = b[i]; b[i] = t; }
}

/* Quicksort in place (no scratch buffer: the buffer is the memory budget),
 * partitioned three ways so that the many equal keys of a counting buffer
 * ("<s> the" again and again) cost one pass; the smaller side recurses. */
static void quicksort_records(const NgramSorter *s, int from, uint32_t *r, size_t len) {
    int w = s->width;
    while (len > 16) {
        swap_records(r, r + (len / 2) * w, w);   /* the middle record as the pivot: sorted input stays fast */
        size_t lt = 0, i = 1, gt = len;          /* [0,lt) < pivot, [lt,i) == pivot, [gt,len) > pivot */
        while (i < gt) {
            int c = compare_from(s, from, r + i * w, r + lt * w);
            if (c < 0) { swap_records(r + i * w, r + lt * w, w); lt++; i++; }
            else if (c > 0) { gt--; swap_records(r + i * w, r + gt * w, w); }
            else i++;
        }
        if (lt < len - gt) { quicksort_records(s, from, r, lt); r += gt * w; len -= gt; }
        else { quicksort_records(s, from, r + gt * w, len - gt); len = lt; }
    }
    for (size_t i = 1; i < len; i++)   /* insertion sort of the short rest */
        for (size_t j = i; j > 0 && compare_from(s, from, r + (j - 1) * w, r + j * w) > 0; j--)
            swap_records(r + (j - 1) * w, r + j * w, w);
}

#define RADIX_BUCKETS (1 << 16)
#define RADIX_MIN 4096            /* shorter ranges are left to the quicksort */

/* Sort records [0, len) whose key fields before `from` are all equal: an
 * in-place MSD radix pass on the first key field that varies (the top 16
 * bits of its range: the word w1 or wn, or a stamp), each record moved once
 * straight into its bucket ("American flag sort", McIlroy, Bostic & McIlroy
 * 1993), then each bucket the same way on the next field, or by quicksort
 * once it is short. A quicksort alone spent most of its comparisons telling
 * apart first words, which one sweep settles. */
static void sort_records(const NgramSorter *s, int from, uint32_t *r, size_t len) {
    int w = s->width, k = from;
    uint32_t lo = 0, hi = 0;
    for (; k < s->nkey && len > 1; k++) {   /* the first key field that varies, and its range */
        lo = hi = r[s->keyat[k]];
        for (size_t i = 1; i < len; i++) {
            uint32_t x = r[i * w + s->keyat[k]];
            if (x < lo) lo = x;
            if (x > hi) hi = x;
        }
        if (lo != hi) break;
    }
    if (k == s->nkey || len <= 1) return;   /* all equal */
    if (len < RADIX_MIN) { quicksort_records(s, k, r, len); return; }
    int shift = 0, at = s->keyat[k];
    while (((uint64_t)(hi - lo) >> shift) >= RADIX_BUCKETS) shift++;
    size_t nb = (size_t)((hi - lo) >> shift) + 1;
    size_t *next = xcalloc(2 * nb, sizeof *next), *end = next + nb;   /* bucket b is [next[b], end[b]) */
    for (size_t i = 0; i < len; i++) end[(r[i * w + at] - lo) >> shift]++;
    size_t sum = 0;
    for (size_t b = 0; b < nb; b++) { next[b] = sum; sum += end[b]; end[b] = sum; }
    for (size_t b = 0; b < nb; b++)
        while (next[b] < end[b]) {   /* the record at next[b] goes to its bucket's next free place */
            uint32_t *x = r + next[b] * w;
            size_t d = (x[at] - lo) >> shift;
            if (d == b) next[b]++;
            else swap_records(x, r + next[d]++ * w, w);
        }
    size_t start = 0;   /* a bucket of one value of the field (shift 0) is decided by the next fields */
    for (size_t b = 0; b < nb; b++) {
        sort_records(s, shift == 0 ? k + 1 : k, r + start * w, end[b] - start);
        start = end[b];
    }
    free(next);
}

/* A counting record b joins a, the same n-gram: counts add, the first stamp stays. */
static void combine(const NgramSorter *s, uint32_t *a, const uint32_t *b) {
    uint64_t c = (uint64_t)a[s->count_at] + b[s->count_at];
    if (c > UINT32_MAX) die("an n-gram is counted more than %u times", UINT32_MAX);
    a[s->count_at] = (uint32_t)c;
    if (stamp_of(b, s->stamp_at) < stamp_of(a, s->stamp_at)) {
        a[s->stamp_at] = b[s->stamp_at];
        a[s->stamp_at + 1] = b[s->stamp_at + 1];
    }
}

/* Sort the buffer and, for a counting sorter, fold equal n-grams together. */
static void sort_buffer(NgramSorter *s) {
    sort_records(s, 0, s->buf, s->len);
    if (s->count_at < 0 || s->len == 0) return;
    int w = s->width;
    size_t out = 0;
    for (size_t i = 1; i < s->len; i++) {
        if (compare(s, s->buf + out * w, s->buf + i * w) == 0) combine(s, s->buf + out * w, s->buf + i * w);
        else if (++out != i) memcpy(s->buf + out * w, s->buf + i * w, (size_t)w * sizeof *s->buf);
    }
    s->len = out + 1;
}

/* ------------------------------------------------------------------ the sorter */

void ngram_sorter_init(NgramSorter *s, int n, int width, NgramSortKey key, int stamp_at, int count_at, size_t bytes) {
    memset(s, 0, sizeof *s);
    s->n = n;
    s->width = width;
    s->key = key;
    s->stamp_at = stamp_at;
    s->count_at = count_at;
    set_key(s);
    s->cap = bytes / ((size_t)width * sizeof *s->buf);
    if (s->cap < 64) s->cap = 64;    /* a budget that small still works, in many runs */
    s->buf = take_buffer(s->cap * (size_t)width * sizeof *s->buf);
}

static void add_run(NgramSorter *s, const char *path) {
    s->runs = xrealloc(s->runs, (size_t)(s->nruns + 1) * sizeof *s->runs);
    s->runs[s->nruns++] = xstrdup(path);
}

/* The buffer, sorted, becomes a run on disk. */
static void spill(NgramSorter *s) {
    sort_buffer(s);
    char path[4200];
    ngram_spill_name(path, sizeof path);
    FILE *f = ngram_spill_open(path, "wb");
    ngram_spill_write(f, s->buf, s->len * (size_t)s->width);
    ngram_spill_close(f);
    add_run(s, path);
    s->len = 0;
    spilled++;
}

uint32_t *ngram_sorter_add(NgramSorter *s) {
    if (s->len == s->cap) {
        if (s->count_at >= 0) sort_buffer(s);   /* folding repeats may free most of it */
        if (2 * s->len > s->cap || s->count_at < 0) spill(s);
    }
    return s->buf + s->len++ * (size_t)s->width;
}

/* Merge runs [first, first+k) into one new run, replacing them. */
static void merge_some(NgramSorter *s, int first, int k) {
    NgramSorter part = *s;
    part.runs = s->runs + first;
    part.nruns = k;
    NgramMerge m;
    ngram_merge_open(&m, &part);
    char path[4200];
    ngram_spill_name(path, sizeof path);
    FILE *f = ngram_spill_open(path, "wb");
    const uint32_t *r;
    while ((r = ngram_merge_next(&m)) != NULL) ngram_spill_write(f, r, (size_t)s->width);
    ngram_spill_close(f);
    ngram_merge_close(&m);
    for (int i = first; i < first + k; i++) { unlink(s->runs[i]); free(s->runs[i]); }
    memmove(s->runs + first + 1, s->runs + first + k, (size_t)(s->nruns - first - k) * sizeof *s->runs);
    s->runs[first] = xstrdup(path);
    s->nruns -= k - 1;
}

void ngram_sorter_finish(NgramSorter *s) {
    if (s->len || s->nruns == 0) spill(s);
    give_back_buffer(s->buf, s->cap * (size_t)s->width * sizeof *s->buf);
    s->buf = NULL;
    s->cap = 0;
    while (s->nruns > MERGE_FANIN) merge_some(s, 0, MERGE_FANIN);   /* few enough files to open at once */
}

void ngram_sorter_free(NgramSorter *s) {
    for (int i = 0; i < s->nruns; i++) { unlink(s->runs[i]); free(s->runs[i]); }
    free(s->runs);
    free(s->buf);
    memset(s, 0, sizeof *s);
}

FILE *ngram_sorter_presorted(NgramSorter *s, int n, int width, NgramSortKey key) {
    memset(s, 0, sizeof *s);
    s->n = n;
    s->width = width;
    s->key = key;
    s->count_at = -1;
    set_key(s);
    char path[4200];
    ngram_spill_name(path, sizeof path);
    add_run(s, path);
    return ngram_spill_open(path, "wb");
}

/* ------------------------------------------------------------------ merging */

/* Load run i's next record into its head; 0 at its end. */
static int advance(NgramMerge *m, int i) {
    size_t w = (size_t)m->s.width;
    size_t got = fread_unlocked(m->head + i * w, sizeof *m->head, w, m->f[i]);   /* one reader per file */
    if (got == w) return 1;
    if (got != 0 || ferror(m->f[i])) die("a spill file is truncated or unreadable");
    return 0;
}

void ngram_merge_open(NgramMerge *m, const NgramSorter *s) {
    memset(m, 0, sizeof *m);
    m->s = *s;
    m->s.buf = NULL;
    int k = s->nruns;
    m->f = xcalloc((size_t)k, sizeof *m->f);
    m->live = xcalloc((size_t)k, sizeof *m->live);
    m->head = xmalloc((size_t)k * (size_t)s->width * sizeof *m->head);
    m->out = xmalloc((size_t)s->width * sizeof *m->out);
    for (int i = 0; i < k; i++) {
        m->f[i] = ngram_spill_open(s->runs[i], "rb");
        setvbuf(m->f[i], NULL, _IOFBF, RUN_BUFFER);
        m->live[i] = advance(m, i);
    }
}

/* The live run whose head comes first, or -1. A linear scan: there are at
 * most MERGE_FANIN runs, and the comparison usually stops at the first word. */
static int first_head(const NgramMerge *m) {
    int best = -1;
    size_t w = (size_t)m->s.width;
    for (int i = 0; i < m->s.nruns; i++)
        if (m->live[i] && (best < 0 || compare(&m->s, m->head + i * w, m->head + best * w) < 0)) best = i;
    return best;
}

const uint32_t *ngram_merge_next(NgramMerge *m) {
    size_t w = (size_t)m->s.width;
    int i = first_head(m);
    if (i < 0) return NULL;
    memcpy(m->out, m->head + i * w, w * sizeof *m->out);
    m->live[i] = advance(m, i);
    if (m->s.count_at >= 0) {   /* the same n-gram from other runs joins it */
        while ((i = first_head(m)) >= 0 && compare(&m->s, m->head + i * w, m->out) == 0) {
            combine(&m->s, m->out, m->head + i * w);
            m->live[i] = advance(m, i);
        }
    }
    return m->out;
}

void ngram_merge_close(NgramMerge *m) {
    for (int i = 0; i < m->s.nruns; i++) if (m->f[i]) fclose(m->f[i]);
    free(m->f); free(m->live); free(m->head); free(m->out);
    memset(m, 0, sizeof *m);
}
