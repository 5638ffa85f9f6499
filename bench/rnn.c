/*
 * bench/rnn.c -- Chapter 3's workload: one LSTM language-model training step
 * (forward, cross-entropy, backward, clip, optimizer) in tokens per second,
 * through `bin/rnn bench`: char = char-rnn's default (2 x 128, V 65, seq 50,
 * batch 50, Adam), ptb = Zaremba's small (2 x 200, V 10000, seq 20, batch 20,
 * SGD). bench/rnn_ref.py is PyTorch's nn.LSTM side. BENCH_RNN_CASES picks
 * the cases (default "char ptb").
 */
#include "bench.h"

int main(int argc, char **argv) {
    return stage_bench_main(argc, argv, "rnn", "--case", "BENCH_RNN_CASES", "char ptb");
}
