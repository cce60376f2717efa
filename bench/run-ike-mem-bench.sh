#!/usr/bin/env bash
# The IKE SA memory benchmark: bench_ike_mem establishes N IKE SAs with one CHILD SA each
# against peers in a child process and prints the daemon's RSS delta / N (target: under
# 4 KiB per SA), the malloc bytes per SA and where they go, and the SK payload's
# per-message CPU cost. Runs the IKE SA's two kinds of SK protection (AES-CBC with
# HMAC-SHA256, AES-GCM), BENCH_RUNS times each, and prints the median next to the target.
# No root, no network: the kernel and net are fakes, the datagrams go through a socketpair.
#
#   bench/run-ike-mem-bench.sh            N=10000, 3 runs, build dir "build"
#   BENCH_N=50000 BENCH_RUNS=5 BUILD=build-san bench/run-ike-mem-bench.sh
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

n=${BENCH_N:-10000}
runs=${BENCH_RUNS:-3}
target_bytes=4096

machine "$(openssl version 2>/dev/null || echo "openssl ?")"
build_bench bench_ike_mem
bench=$build/bench/bench_ike_mem

for alg in cbc gcm; do
	echo "== $n IKE SAs, IKE SA $alg: bench_ike_mem -a $alg $n"
	per_sa=()
	for ((r = 1; r <= runs; r++)); do
		if ! "$bench" -a "$alg" "$n" >"$tmp/out" 2>"$tmp/err"; then
			cat "$tmp/out" "$tmp/err" >&2
			die "bench_ike_mem failed (run $r)"
		fi
		if [ "$r" -eq 1 ]; then
			cat "$tmp/out"
		fi
		line=$(grep '^rss: ' "$tmp/out")
		if ! [[ $line =~ :\ (-?[0-9]+)\ bytes/SA ]]; then
			die "no bytes/SA in bench_ike_mem's output"
		fi
		per_sa+=("${BASH_REMATCH[1]}")
	done
	mapfile -t per_sa < <(printf '%s\n' "${per_sa[@]}" | sort -g)
	printf '%-34s median %6s bytes/SA, min %s, max %s (%d runs)  [target < %d: %s]\n' \
		"RSS delta / SAs ($alg)" "${per_sa[runs / 2]}" "${per_sa[0]}" "${per_sa[-1]}" \
		"$runs" "$target_bytes" "$(verdict_below "${per_sa[runs / 2]}" "$target_bytes")"
done
