#!/usr/bin/env python3
"""Side-by-side benchmark: gitgate against OpenSSH's sshd + native git-upload-pack.

    bench/bench.py --gitgate /work/build/server/gitgate               # S and M, 5 runs
    bench/bench.py --gitgate BIN --sizes S,M,L --runs 7 --scenarios clone,fetch
    bench/bench.py --native-only                                      # check the native half

Both servers listen on 127.0.0.1 and serve the very same files (hard-linked
copies of the repositories bench/gen_repo.py makes). The same git client times
each scenario against both, alternating (native, gitgate, native, gitgate, ...)
after one warm-up run each, so drifts of the machine hit both alike. Server-side
cost per run: gitgate's utime+stime and VmHWM from /proc (the peak is reset
before each run through clear_refs); for native git, /usr/bin/time around the
forced command (git-upload-pack and its pack-objects) and, to count what sshd
itself spends on crypto as gitgate's figure does, the growth of the listening
sshd's cutime+cstime. Every run's refs are checked against the repository, and
one result per scenario and server passes `git fsck --full`. See bench/README.md.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_repo  # noqa: E402
from bench_servers import Failure, Gitgate, Sshd, run, tear_down  # noqa: E402

SOURCE_DIR = Path(__file__).resolve().parents[1]
SCENARIOS = ("clone", "warm", "fetch", "ls-remote", "concurrent")
CONCURRENCY = 16
FETCH_COMMITS = 10
CLIENT_TIMEOUT = {"S": 120, "M": 600, "L": 3600}


class Client:
    """The one git client both servers are timed with: clean environment, same ssh."""

    def __init__(self, work, key, protocol=None):
        self.protocol = protocol
        self.home = work / "client-home"
        self.home.mkdir()
        self.key = key
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.home),
                    "LANG": "C", "LC_ALL": "C", "GIT_CONFIG_NOSYSTEM": "1",
                    "GIT_TERMINAL_PROMPT": "0"}

    def ssh_command(self, port):
        return ["ssh", "-F", "/dev/null", "-i", str(self.key), "-o", "IdentitiesOnly=yes",
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=20",
                "-p", str(port)]

    def git_env(self, server):
        env = dict(self.env)
        env["GIT_SSH_COMMAND"] = " ".join(shlex.quote(a) for a in self.ssh_command(server.port))
        if self.protocol is not None:
            env.update(GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="protocol.version",
                       GIT_CONFIG_VALUE_0=str(self.protocol))
        return env

    def cipher(self, server, path):
        """The cipher and MAC this client negotiates with server (from ssh -v)."""
        proc = run(self.ssh_command(server.port) + ["-v", "-T", f"{server.user}@127.0.0.1",
                                                    f"git-upload-pack '{path}'"],
                   env=self.env, timeout=60)
        m = re.search(r"kex: server->client cipher: (\S+) MAC: (\S+)", proc.stderr)
        return f"{m.group(1)} (MAC {m.group(2)})" if m else "unknown"


# --- repositories ----------------------------------------------------------------------------


def git(*args, timeout=600, env=None, cwd=None):
    proc = run(["git", *args], timeout=timeout, env=env, cwd=cwd)
    if proc.returncode != 0:
        raise Failure(f"git {' '.join(args)} exited {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def refs_of(repo):
    return git("-C", str(repo), "for-each-ref", "--format=%(objectname) %(refname)")


def add_commits(repo, count):
    """count commits on top of main (a few lines changed in 3 files each), written by
    fast-import as one new pack beside the bitmapped one: the state of a server's
    repository after a push and before the next repack. Returns the new tip."""
    tip = git("-C", str(repo), "rev-parse", "refs/heads/main").strip()
    when = int(git("-C", str(repo), "log", "-1", "--format=%ct", tip).strip())
    paths = [p for p in git("-C", str(repo), "ls-tree", "-r", "--name-only", tip).splitlines()
             if "/" in p and not p.startswith("assets/")]
    stride = max(1, len(paths) // (3 * count))
    chosen = paths[::stride][:3 * count]
    stream = []
    for i in range(count):
        who = f"Bench Fetch <fetch@example.invalid> {when + 600 * (i + 1)} +0000"
        msg = f"bench: incremental change {i + 1} of {count}\n".encode()
        stream.append(f"commit refs/heads/main\nmark :{i + 1}\nauthor {who}\n"
                      f"committer {who}\ndata {len(msg)}\n".encode() + msg)
        stream.append(f"from {tip}\n".encode() if i == 0 else f"from :{i}\n".encode())
        for path in chosen[3 * i:3 * i + 3]:
            lines = run(["git", "-C", str(repo), "cat-file", "blob", f"{tip}:{path}"],
                        timeout=60, text=False).stdout.split(b"\n")
            middle = len(lines) // 2
            lines[middle:middle + 1] = [f"// incremental change {i + 1}: {path}".encode()]
            body = b"\n".join(lines)
            stream.append(f"M 100644 inline {path}\ndata {len(body)}\n".encode() + body + b"\n")
        stream.append(b"\n")
    proc = run(["git", "-C", str(repo), "fast-import", "--quiet"], input=b"".join(stream),
               timeout=300, text=False)
    if proc.returncode != 0:
        raise Failure(f"fast-import into {repo} failed: {proc.stderr!r}")
    return git("-C", str(repo), "rev-parse", "refs/heads/main").strip()


def prepare_repositories(sizes, generated, work):
    """root/<size>.git and root/<size>-fetch.git (served), clients/<size>-behind.git."""
    root, clients = work / "root", work / "clients"
    root.mkdir()
    clients.mkdir()
    repos = {}
    for size in sizes:
        info = gen_repo.generate(size, generated)
        served = root / f"{size}.git"
        fetch = root / f"{size}-fetch.git"
        for dest in (served, fetch):  # hard links: no copy, and the servers only read
            run(["cp", "-al", str(generated / f"{size}.git"), str(dest)], timeout=600,
                check=True)
        behind = clients / f"{size}-behind.git"
        git("clone", "-q", "--bare", str(served), str(behind))
        new_tip = add_commits(fetch, FETCH_COMMITS)
        repos[size] = {"info": info, "served": served, "fetch": fetch, "behind": behind,
                       "refs": refs_of(served), "fetch_refs": refs_of(fetch), "new_tip": new_tip,
                       "ls_remote": git("ls-remote", str(served))}
    return root, repos


# --- scenarios -------------------------------------------------------------------------------


class Scenario:
    """One timed operation: setup (untimed) → command (timed) → verify (untimed)."""

    def __init__(self, name, size, repo, client, scratch):
        self.name, self.size, self.repo, self.client = name, size, repo, client
        self.scratch = scratch
        # 16 clones share the machine's cores: give them the time of several
        self.timeout = CLIENT_TIMEOUT[size] * (4 if name == "concurrent" else 1)
        self.requests = CONCURRENCY if name == "concurrent" else 1
        self.counter = 0

    def dest(self, tag):
        self.counter += 1
        return self.scratch / f"{self.name}-{self.size}-{tag}-{self.counter}.git"

    def commands(self, server):
        """(setup done) a list of (argv, dest) to run at once; timed together."""
        url = server.url(self.repo["fetch" if self.name == "fetch" else "served"])
        if self.name in ("clone", "warm"):
            dest = self.dest(server.name)
            return [(["git", "clone", "-q", "--bare", url, str(dest)], dest)]
        if self.name == "concurrent":
            dests = [self.dest(f"{server.name}-{i}") for i in range(CONCURRENCY)]
            return [(["git", "clone", "-q", "--bare", url, str(d)], d) for d in dests]
        if self.name == "fetch":
            dest = self.dest(server.name)
            git("clone", "-q", "--bare", str(self.repo["behind"]), str(dest))
            return [(["git", "-C", str(dest), "fetch", "-q", url, "+refs/heads/*:refs/heads/*"],
                     dest)]
        return [(["git", "ls-remote", url], None)]

    def verify(self, dest, stdout):
        if self.name == "ls-remote":
            if stdout != self.repo["ls_remote"]:
                raise Failure("ls-remote output differs from the repository's refs")
            return
        expected = self.repo["fetch_refs" if self.name == "fetch" else "refs"]
        got = refs_of(dest)
        if self.name == "fetch":
            heads = "".join(line + "\n" for line in expected.splitlines() if "refs/heads/" in line)
            got = "".join(line + "\n" for line in got.splitlines() if "refs/heads/" in line)
            expected = heads
        if got != expected:
            raise Failure(f"refs of {dest.name} differ from the served repository's")

    def check_cache(self, server, sample, warmup):
        """gitgate's access-log cache labels for this run: a timed warm clone must be
        cache:hit; a cold scenario (cache off) must carry no label or cache:miss. The
        warm scenario's warm-ups fill the cache and are not checked."""
        if server.name != "gitgate" or (self.name == "warm" and warmup):
            return
        labels = sample.get("cache") or []
        if len(labels) < self.requests:
            raise Failure(f"{len(labels)} access-log o-lines for {self.requests} requests")
        if self.name == "warm" and any(label != "cache:hit" for label in labels):
            raise Failure(f"warm clone not served from the cache: {labels}")
        if self.name != "warm" and any(label not in (None, "cache:miss") for label in labels):
            raise Failure(f"cold run served from the cache: {labels}")

    def fsck(self, dest):
        proc = run(["git", "-C", str(dest), "fsck", "--full", "--no-progress"],
                   timeout=max(600, self.timeout))
        if proc.returncode != 0:
            raise Failure(f"git fsck --full of {dest.name} failed: {proc.stderr.strip()[-500:]}")


