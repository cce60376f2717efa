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

# shellcheck source=bench/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

n=${BENCH_N:-10000}
runs=${BENCH_RUNS:-5}
# A namespace is torn down after its last process exits, asynchronously: ip's still holds
# 3N policies. Each timed step waits this long first so that it does not pay for that.
settle=${BENCH_SETTLE:-1}
target_ratio=2

need_root "it installs XFRM policies, each run in a network namespace of its own" \
	"(unshare -n)"
need_tools unshare ip
machine "kernel $(uname -r), $(ip -V)"
build_bench bench_spd
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
		die "bench_spd failed (run $r)"
	fi
	if [ "$r" -eq 1 ]; then
		cat "$tmp/out"
	fi
	line=$(grep '^install ' "$tmp/out")
	if ! [[ $line =~ :\ ([0-9.]+)\ ms ]]; then
		die "no install time in bench_spd's output"
	fi
	ms=${BASH_REMATCH[1]}
	sleep "$settle"
	if ! out=$(ip_install "$batch" 2>&1); then
		echo "$out" >&2
		die "ip -batch failed (run $r)"
	fi
	ip_ms=$(head -n 1 <<<"$out")
	count=$(sed -n 2p <<<"$out" | tr -s ' \t' ' ')
	if [ "$count" != " SPD IN $n OUT $n FWD $n" ]; then
		die "ip -batch left$count, expected $n per direction"
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
	"$(verdict_at_most "$(ratio "${ours[mid]}" "${theirs[mid]}")" "$target_ratio")"
