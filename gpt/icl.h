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
 * The task family, after GPT-3's word-scrambling tasks. An input x is 4
 * letters of the 16-letter alphabet a..p; a task maps it to y:
 *
 *     rev    y = x reversed                    abcd -> dcba
 *     rot    y = x rotated left by one         abcd -> bcda
 *     sort   y = x's letters in order          dbca -> abcd
 *     shift  a Caesar cipher: each letter moves s places along a..p (mod 16)
 *     map    a substitution cipher: each letter through a random permutation
 *            of a..p (a table)
 *
 * One line of text is one task: an optional description (the family's name
 * and a colon), then demonstrations "x>y," and a newline,
 *
 *     map:kabe>dpfo,oebc>mlfg,ppai>iiph,
 *     nlmc>cdln,hogb>bgho,jlad>adjl,
 *
 * Training lines have 1..48 demonstrations; the families come in equal
 * shares except map, twice as often (a third of the lines); half the lines
 * are described.
 *
 * Held-out tasks. shift and map have a parameter the model can only read
 * from its context. Training draws shifts other than 3, 7 and 12, and
 * tables with no "successor pair" (no letter mapped to the next one, a->b,
 * b->c, ..., p->a); held-out tasks are the shifts 3, 7 and 12 and tables
 * with at least one successor pair. So a held-out task never occurs
 * in training, by construction -- tests/test_gpt_icl.c checks it again on
 * the generated text -- and there are 16! tables: none can be memorised.
 *
 * Scoring: the prompt is "\n", the description (or not), k demonstrations of
 * a held-out task and a query "x>"; the model's greedy completion up to the
 * next ',' must equal y exactly. Chance is 16^-4 (1 in 65536).
 *
 * Positions of the ICL score: Olsson et al. compare the loss at token 500
 * with token 50 of 512; our context is 384, so 375 and 38 (x 0.75).
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
#define ICL_MIN_LEN 4         /* input lengths (one length: a demonstration is 10 characters) */
#define ICL_MAX_LEN 4
#define ICL_MAX_SHOTS 48      /* demonstrations in one training line: 1..48 */
#define ICL_CONTEXT 384       /* every preset's context: room for 32 shots */
#define ICL_EARLY_POS 38      /* Olsson et al.'s tokens 50 and 500 of 512, scaled to 384 */
#define ICL_LATE_POS 375
#define ICL_SCORE_BAND 4      /* each loss averaged over the 9 positions around it */
#define ICL_SCORE_LINES 96    /* held-out lines per ICL score, always the same ones: */
#define ICL_SCORE_SEED 99
#define ICL_SHOT_COUNTS {0, 1, 2, 4, 8, 16, 32}   /* GPT-3 Fig. 1.2's x axis */
#define ICL_N_SHOT_COUNTS 7
#define ICL_SWEEP_SHOTS 32       /* the most demonstrations a sweep's prompt holds */

typedef enum { ICL_REV, ICL_ROT, ICL_SORT, ICL_SHIFT, ICL_MAP, ICL_FAMILIES } IclFamily;

typedef struct {
    IclFamily family;
    int shift;                          /* ICL_SHIFT: 1..15 */
    unsigned char table[ICL_LETTERS];   /* ICL_MAP: letter i -> table[i] (0..15) */
} IclTask;

/* The description word of a family: "rev", "rot", "sort", "shift", "map". */
const char *icl_family_name(IclFamily f);
/* Is shift s one of the held-out shifts? */
int icl_shift_heldout(int s);
/* Does the table map some letter to the next one (mod 16), i.e. is it held out? */
int icl_table_heldout(const unsigned char *table);
/* A random task: heldout = 0 any family with a training parameter;
 * heldout = 1 a held-out shift or map (half each). */
void icl_task_draw(IclTask *t, int heldout, Rng *r);
/* y = the task applied to the n letters x (chars 'a'..'p'); returns |y| = n. */
int icl_apply(const IclTask *t, const char *x, int n, char *y);
/* A random input of ICL_MIN_LEN..ICL_MAX_LEN letters into x; returns its length. */
int icl_random_input(char *x, Rng *r);

