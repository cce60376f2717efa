#!/usr/bin/env bash
# Scenario 10 in IPv6: a manual-SA ESP tunnel between the client subnets 2001:db8:1::/64
# and 2001:db8:2::/64, between the gateways' link addresses 2001:db8::1 and 2001:db8::2,
# made by ipsecd on both gateways; and beside it a transport-mode policy between the
# gateways' own link addresses, with SAs of its own. Client a pings client b and gateway
# a pings gateway b: each ping must cross, the SAs of its own policy (and only those)
# must count it on both gateways, and what a sends on the link must be ESP, never an
# ICMPv6 echo in the clear.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

# topo_v6: topo_two_hosts (whose link already has 2001:db8::1 and ::2) with IPv6 client
# subnets and routes:
#   ca 2001:db8:1::2 -- 2001:db8:1::1 a 2001:db8::1 == 2001:db8::2 b 2001:db8:2::1 -- 2001:db8:2::2 cb
topo_v6() {
	topo_two_hosts
	ip -n "$(ns a)" -batch - <<-EOF
		addr add 2001:db8:1::1/64 dev lan0 nodad
		route add 2001:db8:2::/64 via 2001:db8::2
	EOF
	ip -n "$(ns b)" -batch - <<-EOF
		addr add 2001:db8:2::1/64 dev lan0 nodad
		route add 2001:db8:1::/64 via 2001:db8::1
	EOF
	ip -n "$(ns ca)" -batch - <<-EOF
		addr add 2001:db8:1::2/64 dev eth0 nodad
		route add default via 2001:db8:1::1
	EOF
	ip -n "$(ns cb)" -batch - <<-EOF
		addr add 2001:db8:2::2/64 dev eth0 nodad
		route add default via 2001:db8:2::1
	EOF
}

# v6_settled HOST: no address of HOST is still tentative. The link-local addresses go
# through duplicate address detection; until it ends, a router cannot send the neighbour
# solicitations for packets it forwards (they need a link-local source).
# shellcheck disable=SC2317 # called through wait_until
v6_settled() { [ -z "$(ip -n "$(ns "$1")" -6 addr show tentative)" ]; }

topo_v6

# sa_ends HOST SPI: "SRC DST MODE" of HOST's ESP SA with that SPI.
sa_ends() {
	ip -n "$(ns "$1")" xfrm state | awk -v spi="$(printf '0x%08x' "$(($2))")" '
		/^src / { ends = $2 " " $4 }
		$1 == "proto" && $2 == "esp" && $3 == "spi" && $4 == spi {
			for (i = 1; i < NF; i++) if ($i == "mode") print ends, $(i + 1)
		}'
}

# ms6 for the tunnel: AES-256-CBC and HMAC-SHA1, SPI 0x6001 into a, 0x6002 into b.
# ms7 for transport mode: AES-192-CBC and HMAC-MD5, SPI 0x7001 into a, 0x7002 into b.
# shellcheck disable=SC2034 # used through the namerefs in conf
declare -r \
	TE1=0x6102030405060708091011121314151617181920212223242526272829303132 \
	TE2=0x6202030405060708091011121314151617181920212223242526272829303132 \
	TA1=0x6102030405060708090a0b0c0d0e0f1001020304 \
	TA2=0x6202030405060708090a0b0c0d0e0f1001020304 \
	XE1=0x710203040506070809101112131415161718192021222324 \
	XE2=0x720203040506070809101112131415161718192021222324 \
	XA1=0x71020304050607080910111213141516 \
	XA2=0x72020304050607080910111213141516
conf() { # conf IN OUT LOCAL-NET REMOTE-NET LOCAL REMOTE
	local -n te_in=TE$1 te_out=TE$2 ta_in=TA$1 ta_out=TA$2
	local -n xe_in=XE$1 xe_out=XE$2 xa_in=XA$1 xa_out=XA$2
	cat <<-CONF
		/ip ipsec manual-sa
		add name=ms6 esp-auth-algorithm=sha1 esp-enc-algorithm=aes-256 esp-spi=0x600$1/0x600$2 esp-auth-key=$ta_in/$ta_out esp-enc-key=$te_in/$te_out
		add name=ms7 esp-auth-algorithm=md5 esp-enc-algorithm=aes-192 esp-spi=0x700$1/0x700$2 esp-auth-key=$xa_in/$xa_out esp-enc-key=$xe_in/$xe_out
		/ip ipsec policy
		add src-address=$3 dst-address=$4 sa-src-address=$5 sa-dst-address=$6 tunnel=yes manual-sa=ms6
		add src-address=$5/128 dst-address=$6/128 sa-src-address=$5 sa-dst-address=$6 tunnel=no manual-sa=ms7
	CONF
}
conf 1 2 2001:db8:1::/64 2001:db8:2::/64 2001:db8::1 2001:db8::2 >"$(conf_file a)"
conf 2 1 2001:db8:2::/64 2001:db8:1::/64 2001:db8::2 2001:db8::1 >"$(conf_file b)"

