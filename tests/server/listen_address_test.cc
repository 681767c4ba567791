// server/detail/listen_address.cc: [server] listen, IP literals and a port.
#include "server/detail/listen_address.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace gitgate::server::detail {
namespace {

TEST(ListenAddressTest, ParsesIpLiteralsAndPorts) {
  struct Case {
    std::string_view text;
    std::string_view host;  // empty: refused
    uint16_t port;
  };
  const Case cases[] = {
      {"0.0.0.0:7999", "0.0.0.0", 7999},
      {"127.0.0.1:1", "127.0.0.1", 1},
      {"10.1.2.3:65535", "10.1.2.3", 65535},
      {"[::]:7999", "::", 7999},
      {"[::1]:22", "::1", 22},
      {"[0:0::0:1]:22", "::1", 22},  // canonical spelling
      {"[2001:DB8::1]:22", "2001:db8::1", 22},
      {"localhost:7999", "", 0},  // IP literals only: no DNS at start
      {"*:7999", "", 0},
      {"::1:7999", "", 0},  // IPv6 needs brackets
      {"[127.0.0.1]:7999", "", 0},
      {"[::1]", "", 0},
      {"1.2.3.4", "", 0},
      {"1.2.3.4:", "", 0},
      {"1.2.3.4:0", "1.2.3.4", 0},  // the kernel picks the port
      {"1.2.3.4:65536", "", 0},
      {"1.2.3.4:099999", "", 0},
      {"1.2.3.4:+1", "", 0},
      {"1.2.3.4:-1", "", 0},
      {"1.2.3.4: 1", "", 0},
      {"1.2.3.4:1x", "", 0},
      {"1.2.3:7", "", 0},
      {"[fe80::1%eth0]:7", "", 0},
      {"", "", 0},
      {":7999", "", 0},
  };
  for (const auto& [text, host, port] : cases) {
    auto parsed = parse_listen(text);
    if (host.empty()) {
      EXPECT_TRUE(std::holds_alternative<std::string>(parsed)) << text;
      continue;
    }
    ASSERT_TRUE(std::holds_alternative<ListenAddress>(parsed))
        << text << ": " << std::get<std::string>(parsed);
    EXPECT_EQ(std::get<ListenAddress>(parsed).host, host) << text;
    EXPECT_EQ(std::get<ListenAddress>(parsed).port, port) << text;
  }
}

}  // namespace
}  // namespace gitgate::server::detail
