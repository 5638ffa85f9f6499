/*
 * s2s_corpus.h -- parallel text for translation (shared by the two translation
 * chapters, seq2seq/ and transformer/): sentence pairs, their
 * normalisation and tokens, vocabularies, and padded batches.
 *
 * A corpus is two line-aligned UTF-8 files (line k of the source translates
 * line k of the target). Loading checks what a silent wrong answer would
 * hide: the two files must have the same number of lines, no line may be
 * empty (after normalisation), and both must be valid UTF-8; each error
 * names the file and line, and the caller exits 1.
 *
 * Normalisation (S2S_WORDS): split into words and punctuation the way the
 * Multi30k tutorials' tokenizer (spaCy's English and German rules) does, each
 * token lower-cased (Unicode, common/unicode_lower.h), joined by single
 * spaces: "Männer." -> "männer .", "Don't" -> "do n't", "T-shirt" -> "t - shirt"
 * in English (German keeps "t-shirt"), "3.5" stays whole. The rules differ a
 * little by language (S2sLang); a file's language is its extension (.de, .es,
 * anything else English). Leading and trailing whitespace is dropped.
 * S2S_CHARS keeps the text as it is and makes each code point a token. The
 * normalised text is what BLEU scores.
 *
 * Ids are those of common/text.h's Vocab (VOCAB_UNK, VOCAB_BOS, VOCAB_EOS,
 * VOCAB_PAD then the tokens), built on the training side only.
 */
#ifndef NLP_S2S_CORPUS_H
#define NLP_S2S_CORPUS_H

#include <stddef.h>
#include <stdio.h>

#include "rng.h"
#include "text.h"

typedef enum { S2S_WORDS, S2S_CHARS } S2sTokens;

/* Whose tokenizer rules: English (clitics "n't" "'s" "'re" split off, hyphens
 * between letters split), German (hyphens kept, "1." an ordinal kept whole),
 * Spanish (the English punctuation rules without the clitics; ¿ ¡ split off). */
typedef enum { S2S_LANG_EN, S2S_LANG_DE, S2S_LANG_ES, S2S_NLANG } S2sLang;

/* Sentence pairs: the normalised text and (once encoded) the ids, without BOS/EOS.
 * Zero-initialise (S2sPairs p = {0}) before the first s2s_pairs_add. */
typedef struct {
    int n;
    char **src_text, **tgt_text;   /* (n) normalised lines, NUL-terminated */
    int **src, **tgt;              /* (n) ids, or NULL until s2s_pairs_encode */
    int *src_len, *tgt_len;        /* (n) number of ids */
    S2sTokens kind;                /* how the text splits into tokens (set by load/add) */
    int cap;                       /* allocated length of the arrays */
} S2sPairs;

/* The normalised form of one line (malloc'd); S2S_CHARS returns a copy.
 * s2s_normalise uses the English rules. */
char *s2s_normalise(const char *line, size_t len, S2sTokens kind);
char *s2s_normalise_lang(const char *line, size_t len, S2sTokens kind, S2sLang lang);
/* The language of a corpus file by its extension: ".de", ".es", else English. */
S2sLang s2s_lang_of_path(const char *path);
/* Tokens in a normalised text: words (S2S_WORDS) or code points (S2S_CHARS). */
int s2s_count_tokens(const char *text, S2sTokens kind);

/* Load two line-aligned files (appending to p, zero-initialised or loaded
 * before with the same kind). Returns 0, or -1 with err filled
 * ("FILE:LINE: what is wrong") and p unchanged. */
int s2s_pairs_load(S2sPairs *p, const char *src_path, const char *tgt_path, S2sTokens kind,
                   char *err, size_t errlen);
/* Pairs from memory (the built-in tasks), already normalised or raw per kind. */
void s2s_pairs_add(S2sPairs *p, const char *src, const char *tgt, S2sTokens kind);
void s2s_pairs_free(S2sPairs *p);
/* Keep only the pairs whose both sides have at most max_words tokens (text
 * tokens, or ids once encoded); the order of those kept is unchanged. */
