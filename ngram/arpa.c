/*
 * arpa.c -- ARPA files, the lingua franca of n-gram models (SRILM, KenLM).
 *
 *     \data\
 *     ngram 1=3
 *     ngram 2=2
 *
 *     \1-grams:
 *     -1.0    <s>     -0.30        log10 p <TAB> words [<TAB> log10 backoff]
 *     ...
 *     \2-grams:
 *     -0.5    <s> a
 *     ...
 *     \end\
 *
 * All logs are base 10; <s> has p = -99 (never predicted); <pad>, which an
 * n-gram model never uses, is left out (see ngram.h). We write every
 * backoff below the top order (KenLM does the same) with enough digits that a
 * float survives the round trip. The reader accepts any ARPA file: tabs or
 * spaces, optional backoffs, text before \data\, and rejects counts that
 * disagree with \data\, missing sections, bad numbers and unknown words with
 * a message that names the line.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ngram/ngram.h"
#include "util.h"

/* ------------------------------------------------------------------ writing */

/* round(m 10^k / 2^s), exactly (ties to even, as printf rounds), for
 * m < 2^24, k <= 24 and 0 < s < 128: m 10^k < 2^104. */
static uint64_t scaled_round(uint32_t m, int k, int s) {
    static const uint64_t pow10[20] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
        1000000000, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull, 100000000000000ull,
        1000000000000000ull, 10000000000000000ull, 100000000000000000ull, 1000000000000000000ull,
        10000000000000000000ull };
    unsigned __int128 num = (unsigned __int128)m * pow10[k < 19 ? k : 19], one = 1;
    for (int i = 19; i < k; i++) num *= 10;
    unsigned __int128 d = num >> s, rem = num & ((one << s) - 1), half = one << (s - 1);
    if (rem > half || (rem == half && (d & 1))) d++;
    return (uint64_t)d;
}

/* %.9g of a float with 1e-15 <= |x| < 1/16, byte for byte: its 9
 * significant digits D (10^8 <= D < 10^9) are round(|x| 10^(8-X)), X the
 * decimal exponent of the rounded value, found from log10 and corrected by
 * a step if it was off (or the rounding carried to 10^9). Then the digits
 * without trailing zeros, as 0.000ddd for X >= -4, else d.ddde-XX. */
static char *put_small_float(char *p, float x) {
    int ex;
    float fr = frexpf(fabsf(x), &ex);
    uint32_t m = (uint32_t)ldexpf(fr, 24);   /* |x| = m 2^(ex-24), m < 2^24 */
    int X = (int)floor(log10(fabs((double)x)));
    uint64_t D;
    for (;;) {
        D = scaled_round(m, 8 - X, 24 - ex);
        if (D >= 1000000000u) X++;
        else if (D < 100000000u) X--;
        else break;
    }
    char digits[9];
    for (int i = 8; i >= 0; i--) { digits[i] = (char)('0' + D % 10); D /= 10; }
    int len = 9;
    while (digits[len - 1] == '0') len--;
    if (x < 0) *p++ = '-';
    if (X >= -4) {
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -X - 1; i++) *p++ = '0';
        memcpy(p, digits, (size_t)len);
        return p + len;
    }
    *p++ = digits[0];
    if (len > 1) {
        *p++ = '.';
        memcpy(p, digits + 1, (size_t)len - 1);
        p += len - 1;
    }
    *p++ = 'e';
    *p++ = '-';
    *p++ = (char)('0' + -X / 10);
    *p++ = (char)('0' + -X % 10);
    return p;
}

/* A float in few characters that still reads back as the same float: 9
 * decimals for |x| >= 1/16 (finer than half a float ulp there), else %.9g (9
 * significant digits), both by integer arithmetic but for the rare very
 * large or tiny values, which printf writes. */
