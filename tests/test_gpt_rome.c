/*
 * test_gpt_rome.c -- chapter 6, locating and editing a fact (gpt/rome.h) in
 * the synthetic fact world (gpt/facts.h).
 *
 *   - Causal tracing: with zero noise every indirect effect is zero, and
 *     restoring every state (or the last layer's output at the last token)
 *     gives back the clean probability.
 *   - The rank-one update: W' k* = v*, and W' x = W x for every x orthogonal
 *     to C^-1 k* (random keys); the solve against C.
 *   - v*'s loss and gradient against PyTorch (tests/ref/ref_gpt_rome.py).
 *   - Quality: a tiny fact model learns its world in seconds, and one ROME
 *     edit makes it say the new object (efficacy 1).
 *   - Bad input: malformed fact files, an unknown subject or word.
 */
#include "harness.h"
#include "gpt/facts.h"
#include "gpt/gpt.h"
#include "gpt/rome.h"
#include "gpt/train.h"
#include "tokenizer.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

/* A random GPT with larger weights than at initialisation, so that every
 * state matters to the output. */
static void random_model(Gpt *m, int V, int L, int C) {
    GptConfig cfg = {.max_seq_len = 16, .vocab_size = V, .n_layer = L, .n_head = 2, .channels = C, .bias = 0};
    gpt_build(m, &cfg);
    gpt_init_weights(m, 5);
    for (size_t i = 0; i < m->pt.total; i++) m->pt.values[i] *= 10.0f;
}

static const RomePrompt toy_prompt = {.ids = {2, 5, 6, 7, 8, 9}, .n = 6, .subj_first = 1, .subj_last = 2};

/* ------------------------------------------------------------ causal tracing */

START_TEST(test_trace_zero_noise) {
    Gpt m;
    random_model(&m, 20, 3, 16);
    RomeTraceConfig tc = {.samples = 3, .noise = 0.0f, .window = 2, .seed = 1};
    RomeTrace tr;
    rome_trace(&m, &toy_prompt, 11, &tc, &tr);
    /* one sequence and a batch of 3 round differently in sgemm: 1e-6 */
    ck_assert(check_tensor("P corrupted = P clean", &tr.p_corrupt, &tr.p_clean, 1, 1e-6f));
    float worst = 0.0f;
    for (int s = 0; s < GPT_SITES; s++)
        for (int i = 0; i < tr.T * tr.L; i++) worst = fmaxf(worst, fabsf(tr.effect[s][i]));
    printf("zero noise: largest |indirect effect| %g\n", worst);
    ck_assert_msg(worst <= 1e-6f, "an indirect effect of %g without noise", worst);
    rome_trace_free(&tr);
    gpt_free(&m);
}
END_TEST

START_TEST(test_trace_restore_all) {
    Gpt m;
    random_model(&m, 20, 3, 16);
    int L = 3, C = 16, T = toy_prompt.n, object = 11;
    RomeTraceConfig tc = {.samples = 4, .noise = 1.0f, .window = 2, .seed = 1};
    RomeTrace tr;
    rome_trace(&m, &toy_prompt, object, &tc, &tr);
    ck_assert_msg(tr.p_clean - tr.p_corrupt > 1e-3f || tr.p_corrupt - tr.p_clean > 1e-3f,
                  "the noise must change the probability for this test to mean anything");
    /* the last layer's output at the last position IS the clean output */
    float back = tr.p_corrupt + tr.effect[GPT_SITE_BLOCK][(size_t)(T - 1) * L + L - 1];
    ck_assert(check_tensor("restored last state", &back, &tr.p_clean, 1, 1e-5f));
    /* and so is every state restored at once, through GptPatch directly */
    float *clean = malloc((size_t)GPT_SITES * L * T * C * sizeof(float));
    unsigned char *all = malloc((size_t)L * T);
    memset(all, 1, (size_t)L * T);
    GptPatch rec = {0}, res = {0};
    for (int s = 0; s < GPT_SITES; s++) {
        rec.record[s] = clean + (size_t)s * L * T * C;
        res.restore[s] = all;
        res.clean[s] = rec.record[s];
    }
    m.patch = &rec;
    float p_clean = rome_prob(&m, &toy_prompt, object);
    float noise[6 * 16];
    Rng r;
    rng_seed(&r, 3, 0);
    rng_fill_normal(&r, noise, 6 * 16, 0.0f, 2.0f);
    res.embed_add = noise;
    m.patch = &res;
    float p_restored = rome_prob(&m, &toy_prompt, object);
    res.restore[0] = res.restore[1] = res.restore[2] = NULL;
    float p_noisy = rome_prob(&m, &toy_prompt, object);
    m.patch = NULL;
    printf("restore all: clean %.6f restored %.6f noisy %.6f\n", p_clean, p_restored, p_noisy);
    ck_assert(fabsf(p_noisy - p_clean) > 1e-3f);
    ck_assert(check_tensor("every state restored", &p_restored, &p_clean, 1, 1e-6f));
    free(clean);
    free(all);
    rome_trace_free(&tr);
    gpt_free(&m);
}
END_TEST

