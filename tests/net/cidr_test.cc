// net/cidr.cc: the grammar of a range, IPv4-mapped spellings, contains().
#include "net/cidr.h"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "net/socket_address.h"

namespace gitgate::net {
namespace {

SocketAddress ip(std::string_view text) {
  auto address = SocketAddress::parse_ip(text, 4242);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(SocketAddress{});
}

struct ParseCase {
  std::string text;
  std::optional<std::string> canonical;  // nullopt: must be refused
};

std::ostream& operator<<(std::ostream& os, const ParseCase& c) {
  return os << '"' << c.text << '"';
}

class CidrParseTest : public testing::TestWithParam<ParseCase> {};

TEST_P(CidrParseTest, ParsesOrRefuses) {
  const ParseCase& c = GetParam();
  const auto cidr = Cidr::parse(c.text);
  ASSERT_EQ(cidr.has_value(), c.canonical.has_value()) << c.text;
  if (cidr) {
    EXPECT_EQ(cidr->to_string(), *c.canonical);
    // The canonical form parses back to itself.
    const auto again = Cidr::parse(cidr->to_string());
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->to_string(), *c.canonical);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, CidrParseTest,
    testing::Values(
        // From the default configuration.
        ParseCase{"127.0.0.0/8", "127.0.0.0/8"}, ParseCase{"::1/128", "::1/128"},
        ParseCase{"10.0.0.0/8", "10.0.0.0/8"}, ParseCase{"172.16.0.0/12", "172.16.0.0/12"},
        ParseCase{"192.168.0.0/16", "192.168.0.0/16"}, ParseCase{"fc00::/7", "fc00::/7"},
        // Bare addresses are host routes.
        ParseCase{"10.1.2.3", "10.1.2.3/32"}, ParseCase{"2001:db8::1", "2001:db8::1/128"},
        // Edges of the prefix range.
        ParseCase{"0.0.0.0/0", "0.0.0.0/0"}, ParseCase{"::/0", "::/0"},
        ParseCase{"1.2.3.4/32", "1.2.3.4/32"}, ParseCase{"ffff::/1", "8000::/1"},
        // Host bits are accepted and masked off.
        ParseCase{"10.1.2.3/8", "10.0.0.0/8"}, ParseCase{"192.168.1.255/23", "192.168.0.0/23"},
        ParseCase{"fdff:1:2::3/7", "fc00::/7"}, ParseCase{"2001:db8::1/33", "2001:db8::/33"},
        ParseCase{"10.0.0.129/25", "10.0.0.128/25"},
        // IPv4-mapped ranges become the IPv4 range they name.
        ParseCase{"::ffff:10.0.0.0/104", "10.0.0.0/8"}, ParseCase{"::ffff:10.1.2.3", "10.1.2.3/32"},
        ParseCase{"::ffff:0:0/96", "0.0.0.0/0"}, ParseCase{"::ffff:0:0/95", "::fffe:0:0/95"},
        // IPv6 output is RFC 5952 whatever the input spelling.
        ParseCase{"2001:DB8:0:0:0:0:0:0/32", "2001:db8::/32"},
        // Refused.
        ParseCase{"", std::nullopt}, ParseCase{"/8", std::nullopt},
        ParseCase{"10.0.0.0/", std::nullopt}, ParseCase{"10.0.0.0/33", std::nullopt},
        ParseCase{"::/129", std::nullopt}, ParseCase{"10.0.0.0/-1", std::nullopt},
        ParseCase{"10.0.0.0/+8", std::nullopt}, ParseCase{"10.0.0.0/8/8", std::nullopt},
        ParseCase{"10.0.0.0/ 8", std::nullopt}, ParseCase{" 10.0.0.0/8", std::nullopt},
        ParseCase{"10.0.0.0/8 ", std::nullopt}, ParseCase{"10.0.0.0/0x8", std::nullopt},
        ParseCase{"10.0.0.0/0008", std::nullopt}, ParseCase{"10/8", std::nullopt},
        ParseCase{"10.0.0/24", std::nullopt}, ParseCase{"256.0.0.0/8", std::nullopt},
        ParseCase{"fe80::1%eth0/64", std::nullopt}, ParseCase{"[::1]/128", std::nullopt},
        ParseCase{"localhost", std::nullopt}, ParseCase{"10.0.0.0/99999999999", std::nullopt},
        ParseCase{std::string("10.0.0.0\0/8", 11), std::nullopt}));

struct ContainsCase {
  std::string cidr;
  std::string address;
  bool contained;
};

std::ostream& operator<<(std::ostream& os, const ContainsCase& c) {
  return os << c.cidr << " ? " << c.address;
}

class CidrContainsTest : public testing::TestWithParam<ContainsCase> {};

TEST_P(CidrContainsTest, MatchesByPrefix) {
  const ContainsCase& c = GetParam();
  const auto cidr = Cidr::parse(c.cidr);
  ASSERT_TRUE(cidr.has_value()) << c.cidr;
  EXPECT_EQ(cidr->contains(ip(c.address)), c.contained) << c.cidr << " contains " << c.address;
}

INSTANTIATE_TEST_SUITE_P(
    Table, CidrContainsTest,
    testing::Values(
        ContainsCase{"10.0.0.0/8", "10.0.0.0", true},
        ContainsCase{"10.0.0.0/8", "10.255.255.255", true},
        ContainsCase{"10.0.0.0/8", "11.0.0.0", false},
        ContainsCase{"10.0.0.0/8", "9.255.255.255", false},
        ContainsCase{"172.16.0.0/12", "172.31.255.1", true},
        ContainsCase{"172.16.0.0/12", "172.32.0.1", false},
        ContainsCase{"10.0.0.128/25", "10.0.0.127", false},
        ContainsCase{"10.0.0.128/25", "10.0.0.128", true},
        ContainsCase{"10.1.2.3/8", "10.200.0.1", true},  // masked host bits
        ContainsCase{"127.0.0.2", "127.0.0.2", true}, ContainsCase{"127.0.0.2", "127.0.0.3", false},
        ContainsCase{"0.0.0.0/0", "203.0.113.9", true}, ContainsCase{"0.0.0.0/0", "::1", false},
        ContainsCase{"::/0", "2001:db8::1", true}, ContainsCase{"::/0", "10.0.0.1", false},
        ContainsCase{"::1/128", "::1", true}, ContainsCase{"::1/128", "::2", false},
        ContainsCase{"fc00::/7", "fd12:3456::1", true}, ContainsCase{"fc00::/7", "fe00::1", false},
        ContainsCase{"fc00::/7", "fbff::1", false},
        ContainsCase{"2001:db8::/33", "2001:db8:7fff::1", true},
        ContainsCase{"2001:db8::/33", "2001:db8:8000::1", false},
        // A peer seen through a dual-stack socket as ::ffff:a.b.c.d matches IPv4 ranges,
        ContainsCase{"10.0.0.0/8", "::ffff:10.1.2.3", true},
        ContainsCase{"10.0.0.0/8", "::ffff:11.1.2.3", false},
        ContainsCase{"127.0.0.0/8", "::ffff:127.0.0.1", true},
        // and a mapped range matches plain IPv4 peers.
        ContainsCase{"::ffff:10.0.0.0/104", "10.9.9.9", true},
        ContainsCase{"::ffff:10.0.0.0/104", "::ffff:10.9.9.9", true},
        ContainsCase{"::ffff:10.0.0.0/104", "11.0.0.1", false},
        // IPv4-compatible (deprecated, ::a.b.c.d) addresses are IPv6, not IPv4.
        ContainsCase{"10.0.0.0/8", "::10.1.2.3", false}));

TEST(CidrTest, RefusesAddressesWithoutAnIp) {
  const auto any = Cidr::parse("0.0.0.0/0");
  const auto any6 = Cidr::parse("::/0");
  ASSERT_TRUE(any && any6);
  SocketAddress unix_address;
  unix_address.family = SocketAddress::Family::kUnix;
  for (const SocketAddress& address : {SocketAddress{}, unix_address}) {
    EXPECT_FALSE(any->contains(address));
    EXPECT_FALSE(any6->contains(address));
  }
}

TEST(CidrTest, DefaultConstructedMatchesNothing) {
  const Cidr empty;
  EXPECT_FALSE(empty.contains(ip("0.0.0.0")));
  EXPECT_FALSE(empty.contains(ip("::")));
}

}  // namespace
}  // namespace gitgate::net
