/*
 * layers.h -- a stack of Transformer layers (Vaswani et al. 2017, sec. 3.1),
 * the one piece the translation model (model.h) and BERT (bert.h) share.
 *
 * An encoder layer (cross = 0) is two sublayers, a decoder layer (cross = 1)
 * three, each wrapped in a residual connection and a LayerNorm:
 *
 *     encoder:  x = Sub(x, SelfAttn(., len))          padding mask
 *               x = Sub(x, FFN(.))
 *     decoder:  x = Sub(x, SelfAttn(., causal, len))  causal + padding mask
 *               x = Sub(x, CrossAttn(., mem, mem_len))
 *               x = Sub(x, FFN(.))
 *
 *     FFN(x) = max(0, x W1^T + b1) W2^T + b2                       (eq. 2)
 *     MultiHead(Q,K,V) = Concat(head_1..head_h) W^O,
 *         head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V)         (sec. 3.2.2)
 *
 * Sub is where the two layouts differ:
 *     post-LN (the paper, sec. 5.4): Sub(x, f) = LayerNorm(x + Dropout(f(x)))
 *     pre-LN  (Xiong et al. 2020):   Sub(x, f) = x + Dropout(f(LayerNorm(x)))
 * and a pre-LN stack ends with one more LayerNorm ("<prefix>.ln_f"), since
 * its residual stream is never normalised otherwise. Dropout p is applied
 * to each sublayer's output before the residual add (sec. 5.4) and inside
 * the FFN after the ReLU; not to the attention probabilities (one saved
 * mask of (B,NH,T,T) less per layer).
 *
 * Tensors of a stack "<prefix>" (L layers, d_model C, heads NH, FFN width F),
 * stacked over layers like gpt.h's, PyTorch's (out, in) layout:
 *     <prefix>.self.w  (L, 3C, C)  W^Q, W^K, W^V as three (C,C) row blocks
 *     <prefix>.self.b  (L, 3C)
 *     <prefix>.self.wo (L, C, C)   W^O
 *     <prefix>.self.bo (L, C)
 *     <prefix>.cross.wq (L, C, C), .cross.bq (L, C)     decoder only
 *     <prefix>.cross.wkv (L, 2C, C), .cross.bkv (L, 2C) decoder only: W^K, W^V of the memory
 *     <prefix>.cross.wo (L, C, C), .cross.bo (L, C)     decoder only
 *     <prefix>.ln1.w, .ln1.b (L, C)    after (post) / before (pre) self-attention
 *     <prefix>.ln2.w, .ln2.b (L, C)    decoder: around cross-attention; encoder: around the FFN
 *     <prefix>.ln3.w, .ln3.b (L, C)    decoder only: around the FFN
 *     <prefix>.ff.w1 (L, F, C), .ff.b1 (L, F), .ff.w2 (L, C, F), .ff.b2 (L, C)
 *     <prefix>.ln_f.w, .ln_f.b (C)     pre-LN only
 * LayerNorm eps is 1e-5 (PyTorch's default).
 *
 * Layout: batch-major, x (B,T,C) row-major; the memory mem (B,Tm,C). len (B)
 * gives each row's real length (positions >= len[b] are padding: no query
 * attends to them; their own outputs are computed but meaningless, and the
 * loss must ignore them). NULL len means no padding.
 *
 * Buffers: TfStackActs holds what forward saves for backward, sized once for
 * the largest (B,T,Tm) by tf_stack_acts_build; nothing is allocated while
 * training. TfStackCache holds the keys and values of a decoder's past
 * positions and of the memory, for decoding one token at a time in O(T).
 */
#ifndef TRANSFORMER_LAYERS_H
#define TRANSFORMER_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include "params.h"
#include "rng.h"

typedef enum { TF_POST_LN, TF_PRE_LN } TfNorm;

typedef struct {
    int L, C, NH, F;    /* layers, d_model, heads, FFN width */
    int cross;          /* 0: encoder layers; 1: decoder layers (causal self-attention + cross-attention) */
    TfNorm norm;
    float dropout;      /* sublayer-output dropout p (training only) */
} TfStackConfig;

