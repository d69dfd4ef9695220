#!/usr/bin/env python3
"""alerting.py: helpers of tests/integration/alerting.test (python3, stdlib only).

Subcommands:
  webhook PORT FILE        Alertmanager webhook receiver on 127.0.0.1:PORT: appends
                           one JSON line {"received": unix time, "path": request
                           path, "body": payload} to FILE per POST; GET answers
                           200 (readiness).
  alerts FILE ZERO LASTPOS Checks the received notifications (see check_alerts).
  am-post AM               POSTs the synthetic alerts (SYNTHETIC) to the
                           Alertmanager at AM (/api/v2/alerts).
  am-check AM FILE AMCONF  Checks inhibition and grouping (see cmd_am_check).
  panels PROM DASHDIR [--var NAME=VALUE]... --case NAME=VALUE[,NAME=VALUE]...
                           Runs every panel query (and every label_values()
                           template query) of DASHDIR/*.json against the
                           Prometheus at PROM once per --case, with the
                           --var and the case's template variables
                           substituted; fails on a query error, an unknown
                           variable, or a query that returns no data in
                           every case.
  dom FILE [--growing RATE] [--down ARRAY=REASON]
                           Checks chromium's --dump-dom of thinwatch's status
                           page (see cmd_dom).
  fleet PROM DASHBOARD START END OUT.html [MAXY]
                           Renders the dashboard's panels (stat, bar gauge,
                           table with merge/organize, time series and state
                           timeline, with units, thresholds, mappings and
                           overrides) from PROM's data between START and END
                           (unix seconds) into one HTML page laid out by the
                           panels' gridPos (only panels ending above grid row
                           MAXY, if given); template variables are All.
"""

import datetime
import glob
import html
import html.parser
import json
import math
import os
import re
import sys
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

# Loopback only: never through a proxy from the environment.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def die(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------------------
# webhook receiver
# ---------------------------------------------------------------------------

def cmd_webhook(port, path):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(n)
            now = time.time()
            try:
                body = json.loads(raw)
            except ValueError:
                body = {"unparsable": raw.decode("utf-8", "replace")}
            line = json.dumps({"received": now, "path": self.path, "body": body}, sort_keys=True)
            with open(path, "a", encoding="utf-8") as f:
                f.write(line + "\n")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, fmt, *args):
            pass

    HTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()


# ---------------------------------------------------------------------------
# received alerts
# ---------------------------------------------------------------------------

def load_notifications(path):
    """[(received, alert dict)] for every alert of every notification.

    Also checks the shipped routing: each alert arrives at the webhook path
    of its severity's receiver (/thinwatch/critical, /thinwatch/warning).
    """
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            rec = json.loads(line)
            for a in rec["body"].get("alerts", []):
                sev = a["labels"].get("severity")
                if rec.get("path") != "/thinwatch/%s" % sev:
                    die("%s (severity %s) was routed to %s (receiver %s)"
                        % (a["labels"].get("alertname"), sev, rec.get("path"),
                           rec["body"].get("receiver")))
                out.append((rec["received"], a))
    return out


def first_firing(notes, pred):
    got = [(t, a) for t, a in notes if a.get("status") == "firing" and pred(a["labels"])]
    return min(got, key=lambda x: x[0]) if got else (None, None)


def rfc3339(s):
    """Unix time of Alertmanager's startsAt (RFC 3339, up to ns precision)."""
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", s)
    if not m:
        die("cannot parse startsAt " + s)
    base = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
    if m.group(3) == "Z":
        off = 0
    else:
        sign = 1 if m.group(3)[0] == "+" else -1
        off = sign * (int(m.group(3)[1:3]) * 3600 + int(m.group(3)[4:6]) * 60)
    t = base.replace(tzinfo=datetime.timezone.utc).timestamp() - off
    return t + (float(m.group(2)) if m.group(2) else 0.0)


def cmd_alerts(path, zero, lastpos):
    """Every assertion on the webhook's notifications.

    zero:    first time the test saw thinwatch report pool0 free == 0.
    lastpos: last time it saw free > 0 (free reached 0 after this instant).
    """
    zero, lastpos = float(zero), float(lastpos)
    notes = load_notifications(path)
    if not notes:
        die("the webhook received no notification at all")
    pool0 = lambda l: l.get("array") == "cas-storage" and l.get("pool") == "pool0"

    bad = sorted({(a["labels"].get("alertname"), a.get("status"))
                  for _, a in notes if a["labels"].get("array") == "healthy-array"})
    if bad:
        die("alerts were delivered for healthy-array: %s" % bad)
    print("ok: no notification names array=healthy-array (%d alerts delivered in all, each to "
          "its severity's receiver)" % len(notes))

    t, a = first_firing(notes, lambda l: l.get("alertname") == "ThinwatchPoolOvercommitted" and pool0(l))
    if a is None:
        die("ThinwatchPoolOvercommitted for cas-storage/pool0 never reached the webhook")
    for k in ("severity",):
        if not a["labels"].get(k):
            die("ThinwatchPoolOvercommitted has no %s label" % k)
    for k in ("summary", "description", "runbook_url"):
        if not a.get("annotations", {}).get(k):
            die("ThinwatchPoolOvercommitted has no %s annotation" % k)
    if "cas-storage" not in a["annotations"]["summary"] or "pool0" not in a["annotations"]["summary"]:
        die("ThinwatchPoolOvercommitted summary does not name array and pool: %r"
            % a["annotations"]["summary"])
    print("ok: ThinwatchPoolOvercommitted{array=cas-storage,pool=pool0} delivered %.1f s before "
          "free hit 0: %s" % (zero - t, a["annotations"]["summary"]))

    names = ("ThinwatchPoolPredictedFull24h", "ThinwatchPoolPredictedFull7d")
    t, a = first_firing(notes, lambda l: l.get("alertname") in names and pool0(l))
    if a is None:
        die("neither %s nor %s for cas-storage/pool0 reached the webhook" % names)
    starts = rfc3339(a["startsAt"])
    if not t < lastpos:
        die("%s reached the webhook at %.2f, not before pool0's free space hit 0 (still > 0 at "
            "%.2f, 0 at %.2f)" % (a["labels"]["alertname"], t, lastpos, zero))
    if not starts < lastpos:
        die("%s startsAt %s is not before free hit 0" % (a["labels"]["alertname"], a["startsAt"]))
    print("ok: %s{array=cas-storage,pool=pool0} delivered %.1f s before free hit 0 "
          "(startsAt %s; free still > 0 %.1f s after delivery): %s"
          % (a["labels"]["alertname"], zero - t, a["startsAt"], lastpos - t,
             a["annotations"].get("summary", "")))

    t, a = first_firing(notes, lambda l: l.get("alertname") == "ThinwatchVolumeAtRisk"
                        and pool0(l) and l.get("volume") == "jiujiang")
    if a is None:
        die("ThinwatchVolumeAtRisk naming volume jiujiang never reached the webhook")
    if a["labels"].get("wwn") != "600a0b80001234560000abcd00000001":
        die("ThinwatchVolumeAtRisk for jiujiang lacks its wwn label: %s" % a["labels"])
    if "jiujiang" not in a["annotations"].get("summary", ""):
        die("ThinwatchVolumeAtRisk summary does not name jiujiang")
    if "600a0b80001234560000abcd00000001" not in a["annotations"].get("description", ""):
        die("ThinwatchVolumeAtRisk description does not name jiujiang's WWN")
    print("ok: ThinwatchVolumeAtRisk{volume=jiujiang,wwn=%s}: %s"
          % (a["labels"]["wwn"], a["annotations"]["summary"]))

    fired = sorted({a["labels"]["alertname"] for _, a in notes if a.get("status") == "firing"})
    print("info: alerts delivered as firing: " + ", ".join(fired))


