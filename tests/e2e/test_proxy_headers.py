"""PROXY headers haproxy does not send, written by proxy_relay.py (an ssh ProxyCommand)
from the trusted address 127.0.0.3: IPv6 clients (in RFC 5952 form in the log), v2 TLVs of
cloud balancers with CRC32C, LOCAL and v1 UNKNOWN, a header split into one-byte writes; and
the headers that must be refused: a bad CRC32C, a malformed v1 line."""

import harness
from harness import LB_ADDR, REPO


class ProxyHeaderTest(harness.GitgateTestCase):
    def clone_with_header(self, header, chunked=False):
        ssh = self.env.relay_ssh_command(self.alice["key"], header, chunked=chunked)
        dest = self.env.clone_dir("relay")
        dest.parent.mkdir(exist_ok=True)
        mark = self.env.access_mark()
        proc = self.env.git(["clone", "-q", self.env.url(self.env.gitgate.port), str(dest)],
                            self.alice, ssh_command=ssh)
        return proc, dest, mark

    def assertClonedAs(self, header, addresses, chunked=False):
        proc, dest, mark = self.clone_with_header(header, chunked)
        self.assertOk(proc, "clone through the relay")
        self.assertOk(harness.run(["git", "-C", str(dest), "fsck", "--full"], env=self.env.env),
                      "fsck")
        i, o = self.env.wait_request(mark)
        self.assertRequestPair(i, o, addresses=addresses, user="alice", path="/" + REPO,
                               labels=["clone", "ssh:user:id:2"],
                               optional_labels=self.ANY_PROTOCOL)

    def test_v1_tcp4(self):
        self.assertClonedAs(harness.proxy_v1("203.0.113.9", "10.0.0.5", 50123, 7999),
                            f"203.0.113.9,{LB_ADDR}")

    def test_v1_tcp6(self):
        self.assertClonedAs(harness.proxy_v1("2001:db8::7", "2001:db8::1", 50123, 7999),
                            f"2001:db8::7,{LB_ADDR}")

    def test_v2_tcp6_logged_in_rfc5952_form(self):
        header = harness.proxy_v2("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::2",
                                  50123, 7999)
        self.assertClonedAs(header, f"2001:db8::1,{LB_ADDR}")

    def test_v2_with_cloud_tlvs_and_crc32c(self):
        tlvs = [(0xEA, b"\x01vpce-0123456789abcdef0"),  # AWS VPC endpoint id
                (0xEE, b"\x01" + (12345).to_bytes(4, "little")),  # Azure link id
                (0xE0, (987654321).to_bytes(8, "big")),  # GCP PSC connection id
                (0x04, b"\x00" * 5)]  # NOOP padding, as NLB sends
        header = harness.proxy_v2("198.51.100.7", "10.0.0.5", 40000, 7999, tlvs=tlvs)
        self.assertClonedAs(header, f"198.51.100.7,{LB_ADDR}")

    def test_v2_without_crc(self):
        header = harness.proxy_v2("198.51.100.8", "10.0.0.5", 40000, 7999, crc=None)
        self.assertClonedAs(header, f"198.51.100.8,{LB_ADDR}")

    def test_v2_local_uses_the_socket_addresses(self):
        self.assertClonedAs(harness.proxy_v2(local=True), LB_ADDR)

    def test_v1_unknown_uses_the_socket_addresses(self):
        # Like LOCAL it names no client: the peer alone, not the balancer as its own client.
        self.assertClonedAs(b"PROXY UNKNOWN\r\n", LB_ADDR)

    def test_header_in_one_byte_writes(self):
        for name, header in (("v1", harness.proxy_v1("192.0.2.10", "10.0.0.5", 1, 7999)),
                             ("v2", harness.proxy_v2("192.0.2.11", "10.0.0.5", 1, 7999))):
            with self.subTest(version=name):
                src = "192.0.2.10" if name == "v1" else "192.0.2.11"
                self.assertClonedAs(header, f"{src},{LB_ADDR}", chunked=True)

    def assertHeaderRefused(self, header):
        stderr_mark = self.env.gitgate.mark()
        proc, _, mark = self.clone_with_header(header)
        self.assertNotEqual(proc.returncode, 0, "a bad header was accepted")
        line = self.env.gitgate.wait_diagnostic(stderr_mark, harness.re.escape(LB_ADDR))
        self.assertIsNotNone(line, "no diagnostic naming the peer; stderr:\n" +
                             self.env.gitgate.diagnostics_since(stderr_mark))
        self.assertEqual(self.env.access_lines()[mark:], [], "a refused header was logged "
                         "as a request")
        self.assertCloneWorks()

    def test_bad_crc32c_is_refused(self):
        self.assertHeaderRefused(harness.proxy_v2("198.51.100.9", "10.0.0.5", 1, 2, crc="bad"))

    def test_malformed_v1_is_refused(self):
        self.assertHeaderRefused(b"PROXY TCP4 198.51.100.300 10.0.0.5 1 2\r\n")

    def test_v1_too_long_is_refused(self):
        self.assertHeaderRefused(b"PROXY TCP4 " + b"1" * 120 + b"\r\n")


if __name__ == "__main__":
    harness.unittest.main(verbosity=2)
