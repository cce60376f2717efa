#!/usr/bin/env bash
# Interop, IKEv1 with certificates: ipsecd on a (auth-method=digital-signature, RSA
# certificate a.test) and Libreswan 4.10 on b (pluto, ikev2=no, authby=rsasig, RSA
# certificate b.test in its NSS database, leftsendcert=always) authenticate each other
# in main mode (and aggressive mode, 5 and 6) by RSA signatures (RFC 2409 5.1), each checking the other's certificate
# against the test CA of pki.sh (an ECDSA P-256 CA, RSA-2048 leaves, a CRL revoking
# c.test), each end initiating in turn:
#   1. ipsecd initiates (Libreswan's connection is auto=add): both have the ISAKMP SA
#      and the IPsec SA pair, the same SPIs in both kernels, pings both ways cross as
#      ESP (no ICMP in the clear) and all four SAs count them; ipsecd authenticated
#      b.test by its certificate, Libreswan a.test by its RSA signature.
#      kill-connections takes it all down at both ends.
#   2. Libreswan initiates (whack --initiate), ipsecd answers: the same checks.
#   3. ipsecd presents a certificate for a.test from another CA, which Libreswan does
#      not trust: Libreswan refuses it, no keyed SA at either end.
#   4. Libreswan presents c.test, whose certificate the CRL ipsecd loaded revokes:
#      ipsecd refuses it and logs why, no keyed SA at either end.
#   5. Aggressive mode (Libreswan aggressive=yes, one DH group; ipsecd
#      exchange-mode=aggressive), Libreswan initiating: the checks of 1.
#   6. The same, ipsecd initiating.
# Libreswan is downloaded, not installed (libreswan.sh): without the download the
# scenario skips.
# timeout: 240
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../libreswan.sh
. "$IT_DIR/libreswan.sh"
# shellcheck source-path=SCRIPTDIR source=../pki.sh
. "$IT_DIR/pki.sh"

ls_require
pki=$IT_WORK/pki
other=$IT_WORK/pki-other
require "the test PKI is made (openssl)" pki_make "$pki" a:rsa:a.test b:rsa:b.test c:rsa:c.test
require "the CA revokes c.test" pki_revoke "$pki" c
require "the CA issues its CRL" pki_crl "$pki"
require "another CA is made, with a certificate for a.test" pki_make "$other" ca="other CA" a:rsa:a.test
require "Libreswan's NSS database gets the CA, b.test and c.test" ls_install_pki b "$pki" b c
topo_two_hosts

a_log=$IT_WORK/a.log
b_log=$(ls_dir b)/pluto.log
declare -A log_mark
mark() { log_mark[$1]=$(wc -l <"$1" 2>/dev/null || echo 0); }
# (grep without -q reads to the end: tail must not die of SIGPIPE, 141 under pipefail.)
log_has() { tail -n +$((${log_mark[$1]:-0} + 1)) "$1" | grep -E -- "$2" >/dev/null; }
keyed_sas() { ip -n "$IT_PREFIX$1" xfrm state | grep -Ec '^[[:space:]]+(enc|aead|auth-trunc|auth) ' || true; }
no_sas() { [ "$(sa_count "$1")" -eq 0 ]; }
# a_conf PKI KEY=VALUE...: ipsecd's configuration on a (main mode, toward b, b.test).
a_conf() {
	conf_ike_cert peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 pki="$1" \
		cert=a exchange=main dh=modp2048 remote_id=fqdn:b.test "${@:2}" >"$(conf_file a)"
}
# b_start CERT ID [KEY=VALUE...]: pluto on b with connection gw, signing as ID with
# certificate CERT (more ipsec.conf lines: aggressive=yes).
b_start() {
	ls_conf gw ikev2=no authby=rsasig left=192.0.2.2 "leftid=@$2" "leftcert=$1" \
		leftsendcert=always leftsubnet=10.2.0.0/24 right=192.0.2.1 rightid=@a.test \
		rightsubnet=10.1.0.0/24 ike=aes256-sha2_256-modp2048 esp=aes256-sha2_256 \
		pfs=no auto=add "${@:3}" >"$IT_WORK/b.ipsec.conf"
	: >"$IT_WORK/b.secrets" # (the keys are in the NSS database)
	ls_start b b "$IT_WORK/b.ipsec.conf" "$IT_WORK/b.secrets"
}
# authenticated PART [MODE]: each end authenticated the other by its certificate, in
# MODE (main unless told, or aggressive).
authenticated() {
	expect_grep "$1: ipsecd shows b.test's certificate subject" \
		'certificate-subject=.*CN=b\.test' ipsecctl_on a active-peers print detail
	expect_ok "$1: ipsecd authenticated b.test in ${2:-main} mode" log_has "$a_log" \
		"ISAKMP SA established \(${2:-main} mode, .*\) with .*b\.test"
	expect_ok "$1: Libreswan authenticated a.test by an RSA signature" log_has "$b_log" \
		"IKE SA established \\{auth=RSA_SIG"
}

require "pluto starts on b and loads its connection" b_start b b.test
a_conf "$pki"

