/*
 * labels.c -- the labelling experiment: responses, gold rewards, calibrated
 * labellers, preference files, measured agreement. See labels.h.
 */
#include "rlhf/labels.h"

#include <stdio.h>
#include <stdlib.h>

#include "rlhf/evaluate.h"
#include "rlhf/gold.h"
#include "rlhf/instruct.h"
#include "rlhf/labeller.h"
#include "rlhf/prefs.h"
#include "util.h"

enum { RESPONSE_LEN = 1024 };

void labels_defaults(LabelsConfig *c) {
    *c = (LabelsConfig){.subjects = 200, .heldout = 0.25, .k = 4, .target = LABELLER_AGREEMENT, .seed = 1};
}

static void write_task(const InstructSet *s, const char *path) {
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    fprintf(f, "split\tkind\tprompt\tdemo\n");
    for (int i = 0; i < s->n; i++)
        fprintf(f, "%s\t%s\t%s\t%s\n", i < s->n_train ? "train" : "heldout", task_kind_names[s->p[i].kind],
                s->p[i].prompt, s->p[i].demo);
    atomic_commit(f, tmp, path);
}

/* Prompts [from, to) of s, each ranked by labeller a into prefs; with b also
 * ranking (b may be NULL) into prefs_b, the pairs a and b order the same way
 * go to *same. */
static void rank_prompts(const InstructSet *s, int from, int to, int k, char *responses, const double *gold,
                         Labeller *a, Labeller *b, PrefSet *prefs, PrefSet *prefs_b, long *same, long *pairs) {
    for (int i = from; i < to; i++) {
        const char *resp[LABELLER_MAX_K];
        for (int j = 0; j < k; j++) resp[j] = responses + ((size_t)i * k + j) * RESPONSE_LEN;
        int ra[LABELLER_MAX_K], rb[LABELLER_MAX_K];
        labeller_rank(a, gold + (size_t)i * k, k, ra);
        prefs_add(prefs, s->p[i].prompt, resp, ra, k);
        if (!b) continue;
        labeller_rank(b, gold + (size_t)i * k, k, rb);
        prefs_add(prefs_b, s->p[i].prompt, resp, rb, k);
        *same += ranking_agreement(ra, rb, k);
        *pairs += k * (k - 1) / 2;
    }
}

static void write_prefs(PrefSet *p, const char *out, const char *name) {
    char path[4096];
    path_join(path, sizeof path, out, name);
    prefs_write(p, path);
    prefs_free(p);
}

/* Response j to prompt i into buf: the policy's sample, or an edited demonstration. */
static void respond(const LabelsConfig *c, const InstructSet *s, int i, Answerer *a, Rng *r, char *buf, size_t n) {
    if (c->policy)
        policy_answer(c->policy, a, c->run, i, 1.0f, buf, n);
    else
        instruct_corrupt(buf, n, s, &s->p[i], r);
}

LabelsResult labels_run(const LabelsConfig *c, const char *out) {
    if (c->k < 2 || c->k > LABELLER_MAX_K) die("labels: K must be 2 to %d, not %d", LABELLER_MAX_K, c->k);
    InstructSet own;
    Answerer a;
    if (c->policy) {
        out = c->run->dir;
        answerer_init(&a, c->policy, c->run->T, c->seed);
    } else {
        instruct_generate(&own, c->subjects, c->heldout, c->seed);
    }
    const InstructSet *s = c->policy ? &c->run->set : &own;
    make_dirs(out);
    char path[4096];
    path_join(path, sizeof path, out, "task.tsv");
    write_task(s, path);
    /* K responses to every prompt and their gold rewards */
    char *responses = xmalloc((size_t)s->n * c->k * RESPONSE_LEN);
    double *gold = xmalloc((size_t)s->n * c->k * sizeof *gold);
    int *ks = xmalloc((size_t)s->n * sizeof *ks);
    Rng r;
    rng_seed(&r, c->seed, 3);
    for (int i = 0; i < s->n; i++) {
        ks[i] = c->k;
        for (int j = 0; j < c->k; j++) {
            char *resp = responses + ((size_t)i * c->k + j) * RESPONSE_LEN;
            respond(c, s, i, &a, &r, resp, RESPONSE_LEN);
            gold[(size_t)i * c->k + j] = gold_score(&s->world, &s->p[i], resp).total;
        }
    }
    /* the noise is calibrated on the training prompts' responses only */
    LabelsResult res = {.train = s->n_train, .heldout = s->n - s->n_train};
    res.sigma = labeller_calibrate(gold, ks, s->n_train, c->target);
    if (res.sigma < 0)
        die("labels: no labeller noise gives an agreement of %g on these responses (too many ties?)", c->target);
    res.expected = labeller_expected_agreement(gold, ks, s->n_train, res.sigma);
    Labeller la, lb;
    labeller_init(&la, res.sigma, c->seed, 0);
    labeller_init(&lb, res.sigma, c->seed, 1);
    PrefSet train = {0}, heldout = {0}, heldout_b = {0};
    long same = 0;
    rank_prompts(s, 0, s->n_train, c->k, responses, gold, &la, NULL, &train, NULL, NULL, NULL);
    rank_prompts(s, s->n_train, s->n, c->k, responses, gold, &la, &lb, &heldout, &heldout_b, &same, &res.pairs);
    res.agreement = res.pairs ? (double)same / res.pairs : 0;
    write_prefs(&train, out, "prefs_train.tsv");
    write_prefs(&heldout, out, "prefs_heldout.tsv");
    write_prefs(&heldout_b, out, "prefs_heldout_b.tsv");
    free(responses);
    free(gold);
    free(ks);
    if (c->policy)
        answerer_free(&a);
    else
        instruct_free(&own);
    return res;
}
