// PROXY protocol v1 (proxyproto/detail/v1.cc): spec section 2.1, go-proxyproto's v1 tests and
// Envoy's v1 cases, each fed in every split.
#include "proxyproto/detail/v1.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "proxyproto/proxy_protocol.h"
#include "tests/testing/proxy_header_builder.h"

namespace gitgate::proxyproto {
namespace {

using test::Bytes;
using test::to_bytes;

net::SocketAddress ip(std::string_view text, uint16_t port) {
  auto address = net::SocketAddress::parse_ip(text, port);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(net::SocketAddress{});
}

Header tcp(AddressFamily family, std::string_view source, uint16_t source_port,
           std::string_view destination, uint16_t destination_port) {
  Header h;
  h.version = Version::kV1;
  h.command = Command::kProxy;
  h.family = family;
  h.transport = Transport::kStream;
  h.source = ip(source, source_port);
  h.destination = ip(destination, destination_port);
  return h;
}

Header tcp4(std::string_view source, uint16_t source_port, std::string_view destination,
            uint16_t destination_port) {
  return tcp(AddressFamily::kInet, source, source_port, destination, destination_port);
}

Header tcp6(std::string_view source, uint16_t source_port, std::string_view destination,
            uint16_t destination_port) {
  return tcp(AddressFamily::kInet6, source, source_port, destination, destination_port);
}

Header unknown() {
  Header h;
  h.version = Version::kV1;
  h.command = Command::kProxy;
  return h;
}

const std::string kFullV6 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";

struct ValidCase {
  std::string name;
  std::string line;
  Header expected;
};

// NOLINTNEXTLINE(readability-identifier-naming): the name gtest looks up.
void PrintTo(const ValidCase& c, std::ostream* os) { *os << c.name; }

std::vector<ValidCase> valid_cases() {
  return {
      {"SpecExample", "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n",
       tcp4("192.168.0.1", 56324, "192.168.0.11", 443)},
      {"Tcp4Longest", "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n",
       tcp4("255.255.255.255", 65535, "255.255.255.255", 65535)},
      {"Tcp4Zeros", "PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n", tcp4("0.0.0.0", 0, "0.0.0.0", 0)},
      {"Tcp4Localhost", "PROXY TCP4 127.0.0.1 127.0.0.1 65533 65533\r\n",
       tcp4("127.0.0.1", 65533, "127.0.0.1", 65533)},
      {"Tcp6Compressed", "PROXY TCP6 2001:db8::1 ::1 51234 7999\r\n",
       tcp6("2001:db8::1", 51234, "::1", 7999)},
      {"Tcp6Longest", "PROXY TCP6 " + kFullV6 + " " + kFullV6 + " 65535 65535\r\n",
       tcp6(kFullV6, 65535, kFullV6, 65535)},
      {"Tcp6UpperCaseAndHeadingZeroes",
       "PROXY TCP6 2001:0DB8:0000:0000:0000:0000:0000:0001 FE80::A 1 2\r\n",
       tcp6("2001:db8::1", 1, "fe80::a", 2)},
      {"Tcp6AllZeroes", "PROXY TCP6 :: 1:: 0 1\r\n", tcp6("::", 0, "1::", 1)},
      {"Tcp6GapOfOneGroup", "PROXY TCP6 1:2:3:4:5:6:7:: ::2:3:4:5:6:7:8 1 2\r\n",
       tcp6("1:2:3:4:5:6:7:0", 1, "0:2:3:4:5:6:7:8", 2)},
      // go-proxyproto TCP4IN6: a v4-mapped address is reported as IPv4, as from_sockaddr does.
      {"Tcp6V4Mapped", "PROXY TCP6 ::ffff:127.0.0.1 ::ffff:10.0.0.5 65533 22\r\n",
       tcp6("127.0.0.1", 65533, "10.0.0.5", 22)},
      {"Tcp6DottedTail", "PROXY TCP6 64:ff9b::192.0.2.33 2001:db8:1:2:3:4:1.2.3.4 1 2\r\n",
       tcp6("64:ff9b::c000:221", 1, "2001:db8:1:2:3:4:102:304", 2)},
      // Envoy's proxy_protocol_test.cc: v1Basic, BasicV6, Fragmented.
      {"EnvoyBasic", "PROXY TCP4 1.2.3.4 253.253.253.253 65535 1234\r\n",
       tcp4("1.2.3.4", 65535, "253.253.253.253", 1234)},
      {"EnvoyBasicV6", "PROXY TCP6 1:2:3::4 5:6::7:8 65535 1234\r\n",
       tcp6("1:2:3::4", 65535, "5:6::7:8", 1234)},
      {"EnvoyFragmented", "PROXY TCP4 254.254.254.254 1.2.3.4 65535 1234\r\n",
       tcp4("254.254.254.254", 65535, "1.2.3.4", 1234)},
      {"UnknownShort", "PROXY UNKNOWN\r\n", unknown()},
      // go-proxyproto: UNKNOWN ignores the rest of its line, out-of-range ports included.
      {"UnknownWithAddresses", "PROXY UNKNOWN 127.0.0.1 127.0.0.1 65536 65536\r\n", unknown()},
      {"UnknownTrailingSpace", "PROXY UNKNOWN \r\n", unknown()},
      {"UnknownAnyBytes", std::string("PROXY UNKNOWN \x01\xff junk\0!\r\n", 25), unknown()},
      // The spec's worst case: exactly 107 bytes.
      {"UnknownWorstCase107", "PROXY UNKNOWN " + kFullV6 + " " + kFullV6 + " 65535 65535\r\n",
       unknown()},
  };
}

class V1ValidTest : public testing::TestWithParam<ValidCase> {};

TEST_P(V1ValidTest, ParsesInEverySplit) {
  const ValidCase& c = GetParam();
  Header expected = c.expected;
  expected.length = c.line.size();
  ASSERT_LE(c.line.size(), kV1MaxLength);
  test::expect_every_split(to_bytes(c.line), expected);
}

INSTANTIATE_TEST_SUITE_P(Spec, V1ValidTest, testing::ValuesIn(valid_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(V1Test, WorstCaseIsExactlyTheLimit) {
  const std::string line = "PROXY UNKNOWN " + kFullV6 + " " + kFullV6 + " 65535 65535\r\n";
  EXPECT_EQ(line.size(), kV1MaxLength);
}

// An invalid line, split where it stops being a valid prefix: `valid` still is (every prefix of
// it parses as NeedMore), and the first byte of `rest` makes it Invalid.
struct InvalidCase {
  std::string name;
  std::string valid;
  std::string rest;
  std::string reason;  // part of Invalid::reason
};

// NOLINTNEXTLINE(readability-identifier-naming): the name gtest looks up.
void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.name; }

std::vector<InvalidCase> invalid_cases() {
  const std::string long_unknown = "PROXY UNKNOWN " + std::string(kV1MaxLength - 15, 'a');
  return {
      {"NoSignature", "", "GET / HTTP/1.1\r\n", "not a PROXY protocol header"},
      {"SshBanner", "", "SSH-2.0-OpenSSH_9.2p1\r\n", "not a PROXY protocol header"},
      {"LowerCase", "", "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "not a PROXY"},
      {"ProxyCrlf", "PROXY", "\r\n", "not a PROXY protocol header"},
      {"ProxyLf", "PROXY ", "\n", "expected TCP4, TCP6 or UNKNOWN"},
      {"ProxySpaceCrlf", "PROXY ", "\r\n", "expected TCP4, TCP6 or UNKNOWN"},
      {"ProxySomething", "PROXY ", "SOMETHING\r\n", "expected TCP4, TCP6 or UNKNOWN"},
      {"Tcp5", "PROXY TCP", "5 1.2.3.4 5.6.7.8 1 2\r\n", "expected TCP4, TCP6 or UNKNOWN"},
      {"LowerCaseProtocol", "PROXY ", "tcp4 1.2.3.4 5.6.7.8 1 2\r\n", "expected TCP4"},
      {"TwoSpacesAfterProxy", "PROXY ", " TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "expected TCP4"},
      {"TwoSpacesAfterProtocol", "PROXY TCP4 ", " 1.2.3.4 5.6.7.8 1 2\r\n", "source address"},
      {"TabSeparator", "PROXY TCP4", "\t1.2.3.4 5.6.7.8 1 2\r\n", "single space"},
      {"InvalidAddress", "PROXY TCP4 ", "invalid invalid 65533 65533\r\n", "source address"},
      {"Tcp4WithIpv6", "PROXY TCP4 ", "::1 ::1 1 2\r\n", "source address"},
      {"Tcp4WithMapped", "PROXY TCP4 ", "::ffff:127.0.0.1 ::ffff:127.0.0.1 1 2\r\n",
       "source address"},
      {"Tcp6WithIpv4", "PROXY TCP6 127", ".0.0.1 127.0.0.1 1 2\r\n", "not an IPv6 address"},
      {"Ipv4HeadingZero", "PROXY TCP4 0", "1.2.3.4 5.6.7.8 1 2\r\n", "heading zero"},
      {"Ipv4HeadingZeroLater", "PROXY TCP4 1.2.3.4 5.6.7.0", "8 1 2\r\n", "heading zero"},
      {"Ipv4Above255", "PROXY TCP4 1.2.3.25", "6 5.6.7.8 1 2\r\n", "above 255"},
      {"Ipv4ThreeNumbers", "PROXY TCP4 1.2.3", " 5.6.7.8 1 2\r\n", "needs 4 numbers"},
      {"Ipv4FiveNumbers", "PROXY TCP4 1.2.3.4", ".5 5.6.7.8 1 2\r\n", "more than 4 numbers"},
      {"Ipv4EmptyNumber", "PROXY TCP4 1.", ".3.4 5.6.7.8 1 2\r\n", "empty number"},
      {"Ipv4TrailingDot", "PROXY TCP4 1.2.3.", " 5.6.7.8 1 2\r\n", "needs 4 numbers"},
      {"Ipv6TripleColon", "PROXY TCP6 ::", ": ::1 1 2\r\n", "IPv6"},
      {"Ipv6TwoGaps", "PROXY TCP6 1::2:", ":3 ::1 1 2\r\n", "more than one"},
      {"Ipv6LongGroup", "PROXY TCP6 1234", "5:: ::1 1 2\r\n", "longer than 4"},
      {"Ipv6NineGroups", "PROXY TCP6 1:2:3:4:5:6:7:8", ":9 ::1 1 2\r\n", "too many groups"},
      {"Ipv6SevenGroups", "PROXY TCP6 1:2:3:4:5:6:7", " ::1 1 2\r\n", "needs 8 groups"},
      {"Ipv6GapWithEightGroups", "PROXY TCP6 1:2:3:4:5:6:7::", "8 ::1 1 2\r\n", "too many"},
      {"Ipv6BadDigit", "PROXY TCP6 ", "g::1 ::1 1 2\r\n", "unexpected character"},
      {"Ipv6SingleLeadingColon", "PROXY TCP6 :", "1::2 ::1 1 2\r\n", "single colon"},
      {"Ipv6TrailingColon", "PROXY TCP6 1:", " ::1 1 2\r\n", "single colon"},
      {"Ipv6ShortDottedTail", "PROXY TCP6 ::ffff:1.2.3", " ::1 1 2\r\n", "needs 4 numbers"},
      {"Ipv6DottedTailTooLate", "PROXY TCP6 1:2:3:4:5:6:7:8", ".9.1.2 ::1 1 2\r\n", "too many"},
      {"PortAbove65535", "PROXY TCP4 127.0.0.1 127.0.0.1 6553", "6 65536\r\n", "above 65535"},
      {"PortHeadingZero", "PROXY TCP4 1.2.3.4 5.6.7.8 0", "80 22\r\n", "heading zero in port"},
      {"PortSign", "PROXY TCP4 1.2.3.4 5.6.7.8 ", "+80 22\r\n", "unexpected character"},
      {"PortNegative", "PROXY TCP4 1.2.3.4 5.6.7.8 ", "-1 22\r\n", "unexpected character"},
      {"MissingDestinationPort", "PROXY TCP4 1.2.3.4 5.6.7.8 1", "\r\n", "source port"},
      {"TrailingSpace", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2", " \r\n", "destination port"},
      {"LoneCr", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r", "X\r\n", "CR not followed by LF"},
      {"LoneLf", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2", "\n", "destination port"},
      // Envoy's proxy_protocol_test.cc. (Its InvalidSrcAddress/InvalidDstAddress refuse a
      // multicast source and a 0.0.0.0 destination: Envoy policy, not the spec's grammar.)
      {"EnvoyMalformedProxyLine", "", "BOGUS\r\n", "not a PROXY protocol header"},
      {"EnvoyProxyLineTooLarge", "", std::string(120, '0'), "not a PROXY protocol header"},
      {"EnvoyNotEnoughFields", "PROXY TCP6 1:2:3::4 5:6::7:8 1234", "\r\nmore data",
       "invalid source port"},
      {"EnvoyUnsupportedProto", "PROXY U", "DP6 1:2:3::4 5:6::7:8 1234 5678\r\n",
       "expected TCP4, TCP6 or UNKNOWN"},
      {"EnvoyBadPort", "PROXY TCP6 1:2:3::4 5:6::7:8 1234 ", "abc\r\n", "destination port"},
      {"EnvoyNegativePort", "PROXY TCP6 1:2:3::4 5:6::7:8 ", "-1 1234\r\n", "source port"},
      {"EnvoyPortOutOfRange", "PROXY TCP6 1:2:3::4 5:6::7:8 6677", "6 1234\r\n", "above 65535"},
      {"EnvoyBadAddress", "PROXY TCP6 1::2:3:", ":4 5:6::7:8 1234 5678\r\n", "more than one"},
      {"EnvoyAddressVersionsNotMatch", "PROXY TCP4 ", "[1:2:3::4] 1.2.3.4 1234 5678\r\n",
       "source address"},
      {"EnvoyAddressVersionsNotMatch2", "PROXY TCP4 1.2.3.4 ", "[1:2:3: 1234 4]:5678\r\n",
       "destination address"},
      {"EnvoyV1TooLong", "PROXY TCP4 1.2.3.4 2.3.4.5 100 100", std::string(256, ' '),
       "destination port"},
      {"UnknownGlued", "PROXY UNKNOWN", "X\r\n", "expected CRLF"},
      {"UnknownLoneCr", "PROXY UNKNOWN\r", "X\r\n", "CR not followed by LF"},
      {"UnknownLoneLfInRest", "PROXY UNKNOWN a", "\nb\r\n", "LF without CR"},
      // go-proxyproto "header too long"; a line with no CRLF in its first 107 bytes.
      {"UnknownTooLong", long_unknown, "aa\r\n", "no CRLF within the first 107 bytes"},
      {"CrAtByte107", long_unknown, "\r\n", "no CRLF within the first 107 bytes"},
      {"SpacesForever", "PROXY UNKNOWN" + std::string(93, ' '), std::string(200, ' '),
       "no CRLF within the first 107 bytes"},
  };
}

class V1InvalidTest : public testing::TestWithParam<InvalidCase> {};

TEST_P(V1InvalidTest, InvalidAsSoonAsItCannotBecomeValid) {
  const InvalidCase& c = GetParam();
  test::expect_invalid_from(to_bytes(c.valid + c.rest), c.valid.size(), c.reason);
}

INSTANTIATE_TEST_SUITE_P(Spec, V1InvalidTest, testing::ValuesIn(invalid_cases()),
                         [](const auto& info) { return info.param.name; });

// go-proxyproto "incomplete signature TCP4": a valid line without its CRLF yet.
TEST(V1Test, IncompleteLineNeedsMore) {
  const std::string line = "PROXY TCP4 127.0.0.1 127.0.0.1 65533 65533";
  const ParseResult r = parse(to_bytes(line));
  ASSERT_TRUE(std::holds_alternative<NeedMore>(r)) << test::describe(r);
  EXPECT_EQ(std::get<NeedMore>(r).at_least, line.size() + 1);
}

TEST(V1Test, NeedsAtLeastTheShortestLine) {
  for (std::string_view prefix : {"", "P", "PROXY", "PROXY U"}) {
    const ParseResult r = parse(to_bytes(prefix));
    ASSERT_TRUE(std::holds_alternative<NeedMore>(r)) << prefix;
    EXPECT_EQ(std::get<NeedMore>(r).at_least, kV1MinLength) << prefix;
  }
}

TEST(V1Test, VectorsAreFuzzSeeds) {
  for (const ValidCase& c : valid_cases()) {
    test::expect_fuzz_seed(GITGATE_SOURCE_DIR "/tests/fuzz/corpus/proxy_protocol_fuzz",
                           to_bytes(c.line));
  }
}

}  // namespace
}  // namespace gitgate::proxyproto
