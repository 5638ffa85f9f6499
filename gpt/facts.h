/*
 * facts.h -- a synthetic world of facts where every truth is known exactly:
 * the ground on which chapter 6 locates and edits a fact (ROME, gpt/rome.h).
 *
 * A fact is (subject, relation, object): ("Zorvan Telik", lives_in, "Oslo").
 * Subjects are made-up names of two or three word tokens; the generator
 * draws them from k first and k last names with k^2 >= 1.25 x the number of
 * subjects, so every name is shared by about k people, no single token says
 * who is meant, and the model has to put the whole name together. Each of
 * the five built-in relations has four templates, sentences that end just
 * before the object:
 *
 *     lives_in    "{} lives in"  "{} resides in"  "the home of {} is in"  "{} has a house in"
 *     speaks      "{} speaks"  "the language of {} is"  ...
 *     works_as    "{} works as a"  "{} is a"  ...
 *     plays       "{} plays the"  ...
 *     eats        "{} likes to eat"  ...
 *
 * Every object is one word, and each relation has its own objects (cities,
 * languages, jobs, instruments, foods), so a prompt's answer is one token.
 *
 * The fact file (`gpt facts-train --facts FILE`, and what it writes beside
 * the model) has one fact per line, three tab-separated fields:
 *
 *     Zorvan Telik<TAB>lives_in<TAB>Oslo
 *
 * Empty lines and lines starting with '#' are skipped. The subject is words
 * separated by single spaces; the relation one of the five names; the object
 * one word. A subject has at most one object per relation. Anything else is
 * an error naming the file and line.
 *
 * The training text is the facts spoken through every template, each
 * sentence on its own line, shuffled: the model sees every fact through all
 * four templates (ROME's paraphrases are then templates other than the edit's
 * own prompt, not unseen ones; rome.h says why).
 */
#ifndef NLP_GPT_FACTS_H
#define NLP_GPT_FACTS_H

#include <stddef.h>

#define FACT_RELATIONS 5
#define FACT_TEMPLATES 4   /* per relation; template 0 is an edit's own prompt */

typedef struct {
    const char *name;                          /* the fact file's relation field */
    const char *templates[FACT_TEMPLATES];     /* "{}" is the subject; the object follows the end */
    const char *const *objects;                /* the generator's objects, NULL-terminated */
} FactRelation;

extern const FactRelation fact_relations[FACT_RELATIONS];

typedef struct {
    char *subject;     /* "Zorvan Telik" */
    int relation;      /* index into fact_relations */
    char *object;      /* "Oslo" */
} Fact;

typedef struct {
    Fact *f;
    int n, cap;
} FactWorld;

/* The relation called name, or -1. */
int fact_relation_find(const char *name);
/* A world of n_subjects distinct made-up names, each with one random object
 * per relation, drawn from (seed, stream 0). */
void facts_generate(FactWorld *w, int n_subjects, unsigned long long seed);
/* Read a fact file; 0, or -1 with "FILE:LINE: what is wrong" in err (nothing
 * left allocated). */
int facts_read(const char *path, FactWorld *w, char *err, size_t errlen);
/* Write the fact file (atomically). */
void facts_write(const FactWorld *w, const char *path);
void facts_free(FactWorld *w);
/* The fact of (subject, relation), or -1. */
int facts_find(const FactWorld *w, const char *subject, int relation);
/* The distinct subjects in order of first appearance: (*n) pointers into w. */
const char **facts_subjects(const FactWorld *w, int *n);
/* tmpl with {} replaced by subject, into buf (dies if it does not fit). */
void facts_prompt(char *buf, size_t n, const char *tmpl, const char *subject);
/* The training text: every fact through every template, `repeats` times,
 * one sentence a line, shuffled with (seed, stream 1). malloc'd, *len bytes. */
char *facts_corpus(const FactWorld *w, int repeats, unsigned long long seed, size_t *len);

#endif