# ---------------------------------------------------------------------------
# Alertmanager inhibition and grouping, with alerts POSTed by the test
# ---------------------------------------------------------------------------

# Arrays that thinwatch does not poll, so these never mix with real alerts.
# am-down's target is down: its pool alert must be inhibited; am-up's two
# pool alerts differ only in pool: two notifications, neither inhibited.
SYNTHETIC = {
    "down": {"alertname": "ThinwatchTargetDown", "array": "am-down", "severity": "critical"},
    "down-pool": {"alertname": "ThinwatchPoolFreeLow", "array": "am-down", "pool": "p1",
                  "severity": "warning"},
    "up-pool1": {"alertname": "ThinwatchPoolFreeLow", "array": "am-up", "pool": "p1",
                 "severity": "warning"},
    "up-pool2": {"alertname": "ThinwatchPoolFreeLow", "array": "am-up", "pool": "p2",
                 "severity": "warning"},
}
SYNTH_LABEL = ("thinwatch_test", "synthetic")


def synth_labels(key):
    return dict(SYNTHETIC[key], **{SYNTH_LABEL[0]: SYNTH_LABEL[1]})


def cmd_am_post(am):
    now = time.time()
    iso = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc).isoformat()
    body = [{"labels": synth_labels(k), "annotations": {"summary": "alerting.test synthetic " + k},
             "startsAt": iso(now), "endsAt": iso(now + 3600)} for k in SYNTHETIC]
    req = urllib.request.Request(am.rstrip("/") + "/api/v2/alerts", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with OPENER.open(req, timeout=10) as r:
        if r.status != 200:
            die("POST /api/v2/alerts: HTTP %d" % r.status)
    print("ok: posted %d synthetic alerts to %s" % (len(body), am))


def configured_group_by(amconf):
    """The top-level route's group_by of the Alertmanager config file."""
    with open(amconf, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^route:\n(?:[ \t]+.*\n|[ \t]*\n)*?[ \t]+group_by:[ \t]*\[([^\]]*)\]", text, re.M)
    if not m:
        die("%s: no group_by: [...] in its route" % amconf)
    return [x.strip().strip("'\"") for x in m.group(1).split(",") if x.strip()]


def same(a, b):
    return all(a.get(k) == v for k, v in b.items())


def cmd_am_check(am, hookfile, amconf):
    """Inhibition and grouping of the shipped alertmanager.yml.

    Through GET /api/v2/alerts: am-down's pool alert is inhibited by its
    ThinwatchTargetDown (status.inhibitedBy holds that alert's fingerprint,
    state suppressed); am-up's pool alerts and the TargetDown itself are
    active with no inhibitedBy.  In the webhook's bodies: every notification's
    groupLabels are exactly the configured group_by labels its alerts carry,
    with the alerts' values; am-up's two pool alerts (differing only in pool)
    arrive in two notifications; am-down's pool alert is never delivered.
    """
    group_by = configured_group_by(amconf)
    flt = '%s="%s"' % SYNTH_LABEL
    deadline = time.time() + 30
    while True:
        r = prom_get(am, "/api/v2/alerts", {"filter": flt})
        got = {}
        for a in r if isinstance(r, list) else []:
            for k in SYNTHETIC:
                if a["labels"] == synth_labels(k):
                    got[k] = a
        problems = []
        if set(got) != set(SYNTHETIC):
            problems.append("alertmanager lists %s of the synthetic alerts %s"
                            % (sorted(got), sorted(SYNTHETIC)))
        else:
            fp = got["down"]["fingerprint"]
            st = {k: a["status"] for k, a in got.items()}
            if st["down-pool"].get("inhibitedBy") != [fp] or st["down-pool"].get("state") != "suppressed":
                problems.append("am-down's pool alert is not inhibited by its ThinwatchTargetDown (%s): %s"
                                % (fp, st["down-pool"]))
            for k in ("down", "up-pool1", "up-pool2"):
                if st[k].get("inhibitedBy") or st[k].get("state") != "active":
                    problems.append("%s is not active and uninhibited: %s" % (k, st[k]))
        delivered = {}
        for t, a in load_notifications(hookfile):
            for k in SYNTHETIC:
                if a["labels"] == synth_labels(k) and a.get("status") == "firing":
                    delivered.setdefault(k, t)
        for k in ("down", "up-pool1", "up-pool2"):
            if k not in delivered:
                problems.append("%s never reached the webhook" % k)
        if not problems or time.time() > deadline:
            break
        time.sleep(0.5)
    if problems:
        die("; ".join(problems))
    print("ok: ThinwatchPoolFreeLow{array=am-down} inhibited by ThinwatchTargetDown{array=am-down} "
          "(inhibitedBy %s); am-up's pool alerts active" % got["down"]["fingerprint"])

    # Give a wrongly uninhibited notification time to arrive: group_wait is
    # 1 s and am-up's alerts, posted with it, have already been delivered.
    time.sleep(3)
    groups = {}
    nnotes = 0
    with open(hookfile, encoding="utf-8") as f:
        for n, line in enumerate(f):
            if not line.strip():
                continue
            body = json.loads(line)["body"]
            alerts = body.get("alerts", [])
            gl = body.get("groupLabels", {})
            nnotes += 1
            for a in alerts:
                want = {k: a["labels"][k] for k in group_by if k in a["labels"]}
                if gl != want:
                    die("notification %d: groupLabels %s, but the configured group_by %s gives %s for %s"
                        % (n + 1, gl, group_by, want, a["labels"]))
                for k in SYNTHETIC:
                    if a["labels"] == synth_labels(k):
                        if k == "down-pool":
                            die("the inhibited ThinwatchPoolFreeLow{array=am-down} reached the webhook")
                        groups.setdefault(k, set()).add(n)
    if groups["up-pool1"] & groups["up-pool2"]:
        die("am-up's pool p1 and p2 alerts were sent in one notification (not grouped by pool)")
    print("ok: %d notifications, each with groupLabels = its alerts' %s; am-up p1 and p2 in separate "
          "notifications; the inhibited alert never delivered" % (nnotes, "/".join(group_by)))


# ---------------------------------------------------------------------------
# dashboard panel queries
# ---------------------------------------------------------------------------

VAR_RE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)")


