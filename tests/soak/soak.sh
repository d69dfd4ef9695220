#!/bin/bash
# soak.sh: thinwatch under a long, hostile, steady load (not part of make
# check).  One thinwatch-sim serves N SNMP arrays (default 50) whose fault
# personalities flip every 5 s through the simulator's control endpoint
# (none most of the time; drop, delay 300 ms and 1500 ms, auth, garbage,
# truncate, loop, endofmib, vanish, wrong_type, c64max otherwise);
# thinwatch polls them all every second (timeout 1s, backoff_max 4s,
# staleness 4s) while a load generator scrapes /metrics at a steady rate
# (default 20/s from 2 clients) and a SIGHUP reload every 20 s alternates
# one target's interval (so a target state is dropped and recreated).
# Every 2 s it samples thinwatch's RSS (VmRSS) and open file descriptors
# (/proc/PID/fd); at the end it prints RSS and fds over time, scrape
# latency percentiles, scrape errors, polls and failures by reason.
#
# Usage: tests/soak/soak.sh [--short] [--targets N] [--rate R]
#                           [--rss-growth PCT] [--report FILE] [MINUTES]
#   MINUTES   run length (default 10); --short = 1 minute (CI)
#   --report  append the summary (markdown) to FILE
# Exit status: 0, or 1 if thinwatch died, a scrape failed, RSS grew by more
# than PCT % (default 10) between the end of the warm-up (the first 20 % of
# the run, at least 20 s) and the last 20 % of the run (medians), or the
# most open descriptors seen in the last 20 % exceed the most seen in the
# 20 % after the warm-up by more than 4 (or ever exceed 2 per target + 32).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/integration/lib.sh"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
export PYTHONDONTWRITEBYTECODE=1 # twprobe.py: no __pycache__ in the source tree

minutes=10
targets=50
rate=20
growth=10
report=""
while [ $# -gt 0 ]; do
	case $1 in
	--short) minutes=1 ;;
	--targets) targets=$2; shift ;;
	--rate) rate=$2; shift ;;
	--rss-growth) growth=$2; shift ;;
	--report) report=$2; shift ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	[0-9]*) minutes=$1 ;;
	*) echo "soak.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
	shift
done

SIM="$top_builddir/thinwatch-sim"
TW="$top_builddir/thinwatch"
[ -x "$SIM" ] && [ -x "$TW" ] || { echo "soak.sh: build thinwatch and thinwatch-sim first" >&2; exit 2; }
work=$(mktemp -d)
add_cleanup "rm -rf '$work'"
ctl=$(free_port tcp)
web=$(free_port tcp)

echo "arrays:" > "$work/scenario.yml"
printf 'global:\n  interval: 1s\n  timeout: 1s\n  retries: 0\n  backoff_max: 4s\n  staleness: 4s\ntargets:\n' \
	> "$work/head.yml"
: > "$work/targets.yml"
used=" "
for i in $(seq 1 "$targets"); do
	p=$(free_port udp)
	while [[ "$used" == *" $p "* ]]; do p=$(free_port udp); done
	used="$used$p "
	cat >> "$work/scenario.yml" <<YML
  - name: a$i
    snmp: { listen: 127.0.0.1:$p, community: public }
    pools:
      - name: p1
        capacity: 100TiB
        volumes_generate: { count: 20, name_format: "vol%03u", provisioned: 8TiB, consumed: 1TiB }
      - name: p2
        capacity: 50TiB
        volumes:
          - { name: big, provisioned: 40TiB, consumed: 10TiB, growth: 1GiB }
YML
	[ "$i" = "$targets" ] && last=$p && continue
	printf '  - { name: a%s, driver: snmp, address: "127.0.0.1:%s", profile: thinwatch }\n' \
		"$i" "$p" >> "$work/targets.yml"
done
# the last target alternates between two intervals at each reload
for v in 1 2; do
	{
		cat "$work/head.yml" "$work/targets.yml"
		printf '  - { name: a%s, driver: snmp, address: "127.0.0.1:%s", profile: thinwatch, interval: %ss }\n' \
			"$targets" "$last" "$v"
	} > "$work/thinwatch-$v.yml"
done
cp "$work/thinwatch-1.yml" "$work/thinwatch.yml"

