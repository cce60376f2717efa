# shellcheck shell=bash
# tests/integration/libreswan.sh: Libreswan's pluto as an IKE peer in the scenarios.
#
# Debian's libreswan conflicts with the strongSwan packages the other scenarios use, so it
# is never installed: its .deb and the libraries it needs that the machine lacks are
# downloaded once (apt-get download) into a cache and unpacked there (dpkg -x), and pluto,
# whack and addconn run from that tree with LD_LIBRARY_PATH. Run as a program, on the
# host (tests/integration/run does, before any scenario, when one sources this file):
#     bash tests/integration/libreswan.sh fetch
# fills the cache, if it is not filled yet; user-mode Linux sees it through the host's
# root file system. The cache is $IPSECD_IT_LIBRESWAN_CACHE (/var/cache/ipsecd-it/
# libreswan unless told); it is filled when it holds the file "ok".
#
# A scenario sources it after lib.sh:
#     . "$IT_DIR/lib.sh"
#     . "$IT_DIR/libreswan.sh"
# and gets, for instances of pluto (each with a NAME of its own) on lib.sh's hosts:
#   requirements  ls_require (skips the scenario if the cache is not filled; fails it,
#                 naming the package, without certutil)
#   daemons       ls_start HOST NAME CONF SECRETS; ls_stop NAME; ls_kill NAME; ls_running
#                 NAME; ls_dir NAME
#   control       ls_whack NAME ARGS...; ls_initiate NAME CONN [ARG...]; ls_down NAME
#                 CONN
#   state         ls_established / ls_wait_established NAME [CONN]: an IPsec SA of CONN
#                 is up (trafficstatus); ls_isakmp_up NAME; ls_vip NAME: the address
#                 mode-config gave (updown's log)
#   checks        expect_ls_tunnel LABEL SIDE: topo_two_hosts' tunnel between ipsecd on a
#                 and pluto on b up, ESP both ways, all four SAs counting
#   config        ls_conf CONN KEY=VALUE...: an ipsec.conf with one connection;
#                 ls_install_pki NAME DIR LEAF...: pki.sh's CA and leaves in its NSS db
#   diagnostics   ls_diagnostics
#
# Each instance has its directory $IT_WORK/ls-NAME: ipsec.conf, ipsec.secrets, nss/ (an
# empty NSS database made with certutil: pluto keeps its keys and certificates there),
# run/ (pluto's --rundir: pluto.ctl, pluto.pid), pluto.log and updown.log. Nothing is
# written anywhere else: every path pluto would take from its compiled-in defaults
# (/etc/ipsec.*, /var/lib/ipsec/nss, /run/pluto) is given on its command line.
#
# On exit, with any status but 0 or 77, the scenario's output ends with each instance's
# log and status; then every pluto still running is killed, before lib.sh cleans up.

LS_CACHE=${IPSECD_IT_LIBRESWAN_CACHE:-/var/cache/ipsecd-it/libreswan}
LS_ROOT=$LS_CACHE/root
LS_LIBEXEC=$LS_ROOT/usr/libexec/ipsec
LS_LIBS=$LS_ROOT/usr/lib/x86_64-linux-gnu:$LS_ROOT/lib/x86_64-linux-gnu
LS_PACKAGE=libreswan
# _ls_missing_libs: the shared objects pluto, whack and addconn need that neither the
# machine nor the cache has, one a line.
_ls_missing_libs() {
	local b
	for b in pluto whack addconn; do
		LD_LIBRARY_PATH=$LS_LIBS ldd "$LS_LIBEXEC/$b" 2>/dev/null |
			awk '$2 == "=>" && $3 == "not" { print $1 }'
	done | sort -u
}

