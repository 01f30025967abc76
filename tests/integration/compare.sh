#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# virtbench compare on two fixture directories with known ratios
# (tests/data/compare/generate.py): the table holds every shared cell with
# its ratio (docker's events_per_second exactly 0.95, bare metal's 1), the
# Fieller interval agrees with an independent computation from a t table,
# a threshold exits 1 on the regression and 0 when it holds, the cells
# only in A and only in B are listed, and what differs between the hosts
# and environments is named. Bad input exits 2.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
F=$VIRTBENCH_SRCDIR/tests/data/compare
"$VB" compare "$F/a" "$F/b" -o "$T/c" >"$T/out" 2>"$T/err"; rc=$?
check "compare exits 0 without thresholds (got $rc: $(cat "$T/err"))" test "$rc" -eq 0
check "stdout names compare.md" test "$(cat "$T/out")" = "$T/c/compare.md"
check "it says what it found" grep -q "4 cells in both, 1 only in A, 1 only in the other" "$T/err"
for f in compare.md compare.csv compare.json; do
	check "$f written" test -s "$T/c/$f"
done
csvq() { # csvq BACKEND PARAMS METRIC COLUMN: one value of compare.csv
	python3 - "$T/c/compare.csv" "$@" <<'PY'
import csv, sys
path, b, p, m, col = sys.argv[1:]
for r in csv.DictReader(open(path, newline="")):
    if r["backend"] == b and r["params"] == p and r["metric"] == m:
        print(r[col])
PY
}
check "docker events_per_second ratio is 0.95" \
	test "$(csvq docker max_prime=5000 events_per_second ratio)" = 0.95
check "docker total_time ratio is 1/0.95" \
	python3 -c "import sys; sys.exit(abs(float('$(csvq docker max_prime=10000 total_time ratio)') - 1/0.95) > 1e-9)"
check "bare metal's ratio is 1" \
	test "$(csvq bare-metal max_prime=10000 events_per_second ratio)" = 1
check "12 rows: 4 shared cells x 3 metrics" \
	test "$(python3 -c "import csv; print(sum(1 for _ in csv.DictReader(open('$T/c/compare.csv'))))")" -eq 12
check "the regression is significant (Welch p < 0.01)" \
	python3 -c "import sys; sys.exit(not float('$(csvq docker max_prime=5000 events_per_second p_value)') < 0.01)"
# Fieller by hand: B = 0.95 A value by value, n = 5, so the
# Satterthwaite df is exactly 2 (n - 1) = 8 and t(0.975, 8) = 2.3060.
python3 - "$T/c/compare.csv" "$F/a/runs.csv" > "$T/fieller" <<'PY'
import csv, math, statistics, sys
vals = [float(r["value"]) for r in csv.DictReader(open(sys.argv[2], newline=""))
        if r["backend"] == "docker" and r["params"] == "max_prime=5000"
        and r["metric"] == "events_per_second"]
a = vals
b = [0.95 * x for x in a]
n = len(a)
ma, mb = statistics.fmean(a), statistics.fmean(b)
va, vb = statistics.variance(a) / n, statistics.variance(b) / n
R = mb / ma
t = 2.3060                     # t(0.975, 8), a printed table
g = t * t * va / (ma * ma)
half = t / abs(ma) * math.sqrt(vb * (1 - g) + R * R * va)
lo, hi = (R - half) / (1 - g), (R + half) / (1 - g)
for r in csv.DictReader(open(sys.argv[1], newline="")):
    if r["backend"] == "docker" and r["params"] == "max_prime=5000" \
       and r["metric"] == "events_per_second":
        got = (float(r["ratio_ci95_low"]), float(r["ratio_ci95_high"]))
        ok = abs(got[0] - lo) < 1e-4 and abs(got[1] - hi) < 1e-4 \
             and float(r["welch_df"]) > 0
        print("ok" if ok else "bad", got, (lo, hi))
PY
check "the Fieller interval matches the hand computation ($(cat "$T/fieller"))" grep -q "^ok" "$T/fieller"

md=$T/c/compare.md
check "the table has docker's ratio and interval" \
	grep -q "| docker | 1cpu | max_prime=5000 | 900 ± 17.7 | 855 ± 16.8 | 0.950 \[0.928, 0.972\]" "$md"
