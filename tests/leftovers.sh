#!/usr/bin/env bash
# leftovers.sh MARK: run by ctest after every other test.  Every process a
# test starts inherits CARVE_TEST_SUITE=MARK from ctest's environment (tmux
# servers, the consoles in them, carve-lab, sshd, krb5kdc, carve); any
# still alive now outlived its test.  Each is named, then killed, and the
# suite fails.
set -u
mark="CARVE_TEST_SUITE=$1"
left=0
for env in /proc/[0-9]*/environ; do
	pid=${env#/proc/}
	pid=${pid%/environ}
	[ "$pid" = $$ ] && continue
	# this script's own children (the tr below) carry the mark too
	[ "$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null)" = $$ ] && continue
	tr '\0' '\n' 2>/dev/null < "$env" | grep -qxF "$mark" || continue
	state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || continue
	[ "$state" = Z ] && continue
	echo "outlived its test: pid $pid: $(tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline")"
	kill -9 "$pid" 2>/dev/null
	left=$((left + 1))
done
echo "$left processes outlived the tests"
[ "$left" = 0 ]
