/*
 * test_heatmap.c -- attention heat maps (common/heatmap.h) and the
 * BLEU-by-length plot (scripts/plot_bleu_by_length.gp).
 *
 * The .dat and .gp files are checked byte for byte where it matters: the
 * weights, and tokens full of characters gnuplot would otherwise interpret
 * (quotes, backslash, %, ^ _ @ & { }, UTF-8, a newline, a byte that is not
 * UTF-8). With gnuplot hidden from the PATH the files are still written and
 * the result says how to draw them; with gnuplot present a PNG is drawn, and
 * the script redraws it from another folder. Bad input (0 rows or columns, a
 * NaN, a NULL label, an unwritable folder) is reported and leaves nothing.
 * A grid of maps (the heads of a layer) writes one data block per map and
 * one multiplot panel each.
 */
#include "harness.h"
#include "heatmap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int have_gnuplot(void) {
    return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

/* "<stem><suffix>" in a static buffer per suffix slot. */
static const char *with_suffix(const char *stem, const char *suffix, int slot) {
    static char buf[4][600];
    snprintf(buf[slot], sizeof buf[slot], "%s%s", stem, suffix);
    return buf[slot];
}

/* A non-trivial PNG: the 8 signature bytes and more than 1000 bytes in all. */
static void check_png(const char *path) {
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    size_t n;
    char *png = read_all(path, &n);
    ck_assert_msg(n > 1000 && memcmp(png, sig, 8) == 0, "%s is not a PNG of more than 1000 bytes", path);
    printf("PNG OK  %s  %zu bytes\n", path, n);
    free(png);
}

static void remove_files(const char *stem) {
    unlink(with_suffix(stem, ".png", 0));
    unlink(with_suffix(stem, ".dat", 1));
    unlink(with_suffix(stem, ".gp", 2));
}

/* Tokens that would break a naive script: a quote, a backslash, gnuplot's
 * enhanced-text markup, a printf format, UTF-8, a newline, a stray byte. */
static const char *const SRC[3] = { "l'homme", "a\\b %d 50%", "^x_{y}@&" };
static const char *const TGT[2] = { "Übergrößen", "bad\xff\nbyte" };
static const float W[6] = { 0.5f, 0.25f, 0.25f, 0.0f, 1e-7f, 0.9999999f };

static void check_data_file(const char *stem) {
    size_t len;
    char *dat = read_all(with_suffix(stem, ".dat", 1), &len);
    const char *rows = strstr(dat, "\n0.5 ");
    ck_assert_msg(rows != NULL, "no matrix rows in:\n%s", dat);
    ck_assert_str_eq(rows + 1, "0.5 0.25 0.25\n0 1e-07 1\n");
    ck_assert_msg(dat[0] == '#', "the data file starts with its comment");
    free(dat);
}

