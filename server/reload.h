// SIGHUP: the configuration file is read again and checked as `gitgate check-config` checks
// it. A file with any error changes nothing: the previous settings stay and one error line
// says why. A valid file replaces what can change without rebinding (server/reload_plan.h):
// [limits] (admission counts the next connections against them), [proxy_protocol], the
// access log's path, the pack cache's limits, [push] and the drain times, for connections
// accepted from then on. What needs a restart is kept and named in one warning. The users
// file, the certificate files and the host API's token are read again too.
#pragma once

#include "git/cache/pack_cache.h"
#include "server/config.h"
#include "server/context.h"

namespace gitgate::server {

// Under systemd, RELOADING=1 before and READY=1 after (server/systemd_notify.h).
void reload(ServerContext& context);

// [cache] as the pack cache takes it: max_size_mb, ttl_minutes and min_free_disk_mb in its
// units (the directory too, for opening it).
[[nodiscard]] git::PackCacheOptions pack_cache_options(const CacheConfig& config);

}  // namespace gitgate::server
