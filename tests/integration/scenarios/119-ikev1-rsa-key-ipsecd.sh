#!/usr/bin/env bash
# IKEv1 between two ipsecd authenticated by raw RSA keys (identity auth-method=rsa-key,
# /ip ipsec key): main mode, SIG payloads of RSA signatures (authentication method 3),
# SKEYID of signatures (RFC 2409 5.1). Each end imports its own key (made with openssl
# genpkey, mode 0600) and the other's public half (openssl pkey -pubout) from its
# configuration file.
#   1. a initiates to b (passive): both establish the ISAKMP SA in main mode (the log
#      says so, active-peers shows the other's address as remote-id), quick
#      mode installs the IPsec SA pair, a ping between the clients
#      crosses as ESP both ways and all four SAs count it; statistics: one IKE SA
#      established at each end, none failed.
#   2. b restarts with a key that is not a's as remote-key: b refuses a's SIG (it does
#      not verify) with AUTHENTICATION-FAILED, which a logs; neither end has an
#      established ISAKMP SA or a keyed SA, and no ping crosses.
# No sleeps: every wait polls.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

require "openssl is installed (Debian package openssl)" type -P openssl
topo_two_hosts

keys=$IT_WORK/keys
mkdir -m 700 "$keys"
for k in a b rogue; do
	require "openssl makes RSA key $k" openssl genpkey -algorithm RSA \
		-pkeyopt rsa_keygen_bits:2048 -out "$keys/$k.key" -quiet
	chmod 600 "$keys/$k.key"
	require "openssl writes $k's public half" openssl pkey -in "$keys/$k.key" -pubout \
		-out "$keys/$k.pub"
done

# conf HOST PEER-ADDRESS PASSIVE LOCAL REMOTE OWN-KEY PEER-PUB: HOST's configuration.
conf() {
	printf '%s\n' \
		'/ip ipsec profile add name=p1 enc-algorithm=aes-256 hash-algorithm=sha256 dh-group=modp2048' \
		'/ip ipsec proposal add name=pr1 enc-algorithms=aes-256-cbc auth-algorithms=sha256 pfs-group=none' \
		"/ip ipsec key import file-name=$keys/$6.key name=K" \
		"/ip ipsec key import file-name=$keys/$7.pub name=peerK" \
		"/ip ipsec peer add name=other address=$2/32 exchange-mode=main profile=p1 passive=$3" \
		'/ip ipsec identity add peer=other auth-method=rsa-key key=K remote-key=peerK' \
		"/ip ipsec policy add src-address=$4 dst-address=$5 tunnel=yes peer=other proposal=pr1" \
		>"$(conf_file "$1")"
}
keyed_sas() { ip -n "$IT_PREFIX$1" xfrm state | grep -Ec '^[[:space:]]+(enc|aead|auth-trunc|auth) ' || true; }
two_sas() { [ "$(sa_count "$1")" -eq 2 ]; }
declare -A log_mark
mark() { log_mark[$1]=$(wc -l <"$IT_WORK/$1.log" 2>/dev/null || echo 0); }
# (grep without -q reads to the end: tail must not die of SIGPIPE, 141 under pipefail.)
log_has() { tail -n +$((${log_mark[$1]:-0} + 1)) "$IT_WORK/$1.log" | grep -E -- "$2" >/dev/null; }

# --- 1. a -> b, main mode, RSA keys
conf b 192.0.2.1 yes 10.2.0.0/24 10.1.0.0/24 b a
conf a 192.0.2.2 no 10.1.0.0/24 10.2.0.0/24 a b
daemon_start b
expect_grep "1. b loaded its key with the private half" 'private-key=yes rsa=yes' \
	ipsecctl_on b key print detail where name=K
expect_grep "1. b loaded a's public key" 'private-key=no rsa=yes' \
	ipsecctl_on b key print detail where name=peerK
daemon_start a # it initiates at once
expect_ok "1. a's ISAKMP SA is established" wait_until 15 ike_established a
expect_ok "1. b's ISAKMP SA is established" wait_until 5 ike_established b
expect_ok "1. a: main mode, initiator, b authenticated by its address" \
	log_has a 'ISAKMP SA established \(main mode, initiator\) with 192\.0\.2\.2'
expect_ok "1. b: main mode, responder, a authenticated by its address" \
	log_has b 'ISAKMP SA established \(main mode, responder\) with 192\.0\.2\.1'
expect_grep "1. b's active-peers: a's address as remote-id" 'remote-id="?192\.0\.2\.1' \
	ipsecctl_on b active-peers print detail
expect_ok "1. a has its SA pair" wait_until 5 two_sas a
expect_ok "1. b has its SA pair" wait_until 5 two_sas b
capture_start a eth0 link-a
capture_start b eth0 link-b
expect_ok "1. ping client b -> client a through the tunnel" ping_ok cb 10.1.0.2
expect_tunnel_carries a
expect_tunnel_carries b
capture_stop link-a 3 esp
capture_stop link-b 3 esp
for h in a b; do
	expect_gt "1. $h sent the pings as ESP" "$(capture_count "link-$h" esp)" 2
	expect_eq "1. $h sent no ICMP in the clear" 0 "$(capture_count "link-$h" icmp)"
done
stat() { ipsecctl_on "$1" statistics print detail | grep -oE "$2=[0-9]+" | cut -d= -f2; }
expect_eq "1. a's statistics: one IKE SA established" 1 "$(stat a ike-established)"
expect_eq "1. b's statistics: one IKE SA established" 1 "$(stat b ike-established)"
expect_eq "1. a's statistics: none failed" 0 "$(stat a ike-failed)"
expect_eq "1. b's statistics: none failed" 0 "$(stat b ike-failed)"
expect_ok "1. a stops with status 0" daemon_stop a
expect_ok "1. b stops with status 0" daemon_stop b

# --- 2. b's remote-key is not a's key
conf b 192.0.2.1 yes 10.2.0.0/24 10.1.0.0/24 b rogue
mark a
mark b
daemon_start b
daemon_start a # it initiates at once
expect_ok "2. b refuses a's SIG" wait_until 15 log_has b \
	"the peer's SIG is not valid: RSA PKCS#1 v1\.5 signature does not verify"
expect_ok "2. a hears AUTHENTICATION-FAILED" wait_until 5 log_has a \
	'peer says AUTHENTICATION-FAILED'
expect_fail "2. b has no established ISAKMP SA" ike_established b
expect_fail "2. a has no established ISAKMP SA" ike_established a
expect_eq "2. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
expect_eq "2. a's kernel has no keyed SA" 0 "$(keyed_sas a)"
expect_ok "2. no ping crosses" not ping_one ca 10.2.0.2
expect_ok "2. a stops with status 0" daemon_stop a
expect_ok "2. b stops with status 0" daemon_stop b
finish
