/*
 * test_rlhf_prefs.c -- learning from preferences (chapter 7, part 2): the
 * policy's log-probabilities and their backward pass (rlhf/responses.h),
 * the scalar head (rlhf/scalar_model.h), the reward model's ranking loss
 * (rlhf/reward_model.h) and DPO's loss (rlhf/dpo.h).
 *
 *   - The ranking loss over all K(K-1)/2 pairs of a ranking, and DPO's loss,
 *     with their gradients, against PyTorch (tests/ref/ref_rlhf_prefs.py).
 *   - A response laid out from text: its actions end with </s>, the reward
 *     model reads the last one, and the text comes back.
 *   - responses_backward and scalar_model_backward against central
 *     differences of the losses they differentiate, on a tiny GPT.
 *   - Quality: a reward model on a tiny GPT, trained on rankings of edited
 *     demonstrations, orders held-out pairs better than chance.
 */
#include "harness.h"
#include "rlhf/dpo.h"
#include "rlhf/gold.h"
#include "rlhf/labeller.h"
#include "rlhf/reward_model.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { T = 40, T_LONG = 64 };   /* edited demonstrations can repeat a sentence: they get more room */

static void expect_floats(const char *label, const float *got, const float *want, size_t n, float tol) {
    ck_assert_msg(check_tensor(label, got, want, n, tol), "%s differs", label);
}

START_TEST(test_ranking_loss_matches_pytorch) {
    Fixture *fx = fixture_load("rlhf_prefs");
    size_t k;
    float *r = fixture_get(fx, "r", &k), dr[4] = {0};
    int rank[4];
    for (size_t i = 0; i < k; i++) rank[i] = fixture_int(fx, "rank", i);
    double correct;
    float loss = (float)rm_ranking_loss(r, rank, (int)k, 1.0f, dr, &correct);
    expect_floats("rm loss", &loss, fixture_get(fx, "loss_rm", NULL), 1, 1e-5f);
    expect_floats("rm dr", dr, fixture_get(fx, "dr", NULL), k, 1e-5f);
    ck_assert(correct >= 0 && correct <= 6);
    /* rewards in the ranking's order get every pair right, reversed none */
    float ordered[4], reversed[4];
    for (int i = 0; i < 4; i++) ordered[i] = (float)-rank[i], reversed[i] = (float)rank[i];
    rm_ranking_loss(ordered, rank, 4, 1, NULL, &correct);
    ck_assert_double_eq(correct, 6);
    rm_ranking_loss(reversed, rank, 4, 1, NULL, &correct);
    ck_assert_double_eq(correct, 0);
    fixture_free(fx);
}
END_TEST

START_TEST(test_dpo_loss_matches_pytorch) {
    Fixture *fx = fixture_load("rlhf_prefs");
    size_t n;
    float *pi_w = fixture_get(fx, "pi_w", &n), dw[5] = {0}, dl[5] = {0};
    float loss = (float)dpo_loss(pi_w, fixture_get(fx, "pi_l", NULL), fixture_get(fx, "ref_w", NULL),
                                 fixture_get(fx, "ref_l", NULL), (int)n, 0.1f, dw, dl, NULL);
    expect_floats("dpo loss", &loss, fixture_get(fx, "loss_dpo", NULL), 1, 1e-5f);
    expect_floats("dpo dpi_w", dw, fixture_get(fx, "dpi_w", NULL), n, 1e-5f);
    expect_floats("dpo dpi_l", dl, fixture_get(fx, "dpi_l", NULL), n, 1e-5f);
    fixture_free(fx);
}
END_TEST

typedef struct {
    InstructSet set;
    Vocab *v;
    Gpt m;
    Responses r;
} Setup;

/* A 20-subject task, a 1-layer GPT over its words, and two of its
 * demonstrations as rows 0 and 1. */
static void setup(Setup *s) {
    instruct_generate(&s->set, 20, 0.25, 3);
    s->v = instruct_tokenizer(&s->set);
    GptConfig cfg = {.max_seq_len = T, .vocab_size = s->v->size, .n_layer = 1, .n_head = 2, .channels = 16, .bias = 1};
    gpt_build(&s->m, &cfg);
    gpt_init_weights(&s->m, 5);
    gpt_alloc_acts(&s->m, 2, T);
    responses_alloc(&s->r, 2, T, s->v->size);
    char err[256];
    for (int b = 0; b < 2; b++)
        ck_assert_msg(!responses_set(&s->r, b, s->v, s->set.p[b].prompt, s->set.p[b].demo, err, sizeof err), "%s", err);
}

