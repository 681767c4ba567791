"""The operators' endpoint ([http] listen) of a real gitgate: GET /metrics moves with a clone, a
cache hit, a refused key and a refused connection, carries no user name or path, and passes
`promtool check metrics`; GET /health answers 200; GET /ready answers 503 while the repositories
root is gone and from the first instant of SIGTERM, while gitgate keeps accepting for
[server] drain_accept_seconds; then it stops accepting and exits cleanly."""

import re
import shutil
import signal
import socket
import subprocess
import time
import unittest
import urllib.error
import urllib.request

import harness
from harness import CLIENT_ADDR, REPO, SERVER_HOST

SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def get(port, path, timeout=5):
    """(status, body) of GET http://127.0.0.1:port/path."""
    try:
        with urllib.request.urlopen(f"http://{SERVER_HOST}:{port}{path}", timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def parse_metrics(text):
    """{(name, frozenset(labels)): value} of every sample line."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE_RE.match(line)
        assert m, f"not a sample line: {line!r}"
        labels = frozenset(LABEL_RE.findall(m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def promtool_check(text):
    if shutil.which("promtool") is None:
        raise unittest.SkipTest("promtool is not installed (scripts/install-deps.sh)")
    return subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                          text=True, timeout=30)


class MetricsTest(harness.GitgateTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mallory_key = cls.env.keys / "id_mallory"
        harness.generate_key(cls.mallory_key, "mallory@e2e")

    def scrape(self):
        status, text = get(self.env.gitgate.http_port, "/metrics")
        self.assertEqual(status, 200, text)
        return text

    def test_counters_move_and_promtool_accepts_the_page(self):
        before = parse_metrics(self.scrape())
        self.assertCloneWorks()  # a miss: the pack is generated and cached
        self.assertCloneWorks()  # the same clone again: a hit
        proc = self.env.git(["ls-remote", self.env.url(self.env.gitgate.port)], self.mallory_key)
        self.assertNotEqual(proc.returncode, 0, "mallory's key must be refused")
        # A PROXY header from a peer that is not trusted: the connection is refused.
        with socket.socket() as s:
            s.settimeout(10)
            s.bind((CLIENT_ADDR, 0))
            s.connect((SERVER_HOST, self.env.gitgate.port))
            s.sendall(b"PROXY TCP4 198.51.100.7 127.0.0.1 5000 7999\r\nSSH-2.0-x\r\n")
            try:
                self.assertEqual(s.recv(100), b"", "gitgate should close the connection")
            except ConnectionResetError:
                pass  # closed with the header's tail unread: a reset, as good as a close
        text = self.scrape()
        after = parse_metrics(text)

        def moved(name, **labels):
            key = (name, frozenset(labels.items()))
            self.assertIn(key, after, f"no sample {key}")
            return after[key] - before.get(key, 0)

        self.assertEqual(moved("gitgate_requests_total", command="clone", status="0"), 2)
        self.assertEqual(moved("gitgate_request_duration_seconds_count", command="clone"), 2)
        self.assertGreater(moved("gitgate_request_duration_seconds_sum", command="clone"), 0)
        self.assertEqual(moved("gitgate_pack_cache_requests_total", result="miss"), 1)
        self.assertEqual(moved("gitgate_pack_cache_requests_total", result="hit"), 1)
        self.assertGreater(after[("gitgate_pack_cache_bytes", frozenset())], 0)
        self.assertEqual(moved("gitgate_auth_attempts_total", result="success"), 2)
        self.assertGreaterEqual(moved("gitgate_auth_attempts_total", result="unknown_key"), 1)
        self.assertEqual(moved("gitgate_connections_total"), 4)
        self.assertEqual(moved("gitgate_connections_refused_total", reason="proxy_header"), 1)
        self.assertEqual(
            moved("gitgate_proxy_headers_total", version="unknown", result="untrusted_peer"), 1)
        self.assertEqual(moved("gitgate_proxy_headers_total", version="none", result="absent"), 3)
        pack_bytes = (self.env.repos / REPO / "objects" / "pack")
        smallest_pack = min(p.stat().st_size for p in pack_bytes.glob("*.pack"))
        self.assertGreater(moved("gitgate_bytes_sent_total"), 2 * smallest_pack)
        self.assertGreater(moved("gitgate_bytes_received_total"), 0)
        # Nobody is connected any more.
        self.assertTrue(harness.wait_until(lambda: parse_metrics(self.scrape())[
            ("gitgate_connections_open", frozenset({("state", "authenticated")}))] == 0, 5))
        for name in ("process_resident_memory_bytes", "process_open_fds",
                     "process_start_time_seconds"):
            self.assertGreater(after[(name, frozenset())], 0, name)
        # Two small clones may take less than one clock tick (10 ms) of CPU.
        self.assertGreaterEqual(after[("process_cpu_seconds_total", frozenset())], 0)
        self.assertEqual([v for (n, _), v in after.items() if n == "gitgate_build_info"], [1])
        # No unbounded label values: no user name, key, path or address is a label.
        for needle in ("alice", "mallory", "demo", "repo.git", "127.0.0", "198.51.100.7"):
            self.assertNotIn(needle, text)
        checked = promtool_check(text)
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)
        self.assertEqual(checked.stdout + checked.stderr, "")

    def test_health_and_unknown_paths(self):
        self.assertEqual(get(self.env.gitgate.http_port, "/health"), (200, "ok\n"))
        self.assertEqual(get(self.env.gitgate.http_port, "/ready"), (200, "ready\n"))
        self.assertEqual(get(self.env.gitgate.http_port, "/nothing")[0], 404)

    def test_a_second_gitgate_cannot_take_the_http_port(self):
        # (cpp-httplib's own socket options would have let it: SO_REUSEPORT.)
        port = self.env.gitgate.http_port
        other = harness.Env(type(self).__name__ + "Other")
        self.addCleanup(other.close)
        other.add_repository()
        other.add_user("alice", 2)
        other.write_users()
        other.write_config(extra_tables=f'\n[http]\nlisten = ["{SERVER_HOST}:{port}"]\n')
        with self.assertRaises(AssertionError) as caught:
            other.start_gitgate()
        self.assertIn(f"http: cannot listen on {SERVER_HOST}:{port}", str(caught.exception))
        self.assertIn("exited with 1", str(caught.exception))

    def test_not_ready_while_the_repositories_root_is_gone(self):
        # Mode bits would not stop root, so the root goes away as a lost mount does.
        moved = self.env.repos.with_name("repos-away")
        self.env.repos.rename(moved)
        try:
            status, body = get(self.env.gitgate.http_port, "/ready")
            self.assertEqual(status, 503, body)
            self.assertIn("repositories directory unreadable", body)
            self.assertEqual(get(self.env.gitgate.http_port, "/health")[0], 200)
        finally:
            moved.rename(self.env.repos)
        self.assertEqual(get(self.env.gitgate.http_port, "/ready"), (200, "ready\n"))


class DrainWindowTest(unittest.TestCase):
    """SIGTERM: /ready answers 503 at once; new connections are still served during
    drain_accept_seconds (the default, 4 s); then the listener stops and gitgate exits 0.
    Without [http] nobody can see /ready, and the stop is immediate."""

    WINDOW_S = 4

    def test_no_window_without_http(self):
        env = harness.Env(type(self).__name__ + "NoHttp")
        self.addCleanup(env.close)
        env.add_repository()
        env.add_user("alice", 2)
        env.write_users()
        env.write_config(extra_server=f"drain_accept_seconds = {self.WINDOW_S}\n",
                         extra_tables="\n[http]\nlisten = []\n")
        gitgate = env.start_gitgate()
        self.assertIsNone(gitgate.http_port)
        sent = time.monotonic()
        gitgate.popen.send_signal(signal.SIGTERM)
        self.assertEqual(gitgate.popen.wait(timeout=15), 0, gitgate.stderr())
        self.assertLess(time.monotonic() - sent, self.WINDOW_S - 1, gitgate.stderr())
        self.assertNotIn("accepting for", gitgate.stderr())

    def test_ready_turns_503_at_once_and_accepting_goes_on_for_the_window(self):
        env = harness.Env(type(self).__name__)
        self.addCleanup(env.close)
        env.add_repository()
        alice = env.add_user("alice", 2)
        env.write_users()
        env.write_config(extra_server=f"drain_accept_seconds = {self.WINDOW_S}\n")
        gitgate = env.start_gitgate()
        self.assertEqual(get(gitgate.http_port, "/ready")[0], 200)
        # A session that is logged in and idle when SIGTERM comes: not cut by the window.
        held = subprocess.Popen(env.ssh_command(alice["key"], gitgate.port, extra=["-T"]) +
                                [SERVER_HOST, "git-upload-pack '/demo/repo.git'"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env.env, start_new_session=True)
        env.processes.append(held)
        held.stdout.readline()  # the first advertised ref: authenticated, request running
        sent = time.monotonic()
        gitgate.popen.send_signal(signal.SIGTERM)
        self.assertTrue(harness.wait_until(
            lambda: get(gitgate.http_port, "/ready", timeout=1)[0] == 503, 0.5, 0.02),
            "/ready still 200 0.5 s after SIGTERM")
        self.assertLess(time.monotonic() - sent, 0.5)
        self.assertEqual(get(gitgate.http_port, "/ready"), (503, "not ready: draining\n"))
        self.assertEqual(get(gitgate.http_port, "/health")[0], 200)
        # Within the window, a new client is still served.
        proc = env.git(["ls-remote", env.url(gitgate.port)], alice)
        self.assertEqual(proc.returncode, 0, proc.stderr + env.tail())
        self.assertEqual(proc.stdout, env.local_ls_remote())
        self.assertLess(time.monotonic() - sent, self.WINDOW_S, "ls-remote took the window")
        # After it, the listener is closed; the held request still finishes.
        self.assertTrue(harness.wait_until(
            lambda: "no new connections" in gitgate.stderr(), self.WINDOW_S + 2))
        self.assertGreaterEqual(time.monotonic() - sent, self.WINDOW_S - 0.3)
        with self.assertRaises(OSError):
            socket.create_connection((SERVER_HOST, gitgate.port), timeout=2).close()
        held.stdin.write(b"0000")  # flush: the client wants nothing
        held.stdin.close()
        self.assertEqual(held.wait(timeout=15), 0)
        held.stdout.close()
        held.stderr.close()
        self.assertEqual(gitgate.popen.wait(timeout=15), 0, gitgate.stderr())


if __name__ == "__main__":
    unittest.main(verbosity=2)
