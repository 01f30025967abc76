#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# virtbench slurm on a real single-node Slurm cluster (issue 16), bare
# metal only: Slurm missing or not answering is exit 2 at once; a task
# scancel'ed in the middle of a repetition loses only that repetition and
# a rerun resubmits only its shard; Ctrl-C during --wait cancels the
# array; a failing task shows in the report with its state, exit status
# and output; a results directory the node cannot write is explained.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/slurm-lib.sh"
trap 'rc=$?; slurm_cleanup || rc=1; rm -rf "$T"; exit $rc' EXIT
trap 'exit 130' INT TERM

# ok repetitions in a results directory, and how many appear twice
okreps() { awk -F, 'NR > 1 && $12 == "ok" && $9 == "'"${2:-held}"'"' "$1/runs.csv" | wc -l; }
dupreps() { awk -F, 'NR > 1 && $12 == "ok" { print $2, $3, $6, $7, $8, $9 }' "$1/runs.csv" | sort | uniq -d | wc -l; }

cat >"$T/m.cfg" <<'CFG'
name = "slurm-m";
repetitions = 2;
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "a"; cpus = 1; memory = "256M"; },
            { name = "b"; cpus = 1; memory = "256M"; },
            { name = "c"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 500; events = 20; } );
slurm = { time = "10:00"; sbatch_args = [ "--comment=virtbench-test" ]; };
CFG

# --- Faults before anything is submitted (no cluster needed) ----------
mkdir -p "$T/nobin"
env PATH="$T/nobin" "$VB" slurm "$T/m.cfg" -o "$T/nosbatch" >/dev/null 2>"$T/nosbatch.err"; rc=$?
check "no sbatch on PATH: exit 2 (got $rc)" test "$rc" -eq 2
check "no sbatch on PATH: names sbatch and what to install ($(tail -1 "$T/nosbatch.err"))" \
	grep -q "sbatch not found on PATH: install.*slurm-client" "$T/nosbatch.err"
check "no sbatch on PATH: nothing written" test ! -e "$T/nosbatch/slurm"

SLURM_CONF=$T/nowhere.conf "$VB" slurm "$T/m.cfg" -o "$T/noconf" >/dev/null 2>"$T/noconf.err"; rc=$?
check "SLURM_CONF names no file: exit 2 (got $rc)" test "$rc" -eq 2
check "SLURM_CONF names no file: says so ($(cat "$T/noconf.err"))" grep -q "SLURM_CONF=$T/nowhere.conf" "$T/noconf.err"

slurm_start

# A controller that does not answer: this cluster's conf, another port.
# MessageTimeout=30 would make any client but `scontrol ping` wait 29 s.
sed -e 's/^SlurmctldPort=.*/SlurmctldPort=1/' -e 's/^MessageTimeout=.*/MessageTimeout=30/' \
	"$SLURM_CONF" >"$T/down.conf"
t0=$(date +%s)
SLURM_CONF=$T/down.conf "$VB" slurm "$T/m.cfg" -o "$T/down" >/dev/null 2>"$T/down.err"; rc=$?
t1=$(date +%s)
check "controller down: exit 2 (got $rc)" test "$rc" -eq 2
check "controller down: names the controller and SLURM_CONF ($(cat "$T/down.err"))" \
	grep -q "controller does not answer.*SLURM_CONF=$T/down.conf" "$T/down.err"
check "controller down: at once, not after MessageTimeout ($((t1 - t0)) s)" test $((t1 - t0)) -lt 15
check "controller down: nothing submitted" test ! -e "$T/down/slurm/jobs.json"

# --- The script, without submitting -------------------------------------
"$VB" slurm "$T/m.cfg" -o "$T/dry" --dry-run --partition debug >"$T/dry.out" 2>"$T/dry.err"; rc=$?
check "dry run: exit 0 (got $rc)" test "$rc" -eq 0
job=$T/dry/slurm/job.sh
check "dry run: prints job.sh" grep -qx "$job" "$T/dry.out"
check "job.sh: a 3-task array" grep -qx '#SBATCH --array=1-3' "$job"
check "job.sh: one node per task, alone" \
	bash -c "grep -qx '#SBATCH --exclusive' '$job' && grep -qx '#SBATCH --nodes=1' '$job'"
