#!/usr/bin/env bash
# Leftovers of a daemon killed with SIGKILL, which could not clean up. Beside ipsecd on a
# lives a hand-made SA and policy, just outside ipsecd's ranges (policy index 0x48fffff9,
# SA reqid 0x4a000000; ipsecd's are 0x49xxxxxx). a runs the ms1 tunnel and is killed:
# its policies and SAs stay in the kernel. Started again on a configuration without the
# tunnel (one discard policy instead), ipsecd removes every one of the dead daemon's
# entries and leaves the hand-made ones as they were (same index, same SPI and reqid).
# Started once more on the tunnel's configuration, the tunnel works again: the ping
# crosses and the SAs on both gateways count it.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

# own_policies HOST: "DIR SRC DST" of each policy of HOST whose index is in ipsecd's
# range (KERN_SP_INDEX_OWN: the top byte 0x49); ip prints the index in decimal.
own_policies() {
	ip -n "$(ns "$1")" -s xfrm policy | awk '
		/^src / { sel = $2 " " $4; next }
		$1 == "dir" {
			for (i = 1; i < NF; i++)
				if ($i == "index" && int($(i + 1) / 16777216) == 73) print $2, sel
		}'
}

# own_sas HOST: "PROTO SPI" of each SA of HOST whose reqid is in ipsecd's range
# (KERN_REQID_OWN: the top byte 0x49).
own_sas() {
	ip -n "$(ns "$1")" xfrm state | awk '
		$1 == "proto" {
			for (i = 1; i < NF; i++)
				if ($i == "reqid" && int($(i + 1) / 16777216) == 73) print $2, $4
		}'
}

# entry HOST state|policy WORDS: the entry (its lines, from "src" to the next "src") of
# HOST's SAD or SPD that has a line containing WORDS; without counters (no -s).
entry() {
	ip -n "$(ns "$1")" xfrm "$2" | awk -v w="$3" '
		/^src / { if (found) exit; e = "" }
		{ e = e $0 "\n" }
		index($0, w) { found = 1 }
		END { if (found) printf "%s", e; exit !found }'
}

topo_two_hosts

# The hand-made pair: a policy with an index just below ipsecd's range, and the SA its
# template asks for, with a reqid just above it. Nothing sends to 10.8.0.0/24.
ip -n "$(ns a)" -batch - <<-EOF
	xfrm policy add src 10.9.0.0/24 dst 10.8.0.0/24 dir out index 0x48fffff9 tmpl src 192.0.2.1 dst 192.0.2.9 proto esp reqid 0x4a000000 mode tunnel
	xfrm state add src 192.0.2.1 dst 192.0.2.9 proto esp spi 0x9999 reqid 0x4a000000 mode tunnel enc cbc(aes) $MS1_ENC1 auth-trunc hmac(sha1) $MS1_AUTH1 96
EOF
hand_index=$(policy_field a out 10.9.0.0/24 10.8.0.0/24 index || true)
hand_policy=$(entry a policy 'src 10.9.0.0/24 dst 10.8.0.0/24' || true)
hand_sa=$(entry a state 'spi 0x00009999' || true)
expect_eq "the hand-made policy has the index asked for (0x48fffff9)" 1224736761 "$hand_index"

tunnel_conf() { # tunnel_conf HOST: the ms1 tunnel
	printf '%s\n' "$(conf_ms1 "$1")" "/ip ipsec policy" "$(conf_ms1_tunnel "$1")"
}
tunnel_conf a >"$(conf_file a)"
tunnel_conf b >"$(conf_file b)"
daemon_start a
daemon_start b
expect_ok "a installs its SAs" wait_until 5 sa_exists a esp 0x1002
expect_ok "b installs its SAs" wait_until 5 sa_exists b esp 0x1001
expect_ok "ping client a -> client b through the first daemon's tunnel" ping_ok ca 10.2.0.2
b_in=$(sa_bytes b esp 0x1002 || true)
b_out=$(sa_bytes b esp 0x1001 || true)
expect_gt "b's inbound SA 0x1002 counted it" "$b_in" 0

