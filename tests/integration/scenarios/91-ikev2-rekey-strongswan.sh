#!/usr/bin/env bash
# Rekeying driven by strongSwan while traffic flows: strongSwan on a initiates to ipsecd
# on b (a passive responder whose own lifetimes are long) with a CHILD_SA rekey_time of
# 12 s and an IKE_SA rekey_time of 22 s. strongSwan rekeys the CHILD SA (ipsecd answers
# a CREATE_CHILD_SA with REKEY_SA, then strongSwan deletes the old pair), then the IKE
# SA (ipsecd answers a CREATE_CHILD_SA for an IKE SA, takes the CHILD SA over to the new
# one, and forgets the old one on strongSwan's delete), then the CHILD SA again, under
# the new IKE SA. A ping every 0.2 s from client a to client b runs throughout and must
# lose at most one packet. Afterwards: strongSwan's IKE_SA has other SPIs, none of the
# old CHILD SA SPIs is left in ipsecd's kernel, which holds exactly strongSwan's current
# pair, ipsecd has one IKE SA, younger than the first, and the tunnel works.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
topo_two_hosts
psk=rekey-91-9a04
conf_ike peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" passive=yes \
	>"$(conf_file b)"
sw_conf_psk local=192.0.2.1 remote=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 \
	ike=aes256-sha256-modp2048 esp=aes256-sha256 child_rekey=12s ike_rekey=22s \
	psk="$psk" >"$IT_WORK/a.swanctl.conf"
daemon_start b
sw_start a a
expect_grep "a loads its connection" "loaded connection 'gw'" sw_load a "$IT_WORK/a.swanctl.conf"
expect_ok "strongSwan initiates" sw_initiate a net
t_ike=$SECONDS
expect_ok "ipsecd's IKE SA is established" wait_until 5 ike_established b
expect_ok "ping client a -> client b" ping_ok ca 10.2.0.2

# (strongSwan's kernel, on a, holds what strongSwan installed: asking swanctl would be
# slower, and it lists deleted CHILD_SAs for a few seconds more.)
expect_same "ipsecd's kernel holds strongSwan's CHILD SA (before)" "$(esp_spis a)" "$(esp_spis b)"
read -ra spis0 <<<"$(esp_spis b)"
ike0=$(sw_ike_spis a) || ike0=
expect_ok "strongSwan lists its IKE_SA's SPIs ($ike0)" test -n "$ike0"
# sw_ike_rekeyed: strongSwan's IKE_SA has SPIs other than the first one's.
sw_ike_rekeyed() { local now; now=$(sw_ike_spis a) && [ "$now" != "$ike0" ]; }

ping_bg_start ca 10.2.0.2
expect_ok "strongSwan rekeys the CHILD SA (after 12 s)" wait_child_rekeyed 25 "${spis0[@]}"
log "at $((SECONDS - t_ike)) s, CHILD SA ${spis0[*]} -> $(esp_spis b)"
expect_ok "strongSwan rekeys the IKE SA (after 22 s): ipsecd has just the new one" \
	wait_ike_rekeyed 25 b "$t_ike"
expect_ok "strongSwan's IKE_SA has new SPIs" wait_until 5 sw_ike_rekeyed
log "at $((SECONDS - t_ike)) s, IKE SA $ike0 -> $(sw_ike_spis a || echo none)"
read -ra spis1 <<<"$(esp_spis b)" # the CHILD SA the new IKE SA took over
expect_ok "strongSwan rekeys the CHILD SA again, under the new IKE SA" \
	wait_child_rekeyed 25 "${spis1[@]}"
log "at $((SECONDS - t_ike)) s, CHILD SA ${spis1[*]} -> $(esp_spis b)"
expect_ping_bg 80 1

expect_ok "strongSwan has the IKE_SA and CHILD_SA up" sw_established a net
expect_grep "ipsecd is still the responder" 'side=responder' ipsecctl_on b active-peers print detail
expect_grep "ipsecd's IKE SA has its CHILD SA" 'ph2-total=1' ipsecctl_on b active-peers print detail
# strongSwan goes on rekeying every 11-12 s: count right after one, not across the next
read -ra spis2 <<<"$(esp_spis b)"
expect_ok "strongSwan rekeys the CHILD SA once more" wait_child_rekeyed 25 "${spis2[@]}"
expect_tunnel_carries b
expect_ok "strongSwan stops with status 0" sw_stop a
finish