/* Pointers into a ParamTable's values (or grads), one per stacked tensor (NULL when absent). */
typedef struct {
    float *self_w, *self_b, *self_wo, *self_bo;
    float *cross_wq, *cross_bq, *cross_wkv, *cross_bkv, *cross_wo, *cross_bo;
    float *ln1_w, *ln1_b, *ln2_w, *ln2_b, *ln3_w, *ln3_b;
    float *ff_w1, *ff_b1, *ff_w2, *ff_b2;
    float *lnf_w, *lnf_b;
} TfStackTensors;

typedef struct {
    TfStackConfig cfg;
    TfStackTensors w, g;   /* values and gradients */
} TfStack;

/* Forward's saved tensors for every layer, and scratch (layers.c defines the fields). */
typedef struct TfStackActs TfStackActs;

/* Declare the stack's tensors in pt (before params_alloc); dies on a bad
 * config (C not a multiple of NH, a size < 1). */
void tf_stack_declare(ParamTable *pt, const char *prefix, const TfStackConfig *cfg);
/* After params_alloc: point s->w and s->g into pt. */
void tf_stack_bind(TfStack *s, const ParamTable *pt, const char *prefix, const TfStackConfig *cfg);
/* Xavier-uniform matrices (as the tutorials' nn.init.xavier_uniform_ on
 * every p.dim() > 1: bound sqrt(6 / (fan_in + fan_out)) per (out,in) block),
 * zero biases, LayerNorm gains 1. */
void tf_stack_init(TfStack *s, Rng *rng);

/* For batches up to (B, T) queries and Tm memory positions (0 for encoders).
 * seed draws the dropout masks. */
TfStackActs *tf_stack_acts_build(const TfStackConfig *cfg, int B, int T, int Tm, uint64_t seed);
void tf_stack_acts_free(TfStackActs *a);

/*
 * out (B,T,C) = the stack applied to x (B,T,C). len (B) or NULL: the query
 * side's lengths (its padding keys are masked out of self-attention); mem
 * (B,Tm,C) and mem_len (B) for a decoder (ignored by an encoder). train 1
 * applies dropout. The inputs must stay unchanged until backward.
 */
void tf_stack_forward(TfStack *s, TfStackActs *a, float *out, const float *x, const int *len,
                      const float *mem, const int *mem_len, int B, int T, int Tm, int train);
/* dx (B,T,C) and dmem (B,Tm,C, decoder only; may be NULL) ACCUMULATE; the
 * weights' gradients accumulate into s->g. dout (B,T,C) is the gradient of out. */
void tf_stack_backward(TfStack *s, TfStackActs *a, float *dx, float *dmem, const float *dout);

/* The attention probabilities of the last forward: layer l's self-attention
 * (B,NH,T,T) or cross-attention (B,NH,T,Tm) (NULL for an encoder); the
 * pointers are valid until the next forward. Heat maps draw these. */
const float *tf_stack_self_att(const TfStackActs *a, int l);
const float *tf_stack_cross_att(const TfStackActs *a, int l);

/* ------------------------------------------------------------ cached decoding */

/* The keys and values of up to R rows ("hypotheses") of a decoder stack:
 * self-attention over each row's past positions (at most maxT), and
 * cross-attention over its sentence's memory (computed once per batch). */
typedef struct TfStackCache TfStackCache;

TfStackCache *tf_stack_cache_build(const TfStackConfig *cfg, int R, int maxT, int B, int Tm);
void tf_stack_cache_free(TfStackCache *c);
/* Project the memory mem (n,Tm,C) of n <= B sentences (mem_len (n) real
 * positions each) into each layer's cross-attention keys and values, once
 * per decoding call; this also empties the cache: the next step is t = 0. */
void tf_stack_cache_memory(TfStack *s, TfStackCache *c, const float *mem, const int *mem_len, int n, int Tm);
/*
 * One decoding step for n rows: row i continues row parent[i] of the
 * previous step (-1 at t = 0) and reads sentence src[i]'s memory; x (n,C) is
 * the embedded new token (with its position t), out (n,C) the stack's output
 * for it. The cache first reorders its rows by parent (beam.h's contract),
 * then appends position t. Steps come in order, t = 0, 1, ... < maxT.
 * Same results as tf_stack_forward over the whole prefix, to float rounding
 * (test_transformer_layers.c and test_transformer_model.c check it).
 */
void tf_stack_step(TfStack *s, TfStackCache *c, float *out, const float *x, const int *parent, const int *src,
                   int n, int t);

#endif
