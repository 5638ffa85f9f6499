/*
 * instruct.c -- the built-in instruction task: prompts and demonstrations
 * over the world of facts, the sentence parser the gold reward reads
 * responses with, the vocabulary, plausible bad responses. See instruct.h.
 */
#include "rlhf/instruct.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *const task_kind_names[TASK_KINDS] = {"ask", "list", "continue"};

/* The question of each relation, in fact_relations' order; "{}" is the subject. */
static const char *const questions[FACT_RELATIONS] = {
    "where does {} live ?", "what language does {} speak ?", "what is the job of {} ?",
    "what instrument does {} play ?", "what does {} like to eat ?",
};
static const char *const count_words[] = {"", "one", "two", "three"};
enum { LIST_MIN = 2, LIST_MAX = 3, MAX_SENTENCES = 12, SENTENCE_LEN = INSTRUCT_SENTENCE_LEN };

/* A relation's phrase: its first template without the leading "{} ". */
static const char *relation_phrase(int relation) { return fact_relations[relation].templates[0] + 3; }

int instruct_find_prompt(const InstructSet *s, const char *prompt) {
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->p[i].prompt, prompt)) return i;
    return -1;
}

void instruct_sentence(char *buf, size_t n, const char *subject, int relation, const char *object) {
    if ((size_t)snprintf(buf, n, "%s %s %s .", subject, relation_phrase(relation), object) >= n)
        die("instruct: a sentence about '%s' does not fit in %zu bytes", subject, n);
}

/* The object of (subject, relation) in the world; every generated subject has all five. */
static const char *world_object(const FactWorld *w, const char *subject, int relation) {
    int i = facts_find(w, subject, relation);
    if (i < 0) die("instruct: '%s' has no %s fact", subject, fact_relations[relation].name);
    return w->f[i].object;
}

/* Append " sentence" (or "sentence" to an empty buf). */
static void append(char *buf, size_t n, const char *sentence) {
    size_t len = strlen(buf);
    if ((size_t)snprintf(buf + len, n - len, "%s%s", len ? " " : "", sentence) >= n - len)
        die("instruct: a response does not fit in %zu bytes", n);
}

/* k distinct relations in random order into rel. */
static void distinct_relations(int *rel, int k, Rng *r) {
    int all[FACT_RELATIONS];
    for (int i = 0; i < FACT_RELATIONS; i++) all[i] = i;
    rng_shuffle_int(r, all, FACT_RELATIONS);
    memcpy(rel, all, (size_t)k * sizeof *rel);
}

static TaskPrompt make_prompt(const FactWorld *w, const char *subject, TaskKind kind, Rng *r) {
    TaskPrompt p = {.kind = kind, .subject = subject, .relation = -1, .count = 1};
    char prompt[2 * SENTENCE_LEN], demo[LIST_MAX * SENTENCE_LEN] = "", sentence[SENTENCE_LEN];
    int rel[FACT_RELATIONS];
    switch (kind) {
    case TASK_ASK:
        p.relation = (int)rng_below(r, FACT_RELATIONS);
        facts_prompt(prompt, sizeof prompt, questions[p.relation], subject);
        instruct_sentence(demo, sizeof demo, subject, p.relation, world_object(w, subject, p.relation));
        break;
    case TASK_LIST:
        p.count = LIST_MIN + (int)rng_below(r, LIST_MAX - LIST_MIN + 1);
        snprintf(prompt, sizeof prompt, "list %s facts about %s .", count_words[p.count], subject);
        distinct_relations(rel, p.count, r);
        for (int i = 0; i < p.count; i++) {
            instruct_sentence(sentence, sizeof sentence, subject, rel[i], world_object(w, subject, rel[i]));
            append(demo, sizeof demo, sentence);
        }
        break;
    default:   /* TASK_CONTINUE: the given fact, then another relation's */
        distinct_relations(rel, 2, r);
        p.relation = rel[0];
        instruct_sentence(sentence, sizeof sentence, subject, rel[0], world_object(w, subject, rel[0]));
        snprintf(prompt, sizeof prompt, "continue : %s", sentence);
        instruct_sentence(demo, sizeof demo, subject, rel[1], world_object(w, subject, rel[1]));
        break;
    }
    p.prompt = xstrdup(prompt);
    p.demo = xstrdup(demo);
    return p;
}

