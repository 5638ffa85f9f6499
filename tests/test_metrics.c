/*
 * test_metrics.c -- metrics.tsv, config.txt, the progress line and RESULT lines.
 *
 * Files are written under a scratch directory and read back byte for byte.
 * Misuse that must stop a program (a RESULT value with a space, a column not
 * in the header, a resumed log with other columns) is checked as exit tests:
 * the process must exit with status 1 through die().
 */
#include "harness.h"
#include "metrics.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The whole text of a file (caller frees). */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static char *path_in(const char *dir, const char *file) {
    static char buf[600];
    snprintf(buf, sizeof buf, "%s/%s", dir, file);
    return buf;
}

static void remove_run(const char *dir) {
    unlink(path_in(dir, "metrics.tsv"));
    unlink(path_in(dir, "config.txt"));
    rmdir(dir);
}

/* Run the RESULT builder into a temporary file and return the line it wrote. */
static char *capture_result(void (*build)(void)) {
    FILE *f = tmpfile();
    ck_assert(f != NULL);
    result_set_stream(f);
    build();
    result_set_stream(NULL);
    rewind(f);
    char *line = calloc(1, 1024);
    size_t n = fread(line, 1, 1023, f);
    line[n] = '\0';
    fclose(f);
    return line;
}

/* ---------------------------------------------------------------- metrics.tsv */

/* An exit test's log, kept reachable so LeakSanitizer does not count the
 * allocation that die() leaves behind as a leak. */
static Metrics *volatile dying;   /* volatile: the store must not be optimised away */

START_TEST(test_metrics_header_and_rows) {
    const char *dir = tmp_path("run");
    Metrics *m = metrics_create(dir, "step tokens split loss ppl lr");
    metrics_str(m, "split", "train");
    metrics_num(m, "step", 100);
    metrics_num(m, "tokens", 204800);
    metrics_num(m, "loss", 3.25);
    metrics_num(m, "ppl", exp(3.25));
    metrics_num(m, "lr", 3e-4);
    metrics_write(m);
    /* the file is flushed after each row: readable before close */
    char *mid = slurp(path_in(dir, "metrics.tsv"));
    ck_assert_str_eq(mid, "step\ttokens\tsplit\tloss\tppl\tlr\n"
                          "100\t204800\ttrain\t3.25\t25.79034\t0.0003\n");
    free(mid);
    /* columns set in another order, some left empty */
    metrics_num(m, "loss", 3.5);
    metrics_str(m, "split", "valid");
    metrics_num(m, "step", 200);
    metrics_write(m);
    metrics_close(m);
    char *text = slurp(path_in(dir, "metrics.tsv"));
    ck_assert_str_eq(text, "step\ttokens\tsplit\tloss\tppl\tlr\n"
                           "100\t204800\ttrain\t3.25\t25.79034\t0.0003\n"
                           "200\t\tvalid\t3.5\t\t\n");
    free(text);
    remove_run(dir);
}
END_TEST

START_TEST(test_metrics_append_resumes) {
    const char *dir = tmp_path("run");
    Metrics *m = metrics_create(dir, "step loss");
    metrics_num(m, "step", 1);
    metrics_num(m, "loss", 2.0);
    metrics_write(m);
    metrics_close(m);
    m = metrics_append(dir, "step loss");
    metrics_num(m, "step", 2);
    metrics_num(m, "loss", 1.5);
    metrics_write(m);
    metrics_close(m);
    char *text = slurp(path_in(dir, "metrics.tsv"));
    ck_assert_str_eq(text, "step\tloss\n1\t2\n2\t1.5\n");
    free(text);
    remove_run(dir);
}
END_TEST

START_TEST(test_metrics_append_other_columns_dies) {
    const char *dir = tmp_path("run");
    metrics_close(metrics_create(dir, "step loss"));
    metrics_append(dir, "step loss ppl");   /* exits 1 */
}
END_TEST

/* Resuming from the checkpoint of step 3: the rows the killed run logged after
 * it (steps 4 and 5, and a row cut short by the kill) are dropped, so the
 * resumed run's steps 4, 5, ... are not in the file twice. */
