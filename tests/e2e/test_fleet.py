"""A fleet (issue 11): three gitgates behind the real haproxy, whose backend is
docker/haproxy.cfg's with three servers instead of its two, each checked on its own GET /ready. The nodes share
the repositories and one host key, each with its own node id (clustered), pack cache, access
log and [http] port.

- Rolling restarts fail no request: while three clients loop `git ls-remote` through haproxy,
  each node in turn gets SIGTERM (its /ready turns 503, it accepts for drain_accept_seconds,
  drains, exits 0) and is started again, and haproxy has it UP before the next goes: no
  request fails, and every node served some, under its own node id.
- A real Prometheus scrapes the three nodes' GET /metrics and reports every target up, and
  the requests counted where they were served.
- Shared storage: a push through one node is seen at once through another (no ref or pack
  state cached across requests), and racing pushes of one branch through two nodes end with
  exactly one winner each round (git's lock files work across processes)."""

import json
import re
import shutil
import signal
import subprocess
import threading
import time
import unittest
import urllib.parse
import urllib.request

import harness
from harness import CLIENT_ADDR, LB_ADDR, REPO, SERVER_HOST, free_port, toml_list, toml_string

NODES = 3
CLIENTS = 3
# haproxy checks every 500 ms (GITGATE_CHECK_INTER in the harness): two checks and a margin.
DRAIN_ACCEPT_S = 2
SERVER_LINE = re.compile(r"^\s*server gitgate\d .*$", re.M)
SERVER_LINES = re.compile(r"(^\s*server gitgate\d .*\n)+", re.M)


class Node:
    def __init__(self, env, index, host_key):
        self.name = f"node{index}"
        self.node_id = f"NODE{index}"
        self.dir = env.tmp / self.name
        self.dir.mkdir()
        self.port = free_port()
        self.http_port = free_port()
        self.access_log = self.dir / "access.log"
        self.config = self.dir / "gitgate.toml"
        self.config.write_text(f"""\
[server]
listen = ["{SERVER_HOST}:{self.port}"]
repositories = {toml_string(env.repos)}
host_keys = [{toml_string(host_key)}]
node_id = "{self.node_id}"
clustered = true
drain_accept_seconds = {DRAIN_ACCEPT_S}

[proxy_protocol]
mode = "optional"
trusted = {toml_list([LB_ADDR + "/32"])}

[auth]
users = {toml_string(env.users_path)}

[access_log]
path = {toml_string(self.access_log)}

[cache]
path = {toml_string(self.dir / "cache")}

[http]
listen = ["{SERVER_HOST}:{self.http_port}"]
""")
        self.gitgate = harness.Gitgate(env, self.config)
        self.gitgate.stderr_path = self.dir / "stderr"
        self.gitgate.stdout_path = self.dir / "stdout"

    def server_line(self):
        return (f"    server {self.name} {SERVER_HOST}:{self.port} send-proxy-v2 "
                f"source {LB_ADDR} check port {self.http_port}")


