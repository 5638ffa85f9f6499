/*
 * bench/transformer.c -- Chapter 5's workload through `bin/transformer
 * bench`: one training step of the Multi30k Transformer (3 + 3 layers of d
 * 256, 8 heads, FFN 512, batch 128) in target tokens per second and in
 * GFLOP/s (beside the sgemm ceiling, measured by the same process), and greedy and beam-5 decoding with the key/value cache in
 * sentences per second. bench/transformer_ref.py is PyTorch's side:
 * nn.Transformer of the same size, the same batch, step and searches.
 * BENCH_TRANSFORMER_CASES picks the cases (default "train greedy beam");
 * --reps N, when given, is each case's number of timed runs (else its own
 * default: 10 steps, 3 decodes).
 */
#include "bench.h"

int main(int argc, char **argv) {
    int threads = 1, reps = 0;
    bench_options(argc, argv, "transformer", &threads, &reps);
    char bin[1024];
    stage_binary(bin, sizeof bin, "transformer");
    const char *cases = getenv("BENCH_TRANSFORMER_CASES");
    char list[256];
    snprintf(list, sizeof list, "%s", cases && *cases ? cases : "train greedy beam");
    for (char *save, *name = strtok_r(list, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
        int train = strcmp(name, "train") == 0;
        char args[512], line[2048];
        snprintf(args, sizeof args, "--case %s --threads %d%s", name, threads, train ? " --peak" : "");
        if (reps > 0) snprintf(args + strlen(args), sizeof args - strlen(args), " --reps %d", reps);
        stage_bench_line(bin, args, "bench", line, sizeof line);
        double value = result_field(line, train ? "tok_per_s" : "sent_per_s");
        if (value < 0) die("'%s bench %s' printed no %s", bin, args, train ? "tok_per_s" : "sent_per_s");
        printf("RESULT stage=bench bench=transformer case=%s_t%d impl=ours value=%.1f unit=%s\n", name, threads,
               value, train ? "tok/s" : "sent/s");
        if (!train) continue;
        /* the same step in floating-point operations per second (cmd_bench.c
         * counts them), and the ceiling of its products: the best 2048^3 sgemm */
        printf("RESULT stage=bench bench=transformer case=train_gflops_t%d impl=ours value=%.1f unit=GFLOP/s\n",
               threads, result_field(line, "gflop_s"));
        printf("RESULT stage=bench bench=transformer case=sgemm_ceiling_t%d impl=ours value=%.1f unit=GFLOP/s\n",
               threads, result_field(line, "sgemm_peak_gflop_s"));
    }
    return 0;
}
