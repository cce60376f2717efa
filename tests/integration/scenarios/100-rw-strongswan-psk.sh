#!/usr/bin/env bash
# Road warrior (issue 15): a strongSwan client (vips = 0.0.0.0, PSK) on rw1 connects to
# ipsecd on b, an IKEv2 mode-config gateway (topo_rw 1, no NAT): /ip pool rw
# 10.8.0.10-10.8.0.12, mode-config rw with split-include=192.168.50.0/24 and
# static-dns=192.168.50.53, generate-policy=port-strict from the template
# 192.168.50.0/24 -> 10.8.0.0/24 of policy group rw.
#   - the client gets 10.8.0.10 (swanctl, on its eth0), the DNS server (its updown
#     script's PLUTO_DNS4_1) and the split network (a configuration reply with a subnet;
#     its CHILD_SA narrowed from 0.0.0.0/0 to 192.168.50.0/24);
#   - b: active-peers shows dynamic-address=10.8.0.10, /ip pool used the lease, its
#     kernel the three policies between 192.168.50.0/24 and 10.8.0.10/32 (none before),
#     policy print the generated one with flag D;
#   - pings from 10.8.0.10 to the host behind b and back, and from b itself, cross as
#     ESP (none in the clear), counted by both SAs at both ends;
#   - swanctl --terminate: b drops the IKE SA, the lease, the generated policies (kernel
#     and policy print) and the SAs; the address leaves the client's eth0.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
topo_rw 1
psk=rw-100-7d2c5e
conf_rw_gateway psk="$psk" >"$(conf_file b)"
daemon_start b
expect_ok "b: no generated policy before any client" no_gen_policy_in_kernel b 10.8.0.10
expect_ok "b: no lease before any client" lease_free b 10.8.0.10

sw_start_rw rw1 rw1
sw_conf_rw_client local=10.0.1.2 remote=203.0.113.2 psk="$psk" updown="$(sw_updown rw1)" \
	>"$IT_WORK/rw1.swanctl.conf"
expect_grep "rw1 loads its connection" "loaded connection 'gw'" sw_load rw1 "$IT_WORK/rw1.swanctl.conf"
expect_ok "rw1 initiates" sw_initiate rw1 net
expect_ok "b's IKE SA is established" wait_until 5 ike_established b
expect_sw_rw_client 1 rw1 10.8.0.10 192.168.50.53 192.168.50.0/24

expect_eq "b's active-peers: dynamic-address=10.8.0.10" 10.8.0.10 "$(dynamic_addresses b)"
expect_ok "b's /ip pool used lists the lease of 10.8.0.10" lease_held b 10.8.0.10
pool_used b >"$IT_WORK/leases" || true
_it_show "b's /ip pool used (pool address owner info flags)" "$IT_WORK/leases"
expect_ok "b's kernel: the policies 192.168.50.0/24 <-> 10.8.0.10/32 (out, in, fwd)" \
	gen_policies_in_kernel b 192.168.50.0/24 10.8.0.10/32
expect_ok "b's policy print: the generated policy, flag D" \
	gen_policy_shown b 192.168.50.0/24 10.8.0.10/32
expect_fail "b's kernel: no policy for what the template did not grant (0.0.0.0/0)" \
	policy_exists b out 0.0.0.0/0 10.8.0.10/32

expect_rw_traffic 1 rw1 10.8.0.10

read -ra spis <<<"$(esp_spis rw1)"
expect_ok "rw1 terminates" sw_terminate rw1 gw
expect_ok "b's IKE SA is gone" wait_until 5 no_ike_sa b
expect_ok "b's lease of 10.8.0.10 is released" wait_until 5 lease_free b 10.8.0.10
expect_ok "b's kernel: the generated policies are gone" wait_until 5 no_gen_policy_in_kernel b 10.8.0.10
expect_ok "b's policy print: the generated policy is gone" \
	gen_policy_gone b 192.168.50.0/24 10.8.0.10/32
for spi in "${spis[@]}"; do expect_fail "b's kernel: SA $spi is gone" sa_exists b esp "$spi"; done
expect_eq "b's kernel holds no ESP SA" 0 "$(esp_spis b | wc -w)"
expect_ok "10.8.0.10 left rw1's eth0" wait_until 5 not addr_on rw1 eth0 10.8.0.10
expect_ok "strongSwan stops with status 0" sw_stop rw1
finish
