#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Nothing survives the engine (issue 11 item 7): kill -9 of virtbench, its
# process group's leader, in the middle of a repetition. Within 10 s the
# bare-metal agent, the docker container and qemu are gone (each tied to
# the engine: SIGKILL on the parent's death, a container whose first
# process ends with its stdin pipe from the engine). What is left on disk,
# the bare-metal cgroup and the VM's directory with its scratch disk, the
# next run removes, because its owner's pid is gone.
. "$(dirname "$0")/lib.sh"

# gone PID: no such process, or only its zombie (a PID 1 that reaps
# slowly is not the engine's doing).
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# start NAME BACKEND-LINE: a long run, as the leader of its own group
start() {
	cat > "$T/$1.cfg" <<CFG
name = "$1";
repetitions = 3;
backends = ( $2 );
configs = ( { name = "1cpu"; cpus = 1; memory = "384M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 100000; events = 0; time = "60s"; } );
CFG
	setsid "$VB" run -o "$T/$1" "$T/$1.cfg" >/dev/null 2>"$T/$1.err" &
	ENGINE=$!
	within 300 grep -q '^\[1/' "$T/$1.err" || { fail "$1: no repetition started"; return 1; }
	sleep 1 # inside the first repetition (60 s of work)
	[ "$(ps -o pgid= -p "$ENGINE" | tr -d ' ')" = "$ENGINE" ] ||
		fail "$1: the engine does not lead its process group"
}

kill9() {
	kill -9 "$ENGINE"
	wait "$ENGINE" 2>/dev/null
}

# 1. bare-metal: the agent, a child of the engine. Its cgroups go to a
# parent of this test's own: any bare-metal run removes the stale cgroups
# it finds in its parent, and other tests run at the same time.
cgp="virtbench-test-kill9-$$"
trap 'rmdir /sys/fs/cgroup/memory/$cgp /sys/fs/cgroup/$cgp 2>/dev/null; rm -rf "$T"' EXIT
start bm "{ plugin = \"bare-metal\"; cgroup_parent = \"$cgp\"; }"
agent=$(pgrep -P "$ENGINE" | head -1)
check "bm: the agent runs before the kill" test -n "$agent"
cg=$(sed -n 's/.*cgroup=\([^;,"]*\).*/\1/p' "$T/bm/verify.csv" | head -1)
kill9
check "bm: the agent ($agent) is gone within 10 s" within 10 gone "$agent"
if [ -n "$cg" ] && [ -d "$cg" ]; then
	# The agent's leader can be a zombie while its worker thread is still
	# on its way out (a loaded CPU runs it late): the cgroup empties then.
	cg_empty() { [ -z "$(cat "$cg/cgroup.procs")" ]; }
	check "bm: its cgroup is empty within 10 s" within 10 cg_empty
	check "bm: its cgroup is under cgroup_parent ($cg)" \
		test "$(basename "$(dirname "$cg")")" = "$cgp"
	cat > "$T/next.cfg" <<CFG
name = "next";
backends = ( { plugin = "bare-metal"; cgroup_parent = "$cgp"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 100; events = 10; } );
CFG
	"$VB" run -o "$T/next" "$T/next.cfg" >/dev/null 2>"$T/next.err"
	check "bm: the next run removes the dead run's cgroup" test ! -e "$cg"
	check "bm: ...and says so" grep -q 'removed [0-9]* cgroup(s) left' "$T/next.err"
else
	echo "skipped: the bare-metal cgroup (none on this host)"
fi

if [ "${VIRTBENCH_SKIP_HEAVY:-}" = 1 ]; then
	echo "skipped: docker and qemu (VIRTBENCH_SKIP_HEAVY=1)"
	finish
fi

# 2. docker: the container (named vb-PID-...), by the engine's label.
if command -v docker >/dev/null; then
	exec 9>"${TMPDIR:-/tmp}/virtbench-docker-tests.lock"
	flock 9
fi
if command -v docker >/dev/null &&
	"$VIRTBENCH_SRCDIR/scripts/ensure-dockerd" "$T/dockerd.pid" >/dev/null 2>&1; then
	export XDG_CACHE_HOME="$T/cache"
	start dk '{ plugin = "docker"; }'
	name=$(docker ps --filter "label=virtbench.pid=$ENGINE" --format '{{.Names}}')
	check "dk: the container runs before the kill ($name)" test -n "$name"
	kill9
	none() { [ -z "$(docker ps -aq --filter "label=virtbench.pid=$ENGINE")" ]; }
	check "dk: the container is gone within 10 s" within 10 none
	[ -n "$name" ] && docker rm -f "$name" >/dev/null 2>&1
	"$VIRTBENCH_SRCDIR/scripts/stop-dockerd" "$T/dockerd.pid" >/dev/null 2>&1
	unset XDG_CACHE_HOME
else
	echo "skipped: docker (no engine)"
fi

# 3. qemu: QEMU (its command line holds $T, TMPDIR), then its directory.
if command -v qemu-system-x86_64 >/dev/null && ls /boot/vmlinuz-* >/dev/null 2>&1; then
	export XDG_CACHE_HOME="$VIRTBENCH_BUILDDIR/tests/cache" TMPDIR="$T"
	mkdir -p "$XDG_CACHE_HOME"
	our_qemu() { pgrep -f "[q]emu-system.*$T" >/dev/null; }
	no_qemu() { ! our_qemu; }
	start vm '{ plugin = "qemu"; accel = "tcg"; boot_timeout = "180s"; }'
	check "vm: qemu runs before the kill" our_qemu
	dead=$ENGINE
	kill9
	check "vm: qemu is gone within 10 s" within 10 no_qemu
	left=$(ls -d "$T/vbq-$dead-"* 2>/dev/null)
	check "vm: the dead run's VM directory is still there ($left)" test -n "$left"
	"$VB" probe qemu --cpus 1 --memory 256M accel=tcg boot_timeout=180s \
		>/dev/null 2>"$T/probe.err"
	check "vm: the next run removes it" test -z "$(ls -d "$T/vbq-$dead-"* 2>/dev/null)"
	check "vm: ...and says so" grep -q 'removed 1 VM directory' "$T/probe.err"
	check "vm: ...and leaves its own none" test -z "$(ls -d "$T"/vbq-* 2>/dev/null)"
	pkill -KILL -f "[q]emu-system.*$T" 2>/dev/null
else
	echo "skipped: qemu (no qemu or kernel)"
fi
finish
