/*
 * bert_data.h -- what BERT reads: the subword vocabulary, the pretraining
 * corpus, sentence pairs and the masking of sec. 3.1 (Devlin et al. 2018).
 *
 * Vocabulary. Byte-level BPE as RoBERTa's (Liu et al. 2019, sec. 4.4; bpe.h)
 * trained on the pretraining text, lowercased first (an uncased model, as
 * BERT-Tiny: SST and PTB are lowercase already), plus the four specials
 * [PAD] [CLS] [SEP] [MASK] after the BPE ids (bert.h). A text's literal
 * "[MASK]" becomes the mask id, taking the space before it along, since a
 * word token carries its leading space (" great"):
 *     "it was [MASK] ."  ->  "it" " was" [MASK] " ."
 *
 * Corpus (bert_corpus_default): the Bible's training verses, the Brown
 * corpus with its tags stripped, PTB's training text and the TRAINING
 * sentences of SST-2 as unlabelled text -- never a dev or test sentence.
 * MR is left out: its sentences are the same Rotten Tomatoes snippets SST was
 * built from, so they include SST's dev and test sentences. One sentence per
 * line, each source one document.
 *
 * An input (sec. 3, "Input/Output Representations"), at most T tokens:
 *     nsp 0:  [CLS] s_i s_i+1 ... [SEP]                     consecutive sentences, segment 0
 *     nsp 1:  [CLS] A [SEP] B [SEP]                         A segment 0, B segment 1;
 *             B the sentences after A (label 1, IsNext) or from a random
 *             place (label 0, NotNext), each half of the time
 *
 * Masking (sec. 3.1 and appendix A.1): round(15%) of the non-special tokens
 * (at least one) are chosen, as create_pretraining_data.py chooses them; a
 * chosen token becomes [MASK] 80% of the time, a random BPE token 10%, and
 * stays itself 10%; the model must predict every chosen token's original.
 * [CLS], [SEP] and [PAD] are never chosen.
 */
#ifndef TRANSFORMER_BERT_DATA_H
#define TRANSFORMER_BERT_DATA_H

#include <stddef.h>

#include "bpe.h"
#include "dataset.h"
#include "rng.h"

#define BERT_N_SPECIAL 4

/* ------------------------------------------------------------ tokenizer */

typedef struct {
    Bpe *bpe;
    int n_bpe;                 /* BPE tokens: ids [0, n_bpe) */
    int pad, cls, sep, mask;   /* n_bpe, n_bpe+1, n_bpe+2, n_bpe+3 */
    int V;                     /* n_bpe + 4 */
} BertTok;

/* A tokenizer of vocab_size BPE tokens (bytes + merges + <|endoftext|>)
 * learned on text (lowercased here). */
void bert_tok_train(BertTok *t, const char *text, size_t len, int vocab_size);
/* Around a BPE vocabulary (taken over: bert_tok_free frees it). */
void bert_tok_wrap(BertTok *t, Bpe *bpe);
void bert_tok_free(BertTok *t);
/* Ids of text (lowercased, "[MASK]" -> the mask id); writes at most cap,
 * returns how many the whole text makes (LsetEncoder's contract). */
size_t bert_tok_encode(BertTok *t, const char *text, size_t len, int *out, size_t cap);
/* The encoder of labelled examples (dataset.h) through t. */
LsetEncoder bert_tok_lset(BertTok *t);
/* The single token that the word is (with its leading space, " great"), or -1
 * when BPE cuts it in pieces. */
int bert_tok_single(BertTok *t, const char *word);
/* The text of token id ("[MASK]" and the like for the specials). */
const char *bert_tok_text(const BertTok *t, int id);
int bert_tok_is_special(const BertTok *t, int id);

/* ------------------------------------------------------------ corpus */

typedef struct {
    char *text;      /* the lowercased text, one sentence per line */
    size_t len;
    int *ids;        /* every sentence's ids, back to back */
    size_t nids;
    size_t *start;   /* (n) where sentence i starts in ids */
    int *slen;       /* (n) its length */
    int *doc;        /* (n) its document (a source: the Bible, Brown, ...) */
    int n;
    size_t cap;      /* bytes allocated for text */
    size_t *doc_byte;   /* (ndoc) where each document starts in text */
    int ndoc;
} BertCorpus;

/* The text of the default corpus (see the top), lowercased, one sentence a
 * line; sources: names of "bible brown ptb sst" joined by spaces or commas, or NULL
 * for all. Dies when a source's files are missing (`make data`). */
void bert_corpus_read(BertCorpus *c, const char *sources);
/* A corpus of one text file (any text, one sentence a line, one document). */
void bert_corpus_read_file(BertCorpus *c, const char *path);
/* Cut every line into ids (after the tokenizer is trained on c->text). */
void bert_corpus_encode(BertCorpus *c, BertTok *t);
void bert_corpus_free(BertCorpus *c);

/* ------------------------------------------------------------ batches */

/* One pretraining batch of B inputs of T positions: built by bert_batch_make,
 * read by bert.h's forward and the losses. */
typedef struct {
    int B, T;
    int *ids;      /* (B,T) the input, masked, padded with [PAD] */
    int *seg;      /* (B,T) segment 0 / 1 */
    int *len;      /* (B) real lengths */
    int *orig;     /* (B,T) the input before masking */
    int *rows;     /* (M) flat indices b*T + t of the chosen positions */
    int *target;   /* (M) the original token at each */
    int M;
    int *is_next;  /* (B) NSP label: 1 IsNext, 0 NotNext (nsp 1 only) */
} BertBatch;

void bert_batch_alloc(BertBatch *b, int B, int T);
void bert_batch_free(BertBatch *b);
/* Fill b with B fresh inputs from c (see the top), masked with probability p. */
void bert_batch_make(BertBatch *b, const BertCorpus *c, const BertTok *t, int nsp, float p, Rng *r);

/*
 * Mask one input of n tokens: inp gets the model's input, target the
 * original at each chosen position and -1 elsewhere; returns the number
 * chosen. Specials are never chosen; random replacements are BPE tokens
 * other than <|endoftext|>.
 */
int bert_mask(int *inp, int *target, const int *ids, int n, const BertTok *t, float p, Rng *r);

#endif
