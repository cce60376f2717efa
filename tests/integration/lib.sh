# shellcheck shell=bash
# tests/integration/lib.sh: helpers for the integration scenarios.
#
# A scenario is a bash script in scenarios/ that starts with
#     . "$IT_DIR/lib.sh"
# and ends with
#     finish
# tests/integration/run sets IT_DIR, IT_WORK (a scratch directory of the scenario's
# own) and IT_PREFIX (a prefix for the names of its network namespaces); run alone,
# as root on a kernel with ESP, a scenario makes its own.
#
# What this file gives a scenario:
#   topology      topo_two_hosts, topo_three_hosts, topo_nat, topo_nat_clients N (+
#                 nat_masquerade), topo_rw N (road warriors), topo_load N (a responder
#                 and a load generator with N addresses); ns HOST; on HOST CMD...
#   daemons       conf_file HOST; daemon_start HOST; daemon_stop HOST; daemon_signal
#                 HOST SIG; ipsecctl_on HOST ARGS...
#   kernel state  sa_bytes / sa_packets / sa_exists / sa_used HOST PROTO SPI; sa_count
#                 HOST; policy_count HOST; policy_field / policy_exists HOST DIR SRC DST;
#                 esp_spis HOST; encap_count HOST [REGEX]
#   config        conf_ms1, conf_ms1_tunnel: the manual-SA tunnel most scenarios use;
#                 conf_ike KEY=VALUE...: an IKEv2 PSK tunnel; conf_rw_gateway,
#                 conf_rw_client KEY=VALUE...: road warriors (mode-config, templates)
#   road warriors pool_used HOST; lease_info, lease_held / lease_free HOST ADDR;
#                 dynamic_addresses / no_dynamic_address HOST; gen_policy_shown /
#                 gen_policy_gone HOST SRC DST; gen_policies_in_kernel HOST LOCAL REMOTE;
#                 no_gen_policy_in_kernel HOST VIP; addr_on HOST DEV ADDR; no_ike_sa
#                 HOST; expect_rw_traffic LABEL CLIENT VIP [FILTER]
#   IKE           ike_established HOST; ike_count HOST; ike_rekeyed HOST T0;
#                 child_rekeyed SPI...; wait_ike_rekeyed, wait_child_rekeyed
#   traffic       ping_ok / ping_one HOST DST; ping_bg_start HOST DST, expect_ping_bg;
#                 expect_tunnel_carries GW; capture_start / capture_stop / capture_count
#   waiting       wait_until SECONDS CMD... (bounded polling; never a fixed sleep)
#   assertions    expect_ok, expect_fail, expect_eq, expect_same, expect_gt, expect_grep;
#                 expect_nat_t; require; finish; skip
#
# On any failure (an assertion, or an unexpected error, which ends the scenario) it
# prints each host's daemon log and kernel SAD and SPD. Namespaces, daemons and
# captures are always cleaned up on exit.

set -euo pipefail

: "${IT_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
# The build directory holding ipsecd and ipsecctl.
BUILD=${IPSECD_BUILD:-$(cd "$IT_DIR/../.." && pwd)/build}
IPSECD=$BUILD/ipsecd
IPSECCTL=$BUILD/ipsecctl
IT_NAME=$(basename "$0" .sh)
: "${IT_PREFIX:=it$$-}"

_it_own_work=
if [ -z "${IT_WORK:-}" ]; then
	IT_WORK=$(mktemp -d "${TMPDIR:-/tmp}/ipsecd-it.XXXXXX")
	_it_own_work=1
fi

_it_pass=0 _it_fail=0 _it_n=0 _it_finished=
_it_namespaces=()          # namespaces this scenario created, to delete at exit
_it_hosts=()               # host names, for the diagnostics
declare -A _it_daemon_pid  # HOST -> pid of its ipsecd
declare -A _it_capture_pid # capture name -> pid of its tcpdump
_it_ping_pid=              # ping_bg_start's ping

# ---------------------------------------------------------------- output, waiting

log() { printf '# %s\n' "$*"; }

# Prints a file indented as a comment, under a heading.
_it_show() { # _it_show HEADING FILE
	printf '#   --- %s\n' "$1"
	[ -s "$2" ] && sed 's/^/#   | /' "$2" || printf '#   | (empty)\n'
}

# A sleep without starting a process (a process start costs up to 300 ms in UML):
# read with a timeout from a FIFO nobody writes to.
mkfifo "$IT_WORK/.nap"
exec {_it_napfd}<>"$IT_WORK/.nap"
_nap() { read -r -t "${1:-0.05}" -u "$_it_napfd" _ || true; }

# _it_deadline SECONDS sets _it_until to that many seconds from now; _it_expired
# says whether it has passed. (Microseconds, from $EPOCHREALTIME: no subshell, as a
# fork is dear in UML too.)
_it_deadline() {
	local t=${EPOCHREALTIME/./}
	_it_until=$((10#$t + $1 * 1000000))
}
_it_expired() {
	local t=${EPOCHREALTIME/./}
	[ "$((10#$t))" -ge "$_it_until" ]
}

# wait_until SECONDS CMD...: runs CMD every 50 ms until it succeeds (status 0) or
# SECONDS have passed (status 1). CMD's output is discarded.
wait_until() {
	_it_deadline "$1"
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		_it_expired && return 1
		_nap 0.05
	done
}

# ---------------------------------------------------------------- assertions

_it_ok() {
	_it_n=$((_it_n + 1)) _it_pass=$((_it_pass + 1))
	printf 'ok %d - %s\n' "$_it_n" "$1"
}
_it_not_ok() {
	_it_n=$((_it_n + 1)) _it_fail=$((_it_fail + 1))
	printf 'not ok %d - %s\n' "$_it_n" "$1"
}

# expect_ok DESCRIPTION CMD...: CMD must succeed; its output is shown if it does not.
# The output of the last expect_* command is left in $IT_WORK/out.
expect_ok() {
	local desc=$1 rc=0
	shift
	"$@" >"$IT_WORK/out" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		_it_ok "$desc"
	else
		_it_not_ok "$desc (exit status $rc: $*)"
		_it_show output "$IT_WORK/out"
	fi
	return 0
}

# expect_fail DESCRIPTION CMD...: CMD must fail.
expect_fail() {
	local desc=$1 rc=0
	shift
	"$@" >"$IT_WORK/out" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		_it_ok "$desc"
	else
		_it_not_ok "$desc (succeeded: $*)"
		_it_show output "$IT_WORK/out"
	fi
	return 0
}

# expect_eq DESCRIPTION WANT GOT
expect_eq() {
	if [ "$2" = "$3" ]; then _it_ok "$1"; else _it_not_ok "$1 (wanted '$2', got '$3')"; fi
}

# expect_same DESCRIPTION BEFORE AFTER: a value that must not have changed; an empty
# BEFORE (nothing to compare) fails too.
expect_same() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then
		_it_ok "$1"
	else
		_it_not_ok "$1 (before '$2', after '$3')"
	fi
}

# expect_gt DESCRIPTION A B: the integer A must be greater than B.
expect_gt() {
	if [[ $2 =~ ^[0-9]+$ && $3 =~ ^[0-9]+$ ]] && [ "$2" -gt "$3" ]; then
		_it_ok "$1"
	else
		_it_not_ok "$1 (wanted $2 > $3)"
	fi
}

# expect_grep DESCRIPTION EXTENDED-REGEX CMD...: CMD must succeed and print a line
# matching the regular expression (case-insensitive).
expect_grep() {
	local desc=$1 re=$2 rc=0
	shift 2
	"$@" >"$IT_WORK/out" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ] && grep -Eiq -- "$re" "$IT_WORK/out"; then
		_it_ok "$desc"
	else
		_it_not_ok "$desc (exit status $rc, wanted /$re/ in the output of: $*)"
		_it_show output "$IT_WORK/out"
	fi
	return 0
}

