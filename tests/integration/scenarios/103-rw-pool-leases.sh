#!/usr/bin/env bash
# Pool leases (issue 15): ipsecd on b is the mode-config gateway of 100 with a pool of
# two addresses (10.8.0.10-10.8.0.11); strongSwan clients rw1..rw3 (PSK, each its own
# ID; topo_rw 3, no NAT).
#   1. rw1 connects and gets an address A; it disconnects (b releases A) and connects
#      again: it gets A back, although the pool's other address B was never used
#      (pool.h hands out never-used addresses first, so only the lease remembered for
#      rw1's ID can give A).
#   2. rw2 connects and gets B; both tunnels carry pings.
#   3. rw3 finds the pool full: strongSwan logs INTERNAL_ADDRESS_FAILURE and has no
#      CHILD_SA, b has no lease, policy or SA for it and logs why (the pool rw has no
#      free address); rw1's and rw2's IKE SAs, SAs and leases are as before and their
#      tunnels still carry pings.
# Several charons and many process starts: 70-120 s on a loaded 2-CPU machine.
# timeout: 240
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
topo_rw 3
psk=rw-103-c3b817
conf_rw_gateway psk="$psk" ranges=10.8.0.10-10.8.0.11 >"$(conf_file b)"
daemon_start b
b_log=$IT_WORK/b.log

client() {
	sw_start_rw "rw$1" "rw$1"
	sw_conf_rw_client local=10.0."$1".2 remote=203.0.113.2 psk="$psk" \
		updown="$(sw_updown "rw$1")" >"$IT_WORK/rw$1.swanctl.conf"
	expect_grep "rw$1 loads its connection" "loaded connection 'gw'" \
		sw_load "rw$1" "$IT_WORK/rw$1.swanctl.conf"
}
# owner_of ADDR: the owner b's /ip pool used shows for ADDR.
owner_of() { pool_used b | awk -F'\t' -v a="$1" '$2 == a || $2 == a "/32" { print $3 }'; }

# --- 1. rw1 comes back to its address
client 1
expect_ok "1. rw1 initiates" sw_initiate rw1 net
a=$(sw_vip rw1) || a=none
expect_grep "1. rw1's address ($a) is from the pool" '^10\.8\.0\.1[01]$' echo "$a"
b_addr=10.8.0.10
[ "$a" != 10.8.0.10 ] || b_addr=10.8.0.11
expect_ok "1. b lists the lease of $a" lease_held b "$a"
expect_grep "1. the lease is rw1's (10.0.1.2)" '10\.0\.1\.2' owner_of "$a"
expect_ok "1. rw1 terminates" sw_terminate rw1 gw
expect_ok "1. b releases $a" wait_until 5 lease_free b "$a"
expect_eq "1. b keeps $a for rw1 (/ip pool used: kept)" kept "$(lease_info b "$a")"
expect_grep "1. the kept address is rw1's" '10\.0\.1\.2' owner_of "$a"
expect_ok "1. b's IKE SA is gone" wait_until 5 no_ike_sa b
expect_ok "1. rw1 initiates again" sw_initiate rw1 net
expect_eq "1. rw1 gets $a again" "$a" "$(sw_vip rw1 || echo none)"
expect_sw_rw_client 1 rw1 "$a" 192.168.50.53 192.168.50.0/24
expect_ok "1. b's kernel: rw1's policies" gen_policies_in_kernel b 192.168.50.0/24 "$a/32"

# --- 2. rw2 takes the other address
client 2
expect_ok "2. rw2 initiates" sw_initiate rw2 net
expect_sw_rw_client 2 rw2 "$b_addr" 192.168.50.53 192.168.50.0/24
expect_ok "2. b lists the lease of $b_addr" lease_held b "$b_addr"
expect_eq "2. b's active-peers: both addresses" \
	"$(printf '%s\n' "$a" "$b_addr" | sort)" "$(dynamic_addresses b)"
expect_rw_traffic 2a rw1 "$a"
expect_rw_traffic 2b rw2 "$b_addr"

# --- 3. the pool is full
spis0=$(esp_spis b)
ike1=$(sw_ike_spis rw1) || ike1=
ike2=$(sw_ike_spis rw2) || ike2=
log_lines=$(wc -l <"$b_log")
client 3
expect_fail "3. rw3's initiation fails" sw_initiate rw3 net
expect_grep "3. strongSwan on rw3 was told INTERNAL_ADDRESS_FAILURE" \
	'received INTERNAL_ADDRESS_FAILURE notify, no CHILD_SA built' cat "$(sw_dir rw3)/run/charon.log"
expect_fail "3. rw3 has no CHILD_SA" sw_established rw3 net
expect_fail "3. rw3 has no address" sw_vip rw3
# b's log says why: the pool, and that it has no free address
why() {
	tail -n +$((log_lines + 1)) "$b_log" | grep -Ei "pool[^a-z]+rw([^a-z]|$)" |
		grep -Ei 'no (free|more|address)|exhausted|full|ENOSPC|INTERNAL_ADDRESS_FAILURE'
}
expect_ok "3. b logs that pool rw has no free address" wait_until 5 why
why >"$IT_WORK/why" 2>&1 || true
_it_show "b's log on it" "$IT_WORK/why"
expect_fail "3. b lists no lease for rw3 (10.0.3.2)" grep -q '10\.0\.3\.2' <(pool_used b)
expect_same "3. b's kernel holds rw1's and rw2's SAs only, as before" "$spis0" "$(esp_spis b)"
expect_ok "3. b's kernel: no policy for anything but the two addresses" \
	test "$(ip -n "$(ns b)" xfrm policy | grep -Ec '^src .*10\.8\.0\.')" -eq 6
expect_same "3. rw1's IKE_SA is the same" "$ike1" "$(sw_ike_spis rw1 || true)"
expect_same "3. rw2's IKE_SA is the same" "$ike2" "$(sw_ike_spis rw2 || true)"
expect_ok "3. b still lists the lease of $a" lease_held b "$a"
expect_ok "3. b still lists the lease of $b_addr" lease_held b "$b_addr"
expect_rw_traffic 3a rw1 "$a"
expect_rw_traffic 3b rw2 "$b_addr"
for i in 1 2 3; do expect_ok "strongSwan on rw$i stops with status 0" sw_stop "rw$i"; done
finish
