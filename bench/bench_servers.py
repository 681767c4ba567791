"""The two servers bench.py compares, each on 127.0.0.1 in its own process group.

Both expose: name, user, port, url(repo), path(repo), begin() → probe, end(probe,
requests) → {"cpu", "cpu_all", "rss_kib", "protocols"}, stop(). end() first waits
until the server has finished the requests (gitgate: its access-log o-lines;
sshd: the /usr/bin/time lines and the reaping of its connection processes), so
the CPU and memory figures are complete.
"""

import os
import re
import socket
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from procs import free_port, kill_group, wait_until  # noqa: E402  (the e2e tests' helpers)

HOST = "127.0.0.1"
SSHD = "/usr/sbin/sshd"
TIME = "/usr/bin/time"
START_TIMEOUT = 20  # seconds until a server accepts connections
SETTLE_TIMEOUT = 30  # seconds for a server to finish after its client did
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Failure(Exception):
    """A run that failed or returned the wrong result: the scenario is reported as failed."""


def run(cmd, timeout, env=None, cwd=None, check=False, input=None, text=True):
    """subprocess.run with a timeout, captured output and no terminal stdin."""
    proc = subprocess.run(cmd, env=env, cwd=cwd, timeout=timeout, input=input,
                          capture_output=True, text=text,
                          stdin=None if input is not None else subprocess.DEVNULL)
    if check and proc.returncode != 0:
        raise Failure(f"{cmd!r} exited {proc.returncode}: {proc.stderr}")
    return proc


