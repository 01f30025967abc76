#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Ctrl-C in the middle of an LXC run, SIGTERM while a container is being
# opened, and SIGKILL of the engine itself: each time, no process, cgroup
# or state directory of that run's containers survives (looked up by the
# run's own container names, vb-PID-..., in the host cgroups).
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/lxc-lib.sh"

cat >"$T/long.cfg" <<'CFG'
name = "lxc-interrupt";
repetitions = 50;
backends = ( { plugin = "lxc"; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 30011; events = 0; time = "5s"; } );
CFG

vb_start interrupt run -o "$T/out" "$T/long.cfg"
wait_agent "$VB_PID"
sleep 0.5
vb_stop INT
rc=$VB_RC
echo "exit status after SIGINT: $rc"
cat "$T/interrupt.err"
[ "$rc" -eq 130 ] || die "an interrupted run exited $rc, expected 130"
assert_nothing_left "$VB_PID" "after SIGINT"

# SIGTERM while the container is being opened (lxc-start just spawned).
vb_start interrupt2 run -o "$T/out2" "$T/long.cfg"
i=0
until [ -n "$(run_cgroups "$VB_PID")" ]; do
	i=$((i + 1))
	[ "$i" -le 600 ] || die "no container cgroup after 60 s"
	sleep 0.1
done
kill -TERM "$VB_PID"
wait "$VB_PID"
echo "exit status after SIGTERM during open: $?"
assert_nothing_left "$VB_PID" "after SIGTERM during open"

# SIGKILL: the engine cannot clean up, but its containers end with it
# (init reads end of file on the engine's pipe), and the next run removes
# the state directory it left.
vb_start killed run -o "$T/out3" "$T/long.cfg"
dead=$VB_PID
wait_agent "$dead"
kill -KILL "$dead"
wait "$dead" 2>/dev/null
i=0
while [ -n "$(run_procs "$dead")" ]; do
	i=$((i + 1))
	[ "$i" -le 50 ] || die "processes of a SIGKILLed run still running after 10 s: $(run_procs "$dead")"
	sleep 0.2
done
ls -d "$TMPDIR"/virtbench-lxc-"$dead"-* >/dev/null 2>&1 ||
	die "expected the SIGKILLed run's state directory (nothing to sweep?)"
sed 's/repetitions = 50;/repetitions = 1;/; s/time = "5s"/time = "1s"/' "$T/long.cfg" >"$T/short.cfg"
vb_run after run -o "$T/out4" "$T/short.cfg"
[ "$VB_RC" -eq 0 ] || die "the run after the SIGKILLed one exited $VB_RC"
assert_nothing_left "$dead" "after the next run swept the SIGKILLed one"
assert_nothing_left "$VB_PID" "after the next run"
echo "PASS"
