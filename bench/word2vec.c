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
 * both word2vec and fastText count them) / wall seconds; also the CPU seconds
 * (user + system, all threads) of the run, steadier on a shared machine. bench/word2vec_ref.py
 * runs Debian's fastText on the same corpus and settings.
 *
 * Then the neural LM: one epoch of `word2vec nnlm` on 30k Bible tokens with
 * the PTB configuration (order 5, embed 64, hidden 128, batch 128), reporting
 * its training tokens per second (the tok_per_s of its metrics.tsv).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "util.h"

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
    int reps = 1;   /* one run per process: bench.sh repeats it once per round */
    bench_options(argc, argv, "word2vec", &threads, &reps);
    char bin[1024], out[256], th[16];
    const char *train = "data/cache/bible/words.train.txt";
    stage_binary(bin, sizeof bin, "word2vec");
    snprintf(out, sizeof out, "/tmp/bench-word2vec-%ld.bin", (long)getpid());
    snprintf(th, sizeof th, "%d", threads);
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
        double secs, cpu, rss;
        run_child_io(cmd, NULL, NULL, &secs, &cpu, &rss);
        printf("RESULT stage=bench bench=word2vec case=bible_%s_t%d impl=ours value=%.0f unit=words/s\n",
               models[k], threads, 5.0 * tokens / secs);
        printf("RESULT stage=bench bench=word2vec case=bible_%s_cpu_t%d impl=ours value=%.2f unit=s\n",
               models[k], threads, cpu);
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
