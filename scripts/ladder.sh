#!/usr/bin/env bash
# ladder.sh -- the course's headline result (make ladder): every language model
# of every chapter scored on the two ladders of DESIGN.md by its own eval
# command, gathered from the RESULT lines into a table and one plot per ladder;
# beside the GPT, the alignment tax: chapter 7's GPT and its aligned policies
# scored by `gpt eval` on their own pretraining text.
#
#   scripts/ladder.sh             score every rung whose chapter run exists under runs/;
#                                 name the command that trains each missing one
#   FULL=1 scripts/ladder.sh      train the missing rungs first, with the chapters'
#                                 own commands (hours: see the root README)
#   QUICK=1 scripts/ladder.sh     train every rung briefly into runs/ladder/quick/ and
#                                 score it: the whole pipeline in a few minutes (CI)
#   RUNGS="kn5 char-kn7" ...      only these rungs (the @id column of ladder/results.tsv)
#
# The rungs are the rows of ladder/results.tsv (read its header). A full or
# default run writes each fresh RESULT line back into that file and redraws
# ladder/word.png and ladder/char.png (`make results` then rewrites the README
# tables: ladder/README.md, the root README's); a quick run writes its own
# copy, runs/ladder/quick/results.tsv, with results.md (the tables) and the two
# plots beside it. Each command's output is kept in runs/ladder/logs/ (quick:
# runs/ladder/quick/logs/). A rung whose RESULT line does not score the
# ladder's tokens (82,430 PTB test tokens; 111,540 characters; for the tax rows,
# the same tokens as the first of them) is an error.
set -euo pipefail
cd "$(dirname "$0")/.."
prog=ladder.sh
TABLE=ladder/results.tsv
QUICK=${QUICK:-0} FULL=${FULL:-0} RUNGS=${RUNGS:-}
export NLP_DATA_DIR=${NLP_DATA_DIR:-../shared/data}
die() { echo "$prog: error: $*" >&2; exit 1; }
case "${1:-}" in
    '') ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "$prog: error: no arguments: the mode is QUICK=1, FULL=1 or RUNGS=... (see --help)" >&2; exit 2 ;;
esac

WORD_TOKENS=82430 CHAR_TOKENS=111540
HELDOUT=runs/ladder/shakespeare.valid.txt
if [ "$QUICK" = 1 ]; then OUT=${LADDER_OUT:-runs/ladder/quick}; else OUT=ladder; fi
LOGS=$OUT/logs
[ "$QUICK" = 1 ] || LOGS=runs/ladder/logs
mkdir -p "$LOGS" runs/ladder

for b in ngram word2vec rnn gpt rlhf; do [ -x "bin/$b" ] || die "bin/$b is missing: run make first"; done
for f in ptb/ptb.train.txt ptb/ptb.valid.txt ptb/ptb.test.txt tinyshakespeare/input.txt; do
    [ -f "data/cache/$f" ] || die "data/cache/$f is missing: run make data"
done

# The char ladder's held-out text as one file for the eval commands: the last
# 10% of input.txt (cut at floor(0.9 n), as ngram --holdout and rnn lm-train
# cut it) after the one character before it, which is context, never scored.
n=$(wc -c < data/cache/tinyshakespeare/input.txt)
tail -c $((n - n * 9 / 10 + 1)) data/cache/tinyshakespeare/input.txt > "$HELDOUT"
# The quick training runs check themselves on 100 validation lines, not 73,760 tokens.
SMALL=runs/ladder/ptb.valid.head.txt
head -n 100 data/cache/ptb/ptb.valid.txt > "$SMALL"

if [ "$QUICK" = 1 ]; then
    mkdir -p "$OUT"
    cp "$TABLE" "$OUT/results.tsv"
    TABLE=$OUT/results.tsv
fi

# the rungs: one line each of the columns read below, split by \037 (a tab
# would let read merge the empty columns of a rung that trains nothing)
rungs() {
    awk -F '\t' -v OFS='\037' '
        /^#/ || /^[ \t]*$/ { next }
        !hdr { hdr = 1; for (i = 1; i <= NF; i++) c[$i] = i; next }
        { print $c["@id"], $c["@ladder"], $c["@run"], $c["@ckpt"], $c["@train"], $c["@eval"], $c["@quick"] }' "$TABLE"
}

# run LOG COMMAND: run it (logged), print its output's RESULT lines
run() {
    local log=$1 cmd=$2
    echo "  + $cmd" >&2
    if ! nice -n 19 bash -c "set -eo pipefail; $cmd" < /dev/null > "$log" 2>&1; then
        tail -n 20 "$log" >&2
        die "the command failed (whole output in $log): $cmd"
    fi
    grep '^RESULT ' "$log" || true
}

