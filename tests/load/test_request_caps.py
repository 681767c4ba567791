"""Issue 9, g: oversized requests. 128 MiB of deepen-not lines in a v0 request, and a v2 fetch
request of have lines 16 MiB over the shipped max_request_bytes (80 MiB), each sent over ssh to
git-upload-pack: gitgate refuses each with a clear error, its peak RSS (VmHWM) grows by less
than 100 MiB, and it keeps serving."""

import random
import re
import unittest

import loadenv
from loadenv import REPO, SERVER_HOST, kib_of, pipe_through, run

RSS_BOUND_KIB = 100 * 1024
# Above the RSS bound, so that a server that buffers the whole request cannot pass.
V0_BYTES = 128 << 20
# Issue 9 says "16 MiB+". A have line is within every shipped count cap, so the request is
# oversized by its bytes: 16 MiB above the shipped max_request_bytes (64 MiB: 80 MiB in all).
V2_BYTES = max(16 << 20, loadenv.shipped_config().get("limits", {}).get(
    "max_request_bytes", 64 << 20)) + (16 << 20)
# A clear error names what was too big. It reaches the client as an ERR pkt-line or as text
# on the SSH stderr channel.
CLEAR_ERROR_RE = re.compile(rb"(?i)too (large|long|big|many)|limit|exceed|maximum|at most")


def pkt(data):
    return b"%04x" % (len(data) + 4) + data


def repeat_block(lines, total):
    """Yields total bytes (rounded up to whole blocks) of the pkt-lines in lines, repeated."""
    block = b"".join(pkt(line) for line in lines)
    for _ in range(-(-total // len(block))):
        yield block


class RequestCapsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = loadenv.LoadEnv(cls.__name__)
        cls.addClassCleanup(cls.env.close)
        cls.env.setup()
        cls.oid = cls.env.local_ls_remote().split()[0].encode()
        # deepen-not names a real ref, so that "not a ref" cannot be the refusal.
        cls.long_ref = b"refs/heads/" + b"long-" * 40
        run(["git", "-C", str(cls.env.repos / REPO), "update-ref", cls.long_ref.decode(),
             cls.oid.decode()], env=cls.env.env, check=True)

    def upload_pack(self, chunks, version):
        env = self.env
        extra = ["-T"] + (["-o", f"SetEnv=GIT_PROTOCOL=version={version}"] if version else [])
        cmd = env.ssh_from(loadenv.harness.CLIENT_ADDR, env.gitgate.port, extra) + [
            SERVER_HOST, f"git-upload-pack '/{REPO}'"]
        return pipe_through(cmd, env.env, chunks, timeout=90)

    def v0_capabilities(self):
        _, out, _, _ = self.upload_pack([b"0000"], 0)
        first = out[4:int(out[:4], 16)] if len(out) >= 4 else b""
        return set(first.partition(b"\0")[2].split())

    def assertRefusedAndServing(self, what, sent, result, hwm_before):
        rc, out, err, written = result
        grown = kib_of(self.env.pid, "VmHWM") - hwm_before
        errors = [out[m.start():m.start() + 200] for m in re.finditer(rb"ERR ", out)] + \
            [line for line in err.splitlines() if line.strip()]
        report = (f"{what}: {written} of {sent} bytes sent, exit {rc}, VmHWM +{grown} KiB, "
                  f"errors {errors!r}")
        print(report)
        self.assertLess(grown, RSS_BOUND_KIB, report)
        self.assertNotIn(rc, (0, None), report)
        self.assertTrue(any(CLEAR_ERROR_RE.search(e) for e in errors),
                        f"no clear error\n{report}\ngitgate stderr:\n{self.env.tail()}")
        proc, _ = self.env.ls_remote(via=None)
        self.assertEqual((proc.returncode, proc.stdout), (0, self.env.local_ls_remote()),
                         f"after {what}: {proc.stderr}\n{self.env.tail()}")

    def test_v0_128_mib_of_deepen_not(self):
        caps = self.v0_capabilities()
        wanted = [c for c in (b"side-band-64k", b"ofs-delta", b"shallow", b"deepen-not")
                  if c in caps]
        chunks = [pkt(b"want " + self.oid + b" " + b" ".join(wanted) + b"\n")]
        chunks += list(repeat_block([b"deepen-not " + self.long_ref + b"\n"] * 1000, V0_BYTES))
        chunks.append(b"0000")
        hwm = kib_of(self.env.pid, "VmHWM")
        result = self.upload_pack(chunks, 0)
        self.assertRefusedAndServing("v0 deepen-not flood", sum(map(len, chunks)), result, hwm)

    def test_v2_fetch_over_max_request_bytes(self):
        rng = random.Random(9)
        haves = [b"have %040x\n" % rng.getrandbits(160) for _ in range(20000)]
        chunks = [pkt(b"command=fetch\n"), b"0001", pkt(b"want " + self.oid + b"\n")]
        chunks += list(repeat_block(haves, V2_BYTES))
        chunks += [pkt(b"done\n"), b"0000"]
        hwm = kib_of(self.env.pid, "VmHWM")
        result = self.upload_pack(chunks, 2)
        self.assertRefusedAndServing(f"v2 fetch of {V2_BYTES >> 20} MiB", sum(map(len, chunks)),
                                     result, hwm)


if __name__ == "__main__":
    unittest.main(verbosity=2)