# _ls_get PACKAGE...: downloads the packages (into the cache's debs/) and unpacks them
# into its root/. Updates apt's lists once if a package is unknown.
_ls_get() {
	(cd "$LS_CACHE/debs" && apt-get -q -o APT::Sandbox::User=root download "$@") ||
		{ apt-get -q update >/dev/null &&
			(cd "$LS_CACHE/debs" && apt-get -q -o APT::Sandbox::User=root download "$@"); } ||
		return 1
	local p f
	for p in "$@"; do
		for f in "$LS_CACHE/debs/${p}"_*.deb; do dpkg -x "$f" "$LS_ROOT" || return 1; done
	done
}

# _ls_lib_deps: the library packages (lib*) the downloaded packages depend on that this
# machine has not installed and the cache has not got, one a line. Only those: a private
# copy of a library the machine has would be used instead of the machine's.
_ls_lib_deps() {
	local f p
	for f in "$LS_CACHE"/debs/*.deb; do
		dpkg-deb -f "$f" Depends Pre-Depends | sed 's/[,|]/\n/g' | sed 's/(.*)//; s/:.*//' |
			awk '{ print $1 }'
	done | sort -u | while read -r p; do
		case $p in lib*) ;; *) continue ;; esac
		dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' && continue
		compgen -G "$LS_CACHE/debs/${p}_*.deb" >/dev/null && continue
		echo "$p"
	done
}

# ls_fetch: fills the cache unless it is filled: libreswan, then the libraries it needs
# that the machine lacks (their own too, three rounds at most), until ldd finds
# everything pluto, whack and addconn need. Prints what it does; fails saying why.
ls_fetch() {
	local missing pkgs round p
	# (filled on another machine, or before a library went: filled anew)
	[ -e "$LS_CACHE/ok" ] && [ -z "$(_ls_missing_libs)" ] && return 0
	for p in apt-get dpkg dpkg-deb ldd; do
		type -P "$p" >/dev/null || {
			echo "libreswan.sh: no $p here: cannot fill $LS_CACHE" >&2
			return 1
		}
	done
	rm -rf "$LS_CACHE"
	mkdir -p "$LS_CACHE/debs" "$LS_ROOT" || return 1
	echo "libreswan.sh: downloading $LS_PACKAGE into $LS_CACHE"
	_ls_get "$LS_PACKAGE" || {
		echo "libreswan.sh: apt-get download $LS_PACKAGE failed" >&2
		return 1
	}
	for round in 1 2 3; do
		[ -n "$(_ls_missing_libs)" ] || break
		mapfile -t pkgs < <(_ls_lib_deps)
		[ "${#pkgs[@]}" -gt 0 ] || break
		echo "libreswan.sh: round $round: ${pkgs[*]}"
		_ls_get "${pkgs[@]}" || {
			echo "libreswan.sh: apt-get download ${pkgs[*]} failed" >&2
			return 1
		}
	done
	missing=$(_ls_missing_libs)
	if [ -n "$missing" ]; then
		echo "libreswan.sh: pluto still lacks: ${missing//$'\n'/ }" >&2
		return 1
	fi
	date -u >"$LS_CACHE/ok"
	echo "libreswan.sh: $(LD_LIBRARY_PATH=$LS_LIBS "$LS_LIBEXEC/pluto" --version 2>/dev/null |
		head -n 1) ready in $LS_ROOT"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then # run as a program
	set -uo pipefail
	case ${1:-} in
	fetch) ls_fetch ;;
	*)
		echo "usage: $0 fetch" >&2
		exit 2
		;;
	esac
	exit
fi

[ -z "${_ls_sourced:-}" ] || return 0 # once (it chains the EXIT trap)
_ls_sourced=1

declare -A _ls_pid  # NAME -> pid of its pluto
declare -A _ls_host # NAME -> its host
_ls_names=()

# _ls_ready: the cache is filled and pluto runs from it.
_ls_ready() {
	[ -e "$LS_CACHE/ok" ] && [ -x "$LS_LIBEXEC/pluto" ] && [ -z "$(_ls_missing_libs)" ]
}

# ls_require: skips the scenario (status 77) if the download cache is not filled (no
# archive reached when run filled it); fails it if certutil is missing.
ls_require() {
	if ! _ls_ready; then
		skip "Libreswan's download cache $LS_CACHE is not filled" \
			"(bash tests/integration/libreswan.sh fetch, as root, with Debian's archive reachable)"
	fi
	require "certutil is installed (apt-get install libnss3-tools)" type -P certutil
}

