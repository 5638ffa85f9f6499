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

#include "params.h"
#include "rng.h"
#include "text.h"
#include "vectors.h"

typedef enum { ENC_DNN, ENC_CNN, ENC_LSTM } EncoderKind;
typedef enum { EMB_RAND, EMB_STATIC, EMB_NONSTATIC } EmbeddingMode;

#define CNN_WIDTHS 3
extern const int cnn_widths[CNN_WIDTHS];   /* 3, 4, 5 */

typedef struct {
    EncoderKind enc;
    EmbeddingMode emb;
    int V, E, H, F, NC;
    float dropout;      /* on the features before the softmax */
    float max_norm;     /* l2 bound on each softmax weight row (0: none) */
} ClsConfig;

typedef struct {
    ClsConfig cfg;
    ParamTable pt;
    float *wte;                                    /* (V,E) */
    float *conv_w[CNN_WIDTHS], *conv_b[CNN_WIDTHS]; /* (F, K*E), (F) */
    float *w_ih, *w_hh, *b_ih, *b_hh;              /* LSTM (4H,E), (4H,H), (4H), (4H) */
    float *w_hid, *b_hid;                          /* DNN (H,E), (H) */
    float *w_out, *b_out;                          /* (NC,D), (NC) */
} Classifier;

typedef struct {
    int B, T;                       /* capacity */
    int b, t;                       /* sizes of the last forward */
    int *ids, *tm_ids, *lens, *labels;       /* (B,T), (T,B), (B), (B) */
    float *emb, *demb;              /* (B,T,E) (LSTM: time-major (T,B,E)) */
    float *cols[CNN_WIDTHS], *conv[CNN_WIDTHS], *dconv[CNN_WIDTHS];
    int *argmax;                    /* (B,D) where each max came from */
    float *dcols;
    float *mean, *dmean;            /* DNN (B,E): the mean embedding and its gradient */
    float *h_all, *act, *scratch, *dh_all;   /* LSTM */
    float *feat, *mask, *featd, *dfeat, *dfeatd;   /* (B,D) */
    float *logits, *probs;          /* (B,NC) */
    Rng rng;
} ClsActs;

const char *cls_encoder_name(EncoderKind e);
int cls_encoder_parse(const char *s, EncoderKind *e);
int cls_feature_size(const ClsConfig *c);
int cls_pad_left(const ClsConfig *c);

void cls_build(Classifier *m, const ClsConfig *cfg);
void cls_free(Classifier *m);
/* Weights U[-0.1, 0.1] (embedding U[-0.25, 0.25], Kim's range for unknown
 * words), biases 0, <pad> row 0. */
void cls_init(Classifier *m, Rng *rng);
void cls_acts_build(ClsActs *a, const Classifier *m, int B, int T, uint64_t seed);
void cls_acts_free(ClsActs *a);

/* ids (B,T) laid out as above, lens (B), labels (B) or NULL. Returns the mean
 * cross-entropy (0 without labels); predictions via cls_predict. */
double cls_forward(Classifier *m, ClsActs *a, const int *ids, const int *lens, const int *labels,
                   int B, int T, int train);
void cls_backward(Classifier *m, ClsActs *a);
/* After an optimizer step: <pad> row back to zero, max-norm on the softmax rows. */
void cls_after_step(Classifier *m);
/* argmax of the last forward's logits, for each of its B sentences */
void cls_predict(const Classifier *m, const ClsActs *a, int *pred);

/* ------------------------------------------------------------ data and training */

typedef struct {
    int n, cap;        /* sentences */
    int *start, *len;  /* (n) offsets into ids and lengths */
    int *ids;          /* every sentence's word ids, one after another */
    size_t nids, capids;
    int *label;        /* (n) in [0, NC) */
} ClsSet;

/* Add one whitespace-tokenised sentence (cut to maxlen >= 1 words; unknown
 * words become <unk>). An empty sentence is skipped; returns 1 if added. */
int clsset_add(ClsSet *s, const Vocab *v, const char *line, int label, int maxlen);
void clsset_free(ClsSet *s);
/* The baseline: the accuracy on test of always answering train's most
 * frequent class. */
double cls_majority_accuracy(const ClsSet *train, const ClsSet *test, int NC);
/* Dies unless each of the NC classes has at least one sentence in s. */
void clsset_check_classes(const ClsSet *s, int NC, const char *what);

