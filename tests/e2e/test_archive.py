"""git archive --remote (git-upload-archive) with the real git and OpenSSH client, directly
and through the real haproxy: a tag in tar, tgz and zip, with a prefix and a path, compared
with what `git archive` writes from the same repository on the server's disk; what git's
upload-archive refuses, refused; a user who may not read the repository, refused; and the
access-log lines of each.

Byte for byte (README "What the server speaks"): a tar differs from git's only in how
libarchive writes the headers' numbers (same values) and in git's pax global header with the
commit id, which libarchive cannot write; every other header byte and every file block is
compared equal here. A tgz is checked to be git's gzip (zlib at the asked level) of that tar;
a zip (archive-zip.c has a layout of its own) as unzip sees it."""

import io
import subprocess
import unittest
import zipfile
import zlib

import harness
from harness import CLIENT_ADDR, LB_ADDR, REPO, run

VIA_LB = "send-proxy-v2"
PATH = "/" + REPO

# ustar numeric fields (offset, width): mode uid gid size mtime chksum devmajor devminor.
NUMERIC = ((100, 8), (108, 8), (116, 8), (124, 12), (136, 12), (148, 8), (329, 8), (337, 8))
CHKSUM = 5


def octal(field):
    digits = field.strip(b"\0 ")
    return int(digits, 8) if digits else 0


