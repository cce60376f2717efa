#!/usr/bin/env bash
# IKEv1 mode-config by push (issue 16): clients that wait to be told their address rather
# than ask for it (strongSwan's pull = no; older Cisco-style clients) get it from an
# ipsecd gateway in a SET after XAuth, and answer with an ACK. b is a passive main-mode
# peer (auth-method=pre-shared-key-xauth, /ip ipsec user alice, mode-config rw: a pool,
# split-include 192.168.50.0/24, a DNS server, generate-policy from a template);
# strongSwan on rw1 logs in as alice:
#   1. with pull = no: it sends no REQUEST; b logs that it pushes, rw1 takes an address
#      of the pool (and the split network), and pings cross both ways as ESP counted at
#      both ends;
#   2. with pull = yes (strongSwan's default): it asks at once, b answers and never
#      pushes, and traffic crosses the same way.
# No sleeps: every wait polls.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

SW_PLUGINS="$SW_PLUGINS xauth-generic"

require "strongSwan is installed" sw_require
topo_rw 1

psk=v1-push-134-a4c2
b_log=$IT_WORK/b.log
conf_rw_gateway psk="$psk" dh=modp2048 |
	sed -e 's/exchange-mode=ike2/exchange-mode=main/' \
		-e 's/auth-method=pre-shared-key /auth-method=pre-shared-key-xauth /' >"$(conf_file b)"
printf '%s\n' "/ip ipsec user add name=alice password=Wonderland-42" >>"$(conf_file b)"
daemon_start b

declare -A log_mark
mark() { log_mark[$1]=$(wc -l <"$1" 2>/dev/null || echo 0); }
log_has() { tail -n +$((${log_mark[$1]:-0} + 1)) "$1" | grep -E -- "$2" >/dev/null; }

# rw_conf PULL: rw1's connection: the PSK (main mode), XAuth as alice, an address by
# mode-config, pulled (yes) or waited for (no).
rw_conf() {
	cat <<-EOC
		connections {
			gw {
				version = 1
				local_addrs = 10.0.1.2
				remote_addrs = 203.0.113.2
				vips = 0.0.0.0
				pull = $1
				proposals = aes256-sha256-modp2048
				send_certreq = no
				local-psk {
					auth = psk
				}
				local-xauth {
					auth = xauth
					xauth_id = alice
				}
				remote {
					auth = psk
				}
				children {
					net {
						remote_ts = 192.168.50.0/24
						esp_proposals = aes256-sha256
						updown = $(sw_updown rw1)
					}
				}
			}
		}
		secrets {
			ike-gw {
				secret = "$psk"
			}
			xauth-alice {
				id = alice
				secret = "Wonderland-42"
			}
		}
	EOC
}

sw_start_rw rw1 rw1

# --- 1. push
mark "$b_log"
rw_conf no >"$IT_WORK/rw1.swanctl.conf"
expect_grep "1. rw1 loads its connection (pull = no)" "loaded connection 'gw'" \
	sw_load rw1 "$IT_WORK/rw1.swanctl.conf"
expect_ok "1. rw1 initiates" sw_initiate rw1 net
expect_ok "1. b's ISAKMP SA is established" wait_until 10 ike_established b
expect_ok "1. b pushed mode-config" log_has "$b_log" 'the client has not asked; pushing it'
expect_ok "1. rw1 acknowledged it" log_has "$b_log" 'the client took what we pushed'
expect_eq "1. rw1 got the pool's first address" 10.8.0.10 "$(dynamic_addresses b)"
expect_ok "1. rw1 holds 10.8.0.10" wait_until 5 on rw1 ip -4 addr show to 10.8.0.10/32
expect_rw_traffic 1 rw1 10.8.0.10
expect_ok "1. rw1 terminates" sw_terminate rw1 gw
expect_ok "1. b's ISAKMP SA is gone" wait_until 10 no_ike_sa b

# --- 2. pull: asked at once, never pushed
mark "$b_log"
rw_conf yes >"$IT_WORK/rw1.swanctl.conf"
expect_grep "2. rw1 loads its connection (pull = yes)" "loaded connection 'gw'" \
	sw_load rw1 "$IT_WORK/rw1.swanctl.conf"
expect_ok "2. rw1 initiates" sw_initiate rw1 net
expect_ok "2. b's ISAKMP SA is established" wait_until 10 ike_established b
expect_ok "2. rw1 holds 10.8.0.10" wait_until 5 on rw1 ip -4 addr show to 10.8.0.10/32
expect_rw_traffic 2 rw1 10.8.0.10
expect_ok "2. b never pushed" not log_has "$b_log" 'pushing it'
expect_ok "strongSwan stops with status 0" sw_stop rw1
finish
