/*
 * bert_data.c -- BERT's vocabulary, pretraining corpus, input pairs and
 * masking (see bert_data.h).
 */
#include "transformer/bert_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const special_text[BERT_N_SPECIAL] = {"[PAD]", "[CLS]", "[SEP]", "[MASK]"};
#define BERT_MASK_MAX_T 4096   /* longest input bert_mask takes (its scratch is on the stack) */

/* ============================================================ tokenizer */

/* ASCII lowercase, in place: SST and PTB are lowercase already, and the
 * other bytes (UTF-8 sequences) are left as they are. */
static void lower_ascii(char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'A' && s[i] <= 'Z') s[i] = (char)(s[i] - 'A' + 'a');
}

void bert_tok_wrap(BertTok *t, Bpe *bpe) {
    t->bpe = bpe;
    t->n_bpe = bpe->vocab_size;
    t->pad = t->n_bpe;
    t->cls = t->n_bpe + 1;
    t->sep = t->n_bpe + 2;
    t->mask = t->n_bpe + 3;
    t->V = t->n_bpe + BERT_N_SPECIAL;
}

void bert_tok_train(BertTok *t, const char *text, size_t len, int vocab_size) {
    char *low = xmalloc(len + 1);
    memcpy(low, text, len);
    low[len] = '\0';
    lower_ascii(low, len);
    bert_tok_wrap(t, bpe_train(low, len, vocab_size, 0));
    free(low);
}

void bert_tok_free(BertTok *t) {
    bpe_free(t->bpe);
    memset(t, 0, sizeof *t);
}

/* BPE ids of text[0..len) lowercased, into out[0..cap); returns how many. */
static size_t encode_plain(BertTok *t, const char *text, size_t len, int *out, size_t cap) {
    if (len == 0) return 0;
    char *low = xmalloc(len + 1);
    memcpy(low, text, len);
    lower_ascii(low, len);
    size_t n = bpe_encode(t->bpe, low, len, 0, out, cap);
    free(low);
    return n;
}

size_t bert_tok_encode(BertTok *t, const char *text, size_t len, int *out, size_t cap) {
    static const char tag[] = "[MASK]";
    size_t n = 0, pos = 0;
    for (;;) {
        const char *hit = memmem(text + pos, len - pos, tag, sizeof tag - 1);
        size_t end = hit ? (size_t)(hit - text) : len, seg = end;
        /* the mask stands for a word token, which carries its leading space */
        if (hit && seg > pos && text[seg - 1] == ' ') seg--;
        n += encode_plain(t, text + pos, seg - pos, out ? out + (n < cap ? n : cap) : NULL, n < cap ? cap - n : 0);
        if (!hit) return n;
        if (out && n < cap) out[n] = t->mask;
        n++;
        pos = end + sizeof tag - 1;
    }
}

static size_t lset_encode(const void *ctx, const char *text, size_t len, int *out, size_t cap) {
    return bert_tok_encode((BertTok *)ctx, text, len, out, cap);
}

LsetEncoder bert_tok_lset(BertTok *t) { return (LsetEncoder){lset_encode, t}; }

int bert_tok_single(BertTok *t, const char *word) {
    char buf[256];
    int ids[2];
    if (snprintf(buf, sizeof buf, " %s", word) >= (int)sizeof buf) return -1;
    return encode_plain(t, buf, strlen(buf), ids, 2) == 1 ? ids[0] : -1;
}

const char *bert_tok_text(const BertTok *t, int id) {
    if (id >= t->n_bpe && id < t->V) return special_text[id - t->n_bpe];
    if (id < 0 || id >= t->V) return "<?>";
    return t->bpe->token[id];
}

int bert_tok_is_special(const BertTok *t, int id) { return id >= t->n_bpe; }

/* ============================================================ corpus */

static void corpus_append(BertCorpus *c, const char *s, size_t n) {
    size_t need = c->len + n + 2;
    if (need > c->cap) {
        size_t cap = c->cap ? c->cap : 1 << 20;
        while (cap < need) cap *= 2;
        c->text = xrealloc(c->text, cap);
        c->cap = cap;
    }
    memcpy(c->text + c->len, s, n);
    c->len += n;
    c->text[c->len] = '\0';
}

