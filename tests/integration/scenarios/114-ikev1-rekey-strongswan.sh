#!/usr/bin/env bash
# IKEv1 rekeying against strongSwan under short lifetimes while traffic flows (main mode,
# pre-shared key), in both roles:
#   1. ipsecd on a initiates to strongSwan on b with a proposal lifetime of 20 s and a
#      profile lifetime of 30 s: a starts a new quick mode at the IPsec SAs' soft expiry
#      (85%: 17 s) and deletes the old pair, then a new main mode at 90% of the ISAKMP
#      SA's lifetime (27 s); the IPsec SAs, which IKEv1 does not tie to an ISAKMP SA,
#      stay, the old ISAKMP SA is deleted, and the next quick mode runs under the new one;
#   2. strongSwan on a initiates to ipsecd on b (passive, long lifetimes) with a CHILD_SA
#      rekey_time of 12 s (life_time 40 s) and an IKE_SA reauth_time of 22 s (strongSwan
#      does not rekey an IKEv1 SA, it reauthenticates: a new main mode, then quick modes
#      under it): ipsecd answers each, and deletes what strongSwan deletes. Both ends
#      install the lifetime quick mode agreed, strongSwan's: with its default life_time
#      (rekey_time + 10%, 13.2 s) an IPsec SA could reach its hard lifetime while
#      strongSwan was between the old ISAKMP SA and the new one, at both ends.
# A ping every 0.2 s from client a to client b runs throughout each part and must lose at
# most one packet. Afterwards: none of the old SPIs is left, both kernels hold the same
# single pair, ipsecd has one ISAKMP SA younger than the first, and the tunnel works.
# timeout: 240
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
if [ -n "${IPSECD_IT_SCENARIO_TIMEOUT:-}" ]; then
	require "the scenario's timeout ($IPSECD_IT_SCENARIO_TIMEOUT s) leaves time for two parts" \
		test "$IPSECD_IT_SCENARIO_TIMEOUT" -gt 200
fi
topo_two_hosts
psk=v1-rekey-114-c6a9
two_sas() { [ "$(sa_count "$1")" -eq 2 ]; }
# sw_ike_count NAME: how many ESTABLISHED IKE_SAs strongSwan lists.
sw_ike_count() { sw_list_sas "$1" | grep -c ': #[0-9]*, ESTABLISHED' || true; }

# --- 1. ipsecd a initiates and rekeys
conf_ike peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="$psk" \
	exchange=main plife=20s lifetime=30s >"$(conf_file a)"
sw_conf_psk version=1 local=192.0.2.2 remote=192.0.2.1 local_ts=10.2.0.0/24 \
	remote_ts=10.1.0.0/24 psk="$psk" >"$IT_WORK/b.swanctl.conf"
sw_start b b
expect_grep "1. b loads its connection" "loaded connection 'gw'" sw_load b "$IT_WORK/b.swanctl.conf"
daemon_start a
expect_ok "1. a's ISAKMP SA is established" wait_until 15 ike_established a
t_ike=$SECONDS
expect_ok "1. a has its SA pair" wait_until 5 two_sas a
expect_ok "1. b has its SA pair" wait_until 5 two_sas b
expect_ok "1. ping client a -> client b" ping_ok ca 10.2.0.2
expect_same "1. a's SAs are b's (before)" "$(esp_spis a)" "$(esp_spis b)"
read -ra spis0 <<<"$(esp_spis a)"

ping_bg_start ca 10.2.0.2
expect_ok "1. the IPsec SAs are rekeyed (soft expiry after 17 s)" wait_child_rekeyed 30 "${spis0[@]}"
log "at $((SECONDS - t_ike)) s, IPsec SA ${spis0[*]} -> $(esp_spis a)"
expect_ok "1. a's ISAKMP SA is replaced (after 27 s)" wait_ike_rekeyed 25 a "$t_ike"
log "at $((SECONDS - t_ike)) s, done waiting for the new ISAKMP SA"
expect_ok "1. strongSwan has one IKE_SA" wait_until 5 test "$(sw_ike_count b)" -eq 1
read -ra spis1 <<<"$(esp_spis a)"
expect_ok "1. the IPsec SAs are rekeyed again, under the new ISAKMP SA" \
	wait_child_rekeyed 25 "${spis1[@]}"
