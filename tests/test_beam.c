/*
 * test_beam.c -- greedy and beam search (common/beam.h) on toy models small
 * enough that every output can be enumerated.
 *
 * A toy model is a table of logits (sentence, step t, key, token): the key is
 * either the previous token (BOS at t = 0) or the sum of the tokens generated
 * so far, mod V. The second kind keeps a recurrent state -- the sum -- that
 * must follow its hypothesis through the parent indices, as an RNN's hidden
 * state or a Transformer's KV cache must. The step function also checks the
 * rows it is given (t in order, parents in range and in the same sentence,
 * rows in sentence order).
 *
 * What is checked:
 *   - beam 1 equals greedy, token for token and score for score, on random tables;
 *   - a beam as wide as the whole output space (V^L) returns the best sequence
 *     found by brute-force enumeration, with alpha = 0, 0.6 and 1, and keeps
 *     every hypothesis, sorted;
 *   - hand-built cases: length normalisation turns a short winner into a long
 *     one; greedy is wrong and beam 2 is right; an EOS outside the top K is
 *     not set aside; max_len cuts;
 *   - B sentences decoded together equal each decoded alone;
 *   - the log-probability of every returned hypothesis, recomputed from its
 *     tokens alone, equals the one the search reports (a state that did not
 *     follow its parent would give other logits);
 *   - a token with logit -inf is never chosen;
 *   - bad sizes, ids and logits die with exit 2 (usage) or 1 (input).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "beam.h"
#include "harness.h"
#include "ops.h"
#include "rng.h"
#include "util.h"

/* ---------------------------------------------------------------- toy model */

typedef struct {
    int V, L, bos;
    int first;              /* row of source sentence s uses the table of sentence first + s */
    int sum_state;          /* 0: key = previous token; 1: key = sum of tokens so far mod V */
    float *table;           /* (nsent, L, V, V) logits by sentence, step, key, token */
    int cap;                /* most rows a step may get */
    int *key, *key_old;     /* (cap) each row's key: the state that follows the parents */
    int *src_old;           /* (cap) the previous step's src */
    int prev_n, next_t;     /* rows and step expected from the previous call */
    long reordered;         /* rows whose parent was not their own index (t > 0) */
} Toy;

static Toy *toy_create(int nsent, int V, int L, int bos, int sum_state, int cap) {
    Toy *m = xcalloc(1, sizeof *m);
    m->V = V; m->L = L; m->bos = bos; m->sum_state = sum_state; m->cap = cap;
    m->table = xcalloc((size_t)nsent * L * V * V, sizeof(float));
    m->key = xmalloc((size_t)cap * sizeof(int));
    m->key_old = xmalloc((size_t)cap * sizeof(int));
    m->src_old = xmalloc((size_t)cap * sizeof(int));
    return m;
}

static void toy_free(Toy *m) {
    free(m->table); free(m->key); free(m->key_old); free(m->src_old); free(m);
}

static float *toy_row(const Toy *m, int s, int t, int key) {
    return m->table + (((size_t)s * m->L + t) * m->V + key) * m->V;
}

/* Random logits, N(0, 2): ties between scores have probability ~0. */
static void toy_fill_random(Toy *m, int nsent, Rng *rng) {
    rng_fill_normal(rng, m->table, (size_t)nsent * m->L * m->V * m->V, 0.0f, 2.0f);
}

/* Prepare for a new decoding call. */
static void toy_reset(Toy *m, int first) {
    m->first = first; m->prev_n = 0; m->next_t = 0;
}