# SIGKILL: no clean-up. Everything the daemon installed must still be there, or the
# rest of the scenario would prove nothing.
own_sp_before=$(own_policies a | wc -l)
own_sa_before=$(own_sas a | wc -l)
expect_gt "a's daemon installed 3 or more policies" "$own_sp_before" 2
expect_eq "a's daemon installed 2 SAs" 2 "$own_sa_before"
pid=$(daemon_pid a)
rc=0
# (stderr: bash's "Killed" report of its job)
{
	daemon_signal a KILL
	wait "$pid"
} 2>/dev/null || rc=$?
expect_eq "ipsecd on a died of SIGKILL" 137 "$rc"
expect_eq "its policies are left in the kernel" "$own_sp_before" "$(own_policies a | wc -l)"
expect_eq "its SAs are left in the kernel" "$own_sa_before" "$(own_sas a | wc -l)"
expect_ok "... among them the tunnel's out policy" policy_exists a out 10.1.0.0/24 10.2.0.0/24
expect_ok "... and its outbound SA 0x1002" sa_exists a esp 0x1002

# Started again without the tunnel (its manual-sa is still defined, but no policy uses
# it, so it needs no SAs): only the discard policy is the new daemon's.
printf '%s\n' "$(conf_ms1 a)" "/ip ipsec policy" \
	"add src-address=10.1.0.0/24 dst-address=10.3.0.0/24 action=discard" >"$(conf_file a)"
daemon_start a
expect_ok "the new daemon installs its discard policy" \
	wait_until 5 policy_exists a out 10.1.0.0/24 10.3.0.0/24
expect_ok "the dead daemon's out policy is removed" \
	wait_until 5 not policy_exists a out 10.1.0.0/24 10.2.0.0/24
expect_fail "... its in policy too" policy_exists a in 10.2.0.0/24 10.1.0.0/24
expect_fail "... its fwd policy too" policy_exists a fwd 10.2.0.0/24 10.1.0.0/24
expect_fail "... its SA 0x1002" sa_exists a esp 0x1002
expect_fail "... its SA 0x1001" sa_exists a esp 0x1001
expect_eq "no SA with ipsecd's reqids is left" "" "$(own_sas a)"
expect_eq "every policy with ipsecd's indexes is the discard policy's" "" \
	"$(own_policies a | grep -Ev ' (10.1.0.0/24 10.3.0.0/24|10.3.0.0/24 10.1.0.0/24)$' || true)"
expect_same "the hand-made policy is untouched (same index)" "$hand_index" \
	"$(policy_field a out 10.9.0.0/24 10.8.0.0/24 index)"
expect_same "the hand-made policy is untouched (same selector and template)" "$hand_policy" \
	"$(entry a policy 'src 10.9.0.0/24 dst 10.8.0.0/24')"
expect_same "the hand-made SA is untouched (same SPI, reqid, keys)" "$hand_sa" \
	"$(entry a state 'spi 0x00009999')"
expect_eq "a holds the hand-made SA and nothing else" 1 "$(sa_count a)"

# Stopped cleanly and started on the tunnel's configuration: the tunnel works again
# (manual SAs have no anti-replay window, so b takes a's new sequence numbers).
rc=0
daemon_stop a || rc=$?
expect_eq "the second daemon stops with status 0" 0 "$rc"
tunnel_conf a >"$(conf_file a)"
daemon_start a
expect_ok "a installs its SAs again" wait_until 5 sa_exists a esp 0x1002
expect_ok "a installs its out policy again" policy_exists a out 10.1.0.0/24 10.2.0.0/24
capture_start a eth0 link
expect_ok "ping client a -> client b through the new tunnel" ping_ok ca 10.2.0.2
capture_stop link 3 esp
expect_gt "a's new outbound SA 0x1002 carried bytes" "$(sa_bytes a esp 0x1002)" 0
expect_gt "a's new inbound SA 0x1001 carried bytes" "$(sa_bytes a esp 0x1001)" 0
expect_gt "b's inbound SA 0x1002 counted more" "$(sa_bytes b esp 0x1002)" "$b_in"
expect_gt "b's outbound SA 0x1001 counted more" "$(sa_bytes b esp 0x1001)" "$b_out"
expect_gt "a sent the pings as ESP" "$(capture_count link esp)" 2
expect_eq "a sent no ICMP in the clear" 0 "$(capture_count link icmp)"
expect_same "the hand-made SA is still untouched" "$hand_sa" "$(entry a state 'spi 0x00009999')"
expect_same "the hand-made policy is still untouched" "$hand_index" \
	"$(policy_field a out 10.9.0.0/24 10.8.0.0/24 index)"

finish
