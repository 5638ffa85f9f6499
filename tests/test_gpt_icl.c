/*
 * test_gpt_icl.c -- chapter 6, in-context learning (gpt/icl.h):
 *
 *   - every line of a generated corpus checked by a computation of its own
 *     (one shift for every pair, or a consistent one-to-one map, or an echo:
 *     distinct letters written twice), the share of echo lines as asked;
 *   - held-out tasks never in the training corpus, read off its text: no
 *     held-out shift, no successor pair in a map line;
 *   - the sweep's prompts and answers, built independently;
 *   - the prefix-matching score on hand-built attention patterns;
 *   - bad input: a prompt longer than the context (in the library and
 *     through `gpt sample --interactive`), unknown presets, missing models;
 *   - quality: the small preset (8000 steps, under two minutes) reads held-out
 *     ciphers off its context, far above chance at 8 shots; the demo runs
 *     on it. (Under the sanitizers the run is cut to 300 steps, which checks
 *     the same code for memory errors but not the learning.)
 */
#include "harness.h"
#include "gpt/icl.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_LINES 4000

/* ------------------------------------------------------------ independent checks */

typedef struct {
    char x[64], y[64];   /* demonstration k: x[k] -> y[k] */
    int n;
    char desc[16];
} Line;

/* Parse "[desc:]xY,xY,...": returns 0 on a malformed line. */
static int parse_line(const char *s, Line *l) {
    memset(l, 0, sizeof *l);
    const char *colon = strchr(s, ':');
    if (colon) {
        if (colon - s >= (long)sizeof l->desc) return 0;
        memcpy(l->desc, s, (size_t)(colon - s));
        s = colon + 1;
    }
    for (; *s; s += 3) {
        if (l->n == 64 || !s[1] || s[2] != ',') return 0;
        if (s[0] < 'a' || s[0] > 'p' || s[1] < 'A' || s[1] > 'P') return 0;
        l->x[l->n] = s[0], l->y[l->n] = s[1], l->n++;
    }
    return l->n > 0;
}

/* The one shift of every demonstration, or -1. */
static int line_shift(const Line *l) {
    int s = ((l->y[0] - 'A' - (l->x[0] - 'a')) % 16 + 16) % 16;
    for (int k = 1; k < l->n; k++)
        if (((l->y[k] - 'A' - (l->x[k] - 'a')) % 16 + 16) % 16 != s) return -1;
    return s;
}

/* A line's letter pairs as a partial table (-1 unknown): 0 when a letter
 * has two images or two letters one image (not a one-to-one map). */
static int line_table(const Line *l, int *table) {
    int inverse[16];
    for (int i = 0; i < 16; i++) table[i] = inverse[i] = -1;
    for (int k = 0; k < l->n; k++) {
        int a = l->x[k] - 'a', b = l->y[k] - 'A';
        if ((table[a] >= 0 && table[a] != b) || (inverse[b] >= 0 && inverse[b] != a)) return 0;
        table[a] = b, inverse[b] = a;
    }
    return 1;
}

/* A cipher echo: the demonstrations over ICL_ECHO_CIPHER_MIN..16 distinct
 * inputs, written twice. */
static int is_cipher_echo(const Line *l) {
    int n = l->n / 2;
    if (l->n % 2 || n < ICL_ECHO_CIPHER_MIN || memcmp(l->x, l->x + n, (size_t)n) || memcmp(l->y, l->y + n, (size_t)n))
        return 0;
    for (int i = 0; i < n; i++)
        if (memchr(l->x, l->x[i], (size_t)i)) return 0;
    return 1;
}

/* A string echo: ICL_ECHO_MIN..ICL_ECHO_MAX distinct letters of a..p, A..P,
 * written twice. */
