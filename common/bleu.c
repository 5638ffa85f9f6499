/* bleu.c -- BLEU as sacreBLEU computes it. See bleu.h. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "bleu.h"
#include "strmap.h"
#include "text.h"
#include "unicode_lower.h"
#include "util.h"

#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Append " (segment N)" to a segment's error message. */
static void name_segment(char *err, size_t errlen, size_t i) {
    size_t used = err ? strlen(err) : errlen;
    if (used + 1 < errlen) snprintf(err + used, errlen - used, " (segment %zu)", i + 1);
}

BleuConfig bleu_config_default(void) {
    BleuConfig c = {BLEU_TOK_13A, BLEU_SMOOTH_EXP, -1.0, 0, 0, 4};
    return c;
}

BleuConfig bleu_config_sentence(void) {
    BleuConfig c = bleu_config_default();
    c.effective_order = 1;
    return c;
}

static int check_config(const BleuConfig *cfg, char *err, size_t errlen) {
    if (cfg->max_order < 1 || cfg->max_order > BLEU_MAX_ORDER)
        return err_set(err, errlen, "BLEU n-gram order %d is outside 1..%d", cfg->max_order, BLEU_MAX_ORDER);
    if ((unsigned)cfg->tokenize > BLEU_TOK_NONE)
        return err_set(err, errlen, "unknown BLEU tokenizer %d", (int)cfg->tokenize);
    if ((unsigned)cfg->smooth > BLEU_SMOOTH_NONE)
        return err_set(err, errlen, "unknown BLEU smoothing method %d", (int)cfg->smooth);
    return 0;
}

/* ---------------------------------------------------------------- UTF-8 text */

/* A growing byte buffer. */
typedef struct { char *s; size_t len, cap; } Buf;

static void buf_put(Buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void buf_cp(Buf *b, uint32_t cp) {
    char tmp[4];
    buf_put(b, tmp, (size_t)utf8_encode(cp, tmp));
}

/* Python's str.isspace(), which str.split() and str.rstrip() use: Unicode
 * White_Space and the four information separators U+001C..U+001F. */
static int py_space(uint32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

/* The code point at s[i] (valid UTF-8 checked before); *len gets its byte length. */
static uint32_t cp_at(const char *s, size_t n, size_t i, int *len) {
    uint32_t cp = 0;
    *len = utf8_decode(s + i, n - i, &cp);
    return cp;
}

/* The start of the code point that ends just before byte i. */
static size_t prev_start(const char *s, size_t i) {
    do i--; while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80);
    return i;
}

/* The next word of s[0..n) from *i on, as Python's str.split() finds it: 1 and
 * the word at s[*start..*i), or 0 at the end. */
static int next_word(const char *s, size_t n, size_t *i, size_t *start) {
    int len;
    while (*i < n && py_space(cp_at(s, n, *i, &len))) *i += (size_t)len;
    *start = *i;
    while (*i < n && !py_space(cp_at(s, n, *i, &len))) *i += (size_t)len;
    return *i > *start;
}

static int cased(uint32_t c) {
    size_t lo = 0, hi = unicode_cased_nranges;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c < unicode_cased_ranges[mid][0]) hi = mid;
        else if (c > unicode_cased_ranges[mid][1]) lo = mid + 1;
        else return 1;
    }
    return 0;
}

/* Python's str.lower() of s[0..n), appended to out. */
static void lowercase(const char *s, size_t n, Buf *out) {
    for (size_t i = 0; i < n;) {
        int len;
        uint32_t c = cp_at(s, n, i, &len);
        if (c == 0x130) {                       /* I WITH DOT ABOVE: i + COMBINING DOT ABOVE */
            buf_cp(out, 'i');
            buf_cp(out, 0x307);
        } else if (c == 0x3A3) {                /* SIGMA: final form after a letter, before none */
            int len2;
            int after = i > 0 && cased(cp_at(s, n, prev_start(s, i), &len2));
            int before = i + (size_t)len < n && cased(cp_at(s, n, i + (size_t)len, &len2));
            buf_cp(out, after && !before ? 0x3C2 : 0x3C3);
        } else {
            buf_cp(out, unicode_lower_one(c));
        }
        i += (size_t)len;
    }
}

