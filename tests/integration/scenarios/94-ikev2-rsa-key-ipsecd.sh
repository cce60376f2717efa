#!/usr/bin/env bash
# IKEv2 between two ipsecd authenticated by raw RSA keys (identity auth-method=rsa-key,
# RouterOS /ip ipsec key), every key made and moved with ipsecctl. Each ipsecd runs with
# a key directory of its own (ipsecd -K DIR). On a and on b:
#   1. key generate-key name=K key-size=2048: the daemon writes K as a PEM file of mode
#      0600 in its key directory, holding a 2048-bit RSA private key, and key print shows
#      K with key-size=2048 private-key=yes rsa=yes;
#   2. key export-pub-key key=K file-name=FILE: ipsecctl writes FILE, a PEM PUBLIC KEY,
#      the public half of K and nothing private;
#   3. key import of the other side's FILE as peerK (print: private-key=no), then a peer,
#      an identity auth-method=rsa-key key=K remote-key=peerK and a tunnel policy between
#      the client subnets, added with ipsecctl (b passive; a initiates): both establish
#      (active-peers: the peer's address as remote-id, no certificate), a ping between
#      the clients crosses as ESP and both kernels' SA counters count it.
#   4. A third key, not the other side's, as remote-key: (a) b's remote-key is a key b
#      generates (rogue): b refuses a's AUTH (the signature does not verify) and answers
#      AUTHENTICATION_FAILED, which a logs; (b) a restarts on its exported running
#      configuration with a key made by openssl genrsa as remote-key (rogueA): a refuses
#      b's AUTH, and tells b (RFC 7296 2.21.2), which drops the SAs it had established.
#      The refusing side never has an established IKE SA or a keyed SA; no ping crosses.
#   5. Refusals, with exit status 1, a message saying why, and nothing changed (key
#      print, the files of the key directory and their modes): generate-key of a name
#      that exists, key-size=3000 (the message names 1024, 2048 and 4096), export-pub-key
#      of a key that does not exist (and no file written).
# No sleeps: every wait polls.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

require "openssl is installed (Debian package openssl)" type -P openssl
topo_two_hosts

# Each ipsecd gets its key directory (-K) through a wrapper that daemon_start runs as
# $IPSECD (it execs ipsecd, so the pid daemon_start records is ipsecd's).
keydir() { echo "$IT_WORK/keys-$1"; }
for h in a b; do
	mkdir -m 700 "$(keydir "$h")"
	printf '#!/bin/sh\nexec "%s" -K "%s" "$@"\n' "$IPSECD" "$(keydir "$h")" >"$IT_WORK/ipsecd-$h"
	chmod 755 "$IT_WORK/ipsecd-$h"
	# what the daemons start with: no peer, no identity, no key
	printf '%s\n' \
		'/ip ipsec profile add name=p1 enc-algorithm=aes-256 hash-algorithm=sha256 dh-group=modp2048' \
		'/ip ipsec proposal add name=pr1 enc-algorithms=aes-256-cbc auth-algorithms=sha256 pfs-group=none' \
		>"$(conf_file "$h")"
done
start() { IPSECD=$IT_WORK/ipsecd-$1 daemon_start "$1"; }

