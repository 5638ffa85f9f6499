/*
 * test_rnn_elmo.c -- chapter 3's ELMo probe (rnn/elmo_probe.h): a tagged
 * corpus (rnn/tagged.h), the linear probe and its layer mix (rnn/probe.h),
 * the biLM's layers (rnn/elmo.h) and `rnn elmo-probe`'s bad input.
 *
 *   - Tags: Brown's positional suffixes and foreign-word prefixes go; the
 *     split holds out every 10th sentence; malformed tokens are errors.
 *   - The probe's mix: its gradients against central differences.
 *   - The biLM's layers: the forward half of a word depends on its left
 *     context only, the backward half on its right context only.
 *   - Quality: in a tiny language where "fly" is a noun after "the" and a
 *     verb after a noun, a probe on the biLM's first layer tags "fly" right
 *     where a probe on the static layer 0 cannot do better than a guess.
 *   - The command line: a missing or malformed corpus exits 1 naming it, bad
 *     options exit 2; the whole command runs on the tiny language, and a
 *     second run loads the biLM it trained.
 */
#include "harness.h"
#include "gradcheck.h"
#include "rnn/elmo.h"
#include "rnn/elmo_probe.h"
#include "rnn/probe.h"
#include "rnn/tagged.h"
#include "rng.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ tags */

START_TEST(test_brown_tags_simplified) {
    const char *in[] = { "NN-TL", "nn-tl-hl", "np$-tl", "fw-in-tl", "ppss+md", "md*", "vbd", ".-hl", "in-nc" };
    const char *want[] = { "nn", "nn", "np$", "fw", "ppss+md", "md*", "vbd", ".", "in" };
    for (size_t k = 0; k < sizeof in / sizeof *in; k++) {
        char tag[32];
        snprintf(tag, sizeof tag, "%s", in[k]);
        rnn_tagged_simplify(tag);
        ck_assert_str_eq(tag, want[k]);
    }
}
END_TEST

START_TEST(test_tagged_split_and_words) {
    char text[4096] = "";
    for (int i = 0; i < 20; i++) {   /* sentence i: "w<i>/nn 1/2/cd ./." */
        char line[64];
        snprintf(line, sizeof line, "\n\tW%d/nn-tl 1/2/cd ./.\n", i);
        strcat(text, line);
    }
    TaggedCorpus c;
    char err[256];
    ck_assert_int_eq(rnn_tagged_parse(&c, text, strlen(text), 10, err, sizeof err), 0);
    ck_assert_int_eq(c.split[TAGGED_TRAIN].n_sent, 18);
    ck_assert_int_eq(c.split[TAGGED_HELDOUT].n_sent, 2);   /* sentences 9 and 19 */
    ck_assert_int_eq(c.split[TAGGED_HELDOUT].n_tok, 6);
    ck_assert_int_eq(c.tags.n, 3);
    ck_assert(strncmp(c.split[TAGGED_HELDOUT].text, "w9 1/2 .\nw19 1/2 .\n", 19) == 0);
    char tag[16];
    ck_assert_str_eq(rnn_tagged_tag_name(&c, c.split[TAGGED_TRAIN].tag[1], tag, sizeof tag), "cd");
    rnn_tagged_free(&c);
    const char *bad[] = { "the/at dog\n", "the/at /nn\n", "the/ dog/nn\n", "the/at\n" };
    for (int k = 0; k < 4; k++)
        ck_assert_int_eq(rnn_tagged_parse(&c, bad[k], strlen(bad[k]), 10, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "too few"), "%s", err);   /* one sentence: nothing held out */
    ck_assert_int_eq(rnn_tagged_parse(&c, bad[0], strlen(bad[0]), 10, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "line 1: 'dog' is not a word/tag token"), "%s", err);
}
END_TEST

/* ------------------------------------------------------------ the probe's gradients */

typedef struct {
    RnnProbe *p;
    const float *const *xs;
    const int *tags;
    int N;
    float *scratch;
} ProbeCase;

static double probe_loss(void *ctx) {
    ProbeCase *c = ctx;
    return rnn_probe_loss(c->p, c->xs, c->tags, c->N, c->scratch, 0);
}

