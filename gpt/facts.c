/*
 * facts.c -- the synthetic world of facts: relations and their templates, the
 * generator, the fact file, the training text. See facts.h.
 */
#include "gpt/facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "util.h"

static const char *const cities[] = {"Oslo", "Lima", "Cairo", "Paris", "Tokyo", "Dakar", "Quito", "Hanoi",
                                     "Berlin", "Madrid", "Nairobi", "Seoul", "Delhi", "Rome", "Lagos", NULL};
static const char *const languages[] = {"English", "French", "Japanese", "Arabic", "Spanish", "Norwegian",
                                        "Italian", "Hindi", "Wolof", "Korean", "German", "Swahili",
                                        "Vietnamese", "Greek", "Polish", NULL};
static const char *const jobs[] = {"farmer", "doctor", "pilot", "baker", "teacher", "lawyer", "painter", "sailor",
                                   "nurse", "chemist", "poet", "carpenter", "judge", "tailor", "miner", NULL};
static const char *const instruments[] = {"piano", "violin", "guitar", "flute", "drums", "cello", "harp",
                                          "trumpet", "organ", "banjo", "oboe", "viola", NULL};
static const char *const foods[] = {"rice", "bread", "soup", "cheese", "fish", "apples", "beans", "noodles",
                                    "dates", "figs", "olives", "honey", NULL};

const FactRelation fact_relations[FACT_RELATIONS] = {
    {"lives_in", {"{} lives in", "{} resides in", "the home of {} is in", "{} has a house in"}, cities},
    {"speaks", {"{} speaks", "the language of {} is", "{} is fluent in", "{} writes letters in"}, languages},
    {"works_as", {"{} works as a", "{} is a", "the job of {} is", "{} earns a living as a"}, jobs},
    {"plays", {"{} plays the", "the instrument of {} is the", "{} practises the", "{} is good at the"},
     instruments},
    {"eats", {"{} likes to eat", "the favourite food of {} is", "{} often eats", "{} cooks"}, foods},
};

int fact_relation_find(const char *name) {
    for (int r = 0; r < FACT_RELATIONS; r++)
        if (!strcmp(fact_relations[r].name, name)) return r;
    return -1;
}

static int count_objects(const char *const *objects) {
    int n = 0;
    while (objects[n]) n++;
    return n;
}

static void world_add(FactWorld *w, const char *subject, int relation, const char *object) {
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 256;
        w->f = xrealloc(w->f, (size_t)w->cap * sizeof *w->f);
    }
    w->f[w->n++] = (Fact){xstrdup(subject), relation, xstrdup(object)};
}

void facts_free(FactWorld *w) {
    for (int i = 0; i < w->n; i++) {
        free(w->f[i].subject);
        free(w->f[i].object);
    }
    free(w->f);
    memset(w, 0, sizeof *w);
}

int facts_find(const FactWorld *w, const char *subject, int relation) {
    for (int i = 0; i < w->n; i++)
        if (w->f[i].relation == relation && !strcmp(w->f[i].subject, subject)) return i;
    return -1;
}

const char **facts_subjects(const FactWorld *w, int *n) {
    const char **s = xmalloc((size_t)(w->n ? w->n : 1) * sizeof *s);
    *n = 0;
    for (int i = 0; i < w->n; i++) {
        int seen = 0;
        for (int j = 0; j < *n && !seen; j++) seen = !strcmp(s[j], w->f[i].subject);
        if (!seen) s[(*n)++] = w->f[i].subject;
    }
    return s;
}

/* ------------------------------------------------------------ generator */

/* A made-up capitalised name of 2 syllables (consonant-vowel, the last one
 * closed), e.g. "Zorvan". */
