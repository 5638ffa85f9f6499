/*
 * bert.h -- BERT (Devlin et al. 2018): a Transformer encoder pretrained as a
 * masked language model, then fine-tuned or prompted.
 *
 *     e = LayerNorm(Tok(x) + Pos(t) + Seg(s))             (sec. 3, Figure 2)
 *     h = Encoder(Dropout(e), len)                         (layers.h, post-LN, cross = 0)
 *
 * (post-LN as BERT; pre-LN, Xiong et al. 2020, is an option: its stack ends
 * with one more LayerNorm, and it leaves the loss's early plateau sooner)
 *
 * and three heads read h:
 *
 *     MLM   at the masked positions only (sec. 3.1, Task #1):
 *           u = LayerNorm(gelu(h W_d^T + b_d)),  logits = u Tok^T + b_V
 *           -- the output matrix is the token embedding table (tied), with
 *           a bias of its own, as the released BERT's "cls/predictions".
 *     pool  p = tanh(h_[CLS] W_p^T + b_p)      the pooler, on position 0
 *     NSP   logits = p W_n^T + b_n (2 classes: B follows A, B is random)
 *           (sec. 3.1, Task #2; optional in pretraining, --nsp 0/1)
 * Classification (sec. 4.1) puts a new linear layer on p (bert_train.h).
 *
 * One departure, said here and in the chapter: BERT's FFN uses GELU, ours is
 * layers.h's ReLU FFN (the shared stack of the translation model); the MLM
 * head does use GELU (ops.h's tanh form, as PyTorch's approximate='tanh').
 * Initialisation: N(0, 0.02) for embeddings and heads (BERT's
 * initializer_range), the stack as layers.h (Xavier uniform).
 *
 * Ids: the byte-level BPE vocabulary (bert_data.h) holds n_bpe tokens (its
 * last one GPT-2's <|endoftext|>, unused here); then come the four specials
 *     [PAD] = n_bpe, [CLS] = n_bpe+1, [SEP] = n_bpe+2, [MASK] = n_bpe+3
 * so V = n_bpe + 4. No [UNK]: every byte is a token.
 *
 * Tensors (PyTorch's (out, in) layout):
 *     bert.tok (V,C)  bert.pos (max_pos,C)  bert.seg (2,C)  bert.ln.w, bert.ln.b (C)
 *     bert.enc.*      the encoder stack (layers.h)
 *     mlm.w (C,C) mlm.b (C)  mlm.ln.w, mlm.ln.b (C)  mlm.bias (V)
 *     pool.w (C,C) pool.b (C)  nsp.w (2,C) nsp.b (2)
 * Every model has the pooler and the NSP layer (one shape for every
 * checkpoint); pretraining with --nsp 0 leaves them at their initial values.
 *
 * A saved model is a folder: model.ckpt (stage "transformer", config text
 * with kind=bert) and the tokenizer, encoder.json and vocab.bpe (GPT-2's
 * formats, bpe.h). Loading a translation model (kind=translation) or any
 * other as BERT fails with a message that says which kind it is.
 *
 * Legend: B batch, T time, C channels (d_model), V vocabulary, M masked
 * positions of a batch.
 */
#ifndef TRANSFORMER_BERT_H
#define TRANSFORMER_BERT_H

#include <stddef.h>
#include <stdint.h>

#include "params.h"
#include "rng.h"
#include "transformer/bert_data.h"
#include "transformer/layers.h"

#define BERT_STAGE "transformer"   /* the checkpoint's stage, as model.h's TF_STAGE */
#define BERT_LN_EPS 1e-5f

typedef struct {
    int n_bpe;       /* BPE tokens; the specials follow (see the top) */
    int V;           /* n_bpe + 4 */
    int max_pos;     /* longest input, [CLS] and [SEP]s included */
    int C, NH, F, L; /* d_model, heads, FFN width, layers */
    TfNorm norm;     /* post-LN as BERT (the default), or pre-LN (layers.h) */
    float dropout;   /* embeddings, sublayer outputs (layers.h), the pooled output in fine-tuning */
    int nsp;         /* 1: pretrained with next-sentence prediction (information; the layer is always there) */
} BertConfig;

typedef struct {
    float *tok, *pos, *seg, *ln_w, *ln_b;
    float *mlm_w, *mlm_b, *mlm_ln_w, *mlm_ln_b, *mlm_bias;
    float *pool_w, *pool_b, *nsp_w, *nsp_b;
} BertTensors;

typedef struct {
    BertConfig cfg;
    ParamTable pt;
    BertTensors w, g;    /* values and gradients */
    TfStack enc;         /* "bert.enc" */
} Bert;

/* What forward saves for backward, sized for (B, T) once (bert.c defines it). */
typedef struct BertActs BertActs;

void bert_config_text(const BertConfig *c, char *buf, size_t n);
/* 0, or -1 with the reason in err (not kind=bert, a missing or bad key). */
int bert_config_parse(const char *text, BertConfig *c, char *err, size_t errlen);

/* Declare and allocate the table (values zero); dies on a bad config. */
void bert_build(Bert *m, const BertConfig *cfg);
void bert_free(Bert *m);
void bert_init(Bert *m, uint64_t seed);

/* Buffers for batches up to (B, T) and Mmax rows of the MLM head; seed draws
 * the dropout masks. */
BertActs *bert_acts_build(const Bert *m, int B, int T, int Mmax, uint64_t seed);
void bert_acts_free(BertActs *a);

/*
 * The encoder: ids, seg (B,T) (padded rows hold [PAD]), len (B) the real
 * lengths. Returns h (B,T,C), valid until the next forward. The inputs must
 * stay unchanged until bert_backward. train 1 applies dropout. Clears the
 * gradient of h that the heads' backward passes accumulate into.
 */
const float *bert_forward(Bert *m, BertActs *a, const int *ids, const int *seg, const int *len, int B, int T,
                          int train);
/* MLM head on rows[0..M) of h (flat indices b*T + t): returns logits (M,V). */
const float *bert_mlm_forward(Bert *m, BertActs *a, const int *rows, int M);
/* dlogits (M,V): accumulates into the head's and the embedding's gradients and dh. */
void bert_mlm_backward(Bert *m, BertActs *a, const float *dlogits);
/* Pooler on each row's [CLS] state: returns p (B,C). */
const float *bert_pool_forward(Bert *m, BertActs *a);
void bert_pool_backward(Bert *m, BertActs *a, const float *dp);
/* From the accumulated dh down to the embeddings (gradients accumulate). */
void bert_backward(Bert *m, BertActs *a);

/* Save to / read from a folder (see the top). bert_read returns 0, or -1 with
 * the reason in err (missing files, wrong stage or kind, bad shapes);
 * bert_load dies with it. tok may be NULL (the model only). */
void bert_save(const Bert *m, const BertTok *tok, const char *dir, long step);
int bert_read(const char *dir, Bert *m, BertTok *tok, char *err, size_t errlen);
void bert_load(const char *dir, Bert *m, BertTok *tok);

/* ------------------------------------------------------------------ demo */

/* `transformer demo`'s BERT part: byte-level BPE (4,096 tokens) and a tiny
 * BERT (2 layers, d 64) trained on the Bible's training verses for `steps`
 * steps (0: the default 2,000, about 45 s of one core), then the top-5
 * guesses for masked words of famous verses. Writes the model and
 * metrics.tsv to out (NULL: runs/transformer/bert-demo). */
typedef struct {
    const char *out;
    long steps;
    unsigned long long seed;
    int quiet;
} BertDemoOptions;
int bert_demo(const BertDemoOptions *o);

#endif
