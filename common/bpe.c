/* bpe.c -- GPT-2's byte-level BPE: pre-tokeniser, merges, encode/decode and
 * GPT-2's encoder.json / vocab.bpe files. See bpe.h. */
#include "bpe.h"
#include "text.h"
#include "util.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ========================================================= pre-tokeniser */

/* GPT-2's pattern with \s spelled as Unicode White_Space, which is what the
 * `regex` module that GPT-2 used means by \s (PCRE2's \s adds U+180E). */
#define WS "\\t-\\r\\x{85}\\p{Z}"
static const char gpt2_pattern[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" WS "\\p{L}\\p{N}]+"
    "|[" WS "]+(?![^" WS "])|[" WS "]+";

/* The compiled pattern, built once (with PCRE2's JIT when available). */
static pcre2_code *gpt2_code(void) {
    static pcre2_code *code = NULL;
    if (code) return code;
    int errcode;
    PCRE2_SIZE erroff;
    code = pcre2_compile((PCRE2_SPTR)gpt2_pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP,
                         &errcode, &erroff, NULL);
    if (!code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(errcode, msg, sizeof msg);
        die("cannot compile the GPT-2 pattern at offset %zu: %s", (size_t)erroff, (char *)msg);
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);   /* falls back to the interpreter if absent */
    return code;
}

/* U+E000, the stand-in for an invalid byte: private use, so neither letter,
 * number nor space, like the lone surrogate Python's surrogateescape makes. */
static const char standin[3] = {'\xEE', '\x80', '\x80'};

void bpe_pretok_init(BpePretok *p, const char *text, size_t len) {
    memset(p, 0, sizeof *p);
    p->code = gpt2_code();
    p->match = pcre2_match_data_create_from_pattern(p->code, NULL);
    if (!p->match) die("out of memory for PCRE2 match data");
    size_t nbad = 0;
    uint32_t cp;
    for (size_t i = 0; i < len;) {
        int k = utf8_decode(text + i, len - i, &cp);
        if (k == 0) { nbad++; k = 1; }
        i += (size_t)k;
    }
    p->utf = text;
    p->utf_len = len;
    if (nbad == 0) return;
    /* copy, each invalid byte (one that starts no valid sequence) -> U+E000 */
    p->owned = xmalloc(len + 2 * nbad + 1);
    p->marks = xmalloc(nbad * sizeof(size_t));
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        int k = utf8_decode(text + i, len - i, &cp);
        if (k == 0) {
            p->marks[p->nmarks++] = o;
            memcpy(p->owned + o, standin, 3);
            o += 3;
            i++;
        } else {
            memcpy(p->owned + o, text + i, (size_t)k);
            o += (size_t)k;
            i += (size_t)k;
        }
    }
    p->utf = p->owned;
    p->utf_len = o;
}

int bpe_pretok_next(BpePretok *p, size_t *start, size_t *end) {
    if (p->pos >= p->utf_len) return 0;
    int rc = pcre2_match(p->code, (PCRE2_SPTR)p->utf, p->utf_len, p->pos, PCRE2_NO_UTF_CHECK,
                         p->match, NULL);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->match);
    /* The alternatives cover every character, so a match always starts at pos
     * and is never empty; anything else would be a bug, so end the text there. */
    size_t e = (rc > 0 && ov[0] == p->pos && ov[1] > p->pos) ? ov[1] : p->utf_len;
    /* map back to original offsets: each stand-in before an offset adds 2 bytes */
    *start = p->pos - 2 * p->imark;
    while (p->imark < p->nmarks && p->marks[p->imark] < e) p->imark++;
    *end = e - 2 * p->imark;
    p->pos = e;
    return 1;
}

void bpe_pretok_free(BpePretok *p) {
    pcre2_match_data_free(p->match);
    free(p->owned);
    free(p->marks);
    memset(p, 0, sizeof *p);
}

/* ============================================================ vocabulary */

static size_t pair_slot(uint64_t key, size_t mask) {
    uint64_t h = key * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h ^ (h >> 31)) & mask;
}

static uint64_t pair_key(int left, int right) {
    return ((uint64_t)(uint32_t)left << 32) | (uint32_t)right;
}

