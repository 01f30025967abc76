#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Host noise with controlled load, on a shared machine whose own load is
# neither known nor controllable. A bare-metal environment of one CPU
# (CPU 0) holds a repetition (the gate workload, which sleeps) while a
# spinner pinned to CPU 0 burns it: the repetition records at least what
# the spinner used (its own /proc/PID/stat) and at least CPU 0's busy
# time as the test itself counted it, and is flagged when that lower
# bound passes the experiment's limit, set high (half a CPU) so the
# machine's other load rarely decides. A quiet repetition records no
# more than CPU 0's busy time over a window that encloses it, and is not
# flagged when that upper bound is under the limit. noise = "exclude"
# says so and leaves it out of the rule. Steal is the hypervisor's, not
# ours to make: its limit is set out of reach (steal = 1), and what was
# stolen from the spinner is taken off the bounds it gives.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/plugins"
cp "$VIRTBENCH_BUILDDIR/tests/plugins/.libs/gate.so" "$T/plugins/" 2>/dev/null ||
	{ echo "SKIP: no gate.so (static build)"; exit 77; }
export VIRTBENCH_PLUGIN_PATH="$VIRTBENCH_PLUGIN_PATH:$T/plugins"
command -v taskset >/dev/null || { echo "SKIP: no taskset"; exit 77; }
taskset -c 0 true 2>/dev/null || { echo "SKIP: CPU 0 is not ours"; exit 77; }
HZ=$(getconf CLK_TCK)

# cpu0_busy: CPU 0's user+nice+system+irq+softirq in seconds.
cpu0_busy() {
	awk -v hz="$HZ" '$1 == "cpu0" { printf "%.4f\n", ($2 + $3 + $4 + $7 + $8) / hz }' /proc/stat
}
# cpu0_steal: CPU 0's steal in seconds. A task's own CPU time includes
# what was stolen from it (Debian's kernel has no
# PARAVIRT_TIME_ACCOUNTING); CPU 0's busy time does not.
cpu0_steal() {
	awk -v hz="$HZ" '$1 == "cpu0" { printf "%.4f\n", $9 / hz }' /proc/stat
}
# col FILE N: column N of the first data row (runs.csv has no quoted
# commas in these rows: gate's facts hold none)
col() { unquote "$1" | awk -F, -v n="$2" 'NR == 2 { print $n }'; }
# fcmp EXPR: a floating-point comparison by awk
fcmp() { awk "BEGIN { exit !($1) }"; }

experiment() { # NAME ACTION
	mkdir -p "$T/$1.g"
	cat > "$T/$1.cfg" <<CFG
name = "$1";
repetitions = 1;
noise = { action = "$2"; foreign = 0.5; steal = 1; };
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "gate"; dir = "$T/$1.g"; } );
CFG
}

# held_run NAME SPIN: run NAME with its repetition held for 1.5 s, a
# spinner on CPU 0 meanwhile when SPIN is 1. Sets S (the spinner's CPU
# seconds), INNER (CPU 0 busy inside the held window), ST (CPU 0's steal
# inside it), OUTER (CPU 0 busy over a window enclosing the whole run).
held_run() {
	local g=$T/$1.g sp= t0 t1 o0 s0
	touch "$g/hold"
	o0=$(cpu0_busy)
	setsid "$VB" run --no-report "$T/$1.cfg" -o "$T/$1" >/dev/null 2>"$T/$1.err" &
	local pid=$!
	for _ in $(seq 1 600); do [ -e "$g/held" ] && break; sleep 0.05; done
	[ -e "$g/held" ] || fail "$1: the repetition was not held"
	t0=$(cpu0_busy) s0=$(cpu0_steal)
	if [ "$2" = 1 ]; then
		taskset -c 0 sh -c 'while :; do :; done' &
		sp=$!
	fi
	sleep 1.5
	S=0
	if [ -n "$sp" ]; then
		S=$(awk -v hz="$HZ" '{ sub(/^.*\) /, ""); printf "%.4f\n", ($12 + $13) / hz }' "/proc/$sp/stat")
		kill "$sp"; wait "$sp" 2>/dev/null
	fi
	t1=$(cpu0_busy)
	ST=$(awk -v a="$s0" -v b="$(cpu0_steal)" 'BEGIN { print b - a }')
	rm -f "$g/hold"
	wait "$pid"; RC=$?
	OUTER=$(awk -v a="$o0" -v b="$(cpu0_busy)" 'BEGIN { print b - a }')
	INNER=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
}