def timed(scenario, server, check_fsck, warmup):
    """One run: returns {"wall", "cpu", "cpu_all", "rss_kib", "protocols"}."""
    jobs = scenario.commands(server)
    env = scenario.client.git_env(server)
    probe = server.begin()
    started = time.monotonic()
    procs = [subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, start_new_session=True)
             for argv, _ in jobs]
    outputs = []
    try:
        for proc in procs:
            left = max(1.0, started + scenario.timeout - time.monotonic())
            outputs.append(proc.communicate(timeout=left))
    except subprocess.TimeoutExpired:
        raise Failure(f"timed out after {scenario.timeout} s") from None
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    wall = time.monotonic() - started
    sample = server.end(probe, scenario.requests)
    sample["wall"] = wall
    try:
        scenario.check_cache(server, sample, warmup)
        for proc, (out, err), (_, dest) in zip(procs, outputs, jobs):
            if proc.returncode != 0:
                raise Failure(f"exit {proc.returncode}: {err.decode(errors='replace')[-500:]}")
            scenario.verify(dest, out.decode(errors="replace"))
        if check_fsck and jobs[0][1] is not None:
            scenario.fsck(jobs[0][1])
    finally:
        for _, dest in jobs:
            if dest is not None:
                shutil.rmtree(dest, ignore_errors=True)
    return sample


