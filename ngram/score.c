/*
 * score.c -- using a model: log10 p(w | h), perplexity, sampling.
 *
 * A model with ARPA tables is scored the way KenLM's query does it, by the
 * backoff recursion over the longest n-gram present:
 *     p(w | h) = p*(h w)                 if h w is in the model
 *              = bo(h) * p(w | h')       otherwise (bo = 1 when h is absent)
 * For the interpolated KNs this reproduces the interpolation exactly, since
 * their ARPA p* already includes the lower orders and bo(h) = gamma(h).
 * Models without an ARPA form (mle, addk) are scored from their counts.
 *
 * Perplexity counts as query does (KenLM's lm/ngram_query.hh): every word
 * plus one </s> per sentence, <s> as context only, OOV words scored as <unk>.
 * PPL = 10^(-sum log10 p / tokens). "Excluding OOVs" drops the OOV tokens'
 * log10 p from the sum and the OOV tokens from the count; the words after an
 * OOV stay (scored with <unk> in their history), and </s> is never an OOV.
 * An OOV is a word the model's vocabulary lacks, or one of the markers <s>,
 * </s>, <pad> written in the text. A literal "<unk>" is not: it is the <unk>
 * word (DESIGN.md), so PTB, which spells its rare words <unk>, has no OOVs.
 * KenLM's vocabulary answers 0 (= <unk> = not found) for both, so its query
 * counts a literal <unk> as an OOV too (PTB test: "OOVs: 4794"); the
 * perplexity including OOVs is the same either way. A last line without its
 * newline is scored like the others (KenLM's query gives it no </s>).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ngram/ngram.h"
#include "sample.h"
#include "util.h"

/* The backoffs of h's suffixes: bo[k-1] = log10 bo(last k words of h), for
 * k = 1.. until one is missing (the longer ones are then missing too, ngram.h).
 * Returns how many were found. */
static int history_backoffs(const NgramQuery *q, const uint32_t *h, int hlen, float *bo) {
    if (hlen == 0) return 0;
    int K = hlen < q->order - 1 ? hlen : q->order - 1;
    bo[0] = q->uni[h[hlen - 1]].logbo;
    uint64_t key = ngram_key_start(h[hlen - 1]);
    int k = 1;
    for (; k < K; k++) {
        key = ngram_key_extend(key, h[hlen - 1 - k]);
        const NgramSlot *s = ngram_probe_find(&q->tab[k + 1], ngram_key_fix(key));
        if (!s) break;
        bo[k] = s->logbo;
    }
    return k;
}

/* The backoff recursion (above), as KenLM's query walks it (ngram.h). Walk
 * w, h1 w, h2 h1 w, ... (one key extend and one probe each) to the longest
 * n-gram present, then multiply in the backoffs of the histories
 * longer than its own, which the previous step's walk found: bo[k-1] for
 * history length k (nbo of them; absent ones are 1). The walk's own entries'
 * backoffs are the next step's: next[k-1] for the last k words of h w; *nnext
 * gets their number. *matched: the length of the longest real n-gram found. */
static double walk(const NgramQuery *q, const uint32_t *h, int hlen, uint32_t w, const float *bo, int nbo,
                   float *next, int *nnext, int *matched) {
    int K = hlen < q->order - 1 ? hlen : q->order - 1;
    /* Every key first, with a prefetch of each one's home slot: the probes'
     * cache misses overlap instead of following one another (measured: 7%
     * less time than probing as the walk goes; prefetching whole tokens ahead
     * was slower, the misses being bound by page walks more than by latency). */
    uint64_t keys[NGRAM_MAX_ORDER];
    uint64_t key = ngram_key_start(w);
    for (int k = 1; k <= K; k++) {
        key = ngram_key_extend(key, h[hlen - k]);
        keys[k] = ngram_key_fix(key);
        const NgramProbe *p = &q->tab[k + 1];
        __builtin_prefetch(&p->slot[ngram_probe_home(p, keys[k])]);
    }
    float logp = q->uni[w].logp;
    next[0] = q->uni[w].logbo;
    int found = 1, real = 1;
    for (; found <= K; found++) {
        const NgramSlot *s = ngram_probe_find(&q->tab[found + 1], keys[found]);
        if (!s) break;
        logp = s->logp;
        next[found] = s->logbo;
        if (!(s->key & NGRAM_KEY_BLANK)) real = found + 1;
        if (!(s->key & NGRAM_KEY_EXTENDS)) { found++; break; }   /* nothing longer ends here */
    }
    *nnext = found;
    *matched = real;
    double sum = 0.0;   /* longest history first, as the recursion multiplies them */
    for (int k = (K < nbo ? K : nbo); k >= found; k--) sum += bo[k - 1];
    return sum + logp;
}

