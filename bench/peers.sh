# bench/peers.sh -- sourced by scripts/bench.sh: find the peer tools that the
# shellcheck shell=bash
# benchmarks compare against, built by the user, in the folders named by:
#
#   KENLM_DIR      a KenLM build (github kpu/kenlm, built with its own CMake as
#                  its README says): lmplz, query and build_binary in
#                  KENLM_DIR/bin or KENLM_DIR itself; without KENLM_DIR, the
#                  PATH is searched
#   WORD2VEC_DIR   the original word2vec (tmikolov/word2vec or dav/word2vec)
#                  after its own `make`: the word2vec binary in that folder
#   LLMC_DIR       llm.c (karpathy/llm.c) after its own `make train_gpt2`: the
#                  CPU trainer train_gpt2 in that folder
#
# The toolkit builds, downloads and writes none of them: a peer that is not
# found is absent, and the benchmark says so and writes "absent" for its rows
# instead of a number.
#
# peer_setup NAME... finds the peers of the benchmarks named (ngram -> kenlm,
# word2vec and word2vec_parity -> word2vec, gpt and gpt_llmc -> llmc), then
# exports for the reference scripts:
#   KENLM_BIN     the directory holding lmplz, query, build_binary, or empty
#   WORD2VEC_BIN  the original word2vec binary, or empty
#   LLMC_BIN      llm.c's train_gpt2 binary, or empty
# and one line each on stderr: "KenLM: found in ... (commit ...)" or
# "KenLM: absent (set KENLM_DIR to a KenLM build)".

export KENLM_BIN="" WORD2VEC_BIN="" LLMC_BIN=""

_peer_note() { echo "bench: $*" >&2; }

# ", commit 0123abc" when the folder is in the peer's own git work tree
# (not ours), else nothing.
_peer_rev() {
    local top rev
    top=$(git -C "$1" rev-parse --show-toplevel 2>/dev/null) || return 0
    [ "$top" != "$(git rev-parse --show-toplevel 2>/dev/null)" ] || return 0
    rev=$(git -C "$1" rev-parse --short HEAD 2>/dev/null) && echo ", commit $rev"
}

# Abs path of a directory.
_peer_abs() { (cd "$1" && pwd -P); }

# The first of the folders given that holds every named executable, or nothing.
_peer_find() {   # names... -- dirs...
    local names=() dir name ok
    while [ "$1" != "--" ]; do names+=("$1"); shift; done
    shift
    for dir in "$@"; do
        ok=1
        for name in "${names[@]}"; do [ -x "$dir/$name" ] || ok=0; done
        [ $ok -eq 1 ] && { _peer_abs "$dir"; return 0; }
    done
    return 1
}

peer_kenlm() {
    if [ -z "${KENLM_DIR:-}" ]; then
        if command -v lmplz >/dev/null && command -v query >/dev/null && command -v build_binary >/dev/null; then
            KENLM_BIN=$(dirname "$(command -v lmplz)")
            _peer_note "KenLM: found on the PATH ($KENLM_BIN)"
        else
            _peer_note "KenLM: absent (set KENLM_DIR to a KenLM build holding bin/lmplz, bin/query, bin/build_binary)"
        fi
        return 0
    fi
    if KENLM_BIN=$(_peer_find lmplz query build_binary -- "$KENLM_DIR/bin" "$KENLM_DIR" "$KENLM_DIR/build/bin"); then
        _peer_note "KenLM: found in $KENLM_BIN$(_peer_rev "$KENLM_DIR")"
    else
        KENLM_BIN=""
        _peer_note "KenLM: absent (KENLM_DIR=$KENLM_DIR holds no built lmplz, query and build_binary)"
    fi
}

peer_word2vec() {
    if [ -z "${WORD2VEC_DIR:-}" ]; then
        _peer_note "original word2vec: absent (set WORD2VEC_DIR to the original word2vec tool, built)"
        return 0
    fi
    local dir
    if dir=$(_peer_find word2vec -- "$WORD2VEC_DIR" "$WORD2VEC_DIR/bin"); then
        WORD2VEC_BIN=$dir/word2vec
        _peer_note "original word2vec: found in $dir$(_peer_rev "$WORD2VEC_DIR")"
    else
        _peer_note "original word2vec: absent (WORD2VEC_DIR=$WORD2VEC_DIR holds no built word2vec binary)"
    fi
}

peer_llmc() {
    if [ -z "${LLMC_DIR:-}" ]; then
        _peer_note "llm.c: absent (set LLMC_DIR to an llm.c checkout where \`make train_gpt2\` has run)"
        return 0
    fi
    local dir
    if dir=$(_peer_find train_gpt2 -- "$LLMC_DIR"); then
        LLMC_BIN=$dir/train_gpt2
        if ldd "$LLMC_BIN" 2>/dev/null | grep -q gomp; then
            _peer_note "llm.c: found in $dir$(_peer_rev "$LLMC_DIR") (with OpenMP)"
        else
            _peer_note "llm.c: found in $dir$(_peer_rev "$LLMC_DIR") (without OpenMP: it runs on one thread)"
        fi
    else
        _peer_note "llm.c: absent (LLMC_DIR=$LLMC_DIR holds no built train_gpt2)"
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
