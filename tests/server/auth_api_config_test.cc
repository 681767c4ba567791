// server/detail/auth_api_config.cc: [auth] api_url, api_token_file, api_timeout_ms,
// api_cache_seconds; off unless api_url is set; each mistake on its line.
#include "server/detail/auth_api_config.h"

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

HostApiConfig parse_ok(std::string_view tail) { return testing::parse_tail_ok(tail).host_api; }

TEST(AuthApiConfigTest, OffUnlessApiUrlIsSet) {
  const HostApiConfig off = parse_ok("");
  EXPECT_EQ(off.url, "");
  EXPECT_EQ(off.token_file, "");
  EXPECT_EQ(off.timeout_ms, 2000);
  EXPECT_EQ(off.cache_seconds, 0);
}

TEST(AuthApiConfigTest, ReadsEverySetting) {
  const HostApiConfig api = parse_ok(
      "api_url = \"https://git.example.com/rest/ssh/\"\napi_token_file = \"api.token\"\n"
      "api_timeout_ms = 500\napi_cache_seconds = 30\n");
  EXPECT_EQ(api.url, "https://git.example.com/rest/ssh");  // without the trailing '/'
  EXPECT_EQ(api.token_file, "/etc/gitgate/api.token");
  EXPECT_EQ(api.timeout_ms, 500);
  EXPECT_EQ(api.cache_seconds, 30);
  const HostApiConfig defaults =
      parse_ok("api_url = \"http://127.0.0.1:8080\"\napi_token_file = \"/run/token\"\n");
  EXPECT_EQ(defaults.url, "http://127.0.0.1:8080");
  EXPECT_EQ(defaults.token_file, "/run/token");
  EXPECT_EQ(defaults.timeout_ms, 2000);
  EXPECT_EQ(defaults.cache_seconds, 0);
  EXPECT_EQ(parse_ok("api_url = \"http://[::1]:80/\"\napi_token_file = \"t\"\n").url,
            "http://[::1]:80");
}

TEST(AuthApiConfigTest, ReportsEachMistakeOnItsLine) {
  constexpr std::string_view kToken = "api_token_file = \"t\"\n";
  const struct {
    std::string_view name;
    std::string tail;
    std::vector<gitgate::testing::ExpectedError> expected;
  } cases[] = {
      {"unknown key", "api_key = \"x\"\n", {{5, "unknown key 'api_key' in [auth]"}}},
      {"no scheme",
       "api_url = \"git.example.com\"\n" + std::string(kToken),
       {{5, "must start with http:// or https://"}}},
      {"ftp", "api_url = \"ftp://h/\"\n" + std::string(kToken), {{5, "must start with http"}}},
      {"no host", "api_url = \"http://\"\n" + std::string(kToken), {{5, "must start with"}}},
      {"port only",
       "api_url = \"http://:80/x\"\n" + std::string(kToken),
       {{5, "must name a host"}}},
      {"user info",
       "api_url = \"https://u:p@h/\"\n" + std::string(kToken),
       {{5, "must not hold user information"}}},
      {"query", "api_url = \"https://h/api?x=1\"\n" + std::string(kToken), {{5, "query ('?')"}}},
      {"white space",
       "api_url = \"https://h/a b\"\n" + std::string(kToken),
       {{5, "no white space"}}},
      {"not a string",
       "api_url = 8080\n" + std::string(kToken),
       {{5, "auth.api_url must be a string"}}},
      {"no token file", "api_url = \"https://h\"\n", {{5, "needs auth.api_token_file"}}},
      {"empty token path",
       "api_url = \"https://h\"\napi_token_file = \"\"\n",
       {{6, "auth.api_token_file must be a non-empty path"}}},
      {"timeout too short",
       "api_url = \"https://h\"\n" + std::string(kToken) + "api_timeout_ms = 99\n",
       {{7, "auth.api_timeout_ms must be within 100-60000 (got 99)"}}},
      {"timeout a string",
       "api_url = \"https://h\"\n" + std::string(kToken) + "api_timeout_ms = \"2s\"\n",
       {{7, "auth.api_timeout_ms must be an integer"}}},
      {"cache negative",
       "api_url = \"https://h\"\n" + std::string(kToken) + "api_cache_seconds = -1\n",
       {{7, "auth.api_cache_seconds must be within 0-3600"}}},
      {"settings without a url",
       "api_timeout_ms = 500\napi_token_file = \"t\"\n",
       {{5, "auth.api_timeout_ms is set but auth.api_url is not"},
        {6, "auth.api_token_file is set but auth.api_url is not"}}},
  };
  for (const auto& c : cases) {
    auto parsed = parse_tail(c.tail);
    ASSERT_TRUE(std::holds_alternative<std::vector<ConfigError>>(parsed)) << c.name;
    expect_line_errors(c.name, std::get<std::vector<ConfigError>>(parsed), c.expected);
  }
}

}  // namespace
}  // namespace gitgate::server
