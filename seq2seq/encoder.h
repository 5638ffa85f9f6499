/*
 * encoder.h -- the source side of the encoder-decoder (Sutskever et al. 2014;
 * Cho et al. 2014; Bahdanau et al. 2015): embeddings and a stack of GRU or
 * LSTM layers, each one- or two-directional, over a padded batch.
 *
 *     x_s      = dropout(emb[src_s])                        (S,B,E)
 *     fwd^l_s  = cell(x^l_s, fwd^l_{s-1})                   s = 0 .. len-1
 *     bwd^l_s  = cell(x^l_s, bwd^l_{s+1})                   s = len-1 .. 0
 *     x^{l+1}  = dropout([fwd^l; bwd^l])                    between layers only
 *     out_s    = [fwd^L_s; bwd^L_s]                         (S,B,D), D = H * ndir
 *
 * Padding. Sentence b has src_len[b] tokens (1 <= src_len[b] <= S) followed by
 * padding. The result is what PyTorch's pack_padded_sequence gives: each
 * direction sees exactly the sentence's own tokens (the backward direction
 * starts at position len-1, not at S-1), out is zero at padded positions, and
 * the final state of each layer and direction is the state after the
 * sentence's last (first, for bwd) real token. So a sentence's outputs,
 * final states and gradients do not depend on the padding its batch has.
 *
 * Rows are time-major as in rnn_cells.h: row s*B + b is position s of
 * sentence b. Parameter names (in the caller's ParamTable) follow PyTorch's
 * nn.GRU/nn.LSTM so a fixture's state_dict maps one to one:
 *     enc.emb                  (V,E)
 *     enc.l{l}.{fwd,bwd}.w_ih  (GH, E or D)   GH = gates * H
 *     enc.l{l}.{fwd,bwd}.w_hh  (GH,H)
 *     enc.l{l}.{fwd,bwd}.b_ih  (GH)
 *     enc.l{l}.{fwd,bwd}.b_hh  (GH)
 * Final states are ordered as PyTorch's h_n: index l*ndir + d (d 0 fwd, 1 bwd).
 */
#ifndef SEQ2SEQ_ENCODER_H
#define SEQ2SEQ_ENCODER_H

#include <stdint.h>

#include "params.h"
#include "rng.h"
#include "rnn_cells.h"

#define S2S_MAX_LAYERS 4

typedef struct {
    RnnKind cell;      /* RNN_GRU or RNN_LSTM */
    int V, E, H, L;    /* source vocabulary, embedding, hidden per direction, layers */
    int bidir;         /* 1: two directions per layer */
    float dropout;     /* on the embeddings and between layers (training only) */
} S2sEncoderConfig;

typedef struct {
    float *emb;
    float *w_ih[S2S_MAX_LAYERS][2], *w_hh[S2S_MAX_LAYERS][2];
    float *b_ih[S2S_MAX_LAYERS][2], *b_hh[S2S_MAX_LAYERS][2];
} S2sEncoderTensors;

typedef struct {
    S2sEncoderConfig cfg;
    int ndir, D;            /* directions, output width H * ndir */
    S2sEncoderTensors w, g; /* into the ParamTable's values and grads */
} S2sEncoder;

/* What one batch of at most (S,B) needs: one allocation, carved (memory). */
typedef struct {
    int S, B;               /* capacity */
    float *memory;
    float *out;             /* (S,B,D) top layer's outputs, zero at padding */
    float *h_final;         /* (L*ndir, B, H) each layer's and direction's final hidden state */
    float *c_final;         /* (L*ndir, B, H) final cell state (LSTM; NULL for GRU) */
    /* everything else forward saves for backward is the implementation's */
    void *priv;
} S2sEncoderActs;

/* Declare the tensors in pt (before params_alloc); dies on a bad config. */
void s2s_encoder_declare(S2sEncoder *e, const S2sEncoderConfig *cfg, ParamTable *pt);
/* Point e->w, e->g into pt (after params_alloc). */
void s2s_encoder_bind(S2sEncoder *e, const ParamTable *pt);

void s2s_encoder_acts_build(S2sEncoderActs *a, const S2sEncoder *e, int S, int B, uint64_t seed);
void s2s_encoder_acts_free(S2sEncoderActs *a);

/* src (S,B) time-major ids (anything at padding), src_len (B); S <= a->S,
 * B <= a->B. train = 1 applies dropout. Fills a->out, a->h_final, a->c_final,
 * laid out with this call's S and B (not the capacity's): out (S,B,D),
 * h_final (L*ndir,B,H). Dies on a length outside [1, S] or a real token's
 * id outside [0, V). The parameters' initial values are the caller's. */
void s2s_encoder_forward(const S2sEncoder *e, S2sEncoderActs *a, const int *src, const int *src_len,
                         int S, int B, int train);
/* Backward of the last forward: accumulates the parameter gradients from
 * d_out (S,B,D) (NULL: none), dh_final and dc_final (L*ndir,B,H) (NULL: none).
 * d_out at padded positions is ignored (out is a constant zero there). */
void s2s_encoder_backward(const S2sEncoder *e, S2sEncoderActs *a, const float *d_out,
                          const float *dh_final, const float *dc_final);

#endif
