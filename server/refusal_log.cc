#include "server/refusal_log.h"

#include <fmt/format.h>

namespace gitgate::server {
namespace {

std::string held_back_text(uint64_t count) {
  return fmt::format("{} more like it since the last such line", count);
}

}  // namespace

RefusalLimiter::RefusalLimiter(std::chrono::milliseconds interval) : interval_(interval) {}

std::optional<std::string> RefusalLimiter::admit(std::string_view reason, std::string_view client,
                                                 const std::string& line, Clock::time_point now) {
  const std::lock_guard lock(mu_);
  Reason& state = reasons_[std::string(reason)];
  state.last_refusal = now;
  state.window.roll(now, interval_);
  std::string key = fmt::format("{}\n{}", reason, client);
  auto seen = clients_.find(key);
  if (seen == clients_.end() && clients_.size() < kMaxClients) {
    seen = clients_.emplace(std::move(key), Window{now, 0}).first;
  }
  if (seen != clients_.end()) {
    seen->second.roll(now, interval_);
  }
  if (seen == clients_.end() || seen->second.lines >= kLinesPerClient ||
      state.window.lines >= kLinesPerReason) {
    ++state.held_back;
    return std::nullopt;
  }
  ++seen->second.lines;
  ++state.window.lines;
  if (state.held_back == 0) {
    return line;
  }
  std::string text = line + " (and " + held_back_text(state.held_back) + ")";
  state.held_back = 0;
  return text;
}

std::vector<std::string> RefusalLimiter::flush(Clock::time_point now) {
  const std::lock_guard lock(mu_);
  return flush_locked(now, false);
}

std::vector<std::string> RefusalLimiter::flush_all() {
  const std::lock_guard lock(mu_);
  return flush_locked(Clock::now(), true);
}

std::vector<std::string> RefusalLimiter::flush_locked(Clock::time_point now, bool all) {
  std::vector<std::string> lines;
  for (auto it = reasons_.begin(); it != reasons_.end();) {
    if (!all && now - it->second.last_refusal < interval_) {
      ++it;
      continue;
    }
    if (it->second.held_back > 0) {
      lines.push_back(it->first + ": " + held_back_text(it->second.held_back) + ", not shown");
    }
    it = reasons_.erase(it);  // quiet reasons are forgotten: the maps stay small
  }
  std::erase_if(clients_, [&](const auto& entry) { return now - entry.second.start >= interval_; });
  return lines;
}

}  // namespace gitgate::server
