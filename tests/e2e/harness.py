"""Shared harness for gitgate's end-to-end tests.

Everything runs on loopback and stops by itself: one temporary directory per test
class, bare repositories made with the real git CLI, client keys made with
ssh-keygen, the real gitgate binary, the real haproxy with docker/haproxy.cfg, and
the real OpenSSH client. Every subprocess has a timeout and runs in its own
process group, which teardown kills.

Addresses: gitgate listens on 127.0.0.1; the git client's ssh binds 127.0.0.2;
haproxy connects to gitgate from 127.0.0.3. gitgate trusts 127.0.0.3 but not
127.0.0.2, so an access-log line through haproxy reads "127.0.0.2,127.0.0.3" and
a direct one "127.0.0.2".
"""

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

# Re-exported so that tests import one module.
from access_log import (ACCESS_RE, NODE_ID, AccessLogAssertions, labels_of,  # noqa: F401
                        parse_access_line, ssh_client_banner)
from fixtures import (PROCESS_TIMEOUT, generate_key, make_big_repository,  # noqa: F401
                      make_repository, run, toml_list, toml_string, users_toml)
from procs import SERVER_HOST, free_port, kill_group, wait_until  # noqa: F401
from proxy_wire import (V2_SIGNATURE, DummyProxyServer, crc32c, parse_proxy_header,  # noqa: F401
                        proxy_v1, proxy_v2)

SOURCE_DIR = Path(os.environ.get("GITGATE_SOURCE_DIR") or Path(__file__).resolve().parents[2])
HAPROXY_CFG = SOURCE_DIR / "docker" / "haproxy.cfg"
CLIENT_ADDR = "127.0.0.2"
LB_ADDR = "127.0.0.3"
REPO = "demo/repo.git"
START_TIMEOUT = 20  # seconds until gitgate prints its "listening on" line


def gitgate_bin():
    path = os.environ.get("GITGATE_BIN")
    if not path:
        raise unittest.SkipTest("GITGATE_BIN is not set (run through ctest)")
    if not os.access(path, os.X_OK):
        raise AssertionError(f"GITGATE_BIN={path} is not an executable")
    return path


