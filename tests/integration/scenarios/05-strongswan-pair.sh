#!/usr/bin/env bash
# strongSwan on both gateways, without ipsecd: proves strongswan.sh (two charons side by
# side, each in its own namespaces) before the interop scenarios rely on it. An IKEv2
# PSK tunnel between the client subnets (10.1.0.0/24 <-> 10.2.0.0/24, AES-256/SHA-256,
# MODP-2048, with PFS): a initiates, both ends must show the IKE_SA and CHILD_SA up with
# matching SPIs in the kernel, client a's ping must cross, the ESP SAs' counters must
# grow on both gateways, a must send IKE and ESP on the link but no ICMP in the clear,
# and when a stops its DELETE must take b's SAs away; both charons must exit with
# status 0 and leave no SA or policy behind.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

# Without strongSwan this scenario cannot say anything: fail, and say what to install.
expect_ok "strongSwan (charon, swanctl, plugins) is installed" sw_require
sw_require 2>/dev/null || finish

topo_two_hosts

psk=it-05-b8f3c2e1d4a5
sw_conf_psk local=192.0.2.1 remote=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 \
	ike=aes256-sha256-modp2048 esp=aes256-sha256-modp2048 psk="$psk" \
	ike_rekey=1h child_rekey=20m >"$IT_WORK/a.swanctl.conf"
sw_conf_psk local=192.0.2.2 remote=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 \
	ike=aes256-sha256-modp2048 esp=aes256-sha256-modp2048 psk="$psk" \
	ike_rekey=1h child_rekey=20m >"$IT_WORK/b.swanctl.conf"

sw_start a a
sw_start b b
expect_grep "a loads its connection and secret" "loaded connection 'gw'" sw_load a "$IT_WORK/a.swanctl.conf"
expect_grep "b loads its connection and secret" "loaded connection 'gw'" sw_load b "$IT_WORK/b.swanctl.conf"
expect_eq "no SA in a's kernel before the initiation" 0 "$(sa_count a)"

# From here on, a's link: IKE first, then the tunnel's traffic.
capture_start a eth0 link
expect_ok "a initiates CHILD_SA net" sw_initiate a net
expect_ok "a has the IKE_SA and CHILD_SA net up" sw_established a net
expect_ok "b has the IKE_SA and CHILD_SA net up" sw_wait_established b net 10

# lib.sh's sa_exists and policy_exists stop reading ip's output (awk's exit) once they
# have found their entry: with charon's per-socket policies (eight, for its IKE sockets)
# the dump is long enough for ip to die of SIGPIPE then, status 141 under pipefail,
# which only a match can cause.
# shellcheck disable=SC2317 # called through expect_ok
found() { "$@" || [ $? -eq 141 ]; }

# Placeholders that match nothing when an SPI is missing, so that the checks fail.
a_out=$(sw_child_spi a net out) || a_out=0x00000000 # SPI 0 is never used
a_in=$(sw_child_spi a net in) || a_in=0x00000000
expect_eq "b receives with a's outbound SPI" "$a_out" "$(sw_child_spi b net in || echo "(none on b)")"
expect_eq "b sends with a's inbound SPI" "$a_in" "$(sw_child_spi b net out || echo "(none on b)")"
expect_ok "a's kernel has its outbound SA ($a_out)" found sa_exists a esp "$a_out"
expect_ok "a's kernel has its inbound SA ($a_in)" found sa_exists a esp "$a_in"
expect_ok "b's kernel has its inbound SA ($a_out)" found sa_exists b esp "$a_out"
expect_ok "b's kernel has its outbound SA ($a_in)" found sa_exists b esp "$a_in"
expect_eq "a's kernel holds the two SAs" 2 "$(sa_count a)"
expect_ok "a's kernel has the out policy" found policy_exists a out 10.1.0.0/24 10.2.0.0/24
expect_ok "a's kernel has the fwd policy" found policy_exists a fwd 10.2.0.0/24 10.1.0.0/24
expect_ok "b's kernel has the fwd policy" found policy_exists b fwd 10.1.0.0/24 10.2.0.0/24
before=$(sa_bytes a esp "$a_out" || true)

expect_ok "ping client a -> client b through the tunnel" ping_ok ca 10.2.0.2
capture_stop link 3 esp

expect_gt "a's outbound SA's bytes grew" "$(sa_bytes a esp "$a_out" || true)" "${before:-x}"
expect_gt "a's inbound SA carried packets" "$(sa_packets a esp "$a_in" || true)" 0
expect_gt "b's inbound SA carried packets" "$(sa_packets b esp "$a_out" || true)" 0
expect_gt "b's outbound SA carried packets" "$(sa_packets b esp "$a_in" || true)" 0
expect_gt "a sent IKE on UDP 500 (IKE_SA_INIT, IKE_AUTH)" "$(capture_count link 'udp port 500')" 1
expect_gt "a sent the pings as ESP" "$(capture_count link esp)" 2
expect_eq "a sent no ICMP in the clear" 0 "$(capture_count link icmp)"
[ "$(capture_count link icmp)" -eq 0 ] || capture_show link

# A clean stop: a deletes its IKE_SA (b gets the DELETE) and takes its SAs and policies
# out of the kernel. (While charon runs, its IKE sockets' per-socket bypass policies are
# in the SPD too: policy_count counts them.)
# shellcheck disable=SC2317 # called through wait_until
no_tunnel() { # no_tunnel HOST LOCAL-NET REMOTE-NET
	[ "$(sa_count "$1")" -eq 0 ] && ! policy_exists "$1" out "$2" "$3" &&
		! policy_exists "$1" in "$3" "$2" && ! policy_exists "$1" fwd "$3" "$2"
}
rc=0
sw_stop a || rc=$?
expect_eq "charon a stops with status 0" 0 "$rc"
expect_eq "a's kernel has no SA left" 0 "$(sa_count a)"
expect_eq "a's kernel has no policy left" 0 "$(policy_count a)"
expect_ok "b takes its SAs and policies out on a's DELETE" \
	wait_until 10 no_tunnel b 10.2.0.0/24 10.1.0.0/24
expect_eq "b lists no IKE_SA any more" "" "$(sw_list_sas b 2>&1)"
rc=0
sw_stop b || rc=$?
expect_eq "charon b stops with status 0" 0 "$rc"
expect_eq "b's kernel has no policy left" 0 "$(policy_count b)"

finish
