// The diagnostic log: one line per event on stderr, for operators, audits and fail2ban.
//   2026-05-25 10:31:38,622 WARN [session 17i1kgv] command refused: ... client=203.0.113.9
//   lb=10.0.0.5
// Convention: a line about a connection names its session as "[session ID]" and ends with
// connection_addresses(); a string the client chose goes through printable() first.
#pragma once

#include <spdlog/logger.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "net/socket_address.h"

namespace gitgate::logging {

// Sets the level ("trace", "debug", "info", "warn", "error", "off") and the sink (stderr when
// null; tests pass their own). The logger is also spdlog's default logger, so spdlog::warn()
// anywhere writes the same format. Returns false for an unknown level, which then means info.
// Call it at startup, before other threads log.
bool init_diagnostics(std::string_view level, spdlog::sink_ptr sink = nullptr);

// The diagnostic logger; before init_diagnostics() it logs at info to stderr.
[[nodiscard]] spdlog::logger& diagnostics();

// "client=203.0.113.9 lb=10.0.0.5" when a PROXY header named the client (lb = the TCP peer),
// "client=203.0.113.9" when the peer is the client.
[[nodiscard]] std::string connection_addresses(
    const net::SocketAddress& client, const std::optional<net::SocketAddress>& load_balancer);

// A client-controlled string made safe for one log line: bytes outside printable ASCII and '\'
// become \xNN, and text longer than max_bytes is cut and ends with "...".
[[nodiscard]] std::string printable(std::string_view text, size_t max_bytes = 200);

}  // namespace gitgate::logging
