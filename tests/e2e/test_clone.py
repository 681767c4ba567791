"""Clone, fetch and ls-remote with the real git and OpenSSH client: directly, and through
the real haproxy with send-proxy (v1) and send-proxy-v2, with every access-log field
pinned and every clone checked by git fsck."""

import concurrent.futures
import re
import time
import unittest

import harness
from harness import CLIENT_ADDR, LB_ADDR, REPO, run

DIRECT = None
VIAS = (DIRECT, "send-proxy", "send-proxy-v2")


def addresses_for(via):
    return CLIENT_ADDR if via is DIRECT else f"{CLIENT_ADDR},{LB_ADDR}"


def pack_size(clone_dir):
    packs = list((clone_dir / ".git" / "objects" / "pack").glob("*.pack"))
    return sum(p.stat().st_size for p in packs)


class CloneTest(harness.GitgateTestCase):
    haproxy_modes = ("send-proxy", "send-proxy-v2")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        harness.make_repository(cls.env.tmp, cls.env.repos / "demo" / "big.git", cls.env.env,
                                big_blob_kib=6 * 1024)
        cls.last_counter = 0

    def next_counter(self, i_line):
        counter = int(i_line["counter"])
        self.assertGreater(counter, type(self).last_counter,
                           "request counter must increase from request to request")
        type(self).last_counter = counter

    def clone_and_check(self, via, repo=REPO, protocol=2):
        mark = self.env.access_mark()
        proc, dest = self.env.clone(self.alice, via, path="/" + repo,
                                    git_config=(f"protocol.version={protocol}",))
        self.assertOk(proc, f"clone via {via}")
        self.assertOk(run(["git", "-C", str(dest), "fsck", "--full", "--strict"],
                          env=self.env.env), "fsck")
        # Every ref of the served repository arrived.
        remote_refs = run(["git", "-C", str(dest), "for-each-ref", "--format=%(objectname)",
                           "refs/remotes/origin/", "refs/tags/"], env=self.env.env).stdout.split()
        served = run(["git", "-C", str(self.env.repos / repo), "for-each-ref",
                      "--format=%(objectname)", "refs/heads/", "refs/tags/"],
                     env=self.env.env).stdout.split()
        self.assertEqual(set(served), set(remote_refs), "refs of the clone != served refs")
        i, o = self.env.wait_request(mark)
        self.next_counter(i)
        _, written = self.assertRequestPair(
            i, o, addresses=addresses_for(via), user="alice", path="/" + repo,
            labels=["clone", f"protocol:{protocol}", "ssh:user:id:2"])
        self.assertGreater(int(o["bytes_read"]), 0)
        self.assertGreaterEqual(written, pack_size(dest), "bytes written < the received pack")
        self.assertEqual(int(i["concurrent"]), 0)
        return dest

    def ls_remote_and_check(self, via, protocol=2):
        mark = self.env.access_mark()
        proc = self.env.git(["ls-remote", self.env.url(self.env.port_for(via))], self.alice, via,
                            git_config=(f"protocol.version={protocol}",))
        self.assertOk(proc, f"ls-remote via {via}")
        self.assertEqual(proc.stdout, self.env.local_ls_remote())
        i, o = self.env.wait_request(mark)
        self.next_counter(i)
        read, written = self.assertRequestPair(
            i, o, addresses=addresses_for(via), user="alice", path="/" + REPO,
            labels=["refs", f"protocol:{protocol}", "ssh:user:id:2"])
        self.assertGreater(read, 0)
        self.assertGreater(written, len(proc.stdout) // 2)

    def test_clone_direct(self):
        self.clone_and_check(DIRECT)

    def test_clone_send_proxy_v1(self):
        self.clone_and_check("send-proxy")

    def test_clone_send_proxy_v2(self):
        self.clone_and_check("send-proxy-v2")

    def test_clone_protocol_v0_and_v1(self):
        for protocol in (0, 1):
            with self.subTest(protocol=protocol):
                self.clone_and_check("send-proxy-v2", protocol=protocol)

    def test_ls_remote(self):
        for via in VIAS:
            for protocol in (2, 0):
                with self.subTest(via=via, protocol=protocol):
                    self.ls_remote_and_check(via, protocol)

    def test_large_clone_counts_every_byte(self):
        for via in (DIRECT, "send-proxy-v2"):
            with self.subTest(via=via):
                dest = self.clone_and_check(via, repo="demo/big.git")
                self.assertGreater(pack_size(dest), 6 * 1024 * 1024)

    def test_fetch_new_commits(self):
        dest = self.clone_and_check("send-proxy-v2")
        # A new commit lands in the served repository (pushed locally, as the host would).
        work = self.env.tmp / "pusher"
        run(["git", "clone", "-q", str(self.env.repos / REPO), str(work)], env=self.env.env,
            check=True)
        (work / "new.txt").write_text("new\n")
        run(["git", "-C", str(work), "add", "new.txt"], env=self.env.env, check=True)
        run(["git", "-C", str(work), "commit", "-q", "-m", "New"], env=self.env.env, check=True)
        run(["git", "-C", str(work), "push", "-q", "origin", "main"], env=self.env.env,
            check=True)
        mark = self.env.access_mark()
        proc = self.env.git(["-C", str(dest), "fetch", "-q", "origin"], self.alice,
                            "send-proxy-v2")
        self.assertOk(proc, "fetch")
        self.assertOk(run(["git", "-C", str(dest), "fsck", "--full"], env=self.env.env), "fsck")
        head = run(["git", "-C", str(self.env.repos / REPO), "rev-parse", "main"],
                   env=self.env.env).stdout
        self.assertEqual(run(["git", "-C", str(dest), "rev-parse", "origin/main"],
                             env=self.env.env).stdout, head)
        i, o = self.env.wait_request(mark)
        self.next_counter(i)
        self.assertRequestPair(i, o, addresses=addresses_for("send-proxy-v2"), user="alice",
                               path="/" + REPO, labels=["fetch", "protocol:2", "ssh:user:id:2"])

    def test_shallow_clone(self):
        mark = self.env.access_mark()
        proc, dest = self.env.clone(self.alice, DIRECT, extra=["--depth", "1",
                                                               "--no-single-branch"])
        self.assertOk(proc, "shallow clone")
        self.assertOk(run(["git", "-C", str(dest), "fsck", "--full"], env=self.env.env), "fsck")
        self.assertEqual(run(["git", "-C", str(dest), "rev-list", "--count", "HEAD"],
                             env=self.env.env).stdout.strip(), "1")
        i, o = self.env.wait_request(mark)
        self.next_counter(i)
        self.assertIn("shallow", harness.labels_of(o), o["line"])

    def test_parallel_clones(self):
        def one(via):
            proc, dest = self.env.clone(self.alice, via)
            fsck = run(["git", "-C", str(dest), "fsck", "--full"], env=self.env.env)
            return proc, fsck

        mark = self.env.access_mark()
        vias = [DIRECT, "send-proxy", "send-proxy-v2", "send-proxy-v2"]
        with concurrent.futures.ThreadPoolExecutor(len(vias)) as pool:
            results = list(pool.map(one, vias))
        for proc, fsck in results:
            self.assertOk(proc, "parallel clone")
            self.assertOk(fsck, "fsck")
        lines = self.env.wait_access(mark, 2 * len(vias))
        records = [harness.parse_access_line(line) for line in lines]
        self.assertNotIn(None, records, lines)
        ids = {}
        for rec in records:
            ids.setdefault((rec["minute"], rec["counter"]), []).append(rec)
        self.assertEqual(len(ids), len(vias), lines)
        for pair in ids.values():
            self.assertEqual(sorted(r["kind"] for r in pair), ["i", "o"], lines)
            self.assertLess(int(pair[0]["concurrent"]), len(vias), lines)
        type(self).last_counter = max(int(r["counter"]) for r in records)

    def test_haproxy_health_checks_keep_server_up(self):
        for mode, proxy in self.env.haproxies.items():
            with self.subTest(mode=mode):
                # Wait until several checks have run against gitgate.
                harness.wait_until(lambda: int(proxy.server_stat()["chkfail"] or 0) > 0, 2)
                stat = proxy.server_stat()
                self.assertEqual(stat["status"], "UP", stat)
                self.assertEqual(stat["check_status"], "L7OK", stat)
                self.assertEqual(stat["chkfail"], "0", stat)
        # Health checks are not errors: nothing from the balancer's address is logged at
        # warning level or above (a check connects, reads the banner and leaves).
        time.sleep(1.5)  # a few more checks at GITGATE_CHECK_INTER=500ms
        # (Lines that name the client 127.0.0.2 are requests through haproxy, not checks.)
        loud = [line for line in self.env.gitgate.stderr().splitlines()
                if LB_ADDR in line and CLIENT_ADDR not in line and
                re.search(r"\b(WARN|WARNING|ERROR|CRITICAL)\b", line)]
        self.assertEqual(loud, [])
        # Health checks are not requests: they leave no access-log line.
        for line in self.env.access_lines():
            self.assertNotIn(f"{LB_ADDR},{LB_ADDR}", line)
            self.assertFalse(line.startswith("LOCAL"), line)


if __name__ == "__main__":
    unittest.main(verbosity=2)
