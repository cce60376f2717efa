#!/usr/bin/env bash
# The Debian package, as an administrator meets it: dpkg-buildpackage builds it (and a
# second, newer version for the upgrade), lintian has nothing to say, and apt-get
# installs, upgrades, removes and purges it: files, modes, the conffile, the group and
# what its members may do, systemd-analyze verify on the unit, the daemon started with
# the unit's command line and capabilities, restarted by the upgrade with its policies
# back in the kernel, stopped by the removal.
#
# Isolation: the machine is never changed. The install steps run in a chroot whose root
# is an overlay of the machine's own / with every write going to a tmpfs, inside new
# mount, PID and network namespaces (unshare -m -p -n): dpkg's database, /etc, /usr and
# the group file change only in the tmpfs, the daemon it starts sees only the empty
# network namespace's kernel tables, and everything (processes, mounts, tmpfs) is gone
# when the namespaces end. No systemd runs there: a stand-in systemctl (in the overlay)
# records what the maintainer scripts ask for and starts or stops the daemon as the
# unit would. Needs root, overlayfs and the packaging tools (scripts/test installs them);
# the dependencies must be installed on the machine, as the namespace has no network.
#
# Run from anywhere: tests/package/test-package.sh [WORKDIR] (default: a fresh mktemp
# directory, removed afterwards unless KEEP=1).
set -euo pipefail

here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
top=$(readlink -f "$here/../..")
V1=0.1.0
V2=0.1.0+pkgtest1

# --- inside the chroot ------------------------------------------------------------

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; }
check() { # check NAME COMMAND...: passes when the command succeeds
	local name=$1; shift
	if "$@" >/tmp/out 2>&1; then ok "$name"; else not_ok "$name"; sed 's/^/#   /' /tmp/out; fi
}
mode_is() { # mode_is PATH MODE OWNER:GROUP
	local got; got=$(stat -c '%a %U:%G' "$1" 2>&1)
	if [ "$got" = "$2 $3" ]; then ok "$1 is $2 $3"; else not_ok "$1 is $got, not $2 $3"; fi
}
# poll COMMAND...: up to 10 s for the command to succeed
poll() { for _ in $(seq 200); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
daemon_pid() { cat /run/ipsecd/ipsecd.pid 2>/dev/null; }
policy_active() { ipsecctl policy print detail | grep -q 'active=yes'; }

# A systemctl for the maintainer scripts: logs its arguments; start/restart/stop run
# the unit's ExecStart as systemd would: group ipsecd, /run/ipsecd root:ipsecd 0750,
# and only the unit's CapabilityBoundingSet; what works offline (preset, enable,
# disable, is-enabled, mask, unmask: symlinks under /etc) goes to the real systemctl.
# The machine's policy-rc.d (a container's "start nothing") is taken out of the overlay.
install_systemctl_stub() {
	mkdir -p /run/systemd/system
	rm -f /usr/sbin/policy-rc.d
	mv /usr/bin/systemctl /usr/bin/systemctl.real
	cat >/usr/bin/systemctl <<'STUB'
#!/bin/bash
echo "$*" >>/tmp/systemctl.log
unit=/lib/systemd/system/ipsecd.service
stop() {
	local pid; pid=$(cat /run/ipsecd/ipsecd.pid 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
}
start() {
	local caps exec
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z ' 'a-z,' | sed 's/cap_/+/g')
	exec=$(sed -n 's/^ExecStart=//p' "$unit" | sed 's/ -F / /') # detach: wait for ready
	install -d -m 0750 -g ipsecd /run/ipsecd
	# shellcheck disable=SC2086
	setpriv --bounding-set=-all,"$caps" --inh-caps=-all --regid=ipsecd --clear-groups $exec \
		>>/tmp/systemctl.log 2>&1
}
for a in "$@"; do
	case $a in
	start) start; exit ;;
	is-active) kill -0 "$(cat /run/ipsecd/ipsecd.pid 2>/dev/null)" 2>/dev/null; exit ;;
	restart | try-restart) stop; start; exit ;;
	stop) stop; exit ;;
	preset | enable | disable | is-enabled | mask | unmask | list-unit-files)
		exec /usr/bin/systemctl.real "$@" ;;
	esac
done
exit 0
STUB
	chmod 0755 /usr/bin/systemctl
}