check "job.sh: --partition from the command line" grep -qx '#SBATCH --partition=debug' "$job"
check "job.sh: time and sbatch_args from the file's slurm section" \
	bash -c "grep -qx '#SBATCH --time=10:00' '$job' && grep -qx '#SBATCH --comment=virtbench-test' '$job'"
check "job.sh: runs this virtbench on its shard" \
	grep -q "^exec \"\$virtbench\" run --shard \"\${SLURM_ARRAY_TASK_ID}/3\" -o \"\$dir\"" "$job"
check "job.sh: is a valid sh script" sh -n "$job"
check "dry run: nothing submitted" test ! -e "$T/dry/slurm/jobs.json"

# --- scancel in the middle of a repetition, then resume -----------------
# The gate workload holds a repetition while $G/hold exists; the one
# $G/pass lets the first repetition of the first task through, so that
# task is cancelled with one repetition recorded and one in the middle.
mkdir -p "$T/plugins" "$T/gate"
cp "$VIRTBENCH_BUILDDIR/tests/plugins/.libs/gate.so" "$T/plugins/" 2>/dev/null
if [ -s "$T/plugins/gate.so" ]; then
	export VIRTBENCH_PLUGIN_PATH="$VIRTBENCH_PLUGIN_PATH:$T/plugins"
	G=$T/gate
	cat >"$T/gate.cfg" <<CFG
name = "slurm-gate";
repetitions = 2;
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "a"; cpus = 1; memory = "256M"; },
            { name = "b"; cpus = 1; memory = "256M"; },
            { name = "c"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "gate"; dir = "$G"; } );
