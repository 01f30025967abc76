#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# gVisor under faults: the sandbox (runsc-sandbox, the container's main
# process on the host) SIGKILLed in the middle of a repetition is reported,
# a fresh container opened and the repetition retried; Ctrl-C in the middle
# of a run leaves no container, no sandbox runsc knows of, and no process in
# the containers' cgroups.
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/runsc-lib.sh"

cat >"$T/kill.cfg" <<'CFG'
name = "runsc-faults";
repetitions = 2;
backends = ( { plugin = "docker"; name = "runsc"; runtime = "runsc"; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 30011; events = 0; time = "4s"; } );
CFG

# Waits until run $1's agent is busy in a repetition (not the probe).
wait_rep() {
	i=0
	until [ -s "$T/$2.err" ] && grep -q 'rep 1/' "$T/$2.err" && [ -n "$(sandbox_pid "$1")" ]; do
		i=$((i + 1))
		[ "$i" -le 300 ] || die "no repetition under way after 60 s"
		kill -0 "$1" 2>/dev/null || { cat "$T/$2.err"; die "virtbench exited early"; }
		sleep 0.2
	done
	sleep 0.5
}

vb_start killed run -o "$T/out" "$T/kill.cfg"
wait_rep "$VB_PID" killed
sb=$(sandbox_pid "$VB_PID")
echo "killing the sandbox, pid $sb: $(tr '\0' ' ' </proc/"$sb"/cmdline | cut -c1-60)"
kill -KILL "$sb" || die "kill the sandbox"
wait "$VB_PID"
rc=$?
cat "$T/killed.err"
[ "$rc" -eq 0 ] || die "exit $rc: the killed repetition was not retried"
grep -Eq 'stopped during the request|status 137' "$T/killed.err" || die "the kill was not reported"
n=$(awk -F, 'NR > 1 && $9 == "events_per_second" && $12 == "ok"' "$T/out/runs.csv" | wc -l)
[ "$n" -eq 2 ] || die "$n ok repetitions, expected 2"
[ "$(csv_rows "$T/out/verify.csv" runsc | wc -l)" -eq 2 ] ||
	die "expected two environments (the first and the fresh one)"
assert_nothing_left "$VB_PID" "after the killed sandbox"

sed 's/repetitions = 2;/repetitions = 50;/; s/time = "4s"/time = "5s"/' "$T/kill.cfg" >"$T/long.cfg"
vb_start interrupt run -o "$T/out2" "$T/long.cfg"
wait_rep "$VB_PID" interrupt
vb_stop INT
rc=$VB_RC
cat "$T/interrupt.err"
[ "$rc" -eq 130 ] || die "an interrupted run exited $rc, expected 130"
assert_nothing_left "$VB_PID" "after Ctrl-C"
echo "PASS"
