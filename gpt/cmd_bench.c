/*
 * cmd_bench.c -- `gpt bench`: the median time of a training step (forward,
 * backward, clipping, AdamW) on random tokens, and KV-cache generation speed,
 * at nanoGPT's baby shape or GPT-2 124M's; RESULT lines for make bench.
 */
#include "gpt/commands.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "gpt/generate.h"
#include "matmul.h"
#include "metrics.h"
#include "optim.h"
#include "util.h"
#include "zero.h"

static const char bench_usage[] =
    "Usage: gpt bench [options]\n"
    "Time training steps (forward, backward, AdamW) on random tokens, and generation with\n"
    "the KV cache; prints one RESULT line per measurement (median step time).\n"
    "\n"
    "  --config NAME     baby (nanoGPT's CPU recipe: 4x4x128, T=64, B=12, V=65) or\n"
    "                    gpt2 (GPT-2 124M: 12x12x768, V=50257, at B=4 x T=64) (default baby)\n"
    "  --steps N         timed steps after 2 warm-up steps (default 10)\n"
    "  --gen N           tokens of context to fill for the KV-cache timing: a one-token\n"
    "                    prompt and N-1 drawn, median of 5 runs (default 64, 0 skips)\n"
    "  --zero 0|1        under mpirun, 1: ZeRO stage 1 (AdamW's state sharded, gpt/SCALING.md)\n"
    "  --threads N\n"
    "Under mpirun (a `make MPI=1` build) the ranks share the batch as `gpt train` does\n"
    "(each B/n sequences, one all-reduce of the gradients a step); rank 0 prints, with the\n"
    "median all-reduce time of a step (bench/gpt_mpi.sh).\n";

static double median(double *x, int n) {
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && x[j - 1] > x[j]; j--) {
            double t = x[j];
            x[j] = x[j - 1];
            x[j - 1] = t;
        }
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

