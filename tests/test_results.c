/*
 * test_results.c -- the README results tables that cannot drift
 * (scripts/results.sh): each is rendered from the RESULT lines of the
 * command that produced it, and `make check-results` fails when a README
 * shows anything else.
 *
 *   - Every generated table of the repository's READMEs matches its TSV, and
 *     the check finds every marker, in folders of folders too (gpt/prompting/).
 *   - A small table renders its placeholders ({KEY}, {N:KEY}, {mean:KEY},
 *     {KEY%FMT}, {@COLUMN}) from the RESULT lines, escapes a command's | and filters rows;
 *     a negative number shows with the minus sign, a fraction as a percentage,
 *     an exponent without padding;
 *     a column named with a final ':' is right-aligned.
 *   - A README whose number was edited by hand fails the check with a diff;
 *     update rewrites it and the check passes again.
 *   - A placeholder whose key is in no RESULT line, a table marker without its
 *     end and a set of a row that does not exist are errors (exit 1).
 *   - set keeps a row's new RESULT line and dates it; several lines become one
 *     cell.
 *   - A speed table's @bench rows read their numbers from a bench results
 *     file (BENCHMARK or BENCHMARK=REFERENCE); an ambiguous or missing
 *     benchmark is an error.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define at scratch_at

/* Run a shell command from the repository root, stdout and stderr to `out`; its exit status. */
static int run(const char *cmd, const char *out) {
    char full[4096];
    snprintf(full, sizeof full, "%s > %s 2>&1", cmd, out);
    printf("$ %s\n", cmd);
    fflush(stdout);
    int st = system(full);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char TABLE[] =
    "# a comment line\n"
    "@id\t@ladder\t@command\t@result\t@measured\tmodel\tscore\tsize:\tcommand\n"
    "kn5\tword\tbin/ngram eval x | head\tRESULT stage=ngram tokens=82430 ppl=141.19 ngrams=2317234\t2026-12-01\t"
    "KN5\t**{ppl%.1f}** over {tokens%,}\t{ngrams%M} n-grams\t`{@command}`\n"
    "lstm\tword\tbin/rnn lm-eval\tRESULT stage=rnn ppl=113.40 RESULT stage=rnn split=valid ppl=118.79\ttranscribed\t"
    "LSTM\t{ppl} / {2:ppl}\t{@measured}\t`{@command}`\n"
    "gru\tchar\tbin/rnn lm-eval\tRESULT stage=rnn loss=1.5827\ttranscribed\tGRU\t{loss%.3f}\t-\t`{@command}`\n"
    "icl\tsign\tbin/gpt icl-train\tRESULT stage=gpt icl_score=-0.5456 gain=0.05 delta=-3 norm=0.000348569 RESULT gain=0.06 RESULT gain=0.1\ttranscribed\tICL\t"
    "{icl_score%.3f} {gain%+.2f} {delta} {gain%%.1f}% {norm%.1e} {mean:gain%.3f}\t-\t`{@command}`\n";

static const char WORD_TABLE[] =
    "| model | score | size | command |\n"
    "|---|---|---:|---|\n"
    "| KN5 | **141.2** over 82,430 | 2.32M n-grams | `bin/ngram eval x \\| head` |\n"
    "| LSTM | 113.40 / 118.79 | transcribed | `bin/rnn lm-eval` |\n";

/* A README around the generated table of TABLE's word rows. */
static char *readme_with(const char *table_path, const char *table) {
    static char text[4096];
    snprintf(text, sizeof text, "# A chapter\n\nProse.\n\n<!-- results: %s ladder=word -->\n%s<!-- /results -->\n\nMore.\n",
             table_path, table);
    return text;
}

START_TEST(test_repository_tables_match) {
    scratch_begin("results_repo");
    int st = run("scripts/results.sh check", at("out"));
    size_t n;
    char *out = read_all(at("out"), &n);
    ck_assert_msg(st == 0, "a README's generated table differs from its TSV:\n%s", out);
    expect_has(out, "generated tables match their TSVs", "the check's summary");
    /* the markers a search of every folder finds, against the check's count */
    ck_assert_int_eq(run("grep -rh --include='*.md' --exclude-dir=build --exclude-dir=data --exclude-dir=runs "
                         "'^<!-- results:' . | wc -l", at("count")), 0);
    char *count = read_all(at("count"), &n), summary[64];
    snprintf(summary, sizeof summary, "results: %d generated tables", atoi(count));
    ck_assert_int_gt(atoi(count), 0);
    expect_has(out, summary, "every marker checked");
    free(count);
    free(out);
    scratch_end();
}
END_TEST

START_TEST(test_render_placeholders) {
    scratch_begin("results_render");
    const char *tsv = scratch_put("t.tsv", TABLE);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "scripts/results.sh render %s ladder=word", tsv);
    ck_assert_int_eq(run(cmd, at("out")), 0);
    size_t n;
    char *out = read_all(at("out"), &n);
    ck_assert_str_eq(out, WORD_TABLE);
    free(out);
    snprintf(cmd, sizeof cmd, "scripts/results.sh render %s", tsv);
    ck_assert_int_eq(run(cmd, at("out")), 0);
    out = read_all(at("out"), &n);
    expect_has(out, "| GRU | 1.583 | - | `bin/rnn lm-eval` |\n", "the unfiltered table");
    expect_has(out, "| ICL | −0.546 +0.05 −3 5.0% 3.5e-4 0.070 | - |", "the minus sign, a percentage, an exponent, a mean");
    ck_assert_int_eq(count_lines(out), 6);
    free(out);
    scratch_end();
}
END_TEST

