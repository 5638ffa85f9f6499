#!/usr/bin/env bash
# bench/word2vec_parity.sh -- Chapter 2's parity with the original word2vec
# tool: both train skip-gram vectors on the same 3.03M-word corpus with the
# same settings, and the same evaluator (bin/word2vec eval) scores both.
#
#   BENCH_ONLY=word2vec_parity WORD2VEC_DIR=~/src/word2vec make bench
#
# The corpus is word2vec/corpus.sh's (PTB train + Brown + the whole Bible).
# Settings, both tools: skip-gram, size 100, window 5, negative 5, hs 0,
# sample 1e-4, iter 5, min-count 5, binary output, T threads. Ours runs with
# --seed 1..R; the original has no seed option (each of its threads starts
# its generator at the thread's index), so its R runs differ only through
# the Hogwild races between threads. Runs alternate ours / original.
#
# Prints, on stderr, each run's figures, and on stdout RESULT lines
# (scripts/bench.sh's form, bench=word2vec_parity) with the mean over the R
# runs: analogy, semantic and syntactic accuracy (%), WordSim-353 and
# SimLex-999 Spearman rho, the vocabulary size, and training words/s
# (5 x corpus tokens / wall seconds, as bench/word2vec.c counts them) and
# words per CPU second (user + system, all threads: steadier than the wall
# time on a shared machine).
#
# Environment: BIN (bin), WORD2VEC_BIN (the original tool, set by
# bench/peers.sh from WORD2VEC_DIR; empty: its rows say "absent"),
# BENCH_PARITY_THREADS (2, the chapter's), BENCH_PARITY_RUNS (3).
set -euo pipefail

BIN=${BIN:-bin}
T=${BENCH_PARITY_THREADS:-2}
R=${BENCH_PARITY_RUNS:-3}
ORIG=${WORD2VEC_BIN:-}

note() { echo "word2vec_parity: $*" >&2; }
[ -x "$BIN/word2vec" ] || { note "error: $BIN/word2vec is not built (make word2vec)"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-w2v-parity.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
corpus=$tmp/ptb_brown_bible.txt
if ! word2vec/corpus.sh >"$corpus"; then
    note "the corpus could not be built (make data, bible-kjv); skipped"
    exit 0
fi
tokens=$(awk '{ n += NF + 1 } END { print n }' "$corpus")
note "corpus: $(wc -l <"$corpus") lines, $tokens tokens (</s> included); $T threads, $R runs each"
[ -n "$ORIG" ] || note "original word2vec: absent (set WORD2VEC_DIR): only our side runs"

# train_and_eval LABEL OUT.bin COMMAND...: time the training, evaluate the
# vectors, append "wps vocab analogy semantic syntactic ws353 simlex" to $tmp/LABEL
train_and_eval() {
    local label=$1 out=$2
    shift 2
    local tm ev
    # bash's `time`: wall, user and system seconds of the training (all threads)
    tm=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>&1; } 2>&1 ) ||
        { note "error: $label training failed: $*"; exit 1; }
    ev=$("$BIN/word2vec" eval --vectors "$out")
    awk -v tm="$tm" -v n="$tokens" '
        / vectors of size / { vocab = $2 }
        /^RESULT / {
            split(tm, w, " ")
            for (i = 2; i <= NF; i++) { p = index($i, "="); kv[substr($i, 1, p - 1)] = substr($i, p + 1) }
            printf "%.0f %d %s %s %s %s %s %.0f\n", 5 * n / w[1], vocab, kv["analogy"], kv["semantic"],
                   kv["syntactic"], kv["ws353"], kv["simlex"], 5 * n / (w[2] + w[3])
        }' <<<"$ev" >>"$tmp/$label"
    note "$label: $(tail -n 1 "$tmp/$label" | awk '{ printf "%s words/s (%s per CPU second), vocabulary %s, analogy %s %% (semantic %s, syntactic %s), WS-353 %s, SimLex %s", $1, $8, $2, $3, $4, $5, $6, $7 }')"
    rm -f "$out"
}

common=(-size 100 -window 5 -negative 5 -hs 0 -sample 1e-4 -iter 5 -min-count 5 -threads "$T" -binary 1 -cbow 0)
for run in $(seq 1 "$R"); do
    train_and_eval ours "$tmp/ours.bin" "$BIN/word2vec" train -train "$corpus" -output "$tmp/ours.bin" \
        "${common[@]}" --seed "$run" --quiet
    [ -z "$ORIG" ] || train_and_eval word2vec "$tmp/orig.bin" "$ORIG" -train "$corpus" -output "$tmp/orig.bin" \
        "${common[@]}"
done

# the mean over the runs, one RESULT line per figure and side ("absent" for a
# side that did not run)
emit() {   # impl file
    local impl=$1 file=$2
    [ -f "$file" ] || file=/dev/null
    awk -v impl="$impl" -v t="$T" '
        { for (i = 1; i <= NF; i++) s[i] += $i; n++ }
        END {
            split("words_per_s vocab analogy semantic syntactic ws353 simlex words_per_cpu_s", name, " ")
            split("words/s words % % % rho rho words/s", unit, " ")
            split("%.0f %.0f %.2f %.2f %.2f %.3f %.3f %.0f", f, " ")
            for (i = 1; i <= 8; i++)
                printf "RESULT stage=bench bench=word2vec_parity case=pbb_skipgram_%s_t%d impl=%s value=%s unit=%s\n",
                       name[i], t, impl, n ? sprintf(f[i], s[i] / n) : "absent", unit[i]
        }' "$file"
}
emit ours "$tmp/ours"
emit word2vec "$tmp/word2vec"
