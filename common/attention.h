/*
 * attention.h -- multi-head scaled dot-product attention (Vaswani et al. 2017).
 *
 * Eq. 1 of "Attention is all you need", run once per head:
 *
 *     Attention(Q, K, V) = softmax(Q K^T / sqrt(hs) + mask) V
 *
 * The C channels of each query, key and value are cut into NH heads of
 * hs = C/NH channels; head h attends with channels [h*hs, (h+1)*hs) and the
 * heads' outputs are concatenated back into C channels (section 3.2.2). The
 * projections W^Q, W^K, W^V, W^O are the caller's linear layers: this op takes
 * q, k and v already projected, as separate tensors, so the same function
 * serves self-attention (q, k, v all from x) and encoder-decoder
 * cross-attention (q from the decoder, k and v from the encoder, Tq != Tk).
 * A GPT-2 fused weight qkvw (3C,C) is three contiguous (C,C) row blocks, so
 * q, k and v come from three linear calls on its slices.
 *
 * Legend: B batch, Tq query positions, Tk key/value positions, C channels,
 *         NH heads, hs = C/NH head size.
 *
 * Masks. Both masks of this toolkit hide a suffix of the keys, so each query
 * row sees a prefix of keys [0, lim) and the softmax runs over that prefix
 * (the same as adding -inf to the masked scores, without the infinities):
 *   - causal: query t sees keys j <= t + (Tk - Tq). For self-attention
 *     (Tq == Tk) that is j <= t. When Tq < Tk the queries are taken to be the
 *     LAST Tq positions of the key sequence (bottom-right alignment), which is
 *     what decoding with a KV cache needs: one new query (Tq = 1) sees all Tk
 *     cached keys. (PyTorch's is_causal aligns top-left; the two agree when
 *     Tq == Tk.)
 *   - padding: key_len[b] (0 <= key_len[b] <= Tk) valid keys in batch row b;
 *     keys j >= key_len[b] are padding. NULL means no padding.
 * A query row that sees no key at all (key_len[b] == 0, or causal with
 * Tq > Tk) is defined to output zeros and have zero attention weights; it
 * never produces a NaN, and it passes no gradient.
 *
 * Saved for backward: att (B,NH,Tq,Tk), the attention probabilities, which
 * are also what attention-map plots draw. Backward needs att and the inputs
 * q, k, v; it re-gathers the heads from q, k, v, so the scratch buffer holds
 * nothing between the two calls and one scratch can serve every layer.
 *
 * Scratch: attention_scratch_size() floats, allocated once by the caller.
 * One head at a time is copied there into contiguous (T,hs) matrices, because
 * matmul() takes contiguous row-major matrices (no leading-dimension
 * argument) while a head's slice of a (B,T,C) tensor has row stride C. The
 * size depends on one head only: 3*Tq*hs + 4*Tk*hs + Tq*Tk floats.
 *
 * Threads: the heads run one after another and OpenBLAS threads each product
 * that is large enough. OpenMP over the (b, h) pairs was tried and dropped:
 * matmul() inside OpenMP threads nests the pthreads OpenBLAS's own pool in
 * them (8x slower at T=256 on our busy 2-core machine), and OpenMP regions
 * kept between the products still cost more than they saved at T=64.
 */
#ifndef NLP_ATTENTION_H
#define NLP_ATTENTION_H

#include <stddef.h>

/* Floats of scratch that attention_forward and attention_backward need. */
size_t attention_scratch_size(int Tq, int Tk, int C, int NH);

/*
 * out (B,Tq,C), att (B,NH,Tq,Tk), scratch (attention_scratch_size);
 * q (B,Tq,C), k (B,Tk,C), v (B,Tk,C); key_len (B) or NULL; causal 0 or 1.
 * Dies if C is not a multiple of NH or a key_len is outside [0, Tk].
 */
void attention_forward(float *out, float *att, float *scratch,
                       const float *q, const float *k, const float *v,
                       const int *key_len, int causal,
                       int B, int Tq, int Tk, int C, int NH);

/*
 * dq (B,Tq,C), dk (B,Tk,C), dv (B,Tk,C) are ACCUMULATED (+=);
 * scratch (attention_scratch_size); dout (B,Tq,C); q, k, v as in forward;
 * att (B,NH,Tq,Tk) as forward left it (the masks live in its zeros).
 */
void attention_backward(float *dq, float *dk, float *dv, float *scratch,
                        const float *dout, const float *q, const float *k, const float *v,
                        const float *att,
                        int B, int Tq, int Tk, int C, int NH);

#endif
