// The settings a SIGHUP may replace (server/reload_plan.h), as one immutable snapshot. Each
// connection takes the snapshot in force when it is accepted and keeps it to its end, with
// every request it runs, so a reload never changes a session halfway: a new limit, PROXY
// policy or [push] setting applies to the connections accepted after it.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

#include "server/config.h"

namespace gitgate::server {

class LiveSettings {
 public:
  explicit LiveSettings(Config initial)
      : current_(std::make_shared<const Config>(std::move(initial))) {}

  // Never null.
  [[nodiscard]] std::shared_ptr<const Config> get() const {
    const std::lock_guard lock(mu_);
    return current_;
  }

  void set(std::shared_ptr<const Config> next) {
    const std::lock_guard lock(mu_);
    current_ = std::move(next);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Config> current_;
};

}  // namespace gitgate::server
