/* strmap.c -- byte strings to dense entry numbers. See strmap.h. */
#include "strmap.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

void strmap_init(StrMap *m) {
    memset(m, 0, sizeof *m);
    m->nslots = 64;
    m->slots = xmalloc(m->nslots * sizeof(int));
    memset(m->slots, 0xff, m->nslots * sizeof(int));
}

void strmap_free(StrMap *m) {
    free(m->arena);
    free(m->key_off);
    free(m->key_len);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

void strmap_clear(StrMap *m) {
    m->n = 0;
    m->arena_len = 0;
    memset(m->slots, 0xff, m->nslots * sizeof(int));
}

static int key_equals(const StrMap *m, int e, const char *s, size_t len) {
    return m->key_len[e] == len && memcmp(m->arena + m->key_off[e], s, len) == 0;
}

/* the slot holding key s, or the empty slot where it would go */
static size_t strmap_slot(const StrMap *m, const char *s, size_t len) {
    size_t mask = m->nslots - 1, i = (size_t)hash_bytes(s, len) & mask;
    while (m->slots[i] >= 0 && !key_equals(m, m->slots[i], s, len)) i = (i + 1) & mask;
    return i;
}

int strmap_find(const StrMap *m, const char *s, size_t len) {
    return m->slots[strmap_slot(m, s, len)];
}

static void strmap_grow(StrMap *m) {
    free(m->slots);
    m->nslots *= 2;
    m->slots = xmalloc(m->nslots * sizeof(int));
    memset(m->slots, 0xff, m->nslots * sizeof(int));
    for (int e = 0; e < m->n; e++)
        m->slots[strmap_slot(m, m->arena + m->key_off[e], m->key_len[e])] = e;
}

int strmap_intern(StrMap *m, const char *s, size_t len, int *added) {
    size_t i = strmap_slot(m, s, len);
    if (m->slots[i] >= 0) {
        if (added) *added = 0;
        return m->slots[i];
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 64;
        m->key_off = xrealloc(m->key_off, (size_t)m->cap * sizeof(size_t));
        m->key_len = xrealloc(m->key_len, (size_t)m->cap * sizeof(uint32_t));
    }
    if (m->arena_len + len > m->arena_cap) {
        while (m->arena_len + len > m->arena_cap) m->arena_cap = m->arena_cap ? 2 * m->arena_cap : 4096;
        m->arena = xrealloc(m->arena, m->arena_cap);
    }
    int e = m->n++;
    memcpy(m->arena + m->arena_len, s, len);
    m->key_off[e] = m->arena_len;
    m->key_len[e] = (uint32_t)len;
    m->arena_len += len;
    m->slots[i] = e;
    if ((size_t)m->n * 2 > m->nslots) strmap_grow(m);
    if (added) *added = 1;
    return e;
}

const char *strmap_key(const StrMap *m, int e, size_t *len) {
    *len = m->key_len[e];
    return m->arena + m->key_off[e];
}
