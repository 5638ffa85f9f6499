# plot_curves.gp -- loss or perplexity curves from one or several metrics.tsv files.
#
# A metrics.tsv (common/metrics.h) is tab-separated with a header line of
# column names; columns are found by NAME here, never by position, so a stage
# may log whatever columns it likes. Each curve is one "series": the rows of
# one file whose `split` column equals one value (train, valid, ...).
#
# scripts/plot.sh works out the series and calls this script; to call it by
# hand, set the variables with -e (lists are space-separated, one word per series):
#
#   gnuplot -e "out='loss.png'; xcol='step'; ycol='loss'; \
#               files='runs/rnn/lstm/metrics.tsv runs/rnn/lstm/metrics.tsv'; \
#               names='lstm lstm'; splits='train valid'; runs='1 1'; derive='0 0'" \
#           scripts/plot_curves.gp
#
#   out     PNG to write                    xcol, ycol   column names for the axes
#   files   the file of each series         names   the run name shown in the key
#   splits  the split of each series ('-' = every row, for files without a split column)
#   runs    the run number of each series (its colour); a split keeps its dash pattern
#   derive  1 when ycol is 'ppl' computed as exp(loss) because the file has no ppl column
#   logy    1 for a log-scaled y axis (the default for perplexity)
#   title   optional title                  xtitle  optional x-axis label (default: xcol)

# (not x and y: those are gnuplot's dummy variables inside a plot command)
if (!exists("xcol"))  xcol = "step"
if (!exists("ycol"))  ycol = "loss"
if (!exists("logy"))  logy = (ycol eq "ppl")
if (!exists("title")) title = ""
if (!exists("derive")) derive = ""
if (!exists("out") || !exists("files") || !exists("names") || !exists("splits") || !exists("runs")) {
    print "plot_curves.gp: set out, files, names, splits and runs (see the comment at the top)"
    exit error "missing variables"
}

set terminal pngcairo size 900,560 font "sans,11" noenhanced
set output out
set datafile separator "\t"
# rows of other splits evaluate to NaN; treating NaN as missing keeps each curve
# one connected line instead of breaking it at every row of another split
set datafile missing NaN

set grid
set key top right box opaque
set xlabel (exists("xtitle") ? xtitle : xcol eq "tokens" ? "tokens seen" : xcol)
set ylabel (ycol eq "ppl" ? "perplexity" : ycol eq "loss" ? "loss (nats per token)" : ycol)
if (xcol eq "tokens") { set format x "%.0s%c" }
if (logy) { set logscale y; set ylabel (ycol eq "ppl" ? "perplexity (log scale)" : ycol." (log scale)") }
if (strlen(title) > 0) { set title title }

nseries = words(files)
nruns = 0
do for [i=1:nseries] { if (int(word(runs, i)) > nruns) { nruns = int(word(runs, i)) } }

# the value of series i on the current row, or NaN when the row belongs to another split
keep(i) = (word(splits, i) eq "-" || strcol("split") eq word(splits, i))
yval(i) = keep(i) ? (word(derive, i) eq "1" ? exp(column("loss")) : column(ycol)) : NaN
# train solid, valid dashed, anything else (test) dotted
dash(s) = (s eq "train" || s eq "-") ? 1 : (s eq "valid" ? 2 : 3)
label(i) = nruns == 1 ? (word(splits, i) eq "-" ? word(names, i) : word(splits, i)) \
         : (word(splits, i) eq "-" ? word(names, i) : word(names, i)." ".word(splits, i))

# train logs are dense lines; evaluations are sparse, so they get points too
# (a run evaluated once is then still visible)
marker(s) = (s eq "train" || s eq "-") ? 0 : 0.8

plot for [i=1:nseries] word(files, i) using (column(xcol)):(yval(i)) \
     with linespoints lw 2 pt 7 ps marker(word(splits, i)) \
     lc int(word(runs, i)) dt dash(word(splits, i)) title label(i)
