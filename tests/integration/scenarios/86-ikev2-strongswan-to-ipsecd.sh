#!/usr/bin/env bash
# Interop: strongSwan on a initiates an IKEv2 PSK tunnel (with PFS on the CHILD SA's
# rekey proposals, AES-GCM for ESP) to ipsecd on b, a passive responder. Both ends come
# up, a ping crosses as ESP and is counted on both; ipsecd's active-peers shows a
# responder and its policy a phase 2. A CHILD SA rekey started by strongSwan replaces
# the SAs in ipsecd's kernel while the tunnel keeps working. strongSwan runs with MOBIKE
# on, its default, so it moves IKE to port 4500 with no NAT between the two: ESP must stay
# plain on both ends (96 covers that in more modes).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

expect_ok "strongSwan is installed" sw_require
sw_require 2>/dev/null || finish
topo_two_hosts
psk=0x5e3c9a7b11d04f2e
conf_ike peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" passive=yes \
	dh=ecp256,modp2048 penc=aes-128-gcm,aes-256-cbc pauth=sha256 pfs=ecp256 >"$(conf_file b)"
sw_conf_psk local=192.0.2.1 remote=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 \
	ike=aes256-sha256-ecp256 esp=aes128gcm16-ecp256 mobike=yes psk="$psk" \
	>"$IT_WORK/a.swanctl.conf"
daemon_start b
sw_start a a
expect_grep "a loads its connection" "loaded connection 'gw'" sw_load a "$IT_WORK/a.swanctl.conf"
expect_ok "strongSwan initiates" sw_initiate a net
expect_ok "strongSwan has the IKE_SA and CHILD_SA up" sw_established a net
expect_ok "ipsecd's IKE SA is established" wait_until 5 ike_established b
expect_grep "ipsecd is the responder" 'side=responder' ipsecctl_on b active-peers print detail
expect_grep "ipsecd's policy has its phase 2" 'ph2-state=established' ipsecctl_on b policy print detail
found() { "$@" || [ $? -eq 141 ]; }
a_out=$(sw_child_spi a net out) || a_out=0x00000000
expect_ok "b's kernel receives on a's outbound SPI ($a_out)" found sa_exists b esp "$a_out"
expect_eq "no NAT: b's SAs are plain ESP (no encap)" 0 "$(encap_count b)"
expect_eq "no NAT: a's SAs are plain ESP (no encap)" 0 "$(encap_count a)"
expect_grep "the CHILD SA uses AES-GCM" 'rfc4106\(gcm\(aes\)\)' ip -n "$IT_PREFIX"b xfrm state

capture_start a eth0 link
expect_ok "ping client a -> client b through the tunnel" ping_ok ca 10.2.0.2
capture_stop link 3 esp
expect_gt "a sent the pings as ESP" "$(capture_count link esp)" 2
expect_gt "b's inbound SA counted" "$(sa_packets b esp "$a_out" || true)" 0
a_in=$(sw_child_spi a net in) || a_in=0x00000000
expect_gt "a's inbound SA counted the replies" "$(sa_packets a esp "$a_in" || true)" 0
expect_grep "installed-sa: the SA from IKE_AUTH has no PFS" 'pfs=no' \
	ipsecctl_on b installed-sa print detail where spi="$(printf '0x%X' "$a_out")"

expect_ok "strongSwan rekeys the CHILD SA (with PFS)" swanctl_on a --rekey --child net
new_spi() { s=$(sw_child_spi a net out) && [ "$s" != "$a_out" ] && found sa_exists b esp "$s"; }
expect_ok "b's kernel gets the new inbound SA" wait_until 10 new_spi
gone() { ! found sa_exists b esp "$a_out"; }
expect_ok "the old SA leaves b's kernel" wait_until 10 gone
expect_ok "traffic crosses the rekeyed tunnel" ping_ok ca 10.2.0.2
a_new=$(sw_child_spi a net out) || a_new=0
expect_grep "installed-sa: the rekeyed SA was keyed with PFS" 'pfs=yes' \
	ipsecctl_on b installed-sa print detail where spi="$(printf '0x%X' "$a_new")"
sw_stop a
finish
