#!/usr/bin/env bash
# plots.sh -- `make plots`: redraw every PNG from the logs and tables under runs/.
#
# For each runs/<stage>/<name>/metrics.tsv it draws, beside the file:
#   loss.png   train and valid loss by step          (when there is a loss column)
#   ppl.png    perplexity, log scale                 (a ppl column, or exp(loss))
# For each stage with two or more runs that log a loss:
#   runs/<stage>/compare_loss.png   every run of the stage overlaid
# For each result table runs/**/NAME.table.tsv (label<TAB>value[s], see plot.sh):
#   runs/**/NAME.png                a bar chart
#
# RUNS_DIR overrides where to look (default runs). Uses scripts/plot.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
runs=${RUNS_DIR:-runs}

has_column() { head -n 1 "$2" | tr '\t' '\n' | grep -qx "$1"; }

metrics=() tables=()
if [ -d "$runs" ]; then
    while IFS= read -r f; do metrics+=("$f"); done < <(find "$runs" -name metrics.tsv -type f | sort)
    while IFS= read -r f; do tables+=("$f"); done < <(find "$runs" -name '*.table.tsv' -type f | sort)
fi
if [ ${#metrics[@]} -eq 0 ] && [ ${#tables[@]} -eq 0 ]; then
    echo "plots: nothing to draw: no $runs/**/metrics.tsv or $runs/**/*.table.tsv yet" \
         "(run 'make demo' or a stage's train command first)"
    exit 0
fi
command -v gnuplot >/dev/null 2>&1 ||
    { echo "plots: error: gnuplot not found: install the dependencies with scripts/deps.sh" >&2; exit 1; }

drawn=0 failed=0
draw() {   # out, plot.sh arguments...
    if "$here/plot.sh" -o "$@"; then
        echo "plots: $1"; drawn=$((drawn + 1))
    else
        failed=$((failed + 1))
    fi
}

# a log with a header and no rows yet (a run that just started) has nothing to draw
has_rows() { [ "$(head -n 2 "$1" | wc -l)" -ge 2 ]; }

for f in "${metrics[@]}"; do
    has_rows "$f" || continue
    d=$(dirname "$f")
    if has_column loss "$f"; then draw "$d/loss.png" --y loss "$f"; fi
    if has_column ppl "$f" || has_column loss "$f"; then draw "$d/ppl.png" --y ppl "$f"; fi
done

# one overlay per stage directory that holds several runs
for stage in $(printf '%s\n' "${metrics[@]}" | sed -n "s|^$runs/\([^/]*\)/.*|\1|p" | sort -u); do
    group=()
    for f in "${metrics[@]}"; do
        case "$f" in "$runs/$stage/"*) has_rows "$f" && has_column loss "$f" && group+=("$f") ;; esac
    done
    if [ ${#group[@]} -ge 2 ]; then
        draw "$runs/$stage/compare_loss.png" --y loss --title "$stage: all runs" "${group[@]}"
    fi
done

for t in "${tables[@]}"; do
    draw "${t%.table.tsv}.png" --bars --title "$(basename "${t%.table.tsv}")" "$t"
done

if [ "$failed" -gt 0 ]; then
    echo "plots: $drawn PNG(s) drawn, $failed failed (see the errors above)" >&2
    exit 1
fi
echo "plots: $drawn PNG(s) drawn"