/* The BeamStepFn: reorder the state by parent, feed the token, look up the logits. */
static void toy_step(void *model, float *logits, const int *tokens, const int *parent,
                     const int *src, int n, int t) {
    Toy *m = model;
    /* Check's ck_assert records every call it passes (slow at this rate):
     * the step checks itself and calls ck_abort_msg only on a failure. */
    if (t != m->next_t) ck_abort_msg("step %d called, %d expected", t, m->next_t);
    if (n < 1 || n > m->cap) ck_abort_msg("%d rows, outside [1, %d]", n, m->cap);
    if (t >= m->L) ck_abort_msg("step %d past the table's %d steps", t, m->L);
    memcpy(m->key_old, m->key, (size_t)m->cap * sizeof(int));
    for (int i = 0; i < n; i++) {
        if (i > 0 && src[i] < src[i - 1]) ck_abort_msg("rows out of sentence order");
        if (t == 0) {
            if (parent[i] != -1 || tokens[i] != m->bos)
                ck_abort_msg("step 0, row %d: parent %d, token %d (want -1, BOS %d)", i, parent[i], tokens[i], m->bos);
            m->key[i] = m->sum_state ? 0 : m->bos;
        } else {
            if (parent[i] < 0 || parent[i] >= m->prev_n)
                ck_abort_msg("parent %d outside [0, %d)", parent[i], m->prev_n);
            if (src[i] != m->src_old[parent[i]])
                ck_abort_msg("row %d of sentence %d continues a row of sentence %d", i, src[i], m->src_old[parent[i]]);
            if (parent[i] != i) m->reordered++;
            m->key[i] = m->sum_state ? (m->key_old[parent[i]] + tokens[i]) % m->V : tokens[i];
        }
        memcpy(logits + (size_t)i * m->V, toy_row(m, m->first + src[i], t, m->key[i]),
               (size_t)m->V * sizeof(float));
    }
    memcpy(m->src_old, src, (size_t)n * sizeof(int));
    m->prev_n = n;
    m->next_t = t + 1;
}

/* The log-probabilities at step t after prefix (t tokens), from the tokens alone. */
static void toy_logp(const Toy *m, int s, const int *prefix, int t, float *logp) {
    int key = m->bos;
    if (m->sum_state) {
        key = 0;
        for (int u = 0; u < t; u++) key = (key + prefix[u]) % m->V;
    } else if (t > 0) {
        key = prefix[t - 1];
    }
    log_softmax_forward(logp, toy_row(m, s, t, key), 1, m->V);
}

/* log P(Y) of a hypothesis from its tokens alone, summed as the search sums it. */
static double toy_logprob(const Toy *m, int s, const BeamHyp *h, int eos) {
    float logp[16];
    double lp = 0.0;
    for (int t = 0; t < h->len + h->ended; t++) {
        toy_logp(m, s, h->tokens, t, logp);
        lp += logp[t < h->len ? h->tokens[t] : eos];
    }
    return lp;
}

/* ---------------------------------------------------------------- brute force */

typedef struct {
    int tokens[16], len, ended;
    double logprob, score;
    long count;   /* hypotheses enumerated */
} Best;

/* Every output of length <= L: ended by EOS, or cut at L. */
static void enumerate(const Toy *m, int s, int eos, float alpha, int *prefix, int t, double lp,
                      Best *best) {
    float logp[16];
    toy_logp(m, s, prefix, t, logp);
    for (int v = 0; v < m->V; v++) {
        double lpv = lp + logp[v];
        int ended = v == eos;
        if (!ended && t + 1 < m->L) {
            prefix[t] = v;
            enumerate(m, s, eos, alpha, prefix, t + 1, lpv, best);
            continue;
        }
        if (!ended) prefix[t] = v;
        int len = ended ? t : t + 1;
        double score = lpv / beam_length_penalty(len + ended, alpha);
        best->count++;
        if (best->count == 1 || score > best->score) {
            memcpy(best->tokens, prefix, (size_t)len * sizeof(int));
            best->len = len; best->ended = ended; best->logprob = lpv; best->score = score;
        }
    }
}

static Best brute_force(const Toy *m, int s, int eos, float alpha) {
    Best best = { .count = 0 };
    int prefix[16];
    enumerate(m, s, eos, alpha, prefix, 0, 0.0, &best);
    return best;
}

/* ---------------------------------------------------------------- helpers */

