#!/usr/bin/env bash
# Interop with certificates: ipsecd (on b, certificate b.test) and strongSwan (on a,
# a.test) authenticate each other with digital signatures, each end checking the
# other's certificate against a test CA made at run time (pki.sh: an ECDSA P-256 CA,
# ECDSA and RSA-2048 leaves with subjectAltName DNS:<name>, a CRL revoking c.test).
# strongSwan runs with its defaults for certificates (send_cert = ifasked,
# send_certreq = yes), so each end sends its certificate only when asked.
#   1. strongSwan initiates to ipsecd (passive), ECDSA at both ends: both establish,
#      a ping between the clients crosses as ESP, strongSwan verified an ECDSA signature.
#   1b. The same with strongSwan's RSA certificate against ipsecd's ECDSA one.
#   2. strongSwan presents c.test, whose certificate the CRL revokes: ipsecd refuses
#      (AUTHENTICATION_FAILED) and logs that it is revoked. (ipsecd has an identity
#      for remote-id=fqdn:c.test, so that nothing but the revocation can refuse it.)
#   3. ipsecd's only identity wants remote-id=fqdn:other.test, strongSwan presents
#      a.test: ipsecd, responding, refuses and logs that no identity accepts a.test.
#   4. ipsecd initiates to strongSwan, RSA certificates at both ends: both establish,
#      the ping crosses as ESP, strongSwan verified an RSA signature; ipsecd's Delete
#      at its stop takes strongSwan's IKE_SA down.
#   4b. The same with ECDSA certificates at both ends.
#   5. ipsecd initiates with remote-id=fqdn:other.test; strongSwan answers as a.test:
#      ipsecd refuses the response and logs that the ID does not match remote-id.
# No sleeps: every wait polls.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"
# shellcheck source-path=SCRIPTDIR source=../pki.sh
. "$IT_DIR/pki.sh"

require "strongSwan is installed" sw_require
pki=$IT_WORK/pki
require "the test PKI is made (openssl)" pki_make "$pki" a:ec:a.test b:ec:b.test \
	c:ec:c.test a-rsa:rsa:a.test b-rsa:rsa:b.test
require "the CA revokes c.test" pki_revoke "$pki" c
require "the CA issues its CRL" pki_crl "$pki"
topo_two_hosts

b_log=$IT_WORK/b.log
a_log=$(sw_dir a)/run/charon.log
# mark FILE: remember where FILE ends now; log_has FILE EXTENDED-REGEX: FILE has a
# matching line after its mark.
declare -A log_mark
mark() { log_mark[$1]=$(wc -l <"$1" 2>/dev/null || echo 0); }
# (grep without -q reads to the end: tail must not die of SIGPIPE, 141 under pipefail.)
log_has() { tail -n +$((${log_mark[$1]:-0} + 1)) "$1" | grep -E -- "$2" >/dev/null; }
# no_ike_sa HOST: HOST's ipsecd answers and lists no IKE SA.
no_ike_sa() { local out; out=$(ipsecctl_on "$1" active-peers print detail) && [ -z "$out" ]; }
# keyed_sas HOST: how many SAs in HOST's kernel have keys (a reserved SPI has none).
keyed_sas() { ip -n "$IT_PREFIX$1" xfrm state | grep -Ec '^[[:space:]]+(enc|aead|auth-trunc|auth) ' || true; }
# b_conf KEY=VALUE...: ipsecd's configuration on b (conf_ike_cert, toward a).
b_conf() {
	conf_ike_cert peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 pki="$pki" \
		"$@" >"$(conf_file b)"
}
# a_load PART KEY=VALUE...: strongSwan's configuration on a (sw_conf_cert, toward b
# as b.test), loaded.
a_load() {
	local part=$1
	shift
	sw_conf_cert local=192.0.2.1 remote=192.0.2.2 local_ts=10.1.0.0/24 \
		remote_ts=10.2.0.0/24 local_id=a.test remote_id=b.test "$@" >"$IT_WORK/a.swanctl.conf"
	expect_grep "$part. strongSwan loads its connection" "loaded connection 'gw'" \
		sw_load a "$IT_WORK/a.swanctl.conf"
}
# traffic PART: a ping from client a to client b crosses the tunnel: b's two ESP SAs
# count it (lib.sh's expect_tunnel_carries) and b sends its replies as ESP, none in
# the clear.
traffic() {
	capture_start b eth0 "link$1"
	expect_tunnel_carries b
	capture_stop "link$1" 3 esp
	expect_gt "$1. b sent the replies as ESP" "$(capture_count "link$1" esp)" 2
	expect_eq "$1. b sent no ICMP in the clear" 0 "$(capture_count "link$1" icmp)"
}
# refused PART: after a refused IKE_AUTH neither end has an IKE SA, and no keyed SA is in
# either kernel.
refused() {
	expect_ok "$1. b has no IKE SA" wait_until 5 not ike_established b
	expect_fail "$1. strongSwan has no IKE_SA" sw_established a
	expect_eq "$1. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
	expect_eq "$1. a's kernel has no keyed SA" 0 "$(keyed_sas a)"
}

