/*
 * bench/seq2seq.c -- Chapter 4's workload through `bin/seq2seq bench`: one
 * training step of the Multi30k Bahdanau model (bi-GRU 512 encoder, GRU 512
 * decoder, batch 64) in target tokens per second, and beam search (beam 5)
 * in sentences per second. bench/seq2seq_ref.py is the same model in
 * PyTorch, timing the same batch, step and search. BENCH_SEQ2SEQ_CASES picks
 * the cases (default "train beam"); --reps N, when given, is each case's
 * number of timed runs (else its own default: 10 steps, 3 decodes).
 */
#include "bench.h"

int main(int argc, char **argv) {
    int threads = 1, reps = 0;
    bench_options(argc, argv, "seq2seq", &threads, &reps);
    char bin[1024];
    stage_binary(bin, sizeof bin, "seq2seq");
    const char *cases = getenv("BENCH_SEQ2SEQ_CASES");
    char list[256];
    snprintf(list, sizeof list, "%s", cases && *cases ? cases : "train beam");
    for (char *save, *name = strtok_r(list, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
        int beam = strcmp(name, "beam") == 0;
        char args[512], line[2048];
        snprintf(args, sizeof args, "--case %s --threads %d", name, threads);
        if (reps > 0) snprintf(args + strlen(args), sizeof args - strlen(args), " --reps %d", reps);
        stage_bench_line(bin, args, "bench", line, sizeof line);
        double value = result_field(line, beam ? "sent_per_s" : "tok_per_s");
        if (value < 0) die("'%s bench %s' printed no %s", bin, args, beam ? "sent_per_s" : "tok_per_s");
        printf("RESULT stage=bench bench=seq2seq case=%s_t%d impl=ours value=%.1f unit=%s\n", name, threads, value,
               beam ? "sent/s" : "tok/s");
    }
    return 0;
}