/* ------------------------------------------------------------ the update */

START_TEST(test_rank_one_update) {
    enum { D = 12, R = 5 };
    Rng r;
    rng_seed(&r, 9, 0);
    float A[D * D], mom[D * D], W[R * D], W0[R * D], k[D], v[R], u[D];
    rng_fill_normal(&r, A, D * D, 0.0f, 1.0f);
    for (int i = 0; i < D; i++)   /* C = A A^T / D + 0.1 I: symmetric positive definite */
        for (int j = 0; j < D; j++) {
            double s = 0;
            for (int p = 0; p < D; p++) s += A[i * D + p] * A[j * D + p];
            mom[i * D + j] = (float)(s / D + (i == j) * 0.1);
        }
    rng_fill_normal(&r, W, R * D, 0.0f, 1.0f);
    rng_fill_normal(&r, k, D, 0.0f, 1.0f);
    rng_fill_normal(&r, v, R, 0.0f, 1.0f);
    memcpy(W0, W, sizeof W);
    rome_solve(mom, D, 0.0f, k, u);
    float Cu[D];
    for (int i = 0; i < D; i++) {
        double s = 0;
        for (int j = 0; j < D; j++) s += mom[i * D + j] * u[j];
        Cu[i] = (float)s;
    }
    ck_assert(check_tensor("C u = k*", Cu, k, D, 1e-4f));
    rome_rank_one_update(W, R, D, k, u, v);
    float Wk[R];
    for (int i = 0; i < R; i++) {
        double s = 0;
        for (int j = 0; j < D; j++) s += W[i * D + j] * k[j];
        Wk[i] = (float)s;
    }
    ck_assert(check_tensor("W' k* = v*", Wk, v, R, 1e-4f));
    /* random keys x with u^T x = 0 map as before */
    for (int trial = 0; trial < 5; trial++) {
        float x[D], y[R], y0[R];
        rng_fill_normal(&r, x, D, 0.0f, 1.0f);
        double ux = 0, uu = 0;
        for (int j = 0; j < D; j++) ux += u[j] * x[j], uu += u[j] * u[j];
        for (int j = 0; j < D; j++) x[j] -= (float)(ux / uu) * u[j];
        for (int i = 0; i < R; i++) {
            double s = 0, s0 = 0;
            for (int j = 0; j < D; j++) s += W[i * D + j] * x[j], s0 += W0[i * D + j] * x[j];
            y[i] = (float)s, y0[i] = (float)s0;
        }
        ck_assert(check_tensor("W' x = W x, u^T x = 0", y, y0, R, 1e-4f));
    }
    /* and a key that is not orthogonal does change: the test can fail */
    float diff = 0;
    for (int i = 0; i < R * D; i++) diff = fmaxf(diff, fabsf(W[i] - W0[i]));
    ck_assert(diff > 1e-3f);
}
END_TEST

