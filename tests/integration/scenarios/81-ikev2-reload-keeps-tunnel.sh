#!/usr/bin/env bash
# Changes that do not touch a tunnel leave it alone (issue 19): a tunnel between two
# ipsecd is up with a ping running through it; then, on both ends, an unrelated peer
# and policy are added in front of the others by SIGHUP (every item gets a new id),
# another peer is added and removed with ipsecctl, and the file goes back by SIGHUP.
# Throughout, each end keeps its IKE SA and its CHILD SA pair (the same SPIs), nothing
# new is negotiated, and the ping loses nothing.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

topo_two_hosts
psk=reload-81-5c2e
conf_ike peer=192.0.2.2 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 psk="$psk" >"$IT_WORK/a.base"
conf_ike peer=192.0.2.1 local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 psk="$psk" \
	passive=yes >"$IT_WORK/b.base"
# in_front HOST: HOST's configuration with a passive peer and its policy first
in_front() {
	{
		echo "/ip ipsec peer add name=x address=198.51.100.99/32 exchange-mode=ike2 passive=yes"
		echo "/ip ipsec identity add peer=x secret=other"
		echo "/ip ipsec policy add src-address=10.7.0.0/24 dst-address=10.8.0.0/24 peer=x tunnel=yes"
		cat "$IT_WORK/$1.base"
	} >"$(conf_file "$1")"
}
cp "$IT_WORK/a.base" "$(conf_file a)"
cp "$IT_WORK/b.base" "$(conf_file b)"
daemon_start b
daemon_start a
two_sas() { [ "$(sa_count "$1")" -ge 2 ]; }
expect_ok "a's IKE SA is established" wait_until 10 ike_established a
expect_ok "a has its CHILD SA pair" wait_until 5 two_sas a
expect_ok "b has its CHILD SA pair" wait_until 5 two_sas b
expect_ok "ping client a -> client b" ping_ok ca 10.2.0.2
spis_a=$(esp_spis a)
spis_b=$(esp_spis b)
# established HOST: IKE SAs HOST ever established, and those it holds now
established() {
	echo "$(ipsecctl_on "$1" statistics print detail | grep -oE 'ike-established=[0-9]+')" \
		"$(ipsecctl_on "$1" active-peers print detail | grep -c 'state="*established')"
}
est_a=$(established a)
est_b=$(established b)
log "a: $est_a, ESP $spis_a; b: $est_b, ESP $spis_b"

ping_bg_start ca 10.2.0.2
# reloaded: the daemon logged the apply of that many changes
reloaded() { grep -c "$2" "$IT_WORK/$1.log" | awk -v want="$3" '{ exit !($1 >= want) }'; }
for h in a b; do
	in_front "$h"
	daemon_signal "$h" HUP
done
expect_ok "a reloaded (SIGHUP)" wait_until 10 reloaded a 'reload:' 1
expect_ok "b reloaded (SIGHUP)" wait_until 10 reloaded b 'reload:' 1
for h in a b; do
	expect_ok "$h: ipsecctl adds a peer" ipsecctl_on "$h" peer add name=y \
		address=198.51.100.98/32 exchange-mode=ike2 passive=yes
	expect_ok "$h: ipsecctl removes it" ipsecctl_on "$h" peer remove y
	cp "$IT_WORK/$h.base" "$(conf_file "$h")"
	daemon_signal "$h" HUP
done
expect_ok "a reloaded again" wait_until 10 reloaded a 'reload:' 2
expect_ok "b reloaded again" wait_until 10 reloaded b 'reload:' 2
# a CHILD SA negotiated by mistake would take a round trip: let the ping run on
expect_ok "the ping goes on through the changes" ping_ok ca 10.2.0.2
expect_ping_bg 5 0
expect_eq "a keeps its CHILD SA pair" "$spis_a" "$(esp_spis a)"
expect_eq "b keeps its CHILD SA pair" "$spis_b" "$(esp_spis b)"
expect_eq "a keeps its one IKE SA and made no other" "$est_a" "$(established a)"
expect_eq "b keeps its one IKE SA and made no other" "$est_b" "$(established b)"
expect_tunnel_carries a
finish
