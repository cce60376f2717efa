#!/usr/bin/env bash
# IKEv1 proposal mismatches with strongSwan fail with NO-PROPOSAL-CHOSEN, and both logs
# say why. ipsecd on a wants aes-256/sha256/modp2048 for the ISAKMP SA and
# aes-256-cbc/sha256 for ESP (main mode, pre-shared key):
#   1. ipsecd a initiates to strongSwan b, which accepts only aes128-sha1-modp1024 in
#      phase 1: b refuses (NO_PROPOSAL_CHOSEN in the clear), a gives up at once and logs
#      the refusal with what it offered;
#   2. strongSwan b initiates to ipsecd a with that proposal: a refuses, logging what it
#      accepts and what b offered; strongSwan logs the notify;
#   3. the phase 1 proposals agree, ESP does not (b: aes128-sha1 only): ipsecd a's quick
#      mode is refused (an encrypted NO-PROPOSAL-CHOSEN naming a's SPI), a drops it at
#      once and logs it with what it offered, the ISAKMP SA stays;
#   4. strongSwan b starts a quick mode with aes128-sha1 under that ISAKMP SA: a refuses
#      it, logging what b proposed, and strongSwan logs the notify.
# No keyed SA is ever installed in either kernel.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
topo_two_hosts
psk=v1-mismatch-117-5b0e
conf_ike peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="$psk" \
	exchange=main >"$(conf_file a)"

keyed_sas() { ip -n "$IT_PREFIX$1" xfrm state | grep -Ec '^[[:space:]]+(enc|aead|auth-trunc|auth) ' || true; }
# log marks: a's ipsecd log and b's charon log, from where they ended at the last mark
declare -A log_mark
logf() { if [ "$1" = a ]; then echo "$IT_WORK/a.log"; else echo "$(sw_dir b)/run/charon.log"; fi; }
mark() { log_mark[$1]=$(wc -l <"$(logf "$1")" 2>/dev/null || echo 0); }
log_has() { tail -n +$((${log_mark[$1]:-0} + 1)) "$(logf "$1")" | grep -E -- "$2" >/dev/null; }
no_keyed_sa() {
	expect_eq "$1. a's kernel has no keyed SA" 0 "$(keyed_sas a)"
	expect_eq "$1. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
}

# --- 1. ipsecd a -> strongSwan b, phase 1 differs
sw_conf_psk version=1 local=192.0.2.2 remote=192.0.2.1 local_ts=10.2.0.0/24 \
	remote_ts=10.1.0.0/24 ike=aes128-sha1-modp1024 esp=aes128-sha1 psk="$psk" \
	>"$IT_WORK/b.swanctl.conf"
sw_start b b
expect_grep "b loads its connection" "loaded connection 'gw'" sw_load b "$IT_WORK/b.swanctl.conf"
mark a
mark b
daemon_start a
expect_ok "1. a logs strongSwan's NO-PROPOSAL-CHOSEN with what it offered" wait_until 10 \
	log_has a 'peer says NO-PROPOSAL-CHOSEN: we offered aes-256-cbc/sha256/modp2048'
expect_ok "1. strongSwan logs that it found no proposal" log_has b 'no proposal found'
expect_ok "1. a has no ISAKMP SA (no retransmissions)" wait_until 2 no_ike_sa a
expect_fail "1. strongSwan has no IKE_SA" sw_established b
no_keyed_sa 1

# --- 2. strongSwan b -> ipsecd a, phase 1 differs
mark a
mark b
expect_fail "2. strongSwan's initiation fails" swanctl_on b --initiate --child net --timeout 10
expect_ok "2. a logs what it accepts and what strongSwan offered" wait_until 5 log_has a \
	'no proposal chosen: we accept aes-256-cbc/sha256/modp2048, they offered aes-128-cbc/sha1/modp1024'
expect_ok "2. strongSwan logs a's NO_PROPOSAL_CHOSEN" log_has b \
	'received NO_PROPOSAL_CHOSEN error notify'
expect_ok "2. a has no ISAKMP SA" no_ike_sa a
no_keyed_sa 2

# --- 3. ipsecd a -> strongSwan b, phase 1 agrees, ESP differs
sw_conf_psk version=1 local=192.0.2.2 remote=192.0.2.1 local_ts=10.2.0.0/24 \
	remote_ts=10.1.0.0/24 ike=aes256-sha256-modp2048 esp=aes128-sha1 psk="$psk" \
	>"$IT_WORK/b.swanctl.conf"
expect_grep "3. b loads its new connection" "loaded connection 'gw'" \
	sw_load b "$IT_WORK/b.swanctl.conf"
expect_ok "3. a stops with status 0" daemon_stop a
mark a
mark b
daemon_start a
expect_ok "3. a's ISAKMP SA is established" wait_until 10 ike_established a
expect_ok "3. a logs the refused quick mode with what it offered" wait_until 10 log_has a \
	'quick mode [0-9a-f]{8} refused by the peer: NO-PROPOSAL-CHOSEN \(we offered aes-256-cbc/sha256\)'
expect_ok "3. strongSwan logs why it refused" log_has b 'no matching proposal found'
expect_ok "3. strongSwan keeps the IKE_SA" sw_established b
expect_ok "3. a keeps the ISAKMP SA" ike_established a
expect_grep "3. a's ISAKMP SA has no phase 2" 'ph2-total=0' ipsecctl_on a active-peers print detail
rtx() { ipsecctl_on a statistics print detail | grep -oE 'ike-retransmits=[0-9]+' | cut -d= -f2; }
expect_eq "3. a did not retransmit the refused quick mode" 0 "$(rtx)"
no_keyed_sa 3

# --- 4. strongSwan b -> ipsecd a, a quick mode under the ISAKMP SA, ESP differs
mark a
mark b
expect_fail "4. strongSwan's quick mode fails" swanctl_on b --initiate --child net --timeout 5
expect_ok "4. a logs why it refused, with what strongSwan proposed" wait_until 5 log_has a \
	'quick mode [0-9a-f]{8} refused \(NO-PROPOSAL-CHOSEN\): .*aes-128-cbc/sha1'
expect_ok "4. strongSwan logs a's NO_PROPOSAL_CHOSEN" log_has b \
	'received NO_PROPOSAL_CHOSEN error notify'
expect_ok "4. a keeps the ISAKMP SA" ike_established a
no_keyed_sa 4
expect_ok "strongSwan stops with status 0" sw_stop b
finish