# ls_dir NAME: the instance's directory.
ls_dir() { echo "$IT_WORK/ls-$1"; }

_ls_run() { # _ls_run PROGRAM ARGS...: a program of the cache's tree
	local p=$1
	shift
	LD_LIBRARY_PATH=$LS_LIBS "$LS_LIBEXEC/$p" "$@"
}

# ls_whack NAME ARGS...: whack talking to NAME's pluto.
ls_whack() {
	local name=$1
	shift
	_ls_run whack --ctlsocket "$(ls_dir "$name")/run/pluto.ctl" "$@"
}

# ls_running NAME
ls_running() { [ -n "${_ls_pid[$1]:-}" ] && _it_running "${_ls_pid[$1]}"; }

# _ls_updown DIR: the updown script of an instance: it logs each call (verb, the virtual
# IP mode-config gave, the DNS server, the tunnel's subnets) to DIR/updown.log, and on a
# mode-config client's up puts the virtual IP on the interface of the IKE address (what
# Libreswan's own _updown.xfrm does, without its resolv.conf and routing changes).
_ls_updown() {
	# shellcheck disable=SC2016 # for the script to expand
	printf '%s\n' '#!/bin/sh' \
		"log=$1/updown.log" \
		'echo "$PLUTO_VERB vip=$PLUTO_MY_SOURCEIP dns=$PLUTO_PEER_DNS_INFO me=$PLUTO_MY_CLIENT peer=$PLUTO_PEER_CLIENT" >>"$log"' \
		'[ -n "$PLUTO_MY_SOURCEIP" ] || exit 0' \
		'dev=$(ip -o route get "$PLUTO_PEER" | sed -n "s/.* dev \([^ ]*\).*/\1/p")' \
		'case $PLUTO_VERB in' \
		'up-client) ip addr add "$PLUTO_MY_SOURCEIP/32" dev "$dev" 2>/dev/null || true ;;' \
		'down-client) ip addr del "$PLUTO_MY_SOURCEIP/32" dev "$dev" 2>/dev/null || true ;;' \
		'esac' \
		'exit 0' >"$1/updown.sh"
	chmod 755 "$1/updown.sh"
}

# _ls_init NAME: the instance's directory, with an empty NSS database, unless made.
_ls_init() {
	local d
	d=$(ls_dir "$1")
	[ ! -d "$d" ] || return 0
	mkdir -p "$d/run" "$d/nss" || return 1
	certutil -N -d "sql:$d/nss" --empty-password || return 1
	_ls_names+=("$1")
}

# ls_install_pki NAME DIR LEAF...: puts into instance NAME's NSS database (made here
# if ls_start has not made it yet) the CA of pki_make DIR, trusted to issue peers'
# certificates (certutil trust "CT,,"), and each LEAF's certificate with its private
# key (a PKCS#12 file made with openssl, imported with pk12util) under the nickname
# LEAF, for ipsec.conf's leftcert=LEAF. Before ls_start: pluto reads its certificates
# when it loads the connections.
ls_install_pki() {
	local name=$1 pki=$2 d leaf p12
	shift 2
	_ls_init "$name" || return 1
	d=$(ls_dir "$name")
	certutil -A -d "sql:$d/nss" -n ca -t 'CT,,' -i "$pki/ca.pem" || return 1
	for leaf; do
		p12=$d/$leaf.p12
		openssl pkcs12 -export -in "$pki/$leaf.pem" -inkey "$pki/$leaf.key" -name "$leaf" \
			-passout pass:ls-p12 -out "$p12" &&
			pk12util -i "$p12" -d "sql:$d/nss" -W ls-p12 >/dev/null || return 1
	done
}

