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
 *   - Part 2's pipeline at the smallest size, step by step in one run
 *     folder: sft, labels --run, rm-train, ppo, ppo --ptx, dpo, each with
 *     its RESULT line (`gpt eval` on RUN/pretraining.bin prints ppo's
 *     alignment tax again), then compare and chat on what they left; and its bad input: a missing preference file, a
 *     reward model of another vocabulary, a truncated one, a folder with no
 *     SFT model, two policies of different tasks compared.
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
    expect_has(out, "RESULT stage=rlhf task=labels responses=edited seed=2 prompts=90 heldout=30 k=5 sigma=", "the RESULT line");
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

/* `rlhf CMD ARGS --run DIR` (or --out DIR for sft), expected to succeed: its stdout. */
static char *run_step(const char *cmd, const char *args, const char *dir, const char *flag) {
    char line[4096];
    snprintf(line, sizeof line, "%s %s %s %s", cmd, args, flag, dir);
    return bin_expect_ok(STAGE, line, NULL);
}

/* `gpt eval` of the PPO policy on RUN/pretraining.bin (written by rlhf sft)
 * prints the perplexity ppo's RESULT line gave as ppl_pretrain=: the file
 * holds the alignment tax's tokens, which the ladder scores every policy on. */
static void expect_alignment_tax_file(const char *ppo_out, const char *dir) {
    const char *mine = strstr(ppo_out, " ppl_pretrain=");
    ck_assert_msg(mine, "ppo printed no ppl_pretrain=");
    char args[4096];
    snprintf(args, sizeof args, "eval --model %s/ppo.ckpt --data %s/pretraining.bin --threads 1", dir, dir);
    char *out = bin_expect_ok("gpt", args, NULL);
    const char *theirs = strstr(out, " ppl=");
    ck_assert_msg(theirs, "gpt eval printed no ppl=: %s", out);
    ck_assert_double_eq_tol(strtod(theirs + 5, NULL), strtod(mine + 14, NULL), 6e-4);
    free(out);
}

START_TEST(test_pipeline_steps) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("pipeline");
    const char *dir = at("run");
    char *out = run_step("sft", "--subjects 8 --width 16 --pretrain-steps 20 --steps 10 --batch 4 --seed 2 --quiet",
                         dir, "--out");
    expect_has(out, "RESULT stage=rlhf task=sft seed=2 prompts=18 heldout=6 gold_pre=", "the RESULT line");
    expect_has(out, " gold_sft=", "the RESULT line");
    expect_has(out, " loss_sft=", "the RESULT line");
    free(out);
    out = run_step("labels", "--k 4", dir, "--run");
    expect_has(out, "RESULT stage=rlhf task=labels responses=sft seed=1 prompts=18 heldout=6 k=4", "labels");
    free(out);
    out = run_step("rm-train", "--epochs 1 --rankings 2", dir, "--run");
    expect_has(out, "RESULT stage=rlhf task=rm seed=1 rankings=18 epochs=1 loss=", "rm-train");
    expect_has(out, " acc=", "rm-train");
    expect_has(out, " agreement=", "rm-train");
    expect_has(out, " pairs=36 ", "rm-train");   /* 6 held-out prompts x 6 pairs */
    free(out);
    out = run_step("ppo", "--iterations 2 --rollouts 4 --minibatch 2 --epochs 1 --samples 1 --quiet", dir, "--run");
    expect_has(out, "RESULT stage=rlhf task=ppo name=ppo seed=1 beta=0.0200 ptx=0.0000 iterations=2 score=", "ppo");
    expect_has(out, " winrate=", "ppo");
    expect_alignment_tax_file(out, dir);
    free(out);
    out = run_step("ppo", "--iterations 1 --rollouts 4 --minibatch 2 --epochs 1 --samples 1 --ptx 1 --quiet", dir,
                   "--run");
    expect_has(out, "name=ppo_ptx", "ppo --ptx");
    free(out);
    out = run_step("dpo", "--epochs 1 --samples 1 --quiet", dir, "--run");
    expect_has(out, "RESULT stage=rlhf task=dpo name=dpo seed=1 beta=0.5000 epochs=1 loss=", "dpo");
    free(out);
    out = run_step("compare", "--a ppo --b dpo --samples 1", dir, "--run");
    expect_has(out, "RESULT stage=rlhf task=compare a=ppo b=dpo params_a=", "compare");
    expect_has(out, " comparisons=6\n", "compare");   /* 6 held-out prompts, one sample each */
    expect_has(out, "  follows ", "compare's criteria");
    free(out);
    /* chat: a prompt of the task gets each policy's answer with its gold reward, an unknown word a note */
    char args[4096], input[1024];
    size_t task_len;
    char *task = read_all(at("run/task.tsv"), &task_len), *prompt = strchr(strchr(strchr(task, '\n') + 1, '\t') + 1, '\t') + 1;
    *strchr(prompt, '\t') = '\0';   /* the first prompt of task.tsv */
    snprintf(input, sizeof input, "%s\nwhere does Qwxyz live ?\n", prompt);
    free(task);
    snprintf(args, sizeof args, "chat --run %s", dir);
    out = bin_expect_ok(STAGE, args, scratch_put("chat_in", input));
    expect_has(out, "  sft      (gold ", "chat's answers");
    expect_has(out, "  ppo      (gold ", "chat's answers");
    expect_has(out, "  dpo      (gold ", "chat's answers");
    expect_has(out, "  demo     (gold 7.00) ", "chat's demonstration");
    expect_has(out, "not in the task's vocabulary", "chat on an unknown word");
    free(out);
    size_t n;
    char *metrics = read_all(at("run/ppo/metrics.tsv"), &n);
    ck_assert_int_eq(count_lines(metrics), 1 + 2);
    free(metrics);
    scratch_end();
}
END_TEST