def substitute(expr, values):
    unknown = set()

    def rep(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name in values:
            return values[name]
        unknown.add(name)
        return m.group(0)

    return VAR_RE.sub(rep, expr), unknown


def walk_panels(panels):
    for p in panels or []:
        yield p
        yield from walk_panels(p.get("panels"))


def prom_get(prom, path, params):
    url = prom.rstrip("/") + path + "?" + urllib.parse.urlencode(params, doseq=True)
    try:
        with OPENER.open(url, timeout=30) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        try:
            return json.load(e)
        except ValueError:
            return {"status": "error", "error": "HTTP %d" % e.code}


def default_vars(extra):
    v = {
        "__rate_interval": "1m", "__interval": "15s", "__interval_ms": "15000",
        "__range": "5m", "__range_s": "300", "__range_ms": "300000",
    }
    v.update(extra)
    return v


def run_query(prom, expr, values):
    """(number of series or None when empty, error or None) of an instant query."""
    q, unknown = substitute(expr, values)
    if unknown:
        return None, "unknown template variable(s) %s" % sorted(unknown)
    r = prom_get(prom, "/api/v1/query", {"query": q})
    if r.get("status") != "success":
        return None, "query error %s: %s" % (r.get("error"), q)
    data = r["data"]
    if data["resultType"] in ("vector", "matrix"):
        return (len(data["result"]) or None), None
    return 1, None


def run_label_values(prom, q, values):
    """Same for a label_values(SELECTOR, LABEL) template query."""
    m = re.match(r"\s*label_values\((.*),\s*(\w+)\s*\)\s*$", q)
    sel, unknown = substitute(m.group(1), values)
    if unknown:
        return None, "unknown template variable(s) %s" % sorted(unknown)
    r = prom_get(prom, "/api/v1/label/%s/values" % m.group(2), {"match[]": sel})
    if r.get("status") != "success":
        return None, "query error %s: %s" % (r.get("error"), q)
    return (len(r["data"]) or None), None


def cmd_panels(prom, dashdir, args):
    """Every panel and label_values() query returns data in at least one case.

    A case is one choice of the template variables (an array and pool the
    run has data for).  A query error or unknown variable in any case fails.
    """
    extra, cases = {}, []
    it = iter(args)
    for a in it:
        if a == "--var":
            k, _, val = next(it).partition("=")
            extra[k] = val
        elif a == "--case":
            cases.append(dict(kv.partition("=")[::2] for kv in next(it).split(",")))
        else:
            die("panels: unknown argument " + a)
    if not cases:
        die("panels: no --case")
    names = [",".join("%s=%s" % kv for kv in sorted(c.items())) for c in cases]
    files = sorted(glob.glob(os.path.join(dashdir, "*.json")))
    if not files:
        die("no dashboards in " + dashdir)
    failures, nq, per_case = [], 0, [0] * len(cases)
    for path in files:
        base = os.path.basename(path)
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        queries = []
        for p in walk_panels(d.get("panels")):
            for tg in p.get("targets") or []:
                if tg.get("expr"):
                    queries.append(("panel %r %s" % (p.get("title", ""), tg.get("refId", "")),
                                    run_query, tg["expr"]))
        for tv in (d.get("templating") or {}).get("list", []):
            q = tv.get("query")
            if isinstance(q, dict):
                q = q.get("query")
            if tv.get("type") == "query" and re.match(r"\s*label_values\(.*,\s*\w+\s*\)\s*$", q or ""):
                queries.append(("variable %s" % tv.get("name"), run_label_values, q))
        for where, fn, q in queries:
            nq += 1
            hits = []
            for i, c in enumerate(cases):
                n, err = fn(prom, q, default_vars(dict(extra, **c)))
                if err:
                    failures.append("%s: %s [%s]: %s" % (base, where, names[i], err))
                elif n:
                    hits.append("%s: %d" % (names[i], n))
                    per_case[i] += 1
            if hits:
                print("ok: %s: %s -> %s" % (base, where, "; ".join(hits)))
            else:
                failures.append("%s: %s: no data in any case: %s" % (base, where, q))
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    if nq == 0:
        die("no panel queries found in " + dashdir)
    if failures:
        sys.exit(1)
    print("ok: all %d dashboard queries (panels and label_values variables) in %d files return data; "
          "per case: %s" % (nq, len(files), ", ".join("%s: %d" % x for x in zip(names, per_case))))


# ---------------------------------------------------------------------------
# status page DOM
# ---------------------------------------------------------------------------

class RowParser(html.parser.HTMLParser):
    """Collects tr.pool rows and tr.target rows (attributes, text, flags, cell
    texts, bar widths and links), the page's meta tags, every tag's src/href
    and the text of <style> elements."""

    def __init__(self):
        super().__init__()
        self.rows, self.targets, self.cur = [], [], None
        self.flag_depth = None
        self.cell = None
        self.metas, self.refs, self.links, self.style, self.in_style = [], [], [], "", False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "meta":
            self.metas.append(a)
        if tag == "style":
            self.in_style = True
        for k in ("src", "href", "srcset", "data", "action", "poster"):
            if k in a:
                self.refs.append((tag, k, a[k] or ""))
        if tag == "link":
            self.links.append(a)
        if tag == "tr" and ("pool" in cls or "target" in cls):
            self.cur = {"attrs": a, "text": "", "flags": [], "cells": [], "bars": {}, "hrefs": [],
                        "kind": "pool" if "pool" in cls else "target"}
        elif self.cur is not None:
            if tag == "td":
                self.cell = ""
            elif tag == "span" and "flag" in cls:
                self.flag_depth = ""
            elif tag == "div" and ("used" in cls or "over" in cls):
                m = re.search(r"width:\s*([0-9.]+)%", a.get("style") or "")
                self.cur["bars"]["used" if "used" in cls else "over"] = float(m.group(1)) if m else None
            elif tag == "a":
                self.cur["hrefs"].append(a.get("href"))

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False
        if tag == "span" and self.flag_depth is not None and self.cur is not None:
            self.cur["flags"].append(self.flag_depth.strip())
            self.flag_depth = None
        if tag == "td" and self.cur is not None and self.cell is not None:
            self.cur["cells"].append(self.cell.strip())
            self.cell = None
        if tag == "tr" and self.cur is not None:
            (self.rows if self.cur["kind"] == "pool" else self.targets).append(self.cur)
            self.cur = None

    def handle_data(self, data):
        if self.in_style:
            self.style += data
        if self.cur is not None:
            self.cur["text"] += data
            if self.flag_depth is not None:
                self.flag_depth += data
            if self.cell is not None:
                self.cell += data


UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40, "PiB": 1 << 50,
         "EiB": 1 << 60}


