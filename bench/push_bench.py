#!/usr/bin/env python3
"""Side-by-side push benchmark: gitgate's receive-pack against OpenSSH's sshd + native
git-receive-pack.

    bench/push_bench.py --gitgate BUILD/server/gitgate            # all scenarios, 5 runs
    bench/push_bench.py --gitgate BIN --scenarios initial --runs 3

Scenarios (issue 10's goals):
  initial    every branch and tag of M pushed into an empty bare repository
  commits10  10 new commits pushed onto main of a copy of L
  newbranch  a new branch (one commit) pushed to a copy of L (6,000 refs: the
             advertisement and the ref transaction dominate)

Both servers receive into their own fresh copy of the repository for every run (made
untimed: `git init --bare`, or hard links of the generated repository, which receive-pack
never writes in place). The same git client pushes to both, alternating after one warm-up
each. Server-side cost as in bench.py: gitgate's utime+stime and VmHWM; native: the
forced command under /usr/bin/time (git-receive-pack with its index-pack and auto gc) plus
the growth of sshd's children's CPU. Each run checks that the pushed refs arrived; the
first run of each server is checked with `git fsck --full` on the server's repository.
gitgate runs with the shipped [push] defaults (fsck on, hooks on, auto maintenance on).
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402
import gen_repo  # noqa: E402
from bench_servers import Failure, Gitgate, Sshd, run, tear_down  # noqa: E402

SCENARIOS = {"initial": "M", "commits10": "L", "newbranch": "L"}
TIMEOUT = {"S": 120, "M": 600, "L": 1800}


class PushScenario:
    """setup (untimed): the server's fresh repository; command (timed): git push;
    verify (untimed): the server's refs."""

    def __init__(self, name, generated, work, client):
        self.name, self.size, self.client = name, SCENARIOS[name], client
        self.generated = generated / f"{self.size}.git"
        self.work = work
        self.counter = 0
        self.source = self.prepare_client()
        self.timeout = TIMEOUT[self.size]

    def prepare_client(self):
        """The client's bare repository and the refspecs it pushes."""
        source = self.work / f"client-{self.name}.git"
        bench.git("clone", "-q", "--bare", str(self.generated), str(source))
        if self.name == "initial":
            self.refspecs = ["refs/heads/*:refs/heads/*", "refs/tags/*:refs/tags/*"]
        elif self.name == "commits10":
            bench.add_commits(source, 10)
            self.refspecs = ["refs/heads/main:refs/heads/main"]
        else:
            bench.add_commits(source, 1)
            self.refspecs = ["refs/heads/main:refs/heads/bench-new"]
        self.expected = {}
        for line in bench.refs_of(source).splitlines():
            oid, ref = line.split(" ", 1)
            self.expected[ref] = oid
        if self.name != "initial":
            main = self.expected["refs/heads/main"]
            dest = "refs/heads/main" if self.name == "commits10" else "refs/heads/bench-new"
            self.expected = {dest: main}
        return source

    def server_repository(self, root, server):
        self.counter += 1
        dest = root / f"push-{self.name}-{server.name}-{self.counter}.git"
        if self.name == "initial":
            bench.git("init", "-q", "--bare", "--initial-branch=main", str(dest))
        else:
            run(["cp", "-al", str(self.generated), str(dest)], timeout=600, check=True)
        return dest

    def verify(self, dest):
        got = {}
        for line in bench.refs_of(dest).splitlines():
            oid, ref = line.split(" ", 1)
            got[ref] = oid
        missing = {ref: oid for ref, oid in self.expected.items() if got.get(ref) != oid}
        if missing:
            raise Failure(f"{len(missing)} refs did not arrive, e.g. {next(iter(missing))}")


