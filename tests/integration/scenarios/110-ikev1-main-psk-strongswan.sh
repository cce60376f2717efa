#!/usr/bin/env bash
# Interop, IKEv1: ipsecd on a initiates main mode with a pre-shared key to strongSwan
# (charon, swanctl, version = 1) on b, which only responds, then quick mode for a tunnel
# between the subnets. Both ends come up with matching SPIs in the kernels; ipsecd's
# active-peers shows the ISAKMP SA (established, initiator, one phase 2) and installed-sa
# the pair, statistics one IKE SA established; pings both ways cross as ESP and all four
# SAs count them. installed-sa flush on a: a sends deletes for the IPsec SAs, strongSwan
# drops its CHILD_SA, and the next traffic makes a new quick mode under the same ISAKMP
# SA. kill-connections on a: a deletes the ISAKMP SA (and its IPsec SAs) at both ends,
# and traffic brings the tunnel up again. Then strongSwan deletes its IKE_SA (swanctl
# --terminate: a delete for the IPsec SAs and one for the ISAKMP SA) and ipsecd removes
# its SAs from the kernel and forgets the ISAKMP SA.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
topo_two_hosts
psk=v1-main-110-4d2a
conf_ike peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="$psk" \
	exchange=main >"$(conf_file a)"
sw_conf_psk version=1 local=192.0.2.2 remote=192.0.2.1 local_ts=10.2.0.0/24 \
	remote_ts=10.1.0.0/24 ike=aes256-sha256-modp2048 esp=aes256-sha256 psk="$psk" \
	>"$IT_WORK/b.swanctl.conf"
sw_start b b
expect_grep "b loads its connection" "loaded connection 'gw'" sw_load b "$IT_WORK/b.swanctl.conf"
daemon_start a

expect_ok "ipsecd's ISAKMP SA is established" wait_until 15 ike_established a
expect_ok "strongSwan has the IKE_SA (IKEv1) and CHILD_SA up" sw_wait_established b net 10
expect_grep "strongSwan's IKE_SA is IKEv1" 'ESTABLISHED, IKEv1' sw_list_sas b
two_sas() { [ "$(sa_count "$1")" -eq 2 ]; }
expect_ok "a has its SA pair" wait_until 5 two_sas a
found() { "$@" || [ $? -eq 141 ]; }
no_sas() { [ "$(sa_count a)" -eq 0 ]; }
b_in=$(sw_child_spi b net in) || b_in=0x00000000
b_out=$(sw_child_spi b net out) || b_out=0x00000000
expect_ok "a's kernel sends with strongSwan's inbound SPI ($b_in)" found sa_exists a esp "$b_in"
expect_ok "a's kernel receives on strongSwan's outbound SPI ($b_out)" found sa_exists a esp "$b_out"
expect_grep "a's active-peers: IKEv1, established" 'state="?established' \
	ipsecctl_on a active-peers print detail
expect_grep "a's active-peers: initiator" 'side=initiator' ipsecctl_on a active-peers print detail
expect_grep "a's active-peers: one phase 2" 'ph2-total=1' ipsecctl_on a active-peers print detail
expect_grep "a's active-peers: an uptime" 'uptime=[0-9]+s' ipsecctl_on a active-peers print detail
expect_grep "a's active-peers: no NAT" 'natt-peer=no' ipsecctl_on a active-peers print detail
log "a's active-peers: $(ipsecctl_on a active-peers print detail | tr -s ' \n' ' ')"
expect_grep "a's installed-sa shows the SA to b" "$(printf '0x%X' "$b_in")" \
	ipsecctl_on a installed-sa print detail
expect_grep "a's installed-sa shows the SA from b" "$(printf '0x%X' "$b_out")" \
	ipsecctl_on a installed-sa print detail

capture_start a eth0 link-a
capture_start b eth0 link-b
expect_ok "ping client a -> client b through the tunnel" ping_ok ca 10.2.0.2
expect_ok "ping client b -> client a through the tunnel" ping_ok cb 10.1.0.2
capture_stop link-a 6 esp
capture_stop link-b 6 esp
for h in a b; do
	expect_gt "$h sent the pings as ESP" "$(capture_count "link-$h" esp)" 5
	expect_eq "$h sent no ICMP in the clear" 0 "$(capture_count "link-$h" icmp)"
done
for h in a b; do
	for spi in "$b_in" "$b_out"; do
		expect_gt "$h's SA $spi counted" "$(sa_packets "$h" esp "$spi" || true)" 0
	done
done

stat() { ipsecctl_on a statistics print detail | grep -oE "$1=[0-9]+" | cut -d= -f2; }
expect_eq "a's statistics: one IKE SA established" 1 "$(stat ike-established)"
expect_eq "a's statistics: none failed" 0 "$(stat ike-failed)"

# installed-sa flush: the deletes reach strongSwan; traffic makes a new phase 2
old_spis=$(esp_spis a)
expect_grep "installed-sa flush on a" 'flushed 2 SA' ipsecctl_on a installed-sa flush
b_no_child() { ! sw_established b net; }
expect_ok "strongSwan drops its CHILD_SA on a's deletes" wait_until 5 b_no_child
expect_ok "strongSwan keeps the IKE_SA" sw_established b
expect_ok "traffic brings a new phase 2 up (ACQUIRE)" wait_until 15 ping_one ca 10.2.0.2
expect_ok "a has a new SA pair" wait_until 5 two_sas a
expect_ok "the new pair is not the flushed one ($old_spis -> $(esp_spis a))" \
	test "$old_spis" != "$(esp_spis a)"
expect_eq "still one ISAKMP SA on a" 1 "$(ike_count a)"
expect_ok "strongSwan has the new CHILD_SA" sw_wait_established b net 5
expect_tunnel_carries a

# kill-connections: the ISAKMP SA goes at both ends, traffic brings it back
expect_grep "kill-connections on a" 'killed 1 IKE SA' ipsecctl_on a active-peers kill-connections
expect_ok "a's kernel has no SA left" wait_until 5 no_sas
b_no_ike() { ! sw_established b; }
expect_ok "strongSwan drops its IKE_SA on a's delete" wait_until 5 b_no_ike
expect_ok "traffic brings the tunnel up again" wait_until 20 ping_one ca 10.2.0.2
expect_ok "a's ISAKMP SA is established again" wait_until 5 ike_established a
expect_ok "strongSwan has the IKE_SA and CHILD_SA up again" sw_wait_established b net 5
expect_tunnel_carries a

expect_ok "strongSwan deletes its IKE_SA" sw_terminate b gw
expect_ok "ipsecd removes its SAs on the deletes" wait_until 10 no_sas a
expect_ok "ipsecd forgets the ISAKMP SA" wait_until 5 no_ike_sa a
expect_ok "strongSwan stops with status 0" sw_stop b
finish
