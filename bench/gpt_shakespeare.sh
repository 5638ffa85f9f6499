#!/usr/bin/env bash
# bench/gpt_shakespeare.sh -- Chapter 6's Tiny Shakespeare run beside the same
# recipe in PyTorch: nanoGPT's CPU recipe for characters, 2,000 steps, the
# validation loss over 200 random validation batches.
#
#   BENCH_ONLY=gpt_shakespeare make bench
#
# Ours: bin/gpt train --preset shakespeare-char (its RESULT line). PyTorch's:
# bench/gpt_shakespeare_torch.py, nanoGPT's loop (random batches, its
# initialisation, warm-up and cosine schedule, AdamW groups, clipping) around
# bench/gpt_ref.py's model. One seed each (BENCH_GPT_SEED, default 1337; the
# case name carries it, so runs with other seeds add rows):
# the two draw different batches and initialisations, so they agree to within
# a seed's spread (about 0.01 here), not exactly. Threads: BENCH_THREADS' last
# count (default 2, as the chapter ran). Needs python3-torch; without it the
# pytorch row says "absent".
set -euo pipefail

BIN=${BIN:-bin}
PYTHON=${PYTHON:-/usr/bin/python3}
T=${BENCH_THREADS:-2}
T=${T##* }
SEED=${BENCH_GPT_SEED:-1337}
note() { echo "gpt_shakespeare: $*" >&2; }
[ -x "$BIN/gpt" ] || { note "error: $BIN/gpt is not built (make gpt)"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-gpt-shakespeare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
out=$("$BIN/gpt" train --preset shakespeare-char --seed "$SEED" --threads "$T" --quiet --out "$tmp/run" 2>/dev/null)
loss=$(sed -n 's/^RESULT .* loss=\([0-9.]*\).*/\1/p' <<<"$out" | tail -n 1)
[ -n "$loss" ] || { note "error: no RESULT loss from gpt train"; echo "$out" >&2; exit 1; }
note "ours: val loss $loss (200 batches, seed $SEED)"
echo "RESULT stage=bench bench=gpt_shakespeare case=val_loss_200_seed$SEED impl=ours value=$loss unit=nats"

if "$PYTHON" -c 'import torch' 2>/dev/null; then
    OMP_NUM_THREADS=$T OPENBLAS_NUM_THREADS=$T "$PYTHON" bench/gpt_shakespeare_torch.py --seed "$SEED" \
        --threads "$T" | grep '^RESULT ' | while read -r line; do echo "$line"; note "$line"; done
else
    note "PyTorch: absent (apt-get install python3-torch)"
    echo "RESULT stage=bench bench=gpt_shakespeare case=val_loss_200_seed$SEED impl=pytorch value=absent unit=nats"
fi