# --- 1. strongSwan a -> ipsecd b, ECDSA
b_conf cert=b passive=yes remote_ids="fqdn:a.test fqdn:c.test"
daemon_start b
expect_grep "b loaded the CA as a trust anchor" 'trusted=yes' \
	ipsecctl_on b certificate print detail where name=ca
expect_grep "b loaded the CA's CRL" 'crl=yes' ipsecctl_on b certificate print detail where name=ca
expect_grep "b loaded its certificate with the private key" 'private-key=yes' \
	ipsecctl_on b certificate print detail where name=b
sw_start a a
require "strongSwan gets the CA, its certificates and keys" sw_install_pki a "$pki" a c a-rsa
a_load 1 cert=a.pem
mark "$b_log"
expect_ok "1. strongSwan initiates" sw_initiate a net
expect_ok "1. strongSwan has the IKE_SA and CHILD_SA up" sw_established a net
expect_ok "1. b's IKE SA is established" wait_until 5 ike_established b
expect_grep "1. b is the responder" 'side=responder' ipsecctl_on b active-peers print detail
expect_grep "1. active-peers shows the authenticated ID" 'remote-id=.*a\.test' \
	ipsecctl_on b active-peers print detail
expect_grep "1. active-peers shows the certificate's subject" 'certificate-subject=.*CN=a\.test' \
	ipsecctl_on b active-peers print detail
expect_ok "1. b authenticated a.test" log_has "$b_log" 'IKE SA established \(responder\) with .*a\.test'
expect_ok "1. strongSwan verified b.test's ECDSA signature" \
	grep -Eq "authentication of 'b\.test' with ECDSA.* successful" "$a_log"
expect_ok "1. strongSwan checked b.test's chain to the test CA" \
	grep -Eq 'reached self-signed root ca with a path length of 0' "$a_log"
traffic 1
expect_ok "1. strongSwan deletes the IKE SA" sw_terminate a gw
expect_ok "1. b's IKE SA goes with it" wait_until 5 no_ike_sa b

# --- 1b. strongSwan a -> ipsecd b, strongSwan with its RSA certificate
a_load 1b cert=a-rsa.pem
mark "$b_log"
mark "$a_log"
expect_ok "1b. strongSwan initiates with RSA" sw_initiate a net
expect_ok "1b. b's IKE SA is established" wait_until 5 ike_established b
expect_ok "1b. b authenticated a.test" log_has "$b_log" 'IKE SA established \(responder\) with .*a\.test'
expect_ok "1b. strongSwan signed with RSA" \
	log_has "$a_log" "authentication of 'a\.test' \(myself\) with RSA"
expect_ok "1b. strongSwan verified b.test's ECDSA signature" \
	log_has "$a_log" "authentication of 'b\.test' with ECDSA.* successful"
traffic 1b
expect_ok "1b. strongSwan deletes the IKE SA" sw_terminate a gw
expect_ok "1b. b's IKE SA goes with it" wait_until 5 no_ike_sa b

