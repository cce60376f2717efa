#!/usr/bin/env bash
# Benchmark (not a test): ipsecd installs N manual SAs (N/2 tunnel policies with a
# manual-sa each, default N=10000) in one host of the integration topology, then
# `ipsecctl installed-sa print` and `print detail` are timed, best of 3. Run by
# bench/run-isa-bench.sh through tests/integration/run, so that it gets a kernel with ESP
# (user-mode Linux here). The figures are printed as "bench: ..." lines.
# shellcheck source-path=SCRIPTDIR source=../../tests/integration/lib.sh
. "$IT_DIR/lib.sh"

n=${BENCH_SAS:-10000}
pairs=$((n / 2))
target_ms=1000
topo_two_hosts
key=0x0102030405060708090a0b0c0d0e0f10
akey=0x0102030405060708090a0b0c0d0e0f10
{
	echo /ip ipsec manual-sa
	for ((i = 0; i < pairs; i++)); do
		printf 'add name=m%d esp-auth-algorithm=md5 esp-enc-algorithm=aes-128 ' "$i"
		printf 'esp-spi=0x%x/0x%x esp-enc-key=%s esp-auth-key=%s\n' \
			$((0x10000 + 2 * i)) $((0x10001 + 2 * i)) "$key" "$akey"
	done
	echo /ip ipsec policy
	for ((i = 0; i < pairs; i++)); do
		printf 'add src-address=10.%d.%d.0/24 dst-address=172.16.%d.0/24 ' \
			$((10 + i / 256)) $((i % 256)) $((i % 256))
		printf 'sa-src-address=192.0.2.1 sa-dst-address=192.0.2.2 tunnel=yes manual-sa=m%d\n' "$i"
	done
} >"$(conf_file a)"

t0=$(date +%s%N)
daemon_start a
have_sas() { [ "$(sa_count a)" -ge "$n" ]; }
expect_ok "ipsecd installs $n SAs" wait_until 100 have_sas
t1=$(date +%s%N)
log "bench: start + install of $n SAs: $(((t1 - t0) / 1000000)) ms"

# time_print ARGS...: best of 3 wall-clock milliseconds of ipsecctl ARGS
time_print() {
	local best= t0 t1 ms
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		ipsecctl_on a "$@" >"$IT_WORK/print.out"
		t1=$(date +%s%N)
		ms=$(((t1 - t0) / 1000000))
		[ -z "$best" ] || [ "$ms" -lt "$best" ] && best=$ms
	done
	echo "$best"
}

ms=$(time_print installed-sa print)
lines=$(grep -c . "$IT_WORK/print.out" || true)
verdict=ok
[ "$ms" -lt "$target_ms" ] || verdict=MISSED
log "bench: installed-sa print, $n SAs: $ms ms (best of 3), $lines lines; target < $target_ms ms: $verdict"
expect_gt "installed-sa print listed every SA" "$lines" "$n"
ms=$(time_print installed-sa print where spi=0x10000)
log "bench: installed-sa print where spi=... (the daemon's part: dump and fill), $n SAs: $ms ms (best of 3)"

t0=$(date +%s%N)
on a ip xfrm state >/dev/null
t1=$(date +%s%N)
log "bench: for scale, ip xfrm state of $n SAs: $(((t1 - t0) / 1000000)) ms"
ms=$(time_print installed-sa print detail)
log "bench: installed-sa print detail, $n SAs: $ms ms (best of 3)"
ms=$(time_print --json installed-sa print)
log "bench: --json installed-sa print, $n SAs: $ms ms (best of 3)"
t0=$(date +%s%N)
daemon_stop a
t1=$(date +%s%N)
log "bench: SIGTERM removing $n SAs and $((pairs * 3)) policies: $(((t1 - t0) / 1000000)) ms"
finish
