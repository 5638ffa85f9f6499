#!/usr/bin/env bash
# bench/gpt_mpi.sh -- data parallelism on this machine (gpt/SCALING.md): the
# baby GPT (shakespeare-char, BENCH_MPI_STEPS steps, default 40) trained by
# 2 ranks x 1 thread (ours) beside 1 process x 2 threads, tokens per second;
# and the all-reduce of the baby's gradients, median of 21 (ours) beside the
# ring model's time on a 10 Gbit/s link.
#
#   BENCH_ONLY=gpt_mpi make bench
#
# Builds the MPI variant (make MPI=1: build/release-mpi) and needs OpenMPI
# (scripts/deps.sh mpi); without mpirun every row says "absent". As root,
# mpirun gets --allow-run-as-root; --oversubscribe in any case.
set -euo pipefail

STEPS=${BENCH_MPI_STEPS:-40}
MPI_BUILD=build/release-mpi
note() { echo "gpt_mpi: $*" >&2; }
row() { echo "RESULT stage=bench bench=gpt_mpi case=$1 impl=$2 value=$3 unit=$4"; }
if ! command -v mpirun >/dev/null 2>&1; then
    note "mpirun: absent (scripts/deps.sh mpi)"
    row baby ours absent tok/s
    row allreduce_baby ours absent ms
    exit 0
fi
make --no-print-directory MPI=1 "$MPI_BUILD/bin/gpt" "$MPI_BUILD/tests/mpi_gpt" >&2
MPIRUN=(mpirun --oversubscribe -np 2)
[ "$(id -u)" -ne 0 ] || MPIRUN=(mpirun --allow-run-as-root --oversubscribe -np 2)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-gpt-mpi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
args=(train --preset shakespeare-char --steps "$STEPS" --eval-every 0 --final-eval-batches 0 --quiet)
tokens_per_s() { sed -n 's/^gpt: trained .*, \([0-9]*\) tokens\/s).*/\1/p'; }
two=$("${MPIRUN[@]}" "$MPI_BUILD/bin/gpt" "${args[@]}" --out "$tmp/ranks" | tee "$tmp/ranks.log" | tokens_per_s)
one=$("$MPI_BUILD/bin/gpt" "${args[@]}" --threads 2 --out "$tmp/one" | tokens_per_s)
note "$(grep 'all-reduce' "$tmp/ranks.log")"
row baby ours "$two" tok/s
row baby 1proc_2threads "$one" tok/s

floats=804096   # the baby's parameters
ms=$("${MPIRUN[@]}" "$MPI_BUILD/tests/mpi_gpt" allreduce $floats 21 | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
model=$(awk -v p=$floats 'BEGIN { printf "%.3f", 1e3 * 2 * (2 - 1) / 2 * 4 * p / (10e9 / 8) }')
row allreduce_baby ours "$ms" ms
row allreduce_baby ring_model_10gbit "$model" ms
