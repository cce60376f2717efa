#!/usr/bin/env bash
# timeout: 240
# IKEv2 EAP-TLS through RADIUS (issue 17), ipsecd as the gateway: b (auth-method=eap-radius,
# /radius 127.0.0.1 service=ipsec, accounting=yes) relays the EAP of the strongSwan road
# warrior rw1 to FreeRADIUS (tests/radius/raddb.sh with RADDB_EAP_TLS: its EAP-TLS shows
# radius.test's certificate, wants the client's from pki.sh's CA, fragments at 1024 bytes).
# EAP-TLS is many rounds of large messages: each EAP-Message the gateway relays is split
# over 253-byte RADIUS attributes, each Access-Challenge's State goes back with the next
# Access-Request, and the IKE messages that carry them go in IKE fragments (RFC 7383): b's
# of at most 1000 bytes (ike-fragment-size=1000), strongSwan's of at most 576 (its EAP-TLS
# flight with rw1.test's certificate is smaller than FreeRADIUS's).
#   1. b signs with gw.test's certificate; rw1 proves itself with rw1.test's certificate
#      inside EAP-TLS, checks that FreeRADIUS is radius.test (aaa_id), then b's MSK-based
#      AUTH; b checks rw1's. Pings cross both ways as ESP counted at both ends; FreeRADIUS
#      answers Accounting Start and, after rw1 terminates, a Stop whose Acct-Input-Octets and
#      Acct-Output-Octets are non-zero and add up to b's two kernel SAs' bytes.
#   2. EAP-only (RFC 5998): b's identity loses its certificate (certificate=none,
#      my-id=fqdn:gw.test); rw1 (remote auth = eap) sends EAP_ONLY_AUTHENTICATION, b sends
#      neither CERT nor a signature, and the two AUTHs keyed with EAP-TLS's MSK are all the
#      gateway's proof: strongSwan logs "allow mutual EAP-only authentication". Traffic as 1.
#   3. EAP-only with EAP-MSCHAPv2: rw1 Naks FreeRADIUS's EAP-TLS start for MSCHAPv2
#      (alice's password); b accepts the method for EAP-only, strongSwan 5.9.8 does not
#      ("requires a mutual and MSK deriving EAP method") and sends AUTHENTICATION_FAILED:
#      b drops the SA and its CHILD SAs.
# No sleeps: every wait polls.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"
# shellcheck source-path=SCRIPTDIR source=../pki.sh
. "$IT_DIR/pki.sh"
# shellcheck source=../../radius/raddb.sh
. "$IT_DIR/../radius/raddb.sh"

SW_PLUGINS="$SW_PLUGINS eap-tls eap-mschapv2"

require "strongSwan is installed" sw_require
require "strongSwan has its EAP-TLS and EAP-MSCHAPv2 plugins (libcharon-extra-plugins)" \
	test -e "$SW_PLUGIN_DIR/libstrongswan-eap-tls.so" -a \
	-e "$SW_PLUGIN_DIR/libstrongswan-eap-mschapv2.so"
require "FreeRADIUS is installed (freeradius)" command -v freeradius
pki=$IT_WORK/pki
require "the test PKI is made (openssl)" pki_make "$pki" gw:ec:gw.test rw1:ec:rw1.test \
	radius:ec:radius.test
topo_rw 1