/* Bytes of s[0..n) left after Python's str.rstrip(). */
static size_t rstrip_len(const char *s, size_t n) {
    while (n > 0) {
        size_t st = prev_start(s, n);
        int len;
        if (!py_space(cp_at(s, n, st, &len))) break;
        n = st;
    }
    return n;
}

/* Every occurrence of from replaced by to (Python's str.replace). */
static void replace_all(Buf *b, const char *from, const char *to) {
    size_t fl = strlen(from), tl = strlen(to);
    if (!strstr(b->s, from)) return;
    Buf o = {0};
    buf_put(&o, "", 0);
    const char *p = b->s, *q;
    while ((q = strstr(p, from))) {
        buf_put(&o, p, (size_t)(q - p));
        buf_put(&o, to, tl);
        p = q + fl;
    }
    buf_put(&o, p, strlen(p));
    free(b->s);
    *b = o;
}

/* ---------------------------------------------------------------- tokenizers */

/* A regular expression and its replacement, applied to every non-overlapping
 * match from left to right, as Python's re.sub does. The pattern is compiled
 * on first use (so the first call must not race another thread's). */
typedef struct { const char *pattern, *replacement; pcre2_code *code; } Rule;

/* mteval-v13a.pl's tokenization (sacreBLEU's tokenizer_re): ASCII symbols
 * apart; period and comma apart unless beside a digit; a dash after a digit. */
static Rule rules_13a[] = {
    {"([\\{-\\~\\[-\\` -\\&\\(-\\+\\:-\\@\\/])", " $1 ", NULL},
    {"([^0-9])([\\.,])", "$1 $2 ", NULL},
    {"([\\.,])([^0-9])", " $1 $2", NULL},
    {"([0-9])(-)", "$1 $2 ", NULL},
};

/* mteval-v14.pl's international tokenization: punctuation apart unless between
 * digits, every symbol apart. Like the original it misses a number's final
 * period at the end of a line ("in 2018."), which 13a's padding avoids. */
static Rule rules_intl[] = {
    {"(\\P{N})(\\p{P})", "$1 $2 ", NULL},
    {"(\\p{P})(\\P{N})", " $1 $2", NULL},
    {"(\\p{S})", " $1 ", NULL},
};

#define NRULES_13A (sizeof rules_13a / sizeof rules_13a[0])
#define NRULES_INTL (sizeof rules_intl / sizeof rules_intl[0])

static pcre2_code *compiled(Rule *r) {
    if (r->code) return r->code;
    int errcode;
    PCRE2_SIZE erroff;
    r->code = pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &errcode,
                            &erroff, NULL);
    if (!r->code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(errcode, msg, sizeof msg);
        die("cannot compile the BLEU pattern '%s' at offset %zu: %s", r->pattern, (size_t)erroff,
            (char *)msg);
    }
    pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE);   /* falls back to the interpreter if absent */
    return r->code;
}

static void apply_rule(Buf *b, Rule *r) {
    pcre2_code *code = compiled(r);
    size_t cap = b->len * 3 + 64;   /* each rule at most triples a line (" c " per character) */
    for (;;) {
        char *out = xmalloc(cap);
        PCRE2_SIZE outlen = cap;
        int rc = pcre2_substitute(code, (PCRE2_SPTR)b->s, b->len, 0,
                                  PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH |
                                      PCRE2_NO_UTF_CHECK,
                                  NULL, NULL, (PCRE2_SPTR)r->replacement, PCRE2_ZERO_TERMINATED,
                                  (PCRE2_UCHAR *)out, &outlen);
        if (rc >= 0) {
            free(b->s);
            b->s = out;
            b->len = outlen;
            b->cap = cap;
            return;
        }
        free(out);
        if (rc != PCRE2_ERROR_NOMEMORY) die("BLEU pattern '%s' failed (PCRE2 error %d)", r->pattern, rc);
        cap = outlen + 1;
    }
}

