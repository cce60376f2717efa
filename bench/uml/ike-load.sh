#!/usr/bin/env bash
# Benchmark (not a test): ipsecd and strongSwan's charon as IKEv2 responders under the same
# load, on the same kernel (issue 19). bench/ike_load in host g runs BENCH_N initiators
# (addresses 10.200.0.1 ..., IDs fqdn:cI.load.test, one CHILD SA each), BENCH_C at a time,
# against the responder in host r (192.0.2.1, one passive peer for 10.200.0.0/16, one
# identity for every initiator), and measures the responder's CPU from /proc. Each round
# runs every mode (BENCH_MODES: psk, cert) against every responder (BENCH_DAEMONS), the
# responders' order alternating from round to round, each on a fresh start; BENCH_RUNS
# rounds. The figures are "bench:" lines; the last ones are each pair's medians and the
# ratio ipsecd/charon of handshakes per responder CPU-second.
#
# Both responders are set up alike: IKE SA aes-256-cbc/sha256/ecp256, ESP aes-256-cbc/
# hmac-sha256 without PFS, no DPD, no cookies (charon's cookie_threshold would otherwise ask
# from 10 half-open SAs, ipsecd's from 32), logging only errors and warnings (ipsecd -d
# warning) or nothing (charon's filelog at -1), kernel SAs only: ipsecd installs no policy for
# a CHILD SA of a peer given as a prefix, and charon is told not to (policies = no;
# BENCH_CHARON_POLICIES=yes lets it install its three per CHILD SA). charon's IKE_SA table
# has 4096 rows in 16 segments (its default, one row, makes every look-up a walk over all SAs).
#
# Run by bench/run-ike-load-bench.sh through tests/integration/run, which gives it a kernel
# with ESP (user-mode Linux here); certificates come from BENCH_PKI, which that script makes
# on the host (ca.pem, resp-bundle.pem, cI-bundle.pem).
# timeout: 3600
# shellcheck source-path=SCRIPTDIR source=../../tests/integration/lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source=../../tests/integration/strongswan.sh
. "$IT_DIR/strongswan.sh"
# shellcheck source=../../tests/integration/pki.sh
. "$IT_DIR/pki.sh"

n=${BENCH_N:-2000}
c=${BENCH_C:-50}
runs=${BENCH_RUNS:-3}
read -ra modes <<<"${BENCH_MODES:-psk cert}"
read -ra daemons <<<"${BENCH_DAEMONS:-ipsecd charon}"
pki=${BENCH_PKI:-}
secret="load-secret-0123456789"
load=$BUILD/bench/ike_load
# A handshake's time, and the whole run's, for one generator run.
hs_timeout=${BENCH_HS_TIMEOUT:-30}
cap=${BENCH_CAP:-900}
# ipsecd installs no kernel policy for a CHILD SA of a peer that is a prefix (see the
# "kernel of r" lines); charon, left to itself, installs three (in, out, fwd). no: it
# installs the SAs only, as ipsecd, so that both do the same kernel work.
charon_policies=${BENCH_CHARON_POLICIES:-no}

require "ike_load is built ($load)" test -x "$load"
for d in "${daemons[@]}"; do
	[ "$d" != charon ] || require "strongSwan is installed" sw_require
done
for m in "${modes[@]}"; do
	[ "$m" != cert ] || require "the PKI is there (BENCH_PKI=$pki)" \
		test -s "$pki/ca.pem" -a -s "$pki/resp-bundle.pem" -a -s "$pki/c$((n - 1))-bundle.pem"
done

t0=$SECONDS
topo_load "$n"
log "bench: topology with $n generator addresses in $((SECONDS - t0)) s"

# --- ipsecd ---

ipsecd_conf() { # ipsecd_conf MODE
	echo "/ip ipsec settings set cookies=never"
	if [ "$1" = cert ]; then
		echo "/certificate import file-name=$pki/ca.pem name=ca"
		echo "/certificate import file-name=$pki/resp-bundle.pem name=resp"
	fi
	cat <<-EOF
		/ip ipsec profile set [ find default=yes ] dh-group=ecp256 enc-algorithm=aes-256 hash-algorithm=sha256 dpd-interval=0s lifetime=1d
		/ip ipsec proposal set [ find default=yes ] auth-algorithms=sha256 enc-algorithms=aes-256-cbc pfs-group=none
		/ip ipsec peer add name=load address=10.200.0.0/16 local-address=192.0.2.1 exchange-mode=ike2 passive=yes
	EOF
	if [ "$1" = cert ]; then
		echo "/ip ipsec identity add peer=load auth-method=digital-signature certificate=resp my-id=fqdn:resp.load.test"
	else
		echo "/ip ipsec identity add peer=load secret=\"$secret\""
	fi
	echo "/ip ipsec policy add src-address=172.16.0.0/12 dst-address=10.200.0.0/16 peer=load tunnel=yes"
}

