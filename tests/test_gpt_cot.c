/*
 * test_gpt_cot.c -- chapter 6, chain of thought (gpt/cot.h, gpt cot-train,
 * gpt cot-eval).
 *
 *   - The task's texts re-read by an independent parser: every question's
 *     operands, every answer recomputed from them, every step of every
 *     rationale re-added (its digits, its carry, its sum) and the answer
 *     re-assembled from the column sums; reversed answers read backwards.
 *   - The split: test problems are never training problems, never in a
 *     training text or an exemplar; the test set does not depend on the
 *     training set's size; the same seed gives the same split.
 *   - Documents and formats of training texts; prompts of every mode.
 *   - Answer extraction on hand-written completions.
 *   - Bad input: impossible splits die with status 1; the commands' usage
 *     errors (2), bad files (1), and a short end-to-end run.
 *   - Quality: trained for seconds on the same additions, a scratchpad
 *     model answers held-out problems far better than a plain one (Lee et
 *     al. 2023's finding, reduced).
 */
#include "harness.h"
#include "gpt/cot.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ an independent reader */

/* The decimal digits at s as a number; *end after them; -1 when none. */
static long read_number(const char *s, const char **end) {
    long v = 0;
    int n = 0;
    for (; s[n] >= '0' && s[n] <= '9'; n++) v = v * 10 + (s[n] - '0');
    *end = s + n;
    return n ? v : -1;
}

/* "Q: a+b+...\n": the operands into a[], their count returned (0: malformed). */
static int read_question(const char *line, long *a, int *digits) {
    if (strncmp(line, "Q: ", 3)) return 0;
    const char *s = line + 3, *e;
    int n = 0;
    for (;;) {
        const char *start = s;
        a[n] = read_number(s, &e);
        if (a[n] < 0) return 0;
        digits[n++] = (int)(e - start);
        if (*e == '\n') return n;
        if (*e != '+' || n == 8) return 0;
        s = e + 1;
    }
}

/* Check one rationale "T s1, s2, ..., sk. The answer is N.\n" against the
 * operands: step c adds the c-th digits from the right, then the previous
 * step's carry when it is not 0; returns the answer the steps assemble. */
static long check_rationale(const char *s, const long *a, int n, int cols) {
    ck_assert_msg(!strncmp(s, COT_TRIGGER " ", strlen(COT_TRIGGER) + 1), "no trigger: %s", s);
    s += strlen(COT_TRIGGER) + 1;
    long sums[16], carry = 0, scale = 1;
    const char *e;
    for (int c = 0; c < cols; c++, scale *= 10) {
        long total = 0;
        for (int i = 0; i < n; i++) {
            long d = read_number(s, &e);
            ck_assert_int_eq(d, a[i] / scale % 10);
            ck_assert_int_eq(*e, i + 1 < n ? '+' : (carry ? '+' : '='));
            total += d;
            s = e + 1;
        }
        if (carry) {
            ck_assert_int_eq(read_number(s, &e), carry);
            ck_assert_int_eq(*e, '=');
            total += carry;
            s = e + 1;
        }
        sums[c] = read_number(s, &e);
        ck_assert_int_eq(sums[c], total);
        ck_assert(!strncmp(e, c + 1 < cols ? ", " : ". ", 2));
        s = e + 2;
        carry = total / 10;
    }
    /* the last sum, then the other columns' units, read backwards */
    long assembled = sums[cols - 1];
    for (int c = cols - 2; c >= 0; c--) assembled = assembled * 10 + sums[c] % 10;
    long stated = -1;
    ck_assert_int_eq(sscanf(s, "The answer is %ld.", &stated), 1);
    ck_assert_int_eq(stated, assembled);
    return assembled;
}

/* Check a chain "T e1 = e2 = ... = N. The answer is N.\n": e1 is the
 * question's sum, each next expression has the first two terms of the last
 * one added; returns the stated answer. */
