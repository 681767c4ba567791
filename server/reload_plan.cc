#include "server/reload_plan.h"

#include <algorithm>
#include <tuple>

namespace gitgate::server {
namespace {

bool same(const std::vector<ListenAddress>& a, const std::vector<ListenAddress>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const ListenAddress& x, const ListenAddress& y) {
                      return std::tie(x.host, x.port) == std::tie(y.host, y.port);
                    });
}

bool same(const SshAlgorithms& a, const SshAlgorithms& b) {
  return std::tie(a.kex, a.ciphers, a.macs, a.host_key_algorithms, a.pubkey_algorithms) ==
         std::tie(b.kex, b.ciphers, b.macs, b.host_key_algorithms, b.pubkey_algorithms);
}

// Keeps running's value of one setting in next, noting its key when the file changed it.
template <typename T, typename Same>
void keep(const char* key, const T& running, T& next, Same same_value,
          std::vector<std::string>& changed) {
  if (!same_value(running, next)) {
    changed.emplace_back(key);
    next = running;
  }
}

template <typename T>
void keep(const char* key, const T& running, T& next, std::vector<std::string>& changed) {
  keep(
      key, running, next, [](const T& a, const T& b) { return a == b; }, changed);
}

}  // namespace

ReloadPlan plan_reload(const Config& running, Config fresh) {
  ReloadPlan plan;
  std::vector<std::string>& changed = plan.needs_restart;
  // The listeners are bound once (server/listener.h).
  keep(
      "server.listen", running.listen, fresh.listen,
      [](const auto& a, const auto& b) { return same(a, b); }, changed);
  // The health check (GET /ready) watches the root it was given at start.
  keep("server.repositories", running.repositories, fresh.repositories, changed);
  // Loaded into the ssh_bind, with the algorithms, before the first connection.
  keep("server.host_keys", running.host_keys, fresh.host_keys, changed);
  // Request ids: a node that changed its name halfway would log two nodes.
  keep("server.node_id", running.node_id, fresh.node_id, changed);
  keep("server.clustered", running.clustered, fresh.clustered, changed);
  // The users file is re-read on every SIGHUP, from the path the store was made with.
  keep("auth.users", running.users, fresh.users, changed);
  // The certificate files and the host API's token are re-read on every SIGHUP too, from the
  // paths their stores were made with; the API's address and timings are the client's.
  keep("auth.trusted_user_ca_keys", running.certificates.trusted_user_ca_keys,
       fresh.certificates.trusted_user_ca_keys, changed);
  keep("auth.revoked_keys", running.certificates.revoked_keys, fresh.certificates.revoked_keys,
       changed);
  keep("auth.api_url", running.host_api.url, fresh.host_api.url, changed);
  keep("auth.api_token_file", running.host_api.token_file, fresh.host_api.token_file, changed);
  keep("auth.api_timeout_ms", running.host_api.timeout_ms, fresh.host_api.timeout_ms, changed);
  keep("auth.api_cache_seconds", running.host_api.cache_seconds, fresh.host_api.cache_seconds,
       changed);
  keep(
      "http.listen", running.http.listen, fresh.http.listen,
      [](const auto& a, const auto& b) { return same(a, b); }, changed);
  // The cache directory is locked and owned for the process's life.
  keep("cache.enabled", running.cache.enabled, fresh.cache.enabled, changed);
  keep("cache.path", running.cache.path, fresh.cache.path, changed);
  keep(
      "ssh", running.ssh, fresh.ssh, [](const auto& a, const auto& b) { return same(a, b); },
      changed);
  plan.next = std::move(fresh);
  return plan;
}

}  // namespace gitgate::server
