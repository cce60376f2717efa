#!/usr/bin/env bash
# IKEv1 hybrid authentication (auth-method=rsa-signature-hybrid, HybridInitRSA) between
# two ipsecd: b, the gateway (passive), signs phase 1 with its RSA certificate b.test (a
# test CA made at run time, pki.sh) and has alice as /ip ipsec user; a, the client, has
# only the CA: it checks b's certificate and signature, proves nothing in phase 1 (its
# HASH_I) and passes XAuth with alice's user name and password. Only the client can
# initiate hybrid authentication, so a initiates each time.
#   1. main mode: both establish (a names b.test and its certificate's subject, b a's
#      address), b logs alice in by XAuth and a hears it accepted; quick mode installs
#      the same ESP pair at both ends, pings both ways cross as ESP and every SA at both
#      ends counts them.
#   2. base mode (RFC 2408 4.8, racoon's hashes): the same.
#   3. main mode with the wrong password: b refuses alice and deletes the ISAKMP SA, a
#      hears the refusal; no keyed SA at either end, no ping crosses.
# No sleeps: every wait polls.
# timeout: 240
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../pki.sh
. "$IT_DIR/pki.sh"

pki=$IT_WORK/pki
require "the test PKI is made (openssl)" pki_make "$pki" b:rsa:b.test
topo_two_hosts

# confs MODE PASSWORD: the gateway b (passive) and the client a.
confs() {
	conf_ike_cert peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 pki="$pki" \
		cert=b exchange="$1" passive=yes crl=no auth=rsa-signature-hybrid \
		extra='/ip ipsec user add name=alice password=hybrid-136-pw' >"$(conf_file b)"
	printf '%s\n' \
		"/certificate import file-name=$pki/ca.pem name=ca" \
		'/ip ipsec profile add name=p1 enc-algorithm=aes-256 hash-algorithm=sha256 dh-group=ecp256,modp2048' \
		"/ip ipsec peer add name=other address=192.0.2.2/32 exchange-mode=$1 profile=p1" \
		"/ip ipsec identity add peer=other auth-method=rsa-signature-hybrid username=alice password=$2 remote-id=fqdn:b.test" \
		'/ip ipsec proposal add name=pr1 enc-algorithms=aes-256-cbc auth-algorithms=sha256 pfs-group=none' \
		'/ip ipsec policy add src-address=10.1.0.0/24 dst-address=10.2.0.0/24 tunnel=yes peer=other proposal=pr1' \
		>"$(conf_file a)"
}

two_sas() { [ "$(sa_count "$1")" -eq 2 ]; }
keyed_sas() { ip -n "$IT_PREFIX$1" xfrm state | grep -Ec '^[[:space:]]+(enc|aead|auth-trunc|auth) ' || true; }
logged() { grep -E -- "$2" "$(_it_log "$1")" >/dev/null; }

# round PART MODE
round() {
	confs "$2" hybrid-136-pw
	daemon_start b
	daemon_start a # it initiates at once
	expect_ok "$1. a's ISAKMP SA is established" wait_until 15 ike_established a
	expect_ok "$1. b's ISAKMP SA is established" wait_until 5 ike_established b
	expect_ok "$1. a: $2 mode, initiator, with b.test" \
		logged a "ISAKMP SA established \($2 mode, initiator\) with b\.test"
	expect_ok "$1. b: $2 mode, responder, with a's address" \
		logged b "ISAKMP SA established \($2 mode, responder\) with 192\.0\.2\.1"
	expect_ok "$1. b logged alice in by XAuth" wait_until 5 logged b 'XAuth: user alice logged in'
	expect_ok "$1. a heard the gateway accept it" wait_until 5 logged a \
		'XAuth: the gateway accepted us'
	expect_grep "$1. a's active-peers shows b's certificate subject" \
		'certificate-subject=.*CN=b\.test' ipsecctl_on a active-peers print detail
	expect_ok "$1. a has its ESP pair" wait_until 5 two_sas a
	expect_ok "$1. b has its ESP pair" wait_until 5 two_sas b
	expect_eq "$1. both ends hold the same ESP SPIs" "$(esp_spis a)" "$(esp_spis b)"
	capture_start a eth0 "link-a$1"
	capture_start b eth0 "link-b$1"
	expect_tunnel_carries a
	expect_ok "$1. ping client b -> client a through the tunnel" ping_ok cb 10.1.0.2
	expect_tunnel_carries b
	capture_stop "link-a$1" 6 esp
	capture_stop "link-b$1" 6 esp
	for h in a b; do
		expect_gt "$1. $h sent the pings as ESP" "$(capture_count "link-$h$1" esp)" 5
		expect_eq "$1. $h sent no ICMP in the clear" 0 "$(capture_count "link-$h$1" icmp)"
	done
	expect_ok "$1. a stops with status 0" daemon_stop a
	expect_ok "$1. b stops with status 0" daemon_stop b
	: >"$(_it_log a)"
	: >"$(_it_log b)"
}

round 1 main
round 2 base

# --- 3. the wrong password
confs main wrong-pw
daemon_start b
daemon_start a
expect_ok "3. b refuses alice" wait_until 15 logged b 'XAuth: user alice refused \(wrong password\)'
expect_ok "3. a hears the refusal" wait_until 5 logged a \
	'XAuth: the gateway refused our user name or password'
expect_ok "3. b has no ISAKMP SA left" wait_until 5 not ike_established b
expect_eq "3. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
expect_eq "3. a's kernel has no keyed SA" 0 "$(keyed_sas a)"
expect_ok "3. no ping crosses" not ping_one ca 10.2.0.2
daemon_stop a
daemon_stop b
finish
