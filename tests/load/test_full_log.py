"""Issue 9, e: the access log on a full disk. The log lives on a small tmpfs that the test
fills; requests are still served, no line is torn (a short write into the log's last page is
the case to survive), and once room is freed gitgate says on stderr how many lines it lost.

Needs root (mount); skips with a message where mounting is not permitted."""

import errno
import re
import subprocess
import unittest

import loadenv
from loadenv import run, wait_until

TMPFS_SIZE = "1m"
REQUESTS_WHILE_FULL = 15  # ls-remotes (2 lines each, ~12 KB): more than a page can take
LOST_RE = re.compile(r"(\d+)\D{0,40}access-log lines lost|access-log lines lost\D{0,40}(\d+)")


def fill(directory):
    """Writes a filler file until the file system is full, down to the last byte."""
    path = directory / "filler"
    with open(path, "wb", buffering=0) as f:
        for size in (1 << 16, 1 << 12, 1 << 8, 1):
            block = b"\0" * size
            while True:
                try:
                    f.write(block)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    return path


class FullLogDiskTest(unittest.TestCase):
    def setUp(self):
        self.env = loadenv.LoadEnv(type(self).__name__)
        self.logfs = self.env.tmp / "logfs"
        self.logfs.mkdir()
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs",
                                  str(self.logfs)], capture_output=True, text=True, timeout=20)
        if mounted.returncode != 0:
            self.env.close()
            raise unittest.SkipTest(f"cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN): "
                                    f"{mounted.stderr.strip()}")
        # Cleanups run last-in first-out: gitgate stops (closing the log) before the unmount;
        # the Env's directory, which held the mount point, goes last.
        self.addCleanup(self.env.tmp.rmdir)
        self.addCleanup(self.logfs.rmdir)
        self.addCleanup(run, ["umount", str(self.logfs)], timeout=20)
        self.addCleanup(self.env.close)
        self.env.setup(access_log=self.logfs / "access.log")

    def assertServed(self, proc, what):
        self.assertEqual(proc.returncode, 0, f"{what}: {proc.stderr}\ngitgate stderr:\n"
                                             f"{self.env.tail()}")

    def test_full_disk_serves_tears_nothing_and_counts_the_loss(self):
        env = self.env
        expected = env.local_ls_remote()
        proc, _ = env.ls_remote(via=None)
        self.assertServed(proc, "ls-remote before the disk is full")
        env.wait_request(0)
        idle_threads = loadenv.threads_of(env.pid)

        filler = fill(self.logfs)
        mark = env.gitgate.mark()
        for k in range(REQUESTS_WHILE_FULL):
            proc, _ = env.ls_remote(via=None)
            self.assertServed(proc, f"ls-remote {k} on a full log disk")
            self.assertEqual(proc.stdout, expected)
        proc, dest = env.clone(env.alice)
        self.assertServed(proc, "clone on a full log disk")
        # A request's o-line may follow its client's exit: wait until every session ended.
        self.assertTrue(wait_until(lambda: loadenv.threads_of(env.pid) <= idle_threads, 10),
                        "gitgate did not go back to idle")
        self.assertEqual(loadenv.torn_lines(env.access_text()), [])

        filler.unlink()
        after = env.access_mark()
        proc, _ = env.ls_remote(via=None)
        self.assertServed(proc, "ls-remote after room was freed")
        # The request after the loss is logged whole, both lines.
        i, o = env.wait_request(after)
        self.assertEqual((i["kind"], o["kind"], loadenv.request_id(i)),
                         ("i", "o", loadenv.request_id(o)), (i["line"], o["line"]))
        self.assertEqual(loadenv.torn_lines(env.access_text()), [])
        requests = 1 + REQUESTS_WHILE_FULL + 1 + 1
        lost = 2 * requests - len(env.access_lines())
        self.assertGreater(lost, 0, "every line was written: the disk was not full")
        line = env.gitgate.wait_diagnostic(mark, r"access-log lines lost", 10)
        self.assertTrue(line, "no 'access-log lines lost' diagnostic after room was freed:\n"
                              + env.gitgate.diagnostics_since(mark))
        counts = [int(a or b) for a, b in LOST_RE.findall(line)]
        self.assertEqual(counts[:1], [lost], f"the count in {line!r}")
        print(f"full disk: {lost} of {2 * requests} lines lost; {line}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
