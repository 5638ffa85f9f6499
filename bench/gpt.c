/*
 * bench/gpt.c -- Chapter 6's workload through `bin/gpt bench`: one GPT
 * training step (forward, backward, clipping, AdamW) in tokens per second,
 * and generation with the KV cache (a one-token prompt, the rest of the
 * 64-token context drawn from the full softmax at temperature 1) in tokens
 * per second, for nanoGPT's CPU "baby" config (4 layers, 4 heads, 128 wide,
 * 12 x 64 tokens) and, when BENCH_GPT_CASES="baby gpt2", GPT-2 124M at 4 x 64
 * tokens. bench/gpt_ref.py is PyTorch's side: the same model, batch,
 * optimizer and sampler, its own KV cache. Rows: CASE_tN (training) and
 * CASE_gen_tN (generation).
 */
#include "bench.h"

int main(int argc, char **argv) {
    int threads = 1, reps = 0;
    bench_options(argc, argv, "gpt", &threads, &reps);
    char bin[1024];
    stage_binary(bin, sizeof bin, "gpt");
    const char *cases = getenv("BENCH_GPT_CASES");
    char list[256];
    snprintf(list, sizeof list, "%s", cases && *cases ? cases : "baby");
    for (char *save, *name = strtok_r(list, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
        /* two runs: the training steps without generation, then generation
         * after the one timed step it needs */
        const char *task[2] = { "bench", "generate" }, *suffix[2] = { "", "_gen" };
        const char *what[2] = { "--gen 0", "--steps 1" };
        for (int k = 0; k < 2; k++) {
            char args[512], line[2048];
            snprintf(args, sizeof args, "--config %s --threads %d %s", name, threads, what[k]);
            stage_bench_line(bin, args, task[k], line, sizeof line);
            double tok_s = result_field(line, "tok_per_s");
            if (tok_s < 0) die("'%s bench %s' printed no tok_per_s", bin, args);
            printf("RESULT stage=bench bench=gpt case=%s%s_t%d impl=ours value=%.1f unit=tok/s\n", name, suffix[k],
                   threads, tok_s);
        }
    }
    return 0;
}