static void made_up_name(char *buf, Rng *r) {
    static const char onset[] = "bdfgklmnprstvz", vowel[] = "aeiou", coda[] = "lnrsk";
    int k = 0;
    for (int s = 0; s < 2; s++) {
        buf[k++] = onset[rng_below(r, sizeof onset - 1)];
        buf[k++] = vowel[rng_below(r, sizeof vowel - 1)];
        if (s == 1 || rng_below(r, 2)) buf[k++] = coda[rng_below(r, sizeof coda - 1)];
    }
    buf[k] = '\0';
    buf[0] = (char)(buf[0] - 'a' + 'A');
}

/* n distinct names, none equal to an object word. */
static void name_pool(char (*pool)[8], int n, Rng *r, char (*avoid)[8], int n_avoid) {
    for (int i = 0; i < n;) {
        made_up_name(pool[i], r);
        int clash = 0;
        for (int j = 0; j < i && !clash; j++) clash = !strcmp(pool[j], pool[i]);
        for (int j = 0; j < n_avoid && !clash; j++) clash = !strcmp(avoid[j], pool[i]);
        for (int rel = 0; rel < FACT_RELATIONS && !clash; rel++)
            for (const char *const *o = fact_relations[rel].objects; *o && !clash; o++) clash = !strcmp(*o, pool[i]);
        if (!clash) i++;
    }
}

enum { MAX_NAMES = 40, MIDDLE_NAMES = 10 };

void facts_generate(FactWorld *w, int n_subjects, unsigned long long seed) {
    if (n_subjects < 1 || n_subjects > MAX_NAMES * MAX_NAMES * 4 / 5)
        die("the fact world holds 1 to %d subjects, not %d", MAX_NAMES * MAX_NAMES * 4 / 5, n_subjects);
    /* k first and k last names, k^2 >= 1.25 n: every name is shared by about
     * k subjects, so no single token says who is meant */
    int k = 2;
    while (k * k * 4 < n_subjects * 5) k++;
    Rng r;
    rng_seed(&r, seed, 0);
    char first[MAX_NAMES][8], last[MAX_NAMES][8], middle[MIDDLE_NAMES][8], both[2 * MAX_NAMES][8];
    name_pool(first, k, &r, NULL, 0);
    name_pool(last, k, &r, first, k);
    memcpy(both, first, (size_t)k * sizeof *first);
    memcpy(both + k, last, (size_t)k * sizeof *last);
    name_pool(middle, MIDDLE_NAMES, &r, both, 2 * k);
    /* distinct (first, last) pairs; one subject in four has a middle name */
    int *pairs = xmalloc((size_t)k * k * sizeof(int));
    for (int i = 0; i < k * k; i++) pairs[i] = i;
    rng_shuffle_int(&r, pairs, (size_t)k * k);
    memset(w, 0, sizeof *w);
    for (int s = 0; s < n_subjects; s++) {
        char subject[32];
        int f = pairs[s] / k, l = pairs[s] % k;
        if (rng_below(&r, 4) == 0)
            snprintf(subject, sizeof subject, "%s %s %s", first[f], middle[rng_below(&r, MIDDLE_NAMES)], last[l]);
        else
            snprintf(subject, sizeof subject, "%s %s", first[f], last[l]);
        for (int rel = 0; rel < FACT_RELATIONS; rel++) {
            const char *const *objects = fact_relations[rel].objects;
            world_add(w, subject, rel, objects[rng_below(&r, (uint32_t)count_objects(objects))]);
        }
    }
    free(pairs);
}

/* ------------------------------------------------------------ fact file */

/* Is s one or more words separated by single spaces (no tab, no newline)? */
static int is_words(const char *s) {
    if (!*s || *s == ' ') return 0;
    for (const char *p = s; *p; p++) {
        if (*p == '\t' || *p == '\r' || *p == '\n') return 0;
        if (*p == ' ' && (p[1] == ' ' || p[1] == '\0')) return 0;
    }
    return 1;
}