/* rank of the merge left+right, or -1 */
static int pair_rank(const Bpe *b, int left, int right) {
    uint64_t key = pair_key(left, right);
    size_t mask = b->nrank - 1;
    for (size_t i = pair_slot(key, mask);; i = (i + 1) & mask) {
        if (b->rank_vals[i] < 0) return -1;
        if (b->rank_keys[i] == key) return b->rank_vals[i];
    }
}

Bpe *bpe_new_tokens(const char *const *tokens, const int *lens, int V, int eot) {
    Bpe *b = xcalloc(1, sizeof(Bpe));
    b->vocab_size = V;
    b->eot = eot;
    b->token = xcalloc((size_t)V, sizeof(char *));
    b->token_len = xmalloc((size_t)V * sizeof(int));
    for (int i = 0; i < 256; i++) b->byte_token[i] = -1;
    for (int i = 0; i < V; i++) {
        b->token_len[i] = lens[i];
        b->token[i] = xmalloc((size_t)lens[i] + 1);
        memcpy(b->token[i], tokens[i], (size_t)lens[i]);
        b->token[i][lens[i]] = '\0';
    }
    return b;
}

Bpe *bpe_build(char **tokens, const int *lens, int V, int (*merges)[3], int M, int eot,
               char *err, size_t errlen) {
    if (V < 1 || M < 0 || eot >= V) {
        err_set(err, errlen, "bad vocabulary shape (V=%d, M=%d, EOT=%d)", V, M, eot);
        return NULL;
    }
    Bpe *b = bpe_new_tokens((const char *const *)tokens, lens, V, eot);
    b->n_merges = M;
    b->merges = xmalloc((size_t)(M ? M : 1) * sizeof *b->merges);
    memcpy(b->merges, merges, (size_t)M * sizeof *b->merges);
    for (b->nrank = 16; b->nrank < 2 * (size_t)M; b->nrank *= 2) {}
    b->rank_keys = xmalloc(b->nrank * sizeof(uint64_t));
    b->rank_vals = xmalloc(b->nrank * sizeof(int));
    memset(b->rank_vals, 0xff, b->nrank * sizeof(int));
    strmap_init(&b->cache);

    for (int i = 0; i < V; i++) {
        if (lens[i] < 1 && i != eot) {
            err_set(err, errlen, "token %d is empty", i);
            goto fail;
        }
        if (lens[i] != 1 || i == eot) continue;
        unsigned char byte = (unsigned char)tokens[i][0];
        if (b->byte_token[byte] >= 0) {
            err_set(err, errlen, "tokens %d and %d are both the byte 0x%02X", b->byte_token[byte], i, byte);
            goto fail;
        }
        b->byte_token[byte] = i;
    }
    for (int c = 0; c < 256; c++)
        if (b->byte_token[c] < 0) {
            err_set(err, errlen, "no token for the byte 0x%02X, so some text could not be encoded", c);
            goto fail;
        }
    for (int r = 0; r < M; r++) {
        int l = merges[r][0], rt = merges[r][1], z = merges[r][2];
        if (l < 0 || l >= V || rt < 0 || rt >= V || z < 0 || z >= V || l == eot || rt == eot || z == eot) {
            err_set(err, errlen, "merge %d (%d %d -> %d): id out of range for V=%d or the EOT token",
                    r, l, rt, z, V);
            goto fail;
        }
        if (lens[z] != lens[l] + lens[rt] || memcmp(tokens[z], tokens[l], (size_t)lens[l]) != 0 ||
            memcmp(tokens[z] + lens[l], tokens[rt], (size_t)lens[rt]) != 0) {
            err_set(err, errlen, "merge %d: token %d is not token %d followed by token %d", r, z, l, rt);
            goto fail;
        }
        uint64_t key = pair_key(l, rt);
        size_t mask = b->nrank - 1, i = pair_slot(key, mask);
        while (b->rank_vals[i] >= 0 && b->rank_keys[i] != key) i = (i + 1) & mask;
        if (b->rank_vals[i] >= 0) {
            err_set(err, errlen, "merge %d repeats merge %d (%d %d)", r, b->rank_vals[i], l, rt);
            goto fail;
        }
        b->rank_keys[i] = key;
        b->rank_vals[i] = r;
    }
    return b;
fail:
    bpe_free(b);
    return NULL;
}

