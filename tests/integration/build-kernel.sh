#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# virtbench-build-kernel's refusals (the build itself runs in
# scripts/run-tests, before make check): bad arguments and a missing
# kernel source exit 2 with a message saying what to do, and write nothing
# to the cache.
. "$(dirname "$0")/lib.sh"
BK="$VIRTBENCH_BUILDDIR/virtbench-build-kernel"
export XDG_CACHE_HOME="$T/cache"

"$BK" --bogus >"$T/o" 2>&1; rc=$?
check "unknown argument exits 2 (got $rc)" test "$rc" -eq 2
check "...and names it" grep -q "unknown argument '--bogus'" "$T/o"
"$BK" --source "$T/none.tar.xz" >"$T/o" 2>&1; rc=$?
check "unreadable source exits 2 (got $rc)" test "$rc" -eq 2
check "...and names it" grep -q "cannot read $T/none.tar.xz" "$T/o"
VIRTBENCH_GUEST_DIR="$T/nowhere" "$BK" --help >"$T/o" 2>&1; rc=$?
check "--help exits 0 (got $rc)" test "$rc" -eq 0
check "...and says what it builds" grep -q "tinyconfig" "$T/o"
check "nothing written to the cache" test ! -e "$T/cache/virtbench/kernel"
finish
