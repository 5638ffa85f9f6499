/* text.c -- UTF-8, vocabularies, splits and token files. See text.h. */
#include "text.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const SPECIALS[VOCAB_NSPECIAL] = {"<unk>", "<s>", "</s>", "<pad>"};

/* ------------------------------------------------------------------ UTF-8 */

static int is_cont(unsigned char b) { return (b & 0xC0) == 0x80; }

int utf8_decode(const char *s, size_t n, uint32_t *cp) {
    const unsigned char *u = (const unsigned char *)s;
    if (n == 0) return 0;
    unsigned char b = u[0];
    if (b < 0x80) { *cp = b; return 1; }
    int len;
    uint32_t c, min;
    if (b >= 0xC2 && b <= 0xDF)      { len = 2; c = b & 0x1F; min = 0x80; }
    else if (b >= 0xE0 && b <= 0xEF) { len = 3; c = b & 0x0F; min = 0x800; }
    else if (b >= 0xF0 && b <= 0xF4) { len = 4; c = b & 0x07; min = 0x10000; }
    else return 0;   /* stray continuation byte, C0/C1 (always overlong), or F5..FF */
    if (n < (size_t)len) return 0;   /* cut short by the end of the buffer */
    for (int i = 1; i < len; i++) {
        if (!is_cont(u[i])) return 0;
        c = (c << 6) | (u[i] & 0x3F);
    }
    if (c < min) return 0;                       /* overlong: a shorter form exists */
    if (c >= 0xD800 && c <= 0xDFFF) return 0;    /* UTF-16 surrogates are not characters */
    if (c > 0x10FFFF) return 0;
    *cp = c;
    return len;
}

int utf8_encode(uint32_t cp, char *out) {
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

int utf8_validate(const char *s, size_t n, size_t *bad_offset) {
    size_t i = 0;
    while (i < n) {
        if ((unsigned char)s[i] < 0x80) { i++; continue; }   /* ASCII fast path */
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        if (k == 0) {
            if (bad_offset) *bad_offset = i;
            return 0;
        }
        i += (size_t)k;
    }
    return 1;
}

size_t text_line_of(const char *s, size_t off) {
    size_t line = 1;
    for (size_t i = 0; i < off; i++) line += s[i] == '\n';
    return line;
}

int text_check(const char *name, const char *s, size_t n, size_t *bad_offset, char *err, size_t errlen) {
    size_t bad;
    if (!utf8_validate(s, n, &bad)) {
        if (bad_offset) *bad_offset = bad;
        return err_set(err, errlen, "'%s': invalid UTF-8 at byte %zu (line %zu)\n"
                    "HINT: convert it first, e.g. iconv -f latin1 -t utf-8 '%s' > '%s.utf8'",
                    name, bad, text_line_of(s, bad), name, name);
    }
    const char *nul = memchr(s, '\0', n);
    if (nul) {
        bad = (size_t)(nul - s);
        if (bad_offset) *bad_offset = bad;
        return err_set(err, errlen, "'%s': NUL byte at byte %zu (line %zu): not a text file\n"
                    "HINT: is it a binary file (a token file or checkpoint)?", name, bad, text_line_of(s, bad));
    }
    return 0;
}

int text_read(const char *path, char **buf, size_t *len, size_t *bad_offset, char *err, size_t errlen) {
    if (bad_offset) *bad_offset = SIZE_MAX;
    char *s = NULL;
    size_t n = 0;
    if (file_read(path, &s, &n, err, errlen) != 0) return -1;
    if (text_check(path, s, n, bad_offset, err, errlen) != 0) {
        free(s);
        return -1;
    }
    *buf = s;
    *len = n;
    return 0;
}

char *text_load(const char *path, size_t *len) {
    char err[1024], *buf;
    size_t n;
    if (text_read(path, &buf, &n, NULL, err, sizeof err) != 0) die("%s", err);
    if (len) *len = n;
    return buf;
}

Lines *lines_from_buffer(char *buf, size_t len) {
    Lines *l = xcalloc(1, sizeof *l);
    l->buf = buf;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += buf[i] == '\n';
    if (len > 0 && buf[len - 1] != '\n') n++;   /* a last line without its newline */
    l->line = xmalloc((n ? n : 1) * sizeof(char *));
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != '\n') continue;
        buf[i] = '\0';
        if (i > start && buf[i - 1] == '\r') buf[i - 1] = '\0';
        l->line[l->n++] = buf + start;
        start = i + 1;
    }
    if (start < len) l->line[l->n++] = buf + start;   /* ended by the NUL at buf[len] */
    return l;
}