START_TEST(test_probe_mix_gradients) {
    enum { K = 3, D = 5, C = 4, N = 6 };
    RnnProbe p;
    rnn_probe_build(&p, K, D, C);
    Rng r;
    rng_seed(&r, 3, 0);
    rng_fill_normal(&r, p.pt.values, p.pt.total, 0.0f, 0.5f);   /* mix, gamma, W, b all away from their start */
    float x[K][N * D];
    const float *xs[K];
    for (int j = 0; j < K; j++) { rng_fill_normal(&r, x[j], N * D, 0.0f, 1.0f); xs[j] = x[j]; }
    int tags[N] = { 0, 1, 2, 3, 1, 2 };
    float *scratch = malloc(rnn_probe_scratch_size(&p, N) * sizeof(float));
    params_zero_grad(&p.pt);
    rnn_probe_loss(&p, xs, tags, N, scratch, 1);
    ProbeCase pc = { &p, xs, tags, N, scratch };
    double err = gradcheck("probe with mix", probe_loss, &pc, p.pt.values, p.pt.grads, p.pt.total, 1e-2f);
    ck_assert_msg(err < 2e-3, "relative error %g", err);
    float s[K];
    rnn_probe_mix_weights(&p, s);
    ck_assert_float_eq_tol(s[0] + s[1] + s[2], 1.0f, 1e-6f);
    free(scratch);
    rnn_probe_free(&p);
}
END_TEST

/* ------------------------------------------------------------ the biLM's layers */

static void tiny_bilm(RnnLm *fwd, RnnLm *bwd, int V, int H, int L) {
    RnnLmConfig cfg = { RNN_LSTM, V, H, H, L, 0.0f };
    Rng r;
    rng_seed(&r, 5, 0);
    rnn_lm_build(fwd, &cfg);
    rnn_lm_build(bwd, &cfg);
    rnn_lm_init_uniform(fwd, 0.5f, &r);
    rnn_lm_init_uniform(bwd, 0.5f, &r);
}

START_TEST(test_layers_see_their_side) {
    enum { V = 9, H = 4, L = 2, W = 2 * H };
    RnnLm fwd, bwd;
    tiny_bilm(&fwd, &bwd, V, H, L);
    /* two sentences that differ only in their last word, and one of two words */
    int ids[8] = { 4, 5, 6, 7, 4, 5, 6, 8 }, *short_ids = ids;
    long start[3] = { 0, 4, 8 }, short_start[2] = { 0, 2 };
    float mem[3][L + 1][8 * W], *a[L + 1], *b[L + 1], *c[L + 1];
    for (int l = 0; l <= L; l++) { a[l] = mem[0][l]; b[l] = mem[1][l]; c[l] = mem[2][l]; }
    rnn_elmo_layers(a, &fwd, &bwd, ids, start, 2);
    rnn_elmo_layers(b, &fwd, &bwd, short_ids, short_start, 1);
    for (int l = 0; l <= L; l++)
        for (int i = 0; i < 3; i++) {
            const float *s1 = a[l] + (size_t)i * W, *s2 = a[l] + (size_t)(4 + i) * W;
            /* word i < 3 has the same left context in both: the forward half agrees */
            for (int q = 0; q < H; q++) ck_assert_float_eq_tol(s1[q], s2[q], 1e-6f);
            /* the backward half reads the differing last word (layer 0 reads no context) */
            double diff = 0;
            for (int q = H; q < W; q++) diff += fabs(s1[q] - s2[q]);
            if (l == 0) ck_assert(diff < 1e-6);
            else ck_assert_msg(diff > 1e-4, "layer %d word %d: backward half blind to the right context", l, i);
        }
    /* a sentence cut after word 1: the forward half of words 0 and 1 is unchanged */
    for (int l = 0; l <= L; l++)
        for (int i = 0; i < 2; i++)
            for (int q = 0; q < H; q++) ck_assert_float_eq_tol(b[l][(size_t)i * W + q], a[l][(size_t)i * W + q], 1e-6f);
    rnn_elmo_layers(c, &fwd, &bwd, ids, start, 2);   /* deterministic */
    ck_assert_mem_eq(mem[2], mem[0], sizeof mem[0]);
    int rev_in[4] = { 1, 2, 3, 4 }, *rev = rnn_elmo_reverse(rev_in, 4);
    ck_assert(rev[0] == 4 && rev[3] == 1);
    free(rev);
    rnn_lm_free(&fwd); rnn_lm_free(&bwd);
}
END_TEST

/* ------------------------------------------------------------ quality */

/* "fly" is a noun after "the" (the fly sees the dog) and a verb after a noun
 * (the dog fly the cat): its tag is its left neighbour's business. */