def parse_bytes(text):
    """(bytes, relative rounding error) of the status page's human_bytes()."""
    m = re.match(r"^([0-9.]+) (B|[KMGTPE]iB)$", text)
    if not m:
        die("status page: %r is not a byte size" % text)
    v = float(m.group(1))
    return v * UNITS[m.group(2)], (0.005 / v if v and m.group(2) != "B" else 0.0)


def parse_duration(text):
    """Seconds of the status page's human_duration(), or None."""
    m = re.match(r"^([0-9]+(?:\.[0-9])?) (s|min|h|d)$", text)
    if not m:
        return None
    return float(m.group(1)) * {"s": 1, "min": 60, "h": 3600, "d": 86400}[m.group(2)]


# Columns of table#pools (the status page's <thead>).
POOL_COLS = ("array", "pool", "fill", "capacity", "used", "free", "provisioned", "overcommit",
             "shortfall", "ttf")


def check_bars(row):
    """The fill bar's widths match the row's capacity, used and provisioned.

    The bar spans max(capacity, provisioned): the used part is used / span,
    the hatched part provisioned beyond capacity, (provisioned - capacity) / span.
    """
    c = dict(zip(POOL_COLS, row["cells"]))
    if len(row["cells"]) != len(POOL_COLS):
        die("pool row has %d cells, want %d: %s" % (len(row["cells"]), len(POOL_COLS), row["cells"]))
    c["array"], c["pool"] = row["attrs"].get("data-array"), row["attrs"].get("data-pool")
    (cap, ec), (used, eu), (prov, ep) = (parse_bytes(c[k]) for k in ("capacity", "used", "provisioned"))
    span = max(cap, prov)
    want_used = 100.0 * used / span
    want_over = 100.0 * (prov - cap) / span if prov > cap else 0.0
    # 0.05 for the page's %.1f, plus the displayed figures' rounding.
    tol = 0.06 + 100.0 * (ec + eu + ep) * 2
    got_used, got_over = row["bars"].get("used"), row["bars"].get("over")
    if got_used is None or got_over is None:
        die("%s/%s: fill bar without used/over widths: %s" % (c["array"], c["pool"], row["bars"]))
    if abs(got_used - want_used) > tol or abs(got_over - want_over) > tol:
        die("%s/%s: fill bar used %.1f%% over %.1f%%, want %.1f%% and %.1f%% for capacity %s, used %s, "
            "provisioned %s" % (c["array"], c["pool"], got_used, got_over, want_used, want_over,
                                c["capacity"], c["used"], c["provisioned"]))
    return "%s/%s used %.1f%% + over %.1f%%" % (c["array"], c["pool"], got_used, got_over)


def check_page(p, text):
    """Auto-refresh, phone viewport, no external assets, links to /metrics."""
    refresh = [m for m in p.metas if (m.get("http-equiv") or "").lower() == "refresh"]
    if not refresh or not re.match(r"^\s*[1-9][0-9]*\s*$", refresh[0].get("content") or ""):
        die("status page: no <meta http-equiv=refresh content=SECONDS>: %s" % p.metas)
    vp = [m for m in p.metas if m.get("name") == "viewport"]
    if not vp or "width=device-width" not in (vp[0].get("content") or ""):
        die("status page: no <meta name=viewport content=width=device-width...>: %s" % p.metas)
    for tag, attr, val in p.refs:
        if tag in ("script", "img", "iframe", "object", "embed", "link"):
            die("status page loads an asset: <%s %s=%r>" % (tag, attr, val))
        if re.match(r"^\s*([a-z][a-z0-9+.-]*:|//)", val, re.I):
            die("status page refers to another host: <%s %s=%r>" % (tag, attr, val))
    if p.links:
        die("status page has <link> elements (external CSS or icons): %s" % p.links)
    if re.search(r"@import|url\(", p.style):
        die("status page CSS loads something (@import or url()): %s" % p.style[:200])
    if re.search(r"<script\b[^>]*\bsrc=", text, re.I):
        die("status page has a <script src>")
    hrefs = [v for t, k, v in p.refs if t == "a" and k == "href"]
    if "/metrics" not in hrefs:
        die("status page does not link to /metrics: %s" % hrefs)
    for t in p.targets:
        name = t["attrs"].get("data-array")
        want = "/probe?target=" + urllib.parse.quote(name, safe="")
        if want not in t["hrefs"]:
            die("target %s: no link to %s (links %s)" % (name, want, t["hrefs"]))
    return "meta refresh %ss, viewport, no external assets, links to /metrics and /probe?target= " \
        "for %d targets" % (refresh[0]["content"], len(p.targets))


