#!/usr/bin/env bash
# Interop, RFC 7296 2.6: ipsecd on b asks every initiator for a cookie
# (/ip ipsec settings cookies=always). strongSwan on a gets the COOKIE answer to its IKE_SA_INIT,
# sends the request again with the cookie, and the tunnel comes up; a ping crosses as
# ESP.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

expect_ok "strongSwan is installed" sw_require
sw_require 2>/dev/null || finish
topo_two_hosts
psk=0x4b1d6e0c93a27f58
conf_ike peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" passive=yes \
	dh=ecp256 penc=aes-256-cbc pauth=sha256 extra="/ip ipsec settings set cookies=always" \
	>"$(conf_file b)"
sw_conf_psk local=192.0.2.1 remote=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 \
	ike=aes256-sha256-ecp256 esp=aes256-sha256 psk="$psk" >"$IT_WORK/a.swanctl.conf"
daemon_start b -d ike=debug
sw_start a a
expect_grep "a loads its connection" "loaded connection 'gw'" sw_load a "$IT_WORK/a.swanctl.conf"
expect_ok "strongSwan initiates" sw_initiate a net
expect_ok "strongSwan has the IKE_SA and CHILD_SA up" sw_established a net
expect_ok "ipsecd's IKE SA is established" wait_until 5 ike_established b
expect_grep "ipsecd asked for a cookie" 'asking 192\.0\.2\.1.* for a cookie' \
	cat "$IT_WORK/b.log"
expect_grep "strongSwan received the COOKIE" 'IKE_SA_INIT response 0 \[ N\(COOKIE\) \]' \
	cat "$(sw_dir a)/run/charon.log"
expect_grep "ipsecd is the responder" 'side=responder' ipsecctl_on b active-peers print detail

capture_start a eth0 link
expect_ok "ping client a -> client b through the tunnel" ping_ok ca 10.2.0.2
capture_stop link 3 esp
expect_gt "a sent the pings as ESP" "$(capture_count link esp)" 2
sw_stop a
finish
