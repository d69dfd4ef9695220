#!/usr/bin/env python3
"""tests/bench/bench.py: thinwatch's side-by-side benchmark (issue 5).

Starts an SNMP agent serving an N-row volume table on 127.0.0.1 and, against
that same agent process, in interleaved rounds, measures
  * thinwatch --once (its own thinwatch_poll_duration_seconds, the process
    wall time, CPU and peak RSS from wait4()),
  * snmpbulkwalk -v2c -Cr25 / -Cr50 / -Cr100 (wall, client CPU),
  * prometheus-snmp-exporter scrapes of the same table (wall with curl,
    exporter CPU from /proc, its peak RSS),
  * the agent's CPU time per walk for each client,
then runs the thinwatch daemon with a long interval, waits for the first
poll and times /metrics scrapes with the N volumes cached (time, bytes,
CPU, peak RSS).  Every run is checked: thinwatch exports N volumes,
snmpbulkwalk returns columns x N varbinds, the exporter columns x N series.

Two agents, one after the other: the shared benchagent (../shared/bench,
built from a copy of agents/) when present, and thinwatch-sim with a
generated scenario of N volumes in 16 pools (so the comparison also runs
without ../shared).  --fleet instead runs the fleet modes: 500 simulated
SNMP arrays x 1,000 volumes, and 100 REST (purefa) arrays x 1,000 volumes.

Output: Markdown tables and goal checks on stdout (and --report FILE), one
"BENCH key=value ..." line per figure, every sample in --json FILE.
Python 3 standard library only.  Every process it starts is stopped by PID.
"""

import argparse
import datetime
import http.client
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SRCDIR = os.path.abspath(os.path.join(HERE, "..", ".."))

BENCH_ENTRY = "1.3.6.1.4.1.99999.1.1.1"       # BENCH-STORAGE-MIB volEntry
TW_VOL_ENTRY = "1.3.6.1.4.1.424242.1.3.1"     # THINWATCH-MIB twVolumeEntry


def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# ---------------------------------------------------------------------------
# processes: every long-running child is registered and stopped by PID


class Procs:
    def __init__(self):
        self.live = []

    def start(self, name, argv, logpath, env, stdout=None):
        lf = open(logpath, "ab")
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                             stdout=stdout if stdout is not None else lf, stderr=lf, env=env)
        lf.close()
        p.bench_name = name
        p.bench_log = logpath
        self.live.append(p)
        return p

    def stop(self, p, timeout=10.0):
        if p is None:
            return
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"{p.bench_name} (pid {p.pid}) ignored SIGTERM; killing it")
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
        if p in self.live:
            self.live.remove(p)

    def stop_all(self):
        for p in reversed(list(self.live)):
            self.stop(p)


def on_sigterm(signum, frame):
    raise KeyboardInterrupt()


# ---------------------------------------------------------------------------
# /proc readings


