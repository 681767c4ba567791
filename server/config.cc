// The public face of gitgate.toml: loading, and `gitgate check-config`. The
// grammar and the defaults are in detail/config_parser.cc.
#include "server/config.h"

#include <fmt/format.h>

#include <cerrno>
#include <fstream>
#include <ostream>
#include <sstream>
#include <system_error>

#include "auth/cert_trust.h"
#include "auth/host_api.h"
#include "auth/users.h"
#include "server/detail/config_parser.h"

namespace gitgate::server {
namespace {

namespace fs = std::filesystem;

constexpr size_t kDefaultNodeIdLength = 6;

std::variant<std::string, ConfigError> read_file(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return ConfigError{0, "is a directory, not a file"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return ConfigError{0, fmt::format("cannot open: {}",
                                      std::error_code(errno, std::generic_category()).message())};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return ConfigError{0, "cannot read the file"};
  }
  return std::move(text).str();
}

// Errors check_config found, each with the file it is about.
using Findings = std::vector<std::pair<fs::path, ConfigError>>;

// The number of users, or 0 with the users file's errors added. An error tied to
// no line of the users file (it cannot be opened) is reported at the configuration
// line that names the file, so every error has a line to go to.
size_t check_users(const fs::path& config_path, const detail::ParsedConfig& parsed,
                   Findings& findings) {
  const fs::path& users_file = parsed.config.users;
  auto db = auth::UserDb::load(users_file);
  if (auto* errors = std::get_if<std::vector<auth::FileError>>(&db)) {
    for (const auth::FileError& e : *errors) {
      if (e.line > 0) {
        findings.emplace_back(users_file, ConfigError{e.line, e.message});
      } else {
        findings.emplace_back(
            config_path,
            ConfigError{parsed.users_line,
                        fmt::format("auth.users: '{}': {}", users_file.string(), e.message)});
      }
    }
    return 0;
  }
  return std::get<auth::UserDb>(db).size();
}

// The certificate files, read as the server reads them at start and on SIGHUP. An error
// tied to no line of its file is reported at the configuration line naming the file.
void check_certificates(const fs::path& config_path, const detail::ParsedConfig& parsed,
                        Findings& findings) {
  const CertificateConfig& config = parsed.config.certificates;
  if (config.trusted_user_ca_keys.empty()) {
    return;
  }
  auto trust = auth::CertificateTrust::load(
      config.trusted_user_ca_keys,
      config.revoked_keys.empty() ? std::nullopt : std::optional(config.revoked_keys));
  const auto* errors = std::get_if<std::vector<auth::TrustFileError>>(&trust);
  for (const auth::TrustFileError& e : errors ? *errors : std::vector<auth::TrustFileError>{}) {
    if (e.line > 0) {
      findings.emplace_back(e.file, ConfigError{e.line, e.message});
      continue;
    }
    const bool revoked = e.file == config.revoked_keys;
    findings.emplace_back(
        config_path,
        ConfigError{
            revoked ? parsed.revoked_keys_line : parsed.trusted_user_ca_keys_line,
            fmt::format("auth.{}: '{}': {}", revoked ? "revoked_keys" : "trusted_user_ca_keys",
                        e.file.string(), e.message)});
  }
}

// Absolute, so the server's paths do not depend on its working directory later.
fs::path base_dir_of(const fs::path& config_path) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(config_path, ec);
  return (ec ? config_path : absolute).parent_path();
}

bool is_dir(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir.empty() ? fs::path(".") : dir, ec);
}

