/* bpe_train.c -- learning byte-level BPE merges on a corpus. See bpe.h.
 *
 * Sennrich et al. 2016 learn merges by repeatedly replacing the most frequent
 * adjacent pair of symbols with a new symbol; GPT-2 does it on bytes, inside
 * the pieces its pattern cuts, so a merge never crosses a piece boundary.
 *
 * Counting every pair anew after each merge costs O(corpus) per merge. Instead:
 *   - the corpus becomes its DISTINCT pieces ("words") with their counts
 *     (" the" x 64k is one word of weight 64k);
 *   - each pair keeps its total count and the list of words that hold it;
 *   - merging (a, b) visits only the words in its list: their old pairs are
 *     subtracted, the word is rewritten, its new pairs are added;
 *   - a max-heap orders the pairs; a count that changes is pushed again and
 *     stale entries (whose count no longer matches) are skipped when popped.
 * Toy example, words {"hug": 10, "pug": 5, "hugs": 5}, bytes h u g p s:
 *   pairs  (h,u) 15  (u,g) 20  (p,u) 5  (g,s) 5  -> merge u+g = "ug" (256)
 *   words  h ug: 10, p ug: 5, h ug s: 5
 *   pairs  (h,ug) 15  (p,ug) 5  (ug,s) 5         -> merge h+ug = "hug" (257)
 */
#include "bpe.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    long count;
    int a, b;
} HeapItem;

typedef struct {
    /* words: the distinct pieces of the corpus */
    int nwords;
    long *wcount;          /* (nwords) occurrences of the piece */
    size_t *wstart;        /* (nwords) its symbols start here in syms */
    int *wlen;             /* (nwords) its current number of symbols */
    int *syms;             /* every word's symbols, back to back */
    int *wstamp;           /* (nwords) the last merge that rewrote the word */
    /* pairs */
    int npairs, pcap;
    int *pa, *pb;          /* (npairs) left and right symbol */
    long *pcount;          /* (npairs) occurrences in the corpus, weighted by word counts */
    int **plist;           /* (npairs) words that held the pair (some maybe no longer) */
    int *plist_n, *plist_cap;
    int *ptouched;         /* (npairs) last step that changed the count ... */
    long *pbefore;         /* (npairs) ... and the count before that step */
    int *touched;          /* the pairs changed in this step */
    int ntouched;
    int *pslots;           /* hash table (a, b) -> pair index, -1 empty */
    size_t npslots;
    /* max-heap by count, then smallest a, then smallest b */
    HeapItem *heap;
    size_t nheap, heapcap;
} Trainer;

/* ----------------------------------------------------------------- pairs */

static size_t pair_hash(int a, int b, size_t mask) {
    uint64_t h = (((uint64_t)(uint32_t)a << 32) | (uint32_t)b) * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h ^ (h >> 29)) & mask;
}

static size_t pair_slot_of(const Trainer *t, int a, int b) {
    size_t mask = t->npslots - 1, i = pair_hash(a, b, mask);
    while (t->pslots[i] >= 0 && !(t->pa[t->pslots[i]] == a && t->pb[t->pslots[i]] == b)) i = (i + 1) & mask;
    return i;
}

static void pairs_rehash(Trainer *t) {
    free(t->pslots);
    t->npslots *= 2;
    t->pslots = xmalloc(t->npslots * sizeof(int));
    memset(t->pslots, 0xff, t->npslots * sizeof(int));
    for (int p = 0; p < t->npairs; p++) t->pslots[pair_slot_of(t, t->pa[p], t->pb[p])] = p;
}

/* index of the pair (a, b), created with count 0 if new */
static int pair_get(Trainer *t, int a, int b) {
    size_t i = pair_slot_of(t, a, b);
    if (t->pslots[i] >= 0) return t->pslots[i];
    if (t->npairs == t->pcap) {
        t->pcap = t->pcap ? 2 * t->pcap : 4096;
        size_t n = (size_t)t->pcap;
        t->pa = xrealloc(t->pa, n * sizeof(int));
        t->pb = xrealloc(t->pb, n * sizeof(int));
        t->pcount = xrealloc(t->pcount, n * sizeof(long));
        t->plist = xrealloc(t->plist, n * sizeof(int *));
        t->plist_n = xrealloc(t->plist_n, n * sizeof(int));
        t->plist_cap = xrealloc(t->plist_cap, n * sizeof(int));
        t->ptouched = xrealloc(t->ptouched, n * sizeof(int));
        t->pbefore = xrealloc(t->pbefore, n * sizeof(long));
        t->touched = xrealloc(t->touched, n * sizeof(int));
    }
    int p = t->npairs++;
    t->pa[p] = a;
    t->pb[p] = b;
    t->pcount[p] = 0;
    t->plist[p] = NULL;
    t->plist_n[p] = t->plist_cap[p] = 0;
    t->ptouched[p] = -1;
    t->pslots[i] = p;
    if ((size_t)t->npairs * 2 > t->npslots) pairs_rehash(t);
    return p;
}

