#!/usr/bin/env bash
# /radius changes take effect without a restart: an ipsecctl change or a reload that
# touches /radius makes the daemon's RADIUS client again ("RADIUS: /radius changed",
# then the servers it now has); a change elsewhere leaves it alone; removing the last
# server leaves none. The daemon runs in a network namespace of its own (unshare -n);
# skipped (77) without root or unshare. Log lines are waited for, never slept for.
set -uo pipefail
pass=0 fail=0
if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
	echo "skipped: needs root and unshare -n"
	exit 77
fi
T=$(mktemp -d)
daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() {
	fail=$((fail + 1)); echo "not ok - $1"
	sed 's|^|#   log: |' "$T/log"
}
ctl() { timeout 60 ./ipsecctl -s "$T/sock" "$@"; }
# count PATTERN: lines of the daemon's log matching PATTERN
count() { grep -c -- "$1" "$T/log"; }
# wait_count PATTERN N: until the log has N lines matching PATTERN (at most 5 s)
wait_count() {
	for _ in $(seq 100); do
		[ "$(count "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
# check NAME PATTERN N: the log has exactly N lines matching PATTERN (waiting for them)
check() {
	wait_count "$2" "$3"
	if [ "$(count "$2")" -eq "$3" ]; then ok "$1"; else
		not_ok "$1: $(count "$2") lines /$2/, wanted $3"; fi
}

cat >"$T/ipsecd.conf" <<'EOF'
/radius add address=127.0.0.1 secret=first-secret service=ipsec timeout=1s
EOF
: >"$T/log"
unshare -n ./ipsecd -F -f "$T/ipsecd.conf" -S "$T/sock" -p "$T/pid" -P 0,0 2>>"$T/log" &
daemon_pid=$!
for _ in $(seq 100); do [ -S "$T/sock" ] && ctl /radius print >/dev/null 2>&1 && break; sleep 0.05; done

SERVERS='RADIUS: [0-9]* server(s) for service=ipsec'
CHANGED='RADIUS: /radius changed'
check "at start: a client with one server" 'RADIUS: 1 server(s)' 1

ctl /ip ipsec peer add name=x address=192.0.2.7/32 exchange-mode=ike2 >/dev/null
wait_count 'ipsecctl: 1 added' 1
check "a peer added: the RADIUS client is kept" "$SERVERS" 1

ctl /radius add address=127.0.0.2 secret=second service=ipsec >/dev/null
check "a server added by ipsecctl: a new client" "$CHANGED" 1
check "... with both servers" 'RADIUS: 2 server(s)' 1

ctl /radius set 0 secret=changed-secret >/dev/null
check "a secret set: a new client" "$CHANGED" 2
if grep -q 'changed-secret\|first-secret' "$T/log"; then not_ok "a secret is in the log"
else ok "no secret in the log"; fi

ctl /radius add address=127.0.0.3 secret=s service=ppp >/dev/null
wait_count 'ipsecctl: 1 added' 3
check "a server for ppp only: the client is kept" "$CHANGED" 2

cat >"$T/ipsecd.conf" <<'EOF'
/radius add address=127.0.0.9 secret=reloaded service=ipsec timeout=300ms
EOF
kill -HUP "$daemon_pid"
check "a reload with another server: a new client" "$CHANGED" 3
check "... with one server" 'RADIUS: 1 server(s)' 2
kill -HUP "$daemon_pid"
wait_count 'reload: ' 2
check "the same reload again: the client is kept" "$CHANGED" 3

ctl /radius remove 0 >/dev/null
check "the last server removed: the client goes" "$CHANGED" 4
check "... and no new one is made" "$SERVERS" 4

kill -TERM "$daemon_pid"
wait "$daemon_pid"; rc=$?
daemon_pid=
if [ "$rc" -eq 0 ]; then ok "SIGTERM exits 0"; else not_ok "SIGTERM exit status $rc"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
