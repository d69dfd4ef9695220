#!/bin/bash
# package-test.sh: build the Debian package, lint it, install it, run it, purge it.
#
# Slow (a full package build) and it changes the machine (installs and purges
# the thinwatch package and its system user), so it is not part of `make
# check`; scripts/test.sh runs it after the suite.  Run as root on Debian 12
# with the packages of `scripts/install-deps.sh test`.
#
# Steps, each reported as a "PASS: package/STEP" or "FAIL: package/STEP" line:
#  1. copy the source tree (files git knows or would track, without build
#     outputs) to a scratch directory and link packaging/debian there as
#     ./debian.  A symlink keeps one copy of the packaging; `dpkg-buildpackage
#     -b` builds binary packages only and never runs dpkg-source, which is the
#     tool that would want a real debian/ directory (for a source package,
#     `cp -r packaging/debian debian` instead).
#  2. dpkg-buildpackage -us -uc -b
#  3. lintian on the .changes: no errors (warnings are printed; the accepted
#     ones are listed and justified in docs/install.md)
#  4. apt-get install ./thinwatch_*.deb; check the user, files, conffiles,
#     the enabled unit, `systemd-analyze verify` of the installed unit
#  5. thinwatch --version; thinwatch --dry-run on the shipped config as the
#     thinwatch user
#  6. thinwatch-sim with tests/scenarios/incident.yml on a free port, and
#     thinwatch in the foreground as the thinwatch user (setpriv) polling it:
#     /metrics has thinwatch_up{array="cas-storage"} 1; SIGHUP reloads
#  7. apt-get purge: package, user, group, config and unit links are gone
# Artifacts (the .deb, build and lintian logs) go to tests/artifacts/package/.
# Exit status: 0 when every step passed, 1 otherwise.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
start=$(date +%s)
art="$top/tests/artifacts/package"
failed=0
installed_by_us=0
sim_pid="" tw_pid=""

pass() { echo "PASS: package/$1"; }
fail() {
	echo "FAIL: package/$1${2:+: $2}"
	failed=1
}
# Stop here: later steps depend on this one.
die() {
	fail "$@"
	exit 1
}

