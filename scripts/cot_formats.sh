#!/usr/bin/env bash
# cot_formats.sh -- plain, reversed and scratchpad answers against the number
# of training examples (Lee et al. 2023, Fig. 1), grown from scratch
# (Chapter 6, gpt/prompting/COT.md).
#
# Usage:  scripts/cot_formats.sh [OUT_DIR (runs/gpt/cot-formats)]
#         EXAMPLES="500 2000" FORMATS="plain steps" scripts/cot_formats.sh
#
# For each format (default plain reversed steps) and number of distinct
# training examples (default 500 1000 2000 4000 8000): gpt cot-train --preset
# lee-FORMAT --examples N (the addition of two 3-digit numbers, one model
# shape and budget for all, one thread) scores 200 held-out problems zero-shot;
# the RESULT lines go to OUT_DIR/results.txt (a run already there is kept).
# Then OUT_DIR/acc_by_examples.tsv (examples, % accuracy per format), its plot
# OUT_DIR/acc_by_examples.png (scripts/plot.sh), and the table is printed.
set -eu
cd "$(dirname "$0")/.." || exit 1
OUT=${1:-runs/gpt/cot-formats}
FORMATS=${FORMATS:-plain reversed steps}
EXAMPLES=${EXAMPLES:-500 1000 2000 4000 8000}
GPT=${GPT:-bin/gpt}
[ -x "$GPT" ] || { echo "cot_formats: $GPT is missing: run make first" >&2; exit 1; }
mkdir -p "$OUT"
touch "$OUT/results.txt"

for n in $EXAMPLES; do
    for f in $FORMATS; do
        grep -q "format=$f examples=$n " "$OUT/results.txt" && continue
        "$GPT" cot-train --preset "lee-$f" --examples "$n" --threads 1 --quiet --out "$OUT/$f-$n" |
            grep '^RESULT' >> "$OUT/results.txt"
    done
done

awk -v formats="$FORMATS" '
    function field(k,   i) { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2) }
    /^RESULT/ {
        n = field("examples"); acc[n, field("format")] = 100 * field("acc")
        if (!(n in seen)) { seen[n] = 1; order[++rows] = n }
    }
    END {
        nf = split(formats, f, " ")
        printf "training examples"
        for (i = 1; i <= nf; i++) printf "\t%s", f[i]
        printf "\n"
        for (r = 1; r <= rows; r++) {   # by number of examples
            for (s = r + 1; s <= rows; s++) if (order[s] + 0 < order[r] + 0) { t = order[r]; order[r] = order[s]; order[s] = t }
            printf "%s", order[r]
            for (i = 1; i <= nf; i++) printf "\t%.1f", acc[order[r], f[i]]
            printf "\n"
        }
    }' "$OUT/results.txt" > "$OUT/acc_by_examples.tsv"
cat "$OUT/acc_by_examples.tsv"
scripts/plot.sh --bars --lines -o "$OUT/acc_by_examples.png" --ylabel "test accuracy (%)" --key "top left" \
    --title "3-digit addition: accuracy by answer format and training examples" "$OUT/acc_by_examples.tsv"
