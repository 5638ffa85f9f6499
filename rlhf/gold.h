/*
 * gold.h -- the hidden gold reward of part 2: what the simulated labellers
 * want, known exactly, so every claim about the policy can be measured. The
 * policy never sees it; the labellers see it through their noise, the
 * evaluation sees it exactly.
 *
 * A response is read as sentences (each ending with " ."), and a sentence
 * that states a fact is parsed back into (subject, relation, object)
 * (instruct_parse_sentence). Five criteria, each in [0, 1]:
 *
 *     criterion   weight   1 when
 *     follows     2        the response does what the kind asks: ask, one sentence stating the
 *                          asked relation; list, exactly N sentences, each stating a fact;
 *                          continue, one sentence stating a relation other than the given one
 *     correct     2        every fact it states is true in the world (the fraction that is;
 *                          0 when it states none)
 *     on_topic    1        it states at least one fact, and only about the prompt's subject
 *     no_repeat   1        no sentence is said twice and no word twice in a row (the fraction
 *                          of distinct sentences times the fraction of words that differ from
 *                          the word before; 0 for an empty response)
 *     length      1        it has as many words as the demonstration; falls linearly to 0 at
 *                          twice or zero that length
 *
 * gold = the weighted sum, from 0 to 7; the demonstration scores 7. The
 * weights put doing what was asked, truthfully, above style, as
 * InstructGPT's labelling instructions ranked helpfulness and truthfulness
 * first.
 */
#ifndef NLP_RLHF_GOLD_H
#define NLP_RLHF_GOLD_H

#include "rlhf/instruct.h"

enum { GOLD_FOLLOWS, GOLD_CORRECT, GOLD_ON_TOPIC, GOLD_NO_REPEAT, GOLD_LENGTH, GOLD_CRITERIA };

extern const char *const gold_criterion_names[GOLD_CRITERIA];
extern const double gold_weights[GOLD_CRITERIA];

typedef struct {
    double c[GOLD_CRITERIA];   /* each criterion in [0, 1] */
    double total;              /* sum of weight x criterion */
} GoldScore;

/* The criteria one by one (each in [0, 1]). */
double gold_follows(const TaskPrompt *p, const char *response);
double gold_correct(const FactWorld *w, const char *response);
double gold_on_topic(const TaskPrompt *p, const char *response);
double gold_no_repeat(const char *response);
double gold_length(const TaskPrompt *p, const char *response);

/* All five and their weighted sum. */
GoldScore gold_score(const FactWorld *w, const TaskPrompt *p, const char *response);
/* The largest total: the sum of the weights. */
double gold_max(void);

#endif