class FleetTest(unittest.TestCase):
    def setUp(self):
        env = self.env = harness.Env(type(self).__name__)
        self.addCleanup(env.close)
        env.add_repository()
        self.alice = env.add_user("alice", 2)
        self.bob = env.add_user("bob", 3, write=("*",))
        env.write_users()
        host_key = env.tmp / "shared" / "ssh_host_ed25519_key"
        host_key.parent.mkdir()
        self.nodes = [Node(env, i, host_key) for i in range(NODES)]
        for node in self.nodes:  # one at a time: the first creates the shared host key
            node.gitgate.start()
        # docker/haproxy.cfg with one server line per node instead of its two.
        cfg = env.tmp / "haproxy-fleet.cfg"
        shipped = harness.HAPROXY_CFG.read_text()
        self.assertEqual(len(SERVER_LINE.findall(shipped)), 2)
        cfg.write_text(SERVER_LINES.sub(
            lambda _: "".join(n.server_line() + "\n" for n in self.nodes), shipped, count=1))
        self.haproxy = harness.Haproxy(env, self.nodes[0].port, "send-proxy-v2", name="fleet",
                                       config=cfg)
        self.haproxy.start(wait_up=False)
        self.assertTrue(harness.wait_until(lambda: all(self.up(n) for n in self.nodes), 15),
                        [self.status(n) for n in self.nodes])

    def status(self, node):
        stat = self.haproxy.server_stat(node.name)
        return stat.get("status") if stat else None

    def up(self, node):
        return self.status(node) == "UP"

    def test_rolling_restart_fails_no_request(self):
        env = self.env
        url = env.url(self.haproxy.port)
        git_env = env.git_env(self.alice["key"], self.haproxy.port)
        expected = env.local_ls_remote()
        results = []  # (ok, detail)
        stop = threading.Event()

        def client():
            while not stop.is_set():
                proc = harness.run(["git", "ls-remote", url], env=git_env, timeout=60)
                ok = proc.returncode == 0 and proc.stdout == expected
                results.append((ok, proc.stderr))

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        try:
            time.sleep(1)
            for node in self.nodes:
                sent = time.monotonic()
                node.gitgate.popen.send_signal(signal.SIGTERM)
                self.assertTrue(harness.wait_until(lambda n=node: not self.up(n), 3, 0.05),
                                f"{node.name} still UP after SIGTERM")
                self.assertEqual(node.gitgate.popen.wait(timeout=30), 0, node.gitgate.stderr())
                self.assertGreaterEqual(time.monotonic() - sent, DRAIN_ACCEPT_S - 0.5)
                node.gitgate.start()
                self.assertTrue(harness.wait_until(lambda n=node: self.up(n), 10, 0.05),
                                f"{node.name} not back UP: {self.status(node)}")
            time.sleep(1)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=90)
        failures = [detail for ok, detail in results if not ok]
        self.assertEqual(failures, [], f"{len(failures)} of {len(results)} requests failed")
        self.assertGreater(len(results), 3 * CLIENTS)
        # Every node served requests, under its own node id with the clustered marker.
        for node in self.nodes:
            lines = [line for line in node.access_log.read_text().splitlines() if line]
            self.assertTrue(lines, f"{node.name} served nothing")
            for line in lines:
                self.assertRegex(line, rf"\| [io]\*{node.node_id}x", line)
        print(f"{len(results)} ls-remote through haproxy, 0 failed, during a rolling restart "
              f"of {NODES} nodes", flush=True)

    def git_via(self, node, *args, cwd=None):
        """git as bob, straight to one node (not through haproxy), so the test picks it."""
        cmd = ["git", "-c", "user.name=Bob", "-c", "user.email=bob@example.com", *args]
        return harness.run(cmd, env=self.env.git_env(self.bob["key"], node.port), cwd=cwd,
                           timeout=120)

    def test_push_through_one_node_is_seen_through_another(self):
        env = self.env
        first, second = self.nodes[0], self.nodes[1]
        works = [env.tmp / "work0", env.tmp / "work1"]
        for node, work in zip((first, second), works):
            proc = self.git_via(node, "clone", "-q", env.url(node.port), str(work))
            self.assertEqual(proc.returncode, 0, proc.stderr)
        for round_ in range(3):
            shas = []
            for n, work in enumerate(works):
                for args in (["fetch", "-q", "origin"], ["reset", "-q", "--hard", "origin/main"]):
                    proc = self.git_via(self.nodes[n], *args, cwd=work)
                    self.assertEqual(proc.returncode, 0, proc.stderr)
                (work / f"f{n}").write_text(f"round {round_}\n")
                for args in (["add", "."], ["commit", "-qm", f"round {round_} by {n}"]):
                    self.assertEqual(self.git_via(self.nodes[n], *args, cwd=work).returncode, 0)
                shas.append(self.git_via(self.nodes[n], "rev-parse", "HEAD",
                                         cwd=work).stdout.strip())
            # Both at once, each through its own node.
            results = [None, None]

            def push(n):
                results[n] = self.git_via(self.nodes[n], "push", "-q", "origin", "main",
                                          cwd=works[n])

            threads = [threading.Thread(target=push, args=(n,)) for n in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)
            winners = [n for n in range(2) if results[n].returncode == 0]
            self.assertEqual(len(winners), 1, f"round {round_}: " +
                             "\n---\n".join(r.stderr for r in results))
            # The winner's commit, pushed through one node, is what the other node serves now.
            loser = 1 - winners[0]
            seen = self.git_via(self.nodes[loser], "ls-remote", env.url(self.nodes[loser].port),
                                "refs/heads/main")
            self.assertEqual(seen.stdout.split()[0], shas[winners[0]], seen.stderr)
        fsck = harness.run(["git", "-C", str(env.repos / REPO), "fsck", "--strict",
                            "--no-progress"], env=env.env, timeout=120)
        self.assertEqual(fsck.returncode, 0, fsck.stderr)

    def test_prometheus_scrapes_every_node(self):
        if shutil.which("prometheus") is None:
            raise unittest.SkipTest("prometheus is not installed (scripts/install-deps.sh)")
        env = self.env
        git_env = env.git_env(self.alice["key"], self.haproxy.port)
        for _ in range(2 * NODES):  # haproxy spreads them (roundrobin)
            proc = harness.run(["git", "ls-remote", env.url(self.haproxy.port)], env=git_env)
            self.assertEqual(proc.returncode, 0, proc.stderr)
        port = free_port()
        targets = ", ".join(f'"{SERVER_HOST}:{n.http_port}"' for n in self.nodes)
        config = env.tmp / "prometheus.yml"
        config.write_text(f"""\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: gitgate
    static_configs:
      - targets: [{targets}]
""")
        log = open(env.tmp / "prometheus.log", "wb")
        self.addCleanup(log.close)
        prometheus = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={env.tmp / 'tsdb'}",
             f"--web.listen-address={SERVER_HOST}:{port}"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        env.processes.append(prometheus)

        def query(expression):
            url = (f"http://{SERVER_HOST}:{port}/api/v1/query?"
                   + urllib.parse.urlencode({"query": expression}))
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    answer = json.load(r)
            except OSError:
                return None
            return {s["metric"].get("instance"): float(s["value"][1])
                    for s in answer["data"]["result"]}

        instances = {f"{SERVER_HOST}:{n.http_port}" for n in self.nodes}
        up = harness.wait_until(lambda: (query("up") or {}) if set(
            (query("up") or {}).keys()) == instances else None, 30, 0.5)
        self.assertEqual(up, dict.fromkeys(instances, 1.0),
                         (env.tmp / "prometheus.log").read_text(errors="replace")[-3000:])
        # The ls-remote above, as Prometheus summed them over the nodes ("refs", status 0).
        served = query('sum(gitgate_requests_total{command="refs",status="0"})')
        self.assertEqual(served, {None: 2.0 * NODES})


if __name__ == "__main__":
    unittest.main(verbosity=2)
