/*
 * binary.c -- our own model file: the query tables, used in place.
 *
 * An ARPA file is text: loading it means parsing millions of numbers and
 * hashing every n-gram. This file holds the query tables (query.c) exactly
 * as scoring reads them, so loading is open, mmap and a check of the header;
 * the pages a text's n-grams fall on are read from disk when first touched,
 * and no others. Layout (host byte order; the byte-order mark tells another
 * machine's file from a corrupt one), every array 8-byte aligned:
 *
 *     0    "NGRAMBIN"  u32 version (3)  u32 byte-order mark 0x01020304
 *     16   u32 order N  u32 char_level  u32 estimator + 1  u32 0
 *     32   u64 vocabulary size V   u64 arena bytes A
 *     48   u64 len[16]     the model's n-grams of order n = 1..16 (0 above N)
 *     176  u64 nslot[16]   order n's table slots (0 for n = 1 and above N)
 *     304  arena: the V words, NUL-terminated, in id order (the common
 *          vocabulary's, <pad> included), zero-padded to a multiple of 8
 *          NgramUnigram uni[V]             (log10 p, log10 backoff) by word id
 *          NgramSlot slots[nslot[n]]       for n = 2..N
 *          "NGRAMEND"
 *
 * The sizes in the header must add up to the file's size exactly, so a
 * truncated or padded file is refused before a table is touched, with a
 * message, never a crash. Written atomically like every model file. Older
 * versions (the tables in insertion order, rebuilt at load) are refused: retrain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "ngram/ngram.h"
#include "util.h"

static const char MAGIC[8] = { 'N', 'G', 'R', 'A', 'M', 'B', 'I', 'N' };
static const char END[8] = { 'N', 'G', 'R', 'A', 'M', 'E', 'N', 'D' };
#define BINARY_VERSION 3u
#define BYTE_ORDER_MARK 0x01020304u

typedef struct {
    char magic[8];
    uint32_t version, bom;
    uint32_t order, char_level, est, zero;
    uint64_t vsize, arena;
    uint64_t len[NGRAM_MAX_ORDER];     /* [n - 1] */
    uint64_t nslot[NGRAM_MAX_ORDER];   /* [n - 1] */
} Header;

static uint64_t pad8(uint64_t x) { return (x + 7) & ~(uint64_t)7; }

int ngram_binary_is_model(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char m[8];
    int yes = fread(m, 1, 8, f) == 8 && memcmp(m, MAGIC, 8) == 0;
    fclose(f);
    return yes;
}

static void write_query(const NgramLm *lm, const NgramQuery *q, const char *path) {
    Header h = { .version = BINARY_VERSION, .bom = BYTE_ORDER_MARK, .order = (uint32_t)lm->order,
                 .char_level = (uint32_t)lm->char_level, .est = (uint32_t)lm->est + 1, .vsize = q->V };
    memcpy(h.magic, MAGIC, 8);
    for (uint32_t id = 0; id < q->V; id++) h.arena += strlen(lm->vocab->tokens[id]) + 1;
    h.len[0] = q->V;
    for (int n = 2; n <= lm->order; n++) {
        h.len[n - 1] = q->tab[n].len;
        h.nslot[n - 1] = q->tab[n].nslot;
    }
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    static const char zeros[8];
    xfwrite(&h, sizeof h, 1, f, tmp);
    for (uint32_t id = 0; id < q->V; id++)
        xfwrite(lm->vocab->tokens[id], 1, strlen(lm->vocab->tokens[id]) + 1, f, tmp);
    if (pad8(h.arena) > h.arena) xfwrite(zeros, 1, (size_t)(pad8(h.arena) - h.arena), f, tmp);
    xfwrite(q->uni, sizeof *q->uni, q->V, f, tmp);
    for (int n = 2; n <= lm->order; n++) xfwrite(q->tab[n].slot, sizeof(NgramSlot), (size_t)q->tab[n].nslot, f, tmp);
    xfwrite(END, 1, 8, f, tmp);
    atomic_commit(f, tmp, path);
}

void ngram_binary_write(const NgramLm *lm, const char *path) {
    if (!lm->has_arpa) die("internal: model has no ARPA tables");
    if (lm->q.uni) { write_query(lm, &lm->q, path); return; }
    NgramQuery q;   /* a model trained only to be written has no query tables yet */
    ngram_query_from_tables(lm, &q);
    write_query(lm, &q, path);
    ngram_query_free(&q);
}

