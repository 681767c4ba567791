// auth/detail/source_address.cc: the source-address lists OpenSSH's addr_match_cidr_list()
// accepts, matches and refuses.
#include "auth/detail/source_address.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gitgate::auth::detail {
namespace {

struct Match {
  std::string list;
  std::string client;
  bool matches;
};

TEST(SourceAddress, MatchesAsOpenSsh) {
  const std::vector<Match> table{
      {"10.0.0.0/8", "10.200.1.1", true},
      {"10.0.0.0/8", "11.0.0.1", false},
      {"192.0.2.7", "192.0.2.7", true},  // a bare address is a /32
      {"192.0.2.7", "192.0.2.8", false},
      {"10.0.0.0/8,192.0.2.0/24", "192.0.2.200", true},
      {"0.0.0.0/0", "198.51.100.1", true},
      {"0.0.0.0/0", "2001:db8::1", false},  // families never mix
      {"2001:db8::/32", "2001:db8:1::5", true},
      {"2001:db8::/32", "2001:db9::5", false},
      {"::/0", "::1", true},
      {"10.0.0.0/8", "::ffff:10.1.1.1", true},  // an IPv4 client seen through a v6 socket
      {"2001:DB8::/32", "2001:db8::1", true},
  };
  for (const Match& entry : table) {
    const auto list = parse_source_addresses(entry.list);
    ASSERT_TRUE(list.has_value()) << entry.list;
    EXPECT_EQ(source_address_matches(*list, *net::SocketAddress::parse_ip(entry.client)),
              entry.matches)
        << entry.list << " " << entry.client;
  }
}

TEST(SourceAddress, RefusesWhatOpenSshCallsInvalid) {
  for (const std::string_view list :
       {"", ",", "10.0.0.0/8,", ",10.0.0.0/8", "10.0.0.1/8", "10.0.0.0/33", "2001:db8::1/32",
        "!10.0.0.0/8", "*", "10.0.0.0/8 ", "host.example", "10.0.0.0/-1", "10.0.0.0/",
        "10.0.0.0/8/8", "1111:2222:3333:4444:5555:6666:7777:8888/128/1234567890", "fe80::1%eth0"}) {
    EXPECT_FALSE(parse_source_addresses(list).has_value()) << list;
  }
}

}  // namespace
}  // namespace gitgate::auth::detail
