#!/usr/bin/env bash
# Many initiators behind one address (issue 14, item 6, shown from outside): three
# strongSwan clients rw1..rw3, each in a namespace of its own with a subnet of its own
# (10.1.I.0/24) and an ID of its own (fqdn:cI.test, each with its own PSK), behind one
# masquerading router, connect to ipsecd on b. b has one passive peer, the NAT's address,
# with one identity per client (remote-id=fqdn:cI.test) and one tunnel policy per
# client subnet. All three come up from the same address, NAT-T on ports the NAT chose,
# each with its own CHILD SA; pings cross each tunnel both ways (started at the client
# and at b) and b's two SAs of each count them. Then rw1's charon is killed (SIGKILL,
# as a crash) and started again on other local ports; it initiates anew with
# INITIAL_CONTACT (RFC 7296 2.4), from the same address but, as the NAT maps the new
# ports anew, another port than its old IKE SA (so a scope of address and port would
# leave the old one). At b that replaces c1.test's IKE SA only: c1.test has one IKE SA,
# new, and its old CHILD SAs are gone from b's kernel, while c2.test's and c3.test's IKE
# SAs (as strongSwan knows them and as old as before at b) and CHILD SA SPIs are
# unchanged; then all three tunnels carry pings both ways again.
#
# The NAT needs iptables (Debian package iptables; its legacy back end in user-mode
# Linux): without it the scenario fails, saying so.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

N=3
require "strongSwan is installed" sw_require
topo_nat_clients "$N"
require "nat masquerades the clients (iptables)" nat_masquerade

{
	echo "/ip ipsec profile add name=p1 enc-algorithm=aes-256 hash-algorithm=sha256 dh-group=ecp256 nat-traversal=yes"
	echo "/ip ipsec peer add name=nat address=203.0.113.1/32 exchange-mode=ike2 profile=p1 passive=yes"
	echo "/ip ipsec proposal add name=pr1 enc-algorithms=aes-256-cbc auth-algorithms=sha256 pfs-group=none"
	for ((i = 1; i <= N; i++)); do
		echo "/ip ipsec identity add peer=nat auth-method=pre-shared-key secret=\"psk-c$i-99\" remote-id=fqdn:c$i.test"
		echo "/ip ipsec policy add src-address=10.2.0.0/24 dst-address=10.1.$i.0/24 tunnel=yes peer=nat proposal=pr1"
	done
} >"$(conf_file b)"
daemon_start b

# client_start I [LINE...]: client I's charon (LINEs for its strongswan.conf) and
# configuration.
client_start() {
	sw_start "rw$1" "rw$1" "${@:2}"
	sw_conf_psk local=10.0."$1".2 remote=203.0.113.2 local_id="c$1.test" remote_id=203.0.113.2 \
		local_ts=10.1."$1".0/24 remote_ts=10.2.0.0/24 ike=aes256-sha256-ecp256 \
		esp=aes256-sha256 psk="psk-c$1-99" >"$IT_WORK/rw$1.swanctl.conf"
	sw_load "rw$1" "$IT_WORK/rw$1.swanctl.conf"
}

# b_peers: b's IKE SAs, one line each: REMOTE-ID STATE UPTIME REMOTE-ADDRESS (as
# ipsecctl prints them; an FQDN remote ID without its type).
b_peers() {
	ipsecctl_on b -j active-peers print | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    print(*(p.get(k) or "-" for k in ("remote-id", "state", "uptime", "remote-address")))'
}
# b_from_nat: every IKE SA of b's is with the NAT's address.
b_from_nat() {
	local id st up addr n=0
	while read -r id st up addr; do
		[ "$addr" = 203.0.113.1 ] || return 1
		n=$((n + 1))
	done <<<"$(b_peers)"
	[ "$n" = "$N" ]
}
# b_ike_count ID: how many established IKE SAs b has with remote ID ID.
b_ike_count() {
	local id st up _ n=0
	while read -r id st up _; do
		[ "$id" = "$1" ] && [ "$st" = established ] && n=$((n + 1))
	done <<<"$(b_peers)"
	echo "$n"
}
# b_ike_uptime ID: the uptime (s) of b's IKE SA with remote ID ID (the first).
b_ike_uptime() {
	local id st up _
	while read -r id st up _; do
		[ "$id" = "$1" ] && duration_seconds "$up" && return 0
	done <<<"$(b_peers)"
	return 1
}
# b_has_all: b has one established IKE SA per client.
b_has_all() {
	local i
	for ((i = 1; i <= N; i++)); do [ "$(b_ike_count "c$i.test")" = 1 ] || return 1; done
	[ "$(ike_count b)" = "$N" ]
}

# nat_port SPI: the NAT's port of b's inbound SA SPI ("encap type espinudp sport P").
nat_port() {
	ip -n "$(ns b)" xfrm state | awk -v spi="$(printf '0x%08x' "$(($1))")" '
		/^src / { this = 0 }
		$1 == "proto" && $3 == "spi" && $4 == spi { this = 1 }
		this && $1 == "encap" { print $5; found = 1 }
		END { exit !found }'
}