/* Steps 1-4 of bleu.h: the tokenized text, words apart by whitespace. */
static int preprocess(const char *text, const BleuConfig *cfg, Buf *out, char *err, size_t errlen) {
    size_t n = strlen(text);
    if (text_check("BLEU input", text, n, NULL, err, errlen) != 0) return -1;
    Buf b = {0};
    buf_put(&b, "", 0);
    if (cfg->lowercase) lowercase(text, n, &b); else buf_put(&b, text, n);
    b.len = rstrip_len(b.s, b.len);
    b.s[b.len] = '\0';

    switch (cfg->tokenize) {
    case BLEU_TOK_13A: {
        replace_all(&b, "<skipped>", "");
        replace_all(&b, "-\n", "");
        replace_all(&b, "\n", " ");
        replace_all(&b, "&quot;", "\"");
        replace_all(&b, "&amp;", "&");
        replace_all(&b, "&lt;", "<");
        replace_all(&b, "&gt;", ">");
        Buf p = {0};   /* padded with a space each side, so that a final period is split off */
        buf_put(&p, " ", 1);
        buf_put(&p, b.s, b.len);
        buf_put(&p, " ", 1);
        free(b.s);
        b = p;
        for (size_t i = 0; i < NRULES_13A; i++) apply_rule(&b, &rules_13a[i]);
        break;
    }
    case BLEU_TOK_INTL:
        for (size_t i = 0; i < NRULES_INTL; i++) apply_rule(&b, &rules_intl[i]);
        break;
    case BLEU_TOK_CHAR: {
        Buf c = {0};
        buf_put(&c, "", 0);
        for (size_t i = 0; i < b.len;) {
            int len;
            cp_at(b.s, b.len, i, &len);
            if (i > 0) buf_put(&c, " ", 1);
            buf_put(&c, b.s + i, (size_t)len);
            i += (size_t)len;
        }
        free(b.s);
        b = c;
        break;
    }
    case BLEU_TOK_NONE:
        break;
    }
    *out = b;
    return 0;
}

/* Step 5: the words of s as ids in vocab (an id per distinct word). */
static int *words_to_ids(const char *s, size_t n, StrMap *vocab, int *count) {
    int *ids = NULL, k = 0, cap = 0;
    size_t i = 0, start;
    while (next_word(s, n, &i, &start)) {
        if (k == cap) {
            cap = cap ? cap * 2 : 16;
            ids = xrealloc(ids, (size_t)cap * sizeof *ids);
        }
        ids[k++] = strmap_intern(vocab, s + start, i - start, NULL);
    }
    *count = k;
    return ids;
}

char *bleu_tokenize(const char *text, const BleuConfig *cfg, char *err, size_t errlen) {
    if (check_config(cfg, err, errlen) != 0) return NULL;
    Buf b;
    if (preprocess(text, cfg, &b, err, errlen) != 0) return NULL;
    /* ' '.join(line.split()) */
    Buf o = {0};
    buf_put(&o, "", 0);
    for (size_t i = 0, start; next_word(b.s, b.len, &i, &start);) {
        if (o.len) buf_put(&o, " ", 1);
        buf_put(&o, b.s + start, i - start);
    }
    free(b.s);
    return o.s;
}

/* ---------------------------------------------------------------- n-gram statistics */

/* Count every n-gram (1..order) of ids into m: the key is the n ids' bytes,
 * counts[e] the count of entry e. */
