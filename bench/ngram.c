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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "util.h"

static void report(const char *name, int threads, double secs, double rss) {
    printf("RESULT stage=bench bench=ngram case=%s_time_t%d impl=ours value=%.3f unit=s\n", name, threads, secs);
    printf("RESULT stage=bench bench=ngram case=%s_rss_t%d impl=ours value=%.1f unit=MB\n", name, threads, rss);
}

int main(int argc, char **argv) {
    util_set_prog("bench/ngram");
    int threads = 1;
    int reps = 1;   /* one run per process: bench.sh repeats it once per round */
    bench_options(argc, argv, "ngram", &threads, &reps);
    char bin[1024], train[1024], test[1024], arpa[256];
    stage_binary(bin, sizeof bin, "ngram");
    data_path(train, sizeof train, "ptb/ptb.train.txt");
    data_path(test, sizeof test, "ptb/ptb.test.txt");
    snprintf(arpa, sizeof arpa, "/tmp/bench-ngram-%ld.arpa", (long)getpid());
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
