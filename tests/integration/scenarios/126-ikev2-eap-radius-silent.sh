#!/usr/bin/env bash
# timeout: 180
# A RADIUS server that never answers (issue 17): b (auth-method=eap-radius for alice, and
# a pre-shared-key identity for rw2.test on the same peer) has /radius 127.0.0.1 on a port
# where a listener takes every datagram and answers none, timeout=3s, so each
# Access-Request is sent 3 times, 3 s apart: b gives up after 9 s.
#   1. rw1 (strongSwan, EAP-MSCHAPv2 as alice) starts; once b has relayed alice's EAP
#      identity to the silent server, rw2 (strongSwan, PSK) connects: its handshake
#      completes while rw1's is still waiting for RADIUS (the loop is not blocked), and it
#      carries ESP both ways, counted at both ends.
#   2. b gives up on RADIUS after its 3 tries: its log line names the timeout and the
#      tries, rw1 gets EAP-Failure, and the listener saw exactly 3 Access-Requests.
# No sleeps: every wait polls.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"
# shellcheck source-path=SCRIPTDIR source=../pki.sh
. "$IT_DIR/pki.sh"

SW_PLUGINS="$SW_PLUGINS eap-mschapv2"

require "strongSwan is installed" sw_require
require "strongSwan has its EAP-MSCHAPv2 plugin (libcharon-extra-plugins)" \
	test -e "$SW_PLUGIN_DIR/libstrongswan-eap-mschapv2.so"
require "python3 is installed (the silent listener)" command -v python3
pki=$IT_WORK/pki
require "the test PKI is made (openssl)" pki_make "$pki" gw:ec:gw.test
topo_rw 2

psk=rw2-Psk-0815
b_log=$IT_WORK/b.log
rw1_log=$(sw_dir rw1)/run/charon.log
heard=$IT_WORK/heard

# The silent server: one line per datagram received, never an answer; killed at the
# scenario's exit (ip netns exec execs python3: $! is its pid).
ip netns exec "$(ns b)" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 18140))
open(sys.argv[1] + ".ready", "w").close()
while True:
    d = s.recv(4096)
    with open(sys.argv[1], "a") as f:
        f.write("code %d length %d\n" % (d[0], len(d)))