cleanup() {
	local p
	for p in $tw_pid $sim_pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	if [ "$installed_by_us" = 1 ] && dpkg-query -W -f='${Status}' thinwatch 2>/dev/null |
		grep -q installed; then
		echo "package-test: purging thinwatch after a failure" >&2
		apt-get purge -y -qq thinwatch >/dev/null 2>&1
	fi
	[ -n "${work:-}" ] && rm -rf "$work"
	echo "package-test: $(( $(date +%s) - start ))s"
	if [ "$failed" = 0 ]; then
		echo "PASS: package-test.sh"
	else
		echo "FAIL: package-test.sh"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- preconditions ----
[ "$(id -u)" = 0 ] || die preconditions "run as root (installs and purges a package)"
for t in dpkg-buildpackage dh lintian apt-get curl python3 setpriv systemd-analyze man; do
	command -v "$t" >/dev/null || die preconditions "$t missing; run: sh scripts/install-deps.sh test"
done
if dpkg-query -W -f='${Status}' thinwatch 2>/dev/null | grep -q 'install ok'; then
	die preconditions "thinwatch is already installed; purge it first (apt-get purge thinwatch)"
fi
if getent passwd thinwatch >/dev/null; then
	die preconditions "a user 'thinwatch' exists already; the purge step would remove it"
fi
# Keep package scripts from starting services (none run here: PID 1 is not systemd).
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d; cleanup' EXIT
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/twpkg.XXXXXX")
chmod 755 "$work"
rm -rf "$art"
mkdir -p "$art"

# ---- 1. a clean copy of the tree with ./debian ----
version=$(sed -n 's/^AC_INIT(\[thinwatch\], \[\([^]]*\)\].*/\1/p' "$top/configure.ac")
[ -n "$version" ] || die copy "no version in configure.ac"
src="$work/thinwatch-$version"
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Files git tracks or would track (not ignored), that exist.
	git -C "$top" ls-files -z --cached --others --exclude-standard |
		python3 -c '
import os, shutil, sys
top, dst = sys.argv[1], sys.argv[2]
for rel in sys.stdin.buffer.read().split(b"\0"):
    if not rel:
        continue
    rel = rel.decode()
    s, d = os.path.join(top, rel), os.path.join(dst, rel)
    if not os.path.lexists(s) or os.path.isdir(s) and not os.path.islink(s):
        continue
    os.makedirs(os.path.dirname(d), exist_ok=True)
    if os.path.islink(s):
        os.symlink(os.readlink(s), d)
    else:
        shutil.copy2(s, d)
' "$top" "$src" || die copy "copying the git file list failed"
else
	# An unpacked release tarball: copy it and drop any in-tree build.
	cp -a "$top/." "$src/" || die copy "cp failed"
	[ -f "$src/Makefile" ] && make -C "$src" -s distclean >/dev/null 2>&1
fi
rm -rf "$src/debian" "$src/tests/artifacts"
ln -s packaging/debian "$src/debian"
if [ ! -f "$src/debian/control" ] || [ ! -x "$src/debian/rules" ]; then
	die copy "debian/ link is broken"
fi
pass copy

# ---- 2. build ----
echo "package-test: dpkg-buildpackage -us -uc -b (log: $art/build.log)"
if (cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
	> "$art/build.log" 2>&1; then
	pass build
else
	tail -n 40 "$art/build.log"
	die build "dpkg-buildpackage failed"
fi
deb=$(find "$work" -maxdepth 1 -name 'thinwatch_*.deb' | head -n 1)
changes=$(find "$work" -maxdepth 1 -name 'thinwatch_*.changes' | head -n 1)
if [ -z "$deb" ] || [ -z "$changes" ]; then
	die build "no .deb or .changes in $work"
fi
cp "$deb" "$changes" "$work"/thinwatch_*.buildinfo "$art/"
debver=$(dpkg-deb -f "$deb" Version)
case "$debver" in
"$version"-*) pass version ;;
*) fail version "package version $debver does not start with configure's $version-" ;;
esac

# ---- 3. lintian ----
lintian --info --display-level '>=warning' "$changes" > "$art/lintian.txt" 2>&1
lrc=$?
errors=$(grep -c '^E: ' "$art/lintian.txt")
warnings=$(grep -c '^W: ' "$art/lintian.txt")
echo "package-test: lintian: $errors error(s), $warnings warning(s)"
grep -E '^(E|W): ' "$art/lintian.txt" | sed 's/^/  /'
if [ "$errors" = 0 ] && [ $lrc = 0 ]; then
	pass lintian
else
	fail lintian "lintian reported errors (exit $lrc); see $art/lintian.txt"
fi

# ---- 4. install ----
export DEBIAN_FRONTEND=noninteractive
if apt-get install -y -qq --no-install-recommends "$deb" > "$art/install.log" 2>&1; then
	installed_by_us=1
	pass install
else
	cat "$art/install.log"
	die install "apt-get install failed"
fi

ok=1
u=$(getent passwd thinwatch)
if [ -z "$u" ]; then
	fail user "no thinwatch user"; ok=0
else
	IFS=: read -r _ _ uid _ _ home shell <<< "$u"
	[ "$uid" -lt 1000 ] || { fail user "uid $uid is not a system uid"; ok=0; }
	[ "$home" = /nonexistent ] || { fail user "home is $home"; ok=0; }
	[ "$shell" = /usr/sbin/nologin ] || { fail user "shell is $shell"; ok=0; }
	getent group thinwatch >/dev/null || { fail user "no thinwatch group"; ok=0; }
fi
[ $ok = 1 ] && pass user

