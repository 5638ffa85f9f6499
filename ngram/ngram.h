/*
 * ngram.h -- n-gram language models: counting, smoothing, ARPA files, scoring.
 *
 * Chapter 1 of the course. A language model gives p(w | h), the probability of
 * the next word w after the history h. An n-gram model keeps only the last
 * n-1 words of h and estimates p from counts. The pipeline follows KenLM's
 * lmplz, one file per step:
 *
 *     count.c     the vocabulary (<unk> by cutoff or vocabulary file, bytes for
 *                 char models), then one pass per order over the corpus's ids: raw
 *                 counts of every order 1..N in open-addressing hash tables of
 *                 (prefix entry, last word) pairs
 *     estimate.c  the estimators (MLE, add-k, absolute discounting, KN, modified KN):
 *                 discounts from count-of-counts, p(w|h) from counts, and the
 *                 compilation into ARPA-style (log10 p, log10 backoff) tables
 *     query.c     the tables scoring reads (KenLM's probing layout): a unigram
 *                 array by word id and, per order, a linear-probing hash table
 *                 keyed by a 64-bit hash of the n-gram
 *     arpa.c      ARPA export, and import straight into the query tables
 *     sort.c      (--memory) sorted runs of n-gram records spilled to disk and merged
 *     bounded.c   (--memory) the same Kneser-Ney estimate as streaming passes over
 *                 sorted runs, so that the build's memory stays within a budget
 *     binary.c    our own binary model file: the query tables, used in place by mmap
 *     score.c     scoring by the backoff recursion, perplexity, sampling
 *     demo.c      the chapter's demo
 *
 * Word ids are those of the common vocabulary (common/text.h): 0 = <unk>,
 * 1 = <s>, 2 = </s>, 3 = <pad>, then the words; the tables hold them as
 * uint32_t. A sentence is "<s> w1 .. wm </s>"; <s> is context only, never
 * predicted. <pad> belongs to the batched neural stages: an n-gram model never
 * counts, writes, predicts or samples it (its unigram entry exists only so
 * that a unigram's entry number is its word id, and has p = 0). So the
 * vocabulary over which p sums to 1 is every token but <s> and <pad>:
 * |V| = ngram_vocab_size(lm) - 1. A char model reads the raw byte stream as one
 * sequence with no markers; its tokens are the bytes, named by ngram_byte_token.
 *
 * Legend: N = model order, n = order of one table (1..N), V = vocabulary size.
 */
#ifndef NLP_NGRAM_H
#define NLP_NGRAM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/rng.h"
#include "common/sample.h"
#include "common/text.h"

#define NGRAM_MAX_ORDER 16
#define NGRAM_LOG10_ZERO (-99.0f)   /* how ARPA files write log10(0), e.g. <s>'s p */

/* ------------------------------------------------------------------ tokens */

/* The token naming byte b in a char model: itself if printable, else "<0xHH>"
 * (never whitespace, so a char model's vocabulary is a VOCAB_WORD one). */
void ngram_byte_token(char out[8], unsigned char b);

/* ------------------------------------------------------------------ tables */

/* All n-grams of one order n of a trained model. An n-gram of order n >= 2
 * is stored as the pair (prefix, word): the entry of its first n-1 words one
 * order down and its last word, 8 bytes whatever n (ngram_entry_words spells
 * it out); a unigram's entry number is its word id. (A model read from a file
 * has only its query tables, lm->q.) */
typedef struct {
    uint64_t key;            /* prefix << 32 | word */
    uint32_t entry;
    uint32_t count;          /* the count while counting; 0 = an empty slot */
} NgramCountSlot;