static int is_echo(const char *s) {
    size_t len = strlen(s), n = len / 2;
    if (len % 2 || n < ICL_ECHO_MIN || n > ICL_ECHO_MAX || memcmp(s, s + n, n)) return 0;
    for (size_t i = 0; i < n; i++) {
        int letter = (s[i] >= 'a' && s[i] <= 'p') || (s[i] >= 'A' && s[i] <= 'P');
        if (!letter || memchr(s, s[i], i)) return 0;
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
    char *text = icl_corpus(2 * N_LINES, 0, ICL_ECHO_FRACTION, 42, &len);
    ck_assert_uint_eq(strlen(text), len);
    int lines = 0, echoes = 0, cipher_echoes = 0, described = 0, families[ICL_FAMILIES] = {0};
    Line l;
    int table[16];
    for (char *s = strtok(text, "\n"); s; s = strtok(NULL, "\n")) {
        if (!strchr(s, ',')) {
            ck_assert_msg(is_echo(s), "malformed echo line '%s'", s);
            echoes++;
            continue;
        }
        lines++;
        ck_assert_msg(parse_line(s, &l), "malformed line '%s'", s);
        cipher_echoes += is_cipher_echo(&l);
        int shift = line_shift(&l), map = line_table(&l, table);
        /* every line is one cipher; none of a held-out one (read off its text) */
        ck_assert_msg(map, "'%s' is not a one-to-one map", s);
        if (!l.desc[0]) {   /* undescribed: a training shift or a table without successor pairs explains it */
            ck_assert_msg((shift > 0 && !icl_shift_heldout(shift)) || !has_successor_pair(table),
                          "no training task explains '%s'", s);
            continue;
        }
        described++;
        if (!strcmp(l.desc, "shift")) {
            ck_assert_msg(shift > 0, "'%s' is not one shift", s);
            ck_assert_msg(!icl_shift_heldout(shift), "held-out shift %d in training: '%s'", shift, s);
            families[ICL_SHIFT]++;
        } else if (!strcmp(l.desc, "map")) {
            ck_assert_msg(!has_successor_pair(table), "a held-out table's successor pair in training: '%s'", s);
            families[ICL_MAP]++;
        } else {
            ck_abort_msg("unknown description '%s'", l.desc);
        }
    }
    /* echo lines as asked: two in three strings, one in three ciphers */
    double all = 2 * N_LINES, strings = ICL_ECHO_FRACTION * 2 / 3, ciphers = ICL_ECHO_FRACTION / 3;
    ck_assert_int_eq(lines + echoes, 2 * N_LINES);
    ck_assert_msg(fabs(echoes / all - strings) < 0.03, "%d string echoes of %d lines", echoes, 2 * N_LINES);
    ck_assert_msg(fabs(cipher_echoes / all - ciphers) < 0.03, "%d cipher echoes of %d lines", cipher_echoes, 2 * N_LINES);
    ck_assert_msg(described > lines / 3 && described < 2 * lines / 3, "%d described lines of %d", described, lines);
    /* map lines are about two thirds */
    ck_assert_msg(families[ICL_MAP] > 3 * families[ICL_SHIFT] / 2 && families[ICL_MAP] < 5 * families[ICL_SHIFT] / 2,
                  "%d map, %d shift", families[ICL_MAP], families[ICL_SHIFT]);
    free(text);
}
END_TEST

START_TEST(test_heldout_corpus) {
    size_t len;
    char *text = icl_corpus(N_LINES, 1, 0.0, 43, &len);
    Line l;
    int table[16], maps = 0, shifts = 0;
    for (char *s = strtok(text, "\n"); s; s = strtok(NULL, "\n")) {
        ck_assert_msg(parse_line(s, &l), "malformed line '%s'", s);
        ck_assert_msg(line_table(&l, table), "'%s'", s);
        if (!strcmp(l.desc, "shift")) {
            int shift = line_shift(&l);
            ck_assert_msg(shift > 0 && icl_shift_heldout(shift), "'%s'", s);
            shifts++;
        } else if (!strcmp(l.desc, "map")) {
            maps++;
        } else {
            ck_assert_msg(!l.desc[0], "held-out line of another family: '%s'", s);
        }
    }
    ck_assert(maps > 500 && shifts > 500);
    free(text);
    /* the tables themselves: always a successor pair when held out, never in training */
    Rng r;
    rng_seed(&r, 5, 0);
    for (int i = 0; i < 20000; i++) {
        IclTask t;
        int heldout = i & 1, seen[16] = {0}, tab[16];
        icl_task_draw(&t, heldout, &r);
        if (t.family == ICL_SHIFT) ck_assert_int_eq(icl_shift_heldout(t.shift), heldout);
        if (t.family != ICL_MAP) continue;
        for (int k = 0; k < 16; k++) seen[t.table[k]]++, tab[k] = t.table[k];
        for (int k = 0; k < 16; k++) ck_assert_int_eq(seen[k], 1);
        ck_assert_int_eq(has_successor_pair(tab), heldout);
    }
}
END_TEST

/* Unseen-letter queries: a held-out shift, read off its prompt's text, and a
 * query letter that no example of the prompt shows. */
START_TEST(test_unseen_letter_queries) {
    for (int shots = 1; shots <= 8; shots *= 2) {
        IclQuery *q = icl_unseen_shift_queries(100, shots, 3);
        char prompt[256], answer;
        Line l;
        for (int i = 0; i < 100; i++) {
            icl_prompt(&q[i], shots, 0, prompt, sizeof prompt, &answer);
            size_t n = strlen(prompt);
            char query = prompt[n - 1];
            prompt[n - 1] = '\0';
            ck_assert_msg(parse_line(prompt + 1, &l) && l.n == shots, "'%s'", prompt);
            int shift = line_shift(&l);
            ck_assert_msg(shift > 0 && icl_shift_heldout(shift), "not a held-out shift: '%s'", prompt);
            ck_assert_msg(!memchr(l.x, query, (size_t)l.n), "query %c among the examples '%s'", query, prompt);
            ck_assert_int_eq(answer, 'A' + (query - 'a' + shift) % 16);
        }
        free(q);
    }
}
END_TEST

START_TEST(test_prompts_and_answers) {
    IclQuery *q = icl_queries(50, 7, 0);
    char prompt[1024], answer;
    for (int i = 0; i < 50; i++) {
        ck_assert(q[i].task.family == ICL_SHIFT || q[i].task.family == ICL_MAP);
        int n = icl_prompt(&q[i], 8, 1, prompt, sizeof prompt, &answer);
        ck_assert_int_eq(n, (int)strlen(prompt));
        /* "\n" desc ":" 8 x "xy," query */
        const char *name = q[i].task.family == ICL_MAP ? "map" : "shift";
        ck_assert_int_eq(n, 1 + (int)strlen(name) + 1 + 8 * 3 + 1);
        ck_assert_int_eq(prompt[0], '\n');
        ck_assert(!strncmp(prompt + 1, name, strlen(name)));
        ck_assert_int_eq(prompt[n - 1], q[i].query);
        int c = q[i].query - 'a';
        char want = (char)('A' + (q[i].task.family == ICL_MAP ? q[i].task.table[c] : (c + q[i].task.shift) % 16));
        ck_assert_int_eq(answer, want);
        /* the demonstrations follow the same rule */
        Line l;
        prompt[n - 1] = '\0';
        ck_assert(parse_line(prompt + 1, &l));
        ck_assert_int_eq(l.n, 8);
        for (int k = 0; k < 8; k++) {
            ck_assert_int_eq(l.x[k], q[i].demo_x[k]);
            int a = l.x[k] - 'a';
            ck_assert_int_eq(l.y[k], 'A' + (q[i].task.family == ICL_MAP ? q[i].task.table[a] : (a + q[i].task.shift) % 16));
        }
        icl_prompt(&q[i], 0, 0, prompt, sizeof prompt, &answer);
        ck_assert_int_eq((int)strlen(prompt), 2);
    }
    free(q);
    /* the demo's queries are letters of their first four examples */
    q = icl_queries(50, 7, 1);
    for (int i = 0; i < 50; i++) ck_assert(memchr(q[i].demo_x, q[i].query, 4) != NULL);
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
    icl_complete(&m, &c, &tk, "aB,cD,eF,gH,iJk", out, sizeof out);   /* 15 + 2 > 16: dies, status 1 */
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
    /* a prompt longer than the context of 128: refused, the next one still answered */
    char longline[200];
    memset(longline, 'a', sizeof longline - 1);
    longline[sizeof longline - 1] = '\0';
    snprintf(cmd, sizeof cmd,
             "printf '%%s\\nmap:aB,cD,a\\n' %s | %s sample --model %s/ckpt.bin --interactive --temperature 0 --n 3 "
             ">%s 2>%s",
             longline, gpt, dir, out, err);
    ck_assert_int_eq(run(cmd), 1);
    size_t n;
    char *msg = read_all(err, &n);
    ck_assert_msg(strstr(msg, "more than the model's context of 128"), "%s", msg);
    free(msg);
    msg = read_all(out, &n);
    ck_assert_msg(!strncmp(msg, "map:aB,cD,a", 11), "%s", msg);
    free(msg);
    snprintf(cmd, sizeof cmd, "%s icl-train --preset huge >/dev/null 2>&1", gpt);
    ck_assert_int_eq(run(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s icl-eval >/dev/null 2>&1", gpt);
    ck_assert_int_eq(run(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s icl-eval --model %s/none.bin >/dev/null 2>&1", gpt, dir);
    ck_assert_int_eq(run(cmd), 1);
    /* a checkpoint cut short, and the demo's own bad input */
    snprintf(cmd, sizeof cmd, "head -c 1000 %s/ckpt.bin > %s/cut.bin", dir, dir);
    ck_assert_int_eq(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s icl-eval --model %s/cut.bin >/dev/null 2>&1", gpt, dir);
    ck_assert_int_eq(run(cmd), 1);
    snprintf(cmd, sizeof cmd, "%s demo-prompting --icl-model %s/cut.bin >/dev/null 2>&1", gpt, dir);
    ck_assert_int_eq(run(cmd), 1);
    snprintf(cmd, sizeof cmd, "%s demo-prompting --icl-model %s/none.bin >/dev/null 2>&1", gpt, dir);
    ck_assert_int_eq(run(cmd), 1);
    snprintf(cmd, sizeof cmd, "%s demo-prompting --no-such-option >/dev/null 2>&1", gpt);
    ck_assert_int_eq(run(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s icl-heads --preset other >/dev/null 2>&1", gpt);
    ck_assert_int_eq(run(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s icl-heads --model %s/ckpt.bin --sequences 2 --out %s | grep -q 'RESULT.*prefix_matching='",
             gpt, dir, dir);
    ck_assert_int_eq(run(cmd), 0);
}
END_TEST

/* ------------------------------------------------------------ quality */

/* The small preset (ICL_STEPS steps, under two minutes of one core) leaves
 * the plateau, near step 4,700: every completion of a held-out 8-shot
 * prompt is one capital and a comma, and more than a quarter are right,
 * four times chance (a perfect copier scores 0.44 here: the query is among
 * the eight inputs 40% of the time, plus a guess). Before the echo lines
 * the same run stayed at chance. The chapter's demo (icl_demo) runs on it. */
START_TEST(test_small_reads_ciphers_in_context) {
    GptConfig cfg;
    GptTrainConfig tc;
    ck_assert(icl_preset("small", &cfg, &tc));
#ifdef __SANITIZE_ADDRESS__
    tc.steps = tc.decay_steps = 300;   /* memory checks only: 8000 steps take too long instrumented */
    const int judged = 0;
#else
    const int judged = 1;
#endif
    Tok tk;
    icl_tokenizer(&tk);
    tc.quiet = 1;
    Gpt m;
    icl_model_init(&m, &cfg, tc.seed);
    double loss = icl_train(&m, &tc, ICL_ECHO_FRACTION);
    ck_assert_msg(loss < (judged ? 2.0 : log(45.0)), "small preset: training loss %.3f after %ld steps", loss, tc.steps);
    IclQuery *q = icl_queries(100, 7, 0);
    GptCache c;
    gpt_cache_init(&c, &m);
    char prompt[512], answer, got[16];
    int well_formed = 0;
    for (int i = 0; i < 100; i++) {
        icl_prompt(&q[i], 8, 0, prompt, sizeof prompt, &answer);
        icl_complete(&m, &c, &tk, prompt, got, sizeof got);
        well_formed += got[0] >= 'A' && got[0] <= 'P' && got[1] == '\0';
    }
    gpt_cache_free(&c);
    double acc8 = icl_accuracy(&m, &tk, q, 100, 8, 0);
    printf("small preset (%ld steps): loss %.3f, %d/100 well-formed answers, held-out accuracy %.2f at 8 shots\n",
           tc.steps, loss, well_formed, acc8);
    if (!judged) printf("(the sanitizer build: memory checked, the learning not judged)\n");
    if (judged) {
        ck_assert_int_eq(well_formed, 100);
        ck_assert_msg(acc8 > 0.25, "held-out accuracy %.2f at 8 shots: still at chance (1/16)", acc8);
    }
    free(q);
    const char *ckpt = tmp_path("icl_small.bin"), *shown = tmp_path("icl_demo.txt");
    char config[256];
    tok_config_text(&tk, NULL, config, sizeof config);
    gpt_save_checkpoint(&m, ckpt, config, tc.steps);
    FILE *f = fopen(shown, "w");
    ck_assert_ptr_nonnull(f);
    double acc4 = icl_demo(ckpt, f);
    fclose(f);
    size_t n;
    char *text = read_all(shown, &n);
    ck_assert_msg(strstr(text, "held-out tasks") != NULL, "%s", text);
    ck_assert(acc4 >= 0.0 && acc4 <= 1.0);
    free(text);
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
    tcase_add_test(tc, test_unseen_letter_queries);
    tcase_add_exit_test(tc, test_prompt_too_long, 1);
    suite_add_tcase(s, tc);
    TCase *cli = tcase_create("cli");
    tcase_set_timeout(cli, 60);
    tcase_add_test(cli, test_cli_bad_input);
    suite_add_tcase(s, cli);
    TCase *quality = tcase_create("quality");
    tcase_set_timeout(quality, 600);
    tcase_add_test(quality, test_small_reads_ciphers_in_context);
    suite_add_tcase(s, quality);
    return s;
}

TEST_MAIN(icl_suite)
