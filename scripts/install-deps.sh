#!/bin/sh
# install-deps.sh [build|demo|test]: install (as root, with apt-get) the Debian
# packages thinwatch needs that are not installed yet.  Services that Debian
# would start on install (snmpd, prometheus, alertmanager, ...) are kept from
# starting: thinwatch's demo and tests start their own servers on loopback.
set -eu
what=${1:-test}

build="autoconf automake libtool pkg-config make gcc libc6-dev libsnmp-dev libcurl4-openssl-dev libgnutls28-dev
libjansson-dev libmicrohttpd-dev libyaml-dev libcmocka-dev libcrypt-dev ca-certificates"
demo="snmp curl python3"
test="snmp snmpd curl python3 prometheus prometheus-alertmanager prometheus-snmp-exporter smitools
erlang-snmp valgrind clang libclang-rt-14-dev chromium openssl gnutls-bin git
build-essential dpkg-dev debhelper lintian systemd man-db groff-base rpm rpmlint python3-yaml"

case "$what" in
build) pkgs="$build" ;;
demo) pkgs="$build $demo" ;;
test) pkgs="$build $demo $test" ;;
*) echo "usage: $0 build|demo|test" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# Node.js + npm for the dashboard schema check (any recent node will do).
if [ "$what" = test ] && ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing; run as root (or install them) and retry" >&2
	exit 1
fi
# Keep package scripts from starting daemons on install.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
