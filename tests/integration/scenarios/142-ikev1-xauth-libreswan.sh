#!/usr/bin/env bash
# timeout: 240
# Interop, IKEv1 road warrior (issue 16): Libreswan 4.10 on rw1 as an XAuth and
# mode-config client (ikev2=no, leftxauthclient=yes, leftmodecfgclient=yes, a pre-shared
# key) dials ipsecd on b (topo_rw 1, no NAT), a gateway with auth-method
# pre-shared-key-xauth, /ip ipsec user alice, mode-config rw (pool 10.8.0.10-10.8.0.12,
# split-include 192.168.50.0/24, static-dns 192.168.50.53) and generate-policy from the
# template 192.168.50.0/24 -> 10.8.0.0/24:
#   - main mode, then ipsecd asks alice's name and password (XAuth) and Libreswan pulls
#     its configuration (mode-config REQUEST/REPLY): it gets 10.8.0.10 (its updown
#     script sees it and the DNS server, and puts it on rw1's eth0);
#   - quick mode 10.8.0.10/32 <-> 192.168.50.0/24: b generates the policies from the
#     template (kernel and policy print, flag D), active-peers shows the dynamic address
#     and /ip pool used the lease;
#   - pings from 10.8.0.10 to the host behind b and back, and from b, cross as ESP (none
#     in the clear), counted by both SAs at both ends;
#   - Libreswan deletes its SAs (whack --terminate): b drops the ISAKMP SA, the lease, the
#     generated policies and the SAs, and the address leaves rw1's eth0;
#   - a wrong password: ipsecd refuses it (XAUTH_STATUS FAIL) and deletes the ISAKMP SA;
#     no IPsec SA, no lease.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../libreswan.sh
. "$IT_DIR/libreswan.sh"

ls_require
topo_rw 1
psk=v1-xauth-142-b61e
pw=alice-142-pw
conf_rw_gateway psk="$psk" dh=modp2048 \
	extra="/ip ipsec user add name=alice password=$pw" |
	sed -e 's/exchange-mode=ike2/exchange-mode=main/' \
		-e 's/auth-method=pre-shared-key /auth-method=pre-shared-key-xauth /' >"$(conf_file b)"
daemon_start b
expect_ok "b: no lease before any client" lease_free b 10.8.0.10

ls_conf gw ikev2=no authby=secret left=10.0.1.2 leftxauthclient=yes leftmodecfgclient=yes \
	leftusername=alice right=203.0.113.2 rightsubnet=192.168.50.0/24 rightxauthserver=yes \
	rightmodecfgserver=yes modecfgpull=yes ike=aes256-sha2_256-modp2048 \
	esp=aes256-sha2_256 pfs=no auto=add >"$IT_WORK/rw1.ipsec.conf"
# (the XAuth password comes from whack, as "ipsec auto --up" asks for it)
printf '%s\n' "10.0.1.2 203.0.113.2 : PSK \"$psk\"" >"$IT_WORK/rw1.secrets"
require "pluto starts on rw1 and loads its connection" \
	ls_start rw1 rw1 "$IT_WORK/rw1.ipsec.conf" "$IT_WORK/rw1.secrets"

expect_ok "Libreswan initiates (main mode, XAuth, mode-config, quick mode)" \
	ls_initiate rw1 gw --xauthname alice --xauthpass "$pw"
expect_ok "Libreswan has the IPsec SA up" ls_wait_established rw1 gw 10
expect_ok "b's ISAKMP SA is established" wait_until 5 ike_established b
expect_grep "Libreswan passed XAuth" 'XAUTH.*(success|Authenticated)' \
	cat "$(ls_dir rw1)/pluto.log"
expect_eq "Libreswan got 10.8.0.10 (updown)" 10.8.0.10 "$(ls_vip rw1 || echo none)"
expect_grep "Libreswan's updown saw the DNS server 192.168.50.53" \
	'^up-client vip=10\.8\.0\.10 dns=192\.168\.50\.53' cat "$(ls_dir rw1)/updown.log"
expect_ok "10.8.0.10 is on rw1's eth0" addr_on rw1 eth0 10.8.0.10
expect_eq "b's active-peers: dynamic-address=10.8.0.10" 10.8.0.10 "$(dynamic_addresses b)"
expect_ok "b's /ip pool used lists the lease of 10.8.0.10" lease_held b 10.8.0.10
expect_ok "b's kernel: the policies 192.168.50.0/24 <-> 10.8.0.10/32 (out, in, fwd)" \
	gen_policies_in_kernel b 192.168.50.0/24 10.8.0.10/32
expect_ok "b's policy print: the generated policy, flag D" \
	gen_policy_shown b 192.168.50.0/24 10.8.0.10/32

expect_rw_traffic 1 rw1 10.8.0.10

read -ra spis <<<"$(esp_spis rw1)"
expect_ok "Libreswan deletes its SAs (whack --terminate)" ls_down rw1 gw
expect_ok "b's ISAKMP SA is gone" wait_until 10 no_ike_sa b
expect_ok "b's lease of 10.8.0.10 is released" wait_until 5 lease_free b 10.8.0.10
expect_ok "b's kernel: the generated policies are gone" \
	wait_until 5 no_gen_policy_in_kernel b 10.8.0.10
for spi in "${spis[@]}"; do expect_fail "b's kernel: SA $spi is gone" sa_exists b esp "$spi"; done
expect_ok "10.8.0.10 left rw1's eth0" wait_until 5 not addr_on rw1 eth0 10.8.0.10

# a wrong password: refused, nothing installed
expect_fail "Libreswan with a wrong password does not come up" \
	ls_initiate rw1 gw --xauthname alice --xauthpass wrong-password
expect_ok "b deletes the ISAKMP SA" wait_until 10 no_ike_sa b
expect_eq "b's kernel holds no ESP SA" 0 "$(esp_spis b | wc -w)"
expect_ok "b holds no lease" lease_free b 10.8.0.10
expect_ok "pluto stops with status 0" ls_stop rw1
finish
