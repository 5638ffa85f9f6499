/*
 * bench/ngram.c -- Chapter 1's workload: build the PTB 5-gram modified
 * Kneser-Ney model, as an ARPA file and as our binary file, load each and
 * score the test set; wall time, CPU time and peak resident memory of each
 * step, and the test and validation perplexities.
 *
 * It runs the real command line (bin/ngram, or $BIN/ngram) as a child process,
 * exactly as a learner would, and reads the child's CPU time and peak RSS
 * from wait4(). For each order N of BENCH_NGRAM_ORDERS (default "5"):
 *     build      bin/ngram train --order N --out X.arpa  DATA/ptb/ptb.train.txt
 *     score      bin/ngram eval --model X.arpa           DATA/ptb/ptb.test.txt
 *     build_bin  bin/ngram train --order N --out X.bin   DATA/ptb/ptb.train.txt
 *     score_bin  bin/ngram eval --model X.bin            DATA/ptb/ptb.test.txt
 * then, untimed, eval --model X.bin on ptb.valid.txt for the validation
 * perplexity. Cases ptb_knN_<step>_{time,cpu,rss}_tT (s, s, MB) and
 * ptb_knN_{test,valid}_ppl_tT (perplexity, every word plus </s>).
 *
 * One run of each per process: a run takes seconds, and scripts/bench.sh
 * already repeats every benchmark once per round and keeps the best round, so
 * --reps is accepted for its interface and not used. Counting runs on one
 * thread, so the _t1 and _t2 rows measure the same work. bench/ngram_ref.py
 * is KenLM's side (lmplz, build_binary, query) on the same files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "util.h"

static void report(const char *order, const char *step, int threads, double secs, double cpu, double rss) {
    printf("RESULT stage=bench bench=ngram case=ptb_kn%s_%s_time_t%d impl=ours value=%.3f unit=s\n", order, step,
           threads, secs);
    printf("RESULT stage=bench bench=ngram case=ptb_kn%s_%s_cpu_t%d impl=ours value=%.3f unit=s\n", order, step,
           threads, cpu);
    printf("RESULT stage=bench bench=ngram case=ptb_kn%s_%s_rss_t%d impl=ours value=%.1f unit=MB\n", order, step,
           threads, rss);
}

/* The first "Perplexity including OOVs:" of an eval's output (KenLM query's line, which ours prints too). */
static double perplexity_of(const char *path) {
    size_t len;
    char *buf = read_file(path, &len);
    const char *key = "Perplexity including OOVs:";
    const char *p = strstr(buf, key);
    if (!p) die("no '%s' line in the output of ngram eval (%s)", key, path);
    double ppl = atof(p + strlen(key));
    free(buf);
    return ppl;
}

static void bench_order(const char *bin, const char *order, int threads, const char *train, const char *test,
                        const char *valid) {
    char arpa[256], model_bin[256], out[256];
    snprintf(arpa, sizeof arpa, "/tmp/bench-ngram-%ld.arpa", (long)getpid());
    snprintf(model_bin, sizeof model_bin, "/tmp/bench-ngram-%ld.bin", (long)getpid());
    snprintf(out, sizeof out, "/tmp/bench-ngram-%ld.out", (long)getpid());
    char *build[] = {(char *)bin, "train", "--quiet", "--order", (char *)order, "--out", arpa, (char *)train, NULL};
    char *score[] = {(char *)bin, "eval", "--quiet", "--model", arpa, (char *)test, NULL};
    char *build_bin[] = {(char *)bin, "train", "--quiet", "--order", (char *)order, "--out", model_bin,
                         (char *)train, NULL};
    char *score_bin[] = {(char *)bin, "eval", "--quiet", "--model", model_bin, (char *)test, NULL};
    char *score_valid[] = {(char *)bin, "eval", "--quiet", "--model", model_bin, (char *)valid, NULL};
    double secs, cpu, rss;

    run_child_io(build, NULL, NULL, &secs, &cpu, &rss);
    report(order, "build", threads, secs, cpu, rss);
    run_child_io(score, NULL, out, &secs, &cpu, &rss);
    report(order, "score", threads, secs, cpu, rss);
    double test_ppl = perplexity_of(out);
    unlink(arpa);

    run_child_io(build_bin, NULL, NULL, &secs, &cpu, &rss);
    report(order, "build_bin", threads, secs, cpu, rss);
    run_child_io(score_bin, NULL, out, &secs, &cpu, &rss);
    report(order, "score_bin", threads, secs, cpu, rss);
    run_child_io(score_valid, NULL, out, NULL, NULL, NULL);
    double valid_ppl = perplexity_of(out);
    unlink(model_bin);
    unlink(out);

    printf("RESULT stage=bench bench=ngram case=ptb_kn%s_test_ppl_t%d impl=ours value=%.3f unit=ppl\n", order,
           threads, test_ppl);
    printf("RESULT stage=bench bench=ngram case=ptb_kn%s_valid_ppl_t%d impl=ours value=%.3f unit=ppl\n", order,
           threads, valid_ppl);
}

int main(int argc, char **argv) {
    util_set_prog("bench/ngram");
    int threads = 1;
    int reps = 1;   /* one run per process: bench.sh repeats it once per round */
    bench_options(argc, argv, "ngram", &threads, &reps);
    char bin[1024], train[1024], test[1024], valid[1024];
    stage_binary(bin, sizeof bin, "ngram");
    data_path(train, sizeof train, "ptb/ptb.train.txt");
    data_path(test, sizeof test, "ptb/ptb.test.txt");
    data_path(valid, sizeof valid, "ptb/ptb.valid.txt");
    if (access(train, R_OK) != 0) {
        fprintf(stderr, "bench/ngram: %s not found (make data); skipped\n", train);
        return 0;
    }
    const char *orders = getenv("BENCH_NGRAM_ORDERS");
    char list[64];
    snprintf(list, sizeof list, "%s", orders && *orders ? orders : "5");
    for (char *save, *order = strtok_r(list, " ", &save); order; order = strtok_r(NULL, " ", &save)) {
        parse_long(order, "BENCH_NGRAM_ORDERS", 1, 6);   /* KenLM's default build stops at 6 */
        bench_order(bin, order, threads, train, test, valid);
    }
    return 0;
}
