#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# libvirtbench.so exports exactly the functions plugin.h declares, nothing
# by accident (lib/libvirtbench.map), each in the version node of the ABI
# minor that added it: the functions of the frozen 1.0 header in
# VIRTBENCH_1.0, the rest in VIRTBENCH_1.1.
. "$(dirname "$0")/lib.sh"

so="$VIRTBENCH_BUILDDIR/lib/.libs/libvirtbench.so"
[ -e "$so" ] || { echo "SKIP: static build, no libvirtbench.so"; exit 77; }
command -v nm >/dev/null && command -v objdump >/dev/null ||
	{ echo "SKIP: no binutils"; exit 77; }

# declared HEADER: the functions it declares with VB_EXPORT (not the
# entry point VB_PLUGIN_DEFINE makes in a plugin: it has '##').
declared() {
	grep -v '^#' "$1" | tr '\n' ' ' | grep -o 'VB_EXPORT[^;{(]*(' | grep -v '##' |
		sed -E 's/.*[^A-Za-z0-9_]([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*\($/\1/' | sort -u
}
declared "$VIRTBENCH_SRCDIR/include/virtbench/plugin.h" > "$T/declared"
declared "$VIRTBENCH_SRCDIR/tests/plugins/abi-1.0/virtbench/plugin.h" > "$T/declared-1.0"
check "plugin.h declares functions ($(wc -l < "$T/declared"))" test "$(wc -l < "$T/declared")" -gt 20
check "the 1.0 header declared 14" test "$(wc -l < "$T/declared-1.0")" -eq 14
check "1.1 kept every 1.0 function" \
	test -z "$(comm -23 "$T/declared-1.0" "$T/declared")"

# Everything defined and exported but the version nodes themselves (A).
nm -D --defined-only "$so" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' |
	sort -u > "$T/exported"
if ! cmp -s "$T/declared" "$T/exported"; then
	echo "declared (<) against exported (>):"
	diff "$T/declared" "$T/exported"
	fail "libvirtbench.so exports exactly plugin.h's functions"
else
	pass "libvirtbench.so exports exactly plugin.h's $(wc -l < "$T/exported") functions"
fi

objdump -T "$so" | awk '$NF ~ /^vb_/ { print $NF, $(NF-1) }' | sort > "$T/versions"
bad=0
while read -r name node; do
	want=VIRTBENCH_1.1
	grep -qx "$name" "$T/declared-1.0" && want=VIRTBENCH_1.0
	if [ "$node" != "$want" ]; then
		echo "$name is in $node, expected $want"
		bad=$((bad + 1))
	fi
done < "$T/versions"
check "each function in the version node of its minor" test "$bad" -eq 0
check "every function has a version" \
	test "$(wc -l < "$T/versions")" -eq "$(wc -l < "$T/declared")"
finish
