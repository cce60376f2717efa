#!/usr/bin/env bash
# Rekeying under short lifetimes while traffic flows, ipsecd <-> ipsecd. The proposal's
# lifetime is 20 s: the kernel's soft expiry (85% on the IKE SA's initiator a, 90% on
# b) makes a rekey the CHILD SA after 17 s (CREATE_CHILD_SA with REKEY_SA, then a
# delete of the old pair). The profile's lifetime is 30 s: a rekeys the IKE SA after
# 27 s (90%) and the CHILD SA moves to the new IKE SA, under which it is rekeyed once
# more. A ping every 0.2 s runs from client a to client b throughout: it must lose
# nothing (one packet is tolerated: the kernel of the responder of a CHILD SA rekey
# may send on the new SA a moment before the initiator has it installed).
# Afterwards: none of the SPIs of before is left in either kernel, each holds exactly
# the new pair (the same SPIs on both ends), each end has exactly one IKE SA, younger
# than the first one, and the tunnel still works.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

topo_two_hosts
psk=rekey-88-e1f3
conf_ike peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="$psk" \
	plife=20s lifetime=30s >"$(conf_file a)"
conf_ike peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" \
	plife=20s lifetime=30s passive=yes >"$(conf_file b)"
daemon_start b
daemon_start a

two_sas() { [ "$(sa_count "$1")" -eq 2 ]; }
expect_ok "a's IKE SA is established" wait_until 10 ike_established a
t_ike=$SECONDS # the first IKE SA's birth, give or take a second
expect_ok "b's IKE SA is established" wait_until 5 ike_established b
expect_ok "a has its CHILD SA pair" wait_until 5 two_sas a
expect_ok "b has its CHILD SA pair" wait_until 5 two_sas b
expect_ok "ping client a -> client b" ping_ok ca 10.2.0.2

expect_same "a's SAs are b's (before)" "$(esp_spis a)" "$(esp_spis b)"
read -ra spis0 <<<"$(esp_spis a)"

ping_bg_start ca 10.2.0.2
expect_ok "the CHILD SA is rekeyed (soft expiry after 17 s)" wait_child_rekeyed 30 "${spis0[@]}"
log "at $((SECONDS - t_ike)) s, CHILD SA ${spis0[*]} -> $(esp_spis a)"
expect_ok "a's IKE SA is rekeyed (after 27 s)" wait_ike_rekeyed 25 a "$t_ike"
expect_ok "b has just the new IKE SA" wait_ike_rekeyed 5 b "$t_ike"
log "at $((SECONDS - t_ike)) s, done waiting for the IKE SA rekey"
read -ra spis1 <<<"$(esp_spis a)" # the CHILD SA the new IKE SA took over
expect_ok "the CHILD SA is rekeyed again, under the new IKE SA" \
	wait_child_rekeyed 25 "${spis1[@]}"
log "at $((SECONDS - t_ike)) s, CHILD SA ${spis1[*]} -> $(esp_spis a)"
expect_ping_bg 100 1

expect_same "a's SAs are b's (after)" "$(esp_spis a)" "$(esp_spis b)"
expect_eq "a has one IKE SA" 1 "$(ike_count a)"
expect_eq "b has one IKE SA" 1 "$(ike_count b)"
expect_grep "a still initiated it" 'side=initiator' ipsecctl_on a active-peers print detail
expect_grep "a's IKE SA has its CHILD SA" 'ph2-total=1' ipsecctl_on a active-peers print detail
expect_grep "b's IKE SA has its CHILD SA" 'ph2-total=1' ipsecctl_on b active-peers print detail
expect_tunnel_carries a
finish
