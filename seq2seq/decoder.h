/*
 * decoder.h -- the target side of the encoder-decoder, one flag apart:
 *
 *   S2S_ATTN_NONE, feed_context 0  (Sutskever et al. 2014)
 *       state_0 = the encoder's final state, layer by layer (h and, for an
 *                 LSTM, c; needs the same cell, H, L, one direction)
 *       s_t     = cell(dropout(emb[y_{t-1}]), s_{t-1})       L layers
 *       logits  = W_out s_t + b_out
 *   S2S_ATTN_NONE, feed_context 1  (Cho et al. 2014)
 *       z       = [fwd^L_final; bwd^L_final]  the encoder's top final state(s)
 *       state_0 = z in every layer (needs H == z's width)
 *       s_t     = cell([dropout(emb[y_{t-1}]); z], s_{t-1})
 *       logits  = W_out [emb[y_{t-1}]; s_t; z] + b_out
 *   S2S_ATTN_BAHDANAU  (Bahdanau et al. 2015, appendix A)
 *       state_0 = tanh(W_br z + b_br) in every layer (c_0 = 0)
 *       e_tj    = v^T tanh(W_a [s_{t-1}; h_j] + b_a)     s_{t-1}: top layer
 *       a_t     = softmax over j < src_len of e_t;   c_t = sum_j a_tj h_j
 *       s_t     = cell([dropout(emb[y_{t-1}]); c_t], s_{t-1})
 *       logits  = W_out [s_t; c_t; emb[y_{t-1}]] + b_out
 *   S2S_ATTN_LUONG_{DOT,GENERAL,CONCAT}  (Luong et al. 2015, input feeding)
 *       state_0 = tanh(W_br z + b_br) in every layer (c_0 = 0);  ht_0 = 0
 *       s_t     = cell([dropout(emb[y_{t-1}]); ht_{t-1}], s_{t-1})
 *       score   dot: s_t . h_j  (needs H == D);  general: (W_a s_t) . h_j,
 *               W_a (D,H) as nn.Linear(H, D, bias=False);
 *               concat: v^T tanh(W_a [s_t; h_j] + b_a)
 *       a_t     = softmax over j < src_len;       c_t = sum_j a_tj h_j
 *       ht_t    = tanh(W_c [c_t; s_t])            (no bias, as the paper)
 *       logits  = W_out ht_t + b_out
 * Legend: V target vocabulary, E embedding, H decoder hidden, L layers,
 * A attention size, D encoder output width, S source positions, T target
 * steps, B batch. Rows are time-major (row t*B + b), as rnn_cells.h.
 * emb[y_{t-1}] in an output layer is the same dropped-out embedding the
 * cell reads (as the Multi30k tutorials do); dropout between layers applies
 * to the inputs of layers 1..L-1, not to the top layer's output.
 *
 * Parameter names (in the caller's ParamTable): dec.emb (V,E),
 * dec.l{l}.w_ih / w_hh / b_ih / b_hh (PyTorch's gate order), dec.bridge.w
 * (H, D) and .b (H), dec.att.w (A, H + D) and .b (A) and dec.att.v (A)
 * (bahdanau, concat), dec.att.w (D, H) (general: score = s^T W h),
 * dec.att.wc (H, D + H) (luong), dec.out.w (V, in) and dec.out.b (V).
 *
 * Teacher forcing. Training feeds y_{t-1} from the reference with
 * probability tf_ratio, decided once per step for the whole batch (as the
 * PyTorch tutorials do), and otherwise the argmax of step t-1's logits;
 * step 0 always reads tgt_in's first row (BOS). With tf_ratio >= 1 the
 * embedding projection and the output layer are whole-sequence sgemms;
 * below 1 they run step by step (the next input depends on the logits).
 */
#ifndef SEQ2SEQ_DECODER_H
#define SEQ2SEQ_DECODER_H

#include <stdint.h>

#include "params.h"
#include "rng.h"
#include "rnn_cells.h"

#define S2S_DEC_MAX_LAYERS 4

typedef enum {
    S2S_ATTN_NONE,
    S2S_ATTN_BAHDANAU,
    S2S_ATTN_LUONG_DOT,
    S2S_ATTN_LUONG_GENERAL,
    S2S_ATTN_LUONG_CONCAT,
} S2sAttention;

typedef struct {
    RnnKind cell;          /* RNN_GRU or RNN_LSTM */
    int V, E, H, L, A;     /* A: attention size (bahdanau, luong-concat) */
    S2sAttention attn;
    int feed_context;      /* Cho's decoder (attn NONE only) */
    float dropout;         /* on the embeddings and between layers (training only) */
    /* what the encoder gives */
    int enc_H, enc_L, enc_ndir, D;   /* D = enc_H * enc_ndir */
    RnnKind enc_cell;
} S2sDecoderConfig;

