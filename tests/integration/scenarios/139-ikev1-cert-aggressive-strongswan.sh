#!/usr/bin/env bash
# Interop, IKEv1 with certificates, what 118 leaves out: ipsecd (on b, certificate b.test)
# and strongSwan (charon, swanctl, version = 1, on a, certificate a.test) authenticate
# each other by signatures (RFC 2409 5.1) with the certificates of pki.sh's test CA:
#   1. main mode, ECDSA P-256 certificates (RFC 4754's method 9), strongSwan initiating
#      to a passive ipsecd (118 has ipsecd initiating only);
#   2. aggressive mode (RFC 2409 5.1: SIG and CERT of the responder in message 2, the
#      initiator's in message 3), RSA certificates, strongSwan initiating;
#   3. aggressive mode, RSA certificates, ipsecd initiating;
#   4. aggressive mode, ECDSA P-256 certificates, ipsecd initiating.
# Each time both ends have the ISAKMP SA and the IPsec SA pair, ipsecd logs the mode and
# a.test, active-peers shows a.test's certificate subject, strongSwan verified b.test's
# signature (RSA_EMSA_PKCS1_NULL or ECDSA_WITH_NULL) and the chain to the test CA, pings
# between the clients cross as ESP both ways (none in the clear) and both kernels count
# them on both SAs; then the initiator deletes the ISAKMP SA and the other end follows.
# strongSwan sends its certificate when a CERTREQ names its CA (send_cert = ifasked).
# No sleeps: every wait polls.
# timeout: 240
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"
# shellcheck source-path=SCRIPTDIR source=../pki.sh
. "$IT_DIR/pki.sh"

require "strongSwan is installed" sw_require
pki=$IT_WORK/pki
require "the test PKI is made (openssl)" pki_make "$pki" a:rsa:a.test b:rsa:b.test \
	a-ec:ec:a-ec.test b-ec:ec:b.test
require "the CA issues its CRL" pki_crl "$pki"
topo_two_hosts

b_log=$IT_WORK/b.log
a_log=$(sw_dir a)/run/charon.log
declare -A log_mark
mark() { log_mark[$1]=$(wc -l <"$1" 2>/dev/null || echo 0); }
# (grep without -q reads to the end: tail must not die of SIGPIPE, 141 under pipefail.)
log_has() { tail -n +$((${log_mark[$1]:-0} + 1)) "$1" | grep -E -- "$2" >/dev/null; }
# b_conf ID KEY=VALUE...: ipsecd's configuration on b (IKEv1, toward a, whose identity is
# ID; MODP-2048 only: an aggressive mode initiator offers one group, its KE payload's).
b_conf() {
	conf_ike_cert peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 pki="$pki" \
		dh=modp2048 "remote_id=fqdn:$1" "${@:2}" >"$(conf_file b)"
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
# up PART MODE SIDE SCHEME ID: both ends have the ISAKMP SA and the IPsec SA pair; ipsecd
# (SIDE: initiator or responder) authenticated a's identity ID by its certificate in MODE
# (main or aggressive), strongSwan b.test by its signature of SCHEME (strongSwan's name).
up() {
	local id=${5//./\\.}
	expect_ok "$1. b's ISAKMP SA is established" wait_until 15 ike_established b
	expect_ok "$1. strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established a net 10
	expect_grep "$1. strongSwan's IKE_SA is IKEv1" 'ESTABLISHED, IKEv1' sw_list_sas a
	expect_ok "$1. b authenticated $5 in $2 mode" log_has "$b_log" \
		"ISAKMP SA established \($2 mode, $3\) with .*$id\$"
	expect_grep "$1. b is the $3" "side=$3" ipsecctl_on b active-peers print detail
	expect_grep "$1. active-peers shows the certificate's subject" \
		"certificate-subject=.*CN=$id" ipsecctl_on b active-peers print detail
	expect_ok "$1. strongSwan verified b.test's signature ($4)" \
		log_has "$a_log" "authentication of 'b\.test' with $4 successful"
	expect_ok "$1. strongSwan checked b.test's chain to the test CA" \
		log_has "$a_log" 'reached self-signed root ca with a path length of 0'
}
# sw_ends PART: strongSwan deletes the IKE_SA, ipsecd follows.
sw_ends() {
	expect_ok "$1. strongSwan deletes the IKE_SA" sw_terminate a gw
	expect_ok "$1. b's ISAKMP SA goes with it" wait_until 5 no_ike_sa b
}
# b_ends PART: ipsecd stops, deleting the ISAKMP SA, and strongSwan follows.
b_ends() {
	expect_ok "$1. b stops with status 0" daemon_stop b
	expect_ok "$1. b's Delete takes strongSwan's IKE_SA down" wait_until 5 not sw_established a
}

sw_start a a
require "strongSwan gets the CA, its certificates and keys" sw_install_pki a "$pki" a a-ec

# --- 1. main mode, ECDSA P-256, strongSwan a -> ipsecd b
a_load 1 cert=a-ec.pem local_id=a-ec.test
b_conf a-ec.test cert=b-ec exchange=main passive=yes
daemon_start b
mark "$b_log"
mark "$a_log"
expect_ok "1. strongSwan initiates" sw_initiate a net
up 1 main responder ECDSA_WITH_NULL a-ec.test
expect_sw_site_traffic 1
sw_ends 1

# --- 2. aggressive mode, RSA, strongSwan a -> ipsecd b
expect_ok "2. b stops with status 0" daemon_stop b
a_load 2 cert=a.pem aggressive=yes
b_conf a.test cert=b exchange=aggressive passive=yes
daemon_start b
mark "$b_log"
mark "$a_log"
expect_ok "2. strongSwan initiates" sw_initiate a net
up 2 aggressive responder RSA_EMSA_PKCS1_NULL a.test
expect_sw_site_traffic 2
sw_ends 2
expect_ok "2. b stops with status 0" daemon_stop b

# --- 3. aggressive mode, RSA, ipsecd b -> strongSwan a
b_conf a.test cert=b exchange=aggressive
mark "$b_log"
mark "$a_log"
daemon_start b # it initiates at once
up 3 aggressive initiator RSA_EMSA_PKCS1_NULL a.test
expect_sw_site_traffic 3
b_ends 3

# --- 4. aggressive mode, ECDSA P-256, ipsecd b -> strongSwan a
a_load 4 cert=a-ec.pem local_id=a-ec.test aggressive=yes
b_conf a-ec.test cert=b-ec exchange=aggressive
mark "$b_log"
mark "$a_log"
daemon_start b # it initiates at once
up 4 aggressive initiator ECDSA_WITH_NULL a-ec.test
expect_sw_site_traffic 4
b_ends 4
sw_stop a
finish
