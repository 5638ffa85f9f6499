/*
 * strmap.h -- a hash map from byte strings to dense entry numbers 0, 1, 2, ...
 *
 * The one string table of the toolkit: vocabularies (text.h), word vectors
 * (vectors.h), word2vec's vocabulary and the BPE tokenizer's caches all map a
 * token's bytes to a number and keep their per-entry data in arrays indexed
 * by that number.
 *
 *     StrMap m; strmap_init(&m);
 *     int e = strmap_intern(&m, "cat", 3, &added);   // 0 the first time, added = 1
 *     strmap_find(&m, "cat", 3);                     // 0
 *     strmap_key(&m, e, &len);                       // "cat" (not NUL-terminated)
 *     strmap_free(&m);
 *
 * Keys are copied into one arena, so they may contain any byte, NUL included.
 * FNV-1a hashing (util.h's hash_bytes), open addressing with linear probing,
 * the slot table doubled when half full.
 */
#ifndef NLP_STRMAP_H
#define NLP_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *arena;            /* every key, back to back */
    size_t arena_len, arena_cap;
    size_t *key_off;        /* (n) where entry i's key starts in arena */
    uint32_t *key_len;      /* (n) its length */
    int n, cap;             /* entries, allocated entries */
    int *slots;             /* (nslots) an entry number, or -1 when empty */
    size_t nslots;          /* a power of two */
} StrMap;

void strmap_init(StrMap *m);
void strmap_free(StrMap *m);
void strmap_clear(StrMap *m);      /* forget every entry, keep the memory */
/* entry number of key s[0..len), or -1 */
int strmap_find(const StrMap *m, const char *s, size_t len);
/* entry number of the key, adding it if absent (then *added = 1, else 0; added may be NULL) */
int strmap_intern(StrMap *m, const char *s, size_t len, int *added);
/* the bytes of entry e (not NUL-terminated); *len gets their count */
const char *strmap_key(const StrMap *m, int e, size_t *len);

#endif
