"""Test fixtures made with the real tools: bare repositories with history (git CLI), client
keys (ssh-keygen), and the TOML that gitgate reads (users.toml)."""

import random
import shutil
import subprocess
from pathlib import Path

PROCESS_TIMEOUT = 60  # seconds


def run(cmd, env=None, cwd=None, timeout=PROCESS_TIMEOUT, check=False, input=None):
    """Runs a command with a timeout; returns CompletedProcess (text)."""
    proc = subprocess.run(cmd, env=env, cwd=cwd, timeout=timeout, input=input,
                          capture_output=True, text=True, stdin=None if input else
                          subprocess.DEVNULL)
    if check and proc.returncode != 0:
        raise AssertionError(f"{cmd!r} exited {proc.returncode}\nstdout:\n{proc.stdout}\n"
                             f"stderr:\n{proc.stderr}")
    return proc


def make_repository(work_parent, bare_path, env, big_blob_kib=256):
    """A bare repository with history: several commits on main, a feature branch merged
    with a merge commit, a second unmerged branch, an annotated and a lightweight tag, and
    an incompressible blob so that the pack is large enough to count bytes."""
    work = Path(work_parent) / (Path(bare_path).name + ".work")
    git = ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"]

    def g(*args, when=None):
        e = dict(env)
        if when is not None:
            stamp = f"{1700000000 + when * 3600} +0000"
            e["GIT_AUTHOR_DATE"] = stamp
            e["GIT_COMMITTER_DATE"] = stamp
        return run(git + ["-C", str(work)] + list(args), env=e, check=True).stdout

    run(git + ["init", "-q", str(work)], env=env, check=True)
    (work / "README.md").write_text("# demo\n\nA repository served by gitgate.\n")
    (work / "src").mkdir()
    (work / "src" / "main.c").write_text("int main(void) { return 0; }\n")
    g("add", "-A")
    g("commit", "-q", "-m", "Initial commit", when=1)
    rng = random.Random(20261126)
    (work / "data.bin").write_bytes(rng.randbytes(big_blob_kib * 1024))
    g("add", "data.bin")
    g("commit", "-q", "-m", "Add data", when=2)
    g("tag", "-a", "v1.0", "-m", "Release 1.0", when=2)
    g("checkout", "-q", "-b", "feature")
    for i in range(3):
        (work / "src" / f"feature{i}.c").write_text(f"int feature{i}(void) {{ return {i}; }}\n")
        g("add", "-A")
        g("commit", "-q", "-m", f"Feature step {i}", when=3 + i)
    g("checkout", "-q", "main")
    (work / "README.md").write_text("# demo\n\nA repository served by gitgate.\n\nMore.\n")
    g("commit", "-q", "-am", "Expand README", when=7)
    g("merge", "-q", "--no-ff", "-m", "Merge branch 'feature'", "feature", when=8)
    g("tag", "v1.1-light")
    g("checkout", "-q", "-b", "wip")
    (work / "NOTES").write_text("work in progress\n")
    g("add", "NOTES")
    g("commit", "-q", "-m", "WIP notes", when=9)
    g("checkout", "-q", "main")
    (work / "src" / "main.c").write_text("int main(void) { return 1; }\n")
    g("commit", "-q", "-am", "Change exit code", when=10)
    Path(bare_path).parent.mkdir(parents=True, exist_ok=True)
    run(git + ["clone", "-q", "--bare", "--no-local", str(work), str(bare_path)], env=env,
        check=True)
    shutil.rmtree(work)
    return Path(bare_path)


def make_big_repository(env, relative, mib):
    """A bare repository whose one commit holds mib MiB of random bytes, stored uncompressed
    in one pack (git fast-import with compression 0: quick to make, and the pack is as big
    on the wire as on disk)."""
    bare = env.repos / relative
    bare.parent.mkdir(parents=True, exist_ok=True)
    git = ["git", "-c", "init.defaultBranch=main", "-c", "core.compression=0",
           "-c", "pack.compression=0"]
    run(git + ["init", "-q", "--bare", str(bare)], env=env.env, check=True)
    data = random.Random(mib).randbytes(mib << 20)
    stream = b"".join([
        b"blob\nmark :1\ndata %d\n" % len(data), data, b"\n",
        b"commit refs/heads/main\nmark :2\n",
        b"committer Big Repository <big@example.invalid> 1700000000 +0000\n",
        b"data 11\nbig commit\nM 100644 :1 big.bin\n\n"])
    proc = subprocess.run(git + ["-C", str(bare), "fast-import", "--quiet"], input=stream,
                          capture_output=True, timeout=120, env=env.env)
    if proc.returncode != 0:
        raise AssertionError(f"fast-import failed: {proc.stderr.decode(errors='replace')}")
    return bare


def generate_key(path, comment):
    """An ed25519 key pair; returns the public key line."""
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True)
    return Path(str(path) + ".pub").read_text().strip()


def toml_string(value):
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_list(values):
    return "[" + ", ".join(toml_string(v) for v in values) + "]"


def users_toml(users):
    """users: iterable of dicts with name, id, keys, read, write."""
    out = []
    for u in users:
        out += ["[[user]]", f"name = {toml_string(u['name'])}", f"id = {int(u['id'])}",
                f"keys = {toml_list(u['keys'])}", f"read = {toml_list(u.get('read', ['*']))}",
                f"write = {toml_list(u.get('write', []))}", ""]
    return "\n".join(out)