/* A reward model from another task, a truncated one, a run folder with no
 * SFT model: each a clear error. */
START_TEST(test_pipeline_bad_input) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("pipeline_bad");
    const char *small = "--width 16 --pretrain-steps 5 --steps 2 --batch 4 --quiet";
    char args[2048], a[512], b[512];
    snprintf(a, sizeof a, "%s", at("a"));
    snprintf(b, sizeof b, "%s", at("b"));
    snprintf(args, sizeof args, "%s --subjects 8", small);
    free(run_step("sft", args, a, "--out"));
    snprintf(args, sizeof args, "%s --subjects 8 --seed 3", small);
    free(run_step("sft", args, b, "--out"));
    snprintf(args, sizeof args, "rm-train --run %s", a);
    EXPECT(args, 1, "prefs_train.tsv", "rlhf labels --run");
    free(run_step("labels", "--k 2", a, "--run"));
    free(run_step("rm-train", "--epochs 1", a, "--run"));
    /* the reward model's trunk swapped for b's SFT model: another vocabulary */
    size_t n, m;
    char *other = read_all(at("b/sft.ckpt"), &n), *mine = read_all(at("a/rm.ckpt"), &m);
    write_bytes(at("a/rm.ckpt"), other, n);
    snprintf(args, sizeof args, "ppo --run %s --iterations 1 --rollouts 4 --minibatch 2 --quiet", a);
    EXPECT(args, 1, "another task", "vocabulary");
    write_bytes(at("a/rm.ckpt"), mine, m / 2);   /* truncated */
    EXPECT(args, 1, "rm.ckpt");
    snprintf(args, sizeof args, "dpo --run %s", at("nowhere"));
    EXPECT(args, 1, "no SFT model", "rlhf sft --out");
    snprintf(args, sizeof args, "compare --run %s --b-run %s --b sft", a, b);
    EXPECT(args, 1, "different tasks");
    snprintf(args, sizeof args, "chat --run %s", at("nowhere"));
    EXPECT(args, 1, "no SFT model");
    free(other);
    free(mine);
    scratch_end();
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
    free(bin_expect_ok(STAGE, "rm-train --help", NULL));
    free(bin_expect_ok(STAGE, "ppo --help", NULL));
    free(bin_expect_ok(STAGE, "dpo --help", NULL));
    EXPECT("ppo --name a/b", 2, "--name");
    EXPECT("ppo --beta -1", 2, "--beta");
    EXPECT("dpo --beta 0", 2, "--beta");
    EXPECT("rm-train --epochs 0", 2, "--epochs");
    free(bin_expect_ok(STAGE, "compare --help", NULL));
    free(bin_expect_ok(STAGE, "chat --help", NULL));
    free(bin_expect_ok(STAGE, "pipeline --help", NULL));
    EXPECT("pipeline --preset huge", 2, "huge");
    EXPECT("compare --samples 0", 2, "--samples");
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
    tcase_add_test(tc, test_pipeline_steps);
    tcase_add_test(tc, test_pipeline_bad_input);
    tcase_add_test(tc, test_usage);
    tcase_add_test(tc, test_out_is_a_file);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(rlhf_cli_suite)
