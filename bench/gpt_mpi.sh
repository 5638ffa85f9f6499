#!/usr/bin/env bash
# bench/gpt_mpi.sh -- data parallelism on this machine (gpt/SCALING.md): the
# baby GPT (shakespeare-char, BENCH_MPI_STEPS steps, default 40) trained by
# 2 ranks x 1 thread (ours) beside 1 process x 2 threads, tokens per second;
# and the all-reduce of the baby's gradients, median of 21 (ours) beside the
# ring model's time on a 10 Gbit/s link. Then GPT-2 124M, randomly
# initialised, at 4 x 64 tokens a step (`gpt bench --config gpt2`,
# BENCH_MPI_GPT2_STEPS timed steps after 2 warm-up ones, default 3): the same
# two tokens per second, the all-reduce of its 124M gradients inside the step
# (median) beside the ring model, and with ZeRO stage 1 (--zero 1) its tokens
# per second and every rank's peak RSS beside plain data parallelism's
# (GNU time, when /usr/bin/time is there). BENCH_MPI_CASES="baby" skips GPT-2.
#
#   BENCH_ONLY=gpt_mpi make bench
#
# Builds the MPI variant (make MPI=1: build/release-mpi) and needs OpenMPI
# (scripts/deps.sh mpi); without mpirun every row says "absent". As root,
# mpirun gets --allow-run-as-root; --oversubscribe in any case.
set -euo pipefail

STEPS=${BENCH_MPI_STEPS:-40}
GPT2_STEPS=${BENCH_MPI_GPT2_STEPS:-3}
CASES=${BENCH_MPI_CASES:-baby gpt2}
MPI_BUILD=build/release-mpi
note() { echo "gpt_mpi: $*" >&2; }
row() { echo "RESULT stage=bench bench=gpt_mpi case=$1 impl=$2 value=$3 unit=$4"; }
if ! command -v mpirun >/dev/null 2>&1; then
    note "mpirun: absent (scripts/deps.sh mpi)"
    row baby ours absent tok/s
    row allreduce_baby ours absent ms
    row gpt2 ours absent tok/s
    row allreduce_gpt2 ours absent ms
    exit 0
fi
make --no-print-directory MPI=1 "$MPI_BUILD/bin/gpt" "$MPI_BUILD/tests/mpi_gpt" >&2
MPIRUN=(mpirun --oversubscribe -np 2)
[ "$(id -u)" -ne 0 ] || MPIRUN=(mpirun --allow-run-as-root --oversubscribe -np 2)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-gpt-mpi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# The ring model's all-reduce of FLOATS floats on 2 ranks over 10 Gbit/s, in ms.
ring_ms() { awk -v p="$1" 'BEGIN { printf "%.3f", 1e3 * 2 * (2 - 1) / 2 * 4 * p / (10e9 / 8) }'; }

if [[ " $CASES " == *" baby "* ]]; then
    args=(train --preset shakespeare-char --steps "$STEPS" --eval-every 0 --final-eval-batches 0 --quiet)
    tokens_per_s() { sed -n 's/^gpt: trained .*, \([0-9]*\) tokens\/s).*/\1/p'; }
    two=$("${MPIRUN[@]}" "$MPI_BUILD/bin/gpt" "${args[@]}" --out "$tmp/ranks" | tee "$tmp/ranks.log" | tokens_per_s)
    one=$("$MPI_BUILD/bin/gpt" "${args[@]}" --threads 2 --out "$tmp/one" | tokens_per_s)
    note "$(grep 'all-reduce' "$tmp/ranks.log")"
    row baby ours "$two" tok/s
    row baby 1proc_2threads "$one" tok/s

    floats=804096   # the baby's parameters
    ms=$("${MPIRUN[@]}" "$MPI_BUILD/tests/mpi_gpt" allreduce $floats 21 | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
    row allreduce_baby ours "$ms" ms
    row allreduce_baby ring_model_10gbit "$(ring_ms $floats)" ms
fi

[[ " $CASES " == *" gpt2 "* ]] || exit 0
# `gpt bench` prints key=value RESULT fields; rank 0's line, and each rank's peak RSS
field() { sed -n "s/^RESULT .* $1=\([^ ]*\).*/\1/p" | head -1; }
timed=()
[ -x /usr/bin/time ] && timed=(/usr/bin/time -f "peak_rss_kb=%M")
bench=(bench --config gpt2 --steps "$GPT2_STEPS" --gen 0)
"${MPIRUN[@]}" "${timed[@]}" "$MPI_BUILD/bin/gpt" "${bench[@]}" > "$tmp/g2.log" 2> "$tmp/g2.err"
"${MPIRUN[@]}" "${timed[@]}" "$MPI_BUILD/bin/gpt" "${bench[@]}" --zero 1 > "$tmp/g2z.log" 2> "$tmp/g2z.err"
"$MPI_BUILD/bin/gpt" "${bench[@]}" --threads 2 > "$tmp/g1.log"
note "gpt2, 2 ranks: $(cat "$tmp/g2.log")"
note "gpt2, 2 ranks, ZeRO-1: $(cat "$tmp/g2z.log")"
note "gpt2, 1 process: $(cat "$tmp/g1.log")"
row gpt2 ours "$(field tok_per_s < "$tmp/g2.log")" tok/s
row gpt2 1proc_2threads "$(field tok_per_s < "$tmp/g1.log")" tok/s
row gpt2_zero1 ours "$(field tok_per_s < "$tmp/g2z.log")" tok/s
row allreduce_gpt2 ours "$(field comm_ms_per_step < "$tmp/g2.log")" ms
row allreduce_gpt2 ring_model_10gbit "$(ring_ms "$(field params < "$tmp/g2.log")")" ms
if [ ${#timed[@]} -gt 0 ]; then   # the larger of the two ranks' peaks, in MB
    peak_mb() { sed -n 's/^peak_rss_kb=//p' "$1" | sort -n | tail -1 | awk '{ printf "%.0f", $1 * 1024 / 1e6 }'; }
    row gpt2_peak_rss ours "$(peak_mb "$tmp/g2.err")" MB
    row gpt2_peak_rss ours_zero1 "$(peak_mb "$tmp/g2z.err")" MB
fi