def base_env(home):
    """A clean environment for git/ssh: no user or system configuration."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C",
        "LC_ALL": "C",
        "TZ": os.environ.get("TZ", "UTC"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_AUTHOR_NAME": "E2E Author",
        "GIT_AUTHOR_EMAIL": "author@example.invalid",
        "GIT_COMMITTER_NAME": "E2E Committer",
        "GIT_COMMITTER_EMAIL": "committer@example.invalid",
    }
    return env


# --- processes ------------------------------------------------------------------------------

class Gitgate:
    """gitgate serve as a subprocess; stderr and stdout go to files that the tests read."""

    LISTEN_RE = re.compile(r"listening on (\[[0-9a-fA-F:]+\]|[0-9.]+):(\d+)")
    # The [http] endpoint's line, written before the "listening on" lines.
    HTTP_RE = re.compile(r"http: GET /metrics, /health, /ready on (\[[0-9a-fA-F:]+\]|[0-9.]+):(\d+)")

    def __init__(self, env, config_path):
        self.env = env
        self.config_path = config_path
        self.stderr_path = env.tmp / "gitgate.stderr"
        self.stdout_path = env.tmp / "gitgate.stdout"
        self.popen = None
        self.port = None
        self.http_port = None
        self.extra_env = {}  # more environment for gitgate (NOTIFY_SOCKET)

    def start(self):
        """Starts gitgate (again, after stop()) and waits for its first "listening on" line
        of this run; self.port is that line's port, self.ports all of them."""
        binary = gitgate_bin()
        offset = len(self.stderr())  # the file is appended to across restarts
        with open(self.stderr_path, "ab") as err, open(self.stdout_path, "ab") as out:
            self.popen = subprocess.Popen(
                [binary, "serve", "--config", str(self.config_path)], stdin=subprocess.DEVNULL,
                stdout=out, stderr=err, env={**base_env(self.env.home), **self.extra_env},
                cwd=self.env.tmp,
                start_new_session=True)
        self.env.processes.append(self.popen)
        # One "listening on" line per listen address of the config write_config wrote.
        listen = getattr(self.env, "config_args", {}).get("listen")
        expected = len(listen) if listen else 1
        wait_until(lambda: self.popen.poll() is not None or
                   len(self.LISTEN_RE.findall(self.stderr()[offset:])) >= expected, START_TIMEOUT)
        found = self.LISTEN_RE.findall(self.stderr()[offset:])
        if not found:
            state = (f"exited with {self.popen.returncode}" if self.popen.poll() is not None
                     else f"no 'listening on' line within {START_TIMEOUT} s")
            kill_group(self.popen)
            raise AssertionError(f"gitgate serve {state}; stderr:\n{self.stderr()[offset:]}")
        self.ports = [(host, int(port)) for host, port in found]
        self.port = self.ports[0][1]
        http = self.HTTP_RE.findall(self.stderr()[offset:])
        self.http_port = int(http[0][1]) if http else None
        return self

    def stderr(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def mark(self):
        """A position in stderr; diagnostics_since(mark) returns what came after it."""
        return len(self.stderr())

    def diagnostics_since(self, mark):
        return self.stderr()[mark:]

    def wait_diagnostic(self, mark, pattern, timeout=10):
        """Waits for a stderr line after mark matching pattern (a regex); returns it or None."""
        rx = re.compile(pattern)

        def find():
            for line in self.diagnostics_since(mark).splitlines():
                if rx.search(line):
                    return line
            return None
        return wait_until(find, timeout)

    def sighup(self):
        os.kill(self.popen.pid, signal.SIGHUP)

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def stop(self):
        kill_group(self.popen)


class Haproxy:
    """The real haproxy with docker/haproxy.cfg, pointed at loopback by environment."""

    def __init__(self, env, backend_port, send_proxy, name=None, check_port=None, config=None,
                 second=None):
        """check_port: where the health check asks GET /ready (gitgate's [http] port);
        config: another configuration file than docker/haproxy.cfg; second: (backend_port,
        check_port) of the second server, by default the same gitgate as the first."""
        assert send_proxy in ("send-proxy", "send-proxy-v2")
        self.config = config or HAPROXY_CFG
        self.env = env
        self.name = name or send_proxy
        self.port = free_port()
        self.stats_socket = env.tmp / f"haproxy-{self.name}.sock"
        self.log_path = env.tmp / f"haproxy-{self.name}.log"
        self.vars = haproxy_vars(self.port, backend_port, send_proxy, self.stats_socket,
                                 check_port, second)
        self.popen = None

    def start(self, wait_up=True):
        e = base_env(self.env.home)
        e.update(self.vars)
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(["haproxy", "-f", str(self.config), "-db"],
                                          stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=e,
                                          cwd=self.env.tmp, start_new_session=True)
        self.env.processes.append(self.popen)
        if wait_up:
            def all_up():
                stats = self.server_stats()
                return bool(stats) and all(s.get("status") == "UP" for s in stats)

            status = wait_until(lambda: self.popen.poll() is not None or all_up(), 15,
                                interval=0.1)
            if not all_up():
                raise AssertionError(f"haproxy's backend servers are not all UP ({status!r}); "
                                     f"stat: {self.server_stats()}\nlog:\n{self.log()}")
        return self

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def command(self, line, timeout=5):
        """One command on the stats socket; returns its answer, or None if it is not up."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(timeout)
                s.connect(str(self.stats_socket))
                s.sendall(line.encode() + b"\n")
                chunks = []
                while True:
                    data = s.recv(65536)
                    if not data:
                        break
                    chunks.append(data)
                return b"".join(chunks).decode(errors="replace")
        except OSError:
            return None

    def server_stats(self):
        """The CSV rows of backend 'gitgate''s servers as dicts (empty if not up)."""
        answer = self.command("show stat")
        if not answer:
            return []
        lines = answer.splitlines()
        if not lines or not lines[0].startswith("# "):
            return []
        header = lines[0][2:].split(",")
        stats = []
        for row in lines[1:]:
            fields = row.split(",")
            if len(fields) >= 2 and fields[0] == "gitgate" and fields[1] not in ("FRONTEND",
                                                                                 "BACKEND"):
                stat = dict(zip(header, fields))
                # "* L7OK": the last result while a new check is under way.
                stat["check_status"] = stat.get("check_status", "").removeprefix("* ")
                stats.append(stat)
        return stats

    def server_stat(self, server="gitgate1"):
        """The CSV row of backend 'gitgate', server `server` as a dict, or None. With one
        gitgate under test both servers of docker/haproxy.cfg name it; gitgate1 stands for
        it."""
        for stat in self.server_stats():
            if stat.get("svname") == server:
                return stat
        return None

    def server_status(self):
        stat = self.server_stat()
        return stat.get("status") if stat else None

    def stop(self):
        kill_group(self.popen)


def haproxy_vars(bind_port, backend_port, send_proxy, stats_socket, check_port=None,
                 second=None):
    """The environment that docker/haproxy.cfg reads (its defaults are compose's). The health
    check asks GET /ready on check_port (gitgate's [http] port). second: (backend_port,
    check_port) of the file's second server; by default it names the same gitgate."""
    second_port, second_check = second or (backend_port, check_port)
    return {
        "GITGATE_LB_BIND": f"{SERVER_HOST}:{bind_port}",
        "GITGATE_BACKEND1": f"{SERVER_HOST}:{backend_port}",
        "GITGATE_CHECK_PORT1": str(check_port or 9122),
        "GITGATE_BACKEND2": f"{SERVER_HOST}:{second_port}",
        "GITGATE_CHECK_PORT2": str(second_check or 9122),
        "GITGATE_LB_SOURCE": LB_ADDR,
        "GITGATE_SEND_PROXY": send_proxy,
        "GITGATE_CHECK_INTER": "500ms",
        "HAPROXY_STATS_SOCKET": str(stats_socket),
    }


# --- the environment of one test class ---------------------------------------------------

class Env:
    """A temporary directory with repositories, keys, users.toml and gitgate.toml."""

    def __init__(self, name):
        self.tmp = Path(tempfile.mkdtemp(prefix=f"gitgate-e2e-{name}-"))
        self.home = self.tmp / "home"
        self.home.mkdir()
        self.repos = self.tmp / "repos"
        self.repos.mkdir()
        self.keys = self.tmp / "keys"
        self.keys.mkdir(mode=0o700)
        self.users_path = self.tmp / "users.toml"
        self.config_path = self.tmp / "gitgate.toml"
        self.access_log_path = self.tmp / "access.log"
        self.host_key_path = self.tmp / "hostkey" / "ssh_host_ed25519_key"
        self.processes = []
        self.users = []
        self.gitgate = None
        self.haproxies = {}
        self.env = base_env(self.home)
        self._clones = 0

    # setup
    def add_repository(self, relative=REPO):
        return make_repository(self.tmp, self.repos / relative, self.env)

    def add_user(self, name, uid, read=("*",), write=(), key_comment=None):
        key = self.keys / f"id_{name}"
        pub = generate_key(key, key_comment or f"{name}@e2e")
        user = {"name": name, "id": uid, "keys": [pub], "read": list(read), "write": list(write),
                "key": key}
        self.users.append(user)
        return user

    def write_users(self, users=None):
        text = users_toml(self.users if users is None else users)
        tmp = self.users_path.with_suffix(".tmp")
        tmp.write_text(text)
        os.replace(tmp, self.users_path)  # atomic, as an operator's deploy would be

    def write_config(self, mode="optional", trusted=(LB_ADDR + "/32", "::1/128"),
                     header_timeout_ms=3000, listen=None, extra_server="", extra_tables="",
                     extra_auth=""):
        """extra_server: more [server] lines; extra_auth: more [auth] lines (the host API's);
        extra_tables: TOML appended (more tables).

        Unless extra_server/extra_tables say otherwise: drain_accept_seconds = 0 (a stop
        need not wait for a balancer, and every teardown stops gitgate) and the [http]
        endpoint on a port the kernel picks (Gitgate.http_port), which haproxy's health
        check asks."""
        if "drain_accept_seconds" not in extra_server:
            extra_server += "\ndrain_accept_seconds = 0\n"
        if "[http]" not in extra_tables:
            extra_tables = f'\n[http]\nlisten = ["{SERVER_HOST}:0"]\n' + extra_tables
        self.config_args = dict(mode=mode, trusted=trusted, header_timeout_ms=header_timeout_ms,
                                listen=listen)
        if listen is None:
            # Port 0: the kernel picks, gitgate prints it. GITGATE_E2E_FIXED_PORTS=1 picks a
            # free port here instead (for a server without port-0 support).
            port = free_port() if os.environ.get("GITGATE_E2E_FIXED_PORTS") else 0
            listen = (f"{SERVER_HOST}:{port}",)
        self.host_key_path.parent.mkdir(exist_ok=True)
        self.config_path.write_text(f"""\
[server]
listen = {toml_list(listen)}
repositories = {toml_string(self.repos)}
host_keys = [{toml_string(self.host_key_path)}]
node_id = "{NODE_ID}"
{extra_server}
[proxy_protocol]
mode = "{mode}"
trusted = {toml_list(trusted)}
header_timeout_ms = {header_timeout_ms}

[auth]
users = {toml_string(self.users_path)}
{extra_auth}

[access_log]
path = {toml_string(self.access_log_path)}
{extra_tables}""")

    def single_user(self, mode="optional", extra_config=""):
        """demo/repo.git, user alice (id 2) and gitgate with PROXY mode and extra_config
        (TOML appended to the config file)."""
        self.add_repository()
        self.add_user("alice", 2)
        self.write_users()
        self.write_config(mode=mode)
        if extra_config:
            with open(self.config_path, "a") as f:
                f.write("\n" + extra_config)
        self.start_gitgate()

    def standard(self, haproxy_modes=()):
        """The usual fixture: demo/repo.git, users alice (id 2) and bob (id 3), gitgate, and
        one haproxy per mode in haproxy_modes."""
        self.add_repository()
        self.add_user("alice", 2)
        self.add_user("bob", 3, read=["other/*"])
        self.write_users()
        self.write_config()
        self.start_gitgate()
        for mode in haproxy_modes:
            self.start_haproxy(mode)
        return self

    def start_gitgate(self):
        try:
            self.gitgate = Gitgate(self, self.config_path).start()
        except AssertionError as e:
            # A server that refuses port 0 fails test_lifecycle's port-0 test; the other
            # tests go on with a port chosen here, so that they still test what they test.
            if "port 0" not in str(e) or self.config_args["listen"] is not None:
                raise
            print(f"WARNING: gitgate refused port 0; retrying on a free port: {e}",
                  file=sys.stderr)
            os.environ["GITGATE_E2E_FIXED_PORTS"] = "1"
            self.write_config(**self.config_args)
            self.gitgate = Gitgate(self, self.config_path).start()
        return self.gitgate

    def start_haproxy(self, send_proxy):
        h = Haproxy(self, self.gitgate.port, send_proxy, check_port=self.gitgate.http_port).start()
        self.haproxies[send_proxy] = h
        return h

    # clients
    def ssh_command(self, key, port, extra=()):
        parts = ["ssh", "-F", "/dev/null", "-b", CLIENT_ADDR, "-i", str(key),
                 "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
                 "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                 "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", "-p", str(port)]
        return parts + list(extra)

    def git_env(self, key, port):
        e = dict(self.env)
        e["GIT_SSH_COMMAND"] = " ".join(self.ssh_command(key, port))
        return e

    def port_for(self, via):
        """via: None (direct), "send-proxy" or "send-proxy-v2"."""
        return self.gitgate.port if via is None else self.haproxies[via].port

    def url(self, port, path="/" + REPO):
        return f"ssh://git@{SERVER_HOST}:{port}{path}"

    def relay_ssh_command(self, key, header, source=LB_ADDR, chunked=False, rate=None):
        """An ssh command line whose connection goes through proxy_relay.py: from source to
        gitgate, with header (bytes) sent before SSH; rate: bytes a second towards gitgate."""
        relay = [sys.executable, str(Path(__file__).resolve().parent / "proxy_relay.py"),
                 source, SERVER_HOST, str(self.gitgate.port), header.hex() or "-"]
        if chunked:
            relay.append("--chunked")
        if rate:
            relay.append(f"--rate={int(rate)}")
        cmd = self.ssh_command(key, self.gitgate.port)
        b = cmd.index("-b")
        del cmd[b:b + 2]
        return cmd + ["-o", "ProxyCommand=" + " ".join(relay)]

    def git(self, args, user, via=None, timeout=PROCESS_TIMEOUT, cwd=None, git_config=(),
            ssh_command=None):
        key = user["key"] if isinstance(user, dict) else user
        port = self.port_for(via)
        cmd = ["git"]
        for c in git_config:
            cmd += ["-c", c]
        env = self.git_env(key, port)
        if ssh_command:
            env["GIT_SSH_COMMAND"] = " ".join(shlex.quote(a) for a in ssh_command)
        return run(cmd + list(args), env=env, cwd=cwd, timeout=timeout)

    def clone_dir(self, label):
        self._clones += 1
        return self.tmp / "clones" / f"{self._clones:03d}-{label}"

    def clone(self, user, via=None, path="/" + REPO, git_config=(), extra=()):
        dest = self.clone_dir(user["name"] if isinstance(user, dict) else "key")
        dest.parent.mkdir(exist_ok=True)
        proc = self.git(["clone", "-q", *extra, self.url(self.port_for(via), path), str(dest)],
                        user, via, git_config=("transfer.unpackLimit=1", *git_config))
        return proc, dest

    def ssh(self, key, args, via=None, timeout=30):
        cmd = self.ssh_command(key, self.port_for(via), extra=["-T"]) + [SERVER_HOST] + list(args)
        return run(cmd, env=self.env, timeout=timeout)

    def local_ls_remote(self, relative=REPO):
        return run(["git", "ls-remote", str(self.repos / relative)], env=self.env,
                   check=True).stdout

    # access log
    def access_lines(self):
        try:
            text = self.access_log_path.read_text(errors="replace")
        except FileNotFoundError:
            return []
        return [line for line in text.split("\n") if line]

    def access_mark(self):
        return len(self.access_lines())

    def wait_access(self, mark, count, timeout=15):
        """Waits until at least count lines were appended after mark; returns them."""
        wait_until(lambda: len(self.access_lines()) - mark >= count, timeout)
        return self.access_lines()[mark:]

    def wait_request(self, mark, timeout=15):
        """Waits for one request's i-line and o-line after mark; returns them parsed (the raw
        lines are under 'line')."""
        lines = self.wait_access(mark, 2, timeout)
        parsed = []
        for line in lines:
            rec = parse_access_line(line)
            if rec is None:
                raise AssertionError(f"access-log line does not match the format: {line!r}")
            rec["line"] = line
            parsed.append(rec)
        if len(parsed) < 2:
            raise AssertionError(f"expected an i-line and an o-line after mark {mark}, got "
                                 f"{lines!r}\ngitgate stderr:\n{self.tail()}")
        return parsed[0], parsed[1]

    def tail(self, n=40):
        if not self.gitgate:
            return ""
        return "\n".join(self.gitgate.stderr().splitlines()[-n:])

    def close(self):
        for p in reversed(self.processes):
            kill_group(p)
        if os.environ.get("GITGATE_E2E_KEEP"):
            print(f"kept {self.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


class GitgateTestCase(AccessLogAssertions, unittest.TestCase):
    """Base class: one Env per test class, with the standard fixture."""

    haproxy_modes = ()

    @classmethod
    def setUpClass(cls):
        cls.env = Env(cls.__name__)
        cls.addClassCleanup(cls.env.close)
        cls.env.standard(cls.haproxy_modes)

    @property
    def alice(self):
        return self.env.users[0]

    def assertOk(self, proc, what="command"):
        self.assertEqual(proc.returncode, 0,
                         f"{what} failed: stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}\n"
                         f"gitgate stderr (tail):\n{self.env.tail()}")

    def assertCloneWorks(self, user=None, via=None):
        """A clone that succeeds and passes fsck: the server still serves."""
        proc, dest = self.env.clone(user or self.alice, via)
        self.assertOk(proc, "clone")
        self.assertOk(run(["git", "-C", str(dest), "fsck", "--full", "--strict"],
                          env=self.env.env), "fsck")
        return dest
