#!/usr/bin/env bash
# The ladder's quick mode end to end (`make test-ladder`, run by CI):
#   1. QUICK=1 scripts/ladder.sh trains every rung of ladder/results.tsv briefly
#      and scores it with its eval command, into a scratch folder;
#   2. each rung's eval printed one RESULT line scoring the ladder's tokens
#      (82,430 PTB test tokens; 111,540 characters; the alignment-tax rows all
#      the same tokens), and the quick table keeps exactly that line;
#   3. the Markdown tables show each rung's number as that line has it
#      (perplexity to 0.1, the tax's to 0.01, nats/char to 0.001), recomputed
#      here from the log;
#   4. both plots are PNGs with something drawn on them;
#   5. the committed ladder/results.tsv is left as it was.
set -u
cd "$(dirname "$0")/.."
. tests/check.sh
cp ladder/results.tsv "$tmp/committed.tsv"

# 1.
if LADDER_OUT="$tmp/quick" QUICK=1 scripts/ladder.sh > "$tmp/ladder.log" 2>&1; then
    pass "QUICK=1 scripts/ladder.sh ($(( $(date +%s) - start )) s)"
else
    tail -n 30 "$tmp/ladder.log"; fail "QUICK=1 scripts/ladder.sh"
fi

# 2. and 3., rung by rung: id, ladder, label cell (as rendered), metric
rungs=$(awk -F '\t' '/^#/ || /^[ \t]*$/ { next }
    !hdr { hdr = 1; for (i = 1; i <= NF; i++) c[$i] = i; next }
    { print $c["@id"] "\t" $c["@ladder"] "\t" $c["@metric"] "\t" $c["rung"] }' ladder/results.tsv)
[ -n "$rungs" ] || fail "ladder/results.tsv has no rung"
while IFS=$'\t' read -r id ladder metric label; do
    log=$tmp/quick/logs/$id.eval.log
    [ -f "$log" ] || { fail "$id: no eval log"; continue; }
    result=$(grep '^RESULT ' "$log")
    [ "$(printf '%s\n' "$result" | grep -c .)" = 1 ] || { fail "$id: not one RESULT line in $log"; continue; }
    case $ladder in
        word) want=82430 ;;
        char) want=111540 ;;
        tax) tax=${tax:-$(printf '%s\n' "$result" | tr ' ' '\n' | sed -n 's/^tokens=//p')}; want=$tax ;;
    esac
    case " $result " in *" tokens=$want "*) pass "$id scores the $ladder ladder's $want tokens" ;;
                        *) fail "$id: $result" ;; esac
    kept=$(awk -F '\t' -v id="$id" '/^#/ { next } !hdr { hdr = 1; for (i = 1; i <= NF; i++) c[$i] = i; next }
                                     $c["@id"] == id { print $c["@result"] }' "$tmp/quick/results.tsv")
    [ "$kept" = "$result" ] && pass "$id: the table keeps its RESULT line" || fail "$id: kept '$kept', printed '$result'"
    value=$(printf '%s\n' "$result" | tr ' ' '\n' | sed -n "s/^$metric=//p")
    # awk rounds the double as C's printf does (the shell's printf may use a long double)
    shown=$(awk -v v="$value" -v m="$metric" -v l="$ladder" 'BEGIN { printf(l == "tax" ? "%.2f" : m == "ppl" ? "%.1f" : "%.3f", v) }')
    row=$(grep -F "| $label |" "$tmp/quick/results.md")
    case "$row" in *"| $shown |"*|*"| **$shown** |"*) pass "$id: the table shows $metric $shown" ;;
                   *) fail "$id: $metric=$value, row: $row" ;; esac
done <<< "$rungs"

# 4.
for png in word char; do
    f=$tmp/quick/$png.png
    if [ -f "$f" ] && [ "$(head -c 4 "$f" | tail -c 3)" = PNG ] && [ "$(wc -c < "$f")" -gt 1000 ]; then
        pass "$png.png"
    else
        fail "$png.png is missing or not a drawn PNG"
    fi
done

# 5.
cmp -s ladder/results.tsv "$tmp/committed.tsv" && pass "ladder/results.tsv untouched" ||
    fail "the quick run changed ladder/results.tsv"

echo "ladder test: $failed failed ($(( $(date +%s) - start )) s)"
[ $failed = 0 ]