static long check_chain(const char *s, const long *a, int n) {
    ck_assert_msg(!strncmp(s, COT_TRIGGER " ", strlen(COT_TRIGGER) + 1), "no trigger: %s", s);
    s += strlen(COT_TRIGGER) + 1;
    long terms[8];
    memcpy(terms, a, (size_t)n * sizeof *a);
    const char *e;
    for (int left = n; left >= 1; left--) {
        for (int i = 0; i < left; i++) {
            ck_assert_int_eq(read_number(s, &e), terms[i]);
            s = e;
            if (i + 1 < left) {
                ck_assert_int_eq(*s, '+');
                s++;
            }
        }
        if (left > 1) {
            ck_assert(!strncmp(s, " = ", 3));
            s += 3;
            terms[0] += terms[1];   /* the next expression: the first two terms added */
            memmove(terms + 1, terms + 2, (size_t)(left - 2) * sizeof *terms);
        }
    }
    long stated = -1;
    ck_assert_int_eq(sscanf(s, ". The answer is %ld.", &stated), 1);
    ck_assert_int_eq(stated, terms[0]);
    return stated;
}

/* The numbers digit by digit in reverse, as a string. */
static void reversed_digits(long v, char *out) {
    char tmp[32];
    int n = sprintf(tmp, "%ld", v);
    for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

START_TEST(test_answers_recomputed) {
    Rng r;
    rng_seed(&r, 42, 0);
    char q[COT_LINE_MAX], line[COT_LINE_MAX];
    int checked = 0;
    for (int operands = 2; operands <= COT_MAX_OPERANDS; operands++) {
        for (int digits = 1; digits <= COT_MAX_DIGITS; digits++) {
            for (int t = 0; t < 200; t++) {
                CotProblem p;
                cot_draw(&p, operands, digits, &r);
                cot_question(&p, q);
                long a[8];
                int width[8];
                ck_assert_int_eq(read_question(q, a, width), operands);
                long sum = 0;
                for (int i = 0; i < operands; i++) {
                    ck_assert_int_eq(width[i], digits);   /* exactly `digits` digits, no leading zero */
                    ck_assert_int_eq(snprintf(NULL, 0, "%ld", a[i]), digits);
                    ck_assert_int_gt(a[i], 0);
                    sum += a[i];
                }
                ck_assert_int_eq(cot_answer(&p), sum);
                long stated = -1;
                cot_answer_line(&p, COT_PLAIN, line);
                ck_assert_int_eq(sscanf(line, "A: The answer is %ld.\n", &stated), 1);
                ck_assert_int_eq(stated, sum);
                cot_answer_line(&p, COT_REVERSED, line);
                char want[64], got[64];
                reversed_digits(sum, want);
                ck_assert_int_eq(sscanf(line, "A: The answer reversed is %63[0-9].\n", got), 1);
                ck_assert_str_eq(got, want);
                cot_answer_line(&p, COT_STEPS, line);
                ck_assert_int_eq(check_rationale(line + 3, a, operands, digits), sum);
                ck_assert_int_eq(line[strlen(line) - 1], '\n');
                ck_assert_int_le(strlen(line), (size_t)cot_max_answer_len(operands, digits));
                cot_answer_line(&p, COT_CHAIN, line);
                ck_assert_int_eq(check_chain(line + 3, a, operands), sum);
                ck_assert_int_le(strlen(line), (size_t)cot_max_answer_len(operands, digits));
                ck_assert_int_lt(cot_max_answer_len(operands, digits), COT_LINE_MAX);
                checked++;
            }
        }
    }
    printf("RECOMPUTED %d problems in 4 formats\n", checked);
}
END_TEST

/* The worked example of cot.h, character for character. */
START_TEST(test_worked_example) {
    CotProblem p = {.n = 3, .a = {123, 456, 789}};
    char line[COT_LINE_MAX];
    cot_question(&p, line);
    ck_assert_str_eq(line, "Q: 123+456+789\n");
    cot_answer_line(&p, COT_PLAIN, line);
    ck_assert_str_eq(line, "A: The answer is 1368.\n");
    cot_answer_line(&p, COT_REVERSED, line);
    ck_assert_str_eq(line, "A: The answer reversed is 8631.\n");
    cot_answer_line(&p, COT_STEPS, line);
    ck_assert_str_eq(line, "A: Let's think step by step. 3+6+9=18, 2+5+8+1=16, 1+4+7+1=13. The answer is 1368.\n");
    CotProblem q = {.n = 2, .a = {105, 302}};   /* no carries: no "+0" terms */
    cot_answer_line(&q, COT_STEPS, line);
    ck_assert_str_eq(line, "A: Let's think step by step. 5+2=7, 0+0=0, 1+3=4. The answer is 407.\n");
    cot_answer_line(&p, COT_CHAIN, line);
    ck_assert_str_eq(line, "A: Let's think step by step. 123+456+789 = 579+789 = 1368. The answer is 1368.\n");
    CotProblem f = {.n = 5, .a = {3, 5, 7, 9, 2}};
    cot_answer_line(&f, COT_CHAIN, line);
    ck_assert_str_eq(line, "A: Let's think step by step. 3+5+7+9+2 = 8+7+9+2 = 15+9+2 = 24+2 = 26. The answer is 26.\n");
}
END_TEST

/* ------------------------------------------------------------ the split */

START_TEST(test_split_holds_out) {
    CotSplit s, t, u;
    cot_split_make(&s, 2, 2, 2000, 300, 7);   /* 8100 sums: collisions are frequent */
    /* every question as a number a*100+b: a table of who holds it */
    static signed char holder[10000];   /* 0 none, 1 test, 2 train */
    memset(holder, 0, sizeof holder);
    for (long i = 0; i < s.n_test; i++) {
        ck_assert(cot_is_test(&s, &s.test[i]));
        int key = (int)(s.test[i].a[0] * 100 + s.test[i].a[1]);
        ck_assert_msg(holder[key] == 0, "test problem %d repeats", key);
        holder[key] = 1;
    }
    for (long j = 0; j < s.n_train; j++) {
        int key = (int)(s.train[j].a[0] * 100 + s.train[j].a[1]);
        ck_assert_msg(holder[key] != 1, "test problem %d+%d is training problem %ld", key / 100, key % 100, j);
        ck_assert_msg(holder[key] != 2, "training problem %d repeats", key);
        holder[key] = 2;
    }
    char q[COT_LINE_MAX];
    for (long j = 0; j < s.n_train; j++) ck_assert(!cot_is_test(&s, &s.train[j]));
    /* no test question in any training text, whatever its format */
    for (CotFormat f = COT_PLAIN; f <= COT_MIX; f++) {
        Rng r;
        rng_seed(&r, 1, 0);
        size_t len;
        CotTextConfig c = {f, COT_CHAIN, 0.5, 3};
        char *text = cot_text(s.train, s.n_train, &c, &r, &len, NULL, NULL);
        for (long i = 0; i < s.n_test; i++) {
            cot_question(&s.test[i], q);
            ck_assert_msg(!strstr(text, q), "test question %s in a %s text", q, cot_format_names[f]);
        }
        free(text);
    }
    /* the test set does not depend on the training set's size; the seed fixes both */
    cot_split_make(&t, 2, 2, 500, 300, 7);
    cot_split_make(&u, 2, 2, 2000, 300, 7);
    ck_assert(!memcmp(s.test, t.test, (size_t)s.n_test * sizeof *s.test));
    ck_assert(!memcmp(s.test, u.test, (size_t)s.n_test * sizeof *s.test));
    ck_assert(!memcmp(s.train, u.train, (size_t)s.n_train * sizeof *s.train));
    cot_split_free(&t);
    cot_split_make(&t, 2, 2, 2000, 300, 8);
    ck_assert(memcmp(s.test, t.test, (size_t)s.n_test * sizeof *s.test));
    cot_split_free(&t);
    cot_split_free(&u);
    cot_split_free(&s);
}
END_TEST

/* ------------------------------------------------------------ texts and prompts */

static int count(const char *s, const char *what) {
    int n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what)) n++;
    return n;
}