static void count_ngrams(const int *ids, int len, int order, StrMap *m, int **counts, int *cap) {
    for (int n = 1; n <= order; n++)
        for (int i = 0; i + n <= len; i++) {
            int added;
            int e = strmap_intern(m, (const char *)(ids + i), (size_t)n * sizeof(int), &added);
            if (e >= *cap) {
                *cap = (e + 1) * 2;
                *counts = xrealloc(*counts, (size_t)*cap * sizeof **counts);
            }
            if (added) (*counts)[e] = 0;
            (*counts)[e]++;
        }
}

/* The reference length closest to hyp_len, the shorter on a tie. */
static int closest_ref_len(int hyp_len, const int *ref_lens, int nrefs) {
    int best = -1, best_diff = -1;
    for (int r = 0; r < nrefs; r++) {
        if (ref_lens[r] < 0) continue;   /* no reference in this stream */
        int diff = abs(hyp_len - ref_lens[r]);
        if (best_diff < 0 || diff < best_diff || (diff == best_diff && ref_lens[r] < best)) {
            best_diff = diff;
            best = ref_lens[r];
        }
    }
    return best;
}

void bleu_ids_add(BleuStats *st, const int *hyp, int hyp_len, const int *const *refs,
                  const int *ref_lens, int nrefs, int max_order) {
    StrMap ref_ng, one, hyp_ng;
    strmap_init(&ref_ng);
    strmap_init(&one);
    strmap_init(&hyp_ng);
    int *ref_max = NULL, ref_cap = 0, *cnt = NULL, cnt_cap = 0;

    /* each reference n-gram's largest count in any one reference */
    for (int r = 0; r < nrefs; r++) {
        if (ref_lens[r] < 0) continue;
        strmap_clear(&one);
        count_ngrams(refs[r], ref_lens[r], max_order, &one, &cnt, &cnt_cap);
        for (int e = 0; e < one.n; e++) {
            size_t klen;
            const char *key = strmap_key(&one, e, &klen);
            int added;
            int f = strmap_intern(&ref_ng, key, klen, &added);
            if (f >= ref_cap) {
                ref_cap = (f + 1) * 2;
                ref_max = xrealloc(ref_max, (size_t)ref_cap * sizeof *ref_max);
            }
            if (added || cnt[e] > ref_max[f]) ref_max[f] = cnt[e];
        }
    }

    count_ngrams(hyp, hyp_len, max_order, &hyp_ng, &cnt, &cnt_cap);
    for (int e = 0; e < hyp_ng.n; e++) {
        size_t klen;
        const char *key = strmap_key(&hyp_ng, e, &klen);
        int n = (int)(klen / sizeof(int));
        st->totals[n - 1] += cnt[e];
        int f = strmap_find(&ref_ng, key, klen);
        if (f >= 0) st->matches[n - 1] += cnt[e] < ref_max[f] ? cnt[e] : ref_max[f];
    }
    st->sys_len += hyp_len;
    st->ref_len += closest_ref_len(hyp_len, ref_lens, nrefs);

    free(ref_max);
    free(cnt);
    strmap_free(&ref_ng);
    strmap_free(&one);
    strmap_free(&hyp_ng);
}

