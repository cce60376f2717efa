#!/usr/bin/env bash
# Proposal mismatches fail, and ipsecd's log says why, naming what each side offered.
# ipsecd on a wants aes-256/sha256/modp2048 for the IKE SA and aes-256-cbc/sha256 for
# ESP; the other end accepts only aes-128/sha1/modp1024 (and, in the last part, only
# aes-128-cbc/sha1 for ESP):
#   1. ipsecd a initiates to strongSwan b: b answers NO_PROPOSAL_CHOSEN, a logs it with
#      what it offered;
#   2. strongSwan b initiates to ipsecd a: a refuses, logging what it accepts and what b
#      offered;
#   3. the same between two ipsecd: a's log says what it offered, b's what it accepts
#      and what a offered;
#   4. two ipsecd whose profiles agree but whose ESP proposals do not: the IKE SA comes
#      up, its first CHILD SA (in IKE_AUTH) is refused, and so is the one a asks for
#      with CREATE_CHILD_SA when traffic comes; both logs say why, and the IKE SA stays.
# No keyed SA is ever installed in either kernel.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../strongswan.sh
. "$IT_DIR/strongswan.sh"

require "strongSwan is installed" sw_require
topo_two_hosts
psk=mismatch-87-2c5d
conf_ike peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="$psk" >"$(conf_file a)"

# keyed_sas HOST: how many SAs in HOST's kernel have keys (an SPI reserved by ALLOCSPI
# or an ACQUIRE's placeholder has none).
keyed_sas() { ip -n "$IT_PREFIX$1" xfrm state | grep -Ec '^[[:space:]]+(enc|aead|auth-trunc|auth) ' || true; }
no_sa() { [ "$(sa_count "$1")" -eq 0 ]; }
# log_has HOST EXTENDED-REGEX: HOST's ipsecd log has a matching line since its mark
# (mark HOST: remember where the log ends now).
declare -A log_mark
mark() { log_mark[$1]=$(wc -l <"$IT_WORK/$1.log" 2>/dev/null || echo 0); }
# (grep without -q reads to the end: tail must not die of SIGPIPE, 141 under pipefail.)
log_has() { tail -n +$((${log_mark[$1]:-0} + 1)) "$IT_WORK/$1.log" | grep -E -- "$2" >/dev/null; }
# no_ike_sa HOST: HOST's ipsecd answers and lists no IKE SA.
no_ike_sa() { local out; out=$(ipsecctl_on "$1" active-peers print detail) && [ -z "$out" ]; }
# restart PART: starts b's ipsecd (on the configuration just written), marks both logs,
# and restarts a's, which initiates at start.
restart() {
	daemon_start b
	mark a
	mark b
	expect_ok "$1. a stops with status 0" daemon_stop a
	daemon_start a
}

# --- 1. ipsecd a -> strongSwan b
sw_conf_psk local=192.0.2.2 remote=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 \
	ike=aes128-sha1-modp1024 esp=aes128-sha1 psk="$psk" >"$IT_WORK/b.swanctl.conf"
sw_start b b
expect_grep "b loads its connection" "loaded connection 'gw'" sw_load b "$IT_WORK/b.swanctl.conf"
mark a
daemon_start a
expect_ok "1. a logs strongSwan's NO_PROPOSAL_CHOSEN with what it offered" wait_until 10 \
	log_has a 'peer says NO_PROPOSAL_CHOSEN: we offered aes-256-cbc/sha256/modp2048'
expect_ok "1. a has no IKE SA" wait_until 2 no_ike_sa a
expect_fail "1. strongSwan has no IKE SA" sw_established b
expect_eq "1. a's kernel has no SA" 0 "$(sa_count a)"
expect_eq "1. b's kernel has no SA" 0 "$(sa_count b)"

# --- 2. strongSwan b -> ipsecd a
mark a
expect_fail "2. strongSwan's initiation fails" sw_initiate b net
expect_ok "2. a logs what it accepts and what strongSwan offered" wait_until 5 log_has a \
	'no proposal chosen: we accept aes-256-cbc/sha256/modp2048, they offered aes-128-cbc/sha1/modp1024'
