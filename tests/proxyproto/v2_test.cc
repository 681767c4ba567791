// PROXY protocol v2 (proxyproto/detail/v2.cc): spec section 2.2, go-proxyproto's v2 tests, AWS
// NLB captures and HAProxy's reg-test for TLV validation, each fed in every split.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "proxyproto/proxy_protocol.h"
#include "tests/testing/proxy_header_builder.h"

namespace gitgate::proxyproto {
namespace {

using test::Bytes;
using test::from_hex;
using test::ProxyV2Builder;

constexpr std::string_view kSignature = "0d0a0d0a000d0a515549540a";

net::SocketAddress ip(std::string_view text, uint16_t port) {
  auto address = net::SocketAddress::parse_ip(text, port);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(net::SocketAddress{});
}

Header v2(Command command, AddressFamily family, Transport transport) {
  Header h;
  h.version = Version::kV2;
  h.command = command;
  h.family = family;
  h.transport = transport;
  return h;
}

Header proxy(AddressFamily family, std::string_view source, uint16_t source_port,
             std::string_view destination, uint16_t destination_port, std::vector<Tlv> tlvs = {}) {
  Header h = v2(Command::kProxy, family, Transport::kStream);
  h.source = ip(source, source_port);
  h.destination = ip(destination, destination_port);
  h.tlvs = std::move(tlvs);
  return h;
}

Tlv tlv(uint8_t type, std::string_view value) { return Tlv{type, {value.begin(), value.end()}}; }
Tlv tlv(TlvType type, std::string_view value) { return tlv(static_cast<uint8_t>(type), value); }
Tlv tlv(TlvType type, const Bytes& value) { return Tlv{static_cast<uint8_t>(type), value}; }

Header with_tlvs(Header h, std::vector<Tlv> tlvs) {
  h.tlvs = std::move(tlvs);
  return h;
}

// AWS NLB, from go-proxyproto's tlvparse/aws_test.go ("VPCE example", taken from AWS's
// elastic-load-balancing-tools): CRC32C, VPC endpoint id, then NOOP padding to 100 bytes.
const std::string kNlbVpceExample = std::string(kSignature) +
                                    "21110054 ac1f0771 ac1f0a1f c8f20050 030004e8 d6892dea"
                                    "00170176 7063652d 30386432 62663135 66616335 30303163"
                                    "39040024" +
                                    std::string(72, '0');
// go-proxyproto "VPCE capture".
const std::string kNlbVpceCapture = std::string(kSignature) +
                                    "21110054 c0a82c0a c0a82c07 cc3e241b 030004b9 286fa6ea"
                                    "00170176 7063652d 30306561 66633435 38656339 37623833"
                                    "33040024" +
                                    std::string(72, '0');
// An NLB health check (kubernetes/kubernetes#57250): LOCAL with family TCP4 but no address
// block: its CRC32C and NOOP TLVs start right after the 16 fixed bytes.
const std::string kNlbHealthCheck =
    std::string(kSignature) + "20110054 030004bc e5951f04 004a" + std::string(148, '0');
// HAProxy-generated SSL TLVs, from go-proxyproto's tlvparse/ssl_test.go.
const std::string kHaproxySslCn = std::string(kSignature) +
                                  "21110040 7f000001 7f000001 cc8a232e 20003107 00000000"
                                  "21000754 4c537631 2e332200 1f457861 6d706c65 20436f6d"
                                  "6d6f6e20 4e616d65 20436c69 656e7420 43657274";
const std::string kHaproxySslCipher = std::string(kSignature) +
                                      "2121004f 00000000 00000000 0000ffff 0a015b0e 00000000"
                                      "00000000 0000ffff 0a01019f f47c01bb 20002801 00000000"
                                      "21000754 4c537631 2e332300 16544c53 5f414553 5f323536"
                                      "5f47434d 5f534841 333834";
// HAProxy reg-test proxy_protocol_tlv_validation, client c1: AUTHORITY "12345".
const std::string kHaproxyAuthority =
    std::string(kSignature) + "21110014 7f000001 7f000001 002a0539 02000531 32333435";

// HAProxy reg-test proxy_protocol_tlv_embedded_nul: text TLVs "public", a custom TLV and an SSL
// TLV whose client and verify are zero (c1); the same values as "public\0x" (c2).
const std::string kHaproxyNulC1 = std::string(kSignature) +
                                  "2111002f 7f000001 7f000001 002a0539 020006 7075626c6963"
                                  "050006 7075626c6963 e10006 7075626c6963 200005 0000000000";
const std::string kHaproxyNulC2 = std::string(kSignature) +
                                  "2111002d 7f000001 7f000001 002a0539 020008 7075626c69630078"
                                  "050008 7075626c69630078 e10008 7075626c69630078";

struct ValidCase {
  std::string name;
  Bytes bytes;
  Header expected;
};

// NOLINTNEXTLINE(readability-identifier-naming): the name gtest looks up.
void PrintTo(const ValidCase& c, std::ostream* os) { *os << c.name; }

Bytes ssl_cn_value() {
  return test::ssl_value(0x07, 0, {{0x21, "TLSv1.3"}, {0x22, "Example Common Name Client Cert"}});
}

std::vector<ValidCase> valid_cases() {
  const std::string vpce1 = "\x01vpce-08d2bf15fac5001c9";
  const std::string vpce2 = "\x01vpce-00eafc458ec97b833";
  const std::string crc1("\xe8\xd6\x89\x2d", 4);
  const std::string crc2("\xb9\x28\x6f\xa6", 4);
  const std::string crc_health("\xbc\xe5\x95\x1f", 4);
  const std::vector<Tlv> zeros24(24, Tlv{});
  const std::vector<Tlv> zeros16(16, Tlv{});
  const Bytes unique_id(128, 'u');
  const Header local_tcp4 = v2(Command::kLocal, AddressFamily::kInet, Transport::kStream);
  const Header local_unspec = v2(Command::kLocal, AddressFamily::kUnspec, Transport::kUnspec);
  Header unix_stream = v2(Command::kProxy, AddressFamily::kUnix, Transport::kStream);
  unix_stream.source = {net::SocketAddress::Family::kUnix, {}, 0, "/run/lb.sock"};
  unix_stream.destination = {net::SocketAddress::Family::kUnix, {}, 0, std::string(108, 'd')};
  return {
      {"ProxyTcp4", ProxyV2Builder().tcp("127.0.0.1", 65533, "10.0.0.5", 7999).build(),
       proxy(AddressFamily::kInet, "127.0.0.1", 65533, "10.0.0.5", 7999)},
      {"ProxyTcp6", ProxyV2Builder().tcp("2001:db8::1", 1, "::1", 22).build(),
       proxy(AddressFamily::kInet6, "2001:db8::1", 1, "::1", 22)},
      {"ProxyTcp6V4MappedIsIpv4", ProxyV2Builder().tcp("::ffff:1.2.3.4", 1, "::1", 22).build(),
       proxy(AddressFamily::kInet6, "1.2.3.4", 1, "::1", 22)},
      // go-proxyproto "local": the addresses of a LOCAL header are skipped, not reported.
      {"LocalTcp4WithAddresses",
       ProxyV2Builder()
           .command(Command::kLocal)
           .tcp("127.0.0.1", 65533, "127.0.0.1", 65533)
           .build(),
       local_tcp4},
      // What HAProxy sends for its health checks.
      {"LocalUnspecEmpty", ProxyV2Builder().command(Command::kLocal).build(), local_unspec},
      {"LocalUnspecWithTlv",
       ProxyV2Builder().command(Command::kLocal).tlv(TlvType::kAuthority, "lb").build(),
       with_tlvs(local_unspec, {tlv(TlvType::kAuthority, "lb")})},
      {"LocalDgramFamilyIgnored",
       ProxyV2Builder().command(Command::kLocal).tcp("1.2.3.4", 1, "5.6.7.8", 2).fam(0x12).build(),
       v2(Command::kLocal, AddressFamily::kInet, Transport::kDgram)},
      {"ProxyUnspec", ProxyV2Builder().build(),
       v2(Command::kProxy, AddressFamily::kUnspec, Transport::kUnspec)},
      {"ProxyUnspecSkipsItsBlock", ProxyV2Builder().address_block(Bytes(12, 0)).build(),
       with_tlvs(v2(Command::kProxy, AddressFamily::kUnspec, Transport::kUnspec),
                 std::vector<Tlv>(4, Tlv{}))},
      {"ProxyUnixStream",
       ProxyV2Builder().unix_stream("/run/lb.sock", std::string(108, 'd')).build(), unix_stream},
      // go-proxyproto "padded": zero bytes up to a length of 84 read as empty TLVs of type 0.
      {"Tcp4Padded", ProxyV2Builder().tcp("127.0.0.1", 1, "127.0.0.1", 2).raw(Bytes(72, 0)).build(),
       proxy(AddressFamily::kInet, "127.0.0.1", 1, "127.0.0.1", 2, zeros24)},
      {"Tcp6Padded", ProxyV2Builder().tcp("::1", 1, "::1", 2).raw(Bytes(48, 0)).build(),
       proxy(AddressFamily::kInet6, "::1", 1, "::1", 2, zeros16)},
      {"HaproxyAuthority", from_hex(kHaproxyAuthority),
       proxy(AddressFamily::kInet, "127.0.0.1", 42, "127.0.0.1", 1337,
             {tlv(TlvType::kAuthority, "12345")})},
      {"NlbVpceExample", from_hex(kNlbVpceExample),
       proxy(AddressFamily::kInet, "172.31.7.113", 51442, "172.31.10.31", 80,
             {tlv(TlvType::kCrc32c, crc1), tlv(TlvType::kAws, vpce1),
              tlv(TlvType::kNoop, std::string(36, '\0'))})},
      {"NlbVpceCapture", from_hex(kNlbVpceCapture),
       proxy(AddressFamily::kInet, "192.168.44.10", 52286, "192.168.44.7", 9243,
             {tlv(TlvType::kCrc32c, crc2), tlv(TlvType::kAws, vpce2),
              tlv(TlvType::kNoop, std::string(36, '\0'))})},
      {"NlbLocalHealthCheck", from_hex(kNlbHealthCheck),
       with_tlvs(local_tcp4,
                 {tlv(TlvType::kCrc32c, crc_health), tlv(TlvType::kNoop, std::string(74, '\0'))})},
      {"HaproxySslCn", from_hex(kHaproxySslCn),
       proxy(AddressFamily::kInet, "127.0.0.1", 52362, "127.0.0.1", 9006,
             {tlv(TlvType::kSsl, ssl_cn_value())})},
      {"HaproxySslCipher", from_hex(kHaproxySslCipher),
       proxy(
           AddressFamily::kInet6, "10.1.91.14", 62588, "10.1.1.159", 443,
           {tlv(TlvType::kSsl,
                test::ssl_value(0x01, 0, {{0x21, "TLSv1.3"}, {0x23, "TLS_AES_256_GCM_SHA384"}}))})},
      {"HaproxyTextTlvs", from_hex(kHaproxyNulC1),
       proxy(AddressFamily::kInet, "127.0.0.1", 42, "127.0.0.1", 1337,
             {tlv(TlvType::kAuthority, "public"), tlv(TlvType::kUniqueId, "public"),
              tlv(0xE1, "public"), tlv(TlvType::kSsl, std::string(5, '\0'))})},
      {"HaproxyTextTlvsWithNul", from_hex(kHaproxyNulC2),
       proxy(AddressFamily::kInet, "127.0.0.1", 42, "127.0.0.1", 1337,
             {tlv(TlvType::kAuthority, std::string("public\0x", 8)),
              tlv(TlvType::kUniqueId, std::string("public\0x", 8)),
              tlv(0xE1, std::string("public\0x", 8))})},
      // Envoy's proxy_protocol_test.cc: v2Basic, v2LocalConnectionExtension, v2ParseExtensions.
      {"EnvoyV2Basic", from_hex(std::string(kSignature) + "2111000c 01020304 00010102 03050002"),
       proxy(AddressFamily::kInet, "1.2.3.4", 773, "0.1.1.2", 2)},
      {"EnvoyLocalExtension", from_hex(std::string(kSignature) + "20000004 000001ff"),
       with_tlvs(local_unspec, {tlv(0x00, "\xff")})},
      {"EnvoyParseExtensions",
       from_hex(std::string(kSignature) + "21110014 01020304 00010102 03050002 000001ff 000001ff"),
       proxy(AddressFamily::kInet, "1.2.3.4", 773, "0.1.1.2", 2,
             {tlv(0x00, "\xff"), tlv(0x00, "\xff")})},
      {"EveryTlvType",
       ProxyV2Builder()
           .tcp("203.0.113.9", 50000, "10.0.0.5", 7999)
           .tlv(TlvType::kAlpn, "h2")
           .tlv(TlvType::kAuthority, "git.example.com")
           .tlv(TlvType::kUniqueId, std::string(128, 'u'))
           .tlv(TlvType::kNetns, "blue")
           .tlv(0xEE, std::string("\x01\xc1\x45\x00\x21", 5))
           .tlv(0xE0, std::string("\xff\xff\xff\xff\xc0\xa8\x64\x02", 8))
           .tlv(0xF0, "experimental")
           .noop(0)
           .build(),
       proxy(AddressFamily::kInet, "203.0.113.9", 50000, "10.0.0.5", 7999,
             {tlv(TlvType::kAlpn, "h2"), tlv(TlvType::kAuthority, "git.example.com"),
              tlv(TlvType::kUniqueId, unique_id), tlv(TlvType::kNetns, "blue"),
              tlv(0xEE, std::string("\x01\xc1\x45\x00\x21", 5)),
              tlv(0xE0, std::string("\xff\xff\xff\xff\xc0\xa8\x64\x02", 8)),
              tlv(0xF0, "experimental"), tlv(TlvType::kNoop, "")})},
  };
}

class V2ValidTest : public testing::TestWithParam<ValidCase> {};

TEST_P(V2ValidTest, ParsesInEverySplit) {
  const ValidCase& c = GetParam();
  Header expected = c.expected;
  expected.length = c.bytes.size();
  test::expect_every_split(c.bytes, expected);
}

INSTANTIATE_TEST_SUITE_P(Spec, V2ValidTest, testing::ValuesIn(valid_cases()),
                         [](const auto& info) { return info.param.name; });

// A header, invalid from byte `valid_prefix` + 1 on (every shorter prefix needs more).
struct InvalidCase {
  std::string name;
  Bytes bytes;
  size_t valid_prefix;
  std::string reason;  // part of Invalid::reason
};

// NOLINTNEXTLINE(readability-identifier-naming): the name gtest looks up.
void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.name; }

Bytes with_byte(Bytes bytes, size_t at, uint8_t value) {
  bytes.at(at) = value;
  return bytes;
}

std::vector<InvalidCase> invalid_cases() {
  const auto tcp4 = [] { return ProxyV2Builder().tcp("127.0.0.1", 1, "127.0.0.1", 2); };
  const auto sized = [](const Bytes& b) { return b.size() - 1; };  // invalid once all is in
  const Bytes one_byte_tlv = tcp4().raw(Bytes{0xE1}).build();
  const Bytes two_byte_tlv = tcp4().raw(Bytes{0xE2, 0x00}).build();
  const Bytes empty_len_tlv = tcp4().raw(Bytes{0xE3, 0x00, 0x01}).build();
  const Bytes partial_len_tlv = tcp4().raw(Bytes{0xE3, 0x00, 0x02, 0x00}).build();
  const Bytes overrun = from_hex(std::string(kSignature) +
                                 "21110014 7f000001 7f000001 002a0539 02000a31 32333435"
                                 "3132333435");
  const Bytes not_on_boundary = test::concat(
      {from_hex(std::string(kSignature) + "21110014 7f000001 7f000001 002a0539 02000431323334"),
       test::to_bytes("GET / HTTP/1.1\r\n\r\n")});
  const Bytes bad_crc = tcp4().crc32c(0xdeadbeef).build();
  const Bytes short_crc = tcp4().tlv(TlvType::kCrc32c, "abc").build();
  const Bytes two_crcs = tcp4().crc32c().crc32c().build();
  const Bytes nlb_corrupted = with_byte(from_hex(kNlbVpceExample), 50, 'X');
  const Bytes long_id = tcp4().tlv(TlvType::kUniqueId, std::string(129, 'u')).build();
  const Bytes short_ssl =
      tcp4().tlv(TlvType::kSsl, std::string_view("\x01\x00\x00\x00", 4)).build();
  Bytes bad_sub = test::ssl_value(0x01, 0, {{0x21, "TLSv1.3"}});
  bad_sub.at(7) = 0x08;  // the version sub-TLV now claims one byte more than there is
  const Bytes ssl_overrun = tcp4().tlv(0x20, bad_sub).build();
  const Bytes local_garbage = ProxyV2Builder()
                                  .command(Command::kLocal)
                                  .tcp("127.0.0.1", 1, "127.0.0.1", 2)
                                  .raw(Bytes{7})
                                  .build();
  const Bytes local_stray = ProxyV2Builder().command(Command::kLocal).raw(Bytes{0, 0}).build();
  const Bytes at_cap = tcp4().noop(kV2DefaultMaxLength - 16 - 12 - 3 + 1).build();
  const std::string sig(kSignature);
  return {
      {"Version1", from_hex(sig + "11110000"), 12, "version 1, not 2"},
      {"Version3", from_hex(sig + "31110000"), 12, "version 3"},
      {"InvalidCommandByte", from_hex(sig + "99"), 12, "version 9"},
      {"CommandTwo", from_hex(sig + "22110000"), 12, "neither LOCAL nor PROXY"},
      {"CommandF", from_hex(sig + "2f110000"), 12, "neither LOCAL nor PROXY"},
      {"FamilyInvalid", from_hex(sig + "21990000"), 13, "undefined address family"},
      {"FamilyInetTransportUnspec", from_hex(sig + "2110000c"), 13, "undefined address family"},
      {"FamilyUnspecTransportStream", from_hex(sig + "21010000"), 13, "undefined"},
      {"TransportThree", from_hex(sig + "2113000c"), 13, "undefined address family"},
      {"FamilyFour", from_hex(sig + "20410000"), 13, "undefined address family"},
      {"ProxyUdp4", tcp4().fam(0x12).build(), 13, "DGRAM"},
      // Envoy's v2BasicV6 (sent as 0x22, UDP6), v2WrongVersion (family 0x93), v2BadCommand,
      // v2ShortV4 (INET6 with 4 bytes).
      {"EnvoyV2Udp6", from_hex(sig + "21220024" + std::string(72, '1')), 13, "DGRAM"},
      {"EnvoyFamily93", from_hex(sig + "21930014"), 13, "undefined address family"},
      {"EnvoyBadCommand", from_hex(sig + "29320014"), 12, "neither LOCAL nor PROXY"},
      {"EnvoyShortV6", from_hex(sig + "21210004 00080002"), 15, "INET6 needs 36"},
      {"ProxyUdp6", ProxyV2Builder().tcp("::1", 1, "::1", 2).fam(0x22).build(), 13, "DGRAM"},
      {"ProxyUnixDgram", ProxyV2Builder().unix_stream("/a", "/b").fam(0x32).build(), 13, "DGRAM"},
      // go-proxyproto "TCPv4 length zero but with address and ports".
      {"Tcp4LengthZero", tcp4().length(0).build(), 15, "address block of 0 bytes, INET needs 12"},
      {"Tcp4Length11", tcp4().length(11).build(), 15, "INET needs 12"},
      {"Tcp6Length12", from_hex(sig + "2121000c"), 15, "INET6 needs 36"},
      {"UnixLength215", ProxyV2Builder().unix_stream("/a", "/b").length(215).build(), 15,
       "UNIX needs 216"},
      {"LengthAboveCap", at_cap, 15, "exceeds the limit of 4096"},
      // go-proxyproto tlv_test.go.
      {"OneByteTlv", one_byte_tlv, sized(one_byte_tlv), "truncated TLV"},
      {"TwoByteTlv", two_byte_tlv, sized(two_byte_tlv), "truncated TLV"},
      {"EmptyLenTlv", empty_len_tlv, sized(empty_len_tlv), "declares 1 bytes, only 0 left"},
      {"PartialLenTlv", partial_len_tlv, sized(partial_len_tlv), "declares 2 bytes, only 1"},
      // HAProxy reg-test: clients c3 (TLV past the header's end) and c4 (TLVs end short).
      {"HaproxyTlvOverrunsHeader", overrun, 35, "declares 10 bytes, only 5 left"},
      {"HaproxyTlvsEndShort", not_on_boundary, 35, "truncated TLV at offset 35"},
      {"Crc32cMismatch", bad_crc, sized(bad_crc), "CRC32C mismatch"},
      {"Crc32cNotFourBytes", short_crc, sized(short_crc), "CRC32C TLV of 3 bytes"},
      {"Crc32cTwice", two_crcs, sized(two_crcs), "more than one CRC32C"},
      {"NlbCorrupted", nlb_corrupted, nlb_corrupted.size() - 1, "CRC32C mismatch"},
      {"UniqueIdTooLong", long_id, sized(long_id), "UNIQUE_ID TLV of 129 bytes"},
      {"SslTooShort", short_ssl, sized(short_ssl), "SSL TLV of 4 bytes"},
      {"SslSubTlvOverrun", ssl_overrun, sized(ssl_overrun), "SSL sub-TLV 0x21"},
      {"LocalGarbage", local_garbage, sized(local_garbage), "LOCAL: truncated TLV"},
      {"LocalUnspecStrayBytes", local_stray, sized(local_stray), "LOCAL: truncated TLV"},
  };
}

class V2InvalidTest : public testing::TestWithParam<InvalidCase> {};

TEST_P(V2InvalidTest, InvalidAsSoonAsItCannotBecomeValid) {
  const InvalidCase& c = GetParam();
  test::expect_invalid_from(c.bytes, c.valid_prefix, c.reason);
}

INSTANTIATE_TEST_SUITE_P(Spec, V2InvalidTest, testing::ValuesIn(invalid_cases()),
                         [](const auto& info) { return info.param.name; });

// go-proxyproto's "mismatching length" cases: the declared length has not all arrived.
TEST(V2Test, WaitsForTheDeclaredLength) {
  const std::string sig(kSignature);
  const std::vector<std::pair<Bytes, size_t>> cases = {
      {from_hex(sig), 16},
      {from_hex(sig + "21"), 16},
      {from_hex(sig + "2111"), 16},
      {from_hex(sig + "2111000c"), 28},
      {from_hex(sig + "21210024 7f000001 7f000001 00010002"), 52},
      {from_hex(sig + "20000007"), 23},
      {from_hex("0d0a0d"), 16},
  };
  for (const auto& [bytes, at_least] : cases) {
    const ParseResult r = parse(bytes);
    ASSERT_TRUE(std::holds_alternative<NeedMore>(r)) << test::describe(r);
    EXPECT_EQ(std::get<NeedMore>(r).at_least, at_least) << bytes.size() << " bytes";
  }
}

TEST(V2Test, HeaderAtTheCapIsAccepted) {
  const Bytes bytes =
      ProxyV2Builder().tcp("127.0.0.1", 1, "127.0.0.1", 2).noop(kV2DefaultMaxLength - 31).build();
  ASSERT_EQ(bytes.size(), kV2DefaultMaxLength);
  const ParseResult r = parse(bytes);
  ASSERT_TRUE(std::holds_alternative<Header>(r)) << test::describe(r);
  EXPECT_EQ(std::get<Header>(r).length, kV2DefaultMaxLength);
  EXPECT_TRUE(std::holds_alternative<Invalid>(parse(bytes, ParseOptions{kV2DefaultMaxLength - 1})));
}

TEST(V2Test, CapIsDecidedOnTheFixedBytes) {
  test::expect_invalid_from(from_hex(kNlbVpceExample), 15,
                            "header of 100 bytes exceeds the limit of 64", ParseOptions{64});
}

TEST(V2Test, CrcIsVerifiedWhereverItSits) {
  const Bytes bytes = ProxyV2Builder()
                          .tcp("198.51.100.7", 4242, "10.0.0.5", 7999)
                          .tlv(TlvType::kAuthority, "git.example.com")
                          .crc32c()
                          .noop(5)
                          .build();
  const ParseResult r = parse(bytes);
  ASSERT_TRUE(std::holds_alternative<Header>(r)) << test::describe(r);
  EXPECT_TRUE(std::get<Header>(r).crc32c().has_value());
  const size_t crc_type = bytes.size() - 8 - 7;  // NOOP(5) takes 8 bytes, CRC32C 7
  ASSERT_EQ(bytes[crc_type], 0x03);
  for (size_t i = kV2Signature.size(); i < bytes.size(); ++i) {
    // Any flipped bit is caught, except in the CRC32C's own type byte: that makes it another,
    // unknown TLV, and a header without a checksum is valid.
    if (i == crc_type) {
      continue;
    }
    Bytes corrupt = bytes;
    corrupt[i] ^= 0x10;
    EXPECT_FALSE(std::holds_alternative<Header>(parse(corrupt))) << "byte " << i;
  }
}

TEST(V2Test, VectorsAreFuzzSeeds) {
  for (const ValidCase& c : valid_cases()) {
    test::expect_fuzz_seed(GITGATE_SOURCE_DIR "/tests/fuzz/corpus/proxy_protocol_fuzz", c.bytes);
  }
  for (const InvalidCase& c : invalid_cases()) {
    test::expect_fuzz_seed(GITGATE_SOURCE_DIR "/tests/fuzz/corpus/proxy_protocol_fuzz", c.bytes);
  }
}

}  // namespace
}  // namespace gitgate::proxyproto
