/*
 * binary.c -- our own model file: the query tables, used in place.
 *
 * An ARPA file is text: loading it means parsing millions of numbers and
 * hashing every n-gram. This file holds the query tables (query.c) and the
 * words exactly as scoring reads them, so loading is open, mmap and a check
 * of the header; nothing is parsed, hashed or copied. Layout (host byte
 * order; the byte-order mark tells another machine's file from a corrupt
 * one), every array 8-byte aligned:
 *
 *     0    "NGRAMBIN"  u32 version (3)  u32 byte-order mark 0x01020304
 *     16   u32 order N  u32 char_level  u32 estimator + 1  u32 0
 *     32   u64 vocabulary size V   u64 arena bytes A
 *     48   u64 len[16]     the model's n-grams of order n = 1..16 (0 above N)
 *     176  u64 nslot[16]   order n's table slots (0 for n = 1 and above N)
 *     304  u64 W           word slots
 *     312  arena: the V words, NUL-terminated, in id order (the common
 *          vocabulary's, <pad> included)
 *          u32 word_at[V]                  each word's offset in the arena
 *          u32 word_slot[W]                id + 1 (0 = empty) at the home
 *                                          ngram_word_hash(word) * W / 2^64, linear probing
 *          NgramUnigram uni[V]             (log10 p, log10 backoff) by word id
 *          NgramSlot slots[nslot[n]]       for n = 2..N
 *          "NGRAMEND"
 *
 * The sizes in the header must add up to the file's size exactly, so a
 * truncated or padded file is refused before a table is touched, with a
 * message, never a crash; the word offsets are checked to fall inside the
 * arena (one pass over V integers), and a word slot naming no word is
 * treated as empty. Written atomically like every model file. Older
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
    uint64_t nwslot;
} Header;

static uint64_t pad8(uint64_t x) { return (x + 7) & ~(uint64_t)7; }

uint64_t ngram_word_hash(const char *s, size_t len) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t word_home(uint64_t h, uint64_t nwslot) { return (uint64_t)(((unsigned __int128)h * nwslot) >> 64); }

int ngram_binary_word_id(const NgramQuery *q, const char *s, size_t len) {
    uint64_t i = word_home(ngram_word_hash(s, len), q->nwslot);
    for (uint64_t tries = 0; tries < q->nwslot; tries++) {   /* bounded: a corrupt file may have no empty slot */
        uint32_t v = q->word_slot[i];
        if (!v) return -1;
        if (v <= q->V) {
            const char *w = q->arena + q->word_at[v - 1];   /* NUL-terminated inside the arena */
            if (strncmp(w, s, len) == 0 && w[len] == '\0') return (int)(v - 1);
        }
        if (++i == q->nwslot) i = 0;
    }
    return -1;
}

int ngram_binary_is_model(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char m[8];
    int yes = fread(m, 1, 8, f) == 8 && memcmp(m, MAGIC, 8) == 0;
    fclose(f);
    return yes;
}

/* The word index: offsets into the arena and the open-addressing slots. */
static void word_index(const NgramLm *lm, uint32_t V, uint32_t *word_at, uint32_t *word_slot, uint64_t nwslot) {
    uint64_t at = 0;
    for (uint32_t id = 0; id < V; id++) {
        const char *w = ngram_word(lm, id);
        word_at[id] = (uint32_t)at;
        at += strlen(w) + 1;
        uint64_t i = word_home(ngram_word_hash(w, strlen(w)), nwslot);
        while (word_slot[i]) if (++i == nwslot) i = 0;
        word_slot[i] = id + 1;
    }
}

