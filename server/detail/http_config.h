// [http] of gitgate.toml: the operators' endpoint. Internal to server/ (config_parser.cc
// calls it for the table) and its tests.
#pragma once

#include <toml++/toml.h>

#include <vector>

#include "server/config.h"

namespace gitgate::server::detail {

// [http]: optional; listen = ["127.0.0.1:9122"], addresses as [server] listen spells them
// (IP literals, port 0 for one the kernel picks). Absent, or an empty list: no endpoint.
// table is null when [http] is absent. Each error is appended with its line.
void parse_http(const toml::table* table, HttpConfig& out, std::vector<ConfigError>& errors);

}  // namespace gitgate::server::detail