/* ------------------------------------------------------------------ heap */

static int heap_above(HeapItem x, HeapItem y) {
    if (x.count != y.count) return x.count > y.count;
    if (x.a != y.a) return x.a < y.a;
    return x.b < y.b;
}

static void heap_push(Trainer *t, long count, int a, int b) {
    if (t->nheap == t->heapcap) {
        t->heapcap = t->heapcap ? 2 * t->heapcap : 4096;
        t->heap = xrealloc(t->heap, t->heapcap * sizeof(HeapItem));
    }
    HeapItem it = {count, a, b};
    size_t i = t->nheap++;
    while (i > 0 && heap_above(it, t->heap[(i - 1) / 2])) {
        t->heap[i] = t->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    t->heap[i] = it;
}

static HeapItem heap_pop(Trainer *t) {
    HeapItem top = t->heap[0], last = t->heap[--t->nheap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= t->nheap) break;
        if (c + 1 < t->nheap && heap_above(t->heap[c + 1], t->heap[c])) c++;
        if (!heap_above(t->heap[c], last)) break;
        t->heap[i] = t->heap[c];
        i = c;
    }
    if (t->nheap > 0) t->heap[i] = last;
    return top;
}

/* ------------------------------------------------------------ counting */

/* Add sign * (word's count) to every adjacent pair of word w, remembering each
 * changed pair's old count; when adding, list w under the pairs that hold the
 * new symbol z (the others already list it; z < 0 lists w under every pair). */
static void count_word_pairs(Trainer *t, int w, int sign, int step, int z) {
    const int *s = t->syms + t->wstart[w];
    for (int i = 0; i + 1 < t->wlen[w]; i++) {
        int p = pair_get(t, s[i], s[i + 1]);
        if (t->ptouched[p] != step) {
            t->ptouched[p] = step;
            t->pbefore[p] = t->pcount[p];
            t->touched[t->ntouched++] = p;
        }
        t->pcount[p] += sign * t->wcount[w];
        if (sign < 0 || (z >= 0 && s[i] != z && s[i + 1] != z)) continue;
        if (t->plist_n[p] > 0 && t->plist[p][t->plist_n[p] - 1] == w) continue;
        if (t->plist_n[p] == t->plist_cap[p]) {
            t->plist_cap[p] = t->plist_cap[p] ? 2 * t->plist_cap[p] : 4;
            t->plist[p] = xrealloc(t->plist[p], (size_t)t->plist_cap[p] * sizeof(int));
        }
        t->plist[p][t->plist_n[p]++] = w;
    }
}

/* push the pairs whose count this step changed; forget the step's list */
static void push_touched(Trainer *t) {
    for (int k = 0; k < t->ntouched; k++) {
        int p = t->touched[k];
        if (t->pcount[p] != t->pbefore[p] && t->pcount[p] > 0) heap_push(t, t->pcount[p], t->pa[p], t->pb[p]);
    }
    t->ntouched = 0;
}

/* Rewrite word w with every (a, b), left to right, replaced by z, the same
 * way the encoder merges ("a a a" with a+a -> "aa a"). */
static void merge_word(Trainer *t, int w, int a, int b, int z) {
    int *s = t->syms + t->wstart[w], n = t->wlen[w], j = 0;
    for (int i = 0; i < n;) {
        if (i + 1 < n && s[i] == a && s[i + 1] == b) {
            s[j++] = z;
            i += 2;
        } else {
            s[j++] = s[i++];
        }
    }
    t->wlen[w] = j;
}

/* the distinct pieces of the text, each as its bytes, with counts */
static void collect_words(Trainer *t, const char *text, size_t len) {
    StrMap words;
    strmap_init(&words);
    long *counts = NULL;
    int cap = 0;
    BpePretok p;
    bpe_pretok_init(&p, text, len);
    size_t a, e;
    while (bpe_pretok_next(&p, &a, &e)) {
        int added;
        int w = strmap_intern(&words, text + a, e - a, &added);
        if (added) {
            if (w == cap) counts = xrealloc(counts, (size_t)(cap = cap ? 2 * cap : 4096) * sizeof(long));
            counts[w] = 0;
        }
        counts[w]++;
    }
    t->nwords = words.n;
    bpe_pretok_free(&p);
    t->wcount = counts;
    t->wstart = xmalloc((size_t)(t->nwords ? t->nwords : 1) * sizeof(size_t));
    t->wlen = xmalloc((size_t)(t->nwords ? t->nwords : 1) * sizeof(int));
    t->wstamp = xcalloc((size_t)(t->nwords ? t->nwords : 1), sizeof(int));
    t->syms = xmalloc((words.arena_len ? words.arena_len : 1) * sizeof(int));
    size_t o = 0;
    for (int w = 0; w < t->nwords; w++) {
        t->wstart[w] = o;
        t->wlen[w] = (int)words.key_len[w];
        for (uint32_t i = 0; i < words.key_len[w]; i++)
            t->syms[o++] = (unsigned char)words.arena[words.key_off[w] + i];
    }
    strmap_free(&words);
}

