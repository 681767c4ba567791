#include "auth/detail/reply_cache.h"

#include <utility>

namespace gitgate::auth::detail {

std::optional<ReplyCache::Answer> ReplyCache::find(const std::string& request,
                                                   Clock::time_point now) {
  const std::lock_guard lock(mu_);
  const auto it = entries_.find(request);
  if (it == entries_.end()) {
    return std::nullopt;
  }
  if (now >= it->second.expires) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.answer;
}

void ReplyCache::store(const std::string& request, Answer answer, Clock::time_point now) {
  if (ttl_.count() <= 0) {
    return;
  }
  const std::lock_guard lock(mu_);
  if (entries_.size() >= max_entries_ && !entries_.contains(request)) {
    std::erase_if(entries_, [now](const auto& entry) { return now >= entry.second.expires; });
    if (entries_.size() >= max_entries_) {
      entries_.clear();  // a flood of distinct requests: start over rather than grow
    }
  }
  entries_.insert_or_assign(request, Entry{std::move(answer), now + ttl_});
}

size_t ReplyCache::size() const {
  const std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace gitgate::auth::detail
