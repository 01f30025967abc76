#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A workload that needs more memory than its environment has (the oom test
# plugin) is killed by the OOM killer of the memory limit, and the
# repetition's error says so, with the limit, on bare-metal (the memory
# cgroup's counters), docker (the container's oom event) and qemu (the
# guest's console), instead of "agent ended without an answer"; the
# report lists it; the cell's next workload still runs.
. "$(dirname "$0")/lib.sh"
# Plugins from files need a shared build (a static one has its own
# plugins built in, and no libvirtbench.so to load others against).
if [ ! -e "$VIRTBENCH_BUILDDIR/lib/.libs/libvirtbench.so" ]; then
	echo "SKIP: static build: no plugin modules to load"
	exit 77
fi

P="$T/plugins"
mkdir -p "$P"
cp "$VIRTBENCH_BUILDDIR/tests/plugins/.libs/oom.so" "$P/" || { echo "no oom.so"; exit 1; }

# oom_case NAME BACKEND-LINE MEMORY LIMIT-TEXT
oom_case() {
	cat > "$T/$1.cfg" <<CFG
name = "$1";
repetitions = 1;
backends = ( $2 );
configs = ( { name = "small"; cpus = 1; memory = "$3"; } );
workloads = ( { plugin = "oom"; bytes = "2G"; },
              { plugin = "cpu-prime"; max_prime = 500; events = 20; } );
CFG
	"$VB" --plugin-dir "$P" run -o "$T/$1" "$T/$1.cfg" >/dev/null 2>"$T/$1.err"
	local rc=$?
	check "$1: the run fails (exit $rc)" test "$rc" -eq 1
	check "$1: the error names the OOM killer and the limit ($(grep -o 'repetition 1 failed: .*' "$T/$1.err" | head -1))" \
		grep -q "killed by the OOM killer: the workload needs more than $4" "$T/$1/runs.csv"
	check "$1: the report lists the repetition" \
		grep -q "oom .*killed by the OOM killer" "$T/$1/report.md"
	check "$1: the cell's next workload still ran" \
		test "$(rows "$T/$1/runs.csv" '$6 == "cpu-prime" && $9 == "events" && $12 == "ok"')" -eq 1
}

# bare-metal limits memory only where it can make a memory cgroup.
"$VB" probe bare-metal --cpus 1 --memory 128M > "$T/probe" 2>&1
if grep -q 'memory .*\[not enforced\]' "$T/probe"; then
	echo "skipped: bare-metal (no writable memory cgroup here)"
else
	oom_case bm '{ plugin = "bare-metal"; retries = 0; }' 128M "128 MiB"
	check "bm: the evidence is the cgroup's counter" \
		grep -Eq 'memory.(oom_control|events): oom_kill' "$T/bm/runs.csv"
fi

if [ "${VIRTBENCH_SKIP_HEAVY:-}" = 1 ]; then
	echo "skipped: docker and qemu (VIRTBENCH_SKIP_HEAVY=1)"
	finish
fi
if command -v docker >/dev/null; then
	exec 9>"${TMPDIR:-/tmp}/virtbench-docker-tests.lock"
	flock 9
fi
if command -v docker >/dev/null &&
	"$VIRTBENCH_SRCDIR/scripts/ensure-dockerd" "$T/dockerd.pid" >/dev/null 2>&1; then
	XDG_CACHE_HOME="$T/cache" oom_case dk '{ plugin = "docker"; retries = 0; }' 128M "128 MiB"
	"$VIRTBENCH_SRCDIR/scripts/stop-dockerd" "$T/dockerd.pid" >/dev/null 2>&1
else
	echo "skipped: docker (no engine)"
fi
if command -v qemu-system-x86_64 >/dev/null && ls /boot/vmlinuz-* >/dev/null 2>&1; then
	mkdir -p "$VIRTBENCH_BUILDDIR/tests/cache"
	XDG_CACHE_HOME="$VIRTBENCH_BUILDDIR/tests/cache" TMPDIR="$T" oom_case vm \
		'{ plugin = "qemu"; accel = "tcg"; retries = 0; boot_timeout = "180s"; }' \
		256M "256 MiB"
	check "vm: the evidence is the guest kernel's line" \
		grep -q 'Out of memory: Killed process' "$T/vm/runs.csv"
	check "vm: no qemu of ours left" bash -c "! pgrep -f '[q]emu-system.*$T' >/dev/null"
else
	echo "skipped: qemu (no qemu or kernel)"
fi
finish
