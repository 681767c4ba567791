#include "server/detail/http_config.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "server/config.h"
#include "tests/server/config_tail.h"
#include "tests/testing/line_errors.h"

namespace gitgate::server {
namespace {

using gitgate::testing::expect_line_errors;

using testing::parse_tail;
using testing::parse_tail_ok;

std::vector<std::string> listen_of(const Config& config) {
  std::vector<std::string> out;
  for (const ListenAddress& address : config.http.listen) {
    out.push_back(address.host + " " + std::to_string(address.port));
  }
  return out;
}

TEST(HttpConfigTest, OffUnlessListed) {
  EXPECT_TRUE(parse_tail_ok("").http.listen.empty());
  EXPECT_TRUE(parse_tail_ok("[http]\n").http.listen.empty());
  EXPECT_TRUE(parse_tail_ok("[http]\nlisten = []\n").http.listen.empty());
}

TEST(HttpConfigTest, ListensWhereListed) {
  EXPECT_EQ(listen_of(parse_tail_ok("[http]\nlisten = [\"127.0.0.1:9122\"]\n")),
            (std::vector<std::string>{"127.0.0.1 9122"}));
  EXPECT_EQ(listen_of(parse_tail_ok("[http]\nlisten = [\"127.0.0.1:0\", \"[::1]:9122\", "
                                    "\"127.0.0.1:0\"]\n")),
            (std::vector<std::string>{"127.0.0.1 0", "::1 9122", "127.0.0.1 0"}));
}

TEST(HttpConfigTest, ReportsEachMistakeOnItsLine) {
  const struct {
    std::string_view name;
    std::string_view tail;
    std::vector<gitgate::testing::ExpectedError> expected;
  } cases[] = {
      {"unknown key", "[http]\nport = 9122\n", {{6, "unknown key 'port' in [http]"}}},
      {"not a list", "[http]\nlisten = \"127.0.0.1:9122\"\n", {{6, "http.listen must be"}}},
      {"not strings", "[http]\nlisten = [9122]\n", {{6, "http.listen"}}},
      {"host name", "[http]\nlisten = [\"localhost:9122\"]\n", {{6, "http.listen"}}},
      {"no port",
       "[http]\nlisten = [\n  \"127.0.0.1:9122\",\n  \"127.0.0.1\"]\n",
       {{8, "http.listen"}}},
      {"twice",
       "[http]\nlisten = [\"127.0.0.1:9122\",\n\"127.0.0.1:9122\"]\n",
       {{7, "names '127.0.0.1:9122' twice"}}},
  };
  for (const auto& c : cases) {
    auto parsed = parse_tail(c.tail);
    ASSERT_TRUE(std::holds_alternative<std::vector<ConfigError>>(parsed)) << c.name;
    expect_line_errors(c.name, std::get<std::vector<ConfigError>>(parsed), c.expected);
  }
}

TEST(HttpConfigTest, DrainAcceptSeconds) {
  EXPECT_EQ(parse_tail_ok("").drain_accept_seconds, 4);
  EXPECT_EQ(Config{}.drain_accept_seconds, 4);
  const std::string server = "[server]\nrepositories = \"r\"\n";
  const auto with = [&](std::string_view line) {
    return parse_config(server + std::string(line) + "\n[auth]\nusers = \"u\"\n", "/");
  };
  auto zero = with("drain_accept_seconds = 0");
  ASSERT_TRUE(std::holds_alternative<Config>(zero));
  EXPECT_EQ(std::get<Config>(zero).drain_accept_seconds, 0);
  for (std::string_view bad : {"drain_accept_seconds = -1", "drain_accept_seconds = 86401",
                               "drain_accept_seconds = \"4\""}) {
    auto parsed = with(bad);
    ASSERT_TRUE(std::holds_alternative<std::vector<ConfigError>>(parsed)) << bad;
    expect_line_errors(bad, std::get<std::vector<ConfigError>>(parsed),
                       {{3, "server.drain_accept_seconds"}});
  }
}

}  // namespace
}  // namespace gitgate::server
