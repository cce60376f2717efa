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

# shellcheck source=bench/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

n=${BENCH_N:-10000}
runs=${BENCH_RUNS:-3}
# A namespace is torn down after its last process exits, asynchronously, freeing 3N
# policies: each timed step waits this long first so that it does not pay for that.
settle=${BENCH_SETTLE:-1}
target_ratio=2

need_root "it installs XFRM policies, each run in a network namespace of its own" \
	"(unshare -n)"
need_tools unshare ip
machine "kernel $(uname -r), $(ip -V)"
build_bench bench_gpol
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
		die "bench_gpol failed (run $r)"
	fi
	if [ "$r" -eq 1 ]; then
		cat "$tmp/out"
	fi
	line=$(grep '^install ' "$tmp/out")
	if ! [[ $line =~ :\ ([0-9.]+)\ ms\ wall,\ cpu\ ([0-9.]+)\ ms ]]; then
		die "no install time in bench_gpol's output"
	fi
	ours_wall+=("${BASH_REMATCH[1]}")
	ours_cpu+=("${BASH_REMATCH[2]}")
	sleep "$settle"
	if ! out=$(ip_install "$batch" 2>&1); then
		echo "$out" >&2
		die "ip -batch failed (run $r)"
	fi
	read -r wall user sys <<<"$(head -n 1 <<<"$out")"
	count=$(sed -n 2p <<<"$out" | tr -s ' \t' ' ')
	if [ "$count" != " SPD IN $n OUT $n FWD $n" ]; then
		die "ip -batch left$count, expected $n per direction"
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
verdict=$(verdict_at_most "$rw" "$target_ratio")
printf '%-30s wall %s, cpu %s  [target <= %sx (wall): %s]\n' "ratio ipsecd / ip" "$rw" "$rc" \
	"$target_ratio" "$verdict"
[ "$verdict" = ok ]
