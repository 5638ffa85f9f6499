#!/usr/bin/env bash
# bible_pairs.sh -- the built-in translation corpus: the King James Bible beside
# the Spanish Reina-Valera 1909, verse by verse, from Debian's SWORD modules.
# Run by `make data` (scripts/data.sh bible-es).
#
# Reads the SWORD modules engKJV2006eb (sword-text-kjv) and spaRV1909eb
# (sword-text-sparv) with mod2vpl (libsword-utils), one verse per line
# ("Genesis 1:1<TAB>text"), with the OSIS markup, notes, titles and the KJV's
# pilcrows removed. Joins the two on the reference. Spanish Bibles number 18
# KJV verses differently (Jonah 1:17 is the Spanish 2:1, ...), so every chapter
# holding a verse missing in Spanish, and the chapter after it, is dropped:
# 30,516 verse pairs remain, in canonical order.
#
# Writes into data/cache/bible-es/ six line-aligned files (line k of S.en
# translates line k of S.es), the raw verse text, normalised at load time by
# common/s2s_corpus.c:
#   train.en train.es   verse i (0-based) with i % 20 not 18 or 19
#   valid.en valid.es   i % 20 == 18
#   test.en  test.es    i % 20 == 19
# and README.txt with the counts. Files are built in a temporary directory and
# moved into place only when their content changed.
set -u
cd "$(dirname "$0")/.." || exit 1

OUT=data/cache/bible-es
# sha256 of the joined, cleaned kjv-rv1909.tsv with sword-text-kjv 14.3-1,
# sword-text-sparv 2.60-1 and libsword-utils 1.9.0 (Debian 12).
PAIRS_SHA=5964fcbf084ef7c6e16a2361e3d35437ad89becc6bdf2e62897a3c77de8d72c6
PAIRS_WANT=30516

die() { echo "bible_pairs.sh: error: $*" >&2; exit 1; }

HINT="HINT: sudo apt-get install --no-install-recommends sword-text-kjv sword-text-sparv libsword-utils
      (scripts/deps.sh installs them too)"
command -v mod2vpl >/dev/null 2>&1 || die "'mod2vpl' not found (Debian package libsword-utils)
$HINT"
command -v perl >/dev/null 2>&1 || die "perl not found (Debian package perl-base)"

mkdir -p "$OUT"
TMP=$(mktemp -d "$OUT/.build.XXXXXX") || die "cannot create a temporary directory in $OUT"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# One verse per line, "Book C:V<TAB>text": chapter intros (C:0), notes, titles,
# markup and the pilcrow dropped, entities decoded, words glued by markup split.
sword2tsv() {
    mod2vpl "$1" 1 2>/dev/null \
    | grep -E '^[1-3A-Z][A-Za-z ]* [0-9]+:[0-9]+ ' \
    | grep -vE '^[^:]* [0-9]+:0 ' \
    | perl -CSD -ne 's{</w><w}{</w> <w}g; s{<note\b.*?</note>}{}g; s{<title\b.*?</title>}{}g; s{<[^>]*>}{}g; s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&apos;/\x27/g; s/&amp;/&/g; s/\x{B6}//g; s/\s+/ /g; s/^(.*? \d+:\d+) /$1\t/; s/ $//; s/\t /\t/; print "$_\n" if /\t\S/'
}

sword2tsv engKJV2006eb > "$TMP/kjv.tsv"
sword2tsv spaRV1909eb > "$TMP/rv1909.tsv"
[ -s "$TMP/kjv.tsv" ] || die "mod2vpl printed no KJV verses. Is sword-text-kjv installed?
$HINT"
[ -s "$TMP/rv1909.tsv" ] || die "mod2vpl printed no Reina-Valera verses. Is sword-text-sparv installed?
$HINT"

