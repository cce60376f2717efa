#!/usr/bin/env bash
# The policy install benchmark: bench_spd installs the 3N kernel policies (out, in, fwd)
# of N tunnel policies through ipsecd's pipelined requests, then `ip -batch` installs the
# very same 3N policies (bench_spd writes them from the kernel's dump), each in a fresh
# network namespace of its own (unshare -n: the host's XFRM tables are never touched).
# Prints best and median of each and the ratio against the target: ipsecd takes no more
# than 2x what ip takes.
#
#   bench/run-spd-bench.sh            N=10000, 5 runs, build dir "build"
#   BENCH_N=20000 BENCH_RUNS=9 BENCH_SETTLE=2 BUILD=build-san bench/run-spd-bench.sh
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

n=${BENCH_N:-10000}
build=${BUILD:-build}
runs=${BENCH_RUNS:-5}
# A namespace is torn down after its last process exits, asynchronously: ip's still holds
# 3N policies. Each timed step waits this long first so that it does not pay for that.
settle=${BENCH_SETTLE:-1}
target_ratio=2

if [ "$(id -u)" -ne 0 ]; then
	echo "run-spd-bench: must run as root: it installs XFRM policies, each run in a" \
		"network namespace of its own (unshare -n)" >&2
	exit 1
fi
for tool in unshare ip; do
	if ! command -v "$tool" >/dev/null; then
		echo "run-spd-bench: $tool is missing" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/spd-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# verdict VALUE TARGET: "ok" when VALUE <= TARGET, else "MISSED"
verdict() {
	awk -v v="$1" -v t="$2" 'BEGIN { print (v + 0 <= t + 0) ? "ok" : "MISSED" }'
}

# ratio A B: A / B with two decimals
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'
}

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo |
	head -n 1), kernel $(uname -r), $(ip -V)"

# Automake may regenerate a stale Makefile and ask to be run again.
if ! make -s -C "$build" bench/bench_spd >/dev/null 2>"$tmp/make.log" &&
	! make -s -C "$build" bench/bench_spd >/dev/null 2>"$tmp/make.log"; then
	cat "$tmp/make.log" >&2
	echo "run-spd-bench: building $build/bench/bench_spd failed" >&2
	exit 1
fi
bench=$build/bench/bench_spd
batch=$tmp/batch

# ip_install FILE: installs FILE with ip -batch in a fresh namespace; prints the ms it
# took, then what `ip xfrm policy count` says.
ip_install() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -n bash -c '
		t0=$(date +%s%N)
		ip -batch "$1" || exit 1
		t1=$(date +%s%N)
		awk -v d=$((t1 - t0)) "BEGIN { printf \"%.1f\n\", d / 1e6 }"
		ip xfrm policy count' _ "$1"
}

echo "== install $n policies ($((3 * n)) kernel policies): bench_spd, then ip -batch"
ours=() theirs=() ratios=()
for ((r = 1; r <= runs; r++)); do
	rm -f "$batch"
	sleep "$settle"
	if ! unshare -n "$bench" -b "$batch" "$n" >"$tmp/out" 2>"$tmp/err"; then
		cat "$tmp/out" "$tmp/err" >&2
		echo "run-spd-bench: bench_spd failed (run $r)" >&2
		exit 1
	fi
	if [ "$r" -eq 1 ]; then
		cat "$tmp/out"
	fi
	line=$(grep '^install ' "$tmp/out")
	if ! [[ $line =~ :\ ([0-9.]+)\ ms ]]; then
		echo "run-spd-bench: no install time in bench_spd's output" >&2
		exit 1
	fi
	ms=${BASH_REMATCH[1]}
	sleep "$settle"
	if ! out=$(ip_install "$batch" 2>&1); then
		echo "$out" >&2
		echo "run-spd-bench: ip -batch failed (run $r)" >&2
		exit 1
	fi
	ip_ms=$(head -n 1 <<<"$out")
	count=$(sed -n 2p <<<"$out" | tr -s ' \t' ' ')
	if [ "$count" != " SPD IN $n OUT $n FWD $n" ]; then
		echo "run-spd-bench: ip -batch left$count, expected $n per direction" >&2
		exit 1
	fi
	ours+=("$ms")
	theirs+=("$ip_ms")
	ratios+=("$(ratio "$ms" "$ip_ms")")
	printf 'run %d: ipsecd %8s ms, ip -batch %8s ms, ratio %s\n' "$r" "$ms" "$ip_ms" \
		"${ratios[-1]}"
done

mapfile -t ours < <(printf '%s\n' "${ours[@]}" | sort -g)
mapfile -t theirs < <(printf '%s\n' "${theirs[@]}" | sort -g)
mapfile -t ratios < <(printf '%s\n' "${ratios[@]}" | sort -g)
mid=$((runs / 2))
printf '%-34s best %8s ms, median %8s ms (%d runs)\n' "ipsecd (spd_apply + kern_wait)" \
	"${ours[0]}" "${ours[mid]}" "$runs"
printf '%-34s best %8s ms, median %8s ms (%d runs)\n' "ip -batch" "${theirs[0]}" \
	"${theirs[mid]}" "$runs"
printf '%-34s best/best %s, median/median %s, per-run median %s  [target <= %sx: %s]\n' \
	"ratio ipsecd / ip" "$(ratio "${ours[0]}" "${theirs[0]}")" \
	"$(ratio "${ours[mid]}" "${theirs[mid]}")" "${ratios[mid]}" "$target_ratio" \
	"$(verdict "$(ratio "${ours[mid]}" "${theirs[mid]}")" "$target_ratio")"