/* Lines of a text file, each appended as one sentence; skip_label drops a
 * leading "LABEL " (SST's stsa.binary files). A blank line closes a document. */
static void append_lines(BertCorpus *c, const char *path, int skip_label) {
    size_t len;
    char *buf = read_file(path, &len);
    for (char *line = buf; line < buf + len;) {
        char *nl = memchr(line, '\n', (size_t)(buf + len - line));
        char *end = nl ? nl : buf + len;
        char *s = line;
        if (skip_label) {
            while (s < end && *s != ' ' && *s != '\t') s++;
            if (s < end) s++;
        }
        while (s < end && (*s == ' ' || *s == '\t')) s++;
        size_t n = (size_t)(end - s);
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r' || s[n - 1] == '\t')) n--;
        if (n > 0) {
            corpus_append(c, s, n);
            corpus_append(c, "\n", 1);
        }
        line = end + 1;
    }
    free(buf);
}

/* Brown: the tagged files of the corpus's zip ("the/at fulton/np-tl ..."),
 * through unzip, each word without its "/tag"; one sentence a line. */
static void append_brown(BertCorpus *c, const char *zip) {
    if (strchr(zip, '\'')) die("'%s': a quote in the path of the Brown zip", zip);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "unzip -p '%s' 'brown/c[a-r][0-9][0-9]'", zip);
    FILE *p = popen(cmd, "r");
    if (!p) die("cannot run unzip on '%s' (install unzip)", zip);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long sentences = 0;
    while ((n = getline(&line, &cap, p)) > 0) {
        int words = 0;
        char *save;
        for (char *w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
            char *slash = strrchr(w, '/');
            size_t wl = slash ? (size_t)(slash - w) : strlen(w);
            if (wl == 0) continue;
            if (words++) corpus_append(c, " ", 1);
            corpus_append(c, w, wl);
        }
        if (words) corpus_append(c, "\n", 1), sentences++;
    }
    free(line);
    if (pclose(p) != 0 || sentences == 0) die("could not read the Brown corpus from '%s' (with unzip)", zip);
}

/* A new document starts at the end of the text so far. */
static void mark_doc(BertCorpus *c) {
    c->doc_byte = xrealloc(c->doc_byte, (size_t)(c->ndoc + 1) * sizeof(size_t));
    c->doc_byte[c->ndoc++] = c->len;
}

void bert_corpus_read(BertCorpus *c, const char *sources) {
    static const char *const all = "bible brown ptb sst";
    if (!sources) sources = all;
    memset(c, 0, sizeof *c);
    char path[1024], list[256];
    snprintf(list, sizeof list, "%s", sources);
    char *save;
    for (char *s = strtok_r(list, " ,", &save); s; s = strtok_r(NULL, " ,", &save)) {
        mark_doc(c);
        if (!strcmp(s, "bible")) {
            data_path_or_die(path, sizeof path, "bible/chars.train.txt");
            append_lines(c, path, 0);
        } else if (!strcmp(s, "brown")) {
            data_path_or_die(path, sizeof path, "brown/brown.zip");
            append_brown(c, path);
        } else if (!strcmp(s, "ptb")) {
            data_path_or_die(path, sizeof path, "ptb/ptb.train.txt");
            append_lines(c, path, 0);
        } else if (!strcmp(s, "sst")) {
            data_path_or_die(path, sizeof path, "sst/stsa.binary.train");   /* training sentences only */
            append_lines(c, path, 1);
        } else {
            die("unknown corpus source '%s' (bible, brown, ptb, sst)", s);
        }
    }
    if (c->len == 0) die("the pretraining corpus is empty");
    lower_ascii(c->text, c->len);
}

void bert_corpus_read_file(BertCorpus *c, const char *path) {
    memset(c, 0, sizeof *c);
    mark_doc(c);
    append_lines(c, path, 0);
    if (c->len == 0) die("'%s': no text to pretrain on", path);
    lower_ascii(c->text, c->len);
}

