#!/usr/bin/env bash
# bible.sh -- the built-in corpus: the King James Bible from Debian's bible-kjv,
# one verse per line, split and labelled. Run by `make data` (scripts/data.sh bible).
#
# Reads `bible -f gen1:1-rev22:21 </dev/null` (31,102 lines "Ge1:1 In the
# beginning God created ...") and writes into data/cache/bible/, for each split
# S in train, valid, test, three line-aligned files (line k of each is verse k):
#
#   words.S.txt   the verse normalised for word-level models:
#                   lower-cased;
#                   "'s" at the end of a word split off as its own token
#                     (king's -> king 's), and an apostrophe ending a word
#                     likewise (sons' -> sons ');
#                   each of  , ; : . ? ! ( )  made a separate token;
#                   hyphenated words kept whole (loving-kindness);
#                   single spaces, none leading or trailing; no reference.
#   chars.S.txt   the verse text as printed (case, punctuation and spacing
#                 kept; the reference and trailing spaces removed), for
#                 char-level models.
#   labels.S.tsv  division<TAB>book<TAB>reference, e.g. "law	Ge	Ge1:1":
#                 the book as bible-kjv abbreviates it, and one of 8 divisions
#                   law (Ge-Deu), history (Josh-Est), wisdom (Job-SSol),
#                   prophets (Isa-Mal), gospels (Mat-John), acts (Acts),
#                   epistles (Rom-Jude), revelation (Rev).
#
# Split: verse i (0-based, in canonical order Genesis 1:1 = 0) goes to valid
# when i mod 20 = 18, to test when i mod 20 = 19, else to train (90/5/5).
# data/cache/bible/README.txt records the counts. Files are built in a
# temporary directory and moved into place only when their content changed,
# so a second run rewrites nothing and an interrupted run leaves no half file.
set -u
cd "$(dirname "$0")/.." || exit 1

OUT=data/cache/bible
# sha256 of the raw output of bible-kjv 4.38 (Debian 12); another version may differ.
RAW_SHA=cd45f0c9cedab8e4439bd6486c8952c77cc8b0ecc5d1f6ae3513f2039f47229d

die() { echo "bible.sh: error: $*" >&2; exit 1; }

command -v bible >/dev/null 2>&1 ||
    die "'bible' not found. Install the Debian packages bible-kjv bible-kjv-text
HINT: sudo apt-get install bible-kjv bible-kjv-text   (scripts/deps.sh installs them too)"
command -v perl >/dev/null 2>&1 || die "perl not found (Debian package perl-base)"

mkdir -p "$OUT"
TMP=$(mktemp -d "$OUT/.build.XXXXXX") || die "cannot create a temporary directory in $OUT"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

bible -f gen1:1-rev22:21 </dev/null > "$TMP/kjv.txt" 2>"$TMP/bible.err"
[ -s "$TMP/kjv.txt" ] ||
    die "'bible' printed nothing ($(head -c 200 "$TMP/bible.err")). Is the text installed?
HINT: sudo apt-get install bible-kjv bible-kjv-text"
got=$(sha256sum "$TMP/kjv.txt" | cut -d' ' -f1)
[ "$got" = "$RAW_SHA" ] ||
    echo "bible.sh: warning: bible-kjv's text differs from version 4.38 (sha256 ${got:0:16}...); counts in data/README.md may not match" >&2

