/*
 * bench/stage_bench.h -- our side of a stage's benchmark, shared by the
 * bench/<stage>.c programs whose stage has a `bench` command.
 *
 * stage_bench_main() runs the real binary, `$BIN/<stage> bench <case_flag>
 * CASE --threads N` (BIN defaults to bin), for each case named in the
 * environment variable cases_env (default: default_cases), reads the tokens
 * per second from its RESULT line, and restates it in scripts/bench.sh's form:
 *     RESULT stage=bench bench=<stage> case=CASE_tN impl=ours value=X unit=tok/s
 * The reference script bench/<stage>_ref.py prints the same case names.
 */
#ifndef NLP_STAGE_BENCH_H
#define NLP_STAGE_BENCH_H

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* The value of " key=" in a RESULT line, or -1. */
static double result_field(const char *line, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, " %s=", key);
    const char *p = strstr(line, pat);
    return p ? atof(p + strlen(pat)) : -1.0;
}

static void stage_bench_case(const char *stage, const char *bin, const char *case_flag,
                             const char *name, int threads) {
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "'%s' bench %s %s --threads %d", bin, case_flag, name, threads);
    FILE *p = popen(cmd, "r");
    if (!p) die("cannot run '%s'", cmd);
    char line[2048];
    double tok_s = -1;
    while (fgets(line, sizeof line, p))
        if (strncmp(line, "RESULT ", 7) == 0 && strstr(line, " task=bench")) tok_s = result_field(line, "tok_per_s");
    if (pclose(p) != 0 || tok_s < 0) die("'%s' failed or printed no RESULT line", cmd);
    printf("RESULT stage=bench bench=%s case=%s_t%d impl=ours value=%.0f unit=tok/s\n", stage, name, threads, tok_s);
}

static int stage_bench_main(int argc, char **argv, const char *stage, const char *case_flag,
                            const char *cases_env, const char *default_cases) {
    int threads = 1;
    static const struct option opts[] = {
        {"reps", required_argument, 0, 'r'}, {"threads", required_argument, 0, 't'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'r') parse_long(optarg, "--reps", 1, 1000);   /* the stage's bench picks its own */
        else if (c == 't') threads = (int)parse_long(optarg, "--threads", 1, 1024);
        else usage_error("usage: bench/%s [--reps N] [--threads T]", stage);
    }
    char bin[1024];
    const char *bindir = getenv("BIN");
    snprintf(bin, sizeof bin, "%s/%s", bindir && *bindir ? bindir : "bin", stage);
    if (access(bin, X_OK) != 0) die("%s is not built (make %s)", bin, stage);
    const char *cases = getenv(cases_env);
    char list[256];
    snprintf(list, sizeof list, "%s", cases && *cases ? cases : default_cases);
    for (char *save, *name = strtok_r(list, " ", &save); name; name = strtok_r(NULL, " ", &save))
        stage_bench_case(stage, bin, case_flag, name, threads);
    return 0;
}

#endif
