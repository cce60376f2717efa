#!/usr/bin/env bash
# SIGHUP applies only the difference. a starts with P1 (the ms1 tunnel) and P2; the file
# is rewritten without P2 and with P3; after SIGHUP P2 is gone from the kernel, P3 is
# there, and P1's policies and SAs were not touched: same kernel policy indexes, and the
# SA's byte counter did not start again from zero.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$IT_DIR/lib.sh"

topo_two_hosts
p1=$(conf_ms1_tunnel a)
p2="add src-address=10.1.0.0/24 dst-address=10.3.0.0/24 action=discard"
p3="add src-address=10.1.0.0/24 dst-address=10.4.0.0/24 action=none"
printf '%s\n' "$(conf_ms1 a)" /ip\ ipsec\ policy "$p1" "$p2" >"$(conf_file a)"

daemon_start a
expect_ok "P1 installed" wait_until 5 policy_exists a out 10.1.0.0/24 10.2.0.0/24
expect_ok "P2 installed" policy_exists a out 10.1.0.0/24 10.3.0.0/24
out=$(policy_field a out 10.1.0.0/24 10.2.0.0/24 index || true)
in=$(policy_field a in 10.2.0.0/24 10.1.0.0/24 index || true)
fwd=$(policy_field a fwd 10.2.0.0/24 10.1.0.0/24 index || true)

# One packet into the tunnel (b runs nothing; it only has to leave a).
on ca bash -c 'echo reload-test >/dev/udp/10.2.0.2/9'
expect_ok "the SA counted a packet" wait_until 5 sa_used a esp 0x1002
bytes=$(sa_bytes a esp 0x1002 || true)

printf '%s\n' "$(conf_ms1 a)" /ip\ ipsec\ policy "$p1" "$p3" >"$(conf_file a).new"
mv "$(conf_file a).new" "$(conf_file a)"
daemon_signal a HUP

expect_ok "P3 installed after SIGHUP" wait_until 5 policy_exists a out 10.1.0.0/24 10.4.0.0/24
expect_ok "P2 removed after SIGHUP" wait_until 5 not policy_exists a out 10.1.0.0/24 10.3.0.0/24
expect_same "P1 out policy untouched (same index)" "$out" "$(policy_field a out 10.1.0.0/24 10.2.0.0/24 index)"
expect_same "P1 in policy untouched (same index)" "$in" "$(policy_field a in 10.2.0.0/24 10.1.0.0/24 index)"
expect_same "P1 fwd policy untouched (same index)" "$fwd" "$(policy_field a fwd 10.2.0.0/24 10.1.0.0/24 index)"
expect_same "P1's SA untouched (counter kept)" "$bytes" "$(sa_bytes a esp 0x1002)"
expect_ok "the daemon still answers" ipsecctl_on a settings print

finish
