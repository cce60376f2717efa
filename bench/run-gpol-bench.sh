#!/usr/bin/env bash
# The generated-policy install benchmark (issue 15): bench_gpol installs the 3N kernel
# policies (in, out, fwd) that generate-policy makes for N road-warrior clients, through
# the kernel module's asynchronous requests as src/ike/gpol.c sends them, then `ip -batch`
# adds the very same 3N policies (bench_gpol writes them from the kernel's dump), each in a
# fresh network namespace of its own (unshare -n: the host's XFRM tables are never
# touched). Wall and CPU (user + system: the kernel's work is done in the sender's
# system calls) of each, BENCH_RUNS runs; prints the medians and the ratio against the
# target: ipsecd takes no more than 2x what ip takes.
#
#   bench/run-gpol-bench.sh            N=10000, 3 runs, build dir "build"
#   BENCH_N=20000 BENCH_RUNS=5 BENCH_SETTLE=2 BUILD=build-san bench/run-gpol-bench.sh
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

n=${BENCH_N:-10000}
build=${BUILD:-build}
runs=${BENCH_RUNS:-3}
# A namespace is torn down after its last process exits, asynchronously, freeing 3N
# policies: each timed step waits this long first so that it does not pay for that.
settle=${BENCH_SETTLE:-1}
target_ratio=2

if [ "$(id -u)" -ne 0 ]; then
	echo "run-gpol-bench: must run as root: it installs XFRM policies, each run in a" \
		"network namespace of its own (unshare -n)" >&2
	exit 1
fi
for tool in unshare ip; do
	if ! command -v "$tool" >/dev/null; then
		echo "run-gpol-bench: $tool is missing" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpol-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ratio A B: A / B with two decimals
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'
}

# median V...: the middle value (the lower middle for an even count)
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo |
	head -n 1), kernel $(uname -r), $(ip -V)"

# Automake may regenerate a stale Makefile and ask to be run again.
if ! make -s -C "$build" bench/bench_gpol >/dev/null 2>"$tmp/make.log" &&
	! make -s -C "$build" bench/bench_gpol >/dev/null 2>"$tmp/make.log"; then
	cat "$tmp/make.log" >&2
	echo "run-gpol-bench: building $build/bench/bench_gpol failed" >&2
	exit 1
fi
bench=$build/bench/bench_gpol
batch=$tmp/batch

# ip_install FILE: adds FILE's policies with ip -batch in a fresh namespace; prints ip's
# wall, user and system ms on one line, then what `ip xfrm policy count` says.
ip_install() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -n bash -c '
		TIMEFORMAT="%3R %3U %3S"
		{ time ip -batch "$1" >/dev/null 2>"$2"; } 2>"$2.time" || { cat "$2" >&2; exit 1; }
		awk "{ printf \"%.1f %.1f %.1f\n\", \$1 * 1e3, \$2 * 1e3, \$3 * 1e3 }" "$2.time"
		ip xfrm policy count' _ "$1" "$tmp/ip.err"
}

echo "== install the generated policies of $n clients ($((3 * n)) kernel policies):" \
	"bench_gpol, then ip -batch"
ours_wall=() ours_cpu=() ip_wall=() ip_cpu=()
for ((r = 1; r <= runs; r++)); do
	rm -f "$batch"
	sleep "$settle"
	if ! unshare -n "$bench" -b "$batch" "$n" >"$tmp/out" 2>"$tmp/err"; then
		cat "$tmp/out" "$tmp/err" >&2
		echo "run-gpol-bench: bench_gpol failed (run $r)" >&2
		exit 1
	fi
	if [ "$r" -eq 1 ]; then
		cat "$tmp/out"
	fi
	line=$(grep '^install ' "$tmp/out")
	if ! [[ $line =~ :\ ([0-9.]+)\ ms\ wall,\ cpu\ ([0-9.]+)\ ms ]]; then
		echo "run-gpol-bench: no install time in bench_gpol's output" >&2
		exit 1
	fi
	ours_wall+=("${BASH_REMATCH[1]}")
	ours_cpu+=("${BASH_REMATCH[2]}")
	sleep "$settle"
	if ! out=$(ip_install "$batch" 2>&1); then
		echo "$out" >&2
		echo "run-gpol-bench: ip -batch failed (run $r)" >&2
		exit 1
	fi
	read -r wall user sys <<<"$(head -n 1 <<<"$out")"
	count=$(sed -n 2p <<<"$out" | tr -s ' \t' ' ')
	if [ "$count" != " SPD IN $n OUT $n FWD $n" ]; then
		echo "run-gpol-bench: ip -batch left$count, expected $n per direction" >&2
		exit 1
	fi
	ip_wall+=("$wall")
	ip_cpu+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')")
	printf 'run %d: ipsecd %8s ms wall, %8s ms cpu; ip -batch %8s ms wall, %8s ms cpu' \
		"$r" "${ours_wall[-1]}" "${ours_cpu[-1]}" "${ip_wall[-1]}" "${ip_cpu[-1]}"
	printf ' (user %s, sys %s); ratio wall %s, cpu %s\n' "$user" "$sys" \
		"$(ratio "${ours_wall[-1]}" "${ip_wall[-1]}")" \
		"$(ratio "${ours_cpu[-1]}" "${ip_cpu[-1]}")"
done

ow=$(median "${ours_wall[@]}") oc=$(median "${ours_cpu[@]}")
iw=$(median "${ip_wall[@]}") ic=$(median "${ip_cpu[@]}")
rw=$(ratio "$ow" "$iw") rc=$(ratio "$oc" "$ic")
printf '%-30s median %8s ms wall, %8s ms cpu (%d runs)\n' "ipsecd (bench_gpol)" "$ow" "$oc" \
	"$runs"
printf '%-30s median %8s ms wall, %8s ms cpu (%d runs)\n' "ip -batch" "$iw" "$ic" "$runs"
verdict=$(awk -v r="$rw" -v t="$target_ratio" 'BEGIN { print (r <= t) ? "ok" : "MISSED" }')
printf '%-30s wall %s, cpu %s  [target <= %sx (wall): %s]\n' "ratio ipsecd / ip" "$rw" "$rc" \
	"$target_ratio" "$verdict"
[ "$verdict" = ok ]
