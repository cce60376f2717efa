#!/usr/bin/env bash
# Interop, IKEv1: aggressive mode with a pre-shared key between ipsecd on a
# (exchange-mode=aggressive) and Libreswan 4.10 on b (ikev2=no, aggressive=yes: one
# DH group, MODP-2048), each end initiating in turn, as 140 does with main mode: first
# ipsecd, then (after ipsecd's kill-connections took everything down at both ends)
# Libreswan. Each time both have the ISAKMP SA (Libreswan's state STATE_AGGR_R2 or
# STATE_AGGR_I2) and the IPsec SA pair, pings both ways cross as ESP (no ICMP in the
# clear) and all four SAs count them. The identities are the addresses (ID_IPV4_ADDR),
# sent in the clear in aggressive mode's first two messages.
# timeout: 240
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../libreswan.sh
. "$IT_DIR/libreswan.sh"

ls_require
topo_two_hosts
psk=v1-aggr-141-5c07
conf_ike peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="$psk" \
	exchange=aggressive dh=modp2048 >"$(conf_file a)"
ls_conf gw ikev2=no aggressive=yes authby=secret left=192.0.2.2 leftsubnet=10.2.0.0/24 \
	right=192.0.2.1 rightsubnet=10.1.0.0/24 ike=aes256-sha2_256-modp2048 \
	esp=aes256-sha2_256 pfs=no auto=add >"$IT_WORK/b.ipsec.conf"
printf '192.0.2.2 192.0.2.1 : PSK "%s"\n' "$psk" >"$IT_WORK/b.secrets"
require "pluto starts on b and loads its connection" \
	ls_start b b "$IT_WORK/b.ipsec.conf" "$IT_WORK/b.secrets"
daemon_start a

# ipsecd initiates (its policy's ACQUIRE, as soon as it starts: passive=no)
expect_ls_tunnel ipsecd-initiates initiator
expect_grep "Libreswan was the responder in aggressive mode" 'STATE_AGGR_R2' \
	ls_whack b --showstates
expect_grep "ipsecd logs an aggressive mode" 'aggressive' cat "$IT_WORK/a.log"

no_sas() { [ "$(sa_count "$1")" -eq 0 ]; }
expect_grep "kill-connections on a" 'killed 1 IKE SA' ipsecctl_on a active-peers kill-connections
expect_ok "a's kernel has no SA left" wait_until 5 no_sas a
expect_ok "Libreswan deletes its SAs on a's deletes" wait_until 10 no_sas b

# Libreswan initiates; ipsecd answers
expect_ok "Libreswan initiates (whack --initiate)" ls_initiate b gw
expect_ls_tunnel libreswan-initiates responder
expect_grep "Libreswan was the initiator in aggressive mode" 'STATE_AGGR_I2' \
	ls_whack b --showstates

expect_ok "Libreswan deletes its SAs (whack --terminate)" ls_down b gw
expect_ok "ipsecd removes its SAs on the deletes" wait_until 10 no_sas a
expect_ok "ipsecd forgets the ISAKMP SA" wait_until 10 no_ike_sa a
expect_ok "pluto stops with status 0" ls_stop b
finish
