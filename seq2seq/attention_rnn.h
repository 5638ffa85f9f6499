/*
 * attention_rnn.h -- the attention of the RNN decoders (decoder.h): a query
 * row scores every real position j of its source sentence, the scores go
 * through a softmax over j < len, and the context is the weighted sum of the
 * encoder's outputs h_j.
 *
 *   additive (Bahdanau et al. 2015, eq. 6 and appendix A.1.2; Luong's
 *   "concat"):   e_j = v . tanh(W_s s + U h_j + b)
 *       The encoder side k_j = U h_j + b does not depend on the query, so
 *       the decoder computes it once per batch (one sgemm over S*B rows) and
 *       each step adds the query side q = W_s s (one sgemm over the batch).
 *   dot-product (Luong et al. 2015, eq. 8, "dot" and "general"):
 *                  e_j = q . h_j,  q = s (dot) or W_a s (general)
 *   then (both)   a_j = exp(e_j) / sum_{k < len} exp(e_k)   (0 for j >= len)
 *                 c   = sum_j a_j h_j
 *
 * This file holds the part that loops over source positions; the products
 * with W_s, U and W_a are the decoder's sgemms. Rows: n query rows; row i
 * attends over sentence src[i] of the batch (src NULL: sentence i), which is
 * how a beam's several hypotheses share one sentence's encoder outputs.
 *
 * Legend: S source positions, B sentences, D encoder output width,
 * A attention size. The encoder's tensors are time-major: h_j of sentence b
 * is row j*B + b.
 */
#ifndef SEQ2SEQ_ATTENTION_RNN_H
#define SEQ2SEQ_ATTENTION_RNN_H

/* What attention reads of one batch's encoder side. */
typedef struct {
    const float *enc;    /* (S,B,D) the encoder's outputs h_j */
    const int *len;      /* (B) real positions of each sentence, 1..S */
    const float *keys;   /* (S,B,A) U h_j + b (additive scores), or NULL: dot-product scores */
    const float *v;      /* (A) the additive score's output vector, or NULL */
    int S, B, D, A;
} S2sAttMemory;

/*
 * Forward for n rows. q is the query side: (n,A) for an additive score,
 * (n,D) for a dot-product one. Writes the weights to att (row stride
 * att_ld >= S, zero from len to att_ld) and the context to the first D
 * columns of ctx (row stride ctx_ld >= D). tn (n,S,A), if not NULL, keeps
 * tanh(q_i + k_j) for backward (additive only; zero at padding).
 */
void s2s_att_forward(float *ctx, int ctx_ld, float *att, int att_ld, float *tn,
                     const float *q, const S2sAttMemory *m, const int *src, int n);

/*
 * Backward for n rows, row i attending over sentence i (training), from
 * dctx (n,D) (row stride dctx_ld). att (n,S), tn (n,S,A) and q are what
 * forward saw and left (att_ld = S). Writes de (n,S) = dL/de (zero at
 * padding: the additive score's dL/dv is de . tn, which the decoder sums
 * over the whole sequence with one product) and dq = dL/dq (overwritten);
 * accumulates d_enc (S,B,D) and, additive, dkeys (S,B,A).
 */
void s2s_att_backward(float *dq, float *de, float *d_enc, float *dkeys,
                      const float *dctx, int dctx_ld, const float *att, const float *tn,
                      const float *q, const S2sAttMemory *m, int n);

#endif
