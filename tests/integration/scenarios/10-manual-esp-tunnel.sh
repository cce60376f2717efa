#!/usr/bin/env bash
# A manual-SA ESP tunnel between two subnets, made by ipsecd on both gateways: at start
# each daemon installs the policies (out, in, fwd) and the manual SAs. Client a pings
# client b: the ping must cross, the ESP SAs' counters must grow on both gateways, and
# what a sends on the link must be ESP, never ICMP in the clear. installed-sa print
# detail must show the SAs' SPIs.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

topo_two_hosts
for h in a b; do
	{
		conf_ms1 $h
		echo /ip ipsec policy
		conf_ms1_tunnel $h
	} >"$(conf_file $h)"
done

expect_ok "ipsecd -n accepts a's configuration" "$IPSECD" -n -f "$(conf_file a)"
daemon_start a
daemon_start b

expect_ok "a installs its outbound SA (0x1002)" wait_until 5 sa_exists a esp 0x1002
expect_ok "a installs its inbound SA (0x1001)" sa_exists a esp 0x1001
expect_ok "b installs its outbound SA (0x1001)" wait_until 5 sa_exists b esp 0x1001
expect_ok "b installs its inbound SA (0x1002)" sa_exists b esp 0x1002
expect_ok "a installs the out policy" policy_exists a out 10.1.0.0/24 10.2.0.0/24
expect_ok "a installs the in policy" policy_exists a in 10.2.0.0/24 10.1.0.0/24
expect_ok "a installs the fwd policy" policy_exists a fwd 10.2.0.0/24 10.1.0.0/24
expect_ok "b installs the fwd policy" policy_exists b fwd 10.1.0.0/24 10.2.0.0/24

capture_start a eth0 link
expect_ok "ping client a -> client b" ping_ok ca 10.2.0.2
capture_stop link 3 esp

expect_gt "a's outbound SA 0x1002 carried bytes" "$(sa_bytes a esp 0x1002)" 0
expect_gt "a's inbound SA 0x1001 carried bytes" "$(sa_bytes a esp 0x1001)" 0
expect_gt "b's inbound SA 0x1002 carried bytes" "$(sa_bytes b esp 0x1002)" 0
expect_gt "b's outbound SA 0x1001 carried bytes" "$(sa_bytes b esp 0x1001)" 0
expect_gt "a sent the pings as ESP" "$(capture_count link esp)" 2
expect_eq "a sent no ICMP in the clear" 0 "$(capture_count link icmp)"

# spi=0x1001 as RouterOS writes it (leading zeros or the decimal value are taken too).
expect_grep "installed-sa print detail on a shows SPI 0x1001" 'spi=(0x0*1001|4097)([^0-9a-f]|$)' \
	ipsecctl_on a installed-sa print detail
expect_grep "installed-sa print detail on a shows SPI 0x1002" 'spi=(0x0*1002|4098)([^0-9a-f]|$)' \
	ipsecctl_on a installed-sa print detail

finish