log "at $((SECONDS - t_ike)) s, IPsec SA ${spis1[*]} -> $(esp_spis a)"
expect_ping_bg 100 1
expect_same "1. a's SAs are b's (after)" "$(esp_spis a)" "$(esp_spis b)"
expect_eq "1. a has one ISAKMP SA" 1 "$(ike_count a)"
expect_grep "1. a's ISAKMP SA has its phase 2" 'ph2-total=1' ipsecctl_on a active-peers print detail
expect_ok "1. strongSwan has the IKE_SA and CHILD_SA up" sw_established b net
expect_tunnel_carries a
expect_ok "1. strongSwan stops with status 0" sw_stop b
expect_ok "1. ipsecd on a stops with status 0" daemon_stop a

# --- 2. strongSwan a initiates and rekeys (CHILD_SA after 12 s, reauthentication after 22 s)
conf_ike peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" passive=yes \
	exchange=main >"$(conf_file b)"
sw_conf_psk version=1 local=192.0.2.1 remote=192.0.2.2 local_ts=10.1.0.0/24 \
	remote_ts=10.2.0.0/24 child_rekey=12s child_life=40s ike_reauth=22s psk="$psk" \
	>"$IT_WORK/a.swanctl.conf"
# (ike debug: what ipsecd makes of strongSwan's reauthentication, should it fail)
daemon_start b -d ike=debug
sw_start a a "delete_rekeyed = yes"
expect_grep "2. a loads its connection" "loaded connection 'gw'" sw_load a "$IT_WORK/a.swanctl.conf"
expect_ok "2. strongSwan initiates" sw_initiate a net
t_ike=$SECONDS
expect_ok "2. ipsecd's ISAKMP SA is established" wait_until 5 ike_established b
expect_ok "2. ping client a -> client b" ping_ok ca 10.2.0.2
expect_same "2. ipsecd's kernel holds strongSwan's pair (before)" "$(esp_spis a)" "$(esp_spis b)"
read -ra spis0 <<<"$(esp_spis b)"
ping_bg_start ca 10.2.0.2
expect_ok "2. strongSwan rekeys the IPsec SAs (after 12 s)" wait_child_rekeyed 25 "${spis0[@]}"
log "at $((SECONDS - t_ike)) s, IPsec SA ${spis0[*]} -> $(esp_spis b)"
expect_ok "2. strongSwan reauthenticates (after 22 s): ipsecd has just the new ISAKMP SA" \
	wait_ike_rekeyed 25 b "$t_ike"
log "at $((SECONDS - t_ike)) s, done waiting for the new ISAKMP SA"
read -ra spis1 <<<"$(esp_spis b)"
expect_ok "2. strongSwan rekeys the IPsec SAs again, under the new ISAKMP SA" \
	wait_child_rekeyed 25 "${spis1[@]}"
log "at $((SECONDS - t_ike)) s, IPsec SA ${spis1[*]} -> $(esp_spis b)"
expect_ping_bg 80 1
expect_ok "2. strongSwan has the IKE_SA and CHILD_SA up" sw_established a net
expect_eq "2. strongSwan has one IKE_SA" 1 "$(sw_ike_count a)"
expect_grep "2. ipsecd is the responder" 'side=responder' ipsecctl_on b active-peers print detail
expect_grep "2. ipsecd's ISAKMP SA has its phase 2" 'ph2-total=1' \
	ipsecctl_on b active-peers print detail
read -ra spis2 <<<"$(esp_spis b)"
expect_ok "2. strongSwan rekeys the IPsec SAs once more" wait_child_rekeyed 25 "${spis2[@]}"
expect_tunnel_carries b
log "b's statistics: $(ipsecctl_on b statistics print detail | tr -s ' \n' ' ')"
expect_ok "2. strongSwan stops with status 0" sw_stop a
finish
