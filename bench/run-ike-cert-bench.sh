#!/usr/bin/env bash
# The certificate handshake CPU benchmark: bench_ike_cert runs N handshakes (IKE_SA_INIT +
# IKE_AUTH with one CHILD SA, ecp256, one after another) from the same peer against the
# daemon's engine, with a pre-shared key and with ECDSA P-256 certificates in turns (blocks
# of 20), and prints the daemon's (the responder's) CPU per handshake for each. The certificate handshake's
# extra must stay within 1.25 x (one P-256 signature + one verification) as
# `openssl speed ecdsap256` measures them on this machine in this run; the peer's chain is
# verified once and cached, so the extra is the responder's own AUTH signature and its
# check of the peer's. BENCH_RUNS runs; in each, openssl speed runs just before and just
# after the handshakes and the two are averaged into that run's budget, and the run's extra
# (bench_ike_cert's median over interleaved rounds) is divided by it; the median of those
# ratios must be at most 1. Both run on one CPU (BENCH_CPU, by default the lowest this
# shell may use; "any" leaves them to the scheduler): bench_ike_cert.c says why. No root,
# no network: the kernel and net are fakes, the
# datagrams go through a socketpair; the test PKI (a CA, two end certificates, a CRL) is made with the
# openssl command by tests/integration/pki.sh.
#
#   bench/run-ike-cert-bench.sh            N=2000, 3 runs, build dir "build"
#   BENCH_N=5000 BENCH_RUNS=5 BUILD=build-san bench/run-ike-cert-bench.sh
#   BENCH_CPU=any bench/run-ike-cert-bench.sh   the scheduler places the processes
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

n=${BENCH_N:-2000}
runs=${BENCH_RUNS:-3}
factor=1.25
speed_seconds=1
cpu=${BENCH_CPU:-$(awk '/^Cpus_allowed_list:/ { split($2, a, /[-,]/); print a[1] }' \
	/proc/self/status)}

# median_upper VALUE...: the middle one (the upper middle for an even count)
median_upper() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int(NR / 2) + 1] }'
}

# minmax VALUE...: "min X, max Y"
minmax() {
	printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 }
		END { printf "min %s, max %s", lo, hi }'
}

type -P openssl >/dev/null || die "no openssl command: apt-get install openssl"
on=()
if [ "$cpu" != any ]; then
	type -P taskset >/dev/null || die "no taskset command: apt-get install util-linux"
	on=(taskset -c "$cpu")
fi
machine "$(openssl version); bench and openssl speed on CPU $cpu"
build_bench bench_ike_cert
bench=$build/bench/bench_ike_cert

# A CA, the daemon's and the peer's ECDSA P-256 certificates, and the CA's (empty) CRL.
# shellcheck source=tests/integration/pki.sh
. tests/integration/pki.sh
pki_make "$tmp/pki" daemon:ec:daemon.bench peer:ec:peer.bench
pki_crl "$tmp/pki"

# speed: one `openssl speed ecdsap256` into sps and vps (signatures and verifications a
# second), or fail
speed() {
	# +F4:<index>:<bits>:<sign/s>:<verify/s>, OpenSSL's machine-readable ECDSA result
	if ! "${on[@]}" openssl speed -seconds "$speed_seconds" -mr ecdsap256 >"$tmp/speed" 2>&1; then
		cat "$tmp/speed" >&2
		die "openssl speed ecdsap256 failed"
	fi
	line=$(grep '^+F4:' "$tmp/speed" || true)
	IFS=: read -r _ _ bits sps vps <<<"$line"
	if [ "${bits:-}" != 256 ] || [ -z "${vps:-}" ]; then
		cat "$tmp/speed" >&2
		die "no ECDSA P-256 result in openssl speed's output"
	fi
}

psk=() cert=() extra=() chains=() sign_us=() verify_us=() budget=() ratio=()
for ((r = 1; r <= runs; r++)); do
	# openssl speed just before and just after the handshakes, averaged: the machine's
	# speed drifts, and this brackets the bench in time
	speed
	sps0=$sps vps0=$vps
	if ! "$bench" -c "$cpu" -p "$tmp/pki" "$n" >"$tmp/out" 2>"$tmp/err"; then
		cat "$tmp/out" "$tmp/err" >&2
		die "bench_ike_cert failed (run $r)"
	fi
	speed
	if [ "$r" -eq 1 ]; then
		cat "$tmp/out"
	fi
	psk+=("$(field "$(grep '^psk: ' "$tmp/out")" ' ([0-9.]+) us/handshake')")
	line=$(grep '^cert: ' "$tmp/out")
	cert+=("$(field "$line" ' ([0-9.]+) us/handshake')")
	chains+=("$(field "$line" 'chain verifications ([0-9]+),')")
	extra+=("$(field "$(grep '^extra ' "$tmp/out")" ': (-?[0-9.]+) us/handshake')")

	s_us=$(awk -v a="$sps0" -v b="$sps" 'BEGIN { printf "%.2f", (1e6 / a + 1e6 / b) / 2 }')
	v_us=$(awk -v a="$vps0" -v b="$vps" 'BEGIN { printf "%.2f", (1e6 / a + 1e6 / b) / 2 }')
	sign_us+=("$s_us")
	verify_us+=("$v_us")
	budget+=("$(awk -v f="$factor" -v s="$s_us" -v v="$v_us" \
		'BEGIN { printf "%.1f", f * (s + v) }')")
	ratio+=("$(awk -v e="${extra[-1]}" -v b="${budget[-1]}" 'BEGIN { printf "%.3f", e / b }')")
	echo "run $r: psk ${psk[-1]} us, cert ${cert[-1]} us, extra ${extra[-1]} us;" \
		"openssl speed: sign $s_us us, verify $v_us us, budget ${budget[-1]} us;" \
		"extra/budget ${ratio[-1]}"
done

m_extra=$(median_upper "${extra[@]}")
m_budget=$(median_upper "${budget[@]}")
m_ratio=$(median_upper "${ratio[@]}")
m_chains=$(median_upper "${chains[@]}")
echo "== $n handshakes per mode from one peer, responder CPU, median of $runs runs"
printf '%-44s %8s us  (%s)\n' "PSK CPU/handshake" "$(median_upper "${psk[@]}")" \
	"$(minmax "${psk[@]}")"
printf '%-44s %8s us  (%s)\n' "certificate CPU/handshake" "$(median_upper "${cert[@]}")" \
	"$(minmax "${cert[@]}")"
printf '%-44s %8s us  (%s)\n' "extra (certificate - PSK)" "$m_extra" "$(minmax "${extra[@]}")"
printf '%-44s %8s us, verify %s us\n' "openssl speed ecdsap256: sign" \
	"$(median_upper "${sign_us[@]}")" "$(median_upper "${verify_us[@]}")"
printf '%-44s %8s us  (%s)\n' "budget $factor x (sign + verify)" "$m_budget" \
	"$(minmax "${budget[@]}")"
# each run's extra against the budget measured around it, then the median of those
printf '%-44s %8s      (%s)\n' "extra / budget, run by run" "$m_ratio" "$(minmax "${ratio[@]}")"
printf '%-44s %8s <= 1: %s\n' "extra within budget" "$m_ratio" "$(verdict_at_most "$m_ratio" 1)"
printf '%-44s %8s of %s handshakes: %s\n' "chain verifications (cache misses)" "$m_chains" \
	"$n" "$(verdict_at_most "$m_chains" 0)"
