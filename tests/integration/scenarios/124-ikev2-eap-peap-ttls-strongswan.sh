#!/usr/bin/env bash
# timeout: 240
# IKEv2 with PEAPv0 and EAP-TTLSv0, EAP-MSCHAPv2 inside both, ipsecd as the client: ipsecd
# on b (auth-method=eap, username alice) initiates to a strongSwan gateway on a that signs
# with its certificate a.test and asks for b's EAP identity (eap_id = %any, its
# eap-identity plugin).
#   1. eap-methods=eap-peap. Debian's strongSwan 5.9.8 has no eap-peap plugin, so a passes
#      the EAP to FreeRADIUS (its eap-radius plugin; tests/radius/raddb.sh with
#      RADDB_TLS: a.test's certificate for TLS, alice's password for the inner
#      EAP-MSCHAPv2) in a's namespace on 127.0.0.1:18120. FreeRADIUS proposes
#      EAP-MSCHAPv2 first: b answers with a Nak naming PEAP, FreeRADIUS starts PEAP; b
#      checks a.test's chain in TLS, runs EAP-MSCHAPv2 inside, acknowledges the Result
#      TLV; FreeRADIUS accepts with the MS-MPPE keys strongSwan takes as MSK, the
#      MSK-based AUTHs match, and a ping crosses as ESP both ways, counted at both ends.
#   2. eap-methods=eap-mschapv2,eap-ttls: a serves EAP-TTLS itself (its eap-ttls plugin,
#      phase2_method = mschapv2, alice's EAP secret); b accepts TTLS though it is not
#      its first method, speaks first in phase 2 with its identity, and both ends are up
#      with ESP both ways.
#   3. TTLS with a wrong password: the inner EAP-MSCHAPv2 fails, b logs why, no IKE SA
#      and no keyed SA at either end.
# No sleeps: every wait polls.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"
# shellcheck source-path=SCRIPTDIR source=../pki.sh
. "$IT_DIR/pki.sh"
# shellcheck source=../../radius/raddb.sh
. "$IT_DIR/../radius/raddb.sh"

SW_PLUGINS="$SW_PLUGINS eap-identity eap-radius eap-ttls eap-mschapv2"

require "strongSwan is installed" sw_require
for p in eap-identity eap-radius eap-ttls eap-mschapv2; do
	require "strongSwan has its $p plugin (libcharon-extra-plugins)" \
		test -e "$SW_PLUGIN_DIR/libstrongswan-$p.so"
done
require "FreeRADIUS is installed (freeradius)" command -v freeradius
pki=$IT_WORK/pki
require "the test PKI is made (openssl)" pki_make "$pki" a:ec:a.test
topo_two_hosts

