#include "server/systemd_notify.h"

#include <fmt/format.h>
#include <systemd/sd-daemon.h>

#include <string>

namespace gitgate::server {
namespace {

// sd_notify(3): "The state parameter should contain a newline-separated list of variable
// assignments"; a newline inside the status would start an assignment of its own.
std::string one_line(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  return line;
}

}  // namespace

bool notify_systemd(std::string_view state) {
  // unset_environment = 0: a reload and the stop notify later through the same variable.
  // sd_notify returns 0 without $NOTIFY_SOCKET, a negative errno when sending failed.
  return sd_notify(0, std::string(state).c_str()) > 0;
}

std::string ready_state(std::string_view status) { return "READY=1\nSTATUS=" + one_line(status); }

std::string stopping_state(std::string_view status) {
  return "STOPPING=1\nSTATUS=" + one_line(status);
}

// systemd.service(5), Type=notify-reload: "the service must [...] send a RELOADING=1
// notification message [...] together with MONOTONIC_USEC= set to the current monotonic
// time (i.e. CLOCK_MONOTONIC in clock_gettime(2)) in μs". systemd 252 (Debian 12) ignores
// the extra assignment; the shipped unit is Type=notify with ExecReload sending HUP.
std::string reloading_state(std::chrono::microseconds monotonic_now) {
  return fmt::format("RELOADING=1\nMONOTONIC_USEC={}\nSTATUS=reloading", monotonic_now.count());
}

std::chrono::microseconds monotonic_now() {
  // libstdc++'s steady_clock on Linux is CLOCK_MONOTONIC, the clock systemd asks for.
  return std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
}

}  // namespace gitgate::server