start_bg sim "$SIM" --scenario "$work/scenario.yml" --control "127.0.0.1:$ctl"
wait_snmp "127.0.0.1:$last" public 20 || fail "simulator not answering"
wait_for_http "http://127.0.0.1:$ctl/stats" 10 || fail "control endpoint"
start_bg thinwatch "$TW" --config.file="$work/thinwatch.yml" --web.listen-address="127.0.0.1:$web"
wait_for_http "http://127.0.0.1:$web/-/ready" 30 || fail "thinwatch not ready"
echo "soak: $targets targets, $minutes min, $rate scrapes/s, faults flip every 5 s"

TWPID=$(bg_pid thinwatch) TWLOG=$(bg_log thinwatch) WEB=$web CTL=$ctl SECS=$((minutes * 60)) \
RATE=$rate GROWTH=$growth NTARGETS=$targets WORK=$work REPORT=$report \
PYTHONPATH="$top_srcdir/tests/integration" python3 - <<'PY'
import os, shutil, signal, sys, threading, time
from twprobe import *

pid, secs = int(os.environ['TWPID']), int(os.environ['SECS'])
url = 'http://127.0.0.1:%s/metrics' % os.environ['WEB']
ctl, work = '127.0.0.1:' + os.environ['CTL'], os.environ['WORK']
rate, growth, n = float(os.environ['RATE']), float(os.environ['GROWTH']), int(os.environ['NTARGETS'])
FAULTS = ['none', 'drop', 'none', ('delay', {'delay_ms': 300}), 'none', 'auth', 'none',
          'garbage', 'none', 'truncate', 'none', ('loop', {'rows': 5}), 'none',
          ('endofmib', {'rows': 7}), 'none', ('vanish', {'rows': 3}), 'none', 'wrong_type',
          'none', 'c64max', 'none', ('delay', {'delay_ms': 1500})]

stop = threading.Event()
lat, errors, lock = [], [], threading.Lock()

def loader():  # each of 2 clients scrapes at rate/2 per second
    period = 2.0 / rate
    nxt = time.time()
    while not stop.is_set():
        t0 = time.time()
        status, body = http('GET', url, timeout=10)
        t1 = time.time()
        with lock:
            lat.append((t0, t1 - t0))
            if status != 200 or 'thinwatch_up' not in body:
                errors.append((t0, status))
        nxt += period
        time.sleep(max(0, nxt - time.time()))

threads = [threading.Thread(target=loader, daemon=True) for _ in range(2)]
for t in threads:
    t.start()

start = time.time()
samples = []  # (t, rss kB, fds)
flips = reloads = 0
epoch = 0
died = None
next_flip = next_reload = next_sample = start
while time.time() < start + secs:
    now = time.time()
    if not alive(pid):
        died = now - start
        break
    if now >= next_sample:
        try:
            samples.append((now - start, rss_kb(pid), open_fds(pid)))
        except OSError:
            died = now - start
            break
        next_sample += 2
    if now >= next_flip:
        for i in range(1, n + 1):
            f = FAULTS[(i * 7 + epoch) % len(FAULTS)]
            name, params = (f, {}) if isinstance(f, str) else f
            set_fault(ctl, 'a%d' % i, name, **params)
            flips += 1
        epoch += 1
        next_flip += 5
    if now >= next_reload and now > start + 1:
        reloads += 1
        shutil.copy('%s/thinwatch-%d.yml' % (work, 1 + reloads % 2), '%s/thinwatch.yml' % work)
        os.kill(pid, signal.SIGHUP)
        next_reload = now + 20
    time.sleep(0.1)
stop.set()
for t in threads:
    t.join(15)
end = time.time() - start

# summary
try:
    m = scrape(url)[2]
except Exception:
    m = None
fails = {}
if m:
    for l, v in m.all('thinwatch_poll_errors_total'):
        fails[l['reason']] = fails.get(l['reason'], 0) + v
