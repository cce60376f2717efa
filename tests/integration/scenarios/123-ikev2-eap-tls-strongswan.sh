#!/usr/bin/env bash
# IKEv2 with EAP-TLS (RFC 7296 2.16, RFC 5216), ipsecd as the client: ipsecd on b
# (auth-method=eap, eap-methods=eap-tls, certificate=b: b.test from pki.sh's CA, no
# username: the EAP identity is the certificate's common name) initiates to a strongSwan
# gateway on a, which authenticates with its certificate a.test and serves EAP-TLS itself
# (its eap-tls plugin) with a.test as TLS server certificate, checking b.test's chain to
# the same CA. strongSwan is allowed TLS 1.3 (libtls version_max), ipsecd offers 1.2 only:
# they agree on 1.2.
#   1. b checks a.test's IKE signature and, in TLS, the same certificate's chain against
#      its store; strongSwan checks b.test; both derive the MSK from the TLS exporter, the
#      MSK-based AUTHs match, and both ends are up; a ping between the clients crosses as
#      ESP in both directions (packets counted at each gateway, no ICMP in the clear), and
#      the kernel SAs' byte counters at both ends moved.
#   2. strongSwan's EAP server identity (aaa_id) becomes x.test, a certificate of another
#      CA that b does not have: the IKE signature still checks, but b refuses the TLS
#      server's certificate, so no IKE SA and no keyed SA at either end.
# No sleeps: every wait polls.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"
# shellcheck source-path=SCRIPTDIR source=../pki.sh
. "$IT_DIR/pki.sh"

SW_PLUGINS="$SW_PLUGINS eap-tls"
# strongSwan 5.9.8's TLS stack stops at 1.2 unless told; told, it runs EAP-TLS over 1.3
# without RFC 9190's commitment message, so ipsecd offers 1.2 only
SW_TOP_SETTINGS=$(printf '%s\n' 'libtls {' '	version_max = 1.3' '}')

require "strongSwan is installed" sw_require
require "strongSwan has its EAP-TLS plugin (libcharon-extra-plugins)" \
	test -e "$SW_PLUGIN_DIR/libstrongswan-eap-tls.so"
pki=$IT_WORK/pki
require "the test PKI is made (openssl)" pki_make "$pki" a:ec:a.test b:ec:b.test
other=$IT_WORK/other
require "another PKI is made (openssl)" pki_make "$other" x:ec:x.test
topo_two_hosts

b_log=$IT_WORK/b.log
a_log=$(sw_dir a)/run/charon.log
declare -A log_mark
mark() { log_mark[$1]=$(wc -l <"$1" 2>/dev/null || echo 0); }
log_has() { tail -n +$((${log_mark[$1]:-0} + 1)) "$1" | grep -E -- "$2" >/dev/null; }
keyed_sas() { ip -n "$IT_PREFIX$1" xfrm state | grep -Ec '^[[:space:]]+(enc|aead|auth-trunc|auth) ' || true; }

# b_conf: ipsecd's configuration on b, an EAP-TLS client of a.
b_conf() {
	printf '%s\n' \
		"/certificate import file-name=$pki/ca.pem name=ca" \
		"/certificate import file-name=$pki/b-bundle.pem name=b" \
		"/ip ipsec profile add name=p1 enc-algorithm=aes-256 hash-algorithm=sha256 dh-group=ecp256" \
		"/ip ipsec peer add name=gw address=192.0.2.1/32 exchange-mode=ike2 profile=p1" \
		"/ip ipsec identity add peer=gw auth-method=eap eap-methods=eap-tls certificate=b my-id=fqdn:b.test remote-id=fqdn:a.test" \
		"/ip ipsec proposal add name=pr1 enc-algorithms=aes-256-cbc auth-algorithms=sha256 pfs-group=none" \
		"/ip ipsec policy add src-address=10.2.0.0/24 dst-address=10.1.0.0/24 tunnel=yes peer=gw proposal=pr1" \
		>"$(conf_file b)"
}

