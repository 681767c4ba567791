// The access-log labels of one request, recorded as soon as they are known. The request's
// thread records them as it learns what the request is (a clone once its pack starts, a
// cache hit once the cache answers); whoever writes the o-line reads them whenever the
// request ends: after it returned, or while it is still running (the drain deadline, on
// another thread), or while an exception unwinds it. So an o-line says what the request
// was known to be, whatever ended it. A plain type: it includes nothing of git.
#pragma once

#include <initializer_list>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gitgate::git {

class RequestLabels {
 public:
  RequestLabels() = default;
  RequestLabels(std::initializer_list<std::string_view> labels) {
    for (const std::string_view label : labels) {
      labels_.emplace(label);
    }
  }
  RequestLabels(const RequestLabels&) = delete;
  RequestLabels& operator=(const RequestLabels&) = delete;

  // A label present twice is one label (Bitbucket keeps them in a set).
  void add(std::string_view label) {
    const std::lock_guard lock(mu_);
    labels_.emplace(label);
  }
  [[nodiscard]] bool has(std::string_view label) const {
    const std::lock_guard lock(mu_);
    return labels_.find(label) != labels_.end();
  }
  // At most one of a group ("refs"/"clone"/"fetch", "cache:hit"/"cache:miss"): the others
  // go in the same step, so that a reader never sees two or none in between. An empty
  // label removes them all.
  void set_one_of(std::span<const std::string_view> group, std::string_view label) {
    const std::lock_guard lock(mu_);
    for (const std::string_view other : group) {
      if (const auto it = labels_.find(other); it != labels_.end()) {
        labels_.erase(it);
      }
    }
    if (!label.empty()) {
      labels_.emplace(label);
    }
  }
  // In byte order, each once.
  [[nodiscard]] std::vector<std::string> list() const {
    const std::lock_guard lock(mu_);
    return {labels_.begin(), labels_.end()};
  }

 private:
  mutable std::mutex mu_;
  std::set<std::string, std::less<>> labels_;
};

}  // namespace gitgate::git
