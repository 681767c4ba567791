"""SIGHUP reloads the configuration file (README, "Reloading"), through the real haproxy with
docker/haproxy.cfg, real ssh and git:

- [limits], [proxy_protocol] trusted and [access_log] path changed in the file take effect
  at the SIGHUP: the next request's lines go to the new access log (none to the old one), the
  balancer no longer trusted is refused, and a lowered per-source limit refuses a second
  connection from a client that holds one.
- A broken file changes nothing: one error line, the settings of the last good file stay,
  and the next clone is served.
- What needs a restart (a listen address) is named, kept, and the node serves on."""

import re
import socket
import unittest

import harness
from harness import CLIENT_ADDR, LB_ADDR, SERVER_HOST, free_port

VIA = "send-proxy-v2"
LISTEN_RE = re.compile(r"^listen = .*$", re.M)  # [server] listen, the file's first


class ReloadConfigTest(unittest.TestCase):
    def setUp(self):
        env = self.env = harness.Env(type(self).__name__)
        self.addCleanup(env.close)
        env.standard(haproxy_modes=(VIA,))
        self.alice = env.users[0]
        self.gitgate = env.gitgate
        self.new_log = env.access_log_path.with_name("access-new.log")
        # The listen line as started (port 0, or a fixed port): kept, or a reload would see
        # a new listen address.
        self.listen_line = LISTEN_RE.search(env.config_path.read_text()).group(0)

    # --- helpers ---------------------------------------------------------------------------

    def rewrite_config(self, trusted, limits="", access_log=None, listen=None):
        """The config as the harness writes it, with these changes."""
        self.env.write_config(trusted=trusted, listen=listen,
                              extra_tables=f"\n[limits]\n{limits}\n" if limits else "")
        text = self.env.config_path.read_text()
        if listen is None:
            text = LISTEN_RE.sub(lambda _: self.listen_line, text, count=1)
        self.env.config_path.write_text(text)
        if access_log is not None:
            old = harness.toml_string(self.env.access_log_path)
            self.assertIn(old, text)
            self.env.config_path.write_text(text.replace(old, harness.toml_string(access_log)))

    def sighup(self, expect):
        """SIGHUP, and the diagnostic line that says it is done (a regex); returns the
        diagnostics it wrote."""
        mark = self.gitgate.mark()
        self.gitgate.sighup()
        line = self.gitgate.wait_diagnostic(mark, expect)
        self.assertIsNotNone(line, f"no /{expect}/ after SIGHUP:\n"
                             f"{self.gitgate.diagnostics_since(mark)}")
        return self.gitgate.diagnostics_since(mark)

    def ls_remote(self, via=None):
        return self.env.git(["ls-remote", self.env.url(self.env.port_for(via))], self.alice,
                            via=via)

    def hold_unauthenticated(self):
        """A connection from the client's address that sends its SSH banner and then nothing:
        admitted, counted against its source as not yet authenticated, until closed."""
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(s.close)
        s.settimeout(10)
        s.bind((CLIENT_ADDR, 0))
        s.connect((SERVER_HOST, self.gitgate.port))
        s.sendall(b"SSH-2.0-OpenSSH_9.2p1 held\r\n")
        self.assertTrue(s.recv(256).startswith(b"SSH-2.0-"))  # past the PROXY reader
        return s

    def assertRefused(self, proc, pattern, mark):
        self.assertNotEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        line = self.gitgate.wait_diagnostic(mark, pattern)
        self.assertIsNotNone(line, f"no /{pattern}/:\n{self.gitgate.diagnostics_since(mark)}")

    def assertServedAndLoggedIn(self, log, via=None):
        """A clone is served, and its i- and o-line are the last two lines of log."""
        before = log.read_text().splitlines() if log.exists() else []
        proc, _ = self.env.clone(self.alice, via=via)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(harness.wait_until(
            lambda: len(log.read_text().splitlines()) >= len(before) + 2, 10), log)
        new = log.read_text().splitlines()[len(before):]
        self.assertEqual(len(new), 2, new)
        self.assertEqual([r["kind"] for r in map(harness.parse_access_line, new)], ["i", "o"])
        return new

    # --- the test --------------------------------------------------------------------------

    def test_limits_trust_and_access_log_reload_and_a_bad_file_keeps_them(self):
        old_log = self.env.access_log_path
        # Before: the balancer is trusted, a client may hold 8 unauthenticated connections,
        # lines go to access.log.
        lines = self.assertServedAndLoggedIn(old_log, via=VIA)
        self.assertTrue(lines[0].startswith(f"{CLIENT_ADDR},{LB_ADDR} |"), lines[0])
        held = self.hold_unauthenticated()
        self.assertEqual(self.ls_remote().returncode, 0)
        held.close()

        self.rewrite_config(trusted=("::1/128",), limits="max_unauthenticated_per_source = 1",
                            access_log=self.new_log)
        said = self.sighup(r"SIGHUP: reloaded ")
        self.assertIn("1 unauthenticated", said)
        self.assertNotIn("needs a restart", said)

        old_size = len(old_log.read_text())
        self.assertServedAndLoggedIn(self.new_log)  # direct: not through the balancer
        mark = self.gitgate.mark()
        self.assertRefused(self.ls_remote(via=VIA),
                           rf"refused connection: header from untrusted peer.*{LB_ADDR}", mark)
        held = self.hold_unauthenticated()
        mark = self.gitgate.mark()
        self.assertRefused(self.ls_remote(),
                           rf"per-source limit: 1 connections not yet authenticated from "
                           rf"{CLIENT_ADDR}", mark)
        held.close()

        # A broken file that would also undo all three: one error line, and everything stays
        # as the last good file said.
        self.rewrite_config(trusted=(LB_ADDR + "/32",))
        self.env.config_path.write_text(self.env.config_path.read_text() +
                                        '\n[cache]\nmax_size_mb = "lots"\n')
        said = self.sighup(r"SIGHUP: .* is invalid; keeping the previous settings")
        errors = [line for line in said.splitlines() if " ERROR " in line]
        self.assertEqual(len(errors), 1, said)
        self.assertIn("max_size_mb", errors[0])
        self.assertNotIn("reloaded", said)
        self.assertServedAndLoggedIn(self.new_log)
        mark = self.gitgate.mark()
        self.assertRefused(self.ls_remote(via=VIA), r"header from untrusted peer", mark)
        held = self.hold_unauthenticated()
        mark = self.gitgate.mark()
        self.assertRefused(self.ls_remote(), r"per-source limit: 1 connections", mark)
        held.close()
        self.assertEqual(len(old_log.read_text()), old_size, "a line went to the old log")

        # Fixed again, trusting the balancer: served through it, into the new log.
        self.rewrite_config(trusted=(LB_ADDR + "/32",), access_log=self.new_log)
        self.sighup(r"SIGHUP: reloaded ")
        self.assertServedAndLoggedIn(self.new_log, via=VIA)
        self.assertTrue(self.gitgate.alive())

    def test_a_new_listen_address_needs_a_restart(self):
        port = free_port()
        self.rewrite_config(trusted=(LB_ADDR + "/32", "::1/128"),
                            listen=(f"{SERVER_HOST}:{port}",),
                            limits="max_unauthenticated_per_source = 2")
        said = self.sighup(r"SIGHUP: reloaded ")
        self.assertRegex(said, r"WARN SIGHUP: server\.listen changed, which needs a restart")
        self.assertIn("(2 unauthenticated)", said)  # the rest of the file was taken
        with self.assertRaises(OSError):
            socket.create_connection((SERVER_HOST, port), timeout=2).close()
        self.assertServedAndLoggedIn(self.env.access_log_path, via=VIA)


if __name__ == "__main__":
    unittest.main(verbosity=2)
