#!/usr/bin/env bash
# ipsecd as a road-warrior client (issue 15) of a strongSwan gateway: strongSwan on b
# answers any client with PSK, gives it an address from pool rw (10.9.0.0/28, with DNS
# 192.168.50.53 and the subnet 192.168.50.0/24) and tunnels 192.168.50.0/24 to it;
# ipsecd on rw1 (topo_rw 1, no NAT) has a mode-config item with responder=no, its
# identity generate-policy=port-strict from the template "-> 192.168.50.0/24" of group
# cl. It initiates on its own at start:
#   - strongSwan leases it an address (swanctl --list-pools --leases: online), which
#     ipsecd's active-peers shows as dynamic-address and ipsecd puts on rw1's eth0;
#   - rw1's kernel has the policies between that address and 192.168.50.0/24 (out, in,
#     fwd), and policy print the generated one with flag D;
#   - pings from the address to the host behind b and back, and from b, cross as ESP
#     counted by both SAs at both ends;
#   - strongSwan stops accepting (its connection unloaded) and terminates the IKE_SA:
#     ipsecd drops the address from eth0, its generated policies (kernel and policy
#     print) and its SAs, and has no IKE SA established.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
topo_rw 1
psk=rw-105-9e04f1
sw_start b b
sw_conf_rw_gateway local=203.0.113.2 local_ts=192.168.50.0/24 pool_addrs=10.9.0.0/28 \
	pool_dns=192.168.50.53 pool_subnet=192.168.50.0/24 psk="$psk" >"$IT_WORK/b.swanctl.conf"
sw_load b "$IT_WORK/b.swanctl.conf" >"$IT_WORK/b.load" 2>&1 || true
expect_grep "b loads its connection" "loaded connection 'rw'" cat "$IT_WORK/b.load"
expect_grep "b loads its pool" "loaded pool 'rw'" cat "$IT_WORK/b.load"

conf_rw_client gw=203.0.113.2 psk="$psk" >"$(conf_file rw1)"
daemon_start rw1 # it initiates at once
expect_ok "ipsecd's IKE SA is established" wait_until 15 ike_established rw1
expect_ok "strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established b net 10
# lease: the address strongSwan lists online
lease() { sw_pool_leases b | awk '$2 == "online" { print $1; exit }'; }
vip=$(lease) || vip=
[ -n "$vip" ] || vip=none
sw_pool_leases b >"$IT_WORK/leases" 2>&1 || true
_it_show "strongSwan's pools and leases" "$IT_WORK/leases"
expect_grep "strongSwan leased an address of 10.9.0.0/28 ($vip)" '^10\.9\.0\.([1-9]|1[0-4])$' echo "$vip"
expect_eq "ipsecd's active-peers: dynamic-address=$vip" "$vip" "$(dynamic_addresses rw1)"
expect_ok "ipsecd put $vip on rw1's eth0" wait_until 5 addr_on rw1 eth0 "$vip"
expect_ok "rw1's kernel: the policies $vip/32 <-> 192.168.50.0/24 (out, in, fwd)" \
	gen_policies_in_kernel rw1 "$vip/32" 192.168.50.0/24
expect_ok "rw1's policy print: the generated policy, flag D" \
	gen_policy_shown rw1 "$vip/32" 192.168.50.0/24
expect_ok "b's kernel (strongSwan): the policies 192.168.50.0/24 <-> $vip/32" \
	gen_policies_in_kernel b 192.168.50.0/24 "$vip/32"
expect_rw_traffic 1 rw1 "$vip"

read -ra spis <<<"$(esp_spis rw1)"
# strongSwan forgets the connection (so that ipsecd's new attempts fail), then ends
# the IKE_SA
printf '%s\n' 'connections {' '}' >"$IT_WORK/b-empty.swanctl.conf"
sw_load b "$IT_WORK/b-empty.swanctl.conf" >/dev/null 2>&1 || true
expect_fail "b has unloaded its connection" grep -q '^rw:' <(swanctl_on b --list-conns)
expect_ok "b terminates the IKE_SA" swanctl_on b --terminate --ike rw --timeout 30
expect_ok "ipsecd's IKE SA is gone" wait_until 10 not ike_established rw1
expect_ok "$vip left rw1's eth0" wait_until 5 not addr_on rw1 eth0 "$vip"
expect_ok "rw1's kernel: the generated policies are gone" \
	wait_until 5 no_gen_policy_in_kernel rw1 "$vip"
expect_ok "rw1's policy print: the generated policy is gone" \
	gen_policy_gone rw1 "$vip/32" 192.168.50.0/24
for spi in "${spis[@]}"; do expect_fail "rw1's kernel: SA $spi is gone" sa_exists rw1 esp "$spi"; done
expect_ok "ipsecd's active-peers: no dynamic address" no_dynamic_address rw1
expect_ok "strongSwan stops with status 0" sw_stop b
finish
