/*
 * elmo_probe.h -- what a biLM's layers know about syntax, measured the way
 * Peters et al. (2018, sec. 5.3) did: a linear probe (probe.h) predicts each
 * token's part-of-speech tag from frozen vectors, trained on the tagged
 * corpus's training sentences and scored on its held-out ones (tagged.h).
 *
 * The representations, each probed on its own:
 *   static   word2vec's skip-gram vectors of the same training text: one
 *            vector per word, whatever its context
 *   layer 0  the biLM's token embeddings [x_fwd ; x_bwd]: static too
 *   layer l  the biLM's l-th LSTM layer [h_fwd ; h_bwd]: contextual
 *   mix      ELMo's learned scalar mix of layers 0..L (eq. 1)
 * and, with no vectors at all, each word's most frequent tag among the
 * probes' training tokens (the same labels the probes learn from).
 *
 * Two scores each: accuracy over every held-out token, and over the tokens
 * of ambiguous words only (words seen with more than one tag in the training
 * part). A static vector can at best give each word one tag, so on the
 * ambiguous words only context can lift a probe above the most-frequent-tag
 * line. Peters et al.'s anchor: 97.3% on the Penn Treebank from their first
 * biLSTM layer, 96.8% from the second (Table 6).
 */
#ifndef RNN_ELMO_PROBE_H
#define RNN_ELMO_PROBE_H

#include "rnn/lm.h"
#include "rnn/lm_train.h"
#include "rnn/probe.h"
#include "rnn/tagged.h"
#include "text.h"
#include "vectors.h"

#define ELMO_PROBE_MAX_ROWS (RNN_LM_MAX_LAYERS + 4)

typedef struct {
    char name[16];          /* "mft", "static", "layer0".., "mix" */
    double acc, acc_ambiguous;
} ElmoProbeRow;

typedef struct {
    long probe_tokens;      /* probe training tokens: whole sentences spread over the training part */
    long test_tokens;       /* held-out tokens scored, spread likewise (0: all) */
    RnnProbeConfig probe;
    const Vectors *stat;    /* word2vec's vectors for the static row, or NULL for none */
} ElmoProbeOptions;

/* One corpus's probes: the table, and what the "flies" demo reuses. */
typedef struct {
    int n_rows;
    ElmoProbeRow row[ELMO_PROBE_MAX_ROWS];
    long test_tokens, test_ambiguous;
    int L, F;                           /* biLM layers; feature matrices (static? + L + 1) */
    int width[RNN_LM_MAX_LAYERS + 2];   /* (F) columns of each */
    float *mean[RNN_LM_MAX_LAYERS + 2], *sd[RNN_LM_MAX_LAYERS + 2];   /* (F) standardisation */
    RnnProbe probe[RNN_LM_MAX_LAYERS + 3];   /* one per feature matrix, then the mix */
    float *test_feat[RNN_LM_MAX_LAYERS + 2]; /* (F) held-out features, standardised */
    long *test_tok;                     /* (test tokens) each one's index in the held-out split */
} ElmoProbeRun;

/* Train the biLM: the forward LSTM LM on the training sentences, the
 * backward one on the same stream reversed, each with o (o->out is ignored:
 * they go to out/fwd and out/bwd); the held-out sentences are their
 * validation text. valid_loss[2] gets each one's held-out loss (nats/token). */
void rnn_elmo_train_bilm(RnnLm *fwd, RnnLm *bwd, double *valid_loss, const TaggedCorpus *c, Vocab *v,
                         const RnnLmTrainOptions *o, const char *out);

/* Every probe of the table on corpus c and the biLM (fwd, bwd, vocabulary v). */
void rnn_elmo_probe_run(ElmoProbeRun *r, const TaggedCorpus *c, RnnLm *fwd, RnnLm *bwd, const Vocab *v,
                        const ElmoProbeOptions *o);
void rnn_elmo_probe_free(ElmoProbeRun *r);
/* The row named name, or NULL. */
const ElmoProbeRow *rnn_elmo_probe_row(const ElmoProbeRun *r, const char *name);

#endif