void bert_corpus_encode(BertCorpus *c, BertTok *t) {
    size_t ncap = 1024, idcap = c->len / 2 + 1024;
    c->start = xmalloc(ncap * sizeof(size_t));
    c->slen = xmalloc(ncap * sizeof(int));
    c->doc = xmalloc(ncap * sizeof(int));
    c->ids = xmalloc(idcap * sizeof(int));
    c->n = 0;
    c->nids = 0;
    int d = 0;
    for (size_t pos = 0; pos < c->len;) {
        const char *nl = memchr(c->text + pos, '\n', c->len - pos);
        size_t end = nl ? (size_t)(nl - c->text) : c->len;
        while (d + 1 < c->ndoc && c->doc_byte[d + 1] <= pos) d++;
        size_t n = bert_tok_encode(t, c->text + pos, end - pos, NULL, 0);
        if (n > 0) {
            if ((size_t)c->n == ncap) {
                ncap *= 2;
                c->start = xrealloc(c->start, ncap * sizeof(size_t));
                c->slen = xrealloc(c->slen, ncap * sizeof(int));
                c->doc = xrealloc(c->doc, ncap * sizeof(int));
            }
            while (c->nids + n > idcap) c->ids = xrealloc(c->ids, (idcap *= 2) * sizeof(int));
            bert_tok_encode(t, c->text + pos, end - pos, c->ids + c->nids, n);
            c->start[c->n] = c->nids;
            c->slen[c->n] = (int)n;
            c->doc[c->n] = d;
            c->n++;
            c->nids += n;
        }
        pos = end + 1;
    }
    if (c->n < 2) die("the pretraining corpus has fewer than two sentences");
}

void bert_corpus_free(BertCorpus *c) {
    free(c->text), free(c->ids), free(c->start), free(c->slen), free(c->doc), free(c->doc_byte);
    memset(c, 0, sizeof *c);
}

/* ============================================================ masking */

int bert_mask(int *inp, int *target, const int *ids, int n, const BertTok *t, float p, Rng *r) {
    if (n > BERT_MASK_MAX_T) die("bert_mask: %d tokens, at most %d", n, BERT_MASK_MAX_T);
    int cand[BERT_MASK_MAX_T], nc = 0;
    for (int i = 0; i < n; i++) {
        inp[i] = ids[i];
        target[i] = -1;
        if (!bert_tok_is_special(t, ids[i])) cand[nc++] = i;
    }
    int k = (int)(p * nc + 0.5f);
    if (k < 1 && nc > 0) k = 1;
    for (int j = 0; j < k; j++) {   /* a partial Fisher-Yates shuffle picks k distinct positions */
        int s = j + (int)rng_below(r, (uint32_t)(nc - j)), i = cand[s];
        cand[s] = cand[j];
        cand[j] = i;
        target[i] = ids[i];
        float u = rng_uniform(r);
        if (u < 0.8f) inp[i] = t->mask;                                        /* 80%: [MASK] */
        else if (u < 0.9f) inp[i] = (int)rng_below(r, (uint32_t)(t->n_bpe - 1));  /* 10%: random, not EOT */
        /* 10%: unchanged */
    }
    return k;
}

/* ============================================================ batches */

void bert_batch_alloc(BertBatch *b, int B, int T) {
    if (T < 4) die("an input of %d positions cannot hold [CLS] A [SEP] B [SEP]", T);
    if (T > BERT_MASK_MAX_T) die("inputs of %d positions: at most %d", T, BERT_MASK_MAX_T);
    b->B = B;
    b->T = T;
    b->ids = xcalloc((size_t)B * T, sizeof(int));
    b->seg = xcalloc((size_t)B * T, sizeof(int));
    b->orig = xcalloc((size_t)B * T, sizeof(int));
    b->len = xcalloc((size_t)B, sizeof(int));
    b->rows = xcalloc((size_t)B * T, sizeof(int));
    b->target = xcalloc((size_t)B * T, sizeof(int));
    b->is_next = xcalloc((size_t)B, sizeof(int));
    b->M = 0;
}

