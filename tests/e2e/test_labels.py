"""Issue 14: what users can see. The access log's labels as Bitbucket writes them (sorted:
its documented o-line of a cache hit reads "cache:hit, clone, protocol:2, ssh:user:id:2"),
kept when a request ends half-way (a clone whose client is killed mid-pack is still logged
as a clone, with its cache label), and OpenSSH's exits for sessions that ask for a terminal,
a shell, a subsystem or forwarding: a clear message and a non-zero status, never a dropped
connection."""

import os
import signal
import subprocess
import unittest

import harness
from harness import CLIENT_ADDR, SERVER_HOST, run
from procs import kill_group

USER_ID = 2  # alice in the standard fixture, as in Bitbucket's documented line

# Bitbucket's documented o-line of a clone served from its cache, in protocol 2, by the user
# with id 2: its labels field as Atlassian's documentation gives it, the other fields in the
# shape of the SSH o-lines of Atlassian's KB "How to read the Bitbucket Server log formats"
# (their values are one instance's: addresses, ids, user, path, times, sizes, session).
BITBUCKET_CACHE_HIT_CLONE = (
    "198.51.100.23 | ssh | o@1QXW4JDx603x1452x0 | carol | 2026-05-25 10:03:07,215 | "
    "SSH - git-upload-pack '/proj/app.git' | \"SSH-2.0-OpenSSH_9.6\" | 0 | 312 | 48210 | "
    "cache:hit, clone, protocol:2, ssh:user:id:2 | 73 | 1d0ea5k |")

# Field by field: equal, or of the same shape (the value an instance's own).
FIELD_RULES = [
    ("addresses", r"^[0-9a-f.:]+(,[0-9a-f.:]+)?$"),
    ("protocol", None),
    ("request id", r"^o@[0-9A-Z]+x\d+x\d+x\d+$"),
    ("user", r"^[^ |]+$"),
    ("time", r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}$"),
    ("action", r"^SSH - git-upload-pack '/[^']+'$"),
    ("details", r'^"SSH-2\.0-[^"]+"$'),
    ("status", None),
    ("bytes read", r"^\d+$"),
    ("bytes written", r"^\d+$"),
    ("labels", None),
    ("duration", r"^\d+$"),
    ("session id", r"^[0-9a-z]{6,7}$"),
]

# Slow enough that a clone of BIG_MIB is still receiving its pack when it is killed.
THROTTLE = """\
import sys, time
src, dst = sys.stdin.buffer, sys.stdout.buffer
while True:
    chunk = src.read1(4096)
    if not chunk:
        break
    dst.write(chunk)
    dst.flush()
    time.sleep(0.02)
"""
BIG_MIB = 16


def fields_of(line):
    assert line.endswith(" |"), line
    return line[:-2].split(" | ")


