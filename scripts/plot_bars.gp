# plot_bars.gp -- a bar (or line) chart of a small table of results.
#
# The table is a TSV: label<TAB>value[<TAB>value...], one row per bar group,
# e.g. perplexity by n-gram order, or valid and test perplexity by model.
# A first line whose values are not numbers is a header: it names the series
# (the key) and the axis. Several value columns give clustered bars.
#
#   gnuplot -e "file='ppl_by_order.table.tsv'; out='ppl_by_order.png'; ncols=1; header=1" \
#           scripts/plot_bars.gp
#
#   file, out   the table and the PNG to write
#   ncols       number of value columns   } scripts/plot.sh
#   nrows       number of rows of values  } counts them
#   header      1 when the first line is a header (it titles the series)
#   style       "bars" (default) or "lines" (points joined in row order)
#   logy        1 for a log-scaled y axis
#   rotate      1 to slant long labels
#   title, xlabel, ylabel  optional
#   keypos      where the key goes: "top right" (default), "top left", ...

if (!exists("style"))  style = "bars"
if (!exists("logy"))   logy = 0
if (!exists("title"))  title = ""
if (!exists("xlabel")) xlabel = ""
if (!exists("ylabel")) ylabel = ""
if (!exists("rotate")) rotate = 0
if (!exists("header")) header = 0
if (!exists("keypos")) keypos = "top right"
if (!exists("ncols"))  ncols = 1
if (!exists("file") || !exists("out") || !exists("nrows")) {
    print "plot_bars.gp: set file, out and nrows (see the comment at the top)"
    exit error "missing variables"
}

set terminal pngcairo size 900,560 font "sans,11" noenhanced
set output out
set datafile separator "\t"
if (header) { set datafile columnheaders } else { set datafile nocolumnheaders }

set grid ytics
eval "set key " . keypos . " box opaque"
if (ncols == 1) { unset key }
if (strlen(title) > 0) { set title title }
if (strlen(xlabel) > 0) { set xlabel xlabel }
if (strlen(ylabel) > 0) { set ylabel ylabel }
if (logy) { set logscale y }
# row k sits at x = k (counted from 0): half a slot of margin on each side
set xrange [-0.6:nrows-0.4]
set xtics nomirror
set offsets 0, 0, graph 0.08, 0   # headroom for the value labels
if (rotate) { set xtics rotate by -30 left }

series(c) = header ? columnhead(c) : sprintf("column %d", c)

# value labels above single-series bars and points, so the number is readable
if (style eq "lines") {
    if (ncols == 1) {
        plot file using 0:2:xtic(1) with linespoints lw 2 pt 7 ps 1.2 lc 1, \
             file using 0:2:(sprintf("%.4g", $2)) with labels offset 0,1 notitle
    } else {
        plot for [c=2:ncols+1] file using 0:c:xtic(1) with linespoints lw 2 pt 7 ps 1.2 title series(c)
    }
} else {
    set style data histogram
    set style histogram clustered gap 1
    set style fill solid 0.8 border -1
    set boxwidth 0.9
    if (!logy) { set yrange [0:*] }
    if (ncols == 1) {
        plot file using 2:xtic(1) lc 1, \
             file using 0:2:(sprintf("%.4g", $2)) with labels offset 0,0.8 notitle
    } else {
        plot for [c=2:ncols+1] file using c:xtic(1) title series(c)
    }
}