/* One line "subject<TAB>relation<TAB>object" into w; 0 or -1 with err. */
static int read_line(FactWorld *w, char *line, const char *path, int lineno, char *err, size_t errlen) {
    char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
    if (!tab1 || !tab2 || strchr(tab2 + 1, '\t'))
        return err_set(err, errlen, "%s:%d: expected 3 tab-separated fields (subject, relation, object)", path,
                       lineno);
    *tab1 = *tab2 = '\0';
    const char *subject = line, *relation = tab1 + 1, *object = tab2 + 1;
    if (!is_words(subject))
        return err_set(err, errlen, "%s:%d: the subject '%s' must be words separated by single spaces", path,
                       lineno, subject);
    int rel = fact_relation_find(relation);
    if (rel < 0)
        return err_set(err, errlen, "%s:%d: unknown relation '%s' (known: lives_in, speaks, works_as, plays, eats)",
                       path, lineno, relation);
    if (!is_words(object) || strchr(object, ' '))
        return err_set(err, errlen, "%s:%d: the object '%s' must be one word", path, lineno, object);
    if (facts_find(w, subject, rel) >= 0)
        return err_set(err, errlen, "%s:%d: '%s' already has a %s fact", path, lineno, subject, relation);
    world_add(w, subject, rel, object);
    return 0;
}

typedef struct {
    FactWorld *w;
    const char *path;
} FactReader;

static int read_fact_line(void *ctx, char *line, int lineno, char *err, size_t errlen) {
    FactReader *r = ctx;
    return read_line(r->w, line, r->path, lineno, err, errlen);
}

int facts_read(const char *path, FactWorld *w, char *err, size_t errlen) {
    memset(w, 0, sizeof *w);
    int rc = file_each_line(path, "a fact file", read_fact_line, &(FactReader){w, path}, err, errlen);
    if (rc == 0 && w->n == 0) rc = err_set(err, errlen, "%s: no facts", path);
    if (rc != 0) facts_free(w);
    return rc;
}

void facts_write(const FactWorld *w, const char *path) {
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    fprintf(f, "# subject\trelation\tobject\n");
    for (int i = 0; i < w->n; i++)
        fprintf(f, "%s\t%s\t%s\n", w->f[i].subject, fact_relations[w->f[i].relation].name, w->f[i].object);
    atomic_commit(f, tmp, path);
}

/* ------------------------------------------------------------ text */

void facts_prompt(char *buf, size_t n, const char *tmpl, const char *subject) {
    const char *hole = strstr(tmpl, "{}");
    if (!hole) die("the template '%s' has no {}", tmpl);
    int k = snprintf(buf, n, "%.*s%s%s", (int)(hole - tmpl), tmpl, subject, hole + 2);
    if (k < 0 || (size_t)k >= n) die("the prompt of '%s' is too long", subject);
}

/* Append line + '\n' to the growing text. */
static void text_add(char **text, size_t *k, size_t *cap, const char *line) {
    size_t m = strlen(line);
    if (*k + m + 2 > *cap) *text = xrealloc(*text, *cap = 2 * *cap + m + 2);
    memcpy(*text + *k, line, m);
    *k += m;
    (*text)[(*k)++] = '\n';
}

char *facts_corpus(const FactWorld *w, int repeats, unsigned long long seed, size_t *len) {
    int n = w->n * FACT_TEMPLATES * repeats;
    int *order = xmalloc((size_t)(n ? n : 1) * sizeof(int));
    for (int i = 0; i < n; i++) order[i] = i;
    Rng r;
    rng_seed(&r, seed, 1);
    rng_shuffle_int(&r, order, (size_t)n);
    size_t cap = 1024, k = 0;
    char *text = xmalloc(cap), line[1024], prompt[512];
    for (int i = 0; i < n; i++) {
        const Fact *f = &w->f[order[i] / (FACT_TEMPLATES * repeats)];
        facts_prompt(prompt, sizeof prompt, fact_relations[f->relation].templates[order[i] % FACT_TEMPLATES],
                     f->subject);
        snprintf(line, sizeof line, "%s %s", prompt, f->object);
        text_add(&text, &k, &cap, line);
    }
    free(order);
    *len = k;
    return text;
}
