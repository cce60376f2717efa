#!/usr/bin/env bash
# L2TP/IPsec as Windows and Android clients do it (issue 16): an IKEv1 client behind a NAT
# asks for transport mode between its own (private) address and the gateway's, UDP port
# 1701 at both ends, and the gateway generates the policy from a template
# (generate-policy=port-strict, as RouterOS's L2TP server sets it up):
#   strongSwan on a (10.0.1.2, behind the masquerading router "nat") initiates main mode
#   with a pre-shared key to ipsecd on b (203.0.113.2), mode=transport,
#   local_ts/remote_ts dynamic[udp/1701].
# Checked: the ISAKMP SA floats to 4500, both kernels hold a transport-mode pair in UDP,
# b's generated policy has the client as the kernel sees it after decapsulation (the NAT's
# address 203.0.113.1, port 1701; its private address in the IDs is of no use to b's
# kernel), `policy print` shows it dynamic; a datagram from a's port 1701 reaches b's port
# 1701 and b's answer reaches a, both ways as ESP in UDP (no UDP 1701 in the clear from the
# NAT to b nor from b), and all four SAs count them. After strongSwan closes, b's generated
# policies are gone.
#
# The NAT needs iptables (Debian package iptables, its legacy back end).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
require "python3 is installed (the UDP 1701 echo)" type -P python3
topo_nat
require "nat masquerades a (iptables)" nat_masquerade
expect_ok "a reaches b through the NAT (plain ping)" ping_ok a 203.0.113.2

psk=v1-l2tp-133-7c1e
cat >"$(conf_file b)" <<CONF
/ip ipsec profile add name=p1 enc-algorithm=aes-256 hash-algorithm=sha256 dh-group=modp2048 nat-traversal=yes
/ip ipsec peer add name=l2tp address=0.0.0.0/0 exchange-mode=main profile=p1 passive=yes
/ip ipsec policy group add name=l2tp
/ip ipsec identity add peer=l2tp auth-method=pre-shared-key secret="$psk" generate-policy=port-strict policy-template-group=l2tp
/ip ipsec proposal add name=pr1 enc-algorithms=aes-256-cbc auth-algorithms=sha256 pfs-group=none
/ip ipsec policy add template=yes group=l2tp src-address=0.0.0.0/0 dst-address=0.0.0.0/0 protocol=udp src-port=1701 proposal=pr1
CONF
sw_conf_psk version=1 mode=transport local=10.0.1.2 remote=203.0.113.2 \
	local_ts='dynamic[udp/1701]' remote_ts='dynamic[udp/1701]' psk="$psk" \
	>"$IT_WORK/a.swanctl.conf"
daemon_start b
sw_start a a
expect_grep "a loads its connection" "loaded connection 'gw'" sw_load a "$IT_WORK/a.swanctl.conf"
expect_ok "strongSwan initiates" sw_initiate a net
expect_ok "ipsecd's ISAKMP SA is established" wait_until 5 ike_established b
expect_grep "strongSwan's CHILD_SA is in transport mode" 'TRANSPORT' sw_list_sas a

transport_in_udp() {
	[ "$(ip -n "$IT_PREFIX$1" xfrm state | grep -c 'mode transport')" -eq 2 ] &&
		[ "$(encap_count "$1")" -eq 2 ]
}
for h in a b; do
	expect_ok "$h holds a transport-mode pair, ESP in UDP" wait_until 5 transport_in_udp "$h"
done
read -ra spis <<<"$(esp_spis a)"
expect_eq "a and b hold the same SA pair (${spis[*]})" "$(esp_spis a)" "$(esp_spis b)"
# policy_sel HOST DIR SELECTOR: HOST's kernel has a DIR policy with exactly SELECTOR.
policy_sel() {
	ip -n "$IT_PREFIX$1" xfrm policy | awk -v dir="$2" -v sel="$3" '
		/^src / { s = $0; sub(/ +$/, "", s); this = (s == sel); next }
		this && $1 == "dir" && $2 == dir { found = 1 }
		END { exit !found }'
}
expect_ok "b's generated outbound policy is to the NAT's address, port 1701" \
	policy_sel b out 'src 203.0.113.2/32 dst 203.0.113.1/32 proto udp sport 1701 dport 1701'
expect_ok "b's generated inbound policy is from the NAT's address, port 1701" \
	policy_sel b in 'src 203.0.113.1/32 dst 203.0.113.2/32 proto udp sport 1701 dport 1701'
expect_grep "b's policy print shows it dynamic" '^ *[0-9]+ +[A-Z]*D' ipsecctl_on b policy print

# The echo on b: answers each datagram to its port 1701 once, from port 1701.
on b python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.2", 1701))
for _ in range(3):
    d, a = s.recvfrom(2048)
    s.sendto(b"echo " + d, a)
' >"$IT_WORK/echo.out" 2>&1 &
echo_pid=$!
# l2tp_exchange: a sends three datagrams from its port 1701 and waits for each answer.
l2tp_exchange() {
	on a python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.1.2", 1701))
s.settimeout(2)
for i in range(3):
    for _ in range(3):
        s.sendto(b"hello %d" % i, ("203.0.113.2", 1701))
        try:
            d, _a = s.recvfrom(2048)
        except socket.timeout:
            continue
        if d == b"echo hello %d" % i:
            break
    else:
        sys.exit("no answer to datagram %d" % i)
'
}
capture_start nat eth1 outside
capture_start b eth0 b-out
expect_ok "a's datagrams from port 1701 reach b's port 1701 and b's answers come back" \
	l2tp_exchange
capture_stop outside 3 'udp port 4500'
capture_stop b-out 3 'udp port 4500'
wait "$echo_pid" || true
for c in outside b-out; do
	expect_gt "$c: the datagrams crossed as ESP in UDP" "$(capture_count "$c" 'udp port 4500')" 2
	expect_eq "$c: no UDP 1701 in the clear" 0 "$(capture_count "$c" 'udp port 1701')"
done
for h in a b; do
	for spi in "${spis[@]}"; do
		expect_gt "$h's SA $spi counted" "$(sa_packets "$h" esp "$spi" || true)" 0
	done
done

gen_gone() { ! ip -n "$IT_PREFIX"b xfrm policy | grep -q 'dst 203.0.113.1/32'; }
expect_ok "strongSwan closes" sw_terminate a gw
expect_ok "b's generated policies are gone" wait_until 5 gen_gone
expect_ok "strongSwan stops with status 0" sw_stop a
finish
