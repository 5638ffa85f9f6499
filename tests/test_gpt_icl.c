/*
 * test_gpt_icl.c -- chapter 6, in-context learning (gpt/icl.h):
 *
 *   - every demonstration of a generated corpus checked by a computation of
 *     its own (reverse, rotate, sort, shift, a consistent one-to-one map);
 *   - held-out tasks never in the training corpus, read off its text: no
 *     held-out shift, no successor pair in a map line;
 *   - the sweep's prompts and answers, built independently;
 *   - the prefix-matching score on hand-built attention patterns;
 *   - bad input: a prompt longer than the context (in the library and
 *     through `gpt sample --interactive`), unknown presets, missing models;
 *   - quality: the tiny preset (the small shape, 500 steps) beats chance on
 *     held-out tasks with 8 examples.
 */
#include "harness.h"
#include "gpt/icl.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_LINES 4000

/* ------------------------------------------------------------ independent checks */

static void reversed(const char *x, char *y) {
    int n = (int)strnlen(x, ICL_MAX_LEN);
    for (int i = 0; i < n; i++) y[i] = x[n - 1 - i];
    y[n] = '\0';
}

static void rotated(const char *x, char *y) {
    int n = (int)strnlen(x, ICL_MAX_LEN);
    memcpy(y, x + 1, (size_t)n - 1);
    y[n - 1] = x[0];
    y[n] = '\0';
}

/* counting sort over the 16 letters */
static void sorted(const char *x, char *y) {
    int count[ICL_LETTERS] = {0}, k = 0;
    for (const char *s = x; *s; s++) count[*s - 'a']++;
    for (int c = 0; c < ICL_LETTERS; c++)
        while (count[c]--) y[k++] = (char)('a' + c);
    y[k] = '\0';
}

/* The shift that takes every letter of x to y, or -1 when there is none. */
static int shift_of(const char *x, const char *y) {
    int s = ((y[0] - x[0]) % 16 + 16) % 16;
    for (int i = 0; x[i]; i++)
        if (((y[i] - x[i]) % 16 + 16) % 16 != s) return -1;
    return s;
}

typedef struct {
    char x[64][8], y[64][8];
    int n;
    char desc[16];
} Line;

/* Parse "[desc:]x>y,x>y,...": returns 0 on a malformed line. */
static int parse_line(const char *s, Line *l) {
    memset(l, 0, sizeof *l);
    const char *colon = strchr(s, ':');
    if (colon) {
        memcpy(l->desc, s, (size_t)(colon - s));
        s = colon + 1;
    }
    while (*s) {
        const char *gt = strchr(s, '>'), *comma = strchr(s, ',');
        if (!gt || !comma || gt > comma || l->n == 64) return 0;
        long nx = gt - s, ny = comma - gt - 1;
        if (nx != ny || nx < ICL_MIN_LEN || nx > ICL_MAX_LEN) return 0;
        memcpy(l->x[l->n], s, (size_t)nx);
        memcpy(l->y[l->n], gt + 1, (size_t)ny);
        l->n++;
        s = comma + 1;
    }
    return l->n > 0;
}

/* Do all demonstrations fit f (x -> y computed here)? */
static int all_fit(const Line *l, void (*f)(const char *, char *)) {
    char y[64];
    for (int k = 0; k < l->n; k++) {
        f(l->x[k], y);
        if (strcmp(y, l->y[k]) != 0) return 0;
    }
    return 1;
}

/* The one shift of every demonstration, or -1. */
static int line_shift(const Line *l) {
    int s = shift_of(l->x[0], l->y[0]);
    for (int k = 1; k < l->n && s >= 0; k++)
        if (shift_of(l->x[k], l->y[k]) != s) s = -1;
    return s;
}

/* Letter pairs of a line as a partial table (-1 unknown): 0 when a letter
 * has two images or two letters one image (not a one-to-one map). */
static int line_table(const Line *l, int *table) {
    int inverse[16];
    for (int i = 0; i < 16; i++) table[i] = inverse[i] = -1;
    for (int k = 0; k < l->n; k++)
        for (int i = 0; l->x[k][i]; i++) {
            int a = l->x[k][i] - 'a', b = l->y[k][i] - 'a';
            if ((table[a] >= 0 && table[a] != b) || (inverse[b] >= 0 && inverse[b] != a)) return 0;
            table[a] = b, inverse[b] = a;
        }
    return 1;
}

