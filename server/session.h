// One client connection, start to end, on the thread that accepted it: the PROXY
// header, the SSH handshake, public-key authentication (with a login deadline and a
// cap on failed attempts), the session channel and its requests, and the close.
#pragma once

#include "server/context.h"
#include "server/listener.h"

namespace gitgate::server {

// Takes ownership of fd. Returns when the connection is over.
void serve_connection(ServerContext& context, int fd, AdmissionTicket ticket);

}  // namespace gitgate::server
