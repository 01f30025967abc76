# SPDX-License-Identifier: GPL-3.0-or-later
# virtbench line chart: a metric against a numeric workload parameter, one
# line per backend x config, error bars = 95 % CI of the mean.
# Filled by virtbench from its plots/line.gp template. Tweak freely, then
# rerun inside this directory:   gnuplot @NAME@.gp
set terminal pngcairo size @WIDTH@,@HEIGHT@ noenhanced font "DejaVu Sans,15" linewidth 2
set output '@NAME@.png'
set encoding utf8
set key Left reverse box opaque
# Margins, title, axis labels, tick labels and the note, placed by
# virtbench so that no two overlap (each label's box is in its comment).
@LAYOUT@
set grid ytics xtics lc rgb "#d0d0d0"
set border 3
set tics nomirror
set datafile missing "NaN"
set pointsize 1.4
plot @PLOT@
