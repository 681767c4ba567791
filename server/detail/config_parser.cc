// gitgate.toml: the interface contract in docs/DESIGN.md, plus [limits] and the
// defaults documented at each table below. Every error is collected with its line.
#include "server/detail/config_parser.h"

#include <fmt/format.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <optional>
#include <tuple>

#include "conf/toml_source.h"
#include "server/detail/auth_api_config.h"
#include "server/detail/auth_cert_config.h"
#include "server/detail/http_config.h"
#include "server/detail/listen_address.h"
#include "server/detail/push_table.h"
#include "server/detail/ssh_config.h"
#include "server/detail/table_reader.h"

namespace gitgate::server::detail {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kDefaultListen = "0.0.0.0:7999";
// Created on first start if missing (server/host_keys), beside the config file.
constexpr std::string_view kDefaultHostKey = "ssh_host_ed25519_key";
constexpr size_t kMaxNodeIdLength = 16;
constexpr int64_t kMaxHeaderTimeoutMs = 60000;
// A v2 header is 16 fixed bytes plus a 16-bit length (HAProxy proxy-protocol.txt, 2.2).
constexpr int64_t kMaxV2Length = proxyproto::kV2FixedLength + 65535;

using conf::line_of;

class Parser : public TableReader {
 public:
  explicit Parser(fs::path base_dir) : TableReader(std::move(base_dir)) {}

  void run(const toml::table& root) {
    for (auto&& [key, node] : root) {
      if (!is_known(key.str(), {"server", "proxy_protocol", "auth", "access_log", "limits", "cache",
                                "ssh", "push", "http"})) {
        error(line_of(key),
              fmt::format("unknown {} '{}' (known tables: [server], [proxy_protocol], "
                          "[auth], [access_log], [limits], [cache], [ssh], [push], [http])",
                          node.is_table() ? "table" : "key", key.str()));
      } else if (!node.is_table()) {
        error(line_of(node), fmt::format("'{}' must be a table, [{}]", key.str(), key.str()));
      }
    }
    if (!root.contains("server")) {
      error(0, "missing table [server] (it must name at least repositories)");
    }
    if (!root.contains("auth")) {
      error(0, "missing table [auth] (it must name the users file)");
    }
    server(root["server"].as_table());
    proxy_protocol(root["proxy_protocol"].as_table());
    auth(root["auth"].as_table());
    access_log(root["access_log"].as_table());
    limits(root["limits"].as_table());
    cache(root["cache"].as_table());
    parse_http(root["http"].as_table(), parsed_.config.http, errors());
    parse_ssh(root["ssh"].as_table(), parsed_.config.ssh, errors());
    read_push_table(root["push"].as_table(), parsed_.config.push, errors());
    // toml++ visits keys in name order; report in file order.
    std::stable_sort(errors().begin(), errors().end(),
                     [](const ConfigError& a, const ConfigError& b) { return a.line < b.line; });
  }

  ParsedConfig& parsed() { return parsed_; }

 private:
  void server(const toml::table* table);
  void listen(const toml::table& table);
  void host_keys(const toml::table& table);
  void node_id(const toml::table& table);
  void proxy_protocol(const toml::table* table);
  void auth(const toml::table* table);
  void access_log(const toml::table* table);
  void limits(const toml::table* table);
  void request_limits(const toml::table& table);
  void cache(const toml::table* table);

