#!/usr/bin/env bash
# data.sh -- put the benchmark datasets in data/cache/, every file checked by sha256.
#
# Usage:  scripts/data.sh [DATASET ...]        (what `make data` runs, with no arguments)
#
#   DATASET: tinyshakespeare ptb word2vec-analogy word-similarity mr-polarity
#            sst kim2014-other multi30k tatoeba-eng-fra gpt2 brown bible bible-es
#            (default: all of them)
#
# Each file lands in data/cache/<dataset>/<file>, the layout of the shared
# data directory. data/SOURCES says where each file comes from (a public URL
# pinned to a commit, or a conversion of a file before it) and data/SHA256SUMS
# holds its checksum. For each file:
#   - already in the cache with the right sha256: left alone       -> "ok"
#   - $NLP_DATA_DIR set: copied from $NLP_DATA_DIR/<dataset>/<file>  -> "fetched"
#     (a derived file missing there is derived from the cached source)
#   - otherwise: downloaded with curl or wget, or derived            -> "fetched"
#   - anything wrong (no network, bad checksum, missing copy)        -> "FAILED"
# A file is written under a temporary name and moved into place only after
# its checksum matched, so an interrupted run never leaves half a file.
# Derived files: MR is Latin-1, so rt-polarity.{pos,neg}.utf8 are UTF-8 copies
# (iconv -f latin1 -t utf-8); Multi30k's plain files are the gunzipped .gz;
# tatoeba-eng-fra/fra.txt is unzipped from fra-eng.zip when unzip or python3
# is present (optional: "skipped" otherwise, not a failure).
# "bible" runs scripts/bible.sh (Debian's bible-kjv; no download), "bible-es"
# scripts/bible_pairs.sh (Debian's SWORD KJV and Reina-Valera 1909; no download).
# Exit status: 0 if every file is ok, 1 if any failed, 2 for an unknown dataset.
set -u

