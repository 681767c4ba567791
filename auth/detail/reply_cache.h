// The host API's positive answers, kept for [auth] api_cache_seconds: a user found for a key
// and an access allowed. Refusals, unknown keys and failures are never kept, so that a key
// the host adds or an access it grants works at once; what the host revokes keeps working
// until the entry expires (README, "Sources of users"). Keyed by the whole request (path and
// body, which holds the client address). Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

#include "auth/host_api.h"

namespace gitgate::auth::detail {

class ReplyCache {
 public:
  using Clock = std::chrono::steady_clock;
  using Answer = std::variant<ApiUser, Allowed>;

  // Bounded: when max_entries are held, expired ones go; if none has, all go.
  explicit ReplyCache(std::chrono::seconds ttl, size_t max_entries = 10000)
      : ttl_(ttl), max_entries_(max_entries) {}

  [[nodiscard]] std::optional<Answer> find(const std::string& request, Clock::time_point now);
  void store(const std::string& request, Answer answer, Clock::time_point now);
  [[nodiscard]] size_t size() const;

 private:
  struct Entry {
    Answer answer;
    Clock::time_point expires;
  };
  const std::chrono::seconds ttl_;
  const size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace gitgate::auth::detail