int bleu_stats_add(BleuStats *st, const char *hyp, const char *const *refs, int nrefs,
                   const BleuConfig *cfg, char *err, size_t errlen) {
    if (check_config(cfg, err, errlen) != 0) return -1;
    if (!hyp) return err_set(err, errlen, "BLEU: a hypothesis is missing (NULL)");
    int have = 0;
    for (int r = 0; r < nrefs; r++) have += refs[r] != NULL;
    if (!have) return err_set(err, errlen, "BLEU: a segment has no reference");

    StrMap vocab;
    strmap_init(&vocab);
    int **ref_ids = xcalloc((size_t)nrefs, sizeof *ref_ids);
    int *ref_lens = xmalloc((size_t)nrefs * sizeof *ref_lens);
    int *hyp_ids = NULL, hyp_len = 0, rc = 0;
    Buf b;
    for (int r = 0; r < nrefs; r++) {
        ref_lens[r] = -1;
        if (!refs[r]) continue;
        if (preprocess(refs[r], cfg, &b, err, errlen) != 0) { rc = -1; goto done; }
        ref_ids[r] = words_to_ids(b.s, b.len, &vocab, &ref_lens[r]);
        free(b.s);
    }
    if (preprocess(hyp, cfg, &b, err, errlen) != 0) { rc = -1; goto done; }
    hyp_ids = words_to_ids(b.s, b.len, &vocab, &hyp_len);
    free(b.s);
    bleu_ids_add(st, hyp_ids, hyp_len, (const int *const *)ref_ids, ref_lens, nrefs, cfg->max_order);
done:
    for (int r = 0; r < nrefs; r++) free(ref_ids[r]);
    free(ref_ids);
    free(ref_lens);
    free(hyp_ids);
    strmap_free(&vocab);
    return rc;
}

/* ---------------------------------------------------------------- scores */

/* sacreBLEU's my_log: log(0) is a very negative number, not -inf, so that a
 * zero precision gives a score of exactly 0. */
static double floored_log(double x) { return x == 0.0 ? -9999999999.0 : log(x); }

int bleu_compute(const BleuStats *st, const BleuConfig *cfg, BleuResult *out, char *err, size_t errlen) {
    if (check_config(cfg, err, errlen) != 0) return -1;
    int order = cfg->max_order;
    double k = cfg->smooth_value;
    if (k < 0) k = cfg->smooth == BLEU_SMOOTH_FLOOR ? 0.1 : 1.0;

    memset(out, 0, sizeof *out);
    out->order = order;
    out->sys_len = st->sys_len;
    out->ref_len = st->ref_len;
    out->ratio = st->ref_len ? (double)st->sys_len / (double)st->ref_len : 0.0;
    out->bp = 1.0;
    if (st->sys_len < st->ref_len)
        out->bp = st->sys_len > 0 ? exp(1.0 - (double)st->ref_len / (double)st->sys_len) : 0.0;

    int any = 0;
    for (int n = 0; n < order; n++) {
        out->counts[n] = (double)st->matches[n];
        out->totals[n] = (double)st->totals[n];
        any |= st->matches[n] != 0;
    }
    if (!any) return 0;   /* no match at all: 0, whatever the smoothing */

    double mteval = 1.0;
    int eff = order;
    for (int n = 1; n <= order; n++) {
        double *c = &out->counts[n - 1], *t = &out->totals[n - 1];
        if (cfg->smooth == BLEU_SMOOTH_ADD_K && n > 1) {   /* unigrams stay unsmoothed */
            *c += k;
            *t += k;
        }
        if (*t == 0) break;   /* the hypothesis has no n-grams of this order or above */
        if (cfg->effective_order) eff = n;
        if (*c == 0) {
            if (cfg->smooth == BLEU_SMOOTH_EXP) {   /* 1/2, 1/4, ... of a match */
                mteval *= 2;
                out->precisions[n - 1] = 100.0 / (mteval * *t);
            } else if (cfg->smooth == BLEU_SMOOTH_FLOOR) {
                out->precisions[n - 1] = 100.0 * k / *t;
            }
        } else {
            out->precisions[n - 1] = 100.0 * *c / *t;
        }
    }
    /* geometric mean of the first eff precisions, summed left to right as Python's sum() */
    double sum = 0.0;
    for (int n = 0; n < eff; n++) sum += floored_log(out->precisions[n]);
    out->score = out->bp * exp(sum / eff);
    return 0;
}

int bleu_sentence(const char *hyp, const char *const *refs, int nrefs, const BleuConfig *cfg,
                  BleuResult *out, char *err, size_t errlen) {
    BleuStats st;
    memset(&st, 0, sizeof st);
    if (bleu_stats_add(&st, hyp, refs, nrefs, cfg, err, errlen) != 0) return -1;
    return bleu_compute(&st, cfg, out, err, errlen);
}

