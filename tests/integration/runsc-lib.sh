# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by tests/integration/runsc-*.sh: the docker backend with
# runtime = "runsc" against real gVisor. Uses the Docker engine that
# answers when it has a runsc runtime; otherwise (the shared dockerd of a
# machine usually has none) starts a private dockerd with runsc registered
# (scripts/ensure-dockerd --private: own data and exec roots, socket, pid
# file and cgroup parent) and stops it by pid at the end. Skips (77) only
# when docker or runsc is missing or we are not root.

set -u
: "${VIRTBENCH_SRCDIR:?run through make check}"
# fail(), die(), check(), vb_start() and $T: the tests' one set of helpers.
. "$VIRTBENCH_SRCDIR/tests/integration/lib.sh"
skip_heavy
need_cmd docker dockerd runsc
need_root "dockerd and runsc need root"
# With the docker tests' lock (docker-lib.sh): these may use the same
# engine, and a run removes the containers dead runs left on it.
exec 9>"${TMPDIR:-/tmp}/virtbench-docker-tests.lock"
flock 9

export XDG_CACHE_HOME="$T/cache"
PRIVATE=

cleanup() {
	rc=$?
	for p in $VB_PIDS; do
		kill -KILL "$p" 2>/dev/null
		left=$(docker ps -aq --filter "label=virtbench.pid=$p" 2>/dev/null)
		[ -n "$left" ] && docker rm -f $left >/dev/null 2>&1
	done
	if [ -n "$PRIVATE" ]; then
		"$VIRTBENCH_SRCDIR/scripts/stop-dockerd" "$PRIVATE/dockerd.pid" >/dev/null
		cg=$(cat "$PRIVATE/cgroup-parent" 2>/dev/null)
		[ -n "$cg" ] && for d in /sys/fs/cgroup/*"$cg" /sys/fs/cgroup"$cg"; do
			[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
	fi
	end_test "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if timeout 10 docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'; then
	echo "using the Docker engine that answers (it has runsc)"
else
	PRIVATE=$T/dockerd
	out=$("$VIRTBENCH_SRCDIR/scripts/ensure-dockerd" --private "$PRIVATE") ||
		die "cannot start a private dockerd"
	export "$out"
	docker info --format '{{json .Runtimes}}' | grep -q '"runsc"' ||
		die "the private dockerd has no runsc runtime"
	echo "using a private dockerd with runsc: $DOCKER_HOST"
fi

# Containers of the virtbench run with pid $1, any state.
run_containers() {
	docker ps -aq --filter "label=virtbench.pid=$1"
}

# The gVisor sandbox (runsc-sandbox: the container's State.Pid) of the
# running container of run $1.
sandbox_pid() {
	c=$(docker ps -q --filter "label=virtbench.pid=$1" | head -1)
	[ -n "$c" ] && docker inspect -f '{{.State.Pid}}' "$c"
}

# Fails unless run $1 left nothing: no container, and with the private
# dockerd no sandbox known to runsc and no process in its cgroups.
assert_nothing_left() {
	[ -z "$(run_containers "$1")" ] || { docker ps -a; die "$2: containers left"; }
	[ -n "$PRIVATE" ] || return 0
	for root in "$PRIVATE"/exec/runtime-runsc/moby; do
		[ -d "$root" ] || continue
		n=$(runsc --root "$root" list -q 2>/dev/null | wc -l)
		[ "$n" -eq 0 ] || { runsc --root "$root" list; die "$2: runsc still has $n sandbox(es)"; }
	done
	cg=$(cat "$PRIVATE/cgroup-parent")
	procs=$(cat /sys/fs/cgroup/memory"$cg"/*/cgroup.procs /sys/fs/cgroup"$cg"/*/cgroup.procs 2>/dev/null)
	[ -z "$procs" ] || die "$2: processes left in the containers' cgroups: $procs"
}
