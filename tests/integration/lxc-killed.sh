#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# A container killed in the middle of a repetition (every process of its
# payload cgroup SIGKILLed): the backend reports the container gone, the
# engine opens a fresh one and retries (retries = 1), every repetition ends
# ok, nothing is left. And what a dead run left (a payload cgroup with a
# process still in it, named after a pid that no longer exists) is killed
# and removed by the next run, with a warning naming it. An agent killed
# by the container's memory limit is reported as an OOM kill.
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/lxc-lib.sh"

cat >"$T/kill.cfg" <<'CFG'
name = "lxc-killed";
repetitions = 3;
backends = ( { plugin = "lxc"; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 30011; events = 0; time = "4s"; } );
CFG

# A leftover of a dead run: our naming, a pid that is gone, a process in it.
sh -c 'exit 0' &
dead=$!
wait "$dead"
v1=true
[ -e /sys/fs/cgroup/cgroup.controllers ] && v1=false
if $v1; then
	stale=/sys/fs/cgroup/memory/lxc.payload.vb-$dead-stale-1
	mkdir "$stale" /sys/fs/cgroup/cpu/lxc.payload.vb-$dead-stale-1 \
		/sys/fs/cgroup/memory/lxc.monitor.vb-$dead-stale-1 || die "mkdir stale cgroups"
else
	stale=/sys/fs/cgroup/lxc.payload.vb-$dead-stale-1
	mkdir "$stale" || die "mkdir stale cgroup"
fi
sleep 600 &
orphan=$!
echo "$orphan" >"$stale/cgroup.procs" || die "cannot move a process into $stale"
VB_PIDS="$dead" # cleanup() removes it should the test fail

vb_start killed run -o "$T/out" "$T/kill.cfg"
wait_agent "$VB_PID" killed
sleep 1 # inside the first repetition (4 s of work)
victims=$(payload_procs "$VB_PID")
echo "killing the container: $victims"
kill -KILL $victims
wait "$VB_PID"
rc=$?
cat "$T/killed.err"
[ "$rc" -eq 0 ] || die "exit $rc: the killed repetition was not retried"
grep -q 'stopped during the request' "$T/killed.err" || die "the kill was not reported"
grep -q 'restarting the environment and retrying' "$T/killed.err" || die "no retry"
n=$(awk -F, 'NR > 1 && $9 == "events_per_second" && $12 == "ok"' "$T/out/runs.csv" | wc -l)
[ "$n" -eq 3 ] || die "$n ok repetitions, expected 3"
[ "$(csv_rows "$T/out/verify.csv" lxc | wc -l)" -eq 2 ] ||
	die "expected two environments (the first and the fresh one)"
c1=$(csv_rows "$T/out/verify.csv" lxc | sed -n 1p | grep -o 'container=vb-[^;]*')
c2=$(csv_rows "$T/out/verify.csv" lxc | sed -n 2p | grep -o 'container=vb-[^;]*')
[ "$c1" != "$c2" ] || die "the retry ran in the same container ($c1)"
assert_nothing_left "$VB_PID" "after the run"

grep -q "removed 1 container(s) left by virtbench runs that no longer exist (vb-$dead-stale-1)" \
	"$T/killed.err" || die "the stale container was not reported"
i=0
while kill -0 "$orphan" 2>/dev/null && [ "$i" -lt 25 ]; do
	i=$((i + 1))
	sleep 0.2
done
kill -0 "$orphan" 2>/dev/null && die "the process in the stale cgroup still runs"
wait "$orphan" 2>/dev/null
assert_nothing_left "$dead" "stale cgroups of a dead run"

# The OOM killer of the container's memory limit, named as such: fileio's
# files on a host tmpfs (workdir_host under /dev/shm) are charged to the
# container and cannot be reclaimed.
if [ -d /dev/shm ] && [ "$(stat -f -c %T /dev/shm)" = tmpfs ]; then
	shm=$(mktemp -d /dev/shm/vb-lxc-test.XXXXXX)
	cat >"$T/oom.cfg" <<CFG
name = "lxc-oom";
repetitions = 1;
backends = ( { plugin = "lxc"; workdir_host = "$shm"; } );
configs = ( { name = "1cpu-64m"; cpus = 1; memory = "64M"; } );
workloads = ( { plugin = "fileio-rndrw"; total_size = "128M"; files = 2;
                block_size = "16K"; events = 100; threads = 1; } );
CFG
	vb_run oom run -o "$T/out-oom" "$T/oom.cfg"
	rm -rf "$shm"
	[ "$VB_RC" -eq 1 ] || die "OOM: exit $VB_RC, expected 1"
	grep -q 'killed by the OOM killer: the workload needs more than 64 MiB (memory.oom_control\|killed by the OOM killer: the workload needs more than 64 MiB (memory.events' \
		"$T/oom.err" || die "the OOM kill was not named"
	assert_nothing_left "$VB_PID" "after the OOM kill"
fi
echo "PASS"
