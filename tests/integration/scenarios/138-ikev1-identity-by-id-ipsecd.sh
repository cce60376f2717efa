#!/usr/bin/env bash
# An IKEv1 responder chooses among its peer's identities by the initiator's ID, as the
# IKEv2 responder does (auth-method=digital-signature, certificates of a test CA made at
# run time, pki.sh). b is passive with one peer and two identities: certificate b1 for
# remote-id a1.test, certificate b2 for remote-id a2.test. a initiates with one
# certificate at a time and requires the matching b certificate's ID as remote-id, so a
# wrong choice by b fails a's check.
#   1. main mode, a presents a1.test (its ID travels encrypted in the fifth message): b
#      answers with b1's certificate; both established (the logs name a1.test and
#      b1.test, active-peers the subjects), the same ESP pair at both ends, pings both
#      ways cross as ESP and every SA at both ends counts them.
#   2. main mode, a2.test: b answers with b2 (b's first identity would be refused by a).
#   3. aggressive mode, a2.test (the ID in the clear in the first message, the choice
#      made before b signs): b2 again.
#   4. main mode, x.test (a certificate of the same CA, an ID no identity names): b
#      refuses with AUTHENTICATION-FAILED and says no identity accepts x.test; nothing
#      is keyed at either end.
# No sleeps: every wait polls.
# timeout: 300
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../pki.sh
. "$IT_DIR/pki.sh"

pki=$IT_WORK/pki
require "the test PKI is made (openssl)" pki_make "$pki" a1:rsa:a1.test a2:rsa:a2.test \
	b1:rsa:b1.test b2:rsa:b2.test x:rsa:x.test
topo_two_hosts

# confs MODE A-CERT B-ID: b with its two identities, a with A-CERT wanting B-ID.
confs() {
	printf '%s\n' \
		"/certificate import file-name=$pki/ca.pem name=ca" \
		"/certificate import file-name=$pki/b1-bundle.pem name=b1" \
		"/certificate import file-name=$pki/b2-bundle.pem name=b2" \
		'/ip ipsec profile add name=p1 enc-algorithm=aes-256 hash-algorithm=sha256 dh-group=ecp256,modp2048' \
		"/ip ipsec peer add name=other address=192.0.2.1/32 exchange-mode=$1 profile=p1 passive=yes" \
		'/ip ipsec identity add peer=other auth-method=digital-signature certificate=b1 remote-id=fqdn:a1.test' \
		'/ip ipsec identity add peer=other auth-method=digital-signature certificate=b2 remote-id=fqdn:a2.test' \
		'/ip ipsec proposal add name=pr1 enc-algorithms=aes-256-cbc auth-algorithms=sha256 pfs-group=none' \
		'/ip ipsec policy add src-address=10.2.0.0/24 dst-address=10.1.0.0/24 tunnel=yes peer=other proposal=pr1' \
		>"$(conf_file b)"
	conf_ike_cert peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 pki="$pki" \
		cert="$2" exchange="$1" crl=no remote_id="fqdn:$3.test" >"$(conf_file a)"
}

two_sas() { [ "$(sa_count "$1")" -eq 2 ]; }
keyed_sas() { ip -n "$IT_PREFIX$1" xfrm state | grep -Ec '^[[:space:]]+(enc|aead|auth-trunc|auth) ' || true; }
logged() { grep -E -- "$2" "$(_it_log "$1")" >/dev/null; }

# round PART MODE A-CERT B-CERT
round() {
	confs "$2" "$3" "$4"
	daemon_start b
	daemon_start a # it initiates at once
	expect_ok "$1. a's ISAKMP SA is established" wait_until 15 ike_established a
	expect_ok "$1. b's ISAKMP SA is established" wait_until 5 ike_established b
	expect_ok "$1. a: $2 mode with $4.test" \
		logged a "ISAKMP SA established \($2 mode, initiator\) with $4\.test"
	expect_ok "$1. b: $2 mode with $3.test" \
		logged b "ISAKMP SA established \($2 mode, responder\) with $3\.test"
	expect_grep "$1. a's active-peers shows $4's certificate subject" \
		"certificate-subject=.*CN=$4\.test" ipsecctl_on a active-peers print detail
	expect_grep "$1. b's active-peers shows $3's certificate subject" \
		"certificate-subject=.*CN=$3\.test" ipsecctl_on b active-peers print detail
	expect_ok "$1. a has its ESP pair" wait_until 5 two_sas a
	expect_ok "$1. b has its ESP pair" wait_until 5 two_sas b
	expect_eq "$1. both ends hold the same ESP SPIs" "$(esp_spis a)" "$(esp_spis b)"
	expect_tunnel_carries a
	expect_ok "$1. ping client b -> client a through the tunnel" ping_ok cb 10.1.0.2
	expect_tunnel_carries b
	expect_ok "$1. a stops with status 0" daemon_stop a
	expect_ok "$1. b stops with status 0" daemon_stop b
	: >"$(_it_log a)"
	: >"$(_it_log b)"
}

round 1 main a1 b1
round 2 main a2 b2
round 3 aggressive a2 b2

# --- 4. an ID no identity of b names
confs main x b1
daemon_start b
daemon_start a
expect_ok "4. b finds no identity for x.test" wait_until 15 logged b \
	"no identity of peer other accepts the peer's ID x\.test"
expect_ok "4. a hears AUTHENTICATION-FAILED" wait_until 5 logged a 'peer says AUTHENTICATION-FAILED'
expect_fail "4. b has no established ISAKMP SA" ike_established b
expect_fail "4. a has no established ISAKMP SA" ike_established a
expect_eq "4. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
expect_eq "4. a's kernel has no keyed SA" 0 "$(keyed_sas a)"
daemon_stop a
daemon_stop b
finish
