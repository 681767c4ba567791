#include "proxyproto/detail/v1_address.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gitgate::proxyproto {
namespace {

struct GrammarCase {
  std::string text;
  bool valid_complete;  // a whole field
  bool valid_prefix;    // the start of one
};

TEST(V1AddressTest, Ipv6Grammar) {
  const std::vector<GrammarCase> cases = {
      {"::", true, true},
      {"::1", true, true},
      {"1::", true, true},
      {"1:2::3", true, true},
      {":", false, true},
      {"1:", false, true},
      {"1:2:3:4:5:6:7:8", true, true},
      {"1:2:3:4:5:6:7:8:", false, false},
      {"1::2:3:4:5:6:7:", false, false},
      {"::ffff:1.2", false, true},
      {"::ffff:1.2.3.4", true, true},
      {"1:2:3:4:5:6:1.2.3.4", true, true},
      {"1:2:3:4:5:6:7:1.2.3.4", false, false},
      {"::1.2.3.4", true, true},
      {"::01.2.3.4", false, false},
      {"1.2.3.4", false, false},
  };
  for (const GrammarCase& c : cases) {
    EXPECT_EQ(detail::check_ipv6(c.text, true, nullptr).empty(), c.valid_complete) << c.text;
    EXPECT_EQ(detail::check_ipv6(c.text, false, nullptr).empty(), c.valid_prefix) << c.text;
  }
}

TEST(V1AddressTest, PortGrammar) {
  const std::vector<GrammarCase> cases = {
      {"0", true, true},    {"65535", true, true}, {"65536", false, false}, {"", false, true},
      {"00", false, false}, {"080", false, false}, {"99999", false, false}, {"1a", false, false},
  };
  for (const GrammarCase& c : cases) {
    EXPECT_EQ(detail::check_port(c.text, true, nullptr).empty(), c.valid_complete) << c.text;
    EXPECT_EQ(detail::check_port(c.text, false, nullptr).empty(), c.valid_prefix) << c.text;
  }
}

}  // namespace
}  // namespace gitgate::proxyproto