' "$heard" &
listener=$!
_l_prev=$(trap -p EXIT)
_l_prev=${_l_prev#trap -- }
eval "_l_prev=${_l_prev% EXIT}"
trap 'rc=$?; kill '"$listener"' 2>/dev/null || true; (exit $rc); '"$_l_prev" EXIT
require "the silent listener is bound" wait_until 10 test -e "$heard.ready"

{
	conf_rw_gateway pki="$pki" cert=gw auth_method=eap-radius remote_id=fqdn:alice \
		extra="/ip ipsec identity add peer=rw auth-method=pre-shared-key secret=\"$psk\" remote-id=fqdn:rw2.test generate-policy=port-strict mode-config=rw policy-template-group=rw"
	printf '%s\n' "/radius add address=127.0.0.1 secret=never-used service=ipsec authentication-port=18140 accounting-port=18141 timeout=3s"
} >"$(conf_file b)"
daemon_start b

sw_start_rw rw1 rw1
require "strongSwan rw1 gets the CA" sw_install_pki rw1 "$pki"
sw_conf_rw_client local=10.0.1.2 remote=203.0.113.2 auth=pubkey cert=rw1.pem \
	local_id=alice remote_id=gw.test updown="$(sw_updown rw1)" |
	sed -e '/certs = rw1.pem/d' \
		-e '0,/auth = pubkey/s//auth = eap-mschapv2\n\t\t\teap_id = alice/' \
		>"$IT_WORK/rw1.swanctl.conf"
printf '%s\n' 'secrets {' '	eap-alice {' '		id = alice' '		secret = "Wonderland-42"' '	}' '}' \
	>>"$IT_WORK/rw1.swanctl.conf"
expect_grep "rw1 loads its connection" "loaded connection 'gw'" sw_load rw1 "$IT_WORK/rw1.swanctl.conf"

sw_start_rw rw2 rw2
sw_conf_rw_client local=10.0.2.2 remote=203.0.113.2 psk="$psk" local_id=rw2.test \
	updown="$(sw_updown rw2)" >"$IT_WORK/rw2.swanctl.conf"
expect_grep "rw2 loads its connection" "loaded connection 'gw'" sw_load rw2 "$IT_WORK/rw2.swanctl.conf"

# --- 1. rw1 waits for RADIUS while rw2 connects
(
	rc=0
	sw_initiate rw1 net >"$IT_WORK/rw1.initiate" 2>&1 || rc=$?
	echo "$rc" >"$IT_WORK/rw1.rc"
) &
rw1_job=$!
expect_ok "1. b relays alice's EAP identity to the silent server" \
	wait_until 10 grep -q 'asking RADIUS\|stands for it' "$b_log"
expect_ok "1. the silent server hears the first Access-Request" wait_until 5 test -s "$heard"
t0=$(date +%s%N)
expect_ok "1. rw2 (PSK) connects" sw_initiate rw2 net
t1=$(date +%s%N)
# charon's own timestamps (%T.ms): from its IKE_SA_INIT to the IKE SA established
rw2_ms=$(awk '/initiating IKE_SA gw\[/ && !a { a = $1 } / IKE_SA gw\[[0-9]+\] established/ && !b { b = $1 }
	function ms(t, p) { split(t, p, /[:.]/); return ((p[1] * 60 + p[2]) * 60 + p[3]) * 1000 + p[4] }
	END { if (a && b) print ms(b) - ms(a) }' "$(sw_dir rw2)/run/charon.log")
log "rw2's handshake: ${rw2_ms:-?} ms by charon's log, $(((t1 - t0) / 1000000)) ms for swanctl --initiate, while RADIUS was silent"
expect_ok "1. rw1 was still waiting when rw2 was up" not test -e "$IT_WORK/rw1.rc"
expect_ok "1. b had not given up on RADIUS yet" not grep -q 'no server answered' "$b_log"
# the same from b's side, whatever swanctl's own latency: rw2's SA came first
first_line() { grep -n -m1 -- "$2" "$1" | cut -d: -f1; }
expect_ok "1. b's SA with rw2.test is established" wait_until 5 \
	eval "ipsecctl_on b active-peers print detail | grep -q 'rw2.test'"
vip=$(sw_vip rw2 || true)
log "rw2's address: $vip"
expect_rw_traffic 1. rw2 "$vip"

# --- 2. b gives up after timeout x tries; rw1 fails
wait "$rw1_job" || true
up=$(first_line "$b_log" 'IKE SA established (responder) with rw2.test')
gave_up=$(first_line "$b_log" 'no server answered for EAP user alice')
expect_gt "2. b established rw2.test's SA before it gave up on alice's RADIUS" "${gave_up:-0}" "${up:-999999}"
expect_eq "2. rw1's initiation fails" 1 "$(cat "$IT_WORK/rw1.rc" 2>/dev/null || echo none)"
expect_ok "2. b's log names the timeout and the tries" grep -Eq \
	'RADIUS: no server answered for EAP user alice in [0-9]+ ms \(/radius timeout=3000ms, 3 tries per server\)' "$b_log"
waited=$(grep -o 'no server answered for EAP user alice in [0-9]*' "$b_log" | grep -o '[0-9]*$' | head -1)
log "b gave up after $waited ms"
expect_gt "2. b gave RADIUS its 3 x 3000 ms" "${waited:-0}" 8900
expect_ok "2. rw1 saw the EAP failure" grep -Eq 'EAP_FAILURE|EAP method .* failed|received EAP_FAILURE' "$rw1_log"
expect_eq "2. the silent server heard exactly 3 Access-Requests" 3 "$(grep -c '^code 1 ' "$heard")"
expect_ok "2. rw2's SA stays up" sw_established rw2
expect_ok "strongSwan rw1 stops with status 0" sw_stop rw1
expect_ok "strongSwan rw2 stops with status 0" sw_stop rw2
finish
