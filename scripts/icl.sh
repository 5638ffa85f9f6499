#!/usr/bin/env bash
# icl.sh -- every number and figure of gpt/prompting/ICL.md, in order, on one
# thread: the three model sizes, GPT-3's Figure 1.2, the induction heads.
#
#   scripts/icl.sh            train what is missing, then evaluate and draw
#   scripts/icl.sh --copy     also copy the PNGs into gpt/prompting/
#
# Run from the repository root after `make gpt`. A size whose
# runs/gpt/icl-NAME/ckpt.bin exists is not trained again.
set -euo pipefail

copy=0
[ "${1:-}" = --copy ] && copy=1
gpt="nice -n 19 bin/gpt"
for size in small medium large; do
    [ -f "runs/gpt/icl-$size/ckpt.bin" ] || $gpt icl-train --preset "$size" --threads 1
done
$gpt icl-eval --preset fig1.2 --threads 1
$gpt icl-heads --preset induction --threads 1
if [ $copy = 1 ]; then
    cp runs/gpt/icl-fig1.2/acc_nodesc.png gpt/prompting/icl_fig1.2_nodesc.png
    cp runs/gpt/icl-fig1.2/acc_desc.png gpt/prompting/icl_fig1.2_desc.png
    cp runs/gpt/icl-induction/icl_score.png gpt/prompting/icl_score.png
    cp runs/gpt/icl-induction/loss.png gpt/prompting/icl_loss.png
    for size in small medium large; do
        cp "runs/gpt/icl-$size/attention.png" "gpt/prompting/icl_heads_$size.png"
    done
fi
