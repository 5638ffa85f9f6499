/*
 * bench.h -- `transformer bench` (transformer/cmd_bench.c): the chapter's
 * speed for make bench (bench/transformer.c beside bench/transformer_ref.py,
 * PyTorch's nn.Transformer on the CPU). Takes the arguments after the
 * command's name and returns the exit status (bad usage exits 2).
 */
#ifndef TRANSFORMER_BENCH_H
#define TRANSFORMER_BENCH_H

int tf_cmd_bench(int argc, char **argv);

#endif
