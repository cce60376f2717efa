#!/usr/bin/env bash
# IKEv1 base mode (RFC 2408 4.8) with a pre-shared key between two ipsecd: no packaged
# peer speaks it, so both ends are ipsecd. First a initiates (b is passive), then, with
# the roles swapped, b initiates. Each time: both ISAKMP SAs are established in base mode
# (the log says which end started), the four phase 1 messages on the wire are BASE
# exchanges (type 1, sent in the clear) and none is main or aggressive mode, both ends
# hold the same ESP pair, pings both ways cross as ESP and every SA at both ends counts
# them.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

topo_two_hosts
psk=v1-base-130-77c1

# confs INITIATOR RESPONDER: writes both configurations, the responder passive.
confs() {
	local -A side=([a]="192.0.2.2 10.1.0.0/24 10.2.0.0/24" [b]="192.0.2.1 10.2.0.0/24 10.1.0.0/24")
	local h peer lts rts passive
	for h in a b; do
		read -r peer lts rts <<<"${side[$h]}"
		passive=no
		[ "$h" != "$2" ] || passive=yes
		conf_ike peer="$peer" local_ts="$lts" remote_ts="$rts" psk="$psk" exchange=base \
			passive="$passive" >"$(conf_file "$h")"
	done
}

# The ISAKMP header's exchange type, 18 bytes into it (after the 8 of UDP): 1 is BASE,
# 2 main mode (identity protection), 4 aggressive mode.
base_filter='udp port 500 and udp[26] = 1'
other_filter='udp port 500 and (udp[26] = 2 or udp[26] = 4)'

two_sas() { [ "$(sa_count "$1")" -eq 2 ]; }

# round INITIATOR RESPONDER
round() {
	local i=$1 r=$2
	confs "$i" "$r"
	capture_start a eth0 "ike-$i-a"
	capture_start b eth0 "ike-$i-b"
	daemon_start "$r"
	daemon_start "$i"
	expect_ok "$i's ISAKMP SA is established" wait_until 15 ike_established "$i"
	expect_ok "$r's ISAKMP SA is established" wait_until 5 ike_established "$r"
	expect_ok "$i has its ESP pair" wait_until 5 two_sas "$i"
	expect_ok "$r has its ESP pair" wait_until 5 two_sas "$r"
	expect_grep "$i established in base mode as the initiator" \
		'ISAKMP SA established \(base mode, initiator\)' cat "$(_it_log "$i")"
	expect_grep "$r established in base mode as the responder" \
		'ISAKMP SA established \(base mode, responder\)' cat "$(_it_log "$r")"
	expect_eq "both ends hold the same ESP SPIs" "$(esp_spis "$i")" "$(esp_spis "$r")"
	expect_grep "$i's active-peers: initiator" 'side=initiator' \
		ipsecctl_on "$i" active-peers print detail
	expect_grep "$r's active-peers: responder" 'side=responder' \
		ipsecctl_on "$r" active-peers print detail

	expect_tunnel_carries a
	expect_ok "ping client b -> client a through the tunnel" ping_ok cb 10.1.0.2
	expect_tunnel_carries b
	capture_stop "ike-$i-a" 2 udp
	capture_stop "ike-$i-b" 2 udp
	for h in a b; do
		expect_eq "$h sent two base mode messages" 2 \
			"$(capture_count "ike-$i-$h" "$base_filter")"
		expect_eq "$h sent no main or aggressive mode message" 0 \
			"$(capture_count "ike-$i-$h" "$other_filter")"
	done
	daemon_stop "$i"
	daemon_stop "$r"
	: >"$(_it_log a)"
	: >"$(_it_log b)"
}

round a b
round b a

finish