void bert_batch_free(BertBatch *b) {
    free(b->ids), free(b->seg), free(b->orig), free(b->len), free(b->rows), free(b->target), free(b->is_next);
    memset(b, 0, sizeof *b);
}

/* Sentences from s on in s's document, appended to out while fewer than
 * want tokens are there; returns the tokens now in out and sets *next to the
 * first sentence not taken. */
static int take_sentences(const BertCorpus *c, int s, int want, int *out, int have, int cap, int *next) {
    int d = s < c->n ? c->doc[s] : -1;
    while (s < c->n && c->doc[s] == d && have < want) {
        int n = c->slen[s] < cap - have ? c->slen[s] : cap - have;
        memcpy(out + have, c->ids + c->start[s], (size_t)n * sizeof(int));
        have += n;
        s++;
    }
    *next = s;
    return have;
}

/* Cut a pair to fit budget tokens, from the end of the longer side
 * (create_pretraining_data.py's truncate_seq_pair cuts either end at random). */
static void truncate_pair(int *na, int *nb, int budget) {
    while (*na + *nb > budget) {
        if (*na > *nb) (*na)--;
        else (*nb)--;
    }
}

/* One input of at most T positions into row and seg: [CLS] ... as
 * bert_data.h says; returns its length and sets *is_next (nsp 1). */
static int make_input(int *row, int *seg, int T, const BertCorpus *c, const BertTok *t, int nsp, int *is_next,
                      Rng *r) {
    int a[BERT_MASK_MAX_T], b[BERT_MASK_MAX_T], na, nb = 0, next;
    int s = (int)rng_below(r, (uint32_t)c->n);
    if (!nsp) {
        na = take_sentences(c, s, T - 2, a, 0, T - 2, &next);
    } else {
        int budget = T - 3;
        /* A gets between a quarter and three quarters of the budget, then B the rest */
        int want_a = budget / 4 + (int)rng_below(r, (uint32_t)(budget / 2 + 1));
        na = take_sentences(c, s, want_a, a, 0, budget - 1, &next);
        *is_next = rng_uniform(r) < 0.5f && next < c->n && c->doc[next] == c->doc[s];
        if (!*is_next) {   /* NotNext: B from a random place, not A's own sentences or the next */
            int a_end = next;
            for (int tries = 0; tries < 100 && (tries == 0 || (next >= s && next <= a_end)); tries++)
                next = (int)rng_below(r, (uint32_t)c->n);
        }
        nb = take_sentences(c, next, budget - na, b, 0, budget, &next);
        truncate_pair(&na, &nb, budget);
        if (nb == 0) b[nb++] = a[--na];   /* a sentence longer than the budget: B gets its end */
    }
    int n = 0;
    row[n] = t->cls, seg[n++] = 0;
    for (int i = 0; i < na; i++) row[n] = a[i], seg[n++] = 0;
    row[n] = t->sep, seg[n++] = 0;
    if (nsp) {
        for (int i = 0; i < nb; i++) row[n] = b[i], seg[n++] = 1;
        row[n] = t->sep, seg[n++] = 1;
    }
    for (int i = n; i < T; i++) row[i] = t->pad, seg[i] = 0;
    return n;
}

void bert_batch_make(BertBatch *b, const BertCorpus *c, const BertTok *t, int nsp, float p, Rng *r) {
    int T = b->T, target[BERT_MASK_MAX_T];
    b->M = 0;
    for (int i = 0; i < b->B; i++) {
        int *orig = b->orig + (size_t)i * T, *inp = b->ids + (size_t)i * T;
        b->is_next[i] = 0;
        int n = make_input(orig, b->seg + (size_t)i * T, T, c, t, nsp, &b->is_next[i], r);
        b->len[i] = n;
        bert_mask(inp, target, orig, T, t, p, r);
        for (int j = 0; j < n; j++)
            if (target[j] >= 0) {
                b->rows[b->M] = i * T + j;
                b->target[b->M++] = target[j];
            }
    }
}
