/*
 * count.c -- the corpus's raw counts of every order 1..N.
 *
 * First the vocabulary (common/text.h's Vocab): a scan of the words with their
 * counts, then the kept ones (count >= --min-count, listed in --vocab) in order
 * of first use; a char model's tokens are its bytes (ngram_byte_token).
 *
 * Each order has its own table (ngram.h): an n-gram is its prefix's entry one
 * order down and its last word, 8 bytes, found through an open-addressing
 * index of those pairs. The corpus becomes one stream of ids, and the orders
 * are counted one at a time (below), so that only one order's index exists
 * at once; a model that will only be written drops each index once its order
 * is counted. Each new n-gram also records the entry of its suffix one order
 * down, so that the estimator never needs to hash again.
 *
 * A sentence "<s> w1 .. wm </s>" adds, at every predicted position j (every
 * word and the </s>, never the <s>), the n-grams ending at j for n = 1..N that
 * fit inside the sentence. So lower orders see the n-grams that begin with
 * <s> exactly as often as sentences begin that way; KenLM gets the same
 * counts by padding with N-1 <s> and collapsing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ngram/ngram.h"
#include "util.h"

/* ------------------------------------------------------------------ tables */

#define NO_ENTRY UINT32_MAX   /* no n-gram of the order ends at this position */

static uint64_t pair_key(uint32_t prefix, uint32_t word) { return (uint64_t)prefix << 32 | word; }

/* The slot holding key, or the empty one where it goes: linear probing from
 * a home spread by splitmix64's finaliser (the keys themselves are dense). */
static NgramCountSlot *probe(const NgramTable *t, uint64_t key) {
    size_t mask = t->nslot - 1;
    for (size_t i = ngram_key_mix(key) & mask;; i = (i + 1) & mask) {
        NgramCountSlot *s = &t->slot[i];
        if (!s->count || s->key == key) return s;
    }
}

long ngram_find_next(const NgramLm *lm, int n, long prefix, uint32_t w) {
    const NgramTable *t = &lm->tab[n];
    if (n == 1) return w < t->len ? (long)w : -1;   /* a unigram's entry is its word id */
    if (!t->slot) die("internal: the %d-grams' index was dropped (a model counted for writing only)", n);
    if (prefix < 0) return -1;
    const NgramCountSlot *s = probe(t, pair_key((uint32_t)prefix, w));
    return s->count ? (long)s->entry : -1;
}

long ngram_find(const NgramLm *lm, int n, const uint32_t *words) {
    long e = ngram_find_next(lm, 1, -1, words[0]);
    for (int k = 2; k <= n && e >= 0; k++) e = ngram_find_next(lm, k, e, words[k - 1]);
    return e;
}

/* Hop by hop across the entries: the k look-ups of one hop are independent,
 * so their cache misses overlap, where one entry's n-1 wait for each other. */
void ngram_entry_words(const NgramLm *lm, int n, size_t e, size_t k, uint32_t *out) {
    for (size_t i = 0; i < k; i++) out[i * n] = (uint32_t)(e + i);   /* column 0: the walk's current entry */
    for (int m = n; m > 1; m--) {
        const NgramTable *t = &lm->tab[m];
        for (size_t i = 0; i < k; i++) {
            uint32_t *g = out + i * n;
            g[m - 1] = t->word[g[0]];
            g[0] = t->prefix[g[0]];
        }
    }
}

uint32_t ngram_first_word(const NgramLm *lm, int n, size_t e) {
    for (int k = n; k > 1; k--) e = lm->tab[k].prefix[e];
    return (uint32_t)e;
}

static void alloc_slots(NgramTable *t, size_t nslot) {
    t->nslot = nslot;
    t->slot = ngram_huge_zalloc(nslot * sizeof *t->slot, "n-gram counts");
}

static void free_slots(NgramTable *t) {
    ngram_huge_free(t->slot, t->nslot * sizeof *t->slot);
    t->slot = NULL;
    t->nslot = 0;
}

/* Twice the slots, each key moved to its new place. */
static void grow_slots(NgramTable *t) {
    NgramCountSlot *old = t->slot;
    size_t nold = t->nslot;
    alloc_slots(t, 2 * nold);
    for (size_t i = 0; i < nold; i++)
        if (old[i].count) *probe(t, old[i].key) = old[i];
    ngram_huge_free(old, nold * sizeof *old);
}

