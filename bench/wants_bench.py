#!/usr/bin/env python3
"""Many unadvertised-but-reachable wants in one fetch: gitgate's upload-pack against
native `git upload-pack`, side by side (issue 9, "Bounded requests").

    bench/wants_bench.py --upload-pack-stdio BUILD/tests/upload_pack_stdio
    bench/wants_bench.py --upload-pack-stdio BIN --wants 1000 --runs 9 --protocol 2 --pack none

Both servers read the same request bytes on stdin and write to /dev/null, in
alternating runs: gitgate through tests/upload_pack_stdio (serve_upload_pack over
stdin/stdout), native git as `git upload-pack --stateless-rpc` with
uploadpack.allowReachableSHA1InWant (which v0 needs to accept such wants; native v2
does not check reachability at all, gitgate does). The wants are commits evenly spaced
over `rev-list --all` that no ref points at. --pack none also sends every ref tip as a
have, so the pack is nearly empty and the want check dominates; --pack full sends no
haves, so the pack holds what the wants reach. Prints medians and the ratio; asserts
nothing about time.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


def pkt(text):
    data = text.encode()
    return b"%04x" % (len(data) + 4) + data


def request(protocol, wants, haves):
    """The client's request, after the advertisement (v2: one fetch command)."""
    if protocol == 2:
        out = pkt("command=fetch\n") + pkt("agent=wants-bench\n") + pkt("object-format=sha1\n")
        out += b"0001" + b"".join(pkt(f"want {w}\n") for w in wants)
        out += b"".join(pkt(f"have {h}\n") for h in haves)
        return out + pkt("no-progress\n") + pkt("ofs-delta\n") + pkt("done\n") + b"0000"
    first = pkt(f"want {wants[0]} multi_ack_detailed side-band-64k ofs-delta no-progress\n")
    out = first + b"".join(pkt(f"want {w}\n") for w in wants[1:]) + b"0000"
    return out + b"".join(pkt(f"have {h}\n") for h in haves) + pkt("done\n")


def pick_wants(repo, count):
    tips = {line.split()[0] for line in git(repo, "show-ref", "--head", "-d").splitlines()}
    commits = [c for c in git(repo, "rev-list", "--all").split() if c not in tips]
    if len(commits) < count:
        sys.exit(f"only {len(commits)} unadvertised commits in {repo}")
    step = len(commits) / count
    return [commits[int(i * step)] for i in range(count)], sorted(tips)


def servers(args, repo):
    env = dict(os.environ, GIT_PROTOCOL=f"version={args.protocol}")
    return {
        "gitgate": ([args.upload_pack_stdio, str(repo)], env),
        "native": (["git", "-c", "uploadpack.allowReachableSHA1InWant=true", "upload-pack",
                    "--stateless-rpc", str(repo)], env),
    }


def run_once(command, env, request_file, check=False):
    with open(request_file, "rb") as stdin:
        start = time.perf_counter()
        done = subprocess.run(command, stdin=stdin, capture_output=check,
                              stdout=None if check else subprocess.DEVNULL, env=env)
        elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{command[0]} exited {done.returncode}: {done.stderr!r}")
    if check and b"PACK" not in done.stdout:
        sys.exit(f"{command[0]} sent no pack: {done.stdout[-300:]!r}")
    return elapsed


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--upload-pack-stdio", required=True, help="BUILD/tests/upload_pack_stdio")
    p.add_argument("--repo", type=Path,
                   default=Path(os.environ.get("GITGATE_BENCH_DIR", "/var/tmp/gitgate-bench"))
                   / "M.git", help="a repository (default: gen_repo.py's M, made if missing)")
    p.add_argument("--wants", type=int, default=1000)
    p.add_argument("--runs", type=int, default=9)
    p.add_argument("--protocol", type=int, choices=(0, 2), default=2)
    p.add_argument("--pack", choices=("none", "full"), default="none")
    args = p.parse_args()
    if not args.repo.exists():
        subprocess.run([sys.executable, str(HERE / "gen_repo.py"), "M", "--out",
                        str(args.repo.parent)], check=True)
    wants, tips = pick_wants(args.repo, args.wants)
    haves = tips if args.pack == "none" else []
    with tempfile.NamedTemporaryFile(prefix="wants-bench-", suffix=".req") as f:
        f.write(request(args.protocol, wants, haves))
        f.flush()
        chosen = servers(args, args.repo)
        for command, env in chosen.values():  # warm-up, and both must serve a pack
            run_once(command, env, f.name, check=True)
        samples = {name: [] for name in chosen}
        for _ in range(args.runs):  # alternating, so drift hits both alike
            for name, (command, env) in chosen.items():
                samples[name].append(run_once(command, env, f.name))
    commits = git(args.repo, "rev-list", "--all", "--count").strip()
    print(f"{args.repo} ({commits} commits, {len(tips)} advertised ids), protocol {args.protocol}, "
          f"{len(wants)} unadvertised wants, {len(haves)} haves, {args.runs} runs")
    medians = {name: statistics.median(s) for name, s in samples.items()}
    for name, s in samples.items():
        print(f"  {name:8} median {medians[name]:.3f} s  (min {min(s):.3f}, max {max(s):.3f})")
    print(f"  ratio gitgate/native: {medians['gitgate'] / medians['native']:.2f}")


if __name__ == "__main__":
    main()
