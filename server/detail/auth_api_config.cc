#include "server/detail/auth_api_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "conf/toml_source.h"
#include "server/detail/table_reader.h"

namespace gitgate::server::detail {
namespace {

constexpr int64_t kMinTimeoutMs = 100;
constexpr int64_t kMaxTimeoutMs = 60000;
constexpr int64_t kMaxCacheSeconds = 3600;

using conf::line_of;

// Why text is not an API URL gitgate can append "/ssh/key" to, or an empty string. RFC 3986's
// generic syntax, narrowed: scheme "http" / "https", "://", an authority without userinfo,
// then a path; no query or fragment (the calls' paths go after it).
std::string url_problem(std::string_view text) {
  std::string_view rest;
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (text.starts_with(scheme)) {
      rest = text.substr(scheme.size());
    }
  }
  if (rest.empty()) {
    return "must start with http:// or https:// and name a host";
  }
  const auto bad = std::find_if(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte >= 0x7f || c == '?' || c == '#' || c == '\\';
  });
  if (bad != text.end()) {
    return "must hold no white space, control or non-ASCII characters, query ('?') or "
           "fragment ('#')";
  }
  const std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.empty() || authority.front() == ':') {
    return "must name a host";
  }
  if (authority.find('@') != std::string_view::npos) {
    return "must not hold user information ('@'): the token goes in api_token_file";
  }
  return {};
}

class HostApiReader : public TableReader {
 public:
  explicit HostApiReader(std::filesystem::path base_dir) : TableReader(std::move(base_dir)) {}

  void read(const toml::table& table, HostApiConfig& out) {
    const auto* url = string(table, "auth", "api_url");
    const auto* token = string(table, "auth", "api_token_file");
    if (auto ms = integer(table, "auth", "api_timeout_ms", kMinTimeoutMs, kMaxTimeoutMs)) {
      out.timeout_ms = static_cast<int>(*ms);
    }
    if (auto seconds = integer(table, "auth", "api_cache_seconds", 0, kMaxCacheSeconds)) {
      out.cache_seconds = static_cast<int>(*seconds);
    }
    if (url == nullptr) {
      if (table.get("api_url") == nullptr) {
        for (std::string_view key : {"api_token_file", "api_timeout_ms", "api_cache_seconds"}) {
          if (const toml::node* node = table.get(key)) {
            error(line_of(*node), fmt::format("auth.{} is set but auth.api_url is not", key));
          }
        }
      }
      return;
    }
    std::string text = url->get();
    if (std::string problem = url_problem(text); !problem.empty()) {
      error(line_of(*url), fmt::format("auth.api_url '{}' {}", text, problem));
      return;
    }
    while (text.ends_with('/')) {
      text.pop_back();
    }
    out.url = std::move(text);
    if (token != nullptr) {
      if (auto resolved = path(*token, "auth", "api_token_file")) {
        out.token_file = *resolved;
      }
    } else if (table.get("api_token_file") == nullptr) {
      error(line_of(*url),
            "auth.api_url needs auth.api_token_file (the file of the bearer token the host "
            "expects)");
    }
  }
};

}  // namespace

void parse_host_api(const toml::table& auth, const std::filesystem::path& base_dir,
                    HostApiConfig& out, std::vector<ConfigError>& errors) {
  HostApiReader reader(base_dir);
  reader.read(auth, out);
  for (ConfigError& error : reader.errors()) {
    errors.push_back(std::move(error));
  }
}

}  // namespace gitgate::server::detail