void ngram_table_free(NgramTable *t) {
    free(t->word); free(t->prefix); free(t->suffix); free(t->count); free(t->adj); free(t->ctx_sum);
    free(t->ctx_low); free(t->ctx_nk); free(t->logp); free(t->logbo);
    free_slots(t);
    memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------------ tokens */

static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Next whitespace-separated word of [*p, end) in this line; 0 at the line's end. */
static int next_word(const char **p, const char *end, const char **w, size_t *wlen) {
    const char *s = *p;
    while (s < end && is_space(*s)) s++;
    if (s >= end) { *p = s; return 0; }
    const char *e = s;
    while (e < end && !is_space(*e)) e++;
    *w = s;
    *wlen = (size_t)(e - s);
    *p = e;
    return 1;
}

/* Tokens a word corpus may not contain: the markers the model adds itself, and
 * <pad> (which ngram never uses; see ngram.h). */
static int is_reserved(const char *w, size_t len) {
    return (len == 3 && memcmp(w, "<s>", 3) == 0) || (len == 4 && memcmp(w, "</s>", 4) == 0) ||
           (len == 5 && memcmp(w, "<pad>", 5) == 0);
}

int ngram_vocab_size(const NgramLm *lm) { return (lm->vocab ? lm->vocab->size : (int)lm->q.V) - 1; }

int ngram_word_id(const NgramLm *lm, const char *s, size_t len) {
    return lm->vocab ? vocab_find(lm->vocab, s, len) : ngram_binary_word_id(&lm->q, s, len);
}

const char *ngram_word(const NgramLm *lm, uint32_t id) {
    return lm->vocab ? lm->vocab->tokens[id] : lm->q.arena + lm->q.word_at[id];
}

/* Every model (trained, ARPA, binary) has a unigram entry for each vocabulary
 * id; a model read from a file has only its query tables. */
size_t ngram_entries(const NgramLm *lm, int n) {
    if (lm->tab[n].len) return lm->tab[n].len - (n == 1);
    return n == 1 ? lm->q.V - 1 : (size_t)lm->q.tab[n].len;
}

int ngram_never_predicted(uint32_t w) { return w == VOCAB_BOS || w == VOCAB_PAD; }

void ngram_byte_token(char out[8], unsigned char b) {
    if (b > 0x20 && b < 0x7f && b != '<') snprintf(out, 8, "%c", b);
    else snprintf(out, 8, "<0x%02X>", b);
}

size_t ngram_line_ids(const NgramLm *lm, const char *s, size_t len, uint32_t *ids, uint8_t *oov, size_t cap) {
    const char *p = s, *end = s + len, *w;
    size_t wlen, n = 0;
    while (next_word(&p, end, &w, &wlen)) {
        int id = ngram_word_id(lm, w, wlen);   /* "<s>", "</s>", "<pad>" in text are not words */
        int unknown = id < 0 || id == VOCAB_BOS || id == VOCAB_EOS || id == VOCAB_PAD;
        if (n < cap) {
            ids[n] = unknown ? VOCAB_UNK : (uint32_t)id;
            oov[n] = (uint8_t)unknown;
        }
        n++;
    }
    return n;
}

/* ------------------------------------------------------------------ counting */

void ngram_train_config_default(NgramTrainConfig *c) {
    memset(c, 0, sizeof *c);
    c->order = 5;
    c->est = NGRAM_EST_MKN;
    c->addk = 1.0;
    c->min_count = 1;
}

/* Pass 1 of a word corpus: every word with its count, into a scratch
 * vocabulary; nlines counts the lines so far (a file read in windows). */
static void scan_words(Vocab *all, const char *text, size_t len, const char *name,
                       uint64_t *ntokens, uint64_t *nlines) {
    const char *line = text, *end = text + len;
    long lineno = (long)*nlines;
    while (line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol) eol = end;
        lineno++;
        const char *p = line, *w;
        size_t wlen;
        while (next_word(&p, eol, &w, &wlen)) {
            if (is_reserved(w, wlen))
                die("%s:%ld: the corpus contains the reserved token '%.*s' (the model adds <s> and "
                    "</s> itself and never uses <pad>; remove them)", name, lineno, (int)wlen, w);
            vocab_add(all, w, wlen, 1);
            (*ntokens)++;
        }
        (*nlines)++;
        line = eol + 1;
    }
}