static int has_successor_pair(const int *table) {
    for (int i = 0; i < 16; i++)
        if (table[i] == (i + 1) % 16) return 1;
    return 0;
}

/* ------------------------------------------------------------ the corpus */

START_TEST(test_training_corpus) {
    size_t len;
    char *text = icl_corpus(N_LINES, 0, 42, &len);
    ck_assert_uint_eq(strlen(text), len);
    int lines = 0, described = 0, families[ICL_FAMILIES] = {0};
    Line l;
    int table[16];
    for (char *s = strtok(text, "\n"); s; s = strtok(NULL, "\n"), lines++) {
        ck_assert_msg(parse_line(s, &l), "malformed line '%s'", s);
        int rev = all_fit(&l, reversed), rot = all_fit(&l, rotated), srt = all_fit(&l, sorted);
        int shift = line_shift(&l), map = line_table(&l, table);
        if (!l.desc[0]) {   /* undescribed: some training task explains it */
            ck_assert_msg(rev || rot || srt || (shift > 0 && !icl_shift_heldout(shift)) ||
                              (map && !has_successor_pair(table)),
                          "no training task explains '%s'", s);
            continue;
        }
        described++;
        if (!strcmp(l.desc, "rev")) ck_assert_msg(rev, "'%s'", s), families[ICL_REV]++;
        else if (!strcmp(l.desc, "rot")) ck_assert_msg(rot, "'%s'", s), families[ICL_ROT]++;
        else if (!strcmp(l.desc, "sort")) ck_assert_msg(srt, "'%s'", s), families[ICL_SORT]++;
        else if (!strcmp(l.desc, "shift")) {
            ck_assert_msg(shift > 0, "'%s' is not one shift", s);
            ck_assert_msg(!icl_shift_heldout(shift), "held-out shift %d in training: '%s'", shift, s);
            families[ICL_SHIFT]++;
        } else if (!strcmp(l.desc, "map")) {
            ck_assert_msg(map, "'%s' is not a one-to-one map", s);
            ck_assert_msg(!has_successor_pair(table), "a held-out table's successor pair in training: '%s'", s);
            families[ICL_MAP]++;
        } else {
            ck_abort_msg("unknown description '%s'", l.desc);
        }
    }
    ck_assert_int_eq(lines, N_LINES);
    ck_assert_msg(described > N_LINES / 3 && described < 2 * N_LINES / 3, "%d described lines", described);
    for (int f = 0; f < ICL_FAMILIES; f++) ck_assert_msg(families[f] > 100, "family %d: %d lines", f, families[f]);
    free(text);
}
END_TEST

START_TEST(test_heldout_corpus) {
    size_t len;
    char *text = icl_corpus(N_LINES, 1, 43, &len);
    Line l;
    int table[16], maps = 0, shifts = 0;
    for (char *s = strtok(text, "\n"); s; s = strtok(NULL, "\n")) {
        ck_assert_msg(parse_line(s, &l), "malformed line '%s'", s);
        if (!strcmp(l.desc, "shift")) {
            int shift = line_shift(&l);
            ck_assert_msg(shift > 0 && icl_shift_heldout(shift), "'%s'", s);
            shifts++;
        } else if (!strcmp(l.desc, "map")) {
            ck_assert_msg(line_table(&l, table), "'%s'", s);
            maps++;
        } else {
            ck_assert_msg(!l.desc[0], "held-out line of another family: '%s'", s);
        }
    }
    ck_assert(maps > 500 && shifts > 500);
    free(text);
    /* the tables themselves: always a successor pair held out, never in training */
    Rng r;
    rng_seed(&r, 5, 0);
    for (int i = 0; i < 20000; i++) {
        IclTask t;
        int heldout = i & 1, seen[16] = {0};
        icl_task_draw(&t, heldout, &r);
        if (t.family == ICL_SHIFT) ck_assert_int_eq(icl_shift_heldout(t.shift), heldout);
        if (t.family != ICL_MAP) continue;
        int tab[16];
        for (int k = 0; k < 16; k++) seen[t.table[k]]++, tab[k] = t.table[k];
        for (int k = 0; k < 16; k++) ck_assert_int_eq(seen[k], 1);
        ck_assert_int_eq(has_successor_pair(tab), heldout);
    }
}
END_TEST

