/*
 * train.h -- word2vec: CBOW and skip-gram with negative sampling or
 * hierarchical softmax (Mikolov et al. 2013a "Efficient Estimation of Word
 * Representations in Vector Space", 2013b "Distributed Representations of
 * Words and Phrases and their Compositionality"), with the original C tool's
 * semantics and defaults.
 *
 * Legend: V vocabulary size, D vector size (--size), W window (--window),
 * K negatives per positive (--negative).
 *
 * The model is two tables: syn0 (V,D), the word vectors that get saved, and
 * an output table, syn1neg (V,D) for negative sampling or syn1 (V-1,D) for
 * the inner nodes of hierarchical softmax's Huffman tree.
 *
 * For each position p of a sentence, with word w = s[p], the effective window
 * is W - b with b uniform in [0, W) (nearer words are used more often), and
 *   skip-gram: each context word c in the window in turn is the hidden vector
 *              h = syn0[c], and w is the word to predict from it
 *              (the original predicts the centre from each context word);
 *   CBOW:      h = the mean of syn0[c] over the window, predicting w.
 * Negative sampling (2013b, eq. 4) maximises
 *     log s(h . u_w) + sum over K negatives n ~ P(n) of log s(-h . u_n)
 * with P proportional to count^0.75 and s the logistic sigmoid; hierarchical
 * softmax maximises sum over the d steps of w's Huffman path of
 *     log s((1 - 2 code_d) h . v_point_d).
 * Both reduce to one rule per (h, target, label): with f = h . u,
 *     g = (label - s(f)) * alpha,   dh += g u,   u += g h
 * and then dh is added to syn0[c] (skip-gram) or to every context word (CBOW;
 * the original adds the full dh to each, not dh / count).
 *
 * The rest follows word2vec.c exactly:
 *   - s comes from a 1000-entry table over [-6, 6]; for negative sampling
 *     f > 6 gives g = (label - 1) alpha and f < -6 gives g = label alpha,
 *     hierarchical softmax skips such steps.
 *   - subsampling (2013b, sec. 2.3, in the tool's form): a word of count f
 *     is kept when (sqrt(f/(s T)) + 1) (s T)/f >= u, u ~ U(0,1), s = --sample,
 *     T = train_words; </s> ends a sentence and is never trained on.
 *   - sentences are cut at 1000 words;
 *   - alpha = alpha0 (1 - done/(iter T + 1)), floored at alpha0 1e-4,
 *     recomputed every 10,000 words from the words all threads have done;
 *   - a negative equal to w is skipped, and a draw of </s> is replaced by a
 *     uniform draw among the other words;
 *   - syn0 starts uniform in [-0.5/D, 0.5/D), the output tables at zero.
 * One difference: negatives come from Walker's alias table (two random
 * numbers, O(1), exactly proportional to count^0.75) instead of the
 * original's 10^8-entry, 400 MB table (whose cells round the distribution).
 *
 * Threads (Hogwild, Recht et al. 2011): the corpus is cut into --threads
 * contiguous chunks, and each thread trains on its own chunk, updating the
 * shared tables without locks. Conflicting writes are rare and harmless, but
 * their order depends on scheduling, so runs with two or more threads are NOT
 * bit-reproducible. One thread with the same --seed gives identical vectors.
 */
#ifndef W2V_TRAIN_H
#define W2V_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "vectors.h"
#include "word2vec/vocab.h"

#define W2V_EXP_TABLE_SIZE 1000
#define W2V_MAX_EXP 6
#define W2V_MAX_SENTENCE 1000

typedef struct {
    int cbow;              /* 1: CBOW (the default), 0: skip-gram */
    int size;              /* D, 100 */
    int window;            /* 5 */
    double sample;         /* subsampling threshold, 1e-3; 0 = off */
    int hs;                /* hierarchical softmax, 0 */
    int negative;          /* negatives per positive, 5; 0 = off */
    int threads;           /* Hogwild threads */
    int iter;              /* passes over the corpus, 5 */
    long long min_count;   /* 5 */
    float alpha;           /* starting learning rate; < 0: 0.05 for CBOW, 0.025 for skip-gram */
    uint64_t seed;         /* initialisation and every thread's random stream */
    int quiet;             /* no progress on stderr */
} W2vConfig;

void w2v_config_default(W2vConfig *cfg);

/* Negative-sampling distribution: Walker's alias method (Vose's build). */
typedef struct {
    int n;
    float *prob;   /* (n) keep column i with this probability ... */
    int *alias;    /* (n) ... else take alias[i] */
} W2vUnigram;

/* P(i) proportional to counts[i]^power (word2vec: power 0.75). */
void w2v_unigram_build(W2vUnigram *u, const long long *counts, int n, double power);
int w2v_unigram_draw(const W2vUnigram *u, Rng *rng);
void w2v_unigram_free(W2vUnigram *u);

typedef struct {
    W2vConfig cfg;
    W2vVocab *vocab;       /* owned */
    int V, D;
    float *syn0;           /* (V,D) the word vectors */
    float *syn1;           /* (V,D) hierarchical softmax inner nodes, NULL unless hs */
    float *syn1neg;        /* (V,D) negative-sampling output vectors, NULL unless negative */
    float *keep;           /* (V) subsampling keep probability (>= 1: always) */
    W2vUnigram unigram;    /* negative sampling distribution */
    float exp_table[W2V_EXP_TABLE_SIZE];
} W2vModel;

/* A model on vocab (which it takes), initialised from cfg->seed. */
W2vModel *w2v_model_new(const W2vConfig *cfg, W2vVocab *vocab);
void w2v_model_free(W2vModel *m);

/* Train on the encoded corpus ids (n), iter passes, cfg->threads threads.
 * Returns the training words per second (iter * n / wall time). */
double w2v_train(W2vModel *m, const int *ids, size_t n);

/* The word vectors syn0 with the vocabulary's words, for saving/evaluating. */
Vectors *w2v_vectors(const W2vModel *m);

/* ------------------------------------------------ the pieces, for the tests */

/* table[i] = s(x) at x = (2i/1000 - 1) * 6 */
void w2v_exp_table_init(float *table);
/* The tool's keep probability of a word seen count times (may exceed 1). */
double w2v_keep_probability(long long count, double sample, long long train_words);

/* One negative-sampling update of hidden vector h (D): targets[0] is the word
 * (label 1), targets[1..n) negatives (label 0). Accumulates dh (D) and updates
 * the rows of syn1neg (V,D) in place. exp_table NULL: the exact sigmoid and no
 * clipping (gradient checks). */
void w2v_ns_step(float *dh, float *syn1neg, const float *h, const int *targets, int n,
                 float alpha, int D, const float *exp_table);
/* One hierarchical-softmax update along a Huffman path of codelen steps:
 * inner nodes points[d] (rows of syn1), branches codes[d]. */
void w2v_hs_step(float *dh, float *syn1, const float *h, const int *points, const uint8_t *codes,
                 int codelen, float alpha, int D, const float *exp_table);

#endif
