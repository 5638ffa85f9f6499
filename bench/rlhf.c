/*
 * bench/rlhf.c -- Chapter 7's workload: PPO on CartPole-v1 with cleanrl's
 * settings (4 environments x 128 steps, 4 epochs x 4 minibatches of 128,
 * 64-64 tanh actor and critic), run as `bin/rlhf cartpole --algo ppo`, in
 * environment steps per second (rollouts and updates together, as cleanrl's
 * SPS), and the wall and CPU seconds that rate means for cleanrl's budget
 * of 500k steps. Both sides time their training loop only (our RESULT
 * line's train_s and cpu_s; the reference's perf_counter and process_time
 * around its loop): not the start-up, not the plots. bench/rlhf_ref.py is the PyTorch side: cleanrl's ppo.py
 * with CartPole written in Python, since gym is not installed.
 *
 * BENCH_RLHF_STEPS (default 50000) is the budget of each measured run, on
 * both sides; a PPO update costs the same whatever the episodes, so the
 * time to 500k steps is 500000 / rate. --reps is accepted and ignored (one
 * run per round; bench.sh keeps each side's best round).
 *
 * Part 2's row: PPO on the language model, the tokens per second its
 * rollouts sample through the KV cache (`rlhf ppo`'s rollout_tok_s), on a
 * run folder made quickly for it (a briefly trained SFT model, two-response
 * rankings, one epoch of the reward model), 5 iterations of 64 rollouts.
 * Ours only: the reference has no language-model side.
 */
#include "bench.h"

/* Run `bin ARGS...` into result; the value of key in its last RESULT line. */
static double run_for_field(char *const *args, const char *result, const char *key) {
    run_child_io(args, NULL, result, NULL, NULL, NULL);
    FILE *f = xfopen(result, "r");
    char line[2048];
    double v = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "RESULT ", 7) == 0) v = result_field(line, key);
    fclose(f);
    if (v < 0) die("'%s %s' printed no RESULT line with %s=", args[0], args[1], key);
    return v;
}

/* Sampled tokens per second of PPO's rollouts on the language model. */
static double rollout_tokens_per_s(const char *bin, const char *dir, const char *threads) {
    char run[1024], result[1024];
    snprintf(run, sizeof run, "%s/instruct", dir);
    snprintf(result, sizeof result, "%s/instruct.stdout", dir);
    char *b = (char *)bin;
    char *sft[] = {b, "sft", "--out", run, "--subjects", "200", "--demos", "30", "--pretrain-steps", "100",
                   "--steps", "50", "--quiet", NULL};
    char *labels[] = {b, "labels", "--run", run, "--k", "2", NULL};
    char *rm[] = {b, "rm-train", "--run", run, "--epochs", "1", NULL};
    char *ppo[] = {b, "ppo", "--run", run, "--iterations", "5", "--samples", "1", "--threads", (char *)threads,
                   "--quiet", NULL};
    run_for_field(sft, result, "gold_sft");
    run_for_field(labels, result, "agreement");
    run_for_field(rm, result, "acc");
    return run_for_field(ppo, result, "rollout_tok_s");
}

int main(int argc, char **argv) {
    int threads = 1, reps = 0;
    bench_options(argc, argv, "rlhf", &threads, &reps);
    char bin[1024];
    stage_binary(bin, sizeof bin, "rlhf");
    const char *env = getenv("BENCH_RLHF_STEPS");
    long steps = env && *env ? parse_long(env, "BENCH_RLHF_STEPS", 512, 100000000) : 50000;
    char dir[] = "/tmp/bench-rlhf-XXXXXX";
    if (!mkdtemp(dir)) die("cannot make a scratch folder");
    char steps_s[32], threads_s[16], out[64], result[4096];
    snprintf(steps_s, sizeof steps_s, "%ld", steps);
    snprintf(threads_s, sizeof threads_s, "%d", threads);
    snprintf(out, sizeof out, "%s/run", dir);
    snprintf(result, sizeof result, "%s/stdout", dir);
    char *args[] = {bin, "cartpole", "--algo", "ppo", "--steps", steps_s, "--threads", threads_s,
                    "--quiet", "--out", out, NULL};
    run_child_io(args, NULL, result, NULL, NULL, NULL);
    FILE *f = xfopen(result, "r");
    char line[2048];
    double sps = -1, ret = -1, cpu_s = -1;
    long done = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "RESULT ", 7) == 0) {
            sps = result_field(line, "sps");
            ret = result_field(line, "return");
            cpu_s = result_field(line, "cpu_s");
            done = (long)result_field(line, "steps");
        }
    fclose(f);
    if (sps <= 0 || done <= 0 || cpu_s < 0) die("'%s cartpole' printed no RESULT line with sps= and cpu_s=", bin);
    double tok_s = rollout_tokens_per_s(bin, dir, threads_s);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) warn("could not remove %s", dir);
    printf("RESULT stage=bench bench=rlhf case=ppo_t%d impl=ours value=%.0f unit=steps/s steps=%ld return=%.1f\n",
           threads, sps, done, ret);
    printf("RESULT stage=bench bench=rlhf case=ppo_500k_wall_t%d impl=ours value=%.2f unit=s\n", threads,
           500000.0 / sps);
    printf("RESULT stage=bench bench=rlhf case=ppo_500k_cpu_t%d impl=ours value=%.2f unit=s\n", threads,
           cpu_s * 500000.0 / (double)done);
    printf("RESULT stage=bench bench=rlhf case=lm_rollout_t%d impl=ours value=%.0f unit=tok/s\n", threads, tok_s);
    return 0;
}
