# fault_lib.sh: shared set-up of the SNMP fault tests (sourced after lib.sh).
# fault_rig WORKDIR "NAMES..." [GLOBAL_YAML]: one thinwatch-sim (control
# endpoint on $CTL) serving an array per name, a second one (control on
# $CTL2) serving an array "healthy", and thinwatch ($WEB) polling all of
# them with the thinwatch profile over v2c; the names listed in $FAULT_V3
# are polled over SNMPv3 instead (user monitor, authPriv SHA/AES, which
# every array knows).  Every array starts healthy: pool p1 of 10TiB with
# volumes v1..v3 provisioned 1, 2 and 3 TiB.
# Returns once thinwatch is ready; sets CTL CTL2 WEB.

export PYTHONDONTWRITEBYTECODE=1 # twprobe.py: no __pycache__ in the source tree
: "${FAULT_V3:=}"
FAULT_V3_AUTH="v3auth-$RANDOM-$RANDOM"
FAULT_V3_PRIV="v3priv-$RANDOM-$RANDOM"

fault_array_yaml() { # NAME PORT
	cat <<YML
  - name: $1
    snmp:
      listen: 127.0.0.1:$2
      community: public
      users:
        - { name: monitor, auth_protocol: SHA, auth_password: $FAULT_V3_AUTH, priv_protocol: AES, priv_password: $FAULT_V3_PRIV }
    pools:
      - name: p1
        capacity: 10TiB
        volumes:
          - { name: v1, provisioned: 1TiB, consumed: 100GiB, wwn: "600a0b800000000000000001" }
          - { name: v2, provisioned: 2TiB, consumed: 200GiB }
          - { name: v3, provisioned: 3TiB, consumed: 300GiB }
YML
}

fault_target_yaml() { # NAME PORT WORKDIR
	cat <<YML
  - name: $1
    driver: snmp
    address: 127.0.0.1:$2
    profile: thinwatch
YML
	if [[ " $FAULT_V3 " == *" $1 "* ]]; then
		cat <<YML
    snmp: { version: 3, username: monitor, security_level: authPriv, auth_protocol: SHA,
            auth_password_file: $3/v3auth, priv_protocol: AES, priv_password_file: $3/v3priv }
YML
	else
		echo "    snmp: { version: 2c, community: public }"
	fi
}

fault_rig() { # WORKDIR NAMES [GLOBAL_YAML]
	local w=$1 names=$2 global=${3:-}
	local n p hp first="" used=" "
	: "${global:=$(printf '  interval: 1s\n  timeout: 1s\n  retries: 0\n  backoff_max: 4s\n  staleness: 4s\n')}"
	CTL=$(free_port tcp)
	CTL2=$(free_port tcp)
	WEB=$(free_port tcp)
	(umask 077 && printf '%s\n' "$FAULT_V3_AUTH" > "$w/v3auth" &&
		printf '%s\n' "$FAULT_V3_PRIV" > "$w/v3priv")
	echo "arrays:" > "$w/faulty.yml"
	echo "arrays:" > "$w/healthy.yml"
	printf 'global:\n%s\ntargets:\n' "$global" > "$w/thinwatch.yml"
	hp=$(free_port udp)
	used="$used$hp "
	fault_array_yaml healthy "$hp" >> "$w/healthy.yml"
	fault_target_yaml healthy "$hp" "$w" >> "$w/thinwatch.yml"
	for n in $names; do
		p=$(free_port udp)
		while [[ "$used" == *" $p "* ]]; do p=$(free_port udp); done
		used="$used$p "
		fault_array_yaml "$n" "$p" >> "$w/faulty.yml"
		fault_target_yaml "$n" "$p" "$w" >> "$w/thinwatch.yml"
		[ -n "$first" ] || first=$p
	done
	start_bg simA "$SIM" --scenario "$w/faulty.yml" --control "127.0.0.1:$CTL"
	start_bg simB "$SIM" --scenario "$w/healthy.yml" --control "127.0.0.1:$CTL2"
	wait_snmp "127.0.0.1:$first" public || fail "simulator A not answering"
	wait_snmp "127.0.0.1:$hp" public || fail "simulator B not answering"
	wait_for_http "http://127.0.0.1:$CTL/stats" 10 || fail "control endpoint of simulator A"
	wait_for_http "http://127.0.0.1:$CTL2/stats" 10 || fail "control endpoint of simulator B"
	start_bg thinwatch "$TW" --config.file="$w/thinwatch.yml" \
		--web.listen-address="127.0.0.1:$WEB"
	wait_for_http "http://127.0.0.1:$WEB/-/ready" 20 || fail "thinwatch not ready"
}
