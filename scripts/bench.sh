#!/usr/bin/env bash
# bench.sh -- `make bench`: run every benchmark beside its references, print a
# table, and update bench/results.tsv.
#
# A benchmark NAME is bench/NAME.c (our side; the Makefile builds it into
# $BUILD/bench/NAME) and, optionally, bench/NAME_ref.py (the references). Both
# print RESULT lines (common/metrics.h):
#     RESULT stage=bench bench=NAME case=CASE impl=IMPL value=X unit=UNIT
# with impl=ours for our side. The reference script lists its implementations
# with --impls and runs one with --impl IMPL; both sides take --threads N.
#
# For each of BENCH_ROUNDS rounds (default 4) and each thread count in
# BENCH_THREADS (default "1 2"), every side runs in a fresh process with the
# same environment: OPENBLAS_NUM_THREADS=N and OMP_NUM_THREADS=N (OpenBLAS reads
# them when it loads), everything else inherited unchanged (OPENBLAS_CORETYPE,
# OPENBLAS_L2_SIZE...). Inside a run each side repeats its measurement (its
# own default, or --reps BENCH_REPS when that is set) and reports the median.
# BENCH_ONLY="sgemm ..." runs only the benchmarks named. Rounds interleave the sides, and the
# table keeps each side's best round: other programs on the machine can only
# slow a side down, so the best round is the closest to its undisturbed speed
# (best = highest for units per second, lowest for times). BENCH_STAT=median
# keeps each side's median round instead (the upper middle one of an even
# count), less flattering to whichever side had the one quiet minute. The
# side that goes first rotates from round to round.
#
# A benchmark can also be a script, bench/NAME.sh, that runs every side itself
# (a comparison that is long and not a matter of speed, such as accuracy
# parity): it runs once, only when BENCH_ONLY names it, and prints the same
# RESULT lines with impl=ours and impl=<peer>.
#
# Peers (KenLM, the original word2vec, llm.c) are the user's builds, found in
# the folders named by KENLM_DIR, WORD2VEC_DIR and LLMC_DIR (bench/peers.sh). A peer that is not there is reported as absent, and its
# rows are written with ref_value "absent": never a number from another run.
#
# bench/results.tsv, tab-separated, one header line:
#     benchmark  ours  reference  ratio  unit  machine  ref_value
# benchmark = NAME/CASE, reference = the implementation compared with,
# ratio = ours / ref_value ("-" and ref_value "absent" for an absent peer). A
# run replaces the rows with the same benchmark and reference and keeps the
# others.
#
# Environment: BUILD (default build/release), PYTHON (default /usr/bin/python3).
set -euo pipefail

BUILD=${BUILD:-build/release}
PYTHON=${PYTHON:-/usr/bin/python3}
THREADS=${BENCH_THREADS:-1 2}
ROUNDS=${BENCH_ROUNDS:-4}
REPS=(${BENCH_REPS:+--reps "$BENCH_REPS"})
RESULTS=${BENCH_RESULTS:-bench/results.tsv}
STAT=${BENCH_STAT:-best}
[ "$STAT" = best ] || [ "$STAT" = median ] || { echo "bench: error: BENCH_STAT must be best or median, not '$STAT'" >&2; exit 2; }

die()  { echo "bench: error: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }

# "2c-AMD-EPYC": core count and a short CPU model name, no spaces.
machine() {
    local model
    model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n 1)
    model=$(echo "${model:-unknown-cpu}" | sed -e 's/([RrTtMm]*)//g' -e 's/ CPU//; s/ Processor//; s/ @.*//' \
            -e 's/[[:space:]]\{1,\}/-/g; s/-$//')
    echo "$(nproc)c-$model"
}

