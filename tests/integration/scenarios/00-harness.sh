#!/usr/bin/env bash
# The harness and the kernel on their own, without ipsecd: an ESP tunnel between the
# two gateways set up by hand with ip xfrm. Client a pings client b; the ping must cross,
# both gateways' SA counters must grow, and what a sends on the link must be ESP, never
# ICMP. If this fails, the daemon scenarios' failures say nothing about the daemon.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

topo_two_hosts

# Without any policy the clients reach each other in the clear: the topology works.
expect_ok "plain ping client a -> client b before any IPsec" ping_one ca 10.2.0.2

# The SAs and policies of a tunnel 10.1.0.0/24 <-> 10.2.0.0/24 between 192.0.2.1 and
# 192.0.2.2: SPI 0x1002 from a to b, 0x1001 from b to a, with the keys of manual-sa ms1
# (lib.sh), the tunnel the daemon scenarios have ipsecd make.
K1=$MS1_ENC1 K2=$MS1_ENC2 A1=$MS1_AUTH1 A2=$MS1_AUTH2
sas() {
	cat <<-EOF
		xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1002 mode tunnel enc cbc(aes) $K2 auth-trunc hmac(sha1) $A2 96
		xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x1001 mode tunnel enc cbc(aes) $K1 auth-trunc hmac(sha1) $A1 96
	EOF
}
policies() { # policies LOCAL-NET REMOTE-NET LOCAL-GW REMOTE-GW
	cat <<-EOF
		xfrm policy add src $1 dst $2 dir out tmpl src $3 dst $4 proto esp mode tunnel
		xfrm policy add src $2 dst $1 dir in tmpl src $4 dst $3 proto esp mode tunnel
		xfrm policy add src $2 dst $1 dir fwd tmpl src $4 dst $3 proto esp mode tunnel
	EOF
}
{ sas; policies 10.1.0.0/24 10.2.0.0/24 192.0.2.1 192.0.2.2; } | ip -n "$(ns a)" -batch -
{ sas; policies 10.2.0.0/24 10.1.0.0/24 192.0.2.2 192.0.2.1; } | ip -n "$(ns b)" -batch -

expect_eq "a has 2 SAs" 2 "$(sa_count a)"
expect_eq "a has 3 policies" 3 "$(policy_count a)"
expect_eq "policy_field reads the action" allow "$(policy_field a out 10.1.0.0/24 10.2.0.0/24 action)"
expect_eq "SA counters start at 0" 0 "$(sa_bytes a esp 0x1002)"

capture_start a eth0 link
expect_ok "ping client a -> client b through the tunnel" ping_ok ca 10.2.0.2
capture_stop link 3 esp

expect_gt "a's outbound SA 0x1002 carried bytes" "$(sa_bytes a esp 0x1002)" 0
expect_gt "a's inbound SA 0x1001 carried bytes" "$(sa_bytes a esp 0x1001)" 0
expect_gt "b's inbound SA 0x1002 carried bytes" "$(sa_bytes b esp 0x1002)" 0
expect_gt "b's outbound SA 0x1001 carried bytes" "$(sa_packets b esp 0x1001)" 0
expect_gt "a sent ESP on the link" "$(capture_count link esp)" 2
expect_eq "a sent no ICMP in the clear" 0 "$(capture_count link icmp)"
[ "$(capture_count link icmp)" -eq 0 ] || capture_show link

# The same hosts without the SAs: the policies now drop what they cannot protect.
ip -n "$(ns a)" xfrm state flush
expect_fail "without SAs, the out policy drops the traffic" ping_one ca 10.2.0.2

finish