START_TEST(test_training_text) {
    CotSplit s;
    cot_split_make(&s, 3, 3, 600, 10, 3);
    Rng r;
    rng_seed(&r, 5, 0);
    size_t len;
    size_t *starts, n_docs;
    char *plain = cot_text(s.train, 600, &(CotTextConfig){COT_PLAIN, COT_STEPS, 0.5, 3}, &r, &len, &starts, &n_docs);
    ck_assert_int_eq(strlen(plain), len);
    ck_assert_int_eq(count(plain, "Q: "), 600);
    ck_assert_int_eq(count(plain, "\n\n"), 199);   /* 200 documents of 3, each opened by a newline */
    ck_assert_int_eq(n_docs, 200);
    for (size_t d = 0; d < n_docs; d++) {
        ck_assert(!strncmp(plain + starts[d], "\nQ: ", 4));
        ck_assert(starts[d] == 0 || plain[starts[d] - 1] == '\n');
        ck_assert_int_eq(count(plain + starts[d] + 1, "Q: ") - (d + 1 < n_docs ? count(plain + starts[d + 1], "Q: ") : 0), 3);
    }
    free(starts);
    ck_assert_int_eq(count(plain, COT_TRIGGER), 0);
    ck_assert_int_eq(count(plain, "The answer is "), 600);
    char *steps = cot_text(s.train, 600, &(CotTextConfig){COT_STEPS, COT_STEPS, 0.5, 3}, &r, &len, NULL, NULL);
    ck_assert_int_eq(count(steps, COT_TRIGGER), 600);
    char *mix = cot_text(s.train, 600, &(CotTextConfig){COT_MIX, COT_STEPS, 0.5, 3}, &r, &len, NULL, NULL);
    int rationales = count(mix, COT_TRIGGER);
    ck_assert_int_eq(rationales % 3, 0);   /* a document is all of one format */
    ck_assert_int_gt(rationales, 600 / 2 - 120);
    ck_assert_int_lt(rationales, 600 / 2 + 120);
    /* every document's three answers share the first one's format */
    for (char *doc = mix; doc; doc = strstr(doc, "\n\n") ? strstr(doc, "\n\n") + 2 : NULL) {
        char *end = strstr(doc, "\n\n");
        size_t n = end ? (size_t)(end - doc) : strlen(doc);
        char *copy = strndup(doc, n);
        int k = count(copy, COT_TRIGGER);
        ck_assert_msg(k == 0 || k == 3, "a document mixes formats:\n%s", copy);
        free(copy);
    }
    free(plain);
    free(steps);
    free(mix);
    char *none = cot_text(s.train, 600, &(CotTextConfig){COT_MIX, COT_CHAIN, 0.0, 3}, &r, &len, NULL, NULL);
    char *all = cot_text(s.train, 600, &(CotTextConfig){COT_MIX, COT_CHAIN, 1.0, 3}, &r, &len, NULL, NULL);
    ck_assert_int_eq(count(none, COT_TRIGGER), 0);
    ck_assert_int_eq(count(all, COT_TRIGGER), 600);
    ck_assert_int_eq(count(all, " = "), 600 * 2);   /* chains of 3 terms: two rewrites */
    free(none);
    free(all);
    /* the alphabet holds every character of every format */
    char *alpha = cot_alphabet(&len);
    const char *need = "0123456789Q:A+=.,' \nTheanswrvdLtkpby";
    for (const char *c = need; *c; c++) ck_assert_msg(memchr(alpha, *c, len), "'%c' missing", *c);
    free(alpha);
    cot_split_free(&s);
}
END_TEST

