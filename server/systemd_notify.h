// systemd's service notification protocol (sd_notify(3), through libsystemd): under a unit
// with Type=notify, gitgate says READY=1 once it accepts, RELOADING=1 and READY=1 around a
// SIGHUP reload, and STOPPING=1 at SIGTERM, each with a STATUS= line, so that
// `systemctl start` and `systemctl reload` return when the work is done and
// `systemctl status` shows the phase.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace gitgate::server {

// Sends state (newline-separated assignments, "READY=1\nSTATUS=...") to $NOTIFY_SOCKET with
// sd_notify(). Without the variable (not under systemd) nothing is sent and it returns
// false; also false when the socket cannot be reached.
bool notify_systemd(std::string_view state);

// "READY=1\nSTATUS=<status>", "STOPPING=1\nSTATUS=<status>"; status on one line.
[[nodiscard]] std::string ready_state(std::string_view status);
[[nodiscard]] std::string stopping_state(std::string_view status);

// "RELOADING=1\nMONOTONIC_USEC=<now>\nSTATUS=reloading": the time of the reload on
// CLOCK_MONOTONIC, which systemd 253 and later require for Type=notify-reload.
[[nodiscard]] std::string reloading_state(std::chrono::microseconds monotonic_now);

// CLOCK_MONOTONIC now, the clock MONOTONIC_USEC is read on.
[[nodiscard]] std::chrono::microseconds monotonic_now();

}  // namespace gitgate::server