typedef struct {
    int n;
    size_t len, cap;         /* entries used / allocated */
    uint32_t *word;          /* (cap) the last word wn (n > 1) */
    uint32_t *prefix;        /* (cap) entry of w1..w(n-1) one order down (n > 1) */
    uint32_t *suffix;        /* (cap) entry of w2..wn one order down (n > 1): the links that
                                spare the estimator every hash look-up */
    uint32_t *count;         /* (cap) raw count c, or NULL when dropped */
    uint32_t *adj;           /* (cap) KN adjusted count a, or NULL */
    /* statistics of entry h as the history of order n+1 (NULL at the top order) */
    uint32_t *ctx_sum;       /* (cap) S(h) = sum_x cnt(h x), cnt = the estimator's count */
    uint32_t *ctx_nk;        /* (cap, 3) N1(h.), N2(h.), N3+(h.) by the estimator's count */
    double *ctx_low;         /* (cap) absolute discounting: sum over seen x of p_lower(x | h') */
    float *logp;             /* (cap) log10 p(w | h) of the backoff model */
    float *logbo;            /* (cap) log10 backoff of h w as a history (NULL at a trained top order) */
    NgramCountSlot *slot;    /* (nslot) open addressing by key, or NULL once dropped */
    size_t nslot;            /* a power of two */
} NgramTable;

void ngram_table_free(NgramTable *t);

/* ------------------------------------------------------------------ query tables */

/* What scoring reads: KenLM's "probing" idea. An n-gram of order n >= 2 is
 * known only by a 64-bit hash of its word ids, its key, in an open-addressing
 * table of (key, log10 p, log10 backoff); two different n-grams of one order
 * share a key with probability ~ entries^2 / 2^64, so the words themselves
 * are never stored. The key is folded from the last word to the first,
 *     key(w) = mix(w),   key(v u..w) = extend(key(u..w), v),
 * so the n-grams that end in w, longest last, are one extend apart: scoring
 * walks them w, h1 w, h2 h1 w, ... with one extend and one probe per order.
 *
 * The walk stops at the first n-gram missing, which is exact when every
 * n-gram's suffix (drop the oldest word) is in the model too, as it is in
 * every model we train and in lmplz's files. A file that breaks this (a
 * pruned model) gets the missing suffixes as blanks: entries flagged by the
 * key's top bit, with the p the backoff recursion gives them and backoff 1,
 * so the walk passes through and lands on the same p (query.c).
 *
 * A second flag, as KenLM's "independent left": an n-gram that no n-gram one
 * order up ends in stops the walk there, sparing the probe that would miss. */
#define NGRAM_KEY_BLANK (1ull << 63)
#define NGRAM_KEY_EXTENDS (1ull << 62)   /* some n-gram one order up has this one as its suffix */
#define NGRAM_KEY_FLAGS (NGRAM_KEY_BLANK | NGRAM_KEY_EXTENDS)

