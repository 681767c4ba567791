#include "server/health.h"

#include <dirent.h>

#include <cerrno>
#include <system_error>

namespace gitgate::server {

bool Health::alive(Clock::time_point now) const {
  const Clock::time_point beat{Clock::duration(last_beat_.load(std::memory_order_relaxed))};
  return now - beat < kStaleAfter;
}

// Opening the directory is what every request does first; as root, mode bits would not
// stop it, so they are not what is checked. A removed, renamed or unmounted root (ENOENT,
// ESTALE, EIO) fails here.
std::string Health::not_ready_reason() const {
  if (draining()) {
    return "draining";
  }
  DIR* dir = opendir(repositories_.c_str());
  if (dir == nullptr) {
    return "repositories directory unreadable: " +
           std::error_code(errno, std::generic_category()).message();
  }
  closedir(dir);
  return {};
}

}  // namespace gitgate::server
