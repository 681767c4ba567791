"""The access-log format of docs/DESIGN.md, on the test side: a regex that pins every field,
and assertions over one request's pair of lines (i-line at start, o-line at end)."""

import functools
import re
import time

from fixtures import run

NODE_ID = "GGE2E1"  # the tests' node_id; no 'x' in it: 'x' separates the request id's parts

TIME_RE = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
ACCESS_RE = re.compile(
    r"^(?P<addresses>[0-9a-fA-F.:,]+|LOCAL|UNKNOWN)"
    r" \| (?P<protocol>ssh)"
    r" \| (?P<kind>[io])(?P<sep>[@*])(?P<node>[A-Za-z0-9]+)x(?P<minute>\d+)x(?P<counter>\d+)"
    r"x(?P<concurrent>\d+)"
    r" \| (?P<user>[^ |]+)"
    rf" \| (?P<time>{TIME_RE})"
    r" \| (?P<action>SSH - git-(?:upload-pack|receive-pack|upload-archive) '/[^']*')"
    r' \| "(?P<details>[^"]*)"'
    r" \| (?P<status>-|\d+)"
    r" \| (?P<bytes_read>-|\d+)"
    r" \| (?P<bytes_written>-|\d+)"
    r" \| (?P<labels>-|[^|]+?)"
    r" \| (?P<duration>-|\d+)"
    r" \| (?P<session>[0-9a-z]{7})"
    r" \|$")


def parse_access_line(line):
    m = ACCESS_RE.match(line)
    return m.groupdict() if m else None


def labels_of(record):
    return [] if record["labels"] == "-" else record["labels"].split(", ")


@functools.lru_cache(maxsize=None)
def ssh_client_banner():
    """The identification string the local OpenSSH client sends: "SSH-2.0-" and the
    version that `ssh -V` prints before its first comma ("OpenSSH_9.2p1 Debian-2+deb12u10")."""
    version = run(["ssh", "-V"], check=True).stderr.strip()
    return "SSH-2.0-" + version.split(",")[0]


def parse_log_time(text):
    """'2026-11-26 14:05:18,123' -> milliseconds since the epoch in local time (for
    differences only)."""
    stamp = time.strptime(text[:19], "%Y-%m-%d %H:%M:%S")
    return int(time.mktime(stamp)) * 1000 + int(text[20:23])


class AccessLogAssertions:
    """Mixin for unittest.TestCase: pins every field of one request's pair of lines."""

    OPTIONAL_LABELS = {"cache:hit", "cache:miss"}

    ANY_PROTOCOL = ("protocol:0", "protocol:1", "protocol:2")

    def assertRequestPair(self, i, o, *, addresses, user, path, labels, status=0,
                          command="git-upload-pack", optional_labels=()):
        """labels: each must be present; optional_labels (and cache:hit/miss) may be. Tests
        that are not about the protocol version pass optional_labels=ANY_PROTOCOL (and then
        exactly one protocol:N label must be present)."""
        ctx = f"\ni-line: {i['line']}\no-line: {o['line']}"
        # 1, 2: addresses and protocol
        for rec in (i, o):
            self.assertEqual(rec["addresses"], addresses, ctx)
            self.assertEqual(rec["protocol"], "ssh", ctx)
        # 3: request id, same in both lines, '@' on an unclustered node
        self.assertEqual((i["kind"], o["kind"]), ("i", "o"), ctx)
        for field in ("sep", "node", "minute", "counter", "concurrent"):
            self.assertEqual(i[field], o[field], f"{field} differs{ctx}")
        self.assertEqual(i["sep"], "@", ctx)
        self.assertEqual(i["node"], NODE_ID, ctx)
        hh, mm = int(i["time"][11:13]), int(i["time"][14:16])
        self.assertEqual(int(i["minute"]), hh * 60 + mm, f"minute of day of the start{ctx}")
        self.assertGreaterEqual(int(i["counter"]), 1, ctx)
        # 4, 6, 7, 13: user, action, details, session id
        for rec in (i, o):
            self.assertEqual(rec["user"], user, ctx)
            self.assertEqual(rec["action"], f"SSH - {command} '{path}'", ctx)
            self.assertEqual(rec["details"], ssh_client_banner(), ctx)
        self.assertEqual(i["session"], o["session"], ctx)
        # 5, 12: times and duration
        start, end = parse_log_time(i["time"]), parse_log_time(o["time"])
        self.assertLessEqual(start, end, ctx)
        self.assertRegex(o["duration"], r"^\d+$", ctx)
        self.assertLessEqual(abs(int(o["duration"]) - (end - start)), 100,
                             f"duration disagrees with the time fields{ctx}")
        # 8-12 are '-' in the i-line
        for field in ("status", "bytes_read", "bytes_written", "labels", "duration"):
            self.assertEqual(i[field], "-", f"i-line {field}{ctx}")
        self.assertEqual(o["status"], str(status), ctx)
        self.assertRegex(o["bytes_read"], r"^\d+$", ctx)
        self.assertRegex(o["bytes_written"], r"^\d+$", ctx)
        got = labels_of(o)
        self.assertEqual(len(got), len(set(got)), f"duplicate labels{ctx}")
        # As Bitbucket writes them (a Java TreeSet<String>): sorted, for ASCII in byte order,
        # which is Python's str order.
        self.assertEqual(got, sorted(got), f"labels not in Bitbucket's order{ctx}")
        for label in labels:
            self.assertIn(label, got, ctx)
        extra = set(got) - set(labels) - self.OPTIONAL_LABELS - set(optional_labels)
        self.assertFalse(extra, f"unexpected labels {extra}{ctx}")
        protocols = [label for label in got if label.startswith("protocol:")]
        self.assertEqual(len(protocols), 1, f"one protocol:N label{ctx}")
        return int(o["bytes_read"]), int(o["bytes_written"])
