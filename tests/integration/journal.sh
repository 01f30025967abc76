#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The journal under faults (issue 11, items 1-4), through the CLI on the
# host: a full disk stops the run and nothing torn stays; a torn tail is
# set aside and redone; a second writer is refused; a runs.csv from
# another experiment is refused even without environment.json.
. "$(dirname "$0")/lib.sh"
set -o pipefail

cat > "$T/j.cfg" <<'CFG'
name = "journal";
repetitions = 6;
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = [100, 200, 300, 400, 500]; events = 20; } );
CFG
total=30
# ok repetitions recorded whole: rows of metric total_time
reps() { awk -F, 'NR > 1 && $9 == "total_time" && $12 == "ok"' "$1/runs.csv" | wc -l; }
# every row has the header's number of fields (no merged or torn line)
whole() { unquote "$1/runs.csv" | awk -F, 'NR == 1 { n = NF } NR > 1 && NF != n { bad++ } END { exit bad > 0 }'; }

# --- 1. A full disk: the run stops at the first failed write. ---------
if [ "$(id -u)" -eq 0 ] && mkdir -p "$T/full" && mount -t tmpfs -o size=64k tmpfs "$T/full" 2>/dev/null; then
	trap 'umount "$T/full" 2>/dev/null; rm -rf "$T"' EXIT
	"$VB" run "$T/j.cfg" -o "$T/full/r" >/dev/null 2>"$T/err1"; rc=$?
	got=$(reps "$T/full/r")
	check "full disk: exit non-zero (got $rc)" test "$rc" -ne 0
	check "full disk: says it cannot write runs.csv" grep -q "cannot write.*runs.csv" "$T/err1"
	check "full disk: never claims all were run" bash -c "! grep -q 'done: $total repetitions run' '$T/err1'"
	check "full disk: fewer than $total recorded ($got)" test "$got" -lt "$total"
	check "full disk: no torn line in the journal" whole "$T/full/r"
	# Space comes back: the rerun completes the rest, nothing twice.
	mount -o remount,size=16m "$T/full"
	"$VB" run "$T/j.cfg" -o "$T/full/r" --no-report >/dev/null 2>"$T/err1b"; rc=$?
	check "space freed: rerun exits 0 (got $rc: $(tail -2 "$T/err1b"))" test "$rc" -eq 0
	check "space freed: all $total recorded ($(reps "$T/full/r"))" test "$(reps "$T/full/r")" -eq "$total"
	check "space freed: no repetition twice" test "$(awk -F, 'NR > 1 && $9 == "total_time" { print $7, $8 }' "$T/full/r/runs.csv" | sort | uniq -d | wc -l)" -eq 0
	check "space freed: no torn line" whole "$T/full/r"
	umount "$T/full"
	trap 'rm -rf "$T"' EXIT
else
	echo "skip: full-disk case needs root and tmpfs"
fi

# --- 2. A torn tail (a kill mid-write) is set aside and redone. ---------
"$VB" run "$T/j.cfg" -o "$T/t" --no-report >/dev/null 2>&1
check "torn: first run complete" test "$(reps "$T/t")" -eq "$total"
size=$(stat -c %s "$T/t/runs.csv")
truncate -s $((size - 40)) "$T/t/runs.csv"
check "torn: the cut lost a repetition" test "$(reps "$T/t")" -le "$total"
"$VB" run "$T/j.cfg" -o "$T/t" --no-report >/dev/null 2>"$T/err2"; rc=$?
check "torn: rerun exits 0 (got $rc)" test "$rc" -eq 0
check "torn: says it recovered a torn record" grep -q "torn record" "$T/err2"
check "torn: one repetition redone" grep -q "1 to run" "$T/err2"
check "torn: the torn bytes are kept in runs.csv.torn" test -s "$T/t/runs.csv.torn"
check "torn: all $total whole again" test "$(reps "$T/t")" -eq "$total"
check "torn: no torn line" whole "$T/t"
# Every block is whole: each record k/n run is complete.
check "torn: every record column is consistent" \
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "record") n = i; next } { split($n, a, "/"); if (a[1] != want + 1 || a[2] < a[1]) bad++; want = (a[1] == a[2]) ? 0 : a[1] } END { exit bad > 0 || want != 0 }' "$T/t/runs.csv"
"$VB" report "$T/t" >/dev/null 2>"$T/err2b"; rc=$?
check "torn: report still works (got $rc)" test "$rc" -eq 0

# --- 3. One writer per results directory. --------------------------------
cat > "$T/slow.cfg" <<'CFG'
name = "slow";
repetitions = 50;
backends = ( { plugin = "bare-metal"; cgroup = "none"; } ); # killed below: no cgroup left for others to sweep
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 20000; events = 200; } );
CFG
"$VB" run "$T/slow.cfg" -o "$T/s" --no-report >/dev/null 2>&1 &
first=$!
for _ in $(seq 1 100); do
	[ -s "$T/s/.virtbench.lock" ] && break
	sleep 0.1
done
t0=$(date +%s)
"$VB" run "$T/slow.cfg" -o "$T/s" >/dev/null 2>"$T/err3"; rc=$?
t1=$(date +%s)
check "lock: a second run is refused with 2 (got $rc)" test "$rc" -eq 2
check "lock: ...at once ($((t1 - t0)) s)" test $((t1 - t0)) -le 5
check "lock: ...naming the holder's pid" grep -q "pid $first" "$T/err3"
"$VB" report "$T/s" >/dev/null 2>"$T/err3b"; rc=$?
check "lock: report waits its turn too (got $rc)" test "$rc" -eq 2
kill -KILL "$first"
wait "$first" 2>/dev/null
# The killed run's lock is gone with it.
"$VB" run "$T/slow.cfg" -o "$T/s" --no-report >/dev/null 2>"$T/err3c" &
second=$!
sleep 1
check "lock: a killed holder does not block" bash -c "! grep -q 'in use' '$T/err3c'"
kill -INT "$second"
wait "$second" 2>/dev/null

# --- 4. The directory belongs to one experiment, from the journal. ----
sed 's/events = 20;/events = 30;/' "$T/j.cfg" > "$T/other.cfg"
rm -f "$T/t/environment.json"
"$VB" run "$T/other.cfg" -o "$T/t" --no-report >/dev/null 2>"$T/err4"; rc=$?
check "identity: another experiment refused without environment.json (got $rc)" test "$rc" -eq 2
check "identity: ...naming runs.csv:line" grep -q "runs.csv:[0-9]*.*another experiment" "$T/err4"
check "identity: ...nothing appended" test "$(reps "$T/t")" -eq "$total"
mkdir -p "$T/u"
cp "$T/t/runs.csv" "$T/u/runs.csv"
sed 's/"journal"/"copied"/' "$T/j.cfg" > "$T/copied.cfg"
"$VB" run "$T/copied.cfg" -o "$T/u" --no-report >/dev/null 2>"$T/err4b"; rc=$?
check "identity: a runs.csv copied from another experiment is refused (got $rc)" test "$rc" -eq 2

finish
