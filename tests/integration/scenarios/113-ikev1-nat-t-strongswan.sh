#!/usr/bin/env bash
# IKEv1 NAT traversal (RFC 3947) against strongSwan, main mode with a pre-shared key, in
# both roles, through a router "nat" that masquerades a's private address and source
# ports (as 92 for IKEv2):
#   1. ipsecd on a, behind the NAT, initiates to strongSwan on b outside;
#   2. strongSwan on a, behind the NAT, initiates to ipsecd on b outside;
#   3. and 4. the same in aggressive mode (the initiator's NAT-D come in its last
#      message, which it sends from port 4500 already).
# Each time the NAT-D payloads reveal the NAT, the ISAKMP SA floats to port 4500, both
# kernels' IPsec SAs are UDP-encapsulated (b's towards the port the NAT chose), ipsecd's
# active-peers shows natt-peer=yes, a ping between the subnets behind a and b crosses the
# NAT as ESP in UDP, never as plain ESP, and all four SAs count it.
#
# The NAT needs iptables (Debian package iptables; its legacy back end: user-mode
# Linux has no nf_tables): without it the scenario fails, saying so.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
topo_nat
require "nat masquerades a (iptables)" nat_masquerade
expect_ok "a reaches b through the NAT (plain ping)" ping_ok a 203.0.113.2

# counted LABEL: each of the SAs in a's and b's kernels (a pair each, the same SPIs)
# counted the pings.
counted() {
	local h spi spis
	read -ra spis <<<"$(esp_spis a)"
	expect_eq "$1. a and b hold the same SA pair (${spis[*]})" "$(esp_spis a)" "$(esp_spis b)"
	for h in a b; do
		for spi in "${spis[@]}"; do
			expect_gt "$1. $h's SA $spi counted" "$(sa_packets "$h" esp "$spi" || true)" 0
		done
	done
}

psk=v1-nat-t-113-2e7f
# --- 1. ipsecd a (behind the NAT) -> strongSwan b. strongSwan knows a by the NAT's
# address and a's identity, its private address.
conf_ike peer=203.0.113.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="$psk" \
	exchange=main >"$(conf_file a)"
sw_conf_psk version=1 local=203.0.113.2 remote=203.0.113.1 remote_id=10.0.1.2 \
	local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" >"$IT_WORK/b.swanctl.conf"
sw_start b b
expect_grep "1. b loads its connection" "loaded connection 'gw'" sw_load b "$IT_WORK/b.swanctl.conf"
daemon_start a
expect_ok "1. ipsecd's ISAKMP SA is established" wait_until 15 ike_established a
expect_ok "1. strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established b net 10
expect_grep "1. strongSwan's IKE_SA is IKEv1 on port 4500" 'ESTABLISHED, IKEv1' sw_list_sas b
expect_grep "1. strongSwan saw the NAT" 'local  .*\[4500\]' sw_list_sas b
expect_nat_t 1
counted 1
expect_ok "1. strongSwan stops with status 0" sw_stop b
expect_ok "1. ipsecd on a stops with status 0" daemon_stop a

# --- 2. strongSwan a (behind the NAT) -> ipsecd b. ipsecd knows a by the NAT's
# address (its remote-id is auto: the key authenticates).
conf_ike peer=203.0.113.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" \
	passive=yes exchange=main >"$(conf_file b)"
sw_conf_psk version=1 local=10.0.1.2 remote=203.0.113.2 local_ts=10.1.0.0/24 \
	remote_ts=10.2.0.0/24 psk="$psk" >"$IT_WORK/a.swanctl.conf"
daemon_start b
sw_start a a
expect_grep "2. a loads its connection" "loaded connection 'gw'" sw_load a "$IT_WORK/a.swanctl.conf"
expect_ok "2. strongSwan initiates" sw_initiate a net
expect_ok "2. ipsecd's ISAKMP SA is established" wait_until 5 ike_established b
expect_nat_t 2
counted 2
expect_ok "2. strongSwan stops with status 0" sw_stop a
expect_ok "2. ipsecd on b stops with status 0" daemon_stop b

# --- 3. ipsecd a (behind the NAT) -> strongSwan b, aggressive mode
conf_ike peer=203.0.113.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="$psk" \
	exchange=aggressive >"$(conf_file a)"
sw_conf_psk version=1 aggressive=yes local=203.0.113.2 remote=203.0.113.1 remote_id=10.0.1.2 \
	local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" >"$IT_WORK/b.swanctl.conf"
sw_start b b "i_dont_care_about_security_and_use_aggressive_mode_psk = yes"
expect_grep "3. b loads its connection" "loaded connection 'gw'" sw_load b "$IT_WORK/b.swanctl.conf"
daemon_start a
expect_ok "3. ipsecd's ISAKMP SA is established" wait_until 15 ike_established a
expect_ok "3. strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established b net 10
expect_nat_t 3
counted 3
expect_ok "3. strongSwan stops with status 0" sw_stop b
expect_ok "3. ipsecd on a stops with status 0" daemon_stop a

# --- 4. strongSwan a (behind the NAT) -> ipsecd b, aggressive mode
conf_ike peer=203.0.113.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" \
	passive=yes exchange=aggressive >"$(conf_file b)"
sw_conf_psk version=1 aggressive=yes local=10.0.1.2 remote=203.0.113.2 local_ts=10.1.0.0/24 \
	remote_ts=10.2.0.0/24 psk="$psk" >"$IT_WORK/a.swanctl.conf"
daemon_start b
sw_start a a
expect_grep "4. a loads its connection" "loaded connection 'gw'" sw_load a "$IT_WORK/a.swanctl.conf"
expect_ok "4. strongSwan initiates" sw_initiate a net
expect_ok "4. ipsecd's ISAKMP SA is established" wait_until 5 ike_established b
expect_nat_t 4
counted 4
expect_ok "4. strongSwan stops with status 0" sw_stop a
finish
