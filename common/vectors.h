/*
 * vectors.h -- word vector files in the original word2vec formats: how
 * word2vec/ saves its vectors and how rnn/ reads pretrained ones (ours or
 * anyone's: Google News, GloVe converted, fastText's .vec).
 *
 * Both formats, exactly as word2vec.c writes them (so vectors move to and
 * from the original tools, gensim, and fastText's .vec files):
 *
 *   header   "V D\n"                      V words, D dimensions, in ASCII
 *   binary   per word: the word, one space, D float32 little-endian, "\n"
 *   text     per word: the word, one space, D values printed "%lf ", "\n"
 *
 * e.g. a 2-word, 3-dimensional text file:
 *     2 3
 *     </s> 0.000000 0.000000 0.000000
 *     god 0.125000 -0.500000 1.000000
 *
 * Reading is strict, because a wrong vector file otherwise gives silently
 * wrong evaluations: the header must be two positive integers, every word at
 * most VECTORS_MAX_WORD - 1 bytes, the body must hold exactly V vectors (a
 * truncated file and one with more data than its header promise are both
 * errors), every value finite. Readers also accept the leading newline that
 * some writers put before each word and no newline after a binary vector (the
 * original's readers are as lenient).
 *
 * The words sit in a hash table for lookup; a word repeated in the file keeps
 * its first (most frequent) row, as the original's linear search does.
 */
#ifndef COMMON_VECTORS_H
#define COMMON_VECTORS_H

#include <stddef.h>

#include "strmap.h"

/* bytes per word, NUL included: the original tool's MAX_STRING */
#define VECTORS_MAX_WORD 100

typedef struct {
    int V, D;
    char **words;    /* (V) */
    float *vecs;     /* (V, D) row-major */
    StrMap index;    /* word -> entry (strmap.h) */
    int *row_of;     /* (index.n) entry -> its word's first row */
} Vectors;

enum { VEC_TEXT = 0, VEC_BINARY = 1, VEC_AUTO = 2 };

/* Vectors with V rows of D zeros and the given words (copied). */
Vectors *vectors_new(int V, int D, const char *const *words);
void vectors_free(Vectors *v);
int vectors_find(const Vectors *v, const char *word);   /* row or -1 */

/* Write the file atomically, binary (1) or text (0). */
void vectors_save(const Vectors *v, const char *path, int binary);

/* Read a vector file; format is VEC_TEXT, VEC_BINARY or VEC_AUTO (guess from
 * the bytes after the first word). 0 and *out, or -1 with a message in err. */
int vectors_read(const char *path, int format, Vectors **out, char *err, size_t errlen);
Vectors *vectors_load(const char *path, int format);   /* vectors_read or die */

/* Scale every row to unit length (zero rows stay zero). */
void vectors_normalize(Vectors *v);

#endif