# FreeRADIUS stops with the scenario, whatever the way out.
_r_prev=$(trap -p EXIT)
_r_prev=${_r_prev#trap -- }
eval "_r_prev=${_r_prev% EXIT}"
trap 'rc=$?; raddb_stop; (exit $rc); '"$_r_prev" EXIT

secret=radius-Secret-9
raddb=$IT_WORK/raddb
fr_log=$IT_WORK/freeradius.log
b_log=$IT_WORK/b.log
rw_log=$(sw_dir rw1)/run/charon.log
RADDB_EAP_TLS="$pki radius" raddb_make "$raddb" 127.0.0.1 18120 127.0.0.1 "$secret" \
	alice Wonderland-42
require "FreeRADIUS starts in b's namespace" on b bash -c \
	". '$IT_DIR/../radius/raddb.sh'; raddb_start '$raddb' '$fr_log' && echo \$raddb_pid >'$IT_WORK/fr.pid'"
raddb_pid=$(cat "$IT_WORK/fr.pid")

declare -A log_mark
mark() { log_mark[$1]=$(wc -l <"$1" 2>/dev/null || echo 0); }
since() { tail -n +$((${log_mark[$1]:-0} + 1)) "$1"; }
log_has() { since "$1" | grep -E -- "$2" >/dev/null; }
# the value of the last line of FreeRADIUS's log that shows ATTR
fr_last() { grep -E "^\([0-9]+\) +$1 = " "$fr_log" | tail -1 | sed 's/.* = //'; }

{
	conf_rw_gateway pki="$pki" cert=gw auth_method=eap-radius
	printf '%s\n' "/radius add address=127.0.0.1 secret=$secret service=ipsec authentication-port=18120 accounting-port=18121 timeout=2s" \
		"/ip ipsec settings set accounting=yes ike-fragment-size=1000"
} >"$(conf_file b)"
daemon_start b -d ike=debug # logs the reassembly of IKE fragments

# rw_conf LOCAL-AUTH REMOTE-AUTH [EXTRA-LOCAL-LINE...]: rw1's connection gw.
rw_conf() {
	local l
	printf '%s\n' 'connections {' '	gw {' '		version = 2' '		local_addrs = 10.0.1.2' \
		'		remote_addrs = 203.0.113.2' '		vips = 0.0.0.0' \
		'		proposals = aes256-sha256-ecp256' '		mobike = no' '		local {' \
		"			auth = $1"
	for l in "${@:3}"; do printf '\t\t\t%s\n' "$l"; done
	printf '%s\n' '		}' '		remote {' "			auth = $2" '			id = gw.test' '		}' \
		'		children {' '			net {' '				remote_ts = 0.0.0.0/0' \
		'				esp_proposals = aes256-sha256' \
		"				updown = $(sw_updown rw1)" '			}' '		}' '	}' '}' \
		'secrets {' '	eap-alice {' '		id = alice' '		secret = "Wonderland-42"' '	}' '}'
}
tls_local=("certs = rw1.pem" "id = rw1.test" "aaa_id = radius.test")

# connect LABEL: rw1 brings gw up and carries traffic both ways; sets vip.
connect() {
	expect_grep "$1 rw1 loads its connection" "loaded connection 'gw'" sw_load rw1 "$IT_WORK/rw1.swanctl.conf"
	expect_ok "$1 rw1 initiates" sw_initiate rw1 net
	expect_ok "$1 b's IKE SA is established" wait_until 10 ike_established b
	vip=$(dynamic_addresses b)
	expect_rw_traffic "$1" rw1 "$vip"
}

# terminate LABEL: rw1 takes gw down; FreeRADIUS gets the Stop.
terminate() {
	expect_ok "$1 rw1 terminates" sw_terminate rw1 gw
	expect_ok "$1 b's IKE SA is gone" wait_until 5 no_ike_sa b
	expect_ok "$1 FreeRADIUS got the Stop" wait_until 5 log_has "$fr_log" "Acct-Status-Type = Stop"
}

sw_start_rw rw1 rw1 "fragment_size = 576"
require "strongSwan gets the CA and rw1.test's certificate" sw_install_pki rw1 "$pki" rw1

# --- 1. EAP-TLS, b signs with gw.test's certificate
mark "$fr_log"
rw_conf eap-tls pubkey "${tls_local[@]}" >"$IT_WORK/rw1.swanctl.conf"
connect 1.
expect_ok "1. FreeRADIUS accepted rw1.test by EAP-TLS" log_has "$fr_log" "Sent Access-Accept"
n_chal=$(since "$fr_log" | grep -c "Sent Access-Challenge" || true)
log "EAP-TLS took $n_chal Access-Challenges"
expect_gt "1. EAP-TLS took several rounds (State carried each time)" "$n_chal" 3
expect_ok "1. strongSwan sent its EAP-TLS flights in IKE fragments" \
	log_has "$rw_log" 'splitting IKE message .* into [0-9]+ fragments'
expect_ok "1. b reassembled them" grep -Eq 'IKE_AUTH [0-9]+ reassembled from [0-9]+ fragments' "$b_log"
expect_ok "1. b sent FreeRADIUS's EAP-TLS flights in IKE fragments, strongSwan reassembled them" \
	log_has "$rw_log" 'reassembled fragmented IKE message'
expect_ok "1. FreeRADIUS checked the Message-Authenticator of b's requests" \
	not grep -q "Message-Authenticator.*\(missing\|invalid\)" "$fr_log"
expect_ok "1. strongSwan verified gw.test's signature" \
	grep -Eq "authentication of 'gw\.test' with ECDSA.* successful" "$rw_log"
expect_ok "1. strongSwan's EAP-TLS succeeded" \
	grep -q 'EAP method EAP_TLS succeeded, MSK established' "$rw_log"
expect_ok "1. strongSwan checked b's MSK-based AUTH" \
	grep -Eq "authentication of 'gw\.test' with EAP successful" "$rw_log"
expect_ok "1. b logs RADIUS's accept" grep -q 'RADIUS 127.0.0.1.* accepted EAP user rw1.test' "$b_log"
expect_grep "1. b's active-peers: eap-identity=rw1.test" 'eap-identity="?rw1\.test' \
	ipsecctl_on b active-peers print detail
expect_ok "1. FreeRADIUS answered an Accounting Start" \
	wait_until 5 log_has "$fr_log" "Acct-Status-Type = Start"
read -ra spis <<<"$(esp_spis rw1)"
b_bytes=0
for spi in "${spis[@]}"; do b_bytes=$((b_bytes + $(sa_bytes b esp "$spi"))); done
terminate 1.
in_oct=$(fr_last Acct-Input-Octets)
out_oct=$(fr_last Acct-Output-Octets)
log "Stop: Acct-Input-Octets=$in_oct Acct-Output-Octets=$out_oct"
expect_gt "1. the Stop counts bytes in" "${in_oct:-0}" 0
expect_gt "1. the Stop counts bytes out" "${out_oct:-0}" 0
expect_eq "1. the Stop's bytes are b's kernel SA counters" "$b_bytes" $((in_oct + out_oct))

# --- 2. EAP-only with EAP-TLS: b has no certificate
expect_ok "2. b's identity loses its certificate" ipsecctl_on b \
	/ip ipsec identity set [ find where auth-method=eap-radius ] certificate=none my-id=fqdn:gw.test
mark "$rw_log"
mark "$b_log"
mark "$fr_log"
rw_conf eap-tls eap "${tls_local[@]}" >"$IT_WORK/rw1.swanctl.conf"
connect 2.
expect_ok "2. b logs EAP-only" log_has "$b_log" 'EAP-only authentication \(RFC 5998\)'
expect_ok "2. b sent no signature: strongSwan allowed mutual EAP-only" \
	log_has "$rw_log" 'allow mutual EAP-only authentication'
expect_ok "2. strongSwan checked b's MSK-based AUTH" \
	log_has "$rw_log" "authentication of 'gw\.test' with EAP successful"
expect_ok "2. no certificate of b reached rw1" not log_has "$rw_log" "received end entity cert"
terminate 2.
expect_gt "2. the Stop counts bytes" "$(fr_last Acct-Input-Octets)" 0

# --- 3. EAP-only with EAP-MSCHAPv2: b goes through with it (the method proves the server
# knows the password and yields an MSK), but strongSwan 5.9.8's client counts its own
# EAP-MSCHAPv2 as not mutual and refuses with AUTHENTICATION_FAILED after the last
# exchange; b must then drop the SA it had established.
mark "$rw_log"
mark "$b_log"
rw_conf eap-mschapv2 eap "eap_id = alice" "id = alice" >"$IT_WORK/rw1.swanctl.conf"
expect_grep "3. rw1 loads its connection" "loaded connection 'gw'" sw_load rw1 "$IT_WORK/rw1.swanctl.conf"
expect_fail "3. rw1's initiation fails" sw_initiate rw1 net
expect_ok "3. strongSwan's EAP-MSCHAPv2 succeeded" \
	log_has "$rw_log" 'EAP method EAP_MSCHAPV2 succeeded, MSK established'
expect_ok "3. strongSwan checked b's MSK-based AUTH" \
	log_has "$rw_log" "authentication of 'gw\.test' with EAP successful"
expect_ok "3. strongSwan refuses EAP-only with its EAP-MSCHAPv2" \
	log_has "$rw_log" 'EAP-only authentication requires a mutual and MSK deriving EAP method'
expect_ok "3. b logs RADIUS's accept" log_has "$b_log" 'RADIUS 127.0.0.1.* accepted EAP user alice'
expect_ok "3. b drops the SA the client refused" wait_until 5 no_ike_sa b
expect_eq "3. b's kernel has no keyed SA" 0 \
	"$(ip -n "$(ns b)" xfrm state | grep -Ec '^[[:space:]]+(enc|aead|auth-trunc|auth) ' || true)"
expect_ok "strongSwan stops with status 0" sw_stop rw1
raddb_stop
finish
