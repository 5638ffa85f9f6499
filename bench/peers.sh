# bench/peers.sh -- sourced by scripts/bench.sh: find or build the peer tools
# shellcheck shell=bash
# that the benchmarks compare against, from source checkouts the user names:
#
#   KENLM_DIR      a KenLM source checkout (github kpu/kenlm): lmplz, query,
#                  build_binary, built with its CMake into $PEERS/kenlm
#                  (needs cmake and Boost: scripts/deps.sh bench installs them
#                  when KENLM_DIR is set)
#   WORD2VEC_DIR   the original word2vec (tmikolov/word2vec or dav/word2vec):
#                  word2vec.c compiled with the CFLAGS of its own makefile into
#                  $PEERS/word2vec
#   LLMC_DIR       llm.c (karpathy/llm.c): its CPU trainer train_gpt2.c, built
#                  by its own Makefile (`make train_gpt2`, OpenMP) run in
#                  $PEERS/llmc with VPATH pointing at the checkout
#
# $PEERS is BENCH_PEERS (default build/peers), outside the source tree of
# ours and of the peers: nothing is written into a checkout. Nothing is
# downloaded either: a peer whose variable is unset (and, for KenLM, whose
# lmplz/query/build_binary are not on the PATH) is absent, and the benchmark
# says so and writes "absent" for its rows instead of a number.
#
# peer_setup NAME... builds the peers of the benchmarks named (ngram -> kenlm,
# word2vec and word2vec_parity -> word2vec, gpt and gpt_llmc -> llmc), then
# exports for the reference scripts:
#   KENLM_BIN     the directory holding lmplz, query, build_binary, or empty
#   WORD2VEC_BIN  the original word2vec binary, or empty
#   LLMC_BIN      llm.c's train_gpt2 binary, or empty
# and one line each on stderr: "KenLM: built from ... (commit ...)" or
# "KenLM: absent (set KENLM_DIR to a KenLM source checkout)".

PEERS=${BENCH_PEERS:-build/peers}
export KENLM_BIN="" WORD2VEC_BIN="" LLMC_BIN=""

_peer_note() { echo "bench: $*" >&2; }

# "commit 0123abc" when the checkout is a git work tree, else nothing.
_peer_rev() {
    local rev
    rev=$(git -C "$1" rev-parse --short HEAD 2>/dev/null) && echo ", commit $rev"
}

# Abs path of a directory.
_peer_abs() { (cd "$1" && pwd -P); }

peer_kenlm() {
    if [ -z "${KENLM_DIR:-}" ]; then
        if command -v lmplz >/dev/null && command -v query >/dev/null && command -v build_binary >/dev/null; then
            KENLM_BIN=$(dirname "$(command -v lmplz)")
            _peer_note "KenLM: found on the PATH ($KENLM_BIN)"
        else
            _peer_note "KenLM: absent (set KENLM_DIR to a KenLM source checkout)"
        fi
        return 0
    fi
    [ -f "$KENLM_DIR/CMakeLists.txt" ] && [ -d "$KENLM_DIR/lm" ] || {
        _peer_note "KenLM: absent (KENLM_DIR=$KENLM_DIR is not a KenLM source checkout)"; return 0; }
    local src out log
    src=$(_peer_abs "$KENLM_DIR")
    out=$PEERS/kenlm
    log=$out/build.log
    # a build folder configured for another checkout is started afresh
    if [ -f "$out/CMakeCache.txt" ] && ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$src" "$out/CMakeCache.txt"; then
        rm -rf "$out"
    fi
    mkdir -p "$out"
    _peer_note "KenLM: building lmplz, query, build_binary from $src into $out (log $log)"
    if { [ -f "$out/CMakeCache.txt" ] || cmake -S "$src" -B "$out" -DCMAKE_BUILD_TYPE=Release; } >"$log" 2>&1 &&
        cmake --build "$out" --target lmplz query build_binary -- -j"$(nproc)" >>"$log" 2>&1; then
        KENLM_BIN=$(_peer_abs "$out/bin")
        _peer_note "KenLM: built from $src$(_peer_rev "$src")"
    else
        _peer_note "KenLM: absent (KENLM_DIR=$src did not build; see $log)"
    fi
}