def cmd_dom(path, *opts):
    """Checks chromium's --dump-dom of thinwatch's status page.

    Always: check_page(); pool0 of cas-storage first, data-overcommitted=1 and
    flagged OVERCOMMITTED; healthy-array's pool after it, not flagged; both
    targets up; every pool's fill bar widths (check_bars), pool0's with a
    part provisioned beyond capacity.
    --growing RATE: pool0's time to full is a finite duration, within a
    factor of 2 of its free space / RATE (bytes per second of wall time).
    --down ARRAY=REASON: that target's row says it is down with REASON.
    """
    growing, down = None, None
    it = iter(opts)
    for o in it:
        if o == "--growing":
            growing = float(next(it))
        elif o == "--down":
            down = next(it).split("=", 1)
        else:
            die("dom: unknown option " + o)
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if "id=\"pools\"" not in text:
        die("rendered DOM has no table#pools")
    p = RowParser()
    p.feed(text)
    print("ok: " + check_page(p, text))
    rows = p.rows
    if not rows:
        die("rendered DOM has no tr.pool rows")
    first = rows[0]["attrs"]
    if (first.get("data-array"), first.get("data-pool")) != ("cas-storage", "pool0"):
        die("first pool row is %s/%s, not cas-storage/pool0"
            % (first.get("data-array"), first.get("data-pool")))
    if first.get("data-overcommitted") != "1":
        die("pool0 row has data-overcommitted=%r" % first.get("data-overcommitted"))
    if "OVERCOMMITTED" not in rows[0]["flags"]:
        die("pool0 row has no OVERCOMMITTED flag (flags: %s)" % rows[0]["flags"])
    healthy = [i for i, r in enumerate(rows) if r["attrs"].get("data-array") == "healthy-array"]
    if not healthy or healthy[0] == 0:
        die("healthy-array's pool is missing or not after pool0")
    h = rows[healthy[0]]
    if h["attrs"].get("data-overcommitted") != "0" or h["flags"]:
        die("healthy-array's pool is flagged: %s %s" % (h["attrs"], h["flags"]))
    bars = [check_bars(r) for r in rows]
    if not rows[0]["bars"]["over"] > 0:
        die("pool0 (provisioned beyond capacity) has no hatched part in its fill bar")
    print("ok: fill bars match the figures: " + "; ".join(bars))
    ups = {t["attrs"].get("data-array"): t["attrs"].get("data-up") for t in p.targets}
    if ups.get("cas-storage") != "1" or ups.get("healthy-array") != "1":
        die("table#targets does not show both targets up: %s" % ups)
    if down:
        t = [t for t in p.targets if t["attrs"].get("data-array") == down[0]]
        if not t or t[0]["attrs"].get("data-up") != "0":
            die("target %s is not shown down: %s" % (down[0], ups))
        last = t[0]["cells"][3] if len(t[0]["cells"]) > 3 else ""
        if not re.match(r"^down %s: \S" % re.escape(down[1]), last):
            die("target %s: last poll %r does not say 'down %s: <error>'" % (down[0], last, down[1]))
        print("ok: target %s shown as %r" % (down[0], last))
    if growing is not None:
        c = dict(zip(POOL_COLS, rows[0]["cells"]))
        ttf = parse_duration(c["ttf"])
        free, _ = parse_bytes(c["free"])
        if ttf is None or not free > 0:
            die("pool0 while growing (free %s): time to full %r is not a finite duration"
                % (c["free"], c["ttf"]))
        want = free / growing
        if not want / 2 <= ttf <= want * 2 + 5:
            die("pool0: time to full %s, but free %s at %.3g B/s fills in about %.0f s"
                % (c["ttf"], c["free"], growing, want))
        print("ok: pool0 growing: time to full %s (free %s / %.3g B/s = %.0f s)"
              % (c["ttf"], c["free"], growing, want))
    print("ok: status page DOM: %s" % " > ".join(
        "%s/%s%s" % (r["attrs"].get("data-array"), r["attrs"].get("data-pool"),
                     "[" + ",".join(r["flags"]) + "]" if r["flags"] else "") for r in rows))


# ---------------------------------------------------------------------------
# fleet dashboard rendering (stand-in for a Grafana screenshot)
# ---------------------------------------------------------------------------

PALETTE = ["#73bf69", "#fade2a", "#5794f2", "#ff9830", "#f2495c", "#b877d9", "#8ab8ff", "#37872d"]
GRAFANA_COLORS = {"green": "#73bf69", "red": "#f2495c", "orange": "#ff9830", "yellow": "#fade2a",
                  "blue": "#5794f2", "purple": "#b877d9", "text": "#ccccdc", "transparent": "",
                  "dark-red": "#c4162a", "dark-orange": "#fa6400", "dark-yellow": "#e0b400",
                  "dark-green": "#37872d", "semi-dark-red": "#e02f44", "semi-dark-orange": "#ff780a",
                  "semi-dark-yellow": "#f2cc0c", "semi-dark-green": "#56a64b"}


def gcolor(c, default="#ccccdc"):
    if not c:
        return default
    return GRAFANA_COLORS.get(c, c if c.startswith(("#", "rgb")) else default)


def field_config(panel, name=None):
    """The panel's field defaults with the byName overrides of field `name` applied."""
    fc = panel.get("fieldConfig") or {}
    cfg = dict(fc.get("defaults") or {})
    custom = dict(cfg.get("custom") or {})
    for o in fc.get("overrides") or []:
        m = o.get("matcher") or {}
        if name is not None and m.get("id") == "byName" and m.get("options") == name:
            for prop in o.get("properties") or []:
                if prop.get("id", "").startswith("custom."):
                    custom[prop["id"][len("custom."):]] = prop.get("value")
                else:
                    cfg[prop.get("id")] = prop.get("value")
    cfg["custom"] = custom
    return cfg


def mapped(v, cfg):
    """(text, colour) of a value mapping that matches v, or (None, None)."""
    for m in cfg.get("mappings") or []:
        if m.get("type") == "value":
            for k, r in (m.get("options") or {}).items():
                try:
                    if float(k) == v:
                        return r.get("text"), r.get("color")
                except ValueError:
                    pass
    return None, None