static char *put_float(char *p, float x) {
    double v = x, a = fabs(v);
    if (v == 0) { *p++ = '0'; return p; }
    if (a < 1e-15 || a >= 1e6) return p + sprintf(p, "%.9g", v);
    if (a < 0.0625) return put_small_float(p, x);
    if (v < 0) *p++ = '-';
    uint64_t q = (uint64_t)llround(a * 1e9);
    uint64_t ip = q / 1000000000u, fp = q % 1000000000u;
    char rev[24];
    int k = 0;
    do { rev[k++] = (char)('0' + ip % 10); ip /= 10; } while (ip);
    while (k) *p++ = rev[--k];
    if (fp) {
        char digits[10];
        for (int i = 8; i >= 0; i--) { digits[i] = (char)('0' + fp % 10); fp /= 10; }
        int len = 9;
        while (digits[len - 1] == '0') len--;
        *p++ = '.';
        memcpy(p, digits, (size_t)len);
        p += len;
    }
    return p;
}

/* Lines go into a buffer of their own, written out when full: cheaper than
 * a stdio call per line. */
#define ARPA_BUFFER ((size_t)1 << 20)

static void flush_lines(NgramArpaOut *a) {
    if (a->used && fwrite(a->buf, 1, a->used, a->f) != a->used) die("write error in '%s'", a->tmp);
    a->used = 0;
}

void ngram_arpa_begin(NgramArpaOut *a, const Vocab *vocab, int order, const size_t *entries, const char *path) {
    memset(a, 0, sizeof *a);
    a->f = atomic_open(path, &a->tmp);
    a->path = path;
    a->vocab = vocab;
    a->order = order;
    fprintf(a->f, "\\data\\\n");
    for (int n = 1; n <= order; n++) fprintf(a->f, "ngram %d=%zu\n", n, entries[n]);
    size_t longest = 0;
    a->wlen = xmalloc((size_t)vocab->size * sizeof *a->wlen);
    for (int id = 0; id < vocab->size; id++) {
        a->wlen[id] = (uint32_t)strlen(vocab->tokens[id]);
        if (a->wlen[id] > longest) longest = a->wlen[id];
    }
    a->line_max = (size_t)order * (longest + 1) + 64;
    a->cap = ARPA_BUFFER + a->line_max;
    a->buf = xmalloc(a->cap);
}

void ngram_arpa_section(NgramArpaOut *a, int n) {
    flush_lines(a);
    fprintf(a->f, "\n\\%d-grams:\n", n);
}

void ngram_arpa_entry(NgramArpaOut *a, const uint32_t *words, int n, float logp, float logbo) {
    char *p = put_float(a->buf + a->used, logp);
    for (int i = 0; i < n; i++) {
        *p++ = i ? ' ' : '\t';
        memcpy(p, a->vocab->tokens[words[i]], a->wlen[words[i]]);
        p += a->wlen[words[i]];
    }
    if (n < a->order) { *p++ = '\t'; p = put_float(p, logbo); }
    *p++ = '\n';
    a->used = (size_t)(p - a->buf);
    if (a->used > a->cap - a->line_max) flush_lines(a);
}

void ngram_arpa_end(NgramArpaOut *a) {
    flush_lines(a);
    free(a->buf);
    free(a->wlen);
    fprintf(a->f, "\n\\end\\\n");
    if (ferror(a->f)) die("write error in '%s'", a->tmp);
    atomic_commit(a->f, a->tmp, a->path);
    memset(a, 0, sizeof *a);
}

#define WORDS_BATCH 64   /* entries spelt out at once (ngram_entry_words) */

void ngram_arpa_table(NgramArpaOut *a, const NgramLm *lm, int n) {
    const NgramTable *t = &lm->tab[n];
    uint32_t g[WORDS_BATCH * NGRAM_MAX_ORDER];
    ngram_arpa_section(a, n);
    for (size_t e0 = 0; e0 < t->len; e0 += WORDS_BATCH) {
        size_t k = t->len - e0 < WORDS_BATCH ? t->len - e0 : WORDS_BATCH;
        ngram_entry_words(lm, n, e0, k, g);
        for (size_t i = 0; i < k; i++) {
            size_t e = e0 + i;
            if (n == 1 && e == VOCAB_PAD) continue;
            ngram_arpa_entry(a, g + i * n, n, t->logp[e], n < lm->order ? t->logbo[e] : 0.0f);
        }
    }
}

