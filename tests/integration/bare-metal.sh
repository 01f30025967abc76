#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# End to end on the host: a 2-config matrix through the CLI, then resume,
# then Ctrl-C and resume again.
. "$(dirname "$0")/lib.sh"

cat > "$T/small.cfg" <<'CFG'
name = "small";
repetitions = 3;
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; },
            { name = "2cpu-512m"; cpus = 2; memory = "512M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = [200, 400]; events = 200; threads = 2; } );
CFG

out=$("$VB" run "$T/small.cfg" -o "$T/r" 2>"$T/err"); rc=$?
check "run exits 0 (got $rc: $(tail -3 "$T/err"))" test "$rc" -eq 0
check "stdout names the results" test -n "$out"
nrep=$(awk -F, 'NR > 1 && $9 == "total_time" && $12 == "ok"' "$T/r/runs.csv" | wc -l)
check "12 repetitions recorded (got $nrep)" test "$nrep" -eq 12
check "host_time recorded for every repetition" \
	test "$(rows "$T/r/runs.csv" '$9 == "host_time"')" -eq 12
check "events are exact (200 per repetition)" \
	test "$(awk -F, 'NR > 1 && $9 == "events" && $10 != 200' "$T/r/runs.csv" | wc -l)" -eq 0
check "verify.csv has both environments ok" \
	test "$(rows "$T/r/verify.csv" '$9 == "ok"')" -eq 2
check "observed cpus equal requested" \
	test "$(rows "$T/r/verify.csv" '$3 != $4')" -eq 0
check "observed memory equals requested" \
	test "$(rows "$T/r/verify.csv" '$5 != $6')" -eq 0
check "environment record written" grep -q '"config_hash"' "$T/r/environment.json"
check "environment record has plugin versions" grep -q '"cpu-prime"' "$T/r/environment.json"
check "experiment copied" cmp -s "$T/small.cfg" "$T/r/experiment.cfg"
before=$(wc -l < "$T/r/runs.csv")

# Resume: nothing left to do, nothing rewritten.
"$VB" run "$T/small.cfg" -o "$T/r" >/dev/null 2>"$T/err2"; rc=$?
check "rerun exits 0" test "$rc" -eq 0
check "rerun ran nothing" grep -q "0 to run" "$T/err2"
check "rerun kept the journal" test "$(wc -l < "$T/r/runs.csv")" -eq "$before"

# A different experiment into the same directory is refused.
sed 's/events = 200/events = 300/' "$T/small.cfg" > "$T/other.cfg"
"$VB" run "$T/other.cfg" -o "$T/r" >/dev/null 2>"$T/err3"; rc=$?
check "mixing experiments is refused with 2" test "$rc" -eq 2
check "...and says why" grep -q "different experiment" "$T/err3"

# Ctrl-C in the middle: exit non-zero, journal intact, resume finishes.
cat > "$T/long.cfg" <<'CFG'
name = "long";
repetitions = 4;
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 20000; events = 0; time = "1s"; } );
CFG
# In a session of its own: the agents it starts are found by session,
# not by a machine-wide name (another virtbench may be running).
setsid "$VB" run "$T/long.cfg" -o "$T/l" >/dev/null 2>"$T/err4" &
pid=$!
for _ in $(seq 1 100); do
	[ -f "$T/l/runs.csv" ] && [ "$(rows "$T/l/runs.csv")" -gt 0 ] && break
	sleep 0.1
done
check "virtbench leads its own session" test "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid"
kill -INT "$pid"
wait "$pid"; rc=$?
check "interrupted run exits 130 (got $rc)" test "$rc" -eq 130
check "no process of its session left behind: $(session_procs "$pid")" test -z "$(session_procs "$pid")"
check "journal rows are whole" \
	test "$(unquote "$T/l/runs.csv" | awk -F, 'NR == 1 { n = NF } NR > 1 && NF != n' | wc -l)" -eq 0