# ls_start HOST NAME CONF SECRETS: starts pluto instance NAME in HOST's network namespace
# with ipsec.conf CONF (ls_conf; "@UPDOWN@" in it becomes the instance's updown script)
# and ipsec.secrets SECRETS (files, copied into the instance's directory). pluto loads
# the connections of CONF itself (its addconn helper: auto=add ones wait, auto=start ones
# are initiated). Waits (at most 20 s) until whack lists them all; fails if pluto exits
# first.
ls_start() {
	local h=$1 name=$2 conf=$3 secrets=$4 d pid
	d=$(ls_dir "$name")
	if ls_running "$name"; then
		echo "ls_start: pluto $name already runs" >&2
		return 1
	fi
	_ls_init "$name" || return 1
	rm -f "$d/run/pluto.ctl" "$d/run/pluto.pid"
	_ls_updown "$d"
	sed "s|@UPDOWN@|$d/updown.sh|g" "$conf" >"$d/ipsec.conf"
	cp "$secrets" "$d/ipsec.secrets"
	chmod 600 "$d/ipsec.secrets"
	_ls_host[$name]=$h
	log "starting pluto $name on $h"
	# pluto runs addconn from its compiled-in /usr/libexec/ipsec (at start, for the
	# connections of --config): in the mount namespace ip netns exec gives it, the
	# cache's usr/libexec is bind-mounted there (strongswan.sh does the same for /run).
	# setsid keeps pluto out of the scenario's process group (the runner's timeout
	# signals it). ip netns exec, sh and setsid exec, so $! is pluto's pid.
	# shellcheck disable=SC2016 # sh expands them
	LD_LIBRARY_PATH=$LS_LIBS ip netns exec "$(ns "$h")" sh -c \
		'mount --bind "$1" /usr/libexec && shift && exec setsid "$@"' sh \
		"$LS_ROOT/usr/libexec" /usr/libexec/ipsec/pluto \
		--nofork --config "$d/ipsec.conf" --rundir "$d/run" --nssdir "$d/nss" \
		--ipsecdir "$d" --secretsfile "$d/ipsec.secrets" --dumpdir "$d/run" \
		--logfile "$d/pluto.log" --no-dnssec --use-xfrm \
		</dev/null >>"$d/pluto.out" 2>&1 &
	pid=$!
	_ls_pid[$name]=$pid
	_it_deadline 20
	until [ -S "$d/run/pluto.ctl" ] && _ls_loaded "$name"; do
		if ! _it_running "$pid"; then
			echo "pluto $name on $h exited at start" >&2
			_it_show "pluto.out" "$d/pluto.out" >&2
			_it_show "pluto.log" "$d/pluto.log" >&2
			unset "_ls_pid[$name]"
			wait "$pid" 2>/dev/null || true
			return 1
		fi
		if _it_expired; then
			echo "pluto $name on $h did not load its connections within 20 s" >&2
			return 1
		fi
		_nap 0.05
	done
}

# _ls_loaded NAME: pluto answers whack and lists every connection of its ipsec.conf.
_ls_loaded() {
	local out conns conn
	out=$(ls_whack "$1" --status 2>/dev/null) || return 1
	# (no process substitution: user-mode Linux has no /dev/fd)
	conns=$(sed -n 's/^conn[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' "$(ls_dir "$1")/ipsec.conf")
	for conn in $conns; do
		[[ $out == *"\"$conn\":"* ]] || return 1
	done
}

# ls_initiate NAME CONN [ARG...]: initiates CONN (whack's ARGs added: --xauthname U
# --xauthpass P for an XAuth client) and waits until it is up or has failed (at most
# 40 s; whack's status).
ls_initiate() {
	LD_LIBRARY_PATH=$LS_LIBS timeout 40 "$LS_LIBEXEC/whack" \
		--ctlsocket "$(ls_dir "$1")/run/pluto.ctl" --name "$2" --initiate "${@:3}"
}

# ls_down NAME CONN: deletes CONN's SAs (notifying the peer), keeping the connection
# (ipsec auto --down; whack calls it --terminate).
ls_down() { ls_whack "$1" --name "$2" --terminate; }