/* The file's size as the header's sizes add it up, or 0 if they are out of range. */
static uint64_t size_from_header(const Header *h) {
    uint64_t total = sizeof *h, limit = (uint64_t)1 << 48;   /* far above any real model, far below overflow */
    if (h->arena > limit || h->vsize > limit) return 0;
    total += pad8(h->arena) + h->vsize * sizeof(NgramUnigram);
    for (uint32_t n = 2; n <= h->order; n++) {
        if (h->nslot[n - 1] > limit || h->nslot[n - 1] <= h->len[n - 1]) return 0;   /* a table needs an empty slot */
        total += h->nslot[n - 1] * sizeof(NgramSlot);
    }
    return total + 8;
}

static const char *check_header(const Header *h, uint64_t file_size) {
    if (memcmp(h->magic, MAGIC, 8) != 0) return "not an ngram binary model (bad magic)";
    if (h->bom != BYTE_ORDER_MARK) return "written on a machine of the other byte order (or corrupt)";
    if (h->version != BINARY_VERSION) return "unsupported version (retrain the model)";
    if (h->order < 1 || h->order > NGRAM_MAX_ORDER) return "bad order";
    if (h->vsize < VOCAB_NSPECIAL || h->vsize >= INT32_MAX || h->len[0] != h->vsize) return "bad vocabulary size";
    uint64_t want = size_from_header(h);
    if (want == 0) return "bad table sizes";
    if (want != file_size) return file_size < want ? "truncated (shorter than its header says)"
                                                   : "longer than its header says (corrupt)";
    return NULL;
}

/* The vocabulary from the arena: V words, each non-empty and new. */
static const char *read_vocab(NgramLm *lm, const char *arena, uint64_t alen, uint64_t V) {
    lm->vocab = vocab_new(VOCAB_WORD);
    uint64_t at = 0;
    for (uint64_t id = 0; id < V; id++) {
        const char *w = arena + at, *nul = at < alen ? memchr(w, '\0', (size_t)(alen - at)) : NULL;
        if (!nul) return "vocabulary shorter than its size";
        size_t len = (size_t)(nul - w);
        if (len == 0) return "empty word in the vocabulary";
        if (vocab_add(lm->vocab, w, len, 0) != (int)id) return "duplicate or misplaced word";
        at += len + 1;
    }
    return at == alen ? NULL : "vocabulary longer than its size";
}

int ngram_binary_read(NgramLm *lm, const char *path, char *err, size_t errlen) {
    memset(lm, 0, sizeof *lm);
    FILE *f = fopen_file(path, "rb", err, errlen);
    if (!f) return -1;
    struct stat st;
    const char *why = NULL;
    if (fstat(fileno(f), &st) != 0 || (uint64_t)st.st_size < sizeof(Header)) why = "truncated header";
    /* MAP_POPULATE: the page tables filled in one call rather than one fault per
     * page touched (scoring PTB test touches nearly all of them); huge pages where
     * the kernel offers them for files, fewer TLB misses for the probes (KenLM does both). */
    void *map = why ? MAP_FAILED : mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED | MAP_POPULATE, fileno(f), 0);
    if (map != MAP_FAILED) madvise(map, (size_t)st.st_size, MADV_HUGEPAGE);
    fclose(f);   /* the mapping keeps the file */
    if (!why && map == MAP_FAILED) why = "cannot map the file";
    if (why) { snprintf(err, errlen, "%s: %s", path, why); return -1; }
    const Header *h = map;
    const char *base = map;
    lm->q.map = map;
    lm->q.map_len = (size_t)st.st_size;
    if ((why = check_header(h, (uint64_t)st.st_size))) goto fail;
    if (memcmp(base + st.st_size - 8, END, 8) != 0) { why = "corrupt (no end marker)"; goto fail; }
    if ((why = read_vocab(lm, base + sizeof *h, h->arena, h->vsize))) goto fail;
    lm->order = (int)h->order;
    lm->char_level = (int)h->char_level;
    lm->est_known = h->est >= 1 && h->est <= 5;
    lm->est = lm->est_known ? (NgramEstimator)(h->est - 1) : NGRAM_EST_MKN;
    NgramQuery *q = &lm->q;
    q->order = lm->order;
    q->V = (uint32_t)h->vsize;
    const char *at = base + sizeof *h + pad8(h->arena);
    q->uni = (NgramUnigram *)at;
    at += h->vsize * sizeof(NgramUnigram);
    for (int n = 2; n <= lm->order; n++) {
        q->tab[n] = (NgramProbe){ .nslot = h->nslot[n - 1], .len = h->len[n - 1], .slot = (NgramSlot *)at };
        at += h->nslot[n - 1] * sizeof(NgramSlot);
    }
    lm->has_arpa = 1;
    return 0;
fail:
    snprintf(err, errlen, "%s: %s", path, why);
    ngram_free(lm);
    return -1;
}
