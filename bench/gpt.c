/*
 * bench/gpt.c -- Chapter 6's workload: one GPT training step (forward,
 * backward, clipping, AdamW) in tokens per second, for nanoGPT's CPU "baby"
 * config (4 layers, 4 heads, 128 wide, 12 x 64 tokens) and, when
 * BENCH_GPT_CASES names it, GPT-2 124M at 4 x 64 tokens (slow: seconds a step).
 *
 * It runs the real command, `bin/gpt bench --config CASE --threads N` (or
 * $BIN/gpt), which times the median step after warm-up, and restates its
 * RESULT line in scripts/bench.sh's form. bench/gpt_ref.py is PyTorch's side:
 * the same model, batch and optimizer.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* The value of " key=" in a RESULT line, or -1. */
static double field(const char *line, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, " %s=", key);
    const char *p = strstr(line, pat);
    return p ? atof(p + strlen(pat)) : -1.0;
}

static void bench_case(const char *gpt, const char *config, int threads, int reps) {
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "'%s' bench --config %s --threads %d --steps %d", gpt, config, threads, reps);
    FILE *p = popen(cmd, "r");
    if (!p) die("cannot run '%s'", cmd);
    char line[2048];
    double tok_s = -1, gflop_s = -1;
    while (fgets(line, sizeof line, p))
        if (strncmp(line, "RESULT ", 7) == 0 && strstr(line, " task=bench")) {
            tok_s = field(line, "tok_per_s");
            gflop_s = field(line, "gflop_s");
        }
    if (pclose(p) != 0 || tok_s < 0) die("'%s' failed or printed no RESULT line", cmd);
    printf("RESULT stage=bench bench=gpt case=%s_t%d impl=ours value=%.0f unit=tok/s\n", config, threads, tok_s);
    printf("RESULT stage=bench bench=gpt case=%s_gflops_t%d impl=ours value=%.1f unit=GFLOP/s\n",
           config, threads, gflop_s);
}

int main(int argc, char **argv) {
    int threads = 1, reps = 10;
    static const struct option opts[] = {
        {"reps", required_argument, 0, 'r'}, {"threads", required_argument, 0, 't'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'r') reps = (int)parse_long(optarg, "--reps", 3, 1000);
        else if (c == 't') threads = (int)parse_long(optarg, "--threads", 1, 1024);
        else usage_error("usage: bench/gpt [--reps N] [--threads T]");
    }
    char gpt[1024];
    const char *bindir = getenv("BIN");
    snprintf(gpt, sizeof gpt, "%s/gpt", bindir && *bindir ? bindir : "bin");
    if (access(gpt, X_OK) != 0) die("%s is not built (make gpt)", gpt);
    const char *cases = getenv("BENCH_GPT_CASES");
    char list[256];
    snprintf(list, sizeof list, "%s", cases && *cases ? cases : "baby");
    for (char *save, *name = strtok_r(list, " ", &save); name; name = strtok_r(NULL, " ", &save))
        bench_case(gpt, name, threads, reps);
    return 0;
}