static void expect_same_hyp(const BeamHyp *a, const BeamHyp *b, const char *what) {
    ck_assert_msg(a->len == b->len && a->ended == b->ended, "%s: lengths %d%s vs %d%s", what,
                  a->len, a->ended ? "+EOS" : "", b->len, b->ended ? "+EOS" : "");
    for (int t = 0; t < a->len; t++)
        ck_assert_msg(a->tokens[t] == b->tokens[t], "%s: token %d: %d vs %d", what, t,
                      a->tokens[t], b->tokens[t]);
    ck_assert_msg(a->logprob == b->logprob, "%s: logprob %.17g vs %.17g", what, a->logprob, b->logprob);
    ck_assert_msg(a->score == b->score, "%s: score %.17g vs %.17g", what, a->score, b->score);
}

static void expect_tokens(const BeamHyp *h, const int *want, int len, int ended) {
    ck_assert_int_eq(h->len, len);
    ck_assert_int_eq(h->ended, ended);
    for (int t = 0; t < len; t++) ck_assert_int_eq(h->tokens[t], want[t]);
}

static const float ALPHAS[] = { 0.0f, 0.6f, 1.0f };

/* ---------------------------------------------------------------- tests */

START_TEST(test_beam1_equals_greedy) {
    Rng rng; rng_seed(&rng, 7, 0);
    for (int trial = 0; trial < 300; trial++) {
        int V = 2 + (int)rng_below(&rng, 6), L = 1 + (int)rng_below(&rng, 6);
        int nsent = 1 + (int)rng_below(&rng, 4), bos = (int)rng_below(&rng, V);
        int eos = (int)rng_below(&rng, V), sum_state = (int)rng_below(&rng, 2);
        float alpha = ALPHAS[rng_below(&rng, 3)];
        Toy *m = toy_create(nsent, V, L, bos, sum_state, nsent);
        toy_fill_random(m, nsent, &rng);
        BeamSearch *greedy = beam_create(nsent, 1, V, L), *beam = beam_create(nsent, 1, V, L);
        toy_reset(m, 0);
        beam_greedy(greedy, nsent, toy_step, m, bos, eos, alpha);
        toy_reset(m, 0);
        beam_search(beam, nsent, toy_step, m, bos, eos, alpha);
        for (int s = 0; s < nsent; s++) {
            ck_assert_int_eq(beam_count(greedy, s), 1);
            ck_assert_int_eq(beam_count(beam, s), 1);
            expect_same_hyp(beam_best(beam, s), beam_best(greedy, s), "beam 1 vs greedy");
            ck_assert(toy_logprob(m, s, beam_best(greedy, s), eos) == beam_best(greedy, s)->logprob);
        }
        beam_free(greedy); beam_free(beam); toy_free(m);
    }
}
END_TEST

START_TEST(test_full_width_is_exhaustive) {
    Rng rng; rng_seed(&rng, 11, 0);
    for (int trial = 0; trial < 60; trial++) {
        int V = 2 + (int)rng_below(&rng, 3), L = 1 + (int)rng_below(&rng, 4), nsent = 2;
        int K = 1;
        for (int l = 0; l < L; l++) K *= V;   /* V^L: wider than the whole space */
        int bos = (int)rng_below(&rng, V), eos = (int)rng_below(&rng, V);
        Toy *m = toy_create(nsent, V, L, bos, trial % 2, nsent * K);
        toy_fill_random(m, nsent, &rng);
        BeamSearch *bs = beam_create(nsent, K, V, L);
        for (int a = 0; a < 3; a++) {
            toy_reset(m, 0);
            beam_search(bs, nsent, toy_step, m, bos, eos, ALPHAS[a]);
            for (int s = 0; s < nsent; s++) {
                Best want = brute_force(m, s, eos, ALPHAS[a]);
                const BeamHyp *got = beam_best(bs, s);
                expect_tokens(got, want.tokens, want.len, want.ended);
                ck_assert(got->logprob == want.logprob);
                ck_assert(got->score == want.score);
                /* nothing was pruned: every hypothesis is in the n-best list, sorted */
                ck_assert_int_eq(beam_count(bs, s), want.count);
                const BeamHyp *list = beam_nbest(bs, s);
                for (int j = 1; j < beam_count(bs, s); j++) ck_assert(list[j - 1].score >= list[j].score);
            }
        }
        beam_free(bs); toy_free(m);
    }
}
END_TEST

