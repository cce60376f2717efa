#!/usr/bin/env bash
# Interop, IKEv1 fragmentation (Cisco's FRAGMENTATION vendor ID and fragment payload, as
# strongSwan speaks it): main mode with a pre-shared key and modp4096, whose KE messages
# (about 650 bytes) are larger than the 576-byte datagrams both ends allow (ipsecd
# ike-fragment-size=576, charon.fragment_size = 576, fragmentation = force).
#   1. strongSwan on a initiates to ipsecd on b: each end sends its KE message (and
#      strongSwan more) in fragments, each reassembles the other's; both establish, and
#      pings both ways cross as ESP counted by all four SAs.
#   2. ipsecd on b initiates (strongSwan only responds): the same.
# The fragments are seen on the wire (IKE datagrams whose first payload is type 132, from
# each end) and in both logs (messages reassembled).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
topo_two_hosts
psk=v1-frag-132-9a4e
# The ISAKMP header's first payload, 16 bytes into it (after the 8 of UDP): 132 a fragment.
frag_filter='udp port 500 and udp[24] = 132'

b_conf() {
	conf_ike peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" \
		exchange=main dh=modp4096 "$@" >"$(conf_file b)"
	echo "/ip ipsec settings set ike-fragment-size=576" >>"$(conf_file b)"
}
two_sas() { [ "$(sa_count "$1")" -eq 2 ]; }
reassembled() { grep -c 'IKEv1 message of [0-9]* bytes reassembled' "$(_it_log b)" || true; }

# part N: the tunnel is up, fragments went both ways, ESP both ways.
check_part() {
	local n=$1
	expect_ok "$n. ipsecd's ISAKMP SA is established" wait_until 15 ike_established b
	expect_ok "$n. strongSwan has the IKE_SA (IKEv1) and CHILD_SA up" sw_wait_established a net 10
	expect_ok "$n. a has its SA pair" wait_until 5 two_sas a
	expect_ok "$n. b has its SA pair" wait_until 5 two_sas b
	expect_eq "$n. both ends hold the same ESP SPIs" "$(esp_spis a)" "$(esp_spis b)"
	capture_stop "ike$n-a" 1 "$frag_filter"
	capture_stop "ike$n-b" 1 "$frag_filter"
	expect_gt "$n. strongSwan sent fragments" "$(capture_count "ike$n-a" "$frag_filter")" 1
	expect_gt "$n. ipsecd sent fragments" "$(capture_count "ike$n-b" "$frag_filter")" 1
	expect_gt "$n. ipsecd reassembled strongSwan's messages" "$(reassembled)" 0
	expect_ok "$n. strongSwan logs fragments it received" \
		grep -Eq 'received fragment #|reassembled fragmented IKE message' \
		"$(sw_dir a)/run/charon.log"
	expect_tunnel_carries a
	expect_ok "$n. ping client b -> client a through the tunnel" ping_ok cb 10.1.0.2
	expect_tunnel_carries b
}

sw_start a a "fragment_size = 576"
sw_conf_psk version=1 local=192.0.2.1 remote=192.0.2.2 local_ts=10.1.0.0/24 \
	remote_ts=10.2.0.0/24 ike=aes256-sha256-modp4096 esp=aes256-sha256 psk="$psk" \
	fragmentation=force >"$IT_WORK/a.swanctl.conf"
expect_grep "a loads its connection" "loaded connection 'gw'" sw_load a "$IT_WORK/a.swanctl.conf"

# --- 1. strongSwan initiates
b_conf passive=yes
daemon_start b -d ike=debug
capture_start a eth0 ike1-a
capture_start b eth0 ike1-b
expect_ok "1. strongSwan initiates" sw_initiate a net
check_part 1

# --- 2. ipsecd initiates
expect_ok "2. strongSwan stops with status 0" sw_stop a
expect_ok "2. ipsecd on b stops with status 0" daemon_stop b
: >"$(sw_dir a)/run/charon.log"
sw_start a a "fragment_size = 576"
expect_grep "2. a loads its connection" "loaded connection 'gw'" \
	sw_load a "$IT_WORK/a.swanctl.conf"
b_conf
capture_start a eth0 ike2-a
capture_start b eth0 ike2-b
: >"$(_it_log b)"
daemon_start b -d ike=debug
check_part 2

finish
