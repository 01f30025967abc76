#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Odd files on the plugin path and mistakes around it, through the command
# line (issue 11 items 9 and 10): a FIFO and a directory named x.so are
# refused at once (an open() of the FIFO used to block for ever), a module
# for another machine says which machine, `check` names a plugin
# directory that does not exist, and a docker workdir_host with ':' is
# refused by `check` (docker -v would split the path there).
. "$(dirname "$0")/lib.sh"

D="$T/odd"
mkdir -p "$D/dir.so"
mkfifo "$D/fifo.so"
# An ELF header for aarch64 (e_machine 183) on x86_64, or for x86_64 (62)
# anywhere else.
if [ "$(uname -m)" = aarch64 ]; then em='\076'; want=x86_64; else em='\267'; want=aarch64; fi
{ printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\003\000'"$em"'\000'
  head -c 200 /dev/zero; } > "$D/other.so"

timeout 60 "$VB" --plugin-dir "$D" plugins >"$T/out" 2>"$T/err"; rc=$?
check "plugins with odd files returns, not blocks (exit $rc)" test "$rc" -ne 124
check "...exit 1: some plugins were refused" test "$rc" -eq 1
check "...the FIFO is refused as one" grep -q 'fifo.so refused: not a regular file (a FIFO)' "$T/err"
check "...the directory too" grep -q 'dir.so refused: not a regular file (a directory)' "$T/err"
check "...the foreign module says its machine" grep -q "other.so refused: built for $want" "$T/err"
check "...and the built-ins still load ($(grep -c . "$T/out") lines)" grep -q "^  bare-metal " "$T/out"

cat > "$T/typo.cfg" <<'CFG'
name = "typo";
backends = ( { plugin = "memcpy-bw"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; } );
CFG
"$VB" --plugin-dir "$T/no-such-dir" check "$T/typo.cfg" >/dev/null 2>"$T/typo.err"; rc=$?
check "an unknown plugin: exit 2 (got $rc)" test "$rc" -eq 2
check "...the error names the plugin directory that does not exist" \
	grep -q "typo.cfg:2: .*unknown backend plugin 'memcpy-bw'.*plugin directory $T/no-such-dir does not exist" "$T/typo.err"

cat > "$T/colon.cfg" <<'CFG'
name = "colon";
backends = ( { plugin = "docker"; workdir_host = "/tmp/a:b"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; } );
CFG
"$VB" check "$T/colon.cfg" >/dev/null 2>"$T/colon.err"; rc=$?
check "docker workdir_host with ':' is refused by check (exit $rc)" test "$rc" -eq 2
check "...saying why" grep -q "workdir_host \"/tmp/a:b\" contains ':'" "$T/colon.err"
finish