# a_conf [AAA-ID]: strongSwan's gateway: its certificate, EAP-TLS for the client b.test
# (as the EAP server AAA-ID, by default a.test itself).
a_conf() {
	printf '%s\n' \
		'connections {' \
		'	gw {' \
		'		local_addrs = 192.0.2.1' \
		'		remote_addrs = 192.0.2.2' \
		'		proposals = aes256-sha256-ecp256' \
		'		mobike = no' \
		'		local {' \
		'			auth = pubkey' \
		'			certs = a.pem' \
		'			id = a.test' \
		'		}' \
		'		remote {' \
		'			auth = eap-tls' \
		'			id = b.test' \
		${1:+"			aaa_id = $1"} \
		'		}' \
		'		children {' \
		'			net {' \
		'				local_ts = 10.1.0.0/24' \
		'				remote_ts = 10.2.0.0/24' \
		'				esp_proposals = aes256-sha256' \
		'			}' \
		'		}' \
		'	}' \
		'}'
}

sw_start a a
require "strongSwan gets the CA, its certificate and key" sw_install_pki a "$pki" a
a_conf >"$IT_WORK/a.swanctl.conf"
sw_load a "$IT_WORK/a.swanctl.conf" >"$IT_WORK/a.load" 2>&1
expect_ok "strongSwan loads its connection" grep -q "loaded connection 'gw'" "$IT_WORK/a.load"

# --- 1. the gateway's chain is trusted
b_conf
mark "$a_log"
daemon_start b # it initiates at once
expect_ok "1. b's IKE SA is established" wait_until 20 ike_established b
expect_ok "1. strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established a net 10
expect_ok "1. b's first IKE_AUTH had no AUTH (EAP asked for)" \
	log_has "$a_log" 'parsed IKE_AUTH request 1 \[ IDi( N\([A-Z_]+\))* CERTREQ SA TSi TSr \]'
expect_ok "1. strongSwan ran EAP-TLS" log_has "$a_log" 'initiating EAP_TLS method'
expect_ok "1. strongSwan, allowed 1.3, negotiated TLS 1.2" log_has "$a_log" 'negotiated TLS 1\.2 '
expect_ok "1. strongSwan's EAP-TLS succeeded" \
	log_has "$a_log" 'EAP method EAP_TLS succeeded, MSK established'
expect_ok "1. strongSwan checked b's MSK-based AUTH" \
	log_has "$a_log" "authentication of 'b\.test' with EAP successful"
expect_ok "1. b checked a.test's certificate and signature" \
	grep -Eq 'the gateway .*a\.test is authenticated; EAP for user b\.test follows' "$b_log"
expect_ok "1. b's EAP-TLS succeeded" grep -Eq 'EAP-TLS succeeded for user b\.test over TLSv1\.2' "$b_log"
expect_ok "1. b established as initiator with a.test" \
	grep -Eq 'IKE SA established \(initiator\) with .*a\.test' "$b_log"
capture_start b eth0 link1b
capture_start a eth0 link1a
expect_tunnel_carries b
capture_stop link1b 3 esp
capture_stop link1a 3 esp
expect_gt "1. b sent ESP" "$(capture_count link1b esp)" 2
expect_gt "1. a sent ESP" "$(capture_count link1a esp)" 2
expect_eq "1. b sent no ICMP in the clear" 0 "$(capture_count link1b icmp)"
expect_eq "1. a sent no ICMP in the clear" 0 "$(capture_count link1a icmp)"
expect_ok "1. b stops with status 0" daemon_stop b
expect_ok "1. b's Delete takes strongSwan's IKE_SA down" wait_until 5 not sw_established a

# --- 2. the EAP server's certificate is of a CA b does not know
pki_copy "$other/x.pem" "$(sw_dir a)/swanctl/x509/x.pem"
(umask 077 && pki_copy "$other/x.key" "$(sw_dir a)/swanctl/private/x.key")
a_conf x.test >"$IT_WORK/a2.swanctl.conf"
sw_load a "$IT_WORK/a2.swanctl.conf" >"$IT_WORK/a2.load" 2>&1
expect_ok "2. strongSwan reloads its connection" grep -q "loaded connection 'gw'" \
	"$IT_WORK/a2.load"
mark "$a_log"
mark "$b_log"
daemon_start b
expect_ok "2. b refuses the TLS server's certificate" wait_until 20 log_has "$b_log" \
	"EAP-TLS failed for user b\\.test: .*the TLS server's certificate is refused"
expect_ok "2. b has no IKE SA" wait_until 5 not ike_established b
expect_ok "2. strongSwan has no IKE_SA" wait_until 10 not sw_established a
expect_eq "2. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
expect_eq "2. a's kernel has no keyed SA" 0 "$(keyed_sas a)"
expect_ok "2. no ping crosses" not ping_one ca 10.2.0.2
expect_ok "2. b stops with status 0" daemon_stop b
sw_stop a
finish
