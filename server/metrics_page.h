// The page GET /metrics returns: the events counted as they happen (server_metrics()),
// the states read now (connections open, the pack cache, the pack-generation queue), and
// the process_* metrics.
#pragma once

#include <string>

#include "server/context.h"

namespace gitgate::server {

[[nodiscard]] std::string metrics_page(const ServerContext& context);

}  // namespace gitgate::server
