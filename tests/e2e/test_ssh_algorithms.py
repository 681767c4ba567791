"""[ssh]: the algorithms gitgate offers, seen by the real OpenSSH client. With the defaults,
a client that insists on finite-field Diffie-Hellman, hmac-sha1, a CBC cipher or RSA
signatures with SHA-1 (ssh-rsa) gets nowhere, while a default client works; configured lists
are what the server offers. ConfiguredTest narrows each list below libssh's own defaults, so it
shows that the lists set on the ssh_bind reach the sessions that ssh_bind_accept_fd() makes
(DefaultsTest alone would not: libssh's defaults already leave out CBC, hmac-sha1 and ssh-rsa).
No timings: bench/handshake_bench.py measures them."""

import re

import harness
from harness import REPO, SERVER_HOST

UNABLE_RE = re.compile(r"Unable to negotiate with .*: no matching (.+?) found\. "
                       r"Their offer: (\S+)")


def add_rsa_user(env, name, uid):
    key = env.keys / f"id_{name}"
    harness.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", f"{name}@e2e",
                 "-f", str(key)], check=True)
    user = {"name": name, "id": uid, "keys": [key.with_suffix(".pub").read_text().strip()],
            "read": ["*"], "write": [], "key": key}
    env.users.append(user)
    return user


class SshAlgorithmsCase(harness.GitgateTestCase):
    ssh_config = ""  # the [ssh] table appended to the configuration

    @classmethod
    def setUpClass(cls):
        cls.env = harness.Env(cls.__name__)
        cls.addClassCleanup(cls.env.close)
        env = cls.env
        harness.make_repository(env.tmp, env.repos / REPO, env.env, big_blob_kib=1)
        env.add_user("alice", 2)
        cls.carol = add_rsa_user(env, "carol", 4)
        env.write_users()
        env.write_config()
        if cls.ssh_config:
            with open(env.config_path, "a") as f:
                f.write("\n" + cls.ssh_config)
        env.start_gitgate()

    def ls_remote(self, user, options=()):
        """git ls-remote through ssh with extra -o options; ssh logs at INFO, the level of
        its "Unable to negotiate" line."""
        opts = [arg for option in options for arg in ("-o", option)]
        cmd = ["LogLevel=INFO" if arg == "LogLevel=ERROR" else arg
               for arg in self.env.ssh_command(user["key"], self.env.gitgate.port, extra=opts)]
        return self.env.git(["ls-remote", self.env.url(self.env.gitgate.port)], user,
                            ssh_command=cmd, timeout=30)

    def assertUnableToNegotiate(self, options, what, refused):
        """ssh with these options fails to negotiate `what`; the server's offer leaves out
        `refused`."""
        proc = self.ls_remote(self.alice, options)
        self.assertNotEqual(proc.returncode, 0, f"{options}: {proc.stdout}")
        self.assertEqual(proc.stdout, "")
        match = UNABLE_RE.search(proc.stderr)
        self.assertIsNotNone(match, f"{options}: no 'Unable to negotiate' line in:\n"
                             f"{proc.stderr}\ngitgate:\n{self.env.tail()}")
        self.assertEqual(match.group(1), what, proc.stderr)
        self.assertNotIn(refused, match.group(2).split(","))
        return match.group(2).split(",")


class DefaultsTest(SshAlgorithmsCase):
    def test_default_client_works_with_ed25519_and_rsa_keys(self):
        expected = self.env.local_ls_remote()
        for user in (self.alice, self.carol):  # carol's RSA key signs with rsa-sha2-512
            proc = self.ls_remote(user)
            self.assertOk(proc, f"ls-remote as {user['name']}")
            self.assertEqual(proc.stdout, expected)

    def test_no_finite_field_diffie_hellman(self):
        for kex in ("diffie-hellman-group14-sha256", "diffie-hellman-group16-sha512",
                    "diffie-hellman-group18-sha512", "diffie-hellman-group-exchange-sha256",
                    "diffie-hellman-group14-sha1"):
            with self.subTest(kex=kex):
                offer = self.assertUnableToNegotiate([f"KexAlgorithms={kex}"],
                                                     "key exchange method", kex)
                self.assertIn("curve25519-sha256", offer)
                self.assertFalse([k for k in offer if k.startswith("diffie-hellman")], offer)

    def test_no_sha1_mac_and_no_cbc(self):
        # An AEAD cipher needs no MAC: the MAC matters with a -ctr cipher.
        offer = self.assertUnableToNegotiate(["Ciphers=aes128-ctr", "MACs=hmac-sha1"], "MAC",
                                             "hmac-sha1")
        self.assertIn("hmac-sha2-256-etm@openssh.com", offer)
        self.assertUnableToNegotiate(["MACs=hmac-sha1-etm@openssh.com", "Ciphers=aes256-ctr"],
                                     "MAC", "hmac-sha1-etm@openssh.com")
        for cipher in ("aes128-cbc", "aes256-cbc", "3des-cbc"):
            with self.subTest(cipher=cipher):
                self.assertUnableToNegotiate([f"Ciphers={cipher}"], "cipher", cipher)

    def test_no_rsa_signatures_with_sha1(self):
        # OpenSSH gives up on its side: the server-sig-algs that libssh sends (built from
        # pubkey_algorithms) list no ssh-rsa.
        proc = self.ls_remote(self.carol, ["PubkeyAcceptedAlgorithms=ssh-rsa"])
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(proc.stdout, "")
        self.assertIn("Permission denied (publickey)", proc.stderr)
        # The host key side: no ssh-rsa signature either (the host key here is ed25519).
        self.assertUnableToNegotiate(["HostKeyAlgorithms=ssh-rsa"], "host key type", "ssh-rsa")


