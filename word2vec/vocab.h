/*
 * vocab.h -- word2vec's vocabulary, corpus encoding and Huffman tree.
 *
 * word2vec has its own vocabulary rules, kept exactly as the original C tool
 * (Mikolov et al. 2013, word2vec.c) so that a vector file written here lines
 * up word for word with one written there:
 *
 *   - A word is a maximal run of bytes other than space, tab and newline;
 *     '\r' is ignored. Words are cut to W2V_MAX_WORD - 1 = 99 bytes (the
 *     original's MAX_STRING buffer of 100).
 *   - Every newline is the token "</s>", which always has index 0, whatever
 *     its count, and is never subsampled or trained as a word of its own.
 *   - The other words are sorted by count, descending; ties keep the order of
 *     first appearance (the original's qsort is glibc's stable merge sort).
 *     Words seen fewer than min_count times are dropped.
 *   - train_words is the sum of the kept counts, </s> included: the number of
 *     tokens one pass over the corpus feeds the trainer.
 *
 * Example: the text "a b a\nb a c\n" with min_count 1 gives
 *     0 </s> 2   1 a 3   2 b 2   3 c 1        train_words = 8
 *
 * Differences from the original, on purpose: the whole corpus is read into
 * memory once (4 bytes per token after encoding) instead of being re-read from
 * disk by each thread, a last word without a final newline is kept, a NUL
 * byte is an error (the original silently cut the word there), and the
 * vocabulary is never pruned mid-count (ReduceVocab), which only matters
 * beyond ~21M distinct words. Like the original, words are bytes: a corpus
 * that is not UTF-8 trains (with a warning).
 *
 * Hierarchical softmax (Morin & Bengio 2005; Mikolov et al. 2013b) walks a
 * Huffman tree built on the counts with the original's two-queue algorithm:
 * word w has codelen[w] binary decisions; at step d it is at inner node
 * points[w][d] (0 = the root's row in syn1) and goes left (code 0) or right
 * (code 1). Frequent words get short codes.
 */
#ifndef W2V_VOCAB_H
#define W2V_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "strmap.h"

#define W2V_MAX_WORD 100   /* bytes per word, NUL included */
#define W2V_MAX_CODE 40    /* longest Huffman code (the original's MAX_CODE_LENGTH) */
#define W2V_EOS "</s>"

typedef struct {
    int size;                /* V, </s> included */
    char **words;            /* (V) */
    long long *counts;       /* (V) */
    long long train_words;   /* sum of counts */
    StrMap index;            /* word -> id (common/strmap.h): entry number == id */
    /* Huffman tree, filled by w2v_vocab_huffman() (NULL before) */
    int *codelen;            /* (V) */
    uint8_t *codes;          /* (V, W2V_MAX_CODE) */
    int *points;             /* (V, W2V_MAX_CODE) inner-node indices, 0..V-2 */
} W2vVocab;

/* Read a corpus file: any bytes but NUL, which ends a C string and so is
 * never text (dies naming the file, byte and line, as common/text.h's
 * readers). Text that is not UTF-8 is read as bytes, as the original does,
 * with a warning naming the first bad byte. */
char *w2v_corpus_load(const char *path, size_t *len);

/* Read the next word of buf[*pos..len) into word (W2V_MAX_WORD bytes) and
 * advance *pos. A newline gives "</s>". Returns the word's length before
 * cutting (so callers can see an over-long word), or 0 at the end. */
size_t w2v_next_word(const char *buf, size_t len, size_t *pos, char *word);

/* Count the words of a text and build the vocabulary (rules above). Returns
 * NULL with a message in err when no word reaches min_count. */
W2vVocab *w2v_vocab_build(const char *buf, size_t len, long long min_count, char *err, size_t errlen);
/* A vocabulary from given words and counts, in the given order (tests, and
 * vocabularies of a vector file). words[0] should be "</s>"; dies when a word
 * is listed twice. */
W2vVocab *w2v_vocab_from_counts(const char *const *words, const long long *counts, int n);
void w2v_vocab_free(W2vVocab *v);

int w2v_vocab_find(const W2vVocab *v, const char *word);   /* id or -1 */

/* The corpus as ids, out-of-vocabulary words dropped (as the original skips
 * them), newlines as 0. *n gets the count, which equals v->train_words when
 * the vocabulary was built from the same text. */
int *w2v_encode(const W2vVocab *v, const char *buf, size_t len, size_t *n);

/* Build the Huffman tree on the counts (the original's CreateBinaryTree). */
void w2v_vocab_huffman(W2vVocab *v);

/* Write "word count\n" lines, as the original's -save-vocab. */
void w2v_vocab_save(const W2vVocab *v, const char *path);

#endif