static void check_script(const char *stem) {
    size_t len;
    char *gp = read_all(with_suffix(stem, ".gp", 2), &len);
    const char *want[] = {
        "noenhanced",
        "set title 'it''s 100% ^_@'\n",          /* a title is no format: % stays single */
        "set x2tics ('l''homme' 0, 'a\\b %%d 50%%' 1, '^x_{y}@&' 2) rotate by 90 left\n",
        "set ytics ('\xC3\x9C" "bergr\xC3\xB6\xC3\x9F" "en' 0, 'bad\xEF\xBF\xBD byte' 1)\n",
        "set yrange [1.5:-0.5]",                 /* the first target token at the top */
        "set cbrange [0:1]",
        "matrix using 1:2:(0.5):(0.5):3",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_msg(strstr(gp, want[i]) != NULL, "the script lacks \"%s\":\n%s", want[i], gp);
    /* the data file is named relative to the script's own folder */
    const char *base = strrchr(stem, '/') + 1;
    char plot[700];
    snprintf(plot, sizeof plot, "plot here.'%s.dat'", base);
    ck_assert_msg(strstr(gp, plot) != NULL, "the script lacks \"%s\"", plot);
    free(gp);
}

/* Without gnuplot on the PATH: both files written, no PNG, a message that
 * says what is missing and how to draw it later. */
START_TEST(test_files_without_gnuplot) {
    const char *stem = tmp_path("nognuplot");
    char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", "/nonexistent", 1);
    char err[512] = "";
    int rc = heatmap_png(with_suffix(stem, ".png", 3), "it's 100% ^_@", W, 2, 3, TGT, SRC, err, sizeof err);
    if (path) setenv("PATH", path, 1);
    free(path);
    printf("heatmap_png: %d: %s\n", rc, err);
    ck_assert_int_eq(rc, HEATMAP_NO_GNUPLOT);
    ck_assert_msg(strstr(err, "gnuplot is not installed") && strstr(err, ".gp"), "unclear message: %s", err);
    ck_assert_msg(access(with_suffix(stem, ".png", 0), F_OK) != 0, "a PNG without gnuplot?");
    check_data_file(stem);
    check_script(stem);
    remove_files(stem);
}
END_TEST

START_TEST(test_png_drawn_and_redrawn) {
    if (!have_gnuplot()) SKIP_TEST("gnuplot is not installed (scripts/deps.sh)");
    const char *stem = tmp_path("heatmap");
    char err[512] = "";
    int rc = heatmap_png(with_suffix(stem, ".png", 3), "it's 100% ^_@", W, 2, 3, TGT, SRC, err, sizeof err);
    ck_assert_msg(rc == 0, "heatmap_png: %d: %s", rc, err);
    check_png(with_suffix(stem, ".png", 0));
    check_data_file(stem);
    check_script(stem);

    /* a learner reruns the script from another folder: it finds its data */
    unlink(with_suffix(stem, ".png", 0));
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cd / && gnuplot '%s' 2>&1", with_suffix(stem, ".gp", 2));
    ck_assert_int_eq(system(cmd), 0);
    check_png(with_suffix(stem, ".png", 0));
    remove_files(stem);
}
END_TEST

/* One source and one target token (`with image` would refuse it), no labels:
 * the tics are numbered. */
START_TEST(test_one_cell_numbered) {
    const char *stem = tmp_path("onecell");
    const float one = 1.0f;
    char err[512] = "";
    size_t len;
    int rc = heatmap_png(with_suffix(stem, ".png", 3), NULL, &one, 1, 1, NULL, NULL, err, sizeof err);
    ck_assert_msg(rc == 0 || (rc == HEATMAP_NO_GNUPLOT && !have_gnuplot()), "heatmap_png: %d: %s", rc, err);
    char *gp = read_all(with_suffix(stem, ".gp", 2), &len);
    ck_assert_msg(strstr(gp, "set ytics ('0' 0)\n") && strstr(gp, "set x2tics ('0' 0)"), "%s", gp);
    ck_assert_msg(strstr(gp, "set title") == NULL, "no title was asked for");
    free(gp);
    if (rc == 0) check_png(with_suffix(stem, ".png", 0));
    remove_files(stem);
}
END_TEST

/* Each bad input: -1, a message naming the problem, and no file left. */
static void expect_refused(const char *stem, const float *w, int rows, int cols,
                           const char *const *rl, const char *const *cl, const char *words) {
    char err[512] = "";
    ck_assert_int_eq(heatmap_png(with_suffix(stem, ".png", 3), "t", w, rows, cols, rl, cl, err, sizeof err), -1);
    printf("refused: %s\n", err);
    ck_assert_msg(strstr(err, words) != NULL, "'%s' does not say \"%s\"", err, words);
    ck_assert_msg(access(with_suffix(stem, ".dat", 1), F_OK) != 0, "bad input left a data file");
    ck_assert_msg(access(with_suffix(stem, ".gp", 2), F_OK) != 0, "bad input left a script");
}

START_TEST(test_bad_input_reported) {
    const char *stem = tmp_path("bad");
    float w[6] = { 0.5f, 0.25f, 0.25f, 0.0f, 0.5f, 0.5f };
    expect_refused(stem, w, 0, 3, TGT, SRC, "0 x 3");
    expect_refused(stem, w, 2, 0, TGT, SRC, "2 x 0");
    expect_refused(stem, w, -1, 3, TGT, SRC, "must be in [1,");
    expect_refused(stem, w, HEATMAP_MAX_SIDE + 1, 3, NULL, NULL, "must be in [1,");
    expect_refused(stem, NULL, 2, 3, TGT, SRC, "no weights");
    w[4] = NAN;
    expect_refused(stem, w, 2, 3, TGT, SRC, "weight (1, 1) is nan");
    w[4] = INFINITY;
    expect_refused(stem, w, 2, 3, TGT, SRC, "weight (1, 1) is inf");
    w[4] = 0.5f;
    const char *const holes[3] = { "a", NULL, "c" };
    expect_refused(stem, w, 2, 3, TGT, holes, "column label 1 is NULL");

    /* a folder that does not exist: the write fails with the reason */
    char err[512] = "";
    ck_assert_int_eq(heatmap_png("/nonexistent/dir/a.png", "t", w, 2, 3, TGT, SRC, err, sizeof err), -1);
    printf("refused: %s\n", err);
    ck_assert_msg(strstr(err, "cannot create") && strstr(err, "No such file"), "unclear: %s", err);
}
END_TEST

/* A grid: three 2 x 3 maps in two columns, as the heads of a layer. Map k
 * is W with its rows' weights shifted, so each data block is its own. */
START_TEST(test_grid) {
    const char *stem = tmp_path("grid");
    float w[18];
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 6; i++) w[k * 6 + i] = W[(i + k) % 6];
    const char *const titles[3] = { "head 1", "head 2", "it's head 3" };
    char err[512] = "";
    int rc = heatmap_grid_png(with_suffix(stem, ".png", 3), "layer 1", w, 3, 2, titles, 2, 3, TGT, SRC, err,
                              sizeof err);
    ck_assert_msg(rc == 0 || (rc == HEATMAP_NO_GNUPLOT && !have_gnuplot()), "heatmap_grid_png: %d: %s", rc, err);
    size_t len;
    char *dat = read_all(with_suffix(stem, ".dat", 1), &len);
    const char *rows = strstr(dat, "\n0.5 ");
    ck_assert_msg(rows != NULL, "no matrix rows in:\n%s", dat);
    /* three blocks, two blank lines apart (gnuplot's index 0, 1, 2) */
    ck_assert_str_eq(rows + 1, "0.5 0.25 0.25\n0 1e-07 1\n\n\n0.25 0.25 0\n1e-07 1 0.5\n\n\n0.25 0 1e-07\n1 0.5 0.25\n");
    free(dat);
    char *gp = read_all(with_suffix(stem, ".gp", 2), &len);
    const char *want[] = {
        "set multiplot layout 2,2 title 'layer 1  (black 0, white 1)'\n",
        "set title 'head 1'\n",
        "set title 'it''s head 3'\n",
        " index 2 matrix using 1:2:(0.5):(0.5):3",
        "unset colorbox",
        "unset multiplot\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_msg(strstr(gp, want[i]) != NULL, "the script lacks \"%s\":\n%s", want[i], gp);
    free(gp);
    if (rc == 0) check_png(with_suffix(stem, ".png", 0));
    remove_files(stem);
    /* refused: no maps, no columns, a NULL title, a NaN in the last map */
    ck_assert_int_eq(heatmap_grid_png(with_suffix(stem, ".png", 3), "t", w, 0, 2, NULL, 2, 3, TGT, SRC, err,
                                      sizeof err), -1);
    ck_assert_msg(strstr(err, "0 maps"), "unclear: %s", err);
    ck_assert_int_eq(heatmap_grid_png(with_suffix(stem, ".png", 3), "t", w, 3, 0, NULL, 2, 3, TGT, SRC, err,
                                      sizeof err), -1);
    const char *const holes[3] = { "a", NULL, "c" };
    ck_assert_int_eq(heatmap_grid_png(with_suffix(stem, ".png", 3), "t", w, 3, 2, holes, 2, 3, TGT, SRC, err,
                                      sizeof err), -1);
    ck_assert_msg(strstr(err, "map title 1 is NULL"), "unclear: %s", err);
    w[17] = NAN;
    ck_assert_int_eq(heatmap_grid_png(with_suffix(stem, ".png", 3), "t", w, 3, 2, NULL, 2, 3, TGT, SRC, err,
                                      sizeof err), -1);
    ck_assert_msg(strstr(err, "is nan"), "unclear: %s", err);
    ck_assert_msg(access(with_suffix(stem, ".dat", 1), F_OK) != 0, "bad input left a data file");
}
END_TEST

