/*
 * sample.c -- tokenizers named by a checkpoint, sampling, and generation
 * with the KV cache. See sample.h.
 */
#include "sample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ------------------------------------------------------------ tokenizers */

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

static void chars_index(Tokenizer *tk) {
    for (int b = 0; b < 256; b++) tk->char_id[b] = -1;
    for (int i = 0; i < tk->nchars; i++) tk->char_id[tk->chars[i]] = i;
    tk->kind = 0;
    tk->vocab_size = tk->nchars;
    tk->eot = -1;
    tk->bpe = NULL;
    tk->words = NULL;
}

void tokenizer_chars_from_text(Tokenizer *tk, const char *text, size_t len) {
    int seen[256] = {0};
    for (size_t i = 0; i < len; i++) seen[(unsigned char)text[i]] = 1;
    tk->nchars = 0;
    for (int b = 0; b < 256; b++)
        if (seen[b]) tk->chars[tk->nchars++] = (unsigned char)b;
    if (tk->nchars == 0) die("the corpus is empty: no characters to build a vocabulary from");
    chars_index(tk);
}

static void words_index(Tokenizer *tk, Vocab *v) {
    tk->kind = 2;
    tk->words = v;
    tk->vocab_size = v->size;
    tk->eot = VOCAB_EOS;   /* generation starts after an end of sentence */
}

void tokenizer_words_from_text(Tokenizer *tk, const char *text, size_t len, long min_count) {
    memset(tk, 0, sizeof *tk);
    words_index(tk, vocab_build(VOCAB_WORD, text, len, min_count, 0));
}

void tokenizer_config_text(const Tokenizer *tk, const char *vocab_path, char *buf, size_t n) {
    if (tk->kind == 1 || tk->kind == 2) {
        snprintf(buf, n, "tokenizer=%s\nvocab=%s\n", tk->kind == 1 ? "bpe" : "word", vocab_path);
        return;
    }
    size_t k = (size_t)snprintf(buf, n, "tokenizer=char\ncharset=");
    for (int i = 0; i < tk->nchars && k + 3 < n; i++) k += (size_t)snprintf(buf + k, n - k, "%02x", tk->chars[i]);
    snprintf(buf + k, n - k, "\n");
}

void tokenizer_from_config(Tokenizer *tk, const char *config, const char *vocab_dir) {
    memset(tk, 0, sizeof *tk);
    char kind[64] = "bpe", val[1024];
    if (config) config_string(config, "tokenizer", kind, sizeof kind);
    if (!vocab_dir && !strcmp(kind, "char")) {
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
        if (!vocab_dir && !config_string(config, "vocab", val, sizeof val))
            die("the checkpoint names a word tokenizer but no vocabulary file");
        words_index(tk, vocab_load(vocab_dir ? vocab_dir : val));
        return;
    }
    char dir[1024];
    if (vocab_dir) snprintf(dir, sizeof dir, "%s", vocab_dir);
    else if (config && config_string(config, "vocab", val, sizeof val)) snprintf(dir, sizeof dir, "%s", val);
    else bpe_gpt2_dir(dir, sizeof dir);
    tk->bpe = bpe_load_gpt2(dir);
    tk->kind = 1;
    tk->vocab_size = tk->bpe->vocab_size;
    tk->eot = tk->bpe->eot;
}

void tokenizer_free(Tokenizer *tk) {
    if (tk->bpe) bpe_free(tk->bpe);
    if (tk->words) vocab_free(tk->words);
    memset(tk, 0, sizeof *tk);
}

/* </s>, then each line's words followed by </s> (rnn/lm_train.c's stream). */
static int *encode_word_lines(const Vocab *v, const char *text, size_t len, size_t *n) {
    char *copy = xmalloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    Lines *lines = lines_from_buffer(copy, len);
    size_t total = 1, k = 0;
    for (size_t i = 0; i < lines->n; i++) total += vocab_encode(v, lines->line[i], strlen(lines->line[i]), NULL, 0) + 1;
    int *ids = xmalloc(total * sizeof(int));
    ids[k++] = VOCAB_EOS;
    for (size_t i = 0; i < lines->n; i++) {
        k += vocab_encode(v, lines->line[i], strlen(lines->line[i]), ids + k, total - k);
        ids[k++] = VOCAB_EOS;
    }
    lines_free(lines);
    *n = k;
    return ids;
}

