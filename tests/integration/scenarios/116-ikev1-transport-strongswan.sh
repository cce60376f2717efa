#!/usr/bin/env bash
# IKEv1 transport mode against strongSwan (main mode, pre-shared key): a policy between
# the gateways' own addresses (tunnel=no; strongSwan mode = transport), in both roles:
#   1. ipsecd on a initiates to strongSwan on b (with PFS, MODP-2048);
#   2. strongSwan on a initiates to ipsecd on b.
# Each time both kernels hold a transport-mode pair (the same SPIs), ipsecd's
# installed-sa and active-peers show them, pings between a and b both ways cross as ESP,
# never as ICMP in the clear, and all four SAs count them.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
topo_two_hosts
psk=v1-transport-116-a5d1
two_sas() { [ "$(sa_count "$1")" -eq 2 ]; }
transport_pair() { [ "$(ip -n "$IT_PREFIX$1" xfrm state | grep -c 'mode transport')" -eq 2 ]; }

# transport_works LABEL IPSECD-HOST
transport_works() {
	local l=$1 d=$2 h spi spis
	expect_ok "$l. a has its SA pair" wait_until 5 two_sas a
	expect_ok "$l. b has its SA pair" wait_until 5 two_sas b
	read -ra spis <<<"$(esp_spis a)"
	expect_eq "$l. a and b hold the same SA pair (${spis[*]})" "$(esp_spis a)" "$(esp_spis b)"
	for h in a b; do
		expect_ok "$l. $h's SAs are in transport mode" transport_pair "$h"
	done
	expect_grep "$l. $d's installed-sa shows them" "$(printf '0x%X' "${spis[0]}")" \
		ipsecctl_on "$d" installed-sa print detail
	expect_grep "$l. $d's active-peers: one phase 2" 'ph2-total=1' \
		ipsecctl_on "$d" active-peers print detail
	capture_start a eth0 "link-a$l"
	capture_start b eth0 "link-b$l"
	expect_ok "$l. ping a -> b" ping_ok a 192.0.2.2
	expect_ok "$l. ping b -> a" ping_ok b 192.0.2.1
	capture_stop "link-a$l" 6 esp
	capture_stop "link-b$l" 6 esp
	for h in a b; do
		expect_gt "$l. $h sent the pings as ESP" "$(capture_count "link-$h$l" esp)" 5
		expect_eq "$l. $h sent no ICMP in the clear" 0 "$(capture_count "link-$h$l" icmp)"
		for spi in "${spis[@]}"; do
			expect_gt "$l. $h's SA $spi counted" "$(sa_packets "$h" esp "$spi" || true)" 0
		done
	done
}

# --- 1. ipsecd a -> strongSwan b
conf_ike peer=192.0.2.2 local_ts=192.0.2.1/32 remote_ts=192.0.2.2/32 psk="$psk" \
	exchange=main tunnel=no pfs=modp2048 >"$(conf_file a)"
sw_conf_psk version=1 mode=transport local=192.0.2.2 remote=192.0.2.1 local_ts=192.0.2.2/32 \
	remote_ts=192.0.2.1/32 esp=aes256-sha256-modp2048 psk="$psk" >"$IT_WORK/b.swanctl.conf"
sw_start b b
expect_grep "1. b loads its connection" "loaded connection 'gw'" sw_load b "$IT_WORK/b.swanctl.conf"
daemon_start a
expect_ok "1. ipsecd's ISAKMP SA is established" wait_until 15 ike_established a
expect_ok "1. strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established b net 10
expect_grep "1. strongSwan's CHILD_SA is in transport mode" 'TRANSPORT' sw_list_sas b
transport_works 1 a
expect_grep "1. a's installed-sa: keyed with PFS" 'pfs=yes' ipsecctl_on a installed-sa print detail
expect_grep "1. strongSwan's CHILD_SA was keyed with PFS" 'ESP:[^ ]*MODP_2048' sw_list_sas b
expect_ok "1. strongSwan stops with status 0" sw_stop b
expect_ok "1. ipsecd on a stops with status 0" daemon_stop a
no_sas() { [ "$(sa_count "$1")" -eq 0 ]; }
expect_ok "1. b's kernel is empty again" wait_until 5 no_sas b

# --- 2. strongSwan a -> ipsecd b
conf_ike peer=192.0.2.1 local_ts=192.0.2.2/32 remote_ts=192.0.2.1/32 psk="$psk" \
	exchange=main tunnel=no passive=yes >"$(conf_file b)"
sw_conf_psk version=1 mode=transport local=192.0.2.1 remote=192.0.2.2 local_ts=192.0.2.1/32 \
	remote_ts=192.0.2.2/32 psk="$psk" >"$IT_WORK/a.swanctl.conf"
daemon_start b
sw_start a a
expect_grep "2. a loads its connection" "loaded connection 'gw'" sw_load a "$IT_WORK/a.swanctl.conf"
expect_ok "2. strongSwan initiates" sw_initiate a net
expect_ok "2. ipsecd's ISAKMP SA is established" wait_until 5 ike_established b
transport_works 2 b
expect_ok "2. strongSwan stops with status 0" sw_stop a
finish
