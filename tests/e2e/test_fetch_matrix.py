"""The conformance matrix of the fetch protocol: every case with protocol.version=0, 1 and 2,
with the real git and OpenSSH client through the real haproxy in send-proxy-v2 mode, over a
repository with real history (make_history_repo.py). Every clone and fetch is checked by
git fsck and by its access-log pair (labels, protocol:N, ssh:user:id:N, addresses).

Each case is a method case_<name>(self, version); test_<name>_v<version> methods are
generated from them, so that a failure names the case and the version. One gitgate and one
haproxy serve the whole class; every case gets its own copy of the history repository, so
that cases which add commits on the server do not disturb the others.
"""

import itertools
import re
import shutil
import time
import unittest

import harness
from harness import CLIENT_ADDR, LB_ADDR, run
from make_history_repo import commit_time, make_history_repo

VIA = "send-proxy-v2"
ADDRESSES = f"{CLIENT_ADDR},{LB_ADDR}"
VERSIONS = (0, 1, 2)
USER_ID = 2
EMPTY = "m/empty.git"
SERIAL = itertools.count()  # makes every new file content distinct, deterministically
# Cases known to fail because of the server: {(case, version): reason}. Empty when all pass.
EXPECTED_FAILURES = {}


class FetchMatrixTest(harness.AccessLogAssertions, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.env = env = harness.Env(cls.__name__)
        cls.addClassCleanup(env.close)
        cls.template = make_history_repo(env.tmp / "template.git", env.env)
        run(["git", "init", "-q", "--bare", "--initial-branch=main", str(env.repos / EMPTY)],
            env=env.env, check=True)
        cls.alice = env.add_user("alice", USER_ID)
        env.write_users()
        env.write_config()
        env.start_gitgate()
        env.start_haproxy(VIA)

    # --- helpers ------------------------------------------------------------------------

    def serve(self, name):
        """A fresh copy of the history repository, served as /m/<name>.git; returns
        (bare path, URL)."""
        relative = f"m/{name}.git"
        path = self.env.repos / relative
        shutil.copytree(self.template, path)
        return path, self.env.url(self.env.port_for(VIA), "/" + relative)

    def git(self, version, args, cwd=None, trace=False):
        """git -c protocol.version=N args, through haproxy; with trace, GIT_TRACE_PACKET=1
        (the trace is in stderr)."""
        e = self.env.git_env(self.alice["key"], self.env.port_for(VIA))
        if trace:
            e["GIT_TRACE_PACKET"] = "1"
        cmd = ["git", "-c", f"protocol.version={version}", "-c", "transfer.unpackLimit=1"]
        return run(cmd + list(args), env=e, cwd=cwd)

    def local(self, repo, *args, check=True):
        """A git command in a local repository (no network); returns stdout."""
        return run(["git", "-C", str(repo)] + list(args), env=self.env.env, check=check).stdout

    def assertOk(self, proc, what):
        self.assertEqual(proc.returncode, 0,
                         f"{what} failed ({proc.returncode}): stdout:\n{proc.stdout}\nstderr:\n"
                         f"{proc.stderr[-6000:]}\ngitgate stderr (tail):\n{self.env.tail()}")

    def fsck(self, dest):
        self.assertOk(run(["git", "-C", str(dest), "fsck", "--full"], env=self.env.env), "fsck")

    def clone(self, version, url, *extra, trace=False):
        dest = self.env.clone_dir(f"v{version}")
        dest.parent.mkdir(exist_ok=True)
        mark = self.env.access_mark()
        proc = self.git(version, ["clone", *extra, url, str(dest)], trace=trace)
        return proc, dest, mark

    def assertRequests(self, mark, version, path, *labels_each, status=0):
        """The access-log pairs after mark: exactly one per entry of labels_each (one
        request each, in order), each with those kind labels, all its labels sorted. Exactly: a client that
        has to come back (say for tags that include-tag should have brought) is a
        difference from git's own upload-pack."""
        count = 2 * len(labels_each)
        lines = harness.wait_until(lambda: self.finished_requests(mark), 15)
        lines = lines or self.env.access_lines()[mark:]
        self.assertEqual(len(lines), count, "requests after the operation:\n" + "\n".join(lines))
        pairs = []
        for k, labels in enumerate(labels_each):
            i, o = (dict(harness.parse_access_line(line) or {}, line=line)
                    for line in lines[2 * k:2 * k + 2])
            self.assertIn("kind", i, f"not an access-log line: {i['line']}")
            self.assertIn("kind", o, f"not an access-log line: {o['line']}")
            self.assertRequestPair(i, o, addresses=ADDRESSES, user="alice", path=path,
                                   labels=[*labels, f"protocol:{version}",
                                           f"ssh:user:id:{USER_ID}"], status=status)
            # Bitbucket's order (docs/DESIGN.md): sorted, whatever the request was.
            got = harness.labels_of(o)
            self.assertEqual(got, sorted(got), o["line"])
            pairs.append((i, o))
        return pairs

    def finished_requests(self, mark):
        """The access-log lines after mark once every request there has both its lines, else
        None. Called after the client exited: gitgate writes a request's i-line before it
        answers, so every request the client made has one by then, and waiting for the
        o-lines leaves none to come."""
        lines = self.env.access_lines()[mark:]
        kinds = [(harness.parse_access_line(line) or {}).get("kind") for line in lines]
        return lines if lines and kinds.count("i") == kinds.count("o") else None

    def assertRequest(self, mark, version, path, labels, status=0):
        """Exactly one request after mark, with these kind labels."""
        return self.assertRequests(mark, version, path, labels, status=status)[0]

    def assertSpoke(self, trace, version):
        """The server answered in the version requested (from the client's packet trace):
        v1 and v2 begin with "version N", v0 with the first ref at once."""
        spoken = re.findall(r"packet: +(?:git|fetch|clone|ls-remote)< version (\d)", trace)
        self.assertEqual(spoken[:1], [] if version == 0 else [str(version)], trace[-3000:])
        self.assertRegex(trace, r"packet: +[\w-]+< ", "no packet trace")

    def path_of(self, url):
        return url[url.index("/", len("ssh://")):]

    def count(self, repo, rev="HEAD"):
        return int(self.local(repo, "rev-list", "--count", rev))

    def shallow_file(self, dest):
        f = dest / ".git" / "shallow"
        return sorted(f.read_text().split()) if f.exists() else None

    def refs(self, repo, *patterns):
        return self.local(repo, "for-each-ref", "--format=%(objectname) %(refname)", *patterns)

    def new_commits(self, bare, branch, count, parent=None, tag=None):
        """count commits on branch (from parent, default the branch) in the served bare
        repository, made with plumbing as a push would land them; an annotated tag on the
        last one if tag. Returns the new tip."""
        tip = self.local(bare, "rev-parse", f"{parent or branch}^{{commit}}").strip()
        for k in range(count):
            when = f"{commit_time(1000 + k)} +0000"
            blob = run(["git", "-C", str(bare), "hash-object", "-w", "--stdin"], env=self.env.env,
                       input=f"{branch} new {k} ({next(SERIAL)})\n", check=True).stdout.strip()
            base = run(["git", "-C", str(bare), "ls-tree", tip], env=self.env.env,
                       check=True).stdout
            name = f"new-{branch.replace('/', '-')}.txt"
            lines = [line for line in base.splitlines() if not line.endswith("\t" + name)]
            lines.append(f"100644 blob {blob}\t{name}")
            tree = run(["git", "-C", str(bare), "mktree"], env=self.env.env,
                       input="\n".join(lines) + "\n", check=True).stdout.strip()
            e = dict(self.env.env, GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
            tip = run(["git", "-C", str(bare), "commit-tree", tree, "-p", tip, "-m",
                       f"{branch}: new {k}"], env=e, check=True).stdout.strip()
        self.local(bare, "update-ref", f"refs/heads/{branch}", tip)
        if tag:
            self.local(bare, "tag", "-a", tag, "-m", f"tag {tag}", tip)
        return tip

    def missing(self, dest, *revs):
        """Object ids that the partial clone dest knows of but does not have."""
        out = self.local(dest, "rev-list", "--objects", "--missing=print", *(revs or ["--all"]))
        return {line[1:] for line in out.splitlines() if line.startswith("?")}

    def omitted_by_server(self, bare, spec):
        out = self.local(bare, "rev-list", "--objects", "--all", f"--filter={spec}",
                         "--filter-print-omitted")
        return {line[1:] for line in out.splitlines() if line.startswith("~")}

    def reference_clone(self, version, bare, *extra):
        """The same clone by git's own upload-pack (file://): the oracle for shallow cuts."""
        dest = self.env.clone_dir(f"ref-v{version}")
        run(["git", "-c", f"protocol.version={version}", "clone", "-q", *extra,
             f"file://{bare}", str(dest)], env=self.env.env, check=True)
        return dest

    def test_history_repository(self):
        """make_history_repo.py: deterministic, fast, and the history the matrix needs."""
        start = time.monotonic()
        again = make_history_repo(self.env.tmp / "again.git", self.env.env)
        self.assertLess(time.monotonic() - start, 10)
        listing = self.local(self.template, "ls-remote", "--symref", ".")
        self.assertEqual(self.local(again, "ls-remote", "--symref", "."), listing)
        self.assertGreaterEqual(int(self.local(self.template, "rev-list", "--count", "--all")),
                                300)
        self.assertGreaterEqual(len(self.local(self.template, "rev-list", "--merges", "main")
                                    .split()), 2)
        heads = self.local(self.template, "for-each-ref", "--format=%(refname)", "refs/heads/")
        self.assertGreaterEqual(len(heads.split()), 4)
        kinds = self.local(self.template, "for-each-ref", "--format=%(objecttype)",
                           "refs/tags/").split()
        self.assertIn("tag", kinds)  # annotated
        self.assertIn("commit", kinds)  # lightweight
        sizes = [int(line.split()[3]) for line in
                 self.local(self.template, "ls-tree", "-r", "-l", "main").splitlines()]
        self.assertTrue(any(size > 1024 for size in sizes), sizes)
        self.assertTrue(any(size < 1024 for size in sizes), sizes)

    def reference_git(self, version, args):
        """git args against file:// (git's own upload-pack); returns the number of
        upload-pack processes it ran, i.e. the requests the same step takes there."""
        e = dict(self.env.env, GIT_TRACE="1")
        proc = run(["git", "-c", f"protocol.version={version}"] + list(args), env=e)
        self.assertOk(proc, f"reference {args}")
        return len(re.findall(r"trace: run_command: .*git-upload-pack", proc.stderr))

    # --- the cases ----------------------------------------------------------------------

    def case_ls_remote_symref(self, version):
        bare, url = self.serve(f"ls-remote-v{version}")
        mark = self.env.access_mark()
        proc = self.git(version, ["ls-remote", "--symref", url], trace=True)
        self.assertOk(proc, "ls-remote --symref")
        self.assertSpoke(proc.stderr, version)
        expected = self.local(bare, "ls-remote", "--symref", ".")
        self.assertIn("ref: refs/heads/main\tHEAD", expected)  # the oracle is meaningful
        self.assertIn("^{}", expected)
        self.assertEqual(proc.stdout, expected)
        self.assertRequest(mark, version, self.path_of(url), ["refs"])

    def case_clone(self, version):
        bare, url = self.serve(f"clone-v{version}")
        proc, dest, mark = self.clone(version, url, trace=True)
        self.assertOk(proc, "clone")
        self.assertSpoke(proc.stderr, version)
        self.fsck(dest)
        served = {line.split()[0] + " " + line.split()[1].removeprefix("refs/heads/")
                  for line in self.refs(bare, "refs/heads/").splitlines()}
        got = {line.split()[0] + " " + line.split()[1].removeprefix("refs/remotes/origin/")
               for line in self.refs(dest, "refs/remotes/origin/").splitlines()
               if not line.endswith("/HEAD")}
        self.assertEqual(got, served)
        self.assertEqual(self.refs(dest, "refs/tags/"), self.refs(bare, "refs/tags/"))
        self.assertEqual(self.count(dest), self.count(bare, "main"))
        self.assertEqual(self.local(dest, "symbolic-ref", "HEAD").strip(), "refs/heads/main")
        self.assertRequest(mark, version, self.path_of(url), ["clone"])

    def case_fetch_new_commits(self, version):
        bare, url = self.serve(f"fetch-v{version}")
        proc, dest, _ = self.clone(version, url)
        self.assertOk(proc, "clone")
        for step in range(2):
            main = self.new_commits(bare, "main", 3)
            feature = self.new_commits(bare, "feature/b", 2)
            mark = self.env.access_mark()
            proc = self.git(version, ["-C", str(dest), "fetch", "origin"], trace=True)
            self.assertOk(proc, f"fetch {step}")
            self.fsck(dest)
            self.assertEqual(self.local(dest, "rev-parse", "origin/main").strip(), main)
            self.assertEqual(self.local(dest, "rev-parse", "origin/feature/b").strip(), feature)
            trace = proc.stderr
            self.assertRegex(trace, r"packet: +fetch> have [0-9a-f]{40}", "no haves sent")
            if version == 2:
                self.assertRegex(trace, r"packet: +fetch< acknowledgments", "no acknowledgments")
                self.assertRegex(trace, r"packet: +fetch< ACK [0-9a-f]{40}", "no ACK")
            else:
                self.assertRegex(trace, r"packet: +fetch< ACK [0-9a-f]{40}", "no ACK")
            self.assertRequest(mark, version, self.path_of(url), ["fetch"])

    def case_fetch_pushed_pack(self, version):
        """Commits pushed to the server and kept as a pack, as a Git host keeps pushes: their
        objects are stored as deltas against the versions before them, which the client has,
        so the fetch gets a thin pack (the progress line counts its thin deltas), completed by
        the client's index-pack --fix-thin."""
        bare, url = self.serve(f"pushed-v{version}")
        proc, dest, _ = self.clone(version, url)
        self.assertOk(proc, "clone")
        work = self.env.tmp / f"pusher-v{version}"
        # --no-local: a pusher that had the server's bitmap would count with it and push
        # whole objects instead of deltas against what the server has.
        run(["git", "clone", "-q", "--no-local", str(bare), str(work)], env=self.env.env,
            check=True)
        sizes = [line.split() for line in self.local(work, "ls-tree", "-r", "-l", "HEAD")
                 .splitlines()]
        name = max((entry for entry in sizes if entry[1] == "blob"), key=lambda e: int(e[3]))[4]
        for k in range(3):
            with open(work / name, "ab") as f:
                f.write(f"pushed line {k} ({next(SERIAL)})\n".encode())
            self.local(work, "commit", "-qam", f"pushed {k}")
        self.local(bare, "config", "receive.unpackLimit", "1")
        self.local(work, "push", "-q", "origin", "HEAD:main")
        mark = self.env.access_mark()
        proc = self.git(version, ["-C", str(dest), "fetch", "--progress", "origin"])
        self.assertOk(proc, "fetch")
        self.fsck(dest)
        self.assertEqual(self.local(dest, "rev-parse", "origin/main"),
                         self.local(work, "rev-parse", "HEAD"))
        self.assertRegex(proc.stderr, r"remote: Total \d+ .*thin [1-9]", "no thin deltas")
        self.assertRequest(mark, version, self.path_of(url), ["fetch"])

    def case_fetch_nothing_new(self, version):
        bare, url = self.serve(f"uptodate-v{version}")
        proc, dest, _ = self.clone(version, url)
        self.assertOk(proc, "clone")
        before = self.refs(dest)
        packs = sorted(p.name for p in (dest / ".git" / "objects" / "pack").iterdir())
        mark = self.env.access_mark()
        proc = self.git(version, ["-C", str(dest), "fetch", "origin"])
        self.assertOk(proc, "fetch")
        self.assertEqual(proc.stderr, "")  # nothing fetched, nothing printed
        self.assertEqual(self.refs(dest), before)
        self.assertEqual(sorted(p.name for p in (dest / ".git" / "objects" / "pack").iterdir()),
                         packs)
        self.fsck(dest)
        self.assertRequest(mark, version, self.path_of(url), ["refs"])

    def case_include_tag(self, version):
        bare, url = self.serve(f"include-tag-v{version}")
        proc, dest, _ = self.clone(version, url)
        self.assertOk(proc, "clone")
        tip = self.new_commits(bare, "topic", 2, parent="main", tag="topic-1.0")
        mark = self.env.access_mark()
        proc = self.git(version, ["-C", str(dest), "fetch", "origin",
                                  "refs/heads/topic:refs/remotes/origin/topic"], trace=True)
        self.assertOk(proc, "fetch of a branch")
        self.fsck(dest)
        self.assertRegex(proc.stderr, r"packet: +fetch> .*include-tag", "include-tag not asked")
        self.assertEqual(self.local(dest, "rev-parse", "origin/topic").strip(), tip)
        self.assertEqual(self.local(dest, "rev-parse", "refs/tags/topic-1.0").strip(),
                         self.local(bare, "rev-parse", "refs/tags/topic-1.0").strip())
        self.assertEqual(self.local(dest, "cat-file", "-t", "topic-1.0").strip(), "tag")
        self.assertRequest(mark, version, self.path_of(url), ["fetch"])

    def case_fetch_tags(self, version):
        bare, url = self.serve(f"tags-v{version}")
        proc, dest, _ = self.clone(version, url)
        self.assertOk(proc, "clone")
        # Tags on commits that no branch reaches (their branches are gone), one annotated,
        # one lightweight: tag following does not bring them, --tags does.
        self.new_commits(bare, "gone-1", 2, parent="feature/b", tag="off-branch-annotated")
        light = self.new_commits(bare, "gone-2", 1, parent="v0.1")
        self.local(bare, "tag", "off-branch-light", light)
        self.local(bare, "update-ref", "-d", "refs/heads/gone-1")
        self.local(bare, "update-ref", "-d", "refs/heads/gone-2")
        proc = self.git(version, ["-C", str(dest), "fetch", "origin"])
        self.assertOk(proc, "fetch")
        self.assertEqual(self.local(dest, "tag", "--list", "off-branch-*"), "")
        mark = self.env.access_mark()
        proc = self.git(version, ["-C", str(dest), "fetch", "--tags", "origin"])
        self.assertOk(proc, "fetch --tags")
        self.fsck(dest)
        self.assertEqual(self.refs(dest, "refs/tags/"), self.refs(bare, "refs/tags/"))
        self.assertEqual(self.local(dest, "rev-parse", "off-branch-light").strip(), light)
        self.assertRequest(mark, version, self.path_of(url), ["fetch"])

    def case_depth_deepen_unshallow(self, version):
        bare, url = self.serve(f"deepen-v{version}")
        path = self.path_of(url)
        # A twin of the clone goes through the same steps with git's own upload-pack: the
        # oracle for the shallow boundary and for the number of requests of each step.
        twin = self.env.clone_dir(f"twin-v{version}")
        steps = [("clone --depth=1", ["--depth=1"], 1, ["clone", "shallow"]),
                 ("fetch --deepen=2", ["--deepen=2"], 3, ["fetch", "shallow"]),
                 ("fetch --unshallow", ["--unshallow"], None, ["fetch", "shallow"])]
        dest = None
        for what, option, depth, labels in steps:
            if dest is None:
                proc, dest, mark = self.clone(version, url, *option)
                requests = self.reference_git(version, ["clone", "-q", *option,
                                                        f"file://{bare}", str(twin)])
            else:
                mark = self.env.access_mark()
                proc = self.git(version, ["-C", str(dest), "fetch", *option])
                requests = self.reference_git(version, ["-C", str(twin), "fetch", "-q", *option])
            self.assertOk(proc, what)
            self.fsck(dest)
            if depth is None:
                self.assertEqual(self.count(dest), self.count(bare, "main"))
                self.assertIsNone(self.shallow_file(dest))
            else:
                self.assertEqual(self.count(dest), depth)
                self.assertEqual(self.shallow_file(dest),
                                 [self.local(bare, "rev-parse", f"main~{depth - 1}").strip()])
            self.assertEqual(self.shallow_file(dest), self.shallow_file(twin))
            self.assertEqual(self.refs(dest), self.refs(twin))
            # git follows an unshallow fetch with one for the tags it now reaches; any
            # further requests are plain fetches.
            self.assertGreaterEqual(requests, 1)
            self.assertRequests(mark, version, path, labels, *[["fetch"]] * (requests - 1))

    def case_shallow_since(self, version):
        bare, url = self.serve(f"since-v{version}")
        since = time.strftime("%Y-%m-%d %H:%M:%S +0000", time.gmtime(commit_time(230)))
        proc, dest, mark = self.clone(version, url, f"--shallow-since={since}")
        self.assertOk(proc, "clone --shallow-since")
        self.fsck(dest)
        ref = self.reference_clone(version, bare, f"--shallow-since={since}")
        self.assertGreater(self.count(dest), 1)
        self.assertLess(self.count(dest), self.count(bare, "main"))
        self.assertEqual(self.count(dest), self.count(ref))
        self.assertEqual(self.shallow_file(dest), self.shallow_file(ref))
        self.assertRequest(mark, version, self.path_of(url), ["clone", "shallow"])

    def case_shallow_exclude(self, version):
        bare, url = self.serve(f"exclude-v{version}")
        proc, dest, mark = self.clone(version, url, "--shallow-exclude=v1.1")
        self.assertOk(proc, "clone --shallow-exclude")
        self.fsck(dest)
        ref = self.reference_clone(version, bare, "--shallow-exclude=v1.1")
        self.assertGreater(self.count(dest), 1)
        self.assertLess(self.count(dest), self.count(bare, "main"))
        self.assertEqual(self.count(dest), self.count(ref))
        self.assertEqual(self.shallow_file(dest), self.shallow_file(ref))
        v11 = self.local(bare, "rev-parse", "v1.1^{commit}").strip()
        self.assertNotIn(v11, self.local(dest, "rev-list", "HEAD").split())
        self.assertRequest(mark, version, self.path_of(url), ["clone", "shallow"])

    def case_filter_blob_none_lazy_checkout(self, version):
        bare, url = self.serve(f"blob-none-v{version}")
        proc, dest, mark = self.clone(version, url, "--no-checkout", "--filter=blob:none")
        self.assertOk(proc, "clone --filter=blob:none")
        self.fsck(dest)
        omitted = self.omitted_by_server(bare, "blob:none")
        self.assertTrue(omitted)
        self.assertEqual(self.missing(dest), omitted)
        self.assertRequest(mark, version, self.path_of(url), ["clone"])

        mark = self.env.access_mark()
        e = self.env.git_env(self.alice["key"], self.env.port_for(VIA))
        proc = run(["git", "-c", f"protocol.version={version}", "-C", str(dest), "checkout",
                    "main"], env=e)
        self.assertOk(proc, "lazy checkout")
        self.fsck(dest)
        self.assertEqual(self.local(dest, "status", "--porcelain"), "")
        self.assertEqual((dest / "assets" / "big2.txt").read_bytes(),
                         run(["git", "-C", str(bare), "cat-file", "blob", "main:assets/big2.txt"],
                             env=self.env.env, check=True).stdout.encode())
        # The promisor fetch asks for the blobs by id, without haves.
        self.assertRequest(mark, version, self.path_of(url), ["clone"])

    def case_filter_blob_limit(self, version):
        bare, url = self.serve(f"blob-limit-v{version}")
        proc, dest, mark = self.clone(version, url, "--no-checkout", "--filter=blob:limit=1k")
        self.assertOk(proc, "clone --filter=blob:limit=1k")
        self.fsck(dest)
        omitted = self.omitted_by_server(bare, "blob:limit=1k")
        self.assertTrue(omitted)
        self.assertEqual(self.missing(dest), omitted)
        self.assertRequest(mark, version, self.path_of(url), ["clone"])

    def case_filter_tree_0(self, version):
        bare, url = self.serve(f"tree-0-v{version}")
        proc, dest, mark = self.clone(version, url, "--no-checkout", "--filter=tree:0")
        self.assertOk(proc, "clone --filter=tree:0")
        self.fsck(dest)
        self.assertEqual(self.count(dest, "origin/main"), self.count(bare, "main"))
        missing = self.missing(dest)
        roots = set(self.local(bare, "log", "--all", "--format=%T").split())
        self.assertEqual(missing, roots)  # no tree at all, so no blob is even known
        self.assertRequest(mark, version, self.path_of(url), ["clone"])

    def case_empty_repository(self, version):
        url = self.env.url(self.env.port_for(VIA), "/" + EMPTY)
        proc, dest, mark = self.clone(version, url)
        self.assertOk(proc, "clone of the empty repository")
        self.assertIn("You appear to have cloned an empty repository", proc.stderr)
        self.assertEqual(self.refs(dest), "")
        self.fsck(dest)
        self.assertRequest(mark, version, "/" + EMPTY, ["refs"])

    def case_nonexistent_repository(self, version):
        url = self.env.url(self.env.port_for(VIA), "/m/no-such-repo.git")
        proc, dest, mark = self.clone(version, url)
        self.assertNotEqual(proc.returncode, 0, proc.stderr)
        self.assertFalse(dest.exists())
        self.assertRegex(proc.stderr, r"(?i)(not found|does not exist|no such repository)")
        self.assertIn("Could not read from remote repository", proc.stderr)
        # Refused before upload-pack starts: the pair carries status 128, the user's id,
        # the protocol version requested, and no pack.
        i, o = self.env.wait_request(mark)
        for rec in (i, o):
            self.assertEqual(rec["addresses"], ADDRESSES, rec["line"])
            self.assertEqual(rec["user"], "alice", rec["line"])
            self.assertEqual(rec["action"], "SSH - git-upload-pack '/m/no-such-repo.git'")
        self.assertEqual(i["status"], "-", i["line"])
        self.assertEqual(o["status"], "128", o["line"])
        labels = harness.labels_of(o)
        self.assertIn(f"ssh:user:id:{USER_ID}", labels, o["line"])
        self.assertEqual(set(labels), {f"ssh:user:id:{USER_ID}", f"protocol:{version}"},
                         o["line"])

def _generate():
    for name in [n for n in vars(FetchMatrixTest) if n.startswith("case_")]:
        for version in VERSIONS:
            def test(self, name=name, version=version):
                getattr(self, name)(version)
            test.__name__ = f"test_{name[len('case_'):]}_v{version}"
            test.__doc__ = f"{name[len('case_'):]} with protocol.version={version}"
            if (name[len("case_"):], version) in EXPECTED_FAILURES:
                test = unittest.expectedFailure(test)
            setattr(FetchMatrixTest, test.__name__, test)


_generate()


class BitmapFetchMatrixTest(FetchMatrixTest):
    """The cases whose objects a reachability bitmap chooses, over the history repository
    as a Git host keeps it after gc: one pack with a bitmap and a commit-graph. Commits
    that cases add on the server stay loose, outside the bitmap."""

    CASES = ("clone", "fetch_new_commits", "fetch_nothing_new", "include_tag", "fetch_tags",
             "filter_blob_none_lazy_checkout", "filter_tree_0", "fetch_pushed_pack")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for args in (["repack", "-adbq"], ["commit-graph", "write", "--reachable"]):
            run(["git", "-C", str(cls.template)] + args, env=cls.env.env, check=True)
        assert list((cls.template / "objects" / "pack").glob("*.bitmap")), "no bitmap written"


for _name in [n for n in vars(FetchMatrixTest) if n.startswith("test_") and "_v" in n]:
    if _name[len("test_"):_name.rindex("_v")] not in BitmapFetchMatrixTest.CASES:
        setattr(BitmapFetchMatrixTest, _name, None)  # not collected: not callable
BitmapFetchMatrixTest.test_history_repository = None

if __name__ == "__main__":
    unittest.main(verbosity=2)
