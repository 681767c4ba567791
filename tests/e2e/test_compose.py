"""docker/ as a runnable picture of the fleet (no Docker daemon needed): the compose file's
gitgate nodes, haproxy.cfg's server lines and docker/prometheus.yml's targets name the same
nodes on the same ports; the nodes share the repositories and the host key and keep a pack
cache and an access log each; `promtool check config` accepts prometheus.yml and `haproxy -c`
the haproxy.cfg with compose's environment. Then two real gitgates run behind the shipped
haproxy.cfg, unchanged, pointed at them as compose points it at its nodes: both are checked
on their own /ready and both serve, and compose's health check command tells a ready node
from a draining one."""

import re
import shutil
import signal
import subprocess
import tomllib
import unittest
from pathlib import PurePosixPath

import harness
from harness import REPO, SERVER_HOST
from test_fleet import Node

DOCKER = harness.SOURCE_DIR / "docker"
# server NAME "${GITGATE_BACKENDn-HOST:PORT}" port "${GITGATE_CHECK_PORTn-PORT}"
SERVER_RE = re.compile(r'^\s*server (\S+) "\$\{(\w+)-([^}]*)\}" port "\$\{(\w+)-([^}]*)\}"\s*$',
                       re.M)


def load_yaml(path):
    import yaml  # python3-yaml, installed by scripts/install-deps.sh
    return yaml.safe_load(path.read_text())


