# plot_bleu_by_length.gp -- BLEU against source-sentence length, one line per
# model: the picture of Bahdanau et al. 2015, Fig. 2, where the encoder-decoder
# without attention falls off on long sentences and the one with attention
# does not.
#
# The table is a TSV whose first line names the columns, then one row per
# length bucket, shortest first; the bucket is a label ("10-19") or a number:
#
#     bucket<TAB>no_attention<TAB>attention
#     0-9<TAB>31.2<TAB>33.0
#     10-19<TAB>27.5<TAB>30.1
#     ...
#
# Every column after the first is one model (two or more work); its header
# names it in the key, underscores shown as spaces. An empty cell or NaN (a
# bucket with no sentences) is skipped: the line joins its neighbours.
#
#   gnuplot -e "file='runs/seq2seq/bleu_by_length.tsv'; out='bleu_by_length.png'" \
#           scripts/plot_bleu_by_length.gp
#
#   file, out   the table and the PNG to write
#   title       optional (default: "BLEU by source sentence length")
#   xlabel      optional (default: "source sentence length (words)")

if (!exists("title"))  title = "BLEU by source sentence length"
if (!exists("xlabel")) xlabel = "source sentence length (words)"
if (!exists("file") || !exists("out")) {
    print "plot_bleu_by_length.gp: set file and out (see the comment at the top)"
    exit error "missing variables"
}

set terminal pngcairo size 800,500 font "sans,11" noenhanced
set output out
set datafile separator "\t"
set datafile columnheaders
set datafile missing NaN

set title title
set xlabel xlabel
set ylabel "BLEU"
set yrange [0:*]                  # from zero: the drop is read as a share of the score
set offsets 0.3, 0.3, 0, 0        # half a bucket of room at each end
set grid ytics
set key bottom left box opaque

# "no_attention" -> "no attention" (gnuplot 5.4 has no string replace)
spaces(s) = strstrt(s, "_") ? spaces(s[1:strstrt(s, "_") - 1]." ".s[strstrt(s, "_") + 1:]) : s

# bucket k (counted from 0) at x = k, labelled with its first column;
# [c=2:*] runs over every model column there is
plot for [c=2:*] file using 0:c:xtic(1) with linespoints lw 2 pt 7 ps 1.2 title spaces(columnhead(c))
