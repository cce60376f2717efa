#!/usr/bin/env bash
# timeout: 180
# IKEv1 XAuth through RADIUS (issue 17), ipsecd as the gateway: b (a passive main-mode
# peer, auth-method=pre-shared-key-xauth, /ip ipsec settings xauth-use-radius=yes
# accounting=yes interim-update=3s, /radius 127.0.0.1 service=ipsec) answers the
# strongSwan road warrior rw1 (version = 1: PSK, then XAuth as alice, then mode-config
# pull), sending alice's name and password to FreeRADIUS (tests/radius/raddb.sh, PAP) in
# b's namespace on 127.0.0.1:18120/18121. b's own /ip ipsec user alice has another
# password: with xauth-use-radius=yes only RADIUS decides.
#   1. A wrong password: FreeRADIUS rejects alice, b logs the reject with the user and
#      deletes the ISAKMP SA, rw1 has no IPsec SA, no keyed SA at either end.
#   2. The right password: FreeRADIUS accepts alice with Framed-IP-Address 10.8.0.77,
#      which rw1 gets by mode-config instead of a lease of b's pool; active-peers shows
#      xauth-user=alice; pings cross both ways as ESP counted at both ends; FreeRADIUS
#      answers Accounting Start, then an Interim-Update, and after rw1 terminates a Stop
#      with non-zero Acct-Input-Octets and Acct-Output-Octets (their sum is what b's two
#      kernel SAs counted) and Acct-Terminate-Cause = User-Request.
# No sleeps: every wait polls.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"
# shellcheck source=../../radius/raddb.sh
. "$IT_DIR/../radius/raddb.sh"

SW_PLUGINS="$SW_PLUGINS xauth-generic"

require "strongSwan is installed" sw_require
require "FreeRADIUS is installed (freeradius)" command -v freeradius
topo_rw 1

# FreeRADIUS stops with the scenario, whatever the way out.
_r_prev=$(trap -p EXIT)
_r_prev=${_r_prev#trap -- }
eval "_r_prev=${_r_prev% EXIT}"
trap 'rc=$?; raddb_stop; (exit $rc); '"$_r_prev" EXIT

secret=radius-Secret-122
psk=v1-xauth-122-7c1e
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
	conf_rw_gateway psk="$psk" dh=modp2048 |
		sed -e 's/exchange-mode=ike2/exchange-mode=main/' \
			-e 's/auth-method=pre-shared-key /auth-method=pre-shared-key-xauth /'
	printf '%s\n' "/ip ipsec user add name=alice password=Not-The-RADIUS-One" \
		"/radius add address=127.0.0.1 secret=$secret service=ipsec authentication-port=18120 accounting-port=18121 timeout=1s" \
		"/ip ipsec settings set xauth-use-radius=yes accounting=yes interim-update=3s"
} >"$(conf_file b)"
daemon_start b
expect_ok "b loads xauth-use-radius=yes without a warning" \
	not grep -q 'xauth-use-radius=yes is not done' "$b_log"

# rw1's connection: the PSK (main mode), then XAuth as alice with PASSWORD, then an address
# by mode-config (pull).
rw_conf() {
	cat <<-EOC
		connections {
			gw {
				version = 1
				local_addrs = 10.0.1.2
				remote_addrs = 203.0.113.2
				vips = 0.0.0.0
				proposals = aes256-sha256-modp2048
				send_certreq = no
				local-psk {
					auth = psk
				}
				local-xauth {
					auth = xauth
					xauth_id = alice
				}
				remote {
					auth = psk
				}
				children {
					net {
						remote_ts = 192.168.50.0/24
						esp_proposals = aes256-sha256
						updown = $(sw_updown rw1)
					}
				}
			}
		}
		secrets {
			ike-gw {
				secret = "$psk"
			}
			xauth-alice {
				id = alice
				secret = "$1"
			}
		}
	EOC
}

sw_start_rw rw1 rw1

# --- 1. a wrong password
rw_conf Looking-Glass-7 >"$IT_WORK/rw1.swanctl.conf"
expect_grep "1. rw1 loads its connection" "loaded connection 'gw'" sw_load rw1 "$IT_WORK/rw1.swanctl.conf"
mark "$b_log"
expect_fail "1. rw1's initiation fails" sw_initiate rw1 net
expect_ok "1. FreeRADIUS rejected alice" wait_until 5 grep -q "Sent Access-Reject" "$fr_log"
expect_ok "1. b logs the reject with the user" wait_until 5 log_has "$b_log" \
	'XAuth: RADIUS 127.0.0.1.* rejected user alice'
