#!/usr/bin/env python3
"""dashboards_check.py — static checks of thinwatch's rules, runbook and dashboards.

    dashboards_check.py SRCDIR WORKDIR

Used by tests/integration/dashboards.test; Python 3 standard library only.

Checks:
  rules     packaging/prometheus/thinwatch-rules.yml: the alert names are the
            stable set below; every alert has a severity (warning|critical),
            summary, description and a runbook_url whose anchor is a heading
            of packaging/prometheus/RUNBOOK.md; every expression uses only
            contract metrics (DESIGN.md) and recording rules of the file, and
            only contract label names.
  dashboards dashboards/*.json: importable (__inputs with DS_PROMETHEUS,
            __requires naming Grafana, the Prometheus data source and every
            panel type used), variables datasource/array/pool, unique uids
            and panel ids, every query on the ${datasource} variable; every
            panel target's expr and every variable's label_values() selector,
            with Grafana's variables replaced by sample values, uses only
            contract metrics and recording rules and contract label names.
            The substituted expressions are written to WORKDIR/dashboard-exprs.yml
            as recording rules, for the caller to parse with
            `promtool check rules` (promtool 2.42 has no `query parse`), and
            WORKDIR/dashboard-exprs.test.yml, for `promtool test rules`: it
            evaluates them on sample data and wants a result from each.

Exit status: 0 all good, 1 a check failed, 2 usage.
"""
import glob
import json
import os
import re
import sys

# The metric families of DESIGN.md, "Metrics". Keep in step with DESIGN.md:
# a metric added there and used in a dashboard or rule must be added here.
CONTRACT_METRICS = {
    "thinwatch_pool_capacity_bytes",
    "thinwatch_pool_used_bytes",
    "thinwatch_pool_free_bytes",
    "thinwatch_pool_provisioned_bytes",
    "thinwatch_pool_overcommit_ratio",
    "thinwatch_pool_overcommit_threshold_ratio",
    "thinwatch_pool_overcommitted",
    "thinwatch_pool_unbacked_bytes",
    "thinwatch_pool_shortfall_bytes",
    "thinwatch_pool_volumes",
    "thinwatch_volume_provisioned_bytes",
    "thinwatch_volume_consumed_bytes",
    "thinwatch_volume_thin",
    "thinwatch_volume_info",
    "thinwatch_array_info",
    "thinwatch_up",
    "thinwatch_poll_duration_seconds",
    "thinwatch_last_poll_success_timestamp_seconds",
    "thinwatch_poll_errors_total",
    "thinwatch_build_info",
}

# Label names of DESIGN.md's metrics, plus the target labels Prometheus adds.
CONTRACT_LABELS = {
    "array", "pool", "volume", "wwn", "vendor", "model", "serial", "version",
    "revision", "reason", "instance", "job",
}

# Alert names are an interface (RUNBOOK anchors, Alertmanager inhibition,
# the end-to-end test, users' silences): renaming one must be deliberate.
STABLE_ALERTS = {
    "ThinwatchPoolOvercommitted",
    "ThinwatchPoolShortfall",
    "ThinwatchPoolFreeLow",
    "ThinwatchPoolFreeCritical",
    "ThinwatchPoolPredictedFull7d",
    "ThinwatchPoolPredictedFull24h",
    "ThinwatchVolumeAtRisk",
    "ThinwatchTargetDown",
    "ThinwatchDataStale",
    "ThinwatchPollErrorsRising",
}

# Sample values for Grafana's variables when checking dashboard queries.
GRAFANA_VARS = {
    "array": "cas-storage",
    "pool": "pool0",
    "__rate_interval": "5m",
    "__interval": "1m",
    "__range": "6h",
    "__range_s": "21600",
    "__range_ms": "21600000",
    "__interval_ms": "60000",
}

PROMQL_KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
    "group_right", "offset", "bool", "inf", "nan", "start", "end",
}

RUNBOOK_PREFIX = ("https://github.com/thinwatch/thinwatch/blob/main/"
                  "packaging/prometheus/RUNBOOK.md#")

errors = []


def fail(msg):
    errors.append(msg)


def strip_strings(expr):
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)


