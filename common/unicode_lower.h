/*
 * unicode_lower.h -- Python's str.lower() as tables (generated unicode_lower.c,
 * scripts/gen_unicode_lower.py). Used by bleu.c's lowercasing and by the
 * translation corpora's (common/s2s_corpus.c).
 */
#ifndef NLP_UNICODE_LOWER_H
#define NLP_UNICODE_LOWER_H

#include <stddef.h>
#include <stdint.h>

/* {code point, its lowercase}, sorted by code point: every one-to-one mapping */
extern const uint32_t unicode_lower_pairs[][2];
extern const size_t unicode_lower_npairs;
/* {first, last} ranges of cased letters, sorted */
extern const uint32_t unicode_cased_ranges[][2];
extern const size_t unicode_cased_nranges;

/* The one-to-one lowercase of c (c itself when it has none). */
uint32_t unicode_lower_one(uint32_t c);

#endif
