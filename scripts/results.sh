#!/usr/bin/env bash
# results.sh -- README results tables generated from the RESULT lines of the
# commands that produced them, so that no number can stay in a README that no
# command reproduces.
#
#   scripts/results.sh render FILE.tsv [COLUMN=VALUE]   print FILE's Markdown table
#                                                      (only rows whose @COLUMN is VALUE)
#   scripts/results.sh check [README.md...]            exit 1 if a README's table differs
#                                                      from what its TSV renders (make check-results)
#   scripts/results.sh update [README.md...]           rewrite the READMEs' tables (make results)
#   scripts/results.sh run FILE.tsv ID                 run row ID's @command and keep its RESULT lines
#   scripts/results.sh set FILE.tsv ID 'RESULT ...'    keep these RESULT lines as row ID's
#
# Without README arguments, check and update read every Markdown file with a
# table marker up to two folders deep (README.md, rnn/README.md, gpt/prompting/ICL.md).
#
# A table's rows live in a TSV beside its chapter (<stage>/results/NAME.tsv,
# ladder/results.tsv). Lines starting with # are comments. The first other
# line names the columns: a name starting with @ is the row's data, never
# shown; every other name is a column of the Markdown table, in order (a
# name ending in ':' is a right-aligned column, the ':' not shown).
#   @id        the row's name (for run and set)
#   @command   the command that reproduces the row (bash, from the repository root)
#   @result    the RESULT lines that command printed, one after the other
#   @measured  when @result was last written by run or set, or "transcribed"
#              for a row copied from a README before the command was run again
#   @bench     instead of @result, for a speed table: rows of bench/results.tsv
#              (written by `make bench`; $RESULTS_BENCH names another file), each
#              BENCHMARK or BENCHMARK=REFERENCE, separated by spaces; each is read
#              as one RESULT line whose keys are that file's columns (ours,
#              reference, ratio, unit, machine, ref_value)
# A table cell is text with placeholders:
#   {KEY}       KEY's value in the row's first RESULT line that has it
#   {N:KEY}     KEY's value in the Nth RESULT line
#   {mean:KEY}  the mean of KEY over the RESULT lines that have it (seeds' runs)
#   {KEY%FMT}   formatted: a printf format (%.1f), %M (millions: 4.65M), %, (82,430) or
#               %% before a printf format (a fraction as a percentage: {acc%%.1f} of 0.19 is 19.0);
#               an infinite value (inf) shows as ∞, a negative one with the minus sign −,
#               an exponent without padding ({KEY%.1e} of 0.000348 is 3.5e-4)
#   {@COLUMN}   the row's @COLUMN (e.g. `{@command}`)
# A placeholder whose key is in no RESULT line is an error, which is what
# keeps a typed-in number out of the measured columns.
#
# In a README, a generated table sits between two marker comments:
#   <!-- results: rnn/results/ptb.tsv -->
#   | ... the table ... |
#   <!-- /results -->
# (with an optional COLUMN=VALUE after the file, as for render).
set -euo pipefail
cd "$(dirname "$0")/.."
prog=results.sh

