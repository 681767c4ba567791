#!/usr/bin/env python3
"""What a pre-authentication connection costs gitgate: threads, descriptors and resident
memory per held connection.

Starts gitgate with the shipped [limits] (examples/gitgate.toml, through tests/load's LoadEnv)
behind the real haproxy (docker/haproxy.cfg, send-proxy-v2), measures its baseline (Threads,
/proc/PID/fd, VmRSS), then for each N holds N silent TCP connections, each from its own
127.0.x.y address, directly to gitgate and then through haproxy, and prints the deltas divided
by the connections gitgate actually kept open. Everything on loopback; gitgate and haproxy are
killed at the end.

    bench/preauth_footprint.py --gitgate BUILD/server/gitgate [--counts 100,500,1000]
"""

import argparse
import os
import select
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "load"))
import loadenv  # noqa: E402  (the load tests' environment, on the e2e harness)
from loadenv import (SERVER_HOST, fds_of, kib_of, still_open, threads_of,  # noqa: E402
                     wait_until)

SETTLE_S = 10  # bound on waiting for gitgate's descriptor count to stop moving


def source(i):
    """127.0.20.1 onwards: one address per connection."""
    return f"127.0.{20 + i // 250}.{i % 250 + 1}"


def hold(port, n):
    """n silent connections, each from its own address; returns the sockets once connected."""
    socks = []
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((source(i), 0))
        s.connect_ex((SERVER_HOST, port))
        socks.append(s)
    poller = select.poll()
    pending = {s.fileno() for s in socks}
    for fd in pending:
        poller.register(fd, select.POLLOUT)
    deadline = time.monotonic() + 30
    while pending and time.monotonic() < deadline:
        for fd, _ in poller.poll(200):
            pending.discard(fd)
            poller.unregister(fd)
    return socks


def settle(pid):
    """Waits until gitgate's fd count is the same twice 0.5 s apart (bounded)."""
    last = [-1]

    def stable():
        now = fds_of(pid)
        same = now == last[0]
        last[0] = now
        return same
    wait_until(stable, SETTLE_S, interval=0.5)


def sample(pid):
    return threads_of(pid), fds_of(pid), kib_of(pid, "VmRSS")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gitgate", required=True, help="the gitgate binary")
    ap.add_argument("--counts", default="100,500,1000")
    args = ap.parse_args()
    os.environ["GITGATE_BIN"] = str(Path(args.gitgate).resolve())
    counts = [int(c) for c in args.counts.split(",")]
    loadenv.raise_descriptor_limit(max(counts) + 1024)

    env = loadenv.LoadEnv("preauth-footprint")
    try:
        env.setup(haproxy=True)
        pid = env.pid
        limits = loadenv.shipped_config().get("limits", {})
        print(f"gitgate pid {pid}; [limits] as shipped: {limits}")
        settle(pid)
        base = sample(pid)
        print(f"baseline: {base[0]} threads, {base[1]} fds, {base[2]} KiB VmRSS\n")
        print("| path | N | held | threads | fds | VmRSS KiB | threads/held | fds/held "
              "| KiB/held |")
        print("|---|---|---|---|---|---|---|---|---|")
        for n in counts:
            for via, port in (("direct", env.gitgate.port),
                              ("haproxy", env.port_for("send-proxy-v2"))):
                socks = hold(port, n)
                try:
                    settle(pid)
                    t, f, r = sample(pid)
                    held = sum(1 for s in socks if still_open(s))
                    per = [(x - b) / held if held else float("nan")
                           for x, b in zip((t, f, r), base)]
                    print(f"| {via} | {n} | {held} | {t} | {f} | {r} | {per[0]:.2f} | "
                          f"{per[1]:.2f} | {per[2]:.1f} |", flush=True)
                finally:
                    for s in socks:
                        s.close()
                if not wait_until(lambda: fds_of(pid) <= base[1] + 4, 30, interval=0.2):
                    print(f"warning: gitgate still holds {fds_of(pid)} fds 30 s after the "
                          f"connections closed (baseline {base[1]})")
    finally:
        env.close()


if __name__ == "__main__":
    main()
