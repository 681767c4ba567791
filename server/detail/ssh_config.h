// [ssh] of gitgate.toml: the algorithms offered. Internal to server/ (config_parser.cc calls
// it for the table) and its tests.
#pragma once

#include <toml++/toml.h>

#include <vector>

#include "server/config.h"

namespace gitgate::server::detail {

// [ssh]: optional; a list given replaces its default (SshAlgorithms in server/config.h) whole,
// and must be non-empty, without repeats, and known to libssh. table is null when [ssh] is
// absent. Each error is appended with its line.
void parse_ssh(const toml::table* table, SshAlgorithms& out, std::vector<ConfigError>& errors);

}  // namespace gitgate::server::detail
