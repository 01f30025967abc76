# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by tests/integration/lxc-*.sh: real LXC (lxc-start, lxc-attach),
# skipped (77) only when LXC is not installed or we are not root. Every
# check looks at one run's own containers (vb-PID-...), by cgroup and pid,
# never machine-wide: other runs may use LXC at the same time.

set -u
: "${VIRTBENCH_SRCDIR:?run through make check}"
# fail(), die(), check(), vb_start() and $T: the tests' one set of helpers.
. "$VIRTBENCH_SRCDIR/tests/integration/lib.sh"
skip_heavy
need_cmd lxc-start
need_root "the lxc backend needs root"
# One LXC test at a time (make -j check): a run removes what dead runs
# left (by the dead pid in the name), which would take another test's
# planted or killed container from under it.
exec 8>"${TMPDIR:-/tmp}/virtbench-lxc-tests.lock"
flock 8

# A private cache (bundle, rootfs) and a private TMPDIR (state dirs), so
# "nothing left" can be checked in the test's own directory.
export XDG_CACHE_HOME="$T/cache"
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"

# The host cgroup directories (any controller) of run $1's containers,
# payload and monitor: lxc.payload.vb-PID-... / lxc.monitor.vb-PID-...
run_cgroups() {
	for d in /sys/fs/cgroup/*/lxc.payload.vb-"$1"-* /sys/fs/cgroup/*/lxc.monitor.vb-"$1"-* \
		/sys/fs/cgroup/lxc.payload.vb-"$1"-* /sys/fs/cgroup/lxc.monitor.vb-"$1"-*; do
		[ -d "$d" ] && echo "$d"
	done
}

# Processes in run $1's containers (pids, one a line).
run_procs() {
	for d in $(run_cgroups "$1"); do
		cat "$d/cgroup.procs" 2>/dev/null
	done | sort -un
}

# Processes in the payload (the container itself) of run $1.
payload_procs() {
	for d in /sys/fs/cgroup/memory/lxc.payload.vb-"$1"-* /sys/fs/cgroup/lxc.payload.vb-"$1"-*; do
		[ -d "$d" ] && cat "$d/cgroup.procs" 2>/dev/null
	done | sort -un
}

# Fails unless run $1 left nothing: no process, no cgroup, no state dir.
assert_nothing_left() {
	i=0
	while [ -n "$(run_cgroups "$1")" ] && [ "$i" -lt 25 ]; do
		i=$((i + 1))
		sleep 0.2 # LXC removes the cgroups a moment after init ends
	done
	p=$(run_procs "$1")
	[ -z "$p" ] || { ps -o pid,args -p "$(echo $p | tr ' ' ,)"; die "$2: processes left: $p"; }
	c=$(run_cgroups "$1")
	[ -z "$c" ] || die "$2: cgroups left: $c"
	ls -d "$TMPDIR"/virtbench-lxc-"$1"-* >/dev/null 2>&1 &&
		die "$2: state directory left: $(ls -d "$TMPDIR"/virtbench-lxc-"$1"-*)"
	return 0
}

cleanup() {
	rc=$?
	for p in $VB_PIDS; do
		kill -KILL "$p" 2>/dev/null
		for d in $(run_cgroups "$p"); do
			for q in $(cat "$d/cgroup.procs" 2>/dev/null); do
				kill -KILL "$q" 2>/dev/null
			done
		done
		sleep 0.2
		for d in $(run_cgroups "$p"); do
			find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
	done
	end_test "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits until run $1 has an agent running in a container (init + agent);
# with $2, in a repetition ($T/$2.err says so), not in the probe.
wait_agent() {
	i=0
	until [ "$(payload_procs "$1" | wc -l)" -ge 2 ] &&
		{ [ -z "${2:-}" ] || grep -q 'rep 1/' "$T/$2.err"; }; do
		i=$((i + 1))
		[ "$i" -le 300 ] || die "no agent in a container after 60 s"
		kill -0 "$1" 2>/dev/null || { cat "$T"/*.err; die "virtbench exited early"; }
		sleep 0.2
	done
}
