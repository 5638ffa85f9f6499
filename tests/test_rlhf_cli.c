/*
 * test_rlhf_cli.c -- the `rlhf` command line as a learner runs it: $BIN/rlhf
 * (bin/, or build/san/bin under SAN=1) as a child process from the
 * repository root, judged by its exit status, stdout and stderr (DESIGN.md:
 * bad input exits 1 with "rlhf: error: ...", bad usage 2).
 *
 *   - `rlhf cartpole` for two PPO updates and a short REINFORCE run: the
 *     RESULT line, config.txt and metrics.tsv with one row per update.
 *   - `rlhf curves` on a tiny budget: a RESULT line per run and per method,
 *     each method's averaged curve.
 *   - `rlhf labels` on a small world: the RESULT line with the calibrated
 *     noise and the agreement, the task file and the two preference files,
 *     which read back.
 *   - `rlhf sft` at the smallest size: the RESULT line with the gold reward
 *     before and after.
 *   - Bad usage: an unknown method, bad or missing numbers, minibatches that
 *     do not divide the batch, options REINFORCE has no use for, a budget
 *     below one update, a stray argument; and an --out that is a file.
 */
#include "harness.h"
#include "rlhf/prefs.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define STAGE "rlhf"
#define EXPECT(args, status, ...) bin_expect(STAGE, args, NULL, status, (const char *const[]){__VA_ARGS__, NULL})
#define at scratch_at

START_TEST(test_cartpole_ppo_run) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("cartpole_ppo");
    char args[1024];
    snprintf(args, sizeof args, "cartpole --algo ppo --steps 1024 --seed 3 --quiet --out %s", at("run"));
    char *out = bin_expect_ok(STAGE, args, NULL);
    expect_has(out, "RESULT stage=rlhf task=cartpole algo=ppo seed=3 steps=1024 episodes=", "the RESULT line");
    expect_has(out, " return=", "the RESULT line");
    expect_has(out, " sps=", "the RESULT line");
    size_t n;
    char *tsv = read_all(at("run/metrics.tsv"), &n), *cfg = read_all(at("run/config.txt"), &n);
    expect_has(tsv, "step\tupdate\tepisodes\treturn\treturn100\tloss\tpg_loss\tv_loss\tentropy\tapprox_kl\t"
               "clip_frac\texplained_var\tlr\tsps\telapsed_s\n", "metrics.tsv");
    ck_assert_int_eq(count_lines(tsv), 3);   /* the header and one row per update of 512 steps */
    expect_has(cfg, "algo = ppo\n", "config.txt");
    expect_has(cfg, "minibatches = 4\n", "config.txt");
    free(out); free(tsv); free(cfg);
    scratch_end();
}
END_TEST

START_TEST(test_cartpole_reinforce_and_overrides) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("cartpole_reinforce");
    char args[1024];
    snprintf(args, sizeof args, "cartpole --algo reinforce-baseline --steps 600 --lr 3e-3 --envs 2 --quiet --out %s",
             at("run"));
    char *out = bin_expect_ok(STAGE, args, NULL);
    expect_has(out, "algo=reinforce-baseline seed=1 steps=", "the RESULT line");
    size_t n;
    char *cfg = read_all(at("run/config.txt"), &n);
    expect_has(cfg, "envs = 2\n", "config.txt");
    expect_has(cfg, "lr = 0.003", "config.txt");
    free(out); free(cfg);
    scratch_end();
}
END_TEST

START_TEST(test_curves) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("curves");
    char args[1024];
    snprintf(args, sizeof args, "curves --algos a2c,ppo --seeds 2 --steps 1024 --bin 256 --quiet --out %s",
             at("c"));
    char *out = bin_expect_ok(STAGE, args, NULL);
    expect_has(out, "RESULT stage=rlhf task=cartpole algo=a2c seed=2 ", "a run's RESULT");
    expect_has(out, "RESULT stage=rlhf task=cartpole-curves algo=a2c seeds=2 steps=1000 return=", "a2c's summary");
    expect_has(out, "RESULT stage=rlhf task=cartpole-curves algo=ppo seeds=2 steps=1024 return=", "ppo's summary");
    ck_assert(scratch_exists("c/ppo/metrics.tsv") && scratch_exists("c/a2c-s1/metrics.tsv"));
    size_t n;
    char *tsv = read_all(at("c/ppo/metrics.tsv"), &n);
    expect_has(tsv, "step\treturn\treturn_min\treturn_max\n", "the curve");
    ck_assert(count_lines(tsv) >= 3);   /* the episodes of 1024 steps end in several bins of 256 */
    free(out); free(tsv);
    scratch_end();
}
END_TEST