/* A hand-built table over V = 4: BOS 0, EOS 1, tokens 2 and 3. Every entry is
 * a log-probability, -30 ("never") unless set; the rows set sum to 1. */
static Toy *hand_toy(int L) {
    Toy *m = toy_create(1, 4, L, 0, 0, 8);
    for (size_t i = 0; i < (size_t)L * 4 * 4; i++) m->table[i] = -30.0f;
    return m;
}

static void set_p(Toy *m, int t, int prev, int v, float p) { toy_row(m, 0, t, prev)[v] = logf(p); }

START_TEST(test_length_normalisation_changes_choice) {
    /* t = 0: EOS 0.5, token 2 0.45, token 3 0.05. After 2: 2 2 2 then EOS,
     * each 0.99 (the other 0.01 on EOS, then on 2); after 3: the same with 3.
     *   []           log P = log 0.5                  = -0.693, |Y| = 1
     *   [2 2 2 2]    log P = log 0.45 + 4 log 0.99    = -0.839, |Y| = 5
     * alpha = 0: the empty output wins. alpha = 1: lp = (5+5)/6, and
     * -0.839 / 1.667 = -0.503 beats -0.693 / 1. */
    Toy *m = hand_toy(5);
    set_p(m, 0, 0, 1, 0.5f); set_p(m, 0, 0, 2, 0.45f); set_p(m, 0, 0, 3, 0.05f);
    for (int t = 1; t < 5; t++)
        for (int v = 2; v <= 3; v++) {
            set_p(m, t, v, t < 4 ? v : 1, 0.99f);
            set_p(m, t, v, t < 4 ? 1 : v, 0.01f);
        }
    BeamSearch *bs = beam_create(1, 2, 4, 5);
    int longest[] = { 2, 2, 2, 2 };
    toy_reset(m, 0);
    beam_search(bs, 1, toy_step, m, 0, 1, 0.0f);
    expect_tokens(beam_best(bs, 0), NULL, 0, 1);
    ck_assert(fabs(beam_best(bs, 0)->logprob - log(0.5)) < 1e-5);
    toy_reset(m, 0);
    beam_search(bs, 1, toy_step, m, 0, 1, 1.0f);
    const BeamHyp *h = beam_best(bs, 0);
    expect_tokens(h, longest, 4, 1);
    ck_assert(fabs(h->logprob - (log(0.45) + 4 * log(0.99))) < 1e-4);
    ck_assert(fabs(h->score - h->logprob * 6.0 / 10.0) < 1e-12);
    /* the n-best list holds the loser too, scored with lp(1) = 1 */
    ck_assert_int_eq(beam_count(bs, 0), 2);
    expect_tokens(&beam_nbest(bs, 0)[1], NULL, 0, 1);
    ck_assert(beam_nbest(bs, 0)[1].score == beam_nbest(bs, 0)[1].logprob);
    /* greedy takes EOS first, whatever alpha */
    toy_reset(m, 0);
    beam_greedy(bs, 1, toy_step, m, 0, 1, 1.0f);
    expect_tokens(beam_best(bs, 0), NULL, 0, 1);
    beam_free(bs); toy_free(m);
}
END_TEST

