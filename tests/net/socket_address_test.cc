// net/socket_address.cc: RFC 5952 text for IPv6, from_sockaddr, parse_ip.
#include "net/socket_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>
#include <ostream>
#include <string>
#include <vector>

namespace gitgate::net {
namespace {

std::array<uint8_t, 16> v6(const char* text) {
  std::array<uint8_t, 16> bytes{};
  EXPECT_EQ(inet_pton(AF_INET6, text, bytes.data()), 1) << text;
  return bytes;
}

struct FormatCase {
  std::string input;     // any valid textual form
  std::string expected;  // RFC 5952
};

class Rfc5952Test : public testing::TestWithParam<FormatCase> {};

TEST_P(Rfc5952Test, Formats) {
  const SocketAddress a = SocketAddress::ipv6(v6(GetParam().input.c_str()), 22);
  EXPECT_EQ(a.ip_string(), GetParam().expected);
  EXPECT_EQ(a.to_string(), "[" + GetParam().expected + "]:22");
}

INSTANTIATE_TEST_SUITE_P(
    Rfc5952, Rfc5952Test,
    testing::Values(
        // 4.1: no heading zeroes in a group.
        FormatCase{"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
        FormatCase{"2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"},
        // 4.2.1: "::" shortens as much as possible.
        FormatCase{"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},
        // 4.2.2: a single zero group is not compressed.
        FormatCase{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
        // 4.2.3: the longest run wins; on a tie, the first.
        FormatCase{"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
        FormatCase{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
        FormatCase{"1:0:0:2:0:0:3:4", "1::2:0:0:3:4"},
        // 4.3: lower case.
        FormatCase{"2001:DB8::ABCD:EF", "2001:db8::abcd:ef"},
        // Runs at either end, and all zeroes.
        FormatCase{"::", "::"}, FormatCase{"::1", "::1"}, FormatCase{"1::", "1::"},
        FormatCase{"0:0:1::", "0:0:1::"}, FormatCase{"1:0:0:0:0:0:0:0", "1::"},
        FormatCase{"fe80::1:2", "fe80::1:2"},
        // 5: IPv4-mapped addresses keep the dotted quad.
        FormatCase{"::ffff:192.0.2.1", "::ffff:192.0.2.1"},
        FormatCase{"::ffff:0:0", "::ffff:0.0.0.0"},
        FormatCase{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}));

TEST(SocketAddressTest, Ipv4AndNone) {
  const SocketAddress a = SocketAddress::ipv4({203, 0, 113, 9}, 50123);
  EXPECT_EQ(a.ip_string(), "203.0.113.9");
  EXPECT_EQ(a.to_string(), "203.0.113.9:50123");
  EXPECT_EQ(SocketAddress{}.ip_string(), "-");
  EXPECT_EQ(SocketAddress{}.to_string(), "-");
  SocketAddress unix;
  unix.family = SocketAddress::Family::kUnix;
  EXPECT_EQ(unix.to_string(), "unix");
  unix.unix_path = "/run/lb.sock";
  EXPECT_EQ(unix.to_string(), "unix:/run/lb.sock");
}

TEST(SocketAddressTest, FromSockaddrIpv4) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(7999);
  ASSERT_EQ(inet_pton(AF_INET, "10.0.0.5", &in.sin_addr), 1);
  const SocketAddress a = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&in), sizeof in);
  EXPECT_EQ(a, SocketAddress::ipv4({10, 0, 0, 5}, 7999));
  // Too short for its family: nothing.
  EXPECT_EQ(SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&in), sizeof in - 1),
            SocketAddress{});
}

TEST(SocketAddressTest, FromSockaddrIpv6) {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(22);
  ASSERT_EQ(inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr), 1);
  const SocketAddress a =
      SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&in6), sizeof in6);
  EXPECT_EQ(a, SocketAddress::ipv6(v6("2001:db8::1"), 22));
  EXPECT_EQ(a.to_string(), "[2001:db8::1]:22");
}

TEST(SocketAddressTest, FromSockaddrV4MappedBecomesIpv4) {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(4242);
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr), 1);
  const SocketAddress a =
      SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&in6), sizeof in6);
  EXPECT_EQ(a, SocketAddress::ipv4({127, 0, 0, 1}, 4242));
}

TEST(SocketAddressTest, FromSockaddrUnixAndOthers) {
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::strcpy(un.sun_path, "/run/gitgate.sock");
  const SocketAddress a = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&un), sizeof un);
  EXPECT_EQ(a.family, SocketAddress::Family::kUnix);
  EXPECT_EQ(a.unix_path, "/run/gitgate.sock");
  // An unnamed socket (socketpair) has no path.
  EXPECT_EQ(
      SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&un), sizeof(sa_family_t)).unix_path,
      "");
  EXPECT_EQ(SocketAddress::from_sockaddr(nullptr, 0), SocketAddress{});
  sockaddr other{};
  other.sa_family = AF_APPLETALK;
  EXPECT_EQ(SocketAddress::from_sockaddr(&other, sizeof other), SocketAddress{});
}

struct ParseIpCase {
  std::string text;
  std::optional<std::string> canonical;  // nullopt: refused
};

TEST(SocketAddressTest, ParseIp) {
  const std::vector<ParseIpCase> cases = {
      {"1.2.3.4", "1.2.3.4"},
      {"255.255.255.255", "255.255.255.255"},
      {"2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
      {"::", "::"},
      {"::ffff:1.2.3.4", "::ffff:1.2.3.4"},  // kept as IPv6: CIDRs may name mapped ranges
      {"", std::nullopt},
      {"1.2.3", std::nullopt},
      {"1.2.3.256", std::nullopt},
      {"01.2.3.4", std::nullopt},
      {"1.2.3.4:80", std::nullopt},
      {" 1.2.3.4", std::nullopt},
      {"[::1]", std::nullopt},
      {"1:2:3:4:5:6:7:8:9", std::nullopt},
      {"localhost", std::nullopt},
      {std::string(100, '1'), std::nullopt},
      {std::string("10.0.0.1\0junk", 13), std::nullopt},  // inet_pton would stop at the NUL
  };
  for (const ParseIpCase& c : cases) {
    const std::optional<SocketAddress> a = SocketAddress::parse_ip(c.text, 7);
    ASSERT_EQ(a.has_value(), c.canonical.has_value()) << c.text;
    if (!a) {
      continue;
    }
    EXPECT_EQ(a->ip_string(), *c.canonical) << c.text;
    EXPECT_EQ(a->port, 7);
  }
  EXPECT_EQ(SocketAddress::parse_ip("10.0.0.5")->family, SocketAddress::Family::kIPv4);
  EXPECT_EQ(SocketAddress::parse_ip("::1")->family, SocketAddress::Family::kIPv6);
}

}  // namespace
}  // namespace gitgate::net
