#!/usr/bin/env bash
# cot_sizes.sh -- chain of thought against model size (Wei et al. 2022, Fig. 4),
# grown from scratch (Chapter 6, gpt/prompting/COT.md).
#
# Usage:  scripts/cot_sizes.sh [OUT_DIR (runs/gpt/cot-sizes)]
#         SIZES="cot-tiny cot-large" PROBLEMS=100 scripts/cot_sizes.sh
#         TASK=add3 scripts/cot_sizes.sh runs/gpt/cot-add3
#
# 1. For each size preset (default cot-tiny cot-small cot-medium cot-large:
#    2x32, 2x64, 3x96, 4x128, ~36k to ~830k parameters): gpt cot-train on the
#    same mixture (sums of five one-digit numbers, half the documents with
#    chain rationales), one thread. Skipped when OUT_DIR/PRESET/ckpt.bin exists.
#    TASK=add3: the same sizes and budget on two 3-digit numbers with column
#    steps as the rationale (--operands 2 --digits 3 --rationale steps), a sum
#    whose direct answer none of these models learns.
# 2. gpt cot-eval --mode all on PROBLEMS held-out problems (default 200):
#    2-shot direct, 2-shot chain of thought, zero-shot, zero-shot trigger and
#    self-consistency (5 chains), into OUT_DIR/PRESET/eval.txt (skipped when
#    it exists); all the RESULT lines are gathered in OUT_DIR/results.txt.
# 3. OUT_DIR/acc_by_size.tsv (params, then % accuracy per mode) and its plot
#    OUT_DIR/acc_by_size.png (scripts/plot.sh); the table is printed.
set -eu
cd "$(dirname "$0")/.." || exit 1
OUT=${1:-runs/gpt/cot-sizes}
SIZES=${SIZES:-cot-tiny cot-small cot-medium cot-large}
PROBLEMS=${PROBLEMS:-200}
GPT=${GPT:-bin/gpt}
case ${TASK:-sum5} in
    sum5) TASK_ARGS=""; TITLE="sums of five one-digit numbers" ;;
    add3) TASK_ARGS="--operands 2 --digits 3 --rationale steps"; TITLE="3-digit additions" ;;
    *) echo "cot_sizes: unknown TASK '$TASK' (sum5 or add3)" >&2; exit 2 ;;
esac
[ -x "$GPT" ] || { echo "cot_sizes: $GPT is missing: run make first" >&2; exit 1; }
mkdir -p "$OUT"

for p in $SIZES; do
    # shellcheck disable=SC2086   # TASK_ARGS is several words
    [ -f "$OUT/$p/ckpt.bin" ] || "$GPT" cot-train --preset "$p" $TASK_ARGS --eval-problems 0 --threads 1 --quiet --out "$OUT/$p"
    if [ ! -s "$OUT/$p/eval.txt" ]; then
        "$GPT" cot-eval --model "$OUT/$p/ckpt.bin" --problems "$PROBLEMS" --threads 1 | grep '^RESULT' > "$OUT/$p/eval.tmp"
        mv "$OUT/$p/eval.tmp" "$OUT/$p/eval.txt"
    fi
done
for p in $SIZES; do cat "$OUT/$p/eval.txt"; done > "$OUT/results.txt"

awk '
    function field(k,   i) { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2) }
    /^RESULT/ {
        m = field("params"); mode = field("mode"); acc[m, mode] = 100 * field("acc")
        if (!(m in seen)) { seen[m] = 1; order[++rows] = m }
    }
    END {
        print "params\tdirect (2-shot)\tchain of thought (2-shot)\tzero-shot\tzero-shot trigger\tself-consistency"
        for (r = 1; r <= rows; r++) {
            m = order[r]
            printf "%dk\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\n", m / 1000 + 0.5, acc[m, "direct"], acc[m, "cot"],
                   acc[m, "zero-shot"], acc[m, "trigger"], acc[m, "sc"]
        }
    }' "$OUT/results.txt" > "$OUT/acc_by_size.tsv"
cat "$OUT/acc_by_size.tsv"
scripts/plot.sh --bars --lines -o "$OUT/acc_by_size.png" --ylabel "test accuracy (%)" --key "top left" \
    --title "$TITLE: accuracy by prompt and model size" "$OUT/acc_by_size.tsv"