def names_in(expr):
    """Metric names and label names an expression refers to."""
    e = re.sub(r"#[^\n]*", "", expr)            # comments
    labels = set()
    for block in re.findall(r"\{([^}]*)\}", strip_strings(e)):
        labels.update(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)", block))
    e = strip_strings(e)
    e = re.sub(r"\{[^}]*\}", " ", e)             # label matchers
    e = re.sub(r"\[[^\]]*\]", " ", e)            # ranges, subqueries
    for _, group in re.findall(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", e):
        labels.update(x.strip() for x in group.split(",") if x.strip())
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    metrics = set()
    for m in re.finditer(r"(?<![\w.:])([A-Za-z_:][A-Za-z0-9_:]*)", e):
        name = m.group(1)
        rest = e[m.end():]
        if re.match(r"\s*\(", rest):             # function or aggregation
            continue
        if name.lower() in PROMQL_KEYWORDS:
            continue
        if re.fullmatch(r"\d+(ms|[smhdwy])", name):
            continue
        metrics.add(name)
    return metrics, labels


def check_names(where, expr, recorded):
    metrics, labels = names_in(expr)
    for m in sorted(metrics - CONTRACT_METRICS - recorded):
        fail(f"{where}: metric {m!r} is neither a contract metric (DESIGN.md) "
             f"nor a recording rule of thinwatch-rules.yml")
    for lbl in sorted(labels - CONTRACT_LABELS):
        fail(f"{where}: label {lbl!r} is not a contract label")


def github_anchor(heading):
    a = heading.strip().lower()
    a = re.sub(r"[^\w\- ]", "", a)
    return a.replace(" ", "-")


def parse_rules(path):
    """Small line scanner for the rules file's regular layout (the test also
    runs promtool on it, which parses it for real)."""
    rules = []
    cur = None
    block = None                     # (indent of key, list of lines)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for line in lines:
        if block is not None:
            if not line.strip() or len(line) - len(line.lstrip()) > block[0]:
                block[1].append(line)
                continue
            cur["expr"] = "\n".join(block[1]).strip()
            block = None
        m = re.match(r"^(\s*)- (record|alert):\s*(\S+)\s*$", line)
        if m:
            cur = {"kind": m.group(2), "name": m.group(3), "labels": {}, "annotations": {}}
            rules.append(cur)
            section = None
            continue
        if cur is None:
            continue
        m = re.match(r"^(\s*)expr:\s*(.*)$", line)
        if m:
            if re.match(r"^[|>][+-]?\s*$", m.group(2)):
                block = (len(m.group(1)), [])
            else:
                cur["expr"] = m.group(2).strip()
            continue
        m = re.match(r"^\s*(labels|annotations):\s*$", line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"^\s{10}([a-z_]+):\s*(.*)$", line)
        if m and section:
            cur[section][m.group(1)] = m.group(2).strip().strip("'\"")
    if block is not None:
        cur["expr"] = "\n".join(block[1]).strip()
    return rules


def check_rules(srcdir):
    path = os.path.join(srcdir, "packaging/prometheus/thinwatch-rules.yml")
    rules = parse_rules(path)
    recorded = {r["name"] for r in rules if r["kind"] == "record"}
    alerts = {r["name"]: r for r in rules if r["kind"] == "alert"}
    with open(os.path.join(srcdir, "packaging/prometheus/RUNBOOK.md"), encoding="utf-8") as f:
        anchors = {github_anchor(h) for h in re.findall(r"^#{1,6}\s+(.*)$", f.read(), re.M)}

    if set(alerts) != STABLE_ALERTS:
        fail(f"{path}: alert names changed: missing {sorted(STABLE_ALERTS - set(alerts))}, "
             f"new {sorted(set(alerts) - STABLE_ALERTS)} (update STABLE_ALERTS, RUNBOOK.md, "
             f"alertmanager.yml and the end-to-end test together)")
    for r in rules:
        where = f"{path}: {r['kind']} {r['name']}"
        if "expr" not in r:
            fail(f"{where}: no expr found")
            continue
        check_names(where, r["expr"], recorded)
        if r["kind"] == "record":
            if not r["name"].startswith("thinwatch:"):
                fail(f"{where}: recording rules are named thinwatch:…")
            continue
        sev = r["labels"].get("severity")
        if sev not in ("warning", "critical"):
            fail(f"{where}: severity {sev!r}, want warning or critical")
        for key in ("summary", "description", "runbook_url"):
            if key not in r["annotations"]:
                fail(f"{where}: no {key} annotation")
        url = r["annotations"].get("runbook_url", "")
        if not url.startswith(RUNBOOK_PREFIX):
            fail(f"{where}: runbook_url {url!r} does not point into RUNBOOK.md")
        elif url[len(RUNBOOK_PREFIX):] not in anchors:
            fail(f"{where}: RUNBOOK.md has no heading for anchor #{url[len(RUNBOOK_PREFIX):]}")
        if github_anchor(r["name"]) != url[len(RUNBOOK_PREFIX):]:
            fail(f"{where}: runbook anchor should be #{github_anchor(r['name'])}")
    return recorded, len(rules)


def substitute(expr):
    def repl(m):
        name = m.group(1) or m.group(2)
        if name not in GRAFANA_VARS:
            return m.group(0)
        return GRAFANA_VARS[name]
    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", repl, expr)


def iter_panels(panels):
    for p in panels or []:
        yield p
        if p.get("type") == "row":
            yield from iter_panels(p.get("panels"))


def check_dashboards(srcdir, workdir, recorded):
    files = sorted(glob.glob(os.path.join(srcdir, "dashboards", "*.json")))
    want = {"thinwatch-fleet-overview.json", "thinwatch-array-detail.json", "thinwatch-exporter-health.json"}
    missing = want - {os.path.basename(f) for f in files}
    if missing:
        fail(f"dashboards/: missing {sorted(missing)}")
    exprs = []
    uids = {}
    for path in files:
        try:
            with open(path, encoding="utf-8") as f:
                d = json.load(f)
        except (OSError, ValueError) as e:
            fail(f"{path}: {e}")
            continue
        inputs = d.get("__inputs") or []
        if not any(i.get("name") == "DS_PROMETHEUS" and i.get("type") == "datasource"
                   and i.get("pluginId") == "prometheus" for i in inputs):
            fail(f"{path}: __inputs lacks the DS_PROMETHEUS Prometheus data source")
        requires = {(r.get("type"), r.get("id")) for r in d.get("__requires") or []}
        for need in (("grafana", "grafana"), ("datasource", "prometheus")):
            if need not in requires:
                fail(f"{path}: __requires lacks {need[0]} {need[1]}")
        if d.get("id") is not None:
            fail(f"{path}: id must be null in an importable dashboard")
        uid = d.get("uid")
        if not uid or not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", uid):
            fail(f"{path}: uid {uid!r} is not a valid dashboard uid")
        elif uid in uids:
            fail(f"{path}: uid {uid!r} also used by {uids[uid]}")
        uids[uid] = path
        if "thinwatch" not in (d.get("tags") or []):
            fail(f"{path}: tag 'thinwatch' missing (dashboard links use it)")

        variables = {v.get("name"): v for v in (d.get("templating") or {}).get("list") or []}
        for name in ("datasource", "array", "pool"):
            if name not in variables:
                fail(f"{path}: no template variable {name!r}")
        ds = variables.get("datasource", {})
        if ds.get("type") != "datasource" or ds.get("query") != "prometheus":
            fail(f"{path}: variable datasource must be a Prometheus data source variable")
        if "${DS_PROMETHEUS}" not in json.dumps(ds.get("current")):
            fail(f"{path}: variable datasource should default to ${{DS_PROMETHEUS}} (the import input)")
        for name in ("array", "pool"):
            v = variables.get(name)
            if not v:
                continue
            q = v.get("query")
            q = q.get("query") if isinstance(q, dict) else q
            m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\s*\)\s*", q or "")
            if v.get("type") != "query" or not m or m.group(2) != name:
                fail(f"{path}: variable {name} must be a label_values(…, {name}) query")
                continue
            if (v.get("datasource") or {}).get("uid") != "${datasource}":
                fail(f"{path}: variable {name} must query ${{datasource}}")
            exprs.append((f"{path}: variable {name}", m.group(1)))

        ids = set()
        types = set()
        for p in iter_panels(d.get("panels")):
            where = f"{path}: panel {p.get('id')} {p.get('title')!r}"
            if p.get("id") in ids:
                fail(f"{where}: duplicate panel id")
            ids.add(p.get("id"))
            types.add(p.get("type"))
            gp = p.get("gridPos") or {}
            if not (0 <= gp.get("x", -1) and gp.get("w", 0) > 0 and gp.get("x", 0) + gp.get("w", 0) <= 24):
                fail(f"{where}: gridPos outside the 24-column grid")
            if p.get("type") == "row":
                continue
            if p.get("type") != "text" and (p.get("datasource") or {}).get("uid") != "${datasource}":
                fail(f"{where}: panel data source must be ${{datasource}}")
            for t in p.get("targets") or []:
                tw = f"{where} target {t.get('refId')}"
                if (t.get("datasource") or {}).get("uid") != "${datasource}":
                    fail(f"{tw}: data source must be ${{datasource}}")
                if not t.get("expr"):
                    fail(f"{tw}: no expr")
                    continue
                exprs.append((tw, t["expr"]))
        for t in sorted(types - {"row"}):
            if ("panel", t) not in requires:
                fail(f"{path}: __requires lacks panel {t}")

    rules_out = ["# generated by dashboards_check.py: every dashboard query as a recording rule",
                 "groups:", "  - name: dashboard-exprs", "    rules:"]
    written = []
    for i, (where, expr) in enumerate(exprs):
        e = substitute(expr)
        left = re.findall(r"\$\{?\w+", e)
        if left:
            fail(f"{where}: unknown Grafana variable(s) {left} in {expr!r}")
            continue
        check_names(where, e, recorded)
        written.append(i)
        rules_out.append(f"      # {where}")
        rules_out.append(f"      - record: thinwatch_dashboard_check:expr_{i}")
        rules_out.append(f"        expr: {json.dumps(e)}")
    with open(os.path.join(workdir, "dashboard-exprs.yml"), "w", encoding="utf-8") as f:
        f.write("\n".join(rules_out) + "\n")
    write_eval_test(srcdir, workdir, written)
    return len(files), len(exprs)


