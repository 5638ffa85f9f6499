/*
 * bench/bench.h -- what the bench/<name>.c programs share: their command line
 * (--threads N, --reps R, as scripts/bench.sh calls them), the path of a
 * stage's binary, running a child and measuring it, and the generic runner of
 * a stage's own `bench` command. Each bench/<name>.c is one program built by
 * the Makefile, so this is a header of static inline functions rather than a library.
 */
#ifndef NLP_BENCH_H
#define NLP_BENCH_H

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

/* Parse --threads and --reps (left unchanged when absent). */
static inline void bench_options(int argc, char **argv, const char *name, int *threads, int *reps) {
    static const struct option opts[] = {
        {"reps", required_argument, 0, 'r'}, {"threads", required_argument, 0, 't'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'r') *reps = (int)parse_long(optarg, "--reps", 1, 1000);
        else if (c == 't') *threads = (int)parse_long(optarg, "--threads", 1, 1024);
        else usage_error("usage: bench/%s [--reps N] [--threads T]", name);
    }
}

/* $BIN/<stage> (BIN defaults to bin); dies when it is not built. */
static inline void stage_binary(char *buf, size_t n, const char *stage) {
    const char *bindir = getenv("BIN");
    snprintf(buf, n, "%s/%s", bindir && *bindir ? bindir : "bin", stage);
    if (access(buf, X_OK) != 0) die("%s is not built (make %s)", buf, stage);
}

/*
 * Run argv as a child: stdin from in_path (NULL: inherited), stdout into
 * out_path (NULL: /dev/null), stderr silenced. Wall seconds, CPU seconds
 * (user + system) and peak RSS in MB of the child, from wait4(); any of the
 * three pointers may be NULL. Dies when the child fails.
 */
static inline void run_child_io(char *const argv[], const char *in_path, const char *out_path,
                                double *seconds, double *cpu_s, double *rss_mb) {
    fflush(stdout);   /* or the child would flush our buffered lines a second time */
    double t0 = now_seconds();
    pid_t pid = fork();
    if (pid < 0) die("fork failed");
    if (pid == 0) {
        if (in_path && !freopen(in_path, "r", stdin)) _exit(127);
        if (!freopen(out_path ? out_path : "/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) die("wait4 failed");
    double wall = now_seconds() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("'%s %s' failed", argv[0], argv[1]);
    if (seconds) *seconds = wall;
    if (cpu_s)
        *cpu_s = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
                 (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
    if (rss_mb) *rss_mb = (double)ru.ru_maxrss / 1024.0;
}

/* Run argv with its output silenced; wall seconds and peak RSS in MB of the child. */
static inline void run_child(char *const argv[], double *seconds, double *rss_mb) {
    run_child_io(argv, NULL, NULL, seconds, NULL, rss_mb);
}

/* The value of " key=" in a RESULT line, or -1. */
static inline double result_field(const char *line, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, " %s=", key);
    const char *p = strstr(line, pat);
    return p ? atof(p + strlen(pat)) : -1.0;
}

/* Run `'bin' bench ARGS` and copy its RESULT line with task=TASK (bench:
 * the training step; generate: decoding) into line (n bytes); dies when the
 * command fails or prints none. */
static inline void stage_bench_line(const char *bin, const char *args, const char *task, char *line, size_t n) {
    char cmd[2048], buf[2048], want[64];
    snprintf(want, sizeof want, " task=%s ", task);
    snprintf(cmd, sizeof cmd, "'%s' bench %s", bin, args);
    FILE *p = popen(cmd, "r");
    if (!p) die("cannot run '%s'", cmd);
    int found = 0;
    while (fgets(buf, sizeof buf, p))
        if (strncmp(buf, "RESULT ", 7) == 0 && strstr(buf, want)) {
            snprintf(line, n, "%s", buf);
            found = 1;
        }
    if (pclose(p) != 0 || !found) die("'%s' failed or printed no RESULT line", cmd);
}

/*
 * The generic runner: `$BIN/<stage> bench <case_flag> CASE --threads N` for
 * each case named in the environment variable cases_env (default:
 * default_cases), restating the tokens per second of its RESULT line as
 *     RESULT stage=bench bench=<stage> case=CASE_tN impl=ours value=X unit=tok/s
 * The reference script bench/<stage>_ref.py prints the same case names.
 */
static inline void stage_bench_case(const char *stage, const char *bin, const char *case_flag,
                             const char *name, int threads) {
    char args[512], line[2048];
    snprintf(args, sizeof args, "%s %s --threads %d", case_flag, name, threads);
    stage_bench_line(bin, args, "bench", line, sizeof line);
    double tok_s = result_field(line, "tok_per_s");
    if (tok_s < 0) die("'%s bench %s' printed no tok_per_s", bin, args);
    printf("RESULT stage=bench bench=%s case=%s_t%d impl=ours value=%.0f unit=tok/s\n", stage, name, threads, tok_s);
}

static inline int stage_bench_main(int argc, char **argv, const char *stage, const char *case_flag,
                            const char *cases_env, const char *default_cases) {
    int threads = 1, reps = 0;   /* accepted for bench.sh; the stage's bench picks its own */
    bench_options(argc, argv, stage, &threads, &reps);
    char bin[1024];
    stage_binary(bin, sizeof bin, stage);
    const char *cases = getenv(cases_env);
    char list[256];
    snprintf(list, sizeof list, "%s", cases && *cases ? cases : default_cases);
    for (char *save, *name = strtok_r(list, " ", &save); name; name = strtok_r(NULL, " ", &save))
        stage_bench_case(stage, bin, case_flag, name, threads);
    return 0;
}

#endif
