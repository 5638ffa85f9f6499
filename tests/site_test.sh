#!/usr/bin/env bash
# The course site (`make test-site`):
#   1. scripts/site.sh builds it into a scratch folder;
#   2. every page's local links and images lead to a file of the site;
#   3. headless Chromium loads the home page, each chapter's and the ladder's:
#      each has the navigation bar and its title heading, the ladder page its
#      two tables and two plots, and its screenshot is drawn (a PNG of more
#      than 50 kB).
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
pass() { echo "PASS $*"; }
start=$(date +%s)
site=$tmp/site

# 1.
if SITE_OUT=$site scripts/site.sh > "$tmp/site.log" 2>&1; then pass "scripts/site.sh: $(tail -n 1 "$tmp/site.log")"
else tail -n 20 "$tmp/site.log"; fail "scripts/site.sh"; echo "site test: $failed failed"; exit 1; fi

# 2.
broken=0
while read -r page; do
    dir=$(dirname "$page")
    while read -r target; do
        case "$target" in *://*|mailto:*|'#'*|'') continue ;; esac
        file=${target%%#*}
        [ -e "$dir/$file" ] || { echo "  ${page#"$site"/}: broken link '$target'"; broken=$((broken + 1)); }
    done < <(grep -o -E '(href|src)="[^"]*"' "$page" | sed -E 's/^(href|src)="//; s/"$//')
done < <(find "$site" -name '*.html')
[ $broken = 0 ] && pass "every local link and image of $(find "$site" -name '*.html' | wc -l) pages resolves" ||
    fail "$broken broken local links (listed above)"

# 3.
chrome=$(command -v chromium-headless-shell || command -v chromium || true)
if [ -z "$chrome" ]; then
    fail "no headless Chromium (scripts/deps.sh site installs chromium-headless-shell)"
else
    render() { timeout 60 "$chrome" --no-sandbox --disable-gpu "$@" 2> /dev/null; }
    for page in index.html ladder/index.html ngram/index.html word2vec/index.html rnn/index.html seq2seq/index.html \
                transformer/index.html gpt/index.html rlhf/index.html; do
        [ -f "$site/$page" ] || { fail "$page was not built"; continue; }
        heading=$(sed -n 's/^# //p' "$(dirname "${page/index.html/README.md}")/README.md" | head -n 1)
        dom=$(render --dump-dom "file://$site/$page" | tr -s ' \n' '  ')   # pandoc wraps long lines
        case "$dom" in *"<nav>"*) ;; *) fail "$page: Chromium's DOM has no navigation bar"; continue ;; esac
        # pandoc escapes & < > and typographic quotes stay as they are
        first=${heading%%[&<>\']*}
        case "$dom" in *"<h1"*"$first"*) pass "$page loads in Chromium: '$heading'" ;;
                       *) fail "$page: no heading '$first' in Chromium's DOM" ;; esac
        if [ "$page" = ladder/index.html ]; then
            tables=$(grep -o '<table' <<< "$dom" | wc -l)
            [ "$tables" -ge 2 ] && pass "the ladder page has its $tables tables" || fail "the ladder page has $tables tables"
            case "$dom" in *'src="word.png"'*'src="char.png"'*) pass "the ladder page shows both plots" ;;
                           *) fail "the ladder page lacks a plot" ;; esac
            render --window-size=1200,2400 --screenshot="$tmp/ladder.png" "file://$site/$page" > /dev/null
            size=$(wc -c < "$tmp/ladder.png" 2> /dev/null || echo 0)
            [ "$size" -gt 50000 ] && pass "the ladder page's screenshot ($size bytes)" || fail "the ladder page's screenshot is $size bytes"
        fi
    done
fi
echo "site test: $failed failed ($(( $(date +%s) - start )) s)"
[ $failed = 0 ]