# Sample data for evaluating every dashboard query: array cas-storage with a
# growing pool0 (thin volumes with and without a WWN, a thick one) and a flat
# pool1, a timeout error now and then, build and array info. Every query must
# return at least one series on it: that catches joins that fail at run time
# (many-to-many matching, missing group_left) and label typos that make a
# query silently empty, which parsing alone cannot.
SAMPLE_SERIES = [
    ('thinwatch_pool_capacity_bytes{%(p0)s}', '8796093022208x144'),
    ('thinwatch_pool_free_bytes{%(p0)s}', '1649271635968-2516582400x144'),
    ('thinwatch_pool_used_bytes{%(p0)s}', '7146821386240+2516582400x144'),
    ('thinwatch_pool_provisioned_bytes{%(p0)s}', '15393162788864x144'),
    ('thinwatch_pool_overcommit_ratio{%(p0)s}', '1.75x144'),
    ('thinwatch_pool_overcommit_threshold_ratio{%(p0)s}', '1x144'),
    ('thinwatch_pool_overcommitted{%(p0)s}', '1x144'),
    ('thinwatch_pool_unbacked_bytes{%(p0)s}', '6047318147072-2516582400x144'),
    ('thinwatch_pool_shortfall_bytes{%(p0)s}', '4398046511104x144'),
    ('thinwatch_pool_volumes{%(p0)s}', '4x144'),
    ('thinwatch_pool_capacity_bytes{%(p1)s}', '17592186044416x144'),
    ('thinwatch_pool_free_bytes{%(p1)s}', '8796093022208x144'),
    ('thinwatch_pool_used_bytes{%(p1)s}', '8796093022208x144'),
    ('thinwatch_pool_provisioned_bytes{%(p1)s}', '8796093022208x144'),
    ('thinwatch_pool_overcommit_ratio{%(p1)s}', '0.5x144'),
    ('thinwatch_pool_overcommit_threshold_ratio{%(p1)s}', '1x144'),
    ('thinwatch_pool_overcommitted{%(p1)s}', '0x144'),
    ('thinwatch_pool_unbacked_bytes{%(p1)s}', '0x144'),
    ('thinwatch_pool_shortfall_bytes{%(p1)s}', '0x144'),
    ('thinwatch_pool_volumes{%(p1)s}', '0x144'),
    ('thinwatch_volume_provisioned_bytes{%(p0)s,volume="jiujiang"}', '4398046511104x144'),
    ('thinwatch_volume_consumed_bytes{%(p0)s,volume="jiujiang"}', '166311871119x144'),
    ('thinwatch_volume_thin{%(p0)s,volume="jiujiang"}', '1x144'),
    ('thinwatch_volume_info{%(p0)s,volume="jiujiang",wwn="600a0b80001234560000abcd00000001"}', '1x144'),
    ('thinwatch_volume_provisioned_bytes{%(p0)s,volume="vol-a"}', '3298534883328x144'),
    ('thinwatch_volume_consumed_bytes{%(p0)s,volume="vol-a"}', '3298534883328x144'),
    ('thinwatch_volume_thin{%(p0)s,volume="vol-a"}', '1x144'),
    ('thinwatch_volume_info{%(p0)s,volume="vol-a",wwn="600a0b80001234560000abcd00000002"}', '1x144'),
    ('thinwatch_volume_provisioned_bytes{%(p0)s,volume="vol-b"}', '5497558138880x144'),
    ('thinwatch_volume_consumed_bytes{%(p0)s,volume="vol-b"}', '3681974631793+2516582400x144'),
    ('thinwatch_volume_thin{%(p0)s,volume="vol-b"}', '1x144'),
    ('thinwatch_volume_provisioned_bytes{%(p0)s,volume="log"}', '2199023255552x144'),
    ('thinwatch_volume_consumed_bytes{%(p0)s,volume="log"}', '2199023255552x144'),
    ('thinwatch_volume_thin{%(p0)s,volume="log"}', '0x144'),
    ('thinwatch_up{%(a)s}', '1x144'),
    ('thinwatch_last_poll_success_timestamp_seconds{%(a)s}', '0+300x144'),
    ('thinwatch_poll_duration_seconds{%(a)s}', '0.25x144'),
    ('thinwatch_poll_errors_total{%(a)s,reason="timeout"}', '0+1x144'),
    ('thinwatch_array_info{%(a)s,vendor="thinwatch",model="sim",serial="SIM0001",version="1.0"}', '1x144'),
    ('thinwatch_build_info{instance="thinwatch:9817",job="thinwatch",version="0.1.0",revision="0000000"}', '1x144'),
]


