# shellcheck shell=bash
# What the run-*-bench.sh scripts share, sourced at their start (after set -euo pipefail):
#   . "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"
# It moves to the source tree's top, sets $me (the script's name, for messages), $build
# (BUILD, by default "build") and $tmp (a directory of its own, removed at exit, after
# the script's bench_stop runs if it defines one: a server it started, say).

me=$(basename "$0" .sh)
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." || exit 1
build=${BUILD:-build}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/${me#run-}.XXXXXX")

bench_exit() {
	if declare -F bench_stop >/dev/null; then
		bench_stop || true
	fi
	rm -rf "$tmp"
}
trap bench_exit EXIT

# die MESSAGE...: says it as $me and exits 1
die() {
	echo "$me: $*" >&2
	exit 1
}

# need_root WHY: exits unless run as root
need_root() {
	[ "$(id -u)" -eq 0 ] || die "must run as root: $*"
}

# need_tools TOOL...: exits naming the first one missing
need_tools() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || die "$tool is missing"
	done
}

# machine EXTRA: the line that says where the figures come from
machine() {
	echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo |
		head -n 1)${1:+, $1}"
}

# build_bench NAME: builds $build/bench/NAME (make's errors on stderr when it fails)
build_bench() {
	[ -f "$build/Makefile" ] || die "no $build/Makefile: configure and build first"
	# Automake may regenerate a stale Makefile and ask to be run again.
	if ! make -s -C "$build" "bench/$1" >/dev/null 2>"$tmp/make.log" &&
		! make -s -C "$build" "bench/$1" >/dev/null 2>"$tmp/make.log"; then
		cat "$tmp/make.log" >&2
		die "building $build/bench/$1 failed"
	fi
}

# verdict_below VALUE TARGET: "ok" when VALUE < TARGET, else "MISSED"
verdict_below() {
	awk -v v="$1" -v t="$2" 'BEGIN { print (v + 0 < t + 0) ? "ok" : "MISSED" }'
}

# verdict_at_most VALUE TARGET: "ok" when VALUE <= TARGET, else "MISSED"
verdict_at_most() {
	awk -v v="$1" -v t="$2" 'BEGIN { print (v + 0 <= t + 0) ? "ok" : "MISSED" }'
}

# ratio A B: A / B with two decimals (0 when B is not above 0)
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'
}

# median VALUE...: the middle one (the lower middle for an even count)
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# field TEXT REGEX: the first group of REGEX (bash) in TEXT, or exit
field() {
	[[ $1 =~ $2 ]] || die "no '$2' in the bench's output"
	echo "${BASH_REMATCH[1]}"
}
