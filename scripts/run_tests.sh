#!/usr/bin/env bash
# Run each Check suite given on the command line from the repository root,
# then print one closing line: "tests: N passed, N failed, N skipped" counting
# the individual checks of all suites. Exits 1 when any suite fails.
#
# A test that cannot run here (a dataset or a binary is missing) calls
# SKIP_TEST (tests/harness.h), which prints "SKIPPED: <test>: <why>"; Check
# counts it as passed, this script as skipped. With TESTS_NO_SKIP=1 (CI, which
# has every dataset and binary) any skipped test fails the run, and is named.
set -u
passed=0 failed=0 skipped=0 bad_suites=() skips=()
start=$(date +%s)
for t in "$@"; do
  name=$(basename "$t")
  echo "== $name"
  out=$(mktemp)
  "$t" 2>&1 | tee "$out"
  status=${PIPESTATUS[0]}
  # Check's summary: "100%: Checks: 12, Failures: 0, Errors: 0"
  summary=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$out" | tail -1)
  mapfile -t suite_skips < <(grep -E '^SKIPPED: ' "$out" | sed -E 's/^SKIPPED: //')
  rm -f "$out"
  if [ -z "$summary" ]; then
    failed=$((failed + 1)); bad_suites+=("$name (no summary, exit $status)"); continue
  fi
  checks=$(echo "$summary" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
  fails=$(echo "$summary" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
  errors=$(echo "$summary" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
  bad=$((fails + errors))
  for s in "${suite_skips[@]}"; do skips+=("$name: $s"); done
  skipped=$((skipped + ${#suite_skips[@]}))
  passed=$((passed + checks - bad - ${#suite_skips[@]})); failed=$((failed + bad))
  if [ "$status" -ne 0 ] || [ "$bad" -ne 0 ]; then bad_suites+=("$name"); fi
done
echo
echo "suites: $#, time: $(( $(date +%s) - start )) s"
[ ${#bad_suites[@]} -gt 0 ] && echo "failing suites: ${bad_suites[*]}"
if [ ${#skips[@]} -gt 0 ]; then
  echo "skipped:"
  printf '    %s\n' "${skips[@]}"
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "${TESTS_NO_SKIP:-0}" = 1 ] && [ ${#skips[@]} -gt 0 ]; then
  echo "run_tests.sh: error: TESTS_NO_SKIP=1 but ${#skips[@]} test(s) skipped (listed above)" >&2
  exit 1
fi
[ ${#bad_suites[@]} -eq 0 ]