START_TEST(test_hand_edit_fails_check_and_update_fixes_it) {
    scratch_begin("results_drift");
    const char *tsv = scratch_put("t.tsv", TABLE);
    char *edited = replace_once(WORD_TABLE, "**141.2**", "**139.0**");
    const char *readme = scratch_put("README.md", readme_with(tsv, edited));
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "scripts/results.sh check %s", readme);
    ck_assert_int_eq(run(cmd, at("out")), 1);
    size_t n;
    char *out = read_all(at("out"), &n);
    expect_has(out, "-| KN5 | **139.0** over 82,430", "the diff's README side");
    expect_has(out, "+| KN5 | **141.2** over 82,430", "the diff's generated side");
    expect_has(out, "run 'make results'", "the hint");
    free(out);
    snprintf(cmd, sizeof cmd, "scripts/results.sh update %s", readme);
    ck_assert_int_eq(run(cmd, at("out")), 0);
    char *fixed = read_all(readme, &n);
    ck_assert_str_eq(fixed, readme_with(tsv, WORD_TABLE));
    snprintf(cmd, sizeof cmd, "scripts/results.sh check %s", readme);
    ck_assert_int_eq(run(cmd, at("out")), 0);
    free(fixed);
    free(edited);
    scratch_end();
}
END_TEST

START_TEST(test_errors) {
    scratch_begin("results_errors");
    char *typed = replace_once(TABLE, "{loss%.3f}", "{acc}");
    const char *tsv = scratch_put("t.tsv", typed);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "scripts/results.sh render %s", tsv);
    ck_assert_int_eq(run(cmd, at("out")), 1);
    size_t n;
    char *out = read_all(at("out"), &n);
    expect_has(out, "results.sh: error: ", "the error");
    expect_has(out, "t.tsv:5: {acc}: no acc= in the row's RESULT lines", "the missing key");
    free(out);

    tsv = scratch_put("good.tsv", TABLE);
    char text[4096];
    snprintf(text, sizeof text, "<!-- results: %s -->\n| stale |\n", tsv);
    const char *readme = scratch_put("README.md", text);
    snprintf(cmd, sizeof cmd, "scripts/results.sh check %s", readme);
    ck_assert_int_eq(run(cmd, at("out")), 1);
    out = read_all(at("out"), &n);
    expect_has(out, "no closing '<!-- /results -->'", "the unclosed marker");
    free(out);

    snprintf(cmd, sizeof cmd, "scripts/results.sh set %s nosuch 'RESULT stage=x ppl=1'", tsv);
    ck_assert_int_eq(run(cmd, at("out")), 1);
    out = read_all(at("out"), &n);
    expect_has(out, "no row with @id nosuch", "the unknown row");
    free(out);
    free(typed);
    scratch_end();
}
END_TEST