class ComposeFilesAgreeTest(unittest.TestCase):
    def setUp(self):
        self.compose = load_yaml(DOCKER / "compose.yaml")
        self.services = self.compose["services"]
        # The gitgate nodes: the services built from gitgate's Dockerfile.
        self.nodes = sorted(name for name, s in self.services.items()
                            if s.get("build", {}).get("dockerfile") == "docker/Dockerfile")
        self.config = tomllib.loads((DOCKER / "gitgate.toml").read_text())
        self.http_port = self.config["http"]["listen"][0].rsplit(":", 1)[1]
        self.ssh_port = self.config["server"]["listen"][0].rsplit(":", 1)[1]
        self.servers = SERVER_RE.findall((DOCKER / "haproxy.cfg").read_text())

    def test_two_nodes(self):
        self.assertEqual(self.nodes, ["gitgate1", "gitgate2"])

    def test_haproxy_servers_are_the_compose_nodes(self):
        haproxy_env = self.services["haproxy"]["environment"]
        self.assertEqual(sorted(s[0] for s in self.servers), self.nodes)
        for name, backend_var, backend, check_var, check_port in self.servers:
            with self.subTest(server=name):
                # The file's default and compose's environment agree, and name the node.
                self.assertEqual(backend, f"{name}:{self.ssh_port}")
                self.assertEqual(haproxy_env[backend_var], backend)
                self.assertEqual(check_port, self.http_port)
                self.assertEqual(haproxy_env[check_var], check_port)
        self.assertEqual(sorted(self.services["haproxy"]["depends_on"]), self.nodes)

    def test_prometheus_scrapes_every_node(self):
        prometheus = load_yaml(DOCKER / "prometheus.yml")
        targets = [t for job in prometheus["scrape_configs"] if job["job_name"] == "gitgate"
                   for c in job["static_configs"] for t in c["targets"]]
        self.assertEqual(sorted(targets), [f"{n}:{self.http_port}" for n in self.nodes])
        self.assertEqual(sorted(self.services["prometheus"]["depends_on"]), self.nodes)
        self.assertIn("./prometheus.yml:/etc/prometheus/prometheus.yml:ro",
                      self.services["prometheus"]["volumes"])

    def test_nodes_share_storage_and_host_key_and_keep_their_own_cache_and_log(self):
        self.assertTrue(self.config["server"]["clustered"])
        self.assertNotIn("node_id", self.config["server"])  # derived from each host name
        host_key_dir = str(PurePosixPath(self.config["server"]["host_keys"][0]).parent)
        own = {self.config["cache"]["path"],
               str(PurePosixPath(self.config["access_log"]["path"]).parent)}
        shared = {self.config["server"]["repositories"], host_key_dir}
        mounts = {}  # container path -> {node: volume}
        for node in self.nodes:
            service = self.services[node]
            self.assertIn(self.http_port, service["expose"])
            self.assertIn(self.ssh_port, service["expose"])
            self.assertEqual(service["hostname"], node)
            for volume in service["volumes"]:
                source, target = volume.split(":")[:2]
                mounts.setdefault(target, {})[node] = source
        for path in shared:
            self.assertEqual(len(set(mounts[path].values())), 1, (path, mounts[path]))
            self.assertEqual(len(mounts[path]), len(self.nodes), (path, mounts[path]))
        for path in own:
            self.assertEqual(len(set(mounts[path].values())), len(self.nodes),
                             (path, mounts[path]))

    def test_prometheus_config_is_valid(self):
        if shutil.which("promtool") is None:
            raise unittest.SkipTest("promtool is not installed (scripts/install-deps.sh)")
        proc = subprocess.run(["promtool", "check", "config", str(DOCKER / "prometheus.yml")],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_haproxy_config_is_valid_with_compose_environment(self):
        env = harness.base_env("/nonexistent")
        env.update(self.services["haproxy"]["environment"])
        env["HAPROXY_STATS_SOCKET"] = "/tmp/unused-haproxy-stats.sock"
        proc = harness.run(["haproxy", "-c", "-f", str(harness.HAPROXY_CFG)], env=env)
        out = proc.stdout + proc.stderr
        self.assertEqual(proc.returncode, 0, out)
        warnings = [line for line in out.splitlines() if "[WARNING]" in line]
        # The only tolerated warnings: the node names resolve on compose's network only.
        self.assertEqual(len(warnings), len(self.nodes), out)
        for node, line in zip(self.nodes, warnings):
            self.assertIn(f"could not resolve address '{node}'", line)


class TwoNodesBehindShippedHaproxyTest(unittest.TestCase):
    """Two gitgates behind docker/haproxy.cfg as shipped: its gitgate1 and gitgate2 are the two
    nodes (by the variables compose sets to its service names)."""

    def setUp(self):
        env = self.env = harness.Env(type(self).__name__)
        self.addCleanup(env.close)
        env.add_repository()
        self.alice = env.add_user("alice", 2)
        env.write_users()
        host_key = env.tmp / "shared" / "ssh_host_ed25519_key"
        host_key.parent.mkdir()
        self.nodes = [Node(env, i, host_key) for i in (1, 2)]
        for node in self.nodes:  # one at a time: the first creates the shared host key
            node.gitgate.start()
        first, second = self.nodes
        self.haproxy = harness.Haproxy(env, first.port, "send-proxy-v2",
                                       check_port=first.http_port,
                                       second=(second.port, second.http_port))
        self.haproxy.start()  # waits until gitgate1 and gitgate2 are UP (L7 check of /ready)

    def test_both_nodes_checked_and_serving(self):
        def checked():  # a server is UP before its first check ("INI"): wait for one each
            stats = {s["svname"]: s for s in self.haproxy.server_stats()}
            return all((s["status"], s["check_status"]) == ("UP", "L7OK")
                       for s in stats.values()) and stats

        stats = harness.wait_until(checked, 10)
        self.assertTrue(stats, self.haproxy.server_stats())
        self.assertEqual(sorted(stats), ["gitgate1", "gitgate2"])
        for name, node in zip(("gitgate1", "gitgate2"), self.nodes):
            self.assertEqual(stats[name]["addr"], f"{SERVER_HOST}:{node.port}")
        env = self.env
        git_env = env.git_env(self.alice["key"], self.haproxy.port)
        expected = env.local_ls_remote()
        for _ in range(4):  # round robin: two each
            proc = harness.run(["git", "ls-remote", env.url(self.haproxy.port)], env=git_env)
            self.assertEqual((proc.returncode, proc.stdout), (0, expected), proc.stderr)
        for node in self.nodes:
            def o_lines():
                return [line for line in node.access_log.read_text().splitlines()
                        if f"| o*{node.node_id}x" in line]

            harness.wait_until(lambda: len(o_lines()) >= 2, 10)
            lines = o_lines()
            self.assertEqual(len(lines), 2, node.access_log.read_text())
            self.assertTrue(all(f"'/{REPO}'" in line for line in lines), lines)

    def test_compose_health_check_tells_ready_from_draining(self):
        compose = load_yaml(DOCKER / "compose.yaml")
        command = compose["x-gitgate"]["healthcheck"]["test"]
        self.assertEqual(command[0], "CMD")
        node = self.nodes[0]

        def healthy():
            script = command[3].replace("/9122", f"/{node.http_port}")
            self.assertNotEqual(script, command[3])
            return harness.run(command[1:3] + [script], timeout=10).returncode == 0

        self.assertTrue(healthy())
        node.gitgate.popen.send_signal(signal.SIGTERM)  # /ready answers 503 at once
        self.assertTrue(harness.wait_until(lambda: not healthy(), 5))
        # haproxy's check of gitgate1 asks node 1's port: it alone goes down.
        self.assertTrue(harness.wait_until(
            lambda: self.haproxy.server_stat("gitgate1")["status"].startswith("DOWN"), 5),
            self.haproxy.server_stats())
        self.assertEqual(self.haproxy.server_stat("gitgate2")["status"], "UP")
        self.assertEqual(node.gitgate.popen.wait(timeout=30), 0, node.gitgate.stderr())


if __name__ == "__main__":
    unittest.main(verbosity=2)
