#include "server/reload.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "auth/host_api.h"
#include "logging/diagnostics.h"
#include "server/admission.h"
#include "server/certificate_store.h"
#include "server/reload_plan.h"
#include "server/systemd_notify.h"

namespace gitgate::server {
namespace {

constexpr int kMegabyteShift = 20;

// The users file was valid a moment ago (validate_config read it); it can still have changed
// since, and then the users in force stay.
void reload_users(ServerContext& context) {
  const std::vector<std::string> errors = context.users.reload();
  if (!errors.empty()) {
    spdlog::error("SIGHUP: {} changed while it was read; keeping the previous users: {}",
                  context.users.path().string(),
                  logging::printable(fmt::format("{}", fmt::join(errors, "; "))));
  }
}

void reload_host_api(ServerContext& context) {
  if (context.host_api == nullptr) {
    return;
  }
  if (const std::string error = context.host_api->reload_token(); !error.empty()) {
    spdlog::warn("SIGHUP: host API token: {}; keeping the previous token",
                 logging::printable(error));
  } else {
    spdlog::info("SIGHUP: reloaded the host API token from {}",
                 context.host_api->settings().token_file.string());
  }
}

// The same path is reopened (logrotate moved the file); a new one is opened before the old
// is closed, and if it cannot be, the old file (and path) stay.
void reload_access_log(ServerContext& context, const Config& running, Config& next) {
  if (next.access_log == running.access_log) {
    if (!context.access_log.reopen()) {
      spdlog::warn("SIGHUP: could not reopen the access log {}; still writing to the old file",
                   running.access_log);
    }
    return;
  }
  if (!context.access_log.reopen(next.access_log)) {
    spdlog::warn("SIGHUP: could not open the access log {}; still writing to {}", next.access_log,
                 running.access_log);
    next.access_log = running.access_log;
    return;
  }
  spdlog::info("SIGHUP: access log now {} (was {})", next.access_log, running.access_log);
}

void apply_limits(ServerContext& context, const Config& next) {
  // raise_descriptor_limit() raised the soft limit at start; now it only reads it.
  const Limits limits = resolve_limits(next.limits, raise_descriptor_limit());
  context.admission.set_limits(limits);
  if (context.pack_cache != nullptr) {
    const git::PackCacheOptions cache = pack_cache_options(next.cache);
    context.pack_cache->set_limits(cache.max_bytes, cache.ttl, cache.min_free_bytes);
  }
  spdlog::info(
      "SIGHUP: limits: max_connections {}, max_unauthenticated {} (early drop from {}), per "
      "source {} ({} unauthenticated), login grace {} s; {} trusted PROXY ranges; pack cache "
      "max {} MB, ttl {} min",
      limits.max_connections, limits.max_unauthenticated, limits.early_drop_start,
      limits.max_per_source, limits.max_unauthenticated_per_source, limits.login_grace_seconds,
      next.proxy.trusted.size(), next.cache.max_size_mb, next.cache.ttl_minutes);
}

}  // namespace

git::PackCacheOptions pack_cache_options(const CacheConfig& config) {
  git::PackCacheOptions options;
  options.directory = config.path;
  options.max_bytes = static_cast<uint64_t>(config.max_size_mb) << kMegabyteShift;
  options.ttl = std::chrono::minutes(config.ttl_minutes);
  options.min_free_bytes = static_cast<uint64_t>(config.min_free_disk_mb) << kMegabyteShift;
  return options;
}

void reload(ServerContext& context) {
  notify_systemd(reloading_state(monotonic_now()));
  ConfigCheck checked = validate_config(context.config_path);
  if (!checked.config) {
    spdlog::error("SIGHUP: {} is invalid; keeping the previous settings: {}",
                  context.config_path.string(),
                  logging::printable(fmt::format("{}", fmt::join(checked.errors, "; "))));
    notify_systemd(ready_state("reload refused: invalid configuration; previous settings kept"));
    return;
  }
  const std::shared_ptr<const Config> running = context.settings.get();
  ReloadPlan plan = plan_reload(*running, std::move(*checked.config));
  if (!plan.needs_restart.empty()) {
    spdlog::warn("SIGHUP: {} changed, which needs a restart; still running with the old value",
                 fmt::join(plan.needs_restart, ", "));
  }
  reload_users(context);
  (void)reload_certificates(context.certificates, "SIGHUP");
  reload_host_api(context);
  reload_access_log(context, *running, plan.next);
  apply_limits(context, plan.next);
  context.settings.set(std::make_shared<const Config>(std::move(plan.next)));
  const auto users = context.users.get();
  const size_t user_count = users ? users->size() : 0;
  spdlog::info("SIGHUP: reloaded {} ({} users in {})", context.config_path.string(), user_count,
               context.users.path().string());
  notify_systemd(ready_state(fmt::format("reloaded; {} users", user_count)));
}

}  // namespace gitgate::server