START_TEST(test_prompts) {
    CotSplit s;
    cot_split_make(&s, 3, 3, 400, 20, 9);
    Rng r;
    rng_seed(&r, 1, 0);
    size_t len;
    char q[COT_LINE_MAX], want[2 * COT_LINE_MAX];
    cot_question(&s.test[4], q);
    snprintf(want, sizeof want, "\n%sA:", q);
    char *zero = cot_prompt(&s, &s.test[4], COT_MODE_ZERO, COT_PLAIN, COT_STEPS, 2, &r, &len);
    ck_assert_str_eq(zero, want);
    ck_assert_int_eq(len, strlen(want));
    snprintf(want, sizeof want, "\n%sA: " COT_TRIGGER, q);
    char *trig = cot_prompt(&s, &s.test[4], COT_MODE_TRIGGER, COT_PLAIN, COT_STEPS, 2, &r, &len);
    ck_assert_str_eq(trig, want);
    snprintf(want, sizeof want, "%sA:", q);
    for (CotMode mode = COT_MODE_DIRECT; mode <= COT_MODE_SC; mode++) {
        if (mode == COT_MODE_ZERO || mode == COT_MODE_TRIGGER) continue;
        for (int shots = 0; shots <= 3; shots++) {
            char *p = cot_prompt(&s, &s.test[4], mode, COT_REVERSED, COT_CHAIN, shots, &r, &len);
            ck_assert_int_eq(p[0], '\n');
            ck_assert_int_eq(count(p, "Q: "), shots + 1);
            ck_assert_int_eq(count(p, COT_TRIGGER), mode == COT_MODE_DIRECT ? 0 : shots);
            ck_assert_int_eq(count(p, "reversed"), mode == COT_MODE_DIRECT ? shots : 0);
            ck_assert_int_eq(count(p, " = "), mode == COT_MODE_DIRECT ? 0 : 2 * shots);   /* chains */
            ck_assert_str_eq(p + len - strlen(want), want);   /* the question comes last */
            /* exemplars are training problems, so never the question */
            for (const char *e = strstr(p, "Q: "); e && e < p + len - strlen(want); e = strstr(e + 1, "Q: ")) {
                long a[8];
                int w[8];
                CotProblem ex = {.n = read_question(e, a, w)};
                ck_assert_int_eq(ex.n, 3);
                memcpy(ex.a, a, sizeof ex.a[0] * 3);
                ck_assert(!cot_is_test(&s, &ex));
            }
            free(p);
        }
    }
    free(zero);
    free(trig);
    cot_split_free(&s);
}
END_TEST

