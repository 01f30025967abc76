#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Limits that do not apply are refused, never reported: extra_config lines
# that override virtbench's own LXC cgroup keys (a CPU quota of 2 for a
# 1-CPU cell, 128M of memory for a 256M one; on cgroup v1 with swap
# accounting LXC sets memsw after every memory limit, so an override can
# only lower it) are seen by the probe inside
# the container, the cells are refused, the run exits 1 and says
# requested vs observed, and no container is left. A malformed
# extra_config line is a usage error (exit 2) before anything runs; a
# missing include is a clear error for that backend's cells only.
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/lxc-lib.sh"

cat >"$T/refuse.cfg" <<'CFG'
name = "lxc-refuse";
repetitions = 1;
backends = ( { plugin = "lxc"; name = "lxc-cpu";
               extra_config = [ "lxc.cgroup.cpu.cfs_quota_us = 200000" ]; },
             { plugin = "lxc"; name = "lxc-mem";
               extra_config = [ "lxc.cgroup.memory.limit_in_bytes = 134217728" ]; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 2000; events = 100; } );
CFG
if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
	sed -i 's/lxc.cgroup.cpu.cfs_quota_us = 200000/lxc.cgroup2.cpu.max = 200000 100000/;
		s/lxc.cgroup.memory.limit_in_bytes = 134217728/lxc.cgroup2.memory.max = 134217728/' "$T/refuse.cfg"
fi

vb_run refuse run -o "$T/out" "$T/refuse.cfg"
[ "$VB_RC" -eq 1 ] || die "virtbench run exited $VB_RC, expected 1 (refused)"
assert_nothing_left "$VB_PID" "after the refused run"
verify=$T/out/verify.csv
row=$(csv_rows "$verify" lxc-cpu)
echo "verify: $row"
echo "$row" | awk -F, '$3 == 1 && $4 + 0 == 2 && $9 == "refused" { ok = 1 } END { exit !ok }' ||
	die "lxc-cpu: verify.csv does not show 1 requested, 2 observed, refused"
echo "$row" | grep -q 'host_cpu_quota=2;' || die "lxc-cpu: host-side readback does not show quota 2"
row=$(csv_rows "$verify" lxc-mem)
echo "verify: $row"
echo "$row" | awk -F, '$5 == 268435456 && $6 == 134217728 && $9 == "refused" { ok = 1 } END { exit !ok }' ||
	die "lxc-mem: verify.csv does not show the memory limit refused"
awk -F, 'NR > 1 && $12 == "ok" { bad = 1 } END { exit bad }' "$T/out/runs.csv" ||
	die "a refused cell produced ok rows"
grep -q 'requested 1, observed 2' "$T/refuse.err" || die "no 'requested 1, observed 2' message"

# A malformed line: refused before anything runs, with the file and line.
cat >"$T/bad.cfg" <<'CFG'
name = "lxc-bad";
backends = (
  { plugin = "lxc"; extra_config = [ "cpus = 4" ]; }
);
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 100; events = 10; } );
CFG
vb_run bad run -o "$T/out2" "$T/bad.cfg"
[ "$VB_RC" -eq 2 ] || die "malformed extra_config: exit $VB_RC, expected 2"
grep -q 'bad.cfg:3.*must be one "lxc.KEY = VALUE" line' "$T/bad.err" ||
	die "malformed extra_config: no file:line and reason"
[ ! -e "$T/out2/runs.csv" ] || die "malformed extra_config: something ran"

# A missing include: those cells fail with the reason; bare-metal runs.
cat >"$T/noinc.cfg" <<'CFG'
name = "lxc-noinc";
repetitions = 1;
backends = ( { plugin = "lxc"; include = "/nonexistent/common.conf"; },
             { plugin = "bare-metal"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 100; events = 10; } );
CFG
vb_run noinc run -o "$T/out3" "$T/noinc.cfg"
[ "$VB_RC" -eq 1 ] || die "missing include: exit $VB_RC, expected 1"
grep -q 'include = "/nonexistent/common.conf": No such file' "$T/noinc.err" ||
	die "missing include: no clear message"
awk -F, 'NR > 1 && $2 == "bare-metal" && $12 == "ok"' "$T/out3/runs.csv" | grep -q . ||
	die "missing include: bare-metal did not run"
echo "PASS"