ipsecd_pid=
# ipsecd_start MODE: ipsecd in r, errors and warnings logged only; waits for its socket.
ipsecd_start() {
	ipsecd_conf "$1" >"$(conf_file r)"
	ip netns exec "$(ns r)" "$IPSECD" -F -f "$(conf_file r)" -S "$IT_WORK/r.sock" \
		-p "$IT_WORK/r.pid" -d warning >"$IT_WORK/r.log" 2>&1 &
	ipsecd_pid=$!
	wait_until 15 "$IPSECCTL" -s "$IT_WORK/r.sock" settings print
}

# ipsecd_stop: SIGTERM, and the wait (long: it removes every SA) for its exit status.
ipsecd_stop() {
	local rc=0
	kill -TERM "$ipsecd_pid"
	wait_until 600 _it_exited "$ipsecd_pid" || kill -KILL "$ipsecd_pid"
	wait "$ipsecd_pid" || rc=$?
	ipsecd_pid=
	return "$rc"
}

# --- charon ---

charon_conf() { # charon_conf MODE: swanctl.conf, the equivalent of ipsecd_conf
	local auth=psk t1=$'\t\t' t2=$'\t\t\t' t3=$'\t\t\t\t'
	[ "$1" = psk ] || auth=pubkey
	printf '%s\n' "connections {" "	load {" \
		"${t1}local_addrs = 192.0.2.1" "${t1}remote_addrs = 10.200.0.0/16" \
		"${t1}proposals = aes256-sha256-ecp256" "${t1}mobike = no" "${t1}local {" \
		"${t2}auth = $auth"
	if [ "$1" = cert ]; then
		printf '%s\n' "${t2}certs = resp.pem" "${t2}id = resp.load.test"
	else
		printf '%s\n' "${t2}id = 192.0.2.1"
	fi
	printf '%s\n' "${t1}}" "${t1}remote {" "${t2}auth = $auth" "${t1}}" "${t1}children {" \
		"${t2}net {" "${t3}local_ts = 172.16.0.0/12" "${t3}esp_proposals = aes256-sha256" \
		"${t3}policies = $charon_policies" "${t2}}" "${t1}}" "	}" "}"
	[ "$1" = cert ] || printf '%s\n' "secrets {" "	ike-load {" "${t1}secret = \"$secret\"" \
		"	}" "}"
}

# charon_start MODE: charon in r, quiet, with its configuration loaded.
charon_start() {
	sw_start r rsp 'ikesa_table_size = 4096' 'ikesa_table_segments = 16' \
		'cookie_threshold = 1000000' 'filelog {' 'charon {' 'default = -1' 'ike = -1' \
		'chd = -1' 'cfg = -1' 'knl = -1' '}' '}' || return 1
	[ "$1" != cert ] || sw_install_pki rsp "$pki" resp || return 1
	charon_conf "$1" >"$IT_WORK/rsp.swanctl.conf"
	sw_load rsp "$IT_WORK/rsp.swanctl.conf" >"$IT_WORK/swanctl.out" 2>&1 || {
		cat "$IT_WORK/swanctl.out"
		return 1
	}
}

# --- the rounds ---

declare -A got # "MODE DAEMON FIELD" -> the values of the rounds, space-separated

# field NAME LINE: the value of NAME=... in ike_load's result line
field() { [[ " $2 " =~ \ $1=([^ ]*)\  ]] && echo "${BASH_REMATCH[1]}"; }

