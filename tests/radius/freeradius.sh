#!/usr/bin/env bash
# Run by hand, never from make check: FreeRADIUS with a private configuration (raddb.sh) in
# a temp dir on 127.0.0.1:18120 (acct 18121), one EAP-MSCHAPv2 login through ipsecd's
# RADIUS client (tests/radius/radius_probe) with the MSK checked, accounting Start and Stop
# answered, then a wrong password refused. Exit 0 when all of it held.
#   tests/radius/freeradius.sh [BUILDDIR]     (exit 77 when FreeRADIUS is not installed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
probe=$build/tests/radius/radius_probe
command -v freeradius >/dev/null || { echo "freeradius not installed: skipped"; exit 77; }
make -C "$build" tests/radius/radius_probe >/dev/null # built on demand, not by make all
[ -x "$probe" ] || { echo "$probe not built"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=raddb.sh
. "$here/raddb.sh"
tmp=$(mktemp -d)
trap 'raddb_stop; [ "${rc:-1}" = 0 ] || tail -40 "$tmp/out.log"; rm -rf "$tmp"' EXIT
raddb_make "$tmp/raddb" 127.0.0.1 18120 127.0.0.1 probe-secret alice alice-pass
raddb_start "$tmp/raddb" "$tmp/out.log"
rc=0
"$probe" 127.0.0.1 18120 18121 probe-secret alice alice-pass || rc=1
if "$probe" 127.0.0.1 18120 18121 probe-secret alice wrong-pass; then
	echo "a wrong password was accepted"; rc=1
else
	echo "wrong password refused: ok"
fi
# what FreeRADIUS saw: two Starts, two Stops, each answered
for what in "Acct-Status-Type = Start" "Acct-Status-Type = Stop" "Acct-Input-Octets = 123456" \
	"Sent Accounting-Response"; do
	n=$(grep -c "$what" "$tmp/out.log" || true)
	echo "FreeRADIUS: $n x $what"
	[ "$n" -ge 2 ] || rc=1
done
grep -q "Sent Access-Accept" "$tmp/out.log" || { echo "no Access-Accept"; rc=1; }
echo "freeradius.sh: $([ $rc = 0 ] && echo passed || echo FAILED)"
exit $rc