static const char BENCH[] =
    "benchmark\tours\treference\tratio\tunit\tmachine\tref_value\n"
    "ngram/score_cpu_t1\t0.05\tkenlm\t1.065\ts\tm\t0.05\n"
    "gpt/step_t1\t14.4\ttorch\t1.370\tktok/s\tm\t10.6\n"
    "gpt/step_t1\t14.4\tllmc\t2.900\tktok/s\tm\t4.9\n";

START_TEST(test_bench_rows) {
    scratch_begin("results_bench");
    const char *bench = scratch_put("bench.tsv", BENCH);
    const char *tsv = scratch_put("speed.tsv",
        "@id\t@bench\tworkload\tours:\tpeer:\n"
        "score\tngram/score_cpu_t1\tscore\t{ours} {unit}\t{reference} {ref_value} ({ratio%.2f})\n"
        "step\tgpt/step_t1=llmc gpt/step_t1=torch\tstep\t{ours}\t{1:ratio%.1f}, {2:reference} {2:ratio%.2f}\n");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "RESULTS_BENCH=%s scripts/results.sh render %s", bench, tsv);
    ck_assert_int_eq(run(cmd, at("out")), 0);
    size_t n;
    char *out = read_all(at("out"), &n);
    ck_assert_str_eq(out, "| workload | ours | peer |\n|---|---:|---:|\n| score | 0.05 s | kenlm 0.05 (1.06) |\n"
                          "| step | 14.4 | 2.9, torch 1.37 |\n");
    free(out);
    /* an ambiguous benchmark, then a missing one */
    const char *rows[2][2] = { { "gpt/step_t1", "gpt/step_t1 has 2 references: name one" },
                               { "gpt/nosuch_t1", "no row gpt/nosuch_t1 in" } };
    for (int k = 0; k < 2; k++) {
        char text[256];
        snprintf(text, sizeof text, "@id\t@bench\tx\nstep\t%s\t{ours}\n", rows[k][0]);
        snprintf(cmd, sizeof cmd, "RESULTS_BENCH=%s scripts/results.sh render %s", bench, scratch_put("bad.tsv", text));
        ck_assert_int_eq(run(cmd, at("out")), 1);
        out = read_all(at("out"), &n);
        expect_has(out, rows[k][1], "the bad benchmark's error");
        free(out);
    }
    scratch_end();
}
END_TEST

START_TEST(test_set_keeps_the_new_result) {
    scratch_begin("results_set");
    const char *tsv = scratch_put("t.tsv", TABLE);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "scripts/results.sh set %s gru 'RESULT stage=rnn loss=1.5001 params=215877'", tsv);
    ck_assert_int_eq(run(cmd, at("out")), 0);
    size_t n;
    char *text = read_all(tsv, &n);
    expect_has(text, "# a comment line\n", "the comment, kept");
    expect_has(text, "\tRESULT stage=rnn loss=1.5001 params=215877\t20", "the new RESULT line and its date");
    ck_assert_ptr_null(strstr(text, "loss=1.5827"));
    free(text);
    snprintf(cmd, sizeof cmd, "scripts/results.sh render %s ladder=char", tsv);
    ck_assert_int_eq(run(cmd, at("out")), 0);
    text = read_all(at("out"), &n);
    expect_has(text, "| GRU | 1.500 | - |", "the rendered row");
    free(text);
    /* a command's output, several lines (and a blank one), is kept as one cell: the table keeps its rows */
    snprintf(cmd, sizeof cmd, "scripts/results.sh set %s gru \"$(printf 'RESULT stage=rnn loss=1.4\\n\\nRESULT stage=x n=2\\n')\"",
             tsv);
    ck_assert_int_eq(run(cmd, at("out")), 0);
    text = read_all(tsv, &n);
    expect_has(text, "\tRESULT stage=rnn loss=1.4 RESULT stage=x n=2\t20", "two lines in one cell");
    ck_assert_int_eq(count_lines(text), count_lines(TABLE));
    free(text);
    scratch_end();
}
END_TEST

static Suite *results_suite(void) {
    Suite *s = suite_create("results");
    TCase *tc = tcase_create("tables");
    tcase_add_test(tc, test_repository_tables_match);
    tcase_add_test(tc, test_render_placeholders);
    tcase_add_test(tc, test_hand_edit_fails_check_and_update_fixes_it);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_set_keeps_the_new_result);
    tcase_add_test(tc, test_bench_rows);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(results_suite)
