#!/usr/bin/env python3
"""A reference Git host API for gitgate's [auth] api_url (README, "Sources of users"), in the
Python standard library only: what the e2e tests and bench/login_bench.py talk to, and a
runnable example of the contract.

    tests/e2e/host_api_server.py --state state.json [--port 0] [--lifetime 600] [--log calls.jsonl]

It listens on 127.0.0.1 only, prints "listening on http://127.0.0.1:PORT" once it does, and
exits by itself after --lifetime seconds. The state file (JSON) is read again on every call, so
a test changes the host's answers by rewriting it (atomically); every member is optional:

    {
      "token": "s3cret",                      the bearer token it expects (absent: any)
      "users": {"SHA256:...": {"name": "erin", "id": 1001}},      POST /ssh/key by fingerprint
      "principals": {"erin": {"name": "erin", "id": 1001}},       POST /ssh/key by principal
      "permissions": {"erin": {"read": ["demo/*"], "write": ["demo/w.git"],
                               "message": "shown when refused"}},  globs as fnmatch's
      "refused_clients": {"198.51.100.7": "message"},  /ssh/allowed refuses these addresses
      "fail": "500" | "401" | "malformed" | "sleep",   every call fails so (absent: none)
      "fail_only": "/ssh/allowed",                     ... or only the calls of this path
      "delay_ms": 0                                    every call waits first
    }

"sleep" waits 30 s before answering (longer than any api_timeout_ms a test sets). Each call
is appended to --log as one JSON line {"path", "authorization", "body"} before it is answered.
"""

import argparse
import fnmatch
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST = "127.0.0.1"
MAX_BODY = 64 * 1024
SLEEP_SECONDS = 30


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "host-api-reference/1"

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass  # the call log is the record

    def reply(self, status, payload=None, raw=None):
        body = raw if raw is not None else (json.dumps(payload).encode() if payload is not None
                                            else b"")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.reply(413, {"error": "too large"})
            return
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        state = self.server.state()
        self.server.record({"path": self.path, "authorization": self.headers.get("Authorization"),
                            "body": body})
        if state.get("delay_ms"):
            time.sleep(state["delay_ms"] / 1000)
        fail = state.get("fail")
        if state.get("fail_only") not in (None, self.path):
            fail = None
        if fail == "sleep":
            time.sleep(SLEEP_SECONDS)
        if fail == "500":
            self.reply(500, {"error": "internal"})
            return
        if fail == "401" or ("token" in state and
                             self.headers.get("Authorization") != f"Bearer {state['token']}"):
            self.reply(401, {"error": "unauthorized"})
            return
        if fail == "malformed":
            self.reply(200, raw=b'{"user": ')
            return
        if not isinstance(body, dict):
            self.reply(400, {"error": "the body is not a JSON object"})
        elif self.path == "/ssh/key":
            self.key(state, body)
        elif self.path == "/ssh/allowed":
            self.allowed(state, body)
        else:
            self.reply(404, {"error": "no such call"})

    def key(self, state, body):
        if "principal" in body:
            user = state.get("principals", {}).get(body.get("principal"))
        else:
            user = state.get("users", {}).get(body.get("fingerprint"))
        if user is None:
            self.reply(404, {"error": "unknown key"})
        else:
            self.reply(200, {"user": {"name": user["name"], "id": user["id"]}})

    def allowed(self, state, body):
        client = body.get("client_address")
        refused = state.get("refused_clients", {})
        if client in refused:
            self.reply(200, {"allowed": False, "message": refused[client]})
            return
        name, action, repository = body.get("user_name"), body.get("action"), body.get("repository")
        rules = state.get("permissions", {}).get(name, {})
        globs = rules.get("write", []) + ([] if action == "write" else rules.get("read", []))
        if any(fnmatch.fnmatchcase(repository or "", glob) for glob in globs):
            self.reply(200, {"allowed": True})
            return
        message = rules.get("message", f"{name} may not {action} {repository}")
        self.reply(200, {"allowed": False, "message": message})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # a restarted server binds the port the config names again

    def __init__(self, port, state_path, log_path):
        super().__init__((HOST, port), Handler)
        self.state_path = Path(state_path)
        self.log_path = Path(log_path) if log_path else None
        self.log_lock = threading.Lock()

    def state(self):
        try:
            return json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            return {}

    def record(self, entry):
        if self.log_path is None:
            return
        with self.log_lock, open(self.log_path, "a") as log:
            log.write(json.dumps(entry) + "\n")


class ApiProcess:
    """The reference server as a subprocess, for tests and benchmarks: its state file, its
    call log, stop() and start() again on the same port."""

    def __init__(self, directory, state=None, lifetime=900):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.state_path = self.dir / "api-state.json"
        self.log_path = self.dir / "api-calls.jsonl"
        self.lifetime = lifetime
        self.port = 0
        self.popen = None
        self.write_state(state or {})

    def write_state(self, state):
        self.state = state
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self.state_path)

    def update(self, **changes):
        """Sets (or, with None, removes) members of the state."""
        state = dict(self.state)
        for key, value in changes.items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value
        self.write_state(state)

    def start(self, timeout=10):
        self.popen = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--state", str(self.state_path),
             "--port", str(self.port), "--lifetime", str(self.lifetime), "--log",
             str(self.log_path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, start_new_session=True)
        deadline = time.monotonic() + timeout
        line = ""
        while time.monotonic() < deadline and not line:
            line = self.popen.stdout.readline()
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError(f"host_api_server.py did not start: {line!r}")
        self.port = int(line.strip().rsplit(":", 1)[1])
        return self

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    def calls(self, path=None):
        try:
            lines = self.log_path.read_text().splitlines()
        except FileNotFoundError:
            return []
        found = [json.loads(line) for line in lines if line]
        return [c for c in found if path is None or c["path"] == path]

    def stop(self):
        if self.popen is None:
            return
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, 15)
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, 9)
                self.popen.wait(timeout=10)
            except ProcessLookupError:
                pass
        self.popen.stdout.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state", required=True, help="the JSON state file (read on each call)")
    parser.add_argument("--port", type=int, default=0, help="0: one the kernel picks")
    parser.add_argument("--lifetime", type=float, default=600,
                        help="seconds until it exits by itself (default 600)")
    parser.add_argument("--log", help="append each call here as a JSON line")
    args = parser.parse_args()
    server = Server(args.port, args.state, args.log)
    stopper = threading.Timer(args.lifetime, server.shutdown)
    stopper.daemon = True
    stopper.start()
    print(f"listening on http://{HOST}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == "__main__":
    main()
