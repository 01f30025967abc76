# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by tests/integration/podman-*.sh: the docker backend with
# engine = podman (rootful, docs/docker.md), against a private store in the
# test's directory, so nothing touches /var/lib/containers, /run/containers
# or a system podman's containers. Skips (77) only when podman is missing
# or we are not root.

set -u
: "${VIRTBENCH_SRCDIR:?run through make check}"
# fail(), die(), check(), vb_start() and $T: the tests' one set of helpers.
. "$VIRTBENCH_SRCDIR/tests/integration/lib.sh"
skip_heavy
need_cmd podman
need_root "these podman tests run rootful podman"

export XDG_CACHE_HOME="$T/cache"
P=$T/podman
# Containers go under a cgroup of the test's own, not libpod_parent.
CGPARENT=vb-podman-test-$$
VAR_LIB_CONTAINERS_BEFORE=no
[ -e /var/lib/containers ] && VAR_LIB_CONTAINERS_BEFORE=yes

# The engine the backend runs: podman with the private store's flags
# (scripts/podman-private, which also keeps c/image's blob-info cache out
# of /var/lib/containers).
PODMAN=$("$VIRTBENCH_SRCDIR/scripts/podman-private" "$P") || exit 1

cleanup() {
	rc=$?
	for p in $VB_PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	left=$("$PODMAN" ps -aq 2>/dev/null)
	[ -n "$left" ] && "$PODMAN" rm -f -t 0 $left >/dev/null 2>&1
	"$PODMAN" system reset -f >/dev/null 2>&1
	for d in /sys/fs/cgroup/*/"$CGPARENT" /sys/fs/cgroup/"$CGPARENT"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	if [ "$VAR_LIB_CONTAINERS_BEFORE" = no ] && [ -e /var/lib/containers ]; then
		echo "FAIL: the test created /var/lib/containers: $(find /var/lib/containers | head -5)" >&2
		rm -rf /var/lib/containers
		[ "$rc" -eq 0 ] && rc=1
	fi
	end_test "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Containers of the virtbench run with pid $1, any state, in our store.
run_containers() {
	"$PODMAN" ps -aq --filter "label=virtbench.pid=$1"
}
