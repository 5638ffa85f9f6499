/*
 * model.h -- the encoder-decoder: encoder.h's source side, decoder.h's
 * target side, one parameter table, and what translating needs around them
 * (saving, loading, greedy and beam decoding with common/beam.h).
 *
 *     enc_out, h_final = encoder(src)                  (encoder.h)
 *     loss             = decoder(enc_out, h_final, tgt) (decoder.h)
 *
 * Sutskever et al. (2014, sec. 3.3) reversed the source sentence (but not
 * the target): the first source words then sit next to the first target
 * words they predict, which shortens the path the gradient travels at the
 * start of the sentence. reverse_src does that inside the model (training,
 * translating and attention maps alike), so the data stays in its order.
 *
 * A saved model is a folder: model.ckpt (common/checkpoint.h; its config
 * text is s2s_config_text's) and the two vocabularies src_vocab.txt and
 * tgt_vocab.txt (common/text.h), which the checkpoint's V must match.
 */
#ifndef SEQ2SEQ_MODEL_H
#define SEQ2SEQ_MODEL_H

#include <stdint.h>

#include "beam.h"
#include "params.h"
#include "s2s_corpus.h"
#include "seq2seq/decoder.h"
#include "seq2seq/encoder.h"

#define S2S_STAGE "seq2seq"

typedef struct {
    S2sEncoderConfig enc;
    S2sDecoderConfig dec;    /* its enc_* fields follow enc (s2s_config_link) */
    S2sTokens tokens;        /* words or characters, both sides */
    int reverse_src;         /* 1: read each source sentence backwards (Sutskever et al. 2014, sec. 3.3) */
    char task[16];           /* the task it was trained on ("multi30k"), the default of eval */
} S2sConfig;

typedef struct {
    S2sConfig cfg;
    ParamTable pt;
    S2sEncoder enc;
    S2sDecoder dec;
} S2sModel;

/* Training activations for batches of at most (S,T,B). */
typedef struct {
    S2sEncoderActs enc;
    S2sDecoderActs dec;
    int *src_rev;            /* (S,B) the batch's sources reversed (reverse_src only) */
} S2sActs;

/* Everything decoding needs for up to B sentences of S tokens, K beams. */
typedef struct {
    S2sEncoderActs enc;
    S2sDecodeState st;
    BeamSearch *bs;
    int B, S, K, max_len;
    int *src, *src_len;      /* (S,B), (B): the sentences, padded and time-major */
} S2sTranslator;

const char *s2s_attention_name(S2sAttention a);     /* "none", "bahdanau", "luong-dot", ... */
int s2s_attention_parse(const char *s, S2sAttention *a);
/* Copy the encoder's shape into the decoder's enc_* fields. */
void s2s_config_link(S2sConfig *c);
void s2s_config_text(const S2sConfig *c, char *buf, size_t n);
int s2s_config_parse(const char *text, S2sConfig *c);   /* 0, or -1 when incomplete */

void s2s_model_build(S2sModel *m, const S2sConfig *cfg);
void s2s_model_free(S2sModel *m);
/* Every weight from U[-range, range] (Sutskever et al. 2014: 0.08), biases 0. */
void s2s_model_init_uniform(S2sModel *m, float range, Rng *rng);

void s2s_acts_build(S2sActs *a, const S2sModel *m, int S, int T, int B, uint64_t seed);
void s2s_acts_free(S2sActs *a);
/* The teacher-forced loss of one batch (mean nats per target token, label-
 * smoothed by smoothing); backward accumulates the gradients of the last one. */
double s2s_forward(S2sModel *m, S2sActs *a, const S2sBatch *b, float smoothing, int train, float tf_ratio);
void s2s_backward(S2sModel *m, S2sActs *a);

/* Save to / load from a folder (see the top). Loading dies with a clear
 * message on a missing, truncated or foreign file, or mismatched vocabularies. */
void s2s_save(const S2sModel *m, const Vocab *src_v, const Vocab *tgt_v, const char *dir, long step,
              int with_optimizer);
void s2s_load(S2sModel *m, Vocab **src_v, Vocab **tgt_v, const char *dir, long *step, int with_optimizer);

/* Decoding: beam 1 is greedy (common/beam.h); alpha its length penalty. */
void s2s_translator_build(S2sTranslator *tr, const S2sModel *m, int B, int S, int K, int max_len);
void s2s_translator_free(S2sTranslator *tr);
/* Translate the n <= tr->B source sentences src[i] (ids, length len[i] <= tr->S);
 * the results are beam_best(tr->bs, i) until the next call. */
void s2s_translate(S2sModel *m, S2sTranslator *tr, int *const *src, const int *len, int n, float alpha);
/* The attention matrix (out_len, src_len) of the model reading src and
 * producing out (no EOS): the weights of each output step, teacher-forced.
 * Returns 0, or -1 when the model has no attention. */
int s2s_attention_matrix(S2sModel *m, const int *src, int src_len, const int *out, int out_len, float *w);

#endif
