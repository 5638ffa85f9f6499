/*
 * test_rlhf_instruct.c -- the foundation of chapter 7's part 2: the
 * instruction task (rlhf/instruct.h), the hidden gold reward (rlhf/gold.h),
 * the simulated labellers (rlhf/labeller.h) and the preference file
 * (rlhf/prefs.h).
 *
 *   - The task: three kinds of prompt for every subject, every demonstration
 *     scoring the gold maximum, held-out prompts about subjects no training
 *     prompt mentions, every word in the closed vocabulary, reproducible
 *     from the seed.
 *   - Each gold criterion on hand-written responses about a hand-written
 *     world, and the weighted total.
 *   - The labellers: noiseless ones rank by the gold reward; the expected
 *     agreement of one pair by hand; with the noise calibrated to 72.6%, two
 *     labellers ranking corrupted responses agree on 72.6 +- 1% of 100,000
 *     pairs, and twice the noise measurably less.
 *   - The tokenizer covers the task and the pretraining text; an SFT example
 *     is laid out with targets on the response and </s> only.
 *   - The preference file: a round trip, and each malformed line (too few
 *     fields, ranks that are not integers, too few ranks, a rank out of
 *     range, a rank given twice) an error naming the file and line.
 */
#include "harness.h"
#include "rlhf/gold.h"
#include "rlhf/instruct.h"
#include "rlhf/labeller.h"
#include "rlhf/prefs.h"
#include "rlhf/sft_data.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- the task */

START_TEST(test_prompts_and_demos) {
    InstructSet s;
    instruct_generate(&s, 40, 0.25, 7);
    ck_assert_int_eq(s.n, 40 * TASK_KINDS);
    ck_assert_int_eq(s.n_train, 30 * TASK_KINDS);
    int kinds[TASK_KINDS] = {0};
    for (int i = 0; i < s.n; i++) {
        const TaskPrompt *p = &s.p[i];
        kinds[p->kind]++;
        ck_assert_msg(strstr(p->prompt, p->subject), "prompt '%s' does not name '%s'", p->prompt, p->subject);
        GoldScore g = gold_score(&s.world, p, p->demo);
        ck_assert_msg(g.total == gold_max(), "demo '%s' of '%s' scores %g, not %g", p->demo, p->prompt, g.total,
                      gold_max());
        if (p->kind == TASK_LIST) ck_assert(p->count == 2 || p->count == 3);
    }
    for (int k = 0; k < TASK_KINDS; k++) ck_assert_int_eq(kinds[k], 40);
    ck_assert_double_eq(gold_max(), 7);
    instruct_free(&s);
}
END_TEST

START_TEST(test_heldout_disjoint) {
    InstructSet s;
    instruct_generate(&s, 60, 0.2, 3);
    ck_assert_int_eq(s.n - s.n_train, 12 * TASK_KINDS);
    for (int i = s.n_train; i < s.n; i++)
        for (int j = 0; j < s.n_train; j++) {
            ck_assert_msg(strcmp(s.p[i].prompt, s.p[j].prompt) != 0, "'%s' is both held out and trained on",
                          s.p[i].prompt);
            ck_assert_msg(strcmp(s.p[i].subject, s.p[j].subject) != 0, "held-out subject '%s' in training",
                          s.p[i].subject);
        }
    instruct_free(&s);
}
END_TEST

START_TEST(test_reproducible_from_seed) {
    InstructSet a, b, c;
    instruct_generate(&a, 20, 0.25, 5);
    instruct_generate(&b, 20, 0.25, 5);
    instruct_generate(&c, 20, 0.25, 6);
    int differ = 0;
    for (int i = 0; i < a.n; i++) {
        ck_assert_str_eq(a.p[i].prompt, b.p[i].prompt);
        ck_assert_str_eq(a.p[i].demo, b.p[i].demo);
        differ += strcmp(a.p[i].prompt, c.p[i].prompt) != 0;
    }
    ck_assert_int_gt(differ, a.n / 2);
    instruct_free(&a);
    instruct_free(&b);
    instruct_free(&c);
}
END_TEST

