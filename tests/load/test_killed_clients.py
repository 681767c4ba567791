"""Issue 9, h: 20 clients killed mid-clone (SIGKILL to git, ssh and index-pack). gitgate's
threads and open descriptors go back to what they were before, and every request that started
is logged as ended."""

import os
import signal
import time
import unittest

import loadenv
from loadenv import fds_of, kill_group, records, threads_of, wait_until

CLIENTS = 20
# Big enough that 20 clones sharing 2 cores are still transferring when they are killed.
PACK_MIB = 64
SETTLE_S = 30  # bound on the server's cleanup after the kill


class KilledClientsTest(unittest.TestCase):
    def setUp(self):
        self.env = loadenv.LoadEnv(type(self).__name__)
        self.addCleanup(self.env.close)
        self.env.alice = self.env.add_user("alice", 2)
        self.env.write_users()
        loadenv.make_big_repository(self.env, "big/kill.git", PACK_MIB)
        self.env.write_config()
        self.env.start_gitgate()
        self.url = self.env.url(self.env.gitgate.port, "/big/kill.git")

    def clone(self, source, dest):
        return self.env.spawn_git(["clone", "-q", "--bare", self.url, str(dest)], source, via=None)

    def test_threads_and_fds_return_to_baseline(self):
        env = self.env
        pid = env.pid
        # The baseline is taken after one whole clone, so that what a first request sets up
        # for good (the pack cache's directory, the repository's pack kept open) is in it.
        warm = self.clone("127.0.3.100", env.tmp / "warm.git")
        _, err = warm.communicate(timeout=120)
        self.assertEqual(warm.returncode, 0, err)
        self.assertEqual(env.wait_paired(), {})
        baseline = (threads_of(pid), fds_of(pid))

        mark = env.access_mark()
        dests = [env.tmp / f"killed-{k}.git" for k in range(CLIENTS)]
        clones = [self.clone(f"127.0.3.{k + 1}", d) for k, d in enumerate(dests)]

        def receiving():
            n = 0
            for d in dests:
                try:
                    n += any(p.stat().st_size > 0 for p in d.glob("objects/pack/tmp_pack_*"))
                except FileNotFoundError:
                    pass
            return n

        def started():
            return sum(1 for rec in records(env.access_lines()[mark:]) if rec["kind"] == "i")
        wait_until(lambda: started() >= CLIENTS and receiving() >= CLIENTS // 2, 60,
                   interval=0.02)
        at_kill = (started(), receiving(), sum(1 for c in clones if c.poll() is not None))
        for c in clones:
            try:
                os.killpg(c.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for c in clones:
            kill_group(c)
        ended = sum(1 for rec in records(env.access_lines()[mark:])
                    if rec["kind"] == "o" and rec["status"] == "0")
        self.assertEqual(at_kill[0], CLIENTS, f"requests started before the kill: {at_kill}")
        self.assertLessEqual(max(ended, at_kill[2]), CLIENTS // 2,
                             f"most clones had finished: not mid-clone {at_kill}")

        start = time.monotonic()
        back = wait_until(lambda: threads_of(pid) <= baseline[0] and fds_of(pid) <= baseline[1],
                          SETTLE_S, interval=0.1)
        now = (threads_of(pid), fds_of(pid))
        print(f"baseline threads/fds {baseline}, at the kill {at_kill} (started, receiving, "
              f"exited), after {time.monotonic() - start:.1f} s {now}")
        self.assertTrue(back, f"threads/fds {now} not back to {baseline} within {SETTLE_S} s\n"
                              f"{env.tail()}")
        self.assertEqual(env.wait_paired(), {}, "requests without an o-line")


if __name__ == "__main__":
    unittest.main(verbosity=2)
