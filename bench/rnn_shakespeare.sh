#!/usr/bin/env bash
# bench/rnn_shakespeare.sh -- Chapter 3's Tiny Shakespeare LSTM beside the
# same run in PyTorch: validation nats per character after the preset's 2,000
# steps (speed is bench/rnn.c's business).
#
#   BENCH_ONLY=rnn_shakespeare make bench
#
# Ours: bin/rnn lm-train --preset shakespeare-lstm --seed S (LSTM 2x128, T 50,
# B 50, Adam 2e-3, clip 5, U[-0.1, 0.1], 2,000 steps), its RESULT line's
# valid loss. PyTorch's: bench/rnn_shakespeare_torch.py --seed S, the same data
# split, batching, state carrying, initialisation, optimizer and evaluation
# with torch.nn.LSTM. The two draw different initialisations from the same
# seed, so they agree to within the spread of seeds, not exactly: for each
# seed of BENCH_SEEDS (default "1337", the preset's) both run, the per-seed
# losses go to stderr and the RESULT lines carry the mean. Threads:
# BENCH_RNN_THREADS (default 1, as the chapter ran). Needs python3-torch;
# without it the pytorch row says "absent".
set -euo pipefail

BIN=${BIN:-bin}
PYTHON=${PYTHON:-/usr/bin/python3}
T=${BENCH_RNN_THREADS:-1}
SEEDS=${BENCH_SEEDS:-1337}
note() { echo "rnn_shakespeare: $*" >&2; }
[ -x "$BIN/rnn" ] || { note "error: $BIN/rnn is not built (make rnn)"; exit 1; }
have_torch=0
"$PYTHON" -c 'import torch' 2>/dev/null && have_torch=1 || note "PyTorch: absent (apt-get install python3-torch)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-rnn-shakespeare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/ours"
: >"$tmp/pytorch"
for seed in $SEEDS; do
    out=$("$BIN/rnn" lm-train --preset shakespeare-lstm --seed "$seed" --threads "$T" --out "$tmp/run" --quiet 2>/dev/null)
    loss=$(sed -n 's/^RESULT .* split=valid .* loss=\([0-9.]*\).*/\1/p' <<<"$out" | tail -n 1)
    [ -n "$loss" ] || { note "error: no valid loss from rnn lm-train"; echo "$out" >&2; exit 1; }
    echo "$loss" >>"$tmp/ours"
    note "ours, seed $seed: valid $loss nats/char"
    rm -rf "$tmp/run"
    if [ $have_torch -eq 1 ]; then
        loss=$(OMP_NUM_THREADS=$T OPENBLAS_NUM_THREADS=$T "$PYTHON" bench/rnn_shakespeare_torch.py --threads "$T" \
                   --seed "$seed" | sed -n 's/^RESULT .* value=\([0-9.]*\).*/\1/p')
        [ -n "$loss" ] || { note "error: no valid loss from bench/rnn_shakespeare_torch.py"; exit 1; }
        echo "$loss" >>"$tmp/pytorch"
        note "PyTorch, seed $seed: valid $loss nats/char"
    fi
done
for impl in ours pytorch; do
    awk -v impl="$impl" '{ s += $1; n++ }
        END { printf "RESULT stage=bench bench=rnn_shakespeare case=lstm_valid_loss impl=%s value=%s unit=nats\n",
                     impl, n ? sprintf("%.4f", s / n) : "absent" }' "$tmp/$impl"
done
