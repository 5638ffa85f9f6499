#!/usr/bin/env bash
# bench/gpt_llmc.sh -- does a checkpoint we convert to llm.c's format load in
# llm.c's own C trainer and give the same loss there as here?
#
#   BENCH_ONLY=gpt_llmc LLMC_DIR=~/src/llm.c make bench
#
# 1. `gpt train` a small GPT with biases on GPT-2's tokenizer (2 layers, 2
#    heads, 64 wide, context 64) for 60 steps on the first 50,000 characters
#    of Tiny Shakespeare, so its weights are trained, not an initialisation;
# 2. `gpt convert` it to llm.c's model file, and `gpt encode --out` the next
#    10,000 characters (validation) and the training text into llm.c's token
#    files; the validation file is cut to 1,281 tokens, the 5 batches of
#    4 x 64 (+1) that train_gpt2 averages its "val loss" over;
# 3. run llm.c's unmodified train_gpt2 (found in LLMC_DIR by bench/peers.sh)
#    in a folder holding those files under the names it opens
#    (gpt2_124M.bin, dev/data/tinyshakespeare/tiny_shakespeare_{train,val}.bin),
#    read its "val loss" (computed before any training step), and stop it
#    once step 0 is done;
# 4. score the same tokens with `gpt eval --context 64` (consecutive whole
#    windows, the same windows as llm.c's 5 x 4 rows) on our checkpoint and
#    on the converted llm.c file.
# (Its step-0 train loss is not comparable: train_gpt2 shuffles the training
# batches, so step 0 does not read the first tokens.)
#
# RESULT lines (bench=gpt_llmc, unit nats): val_loss for impl=ours (our
# checkpoint), impl=ours_llmc_file (the converted file read by us) and
# impl=llmc; "absent" for llm.c without LLMC_DIR.
# Environment: BIN (bin), LLMC_BIN (from bench/peers.sh), BENCH_THREADS' last.
set -euo pipefail

BIN=${BIN:-bin}
T=${BENCH_THREADS:-2}
T=${T##* }
LLMC=${LLMC_BIN:-}
note() { echo "gpt_llmc: $*" >&2; }
[ -x "$BIN/gpt" ] || { note "error: $BIN/gpt is not built (make gpt)"; exit 1; }

data=data/cache
[ -f "$data/tinyshakespeare/input.txt" ] || data=${NLP_DATA_DIR:-data/cache}
text=$data/tinyshakespeare/input.txt
vocab=$data/gpt2
[ -f "$text" ] && [ -f "$vocab/encoder.json" ] || { note "needs tinyshakespeare/ and gpt2/ (make data); skipped"; exit 0; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-gpt-llmc.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
head -c 50000 "$text" >"$tmp/train.txt"
head -c 60000 "$text" | tail -c 10000 >"$tmp/val.txt"

note "training a 2x2x64 GPT with biases on GPT-2 tokens, 60 steps"
"$BIN/gpt" train --layers 2 --heads 2 --width 64 --context 64 --bias 1 --vocab "$vocab" \
    --data "$tmp/train.txt" --val "$tmp/val.txt" --steps 60 --batch 8 --eval-interval 1000 \
    --eval-iters 1 --final-eval-iters 1 --threads "$T" --quiet --out "$tmp/run" >/dev/null 2>&1
run=$tmp/llmc
mkdir -p "$run/dev/data/tinyshakespeare"
"$BIN/gpt" convert --in "$tmp/run/ckpt.bin" --out "$run/gpt2_124M.bin" >/dev/null
tok=$run/dev/data/tinyshakespeare
"$BIN/gpt" encode --vocab "$vocab" --out "$tok/tiny_shakespeare_train.bin" "$tmp/train.txt" >/dev/null
"$BIN/gpt" encode --vocab "$vocab" --out "$tmp/val_all.bin" "$tmp/val.txt" >/dev/null

# llm.c token files: 256 int32 header (magic 20240520, version 1, count), uint16 ids
cut_tokens() {   # in out count
    python3 - "$@" <<'PY'
import struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, "rb").read()
head = list(struct.unpack("<256i", data[:1024]))
assert head[0] == 20240520 and head[2] >= n, "not an llm.c token file, or too short"
head[2] = n
open(dst, "wb").write(struct.pack("<256i", *head) + data[1024:1024 + 2 * n])
PY
}
cut_tokens "$tmp/val_all.bin" "$tok/tiny_shakespeare_val.bin" 1281

ours_loss() {   # model tokens
    "$BIN/gpt" eval --model "$1" --data "$2" --context 64 --threads "$T" |
        sed -n 's/^RESULT .* loss=\([0-9.]*\).*/\1/p'
}
emit() {   # case impl value
    echo "RESULT stage=bench bench=gpt_llmc case=$1_t$T impl=$2 value=$3 unit=nats"
}
emit val_loss ours "$(ours_loss "$tmp/run/ckpt.bin" "$tok/tiny_shakespeare_val.bin")"
emit val_loss ours_llmc_file "$(ours_loss "$run/gpt2_124M.bin" "$tok/tiny_shakespeare_val.bin")"

if [ -z "$LLMC" ]; then
    note "llm.c: absent (set LLMC_DIR to an llm.c checkout where \`make train_gpt2\` has run)"
    emit val_loss llmc absent
    exit 0
fi
# train_gpt2 prints "val loss X" before step 0 and "step 0: train loss Y (took Z ms)"
# after it; stop it there (its next lines would be more training steps). The
# process is ours: killed by its pid.
out=$tmp/llmc.out
(cd "$run" && OMP_NUM_THREADS=$T exec stdbuf -oL "$LLMC" >"$out" 2>&1) &
pid=$!
while kill -0 "$pid" 2>/dev/null && ! grep -q '^step 0:' "$out"; do sleep 0.5; done
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
grep -E '^(num_parameters|vocab_size|padded_vocab_size|val loss|step 0)' "$out" | sed 's/^/gpt_llmc: llm.c: /' >&2
val=$(sed -n 's/^val loss \([0-9.]*\).*/\1/p' "$out" | head -n 1)
[ -n "$val" ] || { note "error: llm.c's train_gpt2 printed no val loss"; cat "$out" >&2; exit 1; }
emit val_loss llmc "$val"
