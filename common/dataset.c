/* dataset.c -- labelled examples and their loaders. See dataset.h. */
#include "dataset.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static size_t encode_words(const void *ctx, const char *text, size_t len, int *out, size_t cap) {
    return vocab_encode(ctx, text, len, out, cap);
}

LsetEncoder lset_words(const Vocab *v) { return (LsetEncoder){ encode_words, v }; }

void lset_init(LabelledSet *s, int nfields) {
    if (nfields < 1) die("a labelled set needs at least one field (got %d)", nfields);
    memset(s, 0, sizeof *s);
    s->nfields = nfields;
}

void lset_truncate(LabelledSet *s, int n) {
    if (n < 0) die("lset_truncate: %d examples", n);
    if (n >= s->n) return;
    /* an owned set's ids are in example order: the first dropped one's start ends them */
    if (!s->is_view) s->nids = s->start[(size_t)n * s->nfields];
    s->n = n;
}

void lset_free(LabelledSet *s) {
    free(s->start);
    free(s->len);
    free(s->label);
    if (!s->is_view) free(s->ids);
    memset(s, 0, sizeof *s);
}

/* Room for one more example, and for extra more ids. */
static void reserve(LabelledSet *s, size_t extra) {
    if (s->n == s->cap) {
        s->cap = s->cap * 2 + 256;
        s->start = xrealloc(s->start, (size_t)s->cap * s->nfields * sizeof(size_t));
        s->len = xrealloc(s->len, (size_t)s->cap * s->nfields * sizeof(int));
        s->label = xrealloc(s->label, (size_t)s->cap * sizeof(int));
    }
    while (s->nids + extra > s->capids) {
        s->capids = s->capids * 2 + 4096;
        s->ids = xrealloc(s->ids, s->capids * sizeof(int));
    }
}

void lset_add(LabelledSet *s, int label, const int *const *seqs, const int *lens) {
    if (s->is_view) die("a view of a labelled set cannot grow");
    size_t total = 0;
    for (int f = 0; f < s->nfields; f++) total += (size_t)lens[f];
    reserve(s, total);
    for (int f = 0; f < s->nfields; f++) {
        size_t k = (size_t)s->n * s->nfields + f;
        s->start[k] = s->nids;
        s->len[k] = lens[f];
        memcpy(s->ids + s->nids, seqs[f], (size_t)lens[f] * sizeof(int));
        s->nids += (size_t)lens[f];
    }
    s->label[s->n++] = label;
}

int lset_add_text(LabelledSet *s, int label, const char *text, LsetEncoder enc, int maxlen) {
    if (s->nfields != 1) die("lset_add_text: the set has %d fields per example, not 1", s->nfields);
    if (maxlen < 0) die("the length limit must be >= 0 (0: none), got %d", maxlen);
    size_t len = strlen(text), n = enc.encode(enc.ctx, text, len, NULL, 0);
    if (n == 0) return 0;
    reserve(s, n);
    enc.encode(enc.ctx, text, len, s->ids + s->nids, n);
    if (maxlen && n > (size_t)maxlen) n = (size_t)maxlen;
    s->start[s->n] = s->nids;
    s->len[s->n] = (int)n;
    s->nids += n;
    s->label[s->n++] = label;
    return 1;
}

const int *lset_seq(const LabelledSet *s, int i, int f, int *len) {
    size_t k = (size_t)i * s->nfields + f;
    *len = s->len[k];
    return s->ids + s->start[k];
}

void lset_subset(LabelledSet *out, const LabelledSet *s, const int *fold, int k, int keep) {
    lset_init(out, s->nfields);
    size_t F = (size_t)s->nfields;
    for (int i = 0; i < s->n; i++) {
        if ((fold[i] == k) != keep) continue;
        reserve(out, 0);
        memcpy(out->start + out->n * F, s->start + i * F, F * sizeof(size_t));
        memcpy(out->len + out->n * F, s->len + i * F, F * sizeof(int));
        out->label[out->n++] = s->label[i];
    }
    free(out->ids);
    out->ids = s->ids;   /* shared: see is_view */
    out->nids = out->capids = s->nids;
    out->is_view = 1;
}

