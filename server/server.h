// `gitgate serve`: binds the listen addresses, accepts connections (one thread per
// connection), reloads the users file and reopens the access log on SIGHUP, and on
// SIGTERM/SIGINT stops accepting, lets sessions in flight finish (bounded), and returns.
#pragma once

#include <chrono>

#include "server/config.h"

namespace gitgate::server {

// Exit codes of the gitgate binary.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      // could not start (bind, host keys, access log)
inline constexpr int kExitConfigError = 2;  // invalid configuration or users file

// How long sessions in flight get to finish after SIGTERM/SIGINT.
inline constexpr std::chrono::seconds kShutdownGrace{30};

// Runs in the foreground until SIGTERM/SIGINT; returns the process exit code. Call it
// before any other thread exists: it blocks the signals it handles in every thread.
[[nodiscard]] int run_server(Config config);

}  // namespace gitgate::server
