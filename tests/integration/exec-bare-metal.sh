#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The exec workload on the host, through the CLI: real sysbench beside the
# built-in cpu-prime; a fixture program printing JSON with placeholder
# axes expanding into cells; a regex that does not match, a non-zero exit
# and a hanging command each failing their repetition (output kept in the
# cell's log, the next repetition running); then every bad input refused
# by check with file:line.
. "$(dirname "$0")/lib.sh"

# A fixture program: prints a JSON report whose numbers follow its
# arguments, and a note on stderr.
cat > "$T/fixture" <<'SH'
#!/bin/sh
echo "fixture: starting $1 $2" >&2
printf '{"run": {"size": %s, "mode": "%s", "ops_per_s": %s}}\n' "$1" "$2" "$(($1 * 10))"
SH
chmod +x "$T/fixture"

cat > "$T/exec.cfg" <<CFG
name = "exec-it";
repetitions = 2;
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "512M"; } );
workloads = (
  { plugin = "cpu-prime"; max_prime = 5000; events = 300; },
  { plugin = "exec"; name = "sysbench";
    params = { max_prime = 5000; };
    command = ["sysbench", "cpu", "--cpu-max-prime={max_prime}",
               "--events=300", "--time=0", "run"];
    metrics = ( { name = "events_per_second"; unit = "1/s"; better = "higher";
                  regex = "events per second: *([0-9.]+)"; } ); },
  { plugin = "exec"; name = "fixture";
    params = { size = [1, 2, 30]; mode = ["r", "w"]; };
    command = ["$T/fixture", "{size}", "{mode}"];
    metrics = ( { name = "ops"; unit = "1/s"; better = "higher"; json = "/run/ops_per_s"; },
                { name = "size"; better = "neutral"; json = "/run/size"; scale = 0.5; } ); }
);
CFG

"$VB" run -o "$T/r" "$T/exec.cfg" >/dev/null 2>"$T/err"; rc=$?
check "run exits 0 (got $rc: $(tail -3 "$T/err"))" test "$rc" -eq 0
csv="$T/r/runs.csv"
check "sysbench: events_per_second in both repetitions" \
	test "$(rows "$csv" '$6 == "sysbench" && $9 == "events_per_second" && $10 > 0 && $11 == "1/s"')" -eq 2
check "sysbench: wall_time and the exit status" \
	test "$(rows "$csv" '$6 == "sysbench" && $9 == "wall_time" && $10 > 0 && $11 == "s"')" -eq 2 -a \
	"$(grep -c ',sysbench,.*exit_status=0' "$csv")" -ge 2
# Same work, same host: sysbench and cpu-prime agree loosely (this machine
# is shared and loaded; the benches measure the real ratio).
ratio=$(best_ratio "$csv" sysbench cpu-prime)
check "sysbench/cpu-prime events/s within 0.25..4 (got ${ratio:-none})" \
	awk -v r="${ratio:-0}" 'BEGIN { exit !(r > 0.25 && r < 4) }'
# params: 3 x 2 cells, named by their values in runs.csv's params.
for p in "size=1;mode=r" "size=1;mode=w" "size=2;mode=r" "size=2;mode=w" "size=30;mode=r" "size=30;mode=w"; do
	check "cell $p ran twice" \
		test "$(rows "$csv" "\$6 == \"fixture\" && \$7 == \"$p\" && \$9 == \"ops\" && \$12 == \"ok\"")" -eq 2
done
check "JSON metric follows the placeholder (size 30 -> 300 ops)" \
	test "$(rows "$csv" '$7 == "size=30;mode=w" && $9 == "ops" && $10 != 300')" -eq 0
check "scale applied (size 30 -> 15)" \
	test "$(rows "$csv" '$7 == "size=30;mode=w" && $9 == "size" && $10 != 15')" -eq 0
check "summary has the declared metric with its unit" \
	grep -q ',bare-metal,1cpu,.*,fixture,size=2;mode=r,ops,1/s,2,' "$T/r/summary.csv"
check "environment.json: the declared metrics of the entry" \
	grep -q '"ops_per_s"\|"name": "ops"' "$T/r/environment.json"
check "a chart of the declared metric" \
	test -n "$(ls "$T/r/plots/" | grep -E 'fixture.*ops' | grep '\.png$')"

