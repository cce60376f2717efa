#!/usr/bin/env bash
# The daemon and ipsecctl together, as a user drives them: start, print, change at run
# time, refusals, SIGHUP with a bad and a good file, a second instance, SIGTERM.
# Run from the build directory (make check sets top_srcdir). Needs no network.
set -uo pipefail
top_srcdir=${top_srcdir:-.}
pass=0 fail=0
T=$(mktemp -d)
SOCK=$T/ipsecd.sock PID=$T/ipsecd.pid CONF=$T/ipsecd.conf
daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; [ -f "$T/log" ] && sed 's/^/#   /' "$T/log"; }
check() { # check NAME EXPECTED-STATUS COMMAND...
	local name=$1 want=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"; local rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$name"; else
		not_ok "$name (exit $rc, wanted $want)"; sed 's/^/#   /' "$T/out" "$T/err"; fi
}
has() { # has NAME PATTERN FILE
	if grep -q -- "$2" "$3"; then ok "$1"; else not_ok "$1: no '$2' in:"; sed 's/^/#   /' "$3"; fi
}
ctl() { timeout 60 ./ipsecctl -s "$SOCK" "$@"; } # a dead daemon must not hang the suite

cat >"$CONF" <<'CONF'
/ip ipsec peer
add name=site-b address=198.51.100.2/32 exchange-mode=ike2
/ip ipsec identity
add peer=site-b secret=s3cret-psk
/ip ipsec policy
add src-address=10.1.0.0/24 dst-address=10.2.0.0/24 tunnel=yes peer=site-b
CONF

check "ipsecd -n accepts a good file" 0 ./ipsecd -n -f "$CONF"
printf '/ip ipsec peer\nadd name=x adress=1.2.3.4\nadd name=y exchange-mode=ike3\n' >"$T/bad.conf"
check "ipsecd -n rejects a bad file" 1 ./ipsecd -n -f "$T/bad.conf"
has "-n reports the first error located" "bad.conf:2:12: error: .*did you mean address" "$T/err"
has "-n reports every error" "bad.conf:3:26: error" "$T/err"
{ echo /ip ipsec settings; for _ in $(seq 100000); do echo "set acounting=yes"; done; } >"$T/many.conf"
check "ipsecd -n rejects a file of 100000 errors" 1 ./ipsecd -n -f "$T/many.conf"
has "-n prints the first errors" "many.conf:21:5: error: .*acounting" "$T/err"
has "-n counts the rest" "^\.\.\. and 99980 more errors$" "$T/err"
has "-n gives the total" "many.conf: 100000 error(s)" "$T/err"
if [ "$(wc -l <"$T/err")" -eq 22 ]; then ok "-n prints 22 lines for 100000 errors"; else
	not_ok "-n printed $(wc -l <"$T/err") lines for 100000 errors"; fi
printf '/ip ipsec proposal add name=off disabled=yes\n/ip ipsec peer\nadd name=v2 address=192.0.2.2/32 exchange-mode=ike2\nadd name=office address=192.0.2.1/32 exchange-mode=base\n/ip ipsec identity\nadd peer=v2 auth-method=rsa-signature-hybrid\n' >"$T/ikev1.conf"
check "ipsecd -n loads what it does not negotiate" 0 ./ipsecd -n -f "$T/ikev1.conf"
has "-n warns about disabled=yes, located" \
	"ikev1.conf:1:33: warning: proposal off: disabled=yes is not honoured by this version" "$T/err"
has "-n warns about auth-method=rsa-signature-hybrid on an IKEv2 peer" \
	"ikev1.conf:6:13: warning: auth-method=rsa-signature-hybrid is IKEv1's: peer v2 uses exchange-mode=ike2" "$T/err"