/* The words of a --vocab file (whitespace-separated, any number per line). */
static Vocab *read_word_list(const char *path) {
    size_t flen;
    char *ftext = text_load(path, &flen);
    Vocab *listed = vocab_new(VOCAB_WORD);
    const char *end = ftext + flen;
    for (const char *line = ftext; line < end; ) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol) eol = end;
        const char *p = line, *w;
        size_t wlen;
        while (next_word(&p, eol, &w, &wlen)) vocab_add(listed, w, wlen, 0);
        line = eol + 1;
    }
    free(ftext);
    if (listed->size <= VOCAB_NSPECIAL) die("vocabulary file '%s' lists no words", path);
    return listed;
}

/* The model's vocabulary: the specials, then the kept words in order of first
 * use, with their counts (those of the words cut go to <unk>, as in common/text.h). */
static Vocab *choose_vocab(const Vocab *all, const NgramTrainConfig *cfg, uint32_t *remap) {
    Vocab *listed = cfg->vocab_file ? read_word_list(cfg->vocab_file) : NULL;
    Vocab *v = vocab_new(VOCAB_WORD);
    for (int id = 0; id < all->size; id++) {
        const char *w = all->tokens[id];
        size_t len = strlen(w);
        int keep = id < VOCAB_NSPECIAL || all->counts[id] >= cfg->min_count;
        if (listed && id >= VOCAB_NSPECIAL) keep = keep && vocab_find(listed, w, len) >= 0;
        remap[id] = keep ? (uint32_t)vocab_add(v, w, len, all->counts[id]) : VOCAB_UNK;
        if (!keep) v->counts[VOCAB_UNK] += all->counts[id];
    }
    if (listed) {   /* listed words the corpus lacks are still words (count 0) */
        for (int id = VOCAB_NSPECIAL; id < listed->size; id++)
            vocab_add(v, listed->tokens[id], strlen(listed->tokens[id]), 0);
        vocab_free(listed);
    }
    return v;
}

/* The corpus is counted as one stream of ids: a word corpus's lines, each
 * "<s> w1 .. wm </s>", back to back, or a char corpus's bytes; a position
 * holding <s> is context only. Counting goes one order at a time, so that only
 * one order's hash slots exist at once. ent[j] holds the entry of the
 * (n-1)-gram ending at position j (NO_ENTRY if none fits in the sentence), and
 * the pass of order n turns it into the n-gram's: the n-gram ending at j is
 * the (n-1)-gram ending at j-1 (its prefix) followed by the word at j, and
 * its suffix is the (n-1)-gram ending at j. Entries are numbered in order of
 * first occurrence, the order the ARPA file lists them in. So lower orders
 * see the n-grams that begin with <s> exactly as often as sentences begin
 * that way; KenLM gets the same counts by padding with N-1 <s> and collapsing. */

/* Order 1: every word of the vocabulary has its entry, numbered by word id
 * (<pad>'s stays at count 0). */
static void count_unigrams(NgramLm *lm, const uint32_t *ids, uint32_t *ent, size_t L) {
    NgramTable *t = &lm->tab[1];
    t->n = 1;
    t->len = t->cap = (size_t)lm->vocab->size;
    t->count = xcalloc(t->cap, sizeof *t->count);
    for (size_t j = 0; j < L; j++) {
        ent[j] = ids[j];
        if (ids[j] == VOCAB_BOS) continue;
        t->count[ids[j]]++;
        lm->train_tokens++;
    }
}

/* An empty table of order n: room for `bound` entries (at most one new n-gram
 * per position; the pages never written are never resident) and slots for
 * about `expect`, doubled when three-quarters full. */
static void begin_order(NgramTable *t, int n, size_t bound, size_t expect) {
    memset(t, 0, sizeof *t);
    t->n = n;
    t->cap = bound;
    t->prefix = xmalloc(bound * sizeof *t->prefix);
    t->word = xmalloc(bound * sizeof *t->word);
    t->suffix = xmalloc(bound * sizeof *t->suffix);
    size_t nslot = 32;
    while (3 * nslot < 4 * expect) nslot *= 2;
    alloc_slots(t, nslot);
}

/* One occurrence of the n-gram (prefix, w) whose suffix is `suffix`: its
 * entry, new if first seen. The count lives in the slot, so a hit touches
 * one cache line. */
static uint32_t count_ngram(NgramTable *t, uint32_t prefix, uint32_t w, uint32_t suffix) {
    uint64_t key = pair_key(prefix, w);
    NgramCountSlot *s = probe(t, key);
    if (s->count) {
        if (++s->count == 0) die("a %d-gram occurs 2^32 times or more", t->n);
        return s->entry;
    }
    if (t->len >= UINT32_MAX - 1) die("too many %d-grams", t->n);
    uint32_t e = (uint32_t)t->len++;
    t->prefix[e] = prefix;
    t->word[e] = w;
    t->suffix[e] = suffix;
    *s = (NgramCountSlot){ key, e, 1 };
    if (4 * t->len > 3 * t->nslot) grow_slots(t);
    return e;
}

