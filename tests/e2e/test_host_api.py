"""The Git host's API as the second source of users ([auth] api_url; README, "Sources of
users"), with the real git, OpenSSH ssh and haproxy, and the reference API server
(host_api_server.py, a subprocess): an API user clones and pushes where the host allows it,
the host sees the real client address (the PROXY header's) and the canonical repository, its
refusal message is what the client sees, and when the host is down its users are refused
within about api_timeout_ms (the shipped 2000 ms) while the users file's users are served;
once it is back, its users are served again without a restart."""

import shutil
import threading
import time
import unittest

import harness
from harness import CLIENT_ADDR, LB_ADDR, run
from host_api_server import ApiProcess

VIA_LB = "send-proxy-v2"
TOKEN = "e2e-t0ken.XYZ"
TIMEOUT_S = 2.0  # api_timeout_ms as shipped
UNREACHABLE = "the Git host could not be reached; try again"
FRANK_MESSAGE = "frank: no access to demo/repo.git (host rule 7; ask an admin)"
BLOCKED = "198.51.100.7"
BLOCKED_MESSAGE = f"Access from {BLOCKED} is blocked by the IP allowlist of project demo"


def api_user(env, name):
    """A key pair only the host knows (not in users.toml): the user dict the harness takes,
    with the key's fingerprint and authorized_keys line."""
    key = env.keys / f"id_{name}"
    line = harness.generate_key(key, f"{name}@e2e")
    printed = run(["ssh-keygen", "-l", "-E", "sha256", "-f", str(key) + ".pub"], check=True)
    return {"name": name, "key": key, "line": line, "fingerprint": printed.stdout.split()[1]}


