#!/usr/bin/env python3
"""Server CPU per SSH handshake (key exchange + public-key authentication), per key exchange
method: what [ssh] kex costs gitgate for each connection, before anyone is authenticated.

Two gitgate processes on 127.0.0.1 (PROXY protocol off, an ed25519 host key, one user):
"defaults" with the shipped [ssh] lists, "libssh" with kex set to libssh 0.10's own default
list (what gitgate offered before [ssh] existed, finite-field Diffie-Hellman included). For
each case, --runs runs of --handshakes (--dh-handshakes) sequential `ssh` connections (OpenSSH client, forced to
one kex method or left at its default) that authenticate and ask for a repository that does
not exist; the server's utime+stime from /proc/<pid>/stat over a run, divided by the
handshakes, is one sample. Every handshake must have authenticated (gitgate's "authenticated"
lines are counted), and a method outside the defaults must be refused by them.

  bench/handshake_bench.py --gitgate BUILD/server/gitgate [--handshakes 200]
                           [--dh-handshakes 20] [--runs 5]
"""

import argparse
import datetime
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from procs import kill_group, wait_until  # noqa: E402  (the e2e tests' helpers)
from bench_servers import proc_stat, run  # noqa: E402

HOST = "127.0.0.1"
# libssh 0.10.6's DEFAULT_KEY_EXCHANGE (src/kex.c): what a bind without [ssh] kex offers.
LIBSSH_KEX = ["curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256",
              "ecdh-sha2-nistp384", "ecdh-sha2-nistp521", "diffie-hellman-group18-sha512",
              "diffie-hellman-group16-sha512", "diffie-hellman-group-exchange-sha256",
              "diffie-hellman-group14-sha256"]
# (server, client KexAlgorithms or None for the client's default)
CASES = [("defaults", None), ("defaults", "curve25519-sha256"),
         ("defaults", "ecdh-sha2-nistp256"), ("defaults", "ecdh-sha2-nistp521"),
         ("libssh", "diffie-hellman-group14-sha256"), ("libssh", "diffie-hellman-group18-sha512"),
         ("libssh", "diffie-hellman-group-exchange-sha256")]
AUTH_RE = re.compile(r"authenticated alice")
LISTEN_RE = re.compile(r"listening on 127\.0\.0\.1:(\d+)")


class Server:
    def __init__(self, gitgate, work, name, ssh_table):
        self.dir = work / name
        self.dir.mkdir()
        (self.dir / "repos").mkdir()
        self.stderr_path = self.dir / "stderr"
        config = self.dir / "gitgate.toml"
        config.write_text(f'[server]\nlisten = ["{HOST}:0"]\nrepositories = "repos"\n'
                          f'[proxy_protocol]\nmode = "off"\n[auth]\nusers = "../users.toml"\n'
                          f'[cache]\nenabled = false\n{ssh_table}')
        with open(self.stderr_path, "wb") as err:
            self.popen = subprocess.Popen([gitgate, "serve", "--config", str(config)],
                                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=err, cwd=self.dir, start_new_session=True)
        wait_until(lambda: self.popen.poll() is not None or LISTEN_RE.search(self.log()), 20)
        found = LISTEN_RE.search(self.log())
        if not found:
            raise SystemExit(f"gitgate ({name}) did not start:\n{self.log()}")
        self.port = int(found.group(1))

    def log(self):
        return self.stderr_path.read_text(errors="replace")

    def cpu(self):
        utime, stime, _, _ = proc_stat(self.popen.pid)
        return utime + stime

    def stop(self):
        kill_group(self.popen)


def ssh(key, port, kex):
    cmd = ["ssh", "-F", "/dev/null", "-i", str(key), "-o", "IdentitiesOnly=yes",
           "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
           "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-p", str(port)]
    if kex:
        cmd += ["-o", f"KexAlgorithms={kex}"]
    return run(cmd + [f"git@{HOST}", "git-upload-pack '/absent.git'"], timeout=60)


def sample(server, key, kex, handshakes):
    """Server CPU ms per handshake over one run."""
    before_auth = len(AUTH_RE.findall(server.log()))
    before = server.cpu()
    for _ in range(handshakes):
        ssh(key, server.port, kex)
    # The last session may still be closing: wait for its authentication line.
    wait_until(lambda: len(AUTH_RE.findall(server.log())) - before_auth >= handshakes, 10)
    authenticated = len(AUTH_RE.findall(server.log())) - before_auth
    if authenticated != handshakes:
        raise SystemExit(f"{kex}: {authenticated} of {handshakes} handshakes authenticated:\n"
                         f"{server.log()[-2000:]}")
    return (server.cpu() - before) * 1000 / handshakes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gitgate", required=True)
    parser.add_argument("--handshakes", type=int, default=200, help="per run, elliptic curves")
    parser.add_argument("--dh-handshakes", type=int, default=20,
                        help="per run, finite-field Diffie-Hellman (slow)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    args.gitgate = os.path.abspath(args.gitgate)
    work = Path(tempfile.mkdtemp(prefix="gitgate-handshake-bench-"))
    servers = {}
    try:
        key = work / "id_alice"
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], 30, check=True)
        pub = key.with_suffix(".pub").read_text().strip()
        (work / "users.toml").write_text(f'[[user]]\nname = "alice"\nid = 2\nkeys = ["{pub}"]\n'
                                         f'read = ["*"]\n')
        kex_list = ", ".join(f'"{k}"' for k in LIBSSH_KEX)
        servers["defaults"] = Server(args.gitgate, work, "defaults", "")
        servers["libssh"] = Server(args.gitgate, work, "libssh", f"[ssh]\nkex = [{kex_list}]\n")
        for kex in LIBSSH_KEX[5:]:  # the defaults refuse every finite-field group
            if ssh(key, servers["defaults"].port, kex).returncode == 0:
                raise SystemExit(f"the default [ssh] accepted {kex}")
        commit = run(["git", "-C", str(Path(__file__).parent), "rev-parse", "--short", "HEAD"],
                     30).stdout.strip()
        print(f"{datetime.date.today()}, commit {commit}, {os.cpu_count()} cores, "
              f"{args.runs} runs x {args.handshakes} handshakes ({args.dh_handshakes} with "
              f"finite-field DH), ed25519 host and user keys")
        print(f"{'server [ssh]':<10} {'client kex':<38} {'ms CPU/handshake':>17} "
              f"{'handshakes/s/core':>18}  samples (ms)")
        for name, kex in CASES:
            count = args.dh_handshakes if kex and kex.startswith("diffie") else args.handshakes
            samples = [sample(servers[name], key, kex, count) for _ in range(args.runs)]
            median = statistics.median(samples)
            rate = f"{1000 / median:.0f}" if median > 0 else "-"
            print(f"{name:<10} {kex or '(OpenSSH default)':<38} {median:>17.1f} {rate:>18}  "
                  + " ".join(f"{s:.1f}" for s in samples), flush=True)
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
