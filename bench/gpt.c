/*
 * bench/gpt.c -- Chapter 6's workload: one GPT training step (forward,
 * backward, clipping, AdamW) in tokens per second, through `bin/gpt bench`,
 * for nanoGPT's CPU "baby" config (4 layers, 4 heads, 128 wide, 12 x 64
 * tokens) and, when BENCH_GPT_CASES="baby gpt2", GPT-2 124M at 4 x 64 tokens
 * (seconds a step). bench/gpt_ref.py is PyTorch's side: the same model, batch
 * and optimizer. `bin/gpt bench` alone also prints GFLOP/s and KV-cache
 * generation speed.
 */
#include "bench.h"

int main(int argc, char **argv) {
    return stage_bench_main(argc, argv, "gpt", "--config", "BENCH_GPT_CASES", "baby");
}
