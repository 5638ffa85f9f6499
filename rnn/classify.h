/*
 * classify.h -- sentence classification with three encoders over word
 * embeddings: how the deep-learning era first used word vectors.
 *
 *   dnn   bag of embeddings: the mean of the sentence's word vectors, one
 *         ReLU hidden layer, dropout, softmax (cf. Iyyer et al. 2015, DAN)
 *   cnn   Kim (2014): filters of widths 3, 4, 5 (F maps each) slide over the
 *         word vectors (conv1d.h), ReLU, max over time, concatenated (3F),
 *         dropout 0.5, softmax whose weight rows are kept at l2 norm <= 3
 *   lstm  an LSTM reads the sentence; its states are max-pooled over the
 *         words (Conneau et al. 2017's BiLSTM-max, one direction), dropout,
 *         softmax
 *
 * Embeddings, as Kim's variants: rand (learned from scratch), static
 * (pretrained, frozen) and non-static (pretrained, fine-tuned). The <pad>
 * row is kept at zero, so padding adds nothing to a convolution.
 *
 * Legend: B sentences in a batch, T padded length, E embedding size,
 *         F feature maps per filter width, H hidden size, D feature size
 *         before the softmax (dnn H, cnn 3F, lstm H), NC classes.
 * Batches are batch-major ids (B,T): sentence b's words at positions
 * pad..pad+len[b]-1, <pad> elsewhere (pad = 4 for the CNN, Kim's K-1 zeros on
 * the left, 0 for the others).
 */
#ifndef RNN_CLASSIFY_H
#define RNN_CLASSIFY_H

#include "dataset.h"
#include "params.h"
#include "rng.h"
#include "text.h"
#include "vectors.h"

typedef enum { RNN_CLS_DNN, RNN_CLS_CNN, RNN_CLS_LSTM } RnnClsEncoder;
typedef enum { RNN_CLS_EMB_RAND, RNN_CLS_EMB_STATIC, RNN_CLS_EMB_NONSTATIC } RnnClsEmbedding;

#define RNN_CLS_CNN_WIDTHS 3
extern const int rnn_cls_cnn_widths[RNN_CLS_CNN_WIDTHS];   /* 3, 4, 5 */

typedef struct {
    RnnClsEncoder enc;
    RnnClsEmbedding emb;
    int V, E, H, F, NC;
    float dropout;      /* on the features before the softmax */
    float max_norm;     /* l2 bound on each softmax weight row (0: none) */
} RnnClsConfig;

/* Pointers into a ParamTable's values (or its grads); NULL where the encoder
 * has no such tensor. */
typedef struct {
    float *wte;                                    /* (V,E) */
    float *conv_w[RNN_CLS_CNN_WIDTHS], *conv_b[RNN_CLS_CNN_WIDTHS]; /* CNN (F, K*E), (F) */
    float *w_ih, *w_hh, *b_ih, *b_hh;              /* LSTM (4H,E), (4H,H), (4H), (4H) */
    float *w_hid, *b_hid;                          /* DNN (H,E), (H) */
    float *w_out, *b_out;                          /* (NC,D), (NC) */
} RnnClsTensors;

typedef struct {
    RnnClsConfig cfg;
    ParamTable pt;
    RnnClsTensors w;                /* into pt.values */
    RnnClsTensors g;                /* into pt.grads */
} RnnCls;

/* Activations for batches up to (B,T), carved from one allocation (memory);
 * the buffers an encoder does not use are NULL. */
typedef struct {
    int B, T;                       /* capacity */
    int b, t;                       /* sizes of the last forward */
    float *memory;                  /* the one allocation every field points into */
    int *ids, *tm_ids, *lens, *labels;       /* (B,T), (T,B), (B), (B) */
    float *emb, *demb;              /* (B,T,E) (LSTM: time-major (T,B,E)) */
    float *cols[RNN_CLS_CNN_WIDTHS], *conv[RNN_CLS_CNN_WIDTHS], *dconv[RNN_CLS_CNN_WIDTHS];
    int *argmax;                    /* (B,D) where each max came from */
    float *dcols;
    float *mean, *dmean;            /* DNN (B,E): the mean embedding and its gradient */
    float *h_all, *act, *scratch, *dh_all;   /* LSTM */
    float *feat, *mask, *featd, *dfeat, *dfeatd;   /* (B,D) */
    float *logits, *probs;          /* (B,NC) */
    Rng rng;
} RnnClsActs;

/* "dnn", "cnn", "lstm" in the order of RnnClsEncoder, then NULL */
extern const char *const rnn_cls_encoder_names[];
const char *rnn_cls_encoder_name(RnnClsEncoder e);
int rnn_cls_encoder_parse(const char *s, RnnClsEncoder *e);
int rnn_cls_feature_size(const RnnClsConfig *c);
int rnn_cls_pad_left(const RnnClsConfig *c);

void rnn_cls_build(RnnCls *m, const RnnClsConfig *cfg);
void rnn_cls_free(RnnCls *m);
/* Weights U[-0.1, 0.1] (embedding U[-0.25, 0.25], Kim's range for unknown
 * words), biases 0, <pad> row 0. */