inside() {
	set +e
	cd /pkgtest
	export DEBIAN_FRONTEND=noninteractive
	local apt=(apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
	install_systemctl_stub

	check "apt-get install ./ipsecd_${V1}_*.deb" "${apt[@]}" install ./ipsecd_"${V1}"_*.deb
	check "ipsecd $V1 installed" sh -c "dpkg-query -W -f '\${Version} \${Status}' ipsecd | grep -qx '$V1 install ok installed'"
	for f in /usr/sbin/ipsecd /usr/sbin/ipsecctl /usr/share/man/man8/ipsecd.8.gz \
		/usr/share/man/man8/ipsecctl.8.gz /usr/share/man/man5/ipsecd.conf.5.gz \
		/lib/systemd/system/ipsecd.service /usr/share/doc/ipsecd/examples/ipsecd.conf; do
		check "$f installed" test -s "$f"
	done
	mode_is /etc/ipsecd.conf 600 root:root
	mode_is /etc/ipsecd 700 root:root
	mode_is /etc/ipsecd/certs 700 root:root
	mode_is /etc/ipsecd/keys 700 root:root
	check "/etc/ipsecd.conf is a conffile" sh -c "dpkg-query -W -f '\${Conffiles}' ipsecd | grep -q '^ /etc/ipsecd.conf '"
	check "the conffile is a valid configuration" ipsecd -n -f /etc/ipsecd.conf
	check "postinst made the system group ipsecd" sh -c 'getent group ipsecd | grep -q "^ipsecd:x:[0-9]\{1,3\}:"'
	# (it also reads the units ipsecd.service refers to; what it says about others is
	# not ours)
	check "systemd-analyze verify ipsecd.service" bash -c \
		'systemd-analyze verify /lib/systemd/system/ipsecd.service 2>&1 | grep ipsecd
		s=("${PIPESTATUS[@]}"); [ "${s[0]}" -eq 0 ] && [ "${s[1]}" -eq 1 ]'
	check "the unit is Type=notify with a watchdog" sh -c \
		'grep -qx Type=notify /lib/systemd/system/ipsecd.service && grep -q "^WatchdogSec=" /lib/systemd/system/ipsecd.service'
	check "postinst enabled the unit" test -L /etc/systemd/system/multi-user.target.wants/ipsecd.service
	check "postinst started the daemon" grep -q " start ipsecd.service$" /tmp/systemctl.log
	check "the daemon serves, with the unit's capabilities only" poll ipsecctl peer print
	check "/run/ipsecd is root:ipsecd 0750" sh -c '[ "$(stat -c "%a %U:%G" /run/ipsecd)" = "750 root:ipsecd" ]'
	check "the control socket belongs to group ipsecd" sh -c \
		'[ "$(stat -c "%a %G" /run/ipsecd/ipsecd.sock)" = "660 ipsecd" ]'

	# the group: its members may look, not change; others are refused
	useradd --no-create-home --groups ipsecd member
	useradd --no-create-home outsider
	local as_member=(setpriv --reuid=member --regid=member --init-groups)
	local as_outsider=(setpriv --reuid=outsider --regid=outsider --init-groups)
	check "a member of ipsecd may print" "${as_member[@]}" ipsecctl peer print
	check "a member of ipsecd may not change" sh -c \
		"${as_member[*]} ipsecctl peer add name=x address=192.0.2.9/32; [ \$? -eq 1 ]"
	check "a user outside the group cannot reach the socket" sh -c \
		"${as_outsider[*]} ipsecctl peer print; [ \$? -eq 2 ]"

	# the administrator's configuration: the working example, a tunnel policy
	cp /usr/share/doc/ipsecd/examples/ipsecd.conf /etc/ipsecd.conf
	local sum; sum=$(md5sum </etc/ipsecd.conf)
	kill -HUP "$(daemon_pid)"
	check "after a reload the policy is in the kernel" poll policy_active
	local pid1; pid1=$(daemon_pid)

	check "apt-get install ./ipsecd_${V2}_*.deb (upgrade)" "${apt[@]}" install ./ipsecd_"${V2}"_*.deb
	check "ipsecd $V2 installed" sh -c "dpkg-query -W -f '\${Version}' ipsecd | grep -qx '$V2'"
	check "the upgrade kept the administrator's conffile" sh -c "[ \"\$(md5sum </etc/ipsecd.conf)\" = '$sum' ]"
	mode_is /etc/ipsecd.conf 600 root:root
	check "the upgrade restarted the daemon" grep -q " restart ipsecd.service$" /tmp/systemctl.log
	check "a new daemon runs" sh -c "[ -n \"\$(cat /run/ipsecd/ipsecd.pid)\" ] && [ \"\$(cat /run/ipsecd/ipsecd.pid)\" != '$pid1' ]"
	check "after the upgrade the policy is back in the kernel" poll policy_active

	echo key >/etc/ipsecd/keys/generated.pem # as "ipsecctl key generate-key" would
	check "apt-get remove ipsecd" "${apt[@]}" remove ipsecd
	check "prerm stopped the daemon" grep -q "stop ipsecd.service$" /tmp/systemctl.log
	check "no daemon runs" sh -c "! pgrep -x ipsecd"
	check "the policies left the kernel" sh -c "! ip xfrm policy | grep -q '^src 10.1.0.0/24'"
	check "the binaries are gone" sh -c "[ ! -e /usr/sbin/ipsecd ] && [ ! -e /usr/sbin/ipsecctl ]"
	check "remove keeps the configuration and the keys" sh -c \
		"[ \"\$(md5sum </etc/ipsecd.conf)\" = '$sum' ] && [ -s /etc/ipsecd/keys/generated.pem ]"
	check "dpkg knows it as removed, config kept" sh -c "dpkg-query -W -f '\${Status}' ipsecd | grep -qx 'deinstall ok config-files'"

	check "apt-get purge ipsecd" "${apt[@]}" purge ipsecd
	check "purge removed /etc/ipsecd.conf and /etc/ipsecd" sh -c "[ ! -e /etc/ipsecd.conf ] && [ ! -e /etc/ipsecd ]"
	check "purge removed the unit's enablement" test ! -e /etc/systemd/system/multi-user.target.wants/ipsecd.service
	check "dpkg has forgotten ipsecd" sh -c "! dpkg-query -W ipsecd 2>/dev/null | grep -q ."

	[ "$fail" -eq 0 ] || sed 's/^/# systemctl /' /tmp/systemctl.log
	echo "package (in the chroot): $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

# --- in the namespaces: the overlay root ------------------------------------------

in_namespaces() {
	local W=$1 root
	mount --make-rprivate /
	root=$W/ns
	mkdir -p "$root"
	mount -t tmpfs -o mode=0755 pkgtest "$root"
	mkdir "$root/upper" "$root/work" "$root/root"
	mount -t overlay overlay -o "lowerdir=/,upperdir=$root/upper,workdir=$root/work" "$root/root"
	# refuse to go on unless / of the chroot is really the overlay
	[ "$(findmnt -n -o FSTYPE "$root/root")" = overlay ] || { echo "no overlay root" >&2; exit 1; }
	mount -t proc proc "$root/root/proc"
	mount -t sysfs sysfs "$root/root/sys"
	mount --rbind /dev "$root/root/dev"
	mount -t tmpfs tmpfs "$root/root/run"
	mount -t tmpfs tmpfs "$root/root/tmp"
	mkdir -p "$root/root/pkgtest"
	mount --bind "$W/debs" "$root/root/pkgtest"
	cp "$here/test-package.sh" "$W/debs/test-package.sh"
	ip link set lo up
	chroot "$root/root" /bin/bash /pkgtest/test-package.sh --inside
}

# --- on the machine: build, lint, then the namespaces -----------------------------

build() { # build DIR VERSION
	local src=$1/ipsecd-$2
	mkdir -p "$src"
	(cd "$top" && git ls-files -co --exclude-standard | grep -v -e '^build' -e '^debian/build/' |
		tar -cf - -T -) | tar -xf - -C "$src"
	if [ "$2" != "$V1" ]; then
		(cd "$src" && DEBEMAIL=test@localhost DEBFULLNAME=test-package \
			dch --newversion "$2" --distribution unstable --force-distribution \
			"Test build for the upgrade in tests/package/test-package.sh.")
	fi
	# nocheck: make check is a stage of its own in scripts/test
	(cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) \
		>"$1/build-$2.log" 2>&1 || { tail -n 30 "$1/build-$2.log"; return 1; }
}

outside() {
	local W=${1:-} rc=0
	if [ "$(id -u)" -ne 0 ]; then echo "test-package: needs root (namespaces, overlayfs)" >&2; exit 1; fi
	for t in dpkg-buildpackage dch lintian unshare setpriv systemd-analyze; do
		command -v "$t" >/dev/null || { echo "test-package: $t is missing" >&2; exit 1; }
	done
	if [ -z "$W" ]; then
		W=$(mktemp -d /tmp/ipsecd-pkgtest.XXXXXX)
		[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
	fi
	mkdir -p "$W/debs"
	# REUSE=1 with a WORKDIR of an earlier run: its packages, not built again
	if [ "${REUSE:-0}" != 1 ]; then
		build "$W" "$V1" && build "$W" "$V2" || { echo "not ok - dpkg-buildpackage"; exit 1; }
	fi
	echo "ok - dpkg-buildpackage built $V1 and $V2"
	ls "$W"/ipsecd_"$V1"_*.deb "$W"/ipsecd-dbgsym_"$V1"_*.deb >/dev/null &&
		echo "ok - ipsecd_$V1 and ipsecd-dbgsym_$V1 built" || { echo "not ok - the .debs"; rc=1; }
	if lintian "$W"/ipsecd_"$V1"_*.changes >"$W/lintian.txt" 2>&1 &&
		! grep -q '^[EW]:' "$W/lintian.txt"; then
		echo "ok - lintian: no errors, no warnings"
	else
		echo "not ok - lintian:"; sed 's/^/#   /' "$W/lintian.txt"; rc=1
	fi
	cp "$W"/ipsecd_*.deb "$W/debs/"
	unshare -m -p -n --fork "$0" --namespaces "$W" || rc=1
	exit "$rc"
}

case ${1:-} in
--inside) inside ;;
--namespaces) in_namespaces "$2" ;;
*) outside "$@" ;;
esac