def tar_records(data):
    """(records, global header text): each record is (header with the numeric fields
    blanked, their values but the checksum's, body blocks); git's 'g' header kept apart."""
    records, global_header, at = [], None, 0
    while at + 512 <= len(data):
        header = data[at:at + 512]
        if header == b"\0" * 512:
            break
        size = octal(header[124:136])
        body = data[at + 512:at + 512 + (size + 511) // 512 * 512]
        at += 512 + len(body)
        if header[156:157] == b"g":
            global_header = body[:size].decode()
            continue
        values = [octal(header[o:o + n]) for o, n in NUMERIC]
        values[CHKSUM] = 0
        blank = bytearray(header)
        for o, n in NUMERIC:
            blank[o:o + n] = b"\0" * n
        records.append((bytes(blank), values, body))
    return records, global_header


def zip_listing(data):
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            mode = info.external_attr >> 16
            shown = oct(mode) if mode & 0o111 and not info.is_dir() else "-"
            out.append((info.filename, info.date_time, shown, z.read(info)))
    return out


class ArchiveTest(harness.GitgateTestCase):
    haproxy_modes = (VIA_LB,)

    def remote(self, args, user=None, via=None):
        """`git archive --remote=<gitgate> ARGS`: (exit status, archive bytes, stderr)."""
        user = user or self.alice
        env = self.env.git_env(user["key"], self.env.port_for(via))
        url = self.env.url(self.env.port_for(via))
        proc = subprocess.run(["git", "archive", f"--remote={url}", *args], env=env,
                              capture_output=True, timeout=harness.PROCESS_TIMEOUT)
        return proc.returncode, proc.stdout, proc.stderr.decode(errors="replace")

    def local(self, args):
        return subprocess.run(["git", "-C", str(self.env.repos / REPO), "archive", *args],
                              env=self.env.env, capture_output=True, check=True,
                              timeout=harness.PROCESS_TIMEOUT).stdout

    def commit_of(self, name):
        return run(["git", "-C", str(self.env.repos / REPO), "rev-parse", name + "^{commit}"],
                   env=self.env.env, check=True).stdout.strip()

    def assertTarAsGits(self, ours, gits, commit, what):
        our_records, our_global = tar_records(ours)
        git_records, git_global = tar_records(gits)
        self.assertIsNone(our_global, what)
        self.assertIn(f"comment={commit}\n", git_global, what)
        self.assertEqual(len(our_records), len(git_records), what)
        self.assertGreater(len(our_records), 1, what)
        for n, (a, b) in enumerate(zip(our_records, git_records)):
            self.assertEqual(a[0], b[0], f"{what}: header of entry {n}")
            self.assertEqual(a[1], b[1], f"{what}: numbers of entry {n}")
            self.assertEqual(a[2], b[2], f"{what}: blocks of entry {n}")
        self.assertEqual(len(ours) % 10240, 0, what)  # archive-tar.c BLOCKSIZE

    def assertArchiveLogged(self, mark, *, user="alice", uid=2, via=None, status=0):
        i, o = self.env.wait_request(mark)
        addresses = CLIENT_ADDR if via is None else f"{CLIENT_ADDR},{LB_ADDR}"
        self.assertRequestPair(i, o, addresses=addresses, user=user, path=PATH,
                               command="git-upload-archive", status=status,
                               labels=["archive", "protocol:0", f"ssh:user:id:{uid}"])
        return o

    def test_tag_as_tar_tgz_and_zip_with_prefix_and_path(self):
        for base in (["--prefix=demo-1.0/", "v1.0"], ["--prefix=demo/", "v1.1-light", "src"],
                     ["v1.0", "README.md", "data.bin"]):
            tag = next(a for a in base if a.startswith("v1."))
            tar_args = ["--format=tar", *base]
            mark = self.env.access_mark()
            status, ours, err = self.remote(tar_args)
            self.assertEqual(status, 0, err)
            o = self.assertArchiveLogged(mark)
            self.assertGreaterEqual(int(o["bytes_written"]), len(ours), o["line"])
            self.assertTarAsGits(ours, self.local(tar_args), self.commit_of(tag), str(base))

            for fmt, level in (("tgz", 6), ("tar.gz", 6), ("tgz", 9)):
                args = [f"--format={fmt}", *([f"-{level}"] if level != 6 else []), *base]
                status, ours_gz, err = self.remote(args)
                self.assertEqual(status, 0, err)
                gzip = zlib.compressobj(level, zlib.DEFLATED, 31, 8)
                self.assertEqual(ours_gz, gzip.compress(ours) + gzip.flush(), str(args))
                self.assertTarAsGits(zlib.decompress(ours_gz, 31),
                                     zlib.decompress(self.local(args), 31),
                                     self.commit_of(tag), str(args))

            zip_args = ["--format=zip", *base]
            status, ours_zip, err = self.remote(zip_args)
            self.assertEqual(status, 0, err)
            self.assertEqual(zip_listing(ours_zip), zip_listing(self.local(zip_args)), str(base))

    def test_through_haproxy(self):
        mark = self.env.access_mark()
        args = ["--format=tar", "--prefix=p/", "v1.0", "src"]
        status, ours, err = self.remote(args, via=VIA_LB)
        self.assertEqual(status, 0, err)
        self.assertArchiveLogged(mark, via=VIA_LB)
        self.assertTarAsGits(ours, self.local(args), self.commit_of("v1.0"), "via haproxy")

    def test_refused_without_read_access(self):
        bob = self.env.users[1]  # reads other/* only
        mark = self.env.access_mark()
        status, out, err = self.remote(["--format=tar", "v1.0"], user=bob)
        self.assertEqual(status, 128, err)
        self.assertEqual(out, b"")
        # What a clone is told (server/session_policy.cc): missing and forbidden alike.
        self.assertIn(f"fatal: repository '{PATH}' does not exist or you do not have access",
                      err)
        i, o = self.env.wait_request(mark)
        self.assertRequestPair(i, o, addresses=CLIENT_ADDR, user="bob", path=PATH,
                               command="git-upload-archive", status=128,
                               labels=["archive", "ssh:user:id:3"],
                               optional_labels=self.ANY_PROTOCOL)

    def test_refused_as_git_refuses(self):
        commit = self.commit_of("v1.0")
        for args, message in (
                ([commit], f"no such ref: {commit}"),  # not a ref tip: unreachable for git
                (["v1.0~1"], "no such ref: v1.0~1"),
                (["--add-file=/etc/passwd", "v1.0"],
                 "options '--add-file' and '--remote' cannot be used together"),
                (["--format=7z", "v1.0"], "Unknown archive format '7z'"),
                (["v1.0", "nope"], "pathspec 'nope' did not match any files")):
            mark = self.env.access_mark()
            status, out, err = self.remote(args)
            self.assertEqual(status, 128, f"{args}: {err}")
            self.assertEqual(out, b"", args)
            self.assertIn(f"NACK {message}", err, args)
            self.assertArchiveLogged(mark, status=128)

    def test_exec_and_remote_refused_on_the_wire(self):
        """git's client strips --exec, --remote and --output itself; a client that sends them
        (ssh and pkt-lines by hand) is refused as git's upload-archive refuses them."""
        for argument, message in (("--exec=/bin/sh", "the option '--exec' requires '--remote'"),
                                  ("--remote=/etc", "Unexpected option --remote"),
                                  ("--output=/tmp/x", "Unexpected option --output")):
            request = b""
            for arg in (argument, "v1.0"):
                line = f"argument {arg}\n".encode()
                request += b"%04x" % (len(line) + 4) + line
            request += b"0000"
            cmd = self.env.ssh_command(self.alice["key"], self.env.gitgate.port, extra=["-T"])
            proc = subprocess.run(cmd + [harness.SERVER_HOST, f"git-upload-archive '{PATH}'"],
                                  input=request, capture_output=True, env=self.env.env,
                                  timeout=harness.PROCESS_TIMEOUT)
            reply = f"NACK {message}\n".encode()
            self.assertEqual(proc.stdout, b"%04x" % (len(reply) + 4) + reply, argument)
            self.assertEqual(proc.returncode, 128, argument)

    def test_list(self):
        status, out, err = self.remote(["--list"])
        self.assertEqual(status, 0, err)
        self.assertEqual(out, b"tar\ntgz\ntar.gz\nzip\n")


if __name__ == "__main__":
    unittest.main()
