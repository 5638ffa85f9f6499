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
        char cmd[1400], line[2048];
        char reps_opt[32] = "";
        if (reps > 0) snprintf(reps_opt, sizeof reps_opt, " --reps %d", reps);
        snprintf(cmd, sizeof cmd, "'%s' bench --case %s --threads %d%s", bin, name, threads, reps_opt);
        FILE *p = popen(cmd, "r");
        if (!p) die("cannot run '%s'", cmd);
        double value = -1;
        while (fgets(line, sizeof line, p))
            if (strncmp(line, "RESULT ", 7) == 0 && strstr(line, " task=bench"))
                value = result_field(line, beam ? "sent_per_s" : "tok_per_s");
        if (pclose(p) != 0 || value < 0) die("'%s' failed or printed no RESULT line", cmd);
        printf("RESULT stage=bench bench=seq2seq case=%s_t%d impl=ours value=%.1f unit=%s\n", name, threads, value,
               beam ? "sent/s" : "tok/s");
    }
    return 0;
}
