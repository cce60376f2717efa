#!/usr/bin/env bash
# Road warrior with certificates (issue 15): 100 with digital signatures. A test CA
# (pki.sh, ECDSA P-256) issues gw.test to ipsecd on b and rw1.test to the strongSwan
# client on rw1; b's identity is auth-method=digital-signature certificate=gw with
# remote-id=fqdn:rw1.test, mode-config rw and the template group rw as in 100. The
# client gets 10.8.0.10, the DNS server and the split network; b's active-peers shows
# rw1.test with dynamic-address=10.8.0.10 and /ip pool used the lease (owner rw1.test);
# the generated policies are in b's kernel and in policy print (flag D); pings cross
# both ways as ESP counted at both ends; after swanctl --terminate b has no IKE SA,
# lease, generated policy or SA left.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"
# shellcheck source-path=SCRIPTDIR source=../pki.sh
. "$IT_DIR/pki.sh"

require "strongSwan is installed" sw_require
pki=$IT_WORK/pki
require "the test PKI is made (openssl)" pki_make "$pki" gw:ec:gw.test rw1:ec:rw1.test
topo_rw 1
conf_rw_gateway pki="$pki" cert=gw remote_id=fqdn:rw1.test >"$(conf_file b)"
daemon_start b
expect_grep "b loaded its certificate with the private key" 'private-key=yes' \
	ipsecctl_on b /certificate print detail where name=gw

sw_start_rw rw1 rw1
require "strongSwan gets the CA, its certificate and key" sw_install_pki rw1 "$pki" rw1
sw_conf_rw_client local=10.0.1.2 remote=203.0.113.2 auth=pubkey cert=rw1.pem \
	local_id=rw1.test remote_id=gw.test updown="$(sw_updown rw1)" >"$IT_WORK/rw1.swanctl.conf"
expect_grep "rw1 loads its connection" "loaded connection 'gw'" sw_load rw1 "$IT_WORK/rw1.swanctl.conf"
expect_ok "rw1 initiates" sw_initiate rw1 net
expect_ok "b's IKE SA is established" wait_until 5 ike_established b
expect_ok "strongSwan verified gw.test's ECDSA signature" \
	grep -Eq "authentication of 'gw\.test' with ECDSA.* successful" "$(sw_dir rw1)/run/charon.log"
expect_sw_rw_client 1 rw1 10.8.0.10 192.168.50.53 192.168.50.0/24

expect_grep "b's active-peers: rw1.test" 'remote-id=.*rw1\.test' ipsecctl_on b active-peers print detail
expect_eq "b's active-peers: dynamic-address=10.8.0.10" 10.8.0.10 "$(dynamic_addresses b)"
expect_ok "b's /ip pool used lists the lease of 10.8.0.10" lease_held b 10.8.0.10
expect_grep "b's lease is rw1.test's" $'^rw\t10\\.8\\.0\\.10(/32)?\t.*rw1\\.test' pool_used b
expect_ok "b's kernel: the policies 192.168.50.0/24 <-> 10.8.0.10/32 (out, in, fwd)" \
	gen_policies_in_kernel b 192.168.50.0/24 10.8.0.10/32
expect_ok "b's policy print: the generated policy, flag D" \
	gen_policy_shown b 192.168.50.0/24 10.8.0.10/32

expect_rw_traffic 1 rw1 10.8.0.10

read -ra spis <<<"$(esp_spis rw1)"
expect_ok "rw1 terminates" sw_terminate rw1 gw
expect_ok "b's IKE SA is gone" wait_until 5 no_ike_sa b
expect_ok "b's lease of 10.8.0.10 is released" wait_until 5 lease_free b 10.8.0.10
expect_ok "b's kernel: the generated policies are gone" wait_until 5 no_gen_policy_in_kernel b 10.8.0.10
expect_ok "b's policy print: the generated policy is gone" \
	gen_policy_gone b 192.168.50.0/24 10.8.0.10/32
for spi in "${spis[@]}"; do expect_fail "b's kernel: SA $spi is gone" sa_exists b esp "$spi"; done
expect_eq "b's kernel holds no ESP SA" 0 "$(esp_spis b | wc -w)"
expect_ok "strongSwan stops with status 0" sw_stop rw1
finish