void s2s_pairs_filter_len(S2sPairs *p, int max_words);

/* A vocabulary of one side's training text (side 0 source, 1 target, 2 both:
 * one joint vocabulary, for a model that shares its embeddings): the
 * specials, then the tokens seen >= min_count times; max_size as vocab_prune. */
Vocab *s2s_vocab_build(const S2sPairs *p, int side, S2sTokens kind, int min_count, int max_size);
/* Encode both sides (unknown tokens -> VOCAB_UNK); again replaces the ids. */
void s2s_pairs_encode(S2sPairs *p, const Vocab *src_v, const Vocab *tgt_v);
/* Ids -> text: tokens joined by spaces (S2S_WORDS) or concatenated (S2S_CHARS).
 * BOS, EOS and PAD are left out; VOCAB_UNK shows as "<unk>". */
char *s2s_detokenize(const Vocab *v, const int *ids, int n, S2sTokens kind);

/* What the translation commands (translate, attention) share. */
/* One sentence of text -> ids with a model's source vocabulary (normalised
 * as its corpus was); *n gets the count. NULL when the sentence has no token
 * (an empty or blank line): the caller says where it came from. */
int *s2s_encode_sentence(const Vocab *v, S2sTokens kind, const char *line, int *n);
/* The next line of f without its newline (into *buf, grown by getline); NULL at the end. */
char *s2s_read_line(FILE *f, char **buf, size_t *cap);
/* The tokens of ids as heat-map labels, one malloc'd string each (a char
 * vocabulary's space shows as '_'), and "</s>" after them when eos is 1. */
char **s2s_token_labels(const Vocab *v, const int *ids, int n, int eos);
void s2s_labels_free(char **labels, int n);

/*
 * Padded batches, time-major. The pairs are sorted into buckets of similar
 * source length (shuffled within and between buckets each epoch when an Rng
 * is given), so a batch carries little padding.
 *     src     (S,B) ids, VOCAB_PAD after each sentence's src_len
 *     tgt_in  (T,B) BOS y_1 .. y_m, then VOCAB_PAD
 *     tgt_out (T,B) y_1 .. y_m EOS, then VOCAB_PAD      (T = longest m + 1)
 *     index   (B)   which pair each column is
 */
typedef struct {
    int S, T, B;
    int *src, *src_len, *tgt_in, *tgt_out, *index;
} S2sBatch;

typedef struct {
    int nbatches;
    S2sBatch *batch;
    int max_S, max_T, max_B;   /* the largest shapes, to size activations once */
    /* kept for s2s_batches_shuffle */
    int batch_size, max_len;
    int *order;                /* (n pairs) the pairs in batch order */
    int *scratch;              /* the shuffle's work space, sized once */
    int *pool;                 /* every batch's arrays, back to back */
    size_t pool_len, pool_cap; /* ints used, allocated */
} S2sBatches;

/* Cut p (encoded) into batches of at most batch_size pairs; rng NULL keeps
 * the corpus order (evaluation), else shuffles. src/tgt longer than max_len
 * ids are truncated (0: no limit). Every pair is in exactly one batch. All
 * arrays live in one pool allocated here. */
void s2s_batches_make(S2sBatches *bs, const S2sPairs *p, int batch_size, int max_len, Rng *rng);
/* A new epoch's order: re-bucket and reshuffle the same pairs (p unchanged
 * since make) into the same pool; it grows only if this epoch's batches need
 * more padding than any before, so at most at an epoch's start and never
 * inside a training step. max_S/max_T/max_B bound every epoch's shapes. */
void s2s_batches_shuffle(S2sBatches *bs, const S2sPairs *p, Rng *rng);
void s2s_batches_free(S2sBatches *bs);

#endif