perl -e '
use strict;
use warnings;
my $out = shift;
my @divisions = (
    [law        => qw(Ge Exo Lev Num Deu)],
    [history    => qw(Josh Jdgs Ruth 1Sm 2Sm 1Ki 2Ki 1Chr 2Chr Ezra Neh Est)],
    [wisdom     => qw(Job Psa Prv Eccl SSol)],
    [prophets   => qw(Isa Jer Lam Eze Dan Hos Joel Amos Obad Jonah Mic Nahum Hab Zep Hag Zec Mal)],
    [gospels    => qw(Mat Mark Luke John)],
    [acts       => qw(Acts)],
    [epistles   => qw(Rom 1Cor 2Cor Gal Eph Phi Col 1Th 2Th 1Tim 2Tim Titus Phmn Heb Jas 1Pet 2Pet 1Jn 2Jn 3Jn Jude)],
    [revelation => qw(Rev)],
);
my %division_of;
for my $d (@divisions) { my ($name, @books) = @$d; $division_of{$_} = $name for @books; }
my @splits = qw(train valid test);
my (%fh, %verses, %words, %chars, %per_division);
for my $s (@splits) {
    for my $kind (qw(words chars labels)) {
        my $path = "$out/$kind.$s." . ($kind eq "labels" ? "tsv" : "txt");
        open($fh{$kind}{$s}, ">", $path) or die "cannot write $path: $!\n";
    }
}
my $i = 0;
while (my $line = <STDIN>) {
    chomp $line;
    my ($ref, $text) = $line =~ /^(\S+) (.*?)\s*$/ or die "line " . ($i + 1) . ": no reference: $line\n";
    my ($book) = $ref =~ /^(.+?)\d+:\d+$/ or die "line " . ($i + 1) . ": bad reference $ref\n";
    my $division = $division_of{$book} // die "line " . ($i + 1) . ": unknown book $book\n";
    my $s = $splits[$i % 20 == 18 ? 1 : $i % 20 == 19 ? 2 : 0];
    my $w = lc $text;
    $w =~ s/\x27s\b/ \x27s/g;                  # possessive: king\x27s -> king \x27s
    $w =~ s/(?<=[a-z])\x27(?![a-z])/ \x27/g;   # plural possessive: sons\x27 -> sons \x27
    $w =~ s/([,;:.?!()])/ $1 /g;
    $w =~ s/\s+/ /g;
    $w =~ s/^ //;
    $w =~ s/ $//;
    die "line " . ($i + 1) . ": empty verse\n" if $w eq "";
    print { $fh{words}{$s} } "$w\n";
    print { $fh{chars}{$s} } "$text\n";
    print { $fh{labels}{$s} } "$division\t$book\t$ref\n";
    $verses{$s}++;
    $words{$s} += () = $w =~ / /g;
    $words{$s}++;
    $chars{$s} += length($text) + 1;
    $per_division{$division}{$s}++;
    $i++;
}
for my $s (@splits) { close($fh{$_}{$s}) or die "write error: $!\n" for qw(words chars labels); }
open(my $readme, ">", "$out/README.txt") or die "cannot write $out/README.txt: $!\n";
print $readme "King James Bible (Debian bible-kjv), built by scripts/bible.sh; see data/README.md.\n";
print $readme "verse i (0-based) -> valid if i % 20 == 18, test if i % 20 == 19, else train.\n\n";
printf $readme "%-12s %8s %8s %8s %8s\n", "", @splits, "total";
my %row = (verses => \%verses, "word tokens" => \%words, chars => \%chars);
for my $name ("verses", "word tokens", "chars") {
    my $t = 0; $t += $row{$name}{$_} // 0 for @splits;
    printf $readme "%-12s %8d %8d %8d %8d\n", $name, (map { $row{$name}{$_} // 0 } @splits), $t;
}
print $readme "\nverses per division (labels.*.tsv column 1):\n";
for my $d (@divisions) {
    my $name = $d->[0];
    my $t = 0; $t += $per_division{$name}{$_} // 0 for @splits;
    printf $readme "%-12s %8d %8d %8d %8d\n", $name, (map { $per_division{$name}{$_} // 0 } @splits), $t;
}
print $readme "\nword tokens count the words.*.txt tokens (punctuation included);\n";
print $readme "chars count the bytes of chars.*.txt, newlines included (the text is ASCII).\n";
close($readme) or die "write error: $!\n";
' "$TMP" < "$TMP/kjv.txt" || die "could not build the corpus (see the message above)"

# Move each file into place only if it changed: idempotent, and mtimes stay put.
for f in words.train.txt words.valid.txt words.test.txt chars.train.txt chars.valid.txt chars.test.txt \
         labels.train.tsv labels.valid.tsv labels.test.tsv README.txt; do
    if cmp -s "$TMP/$f" "$OUT/$f"; then
        printf '%-8s %s\n' ok "bible/$f"
    else
        mv -f "$TMP/$f" "$OUT/$f" || die "cannot move $f into $OUT"
        printf '%-8s %s\n' built "bible/$f"
    fi
done
echo "bible: $(wc -l < "$TMP/kjv.txt") verses in $OUT/ (counts in $OUT/README.txt)"
