// The first step of a connection, before SSH: the PROXY header (within what is left of
// the login grace time), then admission on the client it names (server/admission.h);
// then the connection layer takes over (server/connection.h).
// Refusals are logged through the context's RefusalLimiter, so that a flood cannot flood
// the diagnostics.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "proxyproto/reader.h"
#include "server/admission.h"
#include "server/context.h"

namespace gitgate::server {

// The connection as the header describes it (read under settings.proxy), admitted; or
// nullopt when it was refused (logged; the caller closes fd).
[[nodiscard]] std::optional<proxyproto::ConnectionInfo> identify_connection(
    ServerContext& context, const Config& settings, int fd, AdmissionTicket& ticket,
    std::chrono::steady_clock::time_point login_deadline);

// An accepted socket, start to end: identified, admitted, then served over SSH under the
// settings in force when it was accepted (server/live_settings.h). Takes ownership of fd.
// Returns when the connection is over.
void serve_connection(ServerContext& context, std::shared_ptr<const Config> settings, int fd,
                      AdmissionTicket ticket);

}  // namespace gitgate::server
