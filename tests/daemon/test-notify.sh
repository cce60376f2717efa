#!/usr/bin/env bash
# The daemon under a service manager's notify protocol (systemd Type=notify): READY=1
# only once the kernel holds the configuration's policies, RELOADING=1 then READY=1
# around SIGHUP (READY again only once the reload's policies are in), STOPPING=1 on
# SIGTERM, STATUS= with the counts, WATCHDOG=1 at half of WATCHDOG_USEC, every message
# from the daemon's own pid. tests/daemon/notify_listen plays the manager.
# Needs root and a network namespace of its own (unshare -n), so the policies go into
# a kernel table nothing else uses; skipped (77) otherwise. No timing assertion can
# flake: counts and order, and an interval bounded far from what is configured.
set -uo pipefail
pass=0 fail=0
if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null || ! command -v ip >/dev/null ||
	! command -v nsenter >/dev/null; then
	echo "skipped: needs root, unshare -n, ip and nsenter"
	exit 77
fi
T=$(mktemp -d)
daemon_pid= listen_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	[ -n "$listen_pid" ] && kill "$listen_pid" 2>/dev/null && wait "$listen_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() {
	fail=$((fail + 1)); echo "not ok - $1"
	[ -f "$T/msgs" ] && sed 's|^|#   msgs: |' "$T/msgs"
	[ -f "$T/log" ] && grep -v 'no route to it' "$T/log" | tail -n 20 | sed 's|^|#   log: |'
}
# wait_for PATTERN [N]: until the manager has N (default 1) messages matching PATTERN
wait_for() {
	for _ in $(seq 600); do
		[ "$(grep -c -- "$1" "$T/msgs")" -ge "${2:-1}" ] && return 0
		sleep 0.05
	done
	return 1
}
# policies N: a configuration with N tunnel policies (3 kernel policies each)
policies() {
	printf '/ip ipsec peer\nadd name=site-b address=198.51.100.2/32 exchange-mode=ike2\n'
	printf '/ip ipsec identity\nadd peer=site-b secret=s3cret-psk\n/ip ipsec policy\n'
	for i in $(seq "$1"); do
		printf 'add src-address=10.1.%d.0/24 dst-address=10.2.%d.0/24 tunnel=yes peer=site-b\n' \
			$((i / 256)) $((i % 256))
	done
}
# the SPD's entries (the IKE sockets' own policies show as "socket in|out": not counted)
kernel_policies() { nsenter --net="/proc/$daemon_pid/ns/net" ip xfrm policy | grep -c $'^\tdir '; }

N1=400 N2=450
policies $N1 >"$T/ipsecd.conf"
./tests/daemon/notify_listen "$T/notify" >"$T/msgs" &
listen_pid=$!
for _ in $(seq 100); do [ -S "$T/notify" ] && break; sleep 0.05; done

# unshare execs: $! is the daemon, whose pid the messages must come from. Its stderr
# is "the journal" (JOURNAL_STREAM names it), as under systemd.
: >"$T/log"
NOTIFY_SOCKET=$T/notify WATCHDOG_USEC=400000 JOURNAL_STREAM=$(stat -c %d:%i "$T/log") \
	unshare -n ./ipsecd -F -f "$T/ipsecd.conf" -S "$T/sock" -p "$T/pid" -P 0,0 2>>"$T/log" &
daemon_pid=$!

if wait_for 'READY=1'; then ok "READY=1 at start"; else not_ok "no READY=1 at start"; fi
# The listener stamps READY before this runs; the kernel must already hold everything.
# (If READY came early, the count would be short while the daemon still sends.)
got=$(kernel_policies)
if [ "$got" -eq $((3 * N1)) ]; then ok "at READY=1 the kernel holds all $((3 * N1)) policies"
else not_ok "at READY=1 the kernel holds $got policies, not $((3 * N1))"; fi
if grep -q "READY=1|STATUS=peers: 1 configured; IKE SAs: 0 (0 established); CHILD SAs: 0; kernel: $((3 * N1)) policies, 0 manual SAs" "$T/msgs"
then ok "READY=1 carries STATUS= with the counts"; else not_ok "READY=1 without the status"; fi

