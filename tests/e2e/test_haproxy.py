"""docker/haproxy.cfg on its own: it parses with compose's defaults and with the tests'
variables, and the real haproxy, run with it, sends a PROXY header (v1 and v2) naming the
client's address, connects from the configured source address, and health-checks the
backend by asking GET /ready on its check port: one 503 takes the server out, one 200 puts
it back (fall 1, rise 1).

The backend here is a stand-in (harness.DummyProxyServer, and ReadyStub for /ready) so that
this file tests the configuration independently of gitgate; test_clone.py and
test_metrics.py run the same file against gitgate."""

import http.server
import socket
import threading
import time
import unittest

import harness
from harness import CLIENT_ADDR, HAPROXY_CFG, LB_ADDR, SERVER_HOST


class ReadyStub:
    """GET /ready answering self.status; records (client address, request line) of each."""

    def __init__(self, status=200):
        self.status = status
        self.requests = []
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                stub.requests.append((self.client_address[0], self.requestline))
                body = b"ready\n" if stub.status == 200 else b"not ready\n"
                try:
                    self.send_response(stub.status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except ConnectionError:
                    pass  # haproxy closes a check with a reset once it has the status line

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((SERVER_HOST, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


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
        # The only tolerated warnings: the compose service names do not resolve here.
        for line in out.splitlines():
            if "[WARNING]" in line:
                self.assertRegex(line, r"could not resolve address 'gitgate[12]'")

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
        cls.ready = ReadyStub()
        cls.addClassCleanup(cls.ready.close)
        cls.proxies = {}
        for mode in ("send-proxy", "send-proxy-v2"):
            cls.proxies[mode] = harness.Haproxy(cls.env, cls.dummy.port, mode,
                                                check_port=cls.ready.port).start()

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

    def test_health_checks_ask_ready_and_mark_the_server_up(self):
        for mode, proxy in self.proxies.items():
            with self.subTest(mode=mode):
                stat = proxy.server_stat()
                self.assertEqual(stat["status"], "UP", stat)
                self.assertEqual(stat["check_status"], "L7OK", stat)
                self.assertEqual(stat["chkfail"], "0", stat)
        # Both haproxies ask, from the balancer's source address, GET /ready, and never the
        # SSH port: no PROXY header of a check reaches the backend.
        self.assertTrue(harness.wait_until(lambda: len(self.ready.requests) >= 4, 5),
                        self.ready.requests)
        for address, line in self.ready.requests:
            self.assertEqual(address, LB_ADDR)
            self.assertTrue(line.startswith("GET /ready HTTP/1."), line)
        for r in self.dummy.snapshot():
            self.assertFalse(r["header"] and r["header"].get("command") == "LOCAL", r)


class HaproxyCheckFailsTest(unittest.TestCase):
    """The health check is real and quick: a backend whose /ready answers 503 is taken out
    of service at the first such answer, and put back at the first 200."""

    def test_server_not_ready_goes_down_and_comes_back(self):
        env = harness.Env(type(self).__name__)
        self.addCleanup(env.close)
        dummy = harness.DummyProxyServer()
        self.addCleanup(dummy.close)
        ready = ReadyStub(status=503)
        self.addCleanup(ready.close)
        proxy = harness.Haproxy(env, dummy.port, "send-proxy-v2", check_port=ready.port)
        proxy.start(wait_up=False)

        def status():
            return (proxy.server_stat() or {}).get("status", "")

        self.assertTrue(harness.wait_until(lambda: status().startswith("DOWN"), 10, 0.05),
                        proxy.server_stat())
        self.assertTrue(ready.requests, "no health check reached /ready")
        ready.status = 200
        start = time.monotonic()
        self.assertTrue(harness.wait_until(lambda: status() == "UP", 10, 0.05),
                        proxy.server_stat())
        # rise 1 at GITGATE_CHECK_INTER=500ms: back within about one interval.
        self.assertLess(time.monotonic() - start, 2.0)
        ready.status = 503
        start = time.monotonic()
        self.assertTrue(harness.wait_until(lambda: status().startswith("DOWN"), 10, 0.05),
                        proxy.server_stat())
        self.assertLess(time.monotonic() - start, 2.0)  # fall 1


if __name__ == "__main__":
    unittest.main(verbosity=2)
