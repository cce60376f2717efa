#!/usr/bin/env bash
# ipsecd as a road-warrior client (issue 15) of an ipsecd gateway, and the routes that
# make the client's own traffic use the tunnel. b (topo_two_hosts' 192.0.2.2) is the
# gateway: pool rw (10.8.0.10-10.8.0.12), mode-config rw with split-include
# 192.168.50.0/24 (a LAN address of b's, 192.168.50.1) and generate-policy from the
# template 192.168.50.0/24 -> 10.8.0.0/24. a is the client: mode-config cl
# (responder=no), generate-policy from the template -> 192.168.50.0/24; it has no route
# to 192.168.50.0/24 of its own. Once a's IKE SA is up:
#   - a holds the address it was given (10.8.0.10) on eth0, the policies between it and
#     192.168.50.0/24, the route 192.168.50.0/24 dev eth0 src 10.8.0.10 in table 220 (b
#     is on the link: no next hop), and one rule "priority 220: from all lookup 220" per
#     family; the kernel routes 192.168.50.1 from 10.8.0.10, and b's own address still
#     from 192.0.2.1;
#   - a plain ping 192.168.50.1 (no -I) is answered, and leaves a's eth0 as ESP, none of
#     it as ICMP in the clear; the two SAs of each end count it;
#   - a's ipsecd stops: its address, route, rule, policies and SAs are gone, and b
#     drops its SAs on a's delete.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

topo_two_hosts
# b's LAN address behind the tunnel; the replies to the pool go back on the link (where
# b's policies take them)
ip -n "$(ns b)" -batch - <<-EOF
	addr add 192.168.50.1/24 dev lan0
	route add 10.8.0.0/24 dev eth0
EOF
psk=rw-107-3c5a90
common="/ip ipsec profile set [ find default=yes ] enc-algorithm=aes-256 hash-algorithm=sha256 dh-group=ecp256,modp2048
/ip ipsec proposal set [ find default=yes ] enc-algorithms=aes-256-cbc auth-algorithms=sha256 pfs-group=none"
cat >"$(conf_file b)" <<-EOF
	$common
	/ip pool add name=rw ranges=10.8.0.10-10.8.0.12
	/ip ipsec mode-config add name=rw responder=yes address-pool=rw split-include=192.168.50.0/24 static-dns=192.168.50.53
	/ip ipsec policy group add name=rw
	/ip ipsec policy add template=yes group=rw src-address=192.168.50.0/24 dst-address=10.8.0.0/24
	/ip ipsec peer add name=rw address=0.0.0.0/0 passive=yes exchange-mode=ike2
	/ip ipsec identity add peer=rw secret="$psk" generate-policy=port-strict mode-config=rw policy-template-group=rw
EOF
cat >"$(conf_file a)" <<-EOF
	$common
	/ip ipsec mode-config add name=cl responder=no
	/ip ipsec policy group add name=cl
	/ip ipsec policy add template=yes group=cl dst-address=192.168.50.0/24
	/ip ipsec peer add name=gw address=192.0.2.2/32 exchange-mode=ike2
	/ip ipsec identity add peer=gw secret="$psk" generate-policy=port-strict mode-config=cl policy-template-group=cl
EOF

expect_fail "without the tunnel a has no route to 192.168.50.1" ping_one a 192.168.50.1

# what a's kernel holds for the client
vip_on() { ip -n "$(ns a)" -o addr show dev eth0 | grep -q ' 10\.8\.0\.10/32 '; }
routes220() { ip -n "$(ns a)" "$@" route show table 220 2>/dev/null || true; }
the_route() { routes220 -4 | grep -Eq '^192\.168\.50\.0/24 dev eth0 proto [^ ]+ scope link src 10\.8\.0\.10'; }
rules220() { ip -n "$(ns a)" "$1" rule show | grep -Ec '^220:[[:space:]]+from all lookup 220' || true; }
src_of() { ip -n "$(ns a)" route get "$1" | grep -Eo 'src [0-9.]+'; }

daemon_start b
daemon_start a # it initiates at once
expect_ok "a's IKE SA is established" wait_until 15 ike_established a
expect_ok "a put 10.8.0.10 on eth0" wait_until 5 vip_on
expect_ok "a's kernel: out policy 10.8.0.10/32 -> 192.168.50.0/24" \
	wait_until 5 policy_exists a out 10.8.0.10/32 192.168.50.0/24
expect_ok "a's kernel: in policy 192.168.50.0/24 -> 10.8.0.10/32" \
	policy_exists a in 192.168.50.0/24 10.8.0.10/32
expect_ok "a's table 220: 192.168.50.0/24 dev eth0 src 10.8.0.10 (b on the link)" \
	wait_until 5 the_route
routes220 -4 >"$IT_WORK/t220"
expect_eq "a's table 220 holds that route alone" 1 "$(wc -l <"$IT_WORK/t220")"
expect_eq "a has one IPv4 rule 220: from all lookup 220" 1 "$(rules220 -4)"
expect_eq "a has one IPv6 rule 220: from all lookup 220" 1 "$(rules220 -6)"
expect_eq "a's kernel routes 192.168.50.1 from 10.8.0.10" "src 10.8.0.10" "$(src_of 192.168.50.1)"
expect_eq "and b's own address from 192.0.2.1" "src 192.0.2.1" "$(src_of 192.0.2.2)"

read -ra spis <<<"$(esp_spis a)"
expect_eq "a holds one ESP SA pair (${spis[*]})" 2 "${#spis[@]}"
declare -A p0=()
for spi in "${spis[@]}"; do
	for h in a b; do p0[$h$spi]=$(sa_packets "$h" esp "$spi") || p0[$h$spi]=0; done
done
capture_start a eth0 link
expect_ok "a: ping 192.168.50.1 (no -I) is answered" ping_ok a 192.168.50.1
capture_stop link 3 esp
expect_gt "a sent the pings as ESP" "$(capture_count link esp)" 2
expect_eq "a sent no ICMP in the clear" 0 "$(capture_count link icmp)"
for spi in "${spis[@]}"; do
	for h in a b; do
		n=$(sa_packets "$h" esp "$spi") || n=gone
		expect_gt "$h's SA $spi counted the pings" "$n" "${p0[$h$spi]}"
	done
done

rc=0
daemon_stop a || rc=$?
expect_eq "a's ipsecd stops with status 0" 0 "$rc"
expect_fail "10.8.0.10 left a's eth0" vip_on
expect_eq "a's table 220 is empty (IPv4)" "" "$(routes220 -4)"
expect_eq "a's table 220 is empty (IPv6)" "" "$(routes220 -6)"
expect_eq "a has no IPv4 rule 220 left" 0 "$(rules220 -4)"
expect_eq "a has no IPv6 rule 220 left" 0 "$(rules220 -6)"
expect_eq "a's kernel has no policy left" 0 "$(policy_count a)"
expect_eq "a's kernel has no SA left" 0 "$(sa_count a)"
no_sas() { [ "$(sa_count "$1")" -eq 0 ]; }
expect_ok "b drops its SAs on a's delete" wait_until 5 no_sas b
expect_fail "a has no route to 192.168.50.1 again" ping_one a 192.168.50.1
finish
