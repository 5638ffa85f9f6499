#!/usr/bin/env bash
# race.sh -- two or more translation runs side by side: the parallelism
# argument of Chapter 5 (the Transformer against Chapter 4's RNN with
# attention, on the same task and the same cores), as a table and one plot of
# validation loss against wall time.
#
#   scripts/race.sh -o OUT [--loss L] [--no-eval] NAME=STAGE:RUN_DIR NAME=STAGE:RUN_DIR ...
#
#   NAME      the label of a run in the table and the key ("bahdanau")
#   STAGE     the binary that trained it: seq2seq or transformer
#   RUN_DIR   its folder: metrics.tsv (train and valid rows per epoch, with
#             elapsed_s), config.txt (params=, threads=) and the model
#   --loss L  the validation loss whose first crossing is timed (default: the
#             highest of the runs' best validation losses, so every run
#             reaches it and the slowest learner's best is the mark)
#   --no-eval skip the test BLEU (each run's `STAGE eval`, greedy and beam 5)
#
# Writes OUT.tsv (one row per run), OUT.md (the same as a Markdown table) and
# OUT.png (validation loss against elapsed seconds, scripts/plot_curves.gp).
# An epoch's time is its train row's elapsed_s minus the previous epoch's
# valid row's: training only, the validation pass left out.
set -euo pipefail

prog=race.sh
here=$(cd "$(dirname "$0")" && pwd)
BIN=${BIN:-bin}

die()   { echo "$prog: error: $*" >&2; exit 1; }
usage() {
    [ $# -gt 0 ] && echo "$prog: error: $*" >&2
    echo "usage: scripts/race.sh -o OUT [--loss L] [--no-eval] NAME=STAGE:RUN_DIR NAME=STAGE:RUN_DIR ..." >&2
    exit 2
}

out='' mark='' eval=1
runs=()
while [ $# -gt 0 ]; do
    case "$1" in
        -o)        [ $# -ge 2 ] || usage "-o needs a path"; out=$2; shift 2 ;;
        --loss)    [ $# -ge 2 ] || usage "--loss needs a number"; mark=$2; shift 2 ;;
        --no-eval) eval=0; shift ;;
        -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*)        usage "unknown option '$1'" ;;
        *=*:*)     runs+=("$1"); shift ;;
        *)         usage "'$1' is not NAME=STAGE:RUN_DIR" ;;
    esac
