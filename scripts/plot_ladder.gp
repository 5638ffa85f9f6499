# plot_ladder.gp -- one ladder of DESIGN.md as a picture: each rung's score
# against the year its model was published, labelled with the model and its
# size, so each rung's gain over the older ones is read off one axis.
#
#   gnuplot -e "file='rungs.tsv'; out='word.png'; title='...'; ylabel='test perplexity'" \
#           scripts/plot_ladder.gp
#
#   file    year<TAB>score<TAB>label, one rung a line (scripts/ladder.sh writes it
#           from ladder/results.tsv)
#   out     the PNG to write
#   title, ylabel

if (!exists("title"))  title = ""
if (!exists("ylabel")) ylabel = ""
if (!exists("file") || !exists("out")) {
    print "plot_ladder.gp: set file and out (see the comment at the top)"
    exit error "missing variables"
}

set terminal pngcairo size 900,560 font "sans,11" noenhanced
set output out
set datafile separator "\t"
set title title
set xlabel "year the model was published"
set ylabel ylabel
set grid
set key off
set xrange [1992:2021]
set offsets 0, 0, graph 0.12, graph 0.08
plot file using 1:2 with points pointtype 7 pointsize 1.6 linecolor rgb "#1f77b4", \
     file using 1:2:3 with labels offset char 0, char 1.2 font "sans,10"
