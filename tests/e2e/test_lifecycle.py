"""gitgate serve's life: it binds port 0 on every listen address and prints each bound
port, creates its host key on first start and presents the same key after a restart, and
stops promptly on SIGTERM."""

import signal
import time
import unittest

import harness
from harness import SERVER_HOST, run


class LifecycleTest(unittest.TestCase):
    def setUp(self):
        self.env = harness.Env(type(self).__name__)
        self.addCleanup(self.env.close)
        self.env.add_repository()
        self.env.add_user("alice", 2)
        self.env.write_users()

    def host_key_seen_by_client(self, port):
        """The host key OpenSSH records on first contact (accept-new into a fresh file)."""
        known = self.env.tmp / f"known_hosts-{port}"
        cmd = self.env.ssh_command(self.env.users[0]["key"], port)
        cmd[cmd.index("UserKnownHostsFile=/dev/null")] = f"UserKnownHostsFile={known}"
        cmd[cmd.index("StrictHostKeyChecking=no")] = "StrictHostKeyChecking=accept-new"
        run(cmd + ["-T", SERVER_HOST, "git-upload-pack '/nonexistent.git'"], timeout=20)
        keys = [line.split(None, 1)[1] for line in known.read_text().splitlines()
                if line and not line.startswith("#")]
        self.assertEqual(len(keys), 1, keys)
        return keys[0].strip()

    def test_port_zero_on_two_addresses(self):
        self.env.write_config(listen=("127.0.0.1:0", "[::1]:0"))
        gitgate = self.env.start_gitgate()
        found = gitgate.ports
        self.assertEqual(sorted(h for h, _ in found), ["127.0.0.1", "[::1]"], found)
        for host, port in found:
            self.assertNotEqual(port, 0)
            with self.subTest(host=host):
                url = f"ssh://git@{host}:{port}/{harness.REPO}"
                env = dict(self.env.env)
                env["GIT_SSH_COMMAND"] = " ".join(
                    a for a in self.env.ssh_command(self.env.users[0]["key"], port)
                    if a not in ("-b", harness.CLIENT_ADDR))
                proc = run(["git", "ls-remote", url], env=env)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertEqual(proc.stdout, self.env.local_ls_remote())

    def test_host_key_created_once_and_kept(self):
        self.env.write_config()
        self.assertFalse(self.env.host_key_path.exists())
        gitgate = self.env.start_gitgate()
        self.assertTrue(self.env.host_key_path.exists())
        self.assertEqual(self.env.host_key_path.stat().st_mode & 0o077, 0,
                         "the host key must not be readable by others")
        public = run(["ssh-keygen", "-y", "-f", str(self.env.host_key_path)],
                     check=True).stdout.split()[:2]
        self.assertEqual(self.host_key_seen_by_client(gitgate.port).split()[:2], public)
        gitgate.stop()
        gitgate = self.env.start_gitgate()
        self.assertEqual(self.host_key_seen_by_client(gitgate.port).split()[:2], public)

    def test_client_that_waits_for_the_server_banner(self):
        # RFC 4253 4.2 lets a client wait for the server's identification string before
        # sending its own; ssh-keyscan does, and operators use it to fill known_hosts. In
        # mode optional, silence until the header timeout means "no header", not an error.
        self.env.write_config(header_timeout_ms=1000)
        gitgate = self.env.start_gitgate()
        proc = run(["ssh-keyscan", "-T", "8", "-t", "ed25519", "-p", str(gitgate.port),
                    SERVER_HOST], timeout=20)
        keys = [line.split()[1:3] for line in proc.stdout.splitlines()
                if line and not line.startswith("#")]
        public = run(["ssh-keygen", "-y", "-f", str(self.env.host_key_path)],
                     check=True).stdout.split()[:2]
        self.assertEqual(keys, [public], f"{proc.stdout}{proc.stderr}\n{gitgate.stderr()}")

    def test_sigterm_stops_promptly(self):
        self.env.write_config()
        gitgate = self.env.start_gitgate()
        start = time.monotonic()
        gitgate.popen.send_signal(signal.SIGTERM)
        code = gitgate.popen.wait(timeout=15)
        self.assertLess(time.monotonic() - start, 10)
        self.assertEqual(code, 0, gitgate.stderr())

    def test_sigterm_cuts_connections_waiting_to_log_in(self):
        """A connection still in its PROXY wait or key exchange is not worth waiting for:
        SIGTERM closes it at once, and the exit is prompt and clean."""
        self.env.write_config()
        gitgate = self.env.start_gitgate()
        silent = [harness.socket.create_connection((harness.SERVER_HOST, gitgate.port))
                  for _ in range(3)]
        banner_only = harness.socket.create_connection((harness.SERVER_HOST, gitgate.port))
        banner_only.sendall(b"SSH-2.0-e2e\r\n")
        try:
            self.assertTrue(harness.wait_until(lambda: "SSH-2.0-" in self.peek(banner_only), 10),
                            "no server banner")
            start = time.monotonic()
            gitgate.popen.send_signal(signal.SIGTERM)
            code = gitgate.popen.wait(timeout=15)
            self.assertLess(time.monotonic() - start, 3, gitgate.stderr())
            self.assertEqual(code, 0, gitgate.stderr())
            self.assertIn("4 not yet authenticated closed", gitgate.stderr())
        finally:
            for s in silent + [banner_only]:
                s.close()

    @staticmethod
    def peek(sock):
        sock.settimeout(0.2)
        try:
            return sock.recv(256, harness.socket.MSG_PEEK).decode(errors="replace")
        except (TimeoutError, OSError):
            return ""


if __name__ == "__main__":
    unittest.main(verbosity=2)
