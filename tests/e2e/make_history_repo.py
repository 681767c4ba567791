#!/usr/bin/env python3
"""Builds a bare test repository with real history, fast and deterministically, through
`git fast-import`: about 300 commits on several branches with merges, annotated and
lightweight tags, and files of a few sizes (some well over 1 KiB, so that
--filter=blob:limit=1k selects something). Fixed authors and dates: the same input gives
the same object ids every time.

Usage: make_history_repo.py DEST.git        (DEST must not exist)
or, from Python: make_history_repo(dest, env)

Layout (t = commit number; commit t is dated BASE_TIME + t hours):
  main        80 commits; feature/a branches off and gets 40; main 30 more; merge of
              feature/a (tag v1.0); feature/b branches off (25 commits, never merged,
              its tip tagged b-snapshot); main 60 more; release/1.x branches off (15,
              tip tagged v1.1); main 40 more; merge of release/1.x; main 9 more.
  tags        v0.1 (annotated, main commit 20), v1.0 (annotated, first merge), v1.1
              (annotated, release tip), b-snapshot (annotated, feature/b tip), light-80
              (lightweight, main commit 80), light-release (lightweight, a release commit)
  files       README.md; src/modNN.txt (small, one changed per commit); assets/bigN.txt
              (2-6 KiB, one rewritten every 10th commit); feature_a/, feature_b/, release/
"""

import os
import random
import subprocess
import sys
from pathlib import Path

BASE_TIME = 1600000000  # 2020-09-13 12:26:40 UTC
AUTHOR = "History Author <history@example.invalid>"
COMMITTER = "History Committer <committer@example.invalid>"
TAGGER = "History Tagger <tagger@example.invalid>"


def commit_time(t):
    return BASE_TIME + t * 3600


class Stream:
    """Writes a fast-import stream; marks are numbered in order."""

    def __init__(self):
        self.parts = []
        self.next_mark = 1
        self.t = 0  # commits so far; the next commit's time index
        self.tips = {}  # branch -> mark of its tip
        self.marks_by_t = {}  # t -> mark

    def _data(self, payload):
        if isinstance(payload, str):
            payload = payload.encode()
        self.parts.append(b"data %d\n" % len(payload) + payload + b"\n")

    def _mark(self):
        mark = self.next_mark
        self.next_mark += 1
        return mark

    def blob(self, payload):
        mark = self._mark()
        self.parts.append(b"blob\nmark :%d\n" % mark)
        self._data(payload)
        return mark

    def commit(self, branch, message, files, parent=None, merge=None):
        """files: {path: bytes}. parent: a mark to branch from (default: the branch tip)."""
        blobs = {path: self.blob(payload) for path, payload in files.items()}
        mark = self._mark()
        when = commit_time(self.t)
        head = f"commit refs/heads/{branch}\nmark :{mark}\n"
        head += f"author {AUTHOR} {when} +0000\ncommitter {COMMITTER} {when} +0000\n"
        self.parts.append(head.encode())
        self._data(message)
        start = parent if parent is not None else self.tips.get(branch)
        lines = ""
        if start is not None:
            lines += f"from :{start}\n"
        if merge is not None:
            lines += f"merge :{merge}\n"
        for path, blob in sorted(blobs.items()):
            lines += f"M 100644 :{blob} {path}\n"
        self.parts.append(lines.encode() + b"\n")
        self.tips[branch] = mark
        self.marks_by_t[self.t] = mark
        self.t += 1
        return mark

    def annotated_tag(self, name, target, message):
        when = commit_time(self.t)
        self.parts.append(f"tag {name}\nfrom :{target}\ntagger {TAGGER} {when} +0000\n"
                          .encode())
        self._data(message)

    def lightweight_tag(self, name, target):
        self.parts.append(f"reset refs/tags/{name}\nfrom :{target}\n\n".encode())

    def bytes(self):
        return b"".join(self.parts) + b"done\n"


def big_text(rng, kib, tag):
    """At least kib KiB of pseudo-random words (so well over blob:limit=1k)."""
    out, size = [], 0
    while size < kib * 1024:
        line = " ".join(f"{tag}-{rng.randrange(1 << 30):08x}" for _ in range(6)) + "\n"
        out.append(line)
        size += len(line)
    return "".join(out).encode()


def build_stream():
    rng = random.Random(20261126)
    s = Stream()

    def main_commits(count, branch="main"):
        for _ in range(count):
            t = s.t
            files = {f"src/mod{t % 20:02d}.txt": f"module {t % 20}, revision {t}\n".encode()}
            if t % 10 == 0:
                files[f"assets/big{t % 4}.txt"] = big_text(rng, 2 + (t // 10) % 5, f"b{t}")
            s.commit(branch, f"{branch}: change {t}\n\nDetails of change {t}.\n", files)

    s.commit("main", "Initial commit\n", {
        "README.md": b"# history\n\nA test repository with real history.\n",
        "assets/big0.txt": big_text(rng, 4, "init0"),
        "assets/medium.txt": b"m" * 600 + b"\n",
        "src/tiny.txt": b"tiny\n",
    })
    main_commits(79)
    s.annotated_tag("v0.1", s.marks_by_t[20], "Release 0.1\n")
    s.lightweight_tag("light-80", s.tips["main"])
    fork = s.tips["main"]
    for k in range(40):
        s.commit("feature/a", f"feature/a: step {k}\n",
                 {f"feature_a/part{k % 7}.txt": f"feature a part {k % 7} step {k}\n".encode()},
                 parent=fork if k == 0 else None)
    main_commits(30)
    merge1 = s.commit("main", "Merge branch 'feature/a'\n",
                      {"MERGED": b"feature/a\n"}, merge=s.tips["feature/a"])
    s.annotated_tag("v1.0", merge1, "Release 1.0\n\nWith feature/a.\n")
    for k in range(25):
        files = {f"feature_b/f{k % 5}.txt": f"feature b {k}\n".encode()}
        if k == 12:
            files["feature_b/large.txt"] = big_text(rng, 3, "fb")
        s.commit("feature/b", f"feature/b: step {k}\n", files, parent=merge1 if k == 0 else None)
    s.annotated_tag("b-snapshot", s.tips["feature/b"], "Snapshot of feature/b\n")
    main_commits(60)
    fork = s.tips["main"]
    for k in range(15):
        s.commit("release/1.x", f"release/1.x: fix {k}\n",
                 {"release/NOTES.txt": f"release notes, fix {k}\n".encode()},
                 parent=fork if k == 0 else None)
        if k == 7:
            s.lightweight_tag("light-release", s.tips["release/1.x"])
    s.annotated_tag("v1.1", s.tips["release/1.x"], "Release 1.1\n")
    main_commits(40)
    s.commit("main", "Merge branch 'release/1.x'\n", {"MERGED": b"feature/a\nrelease/1.x\n"},
             merge=s.tips["release/1.x"])
    main_commits(9)
    return s


def make_history_repo(dest, env=None):
    """Creates the bare repository dest (a path that must not exist); returns its Path."""
    dest = Path(dest)
    env = dict(os.environ if env is None else env)
    env.setdefault("GIT_CONFIG_NOSYSTEM", "1")
    subprocess.run(["git", "init", "-q", "--bare", "--initial-branch=main", str(dest)],
                   env=env, check=True, timeout=60, stdin=subprocess.DEVNULL)
    stream = build_stream().bytes()
    subprocess.run(["git", "-C", str(dest), "fast-import", "--quiet"], input=stream, env=env,
                   check=True, timeout=60)
    return dest


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    make_history_repo(sys.argv[1])
