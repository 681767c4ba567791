// [auth] trusted_user_ca_keys and revoked_keys of gitgate.toml: the files OpenSSH user
// certificates are checked against. Internal to server/ (config_parser.cc calls it for
// [auth]) and its tests.
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <vector>

#include "server/config.h"
#include "server/detail/config_parser.h"

namespace gitgate::server::detail {

// trusted_user_ca_keys = ["ca.pub", ...]: optional, each a path (relative to the config's
// directory) named once. revoked_keys = "revoked": optional, a path; only with
// trusted_user_ca_keys (it revokes certificates; the users file is where plain keys are
// removed). Fills parsed.config.certificates and the lines check_config reports at;
// appends each error with its line. The files themselves are read at start, on SIGHUP and
// by check_config (auth::CertificateTrust::load).
void parse_auth_certificates(const toml::table& auth, const std::filesystem::path& base_dir,
                             ParsedConfig& parsed, std::vector<ConfigError>& errors);

}  // namespace gitgate::server::detail
