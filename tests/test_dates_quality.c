/*
 * test_dates_quality.c -- the two translation chapters' quality checks, end
 * to end through their command lines ($BIN/seq2seq and $BIN/transformer, as
 * their CLI suites run them): each chapter's `train --preset dates` must
 * reach 50% exact match on 200 unseen dates within a fixed number of Adam
 * steps. They take seconds, not milliseconds, so they live apart from the
 * command-line suites.
 *
 * seq2seq: a bi-LSTM of 32 per direction, Bahdanau attention, an LSTM
 * decoder of 64 (REFERENCES.md), 500 steps of batch 64. Measured (release
 * build, one thread, seeds 1 / 2 / 3): 66.0 / 63.5 / 74.5% with attention;
 * the same budget without it (--preset dates-noattn, Cho et al.'s fixed
 * context) reaches 2.0 / 6.5 / 4.5%. The bound sits well below the first
 * and far above the second: a decoder whose attention does not work fails.
 *
 * transformer: 2 + 2 layers of d 64, 4 heads, sinusoidal positions; batches
 * of 32, the Noam schedule peaking at 3e-3 after 300 steps; 1,000 steps
 * (about 3 of the preset's 10 epochs). Measured (release build, one thread,
 * seeds 1 / 2 / 3): 81.5 / 87.5 / 90.5%; the whole preset reaches 99.6 /
 * 98.4 / 98.4% on 1,000 test dates.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const double MIN_EXACT = 50.0;   /* percent of test dates exactly right */

/* Train STAGE's date preset for `steps` steps and check the exact match of
 * its test RESULT line, which starts with `result`. */
static void check_dates(const char *stage, const char *result, int steps) {
    const char *bin = getenv("BIN");
    char exe[600], cmd[4096], out_path[512], run_dir[512];
    snprintf(exe, sizeof exe, "%s/%s", bin && *bin ? bin : "bin", stage);
    if (access(exe, X_OK) != 0) SKIP_TEST("%s is not built", exe);
    snprintf(out_path, sizeof out_path, "%s", tmp_path("dates_out"));
    snprintf(run_dir, sizeof run_dir, "%s", tmp_path("dates_run"));
    /* greedy test decoding (--beam 1); each epoch decodes 50 validation dates */
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 %s train --preset dates --dates 10000 --dates-eval 200 --steps %d "
             "--beam 1 --valid-bleu 50 --threads 1 --seed 1 --quiet --out %s < /dev/null > %s",
             exe, steps, run_dir, out_path);
    int st = system(cmd);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: failed", cmd);
    size_t n;
    char *out = read_all(out_path, &n);
    printf("%s", out);
    const char *line = strstr(out, result);
    ck_assert_msg(line != NULL, "no test RESULT line:\n%s", out);
    const char *exact = strstr(line, " exact=");
    ck_assert_ptr_nonnull(exact);
    double acc = strtod(exact + 7, NULL);
    printf("%s dates: %.2f%% exact after %d steps (bound %.0f%%)\n", stage, acc, steps, MIN_EXACT);
    ck_assert_msg(acc >= MIN_EXACT, "%s dates: %.2f%% exact match after %d steps, want >= %.0f%%", stage, acc,
                  steps, MIN_EXACT);
    free(out);
    remove(out_path);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", run_dir);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_seq2seq_dates) {
    check_dates("seq2seq", "RESULT stage=seq2seq model=bahdanau data=dates split=test pairs=200 ", 500);
}
END_TEST

START_TEST(test_transformer_dates) {
    check_dates("transformer", "RESULT stage=transformer model=transformer data=dates split=test pairs=200 ", 1000);
}
END_TEST

static Suite *dates_quality_suite(void) {
    Suite *s = suite_create("dates_quality");
    TCase *tc = tcase_create("quality");
    tcase_set_timeout(tc, 120);   /* ~5-20 s each here; CK_TIMEOUT_MULTIPLIER scales it under SAN=1 */
    tcase_add_test(tc, test_seq2seq_dates);
    tcase_add_test(tc, test_transformer_dates);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(dates_quality_suite)
