# SPDX-License-Identifier: GPL-3.0-or-later
# virtbench overhead chart: each backend's mean divided by the baseline's
# mean in the same config and parameters; 1 = same as the baseline. Error
# bars = 95 % Fieller interval of the ratio.
# Filled by virtbench from its plots/overhead.gp template. Tweak freely,
# then rerun inside this directory:   gnuplot @NAME@.gp
set terminal pngcairo size @WIDTH@,@HEIGHT@ noenhanced font "DejaVu Sans,15" linewidth 2
set output '@NAME@.png'
set encoding utf8
set key Left reverse box opaque
# Margins, title, axis labels, the labels under the clusters (configs, and
# the parameters once under their clusters) and the note, placed by
# virtbench so that no two overlap (each label's box is in its comment).
@LAYOUT@
set grid ytics lc rgb "#d0d0d0"
set border 3
set tics nomirror
set datafile missing "NaN"
set style data histograms
set style histogram errorbars gap 1.5 lw 1.5
set style fill solid 0.85 border -1
set boxwidth 0.9
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 1.5 lc rgb "#202020" front
plot @PLOT@
