# lib.sh: shared helpers for the integration tests (sourced, bash).
# Servers run in the background on 127.0.0.1 with ports picked at run
# time; everything started with start_bg is killed and waited for on exit.
# API: free_port udp|tcp; start_bg NAME CMD...; stop_bg NAME; bg_pid NAME;
# bg_log NAME; add_cleanup "shell code"; wait_for_http URL [SECONDS];
# wait_snmp HOST:PORT COMMUNITY [SECONDS]; fail MSG; pass.  A tool a test
# needs and does not find is a failure (fail), never a skip.
set -u
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export MIBS=
TW_BG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/twtest.XXXXXX")
TW_CLEANUP=()
declare -A TW_PIDS=()

tw_cleanup() {
	local name pid f found=0
	for name in "${!TW_PIDS[@]}"; do
		pid=${TW_PIDS[$name]}
		kill "$pid" 2>/dev/null
	done
	for name in "${!TW_PIDS[@]}"; do
		wait "${TW_PIDS[$name]}" 2>/dev/null
	done
	for c in "${TW_CLEANUP[@]}"; do eval "$c"; done
	# Sanitizer builds: a background server's ASan/LSan/UBSan report (often
	# printed while it exits on SIGTERM, after the test has passed) is in
	# its log; any report fails the test.
	for f in "$TW_BG_DIR"/*.log; do
		[ -f "$f" ] || continue
		if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f"; then
			echo "FAIL: sanitizer report in the log of ${f##*/}:" >&2
			grep -E -A60 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f" |
				head -n 120 >&2
			found=1
		fi
	done
	rm -rf "$TW_BG_DIR"
	[ "$found" = 0 ] || exit 1
}
trap tw_cleanup EXIT

add_cleanup() { TW_CLEANUP+=("$1"); }

fail() {
	echo "FAIL: $*" >&2
	local f
	for f in "$TW_BG_DIR"/*.log; do
		[ -f "$f" ] || continue
		echo "---- last lines of $(basename "$f") ----" >&2
		tail -n 30 "$f" >&2
	done
	exit 1
}

pass() {
	echo "PASS: ${0##*/}"
	exit 0
}

# free_port udp|tcp: a port that is free on 127.0.0.1 right now.
free_port() {
	python3 - "$1" <<'PY'
import socket, sys
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
PY
}

start_bg() {
	local name=$1
	shift
	"$@" > "$TW_BG_DIR/$name.log" 2>&1 &
	TW_PIDS[$name]=$!
}

bg_pid() { echo "${TW_PIDS[$1]}"; }
bg_log() { echo "$TW_BG_DIR/$1.log"; }

stop_bg() {
	local pid=${TW_PIDS[$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "TW_PIDS[$1]"
}

wait_for_http() {
	local url=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 10; i++)); do
		curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

wait_snmp() {
	local addr=$1 comm=$2 secs=${3:-10} i
	for ((i = 0; i < secs * 5; i++)); do
		snmpget -v2c -c "$comm" -t 0.2 -r 0 -On "$addr" .1.3.6.1.2.1.1.2.0 >/dev/null 2>&1 \
			&& return 0
		sleep 0.2
	done
	return 1
}