start=$(date +%s)
TAX_TOKENS=
missing=()
scored=0
while IFS=$'\037' read -r id ladder rundir ckpt train evalc quick; do
    if [ -n "$RUNGS" ] && ! [[ " $RUNGS " == *" $id "* ]]; then continue; fi
    t0=$(date +%s)
    echo "== $id ($ladder ladder)"
    if [ "$QUICK" = 1 ] && [ -n "$quick" ]; then
        # the rung's chapter folder becomes its folder under runs/ladder/quick
        qrun=$OUT/runs/$id/$(basename "$rundir")
        mkdir -p "$(dirname "$qrun")"
        quick=${quick//\$RUN/$qrun}
        run "$LOGS/$id.train.log" "${quick//\$SMALL/$SMALL}" > /dev/null
        eval_cmd=${evalc//"$rundir"/$qrun}
    else
        if [ -n "$ckpt" ] && [ ! -e "$ckpt" ]; then
            if [ "$FULL" != 1 ]; then
                echo "  missing: $ckpt; train it with: $train"
                missing+=("$id: $train"); continue
            fi
            mkdir -p "$(dirname "$rundir")"
            run "$LOGS/$id.train.log" "$train" > /dev/null
        fi
        eval_cmd=$evalc
    fi
    result=$(run "$LOGS/$id.eval.log" "$eval_cmd")
    [ "$(printf '%s\n' "$result" | grep -c '^RESULT ')" = 1 ] || die "$id: '$eval_cmd' printed no single RESULT line"
    case $ladder in
        word) want=$WORD_TOKENS ;;
        char) want=$CHAR_TOKENS ;;
        tax) TAX_TOKENS=${TAX_TOKENS:-$(printf '%s\n' "$result" | tr ' ' '\n' | sed -n 's/^tokens=//p')}
             want=$TAX_TOKENS ;;
    esac
    case " $result " in
        *" tokens=$want "*) ;;
        *) die "$id scored other tokens than the $ladder ladder's $want: $result" ;;
    esac
    scripts/results.sh set "$TABLE" "$id" "$result"
    echo "  $result ($(( $(date +%s) - t0 )) s)"
    scored=$((scored + 1))
done < <(rungs)
[ -n "$RUNGS" ] && [ $scored = 0 ] && [ ${#missing[@]} = 0 ] && die "no rung named '$RUNGS' in $TABLE"

# the tables and one plot per ladder (perplexity, or nats/char, against the year)
plot() {
    local ladder=$1 png=$2 data
    command -v gnuplot > /dev/null || { echo "($prog: no gnuplot: $png not drawn)"; return 0; }
    data=$(mktemp)
    awk -F '\t' -v want="$ladder" '
        /^#/ || /^[ \t]*$/ { next }
        !hdr { hdr = 1; for (i = 1; i <= NF; i++) c[$i] = i; next }
        $c["@ladder"] == want {
            n = split($c["@result"], w, " "); v = ""; size = ""
            for (i = 1; i <= n; i++) {
                if (index(w[i], $c["@metric"] "=") == 1) v = substr(w[i], length($c["@metric"]) + 2)
                if (w[i] ~ /^params=/) size = sprintf("%.2fM", substr(w[i], 8) / 1e6)
                if (w[i] ~ /^ngrams=/) size = sprintf("%.2fM n-grams", substr(w[i], 8) / 1e6)
            }
            printf "%s\t%s\t%s (%s)\n", $c["@year"], v, $c["@name"], size
        }' "$TABLE" > "$data"
    local title="word ladder: Penn Treebank test perplexity (82,430 tokens)" ylabel="test perplexity"
    if [ "$ladder" = char ]; then
        title="char ladder: Tiny Shakespeare, last 10%" ylabel="validation nats per character"
    fi
    [ "$QUICK" = 1 ] && title="$title, QUICK=1 (brief training)"
    gnuplot -e "file='$data'; out='$png'; title='$title'; ylabel='$ylabel'" scripts/plot_ladder.gp
    rm -f "$data"
}
plot word "$OUT/word.png"
plot char "$OUT/char.png"
tables() {
    [ "$QUICK" = 1 ] && { echo "QUICK=1: every rung trained for a few steps (@quick); the labels name the full recipes."; echo; }
    echo "Word ladder (PTB test perplexity, $WORD_TOKENS tokens):"; echo
    scripts/results.sh render "$TABLE" ladder=word; echo
    echo "Char ladder (Tiny Shakespeare, valid nats/char, $CHAR_TOKENS characters):"; echo
    scripts/results.sh render "$TABLE" ladder=char; echo
    echo "Beside the GPT, the alignment tax (chapter 7's models, perplexity on their pretraining text):"; echo
    scripts/results.sh render "$TABLE" ladder=tax
}
if [ "$QUICK" = 1 ]; then tables > "$OUT/results.md"; cat "$OUT/results.md"; else tables; fi
echo
echo "ladder: $scored rungs scored in $(( $(date +%s) - start )) s; $TABLE, $OUT/word.png, $OUT/char.png"
if [ ${#missing[@]} -gt 0 ]; then
    echo "not scored (no checkpoint; 'make ladder FULL=1' trains them, or run):"
    printf '    %s\n' "${missing[@]}"
fi
[ "$QUICK" = 1 ] || echo "'make results' now rewrites the README tables from $TABLE"
