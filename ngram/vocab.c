/*
 * vocab.c -- the vocabulary: word strings <-> dense ids.
 *
 * An open-addressing hash table of ids over one packed string arena, so a
 * vocabulary of a million words costs a handful of allocations, not a million.
 * Ids 0, 1, 2 are always <unk>, <s>, </s> (see ngram.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngram.h"
#include "util.h"

/* FNV-1a: short strings, good enough spread for linear probing. */
static uint64_t hash_string(const char *s, size_t len) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

static int word_equals(const char *w, const char *s, size_t len) {
    return strncmp(w, s, len) == 0 && w[len] == '\0';
}

void vocab_init(Vocab *v) {
    memset(v, 0, sizeof *v);
    v->cap = 1024;
    v->word = xmalloc(v->cap * sizeof *v->word);
    v->freq = xcalloc(v->cap, sizeof *v->freq);
    v->nslot = 2048;
    v->slot = xcalloc(v->nslot, sizeof *v->slot);
    v->arena_cap = 1 << 16;
    v->arena = xmalloc(v->arena_cap);
    vocab_add(v, "<unk>", 5);
    vocab_add(v, "<s>", 3);
    vocab_add(v, "</s>", 4);
}

void vocab_free(Vocab *v) {
    free(v->word);
    free(v->freq);
    free(v->slot);
    free(v->arena);
    memset(v, 0, sizeof *v);
}

/* Linear probing: the slot holding the word, or the empty slot where it would go. */
static size_t find_slot(const Vocab *v, const char *s, size_t len) {
    size_t mask = v->nslot - 1;
    size_t i = hash_string(s, len) & mask;
    while (v->slot[i] && !word_equals(v->word[v->slot[i] - 1], s, len)) i = (i + 1) & mask;
    return i;
}

long vocab_find(const Vocab *v, const char *s, size_t len) {
    uint32_t id1 = v->slot[find_slot(v, s, len)];
    return id1 ? (long)id1 - 1 : -1;
}

/* Double the slot array when half full; ids and strings stay where they are. */
static void grow_slots(Vocab *v) {
    free(v->slot);
    v->nslot *= 2;
    v->slot = xcalloc(v->nslot, sizeof *v->slot);
    for (size_t id = 0; id < v->size; id++) {
        const char *w = v->word[id];
        v->slot[find_slot(v, w, strlen(w))] = (uint32_t)id + 1;
    }
}

uint32_t vocab_add(Vocab *v, const char *s, size_t len) {
    size_t i = find_slot(v, s, len);
    if (v->slot[i]) return v->slot[i] - 1;
    if (v->size >= UINT32_MAX - 1) die("vocabulary too large");
    if (v->size == v->cap) {
        v->cap *= 2;
        v->word = xrealloc(v->word, v->cap * sizeof *v->word);
        v->freq = xrealloc(v->freq, v->cap * sizeof *v->freq);
        memset(v->freq + v->size, 0, (v->cap - v->size) * sizeof *v->freq);
    }
    if (v->arena_len + len + 1 > v->arena_cap) {
        /* the arena moves: re-point every word */
        char *old = v->arena;
        while (v->arena_len + len + 1 > v->arena_cap) v->arena_cap *= 2;
        v->arena = xrealloc(v->arena, v->arena_cap);
        for (size_t k = 0; k < v->size; k++) v->word[k] = v->arena + (v->word[k] - old);
    }
    char *dst = v->arena + v->arena_len;
    memcpy(dst, s, len);
    dst[len] = '\0';
    v->arena_len += len + 1;
    uint32_t id = (uint32_t)v->size++;
    v->word[id] = dst;
    v->slot[i] = id + 1;
    if (2 * v->size > v->nslot) grow_slots(v);
    return id;
}

void byte_token(char out[8], unsigned char b) {
    if (b > 0x20 && b < 0x7f && b != '<') snprintf(out, 8, "%c", b);
    else snprintf(out, 8, "<0x%02X>", b);
}
