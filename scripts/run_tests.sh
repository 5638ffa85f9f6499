#!/usr/bin/env bash
# Run each Check suite given on the command line from the repository root,
# then print one closing line: "tests: N passed, N failed" counting the
# individual checks of all suites. Exits 1 when any suite fails.
set -u
passed=0 failed=0 bad_suites=()
start=$(date +%s)
for t in "$@"; do
  name=$(basename "$t")
  echo "== $name"
  out=$(mktemp)
  "$t" 2>&1 | tee "$out"
  status=${PIPESTATUS[0]}
  # Check's summary: "100%: Checks: 12, Failures: 0, Errors: 0"
  summary=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$out" | tail -1)
  rm -f "$out"
  if [ -z "$summary" ]; then
    failed=$((failed + 1)); bad_suites+=("$name (no summary, exit $status)"); continue
  fi
  checks=$(echo "$summary" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
  fails=$(echo "$summary" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
  errors=$(echo "$summary" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
  bad=$((fails + errors))
  passed=$((passed + checks - bad)); failed=$((failed + bad))
  if [ "$status" -ne 0 ] || [ "$bad" -ne 0 ]; then bad_suites+=("$name"); fi
done
echo
echo "suites: $#, time: $(( $(date +%s) - start )) s"
[ ${#bad_suites[@]} -gt 0 ] && echo "failing suites: ${bad_suites[*]}"
echo "tests: $passed passed, $failed failed"
[ ${#bad_suites[@]} -eq 0 ]
