/*
 * bench/word2vec.c -- Chapter 2's workload: train skip-gram and CBOW vectors
 * with negative sampling on the Bible (data/cache/bible/words.train.txt) with
 * the original tool's settings, and report training words per second over
 * the whole run (wall time, loading included) and the peak resident memory.
 *
 * It runs the real command line (bin/word2vec, or $BIN/word2vec) as a child
 * process, exactly as a learner would, and reads the child's peak RSS from
 * wait4():
 *     bin/word2vec train --train BIBLE --output /tmp/x.bin --cbow 0|1 --size 100
 *         --window 5 --negative 5 --hs 0 --sample 1e-4 --iter 5 --min-count 5 --threads T
 * words/s = 5 passes x the corpus tokens (words plus one </s> per line, as
 * both word2vec and fastText count them) / wall seconds. bench/word2vec_ref.py
 * runs Debian's fastText on the same corpus and settings.
 *
 * Then the neural LM: one epoch of `word2vec nnlm` on 30k Bible tokens with
 * the PTB configuration (order 5, embed 64, hidden 128, batch 128), reporting
 * its training tokens per second (the tok_per_s of its metrics.tsv).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

/* Run argv with its output silenced; wall seconds and peak RSS in MB of the child. */
static void run_child(char *const argv[], double *seconds, double *rss_mb) {
    fflush(stdout);   /* or the child would flush our buffered lines a second time */
    double t0 = now_seconds();
    pid_t pid = fork();
    if (pid < 0) die("fork failed");
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) _exit(127);
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

/* Tokens as the trainers count them: whitespace-separated words plus one per line. */
static long corpus_tokens(const char *path) {
    size_t len;
    char *buf = read_file(path, &len);
    long n = 0;
    int in_word = 0;
    for (size_t i = 0; i < len; i++) {
        int space = buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r';
        if (!space && !in_word) n++;
        if (buf[i] == '\n') n++;
        in_word = !space;
    }
    free(buf);
    return n;
}

int main(int argc, char **argv) {
    util_set_prog("bench/word2vec");
    int threads = 1;
    static const struct option opts[] = {
        { "reps", required_argument, 0, 'r' }, { "threads", required_argument, 0, 't' }, { 0, 0, 0, 0 } };
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'r') parse_long(optarg, "--reps", 1, 1000);
        else if (c == 't') threads = (int)parse_long(optarg, "--threads", 1, 1024);
        else usage_error("usage: bench/word2vec [--reps N] [--threads T]");
    }
    char bin[1024], out[256], th[16];
    const char *bindir = getenv("BIN"), *train = "data/cache/bible/words.train.txt";
    snprintf(bin, sizeof bin, "%s/word2vec", bindir && *bindir ? bindir : "bin");
    snprintf(out, sizeof out, "/tmp/bench-word2vec-%ld.bin", (long)getpid());
    snprintf(th, sizeof th, "%d", threads);
    if (access(bin, X_OK) != 0) die("%s is not built (make word2vec)", bin);
    if (access(train, R_OK) != 0) {
        fprintf(stderr, "bench/word2vec: %s not found (scripts/data.sh bible); skipped\n", train);
        return 0;
    }
    long tokens = corpus_tokens(train);
    const char *models[2] = {"skipgram", "cbow"};
    for (int k = 0; k < 2; k++) {
        char *cmd[] = {bin, "train", "--train", (char *)train, "--output", out, "--cbow", k ? "1" : "0",
                       "--size", "100", "--window", "5", "--negative", "5", "--hs", "0", "--sample", "1e-4",
                       "--iter", "5", "--min-count", "5", "--threads", th, "--binary", "1", "--quiet", NULL};
        double secs, rss;
        run_child(cmd, &secs, &rss);
        printf("RESULT stage=bench bench=word2vec case=bible_%s_t%d impl=ours value=%.0f unit=words/s\n",
               models[k], threads, 5.0 * tokens / secs);
        printf("RESULT stage=bench bench=word2vec case=bible_%s_rss_t%d impl=ours value=%.1f unit=MB\n",
               models[k], threads, rss);
    }
    unlink(out);

    char run_dir[256], metrics[300];
    snprintf(run_dir, sizeof run_dir, "/tmp/bench-nnlm-%ld", (long)getpid());
    snprintf(metrics, sizeof metrics, "%s/metrics.tsv", run_dir);
    char *nnlm[] = {bin, "nnlm", "--data", "bible", "--epochs", "1", "--max-tokens", "30000", "--order", "5",
                    "--embed", "64", "--hidden", "128", "--min-count", "2", "--threads", th, "--out", run_dir, NULL};
    double secs, rss;
    run_child(nnlm, &secs, &rss);
    /* the last row is the epoch's validation row: column 7 is tok_per_s */
    FILE *f = xfopen(metrics, "r");
    char line[512], last[512] = "";
    while (fgets(line, sizeof line, f)) strcpy(last, line);
    fclose(f);
    double tps = 0.0;
    char *col = last;
    for (int k = 0; k < 6 && col; k++) col = strchr(col, '\t') ? strchr(col, '\t') + 1 : NULL;
    if (col) tps = atof(col);
    printf("RESULT stage=bench bench=word2vec case=bible_nnlm_t%d impl=ours value=%.0f unit=tokens/s\n", threads, tps);
    printf("RESULT stage=bench bench=word2vec case=bible_nnlm_rss_t%d impl=ours value=%.1f unit=MB\n", threads, rss);
    char rm[300];
    snprintf(rm, sizeof rm, "rm -rf %s", run_dir);
    if (system(rm) != 0) fprintf(stderr, "bench/word2vec: could not remove %s\n", run_dir);
    return 0;
}