  ParsedConfig parsed_;
};

// [server]: repositories is required; listen defaults to ["0.0.0.0:7999"],
// host_keys to ["<config dir>/ssh_host_ed25519_key"], node_id to
// default_node_id(host name), clustered to false.
void Parser::server(const toml::table* table) {
  if (!check_keys(table, "server",
                  {"listen", "repositories", "host_keys", "node_id", "clustered",
                   "drain_timeout_seconds", "drain_accept_seconds"})) {
    return;
  }
  listen(*table);
  if (const auto* repositories = string(*table, "server", "repositories")) {
    parsed_.repositories_line = line_of(*repositories);
    if (auto resolved = path(*repositories, "server", "repositories")) {
      parsed_.config.repositories = *resolved;
    }
  } else if (table->get("repositories") == nullptr) {
    error(line_of(*table), "[server] lacks repositories (the directory of the repositories)");
  }
  host_keys(*table);
  node_id(*table);
  if (const auto* clustered = typed<bool>(*table, "server", "clustered", "true or false")) {
    parsed_.config.clustered = clustered->get();
  }
  constexpr int64_t kMaxDrainSeconds = 86400;
  if (auto drain = integer(*table, "server", "drain_timeout_seconds", 0, kMaxDrainSeconds)) {
    parsed_.config.drain_timeout_seconds = static_cast<int>(*drain);
  }
  if (auto accept = integer(*table, "server", "drain_accept_seconds", 0, kMaxDrainSeconds)) {
    parsed_.config.drain_accept_seconds = static_cast<int>(*accept);
  }
}

void Parser::listen(const toml::table& table) {
  auto& out = parsed_.config.listen;
  if (table.get("listen") == nullptr) {
    out.push_back(std::get<ListenAddress>(parse_listen(kDefaultListen)));
    return;
  }
  const toml::array* array = strings(table, "server", "listen");
  if (array == nullptr) {
    return;
  }
  if (array->empty()) {
    error(line_of(*array), "server.listen must name at least one address");
  }
  for (const toml::node& element : *array) {
    auto parsed = parse_listen(element.as_string()->get());
    if (auto* why = std::get_if<std::string>(&parsed)) {
      error(line_of(element), "server.listen: " + *why);
      continue;
    }
    const auto& address = std::get<ListenAddress>(parsed);
    const bool seen = std::any_of(out.begin(), out.end(), [&](const ListenAddress& other) {
      return other.host == address.host && other.port == address.port && address.port != 0;
    });
    if (seen) {
      error(line_of(element),
            fmt::format("server.listen names '{}' twice", element.as_string()->get()));
      continue;
    }
    out.push_back(address);
  }
}

void Parser::host_keys(const toml::table& table) {
  auto& out = parsed_.config.host_keys;
  if (table.get("host_keys") == nullptr) {
    out.push_back(resolved(kDefaultHostKey));
    return;
  }
  const toml::array* array = strings(table, "server", "host_keys");
  if (array == nullptr) {
    return;
  }
  parsed_.host_keys_line = line_of(*array);
  if (array->empty()) {
    error(line_of(*array), "server.host_keys must name at least one key file");
  }
  for (const toml::node& element : *array) {
    if (auto resolved = path(element, "server", "host_keys")) {
      out.push_back(*resolved);
    }
  }
}

// The node part of request ids ("i@DX7BUKx631x..."): upper case, because 'x'
// separates the parts of the id.
void Parser::node_id(const toml::table& table) {
  const auto* value = string(table, "server", "node_id");
  if (value == nullptr) {
    if (table.get("node_id") == nullptr) {
      std::array<char, 256> host{};
      if (gethostname(host.data(), host.size() - 1) != 0) {
        host[0] = '\0';
      }
      parsed_.config.node_id = default_node_id(host.data());
    }
    return;
  }
  const std::string& id = value->get();
  const bool valid =
      !id.empty() && id.size() <= kMaxNodeIdLength && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      });
  if (!valid) {
    error(line_of(*value),
          fmt::format("server.node_id '{}' must be 1-{} characters A-Z or 0-9 (request ids "
                      "join it with lower-case 'x')",
                      id, kMaxNodeIdLength));
    return;
  }
  parsed_.config.node_id = id;
}

// [proxy_protocol]: optional; mode "optional", no trusted peers and a 5000 ms
// header timeout by default, i.e. plain SSH until trusted balancers are listed.
void Parser::proxy_protocol(const toml::table* table) {
  if (!check_keys(table, "proxy_protocol",
                  {"mode", "trusted", "header_timeout_ms", "max_v2_length"})) {
    return;
  }
  auto& policy = parsed_.config.proxy;
  const auto* mode = string(*table, "proxy_protocol", "mode");
  if (mode != nullptr) {
    const std::string& text = mode->get();
    if (text == "off") {
      policy.mode = proxyproto::Mode::kOff;
    } else if (text == "optional") {
      policy.mode = proxyproto::Mode::kOptional;
    } else if (text == "required") {
      policy.mode = proxyproto::Mode::kRequired;
    } else {
      error(line_of(*mode), fmt::format("proxy_protocol.mode '{}' is not one of off, optional, "
                                        "required",
                                        text));
    }
  }
  bool trusted_ok = true;
  if (const toml::array* trusted = strings(*table, "proxy_protocol", "trusted")) {
    for (const toml::node& element : *trusted) {
      const std::string& text = element.as_string()->get();
      if (auto cidr = net::Cidr::parse(text)) {
        policy.trusted.push_back(*cidr);
      } else {
        trusted_ok = false;
        error(line_of(element), fmt::format("proxy_protocol.trusted: '{}' is not an address or "
                                            "range such as \"10.0.0.0/8\" or \"fc00::/7\"",
                                            text));
      }
    }
  } else if (table->get("trusted") != nullptr) {
    trusted_ok = false;  // reported
  }
  if (policy.mode == proxyproto::Mode::kRequired && policy.trusted.empty() && trusted_ok) {
    error(line_of(*mode),
          "proxy_protocol.mode \"required\" needs trusted peers (the load "
          "balancers' addresses); with none it refuses every connection");
  }
  if (auto ms = integer(*table, "proxy_protocol", "header_timeout_ms", 1, kMaxHeaderTimeoutMs)) {
    policy.header_timeout = std::chrono::milliseconds(*ms);
  }
  if (auto length = integer(*table, "proxy_protocol", "max_v2_length", proxyproto::kV2FixedLength,
                            kMaxV2Length)) {
    policy.max_v2_length = static_cast<size_t>(*length);
  }
}

