"""What gitgate refuses: each refusal gives the client a clear message and a non-zero exit,
writes a diagnostic line on stderr naming the real client address, and leaves the server
serving: a clone right after it succeeds."""

import os
import socket
import struct
import time

import harness
from harness import CLIENT_ADDR, LB_ADDR, REPO, SERVER_HOST


class RefusalTest(harness.GitgateTestCase):
    haproxy_modes = ("send-proxy-v2",)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.mallory_key = env.keys / "id_mallory"
        harness.generate_key(cls.mallory_key, "mallory@e2e")
        # Real repositories outside the root, so that a server that follows the path
        # would find something to serve.
        harness.make_repository(env.tmp, env.tmp / "x.git", env.env, big_blob_kib=1)
        harness.make_repository(env.tmp, env.tmp / "outside" / "secret.git", env.env,
                                big_blob_kib=1)
        os.symlink(env.tmp / "outside" / "secret.git", env.repos / "demo" / "evil.git")

    def setUp(self):
        self.mark = self.env.gitgate.mark()
        self.access_mark = self.env.access_mark()

    def assertDiagnostic(self, *needles):
        """A stderr line after the mark that contains every needle (the client's address
        first)."""
        pattern = "".join(f"(?=.*{harness.re.escape(n)})" for n in needles)
        line = self.env.gitgate.wait_diagnostic(self.mark, pattern)
        self.assertIsNotNone(line, f"no diagnostic line with {needles} on gitgate's stderr; "
                             f"new stderr:\n{self.env.gitgate.diagnostics_since(self.mark)}")
        return line

    def assertRefused(self, proc, *, stderr_has=None):
        self.assertNotEqual(proc.returncode, 0, f"not refused: {proc.stdout}{proc.stderr}")
        self.assertEqual(proc.stdout, "", "a refused request must not output refs")
        if stderr_has:
            self.assertIn(stderr_has, proc.stderr)

    def assertStillServes(self, access_lines_allowed=0):
        """A clone right after the refusal works. access_lines_allowed: access-log lines the
        refusal itself may have written (requests refused after they started)."""
        self.assertCloneWorks()
        lines = self.env.access_lines()[self.access_mark:]
        self.assertEqual(len(lines), access_lines_allowed + 2, lines)
        self.assertTrue(self.env.gitgate.alive())

    def test_wrong_key(self):
        proc = self.env.git(["ls-remote", self.env.url(self.env.gitgate.port)], self.mallory_key)
        self.assertRefused(proc, stderr_has="Permission denied (publickey)")
        self.assertDiagnostic(CLIENT_ADDR)
        self.assertStillServes()

    def test_wrong_key_through_haproxy_names_client_and_balancer(self):
        proc = self.env.git(["ls-remote", self.env.url(self.env.port_for("send-proxy-v2"))],
                            self.mallory_key, "send-proxy-v2")
        self.assertRefused(proc, stderr_has="Permission denied (publickey)")
        self.assertDiagnostic(CLIENT_ADDR, LB_ADDR)
        self.assertStillServes()

    def refused_request(self, user, path, status=128):
        """A request that starts (authenticated) and fails: message, access-log pair with the
        exit status, diagnostic line."""
        proc = self.env.git(["ls-remote", self.env.url(self.env.gitgate.port, path)], user)
        self.assertRefused(proc)
        # git prints the server's message; its own words name no path.
        server_words = [line for line in proc.stderr.splitlines()
                        if "Could not read from remote repository" not in line
                        and "correct access rights" not in line and line.strip()]
        self.assertTrue(server_words, f"no message from the server: {proc.stderr!r}")
        self.assertDiagnostic(CLIENT_ADDR)
        return proc

    def test_unknown_repository(self):
        proc = self.refused_request(self.alice, "/demo/nope.git")
        self.assertIn("nope.git", proc.stderr)
        i, o = self.env.wait_request(self.access_mark)
        self.assertEqual(o["status"], "128", o["line"])
        self.assertEqual(i["status"], "-", i["line"])
        for rec in (i, o):
            self.assertEqual(rec["addresses"], CLIENT_ADDR)
            self.assertEqual(rec["user"], "alice")
            self.assertEqual(rec["action"], "SSH - git-upload-pack '/demo/nope.git'")
        self.assertStillServes(access_lines_allowed=2)

    def test_repository_without_permission(self):
        bob = self.env.users[1]  # reads other/* only
        self.refused_request(bob, "/" + REPO)
        lines = self.env.wait_access(self.access_mark, 2)
        records = [harness.parse_access_line(line) for line in lines]
        self.assertNotIn(None, records, lines)
        self.assertEqual([r["status"] for r in records], ["-", "128"], lines)
        self.assertEqual({r["user"] for r in records}, {"bob"}, lines)
        self.assertStillServes(access_lines_allowed=2)

    def path_refusal(self, path):
        proc = self.env.git(["ls-remote", self.env.url(self.env.gitgate.port, path)], self.alice)
        self.assertRefused(proc)
        self.assertTrue(proc.stderr.strip(), "no message to the client")
        self.assertDiagnostic(CLIENT_ADDR)
        # A request may be logged (status 128) or refused before it starts; never served.
        lines = self.env.access_lines()[self.access_mark:]
        for line in lines:
            rec = harness.parse_access_line(line)
            self.assertIsNotNone(rec, line)
            self.assertIn(rec["status"], ("-", "128"), line)
        self.assertStillServes(access_lines_allowed=len(lines))

    def test_path_escaping_root_with_dotdot(self):
        self.path_refusal("/../x.git")

    def test_path_escaping_root_with_dotdot_inside(self):
        self.path_refusal("/demo/../../x.git")

    def test_symlink_out_of_root(self):
        self.path_refusal("/demo/evil.git")

    def test_shell_request(self):
        proc = self.env.ssh(self.alice["key"], [])
        self.assertNotEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertTrue(proc.stderr.strip(), "no message to the client")
        self.assertDiagnostic(CLIENT_ADDR)
        self.assertStillServes()

    def test_exec_other_command(self):
        for command in (["ls"], ["git-upload-pack '/demo/repo.git'; ls"],
                        ["sh -c 'cat /etc/passwd'"]):
            with self.subTest(command=command):
                self.mark = self.env.gitgate.mark()
                proc = self.env.ssh(self.alice["key"], command)
                self.assertNotEqual(proc.returncode, 0, proc.stdout + proc.stderr)
                self.assertNotIn("root:", proc.stdout)
                self.assertTrue(proc.stderr.strip(), "no message to the client")
                self.assertDiagnostic(CLIENT_ADDR)
        self.assertStillServes()

    def send_raw_from(self, source, payload, timeout=6):
        """Connects from source to gitgate, sends payload, reads until the server closes;
        returns (bytes received, seconds until closed)."""
        start = time.monotonic()
        received = b""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.bind((source, 0))
            s.connect((SERVER_HOST, self.env.gitgate.port))
            s.sendall(payload)
            try:
                while True:
                    data = s.recv(4096)
                    if not data:
                        break
                    received += data
            except ConnectionResetError:
                pass
            except TimeoutError:
                pass  # still open: the caller's time bound fails with what was received
        return received, time.monotonic() - start

    def test_proxy_header_from_untrusted_peer(self):
        v2 = (harness.V2_SIGNATURE + bytes([0x21, 0x11]) + struct.pack("!H", 12) +
              socket.inet_aton("1.2.3.4") + socket.inet_aton("5.6.7.8") + struct.pack("!HH", 1, 2))
        for name, header in (("v1", b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), ("v2", v2)):
            with self.subTest(header=name):
                self.mark = self.env.gitgate.mark()
                received, seconds = self.send_raw_from(CLIENT_ADDR, header)
                # Refused at once, not after the 3 s header timeout.
                self.assertLess(seconds, 2.5, f"connection not closed promptly ({received!r})")
                self.assertNotIn(b"1.2.3.4", received)
                line = self.assertDiagnostic(CLIENT_ADDR)
                self.assertNotIn("1.2.3.4,", line)
        self.assertStillServes()

    def test_garbage_from_trusted_peer(self):
        # A trusted peer that sends neither a PROXY header nor SSH gets closed.
        received, seconds = self.send_raw_from(LB_ADDR, b"PROXY garbage\r\n")
        self.assertLess(seconds, 5, f"connection not closed ({received!r})")
        self.assertDiagnostic(LB_ADDR)
        self.assertStillServes()


if __name__ == "__main__":
    harness.unittest.main(verbosity=2)