/* Append one line of t (description when desc, `shots` demonstrations, '\n')
 * to buf at *len (cap bytes, room checked: dies when it would overflow). */
void icl_append_line(char *buf, size_t cap, size_t *len, const IclTask *t, int shots, int desc, Rng *r);
/* A stream of n_lines lines (malloc'd, NUL-terminated, *len bytes): random
 * tasks (held out or not), 1..ICL_MAX_SHOTS demonstrations, a description
 * on half of them. */
char *icl_corpus(size_t n_lines, int heldout, unsigned long long seed, size_t *len);
/* The character tokenizer of every ICL model: a..z, ':', '>', ',', '\n'. */
void icl_tokenizer(Tok *tk);

/* ------------------------------------------------------------ evaluation */

/* One query of a sweep: a held-out task, 32 demonstrations, a query input. */
typedef struct {
    IclTask task;
    char demo_x[ICL_SWEEP_SHOTS][ICL_MAX_LEN + 1];
    char query[ICL_MAX_LEN + 1];
} IclQuery;

/* The prompt of q with its first `shots` demonstrations (into buf, NUL-
 * terminated; returns its length) and the expected answer (into answer). */
int icl_prompt(const IclQuery *q, int shots, int desc, char *buf, size_t cap, char *answer);
/* n queries from seed (the same for every model: the sweep compares sizes on
 * the same tasks). cover = 1 draws each query's letters from its first four
 * demonstrations' inputs, so four examples hold everything needed (the demo). */
IclQuery *icl_queries(int n, unsigned long long seed, int cover);
/* The model's greedy completion of prompt up to ',' (or '\n', or 8 chars)
 * into out. Dies when the prompt and an answer do not fit the context. */
void icl_complete(Gpt *m, GptCache *c, Tok *tk, const char *prompt, char *out, size_t cap);
/* Exact-match accuracy over n queries at `shots` demonstrations. */
double icl_accuracy(Gpt *m, Tok *tk, const IclQuery *q, int n, int shots, int desc);

/* Olsson et al.'s in-context-learning score over n held-out lines (seed),
 * each "\n" then 48 demonstrations: the mean loss at position ICL_LATE_POS
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

/* The recipes of `gpt icl-train`, spanning ~30x in parameters at one data
 * budget (batch 8 x 384 characters x steps):
 *     small   2 layers, 2 heads, 32 wide      ~34k parameters
 *     medium  3 layers, 4 heads, 64 wide     ~175k
 *     large   4 layers, 4 heads, 128 wide    ~830k (fits ~20 min of one core)
 *     tiny    small's shape, a quarter of its steps (the demo, the quality test)
 * Returns 0 for an unknown name. */
int icl_preset(const char *name, GptConfig *model, GptTrainConfig *tc);
#define ICL_PRESETS "tiny, small, medium, large"

/* Build and initialise an ICL model of cfg's shape (cfg->vocab_size is set
 * to the ICL alphabet's): GPT-2's initialisation, except that the position
 * table starts from Vaswani et al.'s sinusoids (at GPT-2's scale, RMS 0.02)
 * instead of noise, then is learned as usual. The tasks hinge on attending
 * 4 and 5 characters back; with random position vectors the small and
 * medium presets stayed at the plateau of an untrained lookup for all of
 * their 2000 steps (see gpt/prompting/ICL.md). */
void icl_model_init(Gpt *m, GptConfig *cfg, unsigned long long seed);
/* Train m (built, initialised) on a fresh ICL corpus, logging the ICL score
 * to <out_dir>/icl_score/metrics.tsv at each validation when out_dir is set. */
double icl_train(Gpt *m, GptTrainConfig *tc);

/* The chapter's demo: a held-out cipher solved from four examples and failed
 * with none. model: a checkpoint of `gpt icl-train`, or NULL to train the
 * tiny preset first (about a minute on 2 cores). Prints the two prompts,
 * the completions and the accuracy over 100 held-out tasks at 0 and 4 shots
 * to out; returns the 4-shot accuracy. */
double icl_demo(const char *model, FILE *out);

#endif
