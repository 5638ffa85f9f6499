/*
 * elmo.h -- a bidirectional LSTM language model whose states are contextual
 * word vectors (Peters et al. 2018, "Deep contextualized word
 * representations", ELMo; Chapter 3's bridge to BERT).
 *
 * Two language models read the same text: a forward one predicts each word
 * from its left context, a backward one (trained on the reversed stream)
 * from its right context. A word's contextual vector is the top-layer state
 * of each, side by side:
 *     v(w_i) = [ h_fwd after reading w_1..w_i ; h_bwd after reading w_n..w_i ]   (2H)
 * A static embedding gives "flies" one vector; here "time flies like an
 * arrow" and "fruit flies like a banana" give two. ELMo ties the embedding
 * and softmax of the two directions and mixes all layers with learned
 * weights; this one keeps the two models apart and takes the top layer.
 */
#ifndef RNN_ELMO_H
#define RNN_ELMO_H

#include "rnn/lm.h"
#include "text.h"

/* The reversed copy of a token stream (the backward LM's training text). */
int *rnn_elmo_reverse(const int *ids, size_t n);

/* Contextual vectors of the n words of a whitespace-tokenised sentence:
 * out (n, 2H), n = the number of words (at most cap). Returns n. Both models
 * must share the vocabulary v and the hidden size. */
int rnn_elmo_embed(float *out, int cap, RnnLm *fwd, RnnLm *bwd, const Vocab *v, const char *sentence);

#endif
