/*
 * gold.c -- the hidden gold reward: five interpretable criteria and their
 * weighted sum. See gold.h.
 */
#include "rlhf/gold.h"

#include <math.h>
#include <string.h>

const char *const gold_criterion_names[GOLD_CRITERIA] = {"follows", "correct", "on_topic", "no_repeat", "length"};
const double gold_weights[GOLD_CRITERIA] = {2, 2, 1, 1, 1};

/* Responses are short; a sentence past this many is not looked at (it still counts). */
enum { MAX_READ = 64 };

typedef struct {
    char s[MAX_READ][INSTRUCT_SENTENCE_LEN];
    Statement st[MAX_READ];
    int ok[MAX_READ];      /* does sentence i state a fact? */
    int n, read;           /* sentences in all, and how many are in s */
} Reading;

static void read_response(Reading *r, const char *response) {
    r->n = instruct_split(response, r->s, MAX_READ);
    r->read = r->n < MAX_READ ? r->n : MAX_READ;
    for (int i = 0; i < r->read; i++) r->ok[i] = instruct_parse_sentence(r->s[i], &r->st[i]) == 0;
}

double gold_follows(const TaskPrompt *p, const char *response) {
    Reading r;
    read_response(&r, response);
    switch (p->kind) {
    case TASK_ASK:
        return r.n == 1 && r.ok[0] && r.st[0].relation == p->relation;
    case TASK_LIST:
        if (r.n != p->count) return 0;
        for (int i = 0; i < r.n; i++)
            if (!r.ok[i]) return 0;
        return 1;
    default:   /* TASK_CONTINUE */
        return r.n == 1 && r.ok[0] && r.st[0].relation != p->relation;
    }
}

double gold_correct(const FactWorld *w, const char *response) {
    Reading r;
    read_response(&r, response);
    int stated = 0, true_ = 0;
    for (int i = 0; i < r.read; i++) {
        if (!r.ok[i]) continue;
        stated++;
        int f = facts_find(w, r.st[i].subject, r.st[i].relation);
        true_ += f >= 0 && !strcmp(w->f[f].object, r.st[i].object);
    }
    return stated ? (double)true_ / stated : 0;
}

double gold_on_topic(const TaskPrompt *p, const char *response) {
    Reading r;
    read_response(&r, response);
    int stated = 0;
    for (int i = 0; i < r.read; i++) {
        if (!r.ok[i]) continue;
        if (strcmp(r.st[i].subject, p->subject) != 0) return 0;
        stated++;
    }
    return stated > 0;
}

/* The number of words equal to the word just before them ("in in", "list list"). */
static int count_stutters(const char *text) {
    int n = 0;
    const char *prev = NULL;
    size_t prev_len = 0;
    for (const char *p = text + strspn(text, " "); *p; p += strspn(p, " ")) {
        size_t len = strcspn(p, " ");
        n += prev && len == prev_len && !strncmp(p, prev, len);
        prev = p, prev_len = len;
        p += len;
    }
    return n;
}

double gold_no_repeat(const char *response) {
    Reading r;
    read_response(&r, response);
    if (r.n == 0) return 0;
    int distinct = 0;
    for (int i = 0; i < r.read; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) seen = !strcmp(r.s[i], r.s[j]);
        distinct += !seen;
    }
    return (double)distinct / r.n * (1 - (double)count_stutters(response) / instruct_count_words(response));
}

double gold_length(const TaskPrompt *p, const char *response) {
    double want = instruct_count_words(p->demo), got = instruct_count_words(response);
    double score = 1 - fabs(got - want) / want;
    return score > 0 ? score : 0;
}

GoldScore gold_score(const FactWorld *w, const TaskPrompt *p, const char *response) {
    GoldScore g;
    g.c[GOLD_FOLLOWS] = gold_follows(p, response);
    g.c[GOLD_CORRECT] = gold_correct(w, response);
    g.c[GOLD_ON_TOPIC] = gold_on_topic(p, response);
    g.c[GOLD_NO_REPEAT] = gold_no_repeat(response);
    g.c[GOLD_LENGTH] = gold_length(p, response);
    g.total = 0;
    for (int i = 0; i < GOLD_CRITERIA; i++) g.total += gold_weights[i] * g.c[i];
    return g;
}

double gold_max(void) {
    double m = 0;
    for (int i = 0; i < GOLD_CRITERIA; i++) m += gold_weights[i];
    return m;
}