done
[ -n "$out" ] || usage "-o OUT is required"
[ ${#runs[@]} -ge 2 ] || usage "give at least two runs"

# column NAME of a metrics.tsv's header -> its number (awk, 1-based)
col() { head -n 1 "$2" | tr '\t' '\n' | grep -nx "$1" | cut -d: -f1; }

names=() stages=() dirs=()
for r in "${runs[@]}"; do
    name=${r%%=*} rest=${r#*=}
    stage=${rest%%:*} dir=${rest#*:}
    case "$stage" in seq2seq|transformer) ;; *) die "$name: STAGE must be seq2seq or transformer, not '$stage'" ;; esac
    [ -f "$dir/metrics.tsv" ] || die "$name: $dir/metrics.tsv not found"
    [ -f "$dir/config.txt" ] || die "$name: $dir/config.txt not found"
    for c in split epoch loss elapsed_s; do
        [ -n "$(col "$c" "$dir/metrics.tsv")" ] || die "$dir/metrics.tsv has no '$c' column"
    done
    names+=("$name") stages+=("$stage") dirs+=("$dir")
done

best_loss() {   # the lowest valid loss of a run
    local f=$1/metrics.tsv
    awk -F'\t' -v s="$(col split "$f")" -v l="$(col loss "$f")" \
        'NR > 1 && $s == "valid" && (b == "" || $l < b) { b = $l } END { print b }' "$f"
}
if [ -z "$mark" ]; then
    for d in "${dirs[@]}"; do
        b=$(best_loss "$d")
        mark=$(awk -v a="$mark" -v b="$b" 'BEGIN { print (a == "" || b > a) ? b : a }')
    done
fi

tsv=$out.tsv md=$out.md
printf 'model\tparams\tthreads\tepochs\tsec_per_epoch\tbest_valid_loss\tsec_to_loss\tloss_mark\tbleu\tbleu_beam5\n' > "$tsv"
for i in "${!names[@]}"; do
    d=${dirs[$i]} f=${dirs[$i]}/metrics.tsv
    params=$(sed -n 's/^params *= *//p' "$d/config.txt" | head -n 1)
    threads=$(sed -n 's/^threads *= *//p' "$d/config.txt" | head -n 1)
    # per epoch: train-row elapsed minus the previous valid row's; the median of them
    per_epoch=$(awk -F'\t' -v s="$(col split "$f")" -v e="$(col elapsed_s "$f")" '
        NR > 1 && $s == "train" { print $e - last }
        NR > 1 && $s == "valid" { last = $e }' "$f" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "NaN"; else if (NR % 2) print v[(NR + 1) / 2];
                                  else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    epochs=$(awk -F'\t' -v s="$(col split "$f")" 'NR > 1 && $s == "valid" { n++ } END { print n + 0 }' "$f")
    reach=$(awk -F'\t' -v s="$(col split "$f")" -v l="$(col loss "$f")" -v e="$(col elapsed_s "$f")" -v m="$mark" '
        NR > 1 && $s == "valid" && $l <= m + 0 && t == "" { t = $e } END { print (t == "" ? "never" : t) }' "$f")
    bleu=NaN beam=NaN
    if [ "$eval" = 1 ]; then
        [ -x "$BIN/${stages[$i]}" ] || die "$BIN/${stages[$i]} is not built (make)"
        bleu=$("$BIN/${stages[$i]}" eval --model "$d" --split test 2>/dev/null | sed -n 's/^RESULT.* bleu=\([0-9.]*\).*/\1/p')
        beam=$("$BIN/${stages[$i]}" eval --model "$d" --split test --beam 5 2>/dev/null |
               sed -n 's/^RESULT.* bleu=\([0-9.]*\).*/\1/p')
    fi
    printf '%s\t%s\t%s\t%s\t%.0f\t%.3f\t%s\t%.3f\t%s\t%s\n' "${names[$i]}" "$params" "$threads" "$epochs" \
        "$per_epoch" "$(best_loss "$d")" "$reach" "$mark" "${bleu:-NaN}" "${beam:-NaN}" >> "$tsv"
done

{
    echo "| model | parameters | threads | epochs | s per epoch | best valid loss | s to valid loss $(printf '%.3f' "$mark") | test BLEU (greedy) | beam 5 |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    # 11463428 -> 11,463,428; seconds to whole seconds
    tail -n +2 "$tsv" | awk -F'\t' '
        function commas(n,   s, r) { s = sprintf("%d", n); r = ""
                                     while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
                                     return s r }
        function secs(t) { return t == "never" ? t : sprintf("%.0f", t) }
        { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, commas($2), $3, $4, $5, $6, secs($7), $9, $10 }'
} > "$md"

command -v gnuplot >/dev/null 2>&1 || die "gnuplot not found: install the dependencies with scripts/deps.sh"
files='' labels='' splits='' colours=''
for i in "${!names[@]}"; do
    files+="${dirs[$i]}/metrics.tsv " labels+="${names[$i]} " splits+="valid " colours+="$((i + 1)) "
done
gnuplot -e "out='$out.png'; xcol='elapsed_s'; ycol='loss'; logy=0; files='$files'; names='$labels'; \
            splits='$splits'; runs='$colours'; derive=''; \
            title='validation loss against wall time (same machine)'; xtitle='wall time (s)'" "$here/plot_curves.gp"
cat "$md"
echo "$prog: wrote $tsv, $md and $out.png"
