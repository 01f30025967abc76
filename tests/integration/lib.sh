# SPDX-License-Identifier: GPL-3.0-or-later
# Shared helpers for the integration tests (sourced, not run).
set -u
: "${VIRTBENCH_BUILDDIR:?run through make check}"
: "${VIRTBENCH_SRCDIR:=$VIRTBENCH_BUILDDIR}"
VB="$VIRTBENCH_BUILDDIR/engine/virtbench"
AGENT="$VIRTBENCH_BUILDDIR/engine/virtbench-agent"
T=$(mktemp -d /tmp/vbtest.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }
check() { # check DESCRIPTION COMMAND...
	local what=$1; shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
# rows FILE [AWK-CONDITION]: count data rows of a CSV (header excluded)
rows() { awk -F, -v OFS=, "NR > 1 ${2:+&& ($2)}" "$1" | wc -l; }
# unquote FILE: drop quoted CSV fields' contents, so commas in them do not
# count as separators (none of our fields has an escaped quote)
unquote() { sed -E 's/"[^"]*"//g' "$1"; }
finish() {
	if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed" >&2; exit 1; fi
	exit 0
}