# one_run ROUND MODE DAEMON [N]: a fresh responder, one ike_load run of N initiators
# (BENCH_N) against it, its figures (not kept for round 0, the warm-up).
one_run() {
	local r=$1 m=$2 d=$3 nr=${4:-$n} pid out line f sad spd up rc=0
	expect_eq "round $r $m $d: nothing else runs in r" "" "$(ip netns pids "$(ns r)")"
	if [ "$d" = ipsecd ]; then
		require "round $r $m: ipsecd starts" ipsecd_start "$m"
		pid=$ipsecd_pid
	else
		require "round $r $m: charon starts" charon_start "$m"
		pid=$(sw_pid rsp)
	fi
	out=$IT_WORK/load-$r-$m-$d.out
	on g "$load" -m "$m" -n "$nr" -c "$c" -p "$pid" -l "$d" -s "$secret" ${pki:+-d "$pki"} \
		-t "$hs_timeout" -T "$cap" >"$out" 2>&1 || true
	sed "s/^/# $d $m round $r: /" "$out"
	line=$(grep '^result: ' "$out" || true)
	expect_ok "round $r $m $d: ike_load ran to its end" test -n "$line"
	up=$(field up "$line") || up=0
	expect_eq "round $r $m $d: every handshake came up" "$nr" "$up"
	sad=$(ip -n "$(ns r)" xfrm state count | awk '{ print $3 }')
	spd=$(ip -n "$(ns r)" xfrm policy count | tr -s ' \t' ' ')
	log "bench: round $r $m $d: kernel of r: SAD count $sad,$spd"
	# The guest's memory with the responder's SAs still held (the generator has ended; its
	# peak is gen_maxrss): how far IPSECD_IT_UML_MEM is from what BENCH_N needs.
	log "bench: round $r $m $d: guest memory: $(awk '/^(MemTotal|MemAvailable|Slab):/ {
		printf "%s%s %d MiB", (n++ ? ", " : ""), $1, $2 / 1024 }' /proc/meminfo);" \
		"generator peak RSS $(field gen_maxrss_kib "$line") KiB"
	[ "$d" != ipsecd ] || log "bench: round $r $m ipsecd: its log (warnings and errors):" \
		"$(grep -c . "$IT_WORK/r.log" || true) lines; the first: $(head -n 1 "$IT_WORK/r.log")"
	log "bench: round $r $m $d: $(field up "$line") up, $(field failed "$line") failed," \
		"$(field hs_per_s "$line") handshakes/s, $(field resp_us_per_hs "$line") us responder" \
		"CPU/handshake, $(field hs_per_resp_cpu_s "$line") handshakes per responder CPU-second," \
		"latency p50 $(field p50_ms "$line") p90 $(field p90_ms "$line") p99" \
		"$(field p99_ms "$line") ms"
	if [ "$d" = ipsecd ]; then
		ipsecd_stop || rc=$?
	else
		sw_stop rsp 600 || rc=$?
	fi
	expect_eq "round $r $m: $d stops with status 0" 0 "$rc"
	# What a responder left (none should) must not burden the next one.
	ip -n "$(ns r)" xfrm state flush
	ip -n "$(ns r)" xfrm policy flush
	[ "$r" -gt 0 ] || return 0
	for f in hs_per_s resp_us_per_hs hs_per_resp_cpu_s p50_ms p90_ms p99_ms failed resp_rss_kib; do
		got["$m $d $f"]+=" $(field "$f" "$line")"
	done
}

median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

log "bench: $n initiators, $c at a time; modes ${modes[*]}; responders ${daemons[*]}; $runs rounds;" \
	"charon installs policies: $charon_policies"
# Round 0, not counted: the kernel loads its algorithm modules at the first SAs (a process
# each, dear in the VM), the first exec of each binary reads it through hostfs.
for d in "${daemons[@]}"; do one_run 0 "${modes[0]}" "$d" $((n < 4 * c ? n : 4 * c)); done
for ((r = 1; r <= runs; r++)); do
	for m in "${modes[@]}"; do
		order=("${daemons[@]}")
		if [ $((r % 2)) -eq 0 ]; then # every other round the other way round (no /dev/fd
			order=()              # in the VM for a process substitution)
			for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do order+=("${daemons[i]}"); done
		fi
		for d in "${order[@]}"; do one_run "$r" "$m" "$d"; done
	done
done

for m in "${modes[@]}"; do
	declare -A med=()
	for d in "${daemons[@]}"; do
		for f in hs_per_s resp_us_per_hs hs_per_resp_cpu_s p50_ms p90_ms p99_ms resp_rss_kib; do
			med[$d $f]=$(median "${got[$m $d $f]}")
		done
		fails=0
		for f in ${got[$m $d failed]}; do fails=$((fails + f)); done
		log "bench: $m $d, median of $runs: ${med[$d hs_per_s]} handshakes/s," \
			"${med[$d resp_us_per_hs]} us responder CPU/handshake," \
			"${med[$d hs_per_resp_cpu_s]} handshakes per responder CPU-second," \
			"latency p50 ${med[$d p50_ms]} p90 ${med[$d p90_ms]} p99 ${med[$d p99_ms]} ms," \
			"responder RSS +${med[$d resp_rss_kib]} KiB; $fails failed in all"
	done
	if [ -n "${med[ipsecd hs_per_resp_cpu_s]:-}" ] && [ -n "${med[charon hs_per_resp_cpu_s]:-}" ]; then
		log "bench: $m: ipsecd/charon handshakes per responder CPU-second:" \
			"$(awk -v a="${med[ipsecd hs_per_resp_cpu_s]}" -v b="${med[charon hs_per_resp_cpu_s]}" \
				'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')"
	fi
	unset med
done
finish
