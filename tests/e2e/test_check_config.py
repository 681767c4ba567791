"""gitgate check-config: the interface contract's example configuration validates (exit 0),
the configuration files shipped in the repository validate, and broken ones print one
"<file>:<line>: message" line per error and exit 2."""

import re
import tempfile
import tomllib
import unittest
from pathlib import Path

import harness
from harness import SOURCE_DIR

# The example of docs/DESIGN.md's "Interface contract", verbatim.
CONTRACT_EXAMPLE = """\
[server]
listen = ["0.0.0.0:7999"]             # host:port, IPv6 as "[::]:7999"
repositories = "/srv/git"             # clone path '/demo/repo.git' → /srv/git/demo/repo.git
host_keys = ["/var/lib/gitgate/ssh_host_ed25519_key"]   # created on first start if missing
node_id = "DX7BUK"                    # request-id node part; default derived from the host name

[proxy_protocol]
mode = "optional"                     # off | optional | required
trusted = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
header_timeout_ms = 5000

[auth]
users = "/etc/gitgate/users.toml"     # reloaded on SIGHUP

[access_log]
path = "/var/log/gitgate/access.log"  # "-" = stdout; reopened on SIGHUP
"""



class CheckConfigTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="gitgate-e2e-check-config-"))
        self.addCleanup(harness.shutil.rmtree, self.tmp, ignore_errors=True)
        pub = harness.generate_key(self.tmp / "id_alice", "alice@laptop")
        self.users_text = harness.users_toml([{"name": "alice", "id": 2, "keys": [pub],
                                               "read": ["*"], "write": ["demo/*"]}])

    def check_config(self, path, cwd=None):
        return harness.run([harness.gitgate_bin(), "check-config", "--config", str(path)],
                           env=harness.base_env(self.tmp), cwd=cwd or self.tmp, timeout=20)

    def relocate(self, text, users_text=None):
        """Moves every absolute path the configuration names under self.tmp and creates what
        must exist: the repositories directory, the users file (valid), and the parent
        directories of the host keys and the access log."""
        data = tomllib.loads(text)
        server = data.get("server", {})
        paths = {"repositories": server.get("repositories"),
                 "users": data.get("auth", {}).get("users"),
                 "log": data.get("access_log", {}).get("path")}
        for key in server.get("host_keys", []):
            self.relocated(key).parent.mkdir(parents=True, exist_ok=True)
        if paths["repositories"]:
            self.relocated(paths["repositories"]).mkdir(parents=True, exist_ok=True)
        if paths["users"]:
            users = self.relocated(paths["users"])
            users.parent.mkdir(parents=True, exist_ok=True)
            users.write_text(users_text or self.users_text)
        if paths["log"] and paths["log"] != "-":
            self.relocated(paths["log"]).parent.mkdir(parents=True, exist_ok=True)
        for value in [*paths.values(), *server.get("host_keys", [])]:
            if value and value.startswith("/"):
                text = text.replace(f'"{value}"', f'"{self.relocated(value)}"')
        return text

    def relocated(self, path):
        return self.tmp / "root" / str(path).lstrip("/")

    def assertValid(self, text, name="gitgate.toml"):
        path = self.tmp / name
        path.write_text(text)
        proc = self.check_config(path)
        self.assertEqual(proc.returncode, 0, f"{text}\n---\n{proc.stdout}{proc.stderr}")
        return proc

    def assertErrors(self, text, lines, name="broken.toml", files=()):
        """check-config exits 2 and reports an error at each of lines (1-based) of the
        configuration, each output line being "<file>:<line>: message" where file is the
        configuration or one of files (the users file, for errors inside it). Returns
        {(file, line)}."""
        path = self.tmp / name
        path.write_text(text)
        proc = self.check_config(path)
        out = (proc.stdout + proc.stderr).strip()
        self.assertEqual(proc.returncode, 2, f"{text}\n---\n{out}")
        names = "|".join(re.escape(str(p)) for p in (path, *files))
        rx = re.compile(rf"^({names}):(\d+): \S.*$")
        reported = set()
        for line in out.splitlines():
            m = rx.match(line)
            self.assertIsNotNone(m, f"not '<file>:<line>: message': {line!r}\n---\n{out}")
            reported.add((m.group(1), int(m.group(2))))
        for line in lines:
            self.assertIn((str(path), line), reported, f"no error at line {line}:\n{out}")
        return reported

    def test_contract_example_is_valid(self):
        self.assertValid(self.relocate(CONTRACT_EXAMPLE))

    def test_relative_paths_resolve_against_the_config_directory(self):
        conf_dir = self.tmp / "etc"
        (conf_dir / "repos").mkdir(parents=True)
        (conf_dir / "keys").mkdir()
        (conf_dir / "users.toml").write_text(self.users_text)
        path = conf_dir / "gitgate.toml"
        path.write_text('[server]\nlisten = ["127.0.0.1:7999", "[::1]:7999"]\n'
                        'repositories = "repos"\nhost_keys = ["keys/host_ed25519"]\n'
                        '[auth]\nusers = "users.toml"\n[access_log]\npath = "-"\n')
        proc = self.check_config(path, cwd=self.tmp)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_shipped_configurations_are_valid(self):
        shipped = [SOURCE_DIR / "docker" / "gitgate.toml", SOURCE_DIR / "examples" / "gitgate.toml"]
        present = [p for p in shipped if p.exists()]
        self.assertIn(SOURCE_DIR / "docker" / "gitgate.toml", present)
        for path in present:
            with self.subTest(path=str(path.relative_to(SOURCE_DIR))):
                # The users file beside it, if one is shipped (docker/users.toml).
                users = path.with_name("users.toml")
                users_text = users.read_text() if users.exists() else None
                self.assertValid(self.relocate(path.read_text(), users_text),
                                 name=path.parent.name + ".toml")

    def test_invalid_values_are_reported_with_their_lines(self):
        text = self.relocate(CONTRACT_EXAMPLE)
        text = text.replace('listen = ["0.0.0.0:7999"]', 'listen = ["0.0.0.0:99999"]')
        text = text.replace('mode = "optional"', 'mode = "sometimes"')
        text = text.replace('"10.0.0.0/8"', '"10.0.0.0/33"')
        self.assertErrors(text, [2, 8, 9])

    def test_push_table_is_checked(self):
        # The contract example has 16 lines; [push] follows on line 18.
        text = self.relocate(CONTRACT_EXAMPLE)
        self.assertEqual(text.count("\n"), 16, text)
        valid = text + "\n[push]\nmax_pack_mb = 1\nhooks = false\n"
        self.assertValid(valid)
        invalid = text + "\n[push]\nmax_pack_mb = 0\nhook_timeout_seconds = \"10m\"\n"
        self.assertErrors(invalid, [19, 20])

    def test_toml_syntax_error(self):
        text = self.relocate(CONTRACT_EXAMPLE).replace('node_id = "DX7BUK"', 'node_id = "DX7BUK')
        self.assertErrors(text, [5])

    def test_missing_users_file_and_repositories(self):
        text = CONTRACT_EXAMPLE.replace("/etc/gitgate/users.toml", str(self.tmp / "nope.toml"))
        text = text.replace('"/srv/git"', f'"{self.tmp / "no-repos"}"')
        text = text.replace("/var/lib/gitgate", str(self.tmp / "keys"))
        text = text.replace("/var/log/gitgate", str(self.tmp))
        (self.tmp / "keys").mkdir()
        # Both errors point at the configuration lines that name the missing paths.
        self.assertErrors(text, [3, 13])

    def test_invalid_users_file_is_reported_with_its_lines(self):
        text = self.relocate(CONTRACT_EXAMPLE)
        users = self.relocated("/etc/gitgate/users.toml")
        users.write_text(self.users_text + '\n[[user]]\nname = "bob"\nid = "three"\n'
                         'keys = ["ssh-ed25519 not-base64!"]\n')
        reported = self.assertErrors(text, [], files=[users])
        self.assertTrue({line for f, line in reported if f == str(users)} & {10, 11}, reported)

    def test_missing_config_file(self):
        proc = self.check_config(self.tmp / "absent.toml")
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn("absent.toml", proc.stdout + proc.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