has "-n counts them" "ikev1.conf: configuration ok (2 warning(s))" "$T/out"
check "ipsecd -V" 0 ./ipsecd -V
check "ipsecd -n refuses a device" 1 timeout 20 ./ipsecd -n -f /dev/zero
has "-n says why" "/dev/zero:0:0: error: cannot read: not a regular file (a character device)" "$T/err"
printf '/ip ipsec settings\nset cookies=sometimes\n' >"$T/cookies.conf"
check "ipsecd -n refuses cookies=sometimes" 1 ./ipsecd -n -f "$T/cookies.conf"
has "the refusal is located and lists the choices" "cookies.conf:2:13: error: .*auto.*always.*never" \
	"$T/err"
printf '/ip ipsec settings\nset cookies=never half-open-per-address=5 half-open-limit=0 half-open-timeout=10s\n' \
	>"$T/limits.conf"
check "ipsecd -n takes the half-open limits" 0 ./ipsecd -n -f "$T/limits.conf"
printf '/ip ipsec settings\nset half-open-timeout=0s\n' >"$T/limits0.conf"
check "ipsecd -n refuses half-open-timeout=0s" 1 ./ipsecd -n -f "$T/limits0.conf"
printf '/ip ipsec settings\nset ike-fragment-size=500\n' >"$T/frag.conf"
check "ipsecd -n refuses ike-fragment-size=500" 1 ./ipsecd -n -f "$T/frag.conf"
has "the refusal is located and says what is valid" \
	"frag.conf:2:5: error: ike-fragment-size: 500 is below .*valid: 0 .no fragmentation. or 576..65535" "$T/err"
printf '/ip ipsec settings\nset ike-fragment-size=0\nset ike-fragment-size=1000\n' >"$T/frag.conf"
check "ipsecd -n takes ike-fragment-size 0 and 1000" 0 ./ipsecd -n -f "$T/frag.conf"
check "ipsecctl without a daemon exits 2" 2 ctl peer print
has "unreachable socket is named" "cannot reach ipsecd at $SOCK" "$T/err"

