#!/usr/bin/env bash
# The demo (scripts/demo): two gateways, a and b, each with a client subnet behind it
# (10.1.0.0/24 and 10.2.0.0/24), run ipsecd with an IKEv2 pre-shared-key tunnel between
# the subnets. a initiates; client a pings client b through the tunnel; both ends show
# their active peers and installed SAs. It is a harness scenario, so it runs in
# user-mode Linux when the host kernel has no ESP.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

say() { printf '\n=== %s\n' "$*"; }
show_on() { # show_on HOST IPSECCTL-ARGS...
	local h=$1
	shift
	printf '%s$ ipsecctl %s\n' "$h" "$*"
	ipsecctl_on "$h" "$@"
}

topo_two_hosts
conf_ike peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="demo secret" >"$(conf_file a)"
conf_ike peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="demo secret" \
	passive=yes >"$(conf_file b)"

say "gateway a's configuration ($(conf_file a))"
cat "$(conf_file a)"
say "start ipsecd on b (responder) and a (initiator)"
daemon_start b
daemon_start a
expect_ok "the IKE SA comes up" wait_until 15 ike_established a
has_sas() { [ "$(sa_count a)" -ge 2 ] && [ "$(sa_count b)" -ge 2 ]; }
expect_ok "the CHILD SAs are in both kernels" wait_until 5 has_sas

say "client a (10.1.0.2) pings client b (10.2.0.2) through the tunnel"
capture_start a eth0 link
on ca ping -n -c 3 -i 0.2 10.2.0.2
capture_stop link 3 esp
expect_gt "what a sent on the link was ESP" "$(capture_count link esp)" 2
expect_eq "and no ICMP in the clear" 0 "$(capture_count link icmp)"

for h in a b; do
	say "gateway $h"
	show_on "$h" active-peers print detail
	show_on "$h" installed-sa print
	show_on "$h" policy print
done
finish
