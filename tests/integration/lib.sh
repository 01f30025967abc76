# SPDX-License-Identifier: GPL-3.0-or-later
# Shared helpers for the integration tests (sourced, not run). Also
# sourced by the engines' libraries (docker-, podman-, runsc-, lxc-,
# qemu-lib.sh; some from /bin/sh: keep this POSIX), so there is one
# fail(): it counts a failed check and goes on; finish() (or end_test() in
# the EXIT trap of a test that has its own) turns any count into exit
# status 1. die() is for a failure that makes the rest of a test
# meaningless.
set -u
# A pipeline fails when any part of it fails, not only the last (bash;
# dash has no pipefail, and the tests run by it pipe no statuses).
if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi
: "${VIRTBENCH_BUILDDIR:?run through make check}"
: "${VIRTBENCH_SRCDIR:=$VIRTBENCH_BUILDDIR}"
VB="$VIRTBENCH_BUILDDIR/cli/virtbench"
AGENT="$VIRTBENCH_BUILDDIR/agent/virtbench-agent"
T=$(mktemp -d /tmp/vbtest.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
die() { fail "$@"; exit 1; }
pass() { echo "ok: $*"; }
check() { # check DESCRIPTION COMMAND...
	local what=$1; shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
# check_out DESCRIPTION ERE COMMAND...: COMMAND exits 0 and its stdout
# matches ERE. (Not "cmd | grep -q": without pipefail that ignores the
# command's status, with it grep's early exit can fail the writer.)
check_out() {
	local what="$1" pat="$2" rc
	shift 2
	"$@" >"$T/check_out.out" 2>"$T/check_out.err"; rc=$?
	if [ "$rc" -eq 0 ] && grep -Eq -- "$pat" "$T/check_out.out"; then
		pass "$what"
	else
		fail "$what (exit $rc; stdout: $(head -c 300 "$T/check_out.out"); stderr: $(head -c 300 "$T/check_out.err"))"
	fi
}
# rows FILE [AWK-CONDITION]: count data rows of a CSV (header excluded)
rows() { awk -F, -v OFS=, "NR > 1 ${2:+&& ($2)}" "$1" | wc -l; }
# best_ratio RUNS-CSV A B [BACKEND]: workload A's best events_per_second
# over workload B's (of BACKEND's rows, else all). Another process's load
# can only lower a rate, so each side's best is its least disturbed.
best_ratio() {
	awk -F, -v a="$2" -v b="$3" -v be="${4:-}" \
		'$9 == "events_per_second" && $12 == "ok" && (be == "" || $2 == be) {
			if ($10 > m[$6]) m[$6] = $10 }
		END { if (m[a] && m[b]) printf "%.3f", m[a] / m[b] }' "$1"
}
# unquote FILE: drop quoted CSV fields' contents, so commas in them do not
# count as separators (none of our fields has an escaped quote)
unquote() { sed -E 's/"[^"]*"//g' "$1"; }
# Processes of session SID (a command started with setsid has its pid as
# SID; its children stay in it): finds what a test started, and nothing
# another test or user runs.
session_procs() { ps -e -o sid=,pid=,args= | awk -v s="$1" '$1 == s'; }
# wait_handlers PID: until PID has its SIGTERM handler (so a signal is
# taken by the program, not by the default action before main runs).
wait_handlers() {
	local m
	for _ in $(seq 1 500); do
		m=$(awk '/^SigCgt/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
		[ -n "$m" ] && [ $(( 0x$m & (1 << 14) )) -ne 0 ] && return 0
		sleep 0.01
	done
	return 1
}
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
# The engines' tests start with these (before their EXIT trap is set):
# skip_heavy: the sanitizer, static and distcheck stages of
# scripts/run-tests set VIRTBENCH_SKIP_HEAVY=1, since the main make check
# already ran these against the real engines; need_cmd CMD...: skip when
# one is not installed; need_root WHY: skip unless root.
skip_heavy() {
	[ "${VIRTBENCH_SKIP_HEAVY:-}" = 1 ] || return 0
	echo "SKIP: VIRTBENCH_SKIP_HEAVY=1"
	exit 77
}
need_cmd() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 && continue
		echo "SKIP: $c not installed (scripts/install-deps)"
		exit 77
	done
}
need_root() {
	[ "$(id -u)" -eq 0 ] && return 0
	echo "SKIP: $*"
	exit 77
}
# vb_start NAME ARGS...: virtbench ARGS in the background, its pid in
# VB_PID (and appended to VB_PIDS, which cleanups walk); stdout and stderr
# in $T/NAME.out and $T/NAME.err.
VB_PID=
VB_PIDS=
vb_start() {
	name=$1
	shift
	"$VB" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	VB_PID=$!
	VB_PIDS="$VB_PIDS $VB_PID"
}
# vb_run NAME ARGS...: the same, to its end; its exit status in VB_RC.
vb_run() {
	vb_start "$@"
	wait "$VB_PID"
	VB_RC=$?
	echo "--- virtbench $2: exit $VB_RC; stderr:"
	cat "$T/$1.err"
}
# within SECONDS COMMAND...: true as soon as COMMAND is, false once it
# still is not after SECONDS (for what the kernel or an engine finishes a
# moment after the event a test caused).
within() {
	local n=$(( $1 * 10 )); shift
	for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
	"$@"
}
# vb_stop SIGNAL: send SIGNAL to the run in VB_PID and wait for it to end
# (dies after 30 s: every command must stop promptly); its exit status
# in VB_RC.
vb_stop() {
	kill -"$1" "$VB_PID"
	i=0
	while kill -0 "$VB_PID" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -le 150 ] || die "virtbench still running 30 s after SIG$1"
		sleep 0.2
	done
	wait "$VB_PID"
	VB_RC=$?
}
# csv_rows FILE VALUE: the data rows whose first field is VALUE, for the
# leading columns, which never hold quotes or commas.
csv_rows() {
	awk -F, -v b="$2" 'NR > 1 && $1 == b' "$1"
}
# end_test RC: the last step of an EXIT trap: a failed check makes the
# status 1; $T is removed when the test passed, kept for inspection
# otherwise.
end_test() {
	rc=$1
	[ "$rc" -ne 0 ] || [ "$fails" -eq 0 ] || rc=1
	if [ "$rc" -eq 0 ]; then
		rm -rf "$T"
	else
		echo "kept $T for inspection" >&2
	fi
	exit "$rc"
}
finish() {
	if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed" >&2; exit 1; fi
	exit 0
}