def value_color(v, cfg):
    text, color = mapped(v, cfg)
    if color:
        return gcolor(color)
    steps = (cfg.get("thresholds") or {}).get("steps") or []
    color = None
    for st in steps:
        if st.get("value") is None or v >= st["value"]:
            color = st.get("color")
    return gcolor(color, "#73bf69") if color != "transparent" else ""


def fmt_value(v, cfg):
    if v is None or (isinstance(v, float) and (math.isnan(v) or math.isinf(v))):
        return "–"
    text, _ = mapped(v, cfg)
    if text is not None:
        return text
    unit, dec = cfg.get("unit") or "none", cfg.get("decimals")
    if unit in ("bytes", "decbytes"):
        step, units = (1024.0, ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]) if unit == "bytes" \
            else (1000.0, ["B", "kB", "MB", "GB", "TB", "PB"])
        x, i = abs(v), 0
        while x >= step and i < len(units) - 1:
            x /= step
            i += 1
        d = dec if dec is not None else (0 if i == 0 else 2)
        return "%s%.*f %s" % ("-" if v < 0 else "", d, x, units[i])
    if unit == "Bps":
        return fmt_value(v, {"unit": "bytes", "decimals": dec}) + "/s"
    if unit == "percentunit":
        return "%.*f%%" % (1 if dec is None else dec, v * 100)
    if unit == "percent":
        return "%.*f%%" % (1 if dec is None else dec, v)
    if unit in ("s", "dtdurations"):
        a = abs(v)
        if a < 120:
            return "%.0f s" % v
        if a < 7200:
            return "%.0f min" % (v / 60)
        if a < 3 * 86400:
            return "%.1f hour" % (v / 3600)
        return "%.1f day" % (v / 86400)
    if dec is not None:
        return "%.*f" % (dec, v)
    if v == int(v) and abs(v) < 1e15:
        return "%d" % v
    return "%.3g" % v


def legend(fmt, labels):
    if fmt and fmt != "__auto":
        return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), fmt)
    items = ['%s="%s"' % (k, v) for k, v in sorted(labels.items()) if k != "__name__"]
    return ("{" + ", ".join(items) + "}") if items else labels.get("__name__", "")


def mini_markdown(text):
    t = html.escape(text)
    t = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", t)
    t = re.sub(r"\*(.+?)\*", r"<i>\1</i>", t)
    t = re.sub(r"\[(.+?)\]\((.+?)\)", r"<u>\1</u>", t)
    return t.replace("\n\n", "<br><br>")