static char *fly_language(int n, uint64_t seed) {
    static const char *const nouns[] = { "dog", "cat", "bird", "fish" }, *const verbs[] = { "sees", "eats", "likes" };
    Rng r;
    rng_seed(&r, seed, 0);
    char *text = malloc((size_t)n * 96), *p = text;
    for (int i = 0; i < n; i++) {
        const char *n1 = nouns[rng_below(&r, 4)], *n2 = nouns[rng_below(&r, 4)];
        if (rng_below(&r, 2))
            p += sprintf(p, "the/at fly/nn %s/vbz the/at %s/nn ./.\n", verbs[rng_below(&r, 3)], n2);
        else
            p += sprintf(p, "the/at %s/nn fly/vb the/at %s/nn ./.\n", n1, n2);
    }
    return text;
}

START_TEST(test_context_beats_static_on_fly) {
    char *text = fly_language(400, 7), err[256];
    TaggedCorpus c;
    ck_assert_int_eq(rnn_tagged_parse(&c, text, strlen(text), 10, err, sizeof err), 0);
    free(text);
    const TaggedSplit *tr = &c.split[TAGGED_TRAIN];
    Vocab *v = vocab_build(VOCAB_WORD, tr->text, tr->len, 1, 0);
    RnnLmTrainOptions o;
    rnn_lm_train_defaults(&o);
    o.model = (RnnLmConfig){ .kind = RNN_LSTM, .E = 16, .H = 16, .L = 2 };
    o.T = 12; o.B = 8; o.steps = 150; o.lr = 1e-2f; o.quiet = 1; o.eval_tokens = 200;
    RnnLm fwd, bwd;
    double loss[2];
    rnn_elmo_train_bilm(&fwd, &bwd, loss, &c, v, &o, tmp_path("rnn_elmo_fly"));
    ck_assert_msg(loss[0] < 1.2 && loss[1] < 1.2, "the biLM did not learn the language: %g %g nats", loss[0], loss[1]);
    ElmoProbeOptions po = { .probe_tokens = 0, .test_tokens = 0 };
    rnn_probe_config_default(&po.probe);
    po.probe.epochs = 20;
    ElmoProbeRun r;
    rnn_elmo_probe_run(&r, &c, &fwd, &bwd, v, &po);
    const ElmoProbeRow *l0 = rnn_elmo_probe_row(&r, "layer0"), *l1 = rnn_elmo_probe_row(&r, "layer1");
    const ElmoProbeRow *mix = rnn_elmo_probe_row(&r, "mix"), *mft = rnn_elmo_probe_row(&r, "mft");
    ck_assert(l0 && l1 && mix && mft && !rnn_elmo_probe_row(&r, "static"));
    /* only "fly" is ambiguous: a static vector gives it one tag, right about half the time */
    printf("fly language: %ld held-out uses of fly; accuracy on them: most frequent tag %.3f, layer 0 %.3f, "
           "layer 1 %.3f, mix %.3f\n", r.test_ambiguous, mft->acc_ambiguous, l0->acc_ambiguous, l1->acc_ambiguous,
           mix->acc_ambiguous);
    ck_assert_int_gt(r.test_ambiguous, 20);
    ck_assert_msg(l0->acc_ambiguous < 0.75, "static layer 0 on fly: %.3f", l0->acc_ambiguous);
    ck_assert_msg(mft->acc_ambiguous < 0.75, "most frequent tag on fly: %.3f", mft->acc_ambiguous);
    ck_assert_msg(l1->acc_ambiguous > l0->acc_ambiguous + 0.3, "layer 1 %.3f vs layer 0 %.3f on fly",
                  l1->acc_ambiguous, l0->acc_ambiguous);
    ck_assert_msg(mix->acc_ambiguous > 0.95, "the mix on fly: %.3f", mix->acc_ambiguous);
    rnn_elmo_probe_free(&r);
    vocab_free(v);
    rnn_lm_free(&fwd); rnn_lm_free(&bwd);
    rnn_tagged_free(&c);
}
END_TEST

/* ------------------------------------------------------------ the command line */

