#!/usr/bin/env bash
# Interop, IKEv1 with certificates: ipsecd (on b, RSA certificate b.test) and strongSwan
# (charon, swanctl, version = 1, on a, RSA certificate a.test) authenticate each other in
# main mode by RSA signatures (RFC 2409 5.1: CERT and SIG in messages 5 and 6, CERTREQ
# in 3 and 4), each checking the other's certificate against a test CA made at run time
# (pki.sh: an ECDSA P-256 CA, RSA-2048 leaves with subjectAltName DNS:<name>, a CRL
# revoking c.test). strongSwan runs with its defaults for certificates (send_cert =
# ifasked, send_certreq = yes): it sends its certificate because ipsecd asks for it.
#   1. ipsecd initiates to strongSwan: both establish (ipsecd logs main mode with
#      a.test, active-peers shows a.test and its certificate's subject, strongSwan
#      verified b.test's RSA signature and the chain to the test CA), a ping between the
#      clients crosses as ESP both ways, both ends' kernels count it on both SAs;
#      ipsecd's stop deletes the ISAKMP SA, which takes strongSwan's IKE_SA down.
#   1b. The same with ECDSA P-256 certificates at both ends (RFC 4754's method 9):
#      strongSwan verifies b.test's signature as ECDSA over the bare hash.
#   2. strongSwan initiates to ipsecd (passive): the same, ipsecd the responder.
#   3. strongSwan presents c.test, whose certificate the CRL revokes: ipsecd refuses
#      with AUTHENTICATION-FAILED and logs that it is revoked; no keyed SA at either end.
#   4. Hybrid (ipsecd auth-method=rsa-signature-hybrid, strongSwan local auth = xauth,
#      remote auth = pubkey): strongSwan, with no certificate of its own, initiates;
#      ipsecd signs with b.test's certificate, which strongSwan verifies, and then asks
#      for XAuth, which strongSwan passes as alice (/ip ipsec user); the tunnel carries
#      pings both ways as ESP, counted at both ends. With the wrong XAuth password
#      ipsecd refuses alice, and no keyed SA is left at either end.
# No sleeps: every wait polls. Several daemon starts and two initiations that fail take
# long in user-mode Linux:
# timeout: 300
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"
# shellcheck source-path=SCRIPTDIR source=../pki.sh
. "$IT_DIR/pki.sh"

SW_PLUGINS="$SW_PLUGINS xauth-generic" # 4: the XAuth client's user name and password
require "strongSwan is installed" sw_require
pki=$IT_WORK/pki
require "the test PKI is made (openssl)" pki_make "$pki" a:rsa:a.test b:rsa:b.test c:rsa:c.test \
	a-ec:ec:a.test b-ec:ec:b.test
require "the CA revokes c.test" pki_revoke "$pki" c
require "the CA issues its CRL" pki_crl "$pki"
topo_two_hosts

b_log=$IT_WORK/b.log
a_log=$(sw_dir a)/run/charon.log
declare -A log_mark
mark() { log_mark[$1]=$(wc -l <"$1" 2>/dev/null || echo 0); }
# (grep without -q reads to the end: tail must not die of SIGPIPE, 141 under pipefail.)
log_has() { tail -n +$((${log_mark[$1]:-0} + 1)) "$1" | grep -E -- "$2" >/dev/null; }
keyed_sas() { ip -n "$IT_PREFIX$1" xfrm state | grep -Ec '^[[:space:]]+(enc|aead|auth-trunc|auth) ' || true; }
# b_conf KEY=VALUE...: ipsecd's configuration on b (IKEv1 main mode, toward a).
b_conf() {
	conf_ike_cert peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 pki="$pki" \
		exchange=main "$@" >"$(conf_file b)"
}
# a_load PART KEY=VALUE...: strongSwan's IKEv1 connection on a, loaded.
a_load() {
	local part=$1
	shift
	sw_conf_cert version=1 local=192.0.2.1 remote=192.0.2.2 local_ts=10.1.0.0/24 \
		remote_ts=10.2.0.0/24 ike=aes256-sha256-modp2048 local_id=a.test \
		remote_id=b.test "$@" >"$IT_WORK/a.swanctl.conf"
	expect_grep "$part. strongSwan loads its connection" "loaded connection 'gw'" \
		sw_load a "$IT_WORK/a.swanctl.conf"
}
# up PART SIDE [SCHEME]: both ends have the ISAKMP SA and the IPsec SA pair; ipsecd
# (SIDE: initiator or responder) authenticated a.test by its certificate, strongSwan
# b.test by its signature of SCHEME (strongSwan's name: RSA_EMSA_PKCS1_NULL unless told).
up() {
	expect_ok "$1. b's ISAKMP SA is established" wait_until 15 ike_established b
	expect_ok "$1. strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established a net 10
	expect_grep "$1. strongSwan's IKE_SA is IKEv1" 'ESTABLISHED, IKEv1' sw_list_sas a
	expect_ok "$1. b authenticated a.test in main mode" log_has "$b_log" \
		"ISAKMP SA established \(main mode, $2\) with .*a\.test"
	expect_grep "$1. b is the $2" "side=$2" ipsecctl_on b active-peers print detail
	expect_grep "$1. active-peers shows the certificate's subject" \
		'certificate-subject=.*CN=a\.test' ipsecctl_on b active-peers print detail
	expect_ok "$1. strongSwan verified b.test's signature (${3:-RSA_EMSA_PKCS1_NULL})" \
		log_has "$a_log" "authentication of 'b\.test' with ${3:-RSA_EMSA_PKCS1_NULL} successful"
	expect_ok "$1. strongSwan checked b.test's chain to the test CA" \
		log_has "$a_log" 'reached self-signed root ca with a path length of 0'
}

