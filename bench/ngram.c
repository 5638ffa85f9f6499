/*
 * bench/ngram.c -- Chapter 1's workload: build the PTB 5-gram modified
 * Kneser-Ney model and write its ARPA file, then load that file and score the
 * test set; wall time and peak resident memory of each.
 *
 * It runs the real command line (bin/ngram, or $BIN/ngram) as a child process,
 * exactly as a learner would, and reads the child's peak RSS from wait4():
 *     bin/ngram train --order 5 --out /tmp/...arpa  DATA/ptb/ptb.train.txt
 *     bin/ngram eval --model /tmp/...arpa            DATA/ptb/ptb.test.txt
 * One run of each per process: a run takes seconds, and scripts/bench.sh
 * already repeats every benchmark once per round and keeps the best round, so
 * --reps is accepted for its interface and not used. bench/ngram_ref.py is KenLM's
 * side (lmplz -o 5 -S 100M, query).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

/* Run argv, silence its output; wall seconds and peak RSS in MB of the child. */
static void run_child(char *const argv[], double *seconds, double *rss_mb) {
    double t0 = now_seconds();
    pid_t pid = fork();
    if (pid < 0) die("fork failed");
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout)) _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) die("wait4 failed");
    *seconds = now_seconds() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("'%s %s' failed", argv[0], argv[1]);
    *rss_mb = (double)ru.ru_maxrss / 1024.0;
}

static void report(const char *name, int threads, double secs, double rss) {
    printf("RESULT stage=bench bench=ngram case=%s_time_t%d impl=ours value=%.3f unit=s\n", name, threads, secs);
    printf("RESULT stage=bench bench=ngram case=%s_rss_t%d impl=ours value=%.1f unit=MB\n", name, threads, rss);
}

int main(int argc, char **argv) {
    util_set_prog("bench/ngram");
    int threads = 1;
    static const struct option opts[] = {
        { "reps", required_argument, 0, 'r' }, { "threads", required_argument, 0, 't' }, { 0, 0, 0, 0 } };
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'r') parse_long(optarg, "--reps", 1, 1000);
        else if (c == 't') threads = (int)parse_long(optarg, "--threads", 1, 1024);
        else usage_error("usage: bench/ngram [--reps N] [--threads T]");
    }
    char bin[1024], train[1024], test[1024], arpa[256];
    const char *bindir = getenv("BIN");
    snprintf(bin, sizeof bin, "%s/ngram", bindir && *bindir ? bindir : "bin");
    data_path(train, sizeof train, "ptb/ptb.train.txt");
    data_path(test, sizeof test, "ptb/ptb.test.txt");
    snprintf(arpa, sizeof arpa, "/tmp/bench-ngram-%ld.arpa", (long)getpid());
    if (access(bin, X_OK) != 0) die("%s is not built (make ngram)", bin);
    if (access(train, R_OK) != 0) {
        fprintf(stderr, "bench/ngram: %s not found (make data); skipped\n", train);
        return 0;
    }
    char *build[] = { bin, "train", "--quiet", "--order", "5", "--out", arpa, train, NULL };
    char *score[] = { bin, "eval", "--quiet", "--model", arpa, test, NULL };
    double bsec, brss, ssec, srss;
    run_child(build, &bsec, &brss);
    run_child(score, &ssec, &srss);
    unlink(arpa);
    report("ptb_kn5_build", threads, bsec, brss);
    report("ptb_kn5_score", threads, ssec, srss);
    return 0;
}
