# rest_lib.sh: helpers shared by the REST integration tests (sourced after
# lib.sh, bash).  API: metrics URL; metric URL SERIES; wait_metric URL SERIES
# VALUE [SECONDS]; wait_metric_ge URL SERIES MIN [SECONDS]; sim_stat BASE KEY
# (curl args from SIM_CURL); wait_stat_ge BASE KEY MIN [SECONDS]; make_cert
# DIR NAME (self-signed cert for 127.0.0.1 via openssl, DIR/NAME.pem + .key);
# start_sim NAME SCENARIO [ARGS...] (waits for the listening lines).

# Never send loopback test traffic through a proxy from the environment.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

SIM_CURL=(-sS -k --max-time 5)

metrics() {
	curl -sS --max-time 5 "$1"
}

# Value of one series (exact label set as printed), or empty.
metric() {
	metrics "$1" | awk -v s="$2" 'index($0, s " ") == 1 && v == "" { v = $2 } END { print v }'
}

wait_metric() {
	local url=$1 series=$2 want=$3 secs=${4:-15} i v
	for ((i = 0; i < secs * 10; i++)); do
		v=$(metric "$url" "$series")
		[ "$v" = "$want" ] && return 0
		sleep 0.1
	done
	echo "timeout waiting for $series == $want (last: '${v:-}')" >&2
	return 1
}

wait_metric_ge() {
	local url=$1 series=$2 min=$3 secs=${4:-15} i v
	for ((i = 0; i < secs * 10; i++)); do
		v=$(metric "$url" "$series")
		if [ -n "$v" ] && awk -v a="$v" -v b="$min" 'BEGIN { exit !(a + 0 >= b + 0) }'; then
			return 0
		fi
		sleep 0.1
	done
	echo "timeout waiting for $series >= $min (last: '${v:-}')" >&2
	return 1
}

# One counter of the simulator's GET /_sim/stats.
sim_stat() {
	curl "${SIM_CURL[@]}" "$1/_sim/stats" | jq -r ".$2"
}

wait_stat_ge() {
	local base=$1 key=$2 min=$3 secs=${4:-20} i v
	for ((i = 0; i < secs * 10; i++)); do
		v=$(sim_stat "$base" "$key")
		[ -n "$v" ] && [ "$v" != null ] && [ "$v" -ge "$min" ] && return 0
		sleep 0.1
	done
	echo "timeout waiting for sim $key >= $min (last: '${v:-}')" >&2
	return 1
}

make_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=$2" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout "$1/$2.key" -out "$1/$2.pem" 2>/dev/null
}

# start_sim NAME SCENARIO [ARGS...]: start thinwatch-sim, wait for its
# ready file (every array listening).
start_sim() {
	local name=$1 scen=$2 i
	shift 2
	rm -f "$TW_BG_DIR/$name.ready"
	start_bg "$name" "$top_builddir/thinwatch-sim" --scenario "$scen" \
		--ready-file "$TW_BG_DIR/$name.ready" "$@"
	for ((i = 0; i < 100; i++)); do
		[ -s "$TW_BG_DIR/$name.ready" ] && return 0
		kill -0 "$(bg_pid "$name")" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
