#!/usr/bin/env bash
# Two road warriors behind one NAT (issue 15): strongSwan clients rw1 and rw2 (PSK, each
# its own ID, its private address) behind the masquerading router nat (topo_rw 2,
# nat_masquerade) connect to ipsecd on b, the mode-config gateway of 100, at once. Both
# IKE SAs come from the NAT's address; each client gets its own address from the pool
# (two different ones in 10.8.0.10-10.8.0.12), shown in b's active-peers and /ip pool
# used, with its own generated policies in b's kernel; pings cross each tunnel both
# ways as ESP in UDP (NAT-T). Then b kills rw1's IKE SA by its address
# (active-peers kill-connections dynamic-address=...): rw1's IKE SA, lease, policies
# and SAs go at b and strongSwan on rw1 learns it, while rw2's stay as they were and
# its tunnel still carries pings.
#
# The NAT needs iptables (Debian package iptables; its legacy back end in user-mode
# Linux): without it the scenario fails, saying so.
# Several charons and many process starts: 70-120 s on a loaded 2-CPU machine.
# timeout: 240
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
topo_rw 2
require "nat masquerades the clients (iptables)" nat_masquerade
psk=rw-102-51f0aa
conf_rw_gateway psk="$psk" >"$(conf_file b)"
daemon_start b

declare -A vip
for i in 1 2; do
	sw_start_rw "rw$i" "rw$i"
	sw_conf_rw_client local=10.0."$i".2 remote=203.0.113.2 psk="$psk" \
		updown="$(sw_updown "rw$i")" >"$IT_WORK/rw$i.swanctl.conf"
	expect_grep "rw$i loads its connection" "loaded connection 'gw'" \
		sw_load "rw$i" "$IT_WORK/rw$i.swanctl.conf"
	expect_ok "rw$i initiates" sw_initiate "rw$i" net
	vip[$i]=$(sw_vip "rw$i") || vip[$i]=none
	expect_grep "rw$i's address (${vip[$i]}) is from the pool" '^10\.8\.0\.1[0-2]$' echo "${vip[$i]}"
	expect_sw_rw_client "$i" "rw$i" "${vip[$i]}" 192.168.50.53 192.168.50.0/24
done
expect_ok "the two addresses differ" test "${vip[1]}" != "${vip[2]}"
# both_up: b has two established IKE SAs, both with the NAT's address
both_up() {
	[ "$(ike_count b)" = 2 ] &&
		[ "$(_it_json_rows b active-peers remote-address | cut -f1 | sort -u)" = 203.0.113.1 ]
}
expect_ok "b has two IKE SAs, both from the NAT's address" wait_until 5 both_up
expect_eq "b's active-peers: both dynamic addresses" \
	"$(printf '%s\n' "${vip[@]}" | sort)" "$(dynamic_addresses b)"
expect_eq "b's SAs are all ESP in UDP (NAT-T)" 4 "$(encap_count b)"
for i in 1 2; do
	expect_ok "b's /ip pool used lists ${vip[$i]}" lease_held b "${vip[$i]}"
	expect_ok "b's kernel: rw$i's policies (192.168.50.0/24 <-> ${vip[$i]}/32)" \
		gen_policies_in_kernel b 192.168.50.0/24 "${vip[$i]}/32"
	expect_ok "b's policy print: rw$i's generated policy, flag D" \
		gen_policy_shown b 192.168.50.0/24 "${vip[$i]}/32"
done
for i in 1 2; do expect_rw_traffic "$i" "rw$i" "${vip[$i]}" 'udp port 4500'; done

# --- b kills rw1 by its address
read -ra spis1 <<<"$(esp_spis rw1)"
spis2=$(esp_spis rw2)
ike2=$(sw_ike_spis rw2) || ike2=
expect_ok "b kills the IKE SA of ${vip[1]}" \
	ipsecctl_on b active-peers kill-connections dynamic-address="${vip[1]}"
expect_ok "b has one IKE SA left" wait_until 5 test "$(ike_count b)" = 1
expect_eq "b's active-peers: rw2's address only" "${vip[2]}" "$(dynamic_addresses b)"
expect_ok "strongSwan on rw1 learns that its IKE_SA is gone" wait_until 5 not sw_established rw1
expect_ok "b's lease of ${vip[1]} is released" wait_until 5 lease_free b "${vip[1]}"
expect_ok "b's lease of ${vip[2]} stays" lease_held b "${vip[2]}"
expect_ok "b's kernel: rw1's policies are gone" wait_until 5 no_gen_policy_in_kernel b "${vip[1]}"
expect_ok "b's policy print: rw1's generated policy is gone" \
	gen_policy_gone b 192.168.50.0/24 "${vip[1]}/32"
for spi in "${spis1[@]}"; do expect_fail "b's kernel: rw1's SA $spi is gone" sa_exists b esp "$spi"; done
expect_ok "b's kernel: rw2's policies stay" gen_policies_in_kernel b 192.168.50.0/24 "${vip[2]}/32"
expect_same "b's kernel: rw2's SAs stay (the only ones)" "$spis2" "$(esp_spis b)"
expect_same "rw2's IKE_SA is the same" "$ike2" "$(sw_ike_spis rw2 || true)"
expect_rw_traffic 3 rw2 "${vip[2]}" 'udp port 4500'
for i in 1 2; do expect_ok "strongSwan on rw$i stops with status 0" sw_stop "rw$i"; done
finish