static void write_rows(Metrics *m, long from, long to) {
    for (long step = from; step <= to; step++) {
        metrics_num(m, "step", step);
        metrics_str(m, "split", "train");
        metrics_num(m, "loss", 10.0 - step);
        metrics_write(m);
        if (step % 2 == 0) {
            metrics_num(m, "step", step);
            metrics_str(m, "split", "valid");
            metrics_num(m, "loss", 20.0 - step);
            metrics_write(m);
        }
    }
}

START_TEST(test_metrics_resume_drops_rows_after_the_checkpoint) {
    const char *dir = tmp_path("run");
    Metrics *m = metrics_create(dir, "step split loss");
    write_rows(m, 1, 5);
    fputs("6\ttra", m->f);   /* killed in the middle of a row */
    metrics_close(m);
    m = metrics_resume(dir, "step split loss", 3);
    char *mid = slurp(path_in(dir, "metrics.tsv"));
    ck_assert_str_eq(mid, "step\tsplit\tloss\n1\ttrain\t9\n2\ttrain\t8\n2\tvalid\t18\n3\ttrain\t7\n");
    free(mid);
    write_rows(m, 4, 4);
    metrics_close(m);
    char *text = slurp(path_in(dir, "metrics.tsv"));
    ck_assert_str_eq(text, "step\tsplit\tloss\n1\ttrain\t9\n2\ttrain\t8\n2\tvalid\t18\n3\ttrain\t7\n"
                           "4\ttrain\t6\n4\tvalid\t16\n");
    free(text);
    /* rewritten atomically: no temporary file is left beside it */
    char cmd[700];
    snprintf(cmd, sizeof cmd, "test \"$(ls '%s')\" = metrics.tsv", dir);
    ck_assert_int_eq(system(cmd), 0);
    /* resuming from the last step keeps everything; a run without a log starts one */
    metrics_close(metrics_resume(dir, "step split loss", 4));
    text = slurp(path_in(dir, "metrics.tsv"));
    ck_assert_str_eq(text, "step\tsplit\tloss\n1\ttrain\t9\n2\ttrain\t8\n2\tvalid\t18\n3\ttrain\t7\n"
                           "4\ttrain\t6\n4\tvalid\t16\n");
    free(text);
    remove_run(dir);
    metrics_close(metrics_resume(dir, "step split loss", 7));
    text = slurp(path_in(dir, "metrics.tsv"));
    ck_assert_str_eq(text, "step\tsplit\tloss\n");
    free(text);
    remove_run(dir);
}
END_TEST

START_TEST(test_metrics_resume_other_columns_dies) {
    const char *dir = tmp_path("run");
    metrics_close(metrics_create(dir, "step loss"));
    metrics_resume(dir, "step loss ppl", 1);   /* exits 1 */
}
END_TEST

START_TEST(test_metrics_resume_without_step_dies) {
    const char *dir = tmp_path("run");
    metrics_close(metrics_create(dir, "epoch loss"));
    metrics_resume(dir, "epoch loss", 1);   /* exits 1: no step column to cut at */
}
END_TEST

START_TEST(test_metrics_unknown_column_dies) {
    dying = metrics_create(tmp_path("run"), "step loss");
    metrics_num(dying, "ppl", 1.0);   /* exits 1 */
}
END_TEST

START_TEST(test_metrics_value_with_tab_dies) {
    dying = metrics_create(tmp_path("run"), "step split");
    metrics_str(dying, "split", "tr\tain");   /* exits 1 */
}
END_TEST

/* ---------------------------------------------------------------- config.txt */

START_TEST(test_config_lines) {
    const char *dir = tmp_path("run");
    RunConfig *c = config_begin(dir);
    config_str(c, "data", "ptb");
    config_int(c, "steps", 2000);
    config_num(c, "lr", 1e-3);
    config_lines(c, "task=dates\nd=64\nno equals sign\n");   /* a model's config text */
    config_end(c);
    char *text = slurp(path_in(dir, "config.txt"));
    ck_assert_str_eq(text, "data = ptb\nsteps = 2000\nlr = 0.001\ntask = dates\nd = 64\n");
    free(text);
    remove_run(dir);
}
END_TEST

/* ---------------------------------------------------------------- RESULT */