experiment spin flag
held_run spin 1
check "spin: run exits 0 (got $RC: $(tail -2 "$T/spin.err"))" test "$RC" -eq 0
cpus=$(col "$T/spin/runs.csv" 23)
win=$(col "$T/spin/runs.csv" 22)
env=$(col "$T/spin/runs.csv" 27)
foreign=$(col "$T/spin/runs.csv" 29)
flag=$(col "$T/spin/runs.csv" 36)
spinS=$S spinST=$ST
check "spin: CPU 0 was sampled (noise_cpus '$cpus')" test "$cpus" = 0
check "spin: the environment's own CPU time comes from the agent ($(col "$T/spin/runs.csv" 28))" \
	test "$(col "$T/spin/runs.csv" 28)" = agent
check "spin: foreign $foreign s >= the spinner's own $S s (less $ST s stolen and two ticks)" \
	fcmp "$foreign >= $S - $ST - 2 / $HZ"
check "spin: foreign $foreign s >= CPU 0's busy time inside the window, $INNER s, less the environment's $env s" \
	fcmp "$foreign >= $INNER - $env - 2 / $HZ"
if fcmp "($INNER - $env - 2 / $HZ) / $win > 0.5 + 1 / ($HZ * $win)"; then
	check "spin: flagged (noise '$flag'; $foreign s of $win s)" test "$flag" = foreign
	check "spin: the flag is counted on stderr" grep -q "1 repetition flagged" "$T/spin.err"
else
	echo "note: CPU 0 was busy for only $INNER s of $win s: the flag cannot be asserted"
fi

experiment quiet flag
held_run quiet 0
check "quiet: run exits 0" test "$RC" -eq 0
qwin=$(col "$T/quiet/runs.csv" 22)
qforeign=$(col "$T/quiet/runs.csv" 29)
qflag=$(col "$T/quiet/runs.csv" 36)
check "quiet: foreign $qforeign s <= CPU 0's busy time around the whole run, $OUTER s" \
	fcmp "$qforeign <= $OUTER + 2 / $HZ"
if fcmp "($OUTER + 1 / $HZ) / $qwin < 0.5"; then
	check "quiet: not flagged (noise '$qflag'; others used at most $OUTER s of $qwin s)" test -z "$qflag"
else
	echo "note: CPU 0 was busy for $OUTER s around a $qwin s window: too loaded to assert quiet"
fi
check "spin and quiet differ by at least the spinner's time less what else ran" \
	fcmp "$foreign - $qforeign >= $spinS - $spinST - $OUTER - 4 / $HZ"

experiment excl exclude
held_run excl 1
check "exclude: run exits 0" test "$RC" -eq 0
if fcmp "($INNER - 2 / $HZ) / $(col "$T/excl/runs.csv" 22) > 0.5 + 0.01"; then
	check "exclude: flagged in the journal" test "$(col "$T/excl/runs.csv" 36)" = foreign
	check "exclude: said so when it happened" grep -q "repetition 1 excluded as noisy: other processes used" "$T/excl.err"
fi
check "the record says which rule" grep -q '"action": "exclude"' "$T/excl/environment.json"

# The analysis: flagged and kept under "flag", flagged and left out of the
# statistics (and listed) under "exclude"; the report's Host noise says so.
# summary NAME: "n flagged excluded" of the gate's `held` metric
summary() {
	python3 -c '
import json, sys
for c in json.load(open(sys.argv[1]))["cells"]:
    if c["metric"] == "held":
        print(c["n"], [f["repetition"] for f in c["noise"]["flagged"]], c["noise"]["excluded"])
' "$T/$1/summary.json"
}
if command -v python3 >/dev/null; then
	"$VB" report "$T/spin" >/dev/null 2>&1
	"$VB" report "$T/excl" >/dev/null 2>&1
	if [ "$flag" = foreign ]; then
		check "flag: the repetition is flagged and counted ($(summary spin))" \
			test "$(summary spin)" = "1 [1] []"
		check "flag: the report's Host noise lists it" \
			grep -q "| bare-metal | 1cpu | gate | - | 1 | .* | foreign: 1 | - |" "$T/spin/report.md"
	fi
	if [ "$(col "$T/excl/runs.csv" 36)" = foreign ]; then
		check "exclude: the repetition is listed and left out ($(summary excl))" \
			test "$(summary excl)" = "0 [1] [1]"
		check "exclude: the report says it was left out" \
			grep -q "1 were left out of the statistics" "$T/excl/report.md"
	fi
fi
finish