typedef struct {
    float *emb;
    float *w_ih[S2S_DEC_MAX_LAYERS], *w_hh[S2S_DEC_MAX_LAYERS];
    float *b_ih[S2S_DEC_MAX_LAYERS], *b_hh[S2S_DEC_MAX_LAYERS];
    float *bridge_w, *bridge_b;
    float *att_w, *att_b, *att_v, *att_wc;
    float *out_w, *out_b;
} S2sDecoderTensors;

typedef struct {
    S2sDecoderConfig cfg;
    int out_in;                /* width of the output layer's input */
    S2sDecoderTensors w, g;    /* into the ParamTable's values and grads */
} S2sDecoder;

/* One training batch of at most (T,S,B). One allocation, carved. */
typedef struct {
    int T, S, B;
    float *memory;
    float *logits;     /* (T,B,V) */
    float *att;        /* (T,B,S) attention weights (zero at padding); NULL without attention */
    /* gradients backward hands to the encoder (zeroed, then filled by backward) */
    float *d_enc_out;  /* (S,B,D) */
    float *dh_final;   /* (enc_L*enc_ndir, B, enc_H) */
    float *dc_final;   /* same, LSTM encoder only, else NULL */
    void *priv;        /* what else forward saves for backward */
    Rng rng;           /* dropout and teacher-forcing coins */
} S2sDecoderActs;

/* Declare the tensors in pt (before params_alloc); dies on a bad config
 * (e.g. dot attention with H != D, Sutskever with mismatched encoder). */
void s2s_decoder_declare(S2sDecoder *d, const S2sDecoderConfig *cfg, ParamTable *pt);
void s2s_decoder_bind(S2sDecoder *d, const ParamTable *pt);

void s2s_decoder_acts_build(S2sDecoderActs *a, const S2sDecoder *d, int T, int S, int B, uint64_t seed);
void s2s_decoder_acts_free(S2sDecoderActs *a);

/*
 * Teacher-forced forward over T steps. enc_out (S,B,D), src_len (B),
 * h_final, c_final (enc_L*enc_ndir,B,enc_H) (c_final NULL unless LSTM);
 * tgt_in (T,B) the inputs (BOS, y_1, ...), tgt_out (T,B) the targets
 * (y_1, ..., EOS, then pad_id). train = 1 applies dropout; tf_ratio < 1
 * feeds back argmax at steps whose coin says so. Returns the mean
 * cross-entropy over targets != pad_id, label-smoothed by smoothing
 * (ops.h crossentropy_forward), in nats. The pointers must stay valid
 * until backward. src_len may be NULL for a decoder without attention.
 */
double s2s_decoder_forward(const S2sDecoder *d, S2sDecoderActs *a,
                           const float *enc_out, const int *src_len,
                           const float *h_final, const float *c_final,
                           const int *tgt_in, const int *tgt_out, int pad_id, float smoothing,
                           int S, int T, int B, int train, float tf_ratio);
/* Backward of the last forward: accumulates parameter gradients (times dloss)
 * and fills a->d_enc_out, a->dh_final, a->dc_final. The output layer's
 * backward products skip the rows whose target is pad_id (their gradient
 * is zero). */
void s2s_decoder_backward(const S2sDecoder *d, S2sDecoderActs *a, float dloss);

/*
 * Inference, one step at a time, for common/beam.h. Rows as beam.h: row i
 * continues row parent[i] of the previous step (-1 at t = 0) and belongs to
 * source sentence src[i] < B. At most R = B*K rows.
 */
typedef struct {
    int S, B, R;
    float *memory;
    float *att;        /* (R,S) the last step's attention weights per row (row stride S,
                          zero from the sentence's src_len on), or NULL without attention */
    void *priv;
} S2sDecodeState;

void s2s_decode_state_build(S2sDecodeState *st, const S2sDecoder *d, int S, int B, int K);
void s2s_decode_state_free(S2sDecodeState *st);
/* Remember the encoder's results for B sentences (copied or precomputed). */
void s2s_decode_begin(const S2sDecoder *d, S2sDecodeState *st, const float *enc_out, const int *src_len,
                      const float *h_final, const float *c_final, int S, int B);
/* logits (n,V) for rows fed tokens (n); parent, src as beam.h. */
void s2s_decode_step(const S2sDecoder *d, S2sDecodeState *st, float *logits,
                     const int *tokens, const int *parent, const int *src, int n, int t);

#endif
