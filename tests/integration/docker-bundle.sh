#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The agent bundle: built once per content hash even by concurrent runs
# (no half bundle, no leftovers), every manifest line matches its file, and
# the bundle alone — bind-mounted read-only into an empty image (no libc,
# no shell) and into a busybox-only one — runs `probe` and `run cpu-prime`
# through its own loader.
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/docker-lib.sh"

start_engine

# Four concurrent first uses of an empty cache.
pids=
for i in 1 2 3 4; do
	"$VB" probe --cpus 1 --memory 256M docker >"$T/probe$i.out" 2>&1 &
	pids="$pids $!"
	VB_PIDS="$VB_PIDS $!"
done
for p in $pids; do
	wait "$p" || { cat "$T"/probe*.out; die "a concurrent probe failed"; }
done
root=$XDG_CACHE_HOME/virtbench/bundles
n=$(ls "$root" | wc -l)
[ "$n" -eq 1 ] || { ls -la "$root"; die "$n bundle entries after concurrent builds, expected 1"; }
[ -z "$(ls -A "$root" | grep '^\.tmp-')" ] || die "temporary directories left in $root"
B=$root/$(ls "$root")
hash=$(basename "$B")
grep -q "^# hash $hash\$" "$B/manifest" || die "manifest does not carry the bundle's hash"
for f in bin/virtbench-agent bin/sleep lib/libc.so.6 lib/libvirtbench.so.0; do
	[ -f "$B/$f" ] || die "bundle lacks $f"
done
ls "$B"/plugins/*.so >/dev/null 2>&1 || die "bundle has no workload plugins"
# Every file listed with its real size and SHA-256, and nothing unlisted.
grep -v '^#' "$B/manifest" | while IFS="$(printf '\t')" read -r path mode size sha src; do
	[ "$(stat -c %s "$B/$path")" = "$size" ] || { echo "size $path"; exit 1; }
	[ "$(sha256sum <"$B/$path" | cut -d' ' -f1)" = "$sha" ] || { echo "sha $path"; exit 1; }
done || die "manifest does not match the files"
[ "$(grep -vc '^#' "$B/manifest")" -eq "$(cd "$B" && find bin lib plugins -type f | wc -l)" ] ||
	die "files in the bundle that the manifest does not list"

# The bundle alone, in images with nothing of their own.
loader=$(sed -n 's|^# loader ||p' "$B/manifest")
M=/opt/virtbench
mkdir -p "$T/empty"
tar -C "$T/empty" -cf "$T/empty.tar" .
docker image inspect virtbench-test/empty:1 >/dev/null 2>&1 ||
	docker import "$T/empty.tar" virtbench-test/empty:1 >/dev/null || die "import empty image"
make_user_image virtbench-test/busybox-user:1
for img in virtbench-test/empty:1 virtbench-test/busybox-user:1; do
	out=$(docker run --rm --network none --cpus=1 --memory=256m \
		--label virtbench=1 -v "$B:$M:ro" --entrypoint "$M/$loader" "$img" \
		--library-path "$M/lib" "$M/bin/virtbench-agent" --plugin-dir "$M/plugins" \
		probe) || die "$img: probe failed"
	echo "$out" | grep -q '^@vb1 probe cpu_quota 1$' || { echo "$out"; die "$img: probe did not see the quota"; }
	echo "$out" | grep -q '^@vb1 probe mem_limit 268435456$' || { echo "$out"; die "$img: probe did not see the memory limit"; }
	out=$(docker run --rm --network none --label virtbench=1 -v "$B:$M:ro" \
		--entrypoint "$M/$loader" "$img" --library-path "$M/lib" \
		"$M/bin/virtbench-agent" --plugin-dir "$M/plugins" \
		run cpu-prime max_prime=2000 events=200) || die "$img: run cpu-prime failed"
	echo "$out" | grep -q '^@vb1 metric events 200$' || { echo "$out"; die "$img: cpu-prime did not report 200 events"; }
	echo "$out" | grep -q '^@vb1 done 0$' || die "$img: no done line"
	echo "$img: probe and cpu-prime ok"
done
echo "PASS"
