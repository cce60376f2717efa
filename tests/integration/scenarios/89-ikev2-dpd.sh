#!/usr/bin/env bash
# Dead peer detection (RFC 7296 2.4), ipsecd <-> ipsecd with dpd-interval=2s. While b
# lives, a's liveness checks are answered (a's IKE SA keeps receiving). Then b's ipsecd
# is killed (SIGKILL: its kernel state stays, so nothing but IKE can tell), a's checks
# go unanswered, and after its retransmissions (2, 4, 8, 16, 32 s, then 64 s more for
# the last: about 126 s) a declares b dead: it deletes its SAs from the kernel and
# forgets the IKE SA, and keeps its policies, so that traffic brings the tunnel up again
# (ACQUIRE) once b is back.
#
# It takes over 2 minutes, more than run's default timeout: hence the line below.
# timeout: 240
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

# The time a's retransmissions take, and some slack for UML.
dead_within=170
# run gives the scenario its timeout; run alone, it has none.
if [ -n "${IPSECD_IT_SCENARIO_TIMEOUT:-}" ]; then
	require "the scenario's timeout ($IPSECD_IT_SCENARIO_TIMEOUT s) leaves time for DPD (over 200 s)" \
		test "$IPSECD_IT_SCENARIO_TIMEOUT" -gt 200
fi

topo_two_hosts
psk=dpd-89-0b7e
conf_ike peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="$psk" dpd=2s >"$(conf_file a)"
conf_ike peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" dpd=2s \
	passive=yes >"$(conf_file b)"
daemon_start b
daemon_start a

two_sas() { [ "$(sa_count "$1")" -ge 2 ]; }
no_sas() { [ "$(sa_count "$1")" -eq 0 ]; }
expect_ok "a's IKE SA is established" wait_until 10 ike_established a
expect_ok "b's IKE SA is established" wait_until 5 ike_established b
expect_ok "a has its CHILD SA pair" wait_until 5 two_sas a
expect_ok "ping client a -> client b" ping_ok ca 10.2.0.2

# rx_packets HOST: the rx-packets of HOST's first IKE SA.
rx_packets() {
	local out
	out=$(ipsecctl_on "$1" active-peers print detail) || return 1
	[[ $out =~ rx-packets=([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}
rx0=$(rx_packets a) || rx0=0
# more_than N: a's IKE SA has received more than N packets (answers to its checks).
more_than() { local n; n=$(rx_packets a) && [ "$n" -gt "$1" ]; }
expect_ok "b answers a's liveness checks" wait_until 10 more_than $((rx0 + 1))

daemon_signal b KILL
rc=0
daemon_stop b 2>/dev/null || rc=$? # (no "Killed" job notice from bash)
expect_eq "ipsecd on b died of SIGKILL" 137 "$rc"
t_kill=$SECONDS
expect_ok "b's kernel keeps its SAs (nothing told the kernel)" two_sas b
expect_ok "a still has its IKE SA right after the kill" ike_established a

expect_ok "a deletes its SAs from the kernel (DPD)" wait_until "$dead_within" no_sas a
t_dead=$((SECONDS - t_kill))
log "a noticed b's death $t_dead s after the kill"
# Not before the retransmissions that come before the last (2+4+8+16+32 s: 62 s).
expect_gt "a gave b its retransmissions before declaring it dead ($t_dead s > 60 s)" \
	"$t_dead" 60
no_peers() { local out; out=$(ipsecctl_on a active-peers print detail) && [ -z "$out" ]; }
expect_ok "a's active-peers is empty" wait_until 2 no_peers
expect_ok "a keeps its out policy" policy_exists a out 10.1.0.0/24 10.2.0.0/24
expect_ok "a keeps its in policy" policy_exists a in 10.2.0.0/24 10.1.0.0/24
expect_ok "a keeps its fwd policy" policy_exists a fwd 10.2.0.0/24 10.1.0.0/24
expect_grep "a's log says why" 'peer is dead' cat "$IT_WORK/a.log"

# b comes back (it clears what its first life left in the kernel); a ping from client a
# makes a's kernel ACQUIRE and a negotiates anew.
daemon_start b
expect_ok "traffic brings the tunnel up again" wait_until 20 ping_one ca 10.2.0.2
expect_ok "a's IKE SA is established again" wait_until 5 ike_established a
expect_ok "b's IKE SA is established again" wait_until 5 ike_established b
finish