class HostApiTest(harness.GitgateTestCase):
    @classmethod
    def setUpClass(cls):
        env = cls.env = harness.Env(cls.__name__)
        cls.addClassCleanup(env.close)
        env.add_repository()
        harness.make_repository(env.tmp, env.repos / "demo" / "pushable.git", env.env,
                                big_blob_kib=16)
        env.add_user("alice", 2)  # the users file's: reads everything
        env.write_users()
        cls.erin = api_user(env, "erin")
        cls.frank = api_user(env, "frank")
        cls.api = ApiProcess(env.tmp / "api", cls.default_state())
        cls.addClassCleanup(cls.api.stop)
        cls.api.start()
        token = env.tmp / "api.token"
        token.write_text(TOKEN + "\n")
        cls.token_path = token
        # A user CA too: a certificate's principal the users file lacks is asked of the host.
        cls.ca = env.keys / "user_ca"
        cls.gina = env.keys / "gina"  # certified only; the host knows her as principal "erin"
        for key in (cls.ca, cls.gina):
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key.name, "-f", str(key)],
                check=True)
        env.write_config(extra_auth=f'api_url = "{cls.api.url}/"\n'
                                    f'api_token_file = "{token}"\n'
                                    f'trusted_user_ca_keys = ["{cls.ca}.pub"]\n')
        env.start_gitgate()
        env.start_haproxy(VIA_LB)

    @classmethod
    def default_state(cls):
        return {
            "token": TOKEN,
            "users": {cls.erin["fingerprint"]: {"name": "erin", "id": 1001},
                      cls.frank["fingerprint"]: {"name": "frank", "id": 1002}},
            "permissions": {"erin": {"read": ["demo/*"], "write": ["demo/pushable.git"]},
                            "frank": {"read": [], "message": FRANK_MESSAGE}},
            "refused_clients": {BLOCKED: BLOCKED_MESSAGE},
            "principals": {"erin": {"name": "erin", "id": 1001}},
        }

    def setUp(self):
        self.api.write_state(self.default_state())
        if self.api.popen.poll() is not None:
            self.api.start()

    # helpers ---------------------------------------------------------------------------------
    def calls_since(self, mark, path=None):
        calls = self.api.calls()[mark:]
        return [c for c in calls if path is None or c["path"] == path]

    def ls_remote(self, user, log_level="ERROR", path="/demo/repo.git"):
        """git ls-remote through haproxy, with ssh at log_level (INFO shows the login banner
        that says the host could not be reached); returns (process, seconds)."""
        ssh = self.env.ssh_command(user["key"], self.env.port_for(VIA_LB))
        ssh[ssh.index("LogLevel=ERROR")] = f"LogLevel={log_level}"
        started = time.monotonic()
        proc = self.env.git(["ls-remote", self.env.url(self.env.port_for(VIA_LB), path)], user,
                            VIA_LB, ssh_command=ssh)
        return proc, time.monotonic() - started

    def assertRefusedMentioning(self, proc, text, what):
        self.assertNotEqual(proc.returncode, 0, f"{what} succeeded")
        self.assertIn(text, proc.stderr, f"{what}: stderr:\n{proc.stderr}\n"
                      f"gitgate stderr (tail):\n{self.env.tail()}")

    # reads -----------------------------------------------------------------------------------
    def test_an_api_user_clones_and_the_host_sees_the_real_client(self):
        calls, access = len(self.api.calls()), self.env.access_mark()
        dest = self.assertCloneWorks(self.erin, VIA_LB)
        self.assertTrue((dest / "README.md").exists())
        keys = self.calls_since(calls, "/ssh/key")
        # libssh asks about the key twice (probe, then signature): the host once.
        self.assertEqual(len(keys), 1, keys)
        self.assertEqual(keys[0]["authorization"], f"Bearer {TOKEN}")
        self.assertEqual(keys[0]["body"], {"fingerprint": self.erin["fingerprint"],
                                           "key": " ".join(self.erin["line"].split()[:2]),
                                           "client_address": CLIENT_ADDR})
        allowed = self.calls_since(calls, "/ssh/allowed")
        self.assertEqual([c["body"] for c in allowed],
                         [{"user_id": 1001, "user_name": "erin", "repository": "demo/repo.git",
                           "action": "read", "client_address": CLIENT_ADDR}])
        i_line, o_line = self.env.wait_request(access)
        for rec in (i_line, o_line):
            self.assertEqual(rec["user"], "erin")
            self.assertEqual(rec["addresses"], f"{CLIENT_ADDR},{LB_ADDR}")
        self.assertEqual(o_line["status"], "0")
        self.assertIn("ssh:user:id:1001", harness.labels_of(o_line))

    def test_a_certificate_whose_principal_the_host_names_clones(self):
        run(["ssh-keygen", "-q", "-s", str(self.ca), "-I", "gina laptop", "-V", "-5m:+1h",
             "-z", "42", "-n", "nobody,erin", str(self.gina) + ".pub"], check=True)
        calls, access = len(self.api.calls()), self.env.access_mark()
        ssh = self.env.ssh_command(self.gina, self.env.port_for(VIA_LB),
                                   extra=["-o", f"CertificateFile={self.gina}-cert.pub"])
        dest = self.env.clone_dir("gina-cert")
        proc = self.env.git(["clone", "-q", self.env.url(self.env.port_for(VIA_LB)), str(dest)],
                            self.gina, VIA_LB, ssh_command=ssh)
        self.assertOk(proc, "clone with a certificate the host's principal vouches for")
        principals = [c["body"] for c in self.calls_since(calls, "/ssh/key")]
        # The users file names neither principal: both asked of the host, in order, each once.
        self.assertEqual(principals, [
            {"principal": "nobody", "key_id": "gina laptop", "client_address": CLIENT_ADDR},
            {"principal": "erin", "key_id": "gina laptop", "client_address": CLIENT_ADDR}])
        allowed = self.calls_since(calls, "/ssh/allowed")
        self.assertEqual([(c["body"]["user_name"], c["body"]["action"]) for c in allowed],
                         [("erin", "read")])
        _, o_line = self.env.wait_request(access)
        self.assertEqual(o_line["user"], "erin")
        self.assertIn("ssh:user:id:1001", harness.labels_of(o_line))
        self.assertIn("ssh:id:gina%20laptop", harness.labels_of(o_line))

    def test_an_alias_path_reaches_the_host_as_the_canonical_repository(self):
        calls = len(self.api.calls())
        proc, _ = self.ls_remote(self.erin, path="//demo///repo")
        self.assertOk(proc, "ls-remote //demo///repo")
        allowed = self.calls_since(calls, "/ssh/allowed")
        self.assertEqual([c["body"]["repository"] for c in allowed], ["demo/repo.git"])

    def test_the_hosts_refusal_is_what_the_client_sees(self):
        access = self.env.access_mark()
        proc, _ = self.env.clone(self.frank, VIA_LB)
        self.assertRefusedMentioning(proc, f"fatal: {FRANK_MESSAGE}\n", "frank's clone")
        _, o_line = self.env.wait_request(access)
        self.assertEqual((o_line["user"], o_line["status"]), ("frank", "128"))
        self.assertIn("ssh:user:id:1002", harness.labels_of(o_line))
        self.assertTrue(self.env.gitgate.wait_diagnostic(
            0, r"request refused: repository /demo/repo.git: the Git host refused to let frank "
               r"read it: frank: no access"), self.env.tail())

    def test_a_proxy_header_naming_an_address_the_host_refuses(self):
        calls = len(self.api.calls())
        header = harness.proxy_v2(BLOCKED, "192.0.2.1", 40000, 7999)
        ssh = self.env.relay_ssh_command(self.erin["key"], header)
        proc = self.env.git(["ls-remote", self.env.url(self.env.gitgate.port)], self.erin,
                            ssh_command=ssh)
        self.assertRefusedMentioning(proc, f"fatal: {BLOCKED_MESSAGE}\n", "ls-remote")
        seen = {c["path"]: c["body"]["client_address"] for c in self.calls_since(calls)}
        self.assertEqual(seen, {"/ssh/key": BLOCKED, "/ssh/allowed": BLOCKED})

    # writes ----------------------------------------------------------------------------------
    def test_a_write_the_host_allows_and_one_it_refuses(self):
        work = self.env.tmp / "work-erin"
        shutil.rmtree(work, ignore_errors=True)
        run(["git", "clone", "-q", "--no-local", str(self.env.repos / "demo" / "pushable.git"),
             str(work)], env=self.env.env, check=True)
        (work / "from-erin.txt").write_text("pushed through gitgate by an API user\n")
        run(["git", "-C", str(work), "add", "-A"], env=self.env.env, check=True)
        run(["git", "-C", str(work), "commit", "-q", "-m", "API user's commit"], env=self.env.env,
            check=True)
        head = run(["git", "-C", str(work), "rev-parse", "HEAD"], env=self.env.env,
                   check=True).stdout.strip()
        calls = len(self.api.calls())
        url = self.env.url(self.env.port_for(VIA_LB), "/demo/pushable.git")
        proc = self.env.git(["-C", str(work), "push", url, "HEAD:refs/heads/from-erin"],
                            self.erin, VIA_LB)
        self.assertOk(proc, "push to demo/pushable.git")
        self.assertIn(head, self.env.local_ls_remote("demo/pushable.git"))
        url = self.env.url(self.env.port_for(VIA_LB), "/demo/repo.git")
        proc = self.env.git(["-C", str(work), "push", url, "HEAD:refs/heads/from-erin"],
                            self.erin, VIA_LB)
        self.assertRefusedMentioning(proc, "fatal: erin may not write demo/repo.git\n",
                                     "push to demo/repo.git")
        self.assertNotIn("from-erin", self.env.local_ls_remote())
        asked = [(c["body"]["repository"], c["body"]["action"])
                 for c in self.calls_since(calls, "/ssh/allowed")]
        self.assertEqual(asked, [("demo/pushable.git", "write"), ("demo/repo.git", "write")])

    # the host down ---------------------------------------------------------------------------
    def assertDownThenBack(self, bring_down, bring_back, cause, at_least=0.0):
        mark = self.env.gitgate.mark()
        bring_down()
        proc, took = self.ls_remote(self.erin, log_level="INFO")
        self.assertRefusedMentioning(proc, UNREACHABLE, "erin's ls-remote with the host down")
        self.assertGreaterEqual(took, at_least)
        self.assertLess(took, TIMEOUT_S + 6, "refused within about api_timeout_ms")
        self.assertTrue(self.env.gitgate.wait_diagnostic(
            mark, r"authentication failed: host api failure ssh-ed25519 SHA256:\S+: the host API "
                  r"could not be asked: " + cause), self.env.tail())
        self.assertCloneWorks(self.alice, VIA_LB)  # the users file's users are served
        bring_back()
        proc, _ = self.ls_remote(self.erin)
        self.assertOk(proc, "erin's ls-remote once the host is back")

    def test_host_stopped(self):
        self.assertDownThenBack(self.api.stop, self.api.start,
                                r"unreachable: http://127\.0\.0\.1:\d+/ssh/key: Connection refused")

    def test_host_answering_500(self):
        self.assertDownThenBack(lambda: self.api.update(fail="500"),
                                lambda: self.api.update(fail=None), r"server error: HTTP 500")

    def test_host_sleeping_past_the_timeout(self):
        self.assertDownThenBack(lambda: self.api.update(fail="sleep"),
                                lambda: self.api.update(fail=None),
                                r"timeout: no reply from http://\S+/ssh/key within 2000 ms",
                                at_least=TIMEOUT_S)

    def test_a_slow_host_holds_up_only_the_logins_that_ask_it(self):
        """Each connection has its own thread: while an API user's login waits for a host that
        sleeps past api_timeout_ms, a users-file user's clone starts and ends."""
        self.api.update(fail="sleep")
        calls = len(self.api.calls())
        ended = {}

        def erin():
            proc, took = self.ls_remote(self.erin)
            ended["erin"] = (time.monotonic(), proc.returncode, took)

        waiting = threading.Thread(target=erin)
        waiting.start()
        # erin's login is waiting for the host: its /ssh/key call has arrived.
        self.assertTrue(harness.wait_until(lambda: self.calls_since(calls, "/ssh/key"), 10))
        self.assertCloneWorks(self.alice, VIA_LB)
        alice_done = time.monotonic()
        waiting.join(timeout=30)
        self.assertIn("erin", ended)
        erin_done, status, took = ended["erin"]
        self.assertNotEqual(status, 0)
        self.assertGreaterEqual(took, TIMEOUT_S)
        self.assertLess(alice_done, erin_done, "alice's clone waited for erin's login")

    def test_host_failing_after_login_is_named_to_the_client(self):
        """/ssh/key answers, /ssh/allowed fails: the request is refused with the same words."""
        mark = self.env.gitgate.mark()
        self.api.update(fail="500", fail_only="/ssh/allowed")
        proc, _ = self.env.clone(self.erin, VIA_LB)
        self.assertRefusedMentioning(proc, f"fatal: {UNREACHABLE}\n", "erin's clone")
        self.assertTrue(self.env.gitgate.wait_diagnostic(
            mark, r"request refused: repository /demo/repo.git: the Git host could not be "
                  r"asked: server error: HTTP 500 user=erin"), self.env.tail())

    def test_a_token_the_host_refuses_then_the_right_one_after_sighup(self):
        mark = self.env.gitgate.mark()
        try:
            self.token_path.write_text("wrong-token\n")
            self.env.gitgate.sighup()
            self.assertTrue(self.env.gitgate.wait_diagnostic(mark, r"reloaded the host API token"))
            proc, _ = self.ls_remote(self.erin)
            self.assertNotEqual(proc.returncode, 0)
            self.assertTrue(self.env.gitgate.wait_diagnostic(
                mark, r"unauthorized: HTTP 401 \(is api_token_file"), self.env.tail())
        finally:
            mark = self.env.gitgate.mark()
            self.token_path.write_text(TOKEN + "\n")
            self.env.gitgate.sighup()
            self.assertTrue(self.env.gitgate.wait_diagnostic(mark, r"reloaded the host API token"))
        proc, _ = self.ls_remote(self.erin)
        self.assertOk(proc, "ls-remote with the right token")


if __name__ == "__main__":
    unittest.main()
