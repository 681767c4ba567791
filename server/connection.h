// The connection layer: one client connection, start to end, on the thread that accepted
// it: the PROXY header, the SSH handshake, public-key authentication (with a login
// deadline and a cap on failed attempts), keepalive, the event loop, revocation when the
// users file changes, and the close. Its session channel is server/channel.h's.
#pragma once

#include <chrono>
#include <memory>

#include "proxyproto/reader.h"
#include "server/admission.h"
#include "server/context.h"

namespace gitgate::server {

// The SSH part of a connection the intake identified and admitted (server/intake.h), on
// the non-blocking fd it takes over. Returns when the connection is over.
// settings: the snapshot taken at accept ([limits] login grace, max_auth_tries, keepalive;
// every request's limits and [push]).
void run_connection(ServerContext& context, std::shared_ptr<const Config> settings,
                    proxyproto::ConnectionInfo info, AdmissionTicket ticket,
                    std::chrono::steady_clock::time_point login_deadline, int fd);

}  // namespace gitgate::server
