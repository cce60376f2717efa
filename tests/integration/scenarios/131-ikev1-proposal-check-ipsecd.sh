#!/usr/bin/env bash
# proposal-check (the profile's, RFC 2407 4.5.4 RESPONDER-LIFETIME) between two ipsecd,
# IKEv1 main mode with a pre-shared key; a initiates, b answers, b's ESP proposal has a
# lifetime of 30m:
#   1. b has proposal-check=claim and a offers 1h: b accepts, installs 30 minutes and
#      answers RESPONDER-LIFETIME; a installs the shorter lifetime too. Pings both ways
#      cross as ESP and all four SAs count them.
#   2. b has proposal-check=strict and a offers 1h: b refuses the quick mode
#      (NO-PROPOSAL-CHOSEN; both logs say why), no keyed SA in either kernel, the ISAKMP
#      SA stays.
#   3. strict again, a offers 10m: b takes the shorter one, both ends install 10 minutes.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

topo_two_hosts
psk=v1-check-131-e03b

# up CHECK A_LIFETIME: both daemons (re)started, b with proposal-check=CHECK, a's ESP
# proposal with lifetime A_LIFETIME.
up() {
	daemon_stop a
	daemon_stop b
	conf_ike peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="$psk" \
		exchange=main plife="$2" >"$(conf_file a)"
	conf_ike peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" \
		exchange=main plife=30m passive=yes \
		extra="/ip ipsec profile set p1 proposal-check=$1" >"$(conf_file b)"
	: >"$(_it_log a)"
	: >"$(_it_log b)"
	daemon_start b
	daemon_start a
}

# hard_lifetimes HOST: the hard time limits (seconds) of HOST's SAs, distinct, one line.
hard_lifetimes() {
	local s
	s=$(ip -n "$IT_PREFIX$1" -s xfrm state |
		awk '/expire add:/ { v = $NF; sub(/\(sec\)/, "", v); print v }' | sort -u)
	# shellcheck disable=SC2086 # the words, on one line
	echo $s
}
keyed_sas() {
	ip -n "$IT_PREFIX$1" xfrm state | grep -Ec '^[[:space:]]+(enc|aead|auth-trunc|auth) ' || true
}
two_sas() { [ "$(sa_count "$1")" -eq 2 ]; }
log_has() { grep -E -- "$2" "$(_it_log "$1")" >/dev/null; }

# --- 1. claim: the longer lifetime is taken, the responder's announced
up claim 1h
expect_ok "1. a's ISAKMP SA is established" wait_until 15 ike_established a
expect_ok "1. a has its ESP pair" wait_until 5 two_sas a
expect_ok "1. b has its ESP pair" wait_until 5 two_sas b
expect_eq "1. b installed its own 30 minutes" 1800 "$(hard_lifetimes b)"
expect_eq "1. a installed b's RESPONDER-LIFETIME, 30 minutes, not its 1h" 1800 \
	"$(hard_lifetimes a)"
expect_eq "1. both ends hold the same ESP SPIs" "$(esp_spis a)" "$(esp_spis b)"
expect_tunnel_carries a
expect_ok "1. ping client b -> client a through the tunnel" ping_ok cb 10.1.0.2
expect_tunnel_carries b

# --- 2. strict: a longer lifetime is refused
up strict 1h
expect_ok "2. a's ISAKMP SA is established" wait_until 15 ike_established a
expect_ok "2. b logs why it refused (their lifetime, ours, strict)" wait_until 10 log_has b \
	'lifetime 3600s, ours 1800s \(proposal-check strict\)'
expect_ok "2. a logs b's NO-PROPOSAL-CHOSEN" wait_until 5 log_has a 'NO-PROPOSAL-CHOSEN'
expect_eq "2. a's kernel has no keyed SA" 0 "$(keyed_sas a)"
expect_eq "2. b's kernel has no keyed SA" 0 "$(keyed_sas b)"
expect_ok "2. a's ISAKMP SA stays" ike_established a

# --- 3. strict: a shorter lifetime is taken
up strict 10m
expect_ok "3. a's ISAKMP SA is established" wait_until 15 ike_established a
expect_ok "3. a has its ESP pair" wait_until 5 two_sas a
expect_ok "3. b has its ESP pair" wait_until 5 two_sas b
expect_eq "3. a installed its 10 minutes" 600 "$(hard_lifetimes a)"
expect_eq "3. b installed a's shorter 10 minutes" 600 "$(hard_lifetimes b)"
expect_tunnel_carries a

finish
