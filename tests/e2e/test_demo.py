"""scripts/demo.sh, the README's first command (with the build skipped and the listen
addresses narrowed to loopback): it creates its state once, prints a git clone line that
works, and serves; a second run reuses the state."""

import re
import shlex
import subprocess
import unittest

import harness
from harness import SOURCE_DIR, run

DEMO = SOURCE_DIR / "scripts" / "demo.sh"


class DemoTest(unittest.TestCase):
    def setUp(self):
        self.env = harness.Env(type(self).__name__)
        self.addCleanup(self.env.close)
        self.state = self.env.tmp / "demo-state"

    def start_demo(self):
        """Runs demo.sh; returns (popen, printed clone line, port)."""
        port = harness.free_port()
        env = harness.base_env(self.env.home)
        env.update({"GITGATE_DEMO_DIR": str(self.state), "GITGATE_DEMO_PORT": str(port),
                    "GITGATE_DEMO_LISTEN": "127.0.0.1 ::1", "GITGATE_DEMO_SKIP_BUILD": "1",
                    "GITGATE_BIN": harness.gitgate_bin(), "USER": "demo-user"})
        out_path = self.env.tmp / f"demo-{port}.out"
        err_path = self.env.tmp / f"demo-{port}.err"
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            popen = subprocess.Popen(["bash", str(DEMO)], stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=err, env=env, start_new_session=True)
        self.env.processes.append(popen)

        def listening():
            return popen.poll() is not None or err_path.read_text().count("listening on") >= 2
        harness.wait_until(listening, harness.START_TIMEOUT)
        text = out_path.read_text()
        self.assertIsNone(popen.poll(), f"demo.sh exited:\n{text}\n{err_path.read_text()}")
        m = re.search(r"^  (GIT_SSH_COMMAND='[^']*' git clone \S+)$", text, re.M)
        self.assertIsNotNone(m, f"no clone line printed:\n{text}")
        return popen, m.group(1), port

    def run_clone_line(self, line, extra_ssh_options):
        """Runs the printed line, with the client's known_hosts kept out of the real home
        (OpenSSH reads ~/.ssh from the passwd entry, not $HOME)."""
        words = shlex.split(line)
        ssh_command = words[0].split("=", 1)[1] + " " + " ".join(
            ["-F", "/dev/null", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
             *extra_ssh_options])
        env = dict(self.env.env)
        env["GIT_SSH_COMMAND"] = ssh_command
        dest = self.env.clone_dir("demo")
        dest.parent.mkdir(exist_ok=True)
        proc = run(words[1:] + [str(dest)], env=env, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(run(["git", "-C", str(dest), "fsck", "--full"], env=env).returncode, 0)
        log = run(["git", "-C", str(dest), "log", "--oneline", "--all"], env=env).stdout
        self.assertGreaterEqual(len(log.splitlines()), 4, log)
        return dest

    def test_demo_key_when_no_user_keys(self):
        popen, line, port = self.start_demo()
        key = self.state / "id_ed25519_demo"
        self.assertIn(f"ssh -i {key} ", line)
        self.assertIn(f"ssh://git@localhost:{port}/demo/repo.git", line)
        self.run_clone_line(line, [])
        host_key = (self.state / "ssh_host_ed25519_key").read_bytes()
        users = (self.state / "users.toml").read_text()
        harness.kill_group(popen)
        # Second run: same state, same host key, same users, still serves.
        popen, line2, _ = self.start_demo()
        self.assertEqual((self.state / "ssh_host_ed25519_key").read_bytes(), host_key)
        self.assertEqual((self.state / "users.toml").read_text(), users)
        self.run_clone_line(line2, [])
        harness.kill_group(popen)

    def test_user_keys_are_authorized(self):
        ssh_dir = self.env.home / ".ssh"
        ssh_dir.mkdir(mode=0o700)
        pub = harness.generate_key(ssh_dir / "id_ed25519", "me@laptop")
        _, line, _ = self.start_demo()
        self.assertNotIn("id_ed25519_demo", line)
        self.assertFalse((self.state / "id_ed25519_demo").exists())
        self.assertIn(pub, (self.state / "users.toml").read_text())
        self.run_clone_line(line, ["-i", str(ssh_dir / "id_ed25519"), "-o",
                                   "IdentitiesOnly=yes"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
