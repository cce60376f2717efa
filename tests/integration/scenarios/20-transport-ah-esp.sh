#!/usr/bin/env bash
# Transport mode with AH and ESP together (ipsec-protocols=ah,esp; ESP inside, AH
# outside) between the two gateways' own link addresses, from one manual-sa with both
# protocols. a pings b: the ping must cross, all four SAs on a and both inbound ones on
# b must count it, and what a sends on the link must be AH, never ICMP in the clear.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

topo_two_hosts

# AH: HMAC-SHA1, SPI 0x2001 into a, 0x2002 into b. ESP: AES-256-CBC with HMAC-MD5,
# SPI 0x3001 into a, 0x3002 into b.
# shellcheck disable=SC2034 # used through the namerefs in conf
declare -r \
	AH1=0x2102030405060708090a0b0c0d0e0f1001020304 \
	AH2=0x2212131415161718191a1b1c1d1e1f2011121314 \
	EA1=0x31020304050607080910111213141516 \
	EA2=0x32020304050607080910111213141516 \
	EE1=0x3102030405060708091011121314151617181920212223242526272829303132 \
	EE2=0x3202030405060708091011121314151617181920212223242526272829303132
conf() { # conf IN OUT LOCAL REMOTE
	local -n ah_in=AH$1 ah_out=AH$2 ea_in=EA$1 ea_out=EA$2 ee_in=EE$1 ee_out=EE$2
	cat <<-CONF
		/ip ipsec manual-sa
		add name=ms2 ah-algorithm=sha1 ah-spi=0x200$1/0x200$2 ah-key=$ah_in/$ah_out esp-auth-algorithm=md5 esp-enc-algorithm=aes-256 esp-spi=0x300$1/0x300$2 esp-auth-key=$ea_in/$ea_out esp-enc-key=$ee_in/$ee_out
		/ip ipsec policy
		add src-address=$3/32 dst-address=$4/32 sa-src-address=$3 sa-dst-address=$4 tunnel=no ipsec-protocols=ah,esp manual-sa=ms2
	CONF
}
conf 1 2 192.0.2.1 192.0.2.2 >"$(conf_file a)"
conf 2 1 192.0.2.2 192.0.2.1 >"$(conf_file b)"

expect_ok "ipsecd -n accepts a's configuration" "$IPSECD" -n -f "$(conf_file a)"
daemon_start a
daemon_start b

expect_ok "a installs its outbound AH SA (0x2002)" wait_until 5 sa_exists a ah 0x2002
expect_ok "a installs its outbound ESP SA (0x3002)" sa_exists a esp 0x3002
expect_ok "b installs its outbound AH SA (0x2001)" wait_until 5 sa_exists b ah 0x2001
expect_ok "a installs the out policy" policy_exists a out 192.0.2.1/32 192.0.2.2/32
expect_ok "a installs the in policy" policy_exists a in 192.0.2.2/32 192.0.2.1/32

capture_start a eth0 link
expect_ok "ping a -> b" ping_ok a 192.0.2.2
capture_stop link 3 ah

expect_gt "a's outbound AH SA 0x2002 counted" "$(sa_bytes a ah 0x2002)" 0
expect_gt "a's outbound ESP SA 0x3002 counted" "$(sa_bytes a esp 0x3002)" 0
expect_gt "a's inbound AH SA 0x2001 counted" "$(sa_bytes a ah 0x2001)" 0
expect_gt "a's inbound ESP SA 0x3001 counted" "$(sa_bytes a esp 0x3001)" 0
expect_gt "b's inbound AH SA 0x2002 counted" "$(sa_bytes b ah 0x2002)" 0
expect_gt "b's inbound ESP SA 0x3002 counted" "$(sa_bytes b esp 0x3002)" 0
expect_gt "a sent the pings in AH" "$(capture_count link ah)" 2
expect_eq "a sent no ICMP in the clear" 0 "$(capture_count link icmp)"

finish
