/*
 * count.c -- one pass over the corpus: raw counts of every order 1..N.
 *
 * First the vocabulary (common/text.h's Vocab): a scan of the words with their
 * counts, then the kept ones (count >= --min-count, listed in --vocab) in order
 * of first use; a char model's tokens are its bytes (ngram_byte_token).
 *
 * Each order has its own table (ngram.h): the n-grams are packed word-id
 * arrays in one growing buffer, found through an open-addressing index of
 * entry numbers. No allocation per n-gram; the tables start at a size taken
 * from the corpus and double when three-quarters full. Each new n-gram also
 * records the entries of its prefix and suffix one order down, so that the
 * estimator never needs to hash again.
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

static uint64_t hash_words(const uint32_t *w, int n) {
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < n; i++) {
        h = (h ^ w[i]) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    return h;
}

/* A slot packs the entry number + 1 (low 32 bits, 0 = empty) with the top
 * 32 bits of the hash, so most probes reject a mismatch without touching the
 * words themselves (a cache miss each). */
static int same_words(const uint32_t *a, const uint32_t *b, int n) {
    for (int i = 0; i < n; i++) if (a[i] != b[i]) return 0;
    return 1;
}

static size_t probe(const NgramTable *t, const uint32_t *w, uint64_t h) {
    size_t mask = t->nslot - 1;
    size_t i = h & mask;
    uint64_t tag = h >> 32;
    for (;; i = (i + 1) & mask) {
        uint64_t s = t->slot[i];
        if (!s) return i;
        if ((s >> 32) == tag && same_words(t->words + ((s & 0xffffffffu) - 1) * t->n, w, t->n)) return i;
    }
}

static size_t table_slot(const NgramTable *t, const uint32_t *w) {
    return probe(t, w, hash_words(w, t->n));
}

long ngram_table_find(const NgramTable *t, const uint32_t *words) {
    if (!t->nslot) return -1;
    uint64_t s = t->slot[table_slot(t, words)];
    return s ? (long)(s & 0xffffffffu) - 1 : -1;
}

static void *grow(void *p, size_t cap, size_t elem) {
    return p ? xrealloc(p, cap * elem) : NULL;
}

/* Room for cap entries: every array that exists grows with the table. */
static void table_reserve(NgramTable *t, size_t cap) {
    if (cap <= t->cap) return;
    t->words = xrealloc(t->words, cap * (size_t)t->n * sizeof *t->words);
    t->count = grow(t->count, cap, sizeof *t->count);
    t->adj = grow(t->adj, cap, sizeof *t->adj);
    t->prefix = grow(t->prefix, cap, sizeof *t->prefix);
    t->suffix = grow(t->suffix, cap, sizeof *t->suffix);
    t->ctx_sum = grow(t->ctx_sum, cap, sizeof *t->ctx_sum);
    t->ctx_low = grow(t->ctx_low, cap, sizeof *t->ctx_low);
    t->ctx_nk = grow(t->ctx_nk, cap * 3, sizeof *t->ctx_nk);
    t->logp = grow(t->logp, cap, sizeof *t->logp);
    t->logbo = grow(t->logbo, cap, sizeof *t->logbo);
    t->cap = cap;
}

static void table_rehash(NgramTable *t, size_t nslot) {
    free(t->slot);
    t->nslot = nslot;
    t->slot = xcalloc(nslot, sizeof *t->slot);
    for (size_t e = 0; e < t->len; e++) {
        uint64_t h = hash_words(t->words + e * t->n, t->n);
        t->slot[probe(t, t->words + e * t->n, h)] = (h >> 32 << 32) | (e + 1);
    }
}