# The daemon installs the file's policies: as root, in a network namespace of its own
# (unshare execs, so $! is the daemon); unprivileged, the kernel refuses them and the
# daemon carries on.
NS=()
[ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null && NS=(unshare -n)
"${NS[@]}" ./ipsecd -F -f "$CONF" -S "$SOCK" -p "$PID" -K "$T/keys" 2>"$T/log" &
daemon_pid=$!
for _ in $(seq 1200); do ctl peer print >/dev/null 2>&1 && break; sleep 0.05; done # readiness poll

check "peer print" 0 ctl peer print
has "peer print shows the peer" "site-b" "$T/out"
check "policy print detail" 0 ctl policy print detail
has "detail shows every property" "ph2-state=" "$T/out"
check "identity print hides the secret" 0 ctl identity print detail
has "secret masked" 'secret=\*\*\*\*\*' "$T/out"
if [ "$(id -u)" = 0 ]; then
	check "export show-sensitive as root" 0 ctl export show-sensitive
	has "secret exported for root" "secret=s3cret-psk" "$T/out"
	check "runtime add" 0 ctl peer add name=rt address=203.0.113.7/32 comment="two words" \
		exchange-mode=base
	if [ -s "$T/err" ]; then not_ok "base mode drew a warning:"; sed 's/^/#   /' "$T/err"; else
		ok "base mode, negotiated, draws no warning"; fi
	check "runtime add of what is not done" 0 ctl proposal add name=rtp disabled=yes
	has "ipsecctl warns about what the change brings in" \
		"ipsecctl:1:.*warning: proposal rtp: disabled=yes is not honoured" "$T/err"
	check "a change that brings nothing unsupported is quiet" 0 ctl peer set site-b comment=x
	if [ -s "$T/err" ]; then not_ok "quiet change printed:"; sed 's/^/#   /' "$T/err"; else
		ok "quiet change printed nothing"; fi
	check "print where" 0 ctl --json peer print where name=rt
	has "json record with the comment" '"comment": "two words"' "$T/out"
	check "refused change exits 1" 1 ctl peer add name=bad address=1.2.3.4 exchange-mode=ike3
	has "refusal says why" "did you mean ike2" "$T/err"
	check "dangling reference refused" 1 ctl peer remove site-b
	check "refused change changed nothing" 0 ctl peer print where name=site-b
	has "site-b still there" "site-b" "$T/out"
	check "built-in cannot be removed" 1 ctl proposal remove default
fi
check "active-peers print answers" 0 ctl active-peers print
if [ "$(id -u)" = 0 ]; then
	check "kill-connections with nothing to kill" 0 ctl active-peers kill-connections
	has "kill-connections says how many" "killed 0 IKE SA" "$T/out"
	check "kill-connections refuses a bad address" 1 ctl active-peers kill-connections address=nowhere

	check "key generate-key" 0 ctl key generate-key name=k1 key-size=1024
	has "generate-key says what it made" "generated a 1024-bit RSA key k1" "$T/out"
	if [ "$(stat -c %a "$T/keys/k1.pem" 2>&1)" = 600 ]; then ok "key file has mode 0600"; else
		not_ok "key file mode: $(stat -c %a "$T/keys/k1.pem" 2>&1)"; fi
	check "key print" 0 ctl key print detail where name=k1
	has "the generated key is printed" "key-size=1024.*private-key=yes.*rsa=yes" "$T/out"
	check "export after generate-key" 0 ctl export
	has "the generated key is in the configuration" "import file-name=\"\?$T/keys/k1.pem\"\? name=k1" "$T/out"
	check "generate-key refuses a taken name" 1 ctl key generate-key name=k1 key-size=1024
	has "taken name refusal" "a key named k1 exists already" "$T/err"
	has "a taken name is a refusal, not an internal error" "^ipsecctl: refused" "$T/err"
	check "generate-key refuses a bad size" 1 ctl key generate-key name=k2 key-size=3000
	has "bad size names the valid ones" "valid: 1024, 2048, 4096" "$T/err"
	check "generate-key refuses a path as name" 1 ctl key generate-key name=../k3
	if [ ! -e "$T/k3.pem" ] && [ ! -e "$T/keys/k2.pem" ]; then ok "refusals wrote no file"; else
		not_ok "a refused generate-key left a file"; fi
	check "export-pub-key to a file" 0 ctl key export-pub-key key=k1 file-name="$T/k1.pub"
	has "public key written" "BEGIN PUBLIC KEY" "$T/k1.pub"
	check "export-pub-key never overwrites a file" 1 \
		ctl key export-pub-key key=k1 file-name="$T/keys/k1.pem"
	has "the refusal says so" "k1.pem exists; not overwriting it" "$T/err"
	has "the private key file is intact" "BEGIN PRIVATE KEY" "$T/keys/k1.pem"
	if grep -q PRIVATE "$T/k1.pub"; then not_ok "public key file holds a private key"; else
		ok "public key file holds no private key"; fi
	check "export-pub-key of an unknown key" 1 ctl key export-pub-key key=nosuch
	has "unknown key refusal" "no key named nosuch" "$T/err"
	check "import the public key" 0 ctl key import file-name="$T/k1.pub" name=k1pub
	check "key print of the public key" 0 ctl key print detail where name=k1pub
	has "public-only key" "private-key=no" "$T/out"
	cp -p "$T/keys/k1.pem" "$T/k4.pem" && chmod 0644 "$T/k4.pem"
	check "a private key file others may read is refused" 1 \
		ctl key import file-name="$T/k4.pem" name=k4
	has "the refusal names the mode" "k4.pem: private key file has mode 0644" "$T/err"
	check "settings insecure-key-files=warn" 0 ctl settings set insecure-key-files=warn
	check "with warn, the same import is taken" 0 ctl key import file-name="$T/k4.pem" name=k4
	has "with a warning" "k4.pem.*loaded anyway" "$T/err"
	check "settings insecure-key-files=refuse again is refused while k4 is loaded" 1 \
		ctl settings set insecure-key-files=refuse
	check "insecure-key-files takes refuse or warn only" 1 ctl settings set insecure-key-files=maybe
fi
check "statistics print reads the kernel" 0 ctl statistics print detail
has "statistics show a seed counter" "in-no-states=" "$T/out"
has "statistics show the IKE engine's half-open SAs" "ike-half-open=0" "$T/out"
check "flush refused with a bad sa-type" 1 ctl installed-sa flush sa-type=gre
has "flush names the valid types" "valid: ah, esp, all" "$T/err"
if [ "${#NS[@]}" -gt 0 ]; then
	check "installed-sa print" 0 ctl installed-sa print
	check "policy print shows it active" 0 ctl policy print detail
	has "policy active flag" 'active=yes' "$T/out"
	check "dump-kernel-policies" 0 ctl policy dump-kernel-policies
	has "three kernel policies for a tunnel" "fwd: 10.2.0.0/24" "$T/out"
fi
check "second instance refused" 1 ./ipsecd -F -f "$CONF" -S "$SOCK" -p "$PID"

# A FIFO as the configuration: refused at once, never waited on for a writer
mv "$CONF" "$CONF.good" && mkfifo "$CONF"
kill -HUP "$daemon_pid"
for _ in $(seq 1200); do grep -q "reload of .* refused" "$T/log" && break; sleep 0.05; done
has "a FIFO reload is refused" "cannot read: not a regular file (a FIFO)" "$T/log"
check "the daemon answers after a FIFO reload" 0 timeout 10 ./ipsecctl -s "$SOCK" peer print
timeout 2 sh -c ": >'$CONF'" 2>/dev/null # frees a daemon stuck in open()
rm -f "$CONF" && mv "$CONF.good" "$CONF"

cp "$T/many.conf" "$CONF.new" && mv "$CONF" "$CONF.good" && mv "$CONF.new" "$CONF"
kill -HUP "$daemon_pid"
for _ in $(seq 1200); do [ "$(grep -c "reload of .* refused" "$T/log")" -ge 2 ] && break; sleep 0.05; done
if [ "$(grep -c "reload of .* refused" "$T/log")" -ge 2 ]; then ok "bad reload is refused"; else
	not_ok "bad reload is refused"; fi
has "the log names the first errors of a reload" "ipsecd.conf:20:5: .*acounting" "$T/log"
has "and counts the rest" "config error: \.\.\. and 99980 more errors" "$T/log"
if [ "$(grep -c acounting "$T/log")" -eq 20 ]; then ok "the log holds 20 of the 100000 errors"; else
	not_ok "the log holds $(grep -c acounting "$T/log") errors"; fi
check "after a bad reload the peer is still there" 0 ctl peer print where name=site-b
has "site-b kept" "site-b" "$T/out"
{ cat "$CONF.good"; printf '/ip ipsec peer\nadd name=site-c address=198.51.100.3/32 exchange-mode=base\n/ip ipsec proposal\nadd name=off-c disabled=yes\n'; } >"$CONF"
kill -HUP "$daemon_pid"
for _ in $(seq 1200); do grep -q "reload: " "$T/log" && break; sleep 0.05; done
check "good reload applies" 0 ctl peer print where name=site-c
has "the reload logs what is not negotiated" \
	"config warning: .*ipsecd.conf:[0-9]*:[0-9]*: proposal off-c: disabled=yes is not honoured" "$T/log"
has "site-c added by reload" "site-c" "$T/out"

kill -TERM "$daemon_pid"
wait "$daemon_pid"; rc=$?
daemon_pid=
if [ "$rc" -eq 0 ]; then ok "SIGTERM exits 0"; else not_ok "SIGTERM exit status $rc"; fi
if [ ! -e "$SOCK" ] && [ ! -e "$PID" ]; then ok "socket and pid file removed"; else
	not_ok "socket or pid file left behind"; fi

echo "daemon: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
