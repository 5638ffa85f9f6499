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

void *ngram_huge_zalloc(size_t bytes, const char *what) {
    void *mem = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) die("out of memory (%zu bytes of %s)", bytes, what);
    madvise(mem, bytes, MADV_HUGEPAGE);
    return mem;
}

void ngram_huge_free(void *mem, size_t bytes) {
    if (mem) munmap(mem, bytes ? bytes : 1);
}

static void probe_alloc(NgramProbe *p, uint64_t nslot) {
    size_t bytes = (size_t)nslot * sizeof *p->slot;
    if (bytes / sizeof *p->slot != nslot) die("out of memory (%llu slots of n-gram table)", (unsigned long long)nslot);
    p->nslot = nslot;
    p->slot = ngram_huge_zalloc(bytes, "n-gram table");
}

static void probe_release(NgramProbe *p) { ngram_huge_free(p->slot, (size_t)p->nslot * sizeof *p->slot); }

/* The slot holding key, or the empty slot where it would go. */
static NgramSlot *probe_place(NgramProbe *p, uint64_t key) {
    uint64_t i = ngram_probe_home(p, key);
    while (p->slot[i].key && (p->slot[i].key & ~NGRAM_KEY_FLAGS) != key)
        if (++i == p->nslot) i = 0;
    return &p->slot[i];
}

/* Room for one more entry at load factor <= 2/3: twice the slots, re-placed. */
static void probe_reserve(NgramProbe *p) {
    if (3 * (p->used + 1) <= 2 * p->nslot) return;
    NgramProbe old = *p;
    probe_alloc(p, ngram_probe_slots(2 * (p->used + 1)));
    for (uint64_t i = 0; i < old.nslot; i++)
        if (old.slot[i].key) *probe_place(p, old.slot[i].key & ~NGRAM_KEY_FLAGS) = old.slot[i];
    probe_release(&old);
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
        for (int n = 2; n <= NGRAM_MAX_ORDER; n++) probe_release(&q->tab[n]);
    }
    memset(q, 0, sizeof *q);
}

/* log10 bo(words[0..n)): 0 (bo = 1) when the history is absent. */
static float backoff_of(const NgramQuery *q, const uint32_t *words, int n) {
    if (n == 1) return q->uni[words[0]].logbo;
    const NgramSlot *s = ngram_probe_find(&q->tab[n], ngram_key(words, n));
    return s ? s->logbo : 0.0f;
}

static NgramSlot *put(NgramProbe *p, uint64_t key) {
    probe_reserve(p);
    NgramSlot *s = probe_place(p, key);
    if (!s->key) p->used++;
    return s;
}

/* The slot of words[0..n), made a blank if it was missing (NULL for n = 1:
 * every unigram is there). A blank's p is what the backoff recursion gives
 * it, bo(words[0..n-1)) * p(words[n-1] | words[1..n-1)), so a walk that ends
 * on it lands where the recursion would. */
static NgramSlot *ensure(NgramQuery *q, const uint32_t *words, int n) {
    if (n < 2) return NULL;
    uint64_t key = ngram_key(words, n);
    NgramSlot *s = probe_place(&q->tab[n], key);
    if (s->key) return s;
    NgramSlot *lower = ensure(q, words + 1, n - 1);
    float logp = backoff_of(q, words, n - 1) + (lower ? lower->logp : q->uni[words[1]].logp);
    s = put(&q->tab[n], key);   /* after the look-ups: it may move tab[n]'s slots */
    *s = (NgramSlot){ key | NGRAM_KEY_BLANK, logp, 0.0f };
    if (lower) lower->key |= NGRAM_KEY_EXTENDS;
    return s;
}

int ngram_query_add(NgramQuery *q, const uint32_t *words, int n, float logp, float logbo) {
    if (n == 1) {
        q->uni[words[0]] = (NgramUnigram){ logp, logbo };
        return 0;
    }
    NgramSlot *suffix = ensure(q, words + 1, n - 1);
    uint64_t key = ngram_key(words, n);
    NgramSlot *s = put(&q->tab[n], key);
    if (s->key && !(s->key & NGRAM_KEY_BLANK)) return -1;
    *s = (NgramSlot){ key | (s->key & NGRAM_KEY_EXTENDS), logp, logbo };   /* a blank made real keeps its flag */
    q->tab[n].len++;
    if (suffix) suffix->key |= NGRAM_KEY_EXTENDS;
    return 0;
}

void ngram_query_prefetch(const NgramQuery *q, const uint32_t *words, int n) {
    const NgramProbe *p = &q->tab[n], *down = &q->tab[n - 1];
    __builtin_prefetch(&p->slot[ngram_probe_home(p, ngram_key(words, n))]);
    if (n > 2) __builtin_prefetch(&down->slot[ngram_probe_home(down, ngram_key(words + 1, n - 1))]);   /* ensure's */
}

/* Once an order is in the query tables, the orders above need only its
 * prefix links and words (they spell their n-grams). */
static void drop_all_but_words(NgramTable *t) {
    NgramTable keep = { .n = t->n, .len = t->len, .cap = t->cap, .word = t->word, .prefix = t->prefix };
    t->word = t->prefix = NULL;
    ngram_table_free(t);
    *t = keep;
}

void ngram_build_query(NgramLm *lm, int keep_tables) {
    size_t expect[NGRAM_MAX_ORDER + 1] = { 0 };
    for (int n = 1; n <= lm->order; n++) expect[n] = lm->tab[n].len;
    NgramQuery *q = &lm->q;
    ngram_query_init(q, lm->order, (uint32_t)lm->vocab->size, expect);
    uint32_t g[NGRAM_MAX_ORDER];
    for (int n = 1; n <= lm->order; n++) {
        NgramTable *t = &lm->tab[n];
        for (size_t e = 0; e < t->len; e++) {
            ngram_entry_words(lm, n, e, 1, g);
            if (ngram_query_add(q, g, n, t->logp[e], t->logbo ? t->logbo[e] : 0.0f) != 0)
                die("internal: a %d-gram twice in the model", n);
        }
        if (!keep_tables) drop_all_but_words(t);
    }
}