// [auth]: users is required; certificates: server/detail/auth_cert_config.h; the api_* keys:
// server/detail/auth_api_config.h.
void Parser::auth(const toml::table* table) {
  if (!check_keys(table, "auth",
                  {"users", "trusted_user_ca_keys", "revoked_keys", "api_url", "api_token_file",
                   "api_timeout_ms", "api_cache_seconds"})) {
    return;
  }
  parse_auth_certificates(*table, base_dir(), parsed_, errors());
  parse_host_api(*table, base_dir(), parsed_.config.host_api, errors());
  if (const auto* users = string(*table, "auth", "users")) {
    parsed_.users_line = line_of(*users);
    if (auto resolved = path(*users, "auth", "users")) {
      parsed_.config.users = *resolved;
    }
  } else if (table->get("users") == nullptr) {
    error(line_of(*table), "[auth] lacks users (the users file)");
  }
}

// [access_log]: optional; path "-" (the default) is stdout.
void Parser::access_log(const toml::table* table) {
  if (!check_keys(table, "access_log", {"path"})) {
    return;
  }
  if (const auto* log = string(*table, "access_log", "path")) {
    parsed_.access_log_line = line_of(*log);
    if (log->get() == "-") {
      parsed_.config.access_log = "-";
    } else if (auto resolved = path(*log, "access_log", "path")) {
      parsed_.config.access_log = resolved->string();
    }
  }
}

// [limits]: optional; each field keeps its Limits default when absent. The fields sized at
// start (0) can only be checked against each other when both are set.
void Parser::limits(const toml::table* table) {
  if (!check_keys(table, "limits",
                  {"max_connections", "max_unauthenticated", "max_per_source",
                   "max_unauthenticated_per_source", "early_drop_start", "early_drop_percent",
                   "login_grace_seconds", "max_auth_tries", "keepalive_seconds",
                   "max_request_bytes", "max_wants", "max_haves", "max_shallow", "max_deepen_not",
                   "max_ref_prefixes", "negotiation_budget_ms"})) {
    return;
  }
  request_limits(*table);
  constexpr int64_t kMaxConnections = 100000;
  constexpr int64_t kMaxSeconds = 3600;
  constexpr int64_t kMaxPercent = 100;
  Limits& limits = parsed_.config.limits;
  const auto set = [&](std::string_view key, int& field, int64_t min, int64_t max) {
    if (auto value = integer(*table, "limits", key, min, max)) {
      field = static_cast<int>(*value);
    }
  };
  // 0 keeps "sized at start" for the three pool sizes.
  set("max_connections", limits.max_connections, 0, kMaxConnections);
  set("max_unauthenticated", limits.max_unauthenticated, 0, kMaxConnections);
  set("early_drop_start", limits.early_drop_start, 0, kMaxConnections);
  set("max_per_source", limits.max_per_source, 1, kMaxConnections);
  set("max_unauthenticated_per_source", limits.max_unauthenticated_per_source, 1, kMaxConnections);
  set("early_drop_percent", limits.early_drop_percent, 0, kMaxPercent);
  set("login_grace_seconds", limits.login_grace_seconds, 1, kMaxSeconds);
  set("max_auth_tries", limits.max_auth_tries, 1, 100);
  set("keepalive_seconds", limits.keepalive_seconds, 0, kMaxSeconds);  // 0: no keepalives
  const auto at_most = [&](std::string_view key, int value, std::string_view bound_key, int bound) {
    if (value > 0 && bound > 0 && value > bound) {
      error(line_of(*table->get(key)),
            fmt::format("limits.{} ({}) exceeds limits.{} ({})", key, value, bound_key, bound));
    }
  };
  if (table->get("max_connections") != nullptr) {
    for (auto [key, value] :
         {std::pair<std::string_view, int>{"max_unauthenticated", limits.max_unauthenticated},
          {"max_per_source", limits.max_per_source}}) {
      if (table->get(key) != nullptr) {
        at_most(key, value, "max_connections", limits.max_connections);
      }
    }
  }
  if (table->get("max_unauthenticated") != nullptr && table->get("early_drop_start") != nullptr) {
    at_most("early_drop_start", limits.early_drop_start, "max_unauthenticated",
            limits.max_unauthenticated);
  }
}

