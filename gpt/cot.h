/*
 * cot.h -- chain of thought, grown from scratch: a multi-step arithmetic
 * task whose answers can be written directly or after a rationale, the
 * prompts that ask for either, and the accuracy of a GPT's completions.
 *
 * The task: the sum of n operands of d digits each (five one-digit numbers
 * for the chain-of-thought sweep, 3+5+7+9+2; two 3-digit numbers for Lee et
 * al.'s formats, 123+456). One problem is two lines; the answer line comes in
 * four formats:
 *
 *     Q: 123+456+789
 *     A: The answer is 1368.                                          plain
 *     A: The answer reversed is 8631.                                 reversed
 *     A: Let's think step by step. 3+6+9=18, 2+5+8+1=16, 1+4+7+1=13. The answer is 1368.
 *                                                                     steps
 *     A: Let's think step by step. 123+456+789 = 579+789 = 1368. The answer is 1368.
 *                                                                     chain
 *
 * Two rationales (Wei et al. 2022's chain of thought, Nye et al. 2021's
 * scratchpad). Steps add the task one column at a time, from the units, as
 * by hand: the column's digits, operand by operand, then the carry when it
 * is not 0, and their sum; the answer is the last sum followed by the units
 * of the others, read backwards. A chain rewrites the sum with its first two
 * terms added until one number is left: each step copies the expression
 * just written and makes one addition. Answering directly needs every
 * carry, or every addition, at once, before the first digit is written.
 * Kojima et al. 2022's trigger, "Let's think step by step.", opens every
 * rationale, so a prompt that ends with it asks for one. Reversed output
 * (Lee et al. 2023) writes the units first, the order in which carries are
 * known.
 *
 * A training text is a run of documents, each a newline and then a few
 * problems in one format. The mixture of the chain-of-thought sweep has
 * both kinds (plain and a rationale), so a model must read the format a
 * prompt asks for from its exemplars:
 *
 *     \nQ: ...\nA: <plain>\nQ: ...\nA: <plain>\nQ: 123+456+789\nA:          2-shot direct
 *     \nQ: ...\nA: <chain>\nQ: ...\nA: <chain>\nQ: 123+456+789\nA:          2-shot chain of thought
 *     \nQ: 123+456+789\nA:                                                  zero-shot
 *     \nQ: 123+456+789\nA: Let's think step by step.                        zero-shot trigger
 *
 * Problems are split once: the test problems are drawn first (their own
 * random stream), then the training problems, skipping every test problem
 * and every repeat, so no test question is ever in a training text or an
 * exemplar. The split is a function of (operands, digits, train, test,
 * seed), saved in a model's checkpoint, so evaluation rebuilds it exactly.
 */
#ifndef NLP_GPT_COT_H
#define NLP_GPT_COT_H

#include <stddef.h>

#include "common/sample.h"
#include "gpt/gpt.h"
#include "rng.h"
#include "strmap.h"
#include "tokenizer.h"

#define COT_MAX_OPERANDS 6
#define COT_MAX_DIGITS 6
#define COT_TRIGGER "Let's think step by step."
#define COT_LINE_MAX 256   /* longer than any question or answer line */

typedef enum { COT_PLAIN, COT_REVERSED, COT_STEPS, COT_CHAIN, COT_MIX } CotFormat;
/* "plain", "reversed", "steps", "chain", "mix" (training texts only: plain and a rationale), NULL */
extern const char *const cot_format_names[];

typedef struct {
    int n;                          /* operands */
    long a[COT_MAX_OPERANDS];
} CotProblem;

long cot_answer(const CotProblem *p);
/* n operands of exactly `digits` digits, uniform. */
void cot_draw(CotProblem *p, int n, int digits, Rng *r);
/* "Q: 123+456+789\n" into buf (COT_LINE_MAX bytes); returns its length. */
int cot_question(const CotProblem *p, char *buf);
/* "A: ...\n" in format f (not COT_MIX); returns its length. */
int cot_answer_line(const CotProblem *p, CotFormat f, char *buf);