void instruct_generate(InstructSet *s, int n_subjects, double heldout_frac, unsigned long long seed) {
    if (n_subjects < 2) die("instruct: need at least 2 subjects (one for training, one held out), not %d", n_subjects);
    if (!(heldout_frac > 0 && heldout_frac < 1)) die("instruct: the held-out fraction must be in (0, 1), not %g", heldout_frac);
    memset(s, 0, sizeof *s);
    facts_generate(&s->world, n_subjects, seed);
    int n;
    const char **subjects = facts_subjects(&s->world, &n);
    Rng r;
    rng_seed(&r, seed, 2);
    int *order = xmalloc((size_t)n * sizeof *order);
    for (int i = 0; i < n; i++) order[i] = i;
    rng_shuffle_int(&r, order, (size_t)n);
    int n_heldout = (int)(heldout_frac * n + 0.5);
    if (n_heldout < 1) n_heldout = 1;
    if (n_heldout > n - 1) n_heldout = n - 1;
    /* order[0 .. n - n_heldout) train, the rest held out */
    s->p = xmalloc((size_t)n * TASK_KINDS * sizeof *s->p);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < TASK_KINDS; k++) s->p[s->n++] = make_prompt(&s->world, subjects[order[i]], (TaskKind)k, &r);
    s->n_train = (n - n_heldout) * TASK_KINDS;
    free(order);
    free(subjects);
}

void instruct_free(InstructSet *s) {
    for (int i = 0; i < s->n; i++) {
        free(s->p[i].prompt);
        free(s->p[i].demo);
    }
    free(s->p);
    facts_free(&s->world);
    memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------ parsing */

/* Does the word sequence at s start with phrase, ending at a word boundary? */
static int starts_with_words(const char *s, const char *phrase) {
    size_t n = strlen(phrase);
    return !strncmp(s, phrase, n) && s[n] == ' ';
}

int instruct_parse_sentence(const char *sentence, Statement *st) {
    /* the phrase must follow a non-empty subject: search after each space */
    for (const char *p = strchr(sentence, ' '); p; p = strchr(p + 1, ' ')) {
        for (int rel = 0; rel < FACT_RELATIONS; rel++) {
            if (!starts_with_words(p + 1, relation_phrase(rel))) continue;
            const char *obj = p + 1 + strlen(relation_phrase(rel)) + 1;
            size_t subject_len = (size_t)(p - sentence), obj_len = strcspn(obj, " ");
            /* exactly one object word, then at most the final " ." */
            const char *rest = obj + obj_len;
            if (obj_len == 0 || (obj_len == 1 && strchr(".?:", *obj)) || (*rest && strcmp(rest, " .") != 0)) return -1;
            if (subject_len >= sizeof st->subject || obj_len >= sizeof st->object) return -1;
            memcpy(st->subject, sentence, subject_len);
            st->subject[subject_len] = '\0';
            memcpy(st->object, obj, obj_len);
            st->object[obj_len] = '\0';
            st->relation = rel;
            return 0;
        }
    }
    return -1;
}

/* ------------------------------------------------------------ vocabulary */

typedef struct {
    char **w;
    int n, cap;
} WordList;

static void add_words(WordList *l, const char *text) {
    char buf[4 * SENTENCE_LEN];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *save, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        if (!strcmp(w, "{}")) continue;
        if (l->n == l->cap) {
            l->cap = l->cap ? 2 * l->cap : 256;
            l->w = xrealloc(l->w, (size_t)l->cap * sizeof *l->w);
        }
        l->w[l->n++] = xstrdup(w);
    }
}