void bpe_free(Bpe *b) {
    if (!b) return;
    for (int i = 0; i < b->vocab_size; i++) free(b->token[i]);
    free(b->token);
    free(b->token_len);
    free(b->merges);
    free(b->rank_keys);
    free(b->rank_vals);
    strmap_free(&b->cache);
    free(b->cache_off);
    free(b->cache_n);
    free(b->cache_ids);
    free(b);
}

Bpe *bpe_prefix(const Bpe *b, int M) {
    if (M < 0 || M > b->n_merges) die("bpe_prefix: %d merges asked of a vocabulary with %d", M, b->n_merges);
    for (int r = 0; r < M; r++)
        if (b->merges[r][2] != 256 + r) die("bpe_prefix: ids are not in training order");
    int V = 256 + M + 1;
    char **tokens = xmalloc((size_t)V * sizeof(char *));
    int *lens = xmalloc((size_t)V * sizeof(int));
    for (int i = 0; i < V - 1; i++) {
        tokens[i] = b->token[i];
        lens[i] = b->token_len[i];
    }
    tokens[V - 1] = (char *)BPE_EOT_TEXT;
    lens[V - 1] = (int)strlen(BPE_EOT_TEXT);
    char err[256];
    Bpe *p = bpe_build(tokens, lens, V, b->merges, M, V - 1, err, sizeof err);
    if (!p) die("bpe_prefix: %s", err);
    free(tokens);
    free(lens);
    return p;
}

/* ========================================================= encode/decode */

int bpe_merge_simple(const Bpe *b, const char *piece, size_t len, int *out) {
    int n = (int)len;
    for (int i = 0; i < n; i++) out[i] = b->byte_token[(unsigned char)piece[i]];
    /* Each pass finds the best-ranked pair, then merges all of its occurrences
     * left to right ("a a a" with merge a+a -> "aa a"), as GPT-2's bpe() does. */
    while (n >= 2) {
        int best = INT_MAX;
        for (int i = 0; i + 1 < n; i++) {
            int r = pair_rank(b, out[i], out[i + 1]);
            if (r >= 0 && r < best) best = r;
        }
        if (best == INT_MAX) break;
        int l = b->merges[best][0], rt = b->merges[best][1], z = b->merges[best][2];
        int j = 0;
        for (int i = 0; i < n;) {
            if (i + 1 < n && out[i] == l && out[i + 1] == rt) {
                out[j++] = z;
                i += 2;
            } else {
                out[j++] = out[i++];
            }
        }
        n = j;
    }
    return n;
}

/* min-heap of (rank << 32 | position): ties in rank come out left to right */
static void minheap_push(uint64_t *h, size_t *n, uint64_t v) {
    size_t i = (*n)++;
    while (i > 0 && h[(i - 1) / 2] > v) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = v;
}

static uint64_t minheap_pop(uint64_t *h, size_t *n) {
    uint64_t top = h[0], last = h[--*n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && h[c + 1] < h[c]) c++;
        if (h[c] >= last) break;
        h[i] = h[c];
        i = c;
    }
    if (*n > 0) h[i] = last;
    return top;
}

/* push the pair that starts at symbol p, if it is a merge */
static void push_pair(const Bpe *b, const int *sym, const int *next, int p, uint64_t *h, size_t *nh) {
    if (p < 0 || next[p] < 0) return;
    int r = pair_rank(b, sym[p], sym[next[p]]);
    if (r >= 0) minheap_push(h, nh, (uint64_t)r << 32 | (uint32_t)p);
}

