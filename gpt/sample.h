/*
 * sample.h -- from logits to text: the tokenizer a model was trained with,
 * and sampling with temperature, top-k and top-p (nucleus), driven by the
 * KV cache of gpt.h.
 *
 * Tokenizers. A model reads ids; which bytes an id stands for is recorded in
 * the checkpoint's config text:
 *     tokenizer=char  charset=<hex bytes>   id i is the i-th byte of the
 *                     charset (nanoGPT's shakespeare_char: the sorted set of
 *                     bytes in the corpus)
 *     tokenizer=bpe   vocab=DIR             byte-level BPE (bpe.h), GPT-2's
 *                     encoder.json + vocab.bpe or ours from `gpt bpe-train`
 *     tokenizer=word  vocab=FILE            whitespace-separated words with
 *                     common/text.h's Vocab (the vocabulary file of
 *                     vocab_save), as the other rungs of the PTB ladder:
 *                     a text becomes </s>, then each line's words (unknown
 *                     ones <unk>) each followed by </s> -- rnn/'s stream, so
 *                     perplexities count the same tokens
 * An llm.c model carries no tokenizer: GPT-2's is used (vocab 50257).
 *
 * Sampling one token: common/sample.h (temperature, top-k, top-p).
 *
 * Context. A prompt longer than the context keeps its last maxT tokens (with a
 * warning). Once generation fills the context, the window slides by half:
 * the cache is refilled from the last maxT/2 tokens (one prefill every maxT/2
 * new tokens), so each token sees between maxT/2 and maxT tokens of context.
 * (nanoGPT's generate() crops to the last maxT tokens at every step, which
 * without a cache costs a full forward pass per token.) The uncached path
 * uses the same windows, so both give the same tokens.
 */
#ifndef NLP_GPT_SAMPLE_H
#define NLP_GPT_SAMPLE_H

#include <stddef.h>
#include <stdio.h>

#include "bpe.h"
#include "text.h"
#include "gpt.h"
#include "rng.h"
#include "common/sample.h"

typedef struct {
    int kind;                 /* 0 char, 1 bpe, 2 word */
    int nchars;               /* char: V */
    unsigned char chars[256]; /* char: id -> byte */
    int char_id[256];         /* char: byte -> id, -1 when absent */
    Bpe *bpe;                 /* bpe */
    Vocab *words;             /* word */
    int vocab_size;
    int eot;                  /* end-of-text id, -1 when none */
} Tokenizer;

/* The char tokenizer of a corpus: its distinct bytes, sorted. */
void tokenizer_chars_from_text(Tokenizer *tk, const char *text, size_t len);
/* The word tokenizer of a corpus: its words seen at least min_count times
 * (the rest are <unk>). PTB's training text, min_count 1, gives Mikolov's
 * 10k words (<unk> included) + <s>, </s>, <pad>. */
void tokenizer_words_from_text(Tokenizer *tk, const char *text, size_t len, long min_count);
/* The "tokenizer=...\n..." lines that tokenizer_from_config reads back;
 * vocab_path: the BPE folder, or the word vocabulary's file. */
void tokenizer_config_text(const Tokenizer *tk, const char *vocab_path, char *buf, size_t n);
/* From a checkpoint's config (NULL: GPT-2's vocabulary in $NLP_DATA_DIR/gpt2);
 * vocab_dir, when not NULL, overrides. Dies when it cannot be built. */
void tokenizer_from_config(Tokenizer *tk, const char *config, const char *vocab_dir);
void tokenizer_free(Tokenizer *tk);
/* ids of text (malloc'd, *n of them); dies on a byte the char set lacks.
 * Words: the </s>-framed stream described above. */
int *tokenizer_encode(Tokenizer *tk, const char *text, size_t len, size_t *n);
/* write token id's bytes to f */
void tokenizer_write(const Tokenizer *tk, int id, FILE *f);

/* Generate max_new tokens after prompt (n_prompt >= 1 ids) with the cache;
 * emit(id, ctx) is called for each new token as soon as it is drawn
 * (streaming). use_cache = 0 recomputes the whole window each token (the slow
 * reference path). Returns the number of tokens generated (stops early at
 * stop_id when stop_id >= 0). */
int gpt_generate(Gpt *m, GptCache *c, const int *prompt, int n_prompt, int max_new, const SamplerConfig *s,
                 Rng *r, int use_cache, int stop_id, void (*emit)(int id, void *ctx), void *ctx);

#endif
