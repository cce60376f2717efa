#!/usr/bin/env bash
# Selectors outside every template (issue 15): ipsecd on b is the mode-config gateway
# of 100 (one template, 192.168.50.0/24 -> 10.8.0.0/24, in group rw). A strongSwan
# client on rw1 asks for remote_ts = 172.16.0.0/24, which no template grants: b
# answers TS_UNACCEPTABLE (strongSwan logs it and builds no CHILD_SA), installs no SA
# and no policy for it, and logs what was proposed (172.16.0.0/24) and which templates
# it tried (192.168.50.0/24, of group rw). Then the same client asks for 0.0.0.0/0 and
# gets its tunnel (b is not left in a bad state): 192.168.50.0/24 <-> its address,
# pings both ways as ESP.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
topo_rw 1
psk=rw-104-0be6d4
conf_rw_gateway psk="$psk" >"$(conf_file b)"
daemon_start b
b_log=$IT_WORK/b.log
sw_start_rw rw1 rw1
up=$(sw_updown rw1)

# --- 1. 172.16.0.0/24: outside every template
sw_conf_rw_client local=10.0.1.2 remote=203.0.113.2 psk="$psk" remote_ts=172.16.0.0/24 \
	updown="$up" >"$IT_WORK/rw1.swanctl.conf"
expect_grep "1. rw1 loads its connection" "loaded connection 'gw'" sw_load rw1 "$IT_WORK/rw1.swanctl.conf"
expect_fail "1. rw1's initiation fails" sw_initiate rw1 net
expect_grep "1. strongSwan was told TS_UNACCEPTABLE" \
	'received TS_UNACCEPTABLE notify, no CHILD_SA built' cat "$(sw_dir rw1)/run/charon.log"
expect_fail "1. rw1 has no CHILD_SA" sw_established rw1 net
# why: one line of b's log names the proposal and the template(s) tried
why() {
	grep -E '172\.16\.0\.0/24' "$b_log" | grep -Ei '192\.168\.50\.0/24|template|group rw'
}
expect_ok "1. b logs the proposal (172.16.0.0/24) and the templates it tried" wait_until 5 why
why >"$IT_WORK/why" 2>&1 || true
_it_show "b's log on it" "$IT_WORK/why"
expect_eq "1. b's kernel holds no ESP SA" 0 "$(esp_spis b | wc -w)"
expect_eq "1. rw1's kernel holds no ESP SA" 0 "$(esp_spis rw1 | wc -w)"
expect_fail "1. b's kernel: no policy for 172.16.0.0/24" \
	grep -q '172\.16\.0\.0' <(ip -n "$(ns b)" xfrm policy)
expect_fail "1. b's policy print: no generated policy for 172.16.0.0/24" \
	grep -q '172\.16\.0\.0' <(ipsecctl_on b policy print)
expect_fail "1. no ping crosses" ping_one lan 10.8.0.10

# --- 2. 0.0.0.0/0: narrowed to the template
sw_terminate rw1 gw >/dev/null 2>&1 || true
expect_ok "2. b has no IKE SA left" wait_until 5 no_ike_sa b
sw_conf_rw_client local=10.0.1.2 remote=203.0.113.2 psk="$psk" updown="$up" \
	>"$IT_WORK/rw1.swanctl.conf"
expect_grep "2. rw1 loads its connection" "loaded connection 'gw'" sw_load rw1 "$IT_WORK/rw1.swanctl.conf"
expect_ok "2. rw1 initiates" sw_initiate rw1 net
vip=$(sw_vip rw1) || vip=none
expect_grep "2. rw1's address ($vip) is from the pool" '^10\.8\.0\.1[0-2]$' echo "$vip"
expect_eq "2. b granted 192.168.50.0/24" 192.168.50.0/24 "$(sw_child_ts rw1 net remote || echo none)"
expect_ok "2. b's kernel: the generated policies" gen_policies_in_kernel b 192.168.50.0/24 "$vip/32"
expect_rw_traffic 2 rw1 "$vip"
expect_ok "strongSwan stops with status 0" sw_stop rw1
finish