void lset_assign_folds(int *fold, int n, int k, Rng *r) {
    if (k < 1) die("folds: need at least one (got %d)", k);
    int *perm = xmalloc((size_t)(n > 0 ? n : 1) * sizeof(int));
    for (int i = 0; i < n; i++) perm[i] = i;
    rng_shuffle_int(r, perm, (size_t)n);
    for (int i = 0; i < n; i++) fold[perm[i]] = i % k;
    free(perm);
}

double lset_majority_accuracy(const LabelledSet *train, const LabelledSet *test, int nclasses) {
    int *count = xcalloc((size_t)nclasses, sizeof(int)), best = 0, hit = 0;
    for (int i = 0; i < train->n; i++) count[train->label[i]]++;
    for (int k = 1; k < nclasses; k++) if (count[k] > count[best]) best = k;
    for (int i = 0; i < test->n; i++) hit += test->label[i] == best;
    free(count);
    return (double)hit / (test->n ? test->n : 1);
}

void lset_check_classes(const LabelledSet *s, int nclasses, const char *what) {
    for (int i = 0; i < s->n; i++)
        if (s->label[i] < 0 || s->label[i] >= nclasses)
            die("%s: label %d outside 0..%d", what, s->label[i], nclasses - 1);
    int *count = xcalloc((size_t)nclasses, sizeof(int)), empty = -1;
    for (int i = 0; i < s->n; i++) count[s->label[i]]++;
    for (int k = nclasses - 1; k >= 0; k--)
        if (!count[k]) empty = k;
    free(count);
    if (empty >= 0) die("%s: class %d has no examples (%d examples, %d classes)", what, empty, s->n, nclasses);
}

int lset_parse_label(const char *line, int nclasses, const char **text) {
    char *end;
    long k = strtol(line, &end, 10);
    if (end == line || (*end != ' ' && *end != '\t' && *end != '\0') || k < 0 || k >= nclasses) return -1;
    *text = end;
    return (int)k;
}

void lset_load_labelled_file(LabelledSet *s, const char *path, int nclasses, LsetEncoder enc, int maxlen) {
    Lines *l = lines_load(path);
    for (size_t i = 0; i < l->n; i++) {
        const char *text;
        int k = lset_parse_label(l->line[i], nclasses, &text);
        if (k < 0) die("%s:%zu: a line must start with its label, an integer in 0..%d", path, i + 1, nclasses - 1);
        if (!lset_add_text(s, k, text, enc, maxlen)) die("%s:%zu: label %d but no text", path, i + 1, k);
    }
    lines_free(l);
    if (s->n == 0) die("'%s': no examples (expected lines 'LABEL text')", path);
}

void lset_load_bible(LabelledSet *s, const char *text_path, const char *labels_path, LsetEncoder enc,
                     int maxlen, int max) {
    Lines *text = lines_load(text_path), *labels = lines_load(labels_path);
    if (text->n != labels->n)
        die("'%s' has %zu lines but '%s' has %zu", text_path, text->n, labels_path, labels->n);
    size_t n = max > 0 && text->n > (size_t)max ? (size_t)max : text->n;
    for (size_t j = 0; j < n; j++) {
        size_t i = n < text->n ? j * text->n / n : j;   /* spread over the books */
        int k = bible_division(labels->line[i]);
        if (k < 0)
            die("%s:%zu: unknown division '%.*s'", labels_path, i + 1, (int)strcspn(labels->line[i], "\t"),
                labels->line[i]);
        lset_add_text(s, k, text->line[i], enc, maxlen);
    }
    lines_free(text);
    lines_free(labels);
}

void lset_load_polarity(LabelledSet *s, const char *pos_path, const char *neg_path, LsetEncoder enc, int maxlen) {
    Lines *pos = lines_load(pos_path), *neg = lines_load(neg_path);
    size_t most = pos->n > neg->n ? pos->n : neg->n;
    for (size_t i = 0; i < most; i++) {
        if (i < pos->n) lset_add_text(s, 1, pos->line[i], enc, maxlen);
        if (i < neg->n) lset_add_text(s, 0, neg->line[i], enc, maxlen);
    }
    lines_free(pos);
    lines_free(neg);
}