die()   { echo "$prog: error: $*" >&2; exit 1; }
usage() { [ $# -gt 0 ] && echo "$prog: error: $*" >&2; sed -n '5,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# The Markdown table of a TSV (see the top of this file).
render() {
    local file=$1 filter=${2:-}
    [ -f "$file" ] || die "no such table '$file'"
    case "$filter" in ''|*=*) ;; *) die "'$filter': a filter is COLUMN=VALUE" ;; esac
    awk -F '\t' -v file="$file" -v filter="$filter" -v bench="${RESULTS_BENCH:-bench/results.tsv}" '
        function fail(msg) { printf "results.sh: error: %s:%d: %s\n", file, FNR, msg > "/dev/stderr"; bad = 1; exit 1 }
        function thousands(v,   s, neg, out) {
            s = sprintf("%.0f", v); neg = ""; out = ""
            if (substr(s, 1, 1) == "-") { neg = "-"; s = substr(s, 2) }
            while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
            return neg s out
        }
        function minus(s) { return s ~ /^-[0-9.]/ ? "−" substr(s, 2) : s }
        function exponent(s,   p) { p = index(s, "e"); return p ? substr(s, 1, p) (substr(s, p + 1) + 0) : s }
        function format(v, fmt) {
            if (v == "inf") return "∞"
            if (fmt == "") return minus(v)
            if (v !~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/) fail("{" key fmt "}: \"" v "\" is not a number")
            if (fmt == "%M") return minus(sprintf("%.2fM", v / 1e6))
            if (fmt == "%,") return minus(thousands(v))
            if (substr(fmt, 1, 2) == "%%") { v *= 100; fmt = substr(fmt, 2) }
            return minus(exponent(sprintf(fmt, v)))
        }
        # one placeholder (without its braces) -> its text
        function expand(ph,   n, k, fmt, p, i) {
            fmt = ""; p = index(ph, "%")
            if (p) { fmt = substr(ph, p); ph = substr(ph, 1, p - 1) }
            if (substr(ph, 1, 1) == "@") {
                if (!(ph in col)) fail("{" ph "}: no column " ph)
                return $(col[ph])
            }
            n = 0; k = ph; p = index(ph, ":")
            if (p) { n = substr(ph, 1, p - 1); k = substr(ph, p + 1) }
            key = k
            if (n == "mean") return format(mean(k), fmt)
            n += 0
            if (n) {
                if (!((n, k) in val)) fail("{" ph "}: no " k "= in RESULT line " n " of @result")
                return format(val[n, k], fmt)
            }
            for (i = 1; i <= nres; i++) if ((i, k) in val) return format(val[i, k], fmt)
            fail("{" ph "}: no " k "= in the row'"'"'s RESULT lines")
        }
        function mean(k,   i, sum, c) {
            for (i = 1; i <= nres; i++) if ((i, k) in val) { sum += val[i, k]; c++ }
            if (!c) fail("{mean:" k "}: no " k "= in the row'"'"'s RESULT lines")
            return sum / c
        }
        function fill(cell,   out, ph, txt) {
            out = ""
            while (match(cell, /\{(@[A-Za-z_][A-Za-z0-9_]*|([0-9]+:|mean:)?[A-Za-z_][A-Za-z0-9_]*)(%[^{}]*)?\}/)) {
                ph = substr(cell, RSTART + 1, RLENGTH - 2)
                txt = expand(ph)
                gsub(/\|/, "\\|", txt)   # a | of a command would end the cell
                out = out substr(cell, 1, RSTART - 1) txt
                cell = substr(cell, RSTART + RLENGTH)
            }
            return out cell
        }
        # bench/results.tsv, once: brow[BENCHMARK "=" REFERENCE] is its line,
        # brefs[BENCHMARK] how many references it has, bcol[i] the column names
        function load_bench(   line, f, i, k) {
            if (bench_loaded++) return
            if ((getline line < bench) <= 0) fail("@bench: cannot read " bench)
            nbcol = split(line, bcol, "\t")
            while ((getline line < bench) > 0) {
                split(line, f, "\t"); k = f[1] "=" f[3]
                if (!(k in brow)) brefs[f[1]]++
                brow[k] = line; bfirst[f[1]] = k
            }
            close(bench)
        }
        # the bench row named by spec (BENCHMARK or BENCHMARK=REFERENCE) as RESULT line nres
        function bench_result(spec,   k, f, i) {
            load_bench()
            k = spec
            if (index(spec, "=") == 0) {
                if (brefs[spec] > 1) fail("@bench: " spec " has " brefs[spec] " references: name one (" spec "=REFERENCE)")
                k = bfirst[spec]
            }
            if (!(k in brow)) fail("@bench: no row " spec " in " bench)
            split(brow[k], f, "\t")
            for (i = 1; i <= nbcol; i++) val[nres, bcol[i]] = f[i]
        }
        /^#/ || /^[ \t]*$/ { next }
        !ncol {
            for (i = 1; i <= NF; i++) if (substr($i, 1, 1) == "@") col[$i] = i; else shown[++ncol] = i
            if (!ncol) fail("the header names no shown column")
            if (!("@result" in col) && !("@bench" in col)) fail("the header has no @result or @bench column")
            if (filter != "") {
                fc = "@" substr(filter, 1, index(filter, "=") - 1); fv = substr(filter, index(filter, "=") + 1)
                if (!(fc in col)) fail("no column " fc " to filter on")
            }
            line = "|"; rule = "|"
            for (j = 1; j <= ncol; j++) {
                name = $(shown[j]); align = "---"
                if (name ~ /.:$/) { name = substr(name, 1, length(name) - 1); align = "---:" }
                line = line " " name " |"; rule = rule align "|"
            }
            print line; print rule
            next
        }
        {
            if (filter != "" && $(col[fc]) != fv) next
            split("", val); nres = 0
            if ("@bench" in col) {
                nw = split($(col["@bench"]), w, " ")
                for (i = 1; i <= nw; i++) { nres++; bench_result(w[i]) }
            }
            nw = "@result" in col ? split($(col["@result"]), w, " ") : 0
            for (i = 1; i <= nw; i++) {
                if (w[i] == "RESULT") { nres++; continue }
                if (!nres) fail("@result must start with RESULT")
                eq = index(w[i], "=")
                if (eq > 1) val[nres, substr(w[i], 1, eq - 1)] = substr(w[i], eq + 1)
            }
            line = "|"
            for (j = 1; j <= ncol; j++) line = line " " fill($(shown[j])) " |"
            print line
        }
        END { if (!bad && !ncol) { printf "results.sh: error: %s: no header line\n", file > "/dev/stderr"; exit 1 } }
    ' "$file"
}

# The READMEs to look at: the arguments, or every Markdown file with a marker.
readmes() {
    if [ $# -gt 0 ]; then printf '%s\n' "$@"; return; fi
    grep -l '^<!-- results:' ./*.md ./*/*.md ./*/*/*.md 2>/dev/null | sed 's|^\./||' || true
}

# README with every generated table replaced by what its TSV renders now.
regenerate() {
    local readme=$1 out=$2 line spec inside=0 n=0
    : > "$out"
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        if [ $inside = 1 ]; then
            case "$line" in '<!-- /results -->') inside=0; printf '%s\n' "$line" >> "$out" ;; esac
            continue
        fi
        printf '%s\n' "$line" >> "$out"
        case "$line" in
            '<!-- results:'*' -->')
                spec=${line#'<!-- results:'}; spec=${spec%' -->'}
                # shellcheck disable=SC2086
                render $spec >> "$out" || die "$readme:$n: cannot render '$spec'"
                inside=1 ;;
            '<!-- results:'*) die "$readme:$n: a results marker is '<!-- results: FILE.tsv [COLUMN=VALUE] -->'" ;;
        esac
    done < "$readme"
    [ $inside = 0 ] || die "$readme: a results table has no closing '<!-- /results -->'"
}

check() {
    local readme tmp status=0 n=0
    tmp=$(mktemp); trap 'rm -f "$tmp"' RETURN
    while read -r readme; do
        [ -f "$readme" ] || die "no such README '$readme'"
        regenerate "$readme" "$tmp"
        n=$((n + $(grep -c '^<!-- results:' "$readme" || true)))
        if ! diff -u --label "$readme" --label "$readme (generated)" "$readme" "$tmp"; then
            echo "$prog: $readme: a results table differs from its TSV: run 'make results'" >&2
            status=1
        fi
    done < <(readmes "$@")
    [ $status = 0 ] && echo "results: $n generated tables match their TSVs"
    return $status
}

update() {
    local readme tmp
    while read -r readme; do
        [ -f "$readme" ] || die "no such README '$readme'"
        tmp=$(mktemp "$readme.XXXXXX")
        regenerate "$readme" "$tmp" || { rm -f "$tmp"; exit 1; }
        if cmp -s "$readme" "$tmp"; then rm -f "$tmp"; else mv "$tmp" "$readme"; echo "updated $readme"; fi
    done < <(readmes "$@")
}

# Row ID's @result := the given RESULT lines, @measured := today (when the
# table has that column); the file is replaced atomically.
set_result() {
    local file=$1 id=$2 result tmp
    [ -f "$file" ] || die "no such table '$file'"
    # several RESULT lines (a command's output) become one cell, space-separated
    result=$(printf '%s\n' "$3" | awk 'NF { printf "%s%s", sep, $0; sep = " " }')
    case "$result" in *$'\t'*) die "$file: row '$id': a tab in the RESULT lines" ;; esac
    case "$result" in RESULT\ *) ;; *) die "$file: row '$id': no RESULT line to keep" ;; esac
    tmp=$(mktemp "$file.XXXXXX")
    if ! awk -F '\t' -v OFS='\t' -v id="$id" -v result="$result" -v today="$(date +%Y-%m-%d)" '
        /^#/ || /^[ \t]*$/ { print; next }
        !hdr { hdr = 1; for (i = 1; i <= NF; i++) col[$i] = i; print
               if (!("@id" in col) || !("@result" in col)) { print "no @id or @result column" > "/dev/stderr"; exit 1 }
               next }
        $(col["@id"]) == id { $(col["@result"]) = result; if ("@measured" in col) $(col["@measured"]) = today; found = 1 }
        { print }
        END { if (!found) { print "no row with @id " id > "/dev/stderr"; exit 1 } }
    ' "$file" > "$tmp"; then
        rm -f "$tmp"; die "$file: cannot set row '$id'"
    fi
    mv "$tmp" "$file"
}

