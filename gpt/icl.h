/*
 * icl.h -- in-context learning grown from scratch (Chapter 6, prompting):
 * a family of letter-string tasks, a model trained on sequences of one task
 * each, and the two measurements the chapter reproduces,
 *
 *   GPT-3's Figure 1.2 (Brown et al. 2020): the accuracy on tasks never seen
 *     in training against the number of in-context examples, with and
 *     without a task description, one curve per model size;
 *   induction heads (Olsson et al. 2022): the in-context-learning score
 *     against training step, and each head's prefix-matching score.
 *
 * The task family: letter ciphers, GPT-3's "random letter mapping". An
 * input is one letter of the 16-letter alphabet a..p; a task maps it to one
 * of the capitals A..P:
 *
 *     shift  a Caesar cipher: the letter moves s places on (mod 16): a -> D
 *     map    a substitution cipher: the letter through a random permutation
 *            (a table)
 *
 * One line of text is one task: an optional description (the family's name
 * and a colon), then demonstrations "xY," (input, output, comma) and a
 * newline,
 *
 *     map:kD,oC,pI,eP,kD,bA,
 *     nC,hG,jL,aE,
 *
 * so that reading a cipher off the context is exactly what an induction
 * head does: find the earlier occurrence of the current letter, copy the
 * letter after it. (Capitals keep inputs and outputs apart: an input letter
 * never follows itself as someone's image, so every earlier occurrence of
 * it is followed by its answer.) Training lines have 1..48 demonstrations;
 * map lines are two thirds of them; half the lines are described.
 *
 * Echo lines. Natural text repeats itself (a name, a phrase, a line of
 * code comes back), and Olsson et al. trace induction heads to those
 * repeats. Cipher lines alone have few: a lookup pays off only once a
 * previous-token head and an induction head both exist, and on cipher lines
 * neither helps alone, so training sits on a plateau where the context is
 * no help (1.85 nats per character: inputs and outputs both uniform).
 * So three lines in four of
 * the training stream (ICL_ECHO_FRACTION) are echo lines, a string written
 * twice: two in three a string of 6..16 distinct letters of a..p and A..P,
 * one in three the demonstrations of a cipher over 3..16 distinct inputs
 * (after its description, half the time),
 *
 *     hNcAlphNcAlp
 *     map:dA,kF,bP,dA,kF,bP,
 *
 * In a second copy, copying what followed the last occurrence of the
 * current character pays at every character; the heads that learn it there
 * then read the plain cipher lines too. (`gpt icl-train --echo 0` trains on
 * cipher lines only: the plateau.)
 *
 * Held-out tasks. shift and map have a parameter the model can only read
 * from its context. Training draws shifts other than 3, 7 and 12, and
 * tables with no "successor pair" (no letter mapped to the next one, a->B,
 * b->C, ..., p->A); held-out tasks are the shifts 3, 7 and 12 and tables
 * with at least one successor pair. So a held-out task never occurs
 * in training, by construction -- tests/test_gpt_icl.c checks it again on
 * the generated text -- and there are 16! tables: none can be memorised.
 *
 * Scoring: the prompt is "\n", the description (or not), k demonstrations of
 * a held-out task and a query letter x; the model's greedy completion up to
 * the next ',' must equal y exactly. Chance is 1/16; a model that copies
 * perfectly from its context, and knows nothing else, scores the chance
 * that x is among the k demonstrations' inputs, 1 - (15/16)^k (0.40 at
 * k = 8, 0.87 at k = 32), plus 1/16 of the rest.
 *
 * Positions of the ICL score: Olsson et al. compare the loss at token 500
 * with token 50 of 512; our context is 128, so 125 and 12 (x 1/4), the late
 * one moved to 123 so that the 9 positions around it fit the context.
 */
#ifndef NLP_GPT_ICL_H
#define NLP_GPT_ICL_H

#include <stddef.h>
#include <stdio.h>

#include "gpt/gpt.h"
#include "gpt/train.h"
#include "rng.h"
#include "tokenizer.h"

