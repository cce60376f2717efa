#!/usr/bin/env bash
# SIGTERM removes everything ipsecd installed and nothing else: a policy and an SA added
# by hand before the daemon starts are there while it runs and after it stops.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

topo_two_hosts
ip -n "$(ns a)" -batch - <<-EOF
	xfrm policy add src 10.9.0.0/24 dst 10.8.0.0/24 dir out action block
	xfrm state add src 192.0.2.1 dst 192.0.2.9 proto esp spi 0x9999 mode tunnel enc cbc(aes) $MS1_ENC1 auth-trunc hmac(sha1) $MS1_AUTH1 96
EOF
{
	conf_ms1 a
	echo /ip ipsec policy
	conf_ms1_tunnel a
	echo add src-address=10.1.0.0/24 dst-address=10.3.0.0/24 action=discard
} >"$(conf_file a)"

daemon_start a
expect_ok "ipsecd installs its SAs" wait_until 5 sa_exists a esp 0x1002
expect_eq "ipsecd installs 2 SAs beside the hand-made one" 3 "$(sa_count a)"
# At least out, in and fwd for the tunnel and one for the discard policy.
expect_gt "ipsecd installs 4 or more policies beside the hand-made one" "$(policy_count a)" 4
expect_ok "the hand-made SA is still there" sa_exists a esp 0x9999
expect_ok "the hand-made policy is still there" policy_exists a out 10.9.0.0/24 10.8.0.0/24

rc=0
daemon_stop a || rc=$?
expect_eq "ipsecd exits with status 0 on SIGTERM" 0 "$rc"
expect_eq "only the hand-made SA is left" 1 "$(sa_count a)"
expect_ok "... which is 0x9999" sa_exists a esp 0x9999
expect_eq "only the hand-made policy is left" 1 "$(policy_count a)"
expect_eq "... which is the block policy" block "$(policy_field a out 10.9.0.0/24 10.8.0.0/24 action)"

finish