# A row's column (by its @name).
row_field() {
    awk -F '\t' -v id="$2" -v name="$3" '
        /^#/ || /^[ \t]*$/ { next }
        !hdr { hdr = 1; for (i = 1; i <= NF; i++) col[$i] = i; next }
        $(col["@id"]) == id { print $(col[name]); found = 1; exit }
        END { exit !found }' "$1"
}

run_row() {
    local file=$1 id=$2 cmd out
    cmd=$(row_field "$file" "$id" @command) || die "$file: no row with @id '$id'"
    [ -n "$cmd" ] || die "$file: row '$id' has no @command"
    echo "+ $cmd" >&2
    out=$(bash -c "set -eo pipefail; $cmd" | tee /dev/stderr | grep '^RESULT ' | tr '\n' ' ' | sed 's/ $//') ||
        die "$file: row '$id': the command failed"
    set_result "$file" "$id" "$out"
    echo "$file: row '$id' kept: $out" >&2
    echo "now 'make results' rewrites the READMEs that show it" >&2
}

[ $# -gt 0 ] || usage
case "$1" in
    render) [ $# -ge 2 ] && [ $# -le 3 ] || usage "render FILE.tsv [COLUMN=VALUE]"; render "${@:2}" ;;
    check)  check "${@:2}" ;;
    update) update "${@:2}" ;;
    run)    [ $# -eq 3 ] || usage "run FILE.tsv ID"; run_row "$2" "$3" ;;
    set)    [ $# -eq 4 ] || usage "set FILE.tsv ID 'RESULT ...'"; set_result "$2" "$3" "$4" ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" ;;
    *) usage "unknown command '$1'" ;;
esac
