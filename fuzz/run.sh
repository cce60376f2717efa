#!/usr/bin/env bash
# Builds each fuzz target with clang-14 (libFuzzer, ASan, UBSan), one after the other:
#   fuzz_conf       the configuration language, loaded as a file and as an ipsecctl line
#   fuzz_xfrm_stat  /proc/net/xfrm_stat and /proc/crypto text
#   fuzz_xfrm_msg   XFRM netlink messages, through every parser of src/kernel/xfrm_msg.c
#   fuzz_ike_msg    IKEv2 messages, through src/wire's decoders, rules and encoders
#   fuzz_ikev1_msg  IKEv1 (ISAKMP) messages and decrypted chains, through src/wire's IKEv1
#                   decoders and encoders
#   fuzz_auth       AUTH signatures, certificates, IDs and raw keys a peer sends
#   fuzz_radius     RADIUS replies, through src/radius's decoder, checks and encoders
#   fuzz_eap        EAP packets, through src/eap's codec and the EAP-MSCHAPv2 machines
#   fuzz_eap_tls    what a PEAP/TTLS server sends: src/eap's TLS framing engine, the PEAP
#                   and TTLS phase 2 parsers, the client's method choice
# FUZZ_TARGETS (space-separated names) runs only those.
# and runs each for FUZZ_RUNS runs (default 60000, seed FUZZ_SEED, default 1), at most
# FUZZ_SECONDS (default 20), on a copy of its seed corpus (fuzz/corpus/conf, xfrm_stat,
# xfrm_msg, ...) in fuzz/out/corpus-TARGET; the checked-in corpora are never written. Crash
# inputs are left in fuzz/out (crash-*, leak-*, timeout-*, oom-*), each target's output
# in fuzz/out/TARGET.log. Stops at, and exits non-zero for, the first target that crashes.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

seconds=${FUZZ_SECONDS:-20}
out=fuzz/out
cc=clang-14

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "fuzz/run.sh: $cc not found; install it with: apt-get install clang-14 libfuzzer-14-dev" >&2
	exit 1
fi

mkdir -p "$out"
# The conf sources need no config.h; a configured build tree is added in case they ever do.
inc=(-Iinclude)
for b in build build-san; do
	if [ -f "$b/config.h" ]; then
		inc+=(-I"$b")
		break
	fi
done

# run_target NAME CORPUS SOURCES...: builds fuzz/out/NAME, runs it on a copy of CORPUS.
run_target() {
	local name=$1 corpus=$2 status=0 runs log
	shift 2
	if [ -n "${FUZZ_TARGETS:-}" ] && [[ " $FUZZ_TARGETS " != *" $name "* ]]; then
		return 0
	fi
	echo "$name: building with $cc"
	"$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-std=gnu11 -Wall -Wextra -Wno-unused-parameter "${inc[@]}" "$@" -lcrypto \
		-o "$out/$name"
	rm -rf "$out/corpus-$name"
	mkdir -p "$out/corpus-$name"
	cp "$corpus"/* "$out/corpus-$name/"
	echo "$name: at most ${seconds}s on $(find "$out/corpus-$name" -type f | wc -l) seeds"
	log="$out/$name.log"
	# A fixed seed and a bounded number of runs make CI's run the same every time (a
	# crash found once is found again); FUZZ_SEED=0 and a large FUZZ_RUNS explore instead.
	(cd "$out" && "./$name" -seed="${FUZZ_SEED:-1}" -runs="${FUZZ_RUNS:-60000}" \
		-max_total_time="$seconds" -max_len=8192 -timeout=10 \
		-print_final_stats=1 "corpus-$name") >"$log" 2>&1 || status=$?
	if [ "$status" -ne 0 ]; then
		tail -n 60 "$log" >&2
		echo "$name: crashed (exit $status); inputs in $out:" >&2
		ls "$out" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' >&2 || true
		return "$status"
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	echo "$name: ${runs:-?} runs, no crash"
}

run_target fuzz_conf fuzz/corpus/conf src/conf/*.c src/common/*.c fuzz/fuzz_conf.c
run_target fuzz_xfrm_stat fuzz/corpus/xfrm_stat src/kernel/xfrm_stat.c src/kernel/alg.c src/conf/menus.c \
	fuzz/fuzz_xfrm_stat.c
# shellcheck disable=SC2046 # pkg-config's words are separate arguments
run_target fuzz_xfrm_msg fuzz/corpus/xfrm_msg src/kernel/xfrm_msg.c src/kernel/alg.c \
	fuzz/fuzz_xfrm_msg.c -Isrc/kernel $(pkg-config --cflags --libs libnl-3.0)
run_target fuzz_ike_msg fuzz/corpus/ike_msg src/wire/*.c src/common/buf.c fuzz/fuzz_ike_msg.c
run_target fuzz_ikev1_msg fuzz/corpus/ikev1_msg src/wire/*.c src/common/buf.c \
	fuzz/fuzz_ikev1_msg.c
run_target fuzz_auth fuzz/corpus/auth src/crypto/sig.c src/crypto/sig_v1.c src/crypto/cert.c src/crypto/cert_id.c \
	src/crypto/keygen.c src/crypto/alg.c src/crypto/prf.c src/common/buf.c fuzz/fuzz_auth.c -Isrc/crypto
run_target fuzz_radius fuzz/corpus/radius src/radius/packet.c src/radius/reply.c \
	src/crypto/aaa.c src/crypto/alg.c src/common/buf.c fuzz/fuzz_radius.c -Isrc/crypto
# src/eap's TLS methods need the pki store (src/crypto/cert*.c) and libssl
eap_srcs=(src/eap/*.c src/crypto/aaa.c src/crypto/alg.c src/crypto/cert.c src/crypto/cert_id.c
	src/common/buf.c -Isrc/crypto -lssl)
run_target fuzz_eap fuzz/corpus/eap "${eap_srcs[@]}" fuzz/fuzz_eap.c
run_target fuzz_eap_tls fuzz/corpus/eap_tls "${eap_srcs[@]}" fuzz/fuzz_eap_tls.c
