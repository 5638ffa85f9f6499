/*
 * rnn_cells.h -- Elman RNN, LSTM and GRU layers, forward and backward (BPTT).
 *
 * The equations, gate order and weight shapes are PyTorch's (nn.RNN, nn.LSTM,
 * nn.GRU), so a weight loaded from PyTorch means the same thing here:
 *
 *   Elman (1990), tanh:   h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
 *   LSTM (Hochreiter & Schmidhuber 1997, with the forget gate of Gers 2000),
 *     gates stacked i, f, g, o in W_ih (4H,I), W_hh (4H,H), b_ih, b_hh (4H):
 *       i = sigm(.), f = sigm(.), g = tanh(.), o = sigm(.)
 *       c' = f*c + i*g,   h' = o*tanh(c')
 *   GRU (Cho et al. 2014), gates stacked r, z, n in W_ih (3H,I), W_hh (3H,H):
 *       r = sigm(W_ir x + b_ir + W_hr h + b_hr)
 *       z = sigm(W_iz x + b_iz + W_hz h + b_hz)
 *       n = tanh(W_in x + b_in + r*(W_hn h + b_hn))
 *       h' = (1-z)*n + z*h
 *
 * Legend: T time steps, B batch, I input size, H hidden size,
 *         G gates per unit (Elman 1, LSTM 4, GRU 3), GH = G*H.
 * Sequences are time-major: x (T,B,I), h_all (T,B,H); row t*B + b is step t
 * of sequence b.
 *
 * Where the time goes, and how it is arranged:
 *   1. the input side of every gate for the whole sequence is ONE sgemm,
 *          xg (T*B, GH) = x (T*B, I) @ W_ih^T + b_ih     (rnn_input_forward)
 *   2. each step adds h_prev (B,H) @ W_hh^T + b_hh and applies the gate
 *      nonlinearities (the *_step_forward functions); only this product is
 *      sequential;
 *   3. backward walks the steps in reverse (*_step_backward), keeping the
 *      pre-activation gradients of every step, dxg (T,B,GH);
 *   4. then dW_ih, db_ih and dx come from ONE sgemm each over the whole
 *      sequence (rnn_input_backward), and dW_hh from one sgemm over steps
 *      1..T-1 plus one for step 0 (rnn_hidden_backward).
 * The step functions are public so that a decoder that feeds its own output
 * back (greedy or beam search, Luong's input feeding) can run one step at a
 * time with the same code.
 *
 * Buffers (all caller-allocated, sizes in floats; no allocation inside):
 *   act      activations saved by forward for backward, rnn_act_size():
 *              Elman  nothing: h_all is all it needs (NULL ok) 0
 *              LSTM   gates (T,B,4H) after their nonlinearity,
 *                     then c (T,B,H)                             5*T*B*H
 *              GRU    gates (T,B,3H) = r, z, n after nonlinearity,
 *                     then hg (T,B,3H) = W_hh h_prev + b_hh      6*T*B*H
 *   scratch  backward's temporaries, rnn_scratch_size(), free after it returns:
 *              Elman  dxg (T,B,H), two (B,H) carries             T*B*H + 2*B*H
 *              LSTM   dxg (T,B,4H), four (B,H) carries           4*T*B*H + 4*B*H
 *              GRU    dxg (T,B,3H), dhg (T,B,3H), two carries    6*T*B*H + 2*B*H
 *
 * Conventions: backward functions ACCUMULATE (+=) into every gradient, as in
 * llm.c. h0, c0 may be NULL (a zero initial state). Gradients that are not
 * wanted may be NULL: dx (the input needs none), dh0, dc0. Incoming gradients
 * dh_all, dh_last, dc_last may be NULL (nothing comes from there).
 */
#ifndef NLP_RNN_CELLS_H
#define NLP_RNN_CELLS_H

#include <stddef.h>

typedef enum { RNN_ELMAN, RNN_LSTM, RNN_GRU } RnnKind;