def timed(scenario, server, root, check_fsck):
    dest = scenario.server_repository(root, server)
    env = scenario.client.git_env(server)
    argv = ["git", "-C", str(scenario.source), "push", "-q", server.url(dest),
            *scenario.refspecs]
    probe = server.begin()
    started = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        _, err = proc.communicate(timeout=scenario.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise Failure(f"timed out after {scenario.timeout} s") from None
    wall = time.monotonic() - started
    sample = server.end(probe, 1)
    sample["wall"] = wall
    try:
        if proc.returncode != 0:
            raise Failure(f"exit {proc.returncode}: {err.decode(errors='replace')[-500:]}")
        scenario.verify(dest)
        if check_fsck:
            fsck = run(["git", "-C", str(dest), "fsck", "--full", "--strict", "--no-progress"],
                       timeout=1800)
            if fsck.returncode != 0:
                raise Failure(f"git fsck of {dest.name} failed: {fsck.stderr.strip()[-500:]}")
    finally:
        shutil.rmtree(dest, ignore_errors=True)
    return sample


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gitgate", default=os.environ.get("GITGATE_BIN"),
                   help="the gitgate binary (default: $GITGATE_BIN)")
    p.add_argument("--scenarios", default=",".join(SCENARIOS),
                   help=f"comma-separated subset of {','.join(SCENARIOS)}")
    p.add_argument("--runs", type=int, default=5, help="timed runs per server (default 5)")
    p.add_argument("--warmups", type=int, default=1, help="untimed runs first (default 1)")
    p.add_argument("--repos", type=Path, default=gen_repo.DEFAULT_OUT,
                   help=f"where gen_repo.py keeps the repositories (default {gen_repo.DEFAULT_OUT})")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args()
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    for s in args.scenarios:
        if s not in SCENARIOS:
            p.error(f"unknown scenario {s}")
    if args.runs < 1 or args.warmups < 0:
        p.error("--runs must be at least 1, --warmups at least 0")
    if not (args.gitgate and os.access(args.gitgate, os.X_OK)):
        p.error("give --gitgate BIN (or GITGATE_BIN)")
    return args


def main():
    args = parse_args()
    load_start = bench.loadavg()
    info = bench.machine()
    generated = args.repos.resolve()
    generated.mkdir(parents=True, exist_ok=True)
    for size in sorted({SCENARIOS[s] for s in args.scenarios}):
        gen_repo.generate(size, generated)
    work = Path(tempfile.mkdtemp(prefix="push-", dir=generated))
    servers = []
    try:
        root = work / "root"
        root.mkdir()
        key = work / "id_ed25519"
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", str(key)],
            timeout=60, check=True)
        servers.append(Sshd(work / "sshd", key.with_suffix(".pub"), root).start())
        servers.append(Gitgate(work / "gitgate", Path(args.gitgate), key.with_suffix(".pub"),
                               root, write=True).start())
        client = bench.Client(work, key)
        rows = []
        for name in args.scenarios:
            scenario = PushScenario(name, generated, work, client)
            samples, failed = bench.measure(
                scenario, servers, args.runs, args.warmups, bench.log,
                lambda sc, sv, check_fsck, _warmup: timed(sc, sv, root, check_fsck=check_fsck))
            row = {"scenario": f"push {name}", "repo": scenario.size,
                   "native": bench.summarize(samples["native"]),
                   "gitgate": bench.summarize(samples["gitgate"])}
            for server_name, reason in failed.items():
                row[f"{server_name}_note"] = "FAILED: " + " ".join(reason.split())[:80]
            rows.append(row)
            bench.log(bench.table([row]).splitlines()[-1])
        print(f"{info['date']}: {info['nproc']} × {info['cpu']}, {info['git']}, "
              f"{info['openssh']}; source {info['gitgate_rev']}; load average "
              f"{load_start} → {bench.loadavg()}; {args.runs} runs per server after "
              f"{args.warmups} warm-up, alternating\n")
        print(bench.table(rows), flush=True)
        return 1 if any("FAILED" in r.get("native_note", "") + r.get("gitgate_note", "")
                        for r in rows) else 0
    finally:
        tear_down(servers, work, args.keep, bench.log)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as e:
        bench.log(f"push_bench.py: {e}")
        sys.exit(2)
