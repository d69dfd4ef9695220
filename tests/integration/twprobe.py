"""twprobe.py: measuring helpers for thinwatch's integration tests and the
soak script: scrape and parse /metrics, read a process's RSS and open file
descriptors from /proc, talk to thinwatch-sim's control endpoint (faults,
per-array request counts).  Standard library only."""
import json
import math
import re
import time
import urllib.error
import urllib.request

_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def http(method, url, timeout=5.0, data=None):
    """(status, body text); status 0 if the server could not be reached."""
    req = urllib.request.Request(url, method=method, data=data)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode('utf-8', 'replace')
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode('utf-8', 'replace')
    except (urllib.error.URLError, OSError):
        return 0, ''


class Metrics:
    """One parsed scrape: a list of (name, labels dict, value)."""

    def __init__(self, text):
        self.text = text
        self.series = []
        for line in text.splitlines():
            if not line or line.startswith('#'):
                continue
            m = _LINE.match(line)
            if not m:
                raise ValueError('unparsable exposition line: %r' % line)
            labels = dict(_LABEL.findall(m.group(2) or ''))
            self.series.append((m.group(1), labels, float(m.group(3))))

    def all(self, name, **labels):
        return [(l, v) for n, l, v in self.series
                if n == name and all(l.get(k) == w for k, w in labels.items())]

    def get(self, name, **labels):
        """Value of the first matching series, or None."""
        for _, v in self.all(name, **labels):
            return v
        return None

    def of_array(self, array):
        return [(n, l, v) for n, l, v in self.series if l.get('array') == array]


def scrape(url, timeout=5.0):
    """(t_before, t_after, Metrics) or raises."""
    t0 = time.time()
    status, body = http('GET', url, timeout)
    t1 = time.time()
    if status != 200:
        raise RuntimeError('GET %s answered %s' % (url, status))
    return t0, t1, Metrics(body)


def proc_status(pid, field):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise KeyError(field)


def rss_kb(pid):
    return proc_status(pid, 'VmRSS')


def open_fds(pid):
    import os
    return len(os.listdir('/proc/%d/fd' % pid))


def alive(pid):
    import os
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().split(') ')[-1][0] != 'Z'
    except OSError:
        return False


def set_fault(ctl, array, ftype, **params):
    q = '&'.join(['array=%s' % array, 'type=%s' % ftype] +
                 ['%s=%s' % kv for kv in sorted(params.items())])
    status, body = http('POST', 'http://%s/fault?%s' % (ctl, q), data=b'')
    if status != 200:
        raise RuntimeError('set fault %s on %s: %s %s' % (ftype, array, status, body.strip()))
    return body


def sim_stats(ctl):
    status, body = http('GET', 'http://%s/stats' % ctl)
    if status != 200:
        raise RuntimeError('GET /stats on %s answered %s' % (ctl, status))
    return json.loads(body)['arrays']


def median(xs):
    xs = sorted(xs)
    if not xs:
        raise ValueError('median of nothing')
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2.0


def percentile(xs, p):
    xs = sorted(xs)
    if not xs:
        return float('nan')
    k = max(0, min(len(xs) - 1, int(math.ceil(p / 100.0 * len(xs))) - 1))
    return xs[k]


def wait_until(pred, timeout, step=0.1):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()