expect_ok "1. strongSwan was told XAuth failed" grep -Eiq 'xauth.*fail|FAILED' "$rw_log"
expect_ok "1. b has no IKE SA" wait_until 5 no_ike_sa b
expect_eq "1. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
expect_eq "1. rw1's kernel has no keyed SA" 0 "$(keyed_sas rw1)"
expect_ok "1. b did not use its own user alice" not log_has "$b_log" 'user alice logged in'

# --- 2. the right password
mark "$b_log"
sw_terminate rw1 gw >/dev/null 2>&1 || true
rw_conf Wonderland-42 >"$IT_WORK/rw1.swanctl.conf"
expect_grep "2. rw1 loads its connection" "loaded connection 'gw'" sw_load rw1 "$IT_WORK/rw1.swanctl.conf"
expect_ok "2. rw1 initiates" sw_initiate rw1 net
expect_ok "2. b's ISAKMP SA is established" wait_until 10 ike_established b
expect_ok "2. FreeRADIUS accepted alice" grep -q "Sent Access-Accept" "$fr_log"
expect_ok "2. FreeRADIUS checked the Message-Authenticator of b's requests" \
	not grep -q "Message-Authenticator.*\(missing\|invalid\)" "$fr_log"
expect_ok "2. b's Access-Request had NAS-Port-Type = Virtual" \
	grep -q "NAS-Port-Type = Virtual" "$fr_log"
expect_ok "2. b's Access-Request had Calling-Station-Id = rw1's address" \
	grep -q 'Calling-Station-Id = "10.0.1.2"' "$fr_log"
expect_ok "2. b's Access-Request had NAS-IP-Address" \
	grep -q "NAS-IP-Address = 127.0.0.1" "$fr_log"
expect_ok "2. b's Access-Request had Service-Type" grep -q "Service-Type = Framed-User" "$fr_log"
expect_ok "2. FreeRADIUS read the hidden User-Password (PAP)" \
	grep -q "pap: Login attempt with password" "$fr_log"
expect_ok "2. b logs RADIUS's accept" log_has "$b_log" 'XAuth: RADIUS 127.0.0.1.* accepted user alice'
expect_ok "2. strongSwan passed XAuth" grep -Eq "XAuth authentication of 'alice' .*successful" "$rw_log"
expect_grep "2. b's active-peers: xauth-user=alice" 'xauth-user="?alice' \
	ipsecctl_on b active-peers print detail
expect_eq "2. Framed-IP-Address 10.8.0.77 overrides the pool" 10.8.0.77 "$(dynamic_addresses b)"
expect_ok "2. no lease of b's pool is taken" not lease_held b 10.8.0.10
expect_ok "2. rw1 holds 10.8.0.77" wait_until 5 on rw1 ip -4 addr show to 10.8.0.77/32
expect_ok "2. FreeRADIUS answered an Accounting Start" \
	wait_until 5 grep -q "Acct-Status-Type = Start" "$fr_log"
expect_rw_traffic 2 rw1 10.8.0.77
expect_ok "2. an Interim-Update follows within interim-update" \
	wait_until 8 grep -q "Acct-Status-Type = Interim-Update" "$fr_log"
read -ra spis <<<"$(esp_spis rw1)"
b_bytes=0
for spi in "${spis[@]}"; do b_bytes=$((b_bytes + $(sa_bytes b esp "$spi"))); done
expect_ok "2. rw1 terminates" sw_terminate rw1 gw
expect_ok "2. b's ISAKMP SA is gone" wait_until 10 no_ike_sa b
expect_ok "2. FreeRADIUS got the Stop" wait_until 5 grep -q "Acct-Status-Type = Stop" "$fr_log"
expect_ok "2. b logged the Stop" grep -q 'RADIUS accounting: Stop for alice' "$b_log"
in_oct=$(fr_last Acct-Input-Octets)
out_oct=$(fr_last Acct-Output-Octets)
log "Stop: Acct-Input-Octets=$in_oct Acct-Output-Octets=$out_oct"
expect_gt "2. the Stop counts bytes in" "${in_oct:-0}" 0
expect_gt "2. the Stop counts bytes out" "${out_oct:-0}" 0
expect_eq "2. the Stop's bytes are b's kernel SA counters" "$b_bytes" $((in_oct + out_oct))
expect_gt "2. the Stop counts packets in" "$(fr_last Acct-Input-Packets)" 0
expect_eq "2. the Stop's cause" User-Request "$(fr_last Acct-Terminate-Cause)"
expect_eq "2. the Stop's user" '"alice"' "$(fr_last User-Name)"
expect_ok "strongSwan stops with status 0" sw_stop rw1
raddb_stop
finish
