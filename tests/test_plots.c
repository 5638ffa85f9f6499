/*
 * test_plots.c -- scripts/plot.sh draws PNGs from metrics.tsv files and tables.
 *
 * Runs the real script (and gnuplot) on the committed samples:
 *   tests/fixtures/sample_metrics.tsv     one run, train and valid rows
 *   tests/fixtures/sample_metrics_b.tsv   a second run, to overlay
 *   tests/fixtures/sample_table.tsv       perplexity by n-gram order (bars)
 * and checks that each PNG exists, starts with the PNG signature and is
 * larger than 1000 bytes (an empty canvas is smaller). gnuplot is a declared
 * dependency, so its absence fails the suite with a hint.
 */
#include "harness.h"
#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void require_gnuplot(void) {
    ck_assert_msg(system("command -v gnuplot >/dev/null 2>&1") == 0,
                  "gnuplot not found: it is a declared dependency; run scripts/deps.sh");
}

/* Run a shell command from the repository root; its exit status. */
static int run(const char *cmd) {
    printf("$ %s\n", cmd);
    fflush(stdout);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A non-trivial PNG: the 8 signature bytes and more than 1000 bytes in all. */
static void check_png(const char *path) {
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "no PNG at %s", path);
    unsigned char head[8] = { 0 };
    size_t n = fread(head, 1, 8, f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    ck_assert_msg(n == 8 && memcmp(head, sig, 8) == 0, "%s does not start with the PNG signature", path);
    ck_assert_msg(size > 1000, "%s is only %ld bytes", path, size);
    printf("PNG OK  %s  %ld bytes\n", path, size);
    unlink(path);
}

START_TEST(test_plot_one_run) {
    require_gnuplot();
    const char *png = tmp_path("loss.png");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "scripts/plot.sh -o %s tests/fixtures/sample_metrics.tsv", png);
    ck_assert_int_eq(run(cmd), 0);
    check_png(png);
}
END_TEST

START_TEST(test_plot_overlay_ppl_by_tokens) {
    require_gnuplot();
    const char *png = tmp_path("ppl.png");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "scripts/plot.sh -o %s --y ppl --x tokens --title 'two runs' "
             "tests/fixtures/sample_metrics.tsv tests/fixtures/sample_metrics_b.tsv", png);
    ck_assert_int_eq(run(cmd), 0);
    check_png(png);
}
END_TEST

START_TEST(test_plot_bars_and_lines) {
    require_gnuplot();
    const char *png = tmp_path("bars.png");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "scripts/plot.sh --bars -o %s tests/fixtures/sample_table.tsv", png);
    ck_assert_int_eq(run(cmd), 0);
    check_png(png);
    snprintf(cmd, sizeof cmd, "scripts/plot.sh --bars --lines --logy -o %s tests/fixtures/sample_table.tsv", png);
    ck_assert_int_eq(run(cmd), 0);
    check_png(png);
}
END_TEST

/* A column that is not in the header is a clear error, and no PNG is left. */
START_TEST(test_plot_missing_column_fails) {
    require_gnuplot();
    const char *png = tmp_path("none.png");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "scripts/plot.sh -o %s --y accuracy tests/fixtures/sample_metrics.tsv", png);
    ck_assert_int_eq(run(cmd), 1);
    ck_assert_msg(access(png, F_OK) != 0, "a failed plot left %s behind", png);
}
END_TEST

/* A run's own log, written with common/metrics.h, plotted by metrics_plot(). */
START_TEST(test_metrics_plot_from_c) {
    require_gnuplot();
    const char *dir = tmp_path("run");
    Metrics *m = metrics_create(dir, "step split loss");
    for (int step = 0; step <= 100; step += 10) {
        metrics_str(m, "split", step % 50 == 0 ? "valid" : "train");
        metrics_num(m, "step", step);
        metrics_num(m, "loss", 1.0 + 4.0 * exp(-step / 30.0));
        metrics_write(m);
    }
    metrics_close(m);
    ck_assert_int_eq(metrics_plot(dir), 2);   /* loss.png, and ppl.png as exp(loss) */
    char path[600];
    snprintf(path, sizeof path, "%s/loss.png", dir);
    check_png(path);
    snprintf(path, sizeof path, "%s/ppl.png", dir);
    check_png(path);
    snprintf(path, sizeof path, "%s/metrics.tsv", dir);
    unlink(path);
    rmdir(dir);
}
END_TEST

Suite *plots_suite(void) {
    Suite *s = suite_create("plots");
    TCase *tc = tcase_create("plots");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_plot_one_run);
    tcase_add_test(tc, test_plot_overlay_ppl_by_tokens);
    tcase_add_test(tc, test_plot_bars_and_lines);
    tcase_add_test(tc, test_plot_missing_column_fails);
    tcase_add_test(tc, test_metrics_plot_from_c);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(plots_suite)
