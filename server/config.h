// gitgate.toml, as docs/DESIGN.md's interface contract defines it.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "git/push_settings.h"
#include "git/request_limits.h"
#include "proxyproto/reader.h"

namespace gitgate::server {

struct ListenAddress {
  std::string host;  // "0.0.0.0", "::", "127.0.0.1"
  uint16_t port = 7999;
};

// [limits]. A field that is 0 is sized when the server starts (server/admission.h,
// resolve_limits): from the descriptor limit, which the server raises to its hard limit.
struct Limits {
  int max_connections = 0;      // 0: (RLIMIT_NOFILE - 64) / 4, at most 10,000
  int max_unauthenticated = 0;  // 0: half of max_connections
  int max_per_source = 32;      // per client address (IPv6: per /64)
  int max_unauthenticated_per_source = 8;
  int early_drop_start = 0;      // 0: half of max_unauthenticated
  int early_drop_percent = 30;   // drop chance at early_drop_start, rising to 100 %
  int login_grace_seconds = 20;  // from accept: PROXY header, key exchange, authentication
  int max_auth_tries = 6;
  int keepalive_seconds = 15;
  // What one upload-pack request may ask (lines, bytes, negotiation time).
  git::RequestLimits request;
};

// [cache]: the pack cache for identical clone requests (git/cache/pack_cache.h).
struct CacheConfig {
  bool enabled = true;
  std::filesystem::path path;  // default "<config dir>/cache"
  int64_t max_size_mb = 2048;
  int64_t ttl_minutes = 60;
  int64_t min_free_disk_mb = 1024;
};

// [ssh]: the algorithms offered in key exchange and accepted in user authentication.
// Each list is non-empty and names only algorithms the linked libssh knows
// (server/ssh_algorithms.h). Defaults: no SHA-1, no finite-field Diffie-Hellman (each
// such handshake costs the server 100+ ms of CPU before the client authenticates).
struct SshAlgorithms {
  std::vector<std::string> kex = {"curve25519-sha256", "curve25519-sha256@libssh.org",
                                  "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521"};
  std::vector<std::string> ciphers = {"chacha20-poly1305@openssh.com",
                                      "aes256-gcm@openssh.com",
                                      "aes128-gcm@openssh.com",
                                      "aes256-ctr",
                                      "aes192-ctr",
                                      "aes128-ctr"};
  std::vector<std::string> macs = {"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com",
                                   "hmac-sha2-256", "hmac-sha2-512"};
  std::vector<std::string> host_key_algorithms = {"ssh-ed25519",         "ecdsa-sha2-nistp256",
                                                  "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                                                  "rsa-sha2-512",        "rsa-sha2-256"};
  std::vector<std::string> pubkey_algorithms = {
      "ssh-ed25519",         "sk-ssh-ed25519@openssh.com",
      "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
      "ecdsa-sha2-nistp521", "sk-ecdsa-sha2-nistp256@openssh.com",
      "rsa-sha2-512",        "rsa-sha2-256"};
};

// [http]: the operators' endpoint, GET /metrics, /health and /ready (server/http_endpoint.h).
// Off (no listen address) unless configured: it tells anyone who reaches it how busy the
// node is, so it belongs on a loopback or management address.
struct HttpConfig {
  std::vector<ListenAddress> listen;
};

// [auth] trusted_user_ca_keys and revoked_keys: OpenSSH user certificates
// (auth/cert_trust.h, server/certificate_login.h). Without CA files no certificate is
// accepted. Both are re-read on SIGHUP (server/certificate_store.h).
struct CertificateConfig {
  std::vector<std::filesystem::path> trusted_user_ca_keys;  // OpenSSH public keys, 1+ a file
  std::filesystem::path revoked_keys;  // a KRL or a list of public keys; empty: none
};

// [auth] api_url and its companions: the Git host's API, the second source of users after the
// users file (auth/host_api.h; README, "Sources of users"). Off while url is empty.
struct HostApiConfig {
  std::string url;                   // "http(s)://host[:port][/path]", no trailing '/'
  std::filesystem::path token_file;  // required with url; read at start and on SIGHUP
  int timeout_ms = 2000;             // a whole call, connection included
  int cache_seconds = 0;             // positive answers kept this long; 0: none
};

struct Config {
  std::vector<ListenAddress> listen;
  std::filesystem::path repositories;
  std::vector<std::filesystem::path> host_keys;
  std::string node_id;
  bool clustered = false;
  proxyproto::Policy proxy;
  std::filesystem::path users;
  CertificateConfig certificates;
  HostApiConfig host_api;
  std::string access_log = "-";
  // SIGTERM: how long requests in flight may run on before they are ended (and logged so).
  int drain_timeout_seconds = 30;
  // SIGTERM: /ready answers 503 at once, and the listener keeps accepting this long so that
  // the balancer's health check notices before connections are refused (2 x a 2 s check
  // interval); then the drain above. Only with [http] on: without /ready nobody notices.
  int drain_accept_seconds = 4;
  HttpConfig http;
  Limits limits;
  CacheConfig cache;
  SshAlgorithms ssh;
  // [push]: what one push may carry, its checks and hooks (server/detail/push_table.cc).
  git::PushSettings push;
};

struct ConfigError {
  int line = 0;  // 1-based; 0 when not tied to a line
  std::string message;
};

// Relative paths resolve against base_dir (the config file's directory).
[[nodiscard]] std::variant<Config, std::vector<ConfigError>> parse_config(
    std::string_view toml_text, const std::filesystem::path& base_dir);
[[nodiscard]] std::variant<Config, std::vector<ConfigError>> load_config(
    const std::filesystem::path& path);

// What `gitgate check-config` finds, and a SIGHUP reload checks the same way: the config
// (when there is no error), the users in the users file, and each error as
// "<file>:<line>: <message>" (no ":<line>" when an error has none).
struct ConfigCheck {
  std::optional<Config> config;
  size_t users = 0;
  std::vector<std::string> errors;
};
[[nodiscard]] ConfigCheck validate_config(const std::filesystem::path& config_path);

// `gitgate check-config`: loads the config, the users file it names, and checks
// the paths it names exist (repositories; the directories of host keys and of
// the access log). Prints "<file>:<line>: <message>" per error (no ":<line>" when
// an error has none) and returns 2, or prints "config OK: N users, M listen
// addresses" and returns 0.
[[nodiscard]] int check_config(const std::filesystem::path& config_path, std::ostream& out);

// The node_id used when the config names none: 6 characters [0-9A-Z] from a
// stable hash of the host name, so each node of a cluster gets its own.
[[nodiscard]] std::string default_node_id(std::string_view host_name);

}  // namespace gitgate::server