/* The answer a completion states: the digits after "The answer is " or
 * "The answer reversed is " (then read backwards), up to a '.'. Returns 1
 * and sets *answer, or 0 when the completion states no well-formed answer. */
int cot_extract(const char *completion, long *answer);
/* Does the completion write a rationale (the trigger or an '=')? */
int cot_wrote_steps(const char *completion);

typedef struct {
    int operands, digits;
    long n_train, n_test;
    unsigned long long seed;
    CotProblem *train, *test;
    StrMap seen;              /* every question: entries 0 .. n_test-1 are the test ones */
} CotSplit;

/* Draw the split; dies when the problem space is too small for it. */
void cot_split_make(CotSplit *s, int operands, int digits, long n_train, long n_test, unsigned long long seed);
void cot_split_free(CotSplit *s);
/* 1 when the question of p is one of the split's test problems. */
int cot_is_test(const CotSplit *s, const CotProblem *p);

typedef struct {
    CotFormat format;       /* every document's, or COT_MIX */
    CotFormat rationale;    /* COT_MIX: the rationale documents' format (steps or chain) */
    double cot_fraction;    /* COT_MIX: the share of documents with rationales */
    int per_doc;            /* problems per document */
} CotTextConfig;

/* Documents of `per_doc` problems of problems[0..n), in order, each one a
 * newline and then its problems, in one format (COT_MIX: the rationale with
 * probability cot_fraction, else plain); malloc'd, NUL-terminated, *len
 * bytes. doc_starts (when not NULL) gets the offset of every document's
 * newline (malloc'd, *n_docs of them): a prompt starts the same way. */
char *cot_text(const CotProblem *problems, long n, const CotTextConfig *c, Rng *r, size_t *len, size_t **doc_starts,
               size_t *n_docs);
/* Every character the task's texts can hold (one problem in each format):
 * a char tokenizer built on it reads every model's text. */
char *cot_alphabet(size_t *len);

typedef enum { COT_MODE_DIRECT, COT_MODE_COT, COT_MODE_ZERO, COT_MODE_TRIGGER, COT_MODE_SC } CotMode;
/* "direct", "cot", "zero-shot", "trigger", "sc", NULL */
extern const char *const cot_mode_names[];

/* The prompt for query (see the top of this file): `shots` exemplars drawn
 * from the training problems with r, answered in direct_format (plain or
 * reversed) for direct, in rationale (steps or chain) for cot and sc; none
 * for the zero-shot modes. malloc'd. */
char *cot_prompt(const CotSplit *s, const CotProblem *query, CotMode mode, CotFormat direct_format,
                 CotFormat rationale, int shots, Rng *r, size_t *len);

typedef struct {
    CotMode mode;
    CotFormat direct_format;  /* the exemplars' format in direct mode (plain or reversed) */
    CotFormat rationale;      /* ... in cot and sc modes (steps or chain) */
    int shots;
    int problems;             /* test problems scored (the first ones of the split) */
    int samples;              /* sc: sampled chains per problem */
    SamplerConfig sampler;    /* sc's sampling (greedy decoding otherwise) */
    unsigned long long seed;  /* exemplars and samples */
} CotEvalConfig;

typedef struct {
    int problems, correct;
    int stated;               /* completions (votes, for sc) with a well-formed answer */
    int with_steps;           /* completions that wrote a rationale */
    int completions;
    double prompt_tokens;     /* mean prompt length */
} CotEvalStats;

/* The longest answer line of the task, in tokens (characters); a completion
 * may run COT_ANSWER_SLACK tokens longer before it is cut off. */
int cot_max_answer_len(int operands, int digits);
#define COT_ANSWER_SLACK 8
/* The context the longest prompt with `shots` exemplars and its completion need. */
int cot_context_needed(int operands, int digits, int shots);
/* Accuracy of m on the split's first e->problems test problems: each prompt
 * is completed up to a newline, greedily (sc: e->samples sampled chains and
 * a majority vote over their answers, Wang et al. 2023). Dies when a prompt
 * and its longest answer do not fit in the context. */
double cot_accuracy(Gpt *m, Tok *tk, const CotSplit *s, const CotEvalConfig *e, CotEvalStats *st);

#endif
