#!/usr/bin/env bash
# plot.sh -- PNG curves from metrics.tsv files, or a bar chart from a result table.
#
#   scripts/plot.sh -o loss.png [--y loss|ppl|COLUMN] [--x step|tokens|COLUMN]
#                   [--title TEXT] [--logy|--liny] RUN/metrics.tsv [RUN2/metrics.tsv ...]
#   scripts/plot.sh --bars -o table.png [--lines] [--logy] [--title TEXT] [--ylabel TEXT]
#                   [--key 'top left'] TABLE.tsv
#
# Curves. Each metrics.tsv (written by common/metrics.h) has a header of column
# names; columns are looked up by those names, so any stage's log works. Rows
# are split into one curve per value of the `split` column (train solid, valid
# dashed), and several files are overlaid, one colour per run, named in the key
# after their directory (runs/rnn/lstm/metrics.tsv -> "rnn/lstm"). --y ppl uses
# the ppl column, or exp(loss) when there is none, on a log scale.
#
# Bars. A table is label<TAB>value[<TAB>value...] per line, with an optional
# header line naming the columns (e.g. "order<TAB>ppl"); several value columns
# give clustered bars, --lines joins the points instead.
#
# The drawing itself is scripts/plot_curves.gp and scripts/plot_bars.gp; this
# wrapper finds the columns and series and checks the input. Needs gnuplot
# (scripts/deps.sh installs gnuplot-nox).
set -euo pipefail

prog=plot.sh
here=$(cd "$(dirname "$0")" && pwd)

die()   { echo "$prog: error: $*" >&2; exit 1; }
usage() {
    [ $# -gt 0 ] && echo "$prog: error: $*" >&2
    echo "usage: scripts/plot.sh -o OUT.png [--y loss|ppl|COLUMN] [--x step|tokens|COLUMN] METRICS.tsv..." >&2
    echo "       scripts/plot.sh --bars -o OUT.png [--lines] [--logy] TABLE.tsv" >&2
    echo "Try 'scripts/plot.sh --help'." >&2
    exit 2
}

out='' ycol=loss xcol=step title='' logy='' bars=0 style=bars ylabel='' keypos='top right'
files=()
while [ $# -gt 0 ]; do
    case "$1" in
        -o|--out)   [ $# -ge 2 ] || usage "$1 needs a file"; out=$2; shift 2 ;;
        --y)        [ $# -ge 2 ] || usage "--y needs a column name"; ycol=$2; shift 2 ;;
        --x)        [ $# -ge 2 ] || usage "--x needs a column name"; xcol=$2; shift 2 ;;
        --title)    [ $# -ge 2 ] || usage "--title needs a text"; title=$2; shift 2 ;;
        --ylabel)   [ $# -ge 2 ] || usage "--ylabel needs a text"; ylabel=$2; shift 2 ;;
        --key)      [ $# -ge 2 ] || usage "--key needs a position"; keypos=$2; shift 2 ;;
        --logy)     logy=1; shift ;;
        --liny)     logy=0; shift ;;
        --bars)     bars=1; shift ;;
        --lines)    style=lines; shift ;;
        -h|--help)  sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        --)         shift; files+=("$@"); break ;;
        -*)         usage "unknown option '$1'" ;;
        *)          files+=("$1"); shift ;;
    esac
