"""git push (git-receive-pack) with the real git and OpenSSH client, directly and through the
real haproxy: what lands, what is refused and why, what a refusal leaves behind (nothing:
no incoming-* directory, no new pack, no lock file), the hooks as git runs them, and the
access-log lines of each push.

Each test pushes into a repository of its own (a copy of one template), so that the tests
share one gitgate, one haproxy and one set of users, and need no particular order."""

import concurrent.futures
import itertools
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import time
import unittest

import harness
from harness import CLIENT_ADDR, LB_ADDR, run

DIRECT = None
VIA_LB = "send-proxy-v2"
VIAS = (DIRECT, VIA_LB)
ZERO = "0" * 40


def addresses_for(via):
    return CLIENT_ADDR if via is DIRECT else f"{CLIENT_ADDR},{LB_ADDR}"


def read_env(path):
    """`env` output as a dict (values with newlines are not expected here)."""
    out = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep:
            out[name] = value
    return out


class PushTestBase(harness.GitgateTestCase):
    """A template repository with history (harness.make_repository), users with and without
    write permission, gitgate with push_config appended, and haproxy in front."""

    haproxy_modes = (VIA_LB,)
    push_config = ""

    @classmethod
    def setUpClass(cls):
        cls.env = harness.Env(cls.__name__)
        cls.addClassCleanup(cls.env.close)
        env = cls.env
        cls.template = harness.make_repository(env.tmp, env.tmp / "template.git", env.env,
                                               big_blob_kib=16)
        env.add_user("alice", 2, read=["*"], write=["*"])
        env.add_user("bob", 3, read=["*"])  # reads everything, may push nothing
        env.add_user("carol", 4, read=["other/*"])  # neither reads nor writes demo/*
        env.add_user("dave", 5, read=[], write=["demo/*"])  # writes, so reads, demo/*
        env.write_users()
        env.write_config(extra_tables=cls.push_config)
        env.start_gitgate()
        for mode in cls.haproxy_modes:
            env.start_haproxy(mode)
        cls.serial = itertools.count(1)

    def user(self, name):
        return next(u for u in self.env.users if u["name"] == name)

    # repositories ----------------------------------------------------------------------------
    def server_repo(self, empty=False):
        """A repository of this test's own under demo/: the template's copy, or empty."""
        path = self.env.repos / "demo" / f"r{next(self.serial)}.git"
        path.parent.mkdir(exist_ok=True)
        if empty:
            run(["git", "-c", "init.defaultBranch=main", "init", "-q", "--bare", str(path)],
                env=self.env.env, check=True)
        else:
            shutil.copytree(self.template, path, symlinks=True)
        return path

    def url(self, repo, via=DIRECT):
        return self.env.url(self.env.port_for(via), "/demo/" + repo.name)

    def g(self, where, *args, check=True, input=None):
        return run(["git", "-C", str(where), *args], env=self.env.env, check=check, input=input)

    def work_clone(self, repo, via=DIRECT):
        """A working clone of repo made locally, whose origin is gitgate's URL for it."""
        work = self.env.tmp / "work" / f"w{next(self.serial)}"
        work.parent.mkdir(exist_ok=True)
        run(["git", "clone", "-q", "--no-local", str(repo), str(work)], env=self.env.env,
            check=True)
        self.g(work, "remote", "set-url", "origin", self.url(repo, via))
        return work

    def commit(self, work, message, data=None):
        name = f"f{next(self.serial)}.txt"
        (work / name).write_bytes(data if data is not None else (message + "\n").encode())
        self.g(work, "add", name)
        self.g(work, "commit", "-q", "-m", message)
        return self.rev(work, "HEAD")

    def rev(self, where, name):
        return self.g(where, "rev-parse", name).stdout.strip()

    def push(self, work, *args, user="alice", via=DIRECT, git_config=()):
        return self.env.git(["-C", str(work), "push", *args], self.user(user), via,
                            git_config=git_config)

    def refs(self, repo):
        out = self.g(repo, "for-each-ref", "--format=%(refname) %(objectname)").stdout
        return dict(line.split(" ") for line in out.splitlines())

    # what a push leaves ------------------------------------------------------------------------
    def state(self, repo):
        """What a refused push must leave as it was: the refs, the packs, the loose objects."""
        objects = repo / "objects"
        loose = sorted(str(p.relative_to(objects)) for p in objects.glob("[0-9a-f][0-9a-f]/*"))
        return {"refs": self.refs(repo), "packs": sorted(os.listdir(objects / "pack")),
                "loose": loose}

    def leftovers(self, repo):
        """Temporary files of a push: the quarantine, packs being written, lock files."""
        objects = repo / "objects"
        found = [p.name for p in objects.iterdir() if p.name.startswith(("incoming-", "tmp"))]
        found += [p.name for p in (objects / "pack").iterdir()
                  if not re.fullmatch(r"pack-[0-9a-f]{40}\.(pack|idx|rev|bitmap|keep)", p.name)]
        try:
            found += [str(p.relative_to(repo)) for p in repo.rglob("*.lock")]
        except FileNotFoundError as e:
            # The server removed the quarantine while the walk was inside it: still going.
            found.append(f"(removed while listed: {e.filename})")
        return found

    def assertNoLeftovers(self, repo, what="a push left files behind"):
        # The client may see its answer before the server has removed the quarantine, and the
        # auto maintenance a push starts runs detached (as git's does), holding its lock a while.
        harness.wait_until(lambda: not self.leftovers(repo), 10)
        self.assertEqual(self.leftovers(repo), [], what)

    def assertNothingLeft(self, repo, before):
        self.assertNoLeftovers(repo, "a refused push left files behind")
        self.assertEqual(self.state(repo), before, "a refused push changed the repository")

    def assertFsckClean(self, repo):
        proc = self.g(repo, "fsck", "--strict", "--full", "--no-dangling", check=False)
        self.assertOk(proc, "git fsck --strict of the served repository")
        self.assertNotRegex(proc.stdout + proc.stderr, r"(?i)error|warning|missing|broken")

    def assertPushed(self, proc):
        self.assertOk(proc, "push")

    def assertRefused(self, proc, *needles):
        self.assertNotEqual(proc.returncode, 0, f"push not refused:\n{proc.stderr}")
        for needle in needles:
            self.assertIn(needle, proc.stderr)

    def assertPushLogged(self, mark, repo, *, user="alice", uid=2, via=DIRECT, status=0,
                         labels=(), optional=("rejected", "atomic")):
        i, o = self.env.wait_request(mark)
        self.assertRequestPair(i, o, addresses=addresses_for(via), user=user,
                               path=f"/demo/{repo.name}",
                               labels=["push", "protocol:0", f"ssh:user:id:{uid}", *labels],
                               status=status, command="git-receive-pack",
                               optional_labels=optional)
        return i, o

    # hooks -------------------------------------------------------------------------------------
    def hook(self, repo, name, body):
        path = repo / "hooks" / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(0o755)

    def recording_hook(self, repo, name):
        """A hook that records its environment, stdin and arguments in a directory; returns
        the directory."""
        out = self.env.tmp / "hooks" / f"{repo.name}-{name}"
        out.mkdir(parents=True)
        self.hook(repo, name, f'env > "{out}/env"\ncat > "{out}/stdin"\n'
                              f'echo "$@" > "{out}/args"\n')
        return out