static void teardown(Setup *s) {
    responses_free(&s->r);
    gpt_free(&s->m);
    vocab_free(s->v);
    instruct_free(&s->set);
}

START_TEST(test_response_layout) {
    Setup s;
    setup(&s);
    const TaskPrompt *p = &s.set.p[1];
    ck_assert_int_eq(s.r.start[1], instruct_count_words(p->prompt) + 1);   /* after the prompt and <s> */
    ck_assert_int_eq(s.r.len[1], instruct_count_words(p->demo) + 1);      /* the words and </s> */
    ck_assert_int_eq(s.r.tokens[responses_last(&s.r, 1)], VOCAB_EOS);
    ck_assert_int_eq(s.r.tokens[(size_t)T + s.r.start[1] - 1], VOCAB_BOS);
    char text[256];
    responses_text(&s.r, 1, s.v, text, sizeof text);
    ck_assert_str_eq(text, p->demo);
    char err[256], long_text[4096] = "";
    for (int i = 0; i < 41; i++) strcat(long_text, "Oslo ");
    ck_assert_int_eq(responses_set(&s.r, 0, s.v, p->prompt, long_text, err, sizeof err), -1);
    ck_assert_int_eq(responses_set(&s.r, 0, s.v, p->prompt, "Oslo qwxyz", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "qwxyz"), "the error names the unknown word: %s", err);
    teardown(&s);
}
END_TEST

/* L = sum over the actions of c_bt log pi(a_t), c_bt fixed weights. */
static double weighted_logprobs(Setup *s, const float *c, float *logp) {
    responses_logprobs(&s->m, &s->r, 2, logp);
    double L = 0;
    for (int i = 0; i < 2 * T; i++) L += (double)c[i] * logp[i];
    return L;
}

/* The analytic gradient of f at a few parameters against central differences. */
static void check_some_params(ParamTable *pt, double (*f)(void *), void *ctx, const char *what) {
    size_t idx[] = {0, 7, pt->total / 3, pt->total / 2 + 1, pt->total - 1};
    for (size_t k = 0; k < sizeof idx / sizeof *idx; k++) {
        float *x = pt->values + idx[k], keep = *x, eps = 1e-2f;
        *x = keep + eps;
        double up = f(ctx);
        *x = keep - eps;
        double down = f(ctx);
        *x = keep;
        double num = (up - down) / (2 * eps), ana = pt->grads[idx[k]];
        ck_assert_msg(fabs(num - ana) <= 2e-2 * fabs(num) + 2e-3, "%s: parameter %zu analytic %g, numeric %g", what,
                      idx[k], ana, num);
    }
}

typedef struct {
    Setup *s;
    float c[2 * T], logp[2 * T];
} LogpCtx;

static double logp_loss(void *ctx) {
    LogpCtx *l = ctx;
    return weighted_logprobs(l->s, l->c, l->logp);
}

START_TEST(test_logprob_backward_matches_differences) {
    Setup s;
    setup(&s);
    LogpCtx l = {.s = &s};
    Rng r;
    rng_seed(&r, 2, 0);
    for (int i = 0; i < 2 * T; i++) l.c[i] = rng_uniform(&r) - 0.5f;
    weighted_logprobs(&s, l.c, l.logp);
    params_zero_grad(&s.m.pt);
    responses_backward(&s.m, &s.r, 2, l.c);
    check_some_params(&s.m.pt, logp_loss, &l, "log-probabilities");
    teardown(&s);
}
END_TEST

typedef struct {
    ScalarModel sm;
    Responses *r;
} HeadCtx;

/* L = reward(row 0) - 2 reward(row 1) */
static double head_loss(void *ctx) {
    HeadCtx *h = ctx;
    float out[2];
    rm_rewards(&h->sm, h->r, 2, out);
    return out[0] - 2.0 * out[1];
}