void ngram_binary_write(const NgramLm *lm, const char *path) {
    if (!lm->has_arpa || !lm->q.uni) die("internal: model has no query tables");
    const NgramQuery *q = &lm->q;
    Header h = { .version = BINARY_VERSION, .bom = BYTE_ORDER_MARK, .order = (uint32_t)lm->order,
                 .char_level = (uint32_t)lm->char_level, .est = (uint32_t)lm->est + 1, .vsize = q->V,
                 .nwslot = ngram_probe_slots(q->V) };
    memcpy(h.magic, MAGIC, 8);
    for (uint32_t id = 0; id < q->V; id++) h.arena += strlen(ngram_word(lm, id)) + 1;
    if (h.arena > UINT32_MAX) die("%s: the vocabulary's words take more than 4 GB", path);
    h.len[0] = q->V;
    for (int n = 2; n <= lm->order; n++) {
        h.len[n - 1] = q->tab[n].len;
        h.nslot[n - 1] = q->tab[n].nslot;
    }
    uint32_t *word_at = xmalloc(q->V * sizeof *word_at), *word_slot = xcalloc(h.nwslot, sizeof *word_slot);
    word_index(lm, q->V, word_at, word_slot, h.nwslot);
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    static const char zeros[8];
    xfwrite(&h, sizeof h, 1, f, tmp);
    for (uint32_t id = 0; id < q->V; id++) xfwrite(ngram_word(lm, id), 1, strlen(ngram_word(lm, id)) + 1, f, tmp);
    xfwrite(zeros, 1, (size_t)(pad8(h.arena) - h.arena), f, tmp);
    xfwrite(word_at, sizeof *word_at, q->V, f, tmp);
    xfwrite(zeros, 1, (size_t)(pad8(4 * (uint64_t)q->V) - 4 * (uint64_t)q->V), f, tmp);
    xfwrite(word_slot, sizeof *word_slot, (size_t)h.nwslot, f, tmp);
    xfwrite(zeros, 1, (size_t)(pad8(4 * h.nwslot) - 4 * h.nwslot), f, tmp);
    xfwrite(q->uni, sizeof *q->uni, q->V, f, tmp);
    for (int n = 2; n <= lm->order; n++) xfwrite(q->tab[n].slot, sizeof(NgramSlot), (size_t)q->tab[n].nslot, f, tmp);
    xfwrite(END, 1, 8, f, tmp);
    atomic_commit(f, tmp, path);
    free(word_at);
    free(word_slot);
}

/* The file's size as the header's sizes add it up, or 0 if they are out of range. */
static uint64_t size_from_header(const Header *h) {
    uint64_t total = sizeof *h, limit = (uint64_t)1 << 48;   /* far above any real model, far below overflow */
    if (h->arena > UINT32_MAX || h->vsize > limit || h->nwslot > limit || h->nwslot <= h->vsize) return 0;
    total += pad8(h->arena) + pad8(4 * h->vsize) + pad8(4 * h->nwslot) + h->vsize * sizeof(NgramUnigram);
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

/* Every word offset inside the arena, which ends with a NUL: each word a C string within it. */
static const char *check_words(const char *arena, uint64_t alen, const uint32_t *word_at, uint64_t V) {
    if (alen == 0 || arena[alen - 1] != '\0') return "corrupt vocabulary (its last word is not terminated)";
    for (uint64_t id = 0; id < V; id++)
        if (word_at[id] >= alen) return "corrupt vocabulary (a word outside the arena)";
    return NULL;
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
    NgramQuery *q = &lm->q;
    const char *at = base + sizeof *h;
    q->arena = at;
    at += pad8(h->arena);
    q->word_at = (const uint32_t *)at;
    at += pad8(4 * h->vsize);
    q->word_slot = (const uint32_t *)at;
    q->nwslot = h->nwslot;
    at += pad8(4 * h->nwslot);
    if ((why = check_words(q->arena, h->arena, q->word_at, h->vsize))) goto fail;
    lm->order = (int)h->order;
    lm->char_level = (int)h->char_level;
    lm->est_known = h->est >= 1 && h->est <= 5;
    lm->est = lm->est_known ? (NgramEstimator)(h->est - 1) : NGRAM_EST_MKN;
    q->order = lm->order;
    q->V = (uint32_t)h->vsize;
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
