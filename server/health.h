// What GET /health and GET /ready answer (server/http_endpoint.h). Health: the server's
// loops run (the signal loop beats every 250 ms). Readiness, which a balancer's check asks
// before sending new connections: not draining (from the first instant of SIGTERM) and
// the repositories directory readable (a lost NFS mount makes every clone fail).
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>

namespace gitgate::server {

class Health {
 public:
  using Clock = std::chrono::steady_clock;
  // A loop that has not beaten for this long is stuck.
  static constexpr std::chrono::seconds kStaleAfter{5};

  explicit Health(std::filesystem::path repositories, Clock::time_point now = Clock::now())
      : repositories_(std::move(repositories)), last_beat_(now.time_since_epoch().count()) {}

  void beat(Clock::time_point now) {
    last_beat_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
  }
  [[nodiscard]] bool alive(Clock::time_point now) const;

  // SIGTERM: not ready from now on, for good.
  void start_draining() { draining_.store(true); }
  [[nodiscard]] bool draining() const { return draining_.load(); }

  // Empty when ready, else why not ("draining", "repositories directory unreadable: ...").
  [[nodiscard]] std::string not_ready_reason() const;

 private:
  const std::filesystem::path repositories_;
  std::atomic<Clock::rep> last_beat_;
  std::atomic<bool> draining_{false};
};

}  // namespace gitgate::server
