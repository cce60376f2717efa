#!/usr/bin/env bash
# Interop, IKEv1 aggressive mode with a pre-shared key, in both directions:
#   0. strongSwan refuses to answer aggressive mode with a PSK unless told (charon.
#      i_dont_care_about_security_and_use_aggressive_mode_psk): it sends
#      AUTHENTICATION-FAILED in the clear, and ipsecd gives up at once, saying so;
#   1. ipsecd on a initiates aggressive mode to strongSwan on b (aggressive = yes);
#   2. strongSwan on a initiates aggressive mode to ipsecd on b, a passive responder;
#   3. the same with FQDN identities (ID_FQDN both ways, checked against remote-id).
# Each time the ISAKMP SA and a quick mode come up, ipsecd's active-peers shows them,
# pings both ways cross as ESP and both kernels' SAs count them, and ipsecd's log warns
# that aggressive mode with a pre-shared key exposes a hash to offline guessing.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
topo_two_hosts
psk=v1-aggr-112-90c3
found() { "$@" || [ $? -eq 141 ]; }
two_sas() { [ "$(sa_count "$1")" -eq 2 ]; }

# tunnel_works LABEL: pings both ways between the clients, every one crossing as ESP
# (captured on both gateways' links) and counted by the SA pair in each kernel.
tunnel_works() {
	local l=$1 h spi spis
	read -ra spis <<<"$(esp_spis a)"
	expect_eq "$l: a and b hold the same SA pair (${spis[*]})" "$(esp_spis a)" "$(esp_spis b)"
	capture_start a eth0 "link-a$l"
	capture_start b eth0 "link-b$l"
	expect_ok "$l: ping client a -> client b" ping_ok ca 10.2.0.2
	expect_ok "$l: ping client b -> client a" ping_ok cb 10.1.0.2
	capture_stop "link-a$l" 6 esp
	capture_stop "link-b$l" 6 esp
	for h in a b; do
		expect_gt "$l: $h sent the pings as ESP" "$(capture_count "link-$h$l" esp)" 5
		expect_eq "$l: $h sent no ICMP in the clear" 0 "$(capture_count "link-$h$l" icmp)"
		for spi in "${spis[@]}"; do
			expect_gt "$l: $h's SA $spi counted" "$(sa_packets "$h" esp "$spi" || true)" 0
		done
	done
}

# --- 1. ipsecd a -> strongSwan b
conf_ike peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="$psk" \
	exchange=aggressive >"$(conf_file a)"
sw_conf_psk version=1 aggressive=yes local=192.0.2.2 remote=192.0.2.1 local_ts=10.2.0.0/24 \
	remote_ts=10.1.0.0/24 ike=aes256-sha256-modp2048 esp=aes256-sha256 psk="$psk" \
	>"$IT_WORK/b.swanctl.conf"
sw_start b b
expect_grep "0. b loads its connection" "loaded connection 'gw'" sw_load b "$IT_WORK/b.swanctl.conf"
daemon_start a
log_says() { grep -E "$1" "$IT_WORK/a.log"; }
expect_ok "0. a logs strongSwan's refusal" wait_until 10 log_says \
	'peer says AUTHENTICATION-FAILED: .*or the peer refuses aggressive mode'
expect_ok "0. a has no ISAKMP SA left" wait_until 2 no_ike_sa a
expect_ok "0. strongSwan stops with status 0" sw_stop b
expect_ok "0. ipsecd on a stops with status 0" daemon_stop a
sw_start b b "i_dont_care_about_security_and_use_aggressive_mode_psk = yes"
expect_grep "1. b loads its connection" "loaded connection 'gw'" sw_load b "$IT_WORK/b.swanctl.conf"
daemon_start a
expect_ok "1. ipsecd's ISAKMP SA is established" wait_until 15 ike_established a
expect_ok "1. strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established b net 10
expect_grep "1. strongSwan's IKE_SA is IKEv1" 'ESTABLISHED, IKEv1' sw_list_sas b
expect_grep "1. strongSwan logs aggressive mode" 'initiating Aggressive Mode|is initiating an? Aggressive Mode' \
	cat "$(sw_dir b)/run/charon.log"
expect_ok "1. a has its SA pair" wait_until 5 two_sas a
expect_grep "1. a is the initiator" 'side=initiator' ipsecctl_on a active-peers print detail
expect_grep "1. a's ISAKMP SA has one phase 2" 'ph2-total=1' ipsecctl_on a active-peers print detail
tunnel_works 1
expect_grep "1. a's log warns about aggressive mode" \
	'aggressive mode with a pre-shared key: its hash can be captured' cat "$IT_WORK/a.log"
expect_ok "1. strongSwan stops with status 0" sw_stop b
expect_ok "1. ipsecd on a stops with status 0" daemon_stop a

# --- 2. strongSwan a -> ipsecd b
conf_ike peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" passive=yes \
	exchange=aggressive >"$(conf_file b)"
sw_conf_psk version=1 aggressive=yes local=192.0.2.1 remote=192.0.2.2 local_ts=10.1.0.0/24 \
	remote_ts=10.2.0.0/24 ike=aes256-sha256-modp2048 esp=aes256-sha256 psk="$psk" \
	>"$IT_WORK/a.swanctl.conf"
daemon_start b
sw_start a a
expect_grep "2. a loads its connection" "loaded connection 'gw'" sw_load a "$IT_WORK/a.swanctl.conf"
expect_ok "2. strongSwan initiates" sw_initiate a net
expect_ok "2. strongSwan has the IKE_SA and CHILD_SA up" sw_established a net
expect_ok "2. ipsecd's ISAKMP SA is established" wait_until 5 ike_established b
expect_ok "2. b has its SA pair" wait_until 5 two_sas b
expect_grep "2. b is the responder" 'side=responder' ipsecctl_on b active-peers print detail
expect_grep "2. b's ISAKMP SA has one phase 2" 'ph2-total=1' ipsecctl_on b active-peers print detail
tunnel_works 2
expect_grep "2. b's log warns about aggressive mode" \
	'aggressive mode with a pre-shared key: its hash can be captured' cat "$IT_WORK/b.log"
expect_ok "2. strongSwan stops with status 0" sw_stop a
expect_ok "2. ipsecd on b stops with status 0" daemon_stop b

# --- 3. strongSwan a -> ipsecd b, FQDN identities
conf_ike peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" passive=yes \
	exchange=aggressive my_id=fqdn:b.example.org remote_id=fqdn:a.example.org \
	>"$(conf_file b)"
sw_conf_psk version=1 aggressive=yes local=192.0.2.1 remote=192.0.2.2 local_ts=10.1.0.0/24 \
	remote_ts=10.2.0.0/24 local_id=a.example.org remote_id=b.example.org psk="$psk" \
	>"$IT_WORK/a.swanctl.conf"
daemon_start b
sw_start a a
expect_grep "3. a loads its connection" "loaded connection 'gw'" sw_load a "$IT_WORK/a.swanctl.conf"
expect_ok "3. strongSwan initiates" sw_initiate a net
expect_ok "3. strongSwan has the IKE_SA and CHILD_SA up" sw_established a net
expect_grep "3. strongSwan saw b's FQDN" "remote 'b.example.org'" sw_list_sas a
expect_ok "3. ipsecd's ISAKMP SA is established" wait_until 5 ike_established b
expect_grep "3. ipsecd shows a's FQDN" 'a\.example\.org' ipsecctl_on b active-peers print detail
tunnel_works 3
expect_ok "3. strongSwan stops with status 0" sw_stop a
finish