def proc_cpu_s(pid):
    """On-CPU seconds of every thread of pid: the sum of
    /proc/PID/task/*/schedstat (ns resolution); /proc/PID/stat utime+stime
    (clock ticks) where schedstat is not available."""
    total, ok = 0, False
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                    total += int(f.read().split()[0])
                    ok = True
            except (OSError, ValueError, IndexError):
                pass
    except OSError:
        pass
    if ok:
        return total / 1e9
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def proc_status_bytes(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return float("nan")


# ---------------------------------------------------------------------------
# ports


def port_free(port, udp):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
    try:
        if not udp:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


class PortPool:
    """Free loopback ports, never the same one twice in a run."""

    def __init__(self):
        self.used = set()

    def take(self, udp):
        for _ in range(200):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            s.close()
            if port not in self.used and port_free(port, not udp):
                self.used.add(port)
                return port
        raise BenchError("no free port found")

    def consecutive(self, count, udp, start=20000):
        base = start
        while base + count < 60000:
            ok = True
            for p in range(base, base + count):
                if p in self.used or not port_free(p, udp):
                    base, ok = p + 1, False
                    break
            if ok:
                self.used.update(range(base, base + count))
                return base
        raise BenchError(f"no {count} consecutive free ports")


# ---------------------------------------------------------------------------
# timed children


GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_timed(argv, out_path, env, err_path=None, peak_rss=False):
    """Run argv to completion; stdout to out_path.  wall (s), cpu (user+sys
    s of the child, from wait4), rc, and with peak_rss its peak RSS (bytes).

    A child's ru_maxrss also counts the RSS of the process it was forked
    from (Linux records the old image's high-water mark at exec), here this
    Python process with its tens of MiB; so the peak RSS comes from GNU
    time (-f %M), whose own small image is what the command is forked
    from.  Without /usr/bin/time it is NaN."""
    rss_file = os.path.join(os.path.dirname(out_path), "maxrss.txt")
    if peak_rss and GNU_TIME:
        argv = [GNU_TIME, "-f", "%M", "-o", rss_file] + list(argv)
    with open(out_path, "wb") as out, open(err_path or os.devnull, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        try:
            _, status, ru = os.wait4(p.pid, 0)
        except BaseException:
            # interrupted (Ctrl-C, SIGTERM): stop this child by its pid too
            p.kill()
            p.wait()
            raise
        t1 = time.perf_counter()
    p.returncode = os.waitstatus_to_exitcode(status)
    r = {"wall": t1 - t0, "cpu": ru.ru_utime + ru.ru_stime, "rc": p.returncode,
         "maxrss": float("nan")}
    if peak_rss and GNU_TIME:
        try:
            with open(rss_file) as f:
                r["maxrss"] = int(f.read().split()[-1]) * 1024
        except (OSError, ValueError, IndexError):
            pass
    return r


class Http:
    """Timed GETs: curl -w '%{time_total}' when installed (as the shared
    baseline did), else http.client."""

    def __init__(self, work, env):
        self.curl = shutil.which("curl")
        self.work = work
        self.env = env

    def get(self, url, out_path):
        """-> (http status, seconds, bytes)."""
        if self.curl:
            meta = os.path.join(self.work, "curl.meta")
            r = run_timed([self.curl, "-sS", "-o", out_path, "-w",
                           "%{http_code} %{time_total} %{size_download}", url],
                          meta, self.env)
            with open(meta) as f:
                parts = f.read().split()
            if r["rc"] != 0 or len(parts) != 3:
                return 0, r["wall"], 0
            return int(parts[0]), float(parts[1]), int(float(parts[2]))
        host, port, path = split_url(url)
        t0 = time.perf_counter()
        c = http.client.HTTPConnection(host, port, timeout=120)
        try:
            c.request("GET", path)
            resp = c.getresponse()
            body = resp.read()
            status = resp.status
        except OSError:
            return 0, time.perf_counter() - t0, 0
        finally:
            c.close()
        dt = time.perf_counter() - t0
        with open(out_path, "wb") as f:
            f.write(body)
        return status, dt, len(body)


def split_url(url):
    m = re.match(r"https?://([^:/]+):(\d+)(/.*)?$", url)
    return m.group(1), int(m.group(2)), m.group(3) or "/"


def http_status(url, timeout=2.0, insecure_tls=False):
    host, port, path = split_url(url)
    try:
        if url.startswith("https:"):
            ctx = ssl.create_default_context()
            if insecure_tls:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            c = http.client.HTTPSConnection(host, port, timeout=timeout, context=ctx)
        else:
            c = http.client.HTTPConnection(host, port, timeout=timeout)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, body
    except (OSError, http.client.HTTPException):
        return 0, b""


def wait_until(pred, timeout, what, proc=None, step=0.02):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            tail = ""
            try:
                with open(proc.bench_log, "rb") as f:
                    tail = f.read()[-1500:].decode("utf-8", "replace")
            except (OSError, AttributeError):
                pass
            raise BenchError(f"{what}: process exited with {proc.returncode}\n{tail}")
        if pred():
            return
        time.sleep(step)
    raise BenchError(f"{what}: not ready after {timeout:g}s")


# ---------------------------------------------------------------------------
# exposition helpers (bytes in, fast: no full parse of multi-MB bodies)


def count_prefix(data, prefix):
    n = data.count(b"\n" + prefix)
    return n + (1 if data.startswith(prefix) else 0)


def family(data, name):
    """{labels-text: value-text} of one family's samples, found through its
    '# TYPE' line (families are contiguous in the text format)."""
    out = {}
    key = b"# TYPE " + name + b" "
    i = data.find(key)
    if i < 0:
        return out
    i = data.find(b"\n", i)
    while i >= 0 and i + 1 < len(data):
        j = data.find(b"\n", i + 1)
        line = data[i + 1:j if j >= 0 else len(data)]
        if line.startswith(b"#") or not line.startswith(name):
            break
        rest = line[len(name):]
        if rest.startswith(b"{"):
            k = rest.rfind(b"}")
            out[rest[1:k].decode("utf-8", "replace")] = rest[k + 1:].strip().decode()
        else:
            out[""] = rest.strip().decode()
        i = j
    return out


def sample_value(data, name):
    """Value of the first sample of metric `name` (any labels), or None."""
    i = data.find(b"\n" + name)
    while i >= 0:
        j = data.find(b"\n", i + 1)
        line = data[i + 1:j if j >= 0 else len(data)]
        rest = line[len(name):]
        if rest[:1] in (b"{", b" "):
            try:
                return float(line.rsplit(b" ", 1)[1])
            except (ValueError, IndexError):
                return None
        i = data.find(b"\n" + name, i + 1)
    return None


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


# ---------------------------------------------------------------------------
# configs we write


def exporter_module(module, entry, cols, maxreps):
    """snmp_exporter 0.21 (old format: auth/version inside the module).
    cols: [(suffix, metric name, type, help)]; the first DisplayString
    column is the name looked up for the others, as the shared config does."""
    name_col = next(c for c in cols if c[2] == "DisplayString")
    out = [f"{module}:", "  walk:", f"  - {entry}", "  version: 2",
           f"  max_repetitions: {maxreps}", "  retries: 3", "  timeout: 10s", "  auth:",
           "    community: public", "  metrics:"]
    for suffix, name, typ, hlp in cols:
        out += [f"  - name: {name}", f"    oid: {entry}.{suffix}", f"    type: {typ}",
                f"    help: {hlp} - {entry}.{suffix}", "    indexes:",
                "    - labelname: volIndex", "      type: gauge"]
        if (suffix, name) != (name_col[0], name_col[1]):
            out += ["    lookups:", "    - labels: [volIndex]", "      labelname: volName",
                    f"      oid: {entry}.{name_col[0]}", "      type: DisplayString"]
    return "\n".join(out) + "\n"


BENCH_EXPORTER_COLS = [
    (2, "benchVolName", "DisplayString", "Volume name"),
    (3, "benchVolProvisionedBytes", "counter", "Provisioned bytes"),
    (4, "benchVolConsumedBytes", "counter", "Consumed bytes"),
    (5, "benchVolPoolIndex", "gauge", "Pool index"),
    (6, "benchVolThin", "gauge", "Thin provisioned (TruthValue 1=true 2=false)"),
]
TW_EXPORTER_COLS = [
    (2, "twVolumeName", "DisplayString", "Volume name"),
    (3, "twVolumePoolIndex", "gauge", "Pool index"),
    (4, "twVolumeProvisioned", "counter", "Provisioned bytes"),
    (5, "twVolumeConsumed", "counter", "Consumed bytes"),
    (6, "twVolumeThin", "gauge", "Thin provisioned (TruthValue 1=true 2=false)"),
    (7, "twVolumeWwn", "DisplayString", "Volume WWN"),
]


def tw_config(path, targets, interval, timeout, concurrency=None, maxreps=None, inflight=None):
    """targets: [(name, address, profile)] for SNMP."""
    lines = ["global:", f"  interval: {interval}", f"  timeout: {timeout}", "  retries: 1"]
    if concurrency:
        lines.append(f"  concurrency: {concurrency}")
    lines.append("targets:")
    for name, addr, profile in targets:
        lines += [f"  - name: {name}", "    driver: snmp", f"    address: {addr}",
                  f"    profile: {profile}", "    snmp:", "      version: 2c",
                  "      community: public"]
        if maxreps:
            lines.append(f"      max_repetitions: {maxreps}")
        if inflight:
            lines.append(f"      max_inflight: {inflight}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def split_counts(total, parts):
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def sim_array_yaml(name, listen_line, nvol, npools, start=1, extra=None):
    """One thinwatch-personality array with nvol generated volumes spread
    over npools pools (10 TiB provisioned, 100 GiB consumed each; pools
    overcommitted 2x)."""
    lines = [f"  - name: {name}", "    personality: " + (extra or "thinwatch"), listen_line,
             "    pools:"]
    first = start
    for p, cnt in enumerate(split_counts(nvol, npools)):
        cap = max(cnt, 1) * 5 * 2**40
        lines += [f"      - name: pool{p + 1}", f"        capacity: {cap}"]
        if cnt:
            lines += ["        volumes_generate:", f"          count: {cnt}",
                      f"          start: {first}", "          name_format: vol%06u",
                      "          provisioned: 10TiB", "          consumed: 100GiB",
                      "          thin: true"]
        first += cnt
    return lines


# ---------------------------------------------------------------------------
# agents


class Agent:
    kind = ""
    entry = ""
    ncols = 0
    exporter_module = ""

    def __init__(self, ctx, port):
        self.ctx = ctx
        self.port = port
        self.proc = None

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        self.ctx.procs.stop(self.proc)
        self.proc = None


class BenchAgent(Agent):
    """The shared C agent (../shared/bench/agents/benchagent.c), built from a
    copy of agents/ (the shared tree may be read-only)."""
    kind = "benchagent"
    entry = BENCH_ENTRY
    ncols = 5
    exporter_module = "bench_r50"

    def __init__(self, ctx, port, shared):
        super().__init__(ctx, port)
        w = ctx.work
        adir = os.path.join(w, "agents")
        shutil.copytree(os.path.join(shared, "agents"), adir)
        for root, dirs, files in os.walk(adir):
            for x in dirs + files:
                os.chmod(os.path.join(root, x), 0o755 if x in dirs else 0o644)
        r = subprocess.run(["make", "-C", adir], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, env=ctx.env)
        if r.returncode != 0:
            raise BenchError("building benchagent failed:\n" + r.stdout.decode()[-2000:])
        self.bin = os.path.join(adir, "benchagent")
        self.conf = os.path.join(w, "benchagent.conf")
        shutil.copyfile(os.path.join(shared, "conf", "benchagent.conf"), self.conf)
        self.exporter_cfg = os.path.join(w, "snmp_exporter-bench.yml")
        src = os.path.join(shared, "conf", "snmp_exporter.yml")
        if os.path.exists(src):
            shutil.copyfile(src, self.exporter_cfg)
        else:
            with open(self.exporter_cfg, "w") as f:
                f.write(exporter_module("bench_r50", BENCH_ENTRY, BENCH_EXPORTER_COLS, 50))
        self.profile = os.path.join(ctx.srcdir, "tests", "bench", "benchagent-profile.yml")

    def start(self, n):
        self.proc = self.ctx.procs.start(
            "benchagent", [self.bin, "-n", str(n), "-a", f"udp:{self.address}", "-c", self.conf],
            os.path.join(self.ctx.work, "benchagent.log"), self.ctx.env)
        snmpget = shutil.which("snmpget")
        oid = f"{BENCH_ENTRY}.2.1"
        if snmpget:
            wait_until(lambda: subprocess.run(
                [snmpget, "-v2c", "-c", "public", "-r0", "-t0.3", self.address, oid],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env=self.ctx.env).returncode == 0, 20, "benchagent", self.proc)
        else:
            time.sleep(1.0)


class SimAgent(Agent):
    """thinwatch-sim serving a generated scenario: one array, N volumes in
    16 pools, THINWATCH-MIB (volume table: 6 columns, wwn empty)."""
    kind = "thinwatch-sim"
    entry = TW_VOL_ENTRY
    ncols = 6
    exporter_module = "tw_r50"

    def __init__(self, ctx, port):
        super().__init__(ctx, port)
        self.exporter_cfg = os.path.join(ctx.work, "snmp_exporter-sim.yml")
        with open(self.exporter_cfg, "w") as f:
            f.write(exporter_module("tw_r50", TW_VOL_ENTRY, TW_EXPORTER_COLS, 50))
        self.profile = os.path.join(ctx.srcdir, "mibs", "profiles", "thinwatch.yml")

    def start(self, n):
        scen = os.path.join(self.ctx.work, f"sim-{n}.yml")
        lines = ["arrays:"] + sim_array_yaml(
            "bench", f"    snmp: {{ listen: {self.address}, community: public }}", n, 16)
        if self.ctx.args.latency_ms:
            lines.insert(3, f"    fault: {{ type: delay, delay_ms: {self.ctx.args.latency_ms} }}")
        with open(scen, "w") as f:
            f.write("\n".join(lines) + "\n")
        ready = os.path.join(self.ctx.work, "sim.ready")
        if os.path.exists(ready):
            os.unlink(ready)
        self.proc = self.ctx.procs.start(
            "thinwatch-sim", [self.ctx.sim, "--scenario", scen, "--ready-file", ready,
                              "--log.level", "warn"],
            os.path.join(self.ctx.work, "sim.log"), self.ctx.env, stdout=subprocess.DEVNULL)
        wait_until(lambda: os.path.exists(ready), 120, "thinwatch-sim", self.proc)


# ---------------------------------------------------------------------------
# measurements


class Ctx:
    pass


def fmt_s(v):
    if v is None or v != v:
        return "–"
    if v < 1.0:
        return f"{v * 1000:.1f} ms" if v < 0.1 else f"{v * 1000:.0f} ms"
    return f"{v:.2f} s"


def fmt_mib(v):
    if v is None or v != v:
        return "–"
    return f"{v / 2**20:.1f} MiB"


def fmt_int(v):
    if v is None or v != v:
        return "–"
    return f"{int(v):,}"


def fmt_ratio(a, b):
    if a is None or b is None or a != a or b != b or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def med(xs):
    xs = [x for x in xs if x is not None and x == x]
    return statistics.median(xs) if xs else float("nan")


def runs_for(n, forced):
    if forced:
        return forced
    if n <= 2000:
        return 15
    if n <= 20000:
        return 9
    return 7


class Recorder:
    def __init__(self):
        self.samples = []      # raw samples
        self.figures = []      # (agent, n, tool, metric, value)
        self.failures = []

    def fail(self, what):
        log("VERIFY FAILED:", what)
        self.failures.append(what)

    def figure(self, agent, n, tool, metric, value):
        self.figures.append((agent, n, tool, metric, value))

    def get(self, agent, n, tool, metric):
        for a, nn, t, m, v in self.figures:
            if (a, nn, t, m) == (agent, n, tool, metric):
                return v
        return float("nan")


def measure_agent(ctx, rec, agent, n, runs):
    """One agent process with n rows: interleaved rounds of every client,
    then the thinwatch daemon with the volumes cached."""
    w, env = ctx.work, ctx.env
    kind = agent.kind
    log(f"{kind} n={n}: starting agent on udp {agent.address}")
    agent.start(n)
    exp = None
    try:
        once_cfg = os.path.join(w, f"tw-once-{kind}.yml")
        tw_config(once_cfg, [("bench", agent.address, agent.profile)], "60s", "60s",
                  maxreps=ctx.args.tw_max_repetitions, inflight=ctx.args.tw_max_inflight)
        out = os.path.join(w, "out.txt")
        err = os.path.join(w, "err.txt")
        want_vb = agent.ncols * n

        def tw_once(peak_rss=False):
            a0 = proc_cpu_s(agent.pid)
            r = run_timed([ctx.thinwatch, f"--config.file={once_cfg}", "--log.level=warn",
                           "--once"], out, env, err, peak_rss=peak_rss)
            r["agent_cpu"] = proc_cpu_s(agent.pid) - a0
            data = read_file(out)
            vols = count_prefix(data, b"thinwatch_volume_provisioned_bytes{")
            r["poll"] = sample_value(data, b"thinwatch_poll_duration_seconds")
            r["bytes"] = len(data)
            if r["rc"] != 0 or vols != n:
                rec.fail(f"{kind} n={n}: thinwatch --once rc={r['rc']} exported {vols} "
                         f"volumes, want {n} ({read_file(err)[-300:]!r})")
                r["bad"] = True
            return r

        def bulkwalk(reps):
            def run():
                a0 = proc_cpu_s(agent.pid)
                r = run_timed([ctx.bulkwalk, "-v2c", "-c", "public", f"-Cr{reps}",
                               agent.address, agent.entry], out, env, err)
                r["agent_cpu"] = proc_cpu_s(agent.pid) - a0
                lines = read_file(out).count(b"\n")
                if r["rc"] != 0 or lines != want_vb:
                    rec.fail(f"{kind} n={n}: snmpbulkwalk -Cr{reps} rc={r['rc']} returned "
                             f"{lines} varbinds, want {want_vb}")
                    r["bad"] = True
                return r
            return run

        def exporter():
            url = (f"http://127.0.0.1:{exp_port}/snmp?target={agent.address}"
                   f"&module={agent.exporter_module}")
            a0, e0 = proc_cpu_s(agent.pid), proc_cpu_s(exp.pid)
            status, secs, nbytes = ctx.http.get(url, out)
            r = {"wall": secs, "cpu": proc_cpu_s(exp.pid) - e0,
                 "agent_cpu": proc_cpu_s(agent.pid) - a0, "bytes": nbytes}
            data = read_file(out)
            series = data.count(b"\n") - count_prefix(data, b"#")
            meta = count_prefix(data, b"snmp_scrape_")
            r["walk"] = sample_value(data, b"snmp_scrape_walk_duration_seconds")
            r["series"] = series
            if status != 200 or series - meta != want_vb:
                rec.fail(f"{kind} n={n}: snmp_exporter status {status}, {series - meta} "
                         f"table series, want {want_vb}")
                r["bad"] = True
            return r

        tools = [("thinwatch", tw_once)]
        if ctx.bulkwalk:
            tools += [(f"snmpbulkwalk_r{r}", bulkwalk(r)) for r in (25, 50, 100)]
        if ctx.exporter:
            exp_port = ctx.ports.take(udp=False)
            exp = ctx.procs.start(
                "snmp_exporter", [ctx.exporter, f"--config.file={agent.exporter_cfg}",
                                  f"--web.listen-address=127.0.0.1:{exp_port}",
                                  "--log.level=warn"],
                os.path.join(w, "snmp_exporter.log"), env)
            wait_until(lambda: http_status(f"http://127.0.0.1:{exp_port}/")[0] == 200, 30,
                       "snmp_exporter", exp)
            exp_idle = proc_status_bytes(exp.pid, "VmRSS")
            tools.append(("snmp_exporter", exporter))

        got = {t: [] for t, _ in tools}
        log(f"{kind} n={n}: warm-up, then {runs} interleaved rounds of {len(tools)} clients")
        for name, fn in tools:
            if name == "thinwatch":
                # the warm-up run, through GNU time, gives the peak RSS
                # (the rounds run thinwatch directly: exact CPU and wall)
                once_rss = fn(peak_rss=True)["maxrss"]
            else:
                fn()
        for rnd in range(runs):
            k = rnd % len(tools)
            for name, fn in tools[k:] + tools[:k]:
                s = fn()
                s.update({"agent": kind, "n": n, "tool": name, "round": rnd})
                rec.samples.append(s)
                if not s.get("bad"):
                    got[name].append(s)

        def fig(tool, metric, key, samples=None):
            rec.figure(kind, n, tool, metric, med([s.get(key) for s in
                                                   (samples or got[tool])]))

        fig("thinwatch", "poll_wall_s", "poll")
        fig("thinwatch", "once_wall_s", "wall")
        fig("thinwatch", "cpu_per_poll_s", "cpu")
        rec.figure(kind, n, "thinwatch", "once_peak_rss_bytes", once_rss)
        fig("thinwatch", "agent_cpu_per_walk_s", "agent_cpu")
        for reps in (25, 50, 100):
            t = f"snmpbulkwalk_r{reps}"
            if t in got:
                fig(t, "wall_s", "wall")
                fig(t, "cpu_s", "cpu")
                fig(t, "agent_cpu_per_walk_s", "agent_cpu")
        if exp:
            fig("snmp_exporter", "scrape_wall_s", "wall")
            fig("snmp_exporter", "walk_s", "walk")
            fig("snmp_exporter", "cpu_per_scrape_s", "cpu")
            fig("snmp_exporter", "agent_cpu_per_walk_s", "agent_cpu")
            fig("snmp_exporter", "scrape_bytes", "bytes")
            rec.figure(kind, n, "snmp_exporter", "idle_rss_bytes", exp_idle)
            rec.figure(kind, n, "snmp_exporter", "peak_rss_bytes",
                       proc_status_bytes(exp.pid, "VmHWM"))
            ctx.procs.stop(exp)
            exp = None

        measure_daemon(ctx, rec, agent, n, runs)
        measure_steady(ctx, rec, agent, n, runs, rec.get(kind, n, "thinwatch", "poll_wall_s"))
    finally:
        if exp:
            ctx.procs.stop(exp)
        agent.stop()


POLL_DONE = re.compile(rb'msg="poll done" target=(\S+) duration_seconds=([0-9.]+) reason=(\S+)')


def measure_steady(ctx, rec, agent, n, polls, first_poll):
    """The daemon's own polls one after the other, right after the
    interleaved rounds (same agent process, nothing else running): the
    first poll of a session walks each column whole, the next ones split
    the big columns into index ranges (snmp.max_inflight).  Poll ends are
    read from the daemon's debug log ("poll done"), so nothing scrapes it
    meanwhile."""
    w, kind = ctx.work, agent.kind
    interval = max(1.0, math.ceil(first_poll * 3 * 10) / 10) if first_poll == first_poll else 2.0
    cfg = os.path.join(w, f"tw-steady-{kind}.yml")
    tw_config(cfg, [("bench", agent.address, agent.profile)], f"{interval:g}s", f"{interval:g}s",
              maxreps=ctx.args.tw_max_repetitions, inflight=ctx.args.tw_max_inflight)
    port = ctx.ports.take(udp=False)
    logp = os.path.join(w, f"thinwatch-steady-{kind}-{n}.log")
    d = ctx.procs.start("thinwatch", [ctx.thinwatch, f"--config.file={cfg}",
                                      f"--web.listen-address=127.0.0.1:{port}",
                                      "--log.level=debug"], logp, ctx.env)
    durs = []
    try:
        deadline = time.monotonic() + interval * (polls + 2) + 60
        while time.monotonic() < deadline:
            time.sleep(min(0.2, interval / 4))
            found = POLL_DONE.findall(read_file(logp))
            bad = [f for f in found if f[2] != b"ok"]
            if bad:
                rec.fail(f"{kind} n={n}: a steady-state poll failed: {bad[0][2].decode()}")
                break
            if len(found) >= polls + 1:
                durs = [float(f[1]) for f in found[:polls + 1]]
                break
        else:
            rec.fail(f"{kind} n={n}: {polls + 1} daemon polls did not finish in time")
    finally:
        ctx.procs.stop(d)
    if durs:
        rec.samples.append({"agent": kind, "n": n, "tool": "thinwatch_steady",
                            "interval": interval, "polls": durs})
        rec.figure(kind, n, "thinwatch", "first_poll_wall_s", durs[0])
        rec.figure(kind, n, "thinwatch", "steady_poll_wall_s", med(durs[1:]))


def measure_daemon(ctx, rec, agent, n, runs):
    """thinwatch daemon, long interval: first poll, then /metrics scrapes."""
    w, kind = ctx.work, agent.kind
    cfg = os.path.join(w, f"tw-daemon-{kind}.yml")
    tw_config(cfg, [("bench", agent.address, agent.profile)], "1h", "60s",
              maxreps=ctx.args.tw_max_repetitions, inflight=ctx.args.tw_max_inflight)
    port = ctx.ports.take(udp=False)
    base = f"http://127.0.0.1:{port}"
    d = ctx.procs.start("thinwatch", [ctx.thinwatch, f"--config.file={cfg}",
                                      f"--web.listen-address=127.0.0.1:{port}",
                                      "--log.level=warn"],
                        os.path.join(w, "thinwatch.log"), ctx.env)
    try:
        wait_until(lambda: http_status(base + "/-/ready")[0] == 200, 120, "thinwatch daemon", d,
                   step=0.01)
        rec.figure(kind, n, "thinwatch", "daemon_start_poll_cpu_s", proc_cpu_s(d.pid))
        rec.figure(kind, n, "thinwatch", "daemon_peak_rss_after_poll_bytes",
                   proc_status_bytes(d.pid, "VmHWM"))
        out = os.path.join(w, "metrics.txt")
        got = []
        for i in range(runs + 1):
            c0 = proc_cpu_s(d.pid)
            status, secs, nbytes = ctx.http.get(base + "/metrics", out)
            cpu = proc_cpu_s(d.pid) - c0
            data = read_file(out)
            vols = count_prefix(data, b"thinwatch_volume_provisioned_bytes{")
            up = sample_value(data, b"thinwatch_up")
            s = {"agent": kind, "n": n, "tool": "thinwatch_metrics", "round": i - 1,
                 "wall": secs, "bytes": nbytes, "cpu": cpu,
                 "poll": sample_value(data, b"thinwatch_poll_duration_seconds")}
            if status != 200 or vols != n or up != 1:
                rec.fail(f"{kind} n={n}: /metrics status {status}, {vols} volumes "
                         f"(want {n}), thinwatch_up {up}")
                s["bad"] = True
            rec.samples.append(s)
            if i > 0 and not s.get("bad"):
                got.append(s)
        rec.figure(kind, n, "thinwatch", "daemon_poll_wall_s", med([s["poll"] for s in got]))
        rec.figure(kind, n, "thinwatch", "metrics_scrape_s", med([s["wall"] for s in got]))
        rec.figure(kind, n, "thinwatch", "metrics_bytes", med([s["bytes"] for s in got]))
        rec.figure(kind, n, "thinwatch", "metrics_cpu_per_scrape_s", med([s["cpu"] for s in got]))
        rec.figure(kind, n, "thinwatch", "peak_rss_bytes", proc_status_bytes(d.pid, "VmHWM"))
        rec.figure(kind, n, "thinwatch", "rss_cached_bytes", proc_status_bytes(d.pid, "VmRSS"))
    finally:
        ctx.procs.stop(d)


# ---------------------------------------------------------------------------
# report


def tables(rec, kind, ns):
    g = lambda n, t, m: rec.get(kind, n, t, m)  # noqa: E731
    L = []
    L.append(f"#### Agent: {kind} — wall time per poll / walk / scrape (medians)")
    L.append("")
    L.append("| N | thinwatch poll (own, --once: first poll) | thinwatch --once (process) | "
             "daemon steady poll (split ranges) | snmpbulkwalk r25 | r50 | "
             "r100 | snmp_exporter scrape | first poll / bulkwalk r50 | steady poll / bulkwalk r50 | "
             "snmp_exporter / steady poll |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in ns:
        p = g(n, "thinwatch", "poll_wall_s")
        sp = g(n, "thinwatch", "steady_poll_wall_s")
        b50 = g(n, "snmpbulkwalk_r50", "wall_s")
        e = g(n, "snmp_exporter", "scrape_wall_s")
        L.append(f"| {n:,} | {fmt_s(p)} | {fmt_s(g(n, 'thinwatch', 'once_wall_s'))} | "
                 f"{fmt_s(sp)} | "
                 f"{fmt_s(g(n, 'snmpbulkwalk_r25', 'wall_s'))} | {fmt_s(b50)} | "
                 f"{fmt_s(g(n, 'snmpbulkwalk_r100', 'wall_s'))} | {fmt_s(e)} | "
                 f"{fmt_ratio(p, b50)} | {fmt_ratio(sp, b50)} | {fmt_ratio(e, sp)} |")
    L.append("")
    L.append(f"#### Agent: {kind} — CPU seconds (medians)")
    L.append("")
    L.append("| N | thinwatch CPU per poll (--once) | snmp_exporter CPU per scrape | ratio | "
             "snmpbulkwalk r50 client CPU | agent CPU per walk: thinwatch | bulkwalk r25 | "
             "r50 | r100 | snmp_exporter |")
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    for n in ns:
        c = g(n, "thinwatch", "cpu_per_poll_s")
        ec = g(n, "snmp_exporter", "cpu_per_scrape_s")
        L.append(f"| {n:,} | {fmt_s(c)} | {fmt_s(ec)} | {fmt_ratio(c, ec)} | "
                 f"{fmt_s(g(n, 'snmpbulkwalk_r50', 'cpu_s'))} | "
                 f"{fmt_s(g(n, 'thinwatch', 'agent_cpu_per_walk_s'))} | "
                 f"{fmt_s(g(n, 'snmpbulkwalk_r25', 'agent_cpu_per_walk_s'))} | "
                 f"{fmt_s(g(n, 'snmpbulkwalk_r50', 'agent_cpu_per_walk_s'))} | "
                 f"{fmt_s(g(n, 'snmpbulkwalk_r100', 'agent_cpu_per_walk_s'))} | "
                 f"{fmt_s(g(n, 'snmp_exporter', 'agent_cpu_per_walk_s'))} |")
    L.append("")
    L.append(f"#### Agent: {kind} — memory and /metrics with the N volumes cached (medians)")
    L.append("")
    L.append("| N | thinwatch --once peak RSS | daemon peak RSS after poll | daemon peak RSS "
             "after scrapes | snmp_exporter peak RSS (idle) | RSS ratio | thinwatch /metrics "
             "time | bytes | CPU per scrape | snmp_exporter bytes | /metrics time / "
             "exporter scrape |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in ns:
        pk = g(n, "thinwatch", "peak_rss_bytes")
        epk = g(n, "snmp_exporter", "peak_rss_bytes")
        mt = g(n, "thinwatch", "metrics_scrape_s")
        L.append(f"| {n:,} | {fmt_mib(g(n, 'thinwatch', 'once_peak_rss_bytes'))} | "
                 f"{fmt_mib(g(n, 'thinwatch', 'daemon_peak_rss_after_poll_bytes'))} | "
                 f"{fmt_mib(pk)} | {fmt_mib(epk)} "
                 f"({fmt_mib(g(n, 'snmp_exporter', 'idle_rss_bytes'))}) | "
                 f"{fmt_ratio(pk, epk)} | {fmt_s(mt)} | "
                 f"{fmt_int(g(n, 'thinwatch', 'metrics_bytes'))} | "
                 f"{fmt_s(g(n, 'thinwatch', 'metrics_cpu_per_scrape_s'))} | "
                 f"{fmt_int(g(n, 'snmp_exporter', 'scrape_bytes'))} | "
                 f"{fmt_ratio(mt, g(n, 'snmp_exporter', 'scrape_wall_s'))} |")
    L.append("")
    return L


def goal_line(kind, n, gid, what, num, den, limit, unit_num, unit_den):
    if num != num or den != den or den == 0:
        return (f"- {what}: not measured", f"GOAL agent={kind} n={n} goal={gid} status=UNKNOWN")
    ratio = num / den
    if ratio <= limit:
        status = "MET"
        how = f"{(1 - ratio / limit) * 100:.0f}% under the limit"
    else:
        status = "MISSED"
        need = num - limit * den
        how = (f"by {(ratio / limit - 1) * 100:.0f}%: {ratio:.3f}× vs ≤ {limit:g}×; "
               f"needs {unit_num(need)} less")
    text = (f"- **{status}** {what}: {unit_num(num)} vs {unit_den(den)} = {ratio:.3f}× "
            f"(goal ≤ {limit:g}×) — {how}")
    machine = (f"GOAL agent={kind} n={n} goal={gid} ratio={ratio:.4f} limit={limit:g} "
               f"status={status}")
    return text, machine


def goals(rec, kind, n):
    g = lambda t, m: rec.get(kind, n, t, m)  # noqa: E731
    poll = g("thinwatch", "poll_wall_s")
    steady = g("thinwatch", "steady_poll_wall_s")
    out = [
        goal_line(kind, n, "poll_vs_bulkwalk_r50",
                  "thinwatch poll wall (first poll of a session, --once) ≤ 0.5 × snmpbulkwalk -Cr50",
                  poll, g("snmpbulkwalk_r50", "wall_s"), 0.5, fmt_s, fmt_s),
        goal_line(kind, n, "steady_poll_vs_bulkwalk_r50",
                  "thinwatch poll wall (daemon, later polls: split ranges) ≤ 0.5 × snmpbulkwalk -Cr50",
                  steady, g("snmpbulkwalk_r50", "wall_s"), 0.5, fmt_s, fmt_s),
        goal_line(kind, n, "poll_vs_agent_cpu",
                  "thinwatch poll wall ≤ 1.5 × agent CPU per walk (snmpbulkwalk -Cr50's walk)",
                  poll, g("snmpbulkwalk_r50", "agent_cpu_per_walk_s"), 1.5, fmt_s, fmt_s),
        goal_line(kind, n, "poll_vs_agent_cpu_own",
                  "(same, against the agent CPU spent on thinwatch's own walk)",
                  poll, g("thinwatch", "agent_cpu_per_walk_s"), 1.5, fmt_s, fmt_s),
        goal_line(kind, n, "cpu_vs_exporter",
                  "thinwatch CPU per poll (--once, whole process) ≤ 0.25 × snmp_exporter CPU "
                  "per scrape", g("thinwatch", "cpu_per_poll_s"),
                  g("snmp_exporter", "cpu_per_scrape_s"), 0.25, fmt_s, fmt_s),
        goal_line(kind, n, "rss_vs_exporter",
                  f"thinwatch peak RSS with {n:,} volumes cached ≤ 0.15 × snmp_exporter peak",
                  g("thinwatch", "peak_rss_bytes"), g("snmp_exporter", "peak_rss_bytes"), 0.15,
                  fmt_mib, fmt_mib),
        goal_line(kind, n, "metrics_vs_exporter",
                  f"/metrics of {n:,} cached volumes ≤ 0.05 × snmp_exporter scrape time",
                  g("thinwatch", "metrics_scrape_s"), g("snmp_exporter", "scrape_wall_s"), 0.05,
                  fmt_s, fmt_s),
    ]
    return out


def machine_header():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        la = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        la = "?"
    return [f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
            f"- machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
            f"{model}, kernel {platform.release()}, load average at start {la}"]


def tool_versions(ctx):
    v = []
    for argv in ([ctx.thinwatch, "--version"], [ctx.bulkwalk or "snmpbulkwalk", "-V"],
                 [ctx.exporter or "prometheus-snmp-exporter", "--version"]):
        try:
            r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=10, env=ctx.env)
            v.append(r.stdout.decode("utf-8", "replace").strip().splitlines()[0])
        except (OSError, IndexError, subprocess.TimeoutExpired):
            pass
    return v


# ---------------------------------------------------------------------------
# fleet modes


def fleet_targets_state(data):
    """{array: (up, poll_duration, last_success)} from one scrape."""
    up = family(data, b"thinwatch_up")
    dur = family(data, b"thinwatch_poll_duration_seconds")
    ts = family(data, b"thinwatch_last_poll_success_timestamp_seconds")
    res = {}
    for lab, v in up.items():
        m = re.match(r'array="((?:[^"\\]|\\.)*)"', lab)
        if not m:
            continue
        res[m.group(1)] = (float(v), float(dur.get(lab, "nan")), float(ts.get(lab, "0")))
    return res


def round_stats(state, since):
    """Round made of each target's last successful poll finished after `since`
    (unix s): start = min(end - duration), end = max(end)."""
    polls = [(ts - d, ts, d) for up, d, ts in state.values() if ts > since]
    if not polls:
        return None
    start = min(p[0] for p in polls)
    end = max(p[1] for p in polls)
    durs = [p[2] for p in polls]
    return {"polled": len(polls), "start": start, "end": end, "wall": end - start,
            "dur_median": statistics.median(durs), "dur_max": max(durs),
            "dur_sum": sum(durs), "whole_seconds": all(p[1] == int(p[1]) for p in polls)}


class FleetScraper:
    def __init__(self, ctx, base, label):
        self.ctx, self.base, self.label = ctx, base, label
        self.scrapes = []   # {t since start, wall, bytes, status}
        self.failure = None  # first failed scrape: "HTTP status: body"

    def scrape(self, t0, keep):
        """-> (status, body or b"") of one timed /metrics scrape; the body is
        kept (and read back) only when `keep`, so the bench itself does not
        compete for the CPU more than needed."""
        out = os.path.join(self.ctx.work, "fleet-metrics.txt")
        if os.path.exists(out):
            os.unlink(out)
        status, secs, nbytes = self.ctx.http.get(self.base + "/metrics", out)
        self.scrapes.append({"t": time.monotonic() - t0, "wall": secs, "bytes": nbytes,
                             "status": status})
        data = b""
        if os.path.exists(out) and (keep or status != 200):
            data = read_file(out)
        if status != 200 and self.failure is None:
            self.failure = f"HTTP {status}: {data[:200].decode('utf-8', 'replace').strip()}"
            log(f"{self.label}: /metrics failed ({self.failure}); following the targets "
                "through /probe?target=NAME instead")
        return status, data

    def probe_all(self, names):
        """State of every target through /probe?target=NAME (one kept-alive
        connection): for when /metrics itself fails."""
        host, port, _ = split_url(self.base)
        state, vols = {}, 0
        c = http.client.HTTPConnection(host, port, timeout=60)
        try:
            for name in names:
                c.request("GET", "/probe?target=" + name)
                r = c.getresponse()
                body = r.read()
                if r.status != 200:
                    continue
                state.update(fleet_targets_state(body))
                vols += count_prefix(body, b"thinwatch_volume_provisioned_bytes{")
        except (OSError, http.client.HTTPException) as e:
            log(f"{self.label}: /probe failed: {e}")
        finally:
            c.close()
        return state, vols


def run_fleet_daemon(ctx, rec, label, cfg, names, nvol, interval, rounds, scrape_every,
                     sim_pids, post_check=None):
    """Start thinwatch on cfg, scrape every scrape_every s for `rounds` poll
    rounds, and report round times, headroom and scrape times."""
    ntargets = len(names)
    port = ctx.ports.take(udp=False)
    base = f"http://127.0.0.1:{port}"
    t_launch = time.monotonic()
    d = ctx.procs.start("thinwatch", [ctx.thinwatch, f"--config.file={cfg}",
                                      f"--web.listen-address=127.0.0.1:{port}",
                                      "--log.level=warn"],
                        os.path.join(ctx.work, f"thinwatch-{label}.log"), ctx.env)
    res = {"label": label, "targets": ntargets, "volumes": nvol, "interval": interval,
           "rounds": [], "ready_s": float("nan")}
    try:
        wait_until(lambda: http_status(base + "/-/healthy")[0] == 200, 30, "thinwatch", d)
        t0 = time.monotonic()
        wall0 = time.time()
        sim_cpu0 = sum(proc_cpu_s(p) for p in sim_pids)
        sc = FleetScraper(ctx, base, label)
        since = wall0 - 1.0
        next_scrape = t0
        for rnd in range(rounds):
            # wait for every target to finish a poll of this round
            deadline = time.monotonic() + interval * 1.5 + 30
            round_t0 = time.monotonic()
            log(f"{label}: round {rnd + 1}/{rounds}: polling {ntargets} targets, scraping "
                f"/metrics every {scrape_every:g}s")
            state, rs = None, None
            while time.monotonic() < deadline:
                now = time.monotonic()
                if rnd == 0 and res["ready_s"] != res["ready_s"] and \
                        http_status(base + "/-/ready")[0] == 200:
                    # every target tried once: the end of round 1, to the
                    # millisecond (the exposition's timestamps are whole seconds)
                    res["ready_s"] = time.monotonic() - t_launch
                if now >= next_scrape:
                    # round k (from 0) cannot end before k intervals after the start
                    keep = now >= t_launch + rnd * interval - 1.0
                    status, data = sc.scrape(t0, keep)
                    next_scrape = now + scrape_every
                    if not keep and status == 200:
                        continue
                    if status == 200:
                        state = fleet_targets_state(data)
                        vols = count_prefix(data, b"thinwatch_volume_provisioned_bytes{")
                    else:
                        state, vols = sc.probe_all(names)
                    done = [a for a, (up, dd, ts) in state.items() if ts > since]
                    if len(done) == ntargets:
                        if rnd == 0 and res["ready_s"] != res["ready_s"]:
                            # done before /-/ready was seen: it was so by the scrape
                            res["ready_s"] = now - t_launch
                        rs = round_stats(state, since)
                        ups = sum(1 for v in state.values() if v[0] == 1)
                        rs["volumes_exported"] = vols
                        rs["up"] = ups
                        rs["observed_s"] = time.monotonic() - round_t0
                        if vols != ntargets * nvol or ups != ntargets:
                            rec.fail(f"{label}: round {rnd + 1}: {ups}/{ntargets} up, {vols} "
                                     f"volumes exported, want {ntargets * nvol}")
                        break
                time.sleep(0.02)
            if rs is None:
                got = len([1 for v in (state or {}).values() if v[2] > since])
                rec.fail(f"{label}: round {rnd + 1}: only {got}/{ntargets} targets polled "
                         f"within {interval * 1.5 + 30:g}s")
                break
            rs["thinwatch_cpu_s"] = proc_cpu_s(d.pid)
            rs["sim_cpu_s"] = sum(proc_cpu_s(p) for p in sim_pids) - sim_cpu0
            res["rounds"].append(rs)
            log(f"{label}: round {rnd + 1}: {rs['wall']:.1f}s for {ntargets} polls "
                f"(median poll {rs['dur_median']:.3f}s, max {rs['dur_max']:.3f}s)")
            since = rs["end"] + 0.5
        # cumulative CPU -> per round
        prev = 0.0
        for rs in res["rounds"]:
            rs["thinwatch_cpu_round_s"] = rs["thinwatch_cpu_s"] - prev
            prev = rs["thinwatch_cpu_s"]
        res["scrapes"] = sc.scrapes
        res["scrape_failure"] = sc.failure
        res["peak_rss"] = proc_status_bytes(d.pid, "VmHWM")
        res["rss"] = proc_status_bytes(d.pid, "VmRSS")
        if post_check:
            res.update(post_check())
    finally:
        ctx.procs.stop(d)
    return res


def fleet_report(rec, res):
    L = []
    label, interval = res["label"], res["interval"]
    L.append(f"#### {label}: {res['targets']} arrays × {res['volumes']:,} volumes, "
             f"interval {interval:g} s")
    L.append("")
    L.append("| round | polls done | wall of the round | headroom vs interval | median poll | "
             "max poll | sum of polls | thinwatch CPU | simulators' CPU (cumulative) |")
    L.append("|---|---|---|---|---|---|---|---|---|")
    for i, rs in enumerate(res["rounds"]):
        head = interval - rs["wall"]
        L.append(f"| {i + 1} | {rs['polled']} ({rs['up']} up, {rs['volumes_exported']:,} "
                 f"volumes) | {rs['wall']:.1f} s | {head:.1f} s ({head / interval * 100:.0f}%) | "
                 f"{fmt_s(rs['dur_median'])} | {fmt_s(rs['dur_max'])} | {rs['dur_sum']:.1f} s | "
                 f"{rs['thinwatch_cpu_round_s']:.2f} s | {rs['sim_cpu_s']:.1f} s |")
        tag = label.replace(" ", "_")
        rec.figure(tag, res["targets"], f"round{i + 1}", "round_wall_s", rs["wall"])
        rec.figure(tag, res["targets"], f"round{i + 1}", "headroom_s", head)
        rec.figure(tag, res["targets"], f"round{i + 1}", "poll_median_s", rs["dur_median"])
        rec.figure(tag, res["targets"], f"round{i + 1}", "poll_max_s", rs["dur_max"])
        rec.figure(tag, res["targets"], f"round{i + 1}", "thinwatch_cpu_s",
                   rs["thinwatch_cpu_round_s"])
    L.append("")
    coarse = any(rs.get("whole_seconds") for rs in res["rounds"])
    L.append(f"Round 1 took {res['ready_s']:.2f} s from thinwatch's start to `/-/ready` (every "
             "target polled once). A round's wall is from the earliest poll start to the latest "
             "poll end, each target's end being its `thinwatch_last_poll_success_timestamp_"
             "seconds` and its start that minus its `thinwatch_poll_duration_seconds`"
             + (" (the timestamps were printed in whole seconds: ±1 s)." if coarse else "."))
    rec.figure(label.replace(" ", "_"), res["targets"], "round1", "ready_s", res["ready_s"])
    ok = [s for s in res["scrapes"] if s["status"] == 200]
    full = [s for s in ok if s["bytes"] >= 0.9 * max(x["bytes"] for x in ok)] if ok else []
    L.append("")
    L.append("| /metrics scrapes | count | median | max | bytes (max) |")
    L.append("|---|---|---|---|---|")
    for name, ss in (("all (while polling)", ok), ("with every array cached", full)):
        if ss:
            L.append(f"| {name} | {len(ss)} | {fmt_s(med([s['wall'] for s in ss]))} | "
                     f"{fmt_s(max(s['wall'] for s in ss))} | "
                     f"{fmt_int(max(s['bytes'] for s in ss))} |")
    bad = len(res["scrapes"]) - len(ok)
    if bad:
        L.append("")
        L.append(f"**{bad} of {len(res['scrapes'])} scrapes failed**; the first: "
                 f"`{res.get('scrape_failure')}` (rounds were then followed through "
                 "`/probe?target=NAME`).")
        rec.fail(f"{label}: {bad} of {len(res['scrapes'])} /metrics scrapes failed: "
                 f"{res.get('scrape_failure')}")
    tag = label.replace(" ", "_")
    if ok:
        rec.figure(tag, res["targets"], "metrics", "scrape_median_s", med([s["wall"] for s in ok]))
        rec.figure(tag, res["targets"], "metrics", "scrape_max_s", max(s["wall"] for s in ok))
        rec.figure(tag, res["targets"], "metrics", "scrape_max_bytes",
                   max(s["bytes"] for s in ok))
    rec.figure(tag, res["targets"], "thinwatch", "peak_rss_bytes", res["peak_rss"])
    L.append("")
    L.append(f"thinwatch peak RSS {fmt_mib(res['peak_rss'])} (now {fmt_mib(res['rss'])}).")
    if "logins" in res:
        mx = max(res["logins"].values()) if res["logins"] else float("nan")
        L.append(f"Logins per array after {len(res['rounds'])} rounds: max {mx}, total "
                 f"{sum(res['logins'].values())} for {len(res['logins'])} arrays "
                 f"({'MET' if mx <= 1 else 'MISSED'}: at most one login per array); "
                 f"API requests {res.get('requests', 0):,}.")
        rec.figure(tag, res["targets"], "simulator", "max_logins_per_array", mx)
    checks = []
    if res["rounds"]:
        worst = max(rs["wall"] for rs in res["rounds"])
        st = "MET" if worst < interval else "MISSED"
        checks.append(f"- **{st}** every round within the {interval:g} s interval: worst "
                      f"{worst:.1f} s, headroom {interval - worst:.1f} s "
                      f"({(interval - worst) / interval * 100:.0f}%)")
    else:
        checks.append("- **MISSED** no complete round")
    if ok and not bad:
        mx = max(s["wall"] for s in ok)
        checks.append(f"- **{'MET' if mx < 1.0 else 'MISSED'}** /metrics scrapes under 1 s: "
                      f"max {fmt_s(mx)}" + ("" if mx < 1.0 else f" (by {mx - 1.0:.2f} s)"))
    else:
        checks.append(f"- **MISSED** /metrics scrapes under 1 s: {bad} of "
                      f"{len(res['scrapes'])} failed")
    L.append("")
    L += checks
    L.append("")
    return L


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        new = need if hard == resource.RLIM_INFINITY else min(hard, need)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = new
    return soft


def start_sims(ctx, label, scenarios, extra_args=()):
    """Start one simulator per scenario file; wait until all listen."""
    procs = []
    for i, scen in enumerate(scenarios):
        ready = scen + ".ready"
        if os.path.exists(ready):
            os.unlink(ready)
        args = [ctx.sim, "--scenario", scen, "--ready-file", ready, "--log.level", "warn"]
        args += [a.replace("{i}", str(i)) for a in extra_args]
        procs.append(ctx.procs.start(f"thinwatch-sim {label} {i}", args,
                                     os.path.join(ctx.work, f"sim-{label}-{i}.log"), ctx.env,
                                     stdout=subprocess.DEVNULL))
    for scen, p in zip(scenarios, procs):
        wait_until(lambda: os.path.exists(scen + ".ready"), 300, f"simulator {scen}", p,
                   step=0.1)
    return procs


def run_snmp_fleet(ctx, rec):
    a = ctx.args
    narr, nvol, nproc = a.fleet_arrays, a.fleet_volumes, a.fleet_procs
    need = narr + 200
    soft = raise_nofile(need)
    if soft < need:
        raise BenchError(f"fleet: RLIMIT_NOFILE {soft} < {need}")
    if narr + 64 > 1024:
        log(f"warning: {narr} SNMP targets need ~{narr} sockets; thinwatch's poller uses "
            "select() (FD_SETSIZE 1024)")
    base = a.fleet_port or ctx.ports.consecutive(narr, udp=True)
    log(f"snmp fleet: {nproc} simulators x {narr // nproc} arrays x {nvol} volumes on udp "
        f"{base}..{base + narr - 1}")
    scen_files, targets = [], []
    counts = split_counts(narr, nproc)
    idx = 0
    for pi, cnt in enumerate(counts):
        lines = ["arrays:"]
        for _ in range(cnt):
            port = base + idx
            lines += sim_array_yaml(f"a{idx:04d}",
                                    f"    snmp: {{ listen: 127.0.0.1:{port}, community: public }}",
                                    nvol, 4)
            targets.append((f"a{idx:04d}", f"127.0.0.1:{port}",
                            os.path.join(ctx.srcdir, "mibs", "profiles", "thinwatch.yml")))
            idx += 1
        path = os.path.join(ctx.work, f"fleet-snmp-{pi}.yml")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        scen_files.append(path)
    sims = start_sims(ctx, "snmp", scen_files)
    try:
        cfg = os.path.join(ctx.work, "tw-fleet-snmp.yml")
        tw_config(cfg, targets, f"{a.fleet_interval:g}s", f"{min(a.fleet_interval, 30):g}s",
                  concurrency=a.fleet_concurrency, maxreps=a.tw_max_repetitions)
        res = run_fleet_daemon(ctx, rec, "SNMP fleet", cfg, [t[0] for t in targets], nvol,
                               a.fleet_interval,
                               a.fleet_rounds, a.fleet_scrape_every, [p.pid for p in sims])
    finally:
        for p in sims:
            ctx.procs.stop(p)
    return res


def rest_available(ctx):
    try:
        r = subprocess.run([ctx.sim, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=ctx.env, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False, "thinwatch-sim --help failed"
    if b"purefa" not in r.stdout:
        return False, "thinwatch-sim has no REST (purefa) personality"
    probe = os.path.join(ctx.work, "probe.yml")
    tok = os.path.join(ctx.work, "probe.token")
    with open(tok, "w") as f:
        f.write("x\n")
    os.chmod(tok, 0o600)
    with open(probe, "w") as f:
        f.write(f"targets:\n  - name: p\n    driver: purefa\n    url: http://127.0.0.1:9\n"
                f"    api_token_file: {tok}\n")
    r = subprocess.run([ctx.thinwatch, f"--config.file={probe}", "--dry-run"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=ctx.env)
    if b"not built into" in r.stdout:
        return False, "thinwatch has no purefa driver"
    return True, ""


def run_rest_fleet(ctx, rec):
    a = ctx.args
    narr, nvol, nproc = a.rest_arrays, a.fleet_volumes, a.rest_procs
    raise_nofile(narr * 4 + 200)
    token = "bench-token-" + os.urandom(8).hex()
    tokfile = os.path.join(ctx.work, "purefa.token")
    with open(tokfile, "w") as f:
        f.write(token + "\n")
    os.chmod(tokfile, 0o600)
    scen_files, targets, urls = [], [], []
    counts = split_counts(narr, nproc)
    idx = 0
    tls = not a.rest_no_tls
    for pi, cnt in enumerate(counts):
        lines = ["arrays:"]
        for _ in range(cnt):
            port = ctx.ports.take(udp=False)
            name = f"r{idx:04d}"
            lines += sim_array_yaml(
                name, f"    rest: {{ listen: 127.0.0.1:{port}, tls: {'true' if tls else 'false'}, "
                f"api_token: {token} }}", nvol, 1, extra="purefa")
            url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
            targets.append((name, url, pi))
            urls.append((name, url))
            idx += 1
        path = os.path.join(ctx.work, f"fleet-rest-{pi}.yml")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        scen_files.append(path)
    log(f"rest fleet: {nproc} simulators x {narr // nproc} purefa arrays x {nvol} volumes "
        f"({'https' if tls else 'http'})")
    cert = os.path.join(ctx.work, "rest-ca-{i}.pem")
    sims = start_sims(ctx, "rest", scen_files, ["--tls-cert-out", cert] if tls else [])
    try:
        cfg = os.path.join(ctx.work, "tw-fleet-rest.yml")
        iv = a.fleet_interval
        lines = ["global:", f"  interval: {iv:g}s", f"  timeout: {min(iv, 30):g}s", "targets:"]
        for name, url, pi in targets:
            lines += [f"  - name: {name}", "    driver: purefa", f"    url: {url}",
                      f"    api_token_file: {tokfile}"]
            if tls:
                lines.append(f"    tls: {{ ca_file: {cert.replace('{i}', str(pi))} }}")
        with open(cfg, "w") as f:
            f.write("\n".join(lines) + "\n")

        def logins():
            per, reqs = {}, 0
            for name, url in urls:
                st, body = http_status(url + "/_sim/stats", insecure_tls=True)
                try:
                    j = json.loads(body)
                    per[name] = j["logins"]
                    reqs += j.get("requests", 0)
                except (ValueError, KeyError):
                    per[name] = float("nan")
            return {"logins": per, "requests": reqs}

        res = run_fleet_daemon(ctx, rec, "REST fleet (purefa)", cfg, [t[0] for t in targets],
                               nvol, iv,
                               a.fleet_rounds, a.fleet_scrape_every, [p.pid for p in sims],
                               post_check=logins)
        if any(v != v or v > 1 for v in res.get("logins", {}).values()):
            rec.fail("REST fleet: some array saw more than one login: " + ", ".join(
                f"{k}={v}" for k, v in res["logins"].items() if v != v or v > 1))
    finally:
        for p in sims:
            ctx.procs.stop(p)
    return res


# ---------------------------------------------------------------------------
# building an optimized thinwatch


def build_tree(srcdir, work, cflags):
    dst = os.path.join(work, "build")
    log(f"building an optimized copy of {srcdir} in {dst} (CFLAGS='{cflags}')")
    if os.path.isdir(os.path.join(srcdir, ".git")) and shutil.which("git"):
        r = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=srcdir,
                           stdout=subprocess.PIPE, check=True)
        for rel in r.stdout.decode().split("\0"):
            if not rel or not os.path.isfile(os.path.join(srcdir, rel)):
                continue
            os.makedirs(os.path.join(dst, os.path.dirname(rel)), exist_ok=True)
            shutil.copy2(os.path.join(srcdir, rel), os.path.join(dst, rel))
    else:
        anywhere = shutil.ignore_patterns("*.o", "*.a", ".deps", ".dirstamp", "autom4te.cache",
                                          "*.log", "*.trs", ".git", "node_modules")
        top_only = {"thinwatch", "thinwatch-sim", "config.status", "Makefile", "config.h",
                    "stamp-h1"}

        def ignore(d, names):
            skip = set(anywhere(d, names))
            if os.path.abspath(d) == os.path.abspath(srcdir):
                skip |= top_only & set(names)
            if os.path.abspath(d) == os.path.join(os.path.abspath(srcdir), "tests"):
                skip |= {"artifacts"} & set(names)
            return skip

        shutil.copytree(srcdir, dst, symlinks=True, ignore=ignore)
    logf = os.path.join(work, "build.log")
    jobs = str(len(os.sched_getaffinity(0)))
    # a build of its own, not a sub-make of `make bench`
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    with open(logf, "wb") as lf:
        for cmd in (["./autogen.sh"], ["./configure", f"CFLAGS={cflags}"],
                    ["make", "-j" + jobs, "thinwatch", "thinwatch-sim"]):
            r = subprocess.run(cmd, cwd=dst, stdout=lf, stderr=subprocess.STDOUT, env=env)
            if r.returncode != 0:
                with open(logf, "rb") as f:
                    tail = f.read()[-3000:].decode("utf-8", "replace")
                raise BenchError(f"build step {' '.join(cmd)} failed (log {logf}):\n{tail}")
    return os.path.join(dst, "thinwatch"), os.path.join(dst, "thinwatch-sim")


def debug_build_warning(path):
    cl = os.path.join(os.path.dirname(os.path.abspath(path)), "config.log")
    try:
        with open(cl, errors="replace") as f:
            head = f.read(4000)
        if "--enable-debug" in head or "-O0" in head:
            log(f"warning: {path} looks like a debug (-O0) build; use --build for figures "
                "worth recording")
    except OSError:
        pass


# ---------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(
        description="thinwatch vs snmpbulkwalk vs snmp_exporter on the same agent (issue 5)")
    ap.add_argument("--srcdir", default=DEFAULT_SRCDIR, help="thinwatch source tree")
    ap.add_argument("--build", action="store_true",
                    help="build an optimized copy of --srcdir in the temporary directory")
    ap.add_argument("--cflags", default="-O2 -g", help="CFLAGS for --build (default -O2 -g)")
    ap.add_argument("--thinwatch", help="thinwatch binary (default: --build's, else "
                    "the one in --srcdir)")
    ap.add_argument("--sim", help="thinwatch-sim binary")
    ap.add_argument("--shared", help="the shared bench directory (default SRCDIR/../shared/bench)")
    ap.add_argument("--agents", default="benchagent,sim",
                    help="agent passes, in order: benchagent, sim (default both)")
    ap.add_argument("--ns", default="1000,10000,50000", help="table sizes (default 1000,10000,50000)")
    ap.add_argument("--runs", type=int, default=0,
                    help="interleaved rounds per N (default 15 / 9 / 7 for N up to 2k / 20k / more)")
    ap.add_argument("--agent-port", type=int, default=0,
                    help="UDP port of the agent (default 1161, or a free one if 1161 is taken)")
    ap.add_argument("--tw-max-repetitions", type=int, default=0,
                    help="snmp.max_repetitions in thinwatch's config (default: not set)")
    ap.add_argument("--tw-max-inflight", type=int, default=0,
                    help="snmp.max_inflight in thinwatch's config (default: not set)")
    ap.add_argument("--latency-ms", type=int, default=0,
                    help="thinwatch-sim answers every request this many ms late (its delay "
                    "fault: a network round trip, answers still overlap); sim agent only")
    ap.add_argument("--fleet", action="store_true",
                    help="run the fleet modes instead of the per-N comparison")
    ap.add_argument("--fleet-arrays", type=int, default=500)
    ap.add_argument("--fleet-volumes", type=int, default=1000)
    ap.add_argument("--fleet-procs", type=int, default=10, help="SNMP simulator processes")
    ap.add_argument("--fleet-port", type=int, default=0,
                    help="first of the fleet's consecutive UDP ports (default: a free range)")
    ap.add_argument("--fleet-interval", type=float, default=60.0)
    ap.add_argument("--fleet-rounds", type=int, default=2)
    ap.add_argument("--fleet-scrape-every", type=float, default=3.0)
    ap.add_argument("--fleet-concurrency", type=int, default=0,
                    help="global.concurrency for the fleet (default: thinwatch's)")
    ap.add_argument("--rest-arrays", type=int, default=100)
    ap.add_argument("--rest-procs", type=int, default=2)
    ap.add_argument("--rest-no-tls", action="store_true", help="REST fleet over plain HTTP")
    ap.add_argument("--no-rest", action="store_true", help="skip the REST fleet")
    ap.add_argument("--no-snmp-fleet", action="store_true", help="skip the SNMP fleet")
    ap.add_argument("--report", help="also write the Markdown report to this file")
    ap.add_argument("--json", help="write every sample and figure to this JSON file")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, on_sigterm)
    ctx = Ctx()
    ctx.args = args
    ctx.srcdir = os.path.abspath(args.srcdir)
    ctx.procs = Procs()
    ctx.build_dir = None
    ctx.ports = PortPool()
    ctx.env = dict(os.environ, MIBS="")
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    ctx.work = tempfile.mkdtemp(prefix="tw-bench-", dir=shm)
    rec = Recorder()
    report = []
    rc = 0
    try:
        if args.build:
            ctx.build_dir = tempfile.mkdtemp(prefix="tw-bench-build-")
            ctx.thinwatch, ctx.sim = build_tree(ctx.srcdir, ctx.build_dir, args.cflags)
        else:
            ctx.thinwatch = os.path.abspath(args.thinwatch or os.path.join(ctx.srcdir, "thinwatch"))
            ctx.sim = os.path.abspath(args.sim or os.path.join(ctx.srcdir, "thinwatch-sim"))
            debug_build_warning(ctx.thinwatch)
        if args.thinwatch:
            ctx.thinwatch = os.path.abspath(args.thinwatch)
        if args.sim:
            ctx.sim = os.path.abspath(args.sim)
        for b in (ctx.thinwatch, ctx.sim):
            if not os.access(b, os.X_OK):
                raise BenchError(f"{b}: not an executable (build it, or use --build)")
        ctx.bulkwalk = shutil.which("snmpbulkwalk")
        ctx.exporter = shutil.which("prometheus-snmp-exporter")
        ctx.http = Http(ctx.work, ctx.env)
        missing = [n for n, p in (("snmpbulkwalk", ctx.bulkwalk),
                                  ("prometheus-snmp-exporter", ctx.exporter)) if not p]
        if missing:
            log("not installed, left out: " + ", ".join(missing))

        report.append("## thinwatch benchmark" + (" — fleet modes" if args.fleet else ""))
        report.append("")
        report += machine_header()
        report += [f"- {v}" for v in tool_versions(ctx)]
        report.append("- command: `bench.py " + " ".join(sys.argv[1:]) + "`")
        report.append("")

        if args.fleet:
            if not args.no_snmp_fleet:
                res = run_snmp_fleet(ctx, rec)
                report += fleet_report(rec, res)
                rec.samples.append({"fleet": res})
            if not args.no_rest:
                ok, why = rest_available(ctx)
                if ok:
                    res = run_rest_fleet(ctx, rec)
                    report += fleet_report(rec, res)
                    rec.samples.append({"fleet": res})
                else:
                    report.append(f"REST fleet not run: {why}.")
                    report.append("")
        else:
            ns = [int(x) for x in args.ns.split(",") if x.strip()]
            shared = args.shared or os.path.join(ctx.srcdir, "..", "shared", "bench")
            port = args.agent_port or 1161
            if not port_free(port, udp=True):
                if args.agent_port:
                    raise BenchError(f"udp port {port} is in use")
                newp = ctx.ports.take(udp=True)
                log(f"udp 127.0.0.1:{port} is in use; the agent uses {newp} instead")
                port = newp
            ctx.ports.used.add(port)
            kinds = [k.strip() for k in args.agents.split(",") if k.strip()]
            passes = []
            for k in kinds:
                if k == "benchagent":
                    if os.path.isdir(os.path.join(shared, "agents")):
                        passes.append(BenchAgent(ctx, port, shared))
                    else:
                        msg = f"no {shared}/agents: the benchagent pass is skipped"
                        log(msg)
                        report.append(f"_{msg}._")
                elif k == "sim":
                    passes.append(SimAgent(ctx, port))
                else:
                    raise BenchError(f"unknown agent '{k}'")
            for agent in passes:
                for n in ns:
                    measure_agent(ctx, rec, agent, n, runs_for(n, args.runs))
            report.append("Medians of interleaved rounds (same agent process per N; the "
                          "clients take turns, the order rotating every round). Agent CPU "
                          "= on-CPU time of the agent process during each walk.")
            report.append("")
            for agent in passes:
                report += tables(rec, agent.kind, ns)
            goal_n = 50000 if 50000 in ns else max(ns)
            report.append(f"#### Goals (issue 5) at N = {goal_n:,}"
                          + ("" if goal_n == 50000 else " (the goals are set for N = 50,000)"))
            report.append("")
            machine_goals = []
            for agent in passes:
                report.append(f"Agent **{agent.kind}**:")
                report.append("")
                for text, m in goals(rec, agent.kind, goal_n):
                    report.append(text)
                    machine_goals.append(m)
                report.append("")
            report.append("```")
            report += machine_goals
            report.append("```")
            report.append("")

        if rec.failures:
            report.append("**Correctness checks failed:**")
            report += [f"- {f}" for f in rec.failures]
            report.append("")
            rc = 1
        report.append("Machine-readable figures:")
        report.append("")
        report.append("```")
        for a, n, t, m, v in rec.figures:
            vv = "nan" if v != v else (f"{v:.6g}" if isinstance(v, float) else str(v))
            report.append(f"BENCH agent={a} n={n} tool={t} metric={m} value={vv}")
        report.append("```")
        text = "\n".join(report) + "\n"
        sys.stdout.write(text)
        if args.report:
            with open(args.report, "w") as f:
                f.write(text)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"figures": rec.figures, "samples": rec.samples,
                           "failures": rec.failures}, f, indent=1, default=str)
    except BenchError as e:
        log("error:", e)
        rc = 2
    except KeyboardInterrupt:
        log("interrupted")
        rc = 130
    finally:
        ctx.procs.stop_all()
        if args.keep:
            log(f"kept {ctx.work}" + (f" and {ctx.build_dir}" if ctx.build_dir else ""))
        else:
            shutil.rmtree(ctx.work, ignore_errors=True)
            if ctx.build_dir:
                shutil.rmtree(ctx.build_dir, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
