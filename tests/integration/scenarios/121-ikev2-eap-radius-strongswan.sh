#!/usr/bin/env bash
# timeout: 180
# IKEv2 EAP through RADIUS (issue 17), ipsecd as the gateway: b (auth-method=eap-radius
# with its certificate gw.test from pki.sh's CA, /radius 127.0.0.1 service=ipsec,
# /ip ipsec settings accounting=yes interim-update=3s) answers the strongSwan road warrior
# rw1 (EAP-MSCHAPv2, eap_id alice), relaying the EAP to FreeRADIUS (tests/radius/raddb.sh,
# a private configuration) that runs in b's namespace on 127.0.0.1:18120/18121.
#   1. The right password: FreeRADIUS accepts alice (MS-MPPE keys), strongSwan verifies
#      gw.test's signature and b's MSK-based AUTH, b checks rw1's; the Framed-IP-Address
#      10.8.0.77 FreeRADIUS gives overrides b's pool (rw1 gets it, no lease is taken);
#      active-peers shows eap-identity=alice; pings cross both ways as ESP counted at both
#      ends; FreeRADIUS answers Accounting Start, then an Interim-Update, and after rw1
#      terminates, a Stop with non-zero Acct-Input-Octets and Acct-Output-Octets (their
#      sum is what b's two kernel SAs counted) and Acct-Terminate-Cause = User-Request.
#      strongSwan has no eap-identity plugin in Debian and Naks b's EAP Identity Request:
#      b takes its IKE identity (alice) for the EAP identity.
#   2. A wrong password: FreeRADIUS rejects alice, b logs the reject with the user, rw1
#      gets no IKE SA and no keyed SA exists at either end.
# No sleeps: every wait polls.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"
# shellcheck source-path=SCRIPTDIR source=../pki.sh
. "$IT_DIR/pki.sh"
# shellcheck source=../../radius/raddb.sh
. "$IT_DIR/../radius/raddb.sh"

SW_PLUGINS="$SW_PLUGINS eap-mschapv2" # MD4 comes from the openssl plugin (legacy provider)

require "strongSwan is installed" sw_require
require "strongSwan has its EAP-MSCHAPv2 plugin (libcharon-extra-plugins)" \
	test -e "$SW_PLUGIN_DIR/libstrongswan-eap-mschapv2.so"
require "FreeRADIUS is installed (freeradius)" command -v freeradius
pki=$IT_WORK/pki
require "the test PKI is made (openssl)" pki_make "$pki" gw:ec:gw.test rw1:ec:rw1.test
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
raddb_make "$raddb" 127.0.0.1 18120 127.0.0.1 "$secret" alice Wonderland-42 10.8.0.77
require "FreeRADIUS starts in b's namespace" on b bash -c \
	". '$IT_DIR/../radius/raddb.sh'; raddb_start '$raddb' '$fr_log' && echo \$raddb_pid >'$IT_WORK/fr.pid'"
raddb_pid=$(cat "$IT_WORK/fr.pid")

declare -A log_mark
mark() { log_mark[$1]=$(wc -l <"$1" 2>/dev/null || echo 0); }
log_has() { tail -n +$((${log_mark[$1]:-0} + 1)) "$1" | grep -E -- "$2" >/dev/null; }
keyed_sas() { ip -n "$IT_PREFIX$1" xfrm state | grep -Ec '^[[:space:]]+(enc|aead|auth-trunc|auth) ' || true; }
# the value of the last line of FreeRADIUS's log that shows ATTR
fr_last() { grep -E "^\([0-9]+\) +$1 = " "$fr_log" | tail -1 | sed 's/.* = //'; }

{
	conf_rw_gateway pki="$pki" cert=gw auth_method=eap-radius
	printf '%s\n' "/radius add address=127.0.0.1 secret=$secret service=ipsec authentication-port=18120 accounting-port=18121 timeout=1s" \
		"/ip ipsec settings set accounting=yes interim-update=3s"
} >"$(conf_file b)"
daemon_start b

# rw1's connection: gw.test's certificate, alice's EAP-MSCHAPv2 with PASSWORD.
rw_conf() {
	sw_conf_rw_client local=10.0.1.2 remote=203.0.113.2 auth=pubkey cert=rw1.pem \
		local_id=alice remote_id=gw.test updown="$(sw_updown rw1)" |
		sed -e '/certs = rw1.pem/d' \
			-e '0,/auth = pubkey/s//auth = eap-mschapv2\n\t\t\teap_id = alice/'
	printf '%s\n' 'secrets {' '	eap-alice {' '		id = alice' "		secret = \"$1\"" '	}' '}'
}

sw_start_rw rw1 rw1
require "strongSwan gets the CA" sw_install_pki rw1 "$pki" rw1

