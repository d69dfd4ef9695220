#!/bin/sh
# demo.sh: install what is missing, build, and start the incident demo in
# the background: thinwatch-sim plays the growing incident scenario (time
# runs 60x faster) and thinwatch polls it.  Prints where to look.
# Stop it with: scripts/demo.sh stop
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
run=${THINWATCH_DEMO_DIR:-/tmp/thinwatch-demo}
port=${THINWATCH_DEMO_PORT:-9817}

stop() {
	for p in "$run"/*.pid; do
		[ -f "$p" ] || continue
		kill "$(cat "$p")" 2>/dev/null || true
		rm -f "$p"
	done
}
if [ "${1:-}" = stop ]; then
	stop
	echo "demo stopped"
	exit 0
fi

sh "$top/scripts/install-deps.sh" demo
sh "$top/scripts/build.sh"
mkdir -p "$run"
stop
cat > "$run/thinwatch.yml" <<YML
# thinwatch demo config: polls the simulated arrays of incident-growing.yml
global:
  interval: 5s
  timeout: 3s
targets:
  - name: cas-storage
    driver: snmp
    address: 127.0.0.1:16100
    profile: thinwatch
    snmp: { version: 2c, community: public }
  - name: healthy-array
    driver: snmp
    address: 127.0.0.1:16101
    profile: thinwatch
    snmp: { version: 2c, community: public }
YML
cd "$run"
nohup "$top/thinwatch-sim" --scenario "$top/tests/scenarios/incident-growing.yml" --speed 60 \
	> "$run/sim.log" 2>&1 &
echo $! > "$run/sim.pid"
sleep 1
nohup "$top/thinwatch" --config.file="$run/thinwatch.yml" --web.listen-address=":$port" \
	--profiles.dir="$top/mibs/profiles" > "$run/thinwatch.log" 2>&1 &
echo $! > "$run/thinwatch.pid"
i=0
until curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 50 ]; then
		echo "thinwatch did not become ready; see $run/thinwatch.log" >&2
		tail -5 "$run/thinwatch.log" >&2
		exit 1
	fi
	sleep 0.2
done
cat <<MSG

thinwatch demo is running (the pool of cas-storage fills up over a few minutes):
  status page : http://127.0.0.1:$port/
  metrics     : http://127.0.0.1:$port/metrics
  one target  : http://127.0.0.1:$port/probe?target=cas-storage
  logs        : $run/thinwatch.log, $run/sim.log
  try         : curl -s http://127.0.0.1:$port/metrics | grep -E 'pool_(overcommitted|shortfall|free)'
  stop        : sh $top/scripts/demo.sh stop
MSG