START_TEST(test_beam_fixes_greedy) {
    /* t = 0: token 2 0.55, token 3 0.45. After 2: EOS 0.34, 2 0.33, 3 0.33;
     * after 3: EOS 0.99, 3 0.01. Greedy: [2] EOS, P = 0.187; beam 2: [3] EOS, P = 0.4455. */
    Toy *m = hand_toy(2);
    set_p(m, 0, 0, 2, 0.55f); set_p(m, 0, 0, 3, 0.45f);
    set_p(m, 1, 2, 1, 0.34f); set_p(m, 1, 2, 2, 0.33f); set_p(m, 1, 2, 3, 0.33f);
    set_p(m, 1, 3, 1, 0.99f); set_p(m, 1, 3, 3, 0.01f);
    BeamSearch *bs = beam_create(1, 2, 4, 2);
    int greedy_out[] = { 2 }, beam_out[] = { 3 };
    toy_reset(m, 0);
    beam_greedy(bs, 1, toy_step, m, 0, 1, 0.0f);
    expect_tokens(beam_best(bs, 0), greedy_out, 1, 1);
    ck_assert(fabs(beam_best(bs, 0)->logprob - log(0.55 * 0.34)) < 1e-5);
    toy_reset(m, 0);
    beam_search(bs, 1, toy_step, m, 0, 1, 0.0f);
    expect_tokens(beam_best(bs, 0), beam_out, 1, 1);
    ck_assert(fabs(beam_best(bs, 0)->logprob - log(0.45 * 0.99)) < 1e-5);
    /* the second best is greedy's */
    ck_assert_int_eq(beam_count(bs, 0), 2);
    expect_tokens(&beam_nbest(bs, 0)[1], greedy_out, 1, 1);
    beam_free(bs); toy_free(m);
}
END_TEST

START_TEST(test_eos_outside_top_k_waits) {
    /* Beam 2, max_len 3. t = 0: token 2 0.5, token 3 0.3, EOS 0.2.
     * t = 1, after 2: EOS 0.6, 2 0.4; after 3: EOS 0.55, 3 0.45. Candidates:
     *     [2] EOS 0.3,  [2 2] 0.2,  [3] EOS 0.165,  [3 3] 0.135
     * [2] EOS is in the top 2 and finishes; [3] EOS ranks third and is
     * dropped, not set aside; [2 2] and [3 3] stay live.
     * t = 2, after 2 or 3: EOS 0.9, the token 0.1: [2 2] EOS 0.18 finishes
     * and the sentence has its 2. The n-best list: [2], [2 2] -- it would be
     * [2], [3] if every EOS candidate were set aside. */
    Toy *m = hand_toy(3);
    set_p(m, 0, 0, 2, 0.5f); set_p(m, 0, 0, 3, 0.3f); set_p(m, 0, 0, 1, 0.2f);
    set_p(m, 1, 2, 1, 0.6f); set_p(m, 1, 2, 2, 0.4f);
    set_p(m, 1, 3, 1, 0.55f); set_p(m, 1, 3, 3, 0.45f);
    for (int v = 2; v <= 3; v++) { set_p(m, 2, v, 1, 0.9f); set_p(m, 2, v, v, 0.1f); }
    BeamSearch *bs = beam_create(1, 2, 4, 3);
    int first[] = { 2 }, second[] = { 2, 2 };
    toy_reset(m, 0);
    beam_search(bs, 1, toy_step, m, 0, 1, 0.0f);
    ck_assert_int_eq(beam_count(bs, 0), 2);
    expect_tokens(&beam_nbest(bs, 0)[0], first, 1, 1);
    expect_tokens(&beam_nbest(bs, 0)[1], second, 2, 1);
    ck_assert(fabs(beam_nbest(bs, 0)[1].logprob - log(0.5 * 0.4 * 0.9)) < 1e-5);
    ck_assert_int_eq(beam_cut_count(bs), 0);   /* both ended with EOS */
    beam_free(bs); toy_free(m);
}
END_TEST