# the watchdog: a kick every 0.2 s; wait for 8, then look at their spacing
if wait_for 'WATCHDOG=1' 8; then ok "WATCHDOG=1 kicks"; else not_ok "fewer than 8 WATCHDOG=1"; fi
read -r n first last < <(awk '/WATCHDOG=1/ { if (!n++) f = $1; l = $1 } END { print n, f, l }' "$T/msgs")
# Timers never fire early, so the mean spacing is at least the 0.2 s asked for (0.15 for
# the clock's granularity); a kick later than WATCHDOG_USEC (0.4 s) on average would
# have had systemd kill the daemon.
if awk -v n="$n" -v f="$first" -v l="$last" 'BEGIN { m = (l - f) / (n - 1); exit !(m >= 0.15 && m <= 0.4) }'
then ok "WATCHDOG=1 about every 0.2 s ($n kicks from $first to $last)"
else not_ok "WATCHDOG=1 spacing: $n kicks from $first to $last"; fi

policies $N2 >"$T/ipsecd.conf"
kill -HUP "$daemon_pid"
if wait_for 'READY=1' 2; then ok "READY=1 after SIGHUP"; else not_ok "no READY=1 after SIGHUP"; fi
got=$(kernel_policies)
if [ "$got" -eq $((3 * N2)) ]; then ok "at the second READY=1 the kernel holds the reload's $((3 * N2)) policies"
else not_ok "at the second READY=1 the kernel holds $got policies, not $((3 * N2))"; fi
if grep -q 'RELOADING=1|MONOTONIC_USEC=[0-9][0-9]*$' "$T/msgs"; then ok "RELOADING=1 with MONOTONIC_USEC="
else not_ok "no RELOADING=1 with MONOTONIC_USEC="; fi

if grep -q '^<6>main info: ipsecd .* started' "$T/log"; then
	ok "log lines to the journal carry their level (<6> for info)"
else not_ok "no <N> level prefixes in the journal's lines"; fi

kill -TERM "$daemon_pid"
wait "$daemon_pid"; rc=$?
if [ "$rc" -eq 0 ]; then ok "SIGTERM exits 0"; else not_ok "SIGTERM exit status $rc"; fi
wait_for 'STOPPING=1' # the last datagram may still be in the listener's queue
order=$(grep -v WATCHDOG "$T/msgs" | sed -E 's/^[0-9.]+ pid=[0-9-]+ //; s/\|.*//' | tr '\n' ' ')
if [ "$order" = "READY=1 RELOADING=1 READY=1 STOPPING=1 " ]; then
	ok "READY, RELOADING, READY, STOPPING in that order"
else not_ok "messages in the order: $order"; fi
if ! grep -v -q " pid=$daemon_pid " "$T/msgs"; then ok "every message from the daemon's pid"
else not_ok "a message from another pid than $daemon_pid"; fi
daemon_pid=

# Without -F (Type=forking): the parent exits 0 once the child serves, and the child
# holds the pid file's lock (it was broken: the parent kept the lock, the child gave up).
printf '/ip ipsec policy\nadd src-address=10.9.0.0/24 dst-address=10.8.0.0/24 action=discard\n' \
	>"$T/fork.conf"
if unshare -n ./ipsecd -f "$T/fork.conf" -S "$T/fork.sock" -p "$T/fork.pid" -P 0,0 2>"$T/log"; then
	ok "a daemonising start exits 0"; else not_ok "a daemonising start failed"; fi
if timeout 20 ./ipsecctl -s "$T/fork.sock" policy print detail 2>&1 | grep -q 'active=yes'; then
	ok "the daemonised child serves, its policy in the kernel"
else not_ok "the daemonised child does not serve"; fi
if ./ipsecd -f "$T/fork.conf" -S "$T/fork2.sock" -p "$T/fork.pid" -P 0,0 2>"$T/log"; then
	not_ok "a second instance started on the same pid file"
else ok "the daemonised child holds the pid file's lock"; fi
kill "$(cat "$T/fork.pid")" 2>/dev/null

echo "notify: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