Lines *lines_load(const char *path) {
    size_t len;
    char *buf = text_load(path, &len);
    return lines_from_buffer(buf, len);
}

void lines_free(Lines *l) {
    if (!l) return;
    free(l->buf);
    free(l->line);
    free(l);
}

/* ------------------------------------------------------------ vocabularies */

static Vocab *vocab_empty(VocabKind kind) {
    Vocab *v = xcalloc(1, sizeof *v);
    v->kind = kind;
    v->cap = 64;
    v->tokens = xmalloc((size_t)v->cap * sizeof(char *));
    v->counts = xmalloc((size_t)v->cap * sizeof(long));
    strmap_init(&v->index);
    return v;
}

/* Append a token known to be absent; returns its id. */
static int append_token(Vocab *v, const char *s, size_t len, long count) {
    if (v->size == INT32_MAX - 1) die("vocabulary too large (over %d tokens)", v->size);
    if (v->size == v->cap) {
        v->cap = v->cap > INT32_MAX / 2 ? INT32_MAX : v->cap * 2;
        v->tokens = xrealloc(v->tokens, (size_t)v->cap * sizeof(char *));
        v->counts = xrealloc(v->counts, (size_t)v->cap * sizeof(long));
    }
    char *t = xmalloc(len + 1);
    memcpy(t, s, len);
    t[len] = '\0';
    int id = v->size++;
    v->tokens[id] = t;
    v->counts[id] = count;
    strmap_intern(&v->index, s, len, NULL);   /* entry number == id: ids are added in order */
    return id;
}

Vocab *vocab_new(VocabKind kind) {
    Vocab *v = vocab_empty(kind);
    for (int i = 0; i < VOCAB_NSPECIAL; i++) append_token(v, SPECIALS[i], strlen(SPECIALS[i]), 0);
    return v;
}

void vocab_free(Vocab *v) {
    if (!v) return;
    for (int i = 0; i < v->size; i++) free(v->tokens[i]);
    free(v->tokens);
    free(v->counts);
    strmap_free(&v->index);
    free(v);
}

int vocab_find(const Vocab *v, const char *s, size_t len) {
    return strmap_find(&v->index, s, len);
}

int vocab_id(const Vocab *v, const char *token) {
    int id = vocab_find(v, token, strlen(token));
    return id < 0 ? VOCAB_UNK : id;
}

const char *vocab_token(const Vocab *v, int id) {
    if (id < 0 || id >= v->size) die("token id %d is out of range [0, %d)", id, v->size);
    return v->tokens[id];
}

int vocab_add(Vocab *v, const char *s, size_t len, long count) {
    if (len == 0) die("vocab_add: empty token");
    int id = vocab_find(v, s, len);
    if (id < 0) return append_token(v, s, len, count);
    v->counts[id] += count;
    return id;
}

/* Word separators: ASCII whitespace, and NUL, which text_read never lets through
 * but which would otherwise cut a C-string token short. */
static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '\0';
}

/* The next token of text[*pos..len): sets *start and returns its length, or 0 at
 * the end. A char token that is not valid UTF-8 comes back as one byte with
 * *valid = 0; a NUL code point likewise (it cannot be a C-string token). */
static size_t next_token(VocabKind kind, const char *text, size_t len, size_t *pos,
                         size_t *start, int *valid) {
    size_t i = *pos;
    *valid = 1;
    if (kind == VOCAB_WORD) {
        while (i < len && is_space(text[i])) i++;
        size_t j = i;
        while (j < len && !is_space(text[j])) j++;
        *start = i;
        *pos = j;
        return j - i;
    }
    if (i >= len) return 0;
    uint32_t cp;
    int k = utf8_decode(text + i, len - i, &cp);
    if (k == 0 || cp == 0) { k = 1; *valid = 0; }
    *start = i;
    *pos = i + (size_t)k;
    return (size_t)k;
}

void vocab_count(Vocab *v, const char *text, size_t len) {
    size_t pos = 0, start, n;
    int valid;
    while ((n = next_token(v->kind, text, len, &pos, &start, &valid)) > 0)
        if (valid) vocab_add(v, text + start, n, 1);
}