START_TEST(test_extract) {
    struct { const char *completion; int ok; long answer; int steps; } cases[] = {
        {" The answer is 1368.\n", 1, 1368, 0},
        {" Let's think step by step. 3+6+9=18, 2+5+8+1=16, 1+4+7+1=13. The answer is 1368.\n", 1, 1368, 1},
        {" 3+6+9=18, 2+5+8+1=16, 1+4+7+1=13. The answer is 1368.\n", 1, 1368, 1},   /* after a trigger prompt */
        {" The answer reversed is 8631.\n", 1, 1368, 0},
        {" The answer reversed is 0731.\n", 1, 1370, 0},   /* a reversed zero leads */
        {" The answer is 0.\n", 1, 0, 0},
        {" The answer is 12", 0, 0, 0},                      /* cut off: no full stop */
        {" The answer is .\n", 0, 0, 0},
        {" The answer is 1x.\n", 0, 0, 0},
        {" the answer is 5.\n", 0, 0, 0},
        {" The answer was 5.\n", 0, 0, 0},
        {" The answer is 1234567890123456789.\n", 0, 0, 0},  /* more digits than a long holds */
        {" Let's think step by step. 3+6+9=18, 2+5", 0, 0, 1},
        {"", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        long got = -7;
        int ok = cot_extract(cases[i].completion, &got);
        ck_assert_msg(ok == cases[i].ok, "'%s': extract %d", cases[i].completion, ok);
        if (ok) ck_assert_int_eq(got, cases[i].answer);
        ck_assert_int_eq(cot_wrote_steps(cases[i].completion), cases[i].steps);
    }
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(test_split_too_many) {
    CotSplit s;
    cot_split_make(&s, 2, 1, 30, 20, 1);   /* 81 sums: 50 is more than half */
}
END_TEST

START_TEST(test_split_bad_operands) {
    CotSplit s;
    cot_split_make(&s, 1, 3, 10, 10, 1);
}
END_TEST

START_TEST(test_split_bad_digits) {
    CotSplit s;
    cot_split_make(&s, 2, COT_MAX_DIGITS + 1, 10, 10, 1);
}
END_TEST

/* ------------------------------------------------------------ the commands */

static int run(const char *cmd) {
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_cli) {
    const char *bin = getenv("BIN");
    char gpt[600], cmd[4096];
    size_t n_out;
    snprintf(gpt, sizeof gpt, "%s/gpt", bin && *bin ? bin : "bin");
    if (access(gpt, X_OK) != 0) SKIP_TEST("%s is not built", gpt);
    const char *run_dir = tmp_path("cotrun"), *out = tmp_path("cot.out"), *notcot = tmp_path("notcot");
    /* a short run end to end: the RESULT lines of training, then of every mode */
    snprintf(cmd, sizeof cmd,
             "%s cot-train --layers 1 --width 16 --heads 2 --context 320 --steps 3 --examples 300 --test-problems 20 "
             "--eval-problems 2 --threads 1 --quiet --out %s > %s 2>&1", gpt, run_dir, out);
    ck_assert_int_eq(run(cmd), 0);
    char *text = read_all(out, &n_out);
    ck_assert_msg(strstr(text, "RESULT stage=gpt task=cot ") && strstr(text, " mode=direct ") &&
                  strstr(text, " mode=cot ") && strstr(text, " acc="), "%s", text);
    free(text);
    snprintf(cmd, sizeof cmd, "%s cot-eval --model %s/ckpt.bin --problems 2 --samples 2 --threads 1 > %s 2>&1", gpt,
             run_dir, out);
    ck_assert_int_eq(run(cmd), 0);
    text = read_all(out, &n_out);
    ck_assert_int_eq(count(text, "RESULT "), 5);
    ck_assert_msg(strstr(text, "cotrun.") && strstr(text, " mode=sc ") && strstr(text, " mode=trigger "), "%s", text);
    free(text);
    /* a checkpoint of another task */
    snprintf(cmd, sizeof cmd, "printf 'abcdefgh%%.0s' $(seq 200) > %s.txt && %s train --data %s.txt --steps 1 --layers 1 "
             "--width 16 --heads 2 --context 16 --final-eval-batches 0 --quiet --out %s > /dev/null 2>&1",
             notcot, gpt, notcot, notcot);
    ck_assert_int_eq(run(cmd), 0);
    struct { const char *args; int status; const char *says; } cases[] = {
        {"cot-train --help", 0, "Usage: gpt cot-train"},
        {"cot-eval --help", 0, "Usage: gpt cot-eval"},
        {"cot-eval", 2, "give --model"},
        {"cot-eval --model RUN/ckpt.bin --mode bogus", 2, "--mode"},
        {"cot-eval --model RUN/ckpt.bin --temperature -1", 2, "temperature"},
        {"cot-eval --model /nonexistent/ckpt.bin", 1, "/nonexistent"},
        {"cot-eval --model NOTCOT/ckpt.bin", 1, "not a chain-of-thought model"},
        {"cot-eval --model RUN/ckpt.bin --problems 21", 1, "exceeds"},
        {"cot-eval --model RUN/ckpt.bin --mode cot --shots 9 --problems 1", 1, "fewer --shots"},
        {"cot-eval --model RUN/ckpt.bin --shots 9 --problems 1", 0, "skipping mode direct"},
        {"cot-train --preset bogus", 2, "bogus"},
        {"cot-train --format sideways", 2, "--format"},
        {"cot-train --operands 9", 2, "--operands"},
        {"cot-train --rationale plain", 2, "--rationale"},
        {"cot-train --windows sideways", 2, "--windows"},
        {"cot-train --width 30 --heads 4", 2, "multiple"},
        {"cot-train --eval-problems 50 --test-problems 20", 2, "exceeds"},
        {"cot-train --digits 1 --examples 100", 1, "more than half"},
        {"cot-train --examples 2 --test-problems 2 --eval-problems 1", 1, "HINT"},
        {"cot-train --context 256", 2, "need a context of 305"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char *a = strstr(cases[k].args, "RUN") ? replace_once(cases[k].args, "RUN", run_dir) : strdup(cases[k].args);
        char *args = strstr(a, "NOTCOT") ? replace_once(a, "NOTCOT", notcot) : strdup(a);
        snprintf(cmd, sizeof cmd, "%s %s --threads 1 --out %s.bad > %s 2>&1", gpt, args, run_dir, out);
        if (strstr(args, "cot-eval")) snprintf(cmd, sizeof cmd, "%s %s --threads 1 > %s 2>&1", gpt, args, out);
        int st = run(cmd);
        text = read_all(out, &n_out);
        printf("gpt %s -> %d: %.120s\n", args, st, text);
        ck_assert_msg(st == cases[k].status, "gpt %s: exit %d, want %d", args, st, cases[k].status);
        ck_assert_msg(strstr(text, cases[k].says), "gpt %s: no '%s' in: %s", args, cases[k].says, text);
        free(text);
        free(a);
        free(args);
    }
}
END_TEST

/* ------------------------------------------------------------ quality */

/* Lee et al.'s comparison at the scale of a test: 2-digit additions, 400
 * training examples, a 1-layer model (58k parameters), 800 steps (~5 s of
 * one core each). Over four seeds (1337, 1, 2, 3) the scratchpad scored
 * 0.73 to 0.84 and the plain answer 0.02 to 0.10 on 100 held-out problems. */
#define QUALITY_RUN "--digits 2 --examples 400 --test-problems 100 --eval-problems 100 --layers 1 --width 64 " \
                    "--heads 4 --context 96 --batch 8 --steps 800 --lr 3e-3"
#define QUALITY_STEPS_MIN 0.5
#define QUALITY_MARGIN 0.4

/* The held-out accuracy a short lee-FORMAT run states in its RESULT line. */
static double lee_accuracy(const char *gpt, const char *format) {
    char cmd[2048], out[600];
    snprintf(out, sizeof out, "%s", tmp_path(format));
    snprintf(cmd, sizeof cmd,
             "%s cot-train --preset lee-%s " QUALITY_RUN " --threads 1 --quiet --out %s.run > %s 2>&1",
             gpt, format, out, out);
    ck_assert_int_eq(run(cmd), 0);
    size_t n;
    char *text = read_all(out, &n);
    const char *acc = strstr(text, " acc=");
    ck_assert_msg(strstr(text, "RESULT stage=gpt task=cot ") && acc, "%s", text);
    double v = atof(acc + 5);
    free(text);
    return v;
}

/* Lee et al. 2023's finding, reduced to seconds: the same small model,
 * trained as briefly on the same additions, answers held-out ones far more
 * often when its training answers were scratchpads than plain sums. */
START_TEST(test_scratchpad_beats_plain) {
    const char *bin = getenv("BIN");
    char gpt[600];
    snprintf(gpt, sizeof gpt, "%s/gpt", bin && *bin ? bin : "bin");
    if (access(gpt, X_OK) != 0) SKIP_TEST("%s is not built", gpt);
    double plain = lee_accuracy(gpt, "plain"), steps = lee_accuracy(gpt, "steps");
    printf("%s: plain %.2f, steps (scratchpad) %.2f\n", QUALITY_RUN, plain, steps);
    ck_assert_msg(steps >= QUALITY_STEPS_MIN && steps >= plain + QUALITY_MARGIN,
                  "scratchpad %.2f, plain %.2f: want at least %.2f and %.2f ahead", steps, plain, QUALITY_STEPS_MIN,
                  QUALITY_MARGIN);
}
END_TEST

static Suite *cot_suite(void) {
    Suite *s = suite_create("gpt_cot");
    TCase *t = tcase_create("task");
    tcase_set_timeout(t, 30);
    tcase_add_test(t, test_answers_recomputed);
    tcase_add_test(t, test_worked_example);
    tcase_add_test(t, test_split_holds_out);
    tcase_add_test(t, test_training_text);
    tcase_add_test(t, test_prompts);
    tcase_add_test(t, test_extract);
    tcase_add_exit_test(t, test_split_too_many, 1);
    tcase_add_exit_test(t, test_split_bad_operands, 1);
    tcase_add_exit_test(t, test_split_bad_digits, 1);
    suite_add_tcase(s, t);
    TCase *c = tcase_create("cli");
    tcase_set_timeout(c, 60);
    tcase_add_test(c, test_cli);
    suite_add_tcase(s, c);
    TCase *quality = tcase_create("quality");
    tcase_set_timeout(quality, 60);
    tcase_add_test(quality, test_scratchpad_beats_plain);
    suite_add_tcase(s, quality);
    return s;
}

TEST_MAIN(cot_suite)