# traffic LABEL I: pings from client I's subnet to b's and back from b's to client I's;
# b's inbound SA (client I's outbound SPI) and outbound SA (its inbound SPI) count them.
traffic() {
	local i=$2 out in p_in p_out
	out=$(sw_child_spi "rw$i" net out) || out=none
	in=$(sw_child_spi "rw$i" net in) || in=none
	p_in=$(sa_packets b esp "$out") || p_in=0
	p_out=$(sa_packets b esp "$in") || p_out=0
	expect_ok "$1 ping c$i.test's subnet -> b's" on "rw$i" ping -n -q -c 2 -i 0.2 -W 1 -I 10.1."$i".1 10.2.0.1
	expect_ok "$1 ping b's subnet -> c$i.test's" on b ping -n -q -c 2 -i 0.2 -W 1 -I 10.2.0.1 10.1."$i".1
	expect_gt "$1 b's inbound SA $out of c$i.test counted them" "$(sa_packets b esp "$out" || echo 0)" "$p_in"
	expect_gt "$1 b's outbound SA $in to c$i.test counted them" "$(sa_packets b esp "$in" || echo 0)" "$p_out"
}

# --- 1. three clients from one address
for ((i = 1; i <= N; i++)); do
	client_start "$i"
	expect_ok "1. c$i.test initiates" sw_initiate "rw$i" net
done
expect_ok "1. b has one IKE SA per client ID, $N in all" wait_until 5 b_has_all
b_peers >"$IT_WORK/peers"
_it_show "b's IKE SAs (remote-id state uptime remote-address)" "$IT_WORK/peers"
expect_ok "1. all three from the NAT's address" b_from_nat
expect_eq "1. b holds a CHILD SA pair per client" $((2 * N)) "$(esp_spis b | wc -w)"
expect_eq "1. all of them ESP in UDP (NAT-T)" $((2 * N)) \
	"$(encap_count b 'sport (4500 dport 40[0-9]{3}|40[0-9]{3} dport 4500)')"
for ((i = 1; i <= N; i++)); do traffic 1. "$i"; done

# --- 2. c1.test's charon dies and comes back: INITIAL_CONTACT replaces its IKE SA only
declare -A ike0 in0 out0
for ((i = 1; i <= N; i++)); do
	ike0[$i]=$(sw_ike_spis "rw$i") || ike0[$i]=
	in0[$i]=$(sw_child_spi "rw$i" net in) || in0[$i]=
	out0[$i]=$(sw_child_spi "rw$i" net out) || out0[$i]=
done
port0=$(nat_port "${out0[1]}") || port0=
t_restart=$SECONDS
log_lines=$(wc -l <"$(sw_dir rw1)/run/charon.log")
sw_kill rw1
# Other local ports: the NAT maps the new charon's IKE anew, so that it comes from
# another port than its old IKE SA (as after a reboot, or an expired mapping).
client_start 1 "port = 1500" "port_nat_t = 14500"
expect_ok "2. c1.test initiates again" sw_initiate rw1 net
expect_grep "2. c1.test sent INITIAL_CONTACT" 'IKE_AUTH request 1 \[ IDi N\(INIT_CONTACT\)' \
	tail -n +"$((log_lines + 1))" "$(sw_dir rw1)/run/charon.log"
expect_ok "2. b has again one IKE SA per client ID, $N in all" wait_until 5 b_has_all
b_peers >"$IT_WORK/peers"
_it_show "b's IKE SAs (remote-id state uptime remote-address)" "$IT_WORK/peers"
up=$(b_ike_uptime c1.test) || up=none
expect_gt "2. c1.test's IKE SA at b is the new one (uptime $up s)" \
	$((SECONDS - t_restart + 1)) "$up"
port1=$(nat_port "$(sw_child_spi rw1 net out)") || port1=
expect_ok "2. c1.test comes from another NAT port ($port0, now $port1)" \
	test -n "$port0" -a -n "$port1" -a "$port0" != "$port1"
expect_fail "2. c1.test's old inbound SA at b is gone" sa_exists b esp "${out0[1]}"
expect_fail "2. c1.test's old outbound SA at b is gone" sa_exists b esp "${in0[1]}"
for ((i = 2; i <= N; i++)); do
	expect_same "2. c$i.test's IKE SA is the same (strongSwan's SPIs)" "${ike0[$i]}" \
		"$(sw_ike_spis "rw$i" || true)"
	up=$(b_ike_uptime "c$i.test") || up=none
	expect_gt "2. c$i.test's IKE SA at b is older than the restart (uptime $up s)" \
		"$up" $((SECONDS - t_restart - 1))
	expect_same "2. c$i.test's inbound CHILD SA SPI is the same" "${in0[$i]}" \
		"$(sw_child_spi "rw$i" net in || true)"
	expect_same "2. c$i.test's outbound CHILD SA SPI is the same" "${out0[$i]}" \
		"$(sw_child_spi "rw$i" net out || true)"
	expect_ok "2. b still holds c$i.test's inbound SA ${out0[$i]}" sa_exists b esp "${out0[$i]}"
	expect_ok "2. b still holds c$i.test's outbound SA ${in0[$i]}" sa_exists b esp "${in0[$i]}"
done
expect_eq "2. b holds a CHILD SA pair per client" $((2 * N)) "$(esp_spis b | wc -w)"
for ((i = 1; i <= N; i++)); do traffic 2. "$i"; done
for ((i = 1; i <= N; i++)); do sw_stop "rw$i" >/dev/null || true; done
finish
