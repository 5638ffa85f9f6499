/*
 * query.c -- the tables scoring reads: KenLM's "probing" layout, our code.
 *
 * Unigrams sit in an array by word id. Each higher order is one
 * open-addressing table of (key, log10 p, log10 backoff) slots with linear
 * probing, sized to ngram_probe_slots(entries): at least 3/2 slots per entry,
 * a load factor of at most 2/3, where a look-up that misses scans ~5 slots
 * (Knuth's (1 + 1/(1-a)^2)/2), about one 64-byte cache line of 16-byte slots.
 * A binary file is these arrays as they are (binary.c), so a model loads by
 * mapping it. Keys and the walk that uses them: ngram.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ngram/ngram.h"
#include "util.h"

uint64_t ngram_key(const uint32_t *words, int n) {
    uint64_t key = ngram_key_start(words[n - 1]);
    for (int i = n - 2; i >= 0; i--) key = ngram_key_extend(key, words[i]);
    return ngram_key_fix(key);
}

uint64_t ngram_probe_slots(uint64_t entries) { return entries + entries / 2 + 1; }

static void probe_alloc(NgramProbe *p, uint64_t nslot) {
    p->nslot = nslot;
    p->slot = xcalloc((size_t)nslot, sizeof *p->slot);
}

/* The slot holding key, or the empty slot where it would go. */
static NgramSlot *probe_place(NgramProbe *p, uint64_t key) {
    uint64_t i = ngram_probe_home(p, key);
    while (p->slot[i].key && (p->slot[i].key & ~NGRAM_KEY_BLANK) != key)
        if (++i == p->nslot) i = 0;
    return &p->slot[i];
}

/* Room for one more entry at load factor <= 2/3: twice the slots, re-placed. */
static void probe_reserve(NgramProbe *p) {
    if (3 * (p->used + 1) <= 2 * p->nslot) return;
    NgramProbe old = *p;
    probe_alloc(p, ngram_probe_slots(2 * (p->used + 1)));
    for (uint64_t i = 0; i < old.nslot; i++)
        if (old.slot[i].key) *probe_place(p, old.slot[i].key & ~NGRAM_KEY_BLANK) = old.slot[i];
    free(old.slot);
}

void ngram_query_init(NgramQuery *q, int order, uint32_t V, const size_t *expect) {
    memset(q, 0, sizeof *q);
    q->order = order;
    q->V = V;
    q->uni = xcalloc(V, sizeof *q->uni);
    for (int n = 2; n <= order; n++) probe_alloc(&q->tab[n], ngram_probe_slots(expect[n]));
}

void ngram_query_free(NgramQuery *q) {
    if (q->map) munmap(q->map, q->map_len);
    else {
        free(q->uni);
        for (int n = 2; n <= NGRAM_MAX_ORDER; n++) free(q->tab[n].slot);
    }
    memset(q, 0, sizeof *q);
}

/* The entry of words[0..n): its unigram, its slot, or NULL. */
static const NgramUnigram *entry_of(const NgramQuery *q, const uint32_t *words, int n) {
    if (n == 1) return &q->uni[words[0]];
    const NgramSlot *s = ngram_probe_find(&q->tab[n], ngram_key(words, n));
    return s ? (const NgramUnigram *)&s->logp : NULL;
}

static NgramSlot *put(NgramProbe *p, uint64_t key) {
    probe_reserve(p);
    NgramSlot *s = probe_place(p, key);
    if (!s->key) p->used++;
    return s;
}

/* Make sure words[0..n) is there, as a blank if need be. A blank's p is what
 * the backoff recursion gives it, bo(words[0..n-1)) * p(words[n-1] | words[1..n-1)),
 * so a walk that ends on it lands where the recursion would. */
static void ensure(NgramQuery *q, const uint32_t *words, int n) {
    if (n < 2 || entry_of(q, words, n)) return;
    ensure(q, words + 1, n - 1);
    const NgramUnigram *hist = entry_of(q, words, n - 1), *lower = entry_of(q, words + 1, n - 1);
    NgramSlot *s = put(&q->tab[n], ngram_key(words, n));
    s->key = ngram_key(words, n) | NGRAM_KEY_BLANK;
    s->logp = (hist ? hist->logbo : 0.0f) + lower->logp;
    s->logbo = 0.0f;
}

int ngram_query_add(NgramQuery *q, const uint32_t *words, int n, float logp, float logbo) {
    if (n == 1) {
        q->uni[words[0]] = (NgramUnigram){ logp, logbo };
        return 0;
    }
    ensure(q, words + 1, n - 1);
    uint64_t key = ngram_key(words, n);
    NgramSlot *s = put(&q->tab[n], key);
    if (s->key == key) return -1;
    *s = (NgramSlot){ key, logp, logbo };
    q->tab[n].len++;
    return 0;
}

void ngram_query_from_tables(const NgramLm *lm, NgramQuery *q) {
    size_t expect[NGRAM_MAX_ORDER + 1] = { 0 };
    for (int n = 1; n <= lm->order; n++) expect[n] = lm->tab[n].len;
    ngram_query_init(q, lm->order, (uint32_t)lm->vocab->size, expect);
    for (int n = 1; n <= lm->order; n++) {
        const NgramTable *t = &lm->tab[n];
        for (size_t e = 0; e < t->len; e++)
            if (ngram_query_add(q, t->words + e * n, n, t->logp[e], t->logbo ? t->logbo[e] : 0.0f) != 0)
                die("internal: a %d-gram twice in the model", n);
    }
}