/* Sort order of a vocabulary: count descending, then bytes ascending. */
typedef struct { long count; const char *token; } CountedToken;
static int by_count_then_bytes(const void *a, const void *b) {
    const CountedToken *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return strcmp(x->token, y->token);   /* strcmp compares bytes as unsigned char */
}

Vocab *vocab_prune(const Vocab *full, long min_count, int max_size) {
    if (min_count < 1) die("vocab_prune: min_count must be >= 1, got %ld", min_count);
    if (max_size != 0 && max_size <= VOCAB_NSPECIAL)
        die("vocabulary max size must exceed the %d special tokens, got %d", VOCAB_NSPECIAL, max_size);
    int n = full->size - VOCAB_NSPECIAL;
    CountedToken *order = xmalloc((size_t)(n > 0 ? n : 1) * sizeof *order);
    for (int i = 0; i < n; i++)
        order[i] = (CountedToken){full->counts[VOCAB_NSPECIAL + i], full->tokens[VOCAB_NSPECIAL + i]};
    qsort(order, (size_t)n, sizeof *order, by_count_then_bytes);
    Vocab *v = vocab_new(full->kind);
    for (int i = 0; i < VOCAB_NSPECIAL; i++) v->counts[i] = full->counts[i];
    for (int i = 0; i < n; i++) {
        int keep = order[i].count >= min_count && (max_size == 0 || v->size < max_size);
        if (keep) append_token(v, order[i].token, strlen(order[i].token), order[i].count);
        else v->counts[VOCAB_UNK] += order[i].count;
    }
    free(order);
    return v;
}

Vocab *vocab_build(VocabKind kind, const char *text, size_t len, long min_count, int max_size) {
    Vocab *full = vocab_new(kind);
    vocab_count(full, text, len);
    Vocab *v = vocab_prune(full, min_count, max_size);
    vocab_free(full);
    return v;
}

size_t vocab_encode(const Vocab *v, const char *text, size_t len, int *out, size_t cap) {
    size_t pos = 0, start, n, count = 0;
    int valid;
    while ((n = next_token(v->kind, text, len, &pos, &start, &valid)) > 0) {
        int id = valid ? vocab_find(v, text + start, n) : -1;
        if (count < cap) out[count] = id < 0 ? VOCAB_UNK : id;
        count++;
    }
    return count;
}

int *text_sentence_stream(const Vocab *v, const char *text, size_t len, int lead_eos, size_t *n) {
    char *copy = xmalloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    Lines *lines = lines_from_buffer(copy, len);
    size_t total = lead_eos ? 1 : 0, k = 0;
    for (size_t i = 0; i < lines->n; i++) total += vocab_encode(v, lines->line[i], strlen(lines->line[i]), NULL, 0) + 1;
    int *ids = xmalloc((total ? total : 1) * sizeof(int));
    if (lead_eos) ids[k++] = VOCAB_EOS;
    for (size_t i = 0; i < lines->n; i++) {
        k += vocab_encode(v, lines->line[i], strlen(lines->line[i]), ids + k, total - k);
        ids[k++] = VOCAB_EOS;
    }
    lines_free(lines);
    *n = k;
    return ids;
}

/* ---- vocabulary files */

static const char *kind_name(VocabKind k) { return k == VOCAB_CHAR ? "char" : "word"; }

static void write_escaped(FILE *f, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '\\': fputs("\\\\", f); break;
        case '\t': fputs("\\t", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        default: fputc(*s, f);
        }
    }
}

void vocab_save(const Vocab *v, const char *path) {
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    fprintf(f, "nlp-vocab 1 %s %d\n", kind_name(v->kind), v->size);
    for (int i = 0; i < v->size; i++) {
        write_escaped(f, v->tokens[i]);
        fprintf(f, "\t%ld\n", v->counts[i]);
    }
    if (ferror(f)) die("write error in '%s'", tmp);
    atomic_commit(f, tmp, path);
}

/* Undo write_escaped in place; returns -1 on an unknown escape. */
static int unescape(char *s) {
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r != '\\') { *w++ = *r; continue; }
        r++;
        switch (*r) {
        case '\\': *w++ = '\\'; break;
        case 't': *w++ = '\t'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        default: return -1;
        }
    }
    *w = '\0';
    return 0;
}

