#!/usr/bin/env bash
# strongSwan on a initiates to ipsecd on b with no NAT between them: after IKE_SA_INIT
# strongSwan moves IKE to port 4500 anyway (with MOBIKE on, its default, as RFC 4555 3
# asks; RFC 7296 2.23 allows it). ESP must stay
# plain ESP at both ends: no "encap" on either kernel's SAs, natt-peer=no in ipsecd's
# active-peers, pings both ways leave each gateway as ESP (IP protocol 50, which ESP in
# UDP is not), and all four SAs count them. Three cases: a tunnel between the client
# subnets, transport mode between the gateways, transport over IPv6.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
topo_two_hosts
psk=no-nat-96-3a7f
sw_start a a

# no_nat_case LABEL TUNNEL A B LOCAL_TS_A LOCAL_TS_B FROM_A TO_B FROM_B TO_A: strongSwan
# on a (address A) initiates to ipsecd on b (address B); FROM_A pings TO_B and FROM_B
# pings TO_A through the CHILD SA.
_lladdr() { ip -n "$(ns "$1")" -br link show eth0 | awk '{ print $3 }'; }

no_nat_case() {
	local l=$1 tunnel=$2 a=$3 b=$4 ts_a=$5 ts_b=$6 from_a=$7 to_b=$8 from_b=$9 to_a=${10}
	local mode=tunnel h spi n
	[ "$tunnel" = yes ] || mode=transport
	log "--- $l"
	# transport mode between the gateways covers IPv6 neighbour discovery too: fixed
	# neighbour entries keep it off the wire
	if [[ $a == *:* ]]; then
		on a ip -6 neigh replace "$b" lladdr "$(_lladdr b)" dev eth0 nud permanent
		on b ip -6 neigh replace "$a" lladdr "$(_lladdr a)" dev eth0 nud permanent
	fi
	conf_ike peer="$a" local_ts="$ts_b" remote_ts="$ts_a" psk="$psk" passive=yes \
		tunnel="$tunnel" dh=ecp256 >"$(conf_file b)"
	sw_conf_psk local="$a" remote="$b" local_ts="$ts_a" remote_ts="$ts_b" mode="$mode" \
		ike=aes256-sha256-ecp256 mobike=yes psk="$psk" >"$IT_WORK/a.swanctl.conf"
	daemon_start b
	expect_grep "$l: a loads its connection" "loaded connection 'gw'" \
		sw_load a "$IT_WORK/a.swanctl.conf"
	expect_ok "$l: strongSwan initiates" sw_initiate a net
	expect_ok "$l: ipsecd's IKE SA is established" wait_until 5 ike_established b
	expect_grep "$l: strongSwan moved IKE to port 4500 (what makes this case)" \
		"@ $b\\[4500\\]" sw_list_sas a
	expect_eq "$l: a's SAs are plain ESP (no encap)" 0 "$(encap_count a)"
	expect_eq "$l: b's SAs are plain ESP (no encap)" 0 "$(encap_count b)"
	expect_grep "$l: b's active-peers: natt-peer=no" 'natt-peer=no' \
		ipsecctl_on b active-peers print detail
	local spis_a spis_b p0=()
	read -ra spis_a <<<"$(esp_spis a)"
	read -ra spis_b <<<"$(esp_spis b)"
	expect_eq "$l: a holds one ESP SA pair" 2 "${#spis_a[@]}"
	expect_eq "$l: b holds one ESP SA pair" 2 "${#spis_b[@]}"
	capture_start a eth0 "out-a$l"
	capture_start b eth0 "out-b$l"
	expect_ok "$l: ping $from_a -> $to_b" on "$from_a" ping -n -q -c 3 -i 0.2 -W 1 "$to_b"
	expect_ok "$l: ping $from_b -> $to_a" on "$from_b" ping -n -q -c 3 -i 0.2 -W 1 "$to_a"
	capture_stop "out-a$l" 6 esp
	capture_stop "out-b$l" 6 esp
	# each gateway sends the echo requests of one ping and the replies of the other
	expect_gt "$l: a sent ESP (protocol 50)" "$(capture_count "out-a$l" esp)" 5
	expect_gt "$l: b sent ESP (protocol 50)" "$(capture_count "out-b$l" esp)" 5
	for h in a b; do
		local -n spis=spis_$h
		for spi in "${spis[@]}"; do
			n=$(sa_packets "$h" esp "$spi") || n=gone
			expect_gt "$l: $h's SA $spi counted the pings" "$n" 2
		done
	done
	expect_ok "$l: strongSwan closes its IKE_SA" sw_terminate a gw
	expect_ok "$l: ipsecd on b stops with status 0" daemon_stop b
}

no_nat_case tunnel yes 192.0.2.1 192.0.2.2 10.1.0.0/24 10.2.0.0/24 ca 10.2.0.2 cb 10.1.0.2
no_nat_case transport no 192.0.2.1 192.0.2.2 192.0.2.1/32 192.0.2.2/32 a 192.0.2.2 b 192.0.2.1
no_nat_case ipv6 no 2001:db8::1 2001:db8::2 2001:db8::1/128 2001:db8::2/128 \
	a 2001:db8::2 b 2001:db8::1
expect_ok "strongSwan stops with status 0" sw_stop a
finish
