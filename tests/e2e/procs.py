"""Process helpers shared by the end-to-end tests (harness.py) and the benchmark
(bench/bench_servers.py): a free loopback port, polling with a deadline, and stopping a
process group."""

import os
import signal
import socket
import subprocess
import time

SERVER_HOST = "127.0.0.1"


def free_port(host=SERVER_HOST):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, interval=0.05):
    """Polls predicate() until it returns a truthy value or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def kill_group(popen, grace=5):
    """SIGTERM to the process group, SIGKILL after grace seconds; reaps."""
    if popen is None or popen.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        try:
            os.killpg(popen.pid, sig)
        except ProcessLookupError:
            return
        try:
            popen.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
