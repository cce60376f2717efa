#!/usr/bin/env bash
# action=none and action=discard in front of a tunnel, in file order: client b also
# answers on 10.2.0.3 and 10.2.0.4, inside the tunnel's 10.2.0.0/24. On both gateways
#   1. 10.1.0.0/24 <-> 10.2.0.3/32  action=none     (passes in the clear)
#   2. 10.1.0.0/24 <-> 10.2.0.4/32  action=discard  (dropped)
#   3. 10.1.0.0/24 <-> 10.2.0.0/24  the ESP tunnel with manual-sa ms1
# Without 1 and 2 the tunnel would carry the pings to .3 and .4, and they would succeed.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

topo_two_hosts
ip -n "$(ns cb)" -batch - <<-EOF
	addr add 10.2.0.3/24 dev eth0
	addr add 10.2.0.4/24 dev eth0
EOF
{
	conf_ms1 a
	echo /ip ipsec policy
	echo add src-address=10.1.0.0/24 dst-address=10.2.0.3/32 action=none
	echo add src-address=10.1.0.0/24 dst-address=10.2.0.4/32 action=discard
	conf_ms1_tunnel a
} >"$(conf_file a)"
{
	conf_ms1 b
	echo /ip ipsec policy
	echo add src-address=10.2.0.3/32 dst-address=10.1.0.0/24 action=none
	echo add src-address=10.2.0.4/32 dst-address=10.1.0.0/24 action=discard
	conf_ms1_tunnel b
} >"$(conf_file b)"

expect_ok "ipsecd -n accepts a's configuration" "$IPSECD" -n -f "$(conf_file a)"
daemon_start a
daemon_start b
expect_ok "a installs its SAs" wait_until 5 sa_exists a esp 0x1002
expect_ok "b installs its SAs" wait_until 5 sa_exists b esp 0x1001
expect_eq "a's none policy allows" allow "$(policy_field a out 10.1.0.0/24 10.2.0.3/32 action)"
expect_eq "a's discard policy blocks" block "$(policy_field a out 10.1.0.0/24 10.2.0.4/32 action)"

# The tunnel works: .2 is reached through ESP.
expect_ok "ping client b's 10.2.0.2 through the tunnel" ping_ok ca 10.2.0.2
before=$(sa_bytes a esp 0x1002 || true)
expect_gt "the tunnel carried it" "$before" 0

expect_ok "ping 10.2.0.3 (action=none) crosses" ping_ok ca 10.2.0.3
expect_same "... and not through the tunnel" "$before" "$(sa_bytes a esp 0x1002)"
expect_fail "ping 10.2.0.4 (action=discard) is dropped" ping_one ca 10.2.0.4
expect_same "... and not sent through the tunnel" "$before" "$(sa_bytes a esp 0x1002)"

finish
