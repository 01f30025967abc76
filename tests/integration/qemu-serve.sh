#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The guest side of the qemu control channel, on the host and without
# QEMU: `virtbench-agent serve` on a pty (made by script(1)), fed garbage,
# a request with a bad CRC and a valid one with a global option and an
# argument holding a space. Checks the framing of docs/qemu.md.
. "$(dirname "$0")/lib.sh"
command -v script >/dev/null || { echo "SKIP: no script(1)"; exit 77; }

# CRC-32 as zlib computes it, from gzip's trailer (no python needed).
crc() { gzip -c | tail -c8 | head -c4 | od -An -tx4 | tr -d ' \n'; }
# frame_ok LINE: the CRC field matches "<id> <text>"
frame_ok() {
	local c=${1#@@vb* } ; local body=${c#* } ; c=${c%% *}
	[ "$(printf '%s' "$body" | crc)" = "$c" ]
}
send() { # send ID ARG...: one request with NUL-terminated arguments
	local id=$1; shift
	printf '%s\0' "$@" >"$T/pl"
	printf '@@vbreq %s %d %s\n' "$id" "$(wc -c <"$T/pl")" "$(crc <"$T/pl")" >&3
	cat "$T/pl" >&3
}
answer() { # answer ID: frames until that request's end, into $T/a.ID
	: >"$T/a.$1"
	while IFS= read -r -t 30 l <&4; do
		printf '%s\n' "$l" >>"$T/a.$1"
		case "$l" in "@@vbend "*" $1 "*) return 0 ;; esac
	done
	return 1
}

mkfifo "$T/in" "$T/out"
script -qfec "$AGENT serve /dev/tty" /dev/null <"$T/in" >"$T/out" 2>"$T/err" &
sp=$!
# script(1) may outlive a TERM; stop the server under it first, always.
stop() {
	pkill -TERM -P "$sp" 2>/dev/null
	kill -TERM "$sp" 2>/dev/null
	sleep 0.2
	pkill -KILL -P "$sp" 2>/dev/null
	kill -KILL "$sp" 2>/dev/null
	wait "$sp" 2>/dev/null
}
trap 'stop; rm -rf "$T"' EXIT
exec 3>"$T/in" 4<"$T/out"
IFS= read -r -t 30 hello <&4
check "hello frame first ('$hello')" test "${hello#@@vbready }" != "$hello"
check "hello CRC valid" frame_ok "$hello"

# Garbage, then a request whose payload does not match its CRC.
printf 'garbage\n@@vbreq x y z\n\001\002 noise\n@@vbreq 1 6 deadbeef\nprobe\0' >&3
answer 1
check "bad CRC answered with nak" grep -q '^@@vbend [0-9a-f]* 1 nak$' "$T/a.1"
check "...and not run" bash -c "! grep -q '@vb1' '$T/a.1'"

# A valid request with a global option before the command.
send 2 --seed 7 probe
answer 2
check "probe answered" grep -q ' 2 @vb1 probe cpus_online ' "$T/a.2"
check "done line framed" grep -q '^@@vbout [0-9a-f]* 2 @vb1 done 0$' "$T/a.2"
check "end frame with status 0" grep -q '^@@vbend [0-9a-f]* 2 0$' "$T/a.2"
bad=0
while IFS= read -r l; do frame_ok "$l" || bad=$((bad + 1)); done <"$T/a.2"
check "every answer frame CRC-valid ($bad bad)" test "$bad" -eq 0

# An argument with a space arrives whole (the agent quotes it back).
send 3 run cpu-prime "max_prime=1 0"
answer 3
check "argument with a space kept whole" grep -q "got '1 0'" "$T/a.3"
check "usage error status from a child process" grep -q '^@@vbend [0-9a-f]* 3 [12]$' "$T/a.3"

# Still serving after a failed request.
send 4 --seed 1 list
answer 4
check "server survives and answers again" grep -q '^@@vbend [0-9a-f]* 4 0$' "$T/a.4"

exec 3>&- 4<&-
stop
check "the server is gone" bash -c "! kill -0 $sp 2>/dev/null"
finish
