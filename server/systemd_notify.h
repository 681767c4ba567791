// systemd's service notification protocol (sd_notify(3)): under a unit with Type=notify,
// gitgate says READY=1 once it accepts, RELOADING=1 and READY=1 around a SIGHUP reload, and
// STOPPING=1 at SIGTERM, so that `systemctl start` and `systemctl reload` return when the
// work is done and `systemctl status` shows the phase.
#pragma once

#include <string_view>

namespace gitgate::server {

// Sends state ("READY=1", newline-separated assignments) as one datagram to the AF_UNIX
// socket named by $NOTIFY_SOCKET: a path, or a name in the abstract namespace when it starts
// with '@'. Without the variable (not under systemd) nothing is sent and it returns false;
// also false when the socket cannot be reached. Never blocks.
bool notify_systemd(std::string_view state);

}  // namespace gitgate::server