static void trainer_free(Trainer *t) {
    for (int p = 0; p < t->npairs; p++) free(t->plist[p]);
    free(t->wcount); free(t->wstart); free(t->wlen); free(t->syms); free(t->wstamp);
    free(t->pa); free(t->pb); free(t->pcount); free(t->plist); free(t->plist_n); free(t->plist_cap);
    free(t->ptouched); free(t->pbefore); free(t->touched); free(t->pslots); free(t->heap);
}

Bpe *bpe_train(const char *text, size_t len, int vocab_size, int verbose) {
    if (vocab_size < 257) die("vocabulary size %d is too small: 256 bytes + <|endoftext|> need 257", vocab_size);
    double t0 = now_seconds();
    Trainer t;
    memset(&t, 0, sizeof t);
    t.npslots = 1 << 12;
    t.pslots = xmalloc(t.npslots * sizeof(int));
    memset(t.pslots, 0xff, t.npslots * sizeof(int));
    collect_words(&t, text, len);
    for (int w = 0; w < t.nwords; w++) count_word_pairs(&t, w, +1, 0, -1);
    push_touched(&t);

    int want = vocab_size - 257, M = 0;
    int (*merges)[3] = xmalloc((size_t)(want ? want : 1) * sizeof *merges);
    char **tokens = xmalloc((size_t)vocab_size * sizeof(char *));
    int *lens = xmalloc((size_t)vocab_size * sizeof(int));
    char bytes[256];
    for (int c = 0; c < 256; c++) {
        bytes[c] = (char)c;
        tokens[c] = bytes + c;
        lens[c] = 1;
    }
    while (M < want) {
        /* the best pair whose heap entry is current */
        HeapItem top = {0, 0, 0};
        int p = -1;
        while (t.nheap > 0) {
            top = heap_pop(&t);
            int q = t.pslots[pair_slot_of(&t, top.a, top.b)];
            if (q >= 0 && t.pcount[q] == top.count) { p = q; break; }
        }
        if (p < 0 || top.count < 2) break;   /* nothing occurs twice: more merges would memorise */
        int z = 256 + M, step = M + 1;
        for (int k = 0; k < t.plist_n[p]; k++) {
            int w = t.plist[p][k];
            if (t.wstamp[w] == step) continue;
            t.wstamp[w] = step;
            /* subtract the word's pairs, rewrite it, add the new pairs back */
            const int *s = t.syms + t.wstart[w];
            int held = 0;
            for (int i = 0; i + 1 < t.wlen[w] && !held; i++) held = s[i] == top.a && s[i + 1] == top.b;
            if (!held) continue;
            count_word_pairs(&t, w, -1, step, z);
            merge_word(&t, w, top.a, top.b, z);
            count_word_pairs(&t, w, +1, step, z);
        }
        free(t.plist[p]);
        t.plist[p] = NULL;
        t.plist_n[p] = t.plist_cap[p] = 0;
        push_touched(&t);

        merges[M][0] = top.a;
        merges[M][1] = top.b;
        merges[M][2] = z;
        lens[z] = lens[top.a] + lens[top.b];
        tokens[z] = xmalloc((size_t)lens[z]);
        memcpy(tokens[z], tokens[top.a], (size_t)lens[top.a]);
        memcpy(tokens[z] + lens[top.a], tokens[top.b], (size_t)lens[top.b]);
        M++;
        if (verbose && M % 1000 == 0)
            fprintf(stderr, "bpe-train: %d/%d merges, count %ld, %.1f s\n", M, want, top.count, now_seconds() - t0);
    }
    if (M < want && verbose)
        warn("only %d merges: no pair occurs twice any more (vocabulary %d, not %d)", M, 256 + M + 1, vocab_size);
    int V = 256 + M + 1;
    tokens[V - 1] = (char *)BPE_EOT_TEXT;
    lens[V - 1] = (int)strlen(BPE_EOT_TEXT);
    char err[256];
    Bpe *b = bpe_build(tokens, lens, V, merges, M, V - 1, err, sizeof err);
    if (!b) die("bpe_train: %s", err);   /* a bug, never bad input */
    for (int i = 256; i < 256 + M; i++) free(tokens[i]);
    free(tokens);
    free(lens);
    free(merges);
    trainer_free(&t);
    return b;
}