# not CMD...: succeeds when CMD fails (for wait_until).
not() { ! "$@"; }

# skip REASON: the scenario cannot run here (exit status 77, as automake counts it).
skip() {
	log "SKIP: $*"
	exit 77
}

# require DESCRIPTION CMD...: expect_ok, and if CMD failed the scenario ends there
# (through finish, so it fails): for a precondition the rest cannot do without, such
# as an installed tool. (A missing tool fails a scenario rather than skipping it.)
require() {
	local failed=$_it_fail
	expect_ok "$@"
	[ "$_it_fail" -eq "$failed" ] || finish
}

# finish: the scenario's last line. Checks that every daemon still runs, shows the
# diagnostics if anything failed (while the daemons and their kernel state are still
# there), stops the daemons (each must exit with status 0), checks the daemon logs
# for sanitizer reports, and exits with 0 if every assertion held, else 1.
finish() {
	local h rc
	[ "$_it_n" -gt 0 ] || _it_not_ok "the scenario made no assertion"
	for h in "${!_it_daemon_pid[@]}"; do
		_it_running "${_it_daemon_pid[$h]}" ||
			_it_not_ok "ipsecd on $h ran to the end of the scenario (it exited early)"
	done
	[ "$_it_fail" -eq 0 ] || _it_diagnostics
	_it_finished=1 # the EXIT trap has nothing more to show
	for h in "${!_it_daemon_pid[@]}"; do
		rc=0
		daemon_stop "$h" || rc=$?
		expect_eq "ipsecd on $h stops with status 0" 0 "$rc"
		[ "$rc" -eq 0 ] || _it_show "ipsecd log of $h" "$(_it_log "$h")"
	done
	for h in "${_it_hosts[@]}"; do
		[ -e "$(_it_log "$h")" ] || continue
		if grep -Eq 'runtime error:|ERROR: (Address|Leak)Sanitizer' "$(_it_log "$h")"; then
			_it_not_ok "ipsecd's log on $h has no sanitizer report"
			_it_show "ipsecd log of $h" "$(_it_log "$h")"
		fi
	done
	printf '# %s: %d passed, %d failed\n' "$IT_NAME" "$_it_pass" "$_it_fail"
	[ "$_it_fail" -eq 0 ] && exit 0
	exit 1
}

# ---------------------------------------------------------------- topology

# ns HOST: the network namespace of a host of this scenario.
ns() { echo "$IT_PREFIX$1"; }

# on HOST CMD...: runs CMD inside HOST's network namespace.
on() {
	local h=$1
	shift
	ip netns exec "$IT_PREFIX$h" "$@"
}

# _it_hosts_links HOST... -- H1:IF1:H2:IF2...: makes a namespace per host and a veth
# pair per link (created straight inside the two namespaces, so nothing touches the
# namespace run runs in), with everything up. One ip process: each process start is dear
# in UML.
_it_hosts_links() {
	local h l i1 i2 h2 batch=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		_it_namespaces+=("$IT_PREFIX$1")
		_it_hosts+=("$1")
		batch+="netns add $IT_PREFIX$1"$'\n'
		shift
	done
	shift
	for l in "$@"; do
		IFS=: read -r h i1 h2 i2 <<<"$l"
		batch+="link add name $i1 netns $IT_PREFIX$h type veth peer name $i2 netns $IT_PREFIX$h2"$'\n'
	done
	ip -batch - <<<"$batch"
}

# _it_setup HOST: runs the ip commands on standard input (one a line, without "ip")
# in HOST, after bringing up all its links.
_it_setup() {
	local links
	links=$(ip -n "$IT_PREFIX$1" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print "link set " $2 " up" }')
	{ echo "$links"; cat; } | ip -n "$IT_PREFIX$1" -batch -
}

# _it_router HOST: turns on IPv4 and IPv6 forwarding in HOST.
_it_router() {
	on "$1" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward &&
		echo 1 >/proc/sys/net/ipv6/conf/all/forwarding'
}

# topo_two_hosts: two security gateways, a and b, each with a client behind it:
#
#   ca 10.1.0.2 --lan0-- a 192.0.2.1 ==eth0== eth0 192.0.2.2 b --lan0-- 10.2.0.2 cb
#      (eth0)   10.1.0.1   2001:db8::1            2001:db8::2   10.2.0.1    (eth0)
#
# a and b forward, and route the other side's client subnet over the link; the clients
# route everything to their gateway. Hosts: a, b, ca, cb.
topo_two_hosts() {
	_it_hosts_links a b ca cb -- a:eth0:b:eth0 a:lan0:ca:eth0 b:lan0:cb:eth0
	_it_setup a <<-EOF
		addr add 192.0.2.1/24 dev eth0
		addr add 2001:db8::1/64 dev eth0 nodad
		addr add 10.1.0.1/24 dev lan0
		route add 10.2.0.0/24 via 192.0.2.2
	EOF
	_it_setup b <<-EOF
		addr add 192.0.2.2/24 dev eth0
		addr add 2001:db8::2/64 dev eth0 nodad
		addr add 10.2.0.1/24 dev lan0
		route add 10.1.0.0/24 via 192.0.2.1
	EOF
	_it_setup ca <<-EOF
		addr add 10.1.0.2/24 dev eth0
		route add default via 10.1.0.1
	EOF
	_it_setup cb <<-EOF
		addr add 10.2.0.2/24 dev eth0
		route add default via 10.2.0.1
	EOF
	_it_router a
	_it_router b
}

# topo_three_hosts: a behind a router "nat", which b reaches on its outside:
#
#   a 10.0.1.2 ==eth0== eth0 10.0.1.1 nat 203.0.113.1 eth1 ==eth0== 203.0.113.2 b
#
# a's default route is nat; b has no route to 10.0.1.0/24, so a reaches b only once
# nat translates (nat_masquerade). Hosts: a, nat, b.
topo_three_hosts() {
	_it_hosts_links a nat b -- a:eth0:nat:eth0 nat:eth1:b:eth0
	_it_setup a <<-EOF
		addr add 10.0.1.2/24 dev eth0
		route add default via 10.0.1.1
	EOF
	_it_setup nat <<-EOF
		addr add 10.0.1.1/24 dev eth0
		addr add 203.0.113.1/24 dev eth1
	EOF
	_it_setup b <<-EOF
		addr add 203.0.113.2/24 dev eth0
	EOF
	_it_router nat
}

# topo_nat: topo_three_hosts with a subnet behind a and one behind b, for NAT-T:
#
#   lan0 10.1.0.1/24 - a 10.0.1.2 == nat 203.0.113.1 == 203.0.113.2 b - lan0 10.2.0.1/24
#
# (lan0 a dummy link); b routes 10.1.0.0/24 to the NAT's outside, which has no route
# there, so that only a tunnel can carry it. No NAT rule yet: nat_masquerade adds it.
topo_nat() {
	topo_three_hosts
	ip -n "$IT_PREFIX"a -batch - <<-EOF
		link add lan0 type dummy
		addr add 10.1.0.1/24 dev lan0
		link set lan0 up
	EOF
	ip -n "$IT_PREFIX"b -batch - <<-EOF
		link add lan0 type dummy
		addr add 10.2.0.1/24 dev lan0
		link set lan0 up
		route add 10.1.0.0/24 via 203.0.113.1
	EOF
}

