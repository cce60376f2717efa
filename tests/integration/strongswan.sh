# shellcheck shell=bash
# tests/integration/strongswan.sh: strongSwan's charon as an IKE peer in the scenarios.
#
# A scenario sources it after lib.sh:
#     . "$IT_DIR/lib.sh"
#     . "$IT_DIR/strongswan.sh"
# and gets, for instances of charon (each with a NAME of its own) on lib.sh's hosts:
#   requirements  sw_require (what is missing, and the Debian packages to install)
#   daemons       sw_start HOST NAME [LINE...]; sw_stop NAME [SECONDS]; sw_kill NAME;
#                 sw_pid NAME; sw_running NAME; sw_dir NAME
#   control       swanctl_on NAME ARGS...; sw_load NAME FILE; sw_initiate NAME CHILD
#                 [IKE]; sw_terminate NAME IKE; sw_list_sas NAME
#   state         sw_established NAME [CHILD]; sw_wait_established NAME [CHILD]
#                 [SECONDS]; sw_child_spi NAME CHILD in|out; sw_ike_spis NAME [IKE]
#                 sw_vip NAME; sw_child_ts NAME CHILD local|remote; sw_pool_leases NAME;
#                 expect_sw_rw_client LABEL NAME VIP DNS SUBNET
#   config        sw_conf_psk KEY=VALUE...: a PSK site-to-site swanctl.conf
#                 sw_conf_rw_client / sw_conf_rw_gateway KEY=VALUE...: road warriors
#                 (mode-config: a virtual IP from the gateway's pool), PSK or
#                 certificates; sw_start_rw HOST NAME: charon for such a client;
#                 sw_updown NAME: a script recording what updown sees
#   diagnostics   sw_show_log NAME; sw_diagnostics
#
# Isolation. charon's pid file (/var/run/charon.pid), the default vici socket
# (/var/run/charon.vici) and swanctl's configuration directory (/etc/swanctl) are
# compiled in, and Debian's AppArmor profiles for charon and swanctl (enforced on most
# hosts that have ESP) only let them use /run/charon.*, /etc/strongswan.conf and
# /etc/swanctl/**. So each instance runs in a mount namespace of its own (the one
# "ip netns exec" makes; see ip-netns(8)) in which its directory $IT_WORK/sw-NAME/run
# is bind-mounted over /run and $IT_WORK/sw-NAME/swanctl over /etc/swanctl. There
# charon reads /run/charon.conf (STRONGSWAN_CONF), logs to /run/charon.log and writes
# /run/charon.pid and /run/charon.vici, all at their usual paths and all outside
# the host's /run; swanctl runs in the same mount namespace (nsenter), reads its
# settings from /etc/swanctl/strongswan.conf and its configuration from
# /etc/swanctl/swanctl.conf. Outside, they are under $(sw_dir NAME): run/charon.log,
# swanctl/swanctl.conf, swanctl/x509/ ... (put certificates and keys there before
# sw_load). Any number of instances can run at once, in different network namespaces.
#
# On exit, with any status but 0 or 77, the scenario's output ends with each instance's
# charon log (and its SAs if it still runs); then every instance still running is
# killed (SIGKILL, which leaves the kernel state for lib.sh's diagnostics), before
# lib.sh cleans up.

[ -z "${_sw_sourced:-}" ] || return 0 # once (it chains the EXIT trap)
_sw_sourced=1

