# SPDX-License-Identifier: GPL-3.0-or-later
# virtbench grouped bars: one group per config, one bar per backend,
# error bars = 95 % CI of the mean; n under each group (backends in order).
# Filled by virtbench from its plots/bars.gp template. Tweak freely, then
# rerun inside this directory:   gnuplot @NAME@.gp
set terminal pngcairo size @WIDTH@,@HEIGHT@ noenhanced font "DejaVu Sans,15" linewidth 2
set output '@NAME@.png'
set encoding utf8
set key Left reverse box opaque
# Margins, title, axis labels, the labels under the groups and the note,
# placed by virtbench so that no two overlap (each box in its comment).
@LAYOUT@
set grid ytics lc rgb "#d0d0d0"
set border 3
set tics nomirror
set datafile missing "NaN"
set style data histograms
set style histogram errorbars gap 1.5 lw 1.5
set style fill solid 0.85 border -1
set boxwidth 0.9
plot @PLOT@
