"""OpenSSH user certificates: the real ssh offers a certificate made by ssh-keygen -s
(-o CertificateFile=...), through HAProxy with a PROXY v2 header. A valid one logs in as its
principal and clones; expired, not yet valid, another CA's, an unknown principal's, a host
certificate, one with force-command, one signed with ssh-rsa (SHA-1) and a revoked one
(a KRL written by ssh-keygen -k, loaded by SIGHUP) are refused, each with a diagnostic
naming the key id, the serial, why, and the real client's address. source-address is
matched against the PROXY header's client, not the balancer."""

import os
import re

import harness
from harness import CLIENT_ADDR, LB_ADDR, REPO, run

VIA = "send-proxy-v2"
ADDRESSES = f"{CLIENT_ADDR},{LB_ADDR}"
VALID = "-5m:+1h"  # ssh-keygen -V, relative to now


class CertificateTest(harness.GitgateTestCase):
    @classmethod
    def setUpClass(cls):
        env = cls.env = harness.Env(cls.__name__)
        cls.addClassCleanup(env.close)
        env.add_repository()
        env.add_user("alice", 2)
        env.add_user("bob", 3, read=["other/*"])
        env.write_users()
        cls.ca = cls.make_key("ca")
        cls.rsa_ca = cls.make_key("rsa_ca", "rsa")
        cls.other_ca = cls.make_key("other_ca")
        cls.carol = cls.make_key("carol")  # a key in no users file: only its certificates count
        cls.ca_file = env.tmp / "trusted_user_ca_keys.pub"
        cls.ca_file.write_text(
            "# the CAs gitgate trusts\n" + cls.pub(cls.ca) + "\n" + cls.pub(cls.rsa_ca) + "\n")
        cls.revoked = env.tmp / "revoked_keys"
        cls.revoked.write_text("# nothing revoked yet\n")
        env.write_config()
        text = env.config_path.read_text().replace(
            "[auth]\n",
            f"[auth]\ntrusted_user_ca_keys = [{harness.toml_string(cls.ca_file)}]\n"
            f"revoked_keys = {harness.toml_string(cls.revoked)}\n", 1)
        env.config_path.write_text(text)
        env.start_gitgate()
        env.start_haproxy(VIA)
        cls.certs = 0

    @classmethod
    def make_key(cls, name, kind="ed25519"):
        path = cls.env.keys / name
        run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", name, "-f", str(path)], check=True)
        return path

    @staticmethod
    def pub(key):
        return harness.Path(str(key) + ".pub").read_text().strip()

    def certify(self, key_id, principals="alice", ca=None, validity=VALID, serial=None,
                options=()):
        """carol's key certified by ca (ssh-keygen -s); returns the certificate's path."""
        type(self).certs += 1
        serial = serial if serial is not None else 1000 + self.certs
        args = ["ssh-keygen", "-q", "-s", str(ca or self.ca), "-I", key_id, "-V", validity,
                "-z", str(serial)]
        if principals is not None:
            args += ["-n", principals]
        for option in options:
            args += option if isinstance(option, list) else ["-O", option]
        run(args + [str(self.carol) + ".pub"], check=True)
        cert = self.env.tmp / f"cert-{self.certs}-cert.pub"
        os.replace(str(self.carol) + "-cert.pub", cert)
        return cert

    def ssh_command(self, cert):
        return self.env.ssh_command(self.carol, self.env.port_for(VIA),
                                    extra=["-o", f"CertificateFile={cert}"])

    def ls_remote(self, cert):
        return self.env.git(["ls-remote", self.env.url(self.env.port_for(VIA))], self.carol,
                            via=VIA, ssh_command=self.ssh_command(cert))

    def assertRefused(self, cert, reason, key_id, serial, detail=""):
        mark = self.env.gitgate.mark()
        proc = self.ls_remote(cert)
        self.assertNotEqual(proc.returncode, 0, f"{key_id}: not refused")
        self.assertIn("Permission denied", proc.stderr)
        line = self.env.gitgate.wait_diagnostic(
            mark, re.escape(f"authentication failed: {reason} certificate ID \"{key_id}\" "
                            f"(serial {serial})"))
        self.assertIsNotNone(line, f"{key_id}: no diagnostic saying {reason!r}:\n"
                                   f"{self.env.gitgate.diagnostics_since(mark)}")
        self.assertIn(detail, line)
        self.assertIn(f"client={CLIENT_ADDR}", line)
        return line

    def test_valid_certificate_logs_in_as_its_principal_and_clones(self):
        cert = self.certify("carol laptop, #1", principals="nobody,alice", serial=5)
        mark = self.env.access_mark()
        diag = self.env.gitgate.mark()
        dest = self.env.clone_dir("carol-cert")
        proc = self.env.git(["clone", "-q", self.env.url(self.env.port_for(VIA)), str(dest)],
                            self.carol, via=VIA, ssh_command=self.ssh_command(cert))
        self.assertOk(proc, "clone with a certificate")
        self.assertOk(run(["git", "-C", str(dest), "fsck", "--full", "--strict"],
                          env=self.env.env), "fsck")
        i, o = self.env.wait_request(mark)
        self.assertRequestPair(i, o, addresses=ADDRESSES, user="alice", path="/" + REPO,
                               labels=["clone", "ssh:user:id:2", "ssh:id:carol%20laptop%2C%20%231"],
                               optional_labels=self.ANY_PROTOCOL)
        line = self.env.gitgate.wait_diagnostic(
            diag, r'authenticated alice \(id 2\) with certificate ID "carol laptop, #1" '
                  r'\(serial 5\) of ssh-ed25519 SHA256:')
        self.assertIsNotNone(line, self.env.gitgate.diagnostics_since(diag))
        self.assertIn(f"client={CLIENT_ADDR}", line)

    def test_rsa_ca_with_sha2_signatures(self):
        for algorithm in ("rsa-sha2-256", "rsa-sha2-512"):
            cert = self.certify(f"by {algorithm}", ca=self.rsa_ca, options=[["-t", algorithm]])
            self.assertOk(self.ls_remote(cert), f"certificate signed with {algorithm}")

    def test_certified_key_types(self):
        """libssh 0.10 verifies the client's signature with the certified key of each type
        (an RSA one signing with rsa-sha2-512, as OpenSSH's client does)."""
        for kind in ("ecdsa", "rsa"):
            key = self.make_key(f"carol_{kind}", kind)
            run(["ssh-keygen", "-q", "-s", str(self.ca), "-I", f"{kind} key", "-n", "alice",
                 "-V", VALID, str(key) + ".pub"], check=True)
            ssh = self.env.ssh_command(key, self.env.port_for(VIA),
                                       extra=["-o", f"CertificateFile={key}-cert.pub"])
            proc = self.env.git(["ls-remote", self.env.url(self.env.port_for(VIA))], key,
                                via=VIA, ssh_command=ssh)
            self.assertOk(proc, f"an {kind} certificate")

    def test_refused_certificates(self):
        cases = [
            ("expired", dict(validity="20200101:20200102"), "certificate expired",
             "expired at 2020-01-02T00:00:00Z"),
            ("not yet valid", dict(validity="+1d:+2d"), "certificate not yet valid",
             "not valid before"),
            ("other CA", dict(ca=self.other_ca), "certificate of an untrusted CA",
             "not in trusted_user_ca_keys"),
            ("unknown principal", dict(principals="carol,dave"), "certificate principal unknown",
             "principals: carol, dave"),
            ("no principals", dict(principals=None), "certificate without principals", ""),
            ("force-command", dict(options=["force-command=/bin/true"]),
             "certificate with force-command", ""),
            ("sha1", dict(ca=self.rsa_ca, options=[["-t", "ssh-rsa"]]),
             "certificate signature invalid", "SHA-1"),
            ("unknown critical option", dict(options=["critical:restrict@example.com"]),
             "certificate critical option", "restrict@example.com"),
        ]
        for key_id, kwargs, reason, detail in cases:
            with self.subTest(key_id):
                cert = self.certify(key_id, **kwargs)
                self.assertRefused(cert, reason, key_id, 1000 + self.certs, detail)
        self.assertCloneWorks(via=VIA)  # the users file's keys are unaffected

    def test_host_certificate_is_not_a_login(self):
        """OpenSSH's client does not even offer a host certificate for user authentication
        (it falls back to the plain key, unknown here); gitgate's own refusal of one is
        tested in tests/auth/cert_trust_test.cc."""
        cert = self.certify("host certificate", principals="alice", options=[["-h"]])
        mark = self.env.gitgate.mark()
        self.assertNotEqual(self.ls_remote(cert).returncode, 0)
        self.assertIsNotNone(self.env.gitgate.wait_diagnostic(
            mark, f"authentication failed: unknown key ssh-ed25519 .* client={CLIENT_ADDR}"))

    def test_source_address_is_the_proxy_headers_client(self):
        ok = self.certify("from the client", options=[f"source-address={CLIENT_ADDR}/32"])
        self.assertOk(self.ls_remote(ok), "source-address naming the real client")
        # HAProxy's own address is the TCP peer: it must not count.
        lb = self.certify("from the balancer", options=[f"source-address={LB_ADDR}/32,::1"])
        self.assertRefused(lb, "certificate source-address", "from the balancer",
                           1000 + self.certs, f"client {CLIENT_ADDR} is not in source-address")

    def test_revoked_by_krl_after_sighup(self):
        """Also closes a session the certificate opened before (OpenSSH's ControlMaster would
        otherwise run every later request over it)."""
        kept = self.certify("kept", serial=78)
        cert = self.certify("revoked soon", serial=77)
        self.assertOk(self.ls_remote(cert), "before revocation")
        control = self.env.tmp / "revoked.control"
        mux = ["-o", f"ControlPath={control}"]
        port = self.env.port_for(VIA)
        master = harness.subprocess.Popen(
            self.env.ssh_command(self.carol, port, extra=[
                "-M", "-N", *mux, "-o", f"CertificateFile={cert}"]) + [harness.SERVER_HOST],
            env=self.env.env, stdin=harness.subprocess.DEVNULL,
            stdout=harness.subprocess.DEVNULL, stderr=harness.subprocess.DEVNULL)
        spec = self.env.tmp / "krl.spec"
        spec.write_text("serial: 77\n")
        krl = self.env.tmp / "krl.new"
        run(["ssh-keygen", "-q", "-k", "-f", str(krl), "-s", str(self.ca) + ".pub", str(spec)],
            check=True)
        try:
            self.assertTrue(harness.wait_until(control.exists, 10), "no control socket")
            over_master = self.env.ssh_command(self.carol, port,
                                               extra=["-o", "ControlMaster=no", *mux])
            url = self.env.url(port)
            self.assertOk(self.env.git(["ls-remote", url], self.carol, ssh_command=over_master),
                          "ls-remote over the master")
            os.replace(krl, self.revoked)
            mark = self.env.gitgate.mark()
            self.env.gitgate.sighup()
            self.assertIsNotNone(self.env.gitgate.wait_diagnostic(
                mark, r"SIGHUP: 2 trusted user CA keys; revoked keys: a KRL"),
                self.env.gitgate.diagnostics_since(mark))
            self.assertIsNotNone(self.env.gitgate.wait_diagnostic(
                mark, r'closing: certificate ID "revoked soon" \(serial 77\).* no longer '
                      r'authorized'), self.env.gitgate.diagnostics_since(mark))
            master.wait(timeout=10)  # the server closed the master connection
            self.assertRefused(cert, "certificate revoked", "revoked soon", 77,
                               "its serial 77 is revoked for its CA")
            self.assertOk(self.ls_remote(kept), "another serial of the same CA")
        finally:
            if master.poll() is None:
                master.kill()
            master.wait()
            self.revoked.write_text("# nothing revoked\n")
            self.env.gitgate.sighup()
        self.assertIsNotNone(harness.wait_until(
            lambda: self.ls_remote(cert).returncode == 0, 10), "not accepted again")


if __name__ == "__main__":
    harness.unittest.main()