START_TEST(test_labels) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("labels");
    char args[1024];
    snprintf(args, sizeof args, "labels --subjects 40 --k 5 --seed 2 --out %s", at("run"));
    char *out = bin_expect_ok(STAGE, args, NULL);
    expect_has(out, "RESULT stage=rlhf task=labels seed=2 prompts=90 heldout=30 k=5 sigma=", "the RESULT line");
    expect_has(out, " agreement=", "the RESULT line");
    expect_has(out, " pairs=300\n", "the RESULT line");   /* 30 prompts x 10 pairs */
    size_t n;
    char *task = read_all(at("run/task.tsv"), &n);
    ck_assert_int_eq(count_lines(task), 1 + 120);
    expect_has(task, "split\tkind\tprompt\tdemo\n", "task.tsv");
    PrefSet p;
    char err[512];
    ck_assert_msg(prefs_read(at("run/prefs_train.tsv"), &p, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(p.n, 90);
    ck_assert_int_eq(p.r[0].k, 5);
    prefs_free(&p);
    ck_assert_msg(prefs_read(at("run/prefs_heldout.tsv"), &p, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(p.n, 30);
    prefs_free(&p);
    free(out); free(task);
    scratch_end();
}
END_TEST

START_TEST(test_sft) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    char *out = bin_expect_ok(STAGE, "sft --subjects 8 --width 16 --pretrain-steps 20 --steps 10 --batch 4 --seed 2 --quiet", NULL);
    expect_has(out, "RESULT stage=rlhf task=sft seed=2 prompts=18 heldout=6 gold_pre=", "the RESULT line");
    expect_has(out, " gold_sft=", "the RESULT line");
    expect_has(out, " loss_sft=", "the RESULT line");
    free(out);
}
END_TEST

START_TEST(test_usage) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    free(bin_expect_ok(STAGE, "--help", NULL));
    char *help = bin_expect_ok(STAGE, "cartpole --help", NULL);
    expect_has(help, "--algo NAME", "cartpole --help");
    free(help);
    free(bin_expect_ok(STAGE, "curves --help", NULL));
    free(bin_expect_ok(STAGE, "demo --help", NULL));
    EXPECT("frobnicate", 2, "frobnicate");
    EXPECT("cartpole --algo dqn", 2, "--algo", "dqn");
    EXPECT("cartpole --steps abc", 2, "--steps");
    EXPECT("cartpole --steps -5", 2, "--steps");
    EXPECT("cartpole --steps 0", 2, "--steps");
    EXPECT("cartpole --steps", 2, "--steps");
    EXPECT("cartpole --steps 100", 2, "less than one update");
    EXPECT("cartpole --minibatches 3", 2, "--minibatches 3 does not divide");
    EXPECT("cartpole --algo reinforce --rollout 5", 2, "whole episodes");
    EXPECT("cartpole --gamma 1.5", 2, "--gamma");
    EXPECT("cartpole --preset nowhere", 2, "nowhere");
    EXPECT("cartpole extra", 2, "extra");
    EXPECT("curves --algos ppo,sarsa", 2, "sarsa");
    EXPECT("curves --algos ppo,ppo", 2, "twice");
    EXPECT("curves --seeds 0", 2, "--seeds");
    EXPECT("demo --steps 10", 2, "--steps");
    free(bin_expect_ok(STAGE, "labels --help", NULL));
    EXPECT("labels --k 10", 2, "--k");
    EXPECT("labels --k 1", 2, "--k");
    EXPECT("labels --subjects 1", 2, "--subjects");
    EXPECT("labels --heldout 1", 2, "--heldout");
    EXPECT("labels --agreement 0.4", 2, "--agreement");
    free(bin_expect_ok(STAGE, "sft --help", NULL));
    EXPECT("sft --width 10 --heads 4", 2, "--width 10 is not a multiple of --heads 4");
    EXPECT("sft --steps 0", 2, "--steps");
    EXPECT("sft --context 8", 1, "raise --context");
}
END_TEST

START_TEST(test_out_is_a_file) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("out_file");
    scratch_put("taken", "not a folder\n");
    char args[1024];
    snprintf(args, sizeof args, "cartpole --steps 512 --quiet --out %s", at("taken"));
    EXPECT(args, 1, "taken");
    scratch_end();
}
END_TEST

static Suite *rlhf_cli_suite(void) {
    Suite *s = suite_create("rlhf_cli");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_cartpole_ppo_run);
    tcase_add_test(tc, test_cartpole_reinforce_and_overrides);
    tcase_add_test(tc, test_curves);
    tcase_add_test(tc, test_labels);
    tcase_add_test(tc, test_sft);
    tcase_add_test(tc, test_usage);
    tcase_add_test(tc, test_out_is_a_file);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(rlhf_cli_suite)
