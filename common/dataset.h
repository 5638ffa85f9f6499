/*
 * dataset.h -- labelled examples: token sequences with a label, as every
 * supervised task of the course holds them.
 *
 * An example is nfields token sequences and one label:
 *     classification   1 field  (a sentence)             label = its class
 *     translation      2 fields (source, target)         label = -1
 *     preferences      1 + k fields (a prompt, then k     label = -1
 *                      responses, best first)
 * All the ids sit in one array; example i's field f is
 *     ids[start[i*nfields + f] .. + len[i*nfields + f])
 * so a subset (a cross-validation fold, a shuffled batch) is a view that
 * shares the ids of the set it was taken from.
 *
 *     LabelledSet s;
 *     lset_init(&s, 1);
 *     lset_load_labelled_file(&s, "data/cache/sst/stsa.binary.train", 2, lset_words(v), 0);
 *     size_t len; const int *ids = lset_seq(&s, 0, 0, &len);
 *     lset_free(&s);
 *
 * Text becomes ids through an encoder (a function and its context), so the
 * same loaders serve word vocabularies (text.h), characters and GPT-2's BPE.
 *
 * The files: "LABEL text" lines, LABEL an integer in [0, nclasses) followed
 * by a space or a tab (SST's stsa.binary.*: "1 a gorgeous film"); the Bible's
 * verse files with their labels.SPLIT.tsv (scripts/bible.sh), a verse's class
 * the division of the Bible its book belongs to (text.h's bible_division);
 * and a class per file, one text per line (MR's positive and negative files).
 * Loaders die with "path:line: what is wrong".
 */
#ifndef NLP_DATASET_H
#define NLP_DATASET_H

#include <stddef.h>

#include "rng.h"
#include "text.h"

typedef struct {
    int n, cap;          /* examples, allocated examples */
    int nfields;         /* token sequences per example */
    size_t *start;       /* (n * nfields) where each sequence starts in ids */
    int *len;            /* (n * nfields) its length */
    int *label;          /* (n) class, or -1 */
    int *ids;            /* every sequence's ids */
    size_t nids, capids;
    int is_view;         /* 1: ids belong to another set (lset_subset) */
} LabelledSet;

/* Text -> ids: writes at most cap ids to out, returns how many the whole text makes
 * (vocab_encode's contract, so a first call with cap 0 sizes the buffer). */
typedef struct {
    size_t (*encode)(const void *ctx, const char *text, size_t len, int *out, size_t cap);
    const void *ctx;
} LsetEncoder;

/* Whitespace-separated words of v (unknown ones <unk>). */
LsetEncoder lset_words(const Vocab *v);

void lset_init(LabelledSet *s, int nfields);
void lset_free(LabelledSet *s);
/* Keep only the first n examples (all when n >= s->n): the few-label runs. */
void lset_truncate(LabelledSet *s, int n);
/* Append an example: seqs[f] (lens[f] ids) for each field, and its label. */
void lset_add(LabelledSet *s, int label, const int *const *seqs, const int *lens);
/* Append the one-field example of text, cut to maxlen ids (0: no limit).
 * A text of no ids is not added; returns 1 when the example was added. */
int lset_add_text(LabelledSet *s, int label, const char *text, LsetEncoder enc, int maxlen);
/* Field f of example i: its ids, and *len of them. */
const int *lset_seq(const LabelledSet *s, int i, int f, int *len);

/* A view of the examples of s whose fold is k (keep = 1) or is not (keep = 0):
 * k-fold cross-validation without copying ids. Free it with lset_free. */
void lset_subset(LabelledSet *out, const LabelledSet *s, const int *fold, int k, int keep);

/* fold[i] in [0, k) for each of n examples: a seeded shuffle dealt round
 * the k folds, so they differ in size by at most one (for lset_subset). */
void lset_assign_folds(int *fold, int n, int k, Rng *r);

/* The accuracy on test of always answering train's most frequent class. */
double lset_majority_accuracy(const LabelledSet *train, const LabelledSet *test, int nclasses);
/* Dies unless every label is in [0, nclasses) and every class has an example. */
void lset_check_classes(const LabelledSet *s, int nclasses, const char *what);

/* "LABEL text": the label (an integer in [0, nclasses) followed by a space, a
 * tab or the end), with *text pointing after it; -1 when the line has none. */
int lset_parse_label(const char *line, int nclasses, const char **text);
/* Every line of a "LABEL text" file; dies on a bad label, a label without
 * text, or a file without examples. */
void lset_load_labelled_file(LabelledSet *s, const char *path, int nclasses, LsetEncoder enc, int maxlen);
/* The Bible task: line i of text_path (a verse) with the division named by
 * line i of labels_path. max > 0 keeps max verses spread evenly over the
 * file (the verses are in book order, so the first max would be Genesis). */
void lset_load_bible(LabelledSet *s, const char *text_path, const char *labels_path, LsetEncoder enc,
                     int maxlen, int max);
/* Two files of one text per line, one per class (MR's rt-polarity.pos and
 * .neg, Pang & Lee 2005; Kim's Subj, CR, MPQA): pos_path's lines get label 1,
 * neg_path's label 0. The classes are interleaved (pos 1, neg 1, pos 2, ...),
 * so folds by index are balanced; empty lines are skipped. */
void lset_load_polarity(LabelledSet *s, const char *pos_path, const char *neg_path, LsetEncoder enc, int maxlen);

#endif