class ConfiguredTest(SshAlgorithmsCase):
    """Each list narrowed to what libssh's own defaults would not narrow it to: each offer
    is the configured list, so the lists reach the sessions."""

    ssh_config = ('[ssh]\nkex = ["curve25519-sha256"]\nciphers = ["aes256-ctr"]\n'
                  'macs = ["hmac-sha2-512-etm@openssh.com"]\npubkey_algorithms = ["ssh-ed25519"]\n')

    def test_kex(self):
        offer = self.assertUnableToNegotiate(["KexAlgorithms=ecdh-sha2-nistp256"],
                                             "key exchange method", "ecdh-sha2-nistp256")
        # libssh adds its strict-kex marker (Terrapin, CVE-2023-48795) to whatever it offers.
        self.assertEqual([k for k in offer if not k.startswith("kex-strict-")],
                         ["curve25519-sha256"])
        self.assertOk(self.ls_remote(self.alice, ["KexAlgorithms=curve25519-sha256"]),
                      "ls-remote with curve25519-sha256")

    def test_ciphers_and_macs(self):
        self.assertEqual(self.assertUnableToNegotiate(
            ["Ciphers=chacha20-poly1305@openssh.com"], "cipher", "chacha20-poly1305@openssh.com"),
            ["aes256-ctr"])
        self.assertEqual(self.assertUnableToNegotiate(
            ["MACs=hmac-sha2-256-etm@openssh.com"], "MAC", "hmac-sha2-256-etm@openssh.com"),
            ["hmac-sha2-512-etm@openssh.com"])

    def test_pubkey_algorithms(self):
        # libssh's default would take carol's rsa-sha2-512 signature.
        proc = self.ls_remote(self.carol)
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("Permission denied (publickey)", proc.stderr)


class ConfigErrorsTest(harness.unittest.TestCase):
    """check-config names each bad [ssh] entry with its line; serve refuses to start when no
    host key can sign with host_key_algorithms (check-config does not read the keys)."""

    def env_with_ssh_table(self, table):
        """A configuration with table appended; returns (env, the line of "[ssh]")."""
        env = harness.Env(type(self).__name__)
        self.addCleanup(env.close)
        env.add_user("alice", 2)
        env.write_users()
        env.write_config()
        text = env.config_path.read_text()
        env.config_path.write_text(text + "\n" + table)
        return env, text.count("\n") + 2

    def test_serve_needs_a_usable_host_key(self):
        env, _ = self.env_with_ssh_table('[ssh]\nhost_key_algorithms = ["rsa-sha2-512"]\n')
        proc = harness.run([harness.gitgate_bin(), "serve", "--config", str(env.config_path)],
                           env=env.env, timeout=20)
        self.assertNotEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("no host key can sign with any of ssh.host_key_algorithms", proc.stderr)

    def test_reports_bad_names_with_their_lines(self):
        env, first = self.env_with_ssh_table(
            '[ssh]\nkex = ["curve25519-sha256", "sntrup761x25519-sha512@openssh.com"]\n'
            'ciphers = []\nmacs = ["hmac-sha2-256,hmac-sha1"]\n')
        proc = harness.run([harness.gitgate_bin(), "check-config", "--config",
                            str(env.config_path)], env=env.env, timeout=20)
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        path = str(env.config_path)
        out = proc.stdout + proc.stderr
        lines = [line.split(": ", 1) for line in out.splitlines()]
        self.assertEqual([where for where, _ in lines],
                         [f"{path}:{first + n}" for n in (1, 2, 3)], out)
        self.assertIn("'sntrup761x25519-sha512@openssh.com' is not a key exchange method",
                      lines[0][1])
        self.assertIn("ssh.ciphers must name at least one algorithm", lines[1][1])
        self.assertIn("ssh.macs: an algorithm name is", lines[2][1])


if __name__ == "__main__":
    harness.unittest.main()