int bpe_merge_heap(const Bpe *b, const char *piece, size_t len, int *out) {
    int n = (int)len;
    if (n == 0) return 0;
    /* the piece as a doubly linked list of symbols; a merged-away symbol is -1 */
    int *sym = xmalloc((size_t)n * sizeof(int)), *next = xmalloc((size_t)n * sizeof(int));
    int *prev = xmalloc((size_t)n * sizeof(int)), *batch = xmalloc((size_t)n * sizeof(int));
    uint64_t *h = xmalloc(3 * (size_t)n * sizeof(uint64_t));   /* n pairs + 2 per merge */
    size_t nh = 0;
    for (int i = 0; i < n; i++) {
        sym[i] = b->byte_token[(unsigned char)piece[i]];
        next[i] = i + 1 < n ? i + 1 : -1;
        prev[i] = i - 1;
    }
    for (int i = 0; i + 1 < n; i++) push_pair(b, sym, next, i, h, &nh);
    while (nh > 0) {
        /* one pass of GPT-2's loop: every position where the best rank stood
         * when the pass began, left to right; pairs this pass creates wait for
         * the next pass (they hold the new token, so they are other merges) */
        int r = (int)(h[0] >> 32), nb = 0;
        while (nh > 0 && (int)(h[0] >> 32) == r) batch[nb++] = (int)(uint32_t)minheap_pop(h, &nh);
        int l = b->merges[r][0], rt = b->merges[r][1], z = b->merges[r][2];
        for (int k = 0; k < nb; k++) {
            int p = batch[k], q = sym[p] >= 0 ? next[p] : -1;
            if (q < 0 || sym[p] != l || sym[q] != rt) continue;   /* stale: merged away meanwhile */
            sym[p] = z;
            sym[q] = -1;
            next[p] = next[q];
            if (next[q] >= 0) prev[next[q]] = p;
            push_pair(b, sym, next, prev[p], h, &nh);
            push_pair(b, sym, next, p, h, &nh);
        }
    }
    int m = 0;
    for (int p = 0; p >= 0; p = next[p]) out[m++] = sym[p];
    free(sym);
    free(next);
    free(prev);
    free(batch);
    free(h);
    return m;
}

int bpe_encode_piece(const Bpe *b, const char *piece, size_t len, int *out) {
    return len <= 64 ? bpe_merge_simple(b, piece, len, out) : bpe_merge_heap(b, piece, len, out);
}

/* Pieces up to this many bytes are memoised; the cache is emptied when it
 * holds this many pieces, which bounds its memory on any input. */
#define CACHE_MAX_PIECE 64
#define CACHE_MAX_ENTRIES (1 << 18)

/* ids of one piece, from the cache or computed (and cached); *n ids, pointer
 * valid until the next call */
static const int *piece_ids(Bpe *b, const char *s, size_t len, int **scratch, size_t *scratch_cap, int *n) {
    if (len > *scratch_cap) {
        *scratch_cap = len;
        *scratch = xrealloc(*scratch, len * sizeof(int));
    }
    if (len > CACHE_MAX_PIECE) {
        *n = bpe_encode_piece(b, s, len, *scratch);
        return *scratch;
    }
    int e = strmap_find(&b->cache, s, len);
    if (e >= 0) {
        *n = b->cache_n[e];
        return b->cache_ids + b->cache_off[e];
    }
    *n = bpe_encode_piece(b, s, len, *scratch);
    if (b->cache.n >= CACHE_MAX_ENTRIES) {
        strmap_clear(&b->cache);
        b->cache_ids_len = 0;
    }
    e = strmap_intern(&b->cache, s, len, NULL);
    if (b->cache.cap > b->cache_cap) {
        b->cache_cap = b->cache.cap;
        b->cache_off = xrealloc(b->cache_off, (size_t)b->cache_cap * sizeof(int));
        b->cache_n = xrealloc(b->cache_n, (size_t)b->cache_cap * sizeof(int));
    }
    if (b->cache_ids_len + (size_t)*n > b->cache_ids_cap) {
        b->cache_ids_cap = 2 * (b->cache_ids_len + (size_t)*n) + 1024;
        b->cache_ids = xrealloc(b->cache_ids, b->cache_ids_cap * sizeof(int));
    }
    b->cache_off[e] = (int)b->cache_ids_len;
    b->cache_n[e] = *n;
    memcpy(b->cache_ids + b->cache_ids_len, *scratch, (size_t)*n * sizeof(int));
    b->cache_ids_len += (size_t)*n;
    return *scratch;
}

