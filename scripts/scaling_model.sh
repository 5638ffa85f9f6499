#!/usr/bin/env bash
# The data-parallel scaling model of gpt/SCALING.md, on paper:
#
#   scripts/scaling_model.sh [GFLOPS]
#
# For each model (parameters P, tokens per optimizer step), n ranks and a link
# of L Gbit/s, with a global batch that does not depend on n:
#   compute per rank  t_c = 6 P tokens / n / F       (forward + backward, Kaplan et al. 2020)
#   all-reduce        t_a = 2 (n-1)/n * 4 P bytes / (L/8)   (a ring: each rank sends and
#                     receives that much; latency left out)
#   efficiency        t_c / (t_c + t_a)   (our step does not overlap the two)
# F is the sustained rate of one rank, GFLOPS (default 58: the baby GPT on one
# thread of this machine, gpt/SCALING.md).
set -euo pipefail
F=${1:-58}
awk -v F="$F" 'BEGIN {
  split("shakespeare-char ptb gpt2-124M", name, " ")
  split("804096 3710016 124439808", P, " ")       # printed by gpt train (GPT-2: llm.c)
  split("768 1536 524288", tok, " ")              # batch x context of the presets; llm.c: 2^19
  split("2 8 64", ranks, " ")
  split("10 100", link, " ")
  printf "%-17s %11s %9s %5s %9s %12s %12s %10s\n", "model", "params", "tok/step", "ranks", "Gbit/s", "compute_ms", "allreduce_ms", "efficiency"
  for (m = 1; m <= 3; m++)
    for (l = 1; l <= 2; l++)
      for (r = 1; r <= 3; r++) {
        n = ranks[r]
        tc = 6 * P[m] * tok[m] / n / (F * 1e9)
        ta = 2 * (n - 1) / n * 4 * P[m] / (link[l] * 1e9 / 8)
        printf "%-17s %11d %9d %5d %9d %12.2f %12.2f %10.2f\n", name[m], P[m], tok[m], n, link[l], 1e3 * tc, 1e3 * ta, tc / (tc + ta)
      }
}'