int gpt_cmd_bench(int argc, char **argv) {
    static const char *const configs[] = {"baby", "gpt2", NULL};
    int config = 0, steps = 10, gen = 64, threads = 0, zero = 0;
    const CliOption opts[] = {
        CLI_THREADS(&threads),
        {.name = "config", .type = CLI_CHOICE, .dst = &config, .choices = configs},
        CLI_OPT("steps", CLI_INT, &steps, 1, 100000),   /* timed steps: a median needs one */
        CLI_OPT("gen", CLI_INT, &gen, 0, 100000),
        CLI_OPT("zero", CLI_INT, &zero, 0, 1),
        CLI_END};
    gpt_cli_parse(&(CliSpec){.usage = bench_usage, .options = opts}, argc, argv, 0);
    if (threads) set_threads(threads);
    GptConfig cfg;
    int B, T;
    if (config == 0) {   /* baby */
        cfg = (GptConfig){.max_seq_len = 64, .vocab_size = 65, .n_layer = 4, .n_head = 4, .channels = 128};
        B = 12, T = 64;
    } else {             /* gpt2 */
        cfg = (GptConfig){.max_seq_len = 1024, .vocab_size = 50257, .n_layer = 12, .n_head = 12, .channels = 768,
                          .bias = 1};
        B = 4, T = 64;
    }
    int ranks = dist_size(), Bl = B / ranks;   /* this rank's rows of the batch */
    if (B % ranks) die("bench: the batch %d does not divide among %d ranks", B, ranks);
    Gpt m;
    gpt_build(&m, &cfg);
    gpt_init_weights(&m, 1);
    gpt_alloc_acts(&m, Bl, T);
    int *x = xmalloc((size_t)B * T * sizeof(int)), *y = xmalloc((size_t)B * T * sizeof(int));
    Rng r;
    rng_seed(&r, 1, 0);
    for (int i = 0; i < B * T; i++) x[i] = (int)rng_below(&r, (uint32_t)cfg.vocab_size);
    for (int i = 0; i < B * T; i++) y[i] = (int)rng_below(&r, (uint32_t)cfg.vocab_size);
    AdamConfig ac = {.beta1 = 0.9f, .beta2 = 0.99f, .eps = 1e-8f, .weight_decay = 0.1f, .decoupled = 1};
    ZeroShard z;
    if (zero) zero_init(&z, &m.pt);
    double *ms = xmalloc((size_t)steps * sizeof(double)), *comm = xmalloc((size_t)steps * sizeof(double));
    const int *xl = x + (size_t)dist_rank() * Bl * T, *yl = y + (size_t)dist_rank() * Bl * T;
    m.training = 1;
    for (int s = -2; s < steps; s++) {
        dist_barrier();   /* every rank starts the step together: the all-reduce then times the transfer */
        double t0 = now_seconds(), c0 = dist_comm_seconds();
        params_zero_grad(&m.pt);
        gpt_forward(&m, xl, yl, Bl, T);
        gpt_backward(&m, 1.0f / (float)ranks);
        dist_allreduce_sum(m.pt.grads, m.pt.total);
        clip_grad_norm(&m.pt, 1.0f);
        if (zero) zero_adam_step(&z, &m.pt, &ac, 1e-4f, s + 3);
        else adam_step(&m.pt, &ac, 1e-4f, s + 3);
        if (s >= 0) ms[s] = 1e3 * (now_seconds() - t0), comm[s] = 1e3 * (dist_comm_seconds() - c0);
    }
    double med = median(ms, steps), comm_med = median(comm, steps);
    if (zero) zero_free(&z);
    /* FLOPs of a step: 6 per parameter per token in the matmuls (forward 2,
     * backward 4), plus attention's two (T,T) products per head: 12 L T^2 C per sequence */
    size_t P = params_count(&m.pt) - (size_t)cfg.max_seq_len * cfg.channels;   /* wpe is a lookup */
    double flops = 6.0 * (double)P * B * T + 12.0 * cfg.n_layer * (double)B * T * T * cfg.channels;
    result_begin("gpt");
    result_str("task", "bench");
    result_str("config", configs[config]);
    result_int("threads", get_threads());
    if (ranks > 1) result_int("ranks", ranks);
    if (zero) result_int("zero", zero);
    result_int("batch", B);
    result_int("context", T);
    result_int("params", (long long)params_count(&m.pt));
    result_num("ms_per_step", med, 2);
    result_num("tok_per_s", B * T / (med / 1e3), 0);
    result_num("mflop_per_tok", flops / (B * T) / 1e6, 3);
    result_num("gflop_s", flops / (med / 1e3) / 1e9, 1);
    if (ranks > 1) result_num("comm_ms_per_step", comm_med, 2);
    result_end();
    if (gen > 0) {
        GptCache cache;
        gpt_cache_init(&cache, &m);
        int n = gen < cfg.max_seq_len ? gen : cfg.max_seq_len;
        SamplerConfig sc = {.temperature = 1.0f, .top_k = 0, .top_p = 1.0f};
        /* one token of prompt, the rest of the context drawn from the full
         * softmax (bench/gpt_ref.py draws PyTorch's the same way); the median of 5 */
        double secs[5];
        int made = 0;
        for (int k = 0; k < 5; k++) {
            double t0 = now_seconds();
            made = gpt_generate(&m, &cache, x, 1, n - 1, &sc, &r, 1, -1, NULL, NULL);
            secs[k] = now_seconds() - t0;
        }
        double med_s = median(secs, 5);
        result_begin("gpt");
        result_str("task", "generate");
        result_str("config", configs[config]);
        result_int("threads", get_threads());
        result_int("tokens", made);
        result_num("tok_per_s", made / (med_s > 0 ? med_s : 1e-9), 1);
        result_end();
        gpt_cache_free(&cache);
    }
    free(ms);
    free(comm);
    free(x);
    free(y);
    gpt_free(&m);
    return 0;
}

