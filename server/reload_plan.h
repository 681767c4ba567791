// What a SIGHUP may change in a running server. Everything read per connection or per
// request, or held by a part that can be told (admission, the access log, the pack cache),
// is reloaded: [limits], [proxy_protocol], [access_log] path, [cache] limits, [push] and the
// drain times. What is bound or built once at start (listen addresses, host keys, the SSH
// algorithms of the bind, the [http] listeners, the repositories root the health check
// watches, the request-id node, the paths of the users, certificate and token files and the
// host API's client, the cache directory) needs a restart: a reload keeps it and says so.
#pragma once

#include <string>
#include <vector>

#include "server/config.h"

namespace gitgate::server {

struct ReloadPlan {
  Config next;  // the settings to run with: fresh, but what needs a restart as running
  // The keys that changed but need a restart ("server.listen"), in the file's order.
  std::vector<std::string> needs_restart;
};

// Pure: compares the running settings with a freshly validated file.
[[nodiscard]] ReloadPlan plan_reload(const Config& running, Config fresh);

}  // namespace gitgate::server