# ls_established NAME [CONN]: NAME has an IPsec SA (of connection CONN, any unless told)
# up, as whack --trafficstatus shows it ('#2: "gw", type=ESP, add_time=...'; an XAuth
# client's: '#2: "gw", username=alice, type=ESP, ...').
ls_established() {
	local out re="#[0-9]+: \"${2:-[^\"]+}\"(\\[[0-9]+\\])?[^,]*,( [a-z_]+=[^,]*,)* type=ESP"
	out=$(ls_whack "$1" --trafficstatus) && [[ $out =~ $re ]]
}

# ls_wait_established NAME [CONN] [SECONDS]: waits (15 s unless told) for ls_established.
ls_wait_established() { wait_until "${3:-15}" ls_established "$1" "${2:-}"; }

# ls_isakmp_up NAME: NAME lists an established IKEv1 ISAKMP SA ("#1: "gw":500
# STATE_MAIN_R3 (IKE SA established)", STATE_MAIN_I4, STATE_AGGR_I2, STATE_AGGR_R2).
ls_isakmp_up() {
	local out re='STATE_(MAIN|AGGR)_[IR][0-9] \((ISAKMP|IKE) SA established\)'
	out=$(ls_whack "$1" --showstates) && [[ $out =~ $re ]]
}

# ls_vip NAME: the address mode-config gave NAME, as its updown script last saw it
# (PLUTO_MY_SOURCEIP of an up-client). Fails if there is none.
ls_vip() {
	local line vip=
	while IFS= read -r line; do
		[[ $line =~ ^up-client\ vip=([0-9.]+)\  ]] && vip=${BASH_REMATCH[1]}
	done <"$(ls_dir "$1")/updown.log"
	[ -n "$vip" ] && echo "$vip"
}

# ls_stop NAME [SECONDS]: whack --shutdown (pluto deletes its SAs, telling the peer),
# then waits (15 s unless told) for pluto to exit; its exit status is the function's
# (137 if it had to be killed).
ls_stop() {
	local name=$1 pid=${_ls_pid[$1]:-} rc=0
	[ -n "$pid" ] || return 0
	ls_whack "$name" --shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
	unset "_ls_pid[$name]"
	if ! wait_until "${2:-15}" _it_exited "$pid"; then
		echo "pluto $name did not stop; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" || rc=$?
	return "$rc"
}

