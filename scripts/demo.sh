#!/bin/sh
# demo.sh [stop]: install what is missing, build, and start the incident demo
# in the background: thinwatch-sim plays the growing incident scenario
# (scenario time runs 2.5x real time, so pool0 fills up in about 4 minutes)
# and thinwatch polls it every 5 s.  Checks that both really answer, then
# prints where to look.  Stop it with: sh scripts/demo.sh stop
#
# Environment (default in brackets):
#   THINWATCH_DEMO_DIR         config, logs and pid files [/tmp/thinwatch-demo]
#   THINWATCH_DEMO_WEB_PORT    thinwatch's HTTP port [9817]
#                              (the older name THINWATCH_DEMO_PORT works too)
#   THINWATCH_DEMO_SNMP_PORTS  UDP ports of the two simulated arrays, cas-storage
#                              and healthy-array [16100 16101]
#   THINWATCH_DEMO_SPEED       scenario seconds per wall second [2.5]
#   THINWATCH_DEMO_BINDIR      run the thinwatch and thinwatch-sim built there
#                              and build nothing (tests, out-of-tree builds)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
run=${THINWATCH_DEMO_DIR:-/tmp/thinwatch-demo}
port=${THINWATCH_DEMO_WEB_PORT:-${THINWATCH_DEMO_PORT:-9817}}
snmp_ports=$(echo "${THINWATCH_DEMO_SNMP_PORTS:-16100 16101}" | tr ',' ' ')
speed=${THINWATCH_DEMO_SPEED:-2.5}
bindir=${THINWATCH_DEMO_BINDIR:-}

stop() { # stop every process the demo started, and wait until they are gone
	for p in "$run"/*.pid; do
		[ -f "$p" ] || continue
		pid=$(cat "$p")
		rm -f "$p"
		case "$pid" in '' | *[!0-9]*) continue ;; esac
		kill "$pid" 2>/dev/null || continue
		i=0
		while kill -0 "$pid" 2>/dev/null; do
			i=$((i + 1))
			# 10 s to exit, then SIGKILL and 2 s more
			[ $i -ne 100 ] || kill -9 "$pid" 2>/dev/null || true
			[ $i -le 120 ] || break
			sleep 0.1
		done
	done
}
fail() { # fail MESSAGE LOG: say why, show the log's end, stop what was started
	echo "demo.sh: $1" >&2
	if [ -n "${2:-}" ] && [ -f "$2" ]; then
		echo "--- last lines of $2:" >&2
		tail -n 10 "$2" >&2
	fi
	stop
	exit 1
}
if [ "${1:-}" = stop ]; then
	stop
	echo "demo stopped"
	exit 0
fi

# shellcheck disable=SC2086 # split the port list on purpose
set -- $snmp_ports
if [ $# -ne 2 ]; then
	echo "demo.sh: THINWATCH_DEMO_SNMP_PORTS needs two ports, got '$snmp_ports'" >&2
	exit 2
fi
port_cas=$1
port_healthy=$2

sh "$top/scripts/install-deps.sh" demo
if [ -n "$bindir" ]; then
	: # use the binaries as they are
elif [ -f "$top/Makefile" ]; then
	# Already configured (with whatever flags): bring the programs up to date.
	make -C "$top" -s -j"$(nproc)" thinwatch thinwatch-sim
	bindir=$top
else
	sh "$top/scripts/build.sh"
	bindir=$top
fi
for b in thinwatch thinwatch-sim; do
	[ -x "$bindir/$b" ] || { echo "demo.sh: no $bindir/$b" >&2; exit 1; }
done

mkdir -p "$run"
stop
rm -f "$run/sim.ready"
cat > "$run/thinwatch.yml" <<YML
# thinwatch demo config: polls the simulated arrays of incident-growing.yml
global:
  interval: 5s
  timeout: 3s
targets:
  - name: cas-storage
    driver: snmp
    address: 127.0.0.1:$port_cas
    profile: thinwatch
    snmp: { version: 2c, community: public }
  - name: healthy-array
    driver: snmp
    address: 127.0.0.1:$port_healthy
    profile: thinwatch
    snmp: { version: 2c, community: public }
YML
cd "$run"

# The simulator: wait until it says every array listens, then ask each
# array for sysUpTime over SNMP.
nohup "$bindir/thinwatch-sim" --scenario "$top/tests/scenarios/incident-growing.yml" \
	--speed "$speed" --listen "cas-storage=127.0.0.1:$port_cas" \
	--listen "healthy-array=127.0.0.1:$port_healthy" --ready-file "$run/sim.ready" \
	> "$run/sim.log" 2>&1 &
echo $! > "$run/sim.pid"
sim_pid=$!
i=0
until [ -s "$run/sim.ready" ]; do
	kill -0 "$sim_pid" 2>/dev/null || fail "thinwatch-sim exited at start" "$run/sim.log"
	i=$((i + 1))
	[ $i -le 100 ] || fail "thinwatch-sim did not start listening within 10 s" "$run/sim.log"
	sleep 0.1
done
for p in $port_cas $port_healthy; do
	if ! MIBS="" snmpget -v2c -c public -On -t 1 -r 2 "127.0.0.1:$p" .1.3.6.1.2.1.1.3.0 2>&1 |
		grep -q Timeticks; then
		fail "thinwatch-sim does not answer SNMP on udp 127.0.0.1:$p" "$run/sim.log"
	fi
done

nohup "$bindir/thinwatch" --config.file="$run/thinwatch.yml" --web.listen-address=":$port" \
	--profiles.dir="$top/mibs/profiles" > "$run/thinwatch.log" 2>&1 &
echo $! > "$run/thinwatch.pid"
tw_pid=$!
i=0
until curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; do
	kill -0 "$tw_pid" 2>/dev/null || fail "thinwatch exited at start" "$run/thinwatch.log"
	i=$((i + 1))
	[ $i -le 50 ] || fail "thinwatch did not become ready within 10 s" "$run/thinwatch.log"
	sleep 0.2
done
# Ready means every target was polled once; both must have answered.
m=$(curl -fsS "http://127.0.0.1:$port/metrics") || fail "no answer on /metrics" "$run/thinwatch.log"
for a in cas-storage healthy-array; do
	echo "$m" | grep -qxF "thinwatch_up{array=\"$a\"} 1" ||
		fail "thinwatch cannot poll the simulated array $a" "$run/thinwatch.log"
done
kill -0 "$sim_pid" 2>/dev/null || fail "thinwatch-sim has died" "$run/sim.log"

# incident-growing.yml: pool0 is full 579.4 scenario seconds after the start.
full=$(awk -v s="$speed" 'BEGIN { t = 579.4 / s; if (t >= 120) printf "%.0f minutes", t / 60; else printf "%.0f s", t }')
cat <<MSG

thinwatch demo is running. pool0 of cas-storage fills up over about $full
(scenario time runs ${speed}x real time; thinwatch polls every 5 s):
  status page : http://127.0.0.1:$port/
  metrics     : http://127.0.0.1:$port/metrics
  one target  : http://127.0.0.1:$port/probe?target=cas-storage
  logs        : $run/thinwatch.log, $run/sim.log
  try         : curl -s http://127.0.0.1:$port/metrics | grep -E 'pool_(overcommitted|shortfall|free)'
  stop        : sh $top/scripts/demo.sh stop
MSG