#define ICL_LETTERS 16        /* the alphabet a..p */
#define ICL_MAX_SHOTS 48      /* demonstrations in one training line: 1..48 */
#define ICL_CONTEXT 128       /* every preset's context: room for 32 shots of 3 characters */
#define ICL_EARLY_POS 12      /* Olsson et al.'s tokens 50 and 500 of 512, scaled to 128 */
#define ICL_LATE_POS 123
#define ICL_SCORE_BAND 4      /* each loss averaged over the 9 positions around it */
#define ICL_SCORE_LINES 96    /* held-out lines per ICL score, always the same ones: */
#define ICL_SCORE_SEED 99
#define ICL_SHOT_COUNTS {0, 1, 2, 4, 8, 16, 32}   /* GPT-3 Fig. 1.2's x axis */
#define ICL_N_SHOT_COUNTS 7
#define ICL_SWEEP_SHOTS 32    /* the most demonstrations a sweep's prompt holds */
#define ICL_ECHO_MIN 6        /* an echo line's string: 6..16 distinct letters */
#define ICL_ECHO_MAX 16
#define ICL_ECHO_CIPHER_MIN 3 /* a cipher echo: 3..16 distinct inputs */
#define ICL_ECHO_FRACTION 0.75   /* the share of echo lines in every preset's training stream */

typedef enum { ICL_SHIFT, ICL_MAP, ICL_FAMILIES } IclFamily;

typedef struct {
    IclFamily family;
    int shift;                          /* ICL_SHIFT: 1..15 */
    unsigned char table[ICL_LETTERS];   /* ICL_MAP: letter i -> table[i] (0..15) */
} IclTask;

/* The description word of a family: "shift", "map". */
const char *icl_family_name(IclFamily f);
/* Is shift s one of the held-out shifts? */
int icl_shift_heldout(int s);
/* Does the table map some letter to the next one (mod 16), i.e. is it held out? */
int icl_table_heldout(const unsigned char *table);
/* A random task: heldout = 0 a training shift (a third) or table; heldout = 1
 * a held-out shift or table (half each). */
void icl_task_draw(IclTask *t, int heldout, Rng *r);
/* The task applied to the letter x ('a'..'p'): a capital 'A'..'P'. */
char icl_apply(const IclTask *t, char x);
/* A random letter of a..p. */
char icl_random_letter(Rng *r);

/* Append one line of t (description when desc, `shots` demonstrations, '\n')
 * to buf at *len (cap bytes, room checked: dies when it would overflow). */
void icl_append_line(char *buf, size_t cap, size_t *len, const IclTask *t, int shots, int desc, Rng *r);
/* Append an echo line and its '\n': two times in three ICL_ECHO_MIN..
 * ICL_ECHO_MAX distinct letters of a..p and A..P, written twice; otherwise
 * a random task (held out or not), its description half the time, and its
 * demonstrations over ICL_ECHO_CIPHER_MIN..16 distinct inputs, written twice. */
void icl_append_echo(char *buf, size_t cap, size_t *len, int heldout, Rng *r);
/* A stream of n_lines lines (malloc'd, NUL-terminated, *len bytes): each an
 * echo line with probability echo, otherwise a random task (held out or
 * not) with 1..ICL_MAX_SHOTS demonstrations, a description on half of them. */
char *icl_corpus(size_t n_lines, int heldout, double echo, unsigned long long seed, size_t *len);
/* The character tokenizer of every ICL model: a..z, A..P, ':', ',', '\n'. */
void icl_tokenizer(Tok *tk);

/* ------------------------------------------------------------ evaluation */

/* One query of a sweep: a held-out task, 32 demonstrations' inputs, a query letter. */
typedef struct {
    IclTask task;
    char demo_x[ICL_SWEEP_SHOTS];
    char query;
} IclQuery;

/* The prompt of q with its first `shots` demonstrations (into buf, NUL-
 * terminated; returns its length); *answer gets the expected letter. */
int icl_prompt(const IclQuery *q, int shots, int desc, char *buf, size_t cap, char *answer);
/* n queries from seed (the same for every model: the sweep compares sizes on
 * the same tasks). cover = 1 draws each query letter from its first four
 * demonstrations' inputs, so four examples hold what is needed (the demo). */
