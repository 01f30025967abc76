#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# engine = "podman" under faults: a container killed in the middle of a
# repetition (podman kill) is reported, a fresh one opened and the
# repetition retried; Ctrl-C in the middle of a run leaves no container of
# that run in the store and no process in its cgroups.
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/podman-lib.sh"

cat >"$T/kill.cfg" <<CFG
name = "podman-faults";
repetitions = 2;
backends = ( { plugin = "docker"; name = "podman"; engine = "$PODMAN";
               extra_args = [ "--cgroup-parent=/$CGPARENT" ]; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 30011; events = 0; time = "4s"; } );
CFG

running() {
	"$PODMAN" ps -q --filter "label=virtbench.pid=$1"
}

# Waits until run $1 (stderr in $T/$2.err) has an agent busy in a
# repetition: the probe's agent is one too, and a kill then fails the
# environment instead of a repetition.
wait_agent() {
	i=0
	until grep -q 'rep 1/' "$T/$2.err" && [ -n "$(running "$1")" ] &&
		"$PODMAN" top "$(running "$1")" args 2>/dev/null | grep -q 'virtbench-agent'; do
		i=$((i + 1))
		[ "$i" -le 300 ] || die "no agent in a container after 60 s"
		kill -0 "$1" 2>/dev/null || { cat "$T"/*.err; die "virtbench exited early"; }
		sleep 0.2
	done
}

vb_start killed run -o "$T/out" "$T/kill.cfg"
wait_agent "$VB_PID" killed
first=$(running "$VB_PID")
"$PODMAN" kill "$first" >/dev/null || die "podman kill"
wait "$VB_PID"
rc=$?
cat "$T/killed.err"
[ "$rc" -eq 0 ] || die "exit $rc: the killed repetition was not retried"
grep -Eq 'stopped during the request|status 137' "$T/killed.err" || die "the kill was not reported"
n=$(awk -F, 'NR > 1 && $9 == "events_per_second" && $12 == "ok"' "$T/out/runs.csv" | wc -l)
[ "$n" -eq 2 ] || die "$n ok repetitions, expected 2"
[ "$(csv_rows "$T/out/verify.csv" podman | wc -l)" -eq 2 ] ||
	die "expected two environments (the first and the fresh one)"
[ -z "$(run_containers "$VB_PID")" ] || die "containers left behind"

sed 's/repetitions = 2;/repetitions = 50;/; s/time = "4s"/time = "5s"/' "$T/kill.cfg" >"$T/long.cfg"
vb_start interrupt run -o "$T/out2" "$T/long.cfg"
wait_agent "$VB_PID" interrupt
vb_stop INT
rc=$VB_RC
cat "$T/interrupt.err"
[ "$rc" -eq 130 ] || die "an interrupted run exited $rc, expected 130"
[ -z "$(run_containers "$VB_PID")" ] || { "$PODMAN" ps -a; die "containers survived Ctrl-C"; }
procs=$(cat /sys/fs/cgroup/memory/"$CGPARENT"/*/cgroup.procs /sys/fs/cgroup/"$CGPARENT"/*/cgroup.procs 2>/dev/null)
[ -z "$procs" ] || die "processes left in the run's cgroups: $procs"
echo "PASS"