def measure(scenario, servers, runs, warmups, log, run_once=None):
    """Warm-up, then runs alternating between the servers; samples per server name.
    run_once(scenario, server, check_fsck, warmup) times one run (default: timed)."""
    run_once = run_once or (lambda sc, sv, check_fsck, warmup:
                            timed(sc, sv, check_fsck=check_fsck, warmup=warmup))
    samples = {s.name: [] for s in servers}
    failed = {}
    for i in range(-warmups, runs):
        for server in servers:
            if server.name in failed:
                continue
            try:
                sample = run_once(scenario, server, i == 0, i < 0)
            except Failure as e:
                failed[server.name] = str(e)
                log(f"  {scenario.name} {scenario.size} {server.name}: FAILED: {e}")
                continue
            if i >= 0:
                samples[server.name].append(sample)
            log(f"  {scenario.name} {scenario.size} {server.name} "
                f"{'warm-up' if i < 0 else f'run {i + 1}/{runs}'}: {sample['wall']:.3f} s")
    return samples, failed


# --- report ----------------------------------------------------------------------------------


def summarize(samples):
    if not samples:
        return None
    walls = [s["wall"] for s in samples]
    cpu = [s["cpu"] for s in samples if s.get("cpu") is not None]
    cpu_all = [s["cpu_all"] for s in samples if s.get("cpu_all") is not None]
    rss = [s["rss_kib"] for s in samples if s.get("rss_kib") is not None]
    protocols = sorted({p for s in samples for p in s.get("protocols", ())})
    return {"median": statistics.median(walls), "min": min(walls), "max": max(walls),
            "cpu": statistics.median(cpu) if cpu else None,
            "cpu_all": statistics.median(cpu_all) if cpu_all else None,
            "rss_mib": max(rss) / 1024 if rss else None, "protocols": protocols,
            "walls": walls}


def fmt(value, spec="{:.3f}"):
    return "–" if value is None else spec.format(value)