void ngram_arpa_write(const NgramLm *lm, const char *path) {
    if (!lm->has_arpa || !lm->tab[1].logp) die("internal: model has no ARPA tables (a model read from a file keeps only its query tables)");
    size_t entries[NGRAM_MAX_ORDER + 1];
    for (int n = 1; n <= lm->order; n++) entries[n] = ngram_entries(lm, n);
    NgramArpaOut a;
    ngram_arpa_begin(&a, lm->vocab, lm->order, entries, path);
    for (int n = 1; n <= lm->order; n++) ngram_arpa_table(&a, lm, n);
    ngram_arpa_end(&a);
}

/* ------------------------------------------------------------------ reading */

typedef struct {
    FILE *f;                 /* read line by line: the file never sits in memory whole */
    char *buf;               /* getline's buffer */
    size_t cap;
    char *pushed;            /* a line given back by unread_line */
    int cache_n;             /* the previous n-gram's order, words and ids */
    const char *cache_word[NGRAM_MAX_ORDER];
    uint32_t cache_id[NGRAM_MAX_ORDER];
    struct {                 /* the n-gram read last, added after the next line is read */
        uint32_t words[NGRAM_MAX_ORDER];
        int n;               /* 0: none */
        float logp, logbo;
        long lineno;
    } pending;
    long lineno;
    long size;               /* the file's bytes: no section can list more n-grams */
    const char *path;
    char *err;
    size_t errlen;
} Reader;

/* The next line, NUL-terminated in place, trailing whitespace dropped; NULL at EOF. */
static char *next_line(Reader *r) {
    if (r->pushed) {
        char *line = r->pushed;
        r->pushed = NULL;
        return line;
    }
    ssize_t n = getline(&r->buf, &r->cap, r->f);
    if (n < 0) return NULL;
    char *line = r->buf, *e = line + n;
    while (e > line && (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) *--e = '\0';
    r->lineno++;
    return line;
}

/* Give the line back: the next next_line returns it again. */
static void unread_line(Reader *r, char *line) { r->pushed = line; }

static int is_blank(const char *s) {
    while (*s == ' ' || *s == '\t') s++;
    return *s == '\0';
}

static char *next_nonblank(Reader *r) {
    char *line;
    while ((line = next_line(r)) && is_blank(line)) {}
    return line;
}

static int fail(Reader *r, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->err, r->errlen, "%s:%ld: %s", r->path, r->lineno, msg);
    return -1;
}

/* Split s at whitespace into at most max fields; returns the count (max+1 if more). */
static int split_fields(char *s, char **field, int max) {
    int k = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t') *s++ = '\0';
        if (!*s) return k;
        if (k == max) return max + 1;
        field[k++] = s;
        while (*s && *s != ' ' && *s != '\t') s++;
    }
}

/* Plain decimals ("-1.2345678") parsed fast and rounded exactly as strtod
 * rounds them: up to 15 digits form an exact integer m < 2^53 and 10^k is
 * exact for k <= 22, so m / 10^k is a single correctly rounded division.
 * Anything else (exponents, inf, long digit strings) goes to strtod. */
static int parse_float(const char *s, float *out) {
    const char *p = s;
    int neg = *p == '-';
    if (*p == '-' || *p == '+') p++;
    uint64_t m = 0;
    int digits = 0, frac = 0, seen_dot = 0;
    for (;; p++) {
        if (*p >= '0' && *p <= '9') {
            m = m * 10 + (uint64_t)(*p - '0');
            digits++;
            frac += seen_dot;
        } else if (*p == '.' && !seen_dot) seen_dot = 1;
        else break;
    }
    if (*p == '\0' && digits > 0 && digits <= 15 && frac <= 22) {
        static const double pow10[23] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                          1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
        double v = (double)m / pow10[frac];
        *out = (float)(neg ? -v : v);
        return 0;
    }
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || isnan(v)) return -1;
    *out = (float)v;
    return 0;
}

