/*
 * s2s_tasks.h -- the translation tasks both translation chapters train and
 * score on (seq2seq/'s RNNs and transformer/'s Transformer), so the two are
 * compared on exactly the same pairs, tokens, vocabularies and BLEU.
 *
 * Tasks (each a set of train/valid/test sentence pairs, s2s_corpus.h):
 *   dates     built in: synthetic dates in many human formats -> ISO
 *             (s2s_dates.h), characters
 *   multi30k  German -> English image captions (Elliott et al. 2016), task 1:
 *             29,000 / 1,014 / 1,000 (test2016), words, lower-cased
 *   bible     King James -> Reina-Valera 1909 verses (`make data`), words
 *   files     any line-aligned files given with --train-src/--train-tgt ...
 *
 * BLEU here is corpus BLEU over the normalised (tokenised, lower-cased)
 * words: sacreBLEU's computation with tokenisation "none" and no smoothing,
 * hypotheses with their <unk> tokens as they come out -- the PyTorch
 * tutorials' torchtext bleu_score. Character tasks (dates) are scored over
 * characters.
 */
#ifndef NLP_S2S_TASKS_H
#define NLP_S2S_TASKS_H

#include "s2s_corpus.h"

typedef enum { S2S_TASK_DATES, S2S_TASK_MULTI30K, S2S_TASK_BIBLE, S2S_TASK_FILES } S2sTask;

/* The dates' split sizes unless a run asks otherwise. */
#define S2S_DATES_TRAIN_PAIRS 10000
#define S2S_DATES_EVAL_PAIRS 1000

typedef struct {
    S2sTask task;
    const char *files[3][2];       /* S2S_TASK_FILES: train, valid, test x src, tgt */
    int dates_train, dates_eval;   /* pairs generated for dates */
    int train_max_words;           /* keep training pairs of at most this many words (0: all) */
    int min_count, max_vocab;      /* vocabulary: tokens seen >= min_count, at most max_vocab */
    int joint_vocab;               /* 1: one vocabulary over both sides, as src_v and tgt_v alike */
} S2sTaskOptions;

typedef struct {
    S2sPairs split[3];             /* train, valid, test (SPLIT_TRAIN ...) */
    Vocab *src_v, *tgt_v;
    S2sTokens tokens;
    const char *name;
} S2sData;

const char *s2s_task_name(S2sTask t);
int s2s_task_parse(const char *s, S2sTask *t);
/* Load (or generate) the task's three splits; with vocabularies NULL they
 * are built on train, else used as given (a trained model's). Dies with a
 * clear message when a dataset is missing or malformed. The seed draws the
 * dates' training pairs only: their validation and test pairs are the same
 * for every seed, and no training input is one of theirs. */
void s2s_data_load(S2sData *d, const S2sTaskOptions *o, Vocab *src_v, Vocab *tgt_v, unsigned long long seed);
void s2s_data_free(S2sData *d);

/* Scores of a model's outputs on a set of pairs. */
typedef struct {
    double loss, ppl;              /* teacher-forced, per target token (EOS included) */
    long tokens;
    double bleu;                   /* corpus BLEU of the decoded outputs, 0..100 */
    double exact;                  /* fraction of outputs equal to their reference */
    double secs;                   /* decoding time */
} S2sScores;

/* bleu and exact of the n outputs hyps[i] (normalised text, as
 * s2s_detokenize writes it) against the references p->tgt_text[0 .. n). */
void s2s_score_outputs(const char *const *hyps, const S2sPairs *p, int n, S2sTokens tokens, S2sScores *sc);
/* The RESULT line of a trained model's test scores, the same fields in both
 * translation chapters: greedy scores, then beam K's (greedy again when
 * K = 1), test loss and perplexity over `tokens` target tokens. */
void s2s_result_test(const char *stage, const char *model, const S2sData *d, long tokens, double loss,
                     const S2sScores *greedy, int K, const S2sScores *beam, size_t params, double train_s);
/* A translation model's folder holds its two vocabularies beside its
 * checkpoint: DIR/src_vocab.txt and DIR/tgt_vocab.txt. Loading dies with a
 * clear message when one is missing or malformed, or when its size is not
 * the src_V / tgt_V of the checkpoint ckpt (named in the message). */
void s2s_vocabs_save(const char *dir, const Vocab *src_v, const Vocab *tgt_v);
void s2s_vocabs_load(const char *dir, int src_V, int tgt_V, const char *ckpt, Vocab **src_v, Vocab **tgt_v);
/* The longest source among the first n pairs (at least 1). */
int s2s_longest_source(const S2sPairs *p, int n);

#endif
