# SPDX-License-Identifier: GPL-3.0-or-later
# Shared helpers for the integration tests (sourced, not run).
set -u
: "${VIRTBENCH_BUILDDIR:?run through make check}"
: "${VIRTBENCH_SRCDIR:=$VIRTBENCH_BUILDDIR}"
VB="$VIRTBENCH_BUILDDIR/cli/virtbench"
AGENT="$VIRTBENCH_BUILDDIR/agent/virtbench-agent"
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
# bad NAME WORKLOAD-LINE EXPECTED-TEXT: an experiment whose one workload
# (written on line 5) must be refused before anything runs: exit 2, the
# file and line with EXPECTED-TEXT, no runs.csv.
bad() {
	cat > "$T/$1.cfg" <<CFG
name = "$1";
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = (
  $2
);
CFG
	"$VB" run -o "$T/$1" "$T/$1.cfg" >/dev/null 2>"$T/$1.err"; local rc=$?
	check "$1: exit 2 (got $rc)" test "$rc" -eq 2
	check "$1: says $3 at $1.cfg:5 ($(head -2 "$T/$1.err"))" \
		grep -q "$1.cfg:5.*$3" "$T/$1.err"
	check "$1: nothing ran" test ! -e "$T/$1/runs.csv"
}
finish() {
	if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed" >&2; exit 1; fi
	exit 0
}
