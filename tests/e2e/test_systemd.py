"""packaging/: the systemd unit passes `systemd-analyze verify` (with its ExecStart pointed
at the gitgate under test), the tmpfiles entries create what they say, and gitgate speaks
systemd's notification protocol (libsystemd's sd_notify): READY=1 once it listens,
RELOADING=1 (with MONOTONIC_USEC) and READY=1 around a SIGHUP reload, STOPPING=1 at SIGTERM,
each with a STATUS=, to a path or an abstract $NOTIFY_SOCKET."""

import os
import shutil
import signal
import socket
import stat
import time
import unittest

import harness
from harness import SOURCE_DIR

PACKAGING = SOURCE_DIR / "packaging"
INSTALLED_BIN = "/usr/local/bin/gitgate"


def need(tool):
    if shutil.which(tool) is None:
        raise unittest.SkipTest(f"{tool} is not installed")


class UnitFileTest(unittest.TestCase):
    def setUp(self):
        need("systemd-analyze")
        self.env = harness.Env(type(self).__name__)
        self.addCleanup(self.env.close)

    def verify(self, text):
        unit = self.env.tmp / "gitgate.service"
        unit.write_text(text)
        return harness.run(["systemd-analyze", "verify", str(unit)], timeout=60)

    def test_unit_verifies_without_a_warning(self):
        text = (PACKAGING / "gitgate.service").read_text()
        self.assertIn(f"ExecStart={INSTALLED_BIN} serve", text)
        proc = self.verify(text.replace(INSTALLED_BIN, harness.gitgate_bin()))
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(proc.stdout + proc.stderr, "")
        for setting in ("Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "User=gitgate",
                        "LimitNOFILE=", "ProtectSystem=strict", "NoNewPrivileges=yes",
                        "PrivateTmp=yes", "ReadWritePaths=/srv/git /var/lib/gitgate "
                        "/var/log/gitgate"):
            self.assertIn(setting, text)

    def test_verify_is_a_real_check(self):
        text = (PACKAGING / "gitgate.service").read_text().replace(INSTALLED_BIN,
                                                                  harness.gitgate_bin())
        proc = self.verify(text.replace("ProtectSystem=", "ProtectSystm="))
        self.assertIn("Unknown key", proc.stdout + proc.stderr)

    def test_tmpfiles_create_the_directories(self):
        need("systemd-tmpfiles")
        root = self.env.tmp / "root"
        root.mkdir()
        # The gitgate user need not exist here: the same lines, owned by root.
        conf = self.env.tmp / "gitgate.conf"
        conf.write_text((PACKAGING / "gitgate.tmpfiles").read_text().replace(
            "gitgate gitgate", "root root"))
        proc = harness.run(["systemd-tmpfiles", "--create", f"--root={root}", str(conf)],
                           timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        for path, mode in (("var/lib/gitgate", 0o750), ("var/lib/gitgate/cache", 0o700),
                           ("var/log/gitgate", 0o750)):
            self.assertEqual(stat.S_IMODE((root / path).stat().st_mode), mode, path)

    def test_logrotate_reopens_through_a_reload(self):
        text = (PACKAGING / "gitgate.logrotate").read_text()
        self.assertIn("/var/log/gitgate/access.log {", text)
        self.assertIn("systemctl reload gitgate.service", text)
        if shutil.which("logrotate"):
            conf = self.env.tmp / "logrotate.conf"
            conf.write_text(text)
            proc = harness.run(["logrotate", "-d", str(conf)], timeout=60)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)


class NotifyTest(unittest.TestCase):
    def setUp(self):
        self.env = harness.Env(type(self).__name__)
        self.addCleanup(self.env.close)
        self.env.add_repository()
        self.env.add_user("alice", 2)
        self.env.write_users()
        self.env.write_config()

    def run_notified(self, address, notify_socket):
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(listener.close)
        listener.bind(address)
        listener.settimeout(10)
        gitgate = harness.Gitgate(self.env, self.env.config_path)
        gitgate.extra_env = {"NOTIFY_SOCKET": notify_socket}
        gitgate.start()
        self.env.processes.append(gitgate.popen)

        def message():
            """One datagram as {variable: value}; each assignment on a line of its own."""
            lines = listener.recv(4096).decode().split("\n")
            fields = dict(line.split("=", 1) for line in lines)
            self.assertEqual(len(fields), len(lines), lines)
            return fields

        ready = message()
        self.assertEqual(ready["READY"], "1", ready)
        self.assertIn(f"listening on {harness.SERVER_HOST}:{gitgate.port}", ready["STATUS"])
        before = time.monotonic()
        gitgate.popen.send_signal(signal.SIGHUP)
        reloading = message()
        after = time.monotonic()
        self.assertEqual(reloading["RELOADING"], "1", reloading)
        # CLOCK_MONOTONIC in µs (Type=notify-reload, systemd >= 253); Python's monotonic
        # clock is the same clock.
        self.assertLessEqual(before * 1e6, int(reloading["MONOTONIC_USEC"]))
        self.assertLessEqual(int(reloading["MONOTONIC_USEC"]), after * 1e6)
        reloaded = message()
        self.assertEqual(reloaded["READY"], "1", reloaded)
        self.assertIn("reloaded; 1 users", reloaded["STATUS"])
        gitgate.popen.send_signal(signal.SIGTERM)
        stopping = message()
        self.assertEqual(stopping["STOPPING"], "1", stopping)
        self.assertIn("draining", stopping["STATUS"])
        self.assertEqual(gitgate.popen.wait(timeout=15), 0, gitgate.stderr())

    def test_path_socket(self):
        path = self.env.tmp / "notify.sock"
        self.run_notified(str(path), str(path))

    def test_abstract_socket(self):
        name = f"gitgate-e2e-notify-{os.getpid()}"
        self.run_notified("\0" + name, "@" + name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