int bleu_corpus(const char *const *hyps, size_t nhyps, const char *const *const *refs,
                const size_t *ref_lines, int nrefs, const BleuConfig *cfg, BleuResult *out,
                char *err, size_t errlen) {
    if (nrefs < 1) return err_set(err, errlen, "BLEU: no reference stream");
    for (int r = 0; r < nrefs; r++)
        if (ref_lines[r] != nhyps)
            return err_set(err, errlen, "BLEU: reference stream %d has %zu lines, the hypotheses %zu",
                        r + 1, ref_lines[r], nhyps);
    BleuStats st;
    memset(&st, 0, sizeof st);
    const char **seg = xmalloc((size_t)nrefs * sizeof *seg);
    for (size_t i = 0; i < nhyps; i++) {
        for (int r = 0; r < nrefs; r++) seg[r] = refs[r][i];
        if (bleu_stats_add(&st, hyps[i], seg, nrefs, cfg, err, errlen) != 0) {
            name_segment(err, errlen, i);
            free(seg);
            return -1;
        }
    }
    free(seg);
    return bleu_compute(&st, cfg, out, err, errlen);
}

void bleu_format(const BleuResult *r, char *buf, size_t size) {
    char prec[BLEU_MAX_ORDER * 8 + 1] = "";   /* "100.0/" at most per order */
    for (int n = 0; n < r->order; n++) {
        size_t used = strlen(prec);
        snprintf(prec + used, sizeof prec - used, "%s%.1f", n ? "/" : "", r->precisions[n]);
    }
    snprintf(buf, size, "BLEU = %.2f %s (BP = %.3f ratio = %.3f hyp_len = %lld ref_len = %lld)",
             r->score, prec, r->bp, r->ratio, (long long)r->sys_len, (long long)r->ref_len);
}

/* ================================================================ chrF */

ChrfConfig chrf_config_default(void) {
    ChrfConfig c = {6, 0, 2, 0, 0, 0};
    return c;
}

static int chrf_check(const ChrfConfig *cfg, char *err, size_t errlen) {
    if (cfg->char_order < 0 || cfg->word_order < 0 || cfg->char_order + cfg->word_order < 1 ||
        cfg->char_order + cfg->word_order > CHRF_MAX_ORDER)
        return err_set(err, errlen, "chrF orders %d + %d must be 1..%d together", cfg->char_order,
                    cfg->word_order, CHRF_MAX_ORDER);
    if (cfg->beta < 0) return err_set(err, errlen, "chrF beta %d is negative", cfg->beta);
    return 0;
}

/* {hypothesis n-grams (0 when the reference has none), reference n-grams,
 * clipped matches} of order n between two sequences of symbols. */
static void chrf_order_stats(const uint32_t *h, int hn, const uint32_t *r, int rn, int n, int64_t out[3]) {
    StrMap hm, rm;
    strmap_init(&hm);
    strmap_init(&rm);
    int *hc = NULL, *rc = NULL, hcap = 0, rcap = 0;
    for (int pass = 0; pass < 2; pass++) {
        const uint32_t *s = pass ? r : h;
        int len = pass ? rn : hn;
        StrMap *m = pass ? &rm : &hm;
        int **c = pass ? &rc : &hc, *cap = pass ? &rcap : &hcap;
        for (int i = 0; i + n <= len; i++) {
            int added;
            int e = strmap_intern(m, (const char *)(s + i), (size_t)n * sizeof *s, &added);
            if (e >= *cap) {
                *cap = (e + 1) * 2;
                *c = xrealloc(*c, (size_t)*cap * sizeof **c);
            }
            if (added) (*c)[e] = 0;
            (*c)[e]++;
        }
    }
    int64_t hyp = hn >= n ? hn - n + 1 : 0, ref = rn >= n ? rn - n + 1 : 0, match = 0;
    for (int e = 0; e < hm.n; e++) {
        size_t klen;
        const char *key = strmap_key(&hm, e, &klen);
        int f = strmap_find(&rm, key, klen);
        if (f >= 0) match += hc[e] < rc[f] ? hc[e] : rc[f];
    }
    out[0] = ref ? hyp : 0;
    out[1] = ref;
    out[2] = match;
    free(hc);
    free(rc);
    strmap_free(&hm);
    strmap_free(&rm);
}

