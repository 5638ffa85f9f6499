# check.sh -- sourced by the shell tests run from the repository root
# (ladder_test.sh, site_test.sh): a scratch folder removed on exit, PASS and
# FAIL lines, the count of failures in $failed and the start time in $start.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
pass() { echo "PASS $*"; }
start=$(date +%s)