def write_eval_test(srcdir, workdir, indexes):
    a = 'array="cas-storage",instance="thinwatch:9817",job="thinwatch"'
    labels = {"a": a, "p0": a + ',pool="pool0"', "p1": a + ',pool="pool1"'}
    rules = os.path.join(os.path.abspath(srcdir), "packaging/prometheus/thinwatch-rules.yml")
    out = ["# generated by dashboards_check.py: evaluate every dashboard query on sample data",
           "rule_files:", f"  - {json.dumps(rules)}",
           f"  - {json.dumps(os.path.join(os.path.abspath(workdir), 'dashboard-exprs.yml'))}",
           "evaluation_interval: 5m", "tests:", "  - interval: 5m", "    input_series:"]
    for series, values in SAMPLE_SERIES:
        out.append(f"      - series: {json.dumps(series % labels)}")
        out.append(f"        values: {json.dumps(values)}")
    out.append("    promql_expr_test:")
    for n in indexes:
        out += [f"      - expr: group(thinwatch_dashboard_check:expr_{n})", "        eval_time: 12h",
                "        exp_samples:", "          - labels: '{}'", "            value: 1"]
    with open(os.path.join(workdir, "dashboard-exprs.test.yml"), "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    srcdir, workdir = sys.argv[1], sys.argv[2]
    recorded, nrules = check_rules(srcdir)
    ndash, nexpr = check_dashboards(srcdir, workdir, recorded)
    for e in errors:
        print(f"FAIL: {e}")
    print(f"checked {nrules} rules, {ndash} dashboards, {nexpr} dashboard queries: "
          f"{len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