# --- 2. the revoked certificate
a_load 2 cert=c.pem local_id=c.test
mark "$b_log"
mark "$a_log"
expect_fail "2. strongSwan's initiation as c.test fails" sw_initiate a net
expect_ok "2. b logs that c.test's certificate is revoked" wait_until 5 log_has "$b_log" \
	"the peer's certificate is refused: .*CN=c\.test.*revoked"
expect_ok "2. strongSwan was told AUTHENTICATION_FAILED" log_has "$a_log" 'AUTHENTICATION_FAILED'
refused 2

# --- 3. remote-id mismatch, ipsecd responding
expect_ok "3. b stops with status 0" daemon_stop b
b_conf cert=b passive=yes remote_id=fqdn:other.test
mark "$b_log"
mark "$a_log"
daemon_start b
a_load 3 cert=a.pem
expect_fail "3. strongSwan's initiation as a.test fails" sw_initiate a net
expect_ok "3. b logs that no identity accepts a.test" wait_until 5 log_has "$b_log" \
	"no identity of peer other accepts the peer's ID .*a\.test"
expect_ok "3. strongSwan was told AUTHENTICATION_FAILED" log_has "$a_log" 'AUTHENTICATION_FAILED'
refused 3

# --- 4. ipsecd b -> strongSwan a, RSA
expect_ok "4. b stops with status 0" daemon_stop b
a_load 4 cert=a-rsa.pem
b_conf cert=b-rsa remote_id=fqdn:a.test
mark "$b_log"
mark "$a_log"
daemon_start b # it initiates at once
expect_ok "4. b's IKE SA is established" wait_until 15 ike_established b
expect_ok "4. strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established a net 10
expect_grep "4. b is the initiator" 'side=initiator' ipsecctl_on b active-peers print detail
expect_grep "4. active-peers shows the RSA certificate's subject" \
	'certificate-subject=.*CN=a\.test' ipsecctl_on b active-peers print detail
expect_ok "4. b authenticated a.test" log_has "$b_log" 'IKE SA established \(initiator\) with .*a\.test'
expect_ok "4. strongSwan verified b.test's RSA signature" \
	log_has "$a_log" "authentication of 'b\.test' with RSA.* successful"
traffic 4
expect_ok "4. b stops with status 0" daemon_stop b
expect_ok "4. b's Delete takes strongSwan's IKE_SA down" wait_until 5 not sw_established a

# --- 4b. ipsecd b -> strongSwan a, ECDSA
a_load 4b cert=a.pem
b_conf cert=b remote_id=fqdn:a.test
mark "$b_log"
mark "$a_log"
daemon_start b # it initiates at once
expect_ok "4b. b's IKE SA is established" wait_until 15 ike_established b
expect_ok "4b. strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established a net 10
expect_ok "4b. b authenticated a.test" log_has "$b_log" 'IKE SA established \(initiator\) with .*a\.test'
expect_ok "4b. strongSwan verified b.test's ECDSA signature" \
	log_has "$a_log" "authentication of 'b\.test' with ECDSA.* successful"
traffic 4b
expect_ok "4b. b stops with status 0" daemon_stop b
expect_ok "4b. b's Delete takes strongSwan's IKE_SA down" wait_until 5 not sw_established a

# --- 5. remote-id mismatch, ipsecd initiating
b_conf cert=b-rsa remote_id=fqdn:other.test
mark "$b_log"
mark "$a_log"
daemon_start b # it initiates at once
expect_ok "5. b logs that a.test is not remote-id=fqdn:other.test" wait_until 10 log_has "$b_log" \
	"peer's ID does not match remote-id=fqdn:other\.test \(it sent .*a\.test\)"
expect_ok "5. b has no IKE SA" wait_until 5 not ike_established b
expect_eq "5. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
expect_ok "5. b told strongSwan (RFC 7296 2.21.2)" wait_until 5 log_has "$a_log" \
	'parsed INFORMATIONAL request 2 \[ N\(AUTH_FAILED\) \]'
expect_ok "5. strongSwan dropped the IKE_SA it had established" wait_until 5 not sw_established a
expect_eq "5. a's kernel has no keyed SA" 0 "$(keyed_sas a)"
expect_ok "5. no ping crosses" not ping_one ca 10.2.0.2
sw_stop a
finish