check "only in A: the qemu cell" \
	grep -A4 "^### Only in A" "$md" | grep -q "| qemu | 1cpu | cpu-prime | max_prime=5000 |"
check "only in B: the 2-CPU cell" \
	grep -A4 "^### Only in B" "$md" | grep -q "| bare-metal | 2cpu | cpu-prime | max_prime=5000 |"
for d in "host kernel | 6.1.0-a | 6.2.0-b" "host cpu_model | CPU A | CPU B" \
	 "virtbench | 0.9.0 | 0.9.1" "plugin docker | 1.0.0 | 1.1.0" \
	 "backend docker: option cpu_mode | quota | cpuset" \
	 "docker fact engine | 20.10.24 | 24.0.7"; do
	check "differences: $d" grep -qF "| $d |" "$md"
done
check "a container name is not a difference" bash -c "! grep -q 'fact container' '$md'"
check "different experiments are said to be" grep -q "runs of different experiments" "$md"
check "a chart per workload and metric" test -s "$T/c/plots/overhead-cpu-prime-events_per_second.gp"
if command -v gnuplot >/dev/null; then
	check "...drawn" test -s "$T/c/plots/overhead-cpu-prime-events_per_second.png"
	check "...and shown in compare.md" grep -q "plots/overhead-cpu-prime-events_per_second.png" "$md"
fi
check "compare.json: the shared cells and the sides" python3 - "$T/c/compare.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
p = j["pairs"][0]
assert [d["label"] for d in j["directories"]] == ["A", "B"]
assert len(p["shared"]) == 12
assert [c["backend"] for c in p["only_first"]] == ["qemu"]
assert [c["config"] for c in p["only_other"]] == ["2cpu"]
assert any(d["what"] == "host kernel" for d in p["differences"])
PY

# Thresholds: 1 on the regression, 0 when it holds, 2 when it cannot be judged.
"$VB" compare "$F/a" "$F/b" -o "$T/c2" --threshold "events_per_second >= 0.97" >/dev/null 2>"$T/err2"; rc=$?
check "a regression below 0.97 exits 1 (got $rc)" test "$rc" -eq 1
check "...naming the cells" grep -q "B: docker 1cpu cpu-prime max_prime=5000: events_per_second ratio 0.950 .* violates events_per_second >= 0.97" "$T/err2"
check "...2 of 4 checks" grep -q "2 of 4 threshold checks violated" "$T/err2"
check "...and compare.md says so" grep -q "violated: events_per_second >= 0.97" "$T/c2/compare.md"
"$VB" compare "$F/a" "$F/b" -o "$T/c3" -t "events_per_second >= 0.9" -t "total_time <= 1.06" >/dev/null 2>&1; rc=$?
check "thresholds that hold exit 0 (got $rc)" test "$rc" -eq 0
"$VB" compare "$F/a" "$F/b" -o "$T/c4" -t "event_per_second >= 0.9" >/dev/null 2>"$T/err4"; rc=$?
check "a threshold on no shared metric exits 2 (got $rc)" test "$rc" -eq 2
check "...and says so" grep -q "no cell the directories share has metric 'event_per_second'" "$T/err4"
"$VB" compare "$F/a" "$F/b" -o "$T/c5" -t "events_per_second 0.9" >/dev/null 2>"$T/err5"; rc=$?
check "a threshold that does not parse exits 2 (got $rc)" test "$rc" -eq 2
check "...with the form expected" grep -q 'expected "METRIC OP LIMIT"' "$T/err5"
"$VB" compare "$F/a" "$T/nowhere" -o "$T/c6" >/dev/null 2>"$T/err6"; rc=$?
check "a directory without results exits 2 (got $rc)" test "$rc" -eq 2
"$VB" compare "$F/a" >/dev/null 2>&1; rc=$?
check "one directory is a usage error" test "$rc" -eq 2
# A directory compared with itself: every ratio 1, nothing differs.
"$VB" compare "$F/a" "$F/a" -o "$T/c7" -t "events_per_second >= 1" >/dev/null 2>&1; rc=$?
check "A against A holds a ratio of 1 (got $rc)" test "$rc" -eq 0
check "...and nothing differs" grep -q "Nothing recorded differs" "$T/c7/compare.md"
finish
