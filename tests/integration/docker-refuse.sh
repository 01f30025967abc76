#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# extra_args overriding the limit (--cpus=2 after virtbench's --cpus=1):
# the probe inside the container sees 2 CPUs, the cell is refused, the run
# exits 1 and says requested vs observed; no container is left. An image
# that is neither here nor pullable is a clear error.
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/docker-lib.sh"

start_engine
cat >"$T/refuse.cfg" <<'CFG'
name = "docker-refuse";
repetitions = 1;
backends = ( { plugin = "docker"; extra_args = [ "--cpus=2" ]; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 2000; events = 100; } );
CFG

vb_run refuse run -o "$T/out" "$T/refuse.cfg"
[ "$VB_RC" -eq 1 ] || die "virtbench run exited $VB_RC, expected 1 (refused)"
[ -z "$(run_containers "$VB_PID")" ] || die "containers left behind"

verify=$T/out/verify.csv
row=$(csv_rows "$verify" docker)
echo "verify: $row"
echo "$row" | awk -F, '$3 == 1 && $4 + 0 == 2 && $9 == "refused" { ok = 1 }
	END { exit !ok }' || die "verify.csv does not show 1 requested, 2 observed, refused"
awk -F, 'NR > 1 && $2 == "docker" && $12 == "ok" { bad = 1 } END { exit bad }' \
	"$T/out/runs.csv" || die "a refused cell produced ok rows"
grep -q '^docker-refuse,docker,.*,failed,' "$T/out/runs.csv" ||
	die "the refused cell has no failed row"
grep -q 'refused' "$T/out/runs.csv" || die "runs.csv rows do not say refused"
# The user is told what was asked for and what was seen.
grep -Eiq 'request.*1.*observ.*2|1.*requested.*2.*observed' "$T/refuse.err" "$T/out/verify.csv" ||
	die "no 'requested vs observed' message"

# An image that is neither here nor pullable: a clear error, exit 1.
sed 's/extra_args = \[ "--cpus=2" \];/image = "virtbench-test\/no-such-image:1";/' \
	"$T/refuse.cfg" >"$T/noimage.cfg"
grep -q no-such-image "$T/noimage.cfg" || die "sed"
vb_run noimage run -o "$T/out2" "$T/noimage.cfg"
[ "$VB_RC" -eq 1 ] || die "missing image: exit $VB_RC, expected 1"
grep -q 'no-such-image:1 is not on this host and could not be pulled' "$T/noimage.err" ||
	die "missing image: no clear message"
echo "PASS"