double chrf_compute(const ChrfStats *st, const ChrfConfig *cfg) {
    int order = cfg->char_order + cfg->word_order;
    const double eps = 1e-16;
    double factor = (double)cfg->beta * cfg->beta, score = 0.0, avg_prec = 0.0, avg_rec = 0.0;
    int eff = 0;
    for (int i = 0; i < order; i++) {
        double nh = (double)st->stats[i][0], nr = (double)st->stats[i][1], nm = (double)st->stats[i][2];
        double prec = nh > 0 ? nm / nh : eps, rec = nr > 0 ? nm / nr : eps;
        double denom = factor * prec + rec;
        score += denom > 0 ? (1 + factor) * prec * rec / denom : eps;
        if (nh > 0 && nr > 0) {   /* sacreBLEU < 2.0's effective order */
            avg_prec += prec;
            avg_rec += rec;
            eff++;
        }
    }
    if (cfg->eps_smoothing) return 100 * score / order;
    if (eff == 0) return 0.0;
    avg_prec /= eff;
    avg_rec /= eff;
    if (avg_prec + avg_rec == 0) return 0.0;
    return 100 * ((1 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec));
}

/* A segment as chrF sees it: its characters (whitespace removed unless kept)
 * and its words, as ids in vocab. */
typedef struct { uint32_t *chars, *words; int nchars, nwords; } ChrfSeg;

static int is_ascii_punct(unsigned char c) {
    return c < 128 && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) && c;
}

static int chrf_seg(const char *text, const ChrfConfig *cfg, StrMap *vocab, ChrfSeg *seg,
                    char *err, size_t errlen) {
    size_t n = strlen(text);
    if (text_check("chrF input", text, n, NULL, err, errlen) != 0) return -1;
    Buf b = {0};
    buf_put(&b, "", 0);
    if (cfg->lowercase) lowercase(text, n, &b); else buf_put(&b, text, n);
    memset(seg, 0, sizeof *seg);
    seg->chars = xmalloc((b.len + 1) * sizeof *seg->chars);
    seg->words = xmalloc((2 * b.len + 1) * sizeof *seg->words);
    for (size_t i = 0; i < b.len;) {
        int len;
        uint32_t c = cp_at(b.s, b.len, i, &len);
        if (cfg->whitespace || !py_space(c)) seg->chars[seg->nchars++] = c;
        i += (size_t)len;
    }
    /* words, with one leading or trailing ASCII punctuation mark split off */
    for (size_t i = 0, start; next_word(b.s, b.len, &i, &start);) {
        const char *w = b.s + start;
        size_t wl = i - start, ncp = 0;   /* bytes, code points */
        for (size_t k = 0; k < wl; k++) ncp += ((unsigned char)w[k] & 0xC0) != 0x80;
        if (ncp > 1 && is_ascii_punct((unsigned char)w[wl - 1])) {
            seg->words[seg->nwords++] = (uint32_t)strmap_intern(vocab, w, wl - 1, NULL);
            seg->words[seg->nwords++] = (uint32_t)strmap_intern(vocab, w + wl - 1, 1, NULL);
        } else if (ncp > 1 && is_ascii_punct((unsigned char)w[0])) {
            seg->words[seg->nwords++] = (uint32_t)strmap_intern(vocab, w, 1, NULL);
            seg->words[seg->nwords++] = (uint32_t)strmap_intern(vocab, w + 1, wl - 1, NULL);
        } else {
            seg->words[seg->nwords++] = (uint32_t)strmap_intern(vocab, w, wl, NULL);
        }
    }
    free(b.s);
    return 0;
}