def table(rows):
    head = ["scenario", "repo", "native median s", "gitgate median s", "gitgate/native",
            "native min–max s", "gitgate min–max s", "native CPU s (git / +sshd)",
            "gitgate CPU s", "native peak RSS MiB", "gitgate peak RSS MiB"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        n, g = row["native"], row["gitgate"]
        ratio = (f"{g['median'] / n['median']:.2f}×" if n and g and n["median"] > 0 else "–")
        cells = [row["scenario"], row["repo"],
                 fmt(n and n["median"]) if n else row.get("native_note", "–"),
                 fmt(g and g["median"]) if g else row.get("gitgate_note", "–"), ratio,
                 f"{n['min']:.3f}–{n['max']:.3f}" if n else "–",
                 f"{g['min']:.3f}–{g['max']:.3f}" if g else "–",
                 f"{fmt(n['cpu'], '{:.2f}')} / {fmt(n['cpu_all'], '{:.2f}')}" if n else "–",
                 fmt(g["cpu"], "{:.2f}") if g else "–",
                 fmt(n["rss_mib"], "{:.0f}") if n else "–",
                 fmt(g["rss_mib"], "{:.0f}") if g else "–"]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def machine():
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    ssh = run(["ssh", "-V"], timeout=30).stderr.strip()
    rev = run(["git", "-C", str(SOURCE_DIR), "describe", "--always", "--dirty"],
              timeout=30).stdout.strip()
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "nproc": os.cpu_count(),
            "cpu": model, "mem_mib": mem, "kernel": os.uname().release,
            "git": run(["git", "--version"], timeout=30).stdout.strip(), "openssh": ssh,
            "gitgate_rev": rev or "unknown"}


# --- main ------------------------------------------------------------------------------------


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gitgate", default=os.environ.get("GITGATE_BIN"),
                   help="the gitgate binary (default: $GITGATE_BIN)")
    p.add_argument("--native-only", action="store_true", help="run only the OpenSSH side")
    p.add_argument("--sizes", default="S,M", help="comma-separated: S, M, L (default S,M)")
    p.add_argument("--runs", type=int, default=5, help="timed runs per server (default 5)")
    p.add_argument("--warmups", type=int, default=1,
                   help="untimed runs per server before the timed ones (default 1)")
    p.add_argument("--concurrent-runs", type=int,
                   help="timed runs of the concurrent scenario (default: --runs)")
    p.add_argument("--scenarios", default=",".join(SCENARIOS),
                   help=f"comma-separated subset of {','.join(SCENARIOS)}")
    p.add_argument("--repos", type=Path, default=gen_repo.DEFAULT_OUT,
                   help="where gen_repo.py keeps the repositories "
                   f"(default {gen_repo.DEFAULT_OUT})")
    p.add_argument("--protocol", type=int, choices=(0, 1, 2),
                   help="the client's protocol.version (default: git's own default, 2)")
    p.add_argument("--json", type=Path, help="also write every sample to this file")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args()
    args.sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    for s in args.sizes:
        if s not in gen_repo.SIZES:
            p.error(f"unknown size {s}")
    for s in args.scenarios:
        if s not in SCENARIOS:
            p.error(f"unknown scenario {s}")
    if args.concurrent_runs is None:
        args.concurrent_runs = args.runs
    if min(args.runs, args.concurrent_runs) < 1 or args.warmups < 0:
        p.error("--runs and --concurrent-runs must be at least 1, --warmups at least 0")
    if not args.native_only and not (args.gitgate and os.access(args.gitgate, os.X_OK)):
        p.error("give --gitgate BIN (or GITGATE_BIN), or --native-only")
    return args


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def loadavg():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run_scenarios(args, repos, servers, client, scratch):
    """Every scenario × size: one table row each. servers: "cold" (native and gitgate with
    the pack cache off) and "warm" (native and gitgate with the cache on), by scenario."""
    rows, raw = [], []
    for name in args.scenarios:
        pair = servers["warm" if name == "warm" else "cold"]
        # the warm scenario needs its untimed clone to fill the cache
        warmups = max(1, args.warmups) if name == "warm" else args.warmups
        sizes = args.sizes if name != "concurrent" else [s for s in args.sizes if s == "M"]
        if name == "concurrent" and not sizes:
            log("concurrent: runs on M only; M is not among --sizes")
        for size in sizes:
            scenario = Scenario(name, size, repos[size], client, scratch)
            runs = args.concurrent_runs if name == "concurrent" else args.runs
            samples, failed = measure(scenario, pair, runs, warmups, log)
            label = {"concurrent": f"{CONCURRENCY} concurrent clones",
                     "warm": "clone, warm (pack cache)"}.get(name, name)
            row = {"scenario": label, "repo": size, "native": summarize(samples["native"]),
                   "gitgate": summarize(samples.get("gitgate", []))}
            for server_name, reason in failed.items():
                row[server_name] = None
                row[f"{server_name}_note"] = "FAILED: " + " ".join(reason.split())[:80]
            if args.native_only:
                row["gitgate_note"] = "not run"
            rows.append(row)
            raw.append({"scenario": name, "size": size, "samples": samples, "failed": failed})
            log(table([row]).splitlines()[-1])  # each row as soon as it is known
            if args.json:  # partial results survive an interrupted run
                args.json.write_text(json.dumps({"rows": rows, "raw": raw}, indent=1,
                                                default=str) + "\n")
    return rows, raw