# The charon binary (Debian's path by default) and its plugins: those an IKEv2 peer
# with PSK or certificates needs. openssl brings the ciphers, hashes, MODP/ECP groups
# and X25519/X448 (Debian has no curve25519 plugin in the standard packages).
SW_CHARON=${SW_CHARON:-/usr/lib/ipsec/charon}
SW_PLUGIN_DIR=${SW_PLUGIN_DIR:-${SW_CHARON%/*}/plugins}
SW_PLUGINS=${SW_PLUGINS:-kernel-netlink socket-default nonce random openssl kdf pem x509 pubkey pkcs1 pkcs8 vici}
# What swanctl loads: enough to read certificates and keys, nothing more (swanctl's
# default loads every plugin there is, which costs in UML).
SW_SWANCTL_PLUGINS=${SW_SWANCTL_PLUGINS:-pem pkcs1 pkcs8 x509 pubkey openssl}

declare -A _sw_pid  # NAME -> pid of its charon
declare -A _sw_host # NAME -> the host it runs on
_sw_names=()        # every instance started, in order, for the diagnostics

# sw_require: succeeds if charon, swanctl and the plugins are installed; if not, says
# what is missing and which Debian packages to install. (No process started.)
sw_require() {
	local p missing=() pkgs=()
	if [ ! -x "$SW_CHARON" ]; then
		missing+=("$SW_CHARON")
		pkgs+=(strongswan-charon)
	fi
	if ! type -P swanctl >/dev/null; then
		missing+=(swanctl)
		pkgs+=(strongswan-swanctl)
	fi
	for p in $SW_PLUGINS; do
		[ -e "$SW_PLUGIN_DIR/libstrongswan-$p.so" ] && continue
		missing+=("plugin $p")
		case $p in
		openssl | gcm) pkgs+=(libstrongswan-standard-plugins) ;;
		vici) pkgs+=(strongswan-swanctl) ;;
		socket-default) pkgs+=(strongswan-libcharon) ;;
		eap-* | xauth-*) pkgs+=(libcharon-extauth-plugins) ;;
		*) pkgs+=(libstrongswan) ;;
		esac
	done
	[ -d /etc/swanctl ] || missing+=("/etc/swanctl (a mount point here)") pkgs+=(strongswan-swanctl)
	for p in nsenter mount setsid; do
		type -P "$p" >/dev/null || missing+=("$p") pkgs+=(util-linux)
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	# Each package once, in order.
	local -A seen=()
	local list=()
	for p in "${pkgs[@]}"; do
		[ -n "${seen[$p]:-}" ] || list+=("$p")
		seen[$p]=1
	done
	echo "strongSwan is not installed (missing: ${missing[*]}): apt-get install ${list[*]}" >&2
	return 1
}

# sw_dir NAME: the instance's directory (run/ is its /run, swanctl/ its /etc/swanctl).
sw_dir() { echo "$IT_WORK/sw-$1"; }

# sw_pid NAME: the pid of NAME's charon (empty if it was never started or has stopped).
sw_pid() { echo "${_sw_pid[$1]:-}"; }

# sw_running NAME: NAME's charon runs.
sw_running() { [ -n "${_sw_pid[$1]:-}" ] && _it_running "${_sw_pid[$1]}"; }

# _sw_settings LINE...: strongswan.conf for charon, and swanctl's part of it. Extra
# lines go into the charon section (SW_TOP_SETTINGS, text, at the top level); one that sets install_routes or install_virtual_ip
# replaces the default (no). printf only: writing a file costs no process.
_sw_settings() {
	local l routes='	install_routes = no' vip='	install_virtual_ip = no'
	for l in "$@"; do
		case $l in
		install_routes[[:space:]=]*) routes= ;;
		install_virtual_ip[[:space:]=]*) vip= ;;
		esac
	done
	printf '%s\n' \
		'# written by tests/integration/strongswan.sh' \
		'charon {' \
		"	load = $SW_PLUGINS" \
		'	# the scenarios route the remote subnets themselves' \
		${routes:+"$routes"} ${vip:+"$vip"} \
		'	filelog {' \
		'		charon {' \
		'			path = /run/charon.log' \
		'			append = yes' \
		'			flush_line = yes' \
		'			time_format = %T' \
		'			time_add_ms = yes' \
		'			ike_name = yes' \
		'			default = 1' \
		'			ike = 2' \
		'			chd = 2' \
		'			cfg = 1' \
		'			knl = 2' \
		'		}' \
		'	}' \
		'	syslog {' \
		'		daemon {' \
		'			default = -1' \
		'		}' \
		'		auth {' \
		'			default = -1' \
		'		}' \
		'	}'
	for l in "$@"; do printf '\t%s\n' "$l"; done
	printf '%s\n' \
		'}' \
		'swanctl {' \
		"	load = $SW_SWANCTL_PLUGINS" \
		'}'
	# SW_TOP_SETTINGS: lines outside the charon section (libtls { ... })
	[ -z "${SW_TOP_SETTINGS:-}" ] || printf '%s\n' "$SW_TOP_SETTINGS"
}

# sw_start HOST NAME [LINE...]: starts charon instance NAME in HOST's network namespace
# (HOST as in lib.sh: a, b, ...), each LINE added to the charon section of its
# strongswan.conf (one setting a line: "retransmit_timeout = 1"; a subsection is several
# LINEs: "plugins {" "kernel-netlink {" "fwmark = 42" "}" "}"). Waits (at most 15 s)
# until charon answers on its vici socket; fails if it exits or never answers. The
# instance's directory is kept across restarts (its log is appended to).
sw_start() {
	local h=$1 name=$2 d pid
	shift 2
	case $name in
	'' | *[!A-Za-z0-9_-]*)
		echo "sw_start: bad instance name '$name'" >&2
		return 1
		;;
	esac
	if sw_running "$name"; then
		echo "sw_start: charon $name already runs" >&2
		return 1
	fi
	sw_require || return 1
	d=$(sw_dir "$name")
	if [ -d "$d" ]; then
		# A restart: a stale socket would look like a ready daemon.
		rm -f "$d/run/charon.vici"
	else
		# swanctl --load-all complains about each credential directory that is missing.
		mkdir -p "$d/run" "$d/swanctl/"{x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
		_sw_names+=("$name")
	fi
	_sw_host[$name]=$h
	_sw_settings "$@" >"$d/run/charon.conf"
	_sw_settings "$@" >"$d/swanctl/strongswan.conf"
	log "starting charon $name on $h"
	# ip netns exec runs the command in a new mount namespace, and execs it; sh does the
	# bind mounts there and execs charon, so $! is charon's pid. setsid (which execs
	# too) keeps charon out of the scenario's process group: the runner's timeout
	# signals that group, and charon would take its SAs down before the diagnostics.
	# shellcheck disable=SC2016 # sh expands them
	STRONGSWAN_CONF=/run/charon.conf ip netns exec "$(ns "$h")" setsid sh -c \
		'mount --bind "$1" /run && mount --bind "$2" /etc/swanctl && exec "$3"' \
		sh "$d/run" "$d/swanctl" "$SW_CHARON" </dev/null >>"$d/charon.out" 2>&1 &
	pid=$!
	_sw_pid[$name]=$pid
	_it_deadline 15
	until [ -S "$d/run/charon.vici" ] && swanctl_on "$name" --stats >/dev/null 2>&1; do
		if ! _it_running "$pid"; then
			echo "charon $name on $h exited at start" >&2
			_sw_show_out "$name" >&2
			unset "_sw_pid[$name]"
			wait "$pid" 2>/dev/null || true
			return 1
		fi
		if _it_expired; then
			echo "charon $name on $h did not answer on its vici socket within 15 s" >&2
			return 1
		fi
		_nap 0.05
	done
}

# swanctl_on NAME ARGS...: swanctl talking to NAME's charon, in its mount namespace.
swanctl_on() {
	local name=$1 pid=${_sw_pid[$1]:-}
	shift
	if [ -z "$pid" ]; then
		echo "swanctl_on: charon $name is not running" >&2
		return 1
	fi
	STRONGSWAN_CONF=/etc/swanctl/strongswan.conf nsenter -t "$pid" -m swanctl "$@"
}

# sw_load NAME FILE: makes FILE NAME's swanctl.conf and loads it, with the credentials
# under $(sw_dir NAME)/swanctl/ (swanctl --load-all).
sw_load() {
	local name=$1 file=$2 lines
	mapfile -t lines <"$file" # a copy without a process
	printf '%s\n' "${lines[@]}" >"$(sw_dir "$name")/swanctl/swanctl.conf"
	swanctl_on "$name" --load-all --file /etc/swanctl/swanctl.conf
}

# sw_initiate NAME CHILD [IKE]: initiates CHILD (of connection IKE) and waits until it
# is up or has failed (at most 30 s); swanctl's status is the function's.
sw_initiate() {
	swanctl_on "$1" --initiate --child "$2" ${3:+--ike "$3"} --timeout 30
}

# sw_terminate NAME IKE: deletes connection IKE's IKE_SAs (and waits, at most 30 s).
sw_terminate() { swanctl_on "$1" --terminate --ike "$2" --timeout 30; }

# sw_list_sas NAME: swanctl --list-sas.
sw_list_sas() { swanctl_on "$1" --list-sas; }

# sw_established NAME [CHILD]: NAME has an ESTABLISHED IKE_SA, and with CHILD, an
# INSTALLED CHILD_SA of that name. (For wait_until.)
sw_established() {
	local out line ike='' child='' re_ike='^[^[:space:]].*: #[0-9]+, ESTABLISHED,'
	local re_child="^[[:space:]]+${2:-}: #[0-9]+, reqid [0-9]+, INSTALLED,"
	out=$(sw_list_sas "$1") || return 1
	while IFS= read -r line; do
		[[ $line =~ $re_ike ]] && ike=1
		[[ -n ${2:-} && $line =~ $re_child ]] && child=1
	done <<<"$out"
	[ -n "$ike" ] && { [ -z "${2:-}" ] || [ -n "$child" ]; }
}

# sw_wait_established NAME [CHILD] [SECONDS]: waits (15 s unless told) for
# sw_established NAME CHILD.
sw_wait_established() { wait_until "${3:-15}" sw_established "$1" "${2:-}"; }

# sw_child_spi NAME CHILD in|out: the SPI (0x followed by 8 hex digits) of NAME's
# CHILD_SA CHILD in that direction, as the kernel's SAD knows it (for lib.sh's sa_bytes
# HOST esp SPI); the first, if there are several (while rekeying). Fails if there is
# none. (swanctl prints "in  c15d7321[/cpi][ (mark)], 0 bytes, ...")
sw_child_spi() {
	local out line in_child=
	out=$(sw_list_sas "$1") || return 1
	while IFS= read -r line; do
		if [[ $line =~ ^[[:space:]]+([^[:space:]]+):\ #[0-9]+,\ reqid ]]; then
			[ "${BASH_REMATCH[1]}" = "$2" ] && in_child=1 || in_child=
		elif [ -n "$in_child" ] && [[ $line =~ ^[[:space:]]+$3\ +([0-9a-f]{8})([/ ,]|$) ]]; then
			echo "0x${BASH_REMATCH[1]}"
			return 0
		fi
	done <<<"$out"
	return 1
}

# sw_ike_spis NAME [IKE]: the SPIs of NAME's ESTABLISHED IKE_SA of connection IKE (gw
# unless told), as swanctl shows them ("gw: #1, ESTABLISHED, IKEv2, 9c1e..._i* 52f0..._r";
# IKEv1 too),
# e.g. to tell that it was rekeyed. Fails if there is none.
sw_ike_spis() {
	local out line re="^${2:-gw}: #[0-9]+, ESTABLISHED, IKEv[12], ([0-9a-f]+_i\\*? [0-9a-f]+_r)"
	out=$(sw_list_sas "$1") || return 1
	while IFS= read -r line; do
		[[ $line =~ $re ]] && echo "${BASH_REMATCH[1]}" && return 0
	done <<<"$out"
	return 1
}

# sw_vip NAME [IKE]: the virtual IP NAME's IKE_SA of connection IKE (gw unless told) got
# from its gateway, as swanctl shows it after the local endpoint ("local  'ID' @
# 10.0.1.2[4500] [10.8.0.10]"); the first, if there are several. Fails if there is none.
sw_vip() {
	local out line in_ike='' re_ike='^([^[:space:]][^:]*): #[0-9]+, '
	local re_vip='^  local  .*\[[0-9]+\] \[([^] ]+)\]'
	out=$(sw_list_sas "$1") || return 1
	while IFS= read -r line; do
		if [[ $line =~ $re_ike ]]; then
			[ "${BASH_REMATCH[1]}" = "${2:-gw}" ] && in_ike=1 || in_ike=
		elif [ -n "$in_ike" ] && [[ $line =~ $re_vip ]]; then
			echo "${BASH_REMATCH[1]}"
			return 0
		fi
	done <<<"$out"
	return 1
}

# sw_child_ts NAME CHILD local|remote: the traffic selectors of NAME's CHILD_SA CHILD on
# that side, as swanctl shows them ("    remote 192.168.50.0/24", several separated by
# spaces); the first CHILD_SA of that name. Fails if there is none.
sw_child_ts() {
	local out line in_child=
	out=$(sw_list_sas "$1") || return 1
	while IFS= read -r line; do
		if [[ $line =~ ^[[:space:]]+([^[:space:]]+):\ #[0-9]+,\ reqid ]]; then
			[ "${BASH_REMATCH[1]}" = "$2" ] && in_child=1 || in_child=
		elif [ -n "$in_child" ] && [[ $line =~ ^\ {4}$3\ +(.+)$ ]]; then
			echo "${BASH_REMATCH[1]}"
			return 0
		fi
	done <<<"$out"
	return 1
}

# expect_sw_rw_client LABEL NAME VIP DNS SUBNET: the checks of a strongSwan road-warrior
# client NAME (sw_start_rw, sw_conf_rw_client with updown=$(sw_updown NAME)) whose
# IKE_SA is up: swanctl shows the virtual IP VIP, it is on the eth0 of NAME's host,
# updown saw it and the DNS server DNS, charon parsed a configuration reply with an
# address, a DNS server and a subnet (strongSwan has no handler for INTERNAL_IP4_SUBNET,
# so it does not log the value), and its CHILD_SA "net" is VIP/32 <-> SUBNET (what the
# gateway granted of the 0.0.0.0/0 asked for).
expect_sw_rw_client() {
	local l=$1 n=$2 vip=$3 dns=$4 subnet=$5
	expect_eq "$l: $n got $vip (swanctl)" "$vip" "$(sw_vip "$n" || echo none)"
	expect_ok "$l: $vip is on $n's eth0" addr_on "${_sw_host[$n]}" eth0 "$vip"
	expect_grep "$l: $n's updown saw $vip and DNS server $dns" \
		"^up-client vip=${vip//./\\.} dns=${dns//./\\.} " cat "$(sw_dir "$n")/run/updown.log"
	expect_grep "$l: $n parsed a configuration reply with an address, DNS and a subnet" \
		'parsed IKE_AUTH response 1 \[.*CPRP\(ADDR DNS SUBNET\)' cat "$(sw_dir "$n")/run/charon.log"
	expect_eq "$l: $n's CHILD_SA: its side is $vip" "$vip/32" \
		"$(sw_child_ts "$n" net local || echo none)"
	expect_eq "$l: $n's CHILD_SA: the gateway granted $subnet" "$subnet" \
		"$(sw_child_ts "$n" net remote || echo none)"
}

# expect_sw_site_traffic PART: between strongSwan on a and ipsecd on b, site to site with CHILD_SA "net" (clients ca behind a, cb behind b): pings both ways
# cross as ESP on both links, none in the clear, and both SAs count them in both kernels.
expect_sw_site_traffic() {
	local h spi a_in a_out
	a_in=$(sw_child_spi a net in) || a_in=0x00000000
	a_out=$(sw_child_spi a net out) || a_out=0x00000000
	capture_start a eth0 "link-a$1"
	capture_start b eth0 "link-b$1"
	expect_ok "$1. ping client a -> client b" ping_ok ca 10.2.0.2
	expect_ok "$1. ping client b -> client a" ping_ok cb 10.1.0.2
	capture_stop "link-a$1" 6 esp
	capture_stop "link-b$1" 6 esp
	for h in a b; do
		expect_gt "$1. $h sent the pings as ESP" "$(capture_count "link-$h$1" esp)" 5
		expect_eq "$1. $h sent no ICMP in the clear" 0 "$(capture_count "link-$h$1" icmp)"
		for spi in "$a_in" "$a_out"; do
			expect_gt "$1. $h's SA $spi counted" "$(sa_packets "$h" esp "$spi" || true)" 0
		done
	done
}

# sw_pool_leases NAME: NAME's pools and their leases (swanctl --list-pools --leases):
#     rw                   10.9.0.0/28                         1 / 0 / 14
#       10.9.0.1                       online   '192.0.2.1'
sw_pool_leases() { swanctl_on "$1" --list-pools --leases; }

# sw_stop NAME [SECONDS]: SIGTERM, then waits (15 s unless told) for charon to exit.
# Its exit status is the function's (137 if it had to be killed).
sw_stop() {
	local name=$1 pid=${_sw_pid[$1]:-} rc=0
	[ -n "$pid" ] || return 0
	unset "_sw_pid[$name]"
	kill -TERM "$pid" 2>/dev/null || true
	if ! wait_until "${2:-15}" _it_exited "$pid"; then
		echo "charon $name ignored SIGTERM; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" || rc=$?
	return "$rc"
}

# sw_kill NAME: SIGKILL, as a crash: charon leaves its SAs and policies in the kernel
# (and its pid file, which a restart overrides).
sw_kill() {
	local pid=${_sw_pid[$1]:-}
	[ -n "$pid" ] || return 0
	unset "_sw_pid[$1]"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# _sw_show_out NAME: what charon (or the mounts before it) wrote to stdout/stderr.
_sw_show_out() {
	local f
	f=$(sw_dir "$1")/charon.out
	[ -s "$f" ] && _it_show "charon $1 stdout/stderr" "$f"
	return 0
}

# sw_show_log NAME: NAME's charon log (and anything on its stdout/stderr), as comments.
sw_show_log() {
	_it_show "charon log of $1 (on ${_sw_host[$1]:-?})" "$(sw_dir "$1")/run/charon.log"
	_sw_show_out "$1"
}

# sw_diagnostics: every instance's log, and the SAs of those still running.
sw_diagnostics() {
	local name
	[ "${#_sw_names[@]}" -gt 0 ] || return 0
	log "strongSwan diagnostics of $IT_NAME:"
	for name in "${_sw_names[@]}"; do
		sw_show_log "$name"
		if sw_running "$name"; then
			sw_list_sas "$name" >"$IT_WORK/diag" 2>&1 || true
			_it_show "swanctl --list-sas of $name" "$IT_WORK/diag"
		fi
	done
}

# ---------------------------------------------------------------- configuration

# _sw_opt KEY NAME INDENT: "NAME = value" if sw_conf_psk's KEY was given (its o[]).
_sw_opt() { [ -z "${o[$1]:-}" ] || printf '%s%s = %s\n' "$3" "$2" "${o[$1]}"; }

# sw_conf_psk KEY=VALUE...: prints a swanctl.conf with one IKEv2 connection
# authenticated by a pre-shared key, with one CHILD_SA, from these keys:
#   local, remote        the addresses of the two ends (local_addrs, remote_addrs)
#   local_ts, remote_ts  the traffic selectors (comma-separated subnets)
#   psk                  the key (as is; strongSwan reads 0x... as hex, 0s... as base64;
#                        no '"', '\' or newline)
# and optionally (strongSwan's default if not given):
#   conn=gw, child=net   the names of the connection and the CHILD_SA
#   ike=aes256-sha256-modp2048  IKE proposals ("proposals")
#   esp=aes256-sha256    ESP proposals (add a group for PFS: aes256-sha256-modp2048)
#   local_id, remote_id  the identities (the addresses unless told)
#   mode=tunnel          tunnel or transport
#   version=2            1 for IKEv1 (PSK: main mode unless aggressive=yes; the
#                        IKE_SA's lifetime is then reauth_time, ike_reauth:
#                        strongSwan does not rekey IKEv1 SAs, it reauthenticates)
#   aggressive=no        yes: IKEv1 aggressive mode
#   local_port, remote_port
#   ike_rekey, ike_reauth, ike_over, ike_rand   IKE_SA rekey_time, reauth_time,
#                        over_time, rand_time (durations: 30s, 10m, 1h)
#   child_rekey, child_life, child_rand         CHILD_SA rekey_time, life_time,
#                        rand_time
#   dpd                  dpd_delay (0: none); dpd_action (clear, trap, restart)
#   encap=no             yes: always UDP-encapsulate ESP (as behind a NAT)
#   mobike=no            MOBIKE (off unless told)
#   start_action, close_action  none, trap, start / none, trap, start
#   fragmentation        yes, no, accept, force
sw_conf_psk() {
	local -A o=([conn]=gw [child]=net [ike]=aes256-sha256-modp2048 [esp]=aes256-sha256
		[mode]=tunnel [version]=2 [encap]=no [mobike]=no [aggressive]="")
	local kv k
	for kv in "$@"; do
		k=${kv%%=*}
		case $k in
		local | remote | local_ts | remote_ts | psk | conn | child | ike | esp | local_id | \
			remote_id | mode | version | local_port | remote_port | ike_rekey | ike_reauth | \
			ike_over | ike_rand | child_rekey | child_life | child_rand | dpd | dpd_action | \
			encap | mobike | start_action | close_action | fragmentation | aggressive)
			[ "$kv" != "$k" ] || {
				echo "sw_conf_psk: '$kv' has no value" >&2
				return 1
			}
			o[$k]=${kv#*=}
			;;
		*)
			echo "sw_conf_psk: unknown key '$k'" >&2
			return 1
			;;
		esac
	done
	for k in local remote local_ts remote_ts psk; do
		if [ -z "${o[$k]:-}" ]; then
			echo "sw_conf_psk: $k= is required" >&2
			return 1
		fi
	done
	case ${o[psk]} in *[\"\\$'\n']*)
		printf '%s\n' "sw_conf_psk: the psk must not hold '\"', '\\' or a newline" >&2
		return 1
		;;
	esac
	: "${o[local_id]:=${o[local]}}" "${o[remote_id]:=${o[remote]}}"
	local t1=$'\t\t' t2=$'\t\t\t' t3=$'\t\t\t\t'
	printf '%s\n' "# written by sw_conf_psk" "connections {" "	${o[conn]} {"
	_sw_opt version version "$t1"
	_sw_opt aggressive aggressive "$t1"
	_sw_opt local local_addrs "$t1"
	_sw_opt remote remote_addrs "$t1"
	_sw_opt local_port local_port "$t1"
	_sw_opt remote_port remote_port "$t1"
	_sw_opt ike proposals "$t1"
	_sw_opt encap encap "$t1"
	_sw_opt mobike mobike "$t1"
	_sw_opt fragmentation fragmentation "$t1"
	_sw_opt dpd dpd_delay "$t1"
	_sw_opt ike_rekey rekey_time "$t1"
	_sw_opt ike_reauth reauth_time "$t1"
	_sw_opt ike_over over_time "$t1"
	_sw_opt ike_rand rand_time "$t1"
	printf '%s\n' "${t1}send_certreq = no" "${t1}local {" "${t2}auth = psk"
	_sw_opt local_id id "$t2"
	printf '%s\n' "${t1}}" "${t1}remote {" "${t2}auth = psk"
	_sw_opt remote_id id "$t2"
	printf '%s\n' "${t1}}" "${t1}children {" "${t2}${o[child]} {"
	_sw_opt local_ts local_ts "$t3"
	_sw_opt remote_ts remote_ts "$t3"
	_sw_opt esp esp_proposals "$t3"
	_sw_opt mode mode "$t3"
	_sw_opt child_rekey rekey_time "$t3"
	_sw_opt child_life life_time "$t3"
	_sw_opt child_rand rand_time "$t3"
	_sw_opt dpd_action dpd_action "$t3"
	_sw_opt start_action start_action "$t3"
	_sw_opt close_action close_action "$t3"
	printf '%s\n' "${t2}}" "${t1}}" "	}" "}" "secrets {" "	ike-${o[conn]} {" \
		"${t1}id-local = ${o[local_id]}" "${t1}id-remote = ${o[remote_id]}" \
		"${t1}secret = \"${o[psk]}\"" "	}" "}"
}

# sw_start_rw HOST NAME [LINE...]: sw_start for a road-warrior client: charon also loads
# the updown plugin, installs the virtual IP it gets (install_virtual_ip = yes: on the
# interface of its IKE address, eth0 in topo_rw) and lets updown handle the DNS servers
# it is given (plugins.updown.dns_handler: without a handler strongSwan logs "handling
# INTERNAL_IP4_DNS attribute failed" and keeps nothing), for sw_updown's script to see.
sw_start_rw() {
	SW_PLUGINS="$SW_PLUGINS updown" sw_start "$1" "$2" "install_virtual_ip = yes" \
		"plugins {" "updown {" "dns_handler = yes" "}" "}" "${@:3}"
}

# sw_updown NAME: writes an updown script for instance NAME (sw_start first) and prints
# its path as charon sees it, for the rw configurations' updown= key. Each time charon
# runs it (a CHILD_SA up or down: the updown plugin, which must be in SW_PLUGINS), it
# appends a line to $(sw_dir NAME)/run/updown.log:
#     PLUTO_VERB vip=PLUTO_MY_SOURCEIP dns=PLUTO_DNS4_1 me=PLUTO_MY_CLIENT peer=PLUTO_PEER_CLIENT
# (up-client, down-client, ...; the virtual IP and the DNS server the peer gave us by
# mode-config, the latter only with sw_start_rw's dns_handler; the CHILD_SA's traffic
# selectors). charon runs it in its mount
# namespace, where $(sw_dir NAME)/swanctl is /etc/swanctl and run/ is /run.
sw_updown() {
	local d
	d=$(sw_dir "$1")/swanctl
	[ -d "$d" ] || {
		echo "sw_updown: $d is missing (sw_start first)" >&2
		return 1
	}
	# shellcheck disable=SC2016 # for the script to expand
	printf '%s\n' '#!/bin/sh' \
		'echo "$PLUTO_VERB vip=$PLUTO_MY_SOURCEIP dns=$PLUTO_DNS4_1 me=$PLUTO_MY_CLIENT peer=$PLUTO_PEER_CLIENT" >>/run/updown.log' \
		>"$d/updown.sh"
	chmod 755 "$d/updown.sh"
	echo /etc/swanctl/updown.sh
}

# _sw_rw_check FUNCTION ALLOWED REQUIRED KEY=VALUE...: fills the caller's o[] from the
# KEY=VALUEs (keys in ALLOWED only, every one of REQUIRED given); fails saying why.
_sw_rw_check() {
	local fn=$1 allowed=" ${2//[[:space:]]/ } " req=$3 kv k
	shift 3
	for kv in "$@"; do
		k=${kv%%=*}
		if [[ $allowed != *" $k "* ]]; then
			echo "$fn: unknown key '$k'" >&2
			return 1
		fi
		if [ "$kv" = "$k" ]; then
			echo "$fn: '$kv' has no value" >&2
			return 1
		fi
		o[$k]=${kv#*=}
	done
	for k in $req; do
		if [ -z "${o[$k]:-}" ]; then
			echo "$fn: $k= is required" >&2
			return 1
		fi
	done
	case ${o[auth]} in
	psk)
		if [ -z "${o[psk]:-}" ]; then
			echo "$fn: auth=psk needs psk=" >&2
			return 1
		fi
		case ${o[psk]} in *[\"\\$'\n']*)
			printf '%s\n' "$fn: the psk must not hold '\"', '\\' or a newline" >&2
			return 1
			;;
		esac
		;;
	pubkey)
		if [ -z "${o[cert]:-}" ] || [ -z "${o[local_id]:-}" ]; then
			echo "$fn: auth=pubkey needs cert= and local_id=" >&2
			return 1
		fi
		;;
	*)
		echo "$fn: auth is psk or pubkey, not '${o[auth]}'" >&2
		return 1
		;;
	esac
}

# _sw_rw_print: prints the swanctl.conf of sw_conf_rw_client or sw_conf_rw_gateway from
# the caller's o[] (o[pool] set: the gateway).
_sw_rw_print() {
	local t1=$'\t\t' t2=$'\t\t\t' t3=$'\t\t\t\t'
	printf '%s\n' "# written by ${o[fn]}" "connections {" "	${o[conn]} {" "${t1}version = 2"
	_sw_opt local local_addrs "$t1"
	_sw_opt remote remote_addrs "$t1"
	_sw_opt vips vips "$t1"
	_sw_opt pool pools "$t1"
	_sw_opt ike proposals "$t1"
	_sw_opt encap encap "$t1"
	_sw_opt mobike mobike "$t1"
	_sw_opt dpd dpd_delay "$t1"
	[ "${o[auth]}" = pubkey ] || printf '%s\n' "${t1}send_certreq = no"
	printf '%s\n' "${t1}local {" "${t2}auth = ${o[auth]}"
	_sw_opt cert certs "$t2"
	_sw_opt local_id id "$t2"
	printf '%s\n' "${t1}}" "${t1}remote {" "${t2}auth = ${o[auth]}"
	_sw_opt remote_id id "$t2"
	printf '%s\n' "${t1}}" "${t1}children {" "${t2}${o[child]} {"
	_sw_opt local_ts local_ts "$t3"
	_sw_opt remote_ts remote_ts "$t3"
	_sw_opt esp esp_proposals "$t3"
	_sw_opt updown updown "$t3"
	_sw_opt child_rekey rekey_time "$t3"
	_sw_opt dpd_action dpd_action "$t3"
	_sw_opt close_action close_action "$t3"
	printf '%s\n' "${t2}}" "${t1}}" "	}" "}"
	if [ -n "${o[pool]:-}" ]; then
		printf '%s\n' "pools {" "	${o[pool]} {"
		_sw_opt pool_addrs addrs "$t1"
		_sw_opt pool_dns dns "$t1"
		_sw_opt pool_subnet subnet "$t1"
		printf '%s\n' "	}" "}"
	fi
	# A PSK without IDs: strongSwan uses it for any pair of IDs.
	[ "${o[auth]}" != psk ] ||
		printf '%s\n' "secrets {" "	ike-${o[conn]} {" "${t1}secret = \"${o[psk]}\"" "	}" "}"
}

# sw_conf_rw_client KEY=VALUE...: prints a swanctl.conf with one IKEv2 road-warrior
# connection: it asks its gateway for a virtual IP (mode-config, vips) and tunnels what
# the gateway grants of remote_ts between that address (local_ts dynamic, the virtual
# IP) and the gateway's networks. Keys:
#   local, remote        this client's and the gateway's address        required
#   auth=psk             psk (psk= the key, as sw_conf_psk's) or pubkey (cert= a file
#                        in x509/, see pki.sh's sw_install_pki; local_id= required)
#   vips=0.0.0.0         what to ask for (0.0.0.0: any IPv4 address; or one address)
#   remote_ts=0.0.0.0/0  the networks asked for (the gateway narrows them)
#   local_ts             (strongSwan's default, dynamic: the virtual IP)
#   local_id, remote_id  the identities (strongSwan's defaults: the address, %any)
#   conn=gw, child=net, ike=aes256-sha256-ecp256, esp=aes256-sha256
#   updown               a script for CHILD_SA up/down (sw_updown)
#   encap, mobike=no, dpd, dpd_action, close_action, child_rekey   as sw_conf_psk's
# charon installs the virtual IP only with "install_virtual_ip = yes" among sw_start's
# LINEs (strongswan.sh's default is no; sw_start_rw sets it). strongSwan 5.9.8 asks with
# CPRQ(ADDR) only; when the gateway answers INTERNAL_ADDRESS_FAILURE it logs "received
# INTERNAL_ADDRESS_FAILURE notify, no CHILD_SA built" and keeps the IKE_SA.
sw_conf_rw_client() {
	local -A o=([fn]=sw_conf_rw_client [conn]=gw [child]=net [auth]=psk [vips]=0.0.0.0
		[remote_ts]=0.0.0.0/0 [ike]=aes256-sha256-ecp256 [esp]=aes256-sha256 [mobike]=no)
	_sw_rw_check sw_conf_rw_client "local remote auth psk cert vips remote_ts local_ts \
		local_id remote_id conn child ike esp updown encap mobike dpd dpd_action \
		close_action child_rekey" "local remote" "$@" || return 1
	_sw_rw_print
}

# sw_conf_rw_gateway KEY=VALUE...: prints a swanctl.conf with one IKEv2 connection that
# answers road warriors from any address and gives each a virtual IP from a pool
# (mode-config: pools) with optional DNS and subnet attributes. Keys:
#   local                this gateway's address                             required
#   local_ts             the networks behind it, tunnelled to each client's
#                        virtual IP (remote_ts stays dynamic)               required
#   pool_addrs           the pool: a subnet (10.9.0.0/28: .1 to .14) or a range
#                        (10.9.0.1-10.9.0.3)                                required
#   pool_dns, pool_subnet  INTERNAL_IP4_DNS / INTERNAL_IP4_SUBNET values sent with an
#                        address (comma-separated)
#   pool=rw              the pool's name
#   auth=psk             psk (psk=) or pubkey (cert=, local_id=), as the client's
#   remote_id            the clients' identities accepted (strongSwan's default: %any)
#   conn=rw, child=net, ike=aes256-sha256-ecp256, esp=aes256-sha256, updown, mobike=no,
#   dpd, dpd_action      as sw_conf_rw_client's
sw_conf_rw_gateway() {
	local -A o=([fn]=sw_conf_rw_gateway [conn]=rw [child]=net [auth]=psk [pool]=rw
		[ike]=aes256-sha256-ecp256 [esp]=aes256-sha256 [mobike]=no)
	_sw_rw_check sw_conf_rw_gateway "local local_ts pool_addrs pool_dns pool_subnet pool \
		auth psk cert local_id remote_id conn child ike esp updown mobike dpd dpd_action" \
		"local local_ts pool_addrs" "$@" || return 1
	_sw_rw_print
}

# ---------------------------------------------------------------- exit

# On exit: the diagnostics if the scenario failed, then every charon still running is
# killed, then whatever EXIT trap was there before (lib.sh's cleanup) runs with the
# scenario's exit status.
_sw_prev_exit_trap=$(trap -p EXIT) # trap -- 'COMMAND' EXIT, COMMAND quoted for the shell
_sw_prev_exit_trap=${_sw_prev_exit_trap#trap -- }
eval "_sw_prev_exit_trap=${_sw_prev_exit_trap% EXIT}"
_sw_status() { return "$1"; }
_sw_exit() {
	local rc=$? name
	trap - ERR
	# The runner's timeout sends SIGTERM twice (to the scenario, then to its process
	# group): a second one must not cut the diagnostics and the cleanup short.
	trap '' TERM INT
	set +e
	# A signal may arrive while an expect_* has the output going to its file.
	# shellcheck disable=SC2154 # lib.sh's
	[ -z "${_it_stdout:-}" ] || exec 1>&"$_it_stdout" 2>&"$_it_stderr"
	[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || sw_diagnostics
	for name in "${!_sw_pid[@]}"; do sw_kill "$name"; done
	if [ -n "$_sw_prev_exit_trap" ]; then
		_sw_status "$rc"
		eval "$_sw_prev_exit_trap"
	fi
	exit "$rc"
}
trap _sw_exit EXIT