/* encode text with no special tokens, appending to out from index count */
static size_t encode_ordinary(Bpe *b, const char *text, size_t len, int *out, size_t cap, size_t count) {
    BpePretok p;
    bpe_pretok_init(&p, text, len);
    int *scratch = NULL;
    size_t scratch_cap = 0, a, e;
    while (bpe_pretok_next(&p, &a, &e)) {
        int n;
        const int *ids = piece_ids(b, text + a, e - a, &scratch, &scratch_cap, &n);
        for (int i = 0; i < n; i++, count++)
            if (count < cap) out[count] = ids[i];
    }
    free(scratch);
    bpe_pretok_free(&p);
    return count;
}

size_t bpe_encode(Bpe *b, const char *text, size_t len, int allow_special, int *out, size_t cap) {
    if (b->decode_only)
        die("this vocabulary came from llm.c's tokenizer file, which has no merges: it can only decode\n"
            "HINT: encode with --vocab DIR (encoder.json + vocab.bpe)");
    if (!allow_special || b->eot < 0) return encode_ordinary(b, text, len, out, cap, 0);
    const size_t k = strlen(BPE_EOT_TEXT);
    size_t count = 0, at = 0;
    for (;;) {
        const char *hit = memmem(text + at, len - at, BPE_EOT_TEXT, k);
        size_t stop = hit ? (size_t)(hit - text) : len;
        count = encode_ordinary(b, text + at, stop - at, out, cap, count);
        if (!hit) break;
        if (count < cap) out[count] = b->eot;
        count++;
        at = stop + k;
    }
    return count;
}

int *bpe_encode_alloc(Bpe *b, const char *text, size_t len, int allow_special, size_t *n) {
    /* bytes bound the count: every token holds at least one byte, EOT 13 */
    size_t cap = len + 1;
    int *ids = xmalloc(cap * sizeof(int));
    *n = bpe_encode(b, text, len, allow_special, ids, cap);
    return ids;
}

char *bpe_decode(const Bpe *b, const int *ids, size_t n, size_t *len) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= b->vocab_size) {
            *len = i;
            return NULL;
        }
        total += (size_t)b->token_len[ids[i]];
    }
    char *out = xmalloc(total + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        memcpy(o, b->token[ids[i]], (size_t)b->token_len[ids[i]]);
        o += b->token_len[ids[i]];
    }
    *o = '\0';
    *len = total;
    return out;
}

/* =================================================== GPT-2's file format */

/* GPT-2's bytes_to_unicode: the code point that spells each byte. */
static void byte_alphabet(uint32_t cp_of[256]) {
    int extra = 0;
    for (int c = 0; c < 256; c++) {
        int printable = (c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF);
        cp_of[c] = printable ? (uint32_t)c : (uint32_t)(256 + extra++);
    }
}

/* The alphabet's spelling of n raw bytes, as UTF-8 (malloc'd, NUL-terminated). */
static char *spell_bytes(const char *s, int n) {
    uint32_t cp_of[256];
    byte_alphabet(cp_of);
    char *out = xmalloc((size_t)n * 2 + 1), *o = out;
    for (int i = 0; i < n; i++) o += utf8_encode(cp_of[(unsigned char)s[i]], o);
    *o = '\0';
    return out;
}

/* Raw bytes of an alphabet spelling into out (room for strlen(s) bytes);
 * returns their count, or -1 if a character is outside the alphabet. */
static int unspell(const char *s, char *out) {
    uint32_t cp_of[256];
    byte_alphabet(cp_of);
    int byte_of[324];
    for (int i = 0; i < 324; i++) byte_of[i] = -1;
    for (int c = 0; c < 256; c++) byte_of[cp_of[c]] = c;
    size_t n = strlen(s);
    int k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int step = utf8_decode(s + i, n - i, &cp);
        if (step == 0 || cp >= 324 || byte_of[cp] < 0) return -1;
        out[k++] = (char)byte_of[cp];
        i += (size_t)step;
    }
    return k;
}

/* Parse encoder.json into tokens/lens (V entries), its spellings in names
 * (spelling -> entry, entry -> id in ids) and the EOT id. */