/* Parse "nlp-vocab 1 word|char V" into *kind, *size. */
static int parse_vocab_header(const char *line, VocabKind *kind, int *size) {
    char kname[8], extra;
    int version;
    if (sscanf(line, "nlp-vocab %d %7s %d %c", &version, kname, size, &extra) != 3) return -1;
    if (version != 1 || *size < VOCAB_NSPECIAL) return -1;
    if (strcmp(kname, "word") == 0) *kind = VOCAB_WORD;
    else if (strcmp(kname, "char") == 0) *kind = VOCAB_CHAR;
    else return -1;
    return 0;
}

/* Parse one "token<TAB>count" line (modified in place) of a vocabulary of the
 * given kind; returns NULL on success or a description of what is wrong. */
static const char *parse_vocab_line(char *line, VocabKind kind, char **token, long *count) {
    char *tab = strrchr(line, '\t');
    if (!tab) return "expected 'token<TAB>count'";
    *tab = '\0';
    char *end;
    errno = 0;
    *count = strtol(tab + 1, &end, 10);
    if (tab[1] == '\0' || *end != '\0' || errno || *count < 0) return "the count is not a non-negative integer";
    if (unescape(line) != 0) return "unknown backslash escape in the token";
    if (line[0] == '\0') return "empty token";
    if (kind == VOCAB_WORD) {
        for (char *p = line; *p; p++)
            if (is_space(*p)) return "a word token contains whitespace";
    } else {
        uint32_t cp;
        size_t n = strlen(line);
        int is_special = 0;
        for (int i = 0; i < VOCAB_NSPECIAL; i++) is_special |= strcmp(line, SPECIALS[i]) == 0;
        if (!is_special && (size_t)utf8_decode(line, n, &cp) != n) return "a char token must be exactly one character";
    }
    *token = line;
    return NULL;
}

int vocab_read(const char *path, Vocab **out, char *err, size_t errlen) {
    char *buf;
    size_t len;
    if (text_read(path, &buf, &len, NULL, err, errlen) != 0) return -1;
    Lines *l = lines_from_buffer(buf, len);
    int rc = 0;
    Vocab *v = NULL;
    VocabKind kind;
    int size;
    if (l->n == 0) {
        rc = err_set(err, errlen, "'%s' is empty: expected a vocabulary header 'nlp-vocab 1 word|char V'", path);
        goto done;
    }
    if (parse_vocab_header(l->line[0], &kind, &size) != 0) {
        rc = err_set(err, errlen, "'%s' line 1: not a vocabulary header (expected 'nlp-vocab 1 word|char V' "
                  "with V >= %d)", path, VOCAB_NSPECIAL);
        goto done;
    }
    if (l->n - 1 != (size_t)size) {
        rc = err_set(err, errlen, "'%s': the header says %d tokens but %zu lines follow it%s",
                  path, size, l->n - 1, l->n - 1 < (size_t)size ? " (truncated?)" : "");
        goto done;
    }
    v = vocab_empty(kind);
    for (int id = 0; id < size; id++) {
        char *token;
        long count;
        const char *why = parse_vocab_line(l->line[id + 1], kind, &token, &count);
        if (why) { rc = err_set(err, errlen, "'%s' line %d: %s", path, id + 2, why); goto done; }
        if (id < VOCAB_NSPECIAL && strcmp(token, SPECIALS[id]) != 0) {
            rc = err_set(err, errlen, "'%s' line %d: expected the special token '%s' at id %d, found '%s'",
                      path, id + 2, SPECIALS[id], id, token);
            goto done;
        }
        int dup = vocab_find(v, token, strlen(token));
        if (dup >= 0) {
            rc = err_set(err, errlen, "'%s' line %d: duplicate token '%s' (first on line %d)",
                      path, id + 2, token, dup + 2);
            goto done;
        }
        append_token(v, token, strlen(token), count);
    }
done:
    lines_free(l);
    if (rc != 0) { vocab_free(v); return rc; }
    *out = v;
    return 0;
}

Vocab *vocab_load(const char *path) {
    char err[1024];
    Vocab *v;
    if (vocab_read(path, &v, err, sizeof err) != 0) die("%s", err);
    return v;
}

/* ------------------------------------------------------------------ splits */

