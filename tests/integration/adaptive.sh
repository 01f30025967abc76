#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Repetitions until the interval is tight, on the host with the spread
# test workload: each cell stops where the formula says (checked by
# adaptive-check.py, which knows nothing of virtbench), max caps a noisy
# cell, a budget stops one, an interrupted run resumes the rule where it
# was, and check estimates what is left.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
CHECK="python3 $VIRTBENCH_SRCDIR/tests/integration/adaptive-check.py"
mkdir -p "$T/plugins"
cp "$VIRTBENCH_BUILDDIR/tests/plugins/.libs/spread.so" "$T/plugins/" 2>/dev/null ||
	{ echo "SKIP: no spread.so (static build)"; exit 77; }
export VIRTBENCH_PLUGIN_PATH="$VIRTBENCH_PLUGIN_PATH:$T/plugins"

# experiment NAME DIR EXTRA: three cells whose spreads put the stop at the
# first possible repetition, in the middle, and at max.
experiment() {
	cat > "$T/$1.cfg" <<CFG
name = "$1";
seed = 7;
repetitions = { min = 3; max = 15; precision = 0.03; $3 };
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "spread"; dir = "$2"; spread = [0.005, 0.04, 0.5]; hold_at = 9; } );
CFG
}

mkdir -p "$T/sd"
experiment ad "$T/sd" ""
"$VB" run --no-report "$T/ad.cfg" -o "$T/a" >/dev/null 2>"$T/a.err"; rc=$?
check "adaptive run exits 0 (got $rc: $(tail -2 "$T/a.err"))" test "$rc" -eq 0
check "it says the rule" grep -q "3..15 repetitions (until the 95 % CI is within 3 % of the mean)" "$T/a.err"
if $CHECK "$T/a/runs.csv" 3 15 0.03 value > "$T/a.chk"; then
	pass "every cell stopped where the formula says: $(tr '\n' ' ' < "$T/a.chk")"
else
	fail "stops disagree with the formula: $(cat "$T/a.chk")"
fi
n1=$(rows "$T/a/runs.csv" '$9 == "value" && $7 == "spread=0.005"')
n2=$(rows "$T/a/runs.csv" '$9 == "value" && $7 == "spread=0.04"')
n3=$(rows "$T/a/runs.csv" '$9 == "value" && $7 == "spread=0.5"')
check "a tight cell stops at min ($n1)" test "$n1" -eq 3
check "a middling one between min and max ($n2)" test "$n2" -gt 3 -a "$n2" -lt 15
check "max caps a noisy one ($n3)" test "$n3" -eq 15
check "its last repetition says max" \
	test "$(rows "$T/a/runs.csv" '$9 == "value" && $7 == "spread=0.5" && $8 == 15 && $37 == "max"')" -eq 1
check "environment.json records the rule" \
	grep -q '"precision": 0.029999999999999999\|"precision": 0.03' "$T/a/environment.json"

# Nothing left: a rerun runs nothing; check says every cell is finished.
"$VB" run --no-report "$T/ad.cfg" -o "$T/a" >/dev/null 2>"$T/a2.err"; rc=$?
check "rerun exits 0 and runs nothing" grep -q "at most 0 to run" "$T/a2.err"
check_out "check: the rule and its range of runs" \
	"3 cells x 3\.\.15 repetitions .* = 9\.\.45 runs" "$VB" check "$T/ad.cfg" -o "$T/a"
check_out "check: every cell finished, nothing left" \
	"3 of 3 cells finished by the rule.* ~0 more" "$VB" check "$T/ad.cfg" -o "$T/a"

