/*
 * elmo.h -- a bidirectional LSTM language model whose states are contextual
 * word vectors (Peters et al. 2018, "Deep contextualized word
 * representations", ELMo; Chapter 3's bridge to BERT).
 *
 * Two language models read the same text: a forward one predicts each word
 * from its left context, a backward one (trained on the reversed stream)
 * from its right context. A word's contextual vector is the state of
 * each, side by side:
 *     v(w_i) = [ h_fwd after reading w_1..w_i ; h_bwd after reading w_n..w_i ]   (2H)
 * A static embedding gives "flies" one vector; here "time flies like an
 * arrow" and "fruit flies like a banana" give two.
 *
 * ELMo (Peters et al. 2018, sec. 3.1-3.2) reads every layer, not only the
 * top one. With L stacked LSTM layers a token has L + 1 representations:
 *     layer 0   [x_fwd ; x_bwd]       the two models' token embeddings (2E)
 *     layer l   [h^l_fwd ; h^l_bwd]   their l-th layers' states (2H)
 * and a task mixes them with learned weights (eq. 1, elmo_probe.h):
 *     ELMo_k = gamma * sum_j s_j h^j_k,   s = softmax(a)
 * ELMo's layer 0 is one character CNN shared by the two directions, and its
 * models share the softmax; these two word-level models share nothing.
 * With E = H every layer has the same width 2H, as the mix needs.
 */
#ifndef RNN_ELMO_H
#define RNN_ELMO_H

#include "rnn/lm.h"

/* The reversed copy of a token stream (the backward LM's training text). */
int *rnn_elmo_reverse(const int *ids, size_t n);

/* The L + 1 layers of the n_tok tokens of n_sent sentences: out[l]
 * (n_tok, 2H) for l = 0..L, layer 0 as above (E must equal H). ids (n_tok)
 * are vocabulary ids, sentence s is ids[sent_start[s] .. sent_start[s+1]).
 * Each sentence is read on its own from a zero state and one </s> of context:
 * the forward model from its first word, the backward one from its last. */
void rnn_elmo_layers(float *const *out, RnnLm *fwd, RnnLm *bwd, const int *ids, const long *sent_start, int n_sent);

#endif