class Renderer:
    """Draws dashboard panels from Prometheus data, the way Grafana lays them out."""

    def __init__(self, prom, values, start, end):
        self.prom, self.values, self.start, self.end = prom, values, start, end
        self.step = max(1, int((end - start) / 240))

    def instant(self, expr):
        q, _ = substitute(expr, self.values)
        r = prom_get(self.prom, "/api/v1/query", {"query": q, "time": self.end})
        data = r.get("data") or {} if r.get("status") == "success" else {}
        if data.get("resultType") == "scalar":
            return [({}, float(data["result"][1]))]
        return [(s["metric"], float(s["value"][1])) for s in data.get("result", [])] \
            if data.get("resultType") == "vector" else []

    def range(self, expr):
        q, _ = substitute(expr, self.values)
        r = prom_get(self.prom, "/api/v1/query_range",
                     {"query": q, "start": self.start, "end": self.end, "step": self.step})
        res = (r.get("data") or {}).get("result", []) if r.get("status") == "success" else []
        return [(s["metric"], [(float(t), float(v)) for t, v in s["values"]]) for s in res]

    # -- panel types --------------------------------------------------------

    def stat(self, p, w, h):
        vals = []
        for tg in self.targets(p):
            for labels, v in self.instant(tg["expr"]):
                vals.append((legend(tg.get("legendFormat"), labels) if tg.get("legendFormat") else "", v))
        if not vals:
            return "<div class=nodata>No data</div>"
        cfg = field_config(p)
        size = 30 if len(vals) == 1 else 22
        return "<div class=stats>%s</div>" % "".join(
            '<div class=stat><em style="color:%s;font-size:%dpx">%s</em>%s</div>'
            % (value_color(v, cfg) or "#ccccdc", size, html.escape(fmt_value(v, cfg)),
               "<span>%s</span>" % html.escape(n) if n and len(vals) > 1 else "")
            for n, v in vals[:6])

    def bargauge(self, p, w, h):
        rows = []
        for tg in self.targets(p):
            for labels, v in self.instant(tg["expr"]):
                rows.append((legend(tg.get("legendFormat"), labels), v))
        if not rows:
            return "<div class=nodata>No data</div>"
        cfg = field_config(p)
        hi = cfg.get("max")
        if hi is None:
            hi = max(abs(v) for _, v in rows) or 1
            steps = [st.get("value") for st in (cfg.get("thresholds") or {}).get("steps", [])
                     if st.get("value") is not None]
            hi = max([hi] + steps) if steps and max(steps) < 10 * hi else hi
        out = []
        for n, v in rows[:10]:
            c = value_color(v, cfg) or "#5794f2"
            out.append('<div class=bg><span>%s</span><i><b style="width:%.1f%%;background:%s"></b></i>'
                       '<em style="color:%s">%s</em></div>'
                       % (html.escape(n), max(0.5, min(100, 100 * abs(v) / hi)), c, c,
                          html.escape(fmt_value(v, cfg))))
        return "".join(out)

    def table(self, p, w, h):
        tgs = self.targets(p)
        rows, label_cols = {}, []
        for tg in tgs:
            col = "Value" if len(tgs) == 1 else "Value #" + tg.get("refId", "A")
            for labels, v in self.instant(tg["expr"]):
                lab = {k: x for k, x in labels.items() if k != "__name__"}
                for k in lab:
                    if k not in label_cols:
                        label_cols.append(k)
                key = tuple(sorted(lab.items()))
                rows.setdefault(key, dict(lab))[col] = v
        if not rows:
            return "<div class=nodata>No data</div>"
        cols = label_cols + ["Value" if len(tgs) == 1 else "Value #" + t.get("refId", "A") for t in tgs]
        rename, exclude, index = {}, {"Time": True}, {}
        for tr in p.get("transformations") or []:
            if tr.get("id") == "organize":
                o = tr.get("options") or {}
                rename.update(o.get("renameByName") or {})
                exclude.update(o.get("excludeByName") or {})
                index.update(o.get("indexByName") or {})
        cols = [c for c in cols if not exclude.get(c)]
        order = {c: i for i, c in enumerate(cols)}
        cols.sort(key=lambda c: (index.get(c, 1000), order[c]))
        names = [rename.get(c, c) for c in cols]
        table = list(rows.values())
        for sb in reversed((p.get("options") or {}).get("sortBy") or []):
            if sb.get("displayName") in names:
                c = cols[names.index(sb["displayName"])]
                table.sort(key=lambda r: (r.get(c) is None, r.get(c) if isinstance(r.get(c), float) else 0),
                           reverse=bool(sb.get("desc")))
                # rows without the value go last either way
                table.sort(key=lambda r: r.get(c) is None)
        out = ["<table><tr>"]
        cfgs = [field_config(p, n) for n in names]
        for c, n in zip(cols, names):
            out.append('<th%s>%s</th>' % (" class=num" if c.startswith("Value") else "", html.escape(n)))
        out.append("</tr>")
        for r in table[:max(1, int((h - 40) / 22))]:
            out.append("<tr>")
            for c, cfg in zip(cols, cfgs):
                v = r.get(c)
                if not c.startswith("Value"):
                    out.append("<td>%s</td>" % html.escape(str(v if v is not None else "")))
                    continue
                if v is None:
                    out.append("<td class=num></td>")
                    continue
                kind = ((cfg.get("custom") or {}).get("cellOptions") or {}).get("type", "auto")
                col, text = value_color(v, cfg), html.escape(fmt_value(v, cfg))
                if kind == "color-text" and col:
                    out.append('<td class=num style="color:%s">%s</td>' % (col, text))
                elif kind == "color-background" and col:
                    out.append('<td class=num style="background:%s;color:#fff">%s</td>' % (col, text))
                elif kind == "gauge":
                    lo, hi = cfg.get("min", 0), cfg.get("max", 1)
                    frac = max(0.0, min(1.0, (v - lo) / ((hi - lo) or 1)))
                    out.append('<td class=num><span class=gauge><b style="width:%.0f%%;background:%s">'
                               '</b></span>%s</td>' % (frac * 100, col or "#5794f2", text))
                else:
                    out.append("<td class=num>%s</td>" % text)
            out.append("</tr>")
        out.append("</table>")
        return "".join(out)

    def timeseries(self, p, w, h):
        series = []
        for tg in self.targets(p):
            for labels, pts in self.range(tg["expr"]):
                series.append((legend(tg.get("legendFormat"), labels), pts))
        series = series[:8]
        if not series:
            return "<div class=nodata>No data</div>"
        cfg = field_config(p)
        nleg = min(len(series), 4)
        return svg_chart(series, cfg, int(w) - 16, int(h) - 34 - 16 * nleg, self.start, self.end) + \
            "<div class=legend>%s</div>" % "".join(
                '<span><i style="background:%s"></i>%s</span>' % (PALETTE[k % len(PALETTE)], html.escape(n))
                for k, (n, _) in enumerate(series))

    def state_timeline(self, p, w, h):
        series = []
        for tg in self.targets(p):
            for labels, pts in self.range(tg["expr"]):
                series.append((legend(tg.get("legendFormat"), labels), pts))
        if not series:
            return "<div class=nodata>No data</div>"
        cfg = field_config(p)
        span = max(self.end - self.start, 1)
        out = []
        for name, pts in series[:6]:
            segs = []
            for i, (t, v) in enumerate(pts):
                t2 = pts[i + 1][0] if i + 1 < len(pts) else self.end
                segs.append('<b style="left:%.2f%%;width:%.2f%%;background:%s"></b>'
                            % (100 * (t - self.start) / span, 100 * (t2 - t) / span + 0.05,
                               value_color(v, cfg) or "#5794f2"))
            out.append('<div class=st><span>%s</span><i>%s</i></div>' % (html.escape(name), "".join(segs)))
        return "".join(out)

    def text(self, p, w, h):
        return '<div class=text>%s</div>' % mini_markdown((p.get("options") or {}).get("content") or "")

    @staticmethod
    def targets(p):
        return [t for t in p.get("targets") or [] if t.get("expr") and not t.get("hide")]

    def panel(self, p, w, h):
        kind = p.get("type", "")
        fn = {"stat": self.stat, "bargauge": self.bargauge, "gauge": self.stat, "table": self.table,
              "timeseries": self.timeseries, "graph": self.timeseries,
              "state-timeline": self.state_timeline, "text": self.text}.get(kind)
        return fn(p, w, h) if fn else "<div class=nodata>(%s panel)</div>" % html.escape(kind)


def svg_chart(series, cfg, w, h, t0, t1):
    """series: [(name, [(t, v)])] -> SVG line chart."""
    pad_l, pad_r, pad_t, pad_b = 70, 8, 6, 18
    vals = [v for _, pts in series for _, v in pts if not math.isnan(v) and not math.isinf(v)]
    lo, hi = min(vals + [0.0]), max(vals + [0.0])
    if cfg.get("min") is not None:
        lo = cfg["min"]
    if cfg.get("max") is not None:
        hi = cfg["max"]
    if hi == lo:
        hi = lo + 1
    pw, ph = w - pad_l - pad_r, h - pad_t - pad_b
    X = lambda t: pad_l + (t - t0) / max(t1 - t0, 1) * pw
    Y = lambda v: pad_t + (1 - (v - lo) / (hi - lo)) * ph
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d">' % (w, h)]
    for i in range(5):
        v = lo + (hi - lo) * i / 4
        y = round(Y(v)) + 0.5
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#2c3038"/>' % (pad_l, w - pad_r, y, y))
        out.append('<text x="%d" y="%.1f" text-anchor="end" class="ax">%s</text>'
                   % (pad_l - 4, y + 3.5, html.escape(fmt_value(v, dict(cfg, decimals=None)
                                                                 if cfg.get("unit") in ("bytes",) else cfg))))
    nx = 4 if pw >= 360 else 2
    for i in range(nx):
        t = t0 + (t1 - t0) * i / (nx - 1)
        out.append('<text x="%.1f" y="%d" text-anchor="%s" class="ax">%s</text>'
                   % (X(t), h - 3, "start" if i == 0 else "end" if i == nx - 1 else "middle",
                      time.strftime("%H:%M:%S", time.localtime(t))))
    for k, (_, pts) in enumerate(series):
        pts = [(t, v) for t, v in pts if not math.isnan(v) and not math.isinf(v)]
        if not pts:
            continue
        d = " ".join("%.1f,%.1f" % (X(t), Y(v)) for t, v in pts)
        c = PALETTE[k % len(PALETTE)]
        base = Y(max(lo, 0)) if lo <= 0 <= hi else Y(lo)
        out.append('<polygon fill="%s" fill-opacity="0.12" points="%.1f,%.1f %s %.1f,%.1f"/>'
                   % (c, X(pts[0][0]), base, d, X(pts[-1][0]), base))
        out.append('<polyline fill="none" stroke="%s" stroke-width="1.6" points="%s"/>' % (c, d))
    out.append("</svg>")
    return "".join(out)