# --- 1. the right password
rw_conf Wonderland-42 >"$IT_WORK/rw1.swanctl.conf"
expect_grep "1. rw1 loads its connection" "loaded connection 'gw'" sw_load rw1 "$IT_WORK/rw1.swanctl.conf"
expect_ok "1. rw1 initiates" sw_initiate rw1 net
expect_ok "1. b's IKE SA is established" wait_until 10 ike_established b
expect_ok "1. FreeRADIUS accepted alice" grep -q "Sent Access-Accept" "$fr_log"
expect_ok "1. FreeRADIUS checked the Message-Authenticator of b's requests" \
	not grep -q "Message-Authenticator.*\(missing\|invalid\)" "$fr_log"
# strongSwan (no eap-identity plugin in Debian) refuses the Identity Request with a Nak
expect_ok "1. b took rw1's IKE identity for the refused EAP identity" \
	grep -q 'refused the EAP Identity Request: its IKE identity alice stands for it' "$b_log"
expect_ok "1. b logs RADIUS's accept" grep -q 'RADIUS 127.0.0.1.* accepted EAP user alice' "$b_log"
expect_ok "1. strongSwan verified gw.test's signature" \
	grep -Eq "authentication of 'gw\.test' with ECDSA.* successful" "$rw_log"
expect_ok "1. strongSwan's EAP-MSCHAPv2 succeeded" \
	grep -q 'EAP method EAP_MSCHAPV2 succeeded, MSK established' "$rw_log"
expect_ok "1. strongSwan checked b's MSK-based AUTH" \
	grep -Eq "authentication of 'gw\.test' with EAP successful" "$rw_log"
expect_grep "1. b's active-peers: eap-identity=alice" 'eap-identity="?alice' \
	ipsecctl_on b active-peers print detail
expect_eq "1. Framed-IP-Address 10.8.0.77 overrides the pool" 10.8.0.77 "$(dynamic_addresses b)"
expect_ok "1. b logs the RADIUS address" grep -q '10.8.0.77 given to .*Framed-IP-Address' "$b_log"
expect_ok "1. no lease of b's pool is taken" not lease_held b 10.8.0.10
expect_ok "1. FreeRADIUS answered an Accounting Start" \
	wait_until 5 grep -q "Acct-Status-Type = Start" "$fr_log"
expect_rw_traffic 1 rw1 10.8.0.77
expect_ok "1. an Interim-Update follows within interim-update" \
	wait_until 8 grep -q "Acct-Status-Type = Interim-Update" "$fr_log"
read -ra spis <<<"$(esp_spis rw1)"
b_bytes=0
for spi in "${spis[@]}"; do b_bytes=$((b_bytes + $(sa_bytes b esp "$spi"))); done
expect_ok "1. rw1 terminates" sw_terminate rw1 gw
expect_ok "1. b's IKE SA is gone" wait_until 5 no_ike_sa b
expect_ok "1. FreeRADIUS got the Stop" wait_until 5 grep -q "Acct-Status-Type = Stop" "$fr_log"
expect_ok "1. b logged the Stop" grep -q 'RADIUS accounting: Stop for alice' "$b_log"
in_oct=$(fr_last Acct-Input-Octets)
out_oct=$(fr_last Acct-Output-Octets)
log "Stop: Acct-Input-Octets=$in_oct Acct-Output-Octets=$out_oct"
expect_gt "1. the Stop counts bytes in" "${in_oct:-0}" 0
expect_gt "1. the Stop counts bytes out" "${out_oct:-0}" 0
expect_eq "1. the Stop's bytes are b's kernel SA counters" "$b_bytes" $((in_oct + out_oct))
expect_gt "1. the Stop counts packets in" "$(fr_last Acct-Input-Packets)" 0
expect_eq "1. the Stop's cause" User-Request "$(fr_last Acct-Terminate-Cause)"
expect_gt "1. FreeRADIUS answered every Accounting-Request" \
	"$(grep -c 'Sent Accounting-Response' "$fr_log")" 2

# --- 2. a wrong password
mark "$b_log"
mark "$rw_log"
rw_conf Looking-Glass-7 >"$IT_WORK/rw1.swanctl.conf"
sw_load rw1 "$IT_WORK/rw1.swanctl.conf" >/dev/null 2>&1
expect_fail "2. rw1's initiation fails" sw_initiate rw1 net
expect_ok "2. b logs the reject with the user" wait_until 5 log_has "$b_log" \
	'RADIUS 127.0.0.1.* rejected EAP user alice'
expect_ok "2. strongSwan saw the EAP failure" log_has "$rw_log" 'EAP_FAILURE|EAP method .* failed|received EAP_FAILURE'
expect_ok "2. b has no IKE SA" wait_until 5 no_ike_sa b
expect_eq "2. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
expect_eq "2. rw1's kernel has no keyed SA" 0 "$(keyed_sas rw1)"
expect_ok "strongSwan stops with status 0" sw_stop rw1
raddb_stop
finish
