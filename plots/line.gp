# SPDX-License-Identifier: GPL-3.0-or-later
# virtbench line chart: a metric against a numeric workload parameter, one
# line per backend x config, error bars = 95 % CI of the mean.
# Filled by virtbench from its plots/line.gp template. Tweak freely, then
# rerun inside this directory:   gnuplot @NAME@.gp
set terminal pngcairo size @WIDTH@,@HEIGHT@ noenhanced font "DejaVu Sans,15" linewidth 2
set output '@NAME@.png'
set encoding utf8
set title "@TITLE@" font ",19"
set xlabel "@XLABEL@"
set ylabel "@YLABEL@"
set label 1 "@NOTE@" at screen 0.01, screen 0.02 left font ",12"
set bmargin 6
set key outside right top box opaque
set grid ytics xtics lc rgb "#d0d0d0"
set border 3
set tics nomirror
set xtics (@XTICS@)
set offsets graph 0.04, graph 0.04, graph 0.08, 0
set yrange [0:*]
set datafile missing "NaN"
set pointsize 1.4
plot @PLOT@
