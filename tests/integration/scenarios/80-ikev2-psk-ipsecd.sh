#!/usr/bin/env bash
# IKEv2 with a pre-shared key between two ipsecd: a (non-passive) initiates at start, b
# responds. Both end up with an established IKE SA in active-peers and a CHILD SA pair
# in the kernel; a ping between the subnets crosses as ESP and is counted. Then
# kill-connections on a removes the SAs (both ends: a sends a delete), and the next
# ping's ACQUIRE brings the tunnel up again.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

topo_two_hosts
ike_conf() { # ike_conf HOST PEER-ADDR LOCAL-NET REMOTE-NET PASSIVE
	cat <<CONF
/ip ipsec profile add name=p1 enc-algorithm=aes-256 hash-algorithm=sha256 dh-group=modp2048
/ip ipsec peer add name=other address=$2/32 exchange-mode=ike2 profile=p1 passive=$5
/ip ipsec identity add peer=other auth-method=pre-shared-key secret="it's a test"
/ip ipsec proposal add name=pr1 enc-algorithms=aes-256-cbc auth-algorithms=sha256 pfs-group=none
/ip ipsec policy add src-address=$3 dst-address=$4 tunnel=yes peer=other proposal=pr1
CONF
}
ike_conf a 192.0.2.2 10.1.0.0/24 10.2.0.0/24 no >"$(conf_file a)"
ike_conf b 192.0.2.1 10.2.0.0/24 10.1.0.0/24 yes >"$(conf_file b)"

expect_ok "ipsecd -n accepts a's configuration" "$IPSECD" -n -f "$(conf_file a)"
daemon_start b
daemon_start a

established() { ipsecctl_on "$1" active-peers print detail | grep -q 'state="*established'; }
two_sas() { [ "$(sa_count "$1")" -ge 2 ]; }
expect_ok "a's IKE SA is established" wait_until 10 established a
expect_ok "b's IKE SA is established" wait_until 5 established b
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
expect_ok "a's IKE SA is established again" wait_until 5 established a

finish
