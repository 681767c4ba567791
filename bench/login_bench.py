#!/usr/bin/env python3
"""Login latency with the Git host's API against the users file.

    bench/login_bench.py --gitgate BUILD/server/gitgate            # 30 runs of each
    bench/login_bench.py --gitgate BIN --runs 50 --warmups 3

One gitgate with [auth] api_url pointing at the reference API server
(tests/e2e/host_api_server.py, on 127.0.0.1, in its own process) serves two keys: one in the
users file, one only the API knows. A second gitgate, the same but with api_cache_seconds = 60,
serves the API key again, to show what the positive cache saves. Each is timed from the
client's side, alternating key by key after warm-ups:

  ssh -T      login only: key exchange, the public-key probe and signature (the users file, or
              one POST /ssh/key), then the shell request gitgate refuses
  ls-remote   git ls-remote of a small repository: the login, then one access decision (the
              globs, or one POST /ssh/allowed) and the ref advertisement

Prints medians, min-max and the ratio API / users file. Both servers run the shipped
defaults otherwise (api_timeout_ms 2000).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402
from bench_servers import Failure, Gitgate, run, tear_down  # noqa: E402
from fixtures import make_repository  # noqa: E402  (tests/e2e, on the path via bench_servers)
from host_api_server import ApiProcess  # noqa: E402

TOKEN = "bench-token"


class Source:
    """A key and the gitgate it logs in to: what measure() calls a server."""

    def __init__(self, name, server, key):
        self.name, self.server, self.key = name, server, key


class Scenario:
    def __init__(self, name, client_env, repo_path):
        self.name, self.size = name, ""
        self.env = client_env
        self.repo_path = repo_path

    def command(self, source):
        """The argv and environment of one run: bench.py's ssh options with this key."""
        ssh = ["ssh", "-F", "/dev/null", "-i", str(source.key), "-o", "IdentitiesOnly=yes",
               "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
               "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=20",
               "-p", str(source.server.port)]
        if self.name == "ssh -T":
            return ssh + ["-T", "git@127.0.0.1"], self.env
        env = dict(self.env)
        env["GIT_SSH_COMMAND"] = " ".join(ssh)
        return ["git", "ls-remote", source.server.url(self.repo_path)], env

    def once(self, source):
        argv, env = self.command(source)
        started = time.monotonic()
        proc = run(argv, timeout=60, env=env)
        wall = time.monotonic() - started
        if self.name == "ssh -T":
            if "successfully authenticated" not in proc.stderr:
                raise Failure(f"ssh -T as {source.name}: {proc.stderr.strip()[-300:]}")
        elif proc.returncode != 0 or "refs/heads/main" not in proc.stdout:
            raise Failure(f"ls-remote as {source.name}: {proc.stderr.strip()[-300:]}")
        return {"wall": wall}


def fingerprint(public_key):
    return run(["ssh-keygen", "-l", "-E", "sha256", "-f", str(public_key)], timeout=30,
               check=True).stdout.split()[1]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gitgate", default=os.environ.get("GITGATE_BIN"),
                   help="the gitgate binary (default: $GITGATE_BIN)")
    p.add_argument("--runs", type=int, default=30, help="timed runs per key (default 30)")
    p.add_argument("--warmups", type=int, default=2, help="untimed runs first (default 2)")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args()
    if args.runs < 1 or args.warmups < 0:
        p.error("--runs must be at least 1, --warmups at least 0")
    if not (args.gitgate and os.access(args.gitgate, os.X_OK)):
        p.error("give --gitgate BIN (or GITGATE_BIN)")
    return args


def prepare(work):
    """The client's environment, the repository, the two keys, and the API server (not yet
    started) that knows the "api" key."""
    root = work / "root"
    root.mkdir()
    client_home = work / "client-home"
    client_home.mkdir()
    client_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(client_home),
                  "LANG": "C", "LC_ALL": "C", "GIT_CONFIG_NOSYSTEM": "1",
                  "GIT_TERMINAL_PROMPT": "0", "GIT_AUTHOR_NAME": "b",
                  "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
                  "GIT_COMMITTER_EMAIL": "b@b"}
    repo = make_repository(work, root / "demo" / "repo.git", client_env, big_blob_kib=4)
    keys = {}
    for name in ("file", "api"):
        keys[name] = work / f"id_{name}"
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(keys[name])],
            timeout=60, check=True)
    (work / "api.token").write_text(TOKEN + "\n")
    state = {"token": TOKEN,
             "users": {fingerprint(keys["api"].with_suffix(".pub")): {"name": "apiuser",
                                                                     "id": 1001}},
             "permissions": {"apiuser": {"read": ["*"]}}}
    api = ApiProcess(work / "api", state, lifetime=3600)
    return client_env, repo, keys, api


def main():
    args = parse_args()
    load_start = bench.loadavg()
    info = bench.machine()
    work = Path(tempfile.mkdtemp(prefix="gitgate-login-"))
    stoppable = []
    try:
        client_env, repo, keys, api = prepare(work)
        stoppable.append(api.start())
        servers = {}
        for name, cache in (("gitgate", 0), ("gitgate-cached", 60)):
            auth = (f'api_url = "{api.url}"\napi_token_file = "{work / "api.token"}"\n'
                    f"api_cache_seconds = {cache}\n")
            servers[name] = Gitgate(work / name, Path(args.gitgate),
                                    keys["file"].with_suffix(".pub"), work / "root", auth=auth)
            stoppable.append(servers[name].start())
        sources = [Source("users file", servers["gitgate"], keys["file"]),
                   Source("API", servers["gitgate"], keys["api"]),
                   Source("API, cached", servers["gitgate-cached"], keys["api"])]
        rows = []
        for name in ("ssh -T", "ls-remote"):
            scenario = Scenario(name, client_env, repo)
            samples, failed = bench.measure(scenario, sources, args.runs, args.warmups, bench.log,
                                            lambda sc, src, _fsck, _warm: sc.once(src))
            if failed:
                raise Failure(f"{name}: {failed}")
            rows.append((name, {s: bench.summarize(samples[s]) for s in samples}))
        print(f"{info['date']}: {info['nproc']} × {info['cpu']}, {info['openssh']}; source "
              f"{info['gitgate_rev']}; load average {load_start} → {bench.loadavg()}; "
              f"{args.runs} runs per key after {args.warmups} warm-ups, alternating; the API "
              f"is tests/e2e/host_api_server.py on 127.0.0.1\n")
        print("| command | users file median ms | API median ms | API / users file | "
              "API cached median ms | users file min–max ms | API min–max ms |")
        print("|---|---|---|---|---|---|---|")
        for name, s in rows:
            f, a, c = s["users file"], s["API"], s["API, cached"]
            print(f"| {name} | {f['median'] * 1000:.1f} | {a['median'] * 1000:.1f} | "
                  f"{a['median'] / f['median']:.2f}× | {c['median'] * 1000:.1f} | "
                  f"{f['min'] * 1000:.1f}–{f['max'] * 1000:.1f} | "
                  f"{a['min'] * 1000:.1f}–{a['max'] * 1000:.1f} |", flush=True)
        return 0
    finally:
        tear_down(stoppable, work, args.keep, bench.log)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as e:
        bench.log(f"login_bench.py: {e}")
        sys.exit(2)