int rnn_gates(RnnKind kind);                                   /* G: 1, 4 or 3 */
const char *rnn_kind_name(RnnKind kind);                       /* "rnn", "lstm", "gru" */
int rnn_kind_parse(const char *s, RnnKind *kind);              /* also "elman"; 0 ok, -1 unknown */
size_t rnn_act_size(RnnKind kind, int T, int B, int H);        /* floats in act */
size_t rnn_scratch_size(RnnKind kind, int T, int B, int H);    /* floats in scratch */

/* ------------------------------------------------------------ whole layer */

/*
 * One layer over T steps. h_all (T,B,H); h_last (B,H) and c_last (B,H) get
 * the final state (either may be NULL); act as above; x (T,B,I);
 * h0, c0 (B,H) or NULL; w_ih (GH,I), w_hh (GH,H), b_ih, b_hh (GH).
 * c0, c_last are used by RNN_LSTM only (pass NULL for the others).
 */
void rnn_layer_forward(RnnKind kind, float *h_all, float *h_last, float *c_last, float *act,
                       const float *x, const float *h0, const float *c0,
                       const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh,
                       int T, int B, int I, int H);

/*
 * Backpropagation through time over the layer. Accumulates dx (T,B,I),
 * dh0, dc0 (B,H), dw_ih (GH,I), dw_hh (GH,H), db_ih, db_hh (GH), from
 * dh_all (T,B,H) (the gradient of each step's output), dh_last and dc_last
 * (B,H) (the gradient of the final state, e.g. from the next truncated chunk
 * or a decoder). x, h0, c0, h_all, act are what forward saw and left.
 */
void rnn_layer_backward(RnnKind kind, float *dx, float *dh0, float *dc0,
                        float *dw_ih, float *dw_hh, float *db_ih, float *db_hh, float *scratch,
                        const float *dh_all, const float *dh_last, const float *dc_last,
                        const float *x, const float *h0, const float *c0,
                        const float *h_all, const float *act,
                        const float *w_ih, const float *w_hh,
                        int T, int B, int I, int H);

/* ------------------------------------------- padded batches (lengths) */
/*
 * A padded batch: row b holds len[b] real steps (1 <= len[b] <= T), then
 * padding. These layers give what PyTorch's pack_padded_sequence gives:
 *   - steps t >= len[b] of row b do not run: its state is carried unchanged
 *     past its length, so h_last, c_last (B,H) hold the state after step
 *     len[b]-1, not after step T-1;
 *   - h_all is zero at padded steps (and so is LSTM's saved c);
 *   - backward sends no gradient through padded steps: dh_all there is
 *     ignored, and dh_last, dc_last enter row b at step len[b]-1, which is
 *     where the carried state came from.
 * The padded rows still pass through the step functions (one batched product
 * per step is cheaper than splitting the batch), and their results are then
 * discarded; backward feeds them a zero gradient, which the steps turn into
 * exactly zero gate gradients. So x at padded steps must be finite (zero is
 * best), and dx, dw_ih, dw_hh, db_ih, db_hh receive nothing from them.
 * Buffers, arguments and accumulation are as in rnn_layer_forward/backward;
 * act and scratch have the same sizes (rnn_act_size, rnn_scratch_size).
 * Dies if a length is outside [1, T].
 */
void rnn_layer_forward_len(RnnKind kind, float *h_all, float *h_last, float *c_last, float *act,
                           const float *x, const int *len, const float *h0, const float *c0,
                           const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh,
                           int T, int B, int I, int H);
void rnn_layer_backward_len(RnnKind kind, float *dx, float *dh0, float *dc0,
                            float *dw_ih, float *dw_hh, float *db_ih, float *db_hh, float *scratch,
                            const float *dh_all, const float *dh_last, const float *dc_last,
                            const float *x, const int *len, const float *h0, const float *c0,
                            const float *h_all, const float *act,
                            const float *w_ih, const float *w_hh,
                            int T, int B, int I, int H);

