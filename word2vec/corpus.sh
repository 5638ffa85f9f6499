#!/usr/bin/env bash
# corpus.sh -- the 3.03M-word corpus of the chapter's parity run, on stdout:
# PTB train + Brown (tags stripped, lower-cased) + the whole King James Bible
# (lower-cased, punctuation split off): what bench/word2vec_parity.sh trains both tools on.
#
#   word2vec/corpus.sh > runs/word2vec/ptb_brown_bible.txt
#
# With min-count 5 it gives word2vec a vocabulary of 20,147 and 3,031,826
# training words (</s> included), the figures of the original tool's run.
# Needs ptb/ and brown/brown.zip in data/cache (`make data`) or $NLP_DATA_DIR,
# python3 (zipfile only) and bible-kjv.
set -euo pipefail
data=data/cache
[ -f "$data/brown/brown.zip" ] || data=${NLP_DATA_DIR:-data/cache}
for f in "$data/ptb/ptb.train.txt" "$data/brown/brown.zip"; do
  [ -f "$f" ] || { echo "corpus.sh: error: $f not found (make data)" >&2; exit 1; }
done
command -v bible >/dev/null || { echo "corpus.sh: error: 'bible' not found (apt-get install bible-kjv)" >&2; exit 1; }

cat "$data/ptb/ptb.train.txt"
# Brown: files ca01..cr09 of "word/tag" tokens; keep the word, lower-case it
python3 - "$data/brown/brown.zip" <<'PY'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
out = sys.stdout
for name in sorted(n for n in z.namelist() if re.search(r"/c[a-r]\d\d$", n)):
    for line in z.read(name).decode("latin-1").splitlines():
        toks = [t.rsplit("/", 1)[0].lower() for t in line.split()]
        if toks:
            out.write(" ".join(toks) + "\n")
PY
# the Bible: drop the reference, lower-case, split , ; : . ? ! ( ) off
bible -f gen1:1-rev22:21 </dev/null | sed 's/^[^ ]* //' | tr 'A-Z' 'a-z' \
  | sed -E "s/([.,;:!?()])/ \1 /g" | tr -s ' ' | sed -E 's/^ //; s/ $//'