static int read_encoder(const char *path, char ***tokens_out, int **lens_out, int *V_out, StrMap *names,
                        int **ids_out, int *eot, char *err, size_t errlen) {
    size_t len;
    char *text;
    if (file_read(path, &text, &len, err, errlen) != 0) return -1;
    int rc = -1;
    char **tokens = NULL;
    int *lens = NULL, *ids = NULL, V = 0;
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        err_set(err, errlen, "'%s': not valid JSON (near byte %ld)", path, at ? (long)(at - text) : -1L);
        goto done;
    }
    if (!cJSON_IsObject(root) || cJSON_GetArraySize(root) == 0) {
        err_set(err, errlen, "'%s': expected a JSON object {\"token\": id, ...}", path);
        goto done;
    }
    V = cJSON_GetArraySize(root);
    tokens = xcalloc((size_t)V, sizeof(char *));
    lens = xcalloc((size_t)V, sizeof(int));
    ids = xmalloc((size_t)V * sizeof(int));
    *eot = -1;
    int k = 0;
    for (cJSON *it = root->child; it; it = it->next, k++) {
        double d = it->valuedouble;
        if (!cJSON_IsNumber(it) || !(d >= 0 && d < V) || d != (double)(int)d) {
            char what[64];
            snprintf(what, sizeof what, cJSON_IsNumber(it) ? "%.17g" : "that is not a number", d);
            err_set(err, errlen, "'%s': token \"%s\" has id %s, expected a whole number in [0, %d)",
                    path, it->string, what, V);
            goto done;
        }
        int id = (int)d;
        if (tokens[id]) {
            err_set(err, errlen, "'%s': id %d is given to two tokens", path, id);
            goto done;
        }
        const char *name = it->string;
        tokens[id] = xmalloc(strlen(name) + 1);
        if (strcmp(name, BPE_EOT_TEXT) == 0) {
            *eot = id;
            lens[id] = (int)strlen(name);
            memcpy(tokens[id], name, (size_t)lens[id] + 1);
        } else if ((lens[id] = unspell(name, tokens[id])) <= 0) {
            err_set(err, errlen, "'%s': token \"%s\" is %s", path, name,
                    *name ? "not spelled in GPT-2's byte alphabet" : "empty");
            goto done;
        }
        int added;
        int e = strmap_intern(names, name, strlen(name), &added);
        if (!added) {
            err_set(err, errlen, "'%s': token \"%s\" appears twice", path, name);
            goto done;
        }
        ids[e] = id;
    }
    rc = 0;
done:
    cJSON_Delete(root);
    free(text);
    if (rc != 0 && tokens) {
        for (int i = 0; i < V; i++) free(tokens[i]);
        free(tokens);
        free(lens);
        free(ids);
        tokens = NULL, lens = NULL, ids = NULL;
    }
    *tokens_out = tokens;
    *lens_out = lens;
    *ids_out = ids;
    *V_out = V;
    return rc;
}

/* Parse vocab.bpe: merges in rank order, each resolved to ids through names. */
static int read_merges(const char *path, const StrMap *names, const int *ids, int (**merges_out)[3], int *M_out,
                       char *err, size_t errlen) {
    size_t len;
    char *text;
    if (file_read(path, &text, &len, err, errlen) != 0) return -1;
    int (*merges)[3] = NULL;
    int M = 0, cap = 0, line_no = 1, rc = -1;
    char *line = text, *nl = memchr(text, '\n', len);
    if (strncmp(text, "#version", 8) != 0 || !nl) {
        err_set(err, errlen, "'%s': line 1: expected the '#version: 0.2' line of a vocab.bpe file", path);
        goto done;
    }
    for (line = nl + 1; line < text + len; line = nl + 1) {
        line_no++;
        nl = memchr(line, '\n', (size_t)(text + len - line));
        if (!nl) nl = text + len;   /* a last line without '\n' still counts */
        *nl = '\0';
        char *sp = strchr(line, ' ');
        if (strlen(line) != (size_t)(nl - line) || !sp || sp == line || !sp[1] || strchr(sp + 1, ' ')) {
            err_set(err, errlen, "'%s': line %d: expected 'left right' (two tokens, one space)", path, line_no);
            goto done;
        }
        size_t ll = (size_t)(sp - line), rl = strlen(sp + 1);
        int el = strmap_find(names, line, ll), er = strmap_find(names, sp + 1, rl);
        *sp = '\0';
        /* the merged token's spelling is the two spellings side by side */
        memmove(sp, sp + 1, rl + 1);
        int ez = strmap_find(names, line, ll + rl);
        if (el < 0 || er < 0 || ez < 0) {
            err_set(err, errlen, "'%s': line %d: %s of the merge is not in encoder.json "
                    "(vocabulary mismatch?)", path, line_no,
                    el < 0 ? "the left token" : er < 0 ? "the right token" : "the merged token");
            goto done;
        }
        if (M == cap) merges = xrealloc(merges, (size_t)(cap = cap ? 2 * cap : 1024) * sizeof *merges);
        merges[M][0] = ids[el];
        merges[M][1] = ids[er];
        merges[M][2] = ids[ez];
        M++;
    }
    rc = 0;
done:
    free(text);
    if (rc != 0) {
        free(merges);
        merges = NULL;
    }
    *merges_out = merges;
    *M_out = M;
    return rc;
}