START_TEST(test_max_len_cuts) {
    /* The model forbids EOS (logit -inf): every output runs to max_len = 3 and
     * is cut there, its length penalty counting 3 tokens (no EOS). */
    Rng rng; rng_seed(&rng, 3, 0);
    Toy *m = toy_create(1, 5, 3, 0, 1, 8);
    toy_fill_random(m, 1, &rng);
    for (int i = 0; i < 3 * 5; i++) m->table[(size_t)i * 5 + 4] = -INFINITY;   /* EOS = 4 */
    BeamSearch *bs = beam_create(1, 2, 5, 3);
    for (int greedy = 0; greedy < 2; greedy++) {
        toy_reset(m, 0);
        if (greedy) beam_greedy(bs, 1, toy_step, m, 0, 4, 1.0f);
        else beam_search(bs, 1, toy_step, m, 0, 4, 1.0f);
        ck_assert_int_eq(beam_count(bs, 0), greedy ? 1 : 2);
        for (int j = 0; j < beam_count(bs, 0); j++) {
            const BeamHyp *h = &beam_nbest(bs, 0)[j];
            ck_assert_int_eq(h->len, 3);
            ck_assert_int_eq(h->ended, 0);
            ck_assert(isfinite(h->logprob));
            ck_assert(h->score == h->logprob / pow(8.0 / 6.0, 1.0f));
            ck_assert(toy_logprob(m, 0, h, 4) == h->logprob);
        }
        ck_assert_int_eq(beam_cut_count(bs), 1);
    }
    beam_free(bs); toy_free(m);
}
END_TEST

START_TEST(test_batch_equals_alone) {
    /* One BeamSearch for 5 sentences, reused for each alone. */
    Rng rng; rng_seed(&rng, 5, 0);
    for (int trial = 0; trial < 40; trial++) {
        int V = 3 + (int)rng_below(&rng, 5), L = 2 + (int)rng_below(&rng, 5), K = 1 + (int)rng_below(&rng, 4);
        int nsent = 5, eos = (int)rng_below(&rng, V);
        float alpha = ALPHAS[trial % 3];
        Toy *m = toy_create(nsent, V, L, 0, trial % 2, nsent * K);
        toy_fill_random(m, nsent, &rng);
        BeamSearch *all = beam_create(nsent, K, V, L), *one = beam_create(nsent, K, V, L);
        for (int greedy = 0; greedy < 2; greedy++) {
            toy_reset(m, 0);
            if (greedy) beam_greedy(all, nsent, toy_step, m, 0, eos, alpha);
            else beam_search(all, nsent, toy_step, m, 0, eos, alpha);
            for (int s = 0; s < nsent; s++) {
                toy_reset(m, s);
                if (greedy) beam_greedy(one, 1, toy_step, m, 0, eos, alpha);
                else beam_search(one, 1, toy_step, m, 0, eos, alpha);
                ck_assert_int_eq(beam_count(one, 0), beam_count(all, s));
                for (int j = 0; j < beam_count(one, 0); j++)
                    expect_same_hyp(&beam_nbest(one, 0)[j], &beam_nbest(all, s)[j], "alone vs batched");
            }
        }
        beam_free(all); beam_free(one); toy_free(m);
    }
}
END_TEST

START_TEST(test_state_follows_parent) {
    /* The sum model's logits depend on its reordered state: every hypothesis
     * returned must have the log-probability its tokens alone give. The run
     * must actually reorder rows, or the test would prove nothing. */
    Rng rng; rng_seed(&rng, 9, 0);
    long reordered = 0;
    for (int trial = 0; trial < 60; trial++) {
        int V = 3 + (int)rng_below(&rng, 6), L = 2 + (int)rng_below(&rng, 6), K = 2 + (int)rng_below(&rng, 4);
        int nsent = 1 + (int)rng_below(&rng, 3), eos = (int)rng_below(&rng, V);
        Toy *m = toy_create(nsent, V, L, 0, 1, nsent * K);
        toy_fill_random(m, nsent, &rng);
        BeamSearch *bs = beam_create(nsent, K, V, L);
        toy_reset(m, 0);
        beam_search(bs, nsent, toy_step, m, 0, eos, ALPHAS[trial % 3]);
        for (int s = 0; s < nsent; s++)
            for (int j = 0; j < beam_count(bs, s); j++) {
                const BeamHyp *h = &beam_nbest(bs, s)[j];
                ck_assert_msg(toy_logprob(m, s, h, eos) == h->logprob,
                              "trial %d sentence %d hypothesis %d: logprob %.9g, its tokens give %.9g",
                              trial, s, j, h->logprob, toy_logprob(m, s, h, eos));
            }
        reordered += m->reordered;
        beam_free(bs); toy_free(m);
    }
    ck_assert(reordered > 0);
}
END_TEST

