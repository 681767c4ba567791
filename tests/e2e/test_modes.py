"""[proxy_protocol] mode "required" and "off" with the real haproxy in front (the other
files run mode "optional"): required refuses every connection without a header, even from
the trusted balancer, and anything from an untrusted peer; off never parses a header, so
a balancer's header is a protocol error and direct clients are served."""

import harness
from harness import CLIENT_ADDR, LB_ADDR, REPO


class ModeTestBase(harness.GitgateTestCase):
    mode = None

    @classmethod
    def setUpClass(cls):
        cls.env = harness.Env(cls.__name__)
        cls.addClassCleanup(cls.env.close)
        cls.env.single_user(mode=cls.mode)

    def ls_remote(self, via=None, ssh_command=None):
        return self.env.git(["ls-remote", self.env.url(self.env.port_for(via))], self.alice, via,
                            ssh_command=ssh_command)

    def assertRefusedNaming(self, proc, reason, *addresses):
        """A refusal line with reason that names every one of addresses."""
        self.assertNotEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(proc.stdout, "")
        pattern = f"refused connection: {harness.re.escape(reason)}" + "".join(
            f"(?=.*{harness.re.escape(a)})" for a in addresses)
        line = self.env.gitgate.wait_diagnostic(self.mark, pattern)
        self.assertIsNotNone(line, f"no diagnostic naming {addresses}:\n"
                             f"{self.env.gitgate.diagnostics_since(self.mark)}")

    def setUp(self):
        self.mark = self.env.gitgate.mark()
        self.access_mark = self.env.access_mark()


class RequiredModeTest(ModeTestBase):
    mode = "required"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.start_haproxy("send-proxy-v2")  # waits for UP: its checks ask GET /ready

    def test_through_haproxy_is_served(self):
        proc = self.ls_remote("send-proxy-v2")
        self.assertOk(proc, "ls-remote through haproxy")
        self.assertEqual(proc.stdout, self.env.local_ls_remote())
        i, o = self.env.wait_request(self.access_mark)
        self.assertRequestPair(i, o, addresses=f"{CLIENT_ADDR},{LB_ADDR}", user="alice",
                               path="/" + REPO, labels=["refs", "ssh:user:id:2"],
                               optional_labels=self.ANY_PROTOCOL)

    def test_direct_untrusted_client_is_refused(self):
        self.assertRefusedNaming(self.ls_remote(), "header from untrusted peer", CLIENT_ADDR)
        self.assertEqual(self.env.access_lines()[self.access_mark:], [])

    def test_trusted_peer_without_header_is_refused(self):
        # Plain SSH from the balancer's own address: no header, refused.
        ssh = self.env.relay_ssh_command(self.alice["key"], b"", source=LB_ADDR)
        self.assertRefusedNaming(self.ls_remote(ssh_command=ssh), "header required", LB_ADDR)
        self.assertEqual(self.env.access_lines()[self.access_mark:], [])

    def test_health_checks_keep_server_up(self):
        proxy = self.env.haproxies["send-proxy-v2"]
        stat = proxy.server_stat()
        self.assertEqual((stat["status"], stat["check_status"]), ("UP", "L7OK"), stat)


class OffModeTest(ModeTestBase):
    mode = "off"

    def test_direct_client_is_served(self):
        proc = self.ls_remote()
        self.assertOk(proc, "ls-remote")
        i, o = self.env.wait_request(self.access_mark)
        self.assertRequestPair(i, o, addresses=CLIENT_ADDR, user="alice", path="/" + REPO,
                               labels=["refs", "ssh:user:id:2"],
                               optional_labels=self.ANY_PROTOCOL)

    def test_header_is_not_parsed(self):
        # With mode off, a header (even from the trusted address) is not a header: to SSH
        # it is a stray line before the identification string (libssh decides whether the
        # connection survives it); nobody's address is taken from it.
        ssh = self.env.relay_ssh_command(
            self.alice["key"], harness.proxy_v1("203.0.113.50", "10.0.0.5", 1, 2))
        self.ls_remote(ssh_command=ssh)
        for line in self.env.access_lines()[self.access_mark:]:
            self.assertNotIn("203.0.113.50", line)
        # Diagnostics may quote the stray line, but name the real peer beside it.
        for line in self.env.gitgate.diagnostics_since(self.mark).splitlines():
            if "203.0.113.50" in line:
                self.assertIn(LB_ADDR, line)
        self.assertCloneWorks()


del ModeTestBase  # not a test by itself

if __name__ == "__main__":
    harness.unittest.main(verbosity=2)
