#!/usr/bin/env bash
# timeout: 240
# Interop, IKEv2 road warrior: Libreswan 4.10 on rw1 as a mode-config client (IKEv2,
# leftmodecfgclient=yes, a pre-shared key) to ipsecd on b, the IKEv2 gateway of 100
# (topo_rw 1, no NAT; conf_rw_gateway: pool 10.8.0.10-10.8.0.12, split-include
# 192.168.50.0/24, static-dns 192.168.50.53, generate-policy from the template
# 192.168.50.0/24 -> 10.8.0.0/24):
#   - IKE_SA_INIT and IKE_AUTH with a configuration request: Libreswan gets 10.8.0.10
#     and the DNS server (its updown script sees them and puts the address on rw1's
#     eth0), its CHILD SA is 10.8.0.10/32 <-> 192.168.50.0/24;
#   - b: active-peers shows the dynamic address, /ip pool used the lease, its kernel and
#     policy print the generated policies;
#   - pings from 10.8.0.10 to the host behind b and back, and from b, cross as ESP (none
#     in the clear), counted by both SAs at both ends;
#   - Libreswan deletes its IKE SA (whack --terminate): b drops it, the lease, the
#     generated policies and the SAs, and the address leaves rw1's eth0.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../libreswan.sh
. "$IT_DIR/libreswan.sh"

ls_require
topo_rw 1
psk=v2-rw-143-0e9d
conf_rw_gateway psk="$psk" >"$(conf_file b)"
daemon_start b
expect_ok "b: no lease before any client" lease_free b 10.8.0.10

ls_conf gw ikev2=yes authby=secret left=10.0.1.2 leftmodecfgclient=yes right=203.0.113.2 \
	rightsubnet=192.168.50.0/24 ike=aes256-sha2_256-modp2048 esp=aes256-sha2_256 \
	auto=add >"$IT_WORK/rw1.ipsec.conf"
printf '%s\n' "10.0.1.2 203.0.113.2 : PSK \"$psk\"" >"$IT_WORK/rw1.secrets"
require "pluto starts on rw1 and loads its connection" \
	ls_start rw1 rw1 "$IT_WORK/rw1.ipsec.conf" "$IT_WORK/rw1.secrets"

expect_ok "Libreswan initiates (IKE_SA_INIT, IKE_AUTH with a configuration request)" \
	ls_initiate rw1 gw
expect_ok "Libreswan has the CHILD SA up" ls_wait_established rw1 gw 10
expect_grep "Libreswan's IKE SA is IKEv2" 'STATE_V2_ESTABLISHED_IKE_SA' ls_whack rw1 --showstates
expect_ok "b's IKE SA is established" wait_until 5 ike_established b
expect_eq "Libreswan got 10.8.0.10 (updown)" 10.8.0.10 "$(ls_vip rw1 || echo none)"
expect_grep "Libreswan's updown saw the DNS server 192.168.50.53" \
	'^up-client vip=10\.8\.0\.10 dns=192\.168\.50\.53' cat "$(ls_dir rw1)/updown.log"
expect_grep "Libreswan's CHILD SA: 10.8.0.10/32 <-> 192.168.50.0/24" \
	'^up-client .* me=10\.8\.0\.10/32 peer=192\.168\.50\.0/24' cat "$(ls_dir rw1)/updown.log"
expect_ok "10.8.0.10 is on rw1's eth0" addr_on rw1 eth0 10.8.0.10
expect_eq "b's active-peers: dynamic-address=10.8.0.10" 10.8.0.10 "$(dynamic_addresses b)"
expect_ok "b's /ip pool used lists the lease of 10.8.0.10" lease_held b 10.8.0.10
expect_ok "b's kernel: the policies 192.168.50.0/24 <-> 10.8.0.10/32 (out, in, fwd)" \
	gen_policies_in_kernel b 192.168.50.0/24 10.8.0.10/32
expect_ok "b's policy print: the generated policy, flag D" \
	gen_policy_shown b 192.168.50.0/24 10.8.0.10/32

expect_rw_traffic 1 rw1 10.8.0.10

read -ra spis <<<"$(esp_spis rw1)"
expect_ok "Libreswan deletes its IKE SA (whack --terminate)" ls_down rw1 gw
expect_ok "b's IKE SA is gone" wait_until 10 no_ike_sa b
expect_ok "b's lease of 10.8.0.10 is released" wait_until 5 lease_free b 10.8.0.10
expect_ok "b's kernel: the generated policies are gone" \
	wait_until 5 no_gen_policy_in_kernel b 10.8.0.10
for spi in "${spis[@]}"; do expect_fail "b's kernel: SA $spi is gone" sa_exists b esp "$spi"; done
expect_ok "10.8.0.10 left rw1's eth0" wait_until 5 not addr_on rw1 eth0 10.8.0.10
expect_ok "pluto stops with status 0" ls_stop rw1
finish