peer_word2vec() {
    if [ -z "${WORD2VEC_DIR:-}" ]; then
        _peer_note "original word2vec: absent (set WORD2VEC_DIR to a checkout of the original word2vec C tool)"
        return 0
    fi
    [ -f "$WORD2VEC_DIR/word2vec.c" ] && [ -f "$WORD2VEC_DIR/makefile" ] || {
        _peer_note "original word2vec: absent (WORD2VEC_DIR=$WORD2VEC_DIR has no word2vec.c and makefile)"; return 0; }
    local src out log cflags
    src=$(_peer_abs "$WORD2VEC_DIR")
    out=$PEERS/word2vec
    log=$out/build.log
    mkdir -p "$out"
    # its makefile's own flags (-lm -pthread -O3 -march=native -funroll-loops ...)
    cflags=$(sed -n 's/^CFLAGS[[:space:]]*=[[:space:]]*//p' "$src/makefile" | head -n 1)
    if [ ! -x "$out/word2vec" ] || [ "$src/word2vec.c" -nt "$out/word2vec" ] || [ "$src/makefile" -nt "$out/word2vec" ]; then
        _peer_note "original word2vec: cc $src/word2vec.c -o $out/word2vec $cflags"
        # shellcheck disable=SC2086  # the makefile's flags, word-split as make would
        if ! ${CC:-cc} "$src/word2vec.c" -o "$out/word2vec" $cflags >"$log" 2>&1; then
            _peer_note "original word2vec: absent (WORD2VEC_DIR=$src did not build; see $log)"
            return 0
        fi
    fi
    WORD2VEC_BIN=$(_peer_abs "$out")/word2vec
    _peer_note "original word2vec: built from $src$(_peer_rev "$src")"
}

peer_llmc() {
    if [ -z "${LLMC_DIR:-}" ]; then
        _peer_note "llm.c: absent (set LLMC_DIR to an llm.c source checkout)"
        return 0
    fi
    [ -f "$LLMC_DIR/train_gpt2.c" ] && [ -f "$LLMC_DIR/Makefile" ] || {
        _peer_note "llm.c: absent (LLMC_DIR=$LLMC_DIR has no train_gpt2.c and Makefile)"; return 0; }
    local src out log
    src=$(_peer_abs "$LLMC_DIR")
    out=$PEERS/llmc
    log=$out/build.log
    mkdir -p "$out"
    [ "$(cat "$out/source" 2>/dev/null)" = "$src" ] || rm -f "$out/train_gpt2"
    echo "$src" >"$out/source"
    _peer_note "llm.c: make train_gpt2 with $src/Makefile in $out (log $log)"
    # its Makefile, run in our build folder; VPATH finds train_gpt2.c (and its
    # includes resolve next to it), so the checkout stays untouched
    if make -C "$out" -f "$src/Makefile" VPATH="$src" CC="${CC:-cc}" train_gpt2 >"$log" 2>&1 && [ -x "$out/train_gpt2" ]; then
        LLMC_BIN=$(_peer_abs "$out")/train_gpt2
        if ldd "$out/train_gpt2" 2>/dev/null | grep -q gomp; then
            _peer_note "llm.c: built from $src$(_peer_rev "$src") (with OpenMP)"
        else
            _peer_note "llm.c: built from $src$(_peer_rev "$src") (without OpenMP: it runs on one thread)"
        fi
    else
        _peer_note "llm.c: absent (LLMC_DIR=$src did not build; see $log)"
    fi
}

peer_setup() {   # benchmark names
    local want_kenlm=0 want_w2v=0 want_llmc=0 name
    for name in "$@"; do
        case "$name" in
            ngram) want_kenlm=1 ;;
            word2vec | word2vec_parity) want_w2v=1 ;;
            gpt | gpt_llmc) want_llmc=1 ;;
        esac
    done
    [ $want_kenlm -eq 0 ] || peer_kenlm
    [ $want_w2v -eq 0 ] || peer_word2vec
    [ $want_llmc -eq 0 ] || peer_llmc
    export KENLM_BIN WORD2VEC_BIN LLMC_BIN
}