# topo_nat_clients N: N clients (1 to 9), each a host of its own with a subnet of its
# own, behind one router "nat", and b outside (as topo_nat, with more clients than a):
#
#   lan0 10.1.I.1/24 - rwI 10.0.I.2 == inI 10.0.I.1 nat 203.0.113.1 == 203.0.113.2 b
#                                                                          - lan0 10.2.0.1/24
#
# for I = 1..N (lan0 dummy links; rwI's eth0 to nat's inI, nat's eth1 to b's eth0).
# Each rwI's default route is nat; b routes 10.1.0.0/16 to the NAT's outside, which has
# no route there, so that only tunnels carry it. No NAT rule yet: nat_masquerade adds it
# (all the clients then share the NAT's address).
# Hosts: rw1..rwN, nat, b.
topo_nat_clients() {
	local n=$1 i hosts=() links=() batch=
	if ! [[ $n =~ ^[1-9]$ ]]; then
		echo "topo_nat_clients: 1 to 9 clients, not '$n'" >&2
		return 1
	fi
	for ((i = 1; i <= n; i++)); do
		hosts+=("rw$i")
		links+=("rw$i:eth0:nat:in$i")
		batch+="addr add 10.0.$i.1/24 dev in$i"$'\n'
	done
	_it_hosts_links "${hosts[@]}" nat b -- "${links[@]}" nat:eth1:b:eth0
	for ((i = 1; i <= n; i++)); do
		_it_setup "rw$i" <<-EOF
			addr add 10.0.$i.2/24 dev eth0
			route add default via 10.0.$i.1
			link add lan0 type dummy
			addr add 10.1.$i.1/24 dev lan0
			link set lan0 up
		EOF
	done
	_it_setup nat <<<"${batch}addr add 203.0.113.1/24 dev eth1"
	_it_setup b <<-EOF
		addr add 203.0.113.2/24 dev eth0
		link add lan0 type dummy
		addr add 10.2.0.1/24 dev lan0
		link set lan0 up
		route add 10.1.0.0/16 via 203.0.113.1
	EOF
	_it_router nat
}

# topo_rw N: road warriors (mode-config clients) rw1..rwN and their gateway b, with a
# network behind b that the clients reach through their tunnels (b 192.168.50.1 on
# lan1, a host "lan" 192.168.50.2 there):
#
#   rwI 10.0.I.2 == inI 10.0.I.1 nat 203.0.113.1 == eth0 203.0.113.2 b
#                                       b 192.168.50.1 lan1 == eth0 192.168.50.2 lan
#
# This is topo_nat_clients N (whose hosts and links it keeps) with: b forwards and routes
# the clients' addresses (10.0.0.0/16) and the virtual IPs the scenarios' pools hand
# out (10.8.0.0/16, 10.9.0.0/16) to nat; lan's default route is b. nat routes between
# the clients and b untranslated until nat_masquerade; it has no route to 192.168.50.0/24
# nor to the virtual IPs, so that only the tunnels carry traffic between the clients'
# virtual IPs and b's network. Hosts: rw1..rwN, nat, b, lan.
topo_rw() {
	topo_nat_clients "$1" || return 1
	_it_hosts_links lan -- b:lan1:lan:eth0
	_it_setup b <<-EOF
		addr add 192.168.50.1/24 dev lan1
		route add 10.0.0.0/16 via 203.0.113.1
		route add 10.8.0.0/16 via 203.0.113.1
		route add 10.9.0.0/16 via 203.0.113.1
	EOF
	_it_setup lan <<-EOF
		addr add 192.168.50.2/24 dev eth0
		route add default via 192.168.50.1
	EOF
	_it_router b
}

# topo_load N: a responder r and a load generator g (bench/ike_load), for load benchmarks:
#
#   r 192.0.2.1 ==eth0== eth0 192.0.2.2 g, and on g's eth0 also 10.200.0.1 ... (N of them, /32)
#
# r routes 10.200.0.0/16 to g. N is at most 65534. Hosts: r, g.
topo_load() {
	local n=$1 i a batch=
	_it_hosts_links r g -- r:eth0:g:eth0
	_it_setup r <<-EOF
		addr add 192.0.2.1/24 dev eth0
		route add 10.200.0.0/16 via 192.0.2.2
	EOF
	for ((i = 0; i < n; i++)); do
		a=$((0x0ac80001 + i))
		batch+="addr add $((a >> 24)).$((a >> 16 & 255)).$((a >> 8 & 255)).$((a & 255))/32 dev eth0"$'\n'
	done
	_it_setup g <<<"addr add 192.0.2.2/24 dev eth0"$'\n'"$batch"
}

# nat_masquerade: topo_nat's (or topo_nat_clients') nat masquerades what leaves its
# outside (eth1), UDP onto source ports 40000-40999 of its choosing (a NAT-T peer must
# see a translated port), with iptables-legacy (user-mode Linux has no nf_tables), else iptables; fails, saying
# so and what to install, without them or if the kernel takes no rule.
nat_masquerade() {
	local ipt rules='*nat
-A POSTROUTING -o eth1 -p udp -j MASQUERADE --to-ports 40000-40999
-A POSTROUTING -o eth1 -j MASQUERADE
COMMIT'
	local found=
	for ipt in iptables-legacy-restore iptables-restore; do
		type -P "$ipt" >/dev/null || continue
		found=1
		on nat "$ipt" <<<"$rules" && return 0
		echo "$ipt did not take the NAT rules (no iptable_nat in the kernel?)"
	done
	[ -n "$found" ] || echo "no iptables-legacy-restore nor iptables-restore: apt-get install iptables"
	return 1
}

# ---------------------------------------------------------------- ipsecd

# conf_file HOST: where HOST's configuration is (the scenario writes it).
conf_file() { echo "$IT_WORK/$1.conf"; }
_it_sock() { echo "$IT_WORK/$1.sock"; }
_it_pidfile() { echo "$IT_WORK/$1.pid"; }
_it_log() { echo "$IT_WORK/$1.log"; }

# ipsecctl_on HOST ARGS...: ipsecctl talking to HOST's daemon.
ipsecctl_on() {
	local h=$1
	shift
	"$IPSECCTL" -s "$(_it_sock "$h")" "$@"
}

_it_ready() { # _it_ready HOST: the daemon answers on its control socket
	ipsecctl_on "$1" settings print
}

