# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by tests/integration/docker-*.sh: finds the build, skips (77)
# only when docker is not installed at all, starts dockerd when none
# answers and stops it at exit if (and only if) it started it.

set -u
: "${VIRTBENCH_SRCDIR:?run through make check}"
# fail(), die(), check(), vb_start() and $T: the tests' one set of helpers.
. "$VIRTBENCH_SRCDIR/tests/integration/lib.sh"
skip_heavy
need_cmd docker

# One docker test at a time (make -j check): a test that started dockerd
# stops it at its end, which must not pull the engine from under another.
exec 9>"${TMPDIR:-/tmp}/virtbench-docker-tests.lock"
flock 9

# A private bundle cache: the test must not depend on (or fill) $HOME.
export XDG_CACHE_HOME="$T/cache"
DOCKERD_PIDFILE="$T/dockerd.pid"

cleanup() {
	rc=$?
	if [ -n "$VB_PID" ] && kill -0 "$VB_PID" 2>/dev/null; then
		kill -TERM "$VB_PID" 2>/dev/null
		wait "$VB_PID" 2>/dev/null
	fi
	# Only containers of the runs this test started (another run on the
	# same engine may be busy); the tests themselves check there are none.
	if [ -z "${DOCKER_HOST:-}" ]; then
		for p in $VB_PIDS; do
			left=$(docker ps -aq --filter "label=virtbench.pid=$p" 2>/dev/null)
			[ -n "$left" ] && docker rm -f $left >/dev/null 2>&1
		done
	fi
	"$VIRTBENCH_SRCDIR/scripts/stop-dockerd" "$DOCKERD_PIDFILE" >/dev/null
	end_test "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_engine() {
	"$VIRTBENCH_SRCDIR/scripts/ensure-dockerd" "$DOCKERD_PIDFILE" ||
		die "no Docker engine and none could be started"
}

# Containers of the virtbench run with pid $1, any state.
run_containers() {
	docker ps -aq --filter "label=virtbench.pid=$1"
}

# A second busybox image, made without the bundle: a "user image".
make_user_image() {
	tag=$1
	docker image inspect "$tag" >/dev/null 2>&1 && return 0
	mkdir -p "$T/rootfs/bin" "$T/rootfs/tmp" "$T/rootfs/etc"
	cp /bin/busybox "$T/rootfs/bin/busybox"
	ln -s busybox "$T/rootfs/bin/sh"
	tar -C "$T/rootfs" -cf "$T/user.tar" . || die "tar"
	docker import "$T/user.tar" "$tag" >/dev/null || die "docker import $tag"
}
