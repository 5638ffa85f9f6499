/*
 * tokenizer.h -- one interface over the ladder's three ways of cutting text
 * into ids: characters, words, and GPT-2's byte-level BPE.
 *
 * A model reads ids; which bytes an id stands for is recorded in the
 * checkpoint's config text (tok_config_text writes it, tok_from_config reads
 * it back):
 *     tokenizer=char  charset=<hex bytes>   TOK_CHAR: id i is the i-th byte of
 *                     the charset (nanoGPT's shakespeare_char: the sorted set
 *                     of bytes in the corpus)
 *     tokenizer=word  vocab=FILE            TOK_WORD: whitespace-separated
 *                     words with text.h's Vocab (the vocabulary file of
 *                     vocab_save), as the other rungs of the PTB ladder:
 *                     a text becomes </s>, then each line's words (unknown
 *                     ones <unk>) each followed by </s> -- the ladder's
 *                     text_sentence_stream, so perplexities count the same
 *                     tokens
 *     tokenizer=bpe   vocab=DIR             TOK_BPE: byte-level BPE (bpe.h),
 *                     GPT-2's encoder.json + vocab.bpe, or ours from
 *                     `gpt bpe-train`
 * A config with no tokenizer line (an llm.c model) means GPT-2's BPE
 * (vocabulary 50257, in data/cache/gpt2 or $NLP_DATA_DIR/gpt2).
 *
 *     Tok tk;
 *     tok_from_config(&tk, config, NULL);       // or tok_chars_from_text, ...
 *     int *ids = tok_encode(&tk, text, len, &n);
 *     for (i...) tok_write(&tk, ids[i], stdout);
 *     tok_free(&tk);
 */
#ifndef NLP_TOKENIZER_H
#define NLP_TOKENIZER_H

#include <stddef.h>
#include <stdio.h>

#include "bpe.h"
#include "dataset.h"
#include "text.h"

typedef enum { TOK_CHAR, TOK_WORD, TOK_BPE } TokKind;

typedef struct {
    TokKind kind;
    int vocab_size;           /* V */
    int eot;                  /* end-of-text id (a word model's </s>), -1 when none */
    int nchars;               /* TOK_CHAR: V */
    unsigned char chars[256]; /* TOK_CHAR: id -> byte */
    int char_id[256];         /* TOK_CHAR: byte -> id, -1 when absent */
    Vocab *words;             /* TOK_WORD */
    Bpe *bpe;                 /* TOK_BPE */
} Tok;

/* The char tokenizer of a corpus: its distinct bytes, sorted. */
void tok_chars_from_text(Tok *tk, const char *text, size_t len);
/* The word tokenizer of a corpus: its words seen at least min_count times
 * (the rest are <unk>). PTB's training text, min_count 1, gives Mikolov's
 * 10k words (<unk> included) + <s>, </s>, <pad>. */
void tok_words_from_text(Tok *tk, const char *text, size_t len, long min_count);
/* The "tokenizer=...\n..." lines that tok_from_config reads back;
 * vocab_path: the BPE folder, or the word vocabulary's file. */
void tok_config_text(const Tok *tk, const char *vocab_path, char *buf, size_t n);
/* From a checkpoint's config (NULL: GPT-2's vocabulary); vocab, when not
 * NULL, overrides the config's BPE folder or word file. Dies when it cannot
 * be built. */
void tok_from_config(Tok *tk, const char *config, const char *vocab);
void tok_free(Tok *tk);
/* ids of text (malloc'd, *n of them); name (a file, "prompt") is what an error
 * names. Chars and BPE are byte-level: every byte is data, a NUL byte too, but
 * a char model dies on a byte its set lacks ("'NAME': the byte 0x.. at byte N
 * (line L) ..."). Words: the </s>-framed stream described above, of text
 * that must be UTF-8 without NUL bytes (text_check). */
int *tok_encode(Tok *tk, const char *name, const char *text, size_t len, size_t *n);
/* Write token id's text to f: a char's byte, a BPE token's bytes, a word
 * followed by a space (</s> as a newline). */
void tok_write(const Tok *tk, int id, FILE *f);
/* The encoder of labelled examples (dataset.h) through tk: tok_encode, so a
 * word model's sentence is framed by </s> as in its pretraining stream,
 * except that a char tokenizer drops the bytes its set lacks (a labelled
 * text may hold a character the corpus never had) instead of dying. */
LsetEncoder tok_lset_encoder(Tok *tk);

#endif