# _it_running PID: the process exists and has not exited (an exited child stays a
# zombie until it is waited for, and kill -0 still reaches a zombie).
_it_running() {
	local stat
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# daemon_start HOST [OPTION...]: starts ipsecd in HOST's namespace on conf_file HOST (and
# the OPTIONs), in the foreground with kernel debug logging to $IT_WORK/HOST.log, and
# waits until it answers on its control socket (at most 15 s). Fails if it exits or
# never answers.
daemon_start() {
	local h=$1 pid bin
	for bin in "$IPSECD" "$IPSECCTL"; do
		if [ ! -x "$bin" ]; then
			echo "$bin not found: build first (cd build && make), or set IPSECD_BUILD" >&2
			return 1
		fi
	done
	log "starting ipsecd on $h"
	# ip netns exec execs the command, so $! is ipsecd's own pid.
	ip netns exec "$(ns "$h")" "$IPSECD" -F -f "$(conf_file "$h")" -S "$(_it_sock "$h")" \
		-p "$(_it_pidfile "$h")" -d kernel=debug "${@:2}" >>"$(_it_log "$h")" 2>&1 &
	pid=$!
	_it_daemon_pid[$h]=$pid
	_it_deadline 15
	until _it_ready "$h" >/dev/null 2>&1; do
		if ! _it_running "$pid"; then
			echo "ipsecd on $h exited at start" >&2
			return 1
		fi
		if _it_expired; then
			echo "ipsecd on $h did not answer on its control socket within 15 s" >&2
			return 1
		fi
		_nap 0.05
	done
}

# daemon_pid HOST
daemon_pid() { echo "${_it_daemon_pid[$1]}"; }

# daemon_signal HOST SIGNAL: e.g. daemon_signal a HUP.
daemon_signal() { kill -s "$2" "${_it_daemon_pid[$1]}"; }

# daemon_stop HOST: SIGTERM, then waits (at most 15 s) for the daemon to exit. Its
# exit status is the function's status (137 if it had to be killed).
daemon_stop() {
	local h=$1 pid=${_it_daemon_pid[$1]:-} rc=0
	[ -n "$pid" ] || return 0
	unset "_it_daemon_pid[$h]"
	kill -TERM "$pid" 2>/dev/null || true
	if ! wait_until 15 _it_exited "$pid"; then
		echo "ipsecd on $h ignored SIGTERM; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" || rc=$?
	return "$rc"
}
_it_exited() { ! _it_running "$1"; }

# ---------------------------------------------------------------- configuration

# The keys of manual-sa ms1 (AES-128-CBC, HMAC-SHA1): set 1 protects b -> a (SPI 0x1001),
# set 2 a -> b (SPI 0x1002).
# shellcheck disable=SC2034 # used through namerefs (local -n) and by the scenarios
declare -r \
	MS1_ENC1=0x0102030405060708090a0b0c0d0e0f10 \
	MS1_ENC2=0x1112131415161718191a1b1c1d1e1f20 \
	MS1_AUTH1=0x0102030405060708090a0b0c0d0e0f1001020304 \
	MS1_AUTH2=0x1112131415161718191a1b1c1d1e1f2011121314

# conf_ms1 a|b: the manual-sa ms1 entry for topo_two_hosts' gateway a or b, with
# inbound values first: a receives with 0x1001 and sends with 0x1002, b the reverse.
conf_ms1() {
	local in=1 out=2
	[ "$1" = b ] && in=2 out=1
	local -n ein=MS1_ENC$in eout=MS1_ENC$out ain=MS1_AUTH$in aout=MS1_AUTH$out
	cat <<-EOF
		/ip ipsec manual-sa
		add name=ms1 esp-auth-algorithm=sha1 esp-enc-algorithm=aes-128 esp-spi=0x100$in/0x100$out esp-auth-key=$ain/$aout esp-enc-key=$ein/$eout
	EOF
}

# conf_ms1_tunnel a|b: the policy of the tunnel between the client subnets that uses
# ms1 (10.1.0.0/24 <-> 10.2.0.0/24 between 192.0.2.1 and 192.0.2.2), seen from a or b.
conf_ms1_tunnel() {
	if [ "$1" = a ]; then
		echo "add src-address=10.1.0.0/24 dst-address=10.2.0.0/24 sa-src-address=192.0.2.1 sa-dst-address=192.0.2.2 tunnel=yes manual-sa=ms1"
	else
		echo "add src-address=10.2.0.0/24 dst-address=10.1.0.0/24 sa-src-address=192.0.2.2 sa-dst-address=192.0.2.1 tunnel=yes manual-sa=ms1"
	fi
}

# conf_ike KEY=VALUE...: prints an ipsecd configuration with one IKE peer (IKEv2 unless told) authenticated
# by a pre-shared key and one tunnel policy between two subnets. Keys:
#   peer (its address), local_ts, remote_ts, psk            required
#   passive=no, enc=aes-256, hash=sha256, dh=modp2048      the peer and its profile
#   exchange=ike2                                          the peer's exchange-mode
#                                                          (main, aggressive: IKEv1)
#   my_id, remote_id                                       the identity's (fqdn:a.example)
#   lifetime=1d, dpd=2m, natt=yes                          the profile
#   penc=aes-256-cbc, pauth=sha256, pfs=none, plife=30m    the proposal
#   tunnel=yes                                             the policy (no: transport)
#   extra                                                  more lines, appended as is
conf_ike() {
	local -A o=([passive]=no [enc]=aes-256 [hash]=sha256 [dh]=modp2048 [lifetime]=1d
		[dpd]=2m [natt]=yes [penc]=aes-256-cbc [pauth]=sha256 [pfs]=none [plife]=30m
		[tunnel]=yes [exchange]=ike2)
	local kv plen=32 ids=
	for kv in "$@"; do o[${kv%%=*}]=${kv#*=}; done
	[[ ${o[peer]} != *:* ]] || plen=128
	[ -z "${o[my_id]:-}" ] || ids+=" my-id=${o[my_id]}"
	[ -z "${o[remote_id]:-}" ] || ids+=" remote-id=${o[remote_id]}"
	cat <<CONF
/ip ipsec profile add name=p1 enc-algorithm=${o[enc]} hash-algorithm=${o[hash]} dh-group=${o[dh]} lifetime=${o[lifetime]} dpd-interval=${o[dpd]} nat-traversal=${o[natt]}
/ip ipsec peer add name=other address=${o[peer]}/${plen} exchange-mode=${o[exchange]} profile=p1 passive=${o[passive]}
/ip ipsec identity add peer=other auth-method=pre-shared-key secret="${o[psk]}"${ids}
/ip ipsec proposal add name=pr1 enc-algorithms=${o[penc]} auth-algorithms=${o[pauth]} pfs-group=${o[pfs]} lifetime=${o[plife]}
/ip ipsec policy add src-address=${o[local_ts]} dst-address=${o[remote_ts]} tunnel=${o[tunnel]} peer=other proposal=pr1
${o[extra]:-}
CONF
}

# ike_established HOST: HOST's ipsecd has an established IKE SA.
ike_established() { ipsecctl_on "$1" active-peers print detail | grep -q 'state="*established'; }

# ---------------------------------------------------------------- road warriors

# conf_rw_gateway KEY=VALUE...: prints an ipsecd configuration for a road-warrior gateway
# (topo_rw's b): a passive IKEv2 peer for any address (name rw), an identity that gives
# each client an address from /ip pool rw by mode-config and generates its policies
# from the templates of policy group rw. Keys:
#   psk                  the pre-shared key (auth=pre-shared-key), or
#   pki, cert            pki_make's directory and this end's leaf (pki.sh; the
#                        identity is then auth-method=digital-signature, and the CA and
#                        the leaf are imported as ca and NAME)
#   remote_id            the identity's remote-id (as RouterOS: auto unless told)
#   auth_method          with cert: the identity's auth-method instead of
#                        digital-signature (eap-radius: the gateway signs, RADIUS checks
#                        the client's EAP)
#   match_by             the identity's match-by (remote-id, certificate)
#   ranges=10.8.0.10-10.8.0.12   the pool
#   split=192.168.50.0/24        mode-config split-include ("" for none)
#   dns=192.168.50.53            mode-config static-dns ("" for none)
#   tmpl_src=192.168.50.0/24, tmpl_dst=10.8.0.0/24   the template policy
#   gen=port-strict      the identity's generate-policy
#   enc=aes-256, hash=sha256, dh=ecp256,modp2048      the profile p1
#   penc=aes-256-cbc, pauth=sha256, pfs=none          the proposal pr1 (the template's)
#   extra                more lines, appended as is
conf_rw_gateway() {
	local -A o=([ranges]=10.8.0.10-10.8.0.12 [split]=192.168.50.0/24 [dns]=192.168.50.53
		[tmpl_src]=192.168.50.0/24 [tmpl_dst]=10.8.0.0/24 [gen]=port-strict
		[enc]=aes-256 [hash]=sha256 [dh]='ecp256,modp2048' [penc]=aes-256-cbc
		[pauth]=sha256 [pfs]=none)
	local kv mc auth
	for kv in "$@"; do o[${kv%%=*}]=${kv#*=}; done
	mc="/ip ipsec mode-config add name=rw responder=yes address-pool=rw system-dns=no"
	[ -z "${o[split]}" ] || mc+=" split-include=${o[split]}"
	[ -z "${o[dns]}" ] || mc+=" static-dns=${o[dns]}"
	if [ -n "${o[cert]:-}" ]; then
		printf '%s\n' "/certificate import file-name=${o[pki]}/ca.pem name=ca" \
			"/certificate import file-name=${o[pki]}/${o[cert]}-bundle.pem name=${o[cert]}"
		auth="auth-method=${o[auth_method]:-digital-signature} certificate=${o[cert]}"
	elif [ -n "${o[psk]:-}" ]; then
		auth="auth-method=pre-shared-key secret=\"${o[psk]}\""
	else
		echo "conf_rw_gateway: psk= or pki= and cert= are required" >&2
		return 1
	fi
	[ -z "${o[remote_id]:-}" ] || auth+=" remote-id=${o[remote_id]}"
	[ -z "${o[match_by]:-}" ] || auth+=" match-by=${o[match_by]}"
	printf '%s\n' \
		"/ip pool add name=rw ranges=${o[ranges]}" \
		"$mc" \
		"/ip ipsec profile add name=p1 enc-algorithm=${o[enc]} hash-algorithm=${o[hash]} dh-group=${o[dh]}" \
		"/ip ipsec proposal add name=pr1 enc-algorithms=${o[penc]} auth-algorithms=${o[pauth]} pfs-group=${o[pfs]}" \
		"/ip ipsec policy group add name=rw" \
		"/ip ipsec policy add template=yes group=rw src-address=${o[tmpl_src]} dst-address=${o[tmpl_dst]} proposal=pr1" \
		"/ip ipsec peer add name=rw address=0.0.0.0/0 passive=yes exchange-mode=ike2 profile=p1" \
		"/ip ipsec identity add peer=rw $auth generate-policy=${o[gen]} mode-config=rw policy-template-group=rw" \
		"${o[extra]:-}"
}

# conf_rw_client KEY=VALUE...: prints an ipsecd configuration for a road-warrior client:
# an IKEv2 peer gw (the gateway) whose identity asks for an address by mode-config and
# generates its policies (its address -> the networks granted) from policy group cl. Keys:
#   gw                   the gateway's address                              required
#   psk, or pki and cert, remote_id    as conf_rw_gateway's
#   my_id                the identity's my-id (auto unless told)
#   mode_config=cl       cl: a mode-config item of that name, responder=no; or the
#                        built-in request-only
#   tmpl_dst=192.168.50.0/24   the template's dst-address (the networks asked for)
#   gen=port-strict, enc, hash, dh, penc, pauth, pfs, extra   as conf_rw_gateway's
conf_rw_client() {
	local -A o=([mode_config]=cl [tmpl_dst]=192.168.50.0/24 [gen]=port-strict
		[enc]=aes-256 [hash]=sha256 [dh]='ecp256,modp2048' [penc]=aes-256-cbc
		[pauth]=sha256 [pfs]=none)
	local kv auth
	for kv in "$@"; do o[${kv%%=*}]=${kv#*=}; done
	if [ -z "${o[gw]:-}" ]; then
		echo "conf_rw_client: gw= is required" >&2
		return 1
	fi
	if [ -n "${o[cert]:-}" ]; then
		printf '%s\n' "/certificate import file-name=${o[pki]}/ca.pem name=ca" \
			"/certificate import file-name=${o[pki]}/${o[cert]}-bundle.pem name=${o[cert]}"
		auth="auth-method=digital-signature certificate=${o[cert]}"
	elif [ -n "${o[psk]:-}" ]; then
		auth="auth-method=pre-shared-key secret=\"${o[psk]}\""
	else
		echo "conf_rw_client: psk= or pki= and cert= are required" >&2
		return 1
	fi
	[ -z "${o[remote_id]:-}" ] || auth+=" remote-id=${o[remote_id]}"
	[ -z "${o[my_id]:-}" ] || auth+=" my-id=${o[my_id]}"
	[ "${o[mode_config]}" = request-only ] ||
		echo "/ip ipsec mode-config add name=${o[mode_config]} responder=no"
	printf '%s\n' \
		"/ip ipsec profile add name=p1 enc-algorithm=${o[enc]} hash-algorithm=${o[hash]} dh-group=${o[dh]}" \
		"/ip ipsec proposal add name=pr1 enc-algorithms=${o[penc]} auth-algorithms=${o[pauth]} pfs-group=${o[pfs]}" \
		"/ip ipsec policy group add name=cl" \
		"/ip ipsec policy add template=yes group=cl dst-address=${o[tmpl_dst]} proposal=pr1" \
		"/ip ipsec peer add name=gw address=${o[gw]}/32 exchange-mode=ike2 profile=p1" \
		"/ip ipsec identity add peer=gw $auth generate-policy=${o[gen]} mode-config=${o[mode_config]} policy-template-group=cl" \
		"${o[extra]:-}"
}

# _it_json_rows HOST MENU... KEYS: HOST's ipsecctl -j MENU print, one line per item: the
# values of the comma-separated KEYS (a missing one as "-"), tab-separated, then flags.
_it_json_rows() {
	local h=$1 keys=${*: -1}
	ipsecctl_on "$h" -j "${@:2:$#-2}" print | python3 -c '
import json, sys
keys = sys.argv[1].split(",")
for p in json.load(sys.stdin):
    print("\t".join([str(p.get(k) or "-") for k in keys] + [p.get("flags") or "-"]))' "$keys"
}

# pool_used HOST: HOST's /ip pool used print, one lease a line: POOL ADDRESS OWNER INFO
# FLAGS (tab-separated; "-" for what is not shown).
pool_used() { _it_json_rows "$1" /ip pool used address,pool,owner,info | awk -F'\t' -v OFS='\t' '{ print $2, $1, $3, $4, $5 }'; }

# lease_info HOST ADDR: the info of ADDR's row in HOST's /ip pool used print: active
# (an IKE SA of the client has it) or kept (the client is gone, the address is kept for
# its return); nothing if there is no such row. Fails if HOST does not answer.
lease_info() {
	local addr info out
	out=$(pool_used "$1") || return 1
	while IFS=$'\t' read -r _ addr _ info _; do
		[ "${addr%/32}" = "$2" ] && echo "$info"
	done <<<"$out"
	return 0
}

# lease_held HOST ADDR: /ip pool used on HOST lists ADDR as an active lease. Status 2 if
# HOST does not answer /ip pool used print. lease_free HOST ADDR: it answers and ADDR
# is not active (kept for its last owner, or not listed).
lease_held() {
	local info
	info=$(lease_info "$1" "$2") || return 2
	[ "$info" = active ]
}
lease_free() {
	local rc=0
	lease_held "$@" || rc=$?
	[ "$rc" -eq 1 ]
}

# dynamic_addresses HOST: the dynamic-address of each of HOST's IKE SAs (active-peers),
# one a line, sorted ("-" for an IKE SA without one).
dynamic_addresses() { _it_json_rows "$1" active-peers dynamic-address | cut -f1 | sort; }

# no_dynamic_address HOST: HOST's active-peers shows no dynamic-address (fails if
# ipsecctl does).
no_dynamic_address() {
	local d
	d=$(dynamic_addresses "$1") || return 1
	! grep -Eq '[0-9a-f]' <<<"$d"
}

# gen_policy_shown HOST SRC DST: HOST's policy print lists a dynamic policy (flag D,
# generated) from SRC to DST (a /32 may be shown without its length).
# Status 2 if HOST does not answer policy print. gen_policy_gone HOST SRC DST: it answers
# and lists no such policy.
gen_policy_shown() {
	local src dst flags out
	out=$(_it_json_rows "$1" policy src-address,dst-address) || return 2
	while IFS=$'\t' read -r src dst flags; do
		[ "${src%/32}" = "${2%/32}" ] && [ "${dst%/32}" = "${3%/32}" ] && [[ $flags == *D* ]] &&
			return 0
	done <<<"$out"
	return 1
}
gen_policy_gone() {
	local rc=0
	gen_policy_shown "$@" || rc=$?
	[ "$rc" -eq 1 ]
}

# gen_policies_in_kernel HOST LOCAL REMOTE: HOST's kernel has the out policy LOCAL ->
# REMOTE and the in and fwd policies REMOTE -> LOCAL (a tunnel's three).
gen_policies_in_kernel() {
	policy_exists "$1" out "$2" "$3" && policy_exists "$1" in "$3" "$2" &&
		policy_exists "$1" fwd "$3" "$2"
}

# no_gen_policy_in_kernel HOST ADDR: none of HOST's kernel policies has ADDR/32 in its
# selector.
no_gen_policy_in_kernel() {
	! ip -n "$IT_PREFIX$1" xfrm policy | grep -Eq "^src .*(src|dst) ${2//./\\.}/32( |$)"
}

# addr_on HOST DEV ADDR: ADDR is an address of HOST's DEV.
addr_on() { ip -n "$IT_PREFIX$1" -o addr show dev "$2" | grep " ${3//./\\.}/" >/dev/null; }

# no_ike_sa HOST: HOST's ipsecd answers and lists no IKE SA.
no_ike_sa() {
	local out
	out=$(ipsecctl_on "$1" active-peers print detail) && [ -z "$out" ]
}

# expect_rw_traffic LABEL CLIENT VIP [FILTER]: topo_rw's CLIENT (rwI), holding the virtual
# IP VIP and one CHILD SA pair with b, pings lan (192.168.50.2, behind b) from VIP, and
# lan and b (from 192.168.50.1) ping VIP: every ping is answered, the four SAs (the
# pair in each kernel, the SPIs CLIENT's kernel holds) count them, and CLIENT and b send
# it all as FILTER (pcap; esp unless told: "udp port 4500" behind a NAT), none of it as
# ICMP in the clear.
expect_rw_traffic() {
	local l=$1 c=$2 vip=$3 f=${4:-esp} h spi n spis=()
	local -A p0=()
	read -ra spis <<<"$(esp_spis "$c")"
	expect_eq "$l: $c holds one ESP SA pair (${spis[*]})" 2 "${#spis[@]}"
	for spi in "${spis[@]}"; do
		for h in "$c" b; do p0[$h$spi]=$(sa_packets "$h" esp "$spi") || p0[$h$spi]=0; done
	done
	capture_start "$c" eth0 "rw-$l-$c"
	capture_start b eth0 "rw-$l-b"
	expect_ok "$l: ping $vip ($c) -> lan 192.168.50.2" \
		on "$c" ping -n -q -c 3 -i 0.2 -W 1 -I "$vip" 192.168.50.2
	expect_ok "$l: ping lan 192.168.50.2 -> $vip ($c)" on lan ping -n -q -c 3 -i 0.2 -W 1 "$vip"
	expect_ok "$l: ping b 192.168.50.1 -> $vip ($c)" \
		on b ping -n -q -c 3 -i 0.2 -W 1 -I 192.168.50.1 "$vip"
	capture_stop "rw-$l-$c" 9 "$f"
	capture_stop "rw-$l-b" 9 "$f"
	# each end sends three echo requests of one ping and the replies of the other two, or
	# the reverse
	for h in "$c" b; do
		expect_gt "$l: $h sent the pings as $f" "$(capture_count "rw-$l-$h" "$f")" 8
		expect_eq "$l: $h sent no ICMP in the clear" 0 "$(capture_count "rw-$l-$h" icmp)"
	done
	for spi in "${spis[@]}"; do
		for h in "$c" b; do
			n=$(sa_packets "$h" esp "$spi") || n=gone
			expect_gt "$l: $h's SA $spi counted the pings" "$n" "${p0[$h$spi]}"
		done
	done
}

# ---------------------------------------------------------------- kernel state

# _it_sa_field HOST PROTO SPI FIELD: FIELD (bytes or packets) of the "lifetime current"
# counters of the SA with that protocol (esp, ah, comp) and SPI (any notation bash
# reads: 0x1001, 4097) in HOST's SAD; ip prints "spi 0x00001001(4097)". Prints nothing
# and fails if there is none. (ip -n: cheaper than ip netns exec, no mount namespace.)
_it_sa_field() {
	local spi
	spi=$(printf '0x%08x' "$(($3))")
	ip -n "$IT_PREFIX$1" -s xfrm state | awk -v proto="$2" -v spi="$spi" -v field="$4" '
		/^src / { this = 0; current = 0 }
		$1 == "proto" && $2 == proto && $3 == "spi" && index($4, spi) == 1 { this = 1 }
		this && /lifetime current:/ { current = 1; next }
		!found && this && current {
			n = split($0, f, /[(),]+/)
			for (i = 1; i < n; i++) if (f[i + 1] == field) { gsub(/[ \t]/, "", f[i]); print f[i] }
			found = 1
		}
		END { exit !found }' # reads to the end: ip must not die of SIGPIPE
}
sa_bytes() { _it_sa_field "$1" "$2" "$3" bytes; }
sa_packets() { _it_sa_field "$1" "$2" "$3" packets; }

# sa_exists HOST PROTO SPI
sa_exists() { _it_sa_field "$1" "$2" "$3" bytes >/dev/null; }

# sa_used HOST PROTO SPI: the SA exists and has counted bytes.
sa_used() {
	local b
	b=$(_it_sa_field "$1" "$2" "$3" bytes) && [ "$b" -gt 0 ]
}

# sa_count HOST / policy_count HOST: how many SAs / policies HOST's kernel holds.
sa_count() { ip -n "$IT_PREFIX$1" xfrm state | grep -c '^src ' || true; }
policy_count() { ip -n "$IT_PREFIX$1" xfrm policy | grep -c '^src ' || true; }

# policy_field HOST DIR SRC DST FIELD: FIELD (index, action, priority) of HOST's policy
# whose selector is exactly SRC and DST (no protocol or ports) in direction DIR.
# Prints nothing and fails if there is none.
policy_field() {
	ip -n "$IT_PREFIX$1" -s xfrm policy | awk -v dir="$2" -v sel="src $3 dst $4" -v field="$5" '
		/^src / { s = $0; sub(/ +uid [0-9]+ *$/, "", s); sub(/ +$/, "", s); this = (s == sel); next }
		!found && this && $1 == "dir" && $2 == dir {
			for (i = 1; i < NF; i++) if ($i == field) { print $(i + 1); found = 1; break }
		}
		END { exit !found }' # reads to the end: ip must not die of SIGPIPE (141 under pipefail)
}
policy_exists() { policy_field "$1" "$2" "$3" "$4" index >/dev/null; }

# ---------------------------------------------------------------- traffic

# ping_ok HOST DST: three pings from HOST; succeeds if at least one is answered.
ping_ok() { on "$1" ping -n -q -c 3 -i 0.2 -W 1 "$2"; }

# ping_one HOST DST: one ping, waiting at most half a second (for pings meant to
# fail; the round trip between namespaces is well under a millisecond).
ping_one() { on "$1" ping -n -q -c 1 -W 0.5 "$2"; }

# capture_start HOST IF NAME: records the packets HOST sends out of IF (outgoing only,
# so that a tunnel's decrypted copy on the receiver cannot be mistaken for plaintext on
# the wire) into $IT_WORK/NAME.pcap, and waits until tcpdump listens.
capture_start() {
	local h=$1 ifname=$2 name=$3
	ip netns exec "$IT_PREFIX$h" tcpdump -i "$ifname" -Q out -n -U --immediate-mode -Z root \
		-w "$IT_WORK/$name.pcap" 2>"$IT_WORK/$name.tcpdump" &
	_it_capture_pid[$name]=$!
	if ! wait_until 10 grep -q 'listening on' "$IT_WORK/$name.tcpdump"; then
		echo "tcpdump on $h $ifname did not start" >&2
		_it_show tcpdump "$IT_WORK/$name.tcpdump"
		return 1
	fi
}

# capture_stop NAME [COUNT FILTER]: stops the capture. tcpdump may not yet have read the
# last packets sent when it is stopped: with COUNT and FILTER, it first waits (at most
# 5 s) until COUNT packets matching FILTER are on disk, e.g. "capture_stop link 3 esp"
# after three pings that should be encrypted.
capture_stop() {
	local pid=${_it_capture_pid[$1]:-}
	[ -n "$pid" ] || return 0
	[ $# -lt 3 ] || wait_until 5 _it_captured "$1" "$2" "$3" || true
	unset "_it_capture_pid[$1]"
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
_it_captured() { [ "$(capture_count "$1" "$3")" -ge "$2" ]; }

# capture_count NAME FILTER: how many captured packets match a pcap FILTER ('esp',
# 'ah', 'icmp', 'host 10.2.0.3', ...).
capture_count() {
	tcpdump -r "$IT_WORK/$1.pcap" -n "$2" 2>/dev/null | wc -l
}

# capture_show NAME: the capture, one packet a line, as a comment (for failures).
capture_show() {
	tcpdump -r "$IT_WORK/$1.pcap" -n 2>/dev/null >"$IT_WORK/$1.txt" || true
	_it_show "capture $1" "$IT_WORK/$1.txt"
}

# ping_bg_start HOST DST: a ping every 0.2 s from HOST to DST in the background (for
# at most 300 s), until expect_ping_bg stops it: traffic during a rekey, for example.
ping_bg_start() {
	# Not through "on": $! must be ping's pid (ip netns exec execs it), for SIGINT.
	ip netns exec "$IT_PREFIX$1" ping -n -i 0.2 -w 300 "$2" >"$IT_WORK/ping-bg.out" 2>&1 &
	_it_ping_pid=$!
}

# expect_ping_bg MIN_SENT MAX_LOST: stops ping_bg_start's ping and checks that it still
# ran, sent more than MIN_SENT pings and lost at most MAX_LOST.
expect_ping_bg() {
	local pid=$_it_ping_pid out sent=0 got=0 stats='(no statistics)'
	local re=$'([0-9]+) packets transmitted, ([0-9]+) received[^\n]*'
	_it_ping_pid=
	if _it_running "$pid"; then
		_it_ok "the background ping ran until stopped"
	else
		_it_not_ok "the background ping ran until stopped (it had exited)"
	fi
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" || true
	out=$(<"$IT_WORK/ping-bg.out")
	[[ $out =~ $re ]] && stats=${BASH_REMATCH[0]} sent=${BASH_REMATCH[1]} got=${BASH_REMATCH[2]}
	log "background ping: $stats"
	expect_gt "the background ping sent over $1 pings" "$sent" "$1"
	expect_gt "the background ping lost at most $2 ($sent sent, $got received)" \
		$(($2 + 1)) $((sent - got))
}

# expect_tunnel_carries GW: topo_two_hosts' client ca pings cb, and the packet counters
# of both of gateway GW's ESP SAs (the CHILD SA pair it holds now) grow. A pair that a
# rekey replaced while the pings ran (short lifetimes) is no verdict: the pings go again
# over the new pair, once.
expect_tunnel_carries() {
	local gw=$1 spis pkts0=() i n try pinged gone
	for try in 1 2; do
		read -ra spis <<<"$(esp_spis "$gw")"
		for i in "${!spis[@]}"; do pkts0[i]=$(sa_packets "$gw" esp "${spis[i]}") || pkts0[i]=0; done
		pinged=0
		ping_ok ca 10.2.0.2 >/dev/null 2>&1 || pinged=$?
		gone=
		for i in "${!spis[@]}"; do sa_exists "$gw" esp "${spis[i]}" || gone=1; done
		[ -n "$gone" ] && [ "$try" -eq 1 ] || break
		log "$gw's pair ${spis[*]} was rekeyed while the pings ran: once more"
	done
	expect_eq "$gw holds one ESP SA pair (${spis[*]})" 2 "${#spis[@]}"
	expect_eq "ping client a -> client b (status)" 0 "$pinged"
	for i in "${!spis[@]}"; do
		n=$(sa_packets "$gw" esp "${spis[i]}") || n=gone
		expect_gt "$gw's SA ${spis[i]} counted the pings" "$n" "${pkts0[i]}"
	done
}

# ---------------------------------------------------------------- NAT traversal

# encap_count HOST [EXTENDED-REGEX]: how many of HOST's SAs are ESP in UDP (and whose
# "encap type espinudp sport P dport P" line matches the expression).
encap_count() {
	ip -n "$IT_PREFIX$1" xfrm state | grep -Ec "encap type espinudp ${2:-}" || true
}
_it_encap_pair() { [ "$(encap_count "$1" "$2")" -eq 2 ]; }

# expect_nat_t [LABEL]: the checks of a NAT-T tunnel between topo_nat's a and b (LABEL
# starts their descriptions): each kernel comes to hold its CHILD SA pair in UDP (within
# 5 s), a's between its port 4500 and b's, b's between its 4500 and the port the NAT
# chose (40000-40999); each of a and b that runs ipsecd shows natt-peer=yes; a ping from
# a's subnet to b's crosses the NAT's outside as ESP in UDP to port 4500, never as
# plain ESP nor as ICMP in the clear.
expect_nat_t() {
	local p=${1:+$1. } cap=outside${1:-} h
	expect_ok "${p}a holds its SA pair, ESP in UDP between port 4500 and b's 4500" \
		wait_until 5 _it_encap_pair a 'sport 4500 dport 4500'
	expect_ok "${p}b holds its SA pair, ESP in UDP between 4500 and the NAT's port" \
		wait_until 5 _it_encap_pair b 'sport (4500 dport 40[0-9]{3}|40[0-9]{3} dport 4500)'
	for h in a b; do
		[ -z "${_it_daemon_pid[$h]:-}" ] || expect_grep "${p}$h's active-peers: natt-peer=yes" \
			'natt-peer=yes' ipsecctl_on "$h" active-peers print detail
	done
	capture_start nat eth1 "$cap"
	expect_ok "${p}ping lan a -> lan b through the tunnel and the NAT" \
		on a ping -n -q -c 3 -i 0.2 -W 1 -I 10.1.0.1 10.2.0.1
	capture_stop "$cap" 3 'udp dst port 4500'
	expect_gt "${p}the NAT sent ESP in UDP to b's port 4500" \
		"$(capture_count "$cap" 'udp dst port 4500')" 2
	expect_eq "${p}no plain ESP on the outside" 0 "$(capture_count "$cap" esp)"
	expect_eq "${p}no ICMP in the clear on the outside" 0 "$(capture_count "$cap" icmp)"
}

# ---------------------------------------------------------------- rekeying

# esp_spis HOST: the SPIs of HOST's ESP SAs (0x and 8 hex digits), sorted, on one line.
esp_spis() {
	local s
	s=$(ip -n "$IT_PREFIX$1" xfrm state | awk '$1 == "proto" && $2 == "esp" { print $4 }' | sort)
	# shellcheck disable=SC2086 # the words, on one line
	echo $s
}

# child_rekeyed SPI...: none of these ESP SPIs is left in the kernels of topo_two_hosts'
# gateways a and b, and both hold the same pair of others (a CHILD SA's two ends).
child_rekeyed() {
	local a b s pair
	[ $# -gt 0 ] || return 1
	a=$(esp_spis a) && b=$(esp_spis b) || return 1
	for s; do [[ " $a $b " != *" $s "* ]] || return 1; done
	read -ra pair <<<"$b"
	[ "${#pair[@]}" -eq 2 ] && [ "$a" = "$b" ]
}

# wait_child_rekeyed SECONDS SPI...: waits until child_rekeyed SPI...; if that does not
# come, prints what the two kernels hold (for expect_ok to show).
wait_child_rekeyed() {
	local s=$1
	shift
	wait_until "$s" child_rekeyed "$@" && return 0
	echo "not within $s s; the old SPIs: $*; a's kernel has $(esp_spis a); b's $(esp_spis b)"
	return 1
}

# duration_seconds D: D, in ipsecctl's notation (1w2d3h4m5s), in seconds.
duration_seconds() {
	local d=$1 n=0 v
	while [[ $d =~ ^([0-9]+)([wdhms])(.*)$ ]]; do
		v=${BASH_REMATCH[1]}
		case ${BASH_REMATCH[2]} in
		w) n=$((n + v * 604800)) ;; d) n=$((n + v * 86400)) ;; h) n=$((n + v * 3600)) ;;
		m) n=$((n + v * 60)) ;; s) n=$((n + v)) ;;
		esac
		d=${BASH_REMATCH[3]}
	done
	[ -z "$d" ] && echo "$n"
}

# ike_count HOST: how many IKE SAs HOST's ipsecd lists in active-peers.
ike_count() {
	local out
	out=$(ipsecctl_on "$1" active-peers print detail) || return 1
	grep -c 'state=' <<<"$out" || true
}

# ike_rekeyed HOST T0: HOST's ipsecd has exactly one IKE SA, established, and it is at
# least 10 s younger than the one born when $SECONDS was T0 (a new one, after a rekey).
ike_rekeyed() {
	local out up
	out=$(ipsecctl_on "$1" active-peers print detail) || return 1
	[ "$(grep -c 'state=' <<<"$out")" -eq 1 ] && [[ $out =~ state=\"?established ]] &&
		[[ $out =~ uptime=([0-9wdhms]+) ]] && up=$(duration_seconds "${BASH_REMATCH[1]}") &&
		[ $((up + 10)) -lt $((SECONDS - $2)) ]
}

# wait_ike_rekeyed SECONDS HOST T0: waits until ike_rekeyed HOST T0; if that does not
# come, prints HOST's active-peers (for expect_ok to show).
wait_ike_rekeyed() {
	wait_until "$1" ike_rekeyed "$2" "$3" && return 0
	echo "not within $1 s; the first IKE SA is $((SECONDS - $3)) s old; active-peers on $2:"
	ipsecctl_on "$2" active-peers print detail
	return 1
}

# ---------------------------------------------------------------- diagnostics, cleanup

# Prints, for each host, its daemon's log and its kernel's SAD and SPD.
_it_diagnostics() {
	local h
	log "diagnostics of $IT_NAME:"
	for h in "${_it_hosts[@]}"; do
		[ -e "$(_it_log "$h")" ] && _it_show "ipsecd log of $h" "$(_it_log "$h")"
		case $h in c*) continue ;; esac # the clients run nothing IPsec
		ip -n "$IT_PREFIX$h" -s xfrm state >"$IT_WORK/diag" 2>&1 || true
		_it_show "ip -s xfrm state on $h" "$IT_WORK/diag"
		ip -n "$IT_PREFIX$h" xfrm policy >"$IT_WORK/diag" 2>&1 || true
		_it_show "ip xfrm policy on $h" "$IT_WORK/diag"
	done
}

_it_cleanup() {
	local rc=$? h name n
	trap - EXIT ERR
	set +e
	# A signal may arrive while an expect_* has the output going to its file.
	exec 1>&"$_it_stdout" 2>&"$_it_stderr"
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -z "$_it_finished" ]; then
		log "$IT_NAME stopped early (exit status $rc)"
		_it_diagnostics
	fi
	for name in "${!_it_capture_pid[@]}"; do capture_stop "$name"; done
	[ -z "$_it_ping_pid" ] || kill "$_it_ping_pid" 2>/dev/null
	for h in "${!_it_daemon_pid[@]}"; do daemon_stop "$h" >/dev/null 2>&1; done
	for n in "${_it_namespaces[@]}"; do ip netns del "$n" 2>/dev/null; done
	exec {_it_napfd}<&-
	[ -n "$_it_own_work" ] && rm -rf "$IT_WORK"
	exit "$rc"
}
exec {_it_stdout}>&1 {_it_stderr}>&2
trap _it_cleanup EXIT
# A signal (the runner's timeout) ends the scenario through the EXIT trap, so it cleans up.
trap 'exit 143' TERM INT
# An unexpected failing command ends the scenario; say where.
_it_on_error() { # _it_on_error STATUS LINE
	local text
	text=$(sed -n "$2{s/^[[:space:]]*//;p}" "$0" 2>/dev/null) || true
	echo "# error: $IT_NAME line $2: $text (exit status $1)" >&2
}
trap '_it_on_error $? $LINENO' ERR