def proc_stat(pid):
    """(utime, stime, cutime, cstime) in seconds from /proc/<pid>/stat."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()  # fields[0] is field 3, "state"
    return tuple(int(fields[i]) / CLK_TCK for i in (11, 12, 13, 14))


def children_of(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(text[text.rindex(")") + 2:].split()[1]) == pid:
            kids.append(int(entry))
    return kids


def banner_ready(port):
    try:
        with socket.create_connection((HOST, port), timeout=2) as s:
            return s.recv(64).startswith(b"SSH-")
    except OSError:
        return False


def tear_down(servers, work, keep, log):
    """Stops the servers (last started first) and removes the work directory unless kept."""
    for server in reversed(servers):
        server.stop()
    if keep:
        log(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


class Sshd:
    """OpenSSH's sshd with its own config; every command is the native git command
    wrapped in /usr/bin/time (authorized_keys command=), run through the login shell."""

    name = "native"

    def __init__(self, directory, public_key, root):
        self.dir = directory
        self.dir.mkdir()
        self.public_key = Path(public_key).read_text().strip()
        self.root = root
        self.user = os.environ.get("USER") or __import__("pwd").getpwuid(os.getuid()).pw_name
        self.port = None
        self.popen = None
        self.time_log = self.dir / "time.log"

    def write_config(self):
        for p in (self.dir, self.time_log):
            if any(c in str(p) for c in " \"'\\$`"):
                raise Failure(f"path {p} would need quoting in authorized_keys")
        host_key = self.dir / "ssh_host_ed25519_key"
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], timeout=60,
            check=True)
        home = self.dir / "server-home"  # no ~/.gitconfig: stock git on the server side
        home.mkdir()
        self.time_log.touch()
        # bash evaluates this: ${GIT_PROTOCOL} (passed by AcceptEnv) lands in the format.
        forced = (f"exec {TIME} -f \\\"%e %U %S %M ${{GIT_PROTOCOL:-version=0}}\\\" -a "
                  f"-o {self.time_log} env GIT_CONFIG_NOSYSTEM=1 HOME={home} "
                  f"sh -c \\\"$SSH_ORIGINAL_COMMAND\\\"")
        (self.dir / "authorized_keys").write_text(
            f'command="{forced}",no-port-forwarding,no-X11-forwarding,no-agent-forwarding,'
            f"no-pty {self.public_key}\n")
        lines = [f"ListenAddress {HOST}", f"Port {self.port}", f"HostKey {host_key}",
                 f"PidFile {self.dir / 'sshd.pid'}",
                 f"AuthorizedKeysFile {self.dir / 'authorized_keys'}",
                 "AcceptEnv GIT_PROTOCOL", "UsePAM no", "StrictModes no",
                 "PasswordAuthentication no", "KbdInteractiveAuthentication no",
                 "PubkeyAuthentication yes", "UseDNS no", "PrintMotd no", "X11Forwarding no",
                 "MaxStartups 100", "MaxSessions 100", "LogLevel ERROR",
                 # The command still runs through the login shell, but bash skips ~/.bashrc
                 # (sourced for ssh commands when SHLVL < 2): a git service account has no
                 # interactive setup, and root's here (pyenv) adds ~0.5 s to every request.
                 "SetEnv SHLVL=1"]
        if os.getuid() == 0:
            lines.append("PermitRootLogin prohibit-password")
        config = self.dir / "sshd_config"
        config.write_text("\n".join(lines) + "\n")
        return config

    def start(self):
        if not os.path.isdir("/run/sshd"):
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation
        self.port = free_port()
        config = self.write_config()
        run([SSHD, "-t", "-f", str(config)], timeout=30, check=True)
        with open(self.dir / "sshd.log", "ab") as log:
            self.popen = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)],
                                          stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                          start_new_session=True)
        if not wait_until(lambda: self.popen.poll() is not None or banner_ready(self.port),
                          START_TIMEOUT) or self.popen.poll() is not None:
            kill_group(self.popen)
            raise Failure(f"sshd did not start: {(self.dir / 'sshd.log').read_text()}")
        return self

    def url(self, repo):
        return f"ssh://{self.user}@{HOST}:{self.port}{self.path(repo)}"

    def path(self, repo):
        return str(repo)

    def time_lines(self):
        return self.time_log.read_text().splitlines()

    def begin(self):
        if self.popen.poll() is not None:
            raise Failure("sshd is not running")
        _, _, cutime, cstime = proc_stat(self.popen.pid)
        return {"lines": len(self.time_lines()), "children": cutime + cstime}

    def end(self, probe, requests):
        pid = self.popen.pid
        wait_until(lambda: len(self.time_lines()) >= probe["lines"] + requests and
                   not children_of(pid), SETTLE_TIMEOUT)
        _, _, cutime, cstime = proc_stat(pid)
        new = [line.split() for line in self.time_lines()[probe["lines"]:]]
        new = [f for f in new if len(f) == 5 and not f[0].startswith("Command")]
        if len(new) < requests:
            return {"cpu": None, "cpu_all": None, "rss_kib": None, "protocols": []}
        rss = [int(f[3]) for f in new]
        return {"cpu": sum(float(f[1]) + float(f[2]) for f in new),
                "cpu_all": cutime + cstime - probe["children"],
                # one request: its largest process; several at once: the sum of those,
                # an upper bound of what they held together
                "rss_kib": rss[0] if requests == 1 else sum(rss),
                "protocols": sorted({f[4] for f in new})}

    def stop(self):
        kill_group(self.popen)


class Gitgate:
    """gitgate serve with a config written like tests/e2e/harness.py's: the same client key
    as one user who may read everything (and push everywhere with write=True); no PROXY
    header. cache=False (cold scenarios) writes [cache] enabled = false; cache=True enables
    the pack cache in <directory>/cache, with limits no bench repository reaches."""

    name = "gitgate"
    user = "git"

    def __init__(self, directory, binary, public_key, root, cache=False, write=False, auth=""):
        """auth: more [auth] lines (the host API's, for login_bench.py)."""
        self.auth = auth
        self.dir = directory
        self.write = write
        self.dir.mkdir()
        self.binary = binary
        self.cache = cache
        self.public_key = Path(public_key).read_text().strip()
        self.root = root
        self.access_log = self.dir / "access.log"
        self.stderr_path = self.dir / "gitgate.stderr"
        self.port = None
        self.popen = None

    def start(self):
        write = '"*"' if self.write else ""
        (self.dir / "users.toml").write_text(
            f'[[user]]\nname = "bench"\nid = 1\nkeys = ["{self.public_key}"]\n'
            f'read = ["*"]\nwrite = [{write}]\n')
        (self.dir / "hostkey").mkdir()
        self.port = free_port()
        config = self.dir / "gitgate.toml"
        config.write_text(f"""\
[server]
listen = ["{HOST}:{self.port}"]
repositories = "{self.root}"
host_keys = ["{self.dir / 'hostkey' / 'ssh_host_ed25519_key'}"]
node_id = "BENCH1"

[proxy_protocol]
mode = "off"
trusted = ["127.0.0.1/32"]
header_timeout_ms = 5000

[auth]
users = "{self.dir / 'users.toml'}"
{self.auth}

[access_log]
path = "{self.access_log}"

{self.cache_section()}""")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.dir),
               "LC_ALL": "C", "TZ": "UTC"}
        with open(self.stderr_path, "ab") as err:
            self.popen = subprocess.Popen([str(self.binary), "serve", "--config", str(config)],
                                          stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                          env=env, cwd=self.dir, start_new_session=True)
        pattern = re.compile(r"listening on [0-9.]+:(\d+)")
        m = wait_until(lambda: self.popen.poll() is not None or
                       pattern.search(self.stderr()), START_TIMEOUT)
        m = pattern.search(self.stderr())
        if not m:
            kill_group(self.popen)
            raise Failure(f"gitgate did not start; stderr:\n{self.stderr()[-2000:]}")
        self.port = int(m.group(1))
        return self

    def cache_section(self):
        if not self.cache:
            return "[cache]\nenabled = false\n"
        return (f'[cache]\nenabled = true\npath = "{self.dir / "cache"}"\n'
                "max_size_mb = 8192\nttl_minutes = 600\nmin_free_disk_mb = 1024\n")

    def stderr(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def url(self, repo):
        return f"ssh://{self.user}@{HOST}:{self.port}{self.path(repo)}"

    def path(self, repo):
        return "/" + str(Path(repo).relative_to(self.root))

    def o_lines(self):
        try:
            text = self.access_log.read_text(errors="replace")
        except FileNotFoundError:
            return []
        return [line for line in text.splitlines()
                if len(line.split(" | ")) > 2 and line.split(" | ")[2][:1] == "o"]

    def exited(self):
        code = self.popen.returncode
        how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
        tail = self.stderr().strip().splitlines()[-1:] or ["(no stderr)"]
        return Failure(f"gitgate exited ({how}); last stderr line: {tail[0]}")

    def begin(self):
        if self.popen.poll() is not None:
            raise self.exited()
        try:  # "5": reset VmHWM to the current RSS (Linux >= 4.0), so the peak is this run's
            Path(f"/proc/{self.popen.pid}/clear_refs").write_text("5")
            reset = True
        except OSError:
            reset = False
        utime, stime, _, _ = proc_stat(self.popen.pid)
        return {"cpu": utime + stime, "o_lines": len(self.o_lines()), "reset": reset}

    def end(self, probe, requests):
        wait_until(lambda: len(self.o_lines()) >= probe["o_lines"] + requests, SETTLE_TIMEOUT)
        if self.popen.poll() is not None:
            raise self.exited()
        utime, stime, _, _ = proc_stat(self.popen.pid)
        hwm = None
        for line in Path(f"/proc/{self.popen.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
        labels = [line.split(" | ")[10] for line in self.o_lines()[probe["o_lines"]:]
                  if len(line.split(" | ")) > 10]
        protocols = {p.strip() for text in labels for p in text.split(",")
                     if p.strip().startswith("protocol:")}
        # per o-line: "cache:hit", "cache:miss" or None (no cache label)
        cache = [next((p.strip() for p in text.split(",") if p.strip().startswith("cache:")),
                      None) for text in labels]
        return {"cpu": utime + stime - probe["cpu"], "cpu_all": None,
                "rss_kib": hwm, "protocols": sorted(protocols), "cache": cache}

    def stop(self):
        kill_group(self.popen)