/*
 * The backward direction of a bidirectional layer over a padded batch reads
 * each row from its last real step down to step 0. Rather than a second kind
 * of layer, reverse the data: y (T,B,D) gets x with steps 0..len[b]-1 of row
 * b in reverse order, and padded steps copied as they are, so
 *     y[t, b] = x[len[b]-1-t, b]  for t < len[b],   y[t, b] = x[t, b]  otherwise.
 * Run rnn_layer_forward_len on y, then reverse its h_all the same way (the
 * reversal is its own inverse) to line its states up with the positions.
 * y may alias x (the reversal is then done in place). Dies on a bad length.
 */
void rnn_reverse_in_length(float *y, const float *x, const int *len, int T, int B, int D);

/* --------------------------------------------- the pieces (N = T*B rows) */

/* xg (N,GH) = x (N,I) @ w_ih^T + b_ih: the input side of every gate, one sgemm. */
void rnn_input_forward(float *xg, const float *x, const float *w_ih, const float *b_ih,
                       int N, int I, int GH);

/* From dxg (N,GH): dx (N,I) += dxg @ w_ih (skipped if dx is NULL),
 * dw_ih (GH,I) += dxg^T @ x, db_ih (GH) += column sums of dxg. */
void rnn_input_backward(float *dx, float *dw_ih, float *db_ih,
                        const float *dxg, const float *x, const float *w_ih,
                        int N, int I, int GH);

/* From dhg (T,B,GH), the gradient of each step's W_hh h_prev + b_hh:
 * dw_hh (GH,H) += sum_t dhg[t]^T @ h_prev[t] where h_prev[0] = h0 (skipped
 * if NULL) and h_prev[t] = h_all[t-1]; db_hh (GH) += column sums of dhg. */
void rnn_hidden_backward(float *dw_hh, float *db_hh,
                         const float *dhg, const float *h0, const float *h_all,
                         int T, int B, int H, int GH);

/* ------------------------------------------------------- one time step */
/* In every step: h_prev, c_prev (B,H) may be NULL for a zero state, and
 * dh_prev, dc_prev (B,H) are accumulated (+=) unless NULL. */

/* h (B,H) = tanh(xg + h_prev @ w_hh^T + b_hh); xg (B,H); h may alias xg. */
void elman_step_forward(float *h, const float *xg, const float *h_prev,
                        const float *w_hh, const float *b_hh, int B, int H);
/* dxg (B,H) = dh * (1 - h^2) (overwritten); dh_prev += dxg @ w_hh. */
void elman_step_backward(float *dxg, float *dh_prev,
                         const float *dh, const float *h, const float *w_hh, int B, int H);

/* gates (B,4H) holds xg on entry and i, f, g, o (after nonlinearity) on exit;
 * c, h (B,H) get the new cell and hidden state. */
void lstm_step_forward(float *h, float *c, float *gates,
                       const float *h_prev, const float *c_prev,
                       const float *w_hh, const float *b_hh, int B, int H);
/* dh, dc (B,H): gradient reaching h and c of this step from above and from
 * the future; dgates (B,4H) gets the pre-nonlinearity gradient (overwritten);
 * gates, c (B,H), c_prev as forward left them. */
void lstm_step_backward(float *dgates, float *dh_prev, float *dc_prev,
                        const float *dh, const float *dc,
                        const float *gates, const float *c, const float *c_prev,
                        const float *w_hh, int B, int H);

/* gates (B,3H) holds xg on entry and r, z, n on exit; hg (B,3H) gets
 * h_prev @ w_hh^T + b_hh (its n part is needed by backward); h (B,H). */
void gru_step_forward(float *h, float *gates, float *hg, const float *h_prev,
                      const float *w_hh, const float *b_hh, int B, int H);
/* dxg (B,3H), dhg (B,3H) get the gradients of the input side and of the
 * hidden side of the gates (they differ in the n part, where r multiplies
 * the hidden side); both overwritten. */
void gru_step_backward(float *dxg, float *dhg, float *dh_prev,
                       const float *dh, const float *gates, const float *hg, const float *h_prev,
                       const float *w_hh, int B, int H);

#endif
