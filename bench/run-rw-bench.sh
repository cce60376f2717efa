#!/usr/bin/env bash
# The road-warrior gateway benchmark (issue 15): bench_rw connects N mode-config clients
# (lease, CFG_REPLY, generate-policy) to one gateway engine, and as many clients of a fixed
# policy to another, BENCH_RUNS rounds taken in turns, and prints the gateway's memory per
# road-warrior client (target: under 6 KiB) and its CPU per handshake both ways (target: rw
# within 1.2x of fixed), medians. No root, no network: the kernel and net are fakes, the
# datagrams go through a socketpair. The generated policies' kernel side is
# run-gpol-bench.sh's.
#
#   bench/run-rw-bench.sh                 N=10000, 3 rounds, build dir "build"
#   BENCH_N=50000 BENCH_RUNS=5 BENCH_ALG=gcm BENCH_CPU=1 bench/run-rw-bench.sh
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

n=${BENCH_N:-10000}
runs=${BENCH_RUNS:-3}
alg=${BENCH_ALG:-cbc}
# one CPU for the gateway and its clients alike (empty: wherever the scheduler puts them)
cpu=${BENCH_CPU-0}

machine "$(openssl version 2>/dev/null || echo "openssl ?")"
build_bench bench_rw
pin=()
if [ -n "$cpu" ]; then
	pin=(taskset -c "$cpu")
fi
out=$("${pin[@]}" "$build/bench/bench_rw" -a "$alg" -r "$runs" "$n")
echo "$out"
! grep -q MISSED <<<"$out"
