#!/usr/bin/env bash
# ipsecctl's console driven through tmux as a user types at it (send-keys, capture-pane),
# against a daemon of its own (started as tests/daemon/test-daemon.sh starts it):
# navigation, completion of a property name and of an enum value, an error shown under
# its word, a change applied, history. Skips (77) only when tmux is missing.
set -uo pipefail
top_srcdir=${top_srcdir:-.}
if ! command -v tmux >/dev/null; then
	echo "SKIP: tmux is not installed (apt-get install tmux); the console test needs it"
	exit 77
fi
pass=0 fail=0
T=$(mktemp -d)
SOCK=$T/ipsecd.sock CONF=$T/ipsecd.conf
TM=(tmux -S "$T/tmux.sock") # a tmux server of the test's own
daemon_pid=
cleanup() {
	"${TM[@]}" kill-server 2>/dev/null
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() {
	fail=$((fail + 1)); echo "not ok - $1"
	"${TM[@]}" capture-pane -p -t c 2>/dev/null | sed 's/^/#   /'
}
screen() { "${TM[@]}" capture-pane -p -t c; }
keys() { "${TM[@]}" send-keys -t c "$@"; }
# sees NAME PATTERN: the pane shows PATTERN (an extended regex) within 5 s
sees() {
	for _ in $(seq 50); do
		screen | grep -Eq -- "$2" && { ok "$1"; return 0; }
		sleep 0.1
	done
	not_ok "$1: no /$2/ on the screen"
	return 1
}
# last NAME PATTERN: the line with the cursor (the one being typed) matches PATTERN
last() {
	local l
	for _ in $(seq 30); do
		l=$(screen | grep -v '^$' | tail -n 1)
		[[ $l =~ $2 ]] && { ok "$1"; return 0; }
		sleep 0.1
	done
	not_ok "$1: the line is \"$l\", wanted /$2/"
}
ctl() { timeout 60 ./ipsecctl -s "$SOCK" "$@"; }

cat >"$CONF" <<'CONF'
/ip ipsec peer
add name=site-b address=198.51.100.2/32 exchange-mode=ike2
CONF
NS=()
[ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null && NS=(unshare -n)
"${NS[@]}" ./ipsecd -F -f "$CONF" -S "$SOCK" -p "$T/ipsecd.pid" -K "$T/keys" 2>"$T/log" &
daemon_pid=$!
for _ in $(seq 100); do ctl peer print >/dev/null 2>&1 && break; sleep 0.05; done

unset TMUX
"${TM[@]}" -f /dev/null new-session -d -s c -x 160 -y 50 \
	"env HOME=$T TERM=xterm ./ipsecctl -s $SOCK; sleep 30"
sees "the console starts at the root" '^\[[^]]*\] > ?$'

keys "/ip ipsec peer" Enter
sees "an absolute path enters the menu" '^\[[^]]*\] /ip ipsec peer> ?$'
keys "print" Enter
sees "a command runs in the current menu" '^0  site-b  198\.51\.100\.2/32  ike2'
keys ".." Enter
sees ".. goes up one word" '^\[[^]]*\] /ip ipsec> ?$'
keys "pol" Tab
last "Tab completes a menu word" '/ip ipsec> policy ?$'
keys Enter
sees "relative menu words enter the menu" '^\[[^]]*\] /ip ipsec policy> ?$'
keys "/" Enter
sees "/ goes to the root" '^\[[^]]*\] > ?$'
keys "ip ipsec peer" Enter
sees "relative path from the root" '^\[[^]]*\] /ip ipsec peer> ?$'

keys "add name=c1 address=192.0.2.9/32 exch" Tab
last "Tab completes a property name" 'address=192\.0\.2\.9/32 exchange-mode=$'
keys "i" Tab
last "Tab completes an enum value" 'exchange-mode=ike2 ?$'
keys "pass" Tab
last "and another property" 'exchange-mode=ike2 passive=$'
keys Tab
sees "Tab twice lists the values" '^no +yes *$'
keys "y" Tab Enter
if [ "$(id -u)" = 0 ]; then
	for _ in $(seq 50); do ctl peer print where name=c1 >"$T/out" 2>&1; grep -q c1 "$T/out" && break; sleep 0.1; done
	if grep -q "192.0.2.9/32" "$T/out"; then ok "the change is applied in the daemon"; else
		not_ok "the change is not in the daemon:"; sed 's/^/#   /' "$T/out"; fi
	keys "print detail where name=c1" Enter
	sees "print shows the change" 'name="?c1"? .*exchange-mode=ike2 .*passive=yes'
	keys "set c1 exchange-mode=ike3" Enter
	sees "an error is shown with the daemon's message" \
		'^error: exchange-mode: "ike3" is not a valid exchange-mode \(did you mean ike2\?\)'
	col=$(screen | grep -n '' | grep -B1 '^[0-9]*:error: exchange-mode' | head -1 | cut -d: -f2- |
		awk '{ print index($0, "^") }')
	cmd=$(screen | grep -F 'set c1 exchange-mode=ike3' | tail -1 | awk '{ print index($0, "ike3") }')
	if [ -n "$col" ] && [ "$col" = "$cmd" ]; then ok "the caret is under the bad value"; else
		not_ok "the caret is at column ${col:-none}, the value at ${cmd:-none}"; fi
	keys "print where name=c1" Enter
	sees "the console goes on after an error (c1 keeps its number, 1)" '^1  c1 +192\.0\.2\.9/32 +ike2'
else
	sees "without root the daemon's refusal shows" '^error: changing the configuration needs root'
fi
keys "bogus-verb" Enter
sees "an unknown command is shown in place" 'error: unknown (command or )?menu "bogus-verb"'
keys "add name=half"
last "the half-typed line shows" '/ip ipsec peer> add name=half$'
keys C-c
last "Ctrl-C drops the line" '/ip ipsec peer> ?$'
keys Up
last "Up recalls the last command" '/ip ipsec peer> bogus-verb$'
keys C-c "quit" Enter
# the console writes its history as it leaves
for _ in $(seq 50); do grep -qs "bogus-verb" "$T/.ipsecctl_history" && break; sleep 0.1; done
if [ -f "$T/.ipsecctl_history" ] && grep -q "bogus-verb" "$T/.ipsecctl_history"; then
	ok "history kept in ~/.ipsecctl_history"; else not_ok "no history file"; fi
if [ "$(stat -c %a "$T/.ipsecctl_history" 2>&1)" = 600 ]; then ok "history has mode 0600"; else
	not_ok "history mode $(stat -c %a "$T/.ipsecctl_history" 2>&1)"; fi

# --json for every print that makes sense: one JSON document each (python3 checks it).
if command -v python3 >/dev/null; then
	for m in peer profile proposal identity policy "policy group" mode-config manual-sa key \
		user settings installed-sa active-peers statistics "/ip pool" "/ip pool used" \
		/certificate /radius; do
		# shellcheck disable=SC2086
		if ctl -j $m print >"$T/out" 2>"$T/err" && python3 -m json.tool "$T/out" >/dev/null 2>&1
		then ok "-j $m print is JSON"
		elif grep -q "unavailable" "$T/err"; then ok "-j $m print: not available here (skipped)"
		else not_ok "-j $m print:"; sed 's/^/#   /' "$T/out" "$T/err"; fi
	done
	ctl -j monitor once >"$T/out" 2>"$T/err"
	if python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read()); assert "active-peers" in d and "installed-sa" in d' "$T/out"
	then ok "-j monitor once: one document with both views"; else not_ok "-j monitor once:"; sed 's/^/#   /' "$T/out" "$T/err"; fi
	timeout 2.5 ./ipsecctl -s "$SOCK" -j active-peers print interval=1 >"$T/out" 2>"$T/err"
	if [ "$(wc -l <"$T/out")" -ge 2 ] && python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/out"
	then ok "-j print interval=1: one JSON document per line, per refresh"; else
		not_ok "-j print interval=1:"; sed 's/^/#   /' "$T/out" "$T/err"; fi
else
	echo "# python3 missing: the JSON checks are skipped"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
