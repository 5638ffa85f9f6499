/*
 * gradnorm.h -- the vanishing gradient made visible.
 *
 * Bengio, Simard & Frasconi (1994) showed that in a recurrent net the gradient
 * of a late loss with respect to an early state is a product of T-t Jacobians
 * diag(1 - h^2) W_hh, which shrinks (or explodes) geometrically. The LSTM's
 * cell adds a path c_{t-1} -> c_t whose Jacobian is just diag(f), so with
 * forget gates near 1 the gradient survives many more steps (Hochreiter &
 * Schmidhuber 1997; Gers et al. 2000).
 *
 * rnn_gradnorm_measure() runs a randomly initialised one-layer Elman RNN or LSTM
 * (weights U[-1/sqrt(H), 1/sqrt(H)], as PyTorch) over T random inputs
 * x ~ N(0,1), takes L = sum_b r_b . h_T (r a random unit vector per sequence),
 * and walks the step functions of rnn_cells.h backwards recording
 *     norm[T-1-t] = ||dL/dh_t||, root mean square over the B sequences,
 * so norm[0] = 1 (the last state) and norm[d] is d steps back.
 */
#ifndef RNN_GRADNORM_H
#define RNN_GRADNORM_H

#include <stdint.h>

#include "rnn_cells.h"

/* norm (T): ||dL_T/dh_t|| by distance T-1-t, for kind RNN_ELMAN or RNN_LSTM;
 * forget_bias is added to the LSTM's forget-gate bias (Gers et al. 2000 start
 * it high so the cell remembers by default; Jozefowicz et al. 2015 use 1). */
void rnn_gradnorm_measure(double *norm, RnnKind kind, int T, int B, int H, float forget_bias, uint64_t seed);

/* Both cells, written to DIR/gradnorm.tsv and drawn to DIR/gradnorm.png;
 * prints a short table on stdout, and a RESULT line per distance of it
 * (task=gradnorm back=D rnn= lstm= lstm_forget3=). */
void rnn_gradnorm_run(const char *dir, int T, int H, uint64_t seed);

#endif