IclQuery *icl_queries(int n, unsigned long long seed, int cover);
/* n queries of held-out shifts (3, 7, 12) whose query letter is none of the
 * first `shots` demonstrations' inputs: copying from the context cannot
 * answer them, only a model that has read the rule (the shift) off its
 * examples can (chance 1/16). */
IclQuery *icl_unseen_shift_queries(int n, int shots, unsigned long long seed);
/* The model's greedy completion of prompt up to ',' or '\n' (two characters
 * at most) into out. Dies when the prompt and an answer do not fit the context. */
void icl_complete(Gpt *m, GptCache *c, Tok *tk, const char *prompt, char *out, size_t cap);
/* Exact-match accuracy over n queries at `shots` demonstrations. */
double icl_accuracy(Gpt *m, Tok *tk, const IclQuery *q, int n, int shots, int desc);

/* Olsson et al.'s in-context-learning score over n held-out lines (seed),
 * each "\n" then 48 demonstrations (no description): the mean loss at position ICL_LATE_POS
 * minus the mean loss at ICL_EARLY_POS (0-based positions, each predicting
 * the next character; both averaged over the ICL_SCORE_BAND positions on
 * either side, as one position per line is too noisy a sample with a few
 * hundred lines); the two means go to *early and *late. Needs a model context of
 * ICL_CONTEXT and room in its activations for (1, ICL_CONTEXT). */
double icl_score(Gpt *m, Tok *tk, int n, unsigned long long seed, double *early, double *late);

/* Prefix matching of one head's attention att (T,T), row = query position,
 * on a sequence whose positions start..start+n-1 are repeated at
 * start+n..start+2n-1: the mean, over the second copy, of the weight each
 * token puts on the token after its earlier occurrence (Olsson et al.). */
double icl_prefix_score(const float *att, int T, int start, int n);
/* Every head's prefix-matching score (L*NH, layer-major) averaged over
 * n_seqs random permutations of the 16 letters, each written twice after a
 * '\n'. att_best, when not NULL, receives the attention (T,T), T = 33, of
 * the best head on the first sequence and *best its index; seq gets that
 * sequence's 33 characters (NUL-terminated, 34 bytes). */
void icl_head_scores(Gpt *m, Tok *tk, int n_seqs, unsigned long long seed, float *scores, float *att_best,
                     int *best, char *seq);

/* ------------------------------------------------------------ training */

/* The recipes of `gpt icl-train`, spanning ~27x in parameters at one data
 * budget, ICL_STEPS steps of 16 x 128 characters, three lines in four echo
 * lines (ICL_ECHO_FRACTION):
 *     small   2 layers, 2 heads, 32 wide      30k parameters
 *     medium  3 layers, 4 heads, 64 wide     157k
 *     large   4 layers, 4 heads, 128 wide    807k
 * Returns 0 for an unknown name. */
int icl_preset(const char *name, GptConfig *model, GptTrainConfig *tc);
#define ICL_PRESETS "small, medium, large"
#define ICL_STEPS 8000

/* Build and initialise an ICL model of cfg's shape (cfg->vocab_size is set
 * to the ICL alphabet's): GPT-2's initialisation, except that the position
 * table starts from Vaswani et al.'s sinusoids (at GPT-2's scale, RMS 0.02)
 * instead of noise, then is learned as usual: a head that attends a fixed
 * number of characters back (the previous-token head an induction head
 * needs) is then a linear function of the table from the start. */
void icl_model_init(Gpt *m, GptConfig *cfg, unsigned long long seed);
/* Train m (built, initialised) on a fresh ICL corpus with a share `echo` of
 * echo lines, logging the ICL score to <out_dir>/icl_score/metrics.tsv at
 * each validation when out_dir is set. */
double icl_train(Gpt *m, GptTrainConfig *tc, double echo);

/* The chapter's demo: a held-out cipher solved from four examples and failed
 * with none (the query letter is one of the four examples' inputs).
 * model: a checkpoint of `gpt icl-train`, or NULL to train the small preset
 * first (under two minutes on a free core). Prints
 * the first query solved with four examples and not with none (if any),
 * and the accuracy over 100 held-out tasks at 0 and 4 shots, to out;
 * returns the 4-shot accuracy. */
double icl_demo(const char *model, FILE *out);

#endif