/* ------------------------------------------------------------ v* against PyTorch */

START_TEST(test_value_loss_pytorch) {
    Fixture *fx = fixture_load("gpt_rome_value");
    const float *cf = fixture_get(fx, "config", NULL), *setup = fixture_get(fx, "setup", NULL);
    GptConfig cfg = {.vocab_size = (int)cf[0], .max_seq_len = (int)cf[1], .n_layer = (int)cf[2],
                     .n_head = (int)cf[3], .channels = (int)cf[4], .bias = 0};
    Gpt m;
    gpt_build(&m, &cfg);
    for (int k = 0; k < m.pt.count; k++) {
        size_t n;
        const float *src = fixture_get(fx, m.pt.info[k].name, &n);
        ck_assert_uint_eq(n, m.pt.info[k].size);
        memcpy(m.pt.values + m.pt.info[k].offset, src, n * sizeof(float));
    }
    size_t nb, nids;
    fixture_get(fx, "last", &nb);
    fixture_get(fx, "ids", &nids);
    int B = (int)nb, T = (int)(nids / nb), n_rewrite = (int)setup[0];
    RomePrompt p[8];
    for (int b = 0; b < B; b++) {
        p[b].n = fixture_int(fx, "last", (size_t)b) + 1;
        p[b].subj_last = fixture_int(fx, "subj_last", (size_t)b);
        p[b].subj_first = 1;
        for (int t = 0; t < T; t++) p[b].ids[t] = fixture_int(fx, "ids", (size_t)b * T + t);
    }
    RomeValueBatch vb;
    rome_value_batch(&vb, &m, p, n_rewrite, p + n_rewrite, B - n_rewrite, (int)setup[2], (int)setup[1]);
    ck_assert_int_eq(vb.T, T);
    RomeEditConfig ec = {.kl_weight = setup[3], .weight_decay = setup[4]};
    float grad[64];
    double nll;
    float loss = (float)rome_value_loss(&m, &vb, &ec, fixture_get(fx, "delta", NULL), setup[5], grad, &nll);
    float nllf = (float)nll;
    ck_assert(check_tensor("nll", &nllf, fixture_get(fx, "nll", NULL), 1, 1e-5f));
    ck_assert(check_tensor("loss", &loss, fixture_get(fx, "loss", NULL), 1, 1e-5f));
    ck_assert(check_tensor("dloss/ddelta", grad, fixture_get(fx, "grad", NULL), (size_t)cfg.channels, 1e-5f));
    rome_value_batch_free(&vb);
    gpt_free(&m);
    fixture_free(fx);
}
END_TEST

/* ------------------------------------------------------------ quality */

/* A tiny world (8 subjects) and a 2-layer model that learns it. */
static void tiny_fact_model(Gpt *m, Tok *tk, FactWorld *w, int **ids, size_t *n) {
    facts_generate(w, 8, 3);
    size_t len;
    char *text = facts_corpus(w, 4, 3, &len);
    tok_words_from_text(tk, text, len, 1);
    *ids = tok_encode(tk, "corpus", text, len, n);
    free(text);
    GptConfig cfg = {.max_seq_len = 16, .vocab_size = tk->vocab_size, .n_layer = 2, .n_head = 2, .channels = 32};
    gpt_build(m, &cfg);
    gpt_init_weights(m, 1);
    GptTrainConfig tc = {.batch = 16, .seq_len = 16, .accum = 1, .steps = 800, .lr = 5e-3f, .min_lr = 5e-4f,
                         .warmup = 20, .decay_steps = 800, .beta1 = 0.9f, .beta2 = 0.99f, .grad_clip = 1.0f,
                         .seed = 1, .quiet = 1};
    gpt_train(m, &tc, *ids, *n, NULL, 0, 0, NULL);
}

