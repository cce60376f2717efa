#!/usr/bin/env bash
# Road warrior with ipsecd at both ends (issue 15): ipsecd on b is the mode-config
# gateway of 100 (pool 10.8.0.10-10.8.0.12, split-include 192.168.50.0/24, static-dns,
# template 192.168.50.0/24 -> 10.8.0.0/24); ipsecd on rw1 (topo_rw 1, no NAT) is its
# client with the built-in mode-config=request-only and the template "-> 192.168.50.0/24"
# of group cl. rw1 initiates on its own at start:
#   1. both active-peers show dynamic-address=10.8.0.10, b's /ip pool used the lease;
#      rw1 puts 10.8.0.10 on its eth0; rw1's kernel has the policies 10.8.0.10/32 <->
#      192.168.50.0/24 and b's the reverse, each policy print its generated one with
#      flag D; pings from 10.8.0.10 to the host behind b and back, and from b, cross
#      as ESP counted by both SAs at both ends.
#   2. ipsecd on rw1 stops (SIGTERM, status 0): rw1's address, policies and SAs leave
#      its kernel; b drops the IKE SA, the generated policies (kernel and policy print)
#      and the SAs, and keeps 10.8.0.10 for rw1 (/ip pool used: kept).
#   3. ipsecd on rw1 starts again and gets 10.8.0.10 back; the tunnel carries pings.
# Two daemon starts with initiation and three traffic rounds: up to 85 s on a loaded machine.
# timeout: 240
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

topo_rw 1
psk=rw-106-2a77e3
conf_rw_gateway psk="$psk" >"$(conf_file b)"
conf_rw_client gw=203.0.113.2 psk="$psk" mode_config=request-only >"$(conf_file rw1)"
daemon_start b
vip=10.8.0.10

# up LABEL: the checks of 1. (and 3.)
up() {
	local l=$1
	expect_ok "$l. rw1's IKE SA is established" wait_until 15 ike_established rw1
	expect_ok "$l. b's IKE SA is established" wait_until 5 ike_established b
	expect_eq "$l. rw1's active-peers: dynamic-address=$vip" "$vip" "$(dynamic_addresses rw1)"
	expect_eq "$l. b's active-peers: dynamic-address=$vip" "$vip" "$(dynamic_addresses b)"
	expect_ok "$l. b's /ip pool used lists the lease of $vip" lease_held b "$vip"
	expect_ok "$l. rw1 put $vip on its eth0" wait_until 5 addr_on rw1 eth0 "$vip"
	expect_ok "$l. rw1's kernel: the policies $vip/32 <-> 192.168.50.0/24 (out, in, fwd)" \
		wait_until 5 gen_policies_in_kernel rw1 "$vip/32" 192.168.50.0/24
	expect_ok "$l. rw1's policy print: the generated policy, flag D" \
		gen_policy_shown rw1 "$vip/32" 192.168.50.0/24
	expect_ok "$l. b's kernel: the policies 192.168.50.0/24 <-> $vip/32 (out, in, fwd)" \
		gen_policies_in_kernel b 192.168.50.0/24 "$vip/32"
	expect_ok "$l. b's policy print: the generated policy, flag D" \
		gen_policy_shown b 192.168.50.0/24 "$vip/32"
	expect_rw_traffic "$l" rw1 "$vip"
}

# --- 1.
daemon_start rw1 # it initiates at once
up 1

# --- 2. the client stops
read -ra spis <<<"$(esp_spis rw1)"
expect_ok "2. ipsecd on rw1 stops with status 0" daemon_stop rw1
expect_fail "2. $vip left rw1's eth0" addr_on rw1 eth0 "$vip"
expect_ok "2. rw1's kernel: no policy for $vip" no_gen_policy_in_kernel rw1 "$vip"
expect_eq "2. rw1's kernel: no ESP SA" 0 "$(esp_spis rw1 | wc -w)"
expect_ok "2. b's IKE SA is gone" wait_until 5 no_ike_sa b
expect_ok "2. b's kernel: the generated policies are gone" \
	wait_until 5 no_gen_policy_in_kernel b "$vip"
expect_ok "2. b's policy print: the generated policy is gone" \
	gen_policy_gone b 192.168.50.0/24 "$vip/32"
for spi in "${spis[@]}"; do expect_fail "2. b's kernel: SA $spi is gone" sa_exists b esp "$spi"; done
expect_eq "2. b keeps $vip for rw1 (/ip pool used: kept)" kept "$(lease_info b "$vip")"

# --- 3. the client comes back
daemon_start rw1
up 3
finish