# ls_kill NAME: SIGKILL (its SAs and policies stay in the kernel).
ls_kill() {
	local pid=${_ls_pid[$1]:-}
	[ -n "$pid" ] || return 0
	unset "_ls_pid[$1]"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# ls_conf CONN KEY=VALUE...: prints an ipsec.conf for ls_start: pluto's settings
# (plutodebug=base: the log shows each exchange's payloads) and one connection CONN with
# the KEY=VALUE lines as they are (Libreswan's own keys: ikev2=no, left=, authby=secret,
# ...), plus leftupdown, ls_start's logging script, unless given.
ls_conf() {
	local conn=$1 kv updown='	leftupdown=@UPDOWN@'
	shift
	printf '%s\n' '# written by tests/integration/libreswan.sh' 'config setup' \
		'	plutodebug=base' '	# Libreswan 4.10 drops IKEv1 unless told' '	ikev1-policy=accept' \
		'' "conn $conn"
	for kv in "$@"; do
		[[ $kv != leftupdown=* ]] || updown=
		printf '\t%s\n' "$kv"
	done
	[ -z "$updown" ] || printf '%s\n' "$updown"
}

# expect_ls_tunnel LABEL SIDE: the checks of topo_two_hosts' tunnel between ipsecd on a
# and pluto on b (connection gw), just initiated by one of them: ipsecd has its ISAKMP SA
# (active-peers: established, side=SIDE, one phase 2) and Libreswan its ISAKMP SA and
# IPsec SA; each kernel holds the one pair, the same SPIs; pings between the clients
# both ways are answered, a and b send them as ESP and none as ICMP in the clear, and all
# four SAs count them.
expect_ls_tunnel() {
	local l=$1 spis spi h
	expect_ok "$l: ipsecd's ISAKMP SA is established" wait_until 15 ike_established a
	expect_ok "$l: Libreswan has the IPsec SA up" ls_wait_established b gw 10
	expect_ok "$l: Libreswan has the ISAKMP SA" ls_isakmp_up b
	expect_grep "$l: ipsecd is the $2" "side=$2" ipsecctl_on a active-peers print detail
	expect_grep "$l: ipsecd: one phase 2" 'ph2-total=1' ipsecctl_on a active-peers print detail
	expect_ok "$l: a has its SA pair" wait_until 5 _ls_two_sas a
	expect_ok "$l: b has its SA pair" wait_until 5 _ls_two_sas b
	read -ra spis <<<"$(esp_spis b)"
	for spi in "${spis[@]}"; do
		expect_ok "$l: a's kernel has Libreswan's SA $spi" _ls_found sa_exists a esp "$spi"
	done
	capture_start a eth0 "$l-a"
	capture_start b eth0 "$l-b"
	expect_ok "$l: ping client a -> client b through the tunnel" ping_ok ca 10.2.0.2
	expect_ok "$l: ping client b -> client a through the tunnel" ping_ok cb 10.1.0.2
	capture_stop "$l-a" 6 esp
	capture_stop "$l-b" 6 esp
	for h in a b; do
		expect_gt "$l: $h sent the pings as ESP" "$(capture_count "$l-$h" esp)" 5
		expect_eq "$l: $h sent no ICMP in the clear" 0 "$(capture_count "$l-$h" icmp)"
		for spi in "${spis[@]}"; do
			expect_gt "$l: $h's SA $spi counted" "$(sa_packets "$h" esp "$spi" || true)" 0
		done
	done
}
_ls_two_sas() { [ "$(sa_count "$1")" -eq 2 ]; }
_ls_found() { "$@" || [ $? -eq 141 ]; } # (sa_exists' ip may die of SIGPIPE)

# ls_diagnostics: every instance's log and status (whack --status while it runs).
ls_diagnostics() {
	local name d
	[ "${#_ls_names[@]}" -gt 0 ] || return 0
	log "Libreswan diagnostics of $IT_NAME:"
	for name in "${_ls_names[@]}"; do
		d=$(ls_dir "$name")
		_it_show "pluto log of $name (on ${_ls_host[$name]:-?})" "$d/pluto.log"
		[ ! -s "$d/pluto.out" ] || _it_show "pluto $name stdout/stderr" "$d/pluto.out"
		[ ! -s "$d/updown.log" ] || _it_show "updown log of $name" "$d/updown.log"
		if ls_running "$name"; then
			ls_whack "$name" --status >"$IT_WORK/diag" 2>&1 || true
			_it_show "whack --status of $name" "$IT_WORK/diag"
		fi
	done
}

# ---------------------------------------------------------------- exit

# As strongswan.sh's: the diagnostics if the scenario failed, every pluto still running
# killed, then the EXIT trap that was there before (lib.sh's cleanup).
_ls_prev_exit_trap=$(trap -p EXIT)
_ls_prev_exit_trap=${_ls_prev_exit_trap#trap -- }
eval "_ls_prev_exit_trap=${_ls_prev_exit_trap% EXIT}"
_ls_status() { return "$1"; }
_ls_exit() {
	local rc=$? name
	trap - ERR
	trap '' TERM INT
	set +e
	# shellcheck disable=SC2154 # lib.sh's
	[ -z "${_it_stdout:-}" ] || exec 1>&"$_it_stdout" 2>&"$_it_stderr"
	[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || ls_diagnostics
	for name in "${!_ls_pid[@]}"; do ls_kill "$name"; done
	if [ -n "$_ls_prev_exit_trap" ]; then
		_ls_status "$rc"
		eval "$_ls_prev_exit_trap"
	fi
	exit "$rc"
}
trap _ls_exit EXIT