void split_assign(unsigned char *split, size_t n, double valid_frac, double test_frac, SplitMode mode) {
    if (!(valid_frac >= 0 && test_frac >= 0 && valid_frac + test_frac <= 1.0 + 1e-12))
        die("split fractions must be >= 0 and sum to at most 1 (valid %g, test %g)", valid_frac, test_frac);
    size_t n_valid = (size_t)llround((double)n * valid_frac);
    size_t n_test = (size_t)llround((double)n * test_frac);
    if (n_valid + n_test > n) n_test = n - n_valid;
    if (mode == SPLIT_CONTIGUOUS) {
        size_t n_train = n - n_valid - n_test;
        for (size_t i = 0; i < n; i++)
            split[i] = i < n_train ? SPLIT_TRAIN : i < n_train + n_valid ? SPLIT_VALID : SPLIT_TEST;
        return;
    }
    /* Interleaved: after i+1 items split s should hold (i+1) * share[s]; give item
     * i to the split with the largest deficit, like Bresenham's line drawing. */
    double share[3] = {0, (double)n_valid / (n ? (double)n : 1.0), (double)n_test / (n ? (double)n : 1.0)};
    share[0] = 1.0 - share[1] - share[2];
    size_t got[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        int best = 0;
        double best_deficit = -1e300;
        for (int s = 0; s < 3; s++) {
            double deficit = (double)(i + 1) * share[s] - (double)got[s];
            if (share[s] > 0 && deficit > best_deficit + 1e-9) { best = s; best_deficit = deficit; }
        }
        split[i] = (unsigned char)best;
        got[best]++;
    }
}

/* ------------------------------------------------------------- the Bible task */

static const char *const bible_division_names[BIBLE_DIVISIONS] = {
    "law", "history", "wisdom", "prophets", "gospels", "acts", "epistles", "revelation"};

int bible_division(const char *label) {
    size_t n = strcspn(label, "\t");
    for (int k = 0; k < BIBLE_DIVISIONS; k++)
        if (strlen(bible_division_names[k]) == n && !strncmp(label, bible_division_names[k], n)) return k;
    return -1;
}

/* ------------------------------------------------------------- token files */

#define TOKENS_MAGIC "NLPTOKEN"
#define TOKENS_HEADER 32
#define TOKENS_U16 1u

static void put_u32(unsigned char *p, uint32_t x) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(x >> (8 * i)); }
static void put_u64(unsigned char *p, uint64_t x) { for (int i = 0; i < 8; i++) p[i] = (unsigned char)(x >> (8 * i)); }
static uint32_t get_u32(const unsigned char *p) {
    uint32_t x = 0;
    for (int i = 3; i >= 0; i--) x = (x << 8) | p[i];
    return x;
}
static uint64_t get_u64(const unsigned char *p) {
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--) x = (x << 8) | p[i];
    return x;
}

void tokens_save(const char *path, const int *ids, size_t n, int vocab_size) {
    if (vocab_size <= 0) die("tokens_save: vocabulary size must be positive, got %d", vocab_size);
    for (size_t i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= vocab_size)
            die("tokens_save '%s': id %d at position %zu is outside [0, %d)", path, ids[i], i, vocab_size);
    int u16 = vocab_size <= 65536;
    unsigned char h[TOKENS_HEADER] = {0};
    memcpy(h, TOKENS_MAGIC, 8);
    put_u32(h + 8, TOKENS_VERSION);
    put_u32(h + 12, u16 ? TOKENS_U16 : 0);
    put_u64(h + 16, n);
    put_u32(h + 24, (uint32_t)vocab_size);
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    xfwrite(h, 1, TOKENS_HEADER, f, tmp);
    unsigned char chunk[4096];
    size_t width = u16 ? 2 : 4, per = sizeof chunk / width;
    for (size_t i = 0; i < n; i += per) {
        size_t m = n - i < per ? n - i : per;
        for (size_t j = 0; j < m; j++) {
            uint32_t x = (uint32_t)ids[i + j];
            if (u16) { chunk[2 * j] = (unsigned char)x; chunk[2 * j + 1] = (unsigned char)(x >> 8); }
            else put_u32(chunk + 4 * j, x);
        }
        xfwrite(chunk, width, m, f, tmp);
    }
    atomic_commit(f, tmp, path);
}

