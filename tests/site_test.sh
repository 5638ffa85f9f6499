#!/usr/bin/env bash
# The course site (`make test-site`):
#   1. scripts/site.sh builds it into a scratch folder;
#   2. every page's local links and images lead to a file of the site;
#   3. removing a figure from the built site makes that check fail;
#   4. headless Chromium loads the home page, each chapter's, the ladder's and
#      the glossary: each has the navigation bar and its title heading and
#      logs nothing to the browser's console, the ladder page has its two
#      tables and two plots; screenshots of the home page, of chapter 7 and of
#      the ladder are drawn (PNGs of more than 50 kB) and kept for review in
#      build/site-screenshots/.
set -u
cd "$(dirname "$0")/.."
. tests/check.sh
site=$tmp/site

# 1.
if SITE_OUT=$site scripts/site.sh > "$tmp/site.log" 2>&1; then pass "scripts/site.sh: $(tail -n 1 "$tmp/site.log")"
else tail -n 20 "$tmp/site.log"; fail "scripts/site.sh"; echo "site test: $failed failed"; exit 1; fi

# 2.
broken_links() {   # the local links and images of the site at $1 that lead nowhere, listed; their count
    local page dir target file n=0
    while read -r page; do
        dir=$(dirname "$page")
        while read -r target; do
            case "$target" in *://*|mailto:*|'#'*|'') continue ;; esac
            file=${target%%#*}
            [ -e "$dir/$file" ] || { echo "  ${page#"$1"/}: broken link '$target'" >&2; n=$((n + 1)); }
        done < <(grep -o -E '(href|src)="[^"]*"' "$page" | sed -E 's/^(href|src)="//; s/"$//')
    done < <(find "$1" -name '*.html')
    echo "$n"
}
broken=$(broken_links "$site")
[ "$broken" = 0 ] && pass "every local link and image of $(find "$site" -name '*.html' | wc -l) pages resolves" ||
    fail "$broken broken local links (listed above)"

# 3.
cp -r "$site" "$tmp/site_without_figure"
rm "$tmp/site_without_figure/ladder/word.png"
missing=$(broken_links "$tmp/site_without_figure" 2> /dev/null)
[ "$missing" -ge 1 ] && pass "without ladder/word.png the link check finds $missing broken" ||
    fail "the link check does not notice a removed figure"

# 4.
chrome=$(command -v chromium-headless-shell || command -v chromium || true)
if [ -z "$chrome" ]; then
    fail "no headless Chromium (scripts/deps.sh site installs chromium-headless-shell)"
else
    # the browser's console goes to stderr with --enable-logging: a static page should log nothing
    render() { timeout 60 "$chrome" --no-sandbox --disable-gpu --enable-logging=stderr --v=0 "$@" 2> "$tmp/console.log"; }
    shots=build/site-screenshots
    mkdir -p "$shots"
    for page in index.html ladder/index.html GLOSSARY.html ngram/index.html word2vec/index.html rnn/index.html \
                seq2seq/index.html transformer/index.html gpt/index.html rlhf/index.html; do
        [ -f "$site/$page" ] || { fail "$page was not built"; continue; }
        md=${page/index.html/README.md}; md=${md/GLOSSARY.html/GLOSSARY.md}
        heading=$(sed -n 's/^# //p' "$md" | head -n 1)
        dom=$(render --dump-dom "file://$site/$page" | tr -s ' \n' '  ')   # pandoc wraps long lines
        if grep -q 'CONSOLE' "$tmp/console.log"; then
            fail "$page: the browser's console says: $(grep 'CONSOLE' "$tmp/console.log" | head -n 3)"
        fi
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
        fi
    done
    for shot in index.html:home rlhf/index.html:rlhf ladder/index.html:ladder; do
        page=${shot%%:*} png="$PWD/$shots/${shot##*:}.png"
        rm -f "$png"
        render --window-size=1200,2400 --screenshot="$png" "file://$site/$page" > /dev/null
        size=$(wc -c < "$png" 2> /dev/null || echo 0)
        [ "$size" -gt 50000 ] && pass "$page's screenshot: $shots/${shot##*:}.png ($size bytes)" ||
            fail "$page's screenshot is $size bytes"
    done
fi
echo "site test: $failed failed ($(( $(date +%s) - start )) s)"
[ $failed = 0 ]
