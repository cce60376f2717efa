#!/usr/bin/env bash
# Interop, IKEv1: ipsecd on a and Libreswan 4.10 (pluto, ikev2=no) on b, main mode with a
# pre-shared key and quick mode for a tunnel between the subnets, each end initiating in
# turn. First ipsecd initiates (Libreswan's connection is auto=add: it only answers):
# both have the ISAKMP SA and the IPsec SA pair, the same SPIs in both kernels, pings
# both ways cross as ESP (no ICMP in the clear) and all four SAs count them. ipsecd's
# kill-connections deletes it all at both ends. Then Libreswan initiates (whack
# --initiate) and ipsecd answers: the same checks, with ipsecd the responder. Libreswan
# deletes its SAs (whack --down) and ipsecd removes them from its kernel.
# Libreswan is downloaded, not installed (libreswan.sh): without the download the
# scenario skips.
# timeout: 240
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../libreswan.sh
. "$IT_DIR/libreswan.sh"

ls_require
topo_two_hosts
psk=v1-main-140-93be
conf_ike peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="$psk" \
	exchange=main >"$(conf_file a)"
ls_conf gw ikev2=no authby=secret left=192.0.2.2 leftsubnet=10.2.0.0/24 right=192.0.2.1 \
	rightsubnet=10.1.0.0/24 ike=aes256-sha2_256-modp2048 esp=aes256-sha2_256 pfs=no \
	auto=add >"$IT_WORK/b.ipsec.conf"
printf '192.0.2.2 192.0.2.1 : PSK "%s"\n' "$psk" >"$IT_WORK/b.secrets"
require "pluto starts on b and loads its connection" \
	ls_start b b "$IT_WORK/b.ipsec.conf" "$IT_WORK/b.secrets"
daemon_start a

# ipsecd initiates (its policy's ACQUIRE, as soon as it starts: passive=no)
expect_ls_tunnel ipsecd-initiates initiator
expect_grep "Libreswan was the responder in main mode" 'STATE_MAIN_R3' ls_whack b --showstates

no_sas() { [ "$(sa_count "$1")" -eq 0 ]; }
expect_grep "kill-connections on a" 'killed 1 IKE SA' ipsecctl_on a active-peers kill-connections
expect_ok "a's kernel has no SA left" wait_until 5 no_sas a
expect_ok "Libreswan deletes its SAs on a's deletes" wait_until 10 no_sas b
expect_ok "Libreswan has no IPsec SA left" not ls_established b gw

# Libreswan initiates; ipsecd answers
expect_ok "Libreswan initiates (whack --initiate)" ls_initiate b gw
expect_ls_tunnel libreswan-initiates responder
expect_grep "Libreswan was the initiator in main mode" 'STATE_MAIN_I4' ls_whack b --showstates

expect_ok "Libreswan deletes its SAs (whack --terminate)" ls_down b gw
expect_ok "ipsecd removes its SAs on the deletes" wait_until 10 no_sas a
expect_ok "ipsecd forgets the ISAKMP SA" wait_until 10 no_ike_sa a
expect_ok "pluto stops with status 0" ls_stop b
finish