names=()      # bench/NAME.c: our side built, rounds and thread counts
scripts=()    # bench/NAME.sh: one run that measures every side itself
for src in bench/*.c; do
    [ -e "$src" ] || continue
    name=$(basename "$src" .c)
    if [ -n "${BENCH_ONLY:-}" ] && ! [[ " $BENCH_ONLY " == *" $name "* ]]; then continue; fi
    names+=("$name")
done
for src in bench/*.sh; do
    [ -e "$src" ] || continue
    name=$(basename "$src" .sh)
    [ "$name" != peers ] || continue
    [[ " ${BENCH_ONLY:-} " == *" $name "* ]] && scripts+=("$name")
done
[ $((${#names[@]} + ${#scripts[@]})) -gt 0 ] ||
    die "no benchmarks in bench/*.c${BENCH_ONLY:+ or bench/*.sh named \"$BENCH_ONLY\"}"
for name in ${names[@]+"${names[@]}"}; do
    [ -x "$BUILD/bench/$name" ] || die "$BUILD/bench/$name is not built (run 'make bench')"
done

mach=$(machine)
raw=$(mktemp)
rows=$(mktemp)
trap 'rm -f "$raw" "$rows"' EXIT

load() { cut -d' ' -f1-3 /proc/loadavg; }
note "machine $mach; load average $(load) (above $(nproc), other programs compete: expect noise)"
note "environment: $(env | grep -E '^OPENBLAS_' | sort | tr '\n' ' ')"

# The peers of the benchmarks chosen: found in KENLM_DIR, WORD2VEC_DIR,
# LLMC_DIR, or reported absent (bench/peers.sh).
# shellcheck source=bench/peers.sh
. bench/peers.sh
peer_setup ${names[@]+"${names[@]}"} ${scripts[@]+"${scripts[@]}"}

# One side of one benchmark: its RESULT lines into $raw.
run_side() {   # label threads command...
    local label=$1 t=$2
    shift 2
    local out
    if out=$(OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t "$@"); then
        grep '^RESULT ' <<<"$out" >>"$raw" || note "warning: $label printed no RESULT line"
    else
        note "warning: $label failed (exit $?); its numbers are missing"
    fi
}

# One side: "ours" or a reference implementation.
run_one() {   # name threads side
    local name=$1 t=$2 side=$3
    if [ "$side" = ours ]; then
        run_side "$name (ours)" "$t" "$BUILD/bench/$name" --threads "$t" "${REPS[@]}"
    else
        run_side "$name ($side)" "$t" "$PYTHON" "bench/${name}_ref.py" --impl "$side" --threads "$t" "${REPS[@]}"
    fi
}

for name in ${names[@]+"${names[@]}"}; do
    sides=(ours)
    if [ -f "bench/${name}_ref.py" ]; then
        impls=$("$PYTHON" "bench/${name}_ref.py" --impls) || die "bench/${name}_ref.py --impls failed"
        read -r -a more <<<"$impls"
        sides+=("${more[@]}")
    fi
    for round in $(seq 1 "$ROUNDS"); do
        for t in $THREADS; do
            note "$name: round $round/$ROUNDS, $t thread(s): ${sides[*]}"
            # rotate who goes first, so no side always runs in the same slot
            for i in $(seq 0 $((${#sides[@]} - 1))); do
                run_one "$name" "$t" "${sides[$(((i + round - 1) % ${#sides[@]}))]}"
            done
        done
    done
done

for name in ${scripts[@]+"${scripts[@]}"}; do
    note "$name: bench/$name.sh (every side, one run)"
    run_side "$name" "${THREADS##* }" env BIN="${BIN:-bin}" BUILD="$BUILD" PYTHON="$PYTHON" bash "bench/$name.sh"
done

# Join: one row per (benchmark, reference), each side at its best (or median) round. A
# side whose every value is "absent" (a peer not built) gives ref_value
# "absent" and no ratio.
awk -v machine="$mach" -v stat="$STAT" '
    # The best round (BENCH_STAT=best) or the median one, of the numeric values.
    function best(list, higher,   v, n, i, j, b, x, m) {
        n = split(list, v, " ")
        m = 0
        for (i = 1; i <= n; i++) if (v[i] ~ /^[-+0-9.eE]+$/) x[++m] = v[i] + 0   # not "absent"
        if (m == 0) return "absent"
        if (stat == "median") {
            for (i = 2; i <= m; i++) for (j = i; j > 1 && x[j - 1] > x[j]; j--) { b = x[j]; x[j] = x[j - 1]; x[j - 1] = b }
            return x[int(m / 2) + 1]
        }
        b = x[1]
        for (i = 2; i <= m; i++) if (higher ? x[i] > b : x[i] < b) b = x[i]
        return b
    }
    # perplexities and correlations keep three decimals, losses four, the rest two
    function fmt(v, u) {
        if (v == "absent") return v
        return sprintf(u == "nats" ? "%.4f" : u == "ppl" || u == "rho" ? "%.3f" : "%.2f", v)
    }
    {
        delete kv
        for (i = 2; i <= NF; i++) { p = index($i, "="); kv[substr($i, 1, p - 1)] = substr($i, p + 1) }
        key = kv["bench"] "/" kv["case"]
        if (!(key in unit)) { order[++nkeys] = key; unit[key] = kv["unit"] }
        vals[key, kv["impl"]] = vals[key, kv["impl"]] " " kv["value"]
        if (kv["impl"] != "ours" && !((key, kv["impl"]) in isref)) { isref[key, kv["impl"]] = 1; refs[key] = refs[key] " " kv["impl"] }
    }
    END {
        for (k = 1; k <= nkeys; k++) {
            key = order[k]
            higher = (unit[key] ~ /\/s$/)
            if (!((key, "ours") in vals)) continue
            ours = best(vals[key, "ours"], higher)
            n = split(refs[key], r, " ")
            for (i = 1; i <= n; i++) {
                ref = best(vals[key, r[i]], higher)
                if (ref == "absent" || ours == "absent")
                    printf "%s\t%s\t%s\t-\t%s\t%s\t%s\n", key, fmt(ours, unit[key]), r[i], unit[key], machine, fmt(ref, unit[key])
                else
                    printf "%s\t%s\t%s\t%.3f\t%s\t%s\t%s\n", key, fmt(ours, unit[key]), r[i], (ref > 0 ? ours / ref : 0), unit[key], machine, fmt(ref, unit[key])
            }
            if (n == 0) printf "%s\t%s\t-\t-\t%s\t%s\t-\n", key, fmt(ours, unit[key]), unit[key], machine
        }
    }' "$raw" >"$rows"
[ -s "$rows" ] || die "no results (every side failed?)"

# The readable table: per benchmark, one line per case, each reference beside ours.
awk -F'\t' '
    {
        split($1, nc, "/"); b = nc[1]
        if (!(b in nb)) { border[++nbench] = b; nb[b] = 0 }
        if (!($1 in seen)) { seen[$1] = 1; cases[b, ++nb[b]] = $1; ours[$1] = $2; unit[$1] = $5 }
        if ($3 != "-") {
            if (!((b, $3) in isref)) { isref[b, $3] = 1; refs[b, ++nr[b]] = $3 }
            val[$1, $3] = $7; ratio[$1, $3] = $4
        }
    }
    END {
        for (i = 1; i <= nbench; i++) {
            b = border[i]
            printf "\n%-32s %-8s %8s", b, "unit", "ours"
            for (j = 1; j <= nr[b]; j++) printf " %14s %6s", refs[b, j], "ratio"
            printf "\n"
            for (c = 1; c <= nb[b]; c++) {
                k = cases[b, c]
                printf "%-32s %-8s %8s", substr(k, length(b) + 2), unit[k], ours[k]
                for (j = 1; j <= nr[b]; j++)
                    if (!((k, refs[b, j]) in val)) printf " %14s %6s", "-", "-"
                    else if (val[k, refs[b, j]] == "absent") printf " %14s %6s", "absent", "-"
                    else printf " %14s %6.2f", val[k, refs[b, j]], ratio[k, refs[b, j]]
                printf "\n"
            }
        }
        printf "\n"
    }' "$rows"

# The machine ceiling: the best peak_* value of any side, per case.
awk -F'\t' '$1 ~ /\/peak_/ { b = $2 + 0; if ($7 + 0 > b) b = $7 + 0; if (b > best[$1]) best[$1] = b; u[$1] = $5 }
    END { for (k in best) printf "peak %s: best of all sides %.1f %s\n", k, best[k], u[k] }' "$rows" | sort
echo "(ratio = ours / reference; for GFLOP/s and tokens/s higher is better; machine $mach)"

# Merge into results.tsv: drop old rows of the same benchmark + reference.
header=$'benchmark\tours\treference\tratio\tunit\tmachine\tref_value'
tmp="$RESULTS.tmp.$$"
{
    echo "$header"
    if [ -f "$RESULTS" ]; then
        if [ "$(head -n 1 "$RESULTS")" = "$header" ]; then
            awk -F'\t' 'NR == FNR { fresh[$1 "\t" $3] = 1; next }
                        FNR > 1 && !(($1 "\t" $3) in fresh)' "$rows" "$RESULTS"
        else
            note "warning: $RESULTS had another header; starting it afresh"
        fi
    fi
    cat "$rows"
} >"$tmp"
mv -f "$tmp" "$RESULTS"
note "wrote $RESULTS (load average now $(load))"