static void build_ngram_result(void) {
    result_begin("ngram");
    result_str("model", "mkn5");
    result_str("data", "ptb");
    result_str("split", "test");
    result_int("tokens", 82430);
    result_num("loss", 4.950212, 4);
    result_num("ppl", 141.1875, 2);
    result_end();
}

START_TEST(test_result_line_format) {
    char *line = capture_result(build_ngram_result);
    ck_assert_str_eq(line, "RESULT stage=ngram model=mkn5 data=ptb split=test tokens=82430 "
                           "loss=4.9502 ppl=141.19\n");
    free(line);
}
END_TEST

static void build_two_results(void) {
    result_begin("bench");
    result_num("third", 1.0 / 3.0, 3);
    result_end();
    result_begin("bench");   /* the builder is reusable after result_end */
    result_int("n", -3);
    result_end();
}

START_TEST(test_result_builder_reusable) {
    char *text = capture_result(build_two_results);
    ck_assert_str_eq(text, "RESULT stage=bench third=0.333\nRESULT stage=bench n=-3\n");
    free(text);
}
END_TEST

START_TEST(test_result_value_with_space_dies) {
    result_begin("ngram");
    result_str("model", "kneser ney");   /* exits 1 */
}
END_TEST

START_TEST(test_result_empty_value_dies) {
    result_begin("ngram");
    result_str("data", "");   /* exits 1 */
}
END_TEST

START_TEST(test_result_bad_key_dies) {
    result_begin("ngram");
    result_str("test ppl", "141");   /* exits 1 */
}
END_TEST

START_TEST(test_result_without_begin_dies) {
    result_int("tokens", 1);   /* exits 1 */
}
END_TEST

/* ---------------------------------------------------------------- progress */

/* With stderr redirected to a file (not a terminal), progress prints plain
 * lines: the first update, every 10% and the last step -- not 1000 lines. */
START_TEST(test_progress_plain_lines) {
    const char *path = tmp_path("progress");
    fflush(stderr);
    int saved = dup(fileno(stderr));
    ck_assert(freopen(path, "w", stderr) != NULL);
    progress_start(1000, "train");
    for (long step = 1; step <= 1000; step++) progress_update(step, 2.5, 12345.0);
    progress_end();
    fflush(stderr);
    dup2(saved, fileno(stderr));
    close(saved);
    char *text = slurp(path);
    int lines = 0;
    for (char *p = text; *p; p++) lines += *p == '\n';
    ck_assert_msg(lines >= 10 && lines <= 12, "expected ~11 lines, got %d:\n%s", lines, text);
    ck_assert_msg(strstr(text, "train  step 1/1000  loss 2.5000  12.3k tok/s  ETA ") != NULL, "%s", text);
    ck_assert_msg(strstr(text, "train  step 500/1000") != NULL, "%s", text);
    ck_assert_msg(strstr(text, "train  step 1000/1000") != NULL, "%s", text);
    ck_assert_msg(strchr(text, '\r') == NULL, "no carriage returns outside a terminal");
    free(text);
    unlink(path);
}
END_TEST

Suite *metrics_suite(void) {
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("metrics");
    tcase_add_test(tc, test_metrics_header_and_rows);
    tcase_add_test(tc, test_metrics_append_resumes);
    tcase_add_exit_test(tc, test_metrics_append_other_columns_dies, 1);
    tcase_add_test(tc, test_metrics_resume_drops_rows_after_the_checkpoint);
    tcase_add_exit_test(tc, test_metrics_resume_other_columns_dies, 1);
    tcase_add_exit_test(tc, test_metrics_resume_without_step_dies, 1);
    tcase_add_exit_test(tc, test_metrics_unknown_column_dies, 1);
    tcase_add_exit_test(tc, test_metrics_value_with_tab_dies, 1);
    tcase_add_test(tc, test_config_lines);
    tcase_add_test(tc, test_result_line_format);
    tcase_add_test(tc, test_result_builder_reusable);
    tcase_add_exit_test(tc, test_result_value_with_space_dies, 1);
    tcase_add_exit_test(tc, test_result_empty_value_dies, 1);
    tcase_add_exit_test(tc, test_result_bad_key_dies, 1);
    tcase_add_exit_test(tc, test_result_without_begin_dies, 1);
    tcase_add_test(tc, test_progress_plain_lines);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(metrics_suite)