done1=$(rows "$T/l/runs.csv" '$9 == "total_time"')
check "interrupted before the end ($done1 of 4 done)" test "$done1" -lt 4
"$VB" run "$T/long.cfg" -o "$T/l" >/dev/null 2>&1; rc=$?
check "resumed run exits 0" test "$rc" -eq 0
check "resumed run completes exactly 4 repetitions" \
	test "$(rows "$T/l/runs.csv" '$9 == "total_time" && $12 == "ok"')" -eq 4
check "no repetition recorded twice" \
	test "$(awk -F, 'NR > 1 && $9 == "total_time" {print $8}' "$T/l/runs.csv" | sort | uniq -d | wc -l)" -eq 0

# More CPUs than the host has: the environment is refused, the run goes
# on with the other config, and the failed rows are well-formed.
toomany=$(( $(nproc) + 1 ))
cat > "$T/refuse.cfg" <<CFG
name = "refuse";
repetitions = 2;
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "toomany"; cpus = $toomany; memory = "256M"; },
            { name = "one"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 100; events = 10; } );
CFG
"$VB" run "$T/refuse.cfg" -o "$T/x" >/dev/null 2>"$T/err5"; rc=$?
check "a refused environment makes the exit status 1 (got $rc)" test "$rc" -eq 1
check "the refusal says requested and observed" grep -q "requested $toomany, observed" "$T/err5"
check "refused repetitions are failed rows with the verdict" \
	test "$(rows "$T/x/runs.csv" '$3 == "toomany" && $12 == "failed" && $13 == "refused"')" -eq 2
check "every row has the header's fields" test "$(unquote "$T/x/runs.csv" | awk -F, 'NR == 1 { n = NF } NR > 1 && NF != n' | wc -l)" -eq 0
check "the other config still ran" \
	test "$(rows "$T/x/runs.csv" '$3 == "one" && $9 == "total_time" && $12 == "ok"')" -eq 2
check "verify.csv says refused" test "$(rows "$T/x/verify.csv" '$9 == "refused"')" -eq 1

# cgroup_parent: a path below the memory controller's root, never at or
# above it (the next run's sweep removes what it finds there).
for p in "" "/sys/fs/cgroup" "lab/../.." "." "lab/" "lab//x" "a b"; do
	sed "s|{ plugin = \"bare-metal\"; }|{ plugin = \"bare-metal\"; cgroup_parent = \"$p\"; }|" \
		"$T/small.cfg" > "$T/cgp.cfg"
	"$VB" check "$T/cgp.cfg" >/dev/null 2>"$T/cgp.err"; rc=$?
	check "cgroup_parent \"$p\" is refused with 2 at line 3 (got $rc: $(head -1 "$T/cgp.err"))" \
		grep -q "cgp.cfg:3: .*cgroup_parent \"$p\" must be a relative path" "$T/cgp.err"
	[ "$rc" -eq 2 ] || fail "cgroup_parent \"$p\": exit $rc"
done
cgp="virtbench-test-bm-$$/lab"
sed "s|{ plugin = \"bare-metal\"; }|{ plugin = \"bare-metal\"; cgroup_parent = \"$cgp\"; }|" \
	"$T/small.cfg" > "$T/cgp.cfg"
"$VB" run -o "$T/cgp" "$T/cgp.cfg" >/dev/null 2>"$T/cgp.err"; rc=$?
check "a run with cgroup_parent = \"$cgp\" exits 0 (got $rc)" test "$rc" -eq 0
cg=$(sed -n 's/.*cgroup=\([^;,"]*\).*/\1/p' "$T/cgp/verify.csv" | head -1)
if [ -n "$cg" ]; then
	check "its cgroups were under it ($cg)" test "$(dirname "$cg")" = "${cg%%/virtbench-test-bm-*}/$cgp"
	check "...and removed at the end" test -z "$(find "$(dirname "$cg")" -mindepth 1 -type d)"
	rmdir "$(dirname "$cg")" "$(dirname "$(dirname "$cg")")"
fi
finish