static int compare_words(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int in_vocab(char **vocab, int n, const char *w) {
    return bsearch(&w, vocab, (size_t)n, sizeof *vocab, compare_words) != NULL;
}

START_TEST(test_vocab_closed) {
    InstructSet s;
    instruct_generate(&s, 30, 0.25, 11);
    int n;
    char **vocab = instruct_vocab(&s, &n);
    for (int i = 1; i < n; i++) ck_assert_msg(strcmp(vocab[i - 1], vocab[i]) < 0, "vocab not sorted/distinct");
    Rng r;
    rng_seed(&r, 1, 0);
    char bad[512];
    for (int i = 0; i < s.n; i++) {
        instruct_corrupt(bad, sizeof bad, &s, &s.p[i], &r);
        const char *texts[] = {s.p[i].prompt, s.p[i].demo, bad};
        for (int t = 0; t < 3; t++) {
            char buf[512], *save;
            snprintf(buf, sizeof buf, "%s", texts[t]);
            for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
                ck_assert_msg(in_vocab(vocab, n, w), "'%s' of '%s' is not in the vocabulary", w, texts[t]);
        }
    }
    ck_assert(!in_vocab(vocab, n, "banana"));
    instruct_vocab_free(vocab, n);
    instruct_free(&s);
}
END_TEST

START_TEST(test_parse_sentence) {
    Statement st;
    ck_assert_int_eq(instruct_parse_sentence("Zorvan Kel Telik works as a pilot .", &st), 0);
    ck_assert_str_eq(st.subject, "Zorvan Kel Telik");
    ck_assert_int_eq(st.relation, fact_relation_find("works_as"));
    ck_assert_str_eq(st.object, "pilot");
    ck_assert_int_eq(instruct_parse_sentence("Ana Bel likes to eat figs", &st), 0);   /* a cut-off "." */
    ck_assert_int_eq(st.relation, fact_relation_find("eats"));
    ck_assert_int_eq(instruct_parse_sentence("lives in Oslo .", &st), -1);            /* no subject */
    ck_assert_int_eq(instruct_parse_sentence("Ana Bel lives in .", &st), -1);         /* no object */
    ck_assert_int_eq(instruct_parse_sentence("Ana Bel lives in", &st), -1);
    ck_assert_int_eq(instruct_parse_sentence("Ana Bel plays the harp oboe .", &st), -1);
    ck_assert_int_eq(instruct_parse_sentence("Ana Bel livesin Oslo .", &st), -1);
    ck_assert_int_eq(instruct_parse_sentence("", &st), -1);
}
END_TEST

START_TEST(test_split_and_count) {
    char s[4][INSTRUCT_SENTENCE_LEN];
    ck_assert_int_eq(instruct_split("A b . C d . E", s, 4), 3);
    ck_assert_str_eq(s[0], "A b .");
    ck_assert_str_eq(s[1], "C d .");
    ck_assert_str_eq(s[2], "E");
    ck_assert_int_eq(instruct_split("A . B . C . D . E .", s, 4), 5);   /* counted past max */
    ck_assert_int_eq(instruct_split("", s, 4), 0);
    ck_assert_int_eq(instruct_count_words("Ana Bel lives in Oslo ."), 6);
    ck_assert_int_eq(instruct_count_words(""), 0);
}
END_TEST

START_TEST(test_tokenizer_covers_pretraining_text) {
    InstructSet s;
    instruct_generate(&s, 30, 0.25, 11);
    Vocab *v = instruct_tokenizer(&s);
    int n;
    char **words = instruct_vocab(&s, &n);
    ck_assert_int_eq(v->size, VOCAB_NSPECIAL + n);
    ck_assert_str_eq(vocab_token(v, VOCAB_NSPECIAL), words[0]);   /* byte order */
    instruct_vocab_free(words, n);
    size_t len;
    char *corpus = facts_corpus(&s.world, 1, 3, &len);
    size_t count = vocab_encode(v, corpus, len, NULL, 0);
    int *ids = xmalloc(count * sizeof *ids);
    vocab_encode(v, corpus, len, ids, count);
    for (size_t i = 0; i < count; i++) ck_assert_msg(ids[i] != VOCAB_UNK, "word %zu of the corpus is unknown", i);
    free(ids);
    free(corpus);
    vocab_free(v);
    instruct_free(&s);
}
END_TEST

START_TEST(test_sft_example_layout) {
    InstructSet s;
    instruct_generate(&s, 10, 0.25, 1);
    Vocab *v = instruct_tokenizer(&s);
    int tokens[16], targets[16];
    char err[256];
    /* "where does NAME live ?" <s> "NAME lives in Oslo ." </s>: a name of 2 or 3 words */
    char prompt[168], response[168];
    const char *who = s.p[0].subject;
    snprintf(prompt, sizeof prompt, "where does %s live ?", who);
    snprintf(response, sizeof response, "%s lives in Oslo .", who);
    int np = instruct_count_words(prompt), nr = instruct_count_words(response);
    ck_assert_int_le(np + 1 + nr, 16);
    int used = sft_example(v, prompt, response, 16, tokens, targets, err, sizeof err);
    ck_assert_msg(used == np + 1 + nr, "%s", err);
    ck_assert_int_eq(tokens[0], vocab_id(v, "where"));
    ck_assert_int_eq(tokens[np - 1], vocab_id(v, "?"));
    ck_assert_int_eq(tokens[np], VOCAB_BOS);
    ck_assert_int_eq(tokens[used - 1], vocab_id(v, "."));
    for (int t = used; t < 16; t++) ck_assert_int_eq(tokens[t], VOCAB_PAD);
    for (int t = 0; t < 16; t++) {
        int want = t < np ? -1 : t < used - 1 ? tokens[t + 1] : t == used - 1 ? VOCAB_EOS : -1;
        ck_assert_msg(targets[t] == want, "target %d is %d, not %d", t, targets[t], want);
    }
    ck_assert_int_eq(targets[np], vocab_id(v, strtok(strcpy(prompt, who), " ")));   /* <s> predicts the name */
    /* errors: a word outside the vocabulary, too long, no prompt */
    ck_assert_int_eq(sft_example(v, "where does Bob live ?", response, 16, tokens, targets, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "'Bob'"), "%s", err);
    snprintf(prompt, sizeof prompt, "where does %s live ?", who);
    ck_assert_int_eq(sft_example(v, prompt, response, used - 1, tokens, targets, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "do not fit"), "%s", err);
    ck_assert_int_eq(sft_example(v, prompt, response, used, tokens, targets, err, sizeof err), used);
    ck_assert_int_eq(sft_example(v, "", response, 16, tokens, targets, err, sizeof err), -1);
    ck_assert_int_eq(sft_example(v, prompt, "", 16, tokens, targets, err, sizeof err), np + 1);
    ck_assert_int_eq(targets[np], VOCAB_EOS);
    vocab_free(v);
    instruct_free(&s);
}
END_TEST

/* ---------------------------------------------------------------- the gold reward */

static FactWorld hand_world;

/* Ana Bel: Oslo, French, pilot; Cod Dun: Lima. */
static void load_hand_world(void) {
    const char *path = tmp_path("rlhf_world.tsv");
    FILE *f = xfopen(path, "w");
    fputs("Ana Bel\tlives_in\tOslo\nAna Bel\tspeaks\tFrench\nAna Bel\tworks_as\tpilot\nCod Dun\tlives_in\tLima\n", f);
    fclose(f);
    char err[256];
    ck_assert_msg(facts_read(path, &hand_world, err, sizeof err) == 0, "%s", err);
}

static TaskPrompt ask = {TASK_ASK, "Ana Bel", 0, 1, "where does Ana Bel live ?", "Ana Bel lives in Oslo ."};
static TaskPrompt list2 = {TASK_LIST, "Ana Bel", -1, 2, "list two facts about Ana Bel .",
                           "Ana Bel speaks French . Ana Bel lives in Oslo ."};
static TaskPrompt cont = {TASK_CONTINUE, "Ana Bel", 0, 1, "continue : Ana Bel lives in Oslo .",
                          "Ana Bel works as a pilot ."};

START_TEST(test_gold_follows) {
    ck_assert_double_eq(gold_follows(&ask, "Ana Bel lives in Oslo ."), 1);
    ck_assert_double_eq(gold_follows(&ask, "Ana Bel lives in Paris ."), 1);   /* wrong, but an answer */
    ck_assert_double_eq(gold_follows(&ask, "Ana Bel speaks French ."), 0);    /* not what was asked */
    ck_assert_double_eq(gold_follows(&ask, "Ana Bel lives in Oslo . Ana Bel speaks French ."), 0);
    ck_assert_double_eq(gold_follows(&ask, ""), 0);
    ck_assert_double_eq(gold_follows(&list2, "Ana Bel lives in Oslo . Ana Bel works as a pilot ."), 1);
    ck_assert_double_eq(gold_follows(&list2, "Ana Bel lives in Oslo ."), 0);
    ck_assert_double_eq(gold_follows(&list2, "Ana Bel lives in Oslo . Ana Bel works"), 0);
    ck_assert_double_eq(gold_follows(&cont, "Ana Bel speaks French ."), 1);
    ck_assert_double_eq(gold_follows(&cont, "Ana Bel lives in Oslo ."), 0);   /* the given relation again */
}
END_TEST

START_TEST(test_gold_correct) {
    load_hand_world();
    ck_assert_double_eq(gold_correct(&hand_world, "Ana Bel lives in Oslo ."), 1);
    ck_assert_double_eq(gold_correct(&hand_world, "Ana Bel lives in Oslo . Ana Bel speaks Greek ."), 0.5);
    ck_assert_double_eq(gold_correct(&hand_world, "Cod Dun lives in Lima ."), 1);       /* true, if off topic */
    ck_assert_double_eq(gold_correct(&hand_world, "Cod Dun speaks French ."), 0);       /* no such fact */
    ck_assert_double_eq(gold_correct(&hand_world, "Oslo Oslo Oslo"), 0);                /* states nothing */
    ck_assert_double_eq(gold_correct(&hand_world, ""), 0);
    facts_free(&hand_world);
}
END_TEST

START_TEST(test_gold_on_topic) {
    ck_assert_double_eq(gold_on_topic(&ask, "Ana Bel lives in Lima ."), 1);
    ck_assert_double_eq(gold_on_topic(&ask, "Cod Dun lives in Lima ."), 0);
    ck_assert_double_eq(gold_on_topic(&ask, "Ana Bel lives in Oslo . Cod Dun lives in Lima ."), 0);
    ck_assert_double_eq(gold_on_topic(&ask, "Ana Bel Oslo"), 0);
    ck_assert_double_eq(gold_on_topic(&ask, "Ana lives in Oslo ."), 0);   /* half a name is someone else */
}
END_TEST

START_TEST(test_gold_no_repeat) {
    ck_assert_double_eq(gold_no_repeat("Ana Bel lives in Oslo ."), 1);
    ck_assert_double_eq(gold_no_repeat("Ana Bel lives in Oslo . Ana Bel lives in Oslo . Ana Bel speaks French ."),
                        2.0 / 3);
    ck_assert_double_eq(gold_no_repeat("A . A . A . A ."), 0.25);
    ck_assert_double_eq(gold_no_repeat(""), 0);
    ck_assert_double_eq(gold_no_repeat("list list list list"), 0.25);   /* a stutter, not a sentence */
    ck_assert_double_eq_tol(gold_no_repeat("Ana Bel lives in in Oslo . Ana Bel lives in in Oslo ."), 0.5 * (1 - 2.0 / 14),
                            1e-12);
}
END_TEST

START_TEST(test_gold_length) {
    /* the demonstration has 6 words */
    ck_assert_double_eq(gold_length(&ask, "Ana Bel lives in Oslo ."), 1);
    ck_assert_double_eq(gold_length(&ask, "a b c"), 0.5);
    ck_assert_double_eq(gold_length(&ask, "a b c d e f g h i"), 0.5);
    ck_assert_double_eq(gold_length(&ask, "a b c d e f g h i j k l"), 0);
    ck_assert_double_eq(gold_length(&ask, "a b c d e f g h i j k l m n o"), 0);
    ck_assert_double_eq(gold_length(&ask, ""), 0);
}
END_TEST

START_TEST(test_gold_total) {
    load_hand_world();
    GoldScore g = gold_score(&hand_world, &cont, cont.demo);
    ck_assert_double_eq(g.total, 7);
    /* the given fact repeated: follows 0, correct 1, on topic 1, no repeat 1, 6 words for 7 */
    g = gold_score(&hand_world, &cont, "Ana Bel lives in Oslo .");
    ck_assert_double_eq(g.c[GOLD_FOLLOWS], 0);
    ck_assert_double_eq_tol(g.total, 2 + 1 + 1 + 6.0 / 7, 1e-12);
    /* a false fact about someone else, said twice, for a list of two: two sentences
     * stating facts (follows 1), none true, off topic, half repeated, 12 words for 11 */
    g = gold_score(&hand_world, &list2, "Cod Dun lives in Oslo . Cod Dun lives in Oslo .");
    ck_assert_double_eq(g.c[GOLD_FOLLOWS], 1);
    ck_assert_double_eq(g.c[GOLD_CORRECT], 0);
    ck_assert_double_eq(g.c[GOLD_ON_TOPIC], 0);
    ck_assert_double_eq(g.c[GOLD_NO_REPEAT], 0.5);
    ck_assert_double_eq_tol(g.c[GOLD_LENGTH], 10.0 / 11, 1e-12);
    ck_assert_double_eq_tol(g.total, 2 + 0.5 + 10.0 / 11, 1e-12);
    facts_free(&hand_world);
}
END_TEST

START_TEST(test_corrupt_spreads_gold) {
    InstructSet s;
    instruct_generate(&s, 40, 0.25, 9);
    Rng r;
    rng_seed(&r, 2, 0);
    char bad[512];
    int perfect = 0, n = 0;
    double lo = 7, sum = 0;
    for (int rep = 0; rep < 5; rep++)
        for (int i = 0; i < s.n; i++, n++) {
            instruct_corrupt(bad, sizeof bad, &s, &s.p[i], &r);
            double g = gold_score(&s.world, &s.p[i], bad).total;
            ck_assert(g >= 0 && g <= 7);
            perfect += g == 7;
            lo = g < lo ? g : lo;
            sum += g;
        }
    /* a quarter get no edit; the others lose something, some nearly all */
    ck_assert_int_gt(perfect, n / 5);
    ck_assert_int_lt(perfect, n / 2);
    ck_assert_double_lt(lo, 2);
    ck_assert_double_lt(sum / n, 6);
    instruct_free(&s);
}
END_TEST

/* ---------------------------------------------------------------- the labellers */

START_TEST(test_noiseless_ranks_by_gold) {
    Labeller l;
    labeller_init(&l, 0, 1, 0);
    const double gold[5] = {3, 7, 1, 5, 0};
    int rank[5];
    labeller_rank(&l, gold, 5, rank);
    const int want[5] = {3, 1, 4, 2, 5};
    for (int i = 0; i < 5; i++) ck_assert_int_eq(rank[i], want[i]);
    int other[5] = {3, 1, 5, 2, 4};   /* the last pair swapped: 9 of 10 pairs agree */
    ck_assert_int_eq(ranking_agreement(rank, other, 5), 9);
    ck_assert_int_eq(ranking_agreement(rank, rank, 5), 10);
}
END_TEST

START_TEST(test_expected_agreement_by_hand) {
    /* D = 1, sigma = 1: p = Phi(1 / sqrt 2) = 0.7602499, p^2 + (1-p)^2 = 0.6354601 */
    const double gold[2] = {1, 0};
    const int k[1] = {2};
    ck_assert_double_eq_tol(labeller_expected_agreement(gold, k, 1, 1.0), 0.6354601, 1e-7);
    ck_assert_double_eq_tol(labeller_expected_agreement(gold, k, 1, 1e-9), 1.0, 1e-9);
    /* a tie agrees half the time whatever the noise */
    const double tie[2] = {4, 4};
    ck_assert_double_eq_tol(labeller_expected_agreement(tie, k, 1, 0.3), 0.5, 1e-12);
    /* unreachable targets */
    ck_assert_double_eq(labeller_calibrate(gold, k, 1, 0.45), -1);
    ck_assert_double_eq(labeller_calibrate(tie, k, 1, 0.726), -1);
    double sigma = labeller_calibrate(gold, k, 1, 0.6354601);
    ck_assert_double_eq_tol(sigma, 1.0, 1e-4);
}
END_TEST

enum { AGREE_K = 4 };

/* The measured agreement of two labellers with noise sigma over every pair of
 * n groups of AGREE_K gold rewards, each ranked `passes` times. */
static double measured_agreement(const double *gold, int n, double sigma, int passes) {
    Labeller a, b;
    labeller_init(&a, sigma, 42, 0);
    labeller_init(&b, sigma, 42, 1);
    long same = 0, pairs = 0;
    for (int pass = 0; pass < passes; pass++)
        for (int g = 0; g < n; g++) {
            int ra[AGREE_K], rb[AGREE_K];
            labeller_rank(&a, gold + g * AGREE_K, AGREE_K, ra);
            labeller_rank(&b, gold + g * AGREE_K, AGREE_K, rb);
            same += ranking_agreement(ra, rb, AGREE_K);
            pairs += AGREE_K * (AGREE_K - 1) / 2;
        }
    return (double)same / pairs;
}

START_TEST(test_agreement_calibrated) {
    /* K = 4 corrupted responses to each of 600 prompts, as a policy's samples */
    InstructSet s;
    instruct_generate(&s, 200, 0.25, 13);
    Rng r;
    rng_seed(&r, 4, 0);
    double *gold = xmalloc((size_t)s.n * AGREE_K * sizeof *gold);
    int *k = xmalloc((size_t)s.n * sizeof *k);
    char bad[512];
    for (int i = 0; i < s.n; i++) {
        k[i] = AGREE_K;
        for (int j = 0; j < AGREE_K; j++) {
            instruct_corrupt(bad, sizeof bad, &s, &s.p[i], &r);
            gold[i * AGREE_K + j] = gold_score(&s.world, &s.p[i], bad).total;
        }
    }
    double sigma = labeller_calibrate(gold, k, s.n, LABELLER_AGREEMENT);
    ck_assert_double_gt(sigma, 0);
    /* 600 prompts x 6 pairs x 28 passes = 100,800 pairs: a standard error of 0.0014 */
    double agree = measured_agreement(gold, s.n, sigma, 28);
    printf("sigma %.4f: measured agreement %.4f (target %.3f)\n", sigma, agree, LABELLER_AGREEMENT);
    ck_assert_double_eq_tol(agree, LABELLER_AGREEMENT, 0.01);
    double noisier = measured_agreement(gold, s.n, 2 * sigma, 28);
    ck_assert_double_lt(noisier, LABELLER_AGREEMENT - 0.03);
    free(gold);
    free(k);
    instruct_free(&s);
}
END_TEST

/* ---------------------------------------------------------------- the preference file */

START_TEST(test_prefs_round_trip) {
    PrefSet s = {0};
    const char *resp[3] = {"Ana Bel lives in Oslo .", "", "Oslo Oslo"};
    const int rank[3] = {1, 3, 2};
    prefs_add(&s, "where does Ana Bel live ?", resp, rank, 3);
    const char *resp2[2] = {"a", "b"};
    const int rank2[2] = {2, 1};
    prefs_add(&s, "p", resp2, rank2, 2);
    const char *path = tmp_path("rlhf_prefs.tsv");
    prefs_write(&s, path);
    PrefSet t;
    char err[256];
    ck_assert_msg(prefs_read(path, &t, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(t.n, 2);
    ck_assert_int_eq(t.r[0].k, 3);
    ck_assert_str_eq(t.r[0].prompt, "where does Ana Bel live ?");
    for (int i = 0; i < 3; i++) {
        ck_assert_str_eq(t.r[0].responses[i], resp[i]);
        ck_assert_int_eq(t.r[0].rank[i], rank[i]);
    }
    ck_assert_int_eq(t.r[1].rank[0], 2);
    prefs_free(&s);
    prefs_free(&t);
}
END_TEST

/* prefs_read of text: the return code, the message in err. */
static int read_prefs_text(const char *text, char *err, size_t errlen) {
    const char *path = tmp_path("rlhf_bad_prefs.tsv");
    FILE *f = xfopen(path, "w");
    fputs(text, f);
    fclose(f);
    PrefSet s;
    int rc = prefs_read(path, &s, err, errlen);
    if (rc == 0) prefs_free(&s);
    return rc;
}

static void expect_prefs_error(const char *text, const char *where, const char *what) {
    char err[512];
    ck_assert_msg(read_prefs_text(text, err, sizeof err) == -1, "accepted '%s'", text);
    ck_assert_msg(strstr(err, where) && strstr(err, what), "'%s' lacks '%s' or '%s'", err, where, what);
}

START_TEST(test_prefs_malformed_line) {
    const char *good = "# comment\n\np\t1,2\ta\tb\n";
    char err[256];
    ck_assert_int_eq(read_prefs_text(good, err, sizeof err), 0);
    expect_prefs_error("p\t1,2\ta\tb\np\t1\ta\n", ":2:", "found 3 fields");
    expect_prefs_error("p only\n", ":1:", "found 1 field");
    expect_prefs_error("p\t1;2\ta\tb\n", ":1:", "comma-separated integers");
    expect_prefs_error("p\t1,,2\ta\tb\tc\n", ":1:", "comma-separated integers");
    expect_prefs_error("p\t1,2,\ta\tb\n", ":1:", "comma-separated integers");
    expect_prefs_error("p\t1,2,3\ta\tb\n", ":1:", "3 ranks for 2 responses");
    expect_prefs_error("\t1,2\ta\tb\n", ":1:", "prompt is empty");
    expect_prefs_error("p\t1,2,3,4,5,6,7,8,9,10\ta\tb\tc\td\te\tf\tg\th\ti\tj\n", ":1:", "2 to 9 responses");
}
END_TEST

START_TEST(test_prefs_rank_out_of_range) {
    expect_prefs_error("p\t1,2\ta\tb\np\t3,1\ta\tb\n", ":2:", "rank 3 of response 1 is out of range 1..2");
    expect_prefs_error("p\t0,1\ta\tb\n", ":1:", "rank 0 of response 1 is out of range");
    expect_prefs_error("p\t1,-2\ta\tb\n", ":1:", "rank -2 of response 2 is out of range");
    expect_prefs_error("p\t2,2,1\ta\tb\tc\n", ":1:", "rank 2 is given twice");
}
END_TEST

static Suite *rlhf_instruct_suite(void) {
    Suite *s = suite_create("rlhf_instruct");
    TCase *tc = tcase_create("task");
    tcase_add_test(tc, test_prompts_and_demos);
    tcase_add_test(tc, test_heldout_disjoint);
    tcase_add_test(tc, test_reproducible_from_seed);
    tcase_add_test(tc, test_vocab_closed);
    tcase_add_test(tc, test_parse_sentence);
    tcase_add_test(tc, test_split_and_count);
    tcase_add_test(tc, test_tokenizer_covers_pretraining_text);
    tcase_add_test(tc, test_sft_example_layout);
    suite_add_tcase(s, tc);
    tc = tcase_create("gold");
    tcase_add_test(tc, test_gold_follows);
    tcase_add_test(tc, test_gold_correct);
    tcase_add_test(tc, test_gold_on_topic);
    tcase_add_test(tc, test_gold_no_repeat);
    tcase_add_test(tc, test_gold_length);
    tcase_add_test(tc, test_gold_total);
    tcase_add_test(tc, test_corrupt_spreads_gold);
    suite_add_tcase(s, tc);
    tc = tcase_create("labellers");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_noiseless_ranks_by_gold);
    tcase_add_test(tc, test_expected_agreement_by_hand);
    tcase_add_test(tc, test_agreement_calibrated);
    suite_add_tcase(s, tc);
    tc = tcase_create("prefs");
    tcase_add_test(tc, test_prefs_round_trip);
    tcase_add_test(tc, test_prefs_malformed_line);
    tcase_add_test(tc, test_prefs_rank_out_of_range);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(rlhf_instruct_suite)