ok=1
for f in /usr/bin/thinwatch /usr/bin/thinwatch-sim /etc/thinwatch/thinwatch.yml \
	/etc/default/thinwatch /lib/systemd/system/thinwatch.service \
	/usr/share/thinwatch/mibs/THINWATCH-MIB.txt /usr/share/thinwatch/profiles/thinwatch.yml \
	/usr/share/thinwatch/prometheus/thinwatch-rules.yml \
	/usr/share/thinwatch/scenarios/incident.yml \
	/usr/share/man/man8/thinwatch.8.gz /usr/share/man/man5/thinwatch.yml.5.gz \
	/usr/share/man/man1/thinwatch-sim.1.gz /usr/share/doc/thinwatch/copyright; do
	[ -e "$f" ] || { fail files "$f missing"; ok=0; }
done
# Every MIB, profile and dashboard of the tree is installed.
for f in "$top"/mibs/*.txt "$top"/mibs/profiles/*.yml "$top"/dashboards/*.json; do
	[ -e "$f" ] || continue
	case "$f" in
	*/profiles/*) d=profiles ;;
	*/mibs/*) d=mibs ;;
	*) d=dashboards ;;
	esac
	[ -e "/usr/share/thinwatch/$d/${f##*/}" ] ||
		{ fail files "/usr/share/thinwatch/$d/${f##*/} missing (from ${f#"$top"/})"; ok=0; }
done
conffiles=$(dpkg-query -W -f='${Conffiles}\n' thinwatch)
for f in /etc/thinwatch/thinwatch.yml /etc/default/thinwatch; do
	grep -q " $f " <<< "$conffiles " || { fail files "$f is not a conffile"; ok=0; }
done
[ -L /etc/systemd/system/multi-user.target.wants/thinwatch.service ] ||
	{ fail files "thinwatch.service is not enabled (multi-user.target.wants)"; ok=0; }
man -w thinwatch.yml >/dev/null 2>&1 || { fail files "man thinwatch.yml does not find the page"; ok=0; }
[ $ok = 1 ] && pass files

# The installed unit with the installed binary and man pages: full verify.
if out=$(systemd-analyze verify /lib/systemd/system/thinwatch.service 2>&1) && [ -z "$out" ]; then
	pass unit-verify
else
	fail unit-verify "$out"
fi

# ---- 5. version and dry run ----
v=$(/usr/bin/thinwatch --version 2>&1)
if grep -q "version $version" <<< "$v"; then
	pass thinwatch-version
else
	fail thinwatch-version "got: $v"
fi
as_tw() { env HOME=/nonexistent setpriv --reuid=thinwatch --regid=thinwatch --init-groups -- "$@"; }
if as_tw /usr/bin/thinwatch --dry-run --config.file=/etc/thinwatch/thinwatch.yml \
	> "$art/dry-run.txt" 2>&1; then
	pass dry-run
else
	cat "$art/dry-run.txt"
	fail dry-run "thinwatch --dry-run on /etc/thinwatch/thinwatch.yml failed"
fi

# ---- 6. run against the simulator as the thinwatch user ----
free_port() {
	python3 -c 'import socket,sys
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1]=="udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "$1"
}
snmp_port=$(free_port udp)
web_port=$(free_port tcp)
install -m 0644 "$top/tests/scenarios/incident.yml" "$work/incident.yml"
cat > "$work/tw.yml" <<YML
global: { interval: 2s, timeout: 1s, retries: 1 }
targets:
  - name: cas-storage
    driver: snmp
    address: 127.0.0.1:$snmp_port
    profile: thinwatch
    snmp: { version: 2c, community: public }
YML
chmod 644 "$work/tw.yml"
# (setpriv execs: $! is the daemon's own pid, not a wrapper's)
env HOME=/nonexistent setpriv --reuid=thinwatch --regid=thinwatch --init-groups -- \
	/usr/bin/thinwatch-sim --scenario "$work/incident.yml" \
	--listen "cas-storage=127.0.0.1:$snmp_port" > "$work/sim.log" 2>&1 &
sim_pid=$!
env HOME=/nonexistent setpriv --reuid=thinwatch --regid=thinwatch --init-groups -- \
	/usr/bin/thinwatch --config.file="$work/tw.yml" \
	--web.listen-address="127.0.0.1:$web_port" > "$work/thinwatch.log" 2>&1 &