void rnn_cls_init(RnnCls *m, Rng *rng);
void rnn_cls_acts_build(RnnClsActs *a, const RnnCls *m, int B, int T, uint64_t seed);
void rnn_cls_acts_free(RnnClsActs *a);

/* ids (B,T) laid out as above, lens (B), labels (B) or NULL. Returns the mean
 * cross-entropy (0 without labels); predictions via rnn_cls_predict. */
double rnn_cls_forward(RnnCls *m, RnnClsActs *a, const int *ids, const int *lens, const int *labels,
                   int B, int T, int train);
void rnn_cls_backward(RnnCls *m, RnnClsActs *a);
/* After an optimizer step: <pad> row back to zero, max-norm on the softmax rows. */
void rnn_cls_after_step(RnnCls *m);
/* argmax of the last forward's logits, for each of its B sentences */
void rnn_cls_predict(const RnnCls *m, const RnnClsActs *a, int *pred);

/* ------------------------------------------------------------ data and training */

/* The sentences are common/dataset.h's LabelledSet (one field, the word ids;
 * the label in [0, NC)), encoded with lset_words(v). What is the classifiers'
 * own is the vocabulary each task builds (Kim's: over all of its files). */

/* The Bible task from the data cache: the vocabulary (training words seen at
 * least twice), the training and the test verses (at most maxlen words).
 * Returns NULL, loading nothing, when the Bible data is absent (make data). */
Vocab *rnn_cls_load_bible_task(LabelledSet *train, LabelledSet *test, int maxlen);
/* MR (Pang & Lee 2005): positive = 1, negative = 0, classes interleaved
 * (lset_load_polarity); builds the vocabulary over both files, as Kim. */
void rnn_cls_load_mr(LabelledSet *s, Vocab **v, const char *pos, const char *neg, int maxlen);
/* Files of "LABEL word word ..." lines (SST's stsa.binary.*: LABEL 0 or 1),
 * LABEL an integer in [0, NC). Builds the vocabulary over all nfiles files, as
 * Kim, then loads file i into sets[i] (lset_load_labelled_file, which dies on
 * a bad label, a label without words, or a file without sentences). */
void rnn_cls_load_labelled(LabelledSet *sets, Vocab **v, const char *const *paths, int nfiles, int NC, int maxlen);

typedef struct {
    RnnClsConfig model;
    int batch, epochs;
    float lr;
    unsigned long long seed;
    int quiet;
    const char *save_dir;     /* if set: the chosen epoch's model goes to DIR/model.ckpt */
    const Vocab *save_vocab;  /* ... with this vocabulary, as DIR/vocab.txt */
} RnnClsTrainOptions;

typedef struct {
    double test_acc;   /* test accuracy after the chosen epoch */
    double dev_acc;    /* dev accuracy of that epoch (NAN without a dev set) */
    int epoch;         /* 1-based: the best dev epoch, or the last one without a dev set */
} RnnClsScore;

/* Train on train and score on test. With a dev set, every epoch is scored on
 * dev and the test accuracy of the best dev epoch is kept (early stopping by
 * dev accuracy, as Kim); dev NULL: the last epoch's. init_emb (V,E) holds the
 * pretrained rows for static and non-static embeddings (NULL for rand). */
RnnClsScore rnn_cls_train_eval(const RnnClsTrainOptions *o, const LabelledSet *train, const LabelledSet *dev,
                        const LabelledSet *test, const float *init_emb);

/* Fraction of s classified correctly (a's capacity must fit s's sentences). */
double rnn_cls_accuracy(RnnCls *m, RnnClsActs *a, const LabelledSet *s);

/* A trained classifier as DIR/model.ckpt (stage "rnn-classify", atomic) and
 * DIR/vocab.txt; rnn_cls_load rebuilds it and dies on a missing, corrupted or
 * foreign file. */
void rnn_cls_save(const RnnCls *m, const Vocab *v, const char *dir);
void rnn_cls_load(RnnCls *m, Vocab **v, const char *dir);

/* ------------------------------------------------------------ pretrained rows */

/* Pretrained vectors from src: a word2vec-format file (vectors.h, text or
 * binary: ours, Google News, fastText's .vec) or, when src is a directory, a
 * word-level `rnn lm-train` run, whose input embedding is used. Dies with a
 * clear message when src is neither. */
Vectors *rnn_cls_vectors_load(const char *src);

/* Kim's recipe for the table (V,E): a word of v found in vec takes its
 * vector; the others (and <unk>) start from U[-a, a], a = sqrt(3 s2) where s2
 * is the variance of all of vec's values, so unknown words look like known
 * ones (U[-a, a] has variance a^2/3); <pad> is zero. Dies when vec's
 * dimension is not E. Returns how many words of v were found; *a_out gets a
 * when non-NULL. */
int rnn_cls_pretrained_rows(float *table, const Vocab *v, int E, const Vectors *vec, const char *src,
                        Rng *rng, float *a_out);

#endif