int bpe_read_gpt2_files(const char *encoder_path, const char *merges_path, Bpe **out,
                        char *err, size_t errlen) {
    *out = NULL;
    StrMap names;
    strmap_init(&names);
    char **tokens;
    int *lens, *ids, V, eot, M;
    int (*merges)[3] = NULL;
    int rc = read_encoder(encoder_path, &tokens, &lens, &V, &names, &ids, &eot, err, errlen);
    if (rc == 0) {
        rc = read_merges(merges_path, &names, ids, &merges, &M, err, errlen);
        if (rc == 0) {
            char why[256];
            *out = bpe_build(tokens, lens, V, merges, M, eot, why, sizeof why);
            if (!*out) {
                err_set(err, errlen, "'%s' and '%s' do not fit together: %s", encoder_path, merges_path, why);
                rc = -1;
            }
        }
        for (int i = 0; i < V; i++) free(tokens[i]);
        free(tokens);
        free(lens);
        free(ids);
        free(merges);
    }
    strmap_free(&names);
    return rc;
}

static char *join_path(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

int bpe_read_gpt2(const char *dir, Bpe **out, char *err, size_t errlen) {
    char *enc = join_path(dir, "encoder.json"), *mer = join_path(dir, "vocab.bpe");
    int rc = bpe_read_gpt2_files(enc, mer, out, err, errlen);
    free(enc);
    free(mer);
    return rc;
}

Bpe *bpe_load_gpt2(const char *dir) {
    char err[512];
    Bpe *b;
    if (bpe_read_gpt2(dir, &b, err, sizeof err) != 0)
        die("%s\nHINT: --vocab DIR names a folder with encoder.json and vocab.bpe "
            "(GPT-2's are in $NLP_DATA_DIR/gpt2; `gpt bpe-train` writes ours)", err);
    return b;
}

void bpe_save_gpt2(const Bpe *b, const char *dir) {
    make_dirs(dir);
    cJSON *root = cJSON_CreateObject();
    char **names = xmalloc((size_t)b->vocab_size * sizeof(char *));
    for (int i = 0; i < b->vocab_size; i++) {
        names[i] = i == b->eot ? xstrdup(BPE_EOT_TEXT) : spell_bytes(b->token[i], b->token_len[i]);
        if (!cJSON_AddNumberToObject(root, names[i], i)) die("out of memory writing encoder.json");
    }
    char *json = cJSON_PrintUnformatted(root);
    if (!json) die("out of memory writing encoder.json");
    char *path = join_path(dir, "encoder.json"), *tmp;
    FILE *f = atomic_open(path, &tmp);
    xfwrite(json, 1, strlen(json), f, tmp);
    atomic_commit(f, tmp, path);
    free(path);
    free(json);
    cJSON_Delete(root);

    path = join_path(dir, "vocab.bpe");
    f = atomic_open(path, &tmp);
    fputs("#version: 0.2\n", f);
    for (int r = 0; r < b->n_merges; r++)
        fprintf(f, "%s %s\n", names[b->merges[r][0]], names[b->merges[r][1]]);
    if (ferror(f)) die("write error in '%s'", tmp);
    atomic_commit(f, tmp, path);
    free(path);
    for (int i = 0; i < b->vocab_size; i++) free(names[i]);
    free(names);
}

void bpe_gpt2_dir(char *buf, size_t n) {
    data_path(buf, n, "gpt2/encoder.json");
    char *slash = strrchr(buf, '/');
    if (slash) *slash = '\0';
}
