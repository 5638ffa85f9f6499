/*
 * binary.c -- our own model file, for fast loading.
 *
 * An ARPA file is text: loading it means parsing millions of numbers and
 * hashing every word of every line. This format stores the tables as they sit
 * in memory, so loading is a few freads and one pass that rebuilds the hash
 * index. Layout (host byte order, checked by the magic):
 *
 *     "NGRAMBIN"  u32 version (2)  u32 order  u32 char_level  u32 estimator + 1
 *     u64 vocab size   u64 arena bytes   arena: the words, NUL-terminated, in id order
 *                                        (the common vocabulary's, <pad> included)
 *     for n = 1..order:
 *         u64 len   u32 words[len * n]   f32 logp[len]   f32 logbo[len] (n < order only)
 *     "NGRAMEND"
 *
 * Written atomically like every model file. A truncated or corrupted file is
 * an error with a message, never a crash. Version 1 files (before ngram used
 * common/text.h's vocabulary, which added <pad>) are refused: retrain them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngram/ngram.h"
#include "util.h"

static const char MAGIC[8] = { 'N', 'G', 'R', 'A', 'M', 'B', 'I', 'N' };
static const char END[8] = { 'N', 'G', 'R', 'A', 'M', 'E', 'N', 'D' };
#define BINARY_VERSION 2u

int ngram_binary_is_model(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char m[8];
    int yes = fread(m, 1, 8, f) == 8 && memcmp(m, MAGIC, 8) == 0;
    fclose(f);
    return yes;
}

void ngram_binary_write(const NgramLm *lm, const char *path) {
    if (!lm->has_arpa) die("internal: model has no ARPA tables");
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    uint32_t head[4] = { BINARY_VERSION, (uint32_t)lm->order, (uint32_t)lm->char_level, (uint32_t)lm->est + 1 };
    xfwrite(MAGIC, 1, 8, f, tmp);
    xfwrite(head, sizeof head, 1, f, tmp);
    uint64_t vsize = (uint64_t)lm->vocab->size, arena = 0;
    for (int id = 0; id < lm->vocab->size; id++) arena += strlen(lm->vocab->tokens[id]) + 1;
    xfwrite(&vsize, 8, 1, f, tmp);
    xfwrite(&arena, 8, 1, f, tmp);
    for (int id = 0; id < lm->vocab->size; id++)
        xfwrite(lm->vocab->tokens[id], 1, strlen(lm->vocab->tokens[id]) + 1, f, tmp);
    for (int n = 1; n <= lm->order; n++) {
        const NgramTable *t = &lm->tab[n];
        uint64_t len = t->len;
        xfwrite(&len, 8, 1, f, tmp);
        xfwrite(t->words, sizeof *t->words, t->len * (size_t)n, f, tmp);
        xfwrite(t->logp, sizeof *t->logp, t->len, f, tmp);
        if (n < lm->order) xfwrite(t->logbo, sizeof *t->logbo, t->len, f, tmp);
    }
    xfwrite(END, 1, 8, f, tmp);
    atomic_commit(f, tmp, path);
}

/* fread exactly n items or report the file as truncated. */
static int get(void *dst, size_t size, size_t n, FILE *f) {
    return n == 0 || fread(dst, size, n, f) == n ? 0 : -1;
}

int ngram_binary_read(NgramLm *lm, const char *path, char *err, size_t errlen) {
    memset(lm, 0, sizeof *lm);
    FILE *f = fopen_file(path, "rb", err, errlen);
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    uint64_t file_size = (uint64_t)ftell(f);   /* no table can claim more bytes than this */
    rewind(f);
    const char *why = NULL;
    char magic[8], *arena = NULL;
    uint32_t head[4];
    uint64_t vsize, alen;
    if (get(magic, 1, 8, f) || memcmp(magic, MAGIC, 8) != 0) { why = "not an ngram binary model (bad magic)"; goto fail; }
    if (get(head, sizeof head, 1, f) || get(&vsize, 8, 1, f) || get(&alen, 8, 1, f)) { why = "truncated header"; goto fail; }
    if (head[0] != BINARY_VERSION) { why = "unsupported version (retrain the model)"; goto fail; }
    if (head[1] < 1 || head[1] > NGRAM_MAX_ORDER) { why = "bad order"; goto fail; }
    if (vsize < VOCAB_NSPECIAL || vsize >= INT32_MAX || alen > file_size) { why = "bad vocabulary size"; goto fail; }
    lm->order = (int)head[1];
    lm->char_level = (int)head[2];
    lm->est = head[3] >= 1 && head[3] <= 5 ? (NgramEstimator)(head[3] - 1) : NGRAM_EST_MKN;
    lm->est_known = head[3] >= 1 && head[3] <= 5;
    lm->vocab = vocab_new(VOCAB_WORD);
    arena = xmalloc(alen + 1);
    if (get(arena, 1, alen, f)) { why = "truncated vocabulary"; goto fail; }
    arena[alen] = '\0';
    for (size_t id = 0, at = 0; id < vsize; id++) {
        if (at >= alen) { why = "vocabulary shorter than its size"; goto fail; }
        size_t len = strlen(arena + at);
        if (len == 0) { why = "empty word in the vocabulary"; goto fail; }
        if (vocab_add(lm->vocab, arena + at, len, 0) != (int)id) { why = "duplicate or misplaced word"; goto fail; }
        at += len + 1;
    }
    for (int n = 1; n <= lm->order; n++) {
        NgramTable *t = &lm->tab[n];
        uint64_t len;
        if (get(&len, 8, 1, f)) { why = "truncated tables"; goto fail; }
        uint64_t bytes = len * (4u * (uint64_t)n + (n < lm->order ? 8u : 4u));
        if (len > UINT32_MAX - 1 || (n == 1 && len != vsize) || bytes > file_size) { why = "bad table size"; goto fail; }
        ngram_table_init(t, n, (size_t)len, 0);   /* room for len entries */
        t->logp = xmalloc((t->cap + 1) * sizeof *t->logp);
        t->logbo = xcalloc(t->cap + 1, sizeof *t->logbo);
        if (get(t->words, sizeof *t->words, (size_t)len * n, f) || get(t->logp, sizeof *t->logp, (size_t)len, f) ||
            (n < lm->order && get(t->logbo, sizeof *t->logbo, (size_t)len, f))) {
            why = "truncated tables";
            goto fail;
        }
        for (size_t i = 0; i < (size_t)len * n; i++)
            if (t->words[i] >= vsize) { why = "word id out of range"; goto fail; }
        t->len = (size_t)len;
        ngram_table_index(t);
    }
    if (get(magic, 1, 8, f) || memcmp(magic, END, 8) != 0) { why = "truncated (no end marker)"; goto fail; }
    free(arena);
    fclose(f);
    lm->has_arpa = 1;
    return 0;
fail:
    snprintf(err, errlen, "%s: %s", path, why);
    free(arena);
    fclose(f);
    ngram_free(lm);
    return -1;
}