static int read_header(Reader *r, size_t *counts, int *order) {
    char *line;
    while ((line = next_line(r)) && strcmp(line, "\\data\\") != 0) {}
    if (!line) return fail(r, "no \\data\\ header: not an ARPA file");
    *order = 0;
    while ((line = next_nonblank(r)) && strncmp(line, "ngram ", 6) == 0) {
        int n;
        long long c;
        char extra;
        if (sscanf(line + 6, "%d=%lld %c", &n, &c, &extra) != 2 || c < 0)
            return fail(r, "bad count line '%s' in \\data\\ (expected 'ngram N=COUNT')", line);
        if (n != *order + 1) return fail(r, "\\data\\ lists order %d after order %d", n, *order);
        if (n > NGRAM_MAX_ORDER) return fail(r, "order %d is above the maximum %d", n, NGRAM_MAX_ORDER);
        if (c > r->size) return fail(r, "'ngram %d=%lld' lists more n-grams than the file has bytes", n, c);
        counts[n] = (size_t)c;
        *order = n;
    }
    if (*order == 0) return fail(r, "\\data\\ lists no 'ngram N=COUNT' lines");
    if (counts[1] == 0) return fail(r, "\\data\\ says there are no unigrams");
    if (!line) return fail(r, "file ends after \\data\\: the n-gram sections are missing");
    unread_line(r, line);   /* the first section header */
    return 0;
}

/* Add the n-gram read_entry left pending, if any. */
static int add_pending(Reader *r, NgramLm *lm) {
    int n = r->pending.n;
    if (!n) return 0;
    r->pending.n = 0;
    if (ngram_query_add(&lm->q, r->pending.words, n, r->pending.logp, r->pending.logbo) == 0) return 0;
    r->lineno = r->pending.lineno;
    return fail(r, "duplicate %d-gram '%s'", n, lm->vocab->tokens[r->pending.words[0]]);
}

/* One "log10p words [backoff]" line of order n into the model. */
static int read_entry(Reader *r, NgramLm *lm, int n, char *line) {
    char *field[NGRAM_MAX_ORDER + 2];
    int k = split_fields(line, field, n + 2);
    if (k != n + 1 && k != n + 2)
        return fail(r, "a %d-gram line needs log10p, %d word%s and an optional backoff; got %d field%s",
                    n, n, n > 1 ? "s" : "", k, k == 1 ? "" : "s");
    float logp, logbo = 0.0f;
    if (parse_float(field[0], &logp) != 0) return fail(r, "bad probability '%s'", field[0]);
    if (k == n + 2 && parse_float(field[n + 1], &logbo) != 0)
        return fail(r, "bad backoff '%s'", field[n + 1]);
    if (logp > 1e-3f) return fail(r, "log10 probability %g is above 0", logp);
    if (logp > 0) logp = 0;   /* rounding in the writer */
    uint32_t g[NGRAM_MAX_ORDER];
    for (int i = 0; i < n; i++) {
        /* ARPA files list n-grams sorted, so a word often repeats the one above it */
        if (r->cache_n == n && strcmp(r->cache_word[i], field[i + 1]) == 0) { g[i] = r->cache_id[i]; continue; }
        size_t len = strlen(field[i + 1]);
        int id = vocab_find(lm->vocab, field[i + 1], len);
        if (n == 1 && id < 0) id = vocab_add(lm->vocab, field[i + 1], len, 0);   /* the next id */
        if (id < 0) return fail(r, "word '%s' of a %d-gram is not among the unigrams", field[i + 1], n);
        g[i] = (uint32_t)id;
    }
    if (n > 1) {
        r->cache_n = n;
        for (int i = 0; i < n; i++) {
            r->cache_id[i] = g[i];
            r->cache_word[i] = lm->vocab->tokens[g[i]];
        }
    }
    if (n == 1) {   /* a unigram not read yet has p = NaN (ngram_arpa_read's mark), the specials included */
        if (!isnan(lm->q.uni[g[0]].logp)) return fail(r, "duplicate 1-gram '%s'", field[1]);
        ngram_query_add(&lm->q, g, 1, logp, logbo);
        return 0;
    }
    /* Its table slots are random accesses: ask for them now, add the n-gram
     * after the next line has been read and parsed, while they arrive. */
    ngram_query_prefetch(&lm->q, g, n);
    if (add_pending(r, lm) != 0) return -1;
    memcpy(r->pending.words, g, (size_t)n * sizeof *g);
    r->pending.n = n;
    r->pending.logp = logp;
    r->pending.logbo = logbo;
    r->pending.lineno = r->lineno;
    return 0;
}

