#!/usr/bin/env bash
# Interop, RFC 7383: IKEv2 fragmentation between ipsecd (on b, certificate b.test) and
# strongSwan (on a, a.test), RSA-2048 certificates at both ends, over a link whose MTU is
# 1000 bytes and whose hosts drop every IPv4 fragment but the first (as many paths do): an
# IKE_AUTH with a certificate (about 1.3 KB) gets through only in IKE fragments. Both ends
# use fragments of at most 1000 bytes (ipsecd ike-fragment-size=1000, charon.fragment_size).
#   1. ipsecd with ike-fragment-size=0 does not announce fragmentation: strongSwan sends
#      its IKE_AUTH whole, the kernel splits it into IP fragments, b drops them, and
#      nothing comes up.
#   2. ipsecd with ike-fragment-size=1000, strongSwan initiating: each end sends its
#      IKE_AUTH in fragments and reassembles the other's; both establish and a ping
#      between the clients crosses as ESP.
#   3. The same with ipsecd initiating.
# No sleeps: every wait polls.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"
# shellcheck source-path=SCRIPTDIR source=../pki.sh
. "$IT_DIR/pki.sh"

require "strongSwan is installed" sw_require
pki=$IT_WORK/pki
require "the test PKI is made (openssl)" pki_make "$pki" a:rsa:a.test b:rsa:b.test
topo_two_hosts

# small_path HOST: HOST's link gets an MTU of 1000 and HOST drops IPv4 fragments after
# the first (iptables -f), so that no datagram over 1000 bytes arrives whole. In the raw
# table's PREROUTING: local delivery reassembles before INPUT, which never sees them.
small_path() {
	local ipt
	ip -n "$(ns "$1")" link set eth0 mtu 1000 || return 1
	for ipt in iptables-legacy-restore iptables-restore; do
		type -P "$ipt" >/dev/null || continue
		on "$1" "$ipt" <<<$'*raw\n-A PREROUTING -f -j DROP\nCOMMIT' && return 0
	done
	echo "no iptables-legacy-restore nor iptables-restore: apt-get install iptables" >&2
	return 1
}
# fragments_dropped HOST: how many IPv4 fragments HOST's rule dropped.
fragments_dropped() {
	local ipt
	for ipt in iptables-legacy iptables; do
		type -P "$ipt" >/dev/null || continue
		on "$1" "$ipt" -t raw -L PREROUTING -v -x -n | awk '$3 == "DROP" { n += $1 } END { print n + 0 }'
		return
	done
}
require "a's path is small and drops IP fragments" small_path a
require "b's path is small and drops IP fragments" small_path b

b_log=$IT_WORK/b.log
a_log=$(sw_dir a)/run/charon.log
declare -A log_mark
mark() { log_mark[$1]=$(wc -l <"$1" 2>/dev/null || echo 0); }
log_has() { tail -n +$((${log_mark[$1]:-0} + 1)) "$1" | grep -E -- "$2" >/dev/null; }
# b_conf FRAGMENT-SIZE KEY=VALUE...: b's configuration, with its ike-fragment-size.
b_conf() {
	local frag=$1
	shift
	conf_ike_cert peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 pki="$pki" \
		cert=b crl=no remote_id=fqdn:a.test "$@" >"$(conf_file b)"
	echo "/ip ipsec settings set ike-fragment-size=$frag" >>"$(conf_file b)"
}
traffic() {
	capture_start b eth0 "link$1"
	expect_tunnel_carries b
	capture_stop "link$1" 3 esp
	expect_gt "$1. b sent the replies as ESP" "$(capture_count "link$1" esp)" 2
	# echo requests and replies: an ICMP error of b's own (once seen under load, not
	# kept) is no tunnelled ping in the clear; whatever ICMP there was is shown
	expect_eq "$1. b sent no ping in the clear" 0 \
		"$(capture_count "link$1" 'icmp[icmptype] == icmp-echo or icmp[icmptype] == icmp-echoreply')"
	[ "$(capture_count "link$1" icmp)" -eq 0 ] || capture_show "link$1"
}

# strongSwan gives up on an unanswered request after 1 + 1.8 s
sw_start a a "fragment_size = 1000" "retransmit_timeout = 1" "retransmit_tries = 1"
require "strongSwan gets the CA, its certificate and key" sw_install_pki a "$pki" a
sw_conf_cert local=192.0.2.1 remote=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 \
	local_id=a.test remote_id=b.test cert=a.pem >"$IT_WORK/a.swanctl.conf"
expect_grep "strongSwan loads its connection" "loaded connection 'gw'" \
	sw_load a "$IT_WORK/a.swanctl.conf"

# --- 1. no fragmentation at ipsecd: the IKE_AUTH is lost
b_conf 0 passive=yes
daemon_start b -d ike=debug
mark "$a_log"
expect_fail "1. strongSwan's initiation fails" sw_initiate a net
expect_fail "1. b has no IKE SA established" ike_established b
expect_fail "1. strongSwan did not fragment" log_has "$a_log" 'splitting IKE message'
expect_gt "1. b dropped IP fragments of the IKE_AUTH" "$(fragments_dropped b)" 0
expect_ok "1. b stops with status 0" daemon_stop b

# --- 2. strongSwan a -> ipsecd b, in fragments
mark "$a_log"
mark "$b_log"
dropped=$(fragments_dropped b)
b_conf 1000 passive=yes
daemon_start b -d ike=debug
expect_ok "2. strongSwan initiates" sw_initiate a net
expect_ok "2. strongSwan has the IKE_SA and CHILD_SA up" sw_established a net
expect_ok "2. b's IKE SA is established" wait_until 5 ike_established b
expect_ok "2. strongSwan sent its IKE_AUTH in fragments" \
	log_has "$a_log" 'splitting IKE message .* into [0-9]+ fragments'
expect_ok "2. b reassembled it" log_has "$b_log" 'IKE_AUTH 1 reassembled from [0-9]+ fragments'
expect_ok "2. strongSwan reassembled b's IKE_AUTH response" \
	log_has "$a_log" 'reassembled fragmented IKE message'
expect_ok "2. b authenticated a.test" log_has "$b_log" 'IKE SA established \(responder\) with .*a\.test'
expect_ok "2. strongSwan verified b.test's RSA signature" \
	log_has "$a_log" "authentication of 'b\.test' with RSA.* successful"
expect_eq "2. no IP fragment reached b" "$dropped" "$(fragments_dropped b)"
traffic 2
expect_ok "2. strongSwan deletes the IKE SA" sw_terminate a gw
expect_ok "2. b stops with status 0" daemon_stop b

# --- 3. ipsecd b -> strongSwan a, in fragments
b_conf 1000 passive=no
mark "$a_log"
mark "$b_log"
daemon_start b -d ike=debug # it initiates at once
expect_ok "3. b's IKE SA is established" wait_until 15 ike_established b
expect_ok "3. strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established a net 10
expect_grep "3. b is the initiator" 'side=initiator' ipsecctl_on b active-peers print detail
expect_ok "3. strongSwan reassembled b's IKE_AUTH request" \
	log_has "$a_log" 'reassembled fragmented IKE message'
expect_ok "3. b reassembled strongSwan's response" \
	log_has "$b_log" 'IKE_AUTH 1 reassembled from [0-9]+ fragments'
expect_eq "3. no IP fragment reached a" 0 "$(fragments_dropped a)"
traffic 3
expect_ok "3. b stops with status 0" daemon_stop b
expect_ok "3. b's Delete takes strongSwan's IKE_SA down" wait_until 5 not sw_established a
sw_stop a
finish