/* These die: exit 2 for a bad command-line value, 1 for bad input. */
START_TEST(test_rejects_beam_zero) { beam_create(1, 0, 5, 10); }
END_TEST
START_TEST(test_rejects_max_len_zero) { beam_create(1, 2, 5, 0); }
END_TEST
START_TEST(test_rejects_negative_alpha) {
    Toy *m = toy_create(1, 5, 3, 0, 0, 2);
    BeamSearch *bs = beam_create(1, 2, 5, 3);
    beam_search(bs, 1, toy_step, m, 0, 1, -0.5f);
}
END_TEST
START_TEST(test_rejects_one_token_vocabulary) { beam_create(1, 2, 1, 10); }
END_TEST
START_TEST(test_rejects_eos_outside_vocabulary) {
    Toy *m = toy_create(1, 5, 3, 0, 0, 2);
    BeamSearch *bs = beam_create(1, 2, 5, 3);
    beam_search(bs, 1, toy_step, m, 0, 5, 0.0f);
}
END_TEST
START_TEST(test_rejects_nan_logits) {
    Toy *m = toy_create(1, 5, 3, 0, 0, 2);
    m->table[2] = NAN;
    BeamSearch *bs = beam_create(1, 2, 5, 3);
    beam_greedy(bs, 1, toy_step, m, 0, 1, 0.0f);
}
END_TEST
START_TEST(test_rejects_undecoded_sentence) {
    Toy *m = toy_create(2, 5, 3, 0, 0, 4);
    BeamSearch *bs = beam_create(2, 2, 5, 3);
    beam_search(bs, 1, toy_step, m, 0, 1, 0.0f);   /* 1 of the 2 sentences it can hold */
    beam_best(bs, 1);
}
END_TEST
START_TEST(test_rejects_all_tokens_forbidden) {
    Toy *m = toy_create(1, 5, 3, 0, 0, 2);
    for (int v = 0; v < 5; v++) m->table[v] = -INFINITY;   /* t = 0, after BOS */
    BeamSearch *bs = beam_create(1, 2, 5, 3);
    beam_search(bs, 1, toy_step, m, 0, 1, 0.0f);
}
END_TEST

static Suite *beam_suite(void) {
    Suite *s = suite_create("beam");
    TCase *search = tcase_create("search");
    tcase_add_test(search, test_beam1_equals_greedy);
    tcase_add_test(search, test_full_width_is_exhaustive);
    tcase_add_test(search, test_length_normalisation_changes_choice);
    tcase_add_test(search, test_beam_fixes_greedy);
    tcase_add_test(search, test_eos_outside_top_k_waits);
    tcase_add_test(search, test_max_len_cuts);
    tcase_add_test(search, test_batch_equals_alone);
    tcase_add_test(search, test_state_follows_parent);
    suite_add_tcase(s, search);

    TCase *errors = tcase_create("errors");
    tcase_add_exit_test(errors, test_rejects_beam_zero, 2);
    tcase_add_exit_test(errors, test_rejects_max_len_zero, 2);
    tcase_add_exit_test(errors, test_rejects_negative_alpha, 2);
    tcase_add_exit_test(errors, test_rejects_one_token_vocabulary, 1);
    tcase_add_exit_test(errors, test_rejects_eos_outside_vocabulary, 1);
    tcase_add_exit_test(errors, test_rejects_nan_logits, 1);
    tcase_add_exit_test(errors, test_rejects_all_tokens_forbidden, 1);
    tcase_add_exit_test(errors, test_rejects_undecoded_sentence, 1);
    suite_add_tcase(s, errors);
    return s;
}

TEST_MAIN(beam_suite)