int *tokenizer_encode(Tokenizer *tk, const char *text, size_t len, size_t *n) {
    if (tk->kind == 1) return bpe_encode_alloc(tk->bpe, text, len, 1, n);
    if (tk->kind == 2) return encode_word_lines(tk->words, text, len, n);
    int *ids = xmalloc((len ? len : 1) * sizeof(int));
    for (size_t i = 0; i < len; i++) {
        int id = tk->char_id[(unsigned char)text[i]];
        if (id < 0) die("the byte 0x%02x (at offset %zu) is not in the model's character set", (unsigned char)text[i], i);
        ids[i] = id;
    }
    *n = len;
    return ids;
}

void tokenizer_write(const Tokenizer *tk, int id, FILE *f) {
    if (tk->kind == 0) fputc(tk->chars[id], f);
    else if (tk->kind == 2 && id == VOCAB_EOS) fputc('\n', f);
    else if (tk->kind == 2) fprintf(f, "%s ", vocab_token(tk->words, id));
    else fwrite(tk->bpe->token[id], 1, (size_t)tk->bpe->token_len[id], f);
}

/* ------------------------------------------------------------ generation */

/* Logits after the window tokens[0..n), n <= maxT: through the cache, or the
 * plain forward pass (the reference the cache must agree with). */
static const float *window_logits(Gpt *m, GptCache *c, const int *tokens, int n, int use_cache) {
    if (use_cache) {
        gpt_cache_reset(c);
        return gpt_forward_cached(m, c, tokens, n, NULL);
    }
    gpt_forward(m, tokens, NULL, 1, n);
    return m->a.logits + (size_t)(n - 1) * m->cfg.vocab_size;
}

int gpt_generate(Gpt *m, GptCache *c, const int *prompt, int n_prompt, int max_new, const SamplerConfig *s,
                 Rng *r, int use_cache, int stop_id, void (*emit)(int id, void *ctx), void *ctx) {
    int maxT = m->cfg.max_seq_len, V = m->cfg.vocab_size;
    if (n_prompt < 1) die("the prompt is empty: give at least one token");
    size_t cap = (size_t)n_prompt + (size_t)max_new;
    int *seq = xmalloc(cap * sizeof(int));
    memcpy(seq, prompt, (size_t)n_prompt * sizeof(int));
    float *probs = xmalloc((size_t)V * sizeof(float));
    int *order = xmalloc((size_t)V * sizeof(int));
    if (!use_cache && !m->act_memory) gpt_alloc_acts(m, 1, maxT);
    m->training = 0;
    int len = n_prompt;
    int win = n_prompt > maxT ? n_prompt - maxT : 0;   /* the window seq[win..len); caller warned about the crop */
    const float *logits = window_logits(m, c, seq + win, len - win, use_cache);
    int made = 0;
    for (; made < max_new; made++) {
        int id = sampler_draw(s, logits, V, probs, order, r);
        seq[len++] = id;
        if (emit) emit(id, ctx);
        if (id == stop_id || made + 1 == max_new) {
            made++;
            break;
        }
        if (len - win > maxT) {   /* full: slide the window to the last maxT/2 tokens */
            win = len - (maxT + 1) / 2;
            logits = window_logits(m, c, seq + win, len - win, use_cache);
        } else if (use_cache) {
            logits = gpt_forward_cached(m, c, &id, 1, NULL);
        } else {
            logits = window_logits(m, c, seq + win, len - win, use_cache);
        }
    }
    free(seq);
    free(probs);
    free(order);
    return made;
}