/* The BLEU-by-length lines, from a table with a gap and a third model. */
START_TEST(test_bleu_by_length_plot) {
    if (!have_gnuplot()) SKIP_TEST("gnuplot is not installed (scripts/deps.sh)");
    const char *tsv = tmp_path("bleu_by_length.tsv");
    const char *png = tmp_path("bleu_by_length.png");
    const char *table = "bucket\tno_attention\tattention\tluong_dot\n"
                        "0-9\t30.1\t31.5\t31.0\n10-19\t27.2\t29.9\t29.5\n20-29\t21.0\t27.8\t27.0\n"
                        "30-39\t15.3\t26.4\tNaN\n40+\t9.8\t25.0\t24.1\n";
    write_bytes(tsv, table, strlen(table));
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "gnuplot -e \"file='%s'; out='%s'\" scripts/plot_bleu_by_length.gp", tsv, png);
    printf("$ %s\n", cmd);
    fflush(stdout);
    ck_assert_int_eq(system(cmd), 0);
    check_png(png);
    unlink(png);

    /* without its variables it says which are missing, and fails */
    ck_assert_int_ne(system("gnuplot scripts/plot_bleu_by_length.gp 2>&1"), 0);
    unlink(tsv);
}
END_TEST

Suite *heatmap_suite(void) {
    Suite *s = suite_create("heatmap");
    TCase *tc = tcase_create("heatmap");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_files_without_gnuplot);
    tcase_add_test(tc, test_png_drawn_and_redrawn);
    tcase_add_test(tc, test_one_cell_numbered);
    tcase_add_test(tc, test_bad_input_reported);
    tcase_add_test(tc, test_grid);
    tcase_add_test(tc, test_bleu_by_length_plot);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(heatmap_suite)
