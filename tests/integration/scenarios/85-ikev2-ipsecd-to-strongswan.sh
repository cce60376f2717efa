#!/usr/bin/env bash
# Interop: ipsecd on a initiates an IKEv2 PSK tunnel to strongSwan (charon, swanctl) on
# b, which only responds. The IKE SA and the CHILD SA come up on both ends with matching
# SPIs in the kernels, a ping between the subnets crosses as ESP and is counted by both
# kernels. Then strongSwan deletes the IKE SA (swanctl --terminate) and ipsecd removes
# its SAs from the kernel.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

expect_ok "strongSwan is installed" sw_require
sw_require 2>/dev/null || finish
topo_two_hosts
psk=interop-85-7c1e
conf_ike peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="$psk" >"$(conf_file a)"
sw_conf_psk local=192.0.2.2 remote=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 \
	ike=aes256-sha256-modp2048 esp=aes256-sha256 psk="$psk" >"$IT_WORK/b.swanctl.conf"
sw_start b b
expect_grep "b loads its connection" "loaded connection 'gw'" sw_load b "$IT_WORK/b.swanctl.conf"
daemon_start a

expect_ok "ipsecd's IKE SA is established" wait_until 15 ike_established a
expect_ok "strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established b net 10
found() { "$@" || [ $? -eq 141 ]; }
b_in=$(sw_child_spi b net in) || b_in=0x00000000
b_out=$(sw_child_spi b net out) || b_out=0x00000000
expect_ok "a's kernel sends with strongSwan's inbound SPI ($b_in)" found sa_exists a esp "$b_in"
expect_ok "a's kernel receives on strongSwan's outbound SPI ($b_out)" found sa_exists a esp "$b_out"

capture_start a eth0 link
expect_ok "ping client a -> client b through the tunnel" ping_ok ca 10.2.0.2
capture_stop link 3 esp
expect_gt "a sent the pings as ESP" "$(capture_count link esp)" 2
expect_eq "a sent no ICMP in the clear" 0 "$(capture_count link icmp)"
expect_gt "a's outbound SA counted" "$(sa_packets a esp "$b_in" || true)" 0
expect_gt "a's inbound SA counted" "$(sa_packets a esp "$b_out" || true)" 0
expect_gt "strongSwan's inbound SA counted" "$(sa_packets b esp "$b_in" || true)" 0

expect_ok "strongSwan deletes the IKE SA" sw_terminate b gw
no_sas() { [ "$(sa_count a)" -eq 0 ]; }
expect_ok "ipsecd removes its SAs on the delete" wait_until 10 no_sas a
sw_stop b
finish