START_TEST(test_prompts_and_answers) {
    IclQuery *q = icl_queries(50, 7, 0);
    char prompt[1024], answer[8], want[8];
    for (int i = 0; i < 50; i++) {
        ck_assert(q[i].task.family == ICL_SHIFT || q[i].task.family == ICL_MAP);
        int n = icl_prompt(&q[i], 8, 1, prompt, sizeof prompt, answer);
        ck_assert_int_eq(n, (int)strlen(prompt));
        /* "\n" desc ":" 8 x "xxxx>yyyy," query ">" */
        const char *name = q[i].task.family == ICL_MAP ? "map" : "shift";
        ck_assert_int_eq(n, 1 + (int)strlen(name) + 1 + 8 * 10 + 4 + 1);
        ck_assert_int_eq(prompt[0], '\n');
        ck_assert(!strncmp(prompt + 1, name, strlen(name)));
        const char *x = q[i].query;
        for (int j = 0; j < 4; j++) {
            int c = x[j] - 'a';
            want[j] = (char)('a' + (q[i].task.family == ICL_MAP ? q[i].task.table[c] : (c + q[i].task.shift) % 16));
        }
        want[4] = '\0';
        ck_assert_str_eq(answer, want);
        /* the demonstrations follow the same rule */
        Line l;
        char *nl = strrchr(prompt, ',');
        nl[1] = '\0';
        ck_assert(parse_line(prompt + 1, &l));
        ck_assert_int_eq(l.n, 8);
        ck_assert_str_eq(l.x[0], q[i].demo_x[0]);
        if (q[i].task.family == ICL_SHIFT) ck_assert_int_eq(line_shift(&l), q[i].task.shift);
        icl_prompt(&q[i], 0, 0, prompt, sizeof prompt, answer);
        ck_assert_int_eq((int)strlen(prompt), 1 + 4 + 1);
    }
    free(q);
    /* the demo's queries use only letters of their first four examples */
    q = icl_queries(50, 7, 1);
    for (int i = 0; i < 50; i++)
        for (const char *c = q[i].query; *c; c++) {
            int found = 0;
            for (int k = 0; k < 4; k++) found |= strchr(q[i].demo_x[k], *c) != NULL;
            ck_assert(found);
        }
    free(q);
}
END_TEST

/* ------------------------------------------------------------ prefix matching */