class LabelsTest(harness.GitgateTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        harness.make_big_repository(env, "demo/big.git", BIG_MIB)
        cls.throttle = env.tmp / "throttle.py"
        cls.throttle.write_text(THROTTLE)
        cls.slow_ssh = env.tmp / "slow_ssh.sh"
        # The real ssh, its output to git through the throttle.
        cls.slow_ssh.write_text(f'#!/bin/sh\n"$@" | python3 {cls.throttle}\n')
        cls.slow_ssh.chmod(0o755)

    def clone_pair(self, *, path="/demo/repo.git", protocol=2, extra=()):
        mark = self.env.access_mark()
        proc, dest = self.env.clone(self.alice, path=path, extra=extra,
                                    git_config=(f"protocol.version={protocol}",))
        self.assertOk(proc, "clone")
        return self.env.wait_request(mark)

    # 1. Bitbucket's order.

    def test_cache_hit_clone_reads_as_bitbuckets_documented_line(self):
        self.clone_pair(path="/demo/repo.git")  # fills the pack cache (or finds it filled)
        i, o = self.clone_pair(path="/demo/repo.git")
        self.assertRequestPair(i, o, addresses=CLIENT_ADDR, user="alice", path="/demo/repo.git",
                               labels=["cache:hit", "clone", "protocol:2",
                                       f"ssh:user:id:{USER_ID}"])
        ours, theirs = fields_of(o["line"]), fields_of(BITBUCKET_CACHE_HIT_CLONE)
        self.assertEqual(len(ours), len(theirs), o["line"])
        for (name, shape), mine, documented in zip(FIELD_RULES, ours, theirs):
            if shape is None:
                self.assertEqual(mine, documented, f"{name}: {o['line']}")
            else:
                self.assertRegex(documented, shape, name)
                self.assertRegex(mine, shape, f"{name}: {o['line']}")
        self.assertEqual(ours[10], "cache:hit, clone, protocol:2, ssh:user:id:2")

    def test_every_kind_of_request_has_its_labels_sorted(self):
        """clone (cache miss and hit), shallow clone, fetch, ls-remote; v0 and v2. Sorted
        order is asserted by assertRequestPair for every pair."""
        for protocol in (0, 2):
            with self.subTest(protocol=protocol):
                config = (f"protocol.version={protocol}",)
                mark = self.env.access_mark()
                proc, dest = self.env.clone(self.alice, git_config=config)
                self.assertOk(proc, "clone")
                i, o = self.env.wait_request(mark)
                self.assertRequestPair(i, o, addresses=CLIENT_ADDR, user="alice",
                                       path="/demo/repo.git",
                                       labels=["clone", f"protocol:{protocol}",
                                               f"ssh:user:id:{USER_ID}"])
                i, o = self.clone_pair(protocol=protocol, extra=("--depth=1",))
                self.assertRequestPair(i, o, addresses=CLIENT_ADDR, user="alice",
                                       path="/demo/repo.git",
                                       labels=["clone", f"protocol:{protocol}", "shallow",
                                               f"ssh:user:id:{USER_ID}"])
                # A commit the clone lacks: the fetch that follows sends a pack (label fetch).
                repo = str(self.env.repos / "demo" / "repo.git")
                tree = run(["git", "-C", repo, "rev-parse", "main^{tree}"], env=self.env.env,
                           check=True).stdout.strip()
                commit = run(["git", "-C", repo, "commit-tree", tree, "-p", "main", "-m",
                              f"for the fetch over protocol {protocol}"], env=self.env.env,
                             check=True).stdout.strip()
                run(["git", "-C", repo, "update-ref", "refs/heads/main", commit],
                    env=self.env.env, check=True)
                mark = self.env.access_mark()
                self.assertOk(self.env.git(["-C", str(dest), "fetch", "origin",
                                            "+refs/heads/*:refs/remotes/other/*"],
                                           self.alice, git_config=config), "fetch")
                i, o = self.env.wait_request(mark)
                self.assertRequestPair(i, o, addresses=CLIENT_ADDR, user="alice",
                                       path="/demo/repo.git",
                                       labels=["fetch", f"protocol:{protocol}",
                                               f"ssh:user:id:{USER_ID}"])
                mark = self.env.access_mark()
                self.assertOk(self.env.git(["ls-remote", self.env.url(self.env.gitgate.port)],
                                           self.alice, git_config=config), "ls-remote")
                i, o = self.env.wait_request(mark)
                self.assertRequestPair(i, o, addresses=CLIENT_ADDR, user="alice",
                                       path="/demo/repo.git",
                                       labels=[f"protocol:{protocol}", "refs",
                                               f"ssh:user:id:{USER_ID}"])

    # 2. A request that ends half-way keeps what it was known to be.

    def killed_clone(self, protocol):
        """A clone of big.git whose client (git, ssh, index-pack) is killed once its pack is
        arriving; returns the request's pair of lines."""
        env = self.env
        dest = env.clone_dir("killed")
        dest.parent.mkdir(exist_ok=True)
        e = env.git_env(self.alice["key"], env.gitgate.port)
        e["GIT_SSH_COMMAND"] = f"{self.slow_ssh} " + e["GIT_SSH_COMMAND"]
        e["GIT_SSH_VARIANT"] = "ssh"  # the wrapper's name hides that it is OpenSSH
        mark = env.access_mark()
        clone = subprocess.Popen(
            ["git", "-c", f"protocol.version={protocol}", "clone", "-q", "--bare",
             env.url(env.gitgate.port, "/demo/big.git"), str(dest)],
            env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.addCleanup(kill_group, clone)

        def receiving():
            return any(p.stat().st_size > 0 for p in dest.glob("objects/pack/tmp_pack_*"))
        arrived = harness.wait_until(receiving, 60, interval=0.02)
        self.assertIsNone(clone.poll(), "the clone ended before it could be killed")
        self.assertTrue(arrived, "no pack arrived")
        os.killpg(clone.pid, signal.SIGKILL)
        clone.wait(timeout=10)
        return env.wait_request(mark, timeout=60)

    def test_killed_clone_keeps_clone_and_cache_labels(self):
        for protocol in (2, 0):
            with self.subTest(protocol=protocol):
                i, o = self.killed_clone(protocol)
                self.assertNotEqual(o["status"], "0", o["line"])
                self.assertRequestPair(i, o, addresses=CLIENT_ADDR, user="alice",
                                       path="/demo/big.git", status=int(o["status"]),
                                       labels=["clone", f"protocol:{protocol}",
                                               f"ssh:user:id:{USER_ID}"])
                # No clone of big.git ever finished: nothing to hit in the cache.
                self.assertIn("cache:miss", harness.labels_of(o), o["line"])
        self.assertTrue(self.env.gitgate.alive())

    # 3. Sessions that are not git commands: OpenSSH's client, a message, a non-zero exit.

    def ssh(self, *options, command=(), env=None):
        cmd = self.env.ssh_command(self.alice["key"], self.env.gitgate.port,
                                   extra=list(options)) + [SERVER_HOST, *command]
        return run(cmd, env=env or self.env.env, timeout=30)

    def assertGreeted(self, proc, what):
        self.assertEqual(proc.returncode, 1, f"{what}: {proc.stdout!r} {proc.stderr!r}")
        text = proc.stdout + proc.stderr
        self.assertIn("hi alice! You've successfully authenticated, but interactive shells "
                      "are not provided.", text, what)

    def test_shell_without_and_with_a_terminal_exits_1_with_the_greeting(self):
        self.assertGreeted(self.ssh("-T"), "ssh -T")
        forced = self.ssh("-tt")  # a pty request, then the shell: as GitHub, exit 1
        self.assertGreeted(forced, "ssh -tt")
        self.assertNotIn("PTY allocation request failed", forced.stderr)
        # The client asked for a terminal, so its lines end as a terminal's do (bytes: text
        # mode would read "\r\n" as "\n").
        raw = subprocess.run(self.env.ssh_command(self.alice["key"], self.env.gitgate.port,
                                                  extra=["-tt"]) + [SERVER_HOST],
                             env=self.env.env, capture_output=True, timeout=30,
                             stdin=subprocess.DEVNULL)
        self.assertEqual(raw.returncode, 1, raw.stderr)
        self.assertIn(b"not provided.\r\n", raw.stdout + raw.stderr)
        self.assertCloneWorks()

    def test_other_session_requests_end_with_a_message_and_a_non_zero_exit(self):
        sftp = self.ssh("-T", "-s", command=["sftp"])
        self.assertEqual(sftp.returncode, 1, sftp.stderr)
        self.assertIn("subsystem not provided: sftp", sftp.stderr)
        # Agent and X11 forwarding and a remote port forward, then the shell: each forward
        # is refused (the client warns at most), the shell gets its greeting. DISPLAY and -Y
        # make OpenSSH send its x11-req even without an X server or xauth here.
        display = dict(self.env.env, DISPLAY=":0")
        forwarding = self.ssh("-T", "-A", "-Y", "-R", f"127.0.0.1:{harness.free_port()}:"
                              "127.0.0.1:9", env=display)
        self.assertGreeted(forwarding, "ssh with forwarding")
        # An exec of a command that is not git: refused with its name.
        other = self.ssh("-T", command=["ls"])
        self.assertNotEqual(other.returncode, 0, other.stderr)
        self.assertNotEqual(other.returncode, 255, other.stderr)
        self.assertIn("command not allowed: ls", other.stderr)
        self.assertCloneWorks()


if __name__ == "__main__":
    unittest.main(verbosity=2)