# --- 1. ipsecd initiates (its policy's ACQUIRE, as soon as it starts: passive=no)
mark "$a_log"
mark "$b_log"
daemon_start a
expect_ls_tunnel 1-ipsecd-initiates initiator
authenticated 1
expect_grep "1: Libreswan was the responder in main mode" 'STATE_MAIN_R3' ls_whack b --showstates
expect_grep "1: kill-connections on a" 'killed 1 IKE SA' ipsecctl_on a active-peers kill-connections
expect_ok "1: a's kernel has no SA left" wait_until 5 no_sas a
expect_ok "1: Libreswan deletes its SAs on a's deletes" wait_until 10 no_sas b

# --- 2. Libreswan initiates; ipsecd answers
mark "$a_log"
mark "$b_log"
expect_ok "2: Libreswan initiates (whack --initiate)" ls_initiate b gw
expect_ls_tunnel 2-libreswan-initiates responder
authenticated 2
expect_grep "2: Libreswan was the initiator in main mode" 'STATE_MAIN_I4' ls_whack b --showstates
expect_ok "2: Libreswan deletes its SAs (whack --terminate)" ls_down b gw
expect_ok "2: ipsecd removes its SAs on the deletes" wait_until 10 no_sas a
expect_ok "2: ipsecd forgets the ISAKMP SA" wait_until 10 no_ike_sa a

# --- 3. ipsecd's certificate from a CA Libreswan does not know
expect_ok "3: a stops with status 0" daemon_stop a
a_conf "$other" crl=no
mark "$a_log"
mark "$b_log"
daemon_start a
expect_ok "3: Libreswan refuses the certificate of an unknown CA" wait_until 20 log_has "$b_log" \
	'SEC_ERROR_UNKNOWN_ISSUER'
expect_fail "3: ipsecd has no ISAKMP SA" ike_established a
expect_fail "3: Libreswan has no ISAKMP SA" ls_isakmp_up b
expect_eq "3: a's kernel has no keyed SA" 0 "$(keyed_sas a)"
expect_eq "3: b's kernel has no keyed SA" 0 "$(keyed_sas b)"

# --- 4. Libreswan presents the revoked c.test
expect_ok "4: a stops with status 0" daemon_stop a
a_conf "$pki" passive=yes remote_id=fqdn:c.test
daemon_start a
expect_ok "4: pluto stops with status 0" ls_stop b
require "4: pluto restarts on b as c.test" b_start c c.test
mark "$a_log"
# (asynchronous: whack would wait for the end of pluto's retransmissions, 40 s)
expect_ok "4: Libreswan initiates as c.test" ls_whack b --name gw --initiate --asynchronous
expect_ok "4: ipsecd logs that c.test's certificate is revoked" wait_until 5 log_has "$a_log" \
	"the peer's certificate is refused: .*CN=c\.test.*revoked"
expect_fail "4: ipsecd has no ISAKMP SA" ike_established a
expect_fail "4: Libreswan has no ISAKMP SA" ls_isakmp_up b
expect_eq "4: a's kernel has no keyed SA" 0 "$(keyed_sas a)"
expect_eq "4: b's kernel has no keyed SA" 0 "$(keyed_sas b)"

# --- 5. aggressive mode, Libreswan initiating
expect_ok "5: a stops with status 0" daemon_stop a
a_conf "$pki" passive=yes exchange=aggressive
daemon_start a
expect_ok "5: pluto stops with status 0" ls_stop b
require "5: pluto restarts on b as b.test, aggressive" b_start b b.test aggressive=yes
mark "$a_log"
mark "$b_log"
expect_ok "5: Libreswan initiates (whack --initiate)" ls_initiate b gw
expect_ls_tunnel 5-libreswan-initiates-aggressive responder
authenticated 5 aggressive
expect_grep "5: Libreswan was the initiator in aggressive mode" 'STATE_AGGR_I2' \
	ls_whack b --showstates
expect_ok "5: Libreswan deletes its SAs (whack --terminate)" ls_down b gw
expect_ok "5: ipsecd removes its SAs on the deletes" wait_until 10 no_sas a
expect_ok "5: ipsecd forgets the ISAKMP SA" wait_until 10 no_ike_sa a

# --- 6. aggressive mode, ipsecd initiating
expect_ok "6: a stops with status 0" daemon_stop a
a_conf "$pki" exchange=aggressive
mark "$a_log"
mark "$b_log"
daemon_start a
expect_ls_tunnel 6-ipsecd-initiates-aggressive initiator
authenticated 6 aggressive
expect_grep "6: Libreswan was the responder in aggressive mode" 'STATE_AGGR_R2' \
	ls_whack b --showstates
expect_grep "6: kill-connections on a" 'killed 1 IKE SA' ipsecctl_on a active-peers kill-connections
expect_ok "6: a's kernel has no SA left" wait_until 5 no_sas a
expect_ok "6: Libreswan deletes its SAs on a's deletes" wait_until 10 no_sas b
expect_ok "pluto stops with status 0" ls_stop b
finish