tw_pid=$!
url="http://127.0.0.1:$web_port"
up=""
for _ in $(seq 1 100); do
	kill -0 "$tw_pid" 2>/dev/null || break
	up=$(curl -fsS "$url/metrics" 2>/dev/null | grep '^thinwatch_up{array="cas-storage"} ')
	[ "$up" = 'thinwatch_up{array="cas-storage"} 1' ] && break
	sleep 0.2
done
if [ "$up" = 'thinwatch_up{array="cas-storage"} 1' ]; then
	pass run-metrics
else
	fail run-metrics "no 'thinwatch_up{array=\"cas-storage\"} 1' in /metrics (last: '${up:-none}')"
	tail -n 20 "$work/sim.log" "$work/thinwatch.log"
fi
user=$(stat -c %U "/proc/$tw_pid" 2>/dev/null)
if [ "$user" = thinwatch ]; then
	pass run-user
else
	fail run-user "thinwatch runs as '${user:-?}', expected thinwatch"
fi
metrics=$(curl -fsS "$url/metrics" 2>/dev/null)
if grep -q '^thinwatch_pool_overcommitted{array="cas-storage",pool="pool0"} 1$' <<< "$metrics" &&
	grep -q "^thinwatch_build_info{version=\"$version\"" <<< "$metrics"; then
	pass run-incident
else
	fail run-incident "pool0 not flagged overcommitted or build_info without version $version"
fi
# ExecReload sends SIGHUP: the daemon reloads and keeps serving.
kill -HUP "$tw_pid"
for _ in $(seq 1 50); do
	grep -q 'config reloaded' "$work/thinwatch.log" && break
	sleep 0.1
done
if kill -0 "$tw_pid" 2>/dev/null &&
	curl -fsS "$url/metrics" | grep -q '^thinwatch_config_last_reload_successful 1$' &&
	grep -q 'config reloaded' "$work/thinwatch.log"; then
	pass run-reload
else
	fail run-reload "SIGHUP did not reload (see the log below)"
	tail -n 20 "$work/thinwatch.log"
fi
cp "$work/thinwatch.log" "$work/sim.log" "$art/"
kill "$tw_pid" "$sim_pid" 2>/dev/null
wait "$tw_pid" 2>/dev/null
tw_rc=$?
wait "$sim_pid" 2>/dev/null
tw_pid="" sim_pid=""
if [ "$tw_rc" = 0 ]; then
	pass run-stop
else
	fail run-stop "thinwatch exited $tw_rc on SIGTERM"
fi

# ---- 7. purge ----
if apt-get purge -y -qq thinwatch > "$art/purge.log" 2>&1; then
	installed_by_us=0
	pass purge
else
	cat "$art/purge.log"
	fail purge "apt-get purge failed"
fi
ok=1
if dpkg-query -W -f='${Status}' thinwatch 2>/dev/null | grep -qv 'not-installed'; then
	fail purged "dpkg still knows thinwatch: $(dpkg-query -W -f='${Status}' thinwatch)"; ok=0
fi
getent passwd thinwatch >/dev/null && { fail purged "user thinwatch still exists"; ok=0; }
getent group thinwatch >/dev/null && { fail purged "group thinwatch still exists"; ok=0; }
for f in /etc/thinwatch /etc/default/thinwatch /usr/bin/thinwatch /usr/bin/thinwatch-sim \
	/usr/share/thinwatch /usr/share/doc/thinwatch /lib/systemd/system/thinwatch.service \
	/etc/systemd/system/multi-user.target.wants/thinwatch.service \
	/var/lib/systemd/deb-systemd-helper-enabled/thinwatch.service.dsh-also; do
	[ -e "$f" ] || [ -L "$f" ] && { fail purged "$f is left"; ok=0; }
done
[ $ok = 1 ] && pass purged

[ "$failed" = 0 ]