START_TEST(test_scalar_head_backward_matches_differences) {
    Setup s;
    setup(&s);
    HeadCtx h = {.r = &s.r};
    scalar_model_from(&h.sm, &s.m, 2, T, 4);
    head_loss(&h);
    float dout[2 * T] = {0};
    dout[responses_last(&s.r, 0)] = 1;
    dout[responses_last(&s.r, 1)] = -2;
    params_zero_grad(&h.sm.body.pt);
    params_zero_grad(&h.sm.head.pt);
    scalar_model_backward(&h.sm, dout);
    check_some_params(&h.sm.body.pt, head_loss, &h, "scalar model trunk");
    check_some_params(&h.sm.head.pt, head_loss, &h, "scalar model head");
    scalar_model_free(&h.sm);
    teardown(&s);
}
END_TEST

/* Rankings of K = 4 edited demonstrations per prompt, by a labeller with little noise. */
static void edited_rankings(const InstructSet *set, int from, int to, PrefSet *out, unsigned long long seed) {
    Rng r;
    rng_seed(&r, seed, 3);
    Labeller lab;
    labeller_init(&lab, 0.1, seed, 0);
    char buf[4][512];
    for (int i = from; i < to; i++) {
        double gold[4];
        const char *resp[4];
        for (int j = 0; j < 4; j++) {
            instruct_corrupt(buf[j], sizeof buf[j], set, &set->p[i], &r);
            gold[j] = gold_score(&set->world, &set->p[i], buf[j]).total;
            resp[j] = buf[j];
        }
        int rank[4];
        labeller_rank(&lab, gold, 4, rank);
        prefs_add(out, set->p[i].prompt, resp, rank, 4);
    }
}

START_TEST(test_reward_model_beats_chance) {
    InstructSet set;
    instruct_generate(&set, 60, 0.25, 2);
    Vocab *v = instruct_tokenizer(&set);
    GptConfig cfg = {.max_seq_len = T_LONG, .vocab_size = v->size, .n_layer = 1, .n_head = 2, .channels = 32, .bias = 1};
    Gpt m;
    gpt_build(&m, &cfg);
    gpt_init_weights(&m, 1);
    PrefSet train = {0}, heldout = {0};
    edited_rankings(&set, 0, set.n_train, &train, 1);
    edited_rankings(&set, set.n_train, set.n, &heldout, 2);
    RmConfig c;
    rm_defaults(&c);
    c.epochs = 4;
    c.lr = 1e-3f;
    ScalarModel rm;
    scalar_model_from(&rm, &m, c.rankings * 4, T_LONG, 1);
    long pairs;
    double before = rm_accuracy(&rm, &heldout, v, T_LONG, &pairs);
    rm_train(&rm, &c, &train, v, T_LONG);
    double after = rm_accuracy(&rm, &heldout, v, T_LONG, &pairs);
    printf("reward model on edited demonstrations: held-out accuracy %.3f -> %.3f over %ld pairs\n", before, after,
           pairs);
    ck_assert_int_eq(pairs, 6L * (set.n - set.n_train));
    ck_assert_double_gt(after, 0.65);
    /* centring moves the demonstrations' mean reward to 0 */
    rm_centre_on_demos(&rm, &set, 0, set.n_train, v, T_LONG);
    ck_assert_double_lt(fabs(rm_centre_on_demos(&rm, &set, 0, set.n_train, v, T_LONG)), 1e-4);
    scalar_model_free(&rm);
    prefs_free(&train);
    prefs_free(&heldout);
    gpt_free(&m);
    vocab_free(v);
    instruct_free(&set);
}
END_TEST

static Suite *rlhf_prefs_suite(void) {
    Suite *s = suite_create("rlhf_prefs");
    TCase *tc = tcase_create("prefs");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_ranking_loss_matches_pytorch);
    tcase_add_test(tc, test_dpo_loss_matches_pytorch);
    tcase_add_test(tc, test_response_layout);
    tcase_add_test(tc, test_logprob_backward_matches_differences);
    tcase_add_test(tc, test_scalar_head_backward_matches_differences);
    tcase_add_test(tc, test_reward_model_beats_chance);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(rlhf_prefs_suite)