def cmd_fleet(prom, dash_path, start, end, out_path, max_y=None):
    start, end = float(start), float(end)
    with open(dash_path, encoding="utf-8") as f:
        d = json.load(f)
    rng = max(int(end - start), 60)
    values = default_vars({"array": ".*", "pool": ".*", "volume": ".*", "datasource": "prometheus",
                           "__range": "%ds" % rng, "__range_s": str(rng), "__range_ms": str(rng * 1000)})
    r = Renderer(prom, values, start, end)
    page_w = 1248
    cell_w, cell_h, gap = page_w / 24.0, 30, 8
    blocks, max_px = [], 0
    for p in walk_panels(d.get("panels")):
        gp = p.get("gridPos") or {}
        x, y, w, h = gp.get("x", 0), gp.get("y", 0), gp.get("w", 12), gp.get("h", 8)
        if max_y is not None and y + h > int(max_y):
            continue
        left, top = x * cell_w, y * cell_h
        width, height = w * cell_w - gap, h * cell_h - gap
        max_px = max(max_px, top + height)
        title = p.get("title", "")
        if p.get("type") == "row":
            blocks.append('<div class="row" style="left:%dpx;top:%dpx;width:%dpx">%s</div>'
                          % (left, top + 6, page_w - gap, html.escape(title)))
            continue
        blocks.append('<div class="panel" style="left:%dpx;top:%dpx;width:%dpx;height:%dpx">'
                      '<h3>%s</h3>%s</div>' % (left, top, width, height, html.escape(title),
                                               r.panel(p, width, height)))
    page = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>%(title)s</title><style>
body{margin:0;padding:12px 8px 12px 12px;background:#111217;color:#ccccdc;font:13px system-ui,sans-serif}
header{margin-bottom:12px}header b{font-size:17px;color:#fff}header span{color:#8e8e9e;margin-left:1em;font-size:12px}
.grid{position:relative;height:%(h)dpx}
.panel{position:absolute;background:#181b1f;border:1px solid #2a2d33;border-radius:3px;overflow:hidden;padding:6px 8px;box-sizing:border-box}
.panel h3{margin:0 0 6px;font-size:13px;font-weight:500;color:#d8d9da}
.row{position:absolute;font-size:15px;color:#fff;font-weight:500}
.ax{font-size:10px;fill:#8e8e9e}
.legend{font-size:11px}.legend span{margin-right:12px;white-space:nowrap}.legend i{display:inline-block;width:12px;height:3px;margin-right:4px;vertical-align:middle}
.stats{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-around;height:calc(100%% - 26px)}
.stat{text-align:center;margin:0 8px}.stat em{display:block;font-style:normal;font-weight:500}.stat span{font-size:11px;color:#8e8e9e}
table{border-collapse:collapse;width:100%%;font-size:12px}th{color:#6e9fff;font-weight:500}
th,td{padding:3px 6px;border-bottom:1px solid #2a2d33;text-align:left;white-space:nowrap}.num{text-align:right}
.gauge{display:inline-block;width:60px;height:8px;background:#22252b;margin-right:6px;vertical-align:middle}.gauge b{display:block;height:8px}
.bg{display:flex;align-items:center;margin:4px 0;font-size:11px}.bg span{width:34%%;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
.bg i{flex:1;height:14px;background:#22252b;margin:0 6px}.bg b{display:block;height:14px}.bg em{font-style:normal;width:5.5em;text-align:right;font-weight:500}
.st{display:flex;align-items:center;margin:4px 0;font-size:11px}.st span{width:20%%}.st i{flex:1;position:relative;height:18px}.st b{position:absolute;top:0;bottom:0}
.nodata{color:#8e8e9e;padding:1em;text-align:center}.text{color:#b0b0c0;font-size:12px;line-height:1.35}
</style></head><body><header><b>%(title)s</b><span>rendering of the dashboard's panel queries against the test's Prometheus, not Grafana &middot; array = All, pool = All &middot; %(when)s</span></header>
<div class="grid">%(blocks)s</div></body></html>
""" % {"title": html.escape(d.get("title", "dashboard")), "h": max_px + 4, "blocks": "".join(blocks),
       "when": time.strftime("%Y-%m-%d %H:%M", time.localtime(end))}
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(page)
    print("ok: rendered %d panels of %s into %s" % (len(blocks), dash_path, out_path))
    print("window-size=1268,%d" % (max_px + 56))


def main(argv):
    if len(argv) < 2:
        die(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "webhook" and len(args) == 2:
        cmd_webhook(*args)
    elif cmd == "alerts" and len(args) == 3:
        cmd_alerts(*args)
    elif cmd == "panels" and len(args) >= 2:
        cmd_panels(args[0], args[1], args[2:])
    elif cmd == "dom" and len(args) >= 1:
        cmd_dom(*args)
    elif cmd == "am-post" and len(args) == 1:
        cmd_am_post(*args)
    elif cmd == "am-check" and len(args) == 3:
        cmd_am_check(*args)
    elif cmd == "fleet" and len(args) in (5, 6):
        cmd_fleet(*args)
    else:
        die("bad usage\n" + __doc__)


if __name__ == "__main__":
    main(sys.argv)
