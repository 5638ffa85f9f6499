/*
 * instruct.h -- the built-in instruction task of part 2: prompts about
 * chapter 6's world of facts (gpt/facts.h), each with a demonstration for
 * supervised fine-tuning, in a closed vocabulary of words.
 *
 * Three kinds of instruction, each answered in sentences that state facts
 * through the relations' first templates ("Zorvan Telik lives in Oslo ."):
 *
 *     ask        "where does Zorvan Telik live ?"          -> "Zorvan Telik lives in Oslo ."
 *     list       "list two facts about Zorvan Telik ."     -> two sentences, two relations
 *     continue   "continue : Zorvan Telik speaks Greek ."  -> one more fact, another relation
 *
 * A list asks for two or three facts; the five relations' questions are:
 *
 *     lives_in  "where does {} live ?"          speaks   "what language does {} speak ?"
 *     works_as  "what is the job of {} ?"       plays    "what instrument does {} play ?"
 *     eats      "what does {} like to eat ?"
 *
 * Words are separated by single spaces and "." "?" ":" are words of their
 * own, so a word-level model sees a closed vocabulary (instruct_vocab): the
 * world's name parts and objects and the templates' and questions' words;
 * instruct_tokenizer (sft_data.h) numbers it.
 *
 * Subjects, not prompts, are split between training and held-out sets: a
 * held-out prompt is about someone no training prompt mentions, so the
 * policy can only answer it from what pretraining taught it about the world
 * (InstructGPT's held-out prompts were likewise from other customers).
 */
#ifndef NLP_RLHF_INSTRUCT_H
#define NLP_RLHF_INSTRUCT_H

#include "gpt/facts.h"
#include "rng.h"

typedef enum { TASK_ASK, TASK_LIST, TASK_CONTINUE, TASK_KINDS } TaskKind;

extern const char *const task_kind_names[TASK_KINDS];   /* "ask", "list", "continue" */

typedef struct {
    TaskKind kind;
    const char *subject;   /* points into the set's world */
    int relation;          /* ask: the relation asked; continue: the one given; list: -1 */
    int count;             /* list: the facts asked for (2 or 3); otherwise 1 */
    char *prompt;
    char *demo;            /* the reference response: what a careful labeller writes */
} TaskPrompt;

typedef struct {
    FactWorld world;
    TaskPrompt *p;         /* training prompts first, then held-out ones */
    int n, n_train;
} InstructSet;

/* A world of n_subjects subjects (facts_generate with seed), and for each
 * subject one prompt of every kind, with a random relation and count (seed,
 * stream 2). heldout_frac of the subjects, drawn at random, give the
 * held-out prompts. Dies on n_subjects < 2 or a fraction outside (0, 1). */
void instruct_generate(InstructSet *s, int n_subjects, double heldout_frac, unsigned long long seed);
void instruct_free(InstructSet *s);

/* The index of the prompt whose text is prompt, or -1. */
int instruct_find_prompt(const InstructSet *s, const char *prompt);

/* The sentence stating a fact: "SUBJECT lives in OBJECT ." into buf. */
void instruct_sentence(char *buf, size_t n, const char *subject, int relation, const char *object);

/* A sentence parsed back into a fact: the words before its relation's phrase
 * are the subject, the one word after it the object. 0, or -1 when the
 * sentence states no fact (no phrase, no subject, not exactly one object). */
typedef struct {
    char subject[64];
    int relation;
    char object[32];
} Statement;
int instruct_parse_sentence(const char *sentence, Statement *st);

/* The sentences of a response, each up to and including its " ." (the last
 * may lack it): the count, with the first max stored in out (a sentence too
 * long for a slot is stored empty: it states nothing). */
enum { INSTRUCT_SENTENCE_LEN = 160 };
int instruct_split(const char *text, char (*out)[INSTRUCT_SENTENCE_LEN], int max);
/* The number of words (space-separated) in text. */
int instruct_count_words(const char *text);

/* Every word the task's prompts and responses can use (the world's names and
 * objects, the words of the questions and of all the relations' templates, so
 * that the pretraining text facts_corpus is covered too, and the punctuation), sorted and
 * distinct: *n malloc'd strings, freed with instruct_vocab_free. */
char **instruct_vocab(const InstructSet *s, int *n);
void instruct_vocab_free(char **words, int n);

/* A plausible bad response to p, as an untrained or half-trained model
 * writes: the demonstration with 0..3 random edits (a wrong object, another
 * person, a sentence repeated or dropped, one fact too many, a truncation).
 * Into buf; used to test the gold reward and the labellers before a policy
 * exists. */
void instruct_corrupt(char *buf, size_t n, const InstructSet *s, const TaskPrompt *p, Rng *r);

#endif
