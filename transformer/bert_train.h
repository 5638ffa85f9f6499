/*
 * bert_train.h -- what is done with a BERT (bert.h): pretraining with the
 * masked LM (and next-sentence prediction), fine-tuning a classifier on
 * [CLS] (Devlin et al. 2018, sec. 4.1), and classifying with a cloze prompt,
 * zero-shot or prompt-fine-tuned (LM-BFF: Gao et al. 2021).
 *
 * Prompts. A sentence x becomes the template's text, "x it was [MASK] .",
 * and each class k has a label word w_k (" terrible", " great"), one BPE
 * token each. The class scores are the MLM logits of the label words at the
 * mask, and P(k | x) = softmax over the label words only (LM-BFF eq. 2);
 * zero-shot takes the argmax with the pretrained weights, prompt-based
 * fine-tuning trains the whole model with that cross-entropy. So the
 * classifier starts from the pretrained MLM head instead of a new layer.
 *
 * Schedules: AdamW (weight decay 0.01, not on biases and LayerNorm gains),
 * linear warmup over the first warmup fraction of the steps, then linear
 * decay to zero (BERT, appendix A.2), global-norm clipping at 1.
 */
#ifndef TRANSFORMER_BERT_TRAIN_H
#define TRANSFORMER_BERT_TRAIN_H

#include "dataset.h"
#include "transformer/bert.h"
#include "transformer/bert_data.h"

/* ------------------------------------------------------------ pretraining */

typedef struct {
    int batch, T;          /* inputs a step, positions an input */
    long steps;
    float lr, warmup, weight_decay, grad_clip;
    float mask_p;          /* 0.15 */
    int nsp;               /* 1: [CLS] A [SEP] B [SEP] with the NSP loss */
    long log_every;        /* steps between metrics rows */
    unsigned long long seed;
    int quiet;
} BertPretrainConfig;

typedef struct {
    double mlm_loss, mlm_acc, nsp_acc;   /* means over the last logging window */
    long tokens;                          /* input positions seen (padding excluded) */
    double seconds;
} BertPretrainStats;

/* Pretrain m (initialised) on c; metrics.tsv rows (step tokens mlm_loss
 * mlm_acc nsp_loss nsp_acc lr tok_per_s elapsed_s) go to run_dir when not NULL. */
void bert_pretrain(Bert *m, const BertTok *t, const BertCorpus *c, const BertPretrainConfig *pc,
                   const char *run_dir, BertPretrainStats *out);

/* ------------------------------------------------------------ fine-tuning */

typedef struct {
    int batch;
    long steps;            /* 0: epochs passes over the training set */
    int epochs;
    float lr, warmup, weight_decay, grad_clip;
    long eval_every;       /* steps between dev checks; the best is kept (0: keep the last) */
    unsigned long long seed;
    int quiet;
} BertFinetuneConfig;

/* A classifier: a new linear layer on the pooled [CLS] state (sec. 4.1), or
 * the MLM head's logits of label words at the [MASK] (prompt). */
typedef struct {
    int K;
    int prompt;            /* 1: label words at the mask; 0: a linear layer on [CLS] */
    int label_tok[8];      /* prompt: the label word of each class */
    ParamTable pt;         /* linear: cls.w (K,C), cls.b (K); prompt: empty */
    float *w, *b;
} BertClassifier;

void bert_classifier_linear(BertClassifier *h, int K, int C, unsigned long long seed);
void bert_classifier_prompt(BertClassifier *h, int K, const int *label_tok);
void bert_classifier_free(BertClassifier *h);

/* Fine-tune m and h on train (sequences without [CLS]/[SEP]: they are added
 * here; a prompt's sequences hold one [MASK]); dev (or NULL) selects the
 * step kept. Returns the dev accuracy of the model kept (or -1 without dev). */
double bert_finetune(Bert *m, BertClassifier *h, const BertFinetuneConfig *fc, const LabelledSet *train,
                     const LabelledSet *dev);
/* Accuracy of m + h on d (no dropout). */
double bert_accuracy(Bert *m, BertClassifier *h, const LabelledSet *d, int batch);

/* Encoders of labelled text for prompts: each text x goes through
 * templ ("%s it was [MASK] .") before tokenising. */
typedef struct {
    BertTok *tok;
    const char *templ;
} BertTemplate;
LsetEncoder bert_template_lset(const BertTemplate *tp);

/* ------------------------------------------------------------ inspection */

/* The contextual vectors of text's tokens after the last layer: *n tokens
 * (no [CLS]/[SEP]), ids in *ids_out when not NULL; malloc'd (n, C). */
float *bert_embed(Bert *m, BertTok *t, const char *text, int *n, int **ids_out);
/* The k best guesses (ids, probabilities) for each [MASK] of text; returns
 * the number of masks (at most maxm), guesses in ids/probs (maxm, k). */
int bert_fill_masks(Bert *m, BertTok *t, const char *text, int k, int maxm, int *ids, float *probs);

#endif