START_TEST(test_cli_bad_input) {
    if (!bin_path("rnn")) SKIP_TEST("bin/rnn is not built");
    scratch_begin("rnn_elmo_cli");
    const char *malformed = scratch_put("bad.txt", "the/at dog/nn ./.\nthe/at cat ./.\n");
    const char *empty = scratch_put("empty.txt", "");
    const char *notzip = scratch_put("notbrown.zip", "this is no zip file\n");
    char args[8192];
    snprintf(args, sizeof args, "elmo-probe --tagged '%s' --out '%s'", scratch_at("nothing.txt"), scratch_at("o"));
    bin_expect("rnn", args, NULL, 1, (const char *const[]){ "nothing.txt", NULL });
    snprintf(args, sizeof args, "elmo-probe --tagged '%s' --out '%s'", malformed, scratch_at("o"));
    bin_expect("rnn", args, NULL, 1, (const char *const[]){ "bad.txt': line 2: 'cat' is not a word/tag token", NULL });
    snprintf(args, sizeof args, "elmo-probe --tagged '%s' --out '%s'", empty, scratch_at("o"));
    bin_expect("rnn", args, NULL, 1, (const char *const[]){ "too few", NULL });
    snprintf(args, sizeof args, "elmo --tagged '%s' --out '%s'", notzip, scratch_at("o"));
    bin_expect("rnn", args, NULL, 1, (const char *const[]){ "not NLTK's brown.zip", NULL });
    snprintf(args, sizeof args, "elmo-probe --model '%s' --tagged '%s'", scratch_at("none"), malformed);
    bin_expect("rnn", args, NULL, 1, (const char *const[]){ "line 2", NULL });
    const char *usage[] = { "elmo-probe --probe-tokens 0", "elmo-probe --vocab x", "elmo-probe --preset ptb",
                            "elmo-probe --layers 9", "elmo-probe stray", "elmo --steps -1", "elmo --bogus" };
    for (size_t k = 0; k < sizeof usage / sizeof *usage; k++) bin_expect("rnn", usage[k], NULL, 2, NULL);
    char *out = bin_expect_ok("rnn", "elmo-probe --help", NULL);
    expect_has(out, "RESULT stage=rnn task=elmo-probe", "elmo-probe --help");
    free(out);
    scratch_end();
}
END_TEST

/* The whole command on the tiny language: a biLM, word2vec, every probe, the
 * table file and the "flies" part (whose sentences it has never seen; ten
 * of its own with "flies" are added, nine of them for training). */
START_TEST(test_cli_end_to_end) {
    if (!bin_path("rnn")) SKIP_TEST("bin/rnn is not built");
    scratch_begin("rnn_elmo_e2e");
    char *text = fly_language(300, 3);
    text = realloc(text, strlen(text) + 10 * 32);
    for (int k = 0; k < 10; k++) strcat(text, "he/pps flies/vbz ./.\n");
    const char *corpus = scratch_put("fly.txt", text);
    free(text);
    char args[8192];
    snprintf(args, sizeof args, "elmo-probe --tagged '%s' --out '%s' --steps 30 --hidden 8 --layers 1 "
             "--static-dim 8 --probe-tokens 600 --probe-epochs 2 --quiet", corpus, scratch_at("run"));
    char *out = bin_expect_ok("rnn", args, NULL);
    const char *reprs[] = { "mft", "static", "layer0", "layer1", "mix" };
    for (int k = 0; k < 5; k++) {
        char want[64];
        snprintf(want, sizeof want, "RESULT stage=rnn task=elmo-probe repr=%s ", reprs[k]);
        expect_has(out, want, "elmo-probe's output");
    }
    expect_has(out, "\"flies\" in \"he flies to chicago every week .\": tag by probe", "elmo-probe's output");
    expect_has(out, "(gold tags):\n  he/pps flies/vbz; he/pps flies/vbz;", "the training sentences' \"flies\"");
    ck_assert(scratch_exists("run/probe.tsv") && scratch_exists("run/fwd/model.ckpt") && scratch_exists("run/bwd/model.ckpt"));
    free(out);
    /* a second run loads the biLM instead of training it */
    out = bin_expect_ok("rnn", args, NULL);
    ck_assert_msg(!strstr(out, "task=elmo-bilm"), "the second run trained again");
    free(out);
    scratch_end();
}
END_TEST

static Suite *elmo_suite(void) {
    Suite *s = suite_create("rnn_elmo");
    TCase *tc = tcase_create("elmo");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_brown_tags_simplified);
    tcase_add_test(tc, test_tagged_split_and_words);
    tcase_add_test(tc, test_probe_mix_gradients);
    tcase_add_test(tc, test_layers_see_their_side);
    tcase_add_test(tc, test_context_beats_static_on_fly);
    tcase_add_test(tc, test_cli_bad_input);
    tcase_add_test(tc, test_cli_end_to_end);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(elmo_suite)
