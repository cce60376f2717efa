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

two_sas() { [ "$(sa_count "$1")" -eq 2 ]; }
found() { "$@" || [ $? -eq 141 ]; }
# tunnel_checks LABEL SIDE: both ends have the ISAKMP SA and the IPsec SA pair, ipsecd
# on a is SIDE, pings both ways cross as ESP and all four SAs count them.
tunnel_checks() {
	local l=$1 spis spi h
	expect_ok "$l: ipsecd's ISAKMP SA is established" wait_until 15 ike_established a
	expect_ok "$l: Libreswan has the IPsec SA up" ls_wait_established b gw 10
	expect_ok "$l: Libreswan has the ISAKMP SA" ls_isakmp_up b
	expect_grep "$l: ipsecd is the $2" "side=$2" ipsecctl_on a active-peers print detail
	expect_grep "$l: ipsecd: one phase 2" 'ph2-total=1' ipsecctl_on a active-peers print detail
	expect_ok "$l: a has its SA pair" wait_until 5 two_sas a
	expect_ok "$l: b has its SA pair" wait_until 5 two_sas b
	read -ra spis <<<"$(esp_spis b)"
	for spi in "${spis[@]}"; do
		expect_ok "$l: a's kernel has Libreswan's SA $spi" found sa_exists a esp "$spi"
	done
	capture_start a eth0 "$l-a"
	capture_start b eth0 "$l-b"
	expect_ok "$l: ping client a -> client b through the tunnel" ping_ok ca 10.2.0.2
	expect_ok "$l: ping client b -> client a through the tunnel" ping_ok cb 10.1.0.2
	capture_stop "$l-a" 6 esp
	capture_stop "$l-b" 6 esp
	for h in a b; do
		expect_gt "$l: $h sent the pings as ESP" "$(capture_count "$l-$h" esp)" 5
		expect_eq "$l: $h sent no ICMP in the clear" 0 "$(capture_count "$l-$h" icmp)"
		for spi in "${spis[@]}"; do
			expect_gt "$l: $h's SA $spi counted" "$(sa_packets "$h" esp "$spi" || true)" 0
		done
	done
}

# ipsecd initiates (its policy's ACQUIRE, as soon as it starts: passive=no)
tunnel_checks ipsecd-initiates initiator
expect_grep "Libreswan was the responder in main mode" 'STATE_MAIN_R3' ls_whack b --showstates

no_sas() { [ "$(sa_count "$1")" -eq 0 ]; }
expect_grep "kill-connections on a" 'killed 1 IKE SA' ipsecctl_on a active-peers kill-connections
expect_ok "a's kernel has no SA left" wait_until 5 no_sas a
expect_ok "Libreswan deletes its SAs on a's deletes" wait_until 10 no_sas b
expect_ok "Libreswan has no IPsec SA left" not ls_established b gw

# Libreswan initiates; ipsecd answers
expect_ok "Libreswan initiates (whack --initiate)" ls_initiate b gw
tunnel_checks libreswan-initiates responder
expect_grep "Libreswan was the initiator in main mode" 'STATE_MAIN_I4' ls_whack b --showstates

expect_ok "Libreswan deletes its SAs (whack --down)" ls_down b gw
expect_ok "ipsecd removes its SAs on the deletes" wait_until 10 no_sas a
expect_ok "ipsecd forgets the ISAKMP SA" wait_until 10 no_ike_sa a
expect_ok "pluto stops with status 0" ls_stop b
finish