# keyed_sas HOST: how many SAs in HOST's kernel have keys (an SPI reserved by ALLOCSPI
# or an ACQUIRE's placeholder has none).
keyed_sas() { ip -n "$IT_PREFIX$1" xfrm state | grep -Ec '^[[:space:]]+(enc|aead|auth-trunc|auth) ' || true; }
# esp_pair HOST: HOST's kernel holds two ESP SAs with keys (an enc or aead line each).
esp_pair() { [ "$(ip -n "$IT_PREFIX$1" xfrm state | grep -Ec '^[[:space:]]+(enc|aead) ' || true)" -eq 2 ]; }
no_keyed() { [ "$(keyed_sas "$1")" -eq 0 ]; }
no_sa() { [ "$(sa_count "$1")" -eq 0 ]; }
# log_has HOST EXTENDED-REGEX: HOST's ipsecd log has a matching line since its mark
# (mark HOST: remember where the log ends now).
declare -A log_mark
mark() { log_mark[$1]=$(wc -l <"$IT_WORK/$1.log" 2>/dev/null || echo 0); }
# (grep without -q reads to the end: tail must not die of SIGPIPE, 141 under pipefail.)
log_has() { tail -n +$((${log_mark[$1]:-0} + 1)) "$IT_WORK/$1.log" | grep -E -- "$2" >/dev/null; }
# expect_status DESCRIPTION STATUS CMD...: CMD exits with exactly STATUS; its output is
# left in $IT_WORK/out (and shown if the status is another).
expect_status() {
	local desc=$1 want=$2 rc=0
	shift 2
	"$@" >"$IT_WORK/out" 2>&1 || rc=$?
	if [ "$rc" -eq "$want" ]; then
		_it_ok "$desc"
	else
		_it_not_ok "$desc (exit status $rc, wanted $want: $*)"
		_it_show output "$IT_WORK/out"
	fi
}
# out_has DESCRIPTION EXTENDED-REGEX: the output of the last expect_* matches.
out_has() {
	if grep -Eiq -- "$2" "$IT_WORK/out"; then
		_it_ok "$1"
	else
		_it_not_ok "$1 (wanted /$2/)"
		_it_show output "$IT_WORK/out"
	fi
}
# one_line CMD...: CMD's output on one line, the blanks between its words squeezed to one
# space (print detail wraps its records).
one_line() {
	local out words
	out=$("$@") || return 1
	read -ra words <<<"${out//$'\n'/ }" # (split without globbing)
	echo "${words[*]}"
}
# key_detail HOST NAME: key print detail of HOST's key NAME, on one line.
key_detail() { one_line ipsecctl_on "$1" key print detail where name="$2"; }
# key_file HOST NAME: the file-name key print shows for HOST's key NAME.
key_file() {
	local out
	out=$(key_detail "$1" "$2") && [[ $out =~ file-name=\"?([^\" ]+) ]] &&
		echo "${BASH_REMATCH[1]}"
}
# snapshot HOST: what step 5's refusals must leave as it was: key print, and each file
# of the key directory with its mode and contents.
snapshot() {
	local f
	ipsecctl_on "$1" key print detail
	for f in "$(keydir "$1")"/*; do
		[ -e "$f" ] || continue
		stat -c '%n %a %s' "$f"
		echo "$(<"$f")"
	done
}
# pem_public_only FILE: FILE's first line is the PEM header of a public key and no
# line names a private key (bash only: no process).
pem_public_only() {
	local lines l
	mapfile -t lines <"$1" || return 1
	[ "${lines[0]:-}" = '-----BEGIN PUBLIC KEY-----' ] || return 1
	for l in "${lines[@]}"; do [[ $l != *PRIVATE* ]] || return 1; done
}

start b
start a

# --- 1. generate-key on each side
declare -A kfile
for h in a b; do
	expect_ok "1. $h: key generate-key name=K key-size=2048" \
		ipsecctl_on "$h" key generate-key name=K key-size=2048
	kfile[$h]=$(key_file "$h" K) || kfile[$h]=
	expect_ok "1. $h: key print lists K with its file (${kfile[$h]})" test -n "${kfile[$h]}"
	expect_eq "1. $h: K's file is in $h's key directory" "$(keydir "$h")" "${kfile[$h]%/*}"
	expect_eq "1. $h: K's file has mode 0600" 600 "$(stat -c %a "${kfile[$h]}" 2>&1)"
	expect_grep "1. $h: K's file holds a 2048-bit RSA private key" \
		'^Private-Key: \(2048 bit' openssl rsa -in "${kfile[$h]}" -noout -text
	expect_grep "1. $h: key print shows K as key-size=2048 private-key=yes rsa=yes" \
		'name=K key-size=2048 private-key=yes rsa=yes' key_detail "$h" K
	expect_grep "1. $h: K in the running configuration is an import of that file" \
		"import file-name=\"?${kfile[$h]}\"? name=K" ipsecctl_on "$h" key export
done
expect_fail "1. a's and b's keys differ" cmp -s "${kfile[a]}" "${kfile[b]}"

# --- 2. export-pub-key
declare -A pub
for h in a b; do
	pub[$h]=$IT_WORK/$h-K.pub
	expect_ok "2. $h: key export-pub-key key=K file-name=$h-K.pub" \
		ipsecctl_on "$h" key export-pub-key key=K file-name="${pub[$h]}"
	expect_ok "2. $h: the file is a PEM public key" openssl pkey -pubin -in "${pub[$h]}" -noout
	expect_ok "2. $h: the file names no private key" pem_public_only "${pub[$h]}"
	expect_fail "2. $h: the file holds no private key (openssl pkey)" \
		openssl pkey -in "${pub[$h]}" -noout
	expect_eq "2. $h: it is K's public half" \
		"$(openssl pkey -in "${kfile[$h]}" -pubout 2>&1)" "$(<"${pub[$h]}")"
done

# --- 3. the other side's public key, identities, the tunnel
# conf_side HOST PEER-ADDRESS PASSIVE LOCAL REMOTE: the peer, identity and policy.
conf_side() {
	expect_ok "3. $1: peer added" ipsecctl_on "$1" peer add name=other address="$2/32" \
		exchange-mode=ike2 profile=p1 passive="$3"
	expect_ok "3. $1: identity auth-method=rsa-key key=K remote-key=peerK added" \
		ipsecctl_on "$1" identity add peer=other auth-method=rsa-key key=K remote-key=peerK
	expect_ok "3. $1: policy added" ipsecctl_on "$1" policy add src-address="$4" \
		dst-address="$5" tunnel=yes peer=other proposal=pr1
}
expect_ok "3. a: key import of b's public key as peerK" \
	ipsecctl_on a key import file-name="${pub[b]}" name=peerK
expect_ok "3. b: key import of a's public key as peerK" \
	ipsecctl_on b key import file-name="${pub[a]}" name=peerK
for h in a b; do
	expect_grep "3. $h: key print shows peerK as key-size=2048 private-key=no rsa=yes" \
		'name=peerK key-size=2048 private-key=no rsa=yes' key_detail "$h" peerK
done
conf_side b 192.0.2.1 yes 10.2.0.0/24 10.1.0.0/24
mark a
mark b
conf_side a 192.0.2.2 no 10.1.0.0/24 10.2.0.0/24
expect_ok "3. a ping from client a crosses the tunnel (ACQUIRE, then rsa-key)" \
	wait_until 10 ping_one ca 10.2.0.2
expect_ok "3. a's IKE SA is established" wait_until 5 ike_established a
expect_ok "3. b's IKE SA is established" wait_until 5 ike_established b
expect_grep "3. a is the initiator" 'side=initiator' ipsecctl_on a active-peers print detail
expect_grep "3. b is the responder" 'side=responder' ipsecctl_on b active-peers print detail
# (no my-id: each side's ID is its address; and no certificate took part)
expect_grep "3. a's active-peers: remote-id=192.0.2.2, no certificate" \
	'certificate-subject="" .* remote-id=192\.0\.2\.2 ' one_line ipsecctl_on a active-peers print detail
expect_grep "3. b's active-peers: remote-id=192.0.2.1, no certificate" \
	'certificate-subject="" .* remote-id=192\.0\.2\.1 ' one_line ipsecctl_on b active-peers print detail
expect_ok "3. a logs its IKE SA established (initiator)" \
	log_has a 'IKE SA established \(initiator\) with .*192\.0\.2\.2'
expect_ok "3. b logs its IKE SA established (responder)" \
	log_has b 'IKE SA established \(responder\) with .*192\.0\.2\.1'
expect_ok "3. a has its CHILD SA pair" wait_until 5 esp_pair a
expect_ok "3. b has its CHILD SA pair" wait_until 5 esp_pair b
capture_start a eth0 link3
expect_tunnel_carries a
capture_stop link3 3 esp
expect_gt "3. a sent the pings as ESP" "$(capture_count link3 esp)" 2
expect_eq "3. a sent no ICMP in the clear" 0 "$(capture_count link3 icmp)"
read -ra bspis <<<"$(esp_spis b)"
for s in "${bspis[@]}"; do
	expect_ok "3. b's SA $s counted the traffic" sa_used b esp "$s"
done
expect_ok "3. kill-connections on a" ipsecctl_on a active-peers kill-connections
expect_ok "3. a's kernel has no SA left" wait_until 5 no_sa a
expect_ok "3. b deletes its SAs on a's delete" wait_until 5 no_sa b

# --- 4. a third key as remote-key
# refused PART HOST: HOST has no established IKE SA and no keyed SA.
refused() {
	expect_fail "$1. $2 has no established IKE SA" ike_established "$2"
	expect_eq "$1. $2's kernel has no keyed SA" 0 "$(keyed_sas "$2")"
}
# (a) b's remote-key is a key b generates: a's signature does not verify with it
expect_ok "4a. b: key generate-key name=rogue" \
	ipsecctl_on b key generate-key name=rogue key-size=2048
expect_ok "4a. b: the identity's remote-key is rogue" \
	ipsecctl_on b identity set [ find peer=other ] remote-key=rogue
mark a
mark b
expect_fail "4a. no ping crosses" ping_one ca 10.2.0.2
expect_ok "4a. b logs that a's signature is not valid (AUTHENTICATION_FAILED)" wait_until 10 \
	log_has b "AUTHENTICATION_FAILED: the peer's signature .*is not valid"
expect_ok "4a. a logs that b refused IKE_AUTH with AUTHENTICATION_FAILED" wait_until 5 \
	log_has a 'peer refused IKE_AUTH: AUTHENTICATION_FAILED'
refused 4a b
refused 4a a

# (b) a's remote-key is a key from openssl genrsa: b's signature does not verify with it.
# a restarts on its running configuration as ipsecctl exports it (the imports of K and
# peerK, the peer, identity and policy) with that key added as rogueA and made the
# identity's remote-key; a non-passive peer is initiated at start. b is back on
# remote-key=peerK first, so that only a can refuse.
expect_ok "4b. b: the identity's remote-key is peerK again" \
	ipsecctl_on b identity set [ find peer=other ] remote-key=peerK
# shellcheck disable=SC2016 # sh's $1 and $2
expect_ok "4b. openssl makes a third RSA key" \
	sh -c 'umask 077 && openssl genrsa -out "$1" 2048 && openssl pkey -in "$1" -pubout -out "$2"' \
	- "$IT_WORK/rogueA.key" "$IT_WORK/rogueA.pub"
expect_ok "4b. a's running configuration exported" \
	ipsecctl_on a export file="$IT_WORK/a-running.conf"
expect_grep "4b. ... with the import of K's file" "import file-name=\"?${kfile[a]}\"? name=K" \
	cat "$IT_WORK/a-running.conf"
{
	cat "$IT_WORK/a-running.conf"
	echo "/ip ipsec key import file-name=$IT_WORK/rogueA.pub name=rogueA"
	echo "/ip ipsec identity set [ find peer=other ] remote-key=rogueA"
} >"$(conf_file a)"
expect_ok "4b. a stops with status 0" daemon_stop a
mark a
mark b
start a
expect_ok "4b. a logs that b's signature is not valid (AUTHENTICATION_FAILED)" wait_until 10 \
	log_has a "AUTHENTICATION_FAILED: the peer's signature .*is not valid"
refused 4b a
expect_ok "4b. b logs that a refused its authentication" wait_until 5 \
	log_has b 'the peer refused our authentication \(AUTHENTICATION_FAILED\)'
expect_ok "4b. b drops the IKE SA it had established" wait_until 5 not ike_established b
expect_ok "4b. b's kernel has no keyed SA left" wait_until 5 no_keyed b
expect_fail "4b. no ping crosses" ping_one ca 10.2.0.2

# --- 5. refusals
before=$(snapshot a)
expect_status "5. generate-key name=K again is refused (exit status 1)" 1 \
	ipsecctl_on a key generate-key name=K key-size=2048
out_has "5. ... saying that K exists" 'key named K exists'
expect_eq "5. ... and changes nothing (K)" "$before" "$(snapshot a)"
expect_status "5. generate-key key-size=3000 is refused (exit status 1)" 1 \
	ipsecctl_on a key generate-key name=K3 key-size=3000
out_has "5. ... naming the valid sizes" 'key-size=3000 .*1024, 2048, 4096'
expect_eq "5. ... and changes nothing (K3)" "$before" "$(snapshot a)"
expect_status "5. export-pub-key key=nosuch is refused (exit status 1)" 1 \
	ipsecctl_on a key export-pub-key key=nosuch file-name="$IT_WORK/nosuch.pub"
out_has "5. ... saying there is no key nosuch" 'no key named nosuch'
expect_fail "5. ... and writes no file" test -e "$IT_WORK/nosuch.pub"
expect_eq "5. ... and changes nothing (nosuch)" "$before" "$(snapshot a)"

finish