/* words.SPLIT.txt with labels.SPLIT.tsv, one verse per line, v built beforehand. */
void cls_load_bible(ClsSet *s, const Vocab *v, const char *words_path, const char *labels_path, int maxlen);
/* The Bible task from the data cache: the vocabulary (training words seen at
 * least twice), the training and the test verses (at most maxlen words).
 * Returns NULL, loading nothing, when the Bible data is absent (make data). */
Vocab *cls_load_bible_task(ClsSet *train, ClsSet *test, int maxlen);
/* MR (Pang & Lee 2005): positive = 1, negative = 0, classes interleaved;
 * builds the vocabulary over both files, as Kim. */
void cls_load_mr(ClsSet *s, Vocab **v, const char *pos, const char *neg, int maxlen);
/* Files of "LABEL word word ..." lines (SST's stsa.binary.*: LABEL 0 or 1),
 * LABEL an integer in [0, NC). Builds the vocabulary over all nfiles files, as
 * Kim, then loads file i into sets[i]. Dies on a bad label, a line with a
 * label but no words, or a file without sentences (path:line). */
/* One such file with an existing vocabulary (unknown words become <unk>). */
void cls_load_labelled_file(ClsSet *s, const Vocab *v, const char *path, int NC, int maxlen);
void cls_load_labelled(ClsSet *sets, Vocab **v, const char *const *paths, int nfiles, int NC, int maxlen);
/* The sentences of s whose fold is (keep=1) or is not (keep=0) k, sharing
 * s's ids: free with clsset_view_free. */
void clsset_subset(ClsSet *out, const ClsSet *s, const int *fold, int k, int keep);
void clsset_view_free(ClsSet *s);

typedef struct {
    ClsConfig model;
    int batch, epochs;
    float lr;
    unsigned long seed;
    int quiet;
    const char *save_dir;     /* if set: the chosen epoch's model goes to DIR/model.ckpt */
    const Vocab *save_vocab;  /* ... with this vocabulary, as DIR/vocab.txt */
} ClsTrainOptions;

typedef struct {
    double test_acc;   /* test accuracy after the chosen epoch */
    double dev_acc;    /* dev accuracy of that epoch (NAN without a dev set) */
    int epoch;         /* 1-based: the best dev epoch, or the last one without a dev set */
} ClsScore;

/* Train on train and score on test. With a dev set, every epoch is scored on
 * dev and the test accuracy of the best dev epoch is kept (early stopping by
 * dev accuracy, as Kim); dev NULL: the last epoch's. init_emb (V,E) holds the
 * pretrained rows for static and non-static embeddings (NULL for rand). */
ClsScore cls_train_eval(const ClsTrainOptions *o, const ClsSet *train, const ClsSet *dev,
                        const ClsSet *test, const float *init_emb);

/* Fraction of s classified correctly (a's capacity must fit s's sentences). */
double cls_accuracy(Classifier *m, ClsActs *a, const ClsSet *s);

/* A trained classifier as DIR/model.ckpt (stage "rnn-classify", atomic) and
 * DIR/vocab.txt; cls_load rebuilds it and dies on a missing, corrupted or
 * foreign file. */
void cls_save(const Classifier *m, const Vocab *v, const char *dir);
void cls_load(Classifier *m, Vocab **v, const char *dir);

/* ------------------------------------------------------------ pretrained rows */

/* Pretrained vectors from src: a word2vec-format file (vectors.h, text or
 * binary: ours, Google News, fastText's .vec) or, when src is a directory, a
 * word-level `rnn lm-train` run, whose input embedding is used. Dies with a
 * clear message when src is neither. */
Vectors *cls_vectors_load(const char *src);

/* Kim's recipe for the table (V,E): a word of v found in vec takes its
 * vector; the others (and <unk>) start from U[-a, a], a = sqrt(3 s2) where s2
 * is the variance of all of vec's values, so unknown words look like known
 * ones (U[-a, a] has variance a^2/3); <pad> is zero. Dies when vec's
 * dimension is not E. Returns how many words of v were found; *a_out gets a
 * when non-NULL. */
int cls_pretrained_rows(float *table, const Vocab *v, int E, const Vectors *vec, const char *src,
                        Rng *rng, float *a_out);

#endif
