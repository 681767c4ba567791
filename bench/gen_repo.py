#!/usr/bin/env python3
"""Deterministic synthetic bare repositories for gitgate's benchmark.

    bench/gen_repo.py S            # ~5k objects
    bench/gen_repo.py M            # ~60k objects, ~20 MB pack, 2000 refs
    bench/gen_repo.py L            # ~810k objects, ~430 MB pack (~25 min: run it in the background)
    bench/gen_repo.py S M --out /var/tmp/gitgate-bench --force

The history is streamed into `git fast-import` from a fixed seed, so every run
produces the same objects and refs (the stamp file records a fingerprint of
them; the pack's bytes depend on git's delta search, not on us). What the
history looks like, because it decides how much the pack writer's delta
handling matters:

  * text files (code-like lines from a fixed vocabulary) spread over two levels
    of directories; every commit makes small edits (replace/insert/delete a few
    lines) to a few files, so most blobs and trees are small deltas of their
    previous version; files are added, deleted and renamed now and then;
  * feature branches fork from main, get a few commits while main moves on,
    and come back with a merge commit; some stay behind as stale branches;
  * a few binary assets (incompressible) are replaced from time to time;
  * annotated release tags, then lightweight CI tags up to the ref target.

After the import the repository is made to look like a served one: refs
packed, `git repack -adb` (one pack with a bitmap), `git commit-graph write
--reachable`. A stamp file (gitgate-bench.json) in the repository records the
generator version and what was made; a repository with a matching stamp is
not generated again unless --force is given.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

GENERATOR_VERSION = 1
SEED = 20261126
DEFAULT_OUT = Path(os.environ.get("GITGATE_BENCH_DIR", "/var/tmp/gitgate-bench"))
STAMP = "gitgate-bench.json"
EPOCH = 1420070400  # 2015-01-01 00:00:00 UTC: the first commit


@dataclass(frozen=True)
class Params:
    top_dirs: int          # first-level directories
    sub_dirs: int          # second-level directories per first-level one
    initial_files: int     # text files in the first commit
    lines: tuple           # (min, max) lines of a new text file
    commits: int           # commits in all (main, features, merges)
    feature_share: float   # probability that a step advances a feature branch
    max_features: int      # feature branches in flight at once
    feature_len: tuple     # (min, max) commits on one feature branch
    files_per_commit: tuple  # (min, max) files edited by one commit
    assets: int            # binary files
    asset_kib: tuple       # (min, max) size of one binary file
    asset_change: float    # probability that a main commit replaces an asset
    release_every: int     # an annotated tag every N main commits
    refs: int              # refs in all: main + kept branches + tags (lightweight fill the rest)
    kept_branches: int     # merged feature branches whose ref stays (stale branches)
    timeout: int           # seconds for fast-import and each maintenance command


SIZES = {
    "S": Params(top_dirs=6, sub_dirs=4, initial_files=120, lines=(40, 220), commits=560,
                feature_share=0.35, max_features=3, feature_len=(1, 5),
                files_per_commit=(1, 4), assets=3, asset_kib=(8, 32), asset_change=0.01,
                release_every=25, refs=60, kept_branches=20, timeout=300),
    "M": Params(top_dirs=14, sub_dirs=8, initial_files=1800, lines=(40, 320), commits=6600,
                feature_share=0.4, max_features=6, feature_len=(1, 7),
                files_per_commit=(1, 4), assets=24, asset_kib=(16, 96), asset_change=0.01,
                release_every=20, refs=2000, kept_branches=600, timeout=900),
    "L": Params(top_dirs=40, sub_dirs=16, initial_files=14000, lines=(40, 400), commits=88000,
                feature_share=0.4, max_features=12, feature_len=(1, 9),
                files_per_commit=(1, 4), assets=300, asset_kib=(32, 256), asset_change=0.025,
                release_every=40, refs=6000, kept_branches=2500, timeout=14400),
}

FIRST = ["alex", "bo", "chen", "dana", "eli", "fatima", "gus", "hana", "ivan", "jo", "kemal",
         "lena", "mo", "nina", "omar", "priya", "quinn", "rosa", "sami", "tomas", "uma", "vik",
         "wen", "xavier", "yuki", "zoe"]
LAST = ["adams", "baker", "costa", "diaz", "evans", "fischer", "garcia", "hughes", "ito",
        "jensen", "kowalski", "lopez", "moreau", "novak", "okafor", "petrov", "rossi", "silva"]
VERBS = ["fix", "add", "remove", "refactor", "rename", "speed up", "document", "test", "handle",
         "simplify", "split", "inline", "guard", "log", "cache", "validate"]
KEYWORDS = ["if", "for", "return", "const", "auto", "int", "struct", "while", "else", "case",
            "static", "void", "bool", "size_t", "std::string", "nullptr", "true", "false"]
PUNCT = [" = ", "(", ")", ", ", "->", ".", " + ", " == ", " && ", "[", "]", " < ", ";", " {", " }"]
EXTENSIONS = [".cc", ".h", ".py", ".go", ".md", ".txt", ".json", ".yaml"]


class Text:
    """Code-like lines from a fixed vocabulary: compressible the way source code is."""

    def __init__(self, rng):
        self.rng = rng
        syllables = [a + b for a in "bcdfghklmnprstvz" for b in ["a", "e", "i", "o", "u", "ar",
                                                                  "en", "il", "on", "us"]]
        words = set()
        while len(words) < 2500:
            words.add("".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))))
        self.words = sorted(words)
        self.identifiers = self.words[:900]

    def line(self):
        rng = self.rng
        if rng.random() < 0.08:
            return b"\n"
        indent = "    " * rng.randint(0, 3)
        if rng.random() < 0.15:
            body = "// " + " ".join(rng.choice(self.words) for _ in range(rng.randint(3, 12)))
        else:
            parts = [rng.choice(KEYWORDS)] if rng.random() < 0.5 else []
            for _ in range(rng.randint(2, 7)):
                parts.append(rng.choice(self.identifiers))
                parts.append(rng.choice(PUNCT))
            body = "".join(parts).rstrip()
        return (indent + body + "\n").encode()

    def lines(self, n):
        return [self.line() for _ in range(n)]

    def phrase(self, n):
        return " ".join(self.rng.choice(self.words) for _ in range(n))


class Feature:
    def __init__(self, name, base_mark, length):
        self.name = name
        self.last_mark = base_mark
        self.remaining = length
        self.overlay = {}  # path -> (lines, blob mark): this branch's version of locked files
        self.commits = 0


class Generator:
    """Writes one fast-import stream. Files that a feature branch touches are locked
    for main and the other branches until it is merged, so every merge is clean and
    its tree is main's tree plus the feature's versions of those files."""

    def __init__(self, params, out):
        self.p = params
        self.out = out
        self.rng = random.Random(SEED)
        self.text = Text(self.rng)
        self.mark = 0
        self.files = {}     # main's tree: path -> [lines, blob mark, is_binary]
        self.locked = {}    # path -> feature name
        self.features = []
        self.main_mark = None
        self.main_marks = []  # every commit on main, oldest first
        self.when = EPOCH
        self.path_counter = 0
        self.feature_counter = 0
        self.commits = 0
        self.kept = []      # (branch name, mark) of merged branches whose ref stays
        self.tags = 0
        self.dirs = [f"{self.text.words[i]}/{self.text.words[100 + i * params.sub_dirs + j]}"
                     for i in range(params.top_dirs) for j in range(params.sub_dirs)]

    # --- stream primitives ------------------------------------------------------------------

    def next_mark(self):
        self.mark += 1
        return self.mark

    def data(self, payload):
        self.out.write(b"data %d\n" % len(payload))
        self.out.write(payload)
        self.out.write(b"\n")

    def blob(self, payload):
        m = self.next_mark()
        self.out.write(b"blob\nmark :%d\n" % m)
        self.data(payload)
        return m

    def person(self):
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        return f"{first.title()} {last.title()} <{first}.{last}@example.invalid>"

    def tick(self):
        self.when += self.rng.randint(300, 30000)
        return f"{self.when} +0000"

    def commit(self, ref, parents, changes, message):
        """changes: list of (path, blob mark) or (path, None) for a deletion."""
        m = self.next_mark()
        who, stamp = self.person(), self.tick()
        self.out.write(f"commit {ref}\nmark :{m}\nauthor {who} {stamp}\n"
                       f"committer {who} {stamp}\n".encode())
        self.data(message.encode())
        if parents:
            self.out.write(b"from :%d\n" % parents[0])
            for extra in parents[1:]:
                self.out.write(b"merge :%d\n" % extra)
        for path, blob_mark in changes:
            if blob_mark is None:
                self.out.write(f"D {path}\n".encode())
            else:
                self.out.write(f"M 100644 :{blob_mark} {path}\n".encode())
        self.out.write(b"\n")
        self.commits += 1
        return m

    def message(self, path):
        rng = self.rng
        subject = f"{path.split('/')[0]}: {rng.choice(VERBS)} {self.text.phrase(rng.randint(2, 6))}"
        if rng.random() < 0.6:
            body = "\n".join(self.text.phrase(rng.randint(6, 12)) for _ in range(rng.randint(1, 5)))
            return f"{subject}\n\n{body}\n"
        return subject + "\n"

    # --- content ------------------------------------------------------------------------

    def new_path(self, binary=False):
        self.path_counter += 1
        directory = self.rng.choice(self.dirs)
        if binary:
            return f"assets/{directory.replace('/', '-')}-{self.path_counter}.bin"
        name = self.rng.choice(self.text.identifiers)
        return f"{directory}/{name}_{self.path_counter}{self.rng.choice(EXTENSIONS)}"

    def new_text(self):
        return self.text.lines(self.rng.randint(*self.p.lines))

    def new_binary(self):
        return self.rng.randbytes(self.rng.randint(*self.p.asset_kib) * 1024)

    def edit(self, lines):
        """A small change: 1-3 hunks that replace, insert or delete a few lines."""
        rng, new = self.rng, list(lines)
        low, high = self.p.lines
        for _ in range(rng.randint(1, 3)):
            at = rng.randint(0, len(new))
            size = rng.randint(1, 6)
            op = rng.random()
            if len(new) > high * 1.5 or (op < 0.2 and len(new) > low):
                del new[at:at + size]
            elif op < 0.7:
                new[at:at + size] = self.text.lines(size)
            else:
                new[at:at] = self.text.lines(size)
        return new

    def editable(self, count):
        """Paths on main that no feature branch holds."""
        chosen, tries = [], 0
        paths = self.path_list
        while len(chosen) < count and tries < count * 20:
            tries += 1
            path = paths[self.rng.randrange(len(paths))]
            if path in self.files and path not in self.locked and path not in chosen \
                    and not self.files[path][2]:
                chosen.append(path)
        return chosen

    # --- history ------------------------------------------------------------------------

    def initial(self):
        changes = []
        for _ in range(self.p.initial_files):
            path, lines = self.new_path(), self.new_text()
            mark = self.blob(b"".join(lines))
            self.files[path] = [lines, mark, False]
            changes.append((path, mark))
        for _ in range(self.p.assets):
            path, payload = self.new_path(binary=True), self.new_binary()
            mark = self.blob(payload)
            self.files[path] = [None, mark, True]
            changes.append((path, mark))
        readme = self.blob(b"# synthetic repository for gitgate's benchmark\n")
        changes.append(("README.md", readme))
        self.path_list = sorted(self.files)
        self.main_mark = self.commit("refs/heads/main", [], changes, "Initial import\n")
        self.main_marks.append(self.main_mark)

    def main_step(self):
        rng, changes = self.rng, []
        for path in self.editable(rng.randint(*self.p.files_per_commit)):
            lines = self.edit(self.files[path][0])
            mark = self.blob(b"".join(lines))
            self.files[path][:2] = [lines, mark]
            changes.append((path, mark))
        roll = rng.random()
        if roll < 0.04:  # a new file
            path, lines = self.new_path(), self.new_text()
            mark = self.blob(b"".join(lines))
            self.files[path] = [lines, mark, False]
            self.path_list.append(path)
            changes.append((path, mark))
        elif roll < 0.06:  # a deletion, or a rename (delete + add of the same content)
            victims = self.editable(1)
            if victims and len(self.files) > self.p.initial_files // 2:
                old = victims[0]
                entry = self.files.pop(old)
                changes.append((old, None))
                if rng.random() < 0.5:
                    new = self.new_path()
                    self.files[new] = entry
                    self.path_list.append(new)
                    changes.append((new, entry[1]))
        if rng.random() < self.p.asset_change:
            assets = [p for p, e in self.files.items() if e[2]]
            if assets:
                path = assets[rng.randrange(len(assets))]
                mark = self.blob(self.new_binary())
                self.files[path][1] = mark
                changes.append((path, mark))
        if not changes:
            return
        self.main_mark = self.commit("refs/heads/main", [self.main_mark], changes,
                                     self.message(changes[0][0]))
        self.main_marks.append(self.main_mark)
        if len(self.main_marks) % self.p.release_every == 0:
            self.annotated_tag(self.main_mark)

    def annotated_tag(self, target):
        self.tags += 1
        major, minor = divmod(self.tags, 20)
        name = f"v{major + 1}.{minor}.0"
        who, stamp = self.person(), f"{self.when} +0000"
        self.out.write(f"tag {name}\nfrom :{target}\ntagger {who} {stamp}\n".encode())
        self.data(f"Release {name}\n\n{self.text.phrase(12)}\n".encode())

    def start_feature(self):
        self.feature_counter += 1
        name = f"feature/{self.feature_counter:05d}-{self.rng.choice(self.text.identifiers)}"
        f = Feature(name, self.main_mark, self.rng.randint(*self.p.feature_len))
        self.features.append(f)
        return f

    def feature_step(self, f):
        rng, changes = self.rng, []
        if f.overlay and rng.random() < 0.5:  # keep working on what it already touched
            paths = [rng.choice(sorted(f.overlay))]
        else:
            paths = self.editable(rng.randint(*self.p.files_per_commit))
        for path in paths:
            self.locked[path] = f.name
            base = f.overlay[path][0] if path in f.overlay else self.files[path][0]
            lines = self.edit(base)
            mark = self.blob(b"".join(lines))
            f.overlay[path] = (lines, mark)
            changes.append((path, mark))
        if not changes:
            return
        f.last_mark = self.commit(f"refs/heads/{f.name}", [f.last_mark], changes,
                                  self.message(changes[0][0]))
        f.commits += 1
        f.remaining -= 1
        if f.remaining <= 0:
            self.merge(f)

    def merge(self, f):
        self.features.remove(f)
        changes = []
        for path, (lines, mark) in sorted(f.overlay.items()):
            self.files[path][:2] = [lines, mark]
            del self.locked[path]
            changes.append((path, mark))
        self.main_mark = self.commit("refs/heads/main", [self.main_mark, f.last_mark], changes,
                                     f"Merge branch '{f.name}'\n")
        self.main_marks.append(self.main_mark)
        if len(self.kept) < self.p.kept_branches:
            self.kept.append(f.name)
        else:
            self.out.write(f"reset refs/heads/{f.name}\nfrom {'0' * 40}\n\n".encode())

    def history(self):
        self.initial()
        rng = self.rng
        while self.commits < self.p.commits:
            if rng.random() < self.p.feature_share:
                if len(self.features) < self.p.max_features and rng.random() < 0.3:
                    self.start_feature()
                if self.features:
                    self.feature_step(rng.choice(self.features))
                    continue
            self.main_step()
        # Unmerged work in progress stays as branches (those with at least one commit).
        unmerged = sum(1 for f in self.features if f.commits)
        self.fill_refs(1 + len(self.kept) + self.tags + unmerged)
        self.out.write(b"done\n")

    def fill_refs(self, have):
        """Lightweight CI tags on evenly spaced main commits up to the ref target."""
        missing = max(0, self.p.refs - have)
        step = max(1, len(self.main_marks) // max(1, missing))
        for i in range(missing):
            target = self.main_marks[(i * step) % len(self.main_marks)]
            self.out.write(f"reset refs/tags/ci/build-{i + 1:05d}\nfrom :{target}\n\n".encode())


# --- repository -------------------------------------------------------------------------


def git(repo, *args, timeout, capture=True):
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=str(repo), LC_ALL="C")
    proc = subprocess.run(["git", "-C", str(repo), *args], env=env, timeout=timeout,
                          stdin=subprocess.DEVNULL, capture_output=capture, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stdout if capture else ""


def fingerprint(repo, timeout):
    """sha256 over every ref and the object it names: the same history gives the same value."""
    refs = git(repo, "for-each-ref", "--format=%(objectname) %(refname)", timeout=timeout)
    return hashlib.sha256(refs.encode()).hexdigest(), len(refs.splitlines())


def describe(repo, timeout):
    counts = dict(line.split(": ", 1) for line in
                  git(repo, "count-objects", "-v", timeout=timeout).splitlines())
    packs = sorted((repo / "objects" / "pack").glob("*.pack"))
    digest, refs = fingerprint(repo, timeout)
    return {"objects": int(counts["in-pack"]) + int(counts["count"]),
            "packs": len(packs), "pack_bytes": sum(p.stat().st_size for p in packs),
            "bitmap": any((repo / "objects" / "pack").glob("*.bitmap")),
            "commit_graph": (repo / "objects" / "info" / "commit-graph").exists(),
            "refs": refs, "fingerprint": digest}


def read_stamp(repo):
    try:
        return json.loads((repo / STAMP).read_text())
    except (OSError, ValueError):
        return None


def generate(size, out_dir, force=False):
    params = SIZES[size]
    repo = out_dir / f"{size}.git"
    stamp = read_stamp(repo)
    if stamp and stamp.get("generator_version") == GENERATOR_VERSION and not force:
        print(f"{size}: {repo} is up to date (generator v{GENERATOR_VERSION}): "
              f"{stamp['objects']} objects, pack {stamp['pack_bytes'] / 1e6:.1f} MB, "
              f"{stamp['refs']} refs", flush=True)
        return stamp
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".{size}.git.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    started = time.monotonic()
    subprocess.run(["git", "init", "-q", "--bare", "--initial-branch=main", str(tmp)],
                   check=True, timeout=60, stdin=subprocess.DEVNULL)
    git(tmp, "config", "gc.auto", "0", timeout=60)
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=str(tmp), LC_ALL="C")
    with subprocess.Popen(["git", "-C", str(tmp), "fast-import", "--quiet", "--done"],
                          stdin=subprocess.PIPE, env=env) as proc:
        try:
            gen = Generator(params, proc.stdin)
            gen.history()
            proc.stdin.close()
            rc = proc.wait(timeout=params.timeout)
        except BaseException:
            proc.kill()
            raise
    if rc != 0:
        raise SystemExit(f"git fast-import failed with {rc}")
    imported = time.monotonic()
    git(tmp, "pack-refs", "--all", timeout=params.timeout)
    # -f: fast-import stores blobs whole (it deltas only against the blob streamed just
    # before), and a repack without -f reuses that, leaving almost nothing deltified. One
    # thread: the delta search then makes the same choices every run (same pack bytes).
    git(tmp, "-c", "pack.threads=1", "repack", "-adfbq", timeout=params.timeout)
    git(tmp, "commit-graph", "write", "--reachable", timeout=params.timeout)
    info = describe(tmp, params.timeout)
    info.update({"generator_version": GENERATOR_VERSION, "size": size, "seed": SEED,
                 "params": asdict(params), "commits": gen.commits,
                 "seconds_import": round(imported - started, 1),
                 "seconds_total": round(time.monotonic() - started, 1),
                 "git": subprocess.run(["git", "--version"], capture_output=True, text=True,
                                       timeout=30).stdout.strip()})
    (tmp / STAMP).write_text(json.dumps(info, indent=1) + "\n")
    if repo.exists():
        shutil.rmtree(repo)
    os.replace(tmp, repo)
    print(f"{size}: {repo}: {info['objects']} objects ({info['commits']} commits), "
          f"pack {info['pack_bytes'] / 1e6:.1f} MB, {info['refs']} refs, "
          f"fingerprint {info['fingerprint'][:16]}, {info['seconds_total']} s "
          f"(import {info['seconds_import']} s)", flush=True)
    return info


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="+", choices=sorted(SIZES))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"directory for <size>.git (default {DEFAULT_OUT})")
    parser.add_argument("--force", action="store_true", help="generate even if up to date")
    args = parser.parse_args()
    for size in args.sizes:
        generate(size, args.out.resolve(), args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
