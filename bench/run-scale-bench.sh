#!/usr/bin/env bash
# The scale benchmark (issue 19): daemon CPU per IKE SA + CHILD SA handshake with 1, 1,000,
# 10,000 and 100,000 peers configured (bench_ike_mem -k: the other peers are passive, each
# with its identity and a policy, and none of them is used), BENCH_RUNS rounds taken in
# turns so that the VM's drift hits every size alike, on one CPU. Prints each size's
# median and its ratio to the one-peer median against the target (1.2).
#
#   bench/run-scale-bench.sh               2000 handshakes, 3 rounds, build dir "build"
#   BENCH_N=5000 BENCH_RUNS=5 BENCH_SIZES="1 100000" bench/run-scale-bench.sh
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

n=${BENCH_N:-2000}
runs=${BENCH_RUNS:-3}
build=${BUILD:-build}
cpu=${BENCH_CPU:-0}
read -ra sizes <<<"${BENCH_SIZES:-1 1000 10000 100000}"
target=1.2

if ! make -s -C "$build" bench/bench_ike_mem >/dev/null; then
	echo "run-scale-bench: building $build/bench/bench_ike_mem failed" >&2
	exit 1
fi
declare -A got
for ((r = 1; r <= runs; r++)); do
	for k in "${sizes[@]}"; do
		out=$(taskset -c "$cpu" "$build/bench/bench_ike_mem" -a gcm -k "$((k - 1))" "$n")
		us=$(sed -n 's/.*daemon CPU [0-9]* ms (\([0-9]*\) us\/SA[,)].*/\1/p' <<<"$out")
		[ -n "$us" ] || {
			echo "$out" >&2
			exit 1
		}
		echo "round $r, $k peers: $us us/handshake"
		got[$k]="${got[$k]:-} $us"
	done
done
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
base=$(median "${got[${sizes[0]}]}")
status=0
for k in "${sizes[@]}"; do
	m=$(median "${got[$k]}")
	ratio=$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
	verdict=$(awk -v r="$ratio" -v t="$target" 'BEGIN { print (r <= t) ? "ok" : "MISSED" }')
	[ "$verdict" = ok ] || status=1
	echo "$k peers: median $m us/handshake, $ratio x the ${sizes[0]}-peer median (target <= $target): $verdict"
done
exit "$status"
