"""SSH-level keepalive ([limits] keepalive_seconds), as OpenSSH's ClientAliveInterval and
ClientAliveCountMax 3: a client silent for an interval gets a keepalive@openssh.com global
request; one that answers none of three in a row is dropped, with a diagnostic line naming
its address. With keepalive_seconds = 1 here, so that every wait is a few seconds.

The real OpenSSH client answers the probes and, with -v, logs each one it receives. A dead
client is one whose ssh process is stopped (SIGSTOP): its socket stays open, nothing answers."""

import re
import signal
import subprocess
import time

import harness
from harness import CLIENT_ADDR, REPO, SERVER_HOST

PROBE_RE = re.compile(r"client_input_global_request: rtype keepalive@openssh\.com want_reply 1")
GONE_RE = r"client not responding"


class KeepaliveTest(harness.GitgateTestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = harness.Env(cls.__name__)
        cls.addClassCleanup(cls.env.close)
        cls.env.single_user(extra_config="[limits]\nkeepalive_seconds = 1\n")

    def setUp(self):
        self.mark = self.env.gitgate.mark()

    def start_ssh(self, label, args, stdin=subprocess.DEVNULL):
        """ssh -v in the background; its stderr goes to a file that probes() reads."""
        self.ssh_log = self.env.tmp / f"ssh-{label}.log"
        cmd = (self.env.ssh_command(self.alice["key"], self.env.gitgate.port,
                                    extra=["-v", "-o", "ServerAliveInterval=0"])
               + [SERVER_HOST] + list(args))
        with open(self.ssh_log, "wb") as err:
            proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=err,
                                    env=self.env.env, start_new_session=True)
        self.env.processes.append(proc)
        self.addCleanup(harness.kill_group, proc)
        return proc

    def probes(self):
        return len(PROBE_RE.findall(self.ssh_log.read_text(errors="replace")))

    def wait_probes(self, count, timeout):
        found = harness.wait_until(lambda: self.probes() >= count, timeout)
        self.assertTrue(found, f"the client saw {self.probes()} keepalive probes, not {count}; "
                        f"ssh -v:\n{self.ssh_log.read_text(errors='replace')[-3000:]}\n"
                        f"gitgate:\n{self.env.tail()}")

    def assertDropped(self, proc, stopped_at):
        """The stopped client is dropped by the keepalive, with its address, in bounds."""
        line = self.env.gitgate.wait_diagnostic(self.mark, GONE_RE, timeout=12)
        took = time.monotonic() - stopped_at
        proc.send_signal(signal.SIGCONT)
        self.assertIsNotNone(line, f"no '{GONE_RE}' line; gitgate:\n{self.env.tail()}")
        self.assertIn(CLIENT_ADDR, line)
        self.assertIn("user=alice", line)
        # Four silent intervals after its last answer (the last one came just before the stop).
        self.assertGreaterEqual(took, 2.5, line)
        self.assertLessEqual(took, 8, line)
        # The server has closed the connection: the client, resumed, ends by itself.
        proc.wait(timeout=15)

    def test_idle_session_is_probed_every_interval(self):
        # -N: no channel. The session waits 10 s for one, then closes: about nine probes.
        started = time.monotonic()
        proc = self.start_ssh("idle", ["-N"])
        proc.wait(timeout=30)
        took = time.monotonic() - started
        self.assertGreaterEqual(self.probes(), 5, self.ssh_log.read_text(errors="replace"))
        self.assertLessEqual(self.probes(), 12)
        self.assertLess(took, 20)
        self.assertNotRegex(self.env.gitgate.diagnostics_since(self.mark), GONE_RE)

    def test_clone_with_probes_on(self):
        # During a request a write waiting on the client's window returns every interval
        # to probe; the transfer itself is unchanged.
        self.assertCloneWorks()
        self.assertNotRegex(self.env.gitgate.diagnostics_since(self.mark), GONE_RE)

    def test_silent_idle_client_is_dropped(self):
        proc = self.start_ssh("dead-idle", ["-N"])
        self.wait_probes(1, 10)
        proc.send_signal(signal.SIGSTOP)
        self.assertDropped(proc, time.monotonic())

    def test_request_waiting_on_the_client_probes_and_drops_it(self):
        # upload-pack advertises, then waits for the wants that never come.
        access_mark = self.env.access_mark()
        proc = self.start_ssh("dead-request", [f"git-upload-pack '/{REPO}'"],
                              stdin=subprocess.PIPE)
        self.wait_probes(2, 10)
        self.assertEqual(len(self.env.access_lines()) - access_mark, 1, "an i-line only")
        proc.send_signal(signal.SIGSTOP)
        self.assertDropped(proc, time.monotonic())
        start, end = self.env.wait_request(access_mark)
        self.assertEqual(end["line"].split(" | ")[7], "128", end["line"])


if __name__ == "__main__":
    harness.unittest.main()
