#!/usr/bin/env bash
# IKEv1 dead peer detection (RFC 3706) against strongSwan: ipsecd on a (dpd-interval=2s)
# initiates main mode to strongSwan on b; both announce DPD with its vendor ID. While b
# lives, a's R-U-THEREs are answered with R-U-THERE-ACKs (a's ISAKMP SA keeps receiving).
# Then charon is killed (SIGKILL: its kernel state stays, so nothing but IKE can tell),
# a's R-U-THEREs go unanswered, and after its retransmissions (2, 4, 8, 16, 32 s, then
# 64 s more for the last: about 126 s) a declares b dead: it deletes its SAs from the
# kernel and forgets the ISAKMP SA, and keeps its policies, so that traffic brings the
# tunnel up again (ACQUIRE) once strongSwan is back.
#
# It takes over 2 minutes, more than run's default timeout: hence the line below.
# timeout: 240
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

dead_within=170
require "strongSwan is installed" sw_require
if [ -n "${IPSECD_IT_SCENARIO_TIMEOUT:-}" ]; then
	require "the scenario's timeout ($IPSECD_IT_SCENARIO_TIMEOUT s) leaves time for DPD (over 200 s)" \
		test "$IPSECD_IT_SCENARIO_TIMEOUT" -gt 200
fi
topo_two_hosts
psk=v1-dpd-115-7f20
conf_ike peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="$psk" dpd=2s \
	exchange=main >"$(conf_file a)"
sw_conf_psk version=1 local=192.0.2.2 remote=192.0.2.1 local_ts=10.2.0.0/24 \
	remote_ts=10.1.0.0/24 psk="$psk" >"$IT_WORK/b.swanctl.conf"
sw_start b b
expect_grep "b loads its connection" "loaded connection 'gw'" sw_load b "$IT_WORK/b.swanctl.conf"
daemon_start a

two_sas() { [ "$(sa_count "$1")" -ge 2 ]; }
no_sas() { [ "$(sa_count "$1")" -eq 0 ]; }
expect_ok "a's ISAKMP SA is established" wait_until 15 ike_established a
expect_ok "strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established b net 10
expect_ok "a has its SA pair" wait_until 5 two_sas a
expect_ok "ping client a -> client b" ping_ok ca 10.2.0.2
expect_grep "strongSwan saw a's DPD vendor ID" 'received DPD vendor ID' \
	cat "$(sw_dir b)/run/charon.log"

# rx_packets HOST: the rx-packets of HOST's first ISAKMP SA.
rx_packets() {
	local out
	out=$(ipsecctl_on "$1" active-peers print detail) || return 1
	[[ $out =~ rx-packets=([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}
rx0=$(rx_packets a) || rx0=0
more_than() { local n; n=$(rx_packets a) && [ "$n" -gt "$1" ]; }
expect_ok "strongSwan answers a's R-U-THEREs" wait_until 10 more_than $((rx0 + 1))

sw_kill b
t_kill=$SECONDS
expect_ok "b's kernel keeps its SAs (nothing told the kernel)" two_sas b
expect_ok "a still has its ISAKMP SA right after the kill" ike_established a

expect_ok "a deletes its SAs from the kernel (DPD)" wait_until "$dead_within" no_sas a
t_dead=$((SECONDS - t_kill))
log "a noticed b's death $t_dead s after the kill"
expect_gt "a gave b its retransmissions before declaring it dead ($t_dead s > 60 s)" \
	"$t_dead" 60
expect_ok "a's active-peers is empty" wait_until 2 no_ike_sa a
expect_ok "a keeps its out policy" policy_exists a out 10.1.0.0/24 10.2.0.0/24
expect_ok "a keeps its in policy" policy_exists a in 10.2.0.0/24 10.1.0.0/24
expect_grep "a's log says why" 'peer is dead' cat "$IT_WORK/a.log"

# strongSwan comes back (what its first life left in b's kernel goes first); a ping from
# client a makes a's kernel ACQUIRE and a negotiates anew
ip -n "$IT_PREFIX"b xfrm state flush
ip -n "$IT_PREFIX"b xfrm policy flush
sw_start b b
expect_grep "b loads its connection again" "loaded connection 'gw'" \
	sw_load b "$IT_WORK/b.swanctl.conf"
expect_ok "traffic brings the tunnel up again" wait_until 20 ping_one ca 10.2.0.2
expect_ok "a's ISAKMP SA is established again" wait_until 5 ike_established a
expect_ok "strongSwan has the IKE_SA and CHILD_SA up again" sw_wait_established b net 5
expect_tunnel_carries a
expect_ok "strongSwan stops with status 0" sw_stop b
finish