START_TEST(test_prefix_score) {
    enum { N = 4, T = 2 * N + 1 };   /* "\n" a b c d a b c d */
    float induction[T * T] = {0}, previous[T * T] = {0}, uniform[T * T] = {0};
    for (int i = 0; i < T; i++) {
        for (int j = 0; j <= i; j++) uniform[i * T + j] = 1.0f / (float)(i + 1);
        previous[i * T + (i > 0 ? i - 1 : 0)] = 1.0f;
        induction[i * T + (i > N ? i - N + 1 : 0)] = 1.0f;   /* second copy: the token after the first */
    }
    ck_assert_double_eq_tol(icl_prefix_score(induction, T, 1, N), 1.0, 1e-9);
    ck_assert_double_eq_tol(icl_prefix_score(previous, T, 1, N), 0.0, 1e-9);
    double want = (1.0 / 6 + 1.0 / 7 + 1.0 / 8 + 1.0 / 9) / 4;   /* rows 5..8 */
    ck_assert_double_eq_tol(icl_prefix_score(uniform, T, 1, N), want, 1e-6);
    /* half on the right key, half on the current token */
    for (int i = N + 1; i < T; i++) induction[i * T + i - N + 1] = 0.5f, induction[i * T + i] = 0.5f;
    ck_assert_double_eq_tol(icl_prefix_score(induction, T, 1, N), 0.5, 1e-6);
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(test_prompt_too_long) {
    Tok tk;
    icl_tokenizer(&tk);
    Gpt m;
    GptConfig cfg = {.max_seq_len = 16, .vocab_size = tk.vocab_size, .n_layer = 1, .n_head = 1, .channels = 8};
    gpt_build(&m, &cfg);
    gpt_init_weights(&m, 1);
    GptCache c;
    gpt_cache_init(&c, &m);
    char out[16];
    icl_complete(&m, &c, &tk, "abcd>efgh,ijkl>", out, sizeof out);   /* 15 + 5 > 16: dies, status 1 */
}
END_TEST

static int run(const char *cmd) {
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_cli_bad_input) {
    const char *bin = getenv("BIN");
    char gpt[600], cmd[4096];
    snprintf(gpt, sizeof gpt, "%s/gpt", bin && *bin ? bin : "bin");
    if (access(gpt, X_OK) != 0) SKIP_TEST("%s is not built", gpt);
    const char *dir = tmp_path("iclrun"), *err = tmp_path("icl.err"), *out = tmp_path("icl.out");
    snprintf(cmd, sizeof cmd, "%s icl-train --preset small --steps 2 --eval-every 1 --quiet --out %s >/dev/null 2>&1",
             gpt, dir);
    ck_assert_int_eq(run(cmd), 0);
    /* a prompt longer than the context of 384: refused, the next one still answered */
    char *longline = xmalloc(500);
    memset(longline, 'a', 499);
    longline[499] = '\0';
    snprintf(cmd, sizeof cmd,
             "printf '%%s\\nabcd>\\n' %s | %s sample --model %s/ckpt.bin --interactive --temperature 0 --n 5 "
             ">%s 2>%s",
             longline, gpt, dir, out, err);
    free(longline);
    ck_assert_int_eq(run(cmd), 1);
    size_t n;
    char *msg = read_all(err, &n);
    ck_assert_msg(strstr(msg, "more than the model's context of 384"), "%s", msg);
    free(msg);
    msg = read_all(out, &n);
    ck_assert_msg(!strncmp(msg, "abcd>", 5), "%s", msg);
    free(msg);
    snprintf(cmd, sizeof cmd, "%s icl-train --preset huge >/dev/null 2>&1", gpt);
    ck_assert_int_eq(run(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s icl-eval >/dev/null 2>&1", gpt);
    ck_assert_int_eq(run(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s icl-eval --model %s/none.bin >/dev/null 2>&1", gpt, dir);
    ck_assert_int_eq(run(cmd), 1);
    snprintf(cmd, sizeof cmd, "%s icl-heads --preset other >/dev/null 2>&1", gpt);
    ck_assert_int_eq(run(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s icl-heads --model %s/ckpt.bin --sequences 2 --out %s | grep -q 'RESULT.*prefix_matching='",
             gpt, dir, dir);
    ck_assert_int_eq(run(cmd), 0);
}
END_TEST

/* ------------------------------------------------------------ quality */

START_TEST(test_tiny_beats_chance) {
    GptConfig cfg;
    GptTrainConfig tc;
    ck_assert(icl_preset("tiny", &cfg, &tc));
    Tok tk;
    icl_tokenizer(&tk);
    tc.quiet = 1;
    Gpt m;
    icl_model_init(&m, &cfg, tc.seed);
    icl_train(&m, &tc);
    IclQuery *q = icl_queries(100, 7, 0);
    double acc0 = icl_accuracy(&m, &tk, q, 100, 0, 0), acc8 = icl_accuracy(&m, &tk, q, 100, 8, 0);
    printf("tiny preset (%ld steps): held-out accuracy %.2f with 8 examples, %.2f with none\n", tc.steps, acc8, acc0);
    /* chance is 16^-4 per query: 5 right answers in 100 are far above it */
    ck_assert_msg(acc8 >= 0.05, "8-shot accuracy %.2f", acc8);
    ck_assert_msg(acc8 > acc0, "8 shots %.2f, none %.2f", acc8, acc0);
    free(q);
    tok_free(&tk);
    gpt_free(&m);
}
END_TEST

static Suite *icl_suite(void) {
    Suite *s = suite_create("gpt_icl");
    TCase *tc = tcase_create("generator");
    tcase_add_test(tc, test_training_corpus);
    tcase_add_test(tc, test_heldout_corpus);
    tcase_add_test(tc, test_prompts_and_answers);
    tcase_add_test(tc, test_prefix_score);
    tcase_add_exit_test(tc, test_prompt_too_long, 1);
    suite_add_tcase(s, tc);
    TCase *cli = tcase_create("cli");
    tcase_set_timeout(cli, 60);
    tcase_add_test(cli, test_cli_bad_input);
    suite_add_tcase(s, cli);
    TCase *quality = tcase_create("quality");
    tcase_set_timeout(quality, 120);
    tcase_add_test(quality, test_tiny_beats_chance);
    suite_add_tcase(s, quality);
    return s;
}

TEST_MAIN(icl_suite)