/* Specials the file lacks: <unk> gets log10 p = -100 as in KenLM; <s>, </s>
 * and <pad> -99 (only a missing </s> deserves a warning). */
static void fill_missing_specials(NgramLm *lm, const char *path) {
    NgramUnigram *u = lm->q.uni;
    for (uint32_t id = 0; id < VOCAB_NSPECIAL; id++) {
        if (!isnan(u[id].logp)) continue;
        if (!ngram_never_predicted(id)) warn("%s has no %s unigram; giving it log10 p = %d", path,
                                             lm->vocab->tokens[id], id == VOCAB_UNK ? -100 : -99);
        u[id] = (NgramUnigram){ id == VOCAB_UNK ? -100.0f : NGRAM_LOG10_ZERO, 0.0f };
    }
}

static int read_sections(Reader *r, NgramLm *lm, const size_t *counts) {
    for (int n = 1; n <= lm->order; n++) {
        char want[32];
        snprintf(want, sizeof want, "\\%d-grams:", n);
        char *line = next_nonblank(r);
        if (!line) return fail(r, "file ends before the %s section", want);
        if (strcmp(line, want) != 0) return fail(r, "expected %s, found '%s'", want, line);
        for (size_t i = 0; i < counts[n]; i++) {
            line = next_nonblank(r);
            if (!line || line[0] == '\\')
                return fail(r, "the %d-gram section has %zu entries but \\data\\ says %zu", n, i, counts[n]);
            if (read_entry(r, lm, n, line) != 0) return -1;
        }
        if (add_pending(r, lm) != 0) return -1;   /* the section complete before the next one's blanks */
        line = next_nonblank(r);
        if (line && line[0] != '\\')
            return fail(r, "the %d-gram section has more entries than the %zu \\data\\ says", n, counts[n]);
        if (line) unread_line(r, line);
        if (n == 1) fill_missing_specials(lm, r->path);   /* before any blank reads their p */
    }
    char *line = next_nonblank(r);
    if (!line) return fail(r, "missing \\end\\ (the file is truncated?)");
    if (strcmp(line, "\\end\\") != 0) return fail(r, "expected \\end\\, found '%s'", line);
    return 0;
}

int ngram_arpa_read(NgramLm *lm, const char *path, int char_level, char *err, size_t errlen) {
    memset(lm, 0, sizeof *lm);
    Reader r = { 0 };
    r.f = fopen_file(path, "rb", err, errlen);
    if (!r.f) return -1;
    r.path = path;
    fseek(r.f, 0, SEEK_END);
    r.size = ftell(r.f);
    rewind(r.f);
    r.err = err;
    r.errlen = errlen;
    size_t counts[NGRAM_MAX_ORDER + 1] = { 0 };
    int order = 0, rc = read_header(&r, counts, &order);
    if (rc == 0) {
        lm->order = order;
        lm->char_level = char_level;
        lm->est = NGRAM_EST_MKN;
        lm->vocab = vocab_new(VOCAB_WORD);
        ngram_query_init(&lm->q, order, (uint32_t)(counts[1] + VOCAB_NSPECIAL), counts);
        for (size_t id = 0; id < lm->q.V; id++) lm->q.uni[id].logp = NAN;   /* not read yet */
        rc = read_sections(&r, lm, counts);
    }
    free(r.buf);
    fclose(r.f);
    if (rc != 0) { ngram_free(lm); return -1; }
    lm->q.V = (uint32_t)lm->vocab->size;   /* the specials the file listed were counted twice */
    lm->has_arpa = 1;
    return 0;
}
