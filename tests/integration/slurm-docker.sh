#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The scale-out path end to end (issue 16): a bare-metal + docker matrix
# of 3 configs as a 3-task array on a real single-node Slurm cluster with
# --wait. Every repetition is there exactly once, the merged runs.csv has
# the same cells and rows as a local `virtbench run` of the same file, and
# the report has a Hosts table and compares docker with bare metal.
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/docker-lib.sh"
. "$VIRTBENCH_SRCDIR/tests/integration/slurm-lib.sh"
# Stop the cluster first, then docker-lib's cleanup (which exits).
trap 'rc=$?; slurm_cleanup || rc=1; (exit $rc); cleanup' EXIT

start_engine
slurm_start

cat >"$T/m.cfg" <<'CFG'
name = "slurm-docker";
repetitions = 2;
backends = ( { plugin = "docker"; }, { plugin = "bare-metal"; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; },
            { name = "1cpu-512m"; cpus = 1; memory = "512M"; },
            { name = "2cpu-512m"; cpus = 2; memory = "512M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 1000; events = 100; } );
CFG

# The cells of a runs.csv: one line per ok row, without values or times.
cells() { awk -F, 'NR > 1 && $12 == "ok" { print $2, $3, $6, $7, $8, $9 }' "$1/runs.csv" | sort; }

vb_run local run -o "$T/local" --no-report "$T/m.cfg"
[ "$VB_RC" -eq 0 ] || fail "local run exited $VB_RC"

"$VB" slurm "$T/m.cfg" -o "$T/sl" --wait >"$T/sl.out" 2>"$T/sl.err"
rc=$?
echo "--- virtbench slurm --wait: exit $rc; stderr:"
cat "$T/sl.err"
[ "$rc" -eq 0 ] || fail "virtbench slurm --wait exited $rc"
grep -q "submitted Slurm job [0-9]*: shards 1-3 of 3" "$T/sl.err" || fail "not a 3-task array"
[ "$(grep -c 'shard [1-3]/3 (job [0-9]*_[1-3]) on localhost: COMPLETED' "$T/sl.err")" -eq 3 ] ||
	fail "not every task reported COMPLETED"
grep -qx "$T/sl/report.md" "$T/sl.out" || fail "no report path on stdout"

# Each shard is one config with both backends.
for k in 1 2 3; do
	n=$(awk -F, 'NR > 1 { print $3 }' "$T/sl/shards/$k/runs.csv" | sort -u | wc -l)
	b=$(awk -F, 'NR > 1 { print $2 }' "$T/sl/shards/$k/runs.csv" | sort -u | wc -l)
	[ "$n" -eq 1 ] && [ "$b" -eq 2 ] || fail "shard $k holds $n configs and $b backends, expected 1 and 2"
done

cells "$T/local" >"$T/local.cells"
cells "$T/sl" >"$T/sl.cells"
[ -s "$T/local.cells" ] || fail "the local run has no ok rows"
diff "$T/local.cells" "$T/sl.cells" >&2 || fail "merged cells differ from the local run's"
[ "$(($(wc -l <"$T/local/runs.csv")))" -eq "$(($(wc -l <"$T/sl/runs.csv")))" ] ||
	fail "row counts differ: local $(wc -l <"$T/local/runs.csv"), slurm $(wc -l <"$T/sl/runs.csv")"
[ -z "$(uniq -d "$T/sl.cells")" ] || fail "a repetition is in the merged runs.csv twice"
reps=$(awk -F, 'NR > 1 && $12 == "ok" && $9 == "total_time"' "$T/sl/runs.csv" | wc -l)
[ "$reps" -eq 12 ] || fail "$reps ok repetitions merged, expected 3 configs x 2 backends x 2"
# host is column 20; every row names this machine.
[ "$(unquote "$T/sl/runs.csv" | awk -F, 'NR > 1 { print $20 }' | sort -u)" = "$(hostname)" ] ||
	fail "the host column is not $(hostname) on every row"

grep -q '^## Hosts' "$T/sl/report.md" || fail "no Hosts section in the report"
[ "$(grep -c "^| [1-3] | localhost | $(hostname) | .* | COMPLETED |$" "$T/sl/report.md")" -eq 3 ] ||
	fail "the Hosts table does not list 3 completed shards"
! grep -q 'different CPU models\|different kernels' "$T/sl/report.md" ||
	fail "a mixed-hosts warning on one host"
[ "$(awk -F, 'NR > 1 && $2 == "docker" && $3 == "bare-metal" { print $4 }' "$T/sl/comparisons.csv" | sort -u | wc -l)" -eq 3 ] ||
	fail "comparisons.csv does not compare docker with bare-metal in all 3 configs"

# The containers of the shard runs are gone.
for c in $(grep -o 'container=vb-[A-Za-z0-9_.-]*' "$T/sl/verify.csv" | cut -d= -f2 | sort -u); do
	[ -z "$(docker ps -aq --filter "name=^$c\$")" ] || fail "container $c left behind"
done
echo "PASS"
