// [auth] api_url, api_token_file, api_timeout_ms, api_cache_seconds of gitgate.toml: the Git
// host's API. Internal to server/ (config_parser.cc calls it for [auth]) and its tests.
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <vector>

#include "server/config.h"

namespace gitgate::server::detail {

// The keys of [auth] that parse_host_api reads (config_parser.cc lists them as known).
// api_url: http:// or https://, a host, an optional path; no query, fragment, user info or
// white space; a trailing '/' is dropped ("{api_url}/ssh/key" is the call). api_token_file:
// required with api_url, relative to base_dir (the config's directory). api_timeout_ms:
// 100-60000 (default 2000). api_cache_seconds: 0-3600 (default 0). The api_* keys without
// api_url are an error: they would be silently ignored. Each error is appended with its line.
void parse_host_api(const toml::table& auth, const std::filesystem::path& base_dir,
                    HostApiConfig& out, std::vector<ConfigError>& errors);

}  // namespace gitgate::server::detail
