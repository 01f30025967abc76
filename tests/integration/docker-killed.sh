#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# A container killed in the middle of a repetition (docker kill): the
# backend reports the environment gone, the engine reopens it and retries
# (retries = 1), every repetition ends ok and nothing is left behind.
# Also: a container left by a run that no longer exists (SIGKILLed) is
# removed by the next run.
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/docker-lib.sh"

start_engine
cat >"$T/kill.cfg" <<'CFG'
name = "docker-killed";
repetitions = 3;
backends = ( { plugin = "docker"; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 20000; events = 0; time = "3s"; } );
CFG

# A leftover of a dead run: our label, named after a pid that is gone.
sh -c 'exit 0' &
dead=$!
wait "$dead"
make_user_image virtbench-test/busybox-user:1
docker run -d --name "vb-$dead-stale-1" --label virtbench=1 \
	virtbench-test/busybox-user:1 sh -c 'while :; do sleep 1; done' >/dev/null ||
	die "cannot make the stale container"

vb_start killed run -o "$T/out" "$T/kill.cfg"
i=0
# The container, and its first repetition begun (not the probe before it).
until [ -n "$(docker ps -q --filter "label=virtbench.pid=$VB_PID")" ] &&
	grep -q 'rep 1/' "$T/killed.err"; do
	i=$((i + 1))
	[ "$i" -le 300 ] || die "no container in a repetition after 60 s"
	sleep 0.2
done
sleep 1 # inside the first repetition (3 s of work)
docker kill "$(docker ps -q --filter "label=virtbench.pid=$VB_PID")" >/dev/null ||
	die "docker kill"
wait "$VB_PID"
rc=$?
cat "$T/killed.err"
[ "$rc" -eq 0 ] || die "exit $rc: the killed repetition was not retried"
# Normally the backend sees the container gone; on a very slow daemon the
# agent's death (137) may be all there is to see by then.
grep -Eq 'stopped during the request|status 137' "$T/killed.err" ||
	die "the kill was not reported"
n=$(awk -F, 'NR > 1 && $9 == "events_per_second" && $12 == "ok"' "$T/out/runs.csv" | wc -l)
[ "$n" -eq 3 ] || die "$n ok repetitions, expected 3"
[ "$(csv_rows "$T/out/verify.csv" docker | wc -l)" -eq 2 ] ||
	die "expected two environments (the first and the reopened one)"
[ -z "$(run_containers "$VB_PID")" ] || die "containers left behind"
grep -q "removing 1 container(s) left by virtbench runs that no longer exist (vb-$dead-stale-1)" \
	"$T/killed.err" || die "the stale container was not reported"
if docker ps -a --format '{{.Names}}' | grep -qx "vb-$dead-stale-1"; then
	docker rm -f "vb-$dead-stale-1" >/dev/null
	die "the stale container of a dead run was not removed"
fi
echo "PASS"
