#!/usr/bin/env bash
# IKEv2 with a pre-shared key between two ipsecd: a (non-passive) initiates at start, b
# responds. Both end up with an established IKE SA in active-peers and a CHILD SA pair
# in the kernel; a ping between the subnets crosses as ESP and is counted. Then
# kill-connections on a removes the SAs (both ends: a sends a delete), and the next
# ping's ACQUIRE brings the tunnel up again.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

topo_two_hosts
conf_ike peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="it's a test" >"$(conf_file a)"
conf_ike peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="it's a test" \
	passive=yes >"$(conf_file b)"

expect_ok "ipsecd -n accepts a's configuration" "$IPSECD" -n -f "$(conf_file a)"
daemon_start b
daemon_start a

two_sas() { [ "$(sa_count "$1")" -ge 2 ]; }
expect_ok "a's IKE SA is established" wait_until 10 ike_established a
expect_ok "b's IKE SA is established" wait_until 5 ike_established b
expect_ok "a has its CHILD SA pair" wait_until 5 two_sas a
expect_ok "b has its CHILD SA pair" wait_until 5 two_sas b
expect_grep "a is the initiator" 'side=initiator' ipsecctl_on a active-peers print detail
expect_grep "b is the responder" 'side=responder' ipsecctl_on b active-peers print detail
expect_grep "a's policy shows phase 2 established" 'ph2-state=established' \
	ipsecctl_on a policy print detail

capture_start a eth0 link
expect_ok "ping client a -> client b" ping_ok ca 10.2.0.2
capture_stop link 3 esp
expect_gt "a sent the pings as ESP" "$(capture_count link esp)" 2
expect_eq "a sent no ICMP in the clear" 0 "$(capture_count link icmp)"
# esp_bytes HOST: the bytes every SA of HOST counted, summed.
esp_bytes() {
	ip -n "$IT_PREFIX$1" -s xfrm state |
		awk '/lifetime current:/ { c = 1; next } c { sub(/\(.*/, "", $1); n += $1; c = 0 } END { print n + 0 }'
}
expect_gt "a's ESP SAs counted the traffic" "$(esp_bytes a)" 0
expect_gt "b's ESP SAs counted the traffic" "$(esp_bytes b)" 0

expect_ok "kill-connections on a" ipsecctl_on a active-peers kill-connections
no_sas() { [ "$(sa_count "$1")" -eq 0 ]; }
expect_ok "a's kernel has no SA left" wait_until 5 no_sas a
expect_ok "b deletes its SAs on a's delete" wait_until 5 no_sas b

expect_ok "traffic brings the tunnel up again (ACQUIRE)" wait_until 15 ping_one ca 10.2.0.2
expect_ok "a's IKE SA is established again" wait_until 5 ike_established a

# installed-sa flush removes a's CHILD SA pair from under the engine: the engine ends the
# CHILD SA with b, and the next traffic negotiates a new one in the same IKE SA
expect_ok "a has its CHILD SA pair again" wait_until 5 two_sas a
old_spis=$(esp_spis a)
ike_before=$(ipsecctl_on a active-peers print detail | grep -c 'state="*established')
expect_grep "installed-sa flush on a" 'flushed 2 SA' ipsecctl_on a installed-sa flush
expect_ok "b deletes its half on a's delete" wait_until 5 no_sas b
expect_ok "traffic brings the CHILD SA up again (ACQUIRE)" wait_until 15 ping_one ca 10.2.0.2
expect_ok "a has a new CHILD SA pair" wait_until 5 two_sas a
new_spis=$(esp_spis a)
expect_ok "the new pair is not the flushed one ($old_spis -> $new_spis)" \
	test "$old_spis" != "$new_spis"
expect_eq "still one IKE SA on a" "$ike_before" \
	"$(ipsecctl_on a active-peers print detail | grep -c 'state="*established')"
expect_tunnel_carries b

finish
