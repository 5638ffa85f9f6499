/*
 * text.h -- text in, token ids out: UTF-8, vocabularies, splits, token files.
 *
 * The pipeline every stage runs before its model sees a number:
 *
 *     char *buf = text_load("data/cache/bible/words.train.txt", &len);  // valid UTF-8 or die
 *     Vocab *v  = vocab_build(VOCAB_WORD, buf, len, 2, 0);             // min count 2, no max
 *     size_t n  = vocab_encode(v, buf, len, NULL, 0);                  // how many ids?
 *     int *ids  = xmalloc(n * sizeof(int));
 *     vocab_encode(v, buf, len, ids, n);                               // unknowns -> <unk>
 *     tokens_save("runs/x/train.tok", ids, n, v->size);                // header + ids, atomic
 *
 * UTF-8. Text files must be valid UTF-8 (RFC 3629): overlong forms, UTF-16
 * surrogates (U+D800..U+DFFF), code points above U+10FFFF, stray continuation
 * bytes and sequences cut short are all rejected, and the error names the byte
 * offset of the first bad sequence, so `head -c N file | tail -c 20` shows it.
 * A NUL byte is valid UTF-8 but never text, so the file reader rejects it too.
 *
 * Vocabularies. Two kinds of token:
 *   VOCAB_WORD  a maximal run of non-whitespace bytes; whitespace is the ASCII
 *               set space, \t, \n, \v, \f, \r (so "don't," is one token unless
 *               the corpus was tokenised first, as PTB and the Bible files are).
 *   VOCAB_CHAR  one Unicode code point, decoded from UTF-8 ("é" is one token,
 *               not two bytes). Newlines and spaces are tokens like any other.
 *               Byte-level tokens are GPT-2's BPE (common/bpe.h), not here.
 * Every vocabulary starts with four special tokens at fixed ids:
 *     0 <unk>   1 <s>   2 </s>   3 <pad>
 * then the corpus tokens sorted by count (descending), ties broken by byte
 * order of the token (memcmp), so the same text always gives the same ids.
 * A literal "<unk>" in the text (PTB has 45k of them) IS the <unk> token. When
 * pruning, the counts of the tokens cut add to <unk>'s count, so counts[0] is
 * the number of <unk>s that encoding the counted text will produce.
 * Lookup token -> id is common/strmap.h's hash map; id -> token is an array.
 *
 * Vocabulary file: plain text, one header line then one token per line,
 * in id order, as "token<TAB>count":
 *     nlp-vocab 1 word 10003
 *     <unk>	45020
 *     <s>	0
 *     ...
 *     the	50770
 * Backslash, tab, newline and CR inside a token (possible in a char
 * vocabulary) are written as \\ \t \n \r. Loading checks the header, the
 * line count, each line's form, the specials' ids, UTF-8, and duplicates.
 *
 * Splits. split_assign() gives each of n items (lines, sentences) a split:
 *   SPLIT_CONTIGUOUS   train = the first items, then valid, then test
 *                      (Bengio et al. 2003 on Brown; nanoGPT's 90/10).
 *   SPLIT_INTERLEAVED  item i goes to the split furthest behind its share
 *                      after i items (largest deficit; ties go train, valid,
 *                      test), so every part of the corpus is in every split.
 * Both give n_valid = round(n * valid_frac) items to valid and the same for
 * test, the rest to train.
 * No random numbers: the same n and fractions always give the same split.
 *
 * Token files (binary, little-endian; written atomically):
 *     char magic[8]    "NLPTOKEN"
 *     u32  version     TOKENS_VERSION
 *     u32  flags       bit 0: ids stored as u16 (chosen when V <= 65536)
 *     u64  count       number of ids
 *     u32  vocab_size  V; every id is < V
 *     u32  reserved    0
 *     ids[count]       u16 or i32
 * Loading checks the magic, version, flags, that the file is exactly as long
 * as the header says (no truncation, no trailing bytes) and every id < V.
 *
 * Failures a test must observe go through the *_read functions: they return 0
 * on success or -1 with a message in err. The *_load functions are the
 * command-line wrappers: same checks, but they die() with that message.
 */
#ifndef NLP_TEXT_H
#define NLP_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "strmap.h"

/* ------------------------------------------------------------------ UTF-8 */

/* Decode one code point from s (n bytes available). Returns its length in
 * bytes (1..4) and sets *cp, or returns 0 if s does not start with a valid,
 * complete, shortest-form sequence. */
int utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Encode cp (<= U+10FFFF, not a surrogate) into out[0..4); returns the length. */
int utf8_encode(uint32_t cp, char *out);
/* 1 if s[0..n) is valid UTF-8; else 0 and *bad_offset = first byte of the first bad sequence. */
int utf8_validate(const char *s, size_t n, size_t *bad_offset);

/* The line (1-based) that byte offset off of s is on: 1 + the newlines before it. */
size_t text_line_of(const char *s, size_t off);
/* 0 when s[0..n) is text: valid UTF-8 without NUL bytes. Else -1, *bad_offset
 * (may be NULL) = the first bad byte, and err = "'NAME': invalid UTF-8 at byte N
 * (line L)" (or "NUL byte at ..."), for text that did not come from a file. */
int text_check(const char *name, const char *s, size_t n, size_t *bad_offset, char *err, size_t errlen);

/* Read a whole text file (NUL-terminated buffer, *len bytes) and check that it is
 * UTF-8 without NUL bytes. On failure returns -1 with a message in err and, if the
 * file was read but is not valid text, *bad_offset = the offset of the bad byte
 * (else SIZE_MAX). bad_offset may be NULL. */
