// What every connection thread shares: the configuration (as started, and the settings a
// SIGHUP replaces), the ssh_bind holding the host keys, the users (the file, and the Git host's
// API when configured), the access log, the connection limits, the requests in flight and the
// stop flag.
#pragma once

#include <libssh/server.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>

#include "auth/host_api.h"
#include "git/cache/pack_cache.h"
#include "logging/access_log.h"
#include "server/admission.h"
#include "server/certificate_store.h"
#include "server/config.h"
#include "server/health.h"
#include "server/live_settings.h"
#include "server/refusal_log.h"
#include "server/request_log.h"
#include "server/user_store.h"

namespace gitgate::server {

struct ServerContext {
  // resolved_limits: config.limits with the sizes fixed at start (resolve_limits).
  ServerContext(Config config_in, const Limits& resolved_limits,
                std::filesystem::path config_path_in = {})
      : config(std::move(config_in)),
        config_path(std::move(config_path_in)),
        settings(config),
        users(config.users),
        certificates(config.certificates),
        host_api(make_host_api(config.host_api)),
        access_log(config.access_log),
        request_ids(config.node_id, config.clustered),
        admission(resolved_limits),
        health(config.repositories) {}

  // As started: what only a restart changes (listen addresses, host keys, [ssh], [http],
  // the repositories root, the node id). What a SIGHUP reloads is read from `settings`.
  const Config config;
  // The file SIGHUP reads again (server/reload.h); empty: no reload of the settings.
  const std::filesystem::path config_path;
  // [limits], [proxy_protocol], [access_log], [cache] limits, [push], the drain times: a
  // connection takes the snapshot at accept and keeps it (server/live_settings.h).
  LiveSettings settings;
  ssh_bind bind = nullptr;
  // ssh_bind_accept_fd() reads (and on first use, fills in) the bind: one thread at a time.
  std::mutex bind_mu;
  UserStore users;
  // [auth] trusted_user_ca_keys / revoked_keys, reloaded with the users on SIGHUP.
  CertificateStore certificates;
  // [auth] api_url: the second source of users; null when not configured. Its token is read
  // by serve() at start and again on SIGHUP.
  std::unique_ptr<auth::HostApi> host_api;
  logging::AccessLog access_log;
  logging::RequestIds request_ids;
  Admission admission;
  // Refusals before authentication: at most one diagnostic line per reason and second.
  RefusalLimiter refusals;
  // Requests between their i-line and o-line, for the drain deadline.
  InFlightRequests requests;
  // The one pack cache ([cache]); nullptr when disabled or its directory is unusable.
  git::PackCache* pack_cache = nullptr;
  // Set when the listener stops accepting (SIGTERM/SIGINT, after [server]
  // drain_accept_seconds): sessions not running a request end, requests run to completion.
  std::atomic<bool> stopping{false};
  // GET /health and /ready ([http]): draining from the first instant of SIGTERM.
  Health health;

 private:
  static std::unique_ptr<auth::HostApi> make_host_api(const HostApiConfig& config) {
    if (config.url.empty()) {
      return nullptr;
    }
    return std::make_unique<auth::HostApi>(auth::HostApiSettings{
        config.url, config.token_file, std::chrono::milliseconds(config.timeout_ms),
        std::chrono::seconds(config.cache_seconds)});
  }
};

}  // namespace gitgate::server