# Interrupted at the 9th run (inside the middle cell), then resumed: the
# rule goes on from the journal and ends where an uninterrupted run
# would have by the formula.
mkdir -p "$T/sd2"
experiment adr "$T/sd2" ""
touch "$T/sd2/hold"
setsid "$VB" run --no-report "$T/adr.cfg" -o "$T/b" >/dev/null 2>"$T/b.err" &
pid=$!
for _ in $(seq 1 600); do [ -e "$T/sd2/held" ] && break; sleep 0.05; done
check "the 9th run was held" test -e "$T/sd2/held"
kill -INT "$pid"
wait "$pid"; rc=$?
check "interrupted run exits 130 (got $rc)" test "$rc" -eq 130
before=$(rows "$T/b/runs.csv" '$9 == "value"')
check "8 repetitions recorded before the interrupt ($before)" test "$before" -eq 8
check_out "check: a rerun has work left in 2 cells" \
	"1 of 3 cells finished by the rule" "$VB" check "$T/adr.cfg" -o "$T/b"
rm -f "$T/sd2/hold"
"$VB" run --no-report "$T/adr.cfg" -o "$T/b" >/dev/null 2>"$T/b2.err"; rc=$?
check "resumed run exits 0 (got $rc)" test "$rc" -eq 0
if $CHECK "$T/b/runs.csv" 3 15 0.03 value > "$T/b.chk"; then
	pass "after the resume every cell stopped where the formula says"
else
	fail "resumed stops disagree with the formula: $(cat "$T/b.chk")"
fi
check "no repetition twice" \
	test -z "$(awk -F, 'NR > 1 && $9 == "value" { print $7, $8 }' "$T/b/runs.csv" | sort | uniq -d)"

# A time budget stops a cell before min.
mkdir -p "$T/sd3"
experiment adb "$T/sd3" 'budget = "1ms";'
"$VB" run --no-report "$T/adb.cfg" -o "$T/c" >/dev/null 2>"$T/c.err"; rc=$?
check "budget run exits 0" test "$rc" -eq 0
check "each cell ran once and stopped for its budget" \
	test "$(rows "$T/c/runs.csv" '$9 == "value" && $8 == 1 && $37 == "budget"')" -eq 3 -a \
	     "$(rows "$T/c/runs.csv" '$9 == "value"')" -eq 3

# Shards: each runs the rule for its own cells; check sees what each has
# left; the merged journal stops every cell where the formula says.
mkdir -p "$T/sd4"
cat > "$T/ads.cfg" <<CFG
name = "ads";
seed = 7;
repetitions = { min = 3; max = 10; precision = 0.03; };
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "c1"; cpus = 1; memory = "256M"; },
            { name = "c2"; cpus = 1; memory = "320M"; } );
workloads = ( { plugin = "spread"; dir = "$T/sd4"; spread = [0.005, 0.04]; } );
CFG
"$VB" run --no-report --shard 1/2 "$T/ads.cfg" -o "$T/s" >/dev/null 2>"$T/s1.err"; rc=$?
check "shard 1/2 exits 0 (got $rc: $(tail -1 "$T/s1.err"))" test "$rc" -eq 0
check_out "check: shard 1 is complete" \
	"shard 1/2 .*complete" "$VB" check "$T/ads.cfg" -o "$T/s"
check_out "check: shard 2 has all left" \
	"shard 2/2 .*0 of 20 repetitions recorded, [0-9]+ left" "$VB" check "$T/ads.cfg" -o "$T/s"
"$VB" run --no-report --shard 2/2 "$T/ads.cfg" -o "$T/s" >/dev/null 2>&1; rc=$?
check "shard 2/2 exits 0" test "$rc" -eq 0
"$VB" report "$T/s" >/dev/null 2>&1
if $CHECK "$T/s/runs.csv" 3 10 0.03 value > "$T/s.chk"; then
	pass "merged shards: every cell stopped where the formula says"
else
	fail "merged shards disagree with the formula: $(cat "$T/s.chk")"
fi
check "the report says why each cell stopped" grep -q "## Repetitions until the interval is tight" "$T/s/report.md"

# The fixed number stays the default.
cat > "$T/fixed.cfg" <<CFG
name = "fixed";
repetitions = 4;
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "spread"; dir = "$T/sd3"; spread = 0.001; } );
CFG
"$VB" run --no-report "$T/fixed.cfg" -o "$T/f" >/dev/null 2>&1
check "fixed: 4 repetitions, no stop recorded" \
	test "$(rows "$T/f/runs.csv" '$9 == "value" && $37 == ""')" -eq 4
finish