// What serve would trip over at start: the repositories root, and the
// directories a missing host key (created at first start) and the log go into.
void check_paths(const fs::path& config_path, const detail::ParsedConfig& parsed,
                 Findings& findings) {
  const Config& config = parsed.config;
  if (!is_dir(config.repositories)) {
    findings.emplace_back(config_path,
                          ConfigError{parsed.repositories_line,
                                      fmt::format("server.repositories: '{}' is not a directory",
                                                  config.repositories.string())});
  }
  for (const fs::path& key : config.host_keys) {
    std::error_code ec;
    if (!fs::exists(key, ec) && !is_dir(key.parent_path())) {
      findings.emplace_back(
          config_path,
          ConfigError{parsed.host_keys_line,
                      fmt::format("server.host_keys: neither '{}' nor its directory exists",
                                  key.string())});
    }
  }
  if (!config.host_api.url.empty()) {
    // As serve reads it at start (the file may hold a secret the check must not print).
    auth::HostApi api(auth::HostApiSettings{.url = config.host_api.url,
                                            .token_file = config.host_api.token_file});
    if (const std::string error = api.reload_token(); !error.empty()) {
      findings.emplace_back(config_path, ConfigError{0, "auth.api_token_file: " + error});
    }
  }
  if (config.access_log != "-") {
    const fs::path dir = fs::path(config.access_log).parent_path();
    if (!is_dir(dir)) {
      findings.emplace_back(
          config_path,
          ConfigError{parsed.access_log_line,
                      fmt::format("access_log.path: directory '{}' does not exist", dir.string())});
    }
  }
}

}  // namespace

std::variant<Config, std::vector<ConfigError>> parse_config(std::string_view toml_text,
                                                            const fs::path& base_dir) {
  auto parsed = detail::parse_config_with_lines(toml_text, base_dir);
  if (auto* errors = std::get_if<std::vector<ConfigError>>(&parsed)) {
    return std::move(*errors);
  }
  return std::move(std::get<detail::ParsedConfig>(parsed).config);
}

std::variant<Config, std::vector<ConfigError>> load_config(const fs::path& path) {
  auto text = read_file(path);
  if (auto* error = std::get_if<ConfigError>(&text)) {
    return std::vector<ConfigError>{std::move(*error)};
  }
  return parse_config(std::get<std::string>(text), base_dir_of(path));
}

ConfigCheck validate_config(const fs::path& config_path) {
  ConfigCheck check;
  Findings findings;
  auto text = read_file(config_path);
  if (auto* error = std::get_if<ConfigError>(&text)) {
    findings.emplace_back(config_path, *error);
  } else if (auto parsed = detail::parse_config_with_lines(std::get<std::string>(text),
                                                           base_dir_of(config_path));
             auto* errors = std::get_if<std::vector<ConfigError>>(&parsed)) {
    for (const ConfigError& e : *errors) {
      findings.emplace_back(config_path, e);
    }
  } else {
    auto& checked = std::get<detail::ParsedConfig>(parsed);
    check.users = check_users(config_path, checked, findings);
    check_certificates(config_path, checked, findings);
    check_paths(config_path, checked, findings);
    if (findings.empty()) {
      check.config = std::move(checked.config);
    }
  }
  for (const auto& [file, e] : findings) {
    check.errors.push_back(e.line > 0 ? fmt::format("{}:{}: {}", file.string(), e.line, e.message)
                                      : fmt::format("{}: {}", file.string(), e.message));
  }
  return check;
}

int check_config(const fs::path& config_path, std::ostream& out) {
  const ConfigCheck check = validate_config(config_path);
  for (const std::string& error : check.errors) {
    out << error << '\n';
  }
  if (!check.config) {
    return 2;
  }
  out << "config OK: " << check.users << " users, " << check.config->listen.size()
      << " listen addresses\n";
  return 0;
}

// FNV-1a (64 bit): stable across builds and platforms, unlike std::hash.
std::string default_node_id(std::string_view host_name) {
  constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
  constexpr uint64_t kFnvPrime = 1099511628211ULL;
  constexpr std::string_view kDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  uint64_t hash = kFnvOffset;
  for (const char c : host_name) {
    hash = (hash ^ static_cast<unsigned char>(c)) * kFnvPrime;
  }
  std::string id;
  for (size_t i = 0; i < kDefaultNodeIdLength; ++i) {
    id += kDigits[hash % kDigits.size()];
    hash /= kDigits.size();
  }
  return id;
}

}  // namespace gitgate::server