static inline uint64_t ngram_key_mix(uint64_t z) {   /* splitmix64's finaliser: a bijection */
    z ^= z >> 30;
    z *= 0xbf58476d1ce4e5b9ull;
    z ^= z >> 27;
    z *= 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
/* Keys keep the two top bits clear (the flags) and are never 0 (an empty slot). */
static inline uint64_t ngram_key_fix(uint64_t k) {
    k &= ~NGRAM_KEY_FLAGS;
    return k ? k : 1;
}
static inline uint64_t ngram_key_start(uint32_t w) { return ngram_key_mix((uint64_t)w + 1); }
static inline uint64_t ngram_key_extend(uint64_t key, uint32_t v) {
    return ngram_key_mix(key + ((uint64_t)v + 1) * 0x9E3779B97F4A7C15ull);
}
uint64_t ngram_key(const uint32_t *words, int n);   /* the fixed key of words[0..n) */

typedef struct { float logp, logbo; } NgramUnigram;
typedef struct { uint64_t key; float logp, logbo; } NgramSlot;   /* key 0 = empty */

typedef struct {
    uint64_t nslot;          /* slots: at least 3/2 of the entries (load factor <= 2/3) */
    uint64_t len;            /* the model's n-grams of this order (blanks not counted) */
    uint64_t used;           /* slots filled, blanks included */
    NgramSlot *slot;         /* (nslot) */
} NgramProbe;

typedef struct {
    int order;               /* N */
    uint32_t V;              /* vocabulary size, <pad> included */
    NgramUnigram *uni;       /* (V) by word id: every word has one */
    NgramProbe tab[NGRAM_MAX_ORDER + 1];   /* tab[n], n = 2..N */
    void *map;               /* the binary file mapped (binary.c), which holds uni and the
                                slots; NULL: they are our own allocations */
    size_t map_len;
    /* a mapped file's words, used in place (lm->vocab is then NULL): */
    const char *arena;       /* the V words, NUL-terminated */
    const uint32_t *word_at; /* (V) each word's offset in arena */
    const uint32_t *word_slot;   /* (nwslot) by ngram_word_hash, linear probing: id + 1, 0 = empty */
    uint64_t nwslot;
} NgramQuery;

/* Where key's probe starts: key * nslot / 2^62 (the key's high bits spread over the table). */
static inline uint64_t ngram_probe_home(const NgramProbe *p, uint64_t key) {
    return (uint64_t)(((unsigned __int128)(key << 2) * p->nslot) >> 64);
}
/* The slot holding key in p, or NULL, by linear probing from its home. */
static inline const NgramSlot *ngram_probe_find(const NgramProbe *p, uint64_t key) {
    if (!p->nslot) return NULL;
    uint64_t i = ngram_probe_home(p, key);
    for (uint64_t tries = 0; tries < p->nslot; tries++) {   /* bounded: a corrupt file may have no empty slot */
        const NgramSlot *s = &p->slot[i];
        if ((s->key & ~NGRAM_KEY_FLAGS) == key) return s;
        if (!s->key) return NULL;
        if (++i == p->nslot) i = 0;
    }
    return NULL;
}
uint64_t ngram_probe_slots(uint64_t entries);        /* the table size for that many entries */
/* Zeroed memory for a hash table (fresh pages are zero), on huge pages where
 * the kernel has them: every probe is a random access, and with 4 KB pages
 * nearly every one is a TLB miss as well, and each page's first touch a fault.
 * Freed with its size. */
void *ngram_huge_zalloc(size_t bytes, const char *what);
void ngram_huge_free(void *mem, size_t bytes);
/* Empty tables for V words and expect[n] n-grams of each order (they grow if need be). */
void ngram_query_init(NgramQuery *q, int order, uint32_t V, const size_t *expect);
/* Add the n-gram words[0..n) with its log10 p and backoff; its missing
 * suffixes become blanks. Returns -1 if it is already there (not a blank). */
int ngram_query_add(NgramQuery *q, const uint32_t *words, int n, float logp, float logbo);
void ngram_query_free(NgramQuery *q);
/* Start fetching the slots ngram_query_add(q, words, n, ...) will touch. */
void ngram_query_prefetch(const NgramQuery *q, const uint32_t *words, int n);

/* ------------------------------------------------------------------ the model */

typedef enum { NGRAM_EST_MLE, NGRAM_EST_ADDK, NGRAM_EST_ABSDISC, NGRAM_EST_KN, NGRAM_EST_MKN } NgramEstimator;

typedef struct {
    int order;               /* N */
    int char_level;          /* 1: tokens are bytes, one stream, no <s> </s> */
    NgramEstimator est;
    int est_known;           /* est is the model's own (trained here, or read from a .bin) */
    double addk;             /* k of add-k */
    double D[NGRAM_MAX_ORDER + 1][4];   /* D[n][1..3]: discounts of order n (KN: all equal) */
    double ctx0_sum;         /* the empty history's statistics (order 1) */
    uint32_t ctx0_nk[3];
    Vocab *vocab;            /* common/text.h; counts[] = training counts (trained models) */
    NgramTable tab[NGRAM_MAX_ORDER + 1];   /* tab[n], n = 1..N */
    int has_counts;          /* trained here: p can be computed from counts */
    int has_arpa;            /* q built: scoring by the backoff recursion */
    NgramQuery q;            /* the backoff model's tables as scoring reads them */
    uint64_t train_tokens;   /* tokens counted (words + </s>) */
    int quiet;               /* no warnings (the demo's order-1 models with a cutoff have no t1) */
} NgramLm;

typedef struct {
    int order;               /* N, 1..NGRAM_MAX_ORDER */
    NgramEstimator est;
    double addk;             /* default 1 (Laplace) */
    int char_level;
    long min_count;          /* words seen fewer times become <unk> (1 = keep all) */
    const char *vocab_file;  /* if set, words not in it become <unk> */
    int write_only;          /* the model will only be written: each order's hash index is
                                freed once counted (no ngram_find), the peak memory */
} NgramTrainConfig;

void ngram_train_config_default(NgramTrainConfig *c);
/* The estimators' names in NgramEstimator's order, NULL-terminated (a CLI_CHOICE's words). */
extern const char *const ngram_estimator_names[];
const char *ngram_estimator_name(NgramEstimator e);
/* Whether an estimator is a backoff model that an ARPA file can hold. */
int ngram_estimator_is_backoff(NgramEstimator e);

/* count.c: read a training text and count every order. Dies on bad input: an
 * empty corpus, a reserved token, text that is not valid UTF-8 or holds a NUL
 * byte (common/text.h's rule, which ngram_check_text applies to text in memory). */
void ngram_check_text(const char *text, size_t len, const char *name);
void ngram_count_text(NgramLm *lm, const NgramTrainConfig *cfg, const char *text, size_t len, const char *name);
void ngram_count_file(NgramLm *lm, const NgramTrainConfig *cfg, const char *path);
void ngram_free(NgramLm *lm);
/* Vocabulary entries the model uses: all but <pad>. */
int ngram_vocab_size(const NgramLm *lm);
/* A word's id (-1 if the model lacks it) and an id's word: lm->vocab's, or
 * those of a mapped binary file (lm->vocab NULL, binary.c). */
int ngram_word_id(const NgramLm *lm, const char *s, size_t len);
const char *ngram_word(const NgramLm *lm, uint32_t id);
/* The model's n-grams of order n: the table's entries but <pad>'s unigram. */
size_t ngram_entries(const NgramLm *lm, int n);
/* The entry of the n-gram words[0..n) (n = 1..lm->order), or -1: needs the hash
 * indexes, which a model counted for writing only does not keep. */
long ngram_find(const NgramLm *lm, int n, const uint32_t *words);
/* The entry of order n made of entry `prefix` of order n-1 and the word w, or -1. */
long ngram_find_next(const NgramLm *lm, int n, long prefix, uint32_t w);
/* Entries e..e+k-1 of order n as their words, out (k, n), oldest first; an entry's first word alone. */
void ngram_entry_words(const NgramLm *lm, int n, size_t e, size_t k, uint32_t *out);
uint32_t ngram_first_word(const NgramLm *lm, int n, size_t e);
/* 1 if w is never predicted (p = 0): <s>, context only, and the unused <pad>. */
int ngram_never_predicted(uint32_t w);
/* A line's words as ids, OOV -> <unk> with oov[i] = 1. Returns the number of
 * words; only the first cap are stored (call again with more room). */
size_t ngram_line_ids(const NgramLm *lm, const char *s, size_t len, uint32_t *ids, uint8_t *oov, size_t cap);

/* estimate.c */
/* Chen & Goodman's D1, D2, D3+ from count-of-counts t[1..4]; -1 if undefined. */
int ngram_mkn_discounts(const uint64_t t[5], double D[4]);
void ngram_estimate(NgramLm *lm);         /* discounts + context statistics (needs counts) */
/* Drop what ngram_estimate and ngram_compile_arpa derived, keeping the counts,
 * so the same counts can be estimated again with another estimator or a lower
 * order (set lm->est, lm->order <= the counted order, then ngram_estimate). */
void ngram_reset_estimate(NgramLm *lm);
/* For a Kneser-Ney model that will only be written (ngram train --out x.bin):
 * the raw counts below the top order, once ngram_estimate has used them. No
 * re-estimation afterwards. */
void ngram_drop_lower_counts(NgramLm *lm);
/* ngram train's Kneser-Ney build into an ARPA file, for a model counted with
 * write_only: estimate and write one order at a time, each order's counts,
 * links and statistics freed as soon as no later order needs them (the peak
 * memory). The file is the one ngram_estimate + ngram_compile_arpa +
 * ngram_arpa_write give; the model is good for nothing but ngram_free after. */
void ngram_estimate_to_arpa(NgramLm *lm, const char *path);
/* p(w | h) from the counts for any estimator; h has hlen words, oldest first. */
double ngram_prob_counts(const NgramLm *lm, const uint32_t *h, int hlen, uint32_t w);
/* Fill logp/logbo (backoff estimators only) and, with query = 1, the query
 * tables from them (a model that will only be written as ARPA needs none). */
void ngram_compile_arpa(NgramLm *lm, int query);
/* The query tables lm->q of a compiled model's logp/logbo (query.c). With
 * keep_tables = 0, each order's table is freed once it has been copied, for
 * a model that will only be written as a binary file (the peak memory). */
void ngram_build_query(NgramLm *lm, int keep_tables);

/* arpa.c */
void ngram_arpa_write(const NgramLm *lm, const char *path);
/* The same file written entry by entry (the bounded build): the header with
 * entries[n] n-grams of each order, then per order a section and its entries
 * (log10 backoff written below the top order), then the end, atomically. */
typedef struct {
    FILE *f;
    char *tmp;               /* the file being written, renamed to path at the end */
    const char *path;
    const Vocab *vocab;
    uint32_t *wlen;          /* (vocab size) each word's length */
    int order;
    char *buf;               /* lines not yet written: buf[0..used), room for one more line */
    size_t used, cap, line_max;
} NgramArpaOut;
void ngram_arpa_begin(NgramArpaOut *a, const Vocab *vocab, int order, const size_t *entries, const char *path);
void ngram_arpa_section(NgramArpaOut *a, int n);
void ngram_arpa_entry(NgramArpaOut *a, const uint32_t *words, int n, float logp, float logbo);
/* Order n of a model whose logp (and below the top order logbo) are compiled: its section. */
void ngram_arpa_table(NgramArpaOut *a, const NgramLm *lm, int n);
void ngram_arpa_end(NgramArpaOut *a);
/* Read any ARPA file into lm (zeroed): the vocabulary and the query tables
 * (lm->tab stays empty). Returns 0, or -1 with a message in err. */
int ngram_arpa_read(NgramLm *lm, const char *path, int char_level, char *err, size_t errlen);

/* binary.c: our own model file, the query tables and the words as they sit in
 * memory, used in place: loading maps the file and checks its header (lm->tab
 * stays empty and lm->vocab NULL). */
int ngram_binary_is_model(const char *path);   /* the file starts with the binary magic */
void ngram_binary_write(const NgramLm *lm, const char *path);   /* needs lm->q */
int ngram_binary_read(NgramLm *lm, const char *path, char *err, size_t errlen);
uint64_t ngram_word_hash(const char *s, size_t len);           /* the file's word hash (FNV-1a, 64 bits) */
int ngram_binary_word_id(const NgramQuery *q, const char *s, size_t len);   /* -1 if absent */

/* ------------------------------------------------------------------ bounded memory */

/* sort.c: records of `width` uint32 fields, the n-gram's n words first,
 * sorted through runs on disk in the spill folder (one per process, removed
 * with its files at exit, on error too). */
typedef enum { NGRAM_SORT_CONTEXT, NGRAM_SORT_SUFFIX, NGRAM_SORT_STAMP } NgramSortKey;
typedef struct {
    int n;                   /* words per record */
    int width;               /* uint32 fields per record */
    NgramSortKey key;
    int stamp_at;            /* the field of a 64-bit stamp's low half (stamp order, counting) */
    int nkey, keyat[NGRAM_MAX_ORDER];   /* the fields that decide the order, first the most significant */
    int count_at;            /* >= 0: a counting sorter, the field of the count */
    uint32_t *buf;           /* (cap, width) records not yet spilled */
    size_t len, cap;
    char **runs;             /* (nruns) the sorted run files */
    int nruns;
} NgramSorter;
typedef struct {
    NgramSorter s;           /* the sorter's settings and runs */
    FILE **f;                /* (nruns) */
    int *live;               /* (nruns) run i has a head */
    uint32_t *head;          /* (nruns, width) each run's next record */
    uint32_t *out;           /* (width) the record returned */
} NgramMerge;
void ngram_spill_begin(const char *parent);  /* make the spill folder inside parent */
void ngram_spill_end(void);                  /* remove it and its files */
unsigned long ngram_spill_runs(void);        /* sorted runs written since ngram_spill_begin */
void ngram_spill_name(char *out, size_t cap); /* a new file name inside it */
FILE *ngram_spill_open(const char *path, const char *mode);
void ngram_spill_write(FILE *f, const uint32_t *rec, size_t nfields);
void ngram_spill_close(FILE *f);
/* A sorter whose buffer takes about `bytes`. */
void ngram_sorter_init(NgramSorter *s, int n, int width, NgramSortKey key, int stamp_at, int count_at, size_t bytes);
uint32_t *ngram_sorter_add(NgramSorter *s);  /* room for one record, to fill in */
void ngram_sorter_finish(NgramSorter *s);    /* the last run out, the buffer freed */
void ngram_sorter_free(NgramSorter *s);      /* its runs deleted */
/* A sorter of one run that the caller writes, already in order (then closes
 * with ngram_spill_close): a stream one pass makes for a later one. */
FILE *ngram_sorter_presorted(NgramSorter *s, int n, int width, NgramSortKey key);
/* The finished sorter's records in its order (counting: one per n-gram);
 * several merges may read one sorter at once. */
void ngram_merge_open(NgramMerge *m, const NgramSorter *s);
const uint32_t *ngram_merge_next(NgramMerge *m);   /* NULL at the end */
void ngram_merge_close(NgramMerge *m);

/* bounded.c: ngram train --memory: count the corpus and estimate a KN or
 * modified KN model into an ARPA file at out, in passes over sorted runs
 * whose buffers take about `memory` bytes, spilled under tmp_parent. The file
 * equals the one ngram_arpa_write gives for the in-memory model (word models). */
void ngram_train_bounded(const NgramTrainConfig *cfg, const char *corpus, const char *out, size_t memory,
                         const char *tmp_parent, int quiet);

/* count.c, for the bounded build: the vocabulary by a first pass over the
 * corpus file (lm->vocab, lm->order, ...), then each sentence "<s> ids </s>"
 * given to fn by a second one, the file read through a window so that it never
 * sits in memory whole. */
typedef void (*NgramSentenceFn)(void *ctx, const uint32_t *seq, size_t len);
void ngram_stream_corpus(NgramLm *lm, const NgramTrainConfig *cfg, const char *path, NgramSentenceFn fn, void *ctx);
/* estimate.c: order n's discounts lm->D[n] from its count-of-counts t[1..4]. */
void ngram_set_discounts(NgramLm *lm, int n, const uint64_t t[5]);
/* The KN backoff gamma(h) = (D1 N1(h) + D2 N2(h) + D3+ N3+(h)) / S(h), and
 * log10 p as the tables store it (-99 for p = 0): estimate.c's arithmetic,
 * shared so that the bounded build gets the very same floats. */
double ngram_kn_gamma(const double *D, const uint32_t *nk, double S);
float ngram_log10_prob(double p);

/* score.c: log10 p(w | h) by the model: the backoff recursion when has_arpa,
 * the counts otherwise. *matched gets the length of the n-gram found. */
double ngram_log10prob(const NgramLm *lm, const uint32_t *h, int hlen, uint32_t w, int *matched);

typedef struct {
    double logprob;          /* sum of log10 p over all tokens */
    double logprob_iv;       /* ... over in-vocabulary tokens only */
    uint64_t tokens, oov, sentences;
} NgramPerplexity;

double ngram_ppl_including(const NgramPerplexity *p);
double ngram_ppl_excluding(const NgramPerplexity *p);
/* Score a text (name: for messages; it must be valid UTF-8 without NUL bytes,
 * or exit 1). per_sentence: print each sentence's log10 p; query: KenLM
 * query's per-word lines. out may be NULL. */
void ngram_score_text(const NgramLm *lm, const char *text, size_t len, const char *name, NgramPerplexity *res,
                      FILE *out, int per_sentence, int query);
void ngram_score_file(const NgramLm *lm, const char *path, NgramPerplexity *res, FILE *out, int per_sentence,
                      int query);
/* Sample one sentence (word model, at most max_tokens words) or max_tokens
 * bytes (char model) into out, each token drawn from p(w | h) by the sampler s
 * (common/sample.h: temperature, top-k, top-p; temperature 0 = the most likely). */
void ngram_sample(const NgramLm *lm, const SamplerConfig *s, Rng *rng, int max_tokens, FILE *out);

/* demo.c: the chapter's demo; quick uses a small slice; dies if the Bible corpus is missing.
 * dir: the datasets folder holding bible/, or NULL for data_path()'s choice. */
typedef struct {
    double ppl[7][5];        /* [order 1..6][estimator] validation perplexity */
    double mle_unseen_p;     /* the unseen n-gram's MLE probability (0) */
    double smoothed_p[5];    /* its probability under each estimator */
} NgramDemoResult;
void ngram_demo(const char *dir, const char *out_dir, int quick, int quiet, NgramDemoResult *res);

#endif
