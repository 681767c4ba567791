// gitgate.toml texts for the tests of one table: [server] and [auth] as every config needs
// them (lines 1-4), then the text under test from line 5 on, parsed with relative paths
// against /etc/gitgate.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "server/config.h"
#include "tests/testing/line_errors.h"

namespace gitgate::server::testing {

inline constexpr std::string_view kConfigHead =
    "[server]\nrepositories = \"repos\"\n[auth]\nusers = \"users.toml\"\n";

inline std::variant<Config, std::vector<ConfigError>> parse_tail(std::string_view tail) {
  return parse_config(std::string(kConfigHead) + std::string(tail), "/etc/gitgate");
}

// The config, or a test failure naming each error (and a default Config).
inline Config parse_tail_ok(std::string_view tail) {
  auto parsed = parse_tail(tail);
  if (auto* errors = std::get_if<std::vector<ConfigError>>(&parsed)) {
    ADD_FAILURE() << gitgate::testing::errors_text(*errors) << "in:\n" << tail;
    return {};
  }
  return std::get<Config>(std::move(parsed));
}

}  // namespace gitgate::server::testing