/* The counts out of the slots and the arrays cut to the entries; the slots
 * kept only if look-ups (ngram_find) will follow. */
static void end_order(NgramTable *t, int keep_index) {
    t->count = xmalloc(t->len * sizeof *t->count);
    for (size_t i = 0; i < t->nslot; i++)
        if (t->slot[i].count) t->count[t->slot[i].entry] = t->slot[i].count;
    t->cap = t->len ? t->len : 1;
    t->prefix = xrealloc(t->prefix, t->cap * sizeof *t->prefix);
    t->word = xrealloc(t->word, t->cap * sizeof *t->word);
    t->suffix = xrealloc(t->suffix, t->cap * sizeof *t->suffix);
    if (!keep_index) free_slots(t);
}

/* How far ahead a pass fetches the slot it will need: counting is bound by
 * memory latency, and the look-ups of successive positions are independent,
 * so their cache misses can overlap. */
#define PREFETCH_AHEAD 8

static void count_order(NgramLm *lm, int n, const uint32_t *ids, uint32_t *ent, size_t L, int keep_index) {
    NgramTable *t = &lm->tab[n];
    begin_order(t, n, L, lm->tab[n - 1].len);
    uint32_t before = NO_ENTRY;   /* the (n-1)-gram ending at j-1 (ent[j-1] before this pass wrote it) */
    for (size_t j = 0; j < L; j++) {
        if (j + PREFETCH_AHEAD < L) {
            uint64_t ahead = pair_key(ent[j + PREFETCH_AHEAD - 1], ids[j + PREFETCH_AHEAD]);
            __builtin_prefetch(&t->slot[ngram_key_mix(ahead) & (t->nslot - 1)]);
        }
        uint32_t lower = ent[j];
        int fits = before != NO_ENTRY && ids[j] != VOCAB_BOS;
        ent[j] = fits ? count_ngram(t, before, ids[j], lower) : NO_ENTRY;
        before = lower;
    }
    end_order(t, keep_index);
}

static void count_stream(NgramLm *lm, const uint32_t *ids, size_t L, int keep_index) {
    uint32_t *ent = xmalloc(L * sizeof *ent);
    count_unigrams(lm, ids, ent, L);
    for (int n = 2; n <= lm->order; n++) count_order(lm, n, ids, ent, L, keep_index);
    free(ent);
}

/* Pass 2 of a word corpus: each line as "<s> ids </s>", given to fn. */
typedef struct {
    const Vocab *all;        /* the scan's vocabulary */
    const uint32_t *remap;   /* its ids -> the model's */
    uint32_t *seq;           /* (cap) one sentence's ids */
    size_t cap;
} SentenceReader;

static void read_sentences(SentenceReader *r, const char *text, size_t len, NgramSentenceFn fn, void *ctx) {
    const char *line = text, *end = text + len;
    while (line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol) eol = end;
        size_t L = 0;
        r->seq[L++] = VOCAB_BOS;
        const char *p = line, *w;
        size_t wlen;
        while (next_word(&p, eol, &w, &wlen)) {
            if (L + 2 > r->cap) r->seq = xrealloc(r->seq, (r->cap *= 2) * sizeof *r->seq);
            r->seq[L++] = r->remap[vocab_find(r->all, w, wlen)];
        }
        r->seq[L++] = VOCAB_EOS;
        fn(ctx, r->seq, L);
        line = eol + 1;
    }
}

/* The lines as the stream of ids counted, each "<s> ids </s>". */
typedef struct {
    uint32_t *ids;
    size_t len;
} IdStream;

static void append_sentence(void *ctx, const uint32_t *seq, size_t L) {
    IdStream *s = ctx;
    memcpy(s->ids + s->len, seq, L * sizeof *seq);
    s->len += L;
}

