"""SIGHUP: gitgate reloads users.toml (a valid new file takes effect, an invalid one is
reported and the old users keep working) and reopens the access log (log rotation)."""

import os

import harness
from harness import CLIENT_ADDR, REPO


class ReloadTest(harness.GitgateTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.carol_key = cls.env.keys / "id_carol"
        cls.carol_pub = harness.generate_key(cls.carol_key, "carol@e2e")

    def setUp(self):
        self.base_users = [u for u in self.env.users if u["name"] in ("alice", "bob")]
        self.env.write_users(self.base_users)
        self.reload()

    def carol(self):
        return {"name": "carol", "id": 7, "keys": [self.carol_pub], "read": ["demo/*"],
                "write": []}

    def reload(self):
        """Sends SIGHUP. The reload is not synchronous with the signal, so callers poll for
        the effect they expect, bounded."""
        self.env.gitgate.sighup()

    def ls_remote(self, key):
        return self.env.git(["ls-remote", self.env.url(self.env.gitgate.port)], key)

    def wait_ls_remote(self, key, want_ok, timeout=10):
        def attempt():
            proc = self.ls_remote(key)
            return proc if (proc.returncode == 0) == want_ok else None
        return harness.wait_until(attempt, timeout, interval=0.3)

    def test_new_user_after_sighup(self):
        self.assertNotEqual(self.ls_remote(self.carol_key).returncode, 0, "carol not yet added")
        self.env.write_users(self.base_users + [self.carol()])
        self.reload()
        proc = self.wait_ls_remote(self.carol_key, want_ok=True)
        self.assertIsNotNone(proc, f"carol cannot read after SIGHUP; stderr:\n{self.env.tail()}")
        mark = self.env.access_mark()
        self.assertCloneWorks({"name": "carol", "key": self.carol_key})
        i, o = self.env.wait_request(mark)
        self.assertRequestPair(i, o, addresses=CLIENT_ADDR, user="carol", path="/" + REPO,
                               labels=["clone", "ssh:user:id:7"],
                               optional_labels=self.ANY_PROTOCOL)

    def test_removed_user_is_refused_after_sighup(self):
        self.env.write_users(self.base_users + [self.carol()])
        self.reload()
        self.assertIsNotNone(self.wait_ls_remote(self.carol_key, want_ok=True))
        self.env.write_users(self.base_users)
        self.reload()
        self.assertIsNotNone(self.wait_ls_remote(self.carol_key, want_ok=False),
                             "carol still admitted after removal and SIGHUP")
        self.assertCloneWorks()

    def test_removed_key_closes_an_open_session(self):
        """OpenSSH's ControlMaster keeps one authenticated connection and runs every later
        request over it: without revocation a removed key would go on working there."""
        self.env.write_users(self.base_users + [self.carol()])
        self.reload()
        self.assertIsNotNone(self.wait_ls_remote(self.carol_key, want_ok=True))
        control = self.env.tmp / "carol.control"
        mux = ["-o", f"ControlPath={control}"]
        master = harness.subprocess.Popen(
            self.env.ssh_command(self.carol_key, self.env.gitgate.port,
                                 extra=["-M", "-N", *mux]) + [harness.SERVER_HOST],
            env=self.env.env, stdin=harness.subprocess.DEVNULL,
            stdout=harness.subprocess.DEVNULL, stderr=harness.subprocess.DEVNULL)
        try:
            self.assertTrue(harness.wait_until(control.exists, 10), "no control socket")
            over_master = self.env.ssh_command(self.carol_key, self.env.gitgate.port,
                                               extra=["-o", "ControlMaster=no", *mux])
            url = self.env.url(self.env.gitgate.port)
            self.assertOk(self.env.git(["ls-remote", url], self.carol_key,
                                       ssh_command=over_master), "ls-remote over the master")
            mark = self.env.gitgate.mark()
            self.env.write_users(self.base_users)
            self.reload()
            line = self.env.gitgate.wait_diagnostic(mark, r"carol .*no longer authorized")
            self.assertIsNotNone(line, "no diagnostic for the revoked session; stderr:\n" +
                                 self.env.gitgate.diagnostics_since(mark))
            self.assertIn(CLIENT_ADDR, line)
            master.wait(timeout=10)  # the server closed the master connection
            proc = self.env.git(["ls-remote", url], self.carol_key, ssh_command=over_master)
            self.assertNotEqual(proc.returncode, 0, "a revoked key still served a request")
        finally:
            if master.poll() is None:
                master.kill()
            master.wait()
        self.assertCloneWorks()

    def test_invalid_users_file_keeps_old_users(self):
        self.env.write_users(self.base_users + [self.carol()])
        self.reload()
        self.assertIsNotNone(self.wait_ls_remote(self.carol_key, want_ok=True))
        mark = self.env.gitgate.mark()
        self.env.users_path.write_text('[[user]]\nname = "dave"\nid = "not a number"\nkeys = [\n')
        self.reload()
        name = os.path.basename(self.env.users_path)
        line = self.env.gitgate.wait_diagnostic(mark, harness.re.escape(name))
        self.assertIsNotNone(line, "no diagnostic naming the invalid users file; stderr:\n" +
                             self.env.gitgate.diagnostics_since(mark))
        self.assertTrue(self.env.gitgate.alive())
        self.assertCloneWorks()
        self.assertEqual(self.ls_remote(self.carol_key).returncode, 0,
                         "users of the last valid file must keep working")

    def test_access_log_reopened_on_sighup(self):
        self.assertCloneWorks()
        rotated = self.env.access_log_path.with_name("access.log.1")
        os.replace(self.env.access_log_path, rotated)
        before = rotated.read_text()
        self.reload()
        # Until reopened, lines may still go to the rotated file; poll for the new one.
        ok = harness.wait_until(lambda: (self.ls_remote(self.env.users[0]["key"]).returncode
                                         == 0 and self.env.access_log_path.exists()), 10,
                                interval=0.3)
        self.assertTrue(ok, "no new access.log after SIGHUP")
        self.assertCloneWorks()
        lines = self.env.wait_access(0, 2)
        self.assertGreaterEqual(len(lines), 2, lines)
        for line in lines:
            self.assertIsNotNone(harness.parse_access_line(line), line)
        self.assertTrue(rotated.read_text().startswith(before))


if __name__ == "__main__":
    harness.unittest.main(verbosity=2)