/* An empty table of order n with room for about `expect` entries. */
void ngram_table_init(NgramTable *t, int n, size_t expect, int with_counts) {
    memset(t, 0, sizeof *t);
    t->n = n;
    if (expect < 16) expect = 16;
    if (with_counts) {
        t->count = xmalloc(sizeof *t->count);
        t->prefix = xmalloc(sizeof *t->prefix);
        t->suffix = xmalloc(sizeof *t->suffix);
    }
    table_reserve(t, expect);
    size_t nslot = 32;
    while (3 * nslot < 4 * expect) nslot *= 2;
    table_rehash(t, nslot);
}

void ngram_table_free(NgramTable *t) {
    free(t->words); free(t->count); free(t->adj); free(t->prefix); free(t->suffix); free(t->ctx_sum); free(t->ctx_low);
    free(t->ctx_nk); free(t->logp); free(t->logbo); free(t->slot);
    memset(t, 0, sizeof *t);
}

/* ngram_table_insert with the hash already computed (so counting can prefetch). */
static size_t insert_hashed(NgramTable *t, const uint32_t *words, uint64_t h) {
    size_t i = probe(t, words, h);
    if (t->slot[i]) return (t->slot[i] & 0xffffffffu) - 1;
    if (t->len >= UINT32_MAX - 1) die("too many %d-grams", t->n);
    if (t->len == t->cap) table_reserve(t, 2 * t->cap);
    size_t e = t->len++;
    memcpy(t->words + e * t->n, words, (size_t)t->n * sizeof *words);
    if (t->count) t->count[e] = 0;
    t->slot[i] = (h >> 32 << 32) | (e + 1);
    if (4 * t->len > 3 * t->nslot) table_rehash(t, 2 * t->nslot);   /* load <= 3/4 */
    return e;
}

