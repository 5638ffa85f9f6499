#!/usr/bin/env bash
# finetune_gain.sh -- GPT-1's paradigm measured on the Bible (Chapter 6):
# pretrain a GPT on the unlabelled training verses, fine-tune it on a few
# labelled ones (verse -> its division of the Bible, 8 classes), and compare
# with the same network fine-tuned from random weights, over several seeds.
#
# Usage:  scripts/finetune_gain.sh [OUT_DIR (runs/gpt/finetune-gain)]
#         SIZES="250 1000 4000" SEEDS="1 2 3" EPOCHS=3 scripts/finetune_gain.sh
#         TASK=sst2 MODEL=runs/gpt/ptb-sst/ckpt.bin SIZES="500 2000 0" \
#             scripts/finetune_gain.sh runs/gpt/finetune-gain-sst2
#
# MODEL, a pretrained checkpoint, replaces steps 1 and 2 (TASK=sst2 needs
# one: `bin/gpt train --preset ptb-sst`); a size of 0 means every example.
#
# 1. A byte-level BPE vocabulary of 2,048 tokens on the training verses
#    (gpt bpe-train; the demo's model vocabulary).
# 2. The body: 4 layers, 4 heads, 128 wide, context 64, dropout 0.1, 4,000
#    steps of 12 x 64 tokens (about 3 passes over the 1.04M tokens of all
#    27,992 training verses; labels never seen), one thread, ~5 minutes.
#    Skipped when OUT_DIR/pretrain/ckpt.bin exists.
# 3. For each labelled-set size N and seed: gpt finetune --max-train N (the
#    Bible: N verses spread evenly over the books; SST-2: the first N
#    sentences) with the defaults (batch 16,
#    lr 5e-4, dropout 0.1) and EPOCHS passes (default 3, as GPT-1); the
#    seed draws the head, the shuffles, the dropout masks and the control's
#    random body.
# 4. Prints a Markdown table: mean test accuracy (and the sample standard
#    deviation over seeds) of both arms and the gain, then the same numbers
#    as one RESULT line per N (task=finetune-gain, for the README tables of
#    scripts/results.sh); the runs' RESULT lines are kept in OUT_DIR/results.txt.
set -eu
cd "$(dirname "$0")/.." || exit 1
OUT=${1:-runs/gpt/finetune-gain}
SIZES=${SIZES:-250 1000 4000}
SEEDS=${SEEDS:-1 2 3}
EPOCHS=${EPOCHS:-3}
TASK=${TASK:-bible}
MODEL=${MODEL:-$OUT/pretrain/ckpt.bin}
GPT=${GPT:-bin/gpt}
[ -x "$GPT" ] || { echo "finetune_gain: $GPT is missing: run make first" >&2; exit 1; }
mkdir -p "$OUT"

if [ ! -f "$MODEL" ]; then
    if [ "$TASK" != bible ]; then
        echo "finetune_gain: no pretrained model '$MODEL' for TASK=$TASK (give MODEL=FILE)" >&2
        exit 1
    fi
    VERSES=data/cache/bible
    [ -f $VERSES/chars.train.txt ] || { echo "finetune_gain: $VERSES is missing: run make data" >&2; exit 1; }
    "$GPT" bpe-train --data $VERSES/chars.train.txt --vocab-size 2048 --out "$OUT/bpe" --quiet
    "$GPT" train --data $VERSES/chars.train.txt --valid $VERSES/chars.valid.txt --vocab "$OUT/bpe" \
        --dropout 0.1 --steps 4000 --eval-every 500 --threads 1 --quiet --out "$OUT/pretrain"
fi

: > "$OUT/results.txt"
for n in $SIZES; do
    for seed in $SEEDS; do
        "$GPT" finetune --model "$MODEL" --task "$TASK" --max-train "$n" --seed "$seed" \
            --epochs "$EPOCHS" --threads 1 --quiet | grep '^RESULT' | sed "s/\$/ seed=$seed/" >> "$OUT/results.txt"
    done
done

# the table: one row per N, mean (sd) of acc= for each init=; then a RESULT line per N
awk -v task="$TASK" '
    function field(k,   i) { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2) }
    /^RESULT/ {
        n = field("train_examples"); arm = field("init"); a = 100 * field("acc")
        key = n SUBSEP arm; s[key] += a; ss[key] += a * a; c[key]++
        if (!(n in seen)) { seen[n] = 1; order[++rows] = n }
    }
    function mean(k) { return s[k] / c[k] }
    function sd(k) { return c[k] > 1 ? sqrt((ss[k] - s[k] * s[k] / c[k]) / (c[k] - 1)) : 0 }
    END {
        print "| labelled examples | pretrained: test % | from scratch: test % | gain | seeds |"
        print "|---|---|---|---|---|"
        for (r = 1; r <= rows; r++) {
            n = order[r]; p = n SUBSEP "pretrained"; q = n SUBSEP "scratch"
            printf "| %s | %.1f (%.1f) | %.1f (%.1f) | %+.1f | %d |\n", n, mean(p), sd(p), mean(q), sd(q),
                   mean(p) - mean(q), c[p]
        }
        for (r = 1; r <= rows; r++) {
            n = order[r]; p = n SUBSEP "pretrained"; q = n SUBSEP "scratch"
            printf "RESULT stage=gpt task=finetune-gain data=%s train_examples=%s seeds=%d acc_pretrained=%.1f sd_pretrained=%.1f acc_scratch=%.1f sd_scratch=%.1f gain=%.1f\n",
                   task, n, c[p], mean(p), sd(p), mean(q), sd(q), mean(p) - mean(q)
        }
    }' "$OUT/results.txt"