expect_ok "ipsecd -n accepts a's configuration" "$IPSECD" -n -f "$(conf_file a)"
daemon_start a
daemon_start b

expect_ok "a installs its outbound tunnel SA (0x6002)" wait_until 5 sa_exists a esp 0x6002
expect_ok "a installs its inbound tunnel SA (0x6001)" sa_exists a esp 0x6001
expect_ok "a installs its outbound transport SA (0x7002)" sa_exists a esp 0x7002
expect_ok "a installs its inbound transport SA (0x7001)" sa_exists a esp 0x7001
expect_ok "b installs its outbound tunnel SA (0x6001)" wait_until 5 sa_exists b esp 0x6001
expect_ok "b installs its inbound transport SA (0x7002)" sa_exists b esp 0x7002
expect_eq "a's outbound tunnel SA is a tunnel between the gateways" \
	"2001:db8::1 2001:db8::2 tunnel" "$(sa_ends a 0x6002)"
expect_eq "a's inbound transport SA is in transport mode" \
	"2001:db8::2 2001:db8::1 transport" "$(sa_ends a 0x7001)"
expect_ok "a installs the tunnel's out policy" policy_exists a out 2001:db8:1::/64 2001:db8:2::/64
expect_ok "a installs the tunnel's in policy" policy_exists a in 2001:db8:2::/64 2001:db8:1::/64
expect_ok "a installs the tunnel's fwd policy" policy_exists a fwd 2001:db8:2::/64 2001:db8:1::/64
expect_ok "b installs the tunnel's fwd policy" policy_exists b fwd 2001:db8:1::/64 2001:db8:2::/64
expect_ok "a installs the transport out policy" \
	policy_exists a out 2001:db8::1/128 2001:db8::2/128
expect_ok "a installs the transport in policy" policy_exists a in 2001:db8::2/128 2001:db8::1/128

for h in a b ca cb; do
	expect_ok "$h's IPv6 addresses are through duplicate address detection" \
		wait_until 10 v6_settled "$h"
done

# Echo requests and replies (ICMPv6 types 128, 129) in the clear; neighbour discovery
# may be.
echo_in_clear='icmp6 and (ip6[40] == 128 or ip6[40] == 129)'

capture_start a eth0 link
expect_ok "ping client a -> client b through the tunnel" ping_ok ca 2001:db8:2::2
capture_stop link 3 esp
expect_gt "a's outbound tunnel SA 0x6002 carried bytes" "$(sa_bytes a esp 0x6002)" 0
expect_gt "a's inbound tunnel SA 0x6001 carried bytes" "$(sa_bytes a esp 0x6001)" 0
expect_gt "b's inbound tunnel SA 0x6002 carried bytes" "$(sa_bytes b esp 0x6002)" 0
expect_gt "b's outbound tunnel SA 0x6001 carried bytes" "$(sa_bytes b esp 0x6001)" 0
expect_gt "a sent the pings as ESP" "$(capture_count link esp)" 2
expect_eq "a sent no ICMPv6 echo in the clear" 0 "$(capture_count link "$echo_in_clear")"
[ "$(capture_count link "$echo_in_clear")" -eq 0 ] || capture_show link
# Before: neighbour discovery between the gateways (unicast, so inside the transport
# policy's selector) may already have gone through the transport SAs.
tunnel_out=$(sa_bytes a esp 0x6002 || true)
declare -A before
for h in a b; do
	for spi in 0x7001 0x7002; do before[$h$spi]=$(sa_bytes $h esp $spi || true); done
done

capture_start a eth0 link2
expect_ok "ping gateway a -> gateway b in transport mode" ping_ok a 2001:db8::2
capture_stop link2 3 esp
expect_gt "a's outbound transport SA 0x7002 counted it" "$(sa_bytes a esp 0x7002)" "${before[a0x7002]}"
expect_gt "a's inbound transport SA 0x7001 counted it" "$(sa_bytes a esp 0x7001)" "${before[a0x7001]}"
expect_gt "b's inbound transport SA 0x7002 counted it" "$(sa_bytes b esp 0x7002)" "${before[b0x7002]}"
expect_gt "b's outbound transport SA 0x7001 counted it" "$(sa_bytes b esp 0x7001)" "${before[b0x7001]}"
expect_same "... and not through the tunnel's SA" "$tunnel_out" "$(sa_bytes a esp 0x6002)"
expect_gt "a sent the pings as ESP" "$(capture_count link2 esp)" 2
expect_eq "a sent no ICMPv6 echo in the clear" 0 "$(capture_count link2 "$echo_in_clear")"
[ "$(capture_count link2 "$echo_in_clear")" -eq 0 ] || capture_show link2

finish
