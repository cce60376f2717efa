#!/usr/bin/env bash
# Run by hand, never from make check: FreeRADIUS with a private configuration in a temp
# dir on 127.0.0.1:18120 (acct 18121), one EAP-MSCHAPv2 login through ipsecd's RADIUS
# client (tests/radius/radius_probe), then accounting Start and Stop, then a wrong password.
#   tests/radius/freeradius.sh [BUILDDIR]     (exit 77 when FreeRADIUS is not installed)
set -euo pipefail
build=${1:-build}
probe=$build/tests/radius/radius_probe
command -v freeradius >/dev/null || { echo "freeradius not installed: skipped"; exit 77; }
make -C "$build" tests/radius/radius_probe >/dev/null # built on demand, not by make all
[ -x "$probe" ] || { echo "$probe not built"; exit 1; }
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
cp -a /etc/freeradius/3.0 "$tmp/raddb"
chmod 755 "$tmp"
cat >"$tmp/raddb/clients.conf" <<'C'
client probe {
	ipaddr = 127.0.0.1
	secret = probe-secret
}
C
cat >"$tmp/raddb/mods-config/files/authorize" <<'U'
alice	Cleartext-Password := "alice-pass"
	Reply-Message := "hello alice"
U
chown -R freerad:freerad "$tmp/raddb" 2>/dev/null || true
freeradius -X -d "$tmp/raddb" -i 127.0.0.1 -p 18120 >"$tmp/out.log" 2>&1 &
pid=$!
for _ in $(seq 300); do grep -q "Ready to process requests" "$tmp/out.log" && break; sleep 0.1; done
grep -q "Ready to process requests" "$tmp/out.log" || { tail -30 "$tmp/out.log"; echo "FreeRADIUS did not start"; exit 1; }
rc=0
"$probe" 127.0.0.1 18120 18121 probe-secret alice alice-pass || rc=1
if "$probe" 127.0.0.1 18120 18121 probe-secret alice wrong-pass; then
	echo "a wrong password was accepted"; rc=1
else
	echo "wrong password refused: ok"
fi
grep -E "Acct-Status-Type|Acct-Input-Octets" "$tmp/out.log" | sort | uniq -c || true
exit $rc
