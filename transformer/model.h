/*
 * model.h -- the Transformer encoder-decoder (Vaswani et al. 2017) for the
 * translation tasks of common/s2s_tasks.h, the same ones chapter 4's RNNs
 * train on.
 *
 *     e   = Emb_src(x) * sqrt(d) + PE(pos)          (sec. 3.4, 3.5)
 *     mem = Encoder(Dropout(e), src_len)            (layers.h, cross = 0)
 *     h   = Decoder(Dropout(Emb_tgt(y_in) * sqrt(d) + PE(pos)), mem)   (cross = 1)
 *     logits = h W_out^T + b_out,   loss = label-smoothed cross-entropy (sec. 5.4)
 *
 * Positional encodings: sinusoidal (eq. in sec. 3.5: PE(pos, 2i) =
 * sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(...)), fixed; or learned
 * tables (the PyTorch tutorial's choice), one for each side, of max_pos
 * rows. share_emb uses one embedding table for both sides (sec. 3.4), which
 * needs one joint vocabulary (src_V == tgt_V); the output projection is its
 * own matrix either way.
 *
 * Tensors: "src_emb" (src_V,d), "tgt_emb" (tgt_V,d) (absent with share_emb),
 * "src_pos"/"tgt_pos" (max_pos,d) when learned, the stacks "enc" and "dec"
 * (layers.h), "out.w" (tgt_V,d), "out.b" (tgt_V).
 *
 * A saved model is a folder, as chapter 4's: model.ckpt (stage
 * "transformer", config text with kind=translation) and src_vocab.txt,
 * tgt_vocab.txt. Loading a BERT checkpoint (kind=bert) as a translation
 * model dies with a clear message.
 */
#ifndef TRANSFORMER_MODEL_H
#define TRANSFORMER_MODEL_H

#include <stdint.h>

#include "beam.h"
#include "params.h"
#include "s2s_corpus.h"
#include "transformer/layers.h"

#define TF_STAGE "transformer"

typedef enum { TF_POS_SINUSOID, TF_POS_LEARNED } TfPos;

typedef struct {
    int d, heads, ff;          /* d_model, attention heads, FFN width */
    int enc_layers, dec_layers;
    int src_V, tgt_V;
    int max_pos;               /* longest sentence (+ BOS/EOS) a model reads or writes */
    TfPos pos;
    TfNorm norm;
    int share_emb;             /* 1: one embedding table (needs src_V == tgt_V, a joint vocabulary) */
    float dropout;
    S2sTokens tokens;          /* words or characters, both sides */
    char task[16];             /* the task it was trained on, the default of eval */
} TfConfig;

typedef struct {
    TfConfig cfg;
    ParamTable pt;
    float *src_emb, *tgt_emb, *src_pos, *tgt_pos, *out_w, *out_b;       /* values (tgt_emb == src_emb when shared) */
    float *g_src_emb, *g_tgt_emb, *g_src_pos, *g_tgt_pos, *g_out_w, *g_out_b;
    float *pe;                 /* (max_pos, d) the sinusoid table (TF_POS_SINUSOID), else NULL */
    TfStack enc, dec;
} TfModel;

/* Training activations for batches of at most B sentences, S source and T
 * target positions (layout: model.c). */
typedef struct TfActs TfActs;

/* Everything decoding needs for up to B sentences of S tokens, K beams. */
typedef struct TfTranslator TfTranslator;

const char *tf_pos_name(TfPos p);        /* "sinusoid", "learned" */
int tf_pos_parse(const char *s, TfPos *p);
const char *tf_norm_name(TfNorm n);      /* "post", "pre" */
int tf_norm_parse(const char *s, TfNorm *n);
void tf_config_text(const TfConfig *c, char *buf, size_t n);
int tf_config_parse(const char *text, TfConfig *c);   /* 0, or -1 when incomplete or not kind=translation */

/* Build the table for cfg (parameters zero); dies on a bad config. */
void tf_model_build(TfModel *m, const TfConfig *cfg);
void tf_model_free(TfModel *m);
/* Xavier-uniform weights (layers.h), embeddings and learned positions too;
 * biases 0, LayerNorm gains 1. */
void tf_model_init(TfModel *m, Rng *rng);

TfActs *tf_acts_build(const TfModel *m, int B, int S, int T, uint64_t seed);
void tf_acts_free(TfActs *a);
/* The batch (s2s_corpus.h's, time-major; transposed inside) -> mean loss per
 * target token, label-smoothed by smoothing, padding ignored; train 1 applies
 * dropout. backward accumulates the gradients of the last forward. */
double tf_forward(TfModel *m, TfActs *a, const S2sBatch *b, float smoothing, int train);
void tf_backward(TfModel *m, TfActs *a);
/* The logits (n, tgt_V) of the last forward at the positions with a target
 * (tgt_out not PAD) only, in batch-major order: sentence 0's positions, then
 * sentence 1's, ...; *n gets their number. Valid until the next tf_backward,
 * which reuses the buffer. */
const float *tf_acts_logits(const TfActs *a, int *n);

/* Save to / load from a folder (see the top); loading dies with a clear
 * message on a missing, truncated or foreign file, or mismatched vocabularies. */
void tf_save(const TfModel *m, const Vocab *src_v, const Vocab *tgt_v, const char *dir, long step, int with_optimizer);
void tf_load(TfModel *m, Vocab **src_v, Vocab **tgt_v, const char *dir, long *step, int with_optimizer);
/* The weights' mean over n model folders of one model trained on (checkpoints
 * of one run: Vaswani et al. sec. 6.1 "averaging the last 5 checkpoints"),
 * with the first folder's vocabularies. Dies when the folders differ in
 * shape or vocabulary. *step gets the last folder's step when not NULL. */
void tf_load_average(TfModel *m, Vocab **src_v, Vocab **tgt_v, const char *const *dirs, int n, long *step);

/* Decoding with cached keys and values (a new token costs O(T)); beam 1 is
 * greedy, alpha the length penalty (common/beam.h). */
TfTranslator *tf_translator_build(const TfModel *m, int B, int S, int K, int max_len);
void tf_translator_free(TfTranslator *tr);
/* Translate the n <= B sentences src[i] (ids, length len[i] <= S); the
 * results are beam_best(tf_translator_beam(tr), i) until the next call. */
void tf_translate(TfModel *m, TfTranslator *tr, int *const *src, const int *len, int n, float alpha);
const BeamSearch *tf_translator_beam(const TfTranslator *tr);

/* The attention weights of the model reading src (length S) and producing
 * out (length T, without EOS; teacher-forced after BOS), per layer and head:
 * enc_self (enc_layers,NH,S,S), dec_self (dec_layers,NH,T,T), cross
 * (dec_layers,NH,T,S); any may be NULL. Row t of the decoder's maps is the
 * step that produced out[t]. */
void tf_attention_maps(TfModel *m, const int *src, int S, const int *out, int T, float *enc_self, float *dec_self,
                       float *cross);

#endif