CFG
	D=$T/gate-out
	touch "$G/hold" "$G/pass"
	jid=$("$VB" slurm "$T/gate.cfg" -o "$D" 2>"$T/g1.err"); rc=$?
	check "submit: exit 0 (got $rc: $(tail -1 "$T/g1.err"))" test "$rc" -eq 0
	check "submit: prints the job id ($jid)" test -n "$jid" -a "$jid" -gt 0
	check "submit: says how to follow it" grep -q "squeue -j $jid" "$T/g1.err"
	wait_file "$G/held"
	k=$(squeue -h -r -j "$jid" -t running -o '%K')
	check "one task runs, held in its second repetition (task $k)" test -n "$k" -a -s "$D/shards/$k/runs.csv"
	scancel "${jid}_$k"
	# Until the cancel is done, a task that starts next is held too.
	while [ -n "$(squeue -h -r -j "$jid" -t running,completing -o %K | grep -x "$k")" ]; do sleep 0.1; done
	rm -f "$G/hold"
	slurm_wait_gone "$jid"
	check "cancelled shard $k kept its finished repetition" test "$(okreps "$D/shards/$k")" -eq 1
	"$VB" check "$T/gate.cfg" -o "$D" >"$T/g.check" 2>&1
	check "check: shard $k has 1 left and was CANCELLED ($(grep "shard $k/" "$T/g.check"))" \
		grep -q "shard $k/3 (.*): 1 of 2 repetitions recorded, 1 left.*CANCELLED" "$T/g.check"
	check "check: 1 repetition left in all" grep -q "3 shards by config, 1 repetitions left" "$T/g.check"

	"$VB" slurm "$T/gate.cfg" -o "$D" --wait >"$T/g2.out" 2>"$T/g2.err"; rc=$?
	check "rerun --wait: exit 0 (got $rc: $(tail -2 "$T/g2.err"))" test "$rc" -eq 0
	check "rerun: only shard $k resubmitted" grep -q "submitted Slurm job [0-9]*: shard $k of 3" "$T/g2.err"
	j2=$(sed -n 's/.*submitted Slurm job \([0-9]*\).*/\1/p' "$T/g2.err")
	check "rerun: Slurm got one task, $k ($(squeue -h -r -j "$j2" -t all -o %K | tr '\n' ' '))" \
		test "$(squeue -h -r -j "$j2" -t all -o %K | tr -d ' \n')" = "$k"
	check "rerun: merged runs.csv has all 6 repetitions" test "$(okreps "$D")" -eq 6
	check "rerun: nothing twice" test "$(dupreps "$D")" -eq 0
	check "rerun: the report path on stdout" grep -qx "$D/report.md" "$T/g2.out"
	check "report: a Hosts table" grep -q "^| shard | node | hostname | CPU model | kernel | virtbench" "$D/report.md"
	"$VB" slurm "$T/gate.cfg" -o "$D" >"$T/g3.out" 2>"$T/g3.err"; rc=$?
	check "third run: exit 0, nothing to do (got $rc: $(tail -1 "$T/g3.err"))" \
		bash -c "[ $rc -eq 0 ] && grep -q 'all 3 shards .* are complete: nothing to submit' '$T/g3.err'"
	check "third run: no job submitted" test ! -s "$T/g3.out"

	# Ctrl-C during --wait cancels the array.
	D3=$T/int-out
	rm -f "$G/held"
	touch "$G/hold"
	"$VB" slurm "$T/gate.cfg" -o "$D3" --wait >"$T/i.out" 2>"$T/i.err" &
	vbp=$!
	wait_file "$G/held"
	j3=$(sed -n 's/.*submitted Slurm job \([0-9]*\).*/\1/p' "$T/i.err")
	# One waiting task cancelled on its own first: Slurm shows it as
	# CANCELLED for a moment, then keeps no record of it at all.
	p=$(squeue -h -r -j "$j3" -t pending -o %K | head -1)
	scancel "${j3}_$p"
	kill -INT "$vbp"
	wait "$vbp"; rc=$?
	check "Ctrl-C during --wait: exit 130 (got $rc)" test "$rc" -eq 130
	check "Ctrl-C: says it cancelled the job ($(grep interrupted "$T/i.err"))" \
		grep -q "interrupted: cancelled Slurm job $j3 (scancel $j3)" "$T/i.err"
	# The held repetition must end by the cancel, not by the gate
	# opening: open it only once Slurm has finished the job.
	slurm_wait_gone "$j3"
	rm -f "$G/hold"
	check "Ctrl-C: no task of it ran to the end" \
		test -z "$(squeue -h -r -j "$j3" -t all -o '%T' | grep -x COMPLETED)"
	"$VB" check "$T/gate.cfg" -o "$D3" >"$T/i.check" 2>&1
	check "check: the task cancelled while waiting: cancelled before it started, or no record left" \
		grep -q "shard $p/3 .*Slurm job ${j3}_$p: \(CANCELLED before it started\|no record left\)" "$T/i.check"
	check "check: the one that ran was CANCELLED while running" \
		test "$(grep -c "Slurm job ${j3}_[0-9]: CANCELLED.*, exit status [0-9]* (scancel" "$T/i.check")" -eq 1
	check "check: all 3 cancelled, 6 repetitions left" \
		bash -c "[ \$(grep -c 'Slurm job ${j3}_[0-9]: \(CANCELLED\|no record left\)' '$T/i.check') -eq 3 ] && grep -q '6 repetitions left' '$T/i.check'"
else
	echo "skip: the gate test workload needs a shared build (tests/plugins/.libs/gate.so)"
fi

# --- A failing task in the report ----------------------------------------
# Shard 2's directory is locked by another "writer": its virtbench exits 2.
D2=$T/fail-out
mkdir -p "$D2/shards/2"
exec 8>"$D2/shards/2/.virtbench.lock"
flock 8
"$VB" slurm "$T/m.cfg" -o "$D2" --wait >"$T/f.out" 2>"$T/f.err" 8>&-; rc=$?
exec 8>&-
check "failing task: --wait exits 1 (got $rc)" test "$rc" -eq 1
check "failing task: --wait names it with state and exit status" \
	grep -q "shard 2/3 (job [0-9]*_2) on localhost: FAILED, exit status 2" "$T/f.err"
check "failing task: --wait quotes its output" grep -q "| virtbench: .*shards/2 is in use by another virtbench" "$T/f.err"
check "failing task: the others completed" test "$(okreps "$D2" total_time)" -eq 4
check "report: lists the failed task" grep -q "Slurm tasks that did not complete" "$D2/report.md"
check "report: with state and exit status" grep -q "job [0-9]*_2 on localhost, Slurm state \*\*FAILED\*\*, exit status 2" "$D2/report.md"
check "report: with the last lines of its output" grep -q "^        virtbench: .*shards/2 is in use by another virtbench" "$D2/report.md"
check "report: Hosts table says FAILED for shard 2" grep -q "^| 2 | localhost | - .* | FAILED |$" "$D2/report.md"

# --- A results directory the node cannot write -----------------------------
"$VB" slurm "$T/m.cfg" -o "$T/invisible" --shards 1 --wait \
	--sbatch-arg="--output=$T/no/such/dir/%A_%a.out" >/dev/null 2>"$T/v.err"; rc=$?
check "invisible output: exit 1 (got $rc)" test "$rc" -eq 1
check "invisible output: explained ($(grep 'shard 1/1' "$T/v.err" | head -1))" \
	grep -q "output file $T/no/such/dir/[0-9]*_1.out was never created.*shares" "$T/v.err"

# --- run --shard by hand ------------------------------------------------------
"$VB" run "$T/m.cfg" -o "$T/hand" --shard 4/3 >/dev/null 2>"$T/h.err"; rc=$?
check "--shard 4/3: exit 2 (got $rc)" test "$rc" -eq 2
"$VB" run "$T/m.cfg" -o "$T/hand" --shard 2/3 --no-report >/dev/null 2>"$T/h.err"; rc=$?
check "--shard 2/3 by hand: exit 0 (got $rc)" test "$rc" -eq 0
check "--shard 2/3: only config b, into shards/2" \
	test "$(awk -F, 'NR > 1 && $9 == "total_time"' "$T/hand/shards/2/runs.csv" | cut -d, -f3 | sort -u)" = b
"$VB" run "$T/m.cfg" -o "$T/hand" --no-report >/dev/null 2>"$T/h2.err"; rc=$?
check "unsharded run into a sharded DIR: exit 2 (got $rc)" test "$rc" -eq 2
check "...saying so" grep -q "is sharded (3 shards by config" "$T/h2.err"
"$VB" run "$T/m.cfg" -o "$T/hand" --shard 1/2 >/dev/null 2>"$T/h3.err"; rc=$?
check "another shard count for the same DIR: exit 2 (got $rc)" test "$rc" -eq 2
"$VB" report "$T/hand" >/dev/null 2>"$T/h4.err"; rc=$?
check "report merges a partial DIR (got $rc)" test "$rc" -eq 0
check "...and says how many shards have results" grep -q "1 of 3 shards have results" "$T/h4.err"

# --- The engine's Slurm paths under valgrind ---------------------------------
if command -v valgrind >/dev/null && [ -z "${VIRTBENCH_SAN_FLAGS:-}" ]; then
	vg() {
		"$VIRTBENCH_BUILDDIR/libtool" --mode=execute valgrind -q --leak-check=full \
			--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
			--error-exitcode=99 "$VB" "$@"
	}
	vg slurm "$T/m.cfg" -o "$T/vg" --shards 1 --wait >/dev/null 2>"$T/vg1.err"; rc=$?
	check "valgrind: slurm --wait is clean (rc $rc)" test "$rc" -eq 0
	vg slurm "$T/m.cfg" -o "$T/vg" >/dev/null 2>"$T/vg2.err"; rc=$?
	check "valgrind: a rerun with nothing to do is clean (rc $rc)" test "$rc" -eq 0
	vg check "$T/m.cfg" -o "$T/vg" >/dev/null 2>"$T/vg3.err"; rc=$?
	check "valgrind: check of a sharded DIR is clean (rc $rc)" test "$rc" -eq 0
	vg report "$T/vg" >/dev/null 2>"$T/vg4.err"; rc=$?
	check "valgrind: report (merge) is clean (rc $rc)" test "$rc" -eq 0
	for f in "$T"/vg?.err; do grep -q '==[0-9]*==' "$f" && { echo "--- $f"; head -60 "$f"; }; done
fi

finish
