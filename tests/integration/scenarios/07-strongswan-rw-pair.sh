#!/usr/bin/env bash
# Road warriors with strongSwan at both ends, without ipsecd: proves strongswan.sh's
# road-warrior helpers (sw_conf_rw_gateway, sw_conf_rw_client, sw_updown, sw_vip,
# sw_child_ts, sw_pool_leases) and lib.sh's topo_rw and expect_rw_traffic before the
# road-warrior scenarios (100-106) rely on them, and shows what strongSwan 5.9.8 does
# as a mode-config client. topo_rw 3, no NAT: a strongSwan gateway on b with a pool of
# two addresses (10.9.0.1-10.9.0.2, with DNS 192.168.50.53 and the subnet
# 192.168.50.0/24), three strongSwan clients rw1..rw3 (install_virtual_ip = yes, an
# updown script recording what they were given), all with one PSK.
#   1. rw1 gets 10.9.0.1: swanctl shows it, it is on rw1's eth0, updown saw it and the
#      DNS server, the CHILD_SA is 10.9.0.1/32 <-> 192.168.50.0/24 (narrowed from
#      0.0.0.0/0), b lists the lease online; pings cross both ways as ESP, counted by
#      the four SAs.
#   2. rw2 gets 10.9.0.2, and its tunnel works alike.
#   3. rw3 finds the pool empty: b answers INTERNAL_ADDRESS_FAILURE, rw3 logs it and
#      has no CHILD_SA (strongSwan keeps the IKE_SA); rw1 and rw2 keep theirs.
#   4. rw1 terminates: its address leaves its interface, updown ran down-client, b
#      shows the lease offline and has no SA with it; rw1 comes back and gets 10.9.0.1
#      again.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
SW_PLUGINS+=" updown"
require "strongSwan has its updown plugin" test -e "$SW_PLUGIN_DIR/libstrongswan-updown.so"
topo_rw 3
psk=rw-07-4c1e9a

sw_start b b
sw_conf_rw_gateway local=203.0.113.2 local_ts=192.168.50.0/24 pool_addrs=10.9.0.1-10.9.0.2 \
	pool_dns=192.168.50.53 pool_subnet=192.168.50.0/24 psk="$psk" >"$IT_WORK/b.swanctl.conf"
sw_load b "$IT_WORK/b.swanctl.conf" >"$IT_WORK/b.load" 2>&1 || true
expect_grep "b loads its connection" "loaded connection 'rw'" cat "$IT_WORK/b.load"
expect_grep "b loads its pool" "loaded pool 'rw'" cat "$IT_WORK/b.load"

# client I: starts rwI's charon with its configuration (and updown script).
client() {
	local up
	sw_start_rw "rw$1" "rw$1"
	up=$(sw_updown "rw$1")
	sw_conf_rw_client local=10.0."$1".2 remote=203.0.113.2 psk="$psk" updown="$up" \
		>"$IT_WORK/rw$1.swanctl.conf"
	expect_grep "rw$1 loads its connection" "loaded connection 'gw'" \
		sw_load "rw$1" "$IT_WORK/rw$1.swanctl.conf"
}
# on_eth0 HOST ADDR: ADDR is on HOST's eth0.
on_eth0() { ip -n "$(ns "$1")" -o addr show dev eth0 | grep " ${2//./\\.}/" >/dev/null; }
updown_log() { cat "$(sw_dir "$1")/run/updown.log"; }
log_of() { echo "$(sw_dir "$1")/run/charon.log"; }

# --- 1. and 2.
for i in 1 2; do
	vip=10.9.0.$i
	client "$i"
	expect_ok "$i. rw$i initiates" sw_initiate "rw$i" net
	expect_eq "$i. rw$i got $vip (swanctl)" "$vip" "$(sw_vip "rw$i" || echo none)"
	expect_ok "$i. $vip is on rw$i's eth0" on_eth0 "rw$i" "$vip"
	expect_grep "$i. updown saw the address and the DNS server" \
		"^up-client vip=${vip//./\\.} dns=192\\.168\\.50\\.53 " updown_log "rw$i"
	expect_grep "$i. rw$i parsed the configuration reply (address, DNS, subnet)" \
		'parsed IKE_AUTH response 1 \[.*CPRP\(ADDR DNS SUBNET\)' cat "$(log_of "rw$i")"
	expect_grep "$i. rw$i has no handler for INTERNAL_IP4_SUBNET (strongSwan 5.9.8)" \
		'handling INTERNAL_IP4_SUBNET attribute failed' cat "$(log_of "rw$i")"
	expect_eq "$i. rw$i's CHILD_SA: its side is $vip" "$vip/32" \
		"$(sw_child_ts "rw$i" net local || echo none)"
	expect_eq "$i. rw$i's CHILD_SA: b narrowed 0.0.0.0/0 to its network" 192.168.50.0/24 \
		"$(sw_child_ts "rw$i" net remote || echo none)"
	expect_grep "$i. b lists the lease online" "^ +${vip//./\\.} +online +'10\\.0\\.$i\\.2'" \
		sw_pool_leases b
	expect_rw_traffic "$i" "rw$i" "$vip"
done

# --- 3. the pool is empty
client 3
expect_fail "3. rw3's initiation fails" sw_initiate rw3 net
expect_grep "3. rw3 was told INTERNAL_ADDRESS_FAILURE" \
	'received INTERNAL_ADDRESS_FAILURE notify, no CHILD_SA built' cat "$(log_of rw3)"
expect_fail "3. rw3 has no CHILD_SA" sw_established rw3 net
expect_fail "3. rw3 has no virtual IP" sw_vip rw3
expect_grep "3. b logged why" 'no virtual IP found' cat "$(log_of b)"
for i in 1 2; do
	expect_ok "3. rw$i keeps its CHILD_SA" sw_established "rw$i" net
done
expect_eq "3. b holds two CHILD_SA pairs" 4 "$(esp_spis b | wc -w)"

# --- 4. rw1 leaves and comes back
expect_ok "4. rw1 terminates" sw_terminate rw1 gw
expect_ok "4. 10.9.0.1 leaves rw1's eth0" wait_until 5 not on_eth0 rw1 10.9.0.1
expect_grep "4. updown ran down-client" '^down-client vip=10\.9\.0\.1 ' updown_log rw1
expect_grep "4. b lists the lease offline" "^ +10\\.9\\.0\\.1 +offline" sw_pool_leases b
expect_eq "4. b holds rw2's CHILD_SA pair only" 2 "$(esp_spis b | wc -w)"
expect_ok "4. rw1 initiates again" sw_initiate rw1 net
expect_eq "4. rw1 got 10.9.0.1 again" 10.9.0.1 "$(sw_vip rw1 || echo none)"
expect_rw_traffic 4 rw1 10.9.0.1
for n in rw1 rw2 rw3 b; do expect_ok "charon $n stops with status 0" sw_stop "$n"; done
finish
