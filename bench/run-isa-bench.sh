#!/usr/bin/env bash
# installed-sa print of 10,000 SAs (target: under 1 s). SAs with ESP need a kernel that
# has it, so this runs bench/uml/isa-print.sh through the integration harness (user-mode
# Linux on machines whose kernel has no ESP). Root only. Prints the "bench:" figures.
#
#   bench/run-isa-bench.sh                 BENCH_SAS=10000, build dir "build"
#   BENCH_SAS=2000 IPSECD_BUILD=build bench/run-isa-bench.sh
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "run-isa-bench.sh: needs root (network namespaces, a VM)" >&2
	exit 1
fi
export BENCH_SAS=${BENCH_SAS:-10000}
export IPSECD_BUILD=${IPSECD_BUILD:-$PWD/build}
export IPSECD_IT_SCENARIO_DIR=$PWD/bench/uml
export IPSECD_IT_UML_MEM=${IPSECD_IT_UML_MEM:-1024M}
tests/integration/run isa-print | tee /dev/stderr | grep -q 'integration: 1 passed'