static uint32_t *word_stream(NgramLm *lm, const NgramTrainConfig *cfg, const char *text, size_t len,
                             const char *name, size_t *L) {
    Vocab *all = vocab_new(VOCAB_WORD);
    uint64_t ntokens = 0, nlines = 0;
    scan_words(all, text, len, name, &ntokens, &nlines);
    if (ntokens == 0) die("%s: the corpus has no words (empty or only blank lines)", name);
    uint32_t *remap = xmalloc((size_t)all->size * sizeof *remap);
    lm->vocab = choose_vocab(all, cfg, remap);

    /* pass 2: each line as <s> ids </s>. The tokens are those of the ladder's
     * sentence stream (common/text.h's text_sentence_stream: the words split at
     * ASCII whitespace, one </s> per line; a test checks that they agree), but
     * the framing is KenLM's own and stays here: the n-grams stop at the
     * line's end and begin with the <s> context, which the stream (sentences
     * joined by </s>, no <s>) does not carry, and the vocabulary is chosen by
     * this same scan (first use, --min-count, --vocab) rather than given. */
    IdStream out = { .ids = xmalloc((size_t)(ntokens + 2 * nlines) * sizeof *out.ids) };
    SentenceReader r = { .all = all, .remap = remap, .cap = 1024 };
    r.seq = xmalloc(r.cap * sizeof *r.seq);
    read_sentences(&r, text, len, append_sentence, &out);
    free(r.seq);
    free(remap);
    vocab_free(all);
    *L = out.len;
    return out.ids;
}

/* ------------------------------------------------------------------ a corpus in windows */

#define WINDOW_BYTES ((size_t)8 << 20)

typedef void (*WindowFn)(void *ctx, const char *text, size_t len);

/* Window [s, s+n) of the file holds no invalid UTF-8 nor NUL (text_load's
 * rule); at is its offset in the file and lines the lines before it. */
static void check_window(const char *path, const char *s, size_t n, size_t at, size_t lines) {
    size_t bad;
    int utf8_ok = utf8_validate(s, n, &bad);
    const char *nul = utf8_ok ? memchr(s, '\0', n) : NULL;
    if (utf8_ok && !nul) return;
    if (nul) bad = (size_t)(nul - s);
    for (size_t i = 0; i < bad; i++) lines += s[i] == '\n';
    if (!utf8_ok) die("'%s': invalid UTF-8 at byte %zu (line %zu)", path, at + bad, lines + 1);
    die("'%s': NUL byte at byte %zu (line %zu): not a text file", path, at + bad, lines + 1);
}

/* Call fn on the file's text window by window, each ending at a line's end,
 * the file mapped and each window's pages handed back once read, so the
 * resident memory is one window however long the corpus. */
static void for_each_window(const char *path, WindowFn fn, void *ctx) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) die("cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) die("'%s' is not a regular file", path);
    size_t len = (size_t)st.st_size;
    if (len == 0) { close(fd); return; }
    char *base = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (base == MAP_FAILED) die("cannot map '%s': %s", path, strerror(errno));
    size_t page = (size_t)sysconf(_SC_PAGESIZE), lines = 0;
    for (size_t at = 0; at < len; ) {
        size_t end = at + WINDOW_BYTES < len ? at + WINDOW_BYTES : len;
        if (end < len) {   /* cut after the window's last newline, or at the next one */
            const char *nl = memrchr(base + at, '\n', end - at);
            if (!nl) nl = memchr(base + end, '\n', len - end);
            end = nl ? (size_t)(nl - base) + 1 : len;
        }
        check_window(path, base + at, end - at, at, lines);
        fn(ctx, base + at, end - at);
        for (size_t i = at; i < end; i++) lines += base[i] == '\n';
        size_t from = at / page * page;
        madvise(base + from, end - from, MADV_DONTNEED);
        at = end;
    }
    munmap(base, len);
}

typedef struct {
    Vocab *all;
    const char *name;
    uint64_t ntokens, nlines;
} VocabScan;

static void scan_window(void *ctx, const char *text, size_t len) {
    VocabScan *v = ctx;
    scan_words(v->all, text, len, v->name, &v->ntokens, &v->nlines);
}

/* An empty model of cfg's order and estimator, to be counted into. */
static void begin_model(NgramLm *lm, const NgramTrainConfig *cfg) {
    if (cfg->order < 1 || cfg->order > NGRAM_MAX_ORDER)
        die("order must be between 1 and %d, got %d", NGRAM_MAX_ORDER, cfg->order);
    memset(lm, 0, sizeof *lm);
    lm->order = cfg->order;
    lm->est = cfg->est;
    lm->est_known = 1;
    lm->addk = cfg->addk;
    lm->char_level = cfg->char_level;
}

typedef struct {
    SentenceReader r;
    NgramSentenceFn fn;
    void *ctx;
} SentenceWindows;

