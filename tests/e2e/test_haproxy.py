"""docker/haproxy.cfg on its own: it parses with compose's defaults and with the tests'
variables, and the real haproxy, run with it, sends a PROXY header (v1 and v2) naming the
client's address, connects from the configured source address, and health-checks the
backend with a PROXY-carrying check that waits for the SSH banner.

The backend here is a stand-in (harness.DummyProxyServer) so that this file tests the
configuration independently of gitgate; test_clone.py runs the same file against gitgate."""

import socket
import unittest

import harness
from harness import CLIENT_ADDR, HAPROXY_CFG, LB_ADDR, SERVER_HOST


class HaproxyConfigTest(unittest.TestCase):
    def check(self, env_vars):
        env = harness.base_env("/nonexistent")
        env.update(env_vars)
        proc = harness.run(["haproxy", "-c", "-f", str(HAPROXY_CFG)], env=env)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("Configuration file is valid", proc.stdout + proc.stderr)
        return proc.stdout + proc.stderr

    def test_valid_with_compose_defaults(self):
        out = self.check({})
        # The only tolerated warning: the compose service name does not resolve here.
        for line in out.splitlines():
            if "[WARNING]" in line:
                self.assertIn("could not resolve address 'gitgate'", line)

    def test_valid_with_test_variables(self):
        for mode in ("send-proxy", "send-proxy-v2"):
            with self.subTest(mode=mode):
                out = self.check(harness.haproxy_vars(12345, 12346, mode, "/tmp/unused.sock"))
                self.assertNotIn("[WARNING]", out)
                self.assertNotIn("[ALERT]", out)


class HaproxyRunTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = harness.Env(cls.__name__)
        cls.addClassCleanup(cls.env.close)
        cls.dummy = harness.DummyProxyServer()
        cls.addClassCleanup(cls.dummy.close)
        cls.proxies = {}
        for mode in ("send-proxy", "send-proxy-v2"):
            cls.proxies[mode] = harness.Haproxy(cls.env, cls.dummy.port, mode).start()

    def roundtrip(self, port, payload):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.bind((CLIENT_ADDR, 0))
            s.connect((SERVER_HOST, port))
            client_port = s.getsockname()[1]
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            received = b""
            while True:
                data = s.recv(65536)
                if not data:
                    break
                received += data
        return client_port, received

    def test_proxy_header_names_client_and_comes_from_lb_source(self):
        for mode, version in (("send-proxy", 1), ("send-proxy-v2", 2)):
            with self.subTest(mode=mode):
                proxy = self.proxies[mode]
                payload = b"SSH-2.0-OpenSSH_test\r\n" + bytes(range(256)) * 64
                client_port, received = self.roundtrip(proxy.port, payload)
                self.assertEqual(received, b"SSH-2.0-dummy\r\n" + payload)
                records = [r for r in self.dummy.snapshot()
                           if r["header"] and r["header"].get("sport") == client_port]
                self.assertEqual(len(records), 1, self.dummy.snapshot())
                rec = records[0]
                self.assertEqual(rec["peer"][0], LB_ADDR)
                h = rec["header"]
                self.assertEqual((h["version"], h["command"], h["family"]), (version, "PROXY",
                                                                              "TCP4"))
                self.assertEqual(h["src"], CLIENT_ADDR)
                self.assertEqual((h["dst"], h["dport"]), (SERVER_HOST, proxy.port))

    def test_health_checks_carry_a_proxy_header_and_mark_the_server_up(self):
        # v2 checks send a LOCAL command; v1 checks a TCP4 line naming the check
        # connection's own addresses (source = the balancer).
        def is_check(header, version):
            if header is None or header["version"] != version:
                return False
            return header["command"] == "LOCAL" or header.get("src") == LB_ADDR

        for mode, version in (("send-proxy", 1), ("send-proxy-v2", 2)):
            with self.subTest(mode=mode):
                proxy = self.proxies[mode]
                # At least two checks (rise 2) have passed: the server is UP by checking.
                harness.wait_until(lambda: int(proxy.server_stat()["chkfail"] or 0) > 0 or len(
                    [r for r in self.dummy.snapshot() if is_check(r["header"], version)]) >= 2, 10)
                stat = proxy.server_stat()
                self.assertEqual(stat["status"], "UP", stat)
                self.assertEqual(stat["check_status"], "L7OK", stat)
                self.assertEqual(stat["chkfail"], "0", stat)
                checks = [r for r in self.dummy.snapshot() if is_check(r["header"], version)]
                self.assertGreaterEqual(len(checks), 2, self.dummy.snapshot())
                for r in checks:
                    self.assertEqual(r["peer"][0], LB_ADDR, r)
                    if version == 1:
                        self.assertEqual((r["header"]["command"], r["header"]["sport"]),
                                         ("PROXY", r["peer"][1]), r)
                    else:
                        self.assertEqual(r["header"]["command"], "LOCAL", r)
                    # linger: the check ends with FIN, not a reset.
                    self.assertIsNone(r["error"], r)


class HaproxyCheckFailsTest(unittest.TestCase):
    """The health check is real: a backend that takes the PROXY header but never sends an
    SSH banner is taken out of service."""

    def test_server_without_ssh_banner_goes_down(self):
        env = harness.Env(type(self).__name__)
        self.addCleanup(env.close)
        dummy = harness.DummyProxyServer(banner=None)
        self.addCleanup(dummy.close)
        proxy = harness.Haproxy(env, dummy.port, "send-proxy-v2").start(wait_up=False)
        status = harness.wait_until(
            lambda: (proxy.server_stat() or {}).get("status", "").startswith("DOWN"), 20,
            interval=0.1)
        self.assertTrue(status, proxy.server_stat())
        self.assertTrue(dummy.snapshot(), "no health check reached the backend")


if __name__ == "__main__":
    unittest.main(verbosity=2)