int chrf_stats_add(ChrfStats *st, const char *hyp, const char *const *refs, int nrefs,
                   const ChrfConfig *cfg, char *err, size_t errlen) {
    if (chrf_check(cfg, err, errlen) != 0) return -1;
    if (!hyp) return err_set(err, errlen, "chrF: a hypothesis is missing (NULL)");
    int have = 0;
    for (int r = 0; r < nrefs; r++) have += refs[r] != NULL;
    if (!have) return err_set(err, errlen, "chrF: a segment has no reference");

    StrMap vocab;
    strmap_init(&vocab);
    ChrfSeg h, rs;
    int rc = 0;
    if (chrf_seg(hyp, cfg, &vocab, &h, err, errlen) != 0) {
        strmap_free(&vocab);
        return -1;
    }
    ChrfStats best, cur;
    double best_f = -1.0;
    memset(&best, 0, sizeof best);
    for (int r = 0; r < nrefs && rc == 0; r++) {
        if (!refs[r]) continue;
        if (chrf_seg(refs[r], cfg, &vocab, &rs, err, errlen) != 0) { rc = -1; break; }
        memset(&cur, 0, sizeof cur);
        for (int n = 1; n <= cfg->char_order; n++)
            chrf_order_stats(h.chars, h.nchars, rs.chars, rs.nchars, n, cur.stats[n - 1]);
        for (int n = 1; n <= cfg->word_order; n++)
            chrf_order_stats(h.words, h.nwords, rs.words, rs.nwords, n, cur.stats[cfg->char_order + n - 1]);
        double f = chrf_compute(&cur, cfg);
        if (f > best_f) {   /* the first of equally good references */
            best_f = f;
            best = cur;
        }
        free(rs.chars);
        free(rs.words);
    }
    if (rc == 0)
        for (int i = 0; i < CHRF_MAX_ORDER; i++)
            for (int k = 0; k < 3; k++) st->stats[i][k] += best.stats[i][k];
    free(h.chars);
    free(h.words);
    strmap_free(&vocab);
    return rc;
}

int chrf_sentence(const char *hyp, const char *const *refs, int nrefs, const ChrfConfig *cfg,
                  double *score, char *err, size_t errlen) {
    ChrfStats st;
    memset(&st, 0, sizeof st);
    if (chrf_stats_add(&st, hyp, refs, nrefs, cfg, err, errlen) != 0) return -1;
    *score = chrf_compute(&st, cfg);
    return 0;
}

int chrf_corpus(const char *const *hyps, size_t nhyps, const char *const *const *refs,
                const size_t *ref_lines, int nrefs, const ChrfConfig *cfg, double *score,
                char *err, size_t errlen) {
    if (nrefs < 1) return err_set(err, errlen, "chrF: no reference stream");
    for (int r = 0; r < nrefs; r++)
        if (ref_lines[r] != nhyps)
            return err_set(err, errlen, "chrF: reference stream %d has %zu lines, the hypotheses %zu",
                        r + 1, ref_lines[r], nhyps);
    ChrfStats st;
    memset(&st, 0, sizeof st);
    const char **seg = xmalloc((size_t)nrefs * sizeof *seg);
    for (size_t i = 0; i < nhyps; i++) {
        for (int r = 0; r < nrefs; r++) seg[r] = refs[r][i];
        if (chrf_stats_add(&st, hyps[i], seg, nrefs, cfg, err, errlen) != 0) {
            name_segment(err, errlen, i);
            free(seg);
            return -1;
        }
    }
    free(seg);
    *score = chrf_compute(&st, cfg);
    return 0;
}