# FreeRADIUS stops with the scenario, whatever the way out.
_r_prev=$(trap -p EXIT)
_r_prev=${_r_prev#trap -- }
eval "_r_prev=${_r_prev% EXIT}"
trap 'rc=$?; raddb_stop; (exit $rc); '"$_r_prev" EXIT

secret=radius-Secret-9
raddb=$IT_WORK/raddb
fr_log=$IT_WORK/freeradius.log
b_log=$IT_WORK/b.log
a_log=$(sw_dir a)/run/charon.log
RADDB_TLS="$pki/a.pem $pki/a.key $pki/ca.pem" \
	raddb_make "$raddb" 127.0.0.1 18120 127.0.0.1 "$secret" alice Wonderland-42
require "FreeRADIUS starts in a's namespace" on a bash -c \
	". '$IT_DIR/../radius/raddb.sh'; raddb_start '$raddb' '$fr_log' && echo \$raddb_pid >'$IT_WORK/fr.pid'"
raddb_pid=$(cat "$IT_WORK/fr.pid")

declare -A log_mark
mark() { log_mark[$1]=$(wc -l <"$1" 2>/dev/null || echo 0); }
log_has() { tail -n +$((${log_mark[$1]:-0} + 1)) "$1" | grep -E -- "$2" >/dev/null; }
keyed_sas() { ip -n "$IT_PREFIX$1" xfrm state | grep -Ec '^[[:space:]]+(enc|aead|auth-trunc|auth) ' || true; }

# b_conf METHODS PASSWORD: ipsecd's configuration on b, an EAP client of a.
b_conf() {
	printf '%s\n' \
		"/certificate import file-name=$pki/ca.pem name=ca" \
		"/ip ipsec profile add name=p1 enc-algorithm=aes-256 hash-algorithm=sha256 dh-group=ecp256" \
		"/ip ipsec peer add name=gw address=192.0.2.1/32 exchange-mode=ike2 profile=p1" \
		"/ip ipsec identity add peer=gw auth-method=eap eap-methods=$1 username=alice password=$2 remote-id=fqdn:a.test" \
		"/ip ipsec proposal add name=pr1 enc-algorithms=aes-256-cbc auth-algorithms=sha256 pfs-group=none" \
		"/ip ipsec policy add src-address=10.2.0.0/24 dst-address=10.1.0.0/24 tunnel=yes peer=gw proposal=pr1" \
		>"$(conf_file b)"
}

# a_conf AUTH: strongSwan's gateway, its certificate, the client checked by AUTH
# (eap-radius or eap-ttls), alice's EAP secret for eap-ttls.
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
		"			auth = $1" \
		'			eap_id = %any' \
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

# up N METHOD: b's IKE SA comes up with METHOD (as b logs it), ESP both ways.
up() {
	expect_ok "$1. b's IKE SA is established" wait_until 20 ike_established b
	expect_ok "$1. strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established a net 10
	expect_ok "$1. b checked a.test's certificate and signature" \
		log_has "$b_log" 'the gateway .*a\.test is authenticated; EAP for user alice follows'
	expect_ok "$1. b's $2 succeeded" log_has "$b_log" "$2 succeeded for user alice"
	expect_ok "$1. strongSwan checked b's MSK-based AUTH" \
		log_has "$a_log" "authentication of '192\.0\.2\.2' with EAP successful"
	capture_start b eth0 "link$1b"
	capture_start a eth0 "link$1a"
	expect_tunnel_carries b
	capture_stop "link$1b" 3 esp
	capture_stop "link$1a" 3 esp
	expect_gt "$1. b sent ESP" "$(capture_count "link$1b" esp)" 2
	expect_gt "$1. a sent ESP" "$(capture_count "link$1a" esp)" 2
	expect_eq "$1. b sent no ICMP in the clear" 0 "$(capture_count "link$1b" icmp)"
	expect_eq "$1. a sent no ICMP in the clear" 0 "$(capture_count "link$1a" icmp)"
	expect_ok "$1. b stops with status 0" daemon_stop b
	expect_ok "$1. b's Delete takes strongSwan's IKE_SA down" wait_until 5 not sw_established a
}

sw_start a a "plugins {" "eap-radius {" "servers {" "fr {" "address = 127.0.0.1" \
	"auth_port = 18120" "secret = $secret" "}" "}" "}" \
	"eap-ttls {" "phase2_method = mschapv2" "}" "}"
require "strongSwan gets the CA, its certificate and key" sw_install_pki a "$pki" a

# --- 1. PEAP, served by FreeRADIUS through strongSwan's eap-radius
a_conf eap-radius >"$IT_WORK/a1.swanctl.conf"
sw_load a "$IT_WORK/a1.swanctl.conf" >"$IT_WORK/a1.load" 2>&1
expect_ok "1. strongSwan loads its connection" grep -q "loaded connection 'gw'" "$IT_WORK/a1.load"
b_conf eap-peap Wonderland-42
mark "$a_log"
mark "$b_log"
daemon_start b # it initiates at once
up 1 PEAP
expect_ok "1. b's Nak turned FreeRADIUS from EAP-MSCHAPv2 to PEAP" \
	grep -Eq 'mutually acceptable type PEAP' "$fr_log"
expect_ok "1. FreeRADIUS accepted alice" grep -q 'Sent Access-Accept' "$fr_log"

# --- 2. TTLS, served by strongSwan itself
a_conf eap-ttls >"$IT_WORK/a2.swanctl.conf"
sw_load a "$IT_WORK/a2.swanctl.conf" >"$IT_WORK/a2.load" 2>&1
expect_ok "2. strongSwan reloads its connection" grep -q "loaded connection 'gw'" "$IT_WORK/a2.load"
b_conf eap-mschapv2,eap-ttls Wonderland-42
mark "$a_log"
mark "$b_log"
daemon_start b
up 2 EAP-TTLS
expect_ok "2. strongSwan ran EAP-MSCHAPv2 inside TTLS" \
	log_has "$a_log" 'EAP_TTLS phase2 authentication of .alice. with EAP_MSCHAPV2 successful'

# --- 3. TTLS with a wrong password
b_conf eap-ttls Looking-Glass-7
mark "$a_log"
mark "$b_log"
daemon_start b
expect_ok "3. b logs the inner failure" wait_until 20 log_has "$b_log" \
	'EAP-TTLS failed for user alice: '
expect_ok "3. b has no IKE SA" wait_until 5 not ike_established b
expect_ok "3. strongSwan has no IKE_SA" wait_until 10 not sw_established a
expect_eq "3. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
expect_eq "3. a's kernel has no keyed SA" 0 "$(keyed_sas a)"
expect_ok "3. b stops with status 0" daemon_stop b
sw_stop a
finish