def report(args, info, ciphers, repos, rows):
    protocols = {k: sorted({p for r in rows if r.get(k) for p in r[k]["protocols"]})
                 for k in ("native", "gitgate")}
    return "\n".join([
        f"{info['date']}: {info['nproc']} × {info['cpu']}, {info['mem_mib']} MiB, "
        f"Linux {info['kernel']}; {info['git']}; {info['openssh']}",
        f"gitgate: {info['gitgate_bin']}; source tree at the start: {info['gitgate_rev']}",
        f"load average at start {info['load_start']}, at end {info['load_end']}",
        "ciphers: " + ", ".join(f"{k} {v}" for k, v in ciphers.items()),
        "protocols: " + ", ".join(f"{k} {v}" for k, v in protocols.items()),
        "repositories: " + "; ".join(
            f"{s} {r['info']['objects']} objects, pack {r['info']['pack_bytes'] / 1e6:.1f} MB, "
            f"{r['info']['refs']} refs" for s, r in repos.items()),
        f"runs: {args.runs} per server ({args.concurrent_runs} for concurrent clones) after "
        f"{args.warmups} warm-up each, alternating native/gitgate", "", table(rows)])


def main():
    args = parse_args()

    def on_term(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)

    load_start = loadavg()
    info = machine()  # the source tree's revision now, not after a long run
    if not args.native_only:
        built = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(os.stat(args.gitgate).st_mtime))
        info["gitgate_bin"] = f"{args.gitgate} (built {built})"
    else:
        info["gitgate_bin"] = "not run"
    generated = args.repos.resolve()
    generated.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=generated))
    servers = []
    try:
        log(f"work directory {work}; load average {load_start}")
        root, repos = prepare_repositories(args.sizes, generated, work)
        key = work / "id_ed25519"
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", str(key)],
            timeout=60, check=True)
        servers.append(Sshd(work / "sshd", key.with_suffix(".pub"), root).start())
        if not args.native_only:
            servers.append(Gitgate(work / "gitgate", Path(args.gitgate), key.with_suffix(".pub"),
                                   root, cache=False).start())
        client = Client(work, key, args.protocol)
        smallest = repos[args.sizes[0]]["served"]
        ciphers = {s.name: client.cipher(s, s.path(smallest)) for s in servers}
        pairs = {"cold": list(servers), "warm": list(servers[:1])}
        if not args.native_only and "warm" in args.scenarios:
            # a second gitgate, pack cache on, serving only the warm scenario
            servers.append(Gitgate(work / "gitgate-warm", Path(args.gitgate),
                                   key.with_suffix(".pub"), root, cache=True).start())
            pairs["warm"].append(servers[-1])
        (work / "scratch").mkdir()
        rows, raw = run_scenarios(args, repos, pairs, client, work / "scratch")
        info.update(load_start=load_start, load_end=loadavg())
        print(report(args, info, ciphers, repos, rows), flush=True)
        if args.json:
            args.json.write_text(json.dumps({"machine": info, "ciphers": ciphers, "rows": rows,
                                             "raw": raw}, indent=1, default=str) + "\n")
        return 1 if any(r.get("native_note", "").startswith("FAILED") or
                        r.get("gitgate_note", "").startswith("FAILED") for r in rows) else 0
    finally:
        tear_down(servers, work, args.keep, log)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as e:
        log(f"bench.py: {e}")
        sys.exit(2)
