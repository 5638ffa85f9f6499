#!/usr/bin/env bash
# pretrain_vectors.sh -- our own "pretrained" word2vec vectors for Chapter 3's
# static and non-static classifiers (Kim 2014 used Google's 300-d vectors,
# trained on ~100 billion words of Google News; we have a few million words).
#
# Usage:  scripts/pretrain_vectors.sh [OUT_DIR (runs/word2vec/pretrain)]
#
# 1. Concatenates the English text we have that does NOT overlap the movie
#    reviews of MR and SST (Rotten Tomatoes): the Brown corpus (tags
#    stripped), PTB train (Wall Street Journal), the Bible's training verses,
#    Tiny Shakespeare, Multi30k's English image captions (train) and Tatoeba's
#    English sentences. Each file is looked up like data_path() does:
#    data/cache/<dataset>/<file> first, then $NLP_DATA_DIR (default
#    ../shared/data); a missing one is skipped with a note (scripts/data.sh
#    fetches them).
# 2. Tokenises it as MR and SST are: lower case, punctuation . , ! ? ; : " ( )
#    split off as tokens, apostrophes kept inside words ("doesn't"); PTB
#    brings the split forms SST uses ("does n't", "it 's").
# 3. Trains skip-gram, 300-d, window 5, 5 negatives, subsampling 1e-4,
#    5 passes, min count 5, one thread (reproducible), Mikolov's recipe for
#    the Google News vectors at our scale:
#        bin/word2vec train --cbow 0 --size 300 ... --binary 1
#    and writes OUT_DIR/vectors.bin (the word2vec binary format) and
#    OUT_DIR/corpus.txt, printing the corpus size in words.
#
# The mr-cnn-static/nonstatic and sst2-cnn-static/nonstatic presets of
# `rnn classify-train` read runs/word2vec/pretrain/vectors.bin.
set -eu
cd "$(dirname "$0")/.." || exit 1
OUT=${1:-runs/word2vec/pretrain}
DATA_DIR=${NLP_DATA_DIR:-../shared/data}
mkdir -p "$OUT"
[ -x bin/word2vec ] || { echo "pretrain_vectors: bin/word2vec is missing: run make first" >&2; exit 1; }

# find REL: the path of data file REL, or nothing
find_data() {
    if [ -f "data/cache/$1" ]; then echo "data/cache/$1"
    elif [ -f "$DATA_DIR/$1" ]; then echo "$DATA_DIR/$1"
    fi
}

# Each source's raw English lines on stdout.
emit() {
    local f
    case $1 in
    brown)
        f=$(find_data brown/brown.zip)
        [ -n "$f" ] || return 1
        # files ca01..cr09; every token is word/tag
        unzip -p "$f" 'brown/c[a-r][0-9][0-9]' | sed -E 's#([^ /]+)/[^ ]+#\1#g' ;;
    ptb)
        f=$(find_data ptb/ptb.train.txt); [ -n "$f" ] || return 1
        sed -e 's/<unk>//g' "$f" ;;
    bible)
        f=$(find_data bible/words.train.txt); [ -n "$f" ] || return 1
        cat "$f" ;;
    shakespeare)
        f=$(find_data tinyshakespeare/input.txt); [ -n "$f" ] || return 1
        grep -v ':$' "$f" ;;   # drop the speakers' names
    multi30k)
        f=$(find_data multi30k/train.en); [ -n "$f" ] || return 1
        cat "$f" ;;
    tatoeba)
        f=$(find_data tatoeba-eng-fra/fra.txt); [ -n "$f" ] || return 1
        cut -f1 "$f" | uniq ;;   # the English column; one English sentence has many French ones
    esac
}

tokenise() {
    LC_ALL=C tr '[:upper:]' '[:lower:]' |
        sed -E -e "s/\`\`|''/\"/g" -e 's/([.,!?;:"()]|--)/ \1 /g' -e 's/[[:space:]]+/ /g' -e 's/^ //' -e 's/ $//' |
        grep -v '^$'
}

CORPUS=$OUT/corpus.txt
: > "$CORPUS.tmp"
for src in brown ptb bible shakespeare multi30k tatoeba; do
    if emit "$src" | tokenise > "$OUT/part.txt" && [ -s "$OUT/part.txt" ]; then
        printf 'pretrain_vectors: %-12s %9d words\n' "$src" "$(wc -w < "$OUT/part.txt")"
        cat "$OUT/part.txt" >> "$CORPUS.tmp"
    else
        echo "pretrain_vectors: $src not found (scripts/data.sh fetches it): skipped" >&2
    fi
done
rm -f "$OUT/part.txt"
mv "$CORPUS.tmp" "$CORPUS"
WORDS=$(wc -w < "$CORPUS")
[ "$WORDS" -gt 0 ] || { echo "pretrain_vectors: no text found" >&2; exit 1; }
echo "pretrain_vectors: corpus $CORPUS: $WORDS words, $(wc -l < "$CORPUS") lines"

bin/word2vec train --train "$CORPUS" --output "$OUT/vectors.bin" --cbow 0 --size 300 --window 5 \
    --negative 5 --hs 0 --sample 1e-4 --iter 5 --min-count 5 --threads 1 --binary 1 --seed 1 --quiet
echo "pretrain_vectors: wrote $OUT/vectors.bin ($(head -c 40 "$OUT/vectors.bin" | head -1) words x dims) from $WORDS words"
