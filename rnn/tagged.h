/*
 * tagged.h -- a part-of-speech tagged corpus, split into training and
 * held-out sentences: the Brown corpus (Francis & Kucera 1964/1979) as NLTK
 * distributes it, the labels of the ELMo probe (elmo_probe.h).
 *
 * The format is Brown's: one sentence a line of "word/tag" tokens separated
 * by white space, the tag after the last '/' ("1/2/cd" is the word "1/2"),
 * blank lines ignored, e.g.
 *     The/at jury/nn further/rbr said/vbd in/in term-end/nn presentments/nns ./.
 * The file is such a text, or NLTK's brown.zip, whose 500 files ca01..cr09
 * are read through `unzip -p` in their order.
 *
 * Words are lower-cased, as the biLM and word2vec read them. Tags are
 * Brown's, lower-cased, less the suffixes that say where a word stands rather
 * than what it is: -tl (in a title), -hl (in a headline), -nc (cited); every
 * foreign word (fw-...) is one tag, fw. So nn-tl -> nn, np$-tl -> np$,
 * fw-in-tl -> fw; contractions (ppss+md "I'll") and negations (md* "can't")
 * stay. The Brown corpus then has 182 tags, most of the rarest contractions,
 * and keeps the finer distinctions that context decides (vbd past tense vs
 * vbn participle, cs subordinator vs dt determiner "that"). Brown's tags
 * rather than a coarse universal set: they are closest to the Penn Treebank's
 * 45 that Peters et al. probed, and the tag set is the corpus's own.
 *
 * Split: sentence i (from 0, in file order) is held out when
 * i % heldout_every == heldout_every - 1, so every genre is on both sides.
 */
#ifndef RNN_TAGGED_H
#define RNN_TAGGED_H

#include <stddef.h>

#include "strmap.h"

enum { TAGGED_TRAIN = 0, TAGGED_HELDOUT = 1 };

typedef struct {
    char *text;        /* one sentence a line, its lower-cased words joined by single spaces */
    size_t len;        /* bytes of text */
    int n_sent;
    long n_tok;
    long *sent_start;  /* (n_sent + 1) index of each sentence's first token; [n_sent] = n_tok */
    int *tag;          /* (n_tok) tag id (TaggedCorpus.tags) */
    int *word;         /* (n_tok) word-form id (TaggedCorpus.words) */
} TaggedSplit;

typedef struct {
    TaggedSplit split[2];    /* TAGGED_TRAIN, TAGGED_HELDOUT */
    StrMap tags;             /* tag -> id */
    StrMap words;            /* lower-cased word -> id, over both splits */
} TaggedCorpus;

/* Read path (a text or a .zip, above). 0 on success; -1 with a message in err
 * (unreadable, not text, a token without a word or a tag, an empty split). */
int rnn_tagged_read(TaggedCorpus *c, const char *path, int heldout_every, char *err, size_t errlen);
/* The same from sentences already in memory (the tests' synthetic language). */
int rnn_tagged_parse(TaggedCorpus *c, const char *text, size_t len, int heldout_every, char *err, size_t errlen);
void rnn_tagged_free(TaggedCorpus *c);

/* Simplify one Brown tag in place (the rules above). */
void rnn_tagged_simplify(char *tag);
/* The name of tag id into buf (NUL-terminated); returns buf. */
const char *rnn_tagged_tag_name(const TaggedCorpus *c, int id, char *buf, size_t n);

#endif