size_t ngram_table_insert(NgramTable *t, const uint32_t *words) {
    return insert_hashed(t, words, hash_words(words, t->n));
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

/* Add the n-grams ending at each predicted position of seq[0..L-1] (from
 * index first on). A new n-gram records the entries of its prefix (the
 * (n-1)-gram that ended one position earlier) and its suffix (the (n-1)-gram
 * just added at this position). */
/* Hash the n-grams ending at position j and prefetch their slots: counting is
 * bound by memory latency, and the N look-ups of one position are independent,
 * so their cache misses can overlap with the work on the position before. */
static void hash_position(const NgramLm *lm, const uint32_t *seq, size_t j, uint64_t *h) {
    for (int n = 1; n <= lm->order && (size_t)n <= j + 1; n++) {
        const NgramTable *t = &lm->tab[n];
        h[n] = hash_words(seq + j + 1 - n, n);
        __builtin_prefetch(&t->slot[h[n] & (t->nslot - 1)]);
    }
}

static void count_sequence(NgramLm *lm, const uint32_t *seq, size_t L, size_t first) {
    size_t prev[NGRAM_MAX_ORDER + 1] = { 0 }, cur[NGRAM_MAX_ORDER + 1] = { 0 };
    uint64_t h[NGRAM_MAX_ORDER + 1], hnext[NGRAM_MAX_ORDER + 1];
    if (first > 0) prev[1] = seq[first - 1];       /* unigram entry == word id */
    if (first < L) hash_position(lm, seq, first, hnext);
    for (size_t j = first; j < L; j++) {
        memcpy(h, hnext, sizeof h);
        if (j + 1 < L) hash_position(lm, seq, j + 1, hnext);
        for (int n = 1; n <= lm->order && (size_t)n <= j + 1; n++) {
            NgramTable *t = &lm->tab[n];
            size_t before = t->len;
            size_t e = insert_hashed(t, seq + j + 1 - n, h[n]);   /* may move t->count */
            t->count[e]++;
            cur[n] = e;
            if (e == before && n > 1) {
                t->prefix[e] = (uint32_t)prev[n - 1];
                t->suffix[e] = (uint32_t)cur[n - 1];
            }
        }
        memcpy(prev, cur, sizeof prev);
        lm->train_tokens++;
    }
}

static void init_tables(NgramLm *lm, size_t positions) {
    for (int n = 1; n <= lm->order; n++) {
        size_t expect = n == 1 ? (size_t)lm->vocab->size : positions / (n == 2 ? 4 : 2);
        ngram_table_init(&lm->tab[n], n, expect, 1);
    }
    /* every word has a unigram entry, and entry id == word id (<pad>'s stays at count 0) */
    for (uint32_t id = 0; id < (uint32_t)lm->vocab->size; id++) ngram_table_insert(&lm->tab[1], &id);
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

static void count_sentence(void *lm, const uint32_t *seq, size_t L) { count_sequence(lm, seq, L, 1); }

static void count_words(NgramLm *lm, const NgramTrainConfig *cfg, const char *text, size_t len, const char *name) {
    Vocab *all = vocab_new(VOCAB_WORD);
    uint64_t ntokens = 0, nlines = 0;
    scan_words(all, text, len, name, &ntokens, &nlines);
    if (ntokens == 0) die("%s: the corpus has no words (empty or only blank lines)", name);
    uint32_t *remap = xmalloc((size_t)all->size * sizeof *remap);
    lm->vocab = choose_vocab(all, cfg, remap);
    init_tables(lm, (size_t)(ntokens + nlines));

    /* pass 2: each line as <s> ids </s>. The tokens are those of the ladder's
     * sentence stream (common/text.h's text_sentence_stream: the words split at
     * ASCII whitespace, one </s> per line; a test checks that they agree), but
     * the framing is KenLM's own and stays here: the n-grams stop at the
     * line's end and begin with the <s> context, which the stream (sentences
     * joined by </s>, no <s>) does not carry, and the vocabulary is chosen by
     * this same scan (first use, --min-count, --vocab) rather than given. */
    SentenceReader r = { .all = all, .remap = remap, .cap = 1024 };
    r.seq = xmalloc(r.cap * sizeof *r.seq);
    read_sentences(&r, text, len, count_sentence, lm);
    free(r.seq);
    free(remap);
    vocab_free(all);
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
static void count_bytes(NgramLm *lm, const char *text, size_t len, const char *name) {
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
    init_tables(lm, len);
    uint32_t *seq = xmalloc(len * sizeof *seq);
    for (size_t i = 0; i < len; i++) seq[i] = byte_id[(unsigned char)text[i]];
    count_sequence(lm, seq, len, 0);
    free(seq);
}

/* Text that arrives in memory (a string, a slice of a file, stdin) gets the
 * check that common/text's text_read gives a file: valid UTF-8 and no NUL
 * byte. Without it a NUL would cut a word short for the vocabulary while the
 * counter still saw it whole, and the word would be counted as nothing. */
void ngram_check_text(const char *text, size_t len, const char *name) {
    char err[1024];
    if (text_check(name, text, len, NULL, err, sizeof err) != 0) die("%s", err);
}

/* Count text that has passed the check. */
static void count_text(NgramLm *lm, const NgramTrainConfig *cfg, const char *text, size_t len, const char *name) {
    begin_model(lm, cfg);
    if (cfg->char_level) count_bytes(lm, text, len, name);
    else count_words(lm, cfg, text, len, name);
    lm->has_counts = 1;
}

void ngram_count_text(NgramLm *lm, const NgramTrainConfig *cfg, const char *text, size_t len, const char *name) {
    ngram_check_text(text, len, name);
    count_text(lm, cfg, text, len, name);
}

void ngram_count_file(NgramLm *lm, const NgramTrainConfig *cfg, const char *path) {
    size_t len;
    char *text = text_load(path, &len);   /* valid UTF-8 without NUL bytes, or exit 1 */
    count_text(lm, cfg, text, len, path);
    free(text);
}

void ngram_free(NgramLm *lm) {
    for (int n = 1; n <= NGRAM_MAX_ORDER; n++) ngram_table_free(&lm->tab[n]);
    ngram_query_free(&lm->q);
    vocab_free(lm->vocab);
    memset(lm, 0, sizeof *lm);
}
