#!/usr/bin/env bash
# NAT traversal (RFC 7296 2.23, RFC 3948): ipsecd on a, behind a router "nat" that
# masquerades a's private address (and, to be a real NAT, its source ports), initiates
# to ipsecd on b outside. Both ends detect the NAT from the NAT_DETECTION notifies, the
# IKE SA floats to port 4500, the CHILD SAs are UDP-encapsulated ("encap type
# espinudp" in both kernels, with the NAT's translated port on b's side), a ping between
# the subnets behind a and b crosses as ESP in UDP and nothing crosses as plain ESP, and
# active-peers shows natt-peer=yes on both ends.
#
# The NAT needs iptables (Debian package iptables; its legacy back end: user-mode
# Linux has no nf_tables): without it the scenario fails, saying so.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

topo_nat
require "nat masquerades a (iptables)" nat_masquerade
expect_ok "a reaches b through the NAT (plain ping)" ping_ok a 203.0.113.2

psk=nat-t-90-4d2a
conf_ike peer=203.0.113.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="$psk" >"$(conf_file a)"
# b knows a by the NAT's outside address, where a's packets come from.
conf_ike peer=203.0.113.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" \
	passive=yes >"$(conf_file b)"
daemon_start b
daemon_start a

two_sas() { [ "$(sa_count "$1")" -ge 2 ]; }
expect_ok "a's IKE SA is established" wait_until 15 ike_established a
expect_ok "b's IKE SA is established" wait_until 5 ike_established b
expect_ok "a has its CHILD SA pair" wait_until 5 two_sas a
expect_ok "b has its CHILD SA pair" wait_until 5 two_sas b
expect_nat_t
finish
