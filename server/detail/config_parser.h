// gitgate.toml to Config, keeping the lines of the settings that check_config
// checks against the file system. Internal to server/config.cc and its tests.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "server/config.h"

namespace gitgate::server::detail {

// Where a path-valued setting was written, for check_config's messages.
struct ParsedConfig {
  Config config;
  int repositories_line = 0;
  int host_keys_line = 0;
  int users_line = 0;
  int trusted_user_ca_keys_line = 0;
  int revoked_keys_line = 0;
  int access_log_line = 0;
};

[[nodiscard]] std::variant<ParsedConfig, std::vector<ConfigError>> parse_config_with_lines(
    std::string_view toml_text, const std::filesystem::path& base_dir);

}  // namespace gitgate::server::detail
