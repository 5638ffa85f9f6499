/*
 * test_rlhf_sft.c -- supervised fine-tuning (rlhf/sft.h) on the instruction
 * task's demonstrations (rlhf/sft_data.h), with a tiny word-level GPT.
 *
 *   - The SFT loss is the mean cross-entropy over the response tokens and
 *     </s> only: equal to -log softmax of the logits at those positions,
 *     computed by hand from a forward pass without targets; over a batch,
 *     the mean over all its response tokens.
 *   - Quality: 200 steps on 45 demonstrations take the training loss below
 *     half its starting value; the run is reproducible from its seed.
 */
#include "harness.h"
#include "rlhf/instruct.h"
#include "rlhf/sft.h"
#include "rlhf/sft_data.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { T = 40 };   /* a list of three facts about a three-word name takes 33 */

typedef struct {
    InstructSet set;
    Vocab *v;
    int n, *tokens, *targets;
    Gpt m;
} Setup;

/* 20 subjects (15 trained on: 45 prompts), their demonstrations laid out,
 * and an untrained 2-layer GPT over the task's words. */
static void setup(Setup *s) {
    instruct_generate(&s->set, 20, 0.25, 3);
    s->v = instruct_tokenizer(&s->set);
    s->n = s->set.n_train;
    s->tokens = xmalloc((size_t)s->n * T * sizeof(int));
    s->targets = xmalloc((size_t)s->n * T * sizeof(int));
    char err[256];
    for (int i = 0; i < s->n; i++) {
        const TaskPrompt *p = &s->set.p[i];
        int used = sft_example(s->v, p->prompt, p->demo, T, s->tokens + (size_t)i * T, s->targets + (size_t)i * T,
                               err, sizeof err);
        ck_assert_msg(used > 0, "%s", err);
    }
    GptConfig cfg = {.max_seq_len = T, .vocab_size = s->v->size, .n_layer = 2, .n_head = 2, .channels = 32,
                     .bias = 1, .dropout = 0};
    gpt_build(&s->m, &cfg);
    gpt_init_weights(&s->m, 1);
}

static void teardown(Setup *s) {
    gpt_free(&s->m);
    free(s->tokens);
    free(s->targets);
    vocab_free(s->v);
    instruct_free(&s->set);
}

START_TEST(test_loss_counts_the_response_only) {
    Setup s;
    setup(&s);
    const int *tok = s.tokens + T, *tgt = s.targets + T;   /* the second example */
    gpt_forward(&s.m, tok, NULL, 1, T);
    int V = s.v->size, count = 0;
    double sum = 0;
    for (int t = 0; t < T; t++) {
        if (tgt[t] < 0) continue;
        const float *z = s.m.a.logits + (size_t)t * V;
        double mx = z[0], norm = 0;
        for (int j = 1; j < V; j++) mx = z[j] > mx ? z[j] : mx;
        for (int j = 0; j < V; j++) norm += exp(z[j] - mx);
        sum += -(z[tgt[t]] - mx - log(norm));
        count++;
    }
    ck_assert_int_gt(count, 3);
    double want = sum / count, got = sft_loss(&s.m, tok, tgt, 1, T, 4);
    ck_assert_msg(fabs(got - want) < 1e-4, "sft_loss %g, by hand %g", got, want);
    /* over several examples: the mean over all their response tokens */
    double two = sft_loss(&s.m, s.tokens, s.targets, 2, T, 4), one_by_one = 0;
    int k0 = 0, k1 = 0;
    for (int t = 0; t < T; t++) k0 += s.targets[t] >= 0, k1 += tgt[t] >= 0;
    one_by_one = (sft_loss(&s.m, s.tokens, s.targets, 1, T, 4) * k0 + got * k1) / (k0 + k1);
    ck_assert_msg(fabs(two - one_by_one) < 1e-4, "batched %g, one by one %g", two, one_by_one);
    teardown(&s);
}
END_TEST

START_TEST(test_sft_learns_and_is_reproducible) {
    Setup s;
    setup(&s);
    double before = sft_loss(&s.m, s.tokens, s.targets, s.n, T, 16);
    SftConfig c;
    sft_defaults(&c);
    c.batch = 8;
    c.steps = 200;
    c.lr = 3e-3f;
    float losses[200];
    sft_train(&s.m, &c, s.tokens, s.targets, s.n, T, losses);
    double after = sft_loss(&s.m, s.tokens, s.targets, s.n, T, 16);
    printf("SFT training loss %.3f -> %.3f (log V = %.3f)\n", before, after, log(s.v->size));
    ck_assert_double_lt(after, 0.5 * before);
    /* the same seed, the same losses */
    gpt_init_weights(&s.m, 1);
    float again[200];
    sft_train(&s.m, &c, s.tokens, s.targets, s.n, T, again);
    for (int i = 0; i < 200; i++) ck_assert_msg(losses[i] == again[i], "step %d: %g then %g", i, losses[i], again[i]);
    teardown(&s);
}
END_TEST

static Suite *rlhf_sft_suite(void) {
    Suite *s = suite_create("rlhf_sft");
    TCase *tc = tcase_create("sft");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_loss_counts_the_response_only);
    tcase_add_test(tc, test_sft_learns_and_is_reproducible);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(rlhf_sft_suite)
