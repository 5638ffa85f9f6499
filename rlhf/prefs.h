/*
 * prefs.h -- preference data: a labeller's ranking of K responses to a
 * prompt, the reward model's and DPO's training data.
 *
 * The preference file has one ranking per line, tab-separated:
 *
 *     PROMPT<TAB>RANKS<TAB>RESPONSE_1<TAB>...<TAB>RESPONSE_K
 *
 * where RANKS is K comma-separated places, the i-th being response i's
 * (1 = best), a permutation of 1..K, and 2 <= K <= 9 (InstructGPT's labellers
 * ranked 4 to 9). The prompt is not empty; a response may be. Empty lines
 * and lines starting with '#' are skipped; anything else is an error naming
 * the file and line. A ranking of K gives K(K-1)/2 comparisons, which the
 * reward model takes as one batch (InstructGPT, section 3.5).
 */
#ifndef NLP_RLHF_PREFS_H
#define NLP_RLHF_PREFS_H

#include <stddef.h>

typedef struct {
    char *prompt;
    int k;
    char **responses;   /* k of them */
    int *rank;          /* rank[i]: response i's place, 1 = best */
} PrefRanking;

typedef struct {
    PrefRanking *r;
    int n, cap;
} PrefSet;

/* Append a ranking (copies everything); dies on k out of 2..9 or ranks that
 * are not a permutation of 1..k, or text holding a tab or a newline. */
void prefs_add(PrefSet *s, const char *prompt, const char *const *responses, const int *rank, int k);
/* Read a preference file: 0, or -1 with "FILE:LINE: what is wrong" in err
 * (nothing left allocated). */
int prefs_read(const char *path, PrefSet *s, char *err, size_t errlen);
/* Write it (atomically). */
void prefs_write(const PrefSet *s, const char *path);
void prefs_free(PrefSet *s);

#endif
