#!/usr/bin/env bash
# ipsecd as an IKEv1 XAuth client (issue 16) of a strongSwan gateway: strongSwan 5.9.8 on
# b (version = 1, main mode, pre-shared key, then XAuth against its own user alice with
# xauth-generic, an address from pool rw 10.9.0.0/28 with DNS and the subnet
# 192.168.50.0/24 by mode-config); ipsecd on rw1 (topo_rw 1) has an active peer gw with
# auth-method=pre-shared-key-xauth, username alice, mode-config=request-only and
# generate-policy from the template "-> 192.168.50.0/24". It initiates at start:
#   1. with alice's password: strongSwan logs XAuth successful for alice, leases rw1 an
#      address, which ipsecd shows as dynamic-address and puts on eth0; rw1's generated
#      policies hold it; pings cross both ways as ESP counted by both SAs at both ends;
#   2. with a wrong password: strongSwan refuses alice, ipsecd logs that the gateway
#      refused its user name or password, and no IPsec SA is keyed at either end.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

SW_PLUGINS="$SW_PLUGINS xauth-generic"

require "strongSwan is installed" sw_require
topo_rw 1
psk=v1-xauth-client-135-5d2b
rw_log=$IT_WORK/rw1.log
keyed_sas() { ip -n "$IT_PREFIX$1" xfrm state | grep -Ec '^[[:space:]]+(enc|aead|auth-trunc|auth) ' || true; }

cat >"$IT_WORK/b.swanctl.conf" <<EOC
connections {
	rw {
		version = 1
		local_addrs = 203.0.113.2
		pools = rw
		proposals = aes256-sha256-modp2048
		send_certreq = no
		local {
			auth = psk
		}
		remote-psk {
			auth = psk
		}
		remote-xauth {
			auth = xauth
		}
		children {
			net {
				local_ts = 192.168.50.0/24
				esp_proposals = aes256-sha256
			}
		}
	}
}
pools {
	rw {
		addrs = 10.9.0.0/28
		dns = 192.168.50.53
		subnet = 192.168.50.0/24
	}
}
secrets {
	ike-rw {
		secret = "$psk"
	}
	xauth-alice {
		id = alice
		secret = "Wonderland-42"
	}
}
EOC
sw_start b b
sw_load b "$IT_WORK/b.swanctl.conf" >"$IT_WORK/b.load" 2>&1 || true
expect_grep "b loads its connection" "loaded connection 'rw'" cat "$IT_WORK/b.load"
b_log=$(sw_dir b)/run/charon.log

# rw_conf PASSWORD: rw1's configuration.
rw_conf() {
	conf_rw_client gw=203.0.113.2 psk="$psk" mode_config=request-only dh=modp2048 |
		sed -e 's/exchange-mode=ike2/exchange-mode=main/' \
			-e "s/auth-method=pre-shared-key /auth-method=pre-shared-key-xauth username=alice password=$1 /"
}

# --- 1. the right password
rw_conf Wonderland-42 >"$(conf_file rw1)"
daemon_start rw1 # it initiates at once
expect_ok "1. ipsecd's ISAKMP SA is established" wait_until 15 ike_established rw1
expect_ok "1. strongSwan has the IKE_SA and CHILD_SA up" sw_wait_established b net 10
expect_ok "1. strongSwan passed alice's XAuth" grep -Eq "XAuth authentication of 'alice' .*successful" "$b_log"
lease() { sw_pool_leases b | awk '$2 == "online" { print $1; exit }'; }
vip=$(lease) || vip=
[ -n "$vip" ] || vip=none
expect_grep "1. strongSwan leased an address of 10.9.0.0/28 ($vip)" '^10\.9\.0\.([1-9]|1[0-4])$' echo "$vip"
expect_eq "1. ipsecd's active-peers: dynamic-address=$vip" "$vip" "$(dynamic_addresses rw1)"
expect_ok "1. ipsecd put $vip on rw1's eth0" wait_until 5 addr_on rw1 eth0 "$vip"
expect_ok "1. rw1's kernel: the policies $vip/32 <-> 192.168.50.0/24 (out, in, fwd)" \
	gen_policies_in_kernel rw1 "$vip/32" 192.168.50.0/24
expect_rw_traffic 1 rw1 "$vip"
expect_ok "1. ipsecd on rw1 stops with status 0" daemon_stop rw1
expect_ok "1. strongSwan's IKE_SA goes" wait_until 15 not sw_established b net

# --- 2. a wrong password
rw_conf Looking-Glass-7 >"$(conf_file rw1)"
daemon_start rw1
expect_ok "2. ipsecd is told the gateway refused it" \
	wait_until 15 grep -q 'XAuth: the gateway refused our user name or password' "$rw_log"
expect_eq "2. rw1's kernel has no keyed SA" 0 "$(keyed_sas rw1)"
expect_eq "2. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
expect_ok "2. ipsecd on rw1 stops with status 0" daemon_stop rw1
expect_ok "strongSwan stops with status 0" sw_stop b
finish