/* Check the header h of a file of file_size bytes; fills *n, *vocab_size, *width. */
static int check_tokens_header(const char *path, const unsigned char *h, size_t got, uint64_t file_size,
                               size_t *n, int *vocab_size, size_t *width, char *err, size_t errlen) {
    if (got < 8 || memcmp(h, TOKENS_MAGIC, 8) != 0)
        return err_set(err, errlen, "'%s' is not a token file (wrong magic; expected \"%s\")\n"
                    "HINT: token files are written by tokens_save; is this a text file or checkpoint?",
                    path, TOKENS_MAGIC);
    if (got < TOKENS_HEADER)
        return err_set(err, errlen, "'%s' is truncated: %zu bytes, shorter than the %d-byte header",
                    path, got, TOKENS_HEADER);
    uint32_t version = get_u32(h + 8), flags = get_u32(h + 12), vs = get_u32(h + 24);
    uint64_t count = get_u64(h + 16);
    if (version != TOKENS_VERSION)
        return err_set(err, errlen, "'%s': token file version %u, this program reads version %d",
                    path, version, TOKENS_VERSION);
    if (flags & ~TOKENS_U16)
        return err_set(err, errlen, "'%s': unknown flags 0x%x in the header", path, flags);
    if (vs == 0 || vs > INT32_MAX || ((flags & TOKENS_U16) && vs > 65536))
        return err_set(err, errlen, "'%s': bad vocabulary size %u in the header", path, vs);
    *width = (flags & TOKENS_U16) ? 2 : 4;
    if (count > (UINT64_MAX - TOKENS_HEADER) / *width || TOKENS_HEADER + count * *width != file_size)
        return err_set(err, errlen, "'%s': the header says %llu tokens (%llu bytes) but the file has %llu bytes%s",
                    path, (unsigned long long)count,
                    (unsigned long long)(TOKENS_HEADER + count * *width), (unsigned long long)file_size,
                    TOKENS_HEADER + count * *width > file_size ? " (truncated)" : " (trailing bytes)");
    if (count > SIZE_MAX / sizeof(int))
        return err_set(err, errlen, "'%s': %llu tokens do not fit in memory", path, (unsigned long long)count);
    *n = (size_t)count;
    *vocab_size = (int)vs;
    return 0;
}

int tokens_read(const char *path, int **ids, size_t *n, int *vocab_size, char *err, size_t errlen) {
    FILE *f = fopen_file(path, "rb", err, errlen);
    if (!f) return -1;
    if (fseek(f, 0, SEEK_END) != 0) { fclose(f); return err_set(err, errlen, "cannot seek in '%s'", path); }
    long file_size = ftell(f);
    rewind(f);
    unsigned char h[TOKENS_HEADER];
    size_t got = fread(h, 1, TOKENS_HEADER, f);
    size_t count = 0, width = 4;
    int vs = 0;
    if (file_size < 0 || check_tokens_header(path, h, got, (uint64_t)file_size, &count, &vs, &width, err, errlen)) {
        fclose(f);
        return -1;
    }
    int *out = xmalloc((count ? count : 1) * sizeof(int));
    unsigned char chunk[4096];
    size_t per = sizeof chunk / width;
    for (size_t i = 0; i < count; i += per) {
        size_t m = count - i < per ? count - i : per;
        if (fread(chunk, width, m, f) != m) {
            free(out);
            fclose(f);
            return err_set(err, errlen, "'%s': read error or truncated at token %zu", path, i);
        }
        for (size_t j = 0; j < m; j++) {
            uint32_t x = width == 2 ? (uint32_t)(chunk[2 * j] | (chunk[2 * j + 1] << 8)) : get_u32(chunk + 4 * j);
            if (x >= (uint32_t)vs) {
                free(out);
                fclose(f);
                return err_set(err, errlen, "'%s': token %zu has id %u, not below the vocabulary size %d",
                            path, i + j, x, vs);
            }
            out[i + j] = (int)x;
        }
    }
    fclose(f);
    *ids = out;
    *n = count;
    *vocab_size = vs;
    return 0;
}

int *tokens_load(const char *path, size_t *n, int *vocab_size) {
    char err[1024];
    int *ids;
    if (tokens_read(path, &ids, n, vocab_size, err, sizeof err) != 0) die("%s", err);
    return ids;
}