int text_read(const char *path, char **buf, size_t *len, size_t *bad_offset, char *err, size_t errlen);
/* The same, dying with "PROG: error: 'file': invalid UTF-8 at byte N (line L)" and a hint. */
char *text_load(const char *path, size_t *len);

/* A text split into lines: '\n' ends a line, a '\r' before it is dropped, and a
 * last line without '\n' still counts. The lines point into one owned buffer. */
typedef struct {
    char *buf;       /* the file's bytes, each '\n' replaced by NUL */
    char **line;     /* (n) NUL-terminated lines */
    size_t n;
} Lines;

/* Takes ownership of buf (from malloc, with buf[len] == '\0', as text_read gives). */
Lines *lines_from_buffer(char *buf, size_t len);
Lines *lines_load(const char *path);               /* text_load + lines_from_buffer; dies on bad input */
void lines_free(Lines *l);

/* ------------------------------------------------------------ vocabularies */

enum { VOCAB_UNK = 0, VOCAB_BOS = 1, VOCAB_EOS = 2, VOCAB_PAD = 3, VOCAB_NSPECIAL = 4 };

typedef enum { VOCAB_WORD = 0, VOCAB_CHAR = 1 } VocabKind;

typedef struct {
    VocabKind kind;
    int size;          /* V: number of tokens, the four specials included */
    char **tokens;     /* (V) id -> NUL-terminated UTF-8 token */
    long *counts;      /* (V) occurrences in the counted text */
    int cap;           /* allocated length of tokens and counts */
    StrMap index;      /* token bytes -> id (strmap.h) */
} Vocab;

/* A vocabulary holding only the four specials (counts 0), ready for counting. */
Vocab *vocab_new(VocabKind kind);
void vocab_free(Vocab *v);
/* Add count occurrences of the token s[0..len), inserting it if new; returns its id. */
int vocab_add(Vocab *v, const char *s, size_t len, long count);
/* Count every token of the text (words or code points, per v->kind). */
void vocab_count(Vocab *v, const char *text, size_t len);
/* A new vocabulary of the specials plus the tokens of full seen at least min_count
 * times, sorted by count then bytes, cut to at most max_size tokens in all
 * (specials included; 0 = no limit). Counts of dropped tokens go to <unk>. */
Vocab *vocab_prune(const Vocab *full, long min_count, int max_size);
/* vocab_new + vocab_count + vocab_prune */
Vocab *vocab_build(VocabKind kind, const char *text, size_t len, long min_count, int max_size);

/* id of the token s[0..len), or -1 if absent */
int vocab_find(const Vocab *v, const char *s, size_t len);
/* id of the NUL-terminated token, or VOCAB_UNK if absent */
int vocab_id(const Vocab *v, const char *token);
/* the token of an id; dies if id is out of [0, V) */
const char *vocab_token(const Vocab *v, int id);

/* Encode the text into ids (words or code points per v->kind; unknown -> <unk>;
 * in a char vocabulary each invalid UTF-8 byte is one <unk>). Writes at most cap
 * ids to out (out may be NULL when cap is 0) and returns how many ids the whole
 * text makes, so a first call with cap 0 sizes the buffer. */
size_t vocab_encode(const Vocab *v, const char *text, size_t len, int *out, size_t cap);

/* The ladder's word stream (DESIGN.md): each line's words (unknown ones
 * <unk>), each line followed by </s>, so every model of the word ladder scores
 * the same tokens. lead_eos = 1 puts one more </s> first: the context the
 * first sentence is predicted from, as the recurrent LMs and the GPT read
 * text; it is never a target. Returns the ids (malloc'd), *n of them. */
int *text_sentence_stream(const Vocab *v, const char *text, size_t len, int lead_eos, size_t *n);

/* Write the vocabulary file atomically; dies on I/O errors. */
void vocab_save(const Vocab *v, const char *path);
/* Read and validate a vocabulary file: 0 and *out, or -1 and a message in err. */
int vocab_read(const char *path, Vocab **out, char *err, size_t errlen);
Vocab *vocab_load(const char *path);   /* vocab_read or die */

/* ------------------------------------------------------------------ splits */

enum { SPLIT_TRAIN = 0, SPLIT_VALID = 1, SPLIT_TEST = 2 };
typedef enum { SPLIT_CONTIGUOUS = 0, SPLIT_INTERLEAVED = 1 } SplitMode;

/* split[i] = SPLIT_TRAIN/VALID/TEST for each of n items (see the top of this file).
 * Fractions must be >= 0 with valid_frac + test_frac <= 1; dies otherwise. */
void split_assign(unsigned char *split, size_t n, double valid_frac, double test_frac, SplitMode mode);

/* ------------------------------------------------------------- the Bible task */

/* The built-in classification task (scripts/bible.sh): a verse -> the division
 * of the Bible its book belongs to. labels.*.tsv lines start with the name. */
#define BIBLE_DIVISIONS 8
/* The class of a label line ("law", or "law<TAB>..."), or -1 if unknown. */
int bible_division(const char *label);

/* ------------------------------------------------------------- token files */

#define TOKENS_VERSION 1

/* Write n ids (each in [0, vocab_size)) atomically; dies on a bad id or I/O error. */
void tokens_save(const char *path, const int *ids, size_t n, int vocab_size);
/* Read and validate a token file: 0 with *ids (malloc'd), *n and *vocab_size,
 * or -1 with a message in err. */
int tokens_read(const char *path, int **ids, size_t *n, int *vocab_size, char *err, size_t errlen);
int *tokens_load(const char *path, size_t *n, int *vocab_size);   /* tokens_read or die */

#endif
