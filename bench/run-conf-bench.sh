#!/usr/bin/env bash
# The configuration benchmarks: bench_conf (load+validate, export and memory of a model of
# N peers + N identities + N policies), then ipsecd serving that file and ipsecctl printing
# its policies over the control socket. Prints each figure next to its target.
#
#   bench/run-conf-bench.sh            N=10000, build dir "build"
#   BENCH_N=50000 BUILD=build-san bench/run-conf-bench.sh
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

n=${BENCH_N:-10000}
runs=5
target_load_ms=250
target_bytes=1024
target_print_ms=300

daemon=
# lib.sh calls it at exit: the daemon goes with the script
bench_stop() {
	if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then
		kill -TERM "$daemon" 2>/dev/null || true
		wait "$daemon" 2>/dev/null || true
	fi
}

# shellcheck disable=SC2119 # nothing to add: bench_conf uses no other library
machine

# --- bench_conf ---

if [ -f "$build/Makefile" ]; then
	make -s -C "$build" bench >/dev/null
	bench=$build/bench/bench_conf
else
	echo "no $build/Makefile: compiling bench_conf directly"
	gcc -std=gnu11 -O2 -Wall -Wextra -Iinclude src/conf/*.c src/common/*.c \
		bench/bench_conf.c -lcrypto -o "$tmp/bench_conf"
	bench=$tmp/bench_conf
fi

echo "== bench_conf $n"
"$bench" "$n" | while IFS= read -r line; do
	if [[ $line =~ ^load\+validate\ .*peers.*:\ ([0-9.]+)\ ms ]]; then
		line+="  [target < $target_load_ms ms: $(verdict_below "${BASH_REMATCH[1]}" "$target_load_ms")]"
	elif [[ $line =~ ^memory:\ ([0-9]+)\ bytes/policy\ \(policies\ only ]]; then
		line+="  [target < $target_bytes bytes: $(verdict_below "${BASH_REMATCH[1]}" "$target_bytes")]"
	fi
	echo "$line"
done

# --- ipsecd + ipsecctl ---

ipsecd=$build/ipsecd
ipsecctl=$build/ipsecctl
if [ -f "$build/Makefile" ]; then
	make -s -C "$build" ipsecd ipsecctl >/dev/null
fi
for p in "$ipsecd" "$ipsecctl"; do
	if [ ! -x "$p" ]; then
		echo "run-conf-bench: $p is missing; build it first" >&2
		exit 1
	fi
done

conf=$tmp/bench.conf
sock=$tmp/s.sock
"$bench" --write "$conf" "$n"
"$ipsecd" -F -f "$conf" -S "$sock" -p "$tmp/p.pid" >"$tmp/ipsecd.log" 2>&1 &
daemon=$!

# Ready when the daemon answers for the file's first policy (bounded poll, 10 s).
ready=false
deadline=$((SECONDS + 10))
while [ "$SECONDS" -lt "$deadline" ]; do
	if ! kill -0 "$daemon" 2>/dev/null; then
		break
	fi
	if out=$("$ipsecctl" -s "$sock" policy print where peer=p0 2>/dev/null) &&
		[[ $out == *p0* ]]; then
		ready=true
		break
	fi
	sleep 0.05
done
if ! $ready; then
	echo "run-conf-bench: ipsecd did not serve the configuration within 10 s; its log:" >&2
	cat "$tmp/ipsecd.log" >&2
	exit 1
fi

# time_ctl LABEL ARGS...: runs ipsecctl ARGS $runs times; prints best and median.
time_ctl() {
	local label=$1 ms=() t0 t1 bytes
	shift
	for ((r = 0; r < runs; r++)); do
		t0=$(date +%s%N)
		if ! "$ipsecctl" -s "$sock" "$@" >"$tmp/out"; then
			echo "run-conf-bench: ipsecctl $* failed" >&2
			exit 1
		fi
		t1=$(date +%s%N)
		ms+=("$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1e6 }')")
	done
	bytes=$(wc -c <"$tmp/out")
	mapfile -t ms < <(printf '%s\n' "${ms[@]}" | sort -g)
	printf '%-34s best %6s ms, median %6s ms (%d runs, %d bytes)  [target < %d ms: %s]\n' \
		"$label" "${ms[0]}" "${ms[runs / 2]}" "$runs" "$bytes" "$target_print_ms" \
		"$(verdict_below "${ms[runs / 2]}" "$target_print_ms")"
}

echo "== ipsecctl on $n peers+identities+policies"
time_ctl "ipsecctl policy print" policy print
time_ctl "ipsecctl policy print detail" policy print detail
time_ctl "ipsecctl --json policy print" --json policy print

kill -TERM "$daemon"
status=0
wait "$daemon" || status=$?
daemon=
if [ "$status" -ne 0 ]; then
	echo "run-conf-bench: ipsecd exited with status $status after SIGTERM; its log:" >&2
	cat "$tmp/ipsecd.log" >&2
	exit 1
fi
echo "ipsecd stopped cleanly on SIGTERM"