static int compare_words(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

char **instruct_vocab(const InstructSet *s, int *n) {
    WordList l = {0};
    char sentence[SENTENCE_LEN];
    for (int i = 0; i < s->world.n; i++) {
        const Fact *f = &s->world.f[i];
        instruct_sentence(sentence, sizeof sentence, f->subject, f->relation, f->object);
        add_words(&l, sentence);
    }
    for (int rel = 0; rel < FACT_RELATIONS; rel++) {
        add_words(&l, questions[rel]);
        for (int t = 0; t < FACT_TEMPLATES; t++) add_words(&l, fact_relations[rel].templates[t]);
        for (const char *const *o = fact_relations[rel].objects; *o; o++) add_words(&l, *o);
    }
    add_words(&l, "list two three facts about . continue :");
    qsort(l.w, (size_t)l.n, sizeof *l.w, compare_words);
    int k = 0;
    for (int i = 0; i < l.n; i++) {
        if (k > 0 && !strcmp(l.w[k - 1], l.w[i])) free(l.w[i]);
        else l.w[k++] = l.w[i];
    }
    *n = k;
    return l.w;
}

void instruct_vocab_free(char **words, int n) {
    for (int i = 0; i < n; i++) free(words[i]);
    free(words);
}

/* ------------------------------------------------------------ bad responses */

int instruct_split(const char *text, char (*out)[INSTRUCT_SENTENCE_LEN], int max) {
    int n = 0;
    for (const char *p = text + strspn(text, " "); *p; n++) {
        const char *end = strstr(p, " .");
        size_t len = end ? (size_t)(end - p) + 2 : strlen(p);
        if (n < max) {
            if (len >= INSTRUCT_SENTENCE_LEN) len = 0;
            memcpy(out[n], p, len);
            out[n][len] = '\0';
        }
        p += end ? (size_t)(end - p) + 2 : strlen(p);
        p += strspn(p, " ");
    }
    return n;
}

int instruct_count_words(const char *text) {
    int n = 0;
    for (const char *p = text; *p; p++)
        if (*p != ' ' && (p == text || p[-1] == ' ')) n++;
    return n;
}

/* One random edit of the sentence list; returns the new count. */
static int corrupt_once(char (*sent)[SENTENCE_LEN], int n, const InstructSet *s, const TaskPrompt *p, Rng *r) {
    int i = n ? (int)rng_below(r, (uint32_t)n) : 0, rel = (int)rng_below(r, FACT_RELATIONS);
    Statement st;
    switch (rng_below(r, 6)) {
    case 0:   /* a wrong object: any of the relation's objects, perhaps the right one */
        if (n && instruct_parse_sentence(sent[i], &st) == 0) {
            const char *const *objects = fact_relations[st.relation].objects;
            int k = 0;
            while (objects[k]) k++;
            instruct_sentence(sent[i], SENTENCE_LEN, st.subject, st.relation, objects[rng_below(r, (uint32_t)k)]);
        }
        return n;
    case 1:   /* another person: a true fact about someone else */
        if (n) {
            const Fact *f = &s->world.f[rng_below(r, (uint32_t)s->world.n)];
            instruct_sentence(sent[i], SENTENCE_LEN, f->subject, f->relation, f->object);
        }
        return n;
    case 2:   /* a sentence said twice */
        if (n && n < MAX_SENTENCES) memcpy(sent[n++], sent[i], SENTENCE_LEN);
        return n;
    case 3:   /* a sentence dropped */
        if (n) memmove(sent[i], sent[i + 1], (size_t)(n - i - 1) * SENTENCE_LEN);
        return n ? n - 1 : 0;
    case 4:   /* one more true fact than asked */
        if (n < MAX_SENTENCES)
            instruct_sentence(sent[n++], SENTENCE_LEN, p->subject, rel, world_object(&s->world, p->subject, rel));
        return n;
    default:  /* cut off mid-sentence */
        if (n) {
            char *last = sent[n - 1];
            size_t len = strlen(last) / 2;
            while (len > 0 && last[len] != ' ') len--;
            last[len] = '\0';
            if (len == 0) n--;
        }
        return n;
    }
}

void instruct_corrupt(char *buf, size_t n, const InstructSet *s, const TaskPrompt *p, Rng *r) {
    char sent[MAX_SENTENCES][SENTENCE_LEN];
    int k = instruct_split(p->demo, sent, MAX_SENTENCES);
    for (int e = (int)rng_below(r, 4); e > 0; e--) k = corrupt_once(sent, k, s, p, r);
    buf[0] = '\0';
    for (int i = 0; i < k; i++) append(buf, n, sent[i]);
}
