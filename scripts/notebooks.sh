#!/usr/bin/env bash
# Execute every notebook in notebooks/ in place of a reader, with Debian's
# nbconvert, failing on the first cell that raises.
set -euo pipefail
PYTHON=${PYTHON:-/usr/bin/python3}
shopt -s nullglob
books=(notebooks/*.ipynb)
if [ ${#books[@]} -eq 0 ]; then
  echo "notebooks: none yet"
  exit 0
fi
mkdir -p build/notebooks
for nb in "${books[@]}"; do
  echo "notebooks: executing $nb"
  "$PYTHON" -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600 \
      --output-dir build/notebooks "$nb"
done
