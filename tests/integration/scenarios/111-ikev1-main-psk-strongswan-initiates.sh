#!/usr/bin/env bash
# Interop, IKEv1: strongSwan on a (version = 1) initiates main mode with a pre-shared key
# (ECP-256) to ipsecd on b, a passive responder, then quick mode with PFS (MODP-2048) for
# a tunnel between the subnets.
# Both ends come up; ipsecd's active-peers shows the ISAKMP SA (established, responder,
# one phase 2), installed-sa the pair and the policy its phase 2; pings both ways cross
# as ESP and all four SAs count them. strongSwan rekeys the CHILD_SA on demand (a second
# quick mode under the same ISAKMP SA, then a delete of the old pair: delete_rekeyed =
# yes, as strongSwan's IKEv1 default keeps the old pair until it expires) and the tunnel
# keeps working. Then ipsecd's kill-connections deletes the ISAKMP SA and its IPsec SAs
# at both ends. strongSwan checks ipsecd's liveness every 2 s (DPD, RFC 3706) and gets its
# answers. ipsecd's proposal lifetime (20 min, proposal-check=claim) is shorter than the
# one strongSwan proposes (66 min): ipsecd takes its own and says so (RESPONDER-LIFETIME);
# strongSwan logs it (and keeps its own for its kernel SAs).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
topo_two_hosts
psk=0x7d1e44b09a53c6f2
conf_ike peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" passive=yes \
	exchange=main dh=modp2048,ecp256 pfs=modp2048 plife=20m \
	extra="/ip ipsec profile set [ find name=p1 ] proposal-check=claim" >"$(conf_file b)"
sw_conf_psk version=1 local=192.0.2.1 remote=192.0.2.2 local_ts=10.1.0.0/24 \
	remote_ts=10.2.0.0/24 ike=aes256-sha256-ecp256 esp=aes256-sha256-modp2048 dpd=2s psk="$psk" \
	>"$IT_WORK/a.swanctl.conf"
daemon_start b
sw_start a a "delete_rekeyed = yes"
expect_grep "a loads its connection" "loaded connection 'gw'" sw_load a "$IT_WORK/a.swanctl.conf"
expect_ok "strongSwan initiates" sw_initiate a net
expect_ok "strongSwan has the IKE_SA and CHILD_SA up" sw_established a net
expect_grep "strongSwan's IKE_SA is IKEv1" 'ESTABLISHED, IKEv1' sw_list_sas a
expect_ok "ipsecd's ISAKMP SA is established" wait_until 5 ike_established b
expect_grep "ipsecd is the responder" 'side=responder' ipsecctl_on b active-peers print detail
expect_grep "ipsecd's ISAKMP SA has one phase 2" 'ph2-total=1' \
	ipsecctl_on b active-peers print detail
expect_grep "ipsecd's policy has its phase 2" 'ph2-state=established' \
	ipsecctl_on b policy print detail
found() { "$@" || [ $? -eq 141 ]; }
a_out=$(sw_child_spi a net out) || a_out=0x00000000
a_in=$(sw_child_spi a net in) || a_in=0x00000000
expect_ok "b's kernel receives on a's outbound SPI ($a_out)" found sa_exists b esp "$a_out"
expect_ok "b's kernel sends on a's inbound SPI ($a_in)" found sa_exists b esp "$a_in"
expect_grep "b's installed-sa shows the SA from a" "$(printf '0x%X' "$a_out")" \
	ipsecctl_on b installed-sa print detail
expect_eq "no NAT: b's SAs are plain ESP" 0 "$(encap_count b)"
# hard_life HOST: the largest hard lifetime (seconds) of HOST's SAs.
hard_life() {
	ip -n "$IT_PREFIX$1" -s xfrm state | grep -oE 'hard [0-9]+\(sec\)' | grep -oE '[0-9]+' |
		sort -n | tail -1
}
expect_eq "b's SAs live ipsecd's lifetime (claim)" 1200 "$(hard_life b)"
# (strongSwan 5.9.8 logs the lifetime it received but keeps its own for its kernel SAs)
expect_grep "strongSwan got RESPONDER-LIFETIME (N(24576)) and the lifetime" \
	'parsed QUICK_MODE response [0-9]+ \[ .*N\(\(24576\)\) \]' cat "$(sw_dir a)/run/charon.log"
expect_grep "strongSwan logs ipsecd's lifetime" 'received 1200s lifetime, configured 3960s' \
	cat "$(sw_dir a)/run/charon.log"
dpd_acked() { grep -Eq 'parsed INFORMATIONAL_V1 (request|response) [0-9]+ \[ HASH N\(DPD_ACK\) \]' "$(sw_dir a)/run/charon.log"; }
expect_ok "strongSwan's R-U-THEREs (dpd_delay 2 s) are answered with R-U-THERE-ACKs" \
	wait_until 10 dpd_acked
expect_grep "b's installed-sa: keyed with PFS" 'pfs=yes' \
	ipsecctl_on b installed-sa print detail where spi="$(printf '0x%X' "$a_out")"

capture_start a eth0 link-a
capture_start b eth0 link-b
expect_ok "ping client a -> client b through the tunnel" ping_ok ca 10.2.0.2
expect_ok "ping client b -> client a through the tunnel" ping_ok cb 10.1.0.2
capture_stop link-a 6 esp
capture_stop link-b 6 esp
for h in a b; do
	expect_gt "$h sent the pings as ESP" "$(capture_count "link-$h" esp)" 5
	expect_eq "$h sent no ICMP in the clear" 0 "$(capture_count "link-$h" icmp)"
	for spi in "$a_in" "$a_out"; do
		expect_gt "$h's SA $spi counted" "$(sa_packets "$h" esp "$spi" || true)" 0
	done
done

expect_ok "strongSwan rekeys the CHILD_SA (a second quick mode)" swanctl_on a --rekey --child net
new_spi() { s=$(sw_child_spi a net out) && [ "$s" != "$a_out" ] && found sa_exists b esp "$s"; }
expect_ok "b's kernel gets the new inbound SA" wait_until 10 new_spi
gone() { ! found sa_exists b esp "$a_out"; }
expect_ok "the old SA leaves b's kernel" wait_until 10 gone
expect_ok "ipsecd still has one ISAKMP SA" test "$(ike_count b)" -eq 1
expect_tunnel_carries b

expect_grep "kill-connections on b" 'killed 1 IKE SA' ipsecctl_on b active-peers kill-connections
no_sas() { [ "$(sa_count b)" -eq 0 ]; }
expect_ok "b's kernel has no SA left" wait_until 5 no_sas
sw_gone() { ! sw_established a; }
expect_ok "strongSwan drops its IKE_SA on b's delete" wait_until 5 sw_gone
expect_ok "strongSwan stops with status 0" sw_stop a
finish