double ngram_log10prob(const NgramLm *lm, const uint32_t *h, int hlen, uint32_t w, int *matched) {
    if (lm->has_arpa) {
        float bo[NGRAM_MAX_ORDER], next[NGRAM_MAX_ORDER];
        int nbo = history_backoffs(&lm->q, h, hlen, bo), nnext, m;
        double lp = walk(&lm->q, h, hlen, w, bo, nbo, next, &nnext, &m);
        if (matched) *matched = m;
        return lp;
    }
    if (matched) *matched = hlen + 1 < lm->order ? hlen + 1 : lm->order;
    double p = ngram_prob_counts(lm, h, hlen, w);
    return p > 0 ? log10(p) : -INFINITY;
}

double ngram_ppl_including(const NgramPerplexity *p) {
    return p->tokens ? pow(10.0, -p->logprob / (double)p->tokens) : NAN;
}

double ngram_ppl_excluding(const NgramPerplexity *p) {
    uint64_t n = p->tokens - p->oov;
    return n ? pow(10.0, -p->logprob_iv / (double)n) : NAN;
}

/* What a text's walk carries from one token to the next: the backoffs of the
 * history's suffixes (walk's bo and nbo). */
typedef struct {
    float bo[NGRAM_MAX_ORDER];
    int n;
} Backoffs;

/* A new history h (a sentence's <s>, or nothing): its backoffs looked up. */
static void backoffs_start(const NgramLm *lm, const uint32_t *h, int hlen, Backoffs *st) {
    st->n = lm->has_arpa ? history_backoffs(&lm->q, h, hlen, st->bo) : 0;
}

/* Score one token, with its history; write query's "word=id n logp" if asked. */
static double score_token(const NgramLm *lm, const uint32_t *h, int hlen, uint32_t w, int oov, Backoffs *st,
                          const char *word, int wlen, NgramPerplexity *res, FILE *out) {
    int matched;
    double lp;
    if (lm->has_arpa) {
        float next[NGRAM_MAX_ORDER];
        int nnext;
        lp = walk(&lm->q, h, hlen, w, st->bo, st->n, next, &nnext, &matched);
        memcpy(st->bo, next, (size_t)nnext * sizeof *next);
        st->n = nnext;
    } else lp = ngram_log10prob(lm, h, hlen, w, &matched);
    res->logprob += lp;
    res->tokens++;
    if (oov) res->oov++;
    else res->logprob_iv += lp;
    if (out) fprintf(out, "%.*s=%u %d %g\t", wlen, word, oov ? (uint32_t)VOCAB_UNK : w, matched, lp);
    return lp;
}

/* Each line as <s> w1 .. wm </s>, framed here as count.c frames it (the
 * sentence stream's tokens, KenLM's framing). Scoring needs the words' text
 * as well: an OOV is told from a literal <unk> (the stream gives both id 0)
 * and query prints each word as written. */
static void score_words(const NgramLm *lm, const char *text, size_t len, NgramPerplexity *res,
                        FILE *out, int per_sentence, int query) {
    size_t cap = 256;
    uint32_t *seq = xmalloc((cap + 2) * sizeof *seq);
    uint8_t *oov = xmalloc(cap + 2);
    const char *line = text, *end = text + len;
    while (line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol) eol = end;
        size_t m;
        while ((m = ngram_line_ids(lm, line, (size_t)(eol - line), seq + 1, oov, cap)) > cap) {
            cap = 2 * m;
            seq = xrealloc(seq, (cap + 2) * sizeof *seq);
            oov = xrealloc(oov, cap + 2);
        }
        seq[0] = VOCAB_BOS;
        seq[m + 1] = VOCAB_EOS;
        oov[m] = 0;
        /* the words' text, for query's output */
        const char *p = line;
        uint64_t oov_before = res->oov;
        double sent = 0.0;
        FILE *qout = query ? out : NULL;
        Backoffs st;
        backoffs_start(lm, seq, 1, &st);
        for (size_t j = 0; j <= m; j++) {
            const char *word = "</s>";
            int wlen = 4;
            if (j < m) {
                while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\v' || *p == '\f') p++;
                word = p;
                while (p < eol && !(*p == ' ' || *p == '\t' || *p == '\r' || *p == '\v' || *p == '\f')) p++;
                wlen = (int)(p - word);
            }
            sent += score_token(lm, seq, (int)j + 1, seq[j + 1], oov[j], &st, word, wlen, res, qout);
        }
        res->sentences++;
        if (qout) fprintf(out, "Total: %g OOV: %llu\n", sent, (unsigned long long)(res->oov - oov_before));
        else if (per_sentence && out) fprintf(out, "%.6f\t%.*s\n", sent, (int)(eol - line), line);
        line = eol + 1;
    }
    free(seq);
    free(oov);
}

