#!/usr/bin/env bash
# site.sh -- the course as a static site under site/ (make site): every
# Markdown page of the repository as HTML (the root README is site/index.html,
# a chapter's README its folder's index.html), the images and files they link
# to, and the notebooks as HTML (their executed copies from `make notebooks`,
# in build/notebooks/, when present), with one navigation bar on every page.
# Needs pandoc and nbconvert (scripts/deps.sh site); open site/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
prog=site.sh
die() { echo "$prog: error: $*" >&2; exit 1; }
command -v pandoc > /dev/null || die "pandoc is missing: run scripts/deps.sh site"
OUT=${SITE_OUT:-site}
PYTHON=${PYTHON:-/usr/bin/python3}

rm -rf "$OUT"
mkdir -p "$OUT"
cp scripts/site.css "$OUT/site.css"

# the pages: every tracked Markdown file (runs/, build/ and data/cache/ are not)
mapfile -t pages < <(git ls-files '*.md' 2>/dev/null || find . -name '*.md' -not -path './runs/*' -not -path './build/*' -not -path './data/cache/*' | sed 's|^\./||')
[ ${#pages[@]} -gt 0 ] || die "no Markdown page found"

html_of() {   # a page's path under the site
    case "$1" in
        README.md) echo index.html ;;
        */README.md) echo "${1%README.md}index.html" ;;
        *) echo "${1%.md}.html" ;;
    esac
}

# one navigation bar; ROOT (../ per folder level) is put in front of its links per page
nav_links=(index.html "the course" ladder/index.html "the ladder" GLOSSARY.html "glossary")
for s in ngram word2vec rnn seq2seq transformer gpt rlhf; do
    [ -f "$s/README.md" ] && nav_links+=("$s/index.html" "$s")
done
books=()
if "$PYTHON" -c 'import nbconvert' 2> /dev/null; then
    for nb in notebooks/*.ipynb; do [ -f "$nb" ] && books+=("$nb"); done
    [ ${#books[@]} -gt 0 ] && nav_links+=(notebooks/index.html notebooks)
else
    echo "$prog: nbconvert is missing (scripts/deps.sh site): the notebooks are left out" >&2
fi
nav_for() {   # the bar for a page at depth $1
    local root='' i
    for ((i = 0; i < $1; i++)); do root="../$root"; done
    printf '<nav>'
    for ((i = 0; i < ${#nav_links[@]}; i += 2)); do
        printf '<a href="%s%s">%s</a>' "$root" "${nav_links[i]}" "${nav_links[i + 1]}"
    done
    printf '</nav>\n'
}

for md in "${pages[@]}"; do
    out=$OUT/$(html_of "$md")
    dir=$(dirname "$md")
    depth=$(awk -F/ '{ print NF - 1 }' <<< "$md")
    root=''; for ((i = 0; i < depth; i++)); do root="../$root"; done
    mkdir -p "$(dirname "$out")"
    title=$(sed -n 's/^# //p' "$md" | head -n 1)
    nav_for "$depth" > "$OUT/.nav.html"
    pandoc -f gfm -t html5 --standalone --lua-filter scripts/site_links.lua --css "${root}site.css" \
        --metadata pagetitle="${title:-$md}" --include-before-body "$OUT/.nav.html" -o "$out" "$md"
    # the local files the page links to or shows (images, tables, scripts), beside it
    { grep -o '](\([^)#]*\))' "$md" || true; } | sed 's/^](//; s/)$//' | while read -r target; do
        case "$target" in *://*|mailto:*|*.md|'') continue ;; esac
        src=$dir/$target
        [ -f "$src" ] || continue
        mkdir -p "$(dirname "$OUT/$src")"
        cp "$src" "$OUT/$src"
    done
done
rm -f "$OUT/.nav.html"

if [ ${#books[@]} -gt 0 ]; then
    mkdir -p "$OUT/notebooks"
    {
        echo '# The notebooks'; echo
        echo 'One notebook per chapter, driving the chapter binaries from Python (`make notebooks` executes them).'; echo
        for nb in "${books[@]}"; do
            name=$(basename "$nb" .ipynb)
            src=$nb; [ -f "build/notebooks/$name.ipynb" ] && src=build/notebooks/$name.ipynb
            "$PYTHON" -m nbconvert --to html --log-level WARN --output-dir "$OUT/notebooks" "$src" >&2
            echo "- [$name]($name.html)$([ "$src" = "$nb" ] && echo ' (not executed: run make notebooks first)')"
        done
    } > "$OUT/notebooks/index.md"
    nav_for 1 > "$OUT/.nav.html"
    pandoc -f gfm -t html5 --standalone --css ../site.css --metadata pagetitle=notebooks \
        --include-before-body "$OUT/.nav.html" -o "$OUT/notebooks/index.html" "$OUT/notebooks/index.md"
    rm -f "$OUT/.nav.html" "$OUT/notebooks/index.md"
fi
echo "site: $(find "$OUT" -name '*.html' | wc -l) pages in $OUT/ (open $OUT/index.html)"