// [limits]: what one upload-pack request may ask (git/request_limits.h). Every bound is at
// least 1: 0 would refuse every request.
void Parser::request_limits(const toml::table& table) {
  constexpr int64_t kMiB = int64_t{1} << 20;
  constexpr int64_t kMaxLines = 10'000'000;
  constexpr int64_t kMaxBudgetMs = 3'600'000;
  git::RequestLimits& limits = parsed_.config.limits.request;
  const auto set = [&](std::string_view key, size_t& field, int64_t min, int64_t max) {
    if (auto value = integer(table, "limits", key, min, max)) {
      field = static_cast<size_t>(*value);
    }
  };
  set("max_request_bytes", limits.max_request_bytes, kMiB, 1024 * kMiB);
  set("max_wants", limits.max_wants, 1, kMaxLines);
  set("max_haves", limits.max_haves, 1, kMaxLines);
  set("max_shallow", limits.max_shallow, 1, kMaxLines);
  set("max_deepen_not", limits.max_deepen_not, 1, 1'000'000);
  set("max_ref_prefixes", limits.max_ref_prefixes, 1, 65535);
  constexpr int64_t kMinBudgetMs = 100;
  if (auto ms = integer(table, "limits", "negotiation_budget_ms", kMinBudgetMs, kMaxBudgetMs)) {
    limits.negotiation_budget = std::chrono::milliseconds(*ms);
  }
}

// [cache]: optional; enabled by default, under "<config dir>/cache".
void Parser::cache(const toml::table* table) {
  CacheConfig& cache = parsed_.config.cache;
  cache.path = resolved("cache");
  if (!check_keys(table, "cache",
                  {"enabled", "path", "max_size_mb", "ttl_minutes", "min_free_disk_mb"})) {
    return;
  }
  if (const auto* enabled = typed<bool>(*table, "cache", "enabled", "true or false")) {
    cache.enabled = enabled->get();
  }
  if (const auto* dir = string(*table, "cache", "path")) {
    if (auto resolved = path(*dir, "cache", "path")) {
      cache.path = *resolved;
    }
  }
  constexpr int64_t kMaxMegabytes = int64_t{1} << 30;  // 1 PiB: anything larger is a typo
  constexpr int64_t kMaxMinutes = int64_t{60} * 24 * 365;
  for (auto [key, field, min, max] :
       {std::tuple<std::string_view, int64_t*, int64_t, int64_t>{"max_size_mb", &cache.max_size_mb,
                                                                 1, kMaxMegabytes},
        {"ttl_minutes", &cache.ttl_minutes, 1, kMaxMinutes},
        {"min_free_disk_mb", &cache.min_free_disk_mb, 0, kMaxMegabytes}}) {
    if (auto value = integer(*table, "cache", key, min, max)) {
      *field = *value;
    }
  }
}

}  // namespace

std::variant<ParsedConfig, std::vector<ConfigError>> parse_config_with_lines(
    std::string_view text, const fs::path& base_dir) {
  auto document = conf::parse_document(text);
  if (auto* syntax = std::get_if<conf::SyntaxError>(&document)) {
    return std::vector<ConfigError>{ConfigError{syntax->line, std::move(syntax->description)}};
  }
  const toml::table& root = std::get<toml::table>(document);
  Parser parser(base_dir);
  parser.run(root);
  if (!parser.errors().empty()) {
    return std::move(parser.errors());
  }
  return std::move(parser.parsed());
}
}  // namespace gitgate::server::detail
