#!/usr/bin/env bash
# NAT traversal against strongSwan, in both roles, through a router "nat" that
# masquerades a's private address and source ports (as 90-ikev2-nat-t):
#   1. ipsecd on a, behind the NAT, initiates to strongSwan on b outside;
#   2. strongSwan on a, behind the NAT, initiates to ipsecd on b outside.
# Each time the IKE SA floats to port 4500, both kernels' CHILD SAs are UDP-encapsulated
# ("encap type espinudp"; b's towards the port the NAT chose), ipsecd's active-peers
# shows natt-peer=yes, and a ping between the subnets behind a and b crosses the NAT as
# ESP in UDP, never as plain ESP.
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

psk=nat-t-92-61b8
# --- 1. ipsecd a (behind the NAT) -> strongSwan b. strongSwan knows a by the NAT's
# address and a's identity, its private address.
conf_ike peer=203.0.113.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="$psk" >"$(conf_file a)"
sw_conf_psk local=203.0.113.2 remote=203.0.113.1 remote_id=10.0.1.2 local_ts=10.2.0.0/24 \
	remote_ts=10.1.0.0/24 psk="$psk" >"$IT_WORK/b.swanctl.conf"
sw_start b b
expect_grep "1. b loads its connection" "loaded connection 'gw'" sw_load b "$IT_WORK/b.swanctl.conf"
daemon_start a
expect_ok "1. ipsecd's IKE SA is established" wait_until 15 ike_established a
expect_ok "1. strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established b net 10
expect_nat_t 1
expect_ok "1. strongSwan stops with status 0" sw_stop b
expect_ok "1. ipsecd on a stops with status 0" daemon_stop a

# --- 2. strongSwan a (behind the NAT) -> ipsecd b. ipsecd knows a by the NAT's
# address (its remote-id is auto: the key authenticates).
conf_ike peer=203.0.113.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" \
	passive=yes >"$(conf_file b)"
sw_conf_psk local=10.0.1.2 remote=203.0.113.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 \
	psk="$psk" >"$IT_WORK/a.swanctl.conf"
daemon_start b
sw_start a a
expect_grep "2. a loads its connection" "loaded connection 'gw'" sw_load a "$IT_WORK/a.swanctl.conf"
expect_ok "2. strongSwan initiates" sw_initiate a net
expect_ok "2. ipsecd's IKE SA is established" wait_until 5 ike_established b
expect_nat_t 2
expect_ok "2. strongSwan stops with status 0" sw_stop a
finish
