#!/usr/bin/env bash
# bench/rnn_shakespeare.sh -- Chapter 3's Tiny Shakespeare LSTM beside the
# same run in PyTorch: validation nats per character after the preset's 2,000
# steps (speed is bench/rnn.c's business).
#
#   BENCH_ONLY=rnn_shakespeare make bench
#
# Ours: bin/rnn lm-train --preset shakespeare-lstm (LSTM 2x128, T 50, B 50,
# Adam 2e-3, clip 5, U[-0.1, 0.1], 2,000 steps, seed 1337), its RESULT line's
# valid loss. PyTorch's: bench/rnn_shakespeare_torch.py, the same data split,
# batching, state carrying, initialisation, optimizer and evaluation with
# torch.nn.LSTM. One run each (one seed: the two runs draw different
# initialisations, so agreement is to within a seed's spread, not exact),
# on BENCH_THREADS' last count of threads (default 1 here, as the chapter ran).
# Needs python3-torch; without it the pytorch rows say "absent".
set -euo pipefail

BIN=${BIN:-bin}
PYTHON=${PYTHON:-/usr/bin/python3}
T=${BENCH_RNN_THREADS:-1}
note() { echo "rnn_shakespeare: $*" >&2; }
[ -x "$BIN/rnn" ] || { note "error: $BIN/rnn is not built (make rnn)"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-rnn-shakespeare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
t0=$(date +%s.%N)
out=$("$BIN/rnn" lm-train --preset shakespeare-lstm --threads "$T" --out "$tmp/run" --quiet 2>/dev/null)
t1=$(date +%s.%N)
loss=$(sed -n 's/^RESULT .* split=valid .* loss=\([0-9.]*\).*/\1/p' <<<"$out" | tail -n 1)
[ -n "$loss" ] || { note "error: no valid loss from rnn lm-train"; echo "$out" >&2; exit 1; }
note "ours: valid $loss nats/char ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }') s wall)"
echo "RESULT stage=bench bench=rnn_shakespeare case=lstm_valid_loss impl=ours value=$loss unit=nats"

if "$PYTHON" -c 'import torch' 2>/dev/null; then
    OMP_NUM_THREADS=$T OPENBLAS_NUM_THREADS=$T "$PYTHON" bench/rnn_shakespeare_torch.py --threads "$T" | grep '^RESULT ' |
        tee /dev/stderr
else
    note "PyTorch: absent (apt-get install python3-torch)"
    echo "RESULT stage=bench bench=rnn_shakespeare case=lstm_valid_loss impl=pytorch value=absent unit=nats"
fi
