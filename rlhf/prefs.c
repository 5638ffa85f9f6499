/*
 * prefs.c -- the preference file: read, checked line by line, and written.
 * See prefs.h.
 */
#include "rlhf/prefs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rlhf/labeller.h"
#include "util.h"

/* NULL when rank[0..k) is a permutation of 1..k, else what is wrong with it. */
static const char *ranks_problem(const int *rank, int k, char *buf, size_t n) {
    int seen[LABELLER_MAX_K + 1] = {0};
    for (int i = 0; i < k; i++) {
        if (rank[i] < 1 || rank[i] > k) {
            snprintf(buf, n, "rank %d of response %d is out of range 1..%d", rank[i], i + 1, k);
            return buf;
        }
        if (seen[rank[i]]++) {
            snprintf(buf, n, "rank %d is given twice", rank[i]);
            return buf;
        }
    }
    return NULL;
}

static int has_tab_or_newline(const char *s) { return strpbrk(s, "\t\r\n") != NULL; }

void prefs_add(PrefSet *s, const char *prompt, const char *const *responses, const int *rank, int k) {
    char why[96];
    if (k < 2 || k > LABELLER_MAX_K) die("prefs: a ranking has 2 to %d responses, not %d", LABELLER_MAX_K, k);
    if (ranks_problem(rank, k, why, sizeof why)) die("prefs: %s", why);
    if (has_tab_or_newline(prompt)) die("prefs: a prompt holds a tab or a newline");
    for (int i = 0; i < k; i++)
        if (has_tab_or_newline(responses[i])) die("prefs: response %d holds a tab or a newline", i + 1);
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->r = xrealloc(s->r, (size_t)s->cap * sizeof *s->r);
    }
    PrefRanking *r = &s->r[s->n++];
    r->prompt = xstrdup(prompt);
    r->k = k;
    r->responses = xmalloc((size_t)k * sizeof *r->responses);
    r->rank = xmalloc((size_t)k * sizeof *r->rank);
    for (int i = 0; i < k; i++) r->responses[i] = xstrdup(responses[i]);
    memcpy(r->rank, rank, (size_t)k * sizeof *rank);
}

void prefs_free(PrefSet *s) {
    for (int i = 0; i < s->n; i++) {
        PrefRanking *r = &s->r[i];
        for (int j = 0; j < r->k; j++) free(r->responses[j]);
        free(r->responses);
        free(r->rank);
        free(r->prompt);
    }
    free(s->r);
    memset(s, 0, sizeof *s);
}

/* "2,1,3" into rank; the count, or -1 (with err) on anything but integers. */
static int parse_ranks(const char *text, int *rank, const char *where, char *err, size_t errlen) {
    int k = 0;
    for (const char *p = text;; p++) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || (*end && *end != ',') || *p == ' ' || *p == '+')
            return err_set(err, errlen, "%s: the ranks '%s' must be comma-separated integers", where, text);
        if (k == LABELLER_MAX_K)
            return err_set(err, errlen, "%s: more than %d ranks in '%s'", where, LABELLER_MAX_K, text);
        rank[k++] = v < -1000 ? -1000 : v > 1000 ? 1000 : (int)v;
        if (!*end) return k;
        p = end;
    }
}

/* One line into s: 0, or -1 with err. */
static int read_line(PrefSet *s, char *line, const char *where, char *err, size_t errlen) {
    int n = 1;
    for (const char *p = line; (p = strchr(p, '\t')); p++) n++;
    int k = n - 2;
    if (k < 2 || k > LABELLER_MAX_K)
        return err_set(err, errlen, "%s: expected a prompt, the ranks and 2 to %d responses, tab-separated; found %d field%s",
                       where, LABELLER_MAX_K, n, n == 1 ? "" : "s");
    char *field[2 + LABELLER_MAX_K];
    for (int i = 0; i < n; i++) {
        field[i] = line;
        line = strchr(line, '\t');
        if (line) *line++ = '\0';
    }
    if (!field[0][0]) return err_set(err, errlen, "%s: the prompt is empty", where);
    int rank[LABELLER_MAX_K];
    int n_ranks = parse_ranks(field[1], rank, where, err, errlen);
    if (n_ranks < 0) return -1;
    if (n_ranks != k)
        return err_set(err, errlen, "%s: %d ranks for %d responses", where, n_ranks, k);
    char why[96];
    if (ranks_problem(rank, k, why, sizeof why)) return err_set(err, errlen, "%s: %s", where, why);
    prefs_add(s, field[0], (const char *const *)field + 2, rank, k);
    return 0;
}

typedef struct {
    PrefSet *s;
    const char *path;
} PrefReader;

static int read_pref_line(void *ctx, char *line, int lineno, char *err, size_t errlen) {
    PrefReader *r = ctx;
    char where[1100];
    snprintf(where, sizeof where, "%s:%d", r->path, lineno);
    return read_line(r->s, line, where, err, errlen);
}

int prefs_read(const char *path, PrefSet *s, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    int rc = file_each_line(path, "a preference file", read_pref_line, &(PrefReader){s, path}, err, errlen);
    if (rc != 0) prefs_free(s);
    return rc;
}

void prefs_write(const PrefSet *s, const char *path) {
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    fprintf(f, "# prompt<TAB>ranks (1 = best)<TAB>response 1<TAB>...<TAB>response K\n");
    for (int i = 0; i < s->n; i++) {
        const PrefRanking *r = &s->r[i];
        fprintf(f, "%s\t", r->prompt);
        for (int j = 0; j < r->k; j++) fprintf(f, "%s%d", j ? "," : "", r->rank[j]);
        for (int j = 0; j < r->k; j++) fprintf(f, "\t%s", r->responses[j]);
        fputc('\n', f);
    }
    atomic_commit(f, tmp, path);
}