static void sentence_window(void *ctx, const char *text, size_t len) {
    SentenceWindows *w = ctx;
    read_sentences(&w->r, text, len, w->fn, w->ctx);
}

void ngram_stream_corpus(NgramLm *lm, const NgramTrainConfig *cfg, const char *path, NgramSentenceFn fn, void *ctx) {
    begin_model(lm, cfg);
    VocabScan scan = { .all = vocab_new(VOCAB_WORD), .name = path };
    for_each_window(path, scan_window, &scan);
    if (scan.ntokens == 0) die("%s: the corpus has no words (empty or only blank lines)", path);
    uint32_t *remap = xmalloc((size_t)scan.all->size * sizeof *remap);
    lm->vocab = choose_vocab(scan.all, cfg, remap);
    SentenceWindows w = { .r = { .all = scan.all, .remap = remap, .cap = 1024 }, .fn = fn, .ctx = ctx };
    w.r.seq = xmalloc(w.r.cap * sizeof *w.r.seq);
    for_each_window(path, sentence_window, &w);
    lm->train_tokens = scan.ntokens + scan.nlines;   /* every word and one </s> per line */
    free(w.r.seq);
    free(remap);
    vocab_free(scan.all);
}

/* A char model: the raw bytes as one stream, no sentence markers. The bytes
 * get ids in order of first use; bytes the corpus lacks map to <unk>. */
static uint32_t *byte_stream(NgramLm *lm, const char *text, size_t len, const char *name, size_t *L) {
    if (len == 0) die("%s: the corpus is empty", name);
    long count[256] = { 0 };
    uint32_t byte_id[256];
    for (int b = 0; b < 256; b++) byte_id[b] = VOCAB_UNK;
    lm->vocab = vocab_new(VOCAB_WORD);
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)text[i];
        if (count[b]++ == 0) {
            char tok[8];
            ngram_byte_token(tok, b);
            byte_id[b] = (uint32_t)vocab_add(lm->vocab, tok, strlen(tok), 0);
        }
    }
    for (int b = 0; b < 256; b++) if (count[b]) lm->vocab->counts[byte_id[b]] = count[b];
    uint32_t *ids = xmalloc(len * sizeof *ids);
    for (size_t i = 0; i < len; i++) ids[i] = byte_id[(unsigned char)text[i]];
    *L = len;
    return ids;
}

/* Text that arrives in memory (a string, a slice of a file, stdin) gets the
 * check that common/text's text_read gives a file: valid UTF-8 and no NUL
 * byte. Without it a NUL would cut a word short for the vocabulary while the
 * counter still saw it whole, and the word would be counted as nothing. */
void ngram_check_text(const char *text, size_t len, const char *name) {
    char err[1024];
    if (text_check(name, text, len, NULL, err, sizeof err) != 0) die("%s", err);
}

/* The ids to count of text that has passed the check (lm->vocab chosen). */
static uint32_t *corpus_stream(NgramLm *lm, const NgramTrainConfig *cfg, const char *text, size_t len,
                               const char *name, size_t *L) {
    begin_model(lm, cfg);
    return cfg->char_level ? byte_stream(lm, text, len, name, L) : word_stream(lm, cfg, text, len, name, L);
}

static void count_ids(NgramLm *lm, const NgramTrainConfig *cfg, uint32_t *ids, size_t L) {
    count_stream(lm, ids, L, !cfg->write_only);
    free(ids);
    lm->has_counts = 1;
}

void ngram_count_text(NgramLm *lm, const NgramTrainConfig *cfg, const char *text, size_t len, const char *name) {
    ngram_check_text(text, len, name);
    size_t L;
    uint32_t *ids = corpus_stream(lm, cfg, text, len, name, &L);
    count_ids(lm, cfg, ids, L);
}

void ngram_count_file(NgramLm *lm, const NgramTrainConfig *cfg, const char *path) {
    size_t len, L;
    char *text = text_load(path, &len);   /* valid UTF-8 without NUL bytes, or exit 1 */
    uint32_t *ids = corpus_stream(lm, cfg, text, len, path, &L);
    free(text);   /* before counting: the ids are all it needs */
    count_ids(lm, cfg, ids, L);
}

void ngram_free(NgramLm *lm) {
    for (int n = 1; n <= NGRAM_MAX_ORDER; n++) ngram_table_free(&lm->tab[n]);
    ngram_query_free(&lm->q);
    vocab_free(lm->vocab);
    memset(lm, 0, sizeof *lm);
}