class PushTest(PushTestBase):

    def test_new_branch(self):
        for via in VIAS:
            with self.subTest(via=via):
                repo = self.server_repo()
                work = self.work_clone(repo, via)
                self.g(work, "checkout", "-q", "-b", "topic")
                sha = self.commit(work, "topic work")
                mark = self.env.access_mark()
                proc = self.push(work, "origin", "topic", via=via)
                self.assertPushed(proc)
                self.assertIn("[new branch]", proc.stderr)
                self.assertEqual(self.refs(repo)["refs/heads/topic"], sha)
                self.assertFsckClean(repo)
                _, o = self.assertPushLogged(mark, repo, via=via)
                self.assertGreater(int(o["bytes_read"]), 0)
                self.assertNoLeftovers(repo)

    def test_whole_history_into_an_empty_repository(self):
        repo = self.server_repo(empty=True)
        mark = self.env.access_mark()
        proc = self.env.git(["-C", str(self.template), "push", self.url(repo),
                             "refs/heads/*:refs/heads/*", "refs/tags/*:refs/tags/*"], self.alice)
        self.assertPushed(proc)
        self.assertEqual(self.refs(repo), self.refs(self.template))
        self.assertFsckClean(repo)
        packs = sorted((repo / "objects" / "pack").glob("*.pack"))
        self.assertEqual(len(packs), 1, packs)
        self.assertTrue(packs[0].with_suffix(".idx").exists())
        # Bytes read are the pack's: a whole history is sent whole (not thin), so the pack
        # kept is the pack received, byte for byte.
        _, o = self.assertPushLogged(mark, repo)
        self.assertEqual(int(o["bytes_read"]), packs[0].stat().st_size)
        # The new repository serves a clone at once.
        proc, dest = self.env.clone(self.alice, path=f"/demo/{repo.name}")
        self.assertOk(proc, "clone of the pushed repository")
        self.assertEqual(self.rev(dest, "HEAD"), self.refs(self.template)["refs/heads/main"])

    def test_force_push(self):
        repo = self.server_repo()
        work = self.work_clone(repo)
        self.g(work, "reset", "-q", "--hard", "HEAD~1")
        sha = self.commit(work, "rewritten")
        proc = self.push(work, "origin", "main")
        self.assertRefused(proc, "(non-fast-forward)")  # the client's own check
        mark = self.env.access_mark()
        self.assertPushed(self.push(work, "--force", "origin", "main"))
        self.assertEqual(self.refs(repo)["refs/heads/main"], sha)
        self.assertFsckClean(repo)
        self.assertPushLogged(mark, repo)

    def test_non_fast_forward_refused_under_deny_non_fast_forwards(self):
        repo = self.server_repo()
        self.g(repo, "config", "receive.denyNonFastForwards", "true")
        work = self.work_clone(repo)
        self.g(work, "reset", "-q", "--hard", "HEAD~1")
        self.commit(work, "rewritten")
        before = self.state(repo)
        mark = self.env.access_mark()
        proc = self.push(work, "--force", "origin", "main")
        self.assertRefused(proc, "[remote rejected] main -> main (non-fast-forward)")
        self.assertNothingLeft(repo, before)
        self.assertPushLogged(mark, repo, status=1, labels=["rejected"])

    def test_delete_and_deny_deletes(self):
        repo = self.server_repo()
        work = self.work_clone(repo)
        proc = self.push(work, "origin", ":wip")
        self.assertPushed(proc)
        self.assertIn("[deleted]", proc.stderr)
        self.assertNotIn("refs/heads/wip", self.refs(repo))
        self.g(repo, "config", "receive.denyDeletes", "true")
        before = self.state(repo)
        mark = self.env.access_mark()
        proc = self.push(work, "origin", ":feature")
        self.assertRefused(proc, "[remote rejected] feature (deletion prohibited)")
        self.assertNothingLeft(repo, before)
        self.assertPushLogged(mark, repo, status=1, labels=["rejected"])

    def test_atomic_push_with_one_refused_ref_lands_nothing(self):
        repo = self.server_repo()
        self.g(repo, "config", "receive.denyDeletes", "true")
        work = self.work_clone(repo)
        self.g(work, "checkout", "-q", "-b", "topic")
        self.commit(work, "topic work")
        before = self.state(repo)
        mark = self.env.access_mark()
        proc = self.push(work, "--atomic", "origin", "topic", ":feature")
        self.assertRefused(proc, "[remote rejected] feature (deletion prohibited)",
                           "[remote rejected] topic -> topic (atomic push failure)")
        self.assertNothingLeft(repo, before)
        self.assertPushLogged(mark, repo, status=1, labels=["rejected", "atomic"])

    def test_force_with_lease_stale(self):
        repo = self.server_repo()
        mine, theirs = self.work_clone(repo), self.work_clone(repo)
        winner = self.commit(theirs, "theirs")
        self.assertPushed(self.push(theirs, "origin", "main"))
        self.g(mine, "reset", "-q", "--hard", "HEAD~1")
        self.commit(mine, "mine, rewritten")
        proc = self.push(mine, "--force-with-lease", "origin", "main")
        self.assertRefused(proc, "(stale info)")
        self.assertEqual(self.refs(repo)["refs/heads/main"], winner)

    def test_tags_annotated_and_lightweight(self):
        repo = self.server_repo()
        work = self.work_clone(repo)
        sha = self.commit(work, "tagged")
        self.g(work, "tag", "-a", "v9.0", "-m", "Release 9.0")
        self.g(work, "tag", "v9.0-light")
        mark = self.env.access_mark()
        self.assertPushed(self.push(work, "origin", "v9.0", "v9.0-light"))
        refs = self.refs(repo)
        self.assertEqual(refs["refs/tags/v9.0"], self.rev(work, "v9.0"))
        self.assertEqual(self.g(repo, "cat-file", "-t", "v9.0").stdout.strip(), "tag")
        self.assertEqual(self.rev(repo, "v9.0^{commit}"), sha)
        self.assertEqual(refs["refs/tags/v9.0-light"], sha)
        self.assertFsckClean(repo)
        self.assertPushLogged(mark, repo)

    def test_push_options_reach_pre_receive(self):
        repo = self.server_repo()
        out = self.recording_hook(repo, "pre-receive")
        work = self.work_clone(repo)
        self.g(work, "checkout", "-q", "-b", "topic")
        sha = self.commit(work, "with options")
        self.assertPushed(self.push(work, "-o", "ci.skip", "-o", "reviewer=bob smith", "origin",
                                    "topic"))
        env = read_env(out / "env")
        self.assertEqual(env.get("GIT_PUSH_OPTION_COUNT"), "2", env)
        self.assertEqual(env.get("GIT_PUSH_OPTION_0"), "ci.skip")
        self.assertEqual(env.get("GIT_PUSH_OPTION_1"), "reviewer=bob smith")
        self.assertEqual((out / "stdin").read_text(), f"{ZERO} {sha} refs/heads/topic\n")

    def test_declined_pre_receive_shows_its_message_and_leaves_nothing(self):
        repo = self.server_repo()
        self.hook(repo, "pre-receive",
                  'echo "policy: main is frozen until Monday" >&2\n'
                  'echo "and a second line on stdout"\nexit 1\n')
        work = self.work_clone(repo)
        self.commit(work, "frozen out", data=random.Random(7).randbytes(64 * 1024))
        before = self.state(repo)
        mark = self.env.access_mark()
        proc = self.push(work, "origin", "main")
        self.assertRefused(proc, "remote: policy: main is frozen until Monday",
                           "remote: and a second line on stdout",
                           "[remote rejected] main -> main (pre-receive hook declined)")
        self.assertNothingLeft(repo, before)
        self.assertPushLogged(mark, repo, status=1, labels=["rejected"])

    def test_post_receive_and_post_update(self):
        repo = self.server_repo()
        received = self.recording_hook(repo, "post-receive")
        updated = self.recording_hook(repo, "post-update")
        work = self.work_clone(repo)
        old = self.rev(work, "main")
        new = self.commit(work, "on main")
        self.g(work, "checkout", "-q", "-b", "topic")
        topic = self.commit(work, "on topic")
        mark = self.env.access_mark()
        self.assertPushed(self.push(work, "origin", "main", "topic"))
        # The post hooks run after the client has its report; the o-line comes after them.
        self.assertPushLogged(mark, repo)
        self.assertEqual(sorted((received / "stdin").read_text().splitlines()),
                         sorted([f"{old} {new} refs/heads/main",
                                 f"{ZERO} {topic} refs/heads/topic"]))
        self.assertEqual(sorted((updated / "args").read_text().split()),
                         ["refs/heads/main", "refs/heads/topic"])
        # The objects are in the repository by then: no quarantine.
        self.assertNotIn("GIT_QUARANTINE_PATH", read_env(received / "env"))

    def test_hook_environment_names_the_real_client(self):
        for via in VIAS:
            with self.subTest(via=via):
                repo = self.server_repo()
                out = self.recording_hook(repo, "pre-receive")
                update = self.recording_hook(repo, "update")
                work = self.work_clone(repo, via)
                old = self.rev(work, "main")
                new = self.commit(work, "environment")
                mark = self.env.access_mark()
                self.assertPushed(self.push(work, "origin", "main", via=via))
                i, _ = self.assertPushLogged(mark, repo, via=via)
                env = read_env(out / "env")
                self.assertEqual(env.get("GITGATE_USER_NAME"), "alice", env)
                self.assertEqual(env.get("GITGATE_USER_ID"), "2")
                # The real client, from the PROXY header: not the balancer.
                self.assertEqual(env.get("GITGATE_CLIENT_ADDRESS"), CLIENT_ADDR)
                request_id = f"{i['sep']}{i['node']}x{i['minute']}x{i['counter']}x{i['concurrent']}"
                self.assertEqual(env.get("GITGATE_REQUEST_ID"), request_id)
                self.assertIn("GIT_DIR", env)
                quarantine = env.get("GIT_QUARANTINE_PATH", "")
                self.assertRegex(quarantine, r"/objects/incoming-[^/]+$")
                self.assertEqual(env.get("GIT_OBJECT_DIRECTORY"), quarantine)
                self.assertIn("objects", env.get("GIT_ALTERNATE_OBJECT_DIRECTORIES", ""))
                self.assertEqual((out / "stdin").read_text(), f"{old} {new} refs/heads/main\n")
                self.assertEqual((update / "args").read_text().split(),
                                 ["refs/heads/main", old, new])
                self.assertEqual(read_env(update / "env").get("GITGATE_CLIENT_ADDRESS"),
                                 CLIENT_ADDR)
                self.assertFalse(os.path.exists(quarantine), "the quarantine outlived the push")

    def test_read_only_user_is_refused_and_logged(self):
        for via in VIAS:
            with self.subTest(via=via):
                repo = self.server_repo()
                work = self.work_clone(repo, via)
                self.commit(work, "bob's attempt")
                before = self.state(repo)
                mark, diag = self.env.access_mark(), self.env.gitgate.mark()
                proc = self.push(work, "origin", "main", user="bob", via=via)
                self.assertRefused(proc, f"fatal: bob may not push to demo/{repo.name}")
                self.assertNothingLeft(repo, before)
                self.assertPushLogged(mark, repo, user="bob", uid=3, via=via, status=128,
                                      optional=())
                line = self.env.gitgate.wait_diagnostic(diag, rf"may not push.*{CLIENT_ADDR}")
                self.assertIsNotNone(line, self.env.gitgate.diagnostics_since(diag))
                self.assertIn("user=bob", line)

    def test_user_who_cannot_read_is_told_what_a_missing_repository_tells(self):
        repo = self.server_repo()
        work = self.work_clone(repo)
        self.commit(work, "carol's attempt")
        before = self.state(repo)
        mark = self.env.access_mark()
        proc = self.push(work, "origin", "main", user="carol")
        self.assertRefused(proc, f"fatal: repository '/demo/{repo.name}' does not exist or you "
                                 "do not have access")
        self.assertNotIn("may not push", proc.stderr)
        self.assertNothingLeft(repo, before)
        self.assertPushLogged(mark, repo, user="carol", uid=4, status=128, optional=())
        missing = self.push(work, self.url(self.env.repos / "demo" / "nope.git"), "main")
        self.assertRefused(missing, "fatal: repository '/demo/nope.git' does not exist or you "
                                    "do not have access")

    def test_write_implies_read(self):
        repo = self.server_repo()
        proc, dest = self.env.clone(self.user("dave"), path=f"/demo/{repo.name}")
        self.assertOk(proc, "clone by a user with write permission only")
        self.g(dest, "remote", "set-url", "origin", self.url(repo))
        sha = self.commit(dest, "dave's")
        self.assertPushed(self.push(dest, "origin", "main", user="dave"))
        self.assertEqual(self.refs(repo)["refs/heads/main"], sha)

    def test_racing_pushes_of_one_branch_have_one_winner(self):
        repo = self.server_repo()
        works = [self.work_clone(repo), self.work_clone(repo)]
        for round_ in range(5):
            for work in works:
                self.g(work, "fetch", "-q", str(repo), "+refs/heads/main:refs/remotes/origin/main")
                self.g(work, "reset", "-q", "--hard", "origin/main")
            shas = [self.commit(work, f"round {round_} by {n}") for n, work in enumerate(works)]
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                procs = list(pool.map(lambda w: self.push(w, "origin", "main"), works))
            winners = [n for n, proc in enumerate(procs) if proc.returncode == 0]
            self.assertEqual(len(winners), 1, f"round {round_}: " +
                             "\n---\n".join(p.stderr for p in procs))
            self.assertEqual(self.refs(repo)["refs/heads/main"], shas[winners[0]])
        self.assertNoLeftovers(repo)
        self.assertFsckClean(repo)

    def test_tree_with_dot_git_is_refused(self):
        repo = self.server_repo()
        work = self.work_clone(repo)
        blob = self.g(work, "hash-object", "-w", "--stdin", input="[core]\n").stdout.strip()
        # git mktree writes what it is given; fsck would refuse it.
        tree = self.g(work, "mktree", input=f"100644 blob {blob}\t.git\n").stdout.strip()
        commit = self.g(work, "commit-tree", tree, "-p", "HEAD", "-m", "evil").stdout.strip()
        before = self.state(repo)
        mark = self.env.access_mark()
        proc = self.push(work, "origin", f"{commit}:refs/heads/evil")
        self.assertRefused(proc, "[remote rejected]")
        self.assertNothingLeft(repo, before)
        self.assertPushLogged(mark, repo, status=1, labels=["rejected"])

    def test_clone_after_push_sees_new_refs(self):
        repo = self.server_repo()
        path = f"/demo/{repo.name}"
        for _ in range(2):  # the second clone is served from the pack cache
            proc, _ = self.env.clone(self.alice, path=path)
            self.assertOk(proc, "clone")
        work = self.work_clone(repo)
        sha = self.commit(work, "after the cache")
        self.g(work, "tag", "after-cache")
        self.assertPushed(self.push(work, "origin", "main", "after-cache"))
        mark = self.env.access_mark()
        proc, dest = self.env.clone(self.alice, path=path)
        self.assertOk(proc, "clone after the push")
        self.assertEqual(self.rev(dest, "origin/main"), sha)
        self.assertEqual(self.rev(dest, "after-cache"), sha)
        _, o = self.env.wait_request(mark)
        self.assertNotIn("cache:hit", harness.labels_of(o), o["line"])

    def test_push_from_a_shallow_clone(self):
        repo = self.server_repo()
        proc, dest = self.env.clone(self.alice, path=f"/demo/{repo.name}",
                                    extra=["--depth", "1"])
        self.assertOk(proc, "shallow clone")
        self.assertTrue((dest / ".git" / "shallow").exists())
        sha = self.commit(dest, "from a shallow clone")
        self.assertPushed(self.push(dest, "origin", "main"))
        self.assertEqual(self.refs(repo)["refs/heads/main"], sha)
        self.assertFsckClean(repo)

    def test_protocol_version_2_configured_on_the_client(self):
        repo = self.server_repo()
        work = self.work_clone(repo)
        sha = self.commit(work, "v2 client")
        mark = self.env.access_mark()
        self.assertPushed(self.push(work, "origin", "main", git_config=("protocol.version=2",)))
        self.assertEqual(self.refs(repo)["refs/heads/main"], sha)
        # Push has no v2: it is answered in v0.
        self.assertPushLogged(mark, repo)

    def test_client_killed_mid_push_leaves_nothing(self):
        repo = self.server_repo()
        work = self.work_clone(repo)
        self.commit(work, "big", data=random.Random(11).randbytes(6 * 1024 * 1024))
        before = self.state(repo)
        mark = self.env.access_mark()
        # 1 MB/s towards gitgate: the pack is still streaming when the client is killed.
        ssh = self.env.relay_ssh_command(self.alice["key"], b"", source=CLIENT_ADDR,
                                         rate=1_000_000)
        env = self.env.git_env(self.alice["key"], self.env.gitgate.port)
        env["GIT_SSH_COMMAND"] = " ".join(shlex.quote(a) for a in ssh)
        client = subprocess.Popen(["git", "-C", str(work), "push", "origin", "main"], env=env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        self.env.processes.append(client)
        objects = repo / "objects"

        def receiving():
            return [p for p in objects.glob("incoming-*/pack/*") if p.stat().st_size > 500_000]
        try:
            self.assertTrue(harness.wait_until(receiving, 20), "the pack never started arriving")
        finally:
            os.killpg(client.pid, signal.SIGKILL)
            client.wait(10)
        self.assertNothingLeft(repo, before)
        _, o = self.env.wait_request(mark)
        self.assertIn("push", harness.labels_of(o), o["line"])
        proc, _ = self.env.clone(self.alice, path=f"/demo/{repo.name}")
        self.assertOk(proc, "clone after the killed push")


class PushLimitTest(PushTestBase):
    """[push] max_pack_mb = 1: the limit is checked as the pack arrives; hook_timeout_seconds
    = 2: a hook that hangs is killed."""

    haproxy_modes = ()
    push_config = "[push]\nmax_pack_mb = 1\nhook_timeout_seconds = 2\n"

    def test_hook_past_its_timeout_is_killed_and_refuses(self):
        repo = self.server_repo()
        pid_file = self.env.tmp / f"{repo.name}-child.pid"
        # The hook's child holds the output pipe too: the whole process group must go.
        self.hook(repo, "pre-receive", f'sleep 30 &\necho $! > "{pid_file}"\nsleep 30\n')
        work = self.work_clone(repo)
        self.commit(work, "hangs")
        before = self.state(repo)
        started = time.monotonic()
        proc = self.push(work, "origin", "main")
        self.assertLess(time.monotonic() - started, 20, "the hook was not stopped at its timeout")
        self.assertRefused(proc, "timed out after 2 seconds", "(pre-receive hook declined)")
        self.assertNothingLeft(repo, before)
        child = int(pid_file.read_text())

        def gone():
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                return True
            return False
        self.assertTrue(harness.wait_until(gone, 5), f"the hook's child {child} outlived it")

    def test_push_over_max_pack_mb_is_refused_mid_stream(self):
        repo = self.server_repo()
        work = self.work_clone(repo)
        self.commit(work, "too big", data=random.Random(5).randbytes(4 * 1024 * 1024))
        before = self.state(repo)
        mark, diag = self.env.access_mark(), self.env.gitgate.mark()
        proc = self.push(work, "origin", "main")
        self.assertRefused(proc, "pack exceeds max_pack_mb (1 MiB)")
        self.assertNothingLeft(repo, before)
        _, o = self.env.wait_request(mark)
        self.assertIn("push", harness.labels_of(o), o["line"])
        # Refused as the bytes arrived: the server stopped near 1 MiB, not after 4.
        self.assertLess(int(o["bytes_read"]), 2 * 1024 * 1024, o["line"])
        self.assertIsNotNone(self.env.gitgate.wait_diagnostic(diag, "max_pack_mb"),
                             self.env.gitgate.diagnostics_since(diag))
        # A push under the limit still lands.
        work2 = self.work_clone(repo)
        sha = self.commit(work2, "small")
        self.assertPushed(self.push(work2, "origin", "main"))
        self.assertEqual(self.refs(repo)["refs/heads/main"], sha)


if __name__ == "__main__":
    unittest.main(verbosity=2)