ups = sum(1 for l, v in m.all('thinwatch_up') if v == 1) if m else 0
stats = sim_stats(ctl)
reqs = sum(a['requests'] for a in stats.values())
warm = max(20.0, 0.2 * end)
tail = 0.8 * end
w_rss = [r for t, r, f in samples if warm <= t < warm + max(10.0, 0.1 * end)]
t_rss = [r for t, r, f in samples if t >= tail]
w_fds = [f for t, r, f in samples if warm <= t < warm + max(10.0, 0.2 * end)]
t_fds = [f for t, r, f in samples if t >= tail]
l_all = [d for t, d in lat]
problems = []
if died is not None:
    problems.append('thinwatch died after %.0f s' % died)
if errors:
    problems.append('%d scrapes failed (first at +%.0f s: %s)' % (len(errors), errors[0][0] - start,
                                                                  errors[0][1]))
if w_rss and t_rss and median(t_rss) > median(w_rss) * (1 + growth / 100.0):
    problems.append('RSS grew from %d kB (after warm-up) to %d kB (last 20 %%): > %g %%'
                    % (median(w_rss), median(t_rss), growth))
# descriptors swing with the number of failing targets (a failed SNMP walk
# closes its session) and scrapes in flight: compare the highs
if w_fds and t_fds and max(t_fds) > max(w_fds) + 4:
    problems.append('open descriptors grew: at most %d after warm-up, %d at the end'
                    % (max(w_fds), max(t_fds)))
if samples and max(f for t, r, f in samples) > 2 * n + 32:
    problems.append('%d open descriptors for %d targets' % (max(f for t, r, f in samples), n))
if not (w_rss and t_rss):
    problems.append('run too short to compare warm-up and end')

out = []
out.append('## soak %s: %d targets, %.0f s, %g scrapes/s, faults flipping every 5 s'
           % (time.strftime('%Y-%m-%d %H:%M'), n, end, rate))
out.append('')
out.append('| t (s) | RSS (kB) | open fds | scrapes | p50 (ms) | p99 (ms) |')
out.append('| ---: | ---: | ---: | ---: | ---: | ---: |')
step = max(1, len(samples) // 10)
for k in range(0, len(samples), step):
    t, r, f = samples[k]
    t2 = samples[min(len(samples) - 1, k + step)][0] if k + step < len(samples) else end
    win = [d for tt, d in lat if t <= tt - start < t2]
    out.append('| %.0f | %d | %d | %d | %.1f | %.1f |' % (t, r, f, len(win),
               1000 * percentile(win, 50), 1000 * percentile(win, 99)))
out.append('')
out.append('- RSS: %d kB after warm-up (median of %d samples from %.0f s), %d kB over the last '
           '20 %% (median), max %d kB' % (median(w_rss) if w_rss else 0, len(w_rss), warm,
                                        median(t_rss) if t_rss else 0,
                                        max(r for t, r, f in samples) if samples else 0))
out.append('- open fds: at most %d after warm-up, at most %d over the last 20 %%, range %d-%d'
           % (max(w_fds) if w_fds else 0, max(t_fds) if t_fds else 0,
              min(f for t, r, f in samples) if samples else 0,
              max(f for t, r, f in samples) if samples else 0))
out.append('- scrapes: %d, failed %d; latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms'
           % (len(l_all), len(errors), 1000 * percentile(l_all, 50), 1000 * percentile(l_all, 90),
              1000 * percentile(l_all, 99), 1000 * max(l_all) if l_all else 0))
out.append('- fault flips: %d (%d epochs), SIGHUP reloads: %d; SNMP requests served: %d'
           % (flips, epoch, reloads, reqs))
out.append('- poll failures by reason: %s; targets up at the end: %d of %d'
           % (', '.join('%s %d' % (k, v) for k, v in sorted(fails.items()) if v) or 'none', ups, n))
out.append('- thinwatch: %s' % ('died after %.0f s' % died if died is not None else
                                'alive, no crash'))
out.append('- verdict: %s' % ('; '.join(problems) if problems else 'PASS'))
text = '\n'.join(out) + '\n'
print(text)
if os.environ.get('REPORT'):
    with open(os.environ['REPORT'], 'a') as f:
        f.write('\n' + text)
sys.exit(1 if problems else 0)
PY
rc=$?
if [ "$rc" = 0 ]; then
	echo "PASS: soak"
else
	echo "FAIL: soak"
	tail -n 20 "$(bg_log thinwatch)"
fi
exit "$rc"
