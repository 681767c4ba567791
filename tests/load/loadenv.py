"""What the load tests share, on top of the e2e harness (tests/e2e/harness.py, imported).

LoadEnv is harness.Env with the shipped defaults: its gitgate.toml carries the [limits]
section of examples/gitgate.toml as it is, and its header timeout. The one difference, the
trusted list: only the balancer's source address (127.0.0.3), because the load tests' clients
bind addresses all over 127.0.0.0/8, which the shipped list trusts as balancers.

Addresses: gitgate listens on 127.0.0.1 and haproxy connects from 127.0.0.3, as in the e2e
tests; clients bind 127.0.0.2 (the legitimate one) and 127.0.1.x, 127.0.2.x, 127.0.1x.y
(the crowds). Everything is on loopback, every wait is bounded, and every process is in its
own process group, killed when the Env closes.
"""

import os
import resource
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
import harness  # noqa: E402
from harness import (LB_ADDR, make_big_repository, NODE_ID, REPO, SERVER_HOST, kill_group,  # noqa: E402,F401
                     parse_access_line, run, toml_list, toml_string, wait_until)

EXAMPLE_CONFIG = harness.SOURCE_DIR / "examples" / "gitgate.toml"
ACCESS_FIELDS = 13


def shipped_config():
    with open(EXAMPLE_CONFIG, "rb") as f:
        return tomllib.load(f)


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return toml_list(value)
    return toml_string(value)


def raise_descriptor_limit(needed):
    """Raises this process's RLIMIT_NOFILE (and so its children's) to the hard limit;
    skips the test when the hard limit is below needed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise harness.unittest.SkipTest(f"RLIMIT_NOFILE hard limit {hard} < {needed}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# --- /proc ------------------------------------------------------------------------------------

def proc_status(pid):
    """/proc/PID/status as a dict of strings."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        out[key] = value.strip()
    return out


def threads_of(pid):
    return int(proc_status(pid)["Threads"])


def fds_of(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def kib_of(pid, field):
    """VmHWM, VmRSS, ... in KiB."""
    return int(proc_status(pid)[field].split()[0])


# --- the access log ---------------------------------------------------------------------------

def torn_lines(text):
    """The lines of an access log that are not whole: not 13 fields joined by ' | ' and
    ending with ' |', or not matching the format, or a last line without its newline."""
    bad = []
    lines = text.split("\n")
    if lines and lines[-1] != "":
        bad.append(("no newline at the end", lines[-1]))
    for line in lines[:-1]:
        if not line.endswith(" |") or len(line[:-2].split(" | ")) != ACCESS_FIELDS:
            bad.append(("field count", line))
        elif parse_access_line(line) is None:
            bad.append(("format", line))
    return bad


def request_id(record):
    return "x".join(record[k] for k in ("node", "minute", "counter", "concurrent"))


def unpaired(lines):
    """Request ids with an i-line but no o-line, or an o-line but no i-line, or more than
    one of either."""
    seen = {}
    for line in lines:
        rec = parse_access_line(line)
        if rec is None:
            continue
        seen.setdefault(request_id(rec), []).append(rec["kind"])
    return {rid: kinds for rid, kinds in seen.items() if sorted(kinds) != ["i", "o"]}


def records(lines):
    out = []
    for line in lines:
        rec = parse_access_line(line)
        if rec is not None:
            rec["line"] = line
            out.append(rec)
    return out


# --- fixtures ---------------------------------------------------------------------------------

def still_open(sock):
    """False once the server (or haproxy) closed the connection; reads what it sent."""
    try:
        while True:
            if sock.recv(65536) == b"":
                return False
    except BlockingIOError:
        return True
    except OSError:
        return False


class LoadEnv(harness.Env):
    """harness.Env with the shipped [limits]; extra_server: more [server] settings."""

    def write_config(self, extra_server=None, access_log=None, trusted=(LB_ADDR + "/32",)):
        shipped = shipped_config()
        if access_log is not None:
            self.access_log_path = Path(access_log)
        server = "".join(f"{k} = {toml_value(v)}\n" for k, v in (extra_server or {}).items())
        limits = "".join(f"{k} = {toml_value(v)}\n"
                         for k, v in shipped.get("limits", {}).items())
        super().write_config(trusted=trusted,
                             header_timeout_ms=shipped["proxy_protocol"].get("header_timeout_ms",
                                                                             5000),
                             listen=(f"{SERVER_HOST}:0",), extra_server=server,
                             extra_tables="\n[limits]\n" + limits)
        self.config_args = dict(listen=None)  # harness.Gitgate waits for one listen line

    def setup(self, extra_server=None, access_log=None, haproxy=False):
        """demo/repo.git, user alice, gitgate with the shipped limits, and haproxy
        (send-proxy-v2) in front when asked."""
        self.add_repository()
        self.alice = self.add_user("alice", 2)
        self.write_users()
        self.write_config(extra_server=extra_server, access_log=access_log)
        self.start_gitgate()
        if haproxy:
            self.start_haproxy("send-proxy-v2")
        return self

    @property
    def pid(self):
        return self.gitgate.popen.pid

    def ssh_from(self, source, port, extra=()):
        """The ssh command line of the e2e harness, bound to source."""
        cmd = self.ssh_command(self.alice["key"], port, extra)
        cmd[cmd.index("-b") + 1] = source
        return cmd

    def spawn_git(self, args, source=harness.CLIENT_ADDR, via="send-proxy-v2", cwd=None):
        """git ARGS with its ssh bound to source, in its own process group; stdout and stderr
        piped (text)."""
        env = dict(self.env)
        env["GIT_SSH_COMMAND"] = " ".join(self.ssh_from(source, self.port_for(via)))
        proc = subprocess.Popen(["git"] + list(args), env=env, cwd=cwd,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.processes.append(proc)
        return proc

    def ls_remote(self, source=harness.CLIENT_ADDR, via="send-proxy-v2", timeout=30):
        """Runs git ls-remote; returns (CompletedProcess-like, wall seconds)."""
        start = time.monotonic()
        proc = self.spawn_git(["ls-remote", self.url(self.port_for(via))], source, via)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            out, err = proc.communicate()
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), \
            time.monotonic() - start

    def access_text(self):
        try:
            return self.access_log_path.read_bytes().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_paired(self, timeout=30):
        """Waits until every i-line has its o-line; returns what is still unpaired."""
        wait_until(lambda: not unpaired(self.access_lines()), timeout, interval=0.2)
        return unpaired(self.access_lines())


def pipe_through(cmd, env, chunks, timeout):
    """Runs cmd, writing chunks (an iterable of bytes) to its stdin from a thread while
    reading its stdout and stderr; stops writing at the first broken pipe. Returns
    (returncode, stdout, stderr, bytes_written); kills the process group at timeout."""
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    out, err, sent = [], [], [0]

    def write():
        try:
            for chunk in chunks:
                proc.stdin.write(chunk)
                sent[0] += len(chunk)
            proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass
        finally:
            try:
                proc.stdin.close()
            except OSError:
                pass

    def read(stream, into):
        for block in iter(lambda: stream.read(65536), b""):
            into.append(block)

    workers = [threading.Thread(target=write, daemon=True),
               threading.Thread(target=read, args=(proc.stdout, out), daemon=True),
               threading.Thread(target=read, args=(proc.stderr, err), daemon=True)]
    for w in workers:
        w.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
    for w in workers:
        w.join(timeout=5)
    proc.stdout.close()
    proc.stderr.close()
    return proc.returncode, b"".join(out), b"".join(err), sent[0]

