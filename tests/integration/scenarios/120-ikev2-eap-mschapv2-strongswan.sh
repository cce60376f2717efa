#!/usr/bin/env bash
# IKEv2 with EAP (RFC 7296 2.16), ipsecd as the client: ipsecd on b (auth-method=eap,
# eap-methods=eap-mschapv2, username alice) initiates to a strongSwan gateway on a, which
# authenticates with its certificate a.test (pki.sh's test CA, which b trusts) and checks
# alice with EAP-MSCHAPv2 against its own EAP secret (Debian has no eap-identity plugin:
# strongSwan starts with the MSCHAPv2 Challenge and takes the user name of the Response).
#   1. The right password: b sent its first IKE_AUTH without AUTH, checked a.test's
#      signature and chain, ran EAP-MSCHAPv2 (strongSwan's EAP and b's MSK-based AUTH are
#      successful), and both ends are up; a ping between the clients crosses as ESP in
#      both directions (each gateway's outgoing packets are ESP, no ICMP in the clear).
#   2. A wrong password: strongSwan refuses alice, b logs the EAP failure, no IKE SA and
#      no keyed SA at either end, no ping crosses.
# No sleeps: every wait polls.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"
# shellcheck source-path=SCRIPTDIR source=../pki.sh
. "$IT_DIR/pki.sh"

SW_PLUGINS="$SW_PLUGINS eap-mschapv2" # MD4 comes from the openssl plugin (legacy provider)

require "strongSwan is installed" sw_require
require "strongSwan has its EAP-MSCHAPv2 plugin (libcharon-extra-plugins)" \
	test -e "$SW_PLUGIN_DIR/libstrongswan-eap-mschapv2.so"
pki=$IT_WORK/pki
require "the test PKI is made (openssl)" pki_make "$pki" a:ec:a.test
topo_two_hosts

b_log=$IT_WORK/b.log
a_log=$(sw_dir a)/run/charon.log
declare -A log_mark
mark() { log_mark[$1]=$(wc -l <"$1" 2>/dev/null || echo 0); }
log_has() { tail -n +$((${log_mark[$1]:-0} + 1)) "$1" | grep -E -- "$2" >/dev/null; }
keyed_sas() { ip -n "$IT_PREFIX$1" xfrm state | grep -Ec '^[[:space:]]+(enc|aead|auth-trunc|auth) ' || true; }

# b_conf PASSWORD: ipsecd's configuration on b, an EAP client of a.
b_conf() {
	printf '%s\n' \
		"/certificate import file-name=$pki/ca.pem name=ca" \
		"/ip ipsec profile add name=p1 enc-algorithm=aes-256 hash-algorithm=sha256 dh-group=ecp256" \
		"/ip ipsec peer add name=gw address=192.0.2.1/32 exchange-mode=ike2 profile=p1" \
		"/ip ipsec identity add peer=gw auth-method=eap eap-methods=eap-mschapv2 username=alice password=$1 remote-id=fqdn:a.test" \
		"/ip ipsec proposal add name=pr1 enc-algorithms=aes-256-cbc auth-algorithms=sha256 pfs-group=none" \
		"/ip ipsec policy add src-address=10.2.0.0/24 dst-address=10.1.0.0/24 tunnel=yes peer=gw proposal=pr1" \
		>"$(conf_file b)"
}

# strongSwan's gateway: its certificate, EAP-MSCHAPv2 for the client, alice's secret.
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
		'			auth = eap-mschapv2' \
		'		}' \
		'		children {' \
		'			net {' \
		'				local_ts = 10.1.0.0/24' \
		'				remote_ts = 10.2.0.0/24' \
		'				esp_proposals = aes256-sha256' \
		'			}' \
		'		}' \
		'	}' \
		'}' \
		'secrets {' \
		'	eap-alice {' \
		'		id = alice' \
		'		secret = "Wonderland-42"' \
		'	}' \
		'}'
}

sw_start a a
require "strongSwan gets the CA, its certificate and key" sw_install_pki a "$pki" a
a_conf >"$IT_WORK/a.swanctl.conf"
sw_load a "$IT_WORK/a.swanctl.conf" >"$IT_WORK/a.load" 2>&1
expect_ok "strongSwan loads its connection" grep -q "loaded connection 'gw'" "$IT_WORK/a.load"
expect_ok "strongSwan loads alice's EAP secret" grep -q "loaded eap secret 'eap-alice'" \
	"$IT_WORK/a.load"

# --- 1. the right password
b_conf Wonderland-42
mark "$a_log"
daemon_start b # it initiates at once
expect_ok "1. b's IKE SA is established" wait_until 15 ike_established b
expect_ok "1. strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established a net 10
expect_ok "1. b's first IKE_AUTH had no AUTH (EAP asked for)" \
	log_has "$a_log" 'parsed IKE_AUTH request 1 \[ IDi( N\([A-Z_]+\))* CERTREQ SA TSi TSr \]'
expect_ok "1. strongSwan took alice's MSCHAPv2 user name" \
	log_has "$a_log" "EAP-MS-CHAPv2 username: 'alice'"
expect_ok "1. strongSwan's EAP-MSCHAPv2 succeeded" \
	log_has "$a_log" 'EAP method EAP_MSCHAPV2 succeeded, MSK established'
expect_ok "1. strongSwan checked b's MSK-based AUTH" \
	log_has "$a_log" "authentication of '192\.0\.2\.2' with EAP successful"
expect_ok "1. b checked a.test's certificate and signature" \
	grep -Eq 'the gateway .*a\.test is authenticated; EAP for user alice follows' "$b_log"
expect_ok "1. b's EAP-MSCHAPv2 succeeded" grep -q 'EAP-MSCHAPv2 succeeded for user alice' "$b_log"
expect_ok "1. b established as initiator with a.test" \
	grep -Eq 'IKE SA established \(initiator\) with .*a\.test' "$b_log"
expect_grep "1. active-peers shows the gateway's certificate" 'certificate-subject=.*CN=a\.test' \
	ipsecctl_on b active-peers print detail
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

# --- 2. a wrong password
b_conf Looking-Glass-7
mark "$a_log"
mark "$b_log"
daemon_start b
expect_ok "2. b logs the EAP failure" wait_until 15 log_has "$b_log" \
	'EAP-MSCHAPv2 failed for user alice'
expect_ok "2. strongSwan refused alice" log_has "$a_log" 'EAP method EAP_MSCHAPV2 failed'
expect_ok "2. b has no IKE SA" wait_until 5 not ike_established b
expect_ok "2. strongSwan has no IKE_SA" wait_until 5 not sw_established a
expect_eq "2. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
expect_eq "2. a's kernel has no keyed SA" 0 "$(keyed_sas a)"
expect_ok "2. no ping crosses" not ping_one ca 10.2.0.2
expect_ok "2. b stops with status 0" daemon_stop b
sw_stop a
finish