expect_ok "2. a has no IKE SA" no_ike_sa a
expect_fail "2. strongSwan has no IKE SA" sw_established b
expect_eq "2. a's kernel has no SA" 0 "$(sa_count a)"
expect_eq "2. b's kernel has no SA" 0 "$(sa_count b)"
expect_ok "2. strongSwan stops with status 0" sw_stop b

# --- 3. ipsecd a -> ipsecd b, the profiles differ
conf_ike peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" passive=yes \
	enc=aes-128 hash=sha1 dh=modp1024 penc=aes-128-cbc pauth=sha1 >"$(conf_file b)"
restart 3
expect_ok "3. b logs what it accepts and what a offered" wait_until 10 log_has b \
	'no proposal chosen: we accept aes-128-cbc/sha1/modp1024, they offered aes-256-cbc/sha256/modp2048'
expect_ok "3. a logs b's NO_PROPOSAL_CHOSEN with what it offered" wait_until 5 \
	log_has a 'peer says NO_PROPOSAL_CHOSEN: we offered aes-256-cbc/sha256/modp2048'
expect_ok "3. a has no IKE SA" wait_until 2 no_ike_sa a
expect_ok "3. b has no IKE SA" no_ike_sa b
expect_eq "3. a's kernel has no SA" 0 "$(sa_count a)"
expect_eq "3. b's kernel has no SA" 0 "$(sa_count b)"

# --- 4. ipsecd a -> ipsecd b, the profiles agree, the ESP proposals do not
expect_ok "4. b stops with status 0" daemon_stop b
conf_ike peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" passive=yes \
	penc=aes-128-cbc pauth=sha1 >"$(conf_file b)"
restart 4
expect_ok "4. a's IKE SA is established" wait_until 10 ike_established a
expect_ok "4. b's IKE SA is established" wait_until 5 ike_established b
expect_ok "4. b logs why it refused the CHILD SA (IKE_AUTH)" wait_until 5 log_has b \
	'no CHILD SA proposal chosen: we accept aes-128-cbc/sha1, they offered aes-256-cbc/sha256'
expect_ok "4. a logs the refusal with what it offered (IKE_AUTH)" wait_until 5 log_has a \
	'CHILD SA refused by the peer: NO_PROPOSAL_CHOSEN \(we offered aes-256-cbc/sha256\)'
expect_grep "4. a's IKE SA has no CHILD SA" 'ph2-total=0' ipsecctl_on a active-peers print detail
expect_grep "4. b's IKE SA has no CHILD SA" 'ph2-total=0' ipsecctl_on b active-peers print detail
expect_eq "4. a's kernel has no keyed SA" 0 "$(keyed_sas a)"
expect_eq "4. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
# The SPI each end reserved (ALLOCSPI) for the refused CHILD SA goes with it.
expect_ok "4. no SA at all is left in a's kernel" wait_until 5 no_sa a
expect_ok "4. no SA at all is left in b's kernel (no reserved SPI)" wait_until 5 no_sa b

# Traffic: a's kernel ACQUIREs, a asks for the CHILD SA with CREATE_CHILD_SA, b refuses.
mark a
mark b
expect_fail "4. the ping finds no tunnel" ping_one ca 10.2.0.2
expect_ok "4. b logs why it refused the CHILD SA (CREATE_CHILD_SA)" wait_until 10 log_has b \
	'no CHILD SA proposal chosen: we accept aes-128-cbc/sha1, they offered aes-256-cbc/sha256'
expect_ok "4. a logs the refusal (CREATE_CHILD_SA)" wait_until 5 log_has a \
	'CHILD SA refused by the peer: NO_PROPOSAL_CHOSEN \(we offered aes-256-cbc/sha256\)'
expect_ok "4. a's IKE SA stands" ike_established a
expect_ok "4. b's IKE SA stands" ike_established b
expect_eq "4. a's kernel has no keyed SA" 0 "$(keyed_sas a)"
expect_eq "4. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
expect_ok "4. no reserved SPI is left in b's kernel" wait_until 5 no_sa b
finish