# A relative NLP_DATA_DIR means relative to where we were called from.
if [ -n "${NLP_DATA_DIR:-}" ]; then
    case $NLP_DATA_DIR in /*) ;; *) NLP_DATA_DIR=$PWD/$NLP_DATA_DIR ;; esac
fi
cd "$(dirname "$0")/.." || exit 1

SOURCES=data/SOURCES
SUMS=data/SHA256SUMS
CACHE=data/cache
ALL=(tinyshakespeare ptb word2vec-analogy word-similarity mr-polarity sst kim2014-other multi30k tatoeba-eng-fra gpt2 brown)

n_ok=0 n_fetched=0 n_failed=0 n_skipped=0
declare -A verified   # files of this run whose checksum matched

report() {   # report STATUS FILE [NOTE]
    printf '%-8s %s%s\n' "$1" "$2" "${3:+  ($3)}"
    case $1 in
        ok) n_ok=$((n_ok + 1)); verified[$2]=1 ;;
        fetched) n_fetched=$((n_fetched + 1)); verified[$2]=1 ;;
        skipped) n_skipped=$((n_skipped + 1)) ;;
        *) n_failed=$((n_failed + 1)) ;;
    esac
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }
want_sha() { awk -v f="$1" '!/^#/ && $2 == f { print $1 }' "$SUMS"; }

download() {   # download URL DEST
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --connect-timeout 15 --max-time 600 -o "$2" "$1" 2>/dev/null
    elif command -v wget >/dev/null 2>&1; then
        wget -q --timeout=15 -O "$2" "$1"
    else
        return 1
    fi
}

unzip_member() {   # unzip_member ZIP MEMBER DEST
    if command -v unzip >/dev/null 2>&1; then
        unzip -p "$1" "$2" > "$3"
    else
        python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
            "$1" "$2" > "$3"
    fi
}

failed() { report FAILED "$file" "$1$stale"; }   # uses obtain's locals (bash scopes dynamically)

# obtain FILE METHOD ARG [MEMBER]: one line of data/SOURCES
obtain() {
    local file=$1 method=$2 arg=$3 member=${4-}
    local dest=$CACHE/$file want
    want=$(want_sha "$file")
    if [ -z "$want" ]; then report FAILED "$file" "no sha256 for it in $SUMS"; return; fi
    if [ -f "$dest" ] && [ "$(sha_of "$dest")" = "$want" ]; then report ok "$file"; return; fi
    # a cached copy that fails its check stays until a good one replaces it; say so
    local stale=""
    [ -f "$dest" ] && stale="; the cached copy's sha256 is wrong"
    mkdir -p "$(dirname "$dest")"
    local tmp=$dest.tmp.$$ how
    if [ -n "${NLP_DATA_DIR:-}" ] && [ -f "$NLP_DATA_DIR/$file" ]; then
        cp "$NLP_DATA_DIR/$file" "$tmp" || { rm -f "$tmp"; failed "cannot copy"; return; }
        how="copied from $NLP_DATA_DIR"
    elif [ "$method" = url ]; then
        if [ -n "${NLP_DATA_DIR:-}" ]; then
            failed "not found in NLP_DATA_DIR=$NLP_DATA_DIR"; return
        fi
        if ! download "$arg" "$tmp"; then
            rm -f "$tmp"
            failed "download failed: $arg"; return
        fi
        how="downloaded"
    else
        if [ -z "${verified[$arg]:-}" ]; then
            failed "needs $arg, which is not verified"; return
        fi
        case $method in
            gunzip) gzip -dc "$CACHE/$arg" > "$tmp" ;;
            latin1) iconv -f latin1 -t utf-8 "$CACHE/$arg" > "$tmp" ;;
            unzip)
                if ! command -v unzip >/dev/null 2>&1 && ! command -v python3 >/dev/null 2>&1; then
                    report skipped "$file" "optional: needs unzip or python3"; return
                fi
                unzip_member "$CACHE/$arg" "$member" "$tmp" ;;
            *) failed "unknown method '$method' in $SOURCES"; return ;;
        esac || { rm -f "$tmp"; failed "$method of $arg failed"; return; }
        how="$method of $arg"
    fi
    local got
    got=$(sha_of "$tmp")
    if [ "$got" != "$want" ]; then
        rm -f "$tmp"
        failed "sha256 mismatch: got ${got:0:16}..., want ${want:0:16}..."; return
    fi
    if mv -f "$tmp" "$dest"; then report fetched "$file" "$how"; else failed "cannot move $tmp into place"; fi
}

# ---------------------------------------------------------------- arguments
want_sets=("$@")
[ $# -eq 0 ] && want_sets=("${ALL[@]}" bible bible-es)
for d in "${want_sets[@]}"; do
    case " ${ALL[*]} bible bible-es " in
        *" $d "*) ;;
        *) echo "data.sh: error: unknown dataset '$d'" >&2
           echo "datasets: ${ALL[*]} bible bible-es" >&2
           exit 2 ;;
    esac
done

trap 'rm -f "$CACHE"/*/*.tmp.$$' EXIT
trap 'exit 130' INT TERM

run_bible=0 run_bible_es=0
for d in "${want_sets[@]}"; do
    if [ "$d" = bible ]; then run_bible=1; continue; fi
    if [ "$d" = bible-es ]; then run_bible_es=1; continue; fi
    while read -r file method arg member; do
        obtain "$file" "$method" "$arg" "$member" </dev/null
    done < <(grep -v '^#' "$SOURCES" | awk -v d="$d" 'index($1, d "/") == 1')
done

if [ $((n_ok + n_fetched + n_failed + n_skipped)) -gt 0 ]; then
    echo "data: $n_ok ok, $n_fetched fetched, $n_skipped skipped, $n_failed FAILED (in $CACHE/)"
fi
if [ $n_failed -gt 0 ]; then
    if [ -z "${NLP_DATA_DIR:-}" ]; then
        cat >&2 <<EOF
data.sh: error: $n_failed file(s) could not be obtained.
HINT: this network may allow no downloads. Either set NLP_DATA_DIR to a directory
      with the same layout (<dataset>/<file>), e.g. NLP_DATA_DIR=../shared/data make data,
      or download the URLs listed in $SOURCES by hand into $CACHE/<dataset>/<file>
      and run this script again to verify them.
EOF
    else
        echo "data.sh: error: $n_failed file(s) failed; see the FAILED lines above." >&2
    fi
fi

status=0
[ $n_failed -gt 0 ] && status=1
if [ $run_bible -eq 1 ]; then
    scripts/bible.sh || status=1
fi
if [ $run_bible_es -eq 1 ]; then
    scripts/bible_pairs.sh || status=1
fi
exit $status
