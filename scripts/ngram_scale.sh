#!/usr/bin/env bash
# ngram_scale.sh -- time and peak memory of a 5-gram build against corpus size,
# ours with --memory beside KenLM's lmplz with -S (ngram/README.md, "Bounded memory").
#
#   scripts/ngram_scale.sh [-o ngram/results/scale.tsv] [--memory 200M] [--sizes "3 10 30"]
#
# The corpora are made, one at a time, in $SCALE_DIR (default /tmp/ngram_scale,
# deleted at the end; nothing is committed):
#   base   PTB train + the Bible's words.train + the Brown corpus (its files
#          unzipped, one sentence per line, word/TAG -> word, lower-cased):
#          about 2.9M words, one sentence per line; PTB's <unk> renamed
#          PTBUNK, which lmplz refuses (as bench/ngram_ref.py does).
#   copy k the base again with the words of every line shuffled by awk's
#          rand() under srand(k), so that each copy brings new n-grams above
#          the unigrams as a larger corpus would (a plain repeat would only
#          raise the counts).
#   SIZE   copies 0, 1, 2, ... concatenated and cut with head -n at the first
#          line that reaches SIZE million words.
# Each build runs once under `nice -n 19` and /usr/bin/time -v: ours is
# `bin/ngram train --order 5 --memory MEM` (tool ngram) and without --memory
# (tool ngram_in_memory), KenLM's `lmplz -o 5 -S MEM --discount_fallback`
# (in $KENLM_DIR/bin, default /work/peers/kenlm/build; skipped when absent). The TSV has one row per size and tool:
#     words  tool  wall_s  cpu_s  peak_rss_mb
# and ngram/results/scale_time.png, scale_rss.png plot it (scripts/plot.sh).
set -euo pipefail

prog=ngram_scale.sh
here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/ngram/results/scale.tsv mem=200M sizes="3 10 30"
while [ $# -gt 0 ]; do
    case "$1" in
        -o) out=$2; shift 2 ;;
        --memory) mem=$2; shift 2 ;;
        --sizes) sizes=$2; shift 2 ;;
        -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "$prog: error: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
data=${NLP_DATA_DIR:-$here/data/cache}
[ -d "$data/ptb" ] || data=$here/data/cache
kenlm=${KENLM_DIR:-/work/peers/kenlm/build}
work=${SCALE_DIR:-/tmp/ngram_scale}
ngram=$here/bin/ngram
[ -x "$ngram" ] || { echo "$prog: error: build bin/ngram first (make)" >&2; exit 1; }
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

# the base corpus, one sentence per line
{
    sed 's/<unk>/PTBUNK/g' "$data/ptb/ptb.train.txt"
    cat "$here/data/cache/bible/words.train.txt"   # made by `make data`, never in NLP_DATA_DIR
    unzip -p "$data/brown/brown.zip" 'brown/c[a-r][0-9]*' |
        awk 'NF { line = ""; for (i = 1; i <= NF; i++) { w = $i; sub(/\/[^\/]*$/, "", w); line = line (i > 1 ? " " : "") tolower(w) } print line }'
} > "$work/base.txt"
base_words=$(wc -w < "$work/base.txt")

# Peak RSS (MB), wall and CPU seconds of one command, from /usr/bin/time -v.
measure() {
    local log=$work/time.txt
    nice -n 19 /usr/bin/time -v "$@" > /dev/null 2> "$log" || { cat "$log" >&2; exit 1; }
    awk -F': ' '/Maximum resident set size/ { rss = $2 / 1024 }
        /User time/ { cpu += $2 } /System time/ { cpu += $2 }
        /Elapsed \(wall clock\)/ { n = split($2, t, ":"); wall = 0; for (i = 1; i <= n; i++) wall = wall * 60 + t[i] }
        END { printf "%.2f\t%.2f\t%.1f\n", wall, cpu, rss }' "$log"
}

printf 'words\ttool\twall_s\tcpu_s\tpeak_rss_mb\n' > "$out"
for size in $sizes; do
    want=$((size * 1000000))
    : > "$work/corpus.txt"
    k=0
    while [ "$(wc -w < "$work/corpus.txt")" -lt "$want" ]; do
        if [ $k = 0 ]; then cat "$work/base.txt"
        else awk -v seed=$k 'BEGIN { srand(seed) } { for (i = NF; i > 1; i--) { j = int(rand() * i) + 1; t = $i; $i = $j; $j = t } print }' "$work/base.txt"
        fi >> "$work/corpus.txt"
        k=$((k + 1))
    done
    awk -v want="$want" '{ print; n += NF; if (n >= want) exit }' "$work/corpus.txt" > "$work/c.txt"
    mv "$work/c.txt" "$work/corpus.txt"
    words=$(wc -w < "$work/corpus.txt")
    echo "$prog: $words words (base $base_words)" >&2
    printf '%s\tngram\t%s\n' "$words" "$(measure "$ngram" train --quiet --order 5 --memory "$mem" --out "$work/ours.arpa" "$work/corpus.txt")" >> "$out"
    printf '%s\tngram_in_memory\t%s\n' "$words" "$(measure "$ngram" train --quiet --order 5 --out "$work/ours.arpa" "$work/corpus.txt")" >> "$out"
    rm -f "$work/ours.arpa"
    if [ -x "$kenlm/bin/lmplz" ]; then
        printf '%s\tlmplz\t%s\n' "$words" "$(measure "$kenlm/bin/lmplz" -o 5 -S "$mem" -T "$work" --discount_fallback --text "$work/corpus.txt" --arpa "$work/kenlm.arpa")" >> "$out"
        rm -f "$work/kenlm.arpa"
    fi
    tail -n +2 "$out" | grep "^$words	" >&2
done
rm -f "$work/corpus.txt"

# two line charts: label = millions of words, one column per tool
for col in wall_s:time peak_rss_mb:rss; do
    name=${col%%:*} tag=${col##*:}
    awk -F'\t' -v col="$name" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
        { if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } v[$1, $2] = $c; tools[$2] = 1 }
        END { printf "words_M"; for (t in tools) { printf "\t%s", t; names[++m] = t }; print "";
              for (i = 1; i <= n; i++) { printf "%.1f", order[i] / 1e6; for (j = 1; j <= m; j++) printf "\t%s", v[order[i], names[j]]; print "" } }' \
        "$out" > "$work/$tag.tsv"
    label=$([ $tag = time ] && echo "wall seconds" || echo "peak RSS, MB")
    "$here/scripts/plot.sh" --bars --lines -o "${out%.tsv}_$tag.png" --title "5-gram build, --memory / -S $mem" \
        --ylabel "$label" --key 'top left' "$work/$tag.tsv" || echo "$prog: no plot (gnuplot?)" >&2
done
