/*
 * tokenizer.c -- characters, words or byte-level BPE behind one interface,
 * named by a checkpoint's config. See tokenizer.h.
 */
#include "tokenizer.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The value of "key=" at the start of a line of config, into buf; 0 if absent. */
static int config_string(const char *config, const char *key, char *buf, size_t n) {
    size_t klen = strlen(key);
    for (const char *p = config; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
            const char *v = p + klen + 1, *e = strchr(v, '\n');
            size_t len = e ? (size_t)(e - v) : strlen(v);
            if (len >= n) die("config value of '%s' is too long", key);
            memcpy(buf, v, len);
            buf[len] = '\0';
            return 1;
        }
    }
    return 0;
}

static void chars_index(Tok *tk) {
    for (int b = 0; b < 256; b++) tk->char_id[b] = -1;
    for (int i = 0; i < tk->nchars; i++) tk->char_id[tk->chars[i]] = i;
    tk->kind = TOK_CHAR;
    tk->vocab_size = tk->nchars;
    tk->eot = -1;
    tk->bpe = NULL;
    tk->words = NULL;
}

void tok_chars_from_text(Tok *tk, const char *text, size_t len) {
    int seen[256] = {0};
    for (size_t i = 0; i < len; i++) seen[(unsigned char)text[i]] = 1;
    tk->nchars = 0;
    for (int b = 0; b < 256; b++)
        if (seen[b]) tk->chars[tk->nchars++] = (unsigned char)b;
    if (tk->nchars == 0) die("the corpus is empty: no characters to build a vocabulary from");
    chars_index(tk);
}

static void words_index(Tok *tk, Vocab *v) {
    tk->kind = TOK_WORD;
    tk->words = v;
    tk->vocab_size = v->size;
    tk->eot = VOCAB_EOS;   /* generation starts after an end of sentence */
}

void tok_words_from_text(Tok *tk, const char *text, size_t len, long min_count) {
    memset(tk, 0, sizeof *tk);
    words_index(tk, vocab_build(VOCAB_WORD, text, len, min_count, 0));
}

void tok_config_text(const Tok *tk, const char *vocab_path, char *buf, size_t n) {
    if (tk->kind == TOK_BPE || tk->kind == TOK_WORD) {
        snprintf(buf, n, "tokenizer=%s\nvocab=%s\n", tk->kind == TOK_BPE ? "bpe" : "word", vocab_path);
        return;
    }
    size_t k = (size_t)snprintf(buf, n, "tokenizer=char\ncharset=");
    for (int i = 0; i < tk->nchars && k + 3 < n; i++) k += (size_t)snprintf(buf + k, n - k, "%02x", tk->chars[i]);
    snprintf(buf + k, n - k, "\n");
}

void tok_from_config(Tok *tk, const char *config, const char *vocab) {
    memset(tk, 0, sizeof *tk);
    char kind[64] = "bpe", val[1024];
    if (config) config_string(config, "tokenizer", kind, sizeof kind);
    if (!vocab && !strcmp(kind, "char")) {
        if (!config_string(config, "charset", val, sizeof val) || strlen(val) % 2 || strlen(val) == 0)
            die("the checkpoint's charset is missing or malformed");
        tk->nchars = (int)strlen(val) / 2;
        for (int i = 0; i < tk->nchars; i++) {
            unsigned int b;
            if (sscanf(val + 2 * i, "%2x", &b) != 1) die("the checkpoint's charset is malformed");
            tk->chars[i] = (unsigned char)b;
        }
        chars_index(tk);
        return;
    }
    if (!strcmp(kind, "word")) {
        if (!vocab && !config_string(config, "vocab", val, sizeof val))
            die("the checkpoint names a word tokenizer but no vocabulary file");
        words_index(tk, vocab_load(vocab ? vocab : val));
        return;
    }
    char dir[1024];
    if (vocab) snprintf(dir, sizeof dir, "%s", vocab);
    else if (config && config_string(config, "vocab", val, sizeof val)) snprintf(dir, sizeof dir, "%s", val);
    else bpe_gpt2_dir(dir, sizeof dir);
    tk->bpe = bpe_load_gpt2(dir);
    tk->kind = TOK_BPE;
    tk->vocab_size = tk->bpe->vocab_size;
    tk->eot = tk->bpe->eot;
}

void tok_free(Tok *tk) {
    if (tk->bpe) bpe_free(tk->bpe);
    if (tk->words) vocab_free(tk->words);
    memset(tk, 0, sizeof *tk);
}

int *tok_encode(Tok *tk, const char *name, const char *text, size_t len, size_t *n) {
    if (tk->kind == TOK_BPE) return bpe_encode_alloc(tk->bpe, text, len, 1, n);
    if (tk->kind == TOK_WORD) {
        char err[1024];   /* words are text: UTF-8 without NUL bytes, as every word model reads */
        if (text_check(name, text, len, NULL, err, sizeof err) != 0) die("%s", err);
        return text_sentence_stream(tk->words, text, len, 1, n);
    }
    int *ids = xmalloc((len ? len : 1) * sizeof(int));
    for (size_t i = 0; i < len; i++) {
        int id = tk->char_id[(unsigned char)text[i]];
        if (id < 0)
            die("'%s': the byte 0x%02x at byte %zu (line %zu) is not in the model's character set", name,
                (unsigned char)text[i], i, text_line_of(text, i));
        ids[i] = id;
    }
    *n = len;
    return ids;
}

void tok_write(const Tok *tk, int id, FILE *f) {
    if (tk->kind == TOK_CHAR) fputc(tk->chars[id], f);
    else if (tk->kind == TOK_WORD && id == VOCAB_EOS) fputc('\n', f);
    else if (tk->kind == TOK_WORD) fprintf(f, "%s ", vocab_token(tk->words, id));
    else fwrite(tk->bpe->token[id], 1, (size_t)tk->bpe->token_len[id], f);
}

/* dataset.h's encoder contract: the ids of text, at most cap of them into out,
 * and how many the whole text makes. */
static size_t lset_encode(const void *ctx, const char *text, size_t len, int *out, size_t cap) {
    Tok *tk = (Tok *)ctx;   /* not const: BPE memoises the pieces it encodes */
    if (tk->kind == TOK_CHAR) {
        size_t k = 0;
        for (size_t i = 0; i < len; i++) {
            int id = tk->char_id[(unsigned char)text[i]];
            if (id < 0) continue;
            if (k < cap) out[k] = id;
            k++;
        }
        return k;
    }
    size_t n;
    int *ids = tok_encode(tk, "a labelled example", text, len, &n);
    if (cap > 0) memcpy(out, ids, (n < cap ? n : cap) * sizeof(int));   /* out is NULL when sizing */
    free(ids);
    return n;
}

LsetEncoder tok_lset_encoder(Tok *tk) { return (LsetEncoder){lset_encode, tk}; }
