#!/usr/bin/env bash
# IKEv1 base mode (RFC 2408 4.8) authenticated by certificates (auth-method=
# digital-signature) between two ipsecd: no packaged peer speaks base mode (racoon did;
# ipsecd computes its signature hashes as racoon does). Each end has a certificate of a
# test CA made at run time (pki.sh) and checks the other's against it; a requires
# b.test as remote-id, b a.test. First a initiates (b is passive) with RSA certificates
# (SIG of authentication method 3), then, with the roles swapped, b initiates with ECDSA
# P-256 ones (RFC 4754's method 9). Each time: both ISAKMP SAs are established in base
# mode (the log names the other's certificate ID and which end started), active-peers
# shows the other's certificate subject, the four phase 1 messages on the wire are BASE
# exchanges (type 1, in the clear) and the third and fourth carry a CERT payload (type 6,
# the first after KE), none is main or aggressive mode, both ends hold the same ESP pair,
# pings both ways cross as ESP and every SA at both ends counts them. Last, a presents a
# certificate of another CA: b refuses it (AUTHENTICATION-FAILED), nothing is keyed.
# No sleeps: every wait polls.
# timeout: 240
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../pki.sh
. "$IT_DIR/pki.sh"

pki=$IT_WORK/pki
other=$IT_WORK/other
require "the test PKI is made (openssl)" pki_make "$pki" a:rsa:a.test b:rsa:b.test \
	a-ec:ec:a.test b-ec:ec:b.test
require "another CA's PKI is made (openssl)" pki_make "$other" x:rsa:a.test
topo_two_hosts

# confs INITIATOR RESPONDER KIND: both configurations, the responder passive; KIND is ""
# (RSA) or "-ec".
confs() {
	local -A side=([a]="192.0.2.2 10.1.0.0/24 10.2.0.0/24 b" [b]="192.0.2.1 10.2.0.0/24 10.1.0.0/24 a")
	local h peer lts rts them passive
	for h in a b; do
		read -r peer lts rts them <<<"${side[$h]}"
		passive=no
		[ "$h" != "$2" ] || passive=yes
		conf_ike_cert peer="$peer" local_ts="$lts" remote_ts="$rts" pki="$pki" \
			cert="$h$3" exchange=base passive="$passive" crl=no \
			remote_id="fqdn:$them.test" >"$(conf_file "$h")"
	done
}

# The ISAKMP header's exchange type, 18 bytes into it (after the 8 of UDP): 1 is BASE,
# 2 main mode (identity protection), 4 aggressive mode; its next payload (16 bytes in):
# 4 (KE) in the third and fourth message, whose KE is followed by CERT (6): the byte 8
# + 28 (header) holds the KE's next payload.
base_filter='udp port 500 and udp[26] = 1'
ke_cert_filter='udp port 500 and udp[26] = 1 and udp[24] = 4 and udp[36] = 6'
other_filter='udp port 500 and (udp[26] = 2 or udp[26] = 4)'

two_sas() { [ "$(sa_count "$1")" -eq 2 ]; }
keyed_sas() { ip -n "$IT_PREFIX$1" xfrm state | grep -Ec '^[[:space:]]+(enc|aead|auth-trunc|auth) ' || true; }

# round INITIATOR RESPONDER KIND
round() {
	local i=$1 r=$2 h
	confs "$i" "$r" "$3"
	capture_start a eth0 "ike-$i-a"
	capture_start b eth0 "ike-$i-b"
	daemon_start "$r"
	daemon_start "$i"
	expect_ok "$i's ISAKMP SA is established" wait_until 15 ike_established "$i"
	expect_ok "$r's ISAKMP SA is established" wait_until 5 ike_established "$r"
	expect_ok "$i has its ESP pair" wait_until 5 two_sas "$i"
	expect_ok "$r has its ESP pair" wait_until 5 two_sas "$r"
	expect_grep "$i established in base mode as the initiator, with $r.test" \
		"ISAKMP SA established \(base mode, initiator\) with $r\.test" cat "$(_it_log "$i")"
	expect_grep "$r established in base mode as the responder, with $i.test" \
		"ISAKMP SA established \(base mode, responder\) with $i\.test" cat "$(_it_log "$r")"
	for h in a b; do
		local o=b
		[ "$h" = a ] || o=a
		expect_grep "$h's active-peers shows $o's certificate subject" \
			"certificate-subject=.*CN=$o\.test" ipsecctl_on "$h" active-peers print detail
	done
	expect_eq "both ends hold the same ESP SPIs" "$(esp_spis "$i")" "$(esp_spis "$r")"
	expect_tunnel_carries a
	expect_ok "ping client b -> client a through the tunnel" ping_ok cb 10.1.0.2
	expect_tunnel_carries b
	capture_stop "ike-$i-a" 2 udp
	capture_stop "ike-$i-b" 2 udp
	for h in a b; do
		expect_eq "$h sent two base mode messages" 2 \
			"$(capture_count "ike-$i-$h" "$base_filter")"
		expect_eq "$h's second one is KE and CERT" 1 \
			"$(capture_count "ike-$i-$h" "$ke_cert_filter")"
		expect_eq "$h sent no main or aggressive mode message" 0 \
			"$(capture_count "ike-$i-$h" "$other_filter")"
	done
	daemon_stop "$i"
	daemon_stop "$r"
	: >"$(_it_log a)"
	: >"$(_it_log b)"
}

log "--- 1. a -> b, RSA"
round a b ""
log "--- 2. b -> a, ECDSA P-256"
round b a -ec

log "--- 3. a's certificate is of a CA b does not trust"
confs a b ""
# a.test again, but by the other CA (which a trusts instead)
conf_ike_cert peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 pki="$other" \
	cert=x exchange=base crl=no remote_id=fqdn:b.test >"$(conf_file a)"
daemon_start b
daemon_start a
expect_ok "3. b refuses a's certificate" wait_until 15 grep -q \
	"the peer's certificate is refused" "$(_it_log b)"
expect_ok "3. a hears AUTHENTICATION-FAILED" wait_until 5 grep -q \
	'peer says AUTHENTICATION-FAILED' "$(_it_log a)"
expect_fail "3. b has no established ISAKMP SA" ike_established b
expect_eq "3. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
expect_eq "3. a's kernel has no keyed SA" 0 "$(keyed_sas a)"
daemon_stop a
daemon_stop b
finish