done
[ -n "$out" ] || usage "say where the PNG goes with -o FILE.png"
[ ${#files[@]} -gt 0 ] || usage "no input file"
[ $bars = 0 ] || [ ${#files[@]} -eq 1 ] || usage "--bars draws one table at a time"

command -v gnuplot >/dev/null 2>&1 ||
    die "gnuplot not found: it is a declared dependency, install it with scripts/deps.sh"

for f in "${files[@]}"; do
    if ! [ -r "$f" ] || ! [ -f "$f" ]; then die "cannot read '$f'"; fi
    [ -s "$f" ] || die "'$f' is empty"
    # gnuplot receives the files as a space-separated word list
    case "$f" in *[[:space:]\'\"]*) die "'$f': paths with spaces or quotes are not supported" ;; esac
done
for c in "$xcol" "$ycol"; do
    [[ "$c" =~ ^[A-Za-z0-9_]+$ ]] || usage "column name '$c' must be letters, digits and _"
done

# Quote a text for a single-quoted gnuplot string ('' is an escaped quote).
gp_quote() { printf "'%s'" "${1//\'/\'\'}"; }

# Draw with gnuplot into a temporary file, then move it into place, so a
# failed or interrupted plot never leaves a truncated PNG behind.
run_gnuplot() {   # script, gnuplot assignments
    mkdir -p "$(dirname "$out")"
    local tmp="$out.tmp.$$.png"
    if ! gnuplot -e "out=$(gp_quote "$tmp"); $2" "$here/$1"; then
        rm -f "$tmp"; die "gnuplot failed on $here/$1"
    fi
    [ -s "$tmp" ] || { rm -f "$tmp"; die "gnuplot wrote nothing"; }
    mv -f "$tmp" "$out"
}

# The name of a run in the key: its directory below runs/, or the file's name.
run_name() {
    local f=$1 d
    if [ "$(basename "$f")" = metrics.tsv ]; then
        d=$(dirname "$f"); d=${d#./}
        case "$d" in runs/*) d=${d#runs/} ;; */runs/*) d=${d##*/runs/} ;; esac
        [ "$d" = . ] && d=run
        echo "$d"
    else
        basename "$f" .tsv
    fi
}

# ---------------------------------------------------------------- bars
if [ $bars = 1 ]; then
    table=${files[0]}
    # Check the table and describe it: "header ncols nrows rotate xlabel ylabel".
    info=$(awk -F'\t' '
        function num(s) { return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ }
        /^[[:space:]]*$/ { next }
        first == "" {
            first = 1; ncols = NF - 1
            if (ncols < 1) { print "ERR line " NR ": expected label<TAB>value"; bad = 1; exit }
            if (!num($2)) { header = 1; xl = $1; yl = (ncols == 1 ? $2 : ""); next }
        }
        {
            if (NF - 1 != ncols) { print "ERR line " NR ": " NF - 1 " values, expected " ncols; bad = 1; exit }
            for (i = 2; i <= NF; i++)
                if (!num($i)) { print "ERR line " NR ": \"" $i "\" is not a number"; bad = 1; exit }
            rows++; len += length($1)
        }
        END {
            if (bad) exit
            if (first == "") { print "ERR no rows" }
            else if (rows == 0) { print "ERR no rows of values" }
            else printf "%d %d %d %d\t%s\t%s\n", header, ncols, rows, (len + 2 * rows > 70), xl, yl
        }' "$table")
    case "$info" in ERR*) die "'$table': ${info#ERR }" ;; esac
    IFS=$'\t' read -r nums xl yl <<<"$info"
    read -r header ncols nrows rotate <<<"$nums"
    [ -n "$ylabel" ] || ylabel=$yl
    run_gnuplot plot_bars.gp "file=$(gp_quote "$table"); header=$header; ncols=$ncols; nrows=$nrows; \
rotate=$rotate; style='$style'; logy=${logy:-0}; title=$(gp_quote "$title"); \
xlabel=$(gp_quote "$xl"); ylabel=$(gp_quote "$ylabel"); keypos=$(gp_quote "$keypos")"
    exit 0
fi

# ---------------------------------------------------------------- curves
# For one metrics file: "derive 0|1" then one line per split that has at least
# one row with a number in both the x and y columns, in order of appearance.
series_of() {
    awk -F'\t' -v xc="$xcol" -v yc="$ycol" '
        function num(s) { return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ }
        NR == 1 {
            for (i = 1; i <= NF; i++) col[$i] = i
            names = $0; gsub(/\t/, " ", names)
            if (!(xc in col)) { print "ERR has no column \"" xc "\" (columns: " names ")"; bad = 1; exit }
            if (yc in col) yi = col[yc]
            else if (yc == "ppl" && ("loss" in col)) { yi = col["loss"]; derive = 1 }
            else { print "ERR has no column \"" yc "\" (columns: " names ")"; bad = 1; exit }
            xi = col[xc]; si = ("split" in col) ? col["split"] : 0
            next
        }
        num($xi) && num($yi) {
            s = si ? $si : "-"
            if (s == "") s = "-"
            if (!(s in seen)) { seen[s] = 1; order[++n] = s }
        }
        END {
            if (bad) exit
            print "derive " (derive ? 1 : 0)
            for (k = 1; k <= n; k++) print "split " order[k]
        }' "$1"
}

s_files='' s_names='' s_splits='' s_runs='' s_derive='' run=0 count=0
for f in "${files[@]}"; do
    run=$((run + 1))
    desc=$(series_of "$f")
    case "$desc" in ERR*) die "'$f' ${desc#ERR }" ;; esac
    name=$(run_name "$f")
    derive=0
    while read -r kind value; do
        if [ "$kind" = derive ]; then derive=$value; continue; fi
        case "$value" in *[[:space:]\'\"]*) die "'$f': split name '$value' has spaces or quotes" ;; esac
        s_files+=" $f"; s_names+=" $name"; s_splits+=" $value"; s_runs+=" $run"; s_derive+=" $derive"
        count=$((count + 1))
    done <<<"$desc"
done
[ $count -gt 0 ] || die "nothing to plot: no row has numbers in both '$xcol' and '$ycol'"

run_gnuplot plot_curves.gp "xcol='$xcol'; ycol='$ycol'; files='${s_files# }'; names='${s_names# }'; \
splits='${s_splits# }'; runs='${s_runs# }'; derive='${s_derive# }'; title=$(gp_quote "$title")\
${logy:+; logy=$logy}"