/* A char model scores the raw byte stream; the history is the previous N-1 bytes. */
static void score_bytes(const NgramLm *lm, const char *text, size_t len, NgramPerplexity *res, FILE *out, int query) {
    uint32_t byte_id[256];
    uint8_t known[256];
    for (int b = 0; b < 256; b++) {
        char tok[8];
        ngram_byte_token(tok, (unsigned char)b);
        int id = ngram_word_id(lm, tok, strlen(tok));
        known[b] = id >= 0;
        byte_id[b] = id < 0 ? VOCAB_UNK : (uint32_t)id;
    }
    int H = lm->order - 1;
    uint32_t *seq = xmalloc((len + 1) * sizeof *seq);
    Backoffs st;
    backoffs_start(lm, seq, 0, &st);
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)text[i];
        seq[i] = byte_id[b];
        int hlen = (int)(i < (size_t)H ? i : (size_t)H);
        char tok[8];
        ngram_byte_token(tok, b);
        score_token(lm, seq + i - hlen, hlen, seq[i], !known[b], &st, tok, (int)strlen(tok), res,
                    query ? out : NULL);
    }
    if (query && out) fprintf(out, "Total: %g OOV: %llu\n", res->logprob, (unsigned long long)res->oov);
    free(seq);
}

/* Score text that has passed the check. */
static void score_text(const NgramLm *lm, const char *text, size_t len, NgramPerplexity *res,
                       FILE *out, int per_sentence, int query) {
    memset(res, 0, sizeof *res);
    if (lm->char_level) score_bytes(lm, text, len, res, out, query);
    else score_words(lm, text, len, res, out, per_sentence, query);
}

void ngram_score_text(const NgramLm *lm, const char *text, size_t len, const char *name, NgramPerplexity *res,
                      FILE *out, int per_sentence, int query) {
    ngram_check_text(text, len, name);
    score_text(lm, text, len, res, out, per_sentence, query);
}

void ngram_score_file(const NgramLm *lm, const char *path, NgramPerplexity *res, FILE *out, int per_sentence,
                      int query) {
    size_t len;
    char *text = text_load(path, &len);   /* valid UTF-8 without NUL bytes, or exit 1 */
    score_text(lm, text, len, res, out, per_sentence, query);
    free(text);
}

/* ------------------------------------------------------------------ sampling */

/* The next token. The ladder's one sampler (common/sample.h: temperature,
 * top-k, top-p) takes logits, and an n-gram model's logits are its natural-log
 * probabilities, ln p = log10 p * ln 10: softmax(ln p / T) is p^(1/T),
 * renormalised. Tokens the model never predicts (<s>, <pad>; </s> in a char
 * model, which has no sentences) get -inf, which the sampler never draws. */
static uint32_t sample_next(const NgramLm *lm, const SamplerConfig *s, Rng *rng, const uint32_t *h, int hlen,
                            float *logits, float *probs, int *order) {
    int V = ngram_vocab_size(lm) + 1;   /* <pad> included: ids 0..V-1 */
    for (int w = 0; w < V; w++) {
        int never = ngram_never_predicted((uint32_t)w) || (lm->char_level && w == VOCAB_EOS);
        logits[w] = never ? -INFINITY : (float)(ngram_log10prob(lm, h, hlen, (uint32_t)w, NULL) * M_LN10);
    }
    return (uint32_t)sampler_draw(s, logits, V, probs, order, rng);
}

/* Print a char model's token back as its byte. */
static void print_byte_token(const char *tok, FILE *out) {
    unsigned b;
    if (strlen(tok) == 6 && sscanf(tok, "<0x%2X>", &b) == 1) fputc((int)b, out);
    else fputs(tok, out);
}

void ngram_sample(const NgramLm *lm, const SamplerConfig *s, Rng *rng, int max_tokens, FILE *out) {
    size_t V = (size_t)ngram_vocab_size(lm) + 1;
    float *logits = xmalloc(V * sizeof *logits), *probs = xmalloc(V * sizeof *probs);
    int *order = xmalloc(V * sizeof *order);
    uint32_t *seq = xmalloc(((size_t)max_tokens + 2) * sizeof *seq);
    int L = 0, H = lm->order - 1;
    if (!lm->char_level) seq[L++] = VOCAB_BOS;
    for (int t = 0; t < max_tokens; t++) {
        int hlen = L < H ? L : H;
        uint32_t w = sample_next(lm, s, rng, seq + L - hlen, hlen, logits, probs, order);
        if (w == VOCAB_EOS) break;
        seq[L++] = w;
        if (lm->char_level) print_byte_token(ngram_word(lm, w), out);
        else fprintf(out, "%s%s", t ? " " : "", ngram_word(lm, w));
    }
    if (!lm->char_level) fputc('\n', out);
    free(logits);
    free(probs);
    free(order);
    free(seq);
}