START_TEST(test_edit_tiny_model) {
    Gpt m;
    Tok tk;
    FactWorld w;
    int *ids;
    size_t n;
    tiny_fact_model(&m, &tk, &w, &ids, &n);
    double recall = rome_recall(&m, &tk, &w, -1);
    printf("tiny fact model: recall %.3f\n", recall);
    ck_assert(recall > 0.9);
    /* edit fact 0 to another object of its relation */
    const Fact *f = &w.f[0];
    const char *new_word = NULL;
    for (int i = 0; i < w.n && !new_word; i++)
        if (w.f[i].relation == f->relation && strcmp(w.f[i].object, f->object)) new_word = w.f[i].object;
    ck_assert_ptr_nonnull(new_word);
    int new_object = rome_word_id(&tk, new_word), D = 4 * m.cfg.channels;
    RomePrompt rw[1], kl[FACT_RELATIONS];
    char err[256];
    ck_assert_int_eq(rome_prompt(&rw[0], &tk, fact_relations[f->relation].templates[0], f->subject, err, sizeof err), 0);
    int n_kl = 0;
    for (int i = 1; i < FACT_RELATIONS; i++)
        ck_assert_int_eq(rome_prompt(&kl[n_kl++], &tk, fact_relations[w.f[i].relation].templates[0], w.f[i].subject,
                                     err, sizeof err), 0);
    RomeScores before, after;
    rome_evaluate(&m, &tk, &w, 0, new_object, &before);
    ck_assert(before.efficacy == 0.0);
    float *mom = malloc((size_t)D * D * sizeof(float));
    RomeEditConfig ec = {.layer = 0, .steps = 20, .lr = 0.5f, .kl_weight = 0.0625f, .clamp = 4.0f, .ridge = 1e-3f};
    rome_second_moment(&m, ids, n, 16, 4000, 0, mom);
    rome_apply(&m, rw, 1, kl, n_kl, new_object, &ec, mom);
    rome_evaluate(&m, &tk, &w, 0, new_object, &after);
    printf("one ROME edit: efficacy %.2f paraphrase %.2f specificity %.2f\n", after.efficacy, after.paraphrase,
           after.specificity);
    ck_assert(after.efficacy == 1.0);
    free(mom);
    free(ids);
    facts_free(&w);
    tok_free(&tk);
    gpt_free(&m);
}
END_TEST

/* ------------------------------------------------------------ bad input */

/* facts_read of text: its return code, the message in err. */
static int read_text(const char *text, FactWorld *w, char *err, size_t errlen) {
    const char *path = tmp_path("facts.tsv");
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return facts_read(path, w, err, errlen);
}