# Failures: each fails its repetition, never a zero; the next one runs.
mkdir -p "$T/state"
cat > "$T/fail.cfg" <<CFG
name = "exec-fail";
repetitions = 2;
backends = ( { plugin = "bare-metal"; retries = 0; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = (
  { plugin = "exec"; name = "nomatch";
    command = ["sh", "-c", "for i in \$(seq 1 40); do echo progress \$i; done"];
    metrics = ( { name = "eps"; unit = "1/s"; better = "higher";
                  regex = "events per second: *([0-9.]+)"; } ); },
  { plugin = "exec"; name = "exit3";
    command = ["sh", "-c", "echo about to fail; echo broken >&2; exit 3"]; },
  { plugin = "exec"; name = "exit3-ok"; ok_exit = [0, 3];
    command = ["sh", "-c", "exit 3"]; },
  { plugin = "exec"; name = "hang"; timeout = "3s";
    command = ["sh", "-c", "if [ -e $T/state/hung ]; then echo v=1; else touch $T/state/hung; echo hanging; sleep 61.$$; fi"]; }
);
CFG
"$VB" run -o "$T/f" "$T/fail.cfg" >/dev/null 2>"$T/ferr"; rc=$?
check "failed repetitions: exit 1 (got $rc)" test "$rc" -eq 1
fcsv="$T/f/runs.csv"
check "no match: both repetitions failed, nothing recorded" \
	test "$(rows "$fcsv" '$6 == "nomatch" && $12 == "failed"')" -eq 2 -a \
	"$(rows "$fcsv" '$6 == "nomatch" && $12 == "ok"')" -eq 0
check "no match: the error names the metric and the regex" \
	grep -q 'metric eps: regex .*matched nothing in stdout' "$fcsv"
log="$T/f/logs/bare-metal-1cpu.log"
check "no match: the last lines are in the cell's log" \
	grep -q 'stdout| progress 40' "$log"
check "...only the last ones" bash -c "! grep -q 'stdout| progress 20$' '$log'"
check "exit 3: failed with the status" \
	test "$(rows "$fcsv" '$6 == "exit3" && $12 == "failed"')" -eq 2 -a \
	"$(unquote "$fcsv" | grep -c ',exit3,')" -eq 2
check "...named in the error" grep -q 'exited with status 3' "$fcsv"
check "...prefixed once, by the plugin and its source line" \
	grep -Eq '(^|[,"])(run: )?exec: exec\.c:[0-9]+: [^,]*exited with status 3' "$fcsv"
check "...its stderr in the log" grep -q 'stderr| broken' "$log"
check "ok_exit: status 3 accepted, recorded as a fact" \
	test "$(grep ',exit3-ok,.*,wall_time,' "$fcsv" | grep -c 'exit_status=3')" -eq 2
check "hang: repetition 1 timed out" \
	test "$(rows "$fcsv" '$6 == "hang" && $8 == 1 && $12 == "failed"')" -eq 1
check "...with the timeout named" grep -q 'did not end within 3s (timeout)' "$fcsv"
check "hang: repetition 2 ran in a reopened environment" \
	test "$(rows "$fcsv" '$6 == "hang" && $8 == 2 && $9 == "wall_time" && $12 == "ok"')" -eq 1
check "...the environment was opened again (a second probe)" \
	test "$(rows "$T/f/verify.csv")" -ge 2
# The sleep carries this test's pid: a unique marker, nobody else's.
check "the hung command's process group is gone" bash -c "! pgrep -f '[s]leep 61.$$' >/dev/null"

# Bad input: check refuses each with file:line (the workload is on line 5).
bad regex '{ plugin = "exec"; command = ["true"]; metrics = ( { name = "x"; better = "higher"; regex = "a(b"; } ); }' \
	'metrics\[0\]: regex "a(b" does not compile: Unmatched ('
bad nogroup '{ plugin = "exec"; command = ["true"]; metrics = ( { name = "x"; better = "higher"; regex = "[0-9]+"; } ); }' \
	'has no group'
bad pointer '{ plugin = "exec"; command = ["true"]; metrics = ( { name = "x"; better = "higher"; json = "jobs/0"; } ); }' \
	'not a JSON pointer'
bad placeholder '{ plugin = "exec"; params = { max_prime = 5; }; command = ["true", "{max_prme}"]; }' \
	'placeholder {max_prme} names no parameter (did you mean {max_prime}?)'
bad metricname '{ plugin = "exec"; command = ["true"]; metrics = ( { name = "Events/s"; better = "higher"; regex = "(1)"; } ); }' \
	'not a metric name'
bad unit '{ plugin = "exec"; command = ["true"]; metrics = ( { name = "x"; unit = "a,b"; better = "higher"; regex = "(1)"; } ); }' \
	'unit'
bad better '{ plugin = "exec"; command = ["true"]; metrics = ( { name = "x"; regex = "(1)"; } ); }' \
	'better: missing'
bad notfound '{ plugin = "exec"; command = ["no-such-program-vb", "x"]; }' \
	'no-such-program-vb: not found on this host'
bad nofile '{ plugin = "exec"; command = ["true"]; files = ["/no/such/file"]; }' \
	'files\[0\]: /no/such/file'
bad shell '{ plugin = "exec"; shell = true; command = ["echo", "hi"]; }' \
	'with shell = true'

# The documentation of the plugin itself.
"$VB" plugins exec > "$T/doc" 2>&1
for k in command shell prepare cleanup drop_caches env workdir timeout files params metrics ok_exit output_limit wall_time regex json scale stream; do
	check "virtbench plugins exec documents $k" grep -q "$k" "$T/doc"
done
finish
