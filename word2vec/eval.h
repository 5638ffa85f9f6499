/*
 * eval.h -- what word vectors are good for, measured: analogies, word
 * similarity, nearest neighbours, and a 2-D picture.
 *
 * Analogies (Mikolov et al. 2013a, the questions-words.txt test set), scored
 * exactly as the original compute-accuracy tool:
 *   - only the first restrict_n words of the file are used (30,000 by
 *     default; the file is sorted by frequency, so these are the commonest),
 *     and both these words and the questions are upper-cased, so "Paris" and
 *     "paris" meet;
 *   - vectors are scaled to unit length; for "a b c d" (a is to b as c is to
 *     d) the answer is the word maximising cos(x, b - a + c) over the
 *     restricted vocabulary, excluding a, b and c (3CosAdd; Levy & Goldberg
 *     2014 name it so);
 *   - a question with a word outside the restricted vocabulary is skipped:
 *     it counts in "total" but not in "seen";
 *   - the first five sections (capitals, countries, currency, cities, family)
 *     are "semantic", the rest "syntactic".
 * The products are batched: one sgemm scores 512 questions against every word.
 *
 * Word similarity: Spearman's rho between human scores (WordSim-353,
 * Finkelstein et al. 2002; SimLex-999, Hill et al. 2015) and cosine
 * similarity, over the pairs whose two words are in the vocabulary (looked up
 * as written, then lower-cased); coverage = pairs used / pairs in the file.
 * Tied values get the mean of their ranks.
 */
#ifndef W2V_EVAL_H
#define W2V_EVAL_H

#include <stdio.h>

#include "vectors.h"

#define W2V_ANALOGY_RESTRICT 30000
#define W2V_ANALOGY_SEMANTIC_SECTIONS 5

typedef struct {
    char name[64];
    long correct, seen, total;
} W2vAnalogySection;

typedef struct {
    int nsections;
    W2vAnalogySection *sections;   /* (nsections) in file order */
    long sem_correct, sem_seen, syn_correct, syn_seen;
    long correct, seen, total;      /* all sections */
} W2vAnalogyResult;

/* Score the questions file against v (not modified). When log is non-NULL,
 * print each section's line and the summary there. 0, or -1 with err. */
int w2v_analogy_eval(const Vectors *v, const char *path, int restrict_n, W2vAnalogyResult *res, FILE *log,
                     char *err, size_t errlen);
void w2v_analogy_result_free(W2vAnalogyResult *res);

typedef struct {
    double rho;        /* NAN when fewer than 2 pairs are covered */
    int found, total;  /* pairs covered / pairs in the file */
} W2vSimilarityResult;

int w2v_similarity_eval(const Vectors *v, const char *path, W2vSimilarityResult *res, char *err, size_t errlen);

/* Spearman's rank correlation of x and y (n), average ranks for ties. */
double w2v_spearman(const double *x, const double *y, int n);

/* The k rows of v most cosine-similar to q (D), skipping rows in exclude
 * (nexclude). v must be normalised (vectors_normalize). Writes idx and sim
 * (k each), best first; returns how many were found (< k when V is small). */
int w2v_nearest(const Vectors *v, const float *q, const int *exclude, int nexclude, int k, int *idx, float *sim);

/* Project n points (n,D) onto their first two principal components:
 * out (n,2). Power iteration on the DxD covariance, deterministic. */
void w2v_pca_2d(float *out, const float *X, int n, int D);

/* Draw labelled points (n, xy as (n,2)) into a PNG with gnuplot (pngcairo).
 * Returns 0, or -1 with a note on stderr when gnuplot is missing. */
int w2v_pca_plot(const char *png, const char *const *labels, const float *xy, int n, const char *title);

#endif