START_TEST(test_fact_file_errors) {
    FactWorld w;
    char err[512];
    ck_assert_int_eq(read_text("# comment\nZorvan Telik\tlives_in\tOslo\n\nZorvan Telik\tspeaks\tGreek\n", &w, err,
                               sizeof err), 0);
    ck_assert_int_eq(w.n, 2);
    ck_assert_int_eq(facts_find(&w, "Zorvan Telik", fact_relation_find("speaks")), 1);
    facts_free(&w);
    struct { const char *text, *want; } bad[] = {
        {"Zorvan Telik\tlives_in\tOslo\nZorvan Telik lives_in Oslo\n", ":2: expected 3 tab-separated fields"},
        {"Zorvan Telik\tflies_to\tOslo\n", ":1: unknown relation 'flies_to'"},
        {"Zorvan Telik\tlives_in\tNew York\n", ":1: the object 'New York' must be one word"},
        {"Zorvan  Telik\tlives_in\tOslo\n", ":1: the subject 'Zorvan  Telik' must be words"},
        {"A\tlives_in\tOslo\nA\tlives_in\tLima\n", ":2: 'A' already has a lives_in fact"},
        {"A\tlives_in\tOslo\textra\n", ":1: expected 3 tab-separated fields"},
        {"# nothing\n", "no facts"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_int_eq(read_text(bad[i].text, &w, err, sizeof err), -1);
        ck_assert_msg(strstr(err, bad[i].want), "'%s' does not say '%s'", err, bad[i].want);
        ck_assert_int_eq(w.n, 0);
    }
    printf("fact file errors OK (e.g. %s)\n", err);
}
END_TEST

START_TEST(test_unknown_words) {
    FactWorld w;
    facts_generate(&w, 4, 1);
    size_t len;
    char *text = facts_corpus(&w, 1, 1, &len), err[512];
    Tok tk;
    tok_words_from_text(&tk, text, len, 1);
    RomePrompt p;
    ck_assert_int_eq(rome_prompt(&p, &tk, "{} lives in", w.f[0].subject, err, sizeof err), 0);
    ck_assert_int_eq(p.ids[0], VOCAB_EOS);
    ck_assert_int_eq(p.subj_first, 1);
    ck_assert_int_eq(p.n, p.subj_last + 3);
    ck_assert_int_eq(rome_prompt(&p, &tk, "{} lives in", "Nobody Here", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "'Nobody' is not a word"), "%s", err);
    ck_assert_int_eq(facts_find(&w, "Nobody Here", 0), -1);
    free(text);
    tok_free(&tk);
    facts_free(&w);
}
END_TEST

/* The binary: an edit of an unknown subject, a malformed fact file. */
START_TEST(test_cli_errors) {
    const char *bin = getenv("BIN");
    char gpt[600], cmd[4096];
    snprintf(gpt, sizeof gpt, "%s/gpt", bin && *bin ? bin : "bin");
    if (access(gpt, X_OK) != 0) SKIP_TEST("%s is not built", gpt);
    const char *dir = tmp_path("factmodel"), *log = tmp_path("rome_cli.log");
    snprintf(cmd, sizeof cmd, "%s facts-train --subjects 4 --layers 1 --width 16 --heads 2 --steps 5 --quiet "
             "--out %s > /dev/null 2>&1", gpt, dir);
    ck_assert_int_eq(system(cmd), 0);
    struct { const char *args, *want; int status; } cases[] = {
        {"edit --model DIR --subject 'Nobody Here' --relation lives_in --new Oslo", "is not a subject", 1},
        {"edit --model DIR --subject 'Nobody Here' --relation flies_to --new Oslo", "unknown relation", 1},
        {"edit --model DIR --subject 'Nobody Here'", "together", 2},
        {"trace --model /nonexistent", "holds no fact model", 1},
        {"facts-train --facts FACTS --steps 1", ":1: unknown relation", 1},
        {"edit --help", "efficacy", 0},
        {"trace --help", "Causal tracing", 0},
        {"facts-train --help", "fact file", 0},
    };
    const char *facts = tmp_path("bad_facts.tsv");
    FILE *f = fopen(facts, "w");
    fputs("Zorvan Telik\tflies_to\tOslo\n", f);
    fclose(f);
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char *a = strstr(cases[k].args, "DIR") ? replace_once(cases[k].args, "DIR", dir) : strdup(cases[k].args);
        char *args = strstr(a, "FACTS") ? replace_once(a, "FACTS", facts) : strdup(a);
        snprintf(cmd, sizeof cmd, "%s %s > %s 2>&1", gpt, args, log);
        int st = system(cmd);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == cases[k].status, "gpt %s: exit %d, want %d", args,
                      WEXITSTATUS(st), cases[k].status);
        char *out = read_file(log, NULL);
        ck_assert_msg(strstr(out, cases[k].want), "gpt %s says '%s', not '%s'", args, out, cases[k].want);
        free(out);
        free(a);
        free(args);
    }
}
END_TEST

static Suite *rome_suite(void) {
    Suite *s = suite_create("gpt_rome");
    TCase *tc = tcase_create("rome");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_trace_zero_noise);
    tcase_add_test(tc, test_trace_restore_all);
    tcase_add_test(tc, test_rank_one_update);
    tcase_add_test(tc, test_value_loss_pytorch);
    tcase_add_test(tc, test_edit_tiny_model);
    tcase_add_test(tc, test_fact_file_errors);
    tcase_add_test(tc, test_unknown_words);
    tcase_add_test(tc, test_cli_errors);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(rome_suite)
