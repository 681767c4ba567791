// `gitgate serve`: binds the listen addresses, accepts connections (one thread per
// connection), reloads what it can of the configuration on SIGHUP (server/reload.h), and on
// SIGTERM/SIGINT stops accepting, closes connections not yet authenticated, and lets
// requests in flight finish for up to [server] drain_timeout_seconds: past that, each
// still running gets its o-line (label "drained") and the process exits with kExitFailure.
#pragma once

#include <filesystem>

#include "server/config.h"

namespace gitgate::server {

// Exit codes of the gitgate binary.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      // could not start, or requests cut by the drain timeout
inline constexpr int kExitConfigError = 2;  // invalid configuration or users file

// Runs in the foreground until SIGTERM/SIGINT; returns the process exit code. Call it
// before any other thread exists: it blocks the signals it handles in every thread.
// config_path: the file config was loaded from, read again on SIGHUP (server/reload.h).
[[nodiscard]] int run_server(Config config, const std::filesystem::path& config_path);

}  // namespace gitgate::server