# strongSwan retransmits an IKEv1 request that ipsecd refused (an unprotected notify
# does not stop it): at most twice, 2 s apart at first, so that 3 and 4b end soon.
sw_start a a "retransmit_timeout = 2" "retransmit_tries = 2"
require "strongSwan gets the CA, its certificates and keys" sw_install_pki a "$pki" a c a-ec

# --- 1. ipsecd b -> strongSwan a
a_load 1 cert=a.pem
b_conf cert=b remote_id=fqdn:a.test
mark "$b_log"
mark "$a_log"
daemon_start b # it initiates at once
up 1 initiator
expect_sw_site_traffic 1
expect_ok "1. b stops with status 0" daemon_stop b
expect_ok "1. b's Delete takes strongSwan's IKE_SA down" wait_until 5 not sw_established a

# --- 1b. the same with ECDSA P-256
a_load 1b cert=a-ec.pem
b_conf cert=b-ec remote_id=fqdn:a.test
mark "$b_log"
mark "$a_log"
daemon_start b # it initiates at once
up 1b initiator ECDSA_WITH_NULL
expect_sw_site_traffic 1b
expect_ok "1b. b stops with status 0" daemon_stop b
expect_ok "1b. b's Delete takes strongSwan's IKE_SA down" wait_until 5 not sw_established a

# --- 2. strongSwan a -> ipsecd b
b_conf cert=b passive=yes remote_id=fqdn:a.test
mark "$b_log"
mark "$a_log"
daemon_start b
expect_ok "2. strongSwan initiates" sw_initiate a net
up 2 responder
expect_sw_site_traffic 2
expect_ok "2. strongSwan deletes the IKE_SA" sw_terminate a gw
expect_ok "2. b's ISAKMP SA goes with it" wait_until 5 no_ike_sa b

# --- 3. the revoked certificate
a_load 3 cert=c.pem local_id=c.test
expect_ok "3. b stops with status 0" daemon_stop b
b_conf cert=b passive=yes remote_id=fqdn:c.test
mark "$b_log"
mark "$a_log"
daemon_start b
expect_fail "3. strongSwan's initiation as c.test fails" sw_initiate a net
expect_ok "3. b logs that c.test's certificate is revoked" wait_until 5 log_has "$b_log" \
	"the peer's certificate is refused: .*CN=c\.test.*revoked"
expect_ok "3. b has no ISAKMP SA" wait_until 5 not ike_established b
expect_fail "3. strongSwan has no IKE_SA" sw_established a
expect_eq "3. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
expect_eq "3. a's kernel has no keyed SA" 0 "$(keyed_sas a)"

# --- 4. hybrid: strongSwan the XAuth client, ipsecd the gateway with a certificate
# a_hybrid PART PASSWORD: strongSwan's hybrid client connection, loaded.
a_hybrid() {
	printf '%s\n' 'connections {' '	gw {' '		version = 1' \
		'		local_addrs = 192.0.2.1' '		remote_addrs = 192.0.2.2' \
		'		proposals = aes256-sha256-modp2048' \
		'		local {' '			auth = xauth' '			xauth_id = alice' '		}' \
		'		remote {' '			auth = pubkey' '			id = b.test' '		}' \
		'		children {' '			net {' '				local_ts = 10.1.0.0/24' \
		'				remote_ts = 10.2.0.0/24' '				esp_proposals = aes256-sha256' \
		'			}' '		}' '	}' '}' \
		'secrets {' '	xauth-alice {' '		id = alice' "		secret = $2" '	}' '}' \
		>"$IT_WORK/a.swanctl.conf"
	expect_grep "$1. strongSwan loads its hybrid connection" "loaded connection 'gw'" \
		sw_load a "$IT_WORK/a.swanctl.conf"
}
expect_ok "4. b stops with status 0" daemon_stop b
b_conf cert=b passive=yes auth=rsa-signature-hybrid \
	extra='/ip ipsec user add name=alice password=hybrid-118-pw'
a_hybrid 4 hybrid-118-pw
mark "$b_log"
mark "$a_log"
daemon_start b
expect_ok "4. strongSwan initiates" sw_initiate a net
expect_ok "4. b's ISAKMP SA is established" wait_until 15 ike_established b
expect_ok "4. strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established a net 10
expect_ok "4. strongSwan verified b.test's RSA signature" \
	log_has "$a_log" "authentication of 'b\.test' with RSA.* successful"
expect_ok "4. b passed alice by XAuth" log_has "$b_log" 'XAuth: user alice logged in'
expect_sw_site_traffic 4
expect_ok "4. strongSwan deletes the IKE_SA" sw_terminate a gw
expect_ok "4. b's ISAKMP SA goes with it" wait_until 5 no_ike_sa b
a_hybrid 4b wrong-pw
mark "$b_log"
expect_fail "4b. strongSwan's initiation with the wrong password fails" sw_initiate a net
expect_ok "4b. b refused alice" wait_until 5 log_has "$b_log" 'XAuth: user alice refused'
expect_ok "4b. b has no ISAKMP SA" wait_until 5 not ike_established b
expect_eq "4b. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
expect_eq "4b. a's kernel has no keyed SA" 0 "$(keyed_sas a)"
sw_stop a
finish
