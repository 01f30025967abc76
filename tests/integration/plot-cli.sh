#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `virtbench report DIR` and `virtbench plot DIR` through the CLI on the
# results-mixed fixture: rebuild from the directory alone, threshold exit
# status, real gnuplot, gnuplot missing, bad directories.
. "$(dirname "$0")/lib.sh"

FX="$VIRTBENCH_SRCDIR/tests/data/results-mixed"
mkdir "$T/r"
cp "$FX/runs.csv" "$FX/verify.csv" "$FX/environment.json" "$T/r/"

"$VB" report "$T/r" >"$T/out" 2>"$T/err"; rc=$?
check "report exits 1: a threshold is violated (got $rc: $(tail -2 "$T/err"))" test "$rc" -eq 1
check "...and says so" grep -q "threshold" "$T/err"
for f in summary.csv summary.json comparisons.csv report.md report.html plots/index.csv; do
	check "report wrote $f" test -s "$T/r/$f"
done
npng=$(ls "$T/r/plots/"*.png 2>/dev/null | wc -l)
check "22 charts drawn (got $npng)" test "$npng" -eq 22
check "every chart is a 1200x800 PNG" \
	test "$(file "$T/r/plots/"*.png | grep -c 'PNG image data, 1200 x 800')" -eq 22
check "report links the charts relatively" \
	grep -q '](plots/line-cpu-prime-total_time-vs-max_prime.png)' "$T/r/report.md"
check "report has the refused environment" grep -q '| docker 4cpu-4g | cpus: requested 4' "$T/r/report.md"
check "report flags the violated threshold" grep -q 'VIOLATED' "$T/r/report.md"

# A user reruns a filled script by hand inside plots/.
rm "$T/r/plots/overhead-cpu-prime-total_time.png"
(cd "$T/r/plots" && gnuplot overhead-cpu-prime-total_time.gp) 2>"$T/gperr"
check "a filled script reruns by hand ($(head -c 200 "$T/gperr"))" \
	test -s "$T/r/plots/overhead-cpu-prime-total_time.png"

# Rebuild from the inputs alone: same summary.
cp "$T/r/summary.csv" "$T/summary.before"
rm -rf "$T/r/plots" "$T/r/summary.csv" "$T/r/summary.json" "$T/r/comparisons.csv" "$T/r/report.md"
"$VB" report "$T/r" >/dev/null 2>&1
check "rebuilt summary is identical" cmp -s "$T/summary.before" "$T/r/summary.csv"
check "rebuilt report" test -s "$T/r/report.md"

# Without gnuplot: scripts and data written, a clear message, no images.
rm -rf "$T/r/plots"
VIRTBENCH_GNUPLOT=/nonexistent/gnuplot "$VB" plot "$T/r" >/dev/null 2>"$T/err"; rc=$?
check "plot without gnuplot says what to install ($(head -c 300 "$T/err"))" \
	grep -q "gnuplot not found.*gnuplot-nox" "$T/err"
check "...and writes the scripts" test -s "$T/r/plots/line-cpu-prime-total_time-vs-max_prime.gp"
check "...and the data" test -s "$T/r/plots/line-cpu-prime-total_time-vs-max_prime.dat"
check "...but no image" test ! -e "$T/r/plots/line-cpu-prime-total_time-vs-max_prime.png"
check "...summary still written" test -s "$T/r/summary.csv"
check "plot exits non-zero on the violated threshold (got $rc)" test "$rc" -eq 1

# Without the threshold: exit 0.
sed -i 's/"qemu\/bare-metal total_time <= 1.5",//' "$T/r/environment.json"
"$VB" report "$T/r" >/dev/null 2>"$T/err"; rc=$?
check "report exits 0 when thresholds hold (got $rc: $(tail -2 "$T/err"))" test "$rc" -eq 0
VIRTBENCH_GNUPLOT=/nonexistent/gnuplot "$VB" plot "$T/r" >/dev/null 2>&1; rc=$?
check "plot without gnuplot exits 1 even when thresholds hold (got $rc)" test "$rc" -eq 1

# A results directory crafted to make gnuplot run commands (quotes,
# newlines, backquotes, system(), set output in every name): nothing runs,
# every chart still renders, the report is written.
mkdir "$T/h"
cp "$VIRTBENCH_SRCDIR/tests/data/results-hostile/"*.csv \
	"$VIRTBENCH_SRCDIR/tests/data/results-hostile/environment.json" "$T/h/"
rm -f /tmp/virtbench-PWNED
"$VB" report "$T/h" >/dev/null 2>"$T/err"; rc=$?
check "report on a hostile directory exits 0 (got $rc: $(tail -2 "$T/err"))" test "$rc" -eq 0
check "...and runs nothing" test ! -e "$T/h/PWNED" -a ! -e "$T/h/plots/PWNED" \
	-a ! -e "$T/h/PWNED.png" -a ! -e /tmp/virtbench-PWNED
nh=$(ls "$T/h/plots/"*.png 2>/dev/null | wc -l)
check "...and draws its 8 charts (got $nh)" test "$nh" -eq 8
check "...every one a PNG" test "$(file "$T/h/plots/"*.png | grep -c 'PNG image data')" -eq 8
check "...and writes report.html" test -s "$T/h/report.html"

# Not a results directory: usage error 2 with the path in the message.
mkdir "$T/empty"
"$VB" report "$T/empty" >/dev/null 2>"$T/err"; rc=$?
check "empty directory is exit 2 (got $rc)" test "$rc" -eq 2
check "...naming runs.csv" grep -q "$T/empty/runs.csv" "$T/err"
# (A quote left open at the end is a torn tail, not an error.)
head -1 "$T/r/runs.csv" > "$T/empty/runs.csv"
printf '"broken"text,x\n' >> "$T/empty/runs.csv"
"$VB" report "$T/empty" >/dev/null 2>"$T/err"; rc=$?
check "malformed runs.csv is exit 2 (got $rc)" test "$rc" -eq 2
check "...with file:line" grep -q "runs.csv:2:" "$T/err"
finish
