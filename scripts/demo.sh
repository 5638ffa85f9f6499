#!/usr/bin/env bash
# Run every landed chapter's demo on the built-in corpus, in the order of the
# story. Called by `make demo` with the stages present as arguments.
set -euo pipefail
BIN=${BIN:-bin}
scripts/data.sh bible bible-es
if [ $# -eq 0 ]; then
  echo "demo: no chapter has landed yet; the foundation is built and the Bible corpus is in data/cache/bible/."
  exit 0
fi
for stage in "$@"; do
  echo
  echo "################ $stage demo ################"
  start=$(date +%s)
  "$BIN/$stage" demo
  echo "($stage demo took $(( $(date +%s) - start )) s)"
done