# The join, without the chapters around a verse missing in Spanish.
awk -F'\t' 'function ch(r){sub(/:[0-9]+$/,"",r);return r} function nx(r, b,c){r=ch(r);c=r;sub(/.* /,"",c);b=r;sub(/ [0-9]+$/,"",b);return b" "(c+1)}
  NR==FNR{es[$1]=$2;next} {en[++n]=$1;tx[$1]=$2; if(!($1 in es)){bad[ch($1)]=1;bad[nx($1)]=1}}
  END{for(i=1;i<=n;i++){r=en[i]; if((r in es)&&!(ch(r) in bad)) print r"\t"tx[r]"\t"es[r]}}' \
  "$TMP/rv1909.tsv" "$TMP/kjv.tsv" > "$TMP/kjv-rv1909.tsv"

npairs=$(wc -l < "$TMP/kjv-rv1909.tsv")
[ "$npairs" -gt 0 ] || die "the join gave no verse pairs"
got=$(sha256sum "$TMP/kjv-rv1909.tsv" | cut -d' ' -f1)
[ "$got" = "$PAIRS_SHA" ] ||
    echo "bible_pairs.sh: warning: the verse pairs differ from the documented ones ($npairs pairs, want $PAIRS_WANT; sha256 ${got:0:16}...); another package version?" >&2

perl -CSD -e '
use strict;
use warnings;
my $out = shift;
my @splits = qw(train valid test);
my (%fh, %verses, %words);
for my $s (@splits) {
    for my $lang (qw(en es)) {
        open($fh{$lang}{$s}, ">:encoding(UTF-8)", "$out/$s.$lang") or die "cannot write $out/$s.$lang: $!\n";
    }
}
my ($i, $short) = (0, 0);
while (my $line = <STDIN>) {
    chomp $line;
    my ($ref, $en, $es) = split /\t/, $line, -1;
    die "line " . ($i + 1) . ": not REF<TAB>EN<TAB>ES\n" unless defined $es && $en ne "" && $es ne "";
    my $s = $splits[$i % 20 == 18 ? 1 : $i % 20 == 19 ? 2 : 0];
    print { $fh{en}{$s} } "$en\n";
    print { $fh{es}{$s} } "$es\n";
    my @we = split " ", $en;
    my @ws = split " ", $es;
    $verses{$s}++;
    $words{en}{$s} += @we;
    $words{es}{$s} += @ws;
    $short++ if @we <= 20 && @ws <= 20;
    $i++;
}
for my $s (@splits) { close($fh{$_}{$s}) or die "write error: $!\n" for qw(en es); }
open(my $readme, ">:encoding(UTF-8)", "$out/README.txt") or die "cannot write $out/README.txt: $!\n";
print $readme "King James Bible (SWORD engKJV2006eb) beside the Reina-Valera 1909 (spaRV1909eb),\n";
print $readme "one verse pair per line, built by scripts/bible_pairs.sh; see data/README.md.\n";
print $readme "Chapters around the 18 KJV verses Spanish Bibles number differently are left out.\n";
print $readme "verse pair i (0-based) -> valid if i % 20 == 18, test if i % 20 == 19, else train.\n\n";
printf $readme "%-16s %8s %8s %8s %8s\n", "", @splits, "total";
my @rows = (["verse pairs", \%verses], ["English words", $words{en}], ["Spanish words", $words{es}]);
for my $r (@rows) {
    my ($name, $h) = @$r;
    my $t = 0; $t += $h->{$_} // 0 for @splits;
    printf $readme "%-16s %8d %8d %8d %8d\n", $name, (map { $h->{$_} // 0 } @splits), $t;
}
print $readme "\nwords: whitespace-separated, punctuation attached (raw text).\n";
print $readme "pairs with both sides <= 20 words: $short of $i.\n";
close($readme) or die "write error: $!\n";
' "$TMP" < "$TMP/kjv-rv1909.tsv" || die "could not write the splits (see the message above)"

for f in train.en train.es valid.en valid.es test.en test.es README.txt; do
    if cmp -s "$TMP/$f" "$OUT/$f"; then
        printf '%-8s %s\n' ok "bible-es/$f"
    else
        mv -f "$TMP/$f" "$OUT/$f" || die "cannot move $f into $OUT"
        printf '%-8s %s\n' built "bible-es/$f"
    fi
done
echo "bible-es: $npairs verse pairs in $OUT/ (counts in $OUT/README.txt)"
