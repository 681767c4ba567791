// [push] of gitgate.toml: what one push may carry and what the server does with it
// (git/push_settings.h). Internal to server/detail/config_parser.cc and its tests.
#pragma once

#include <toml++/toml.h>

#include <vector>

#include "git/push_settings.h"
#include "server/config.h"

namespace gitgate::server::detail {

// Reads table (nullptr: absent, the defaults stay) into settings; each mistake is appended
// to errors with its line, and the field it concerns keeps its default.
void read_push_table(const toml::table* table, git::PushSettings& settings,
                     std::vector<ConfigError>& errors);

}  // namespace gitgate::server::detail
