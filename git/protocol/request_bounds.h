// RequestLimits as upload-pack applies them: a meter that counts a request's bytes and
// lines before they are stored. The negotiation budget that walks check is
// select/negotiation_budget.h.
#pragma once

#include <git2.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "git/request_limits.h"

namespace gitgate::git::detail {

// The kinds of line that are capped, and what the error calls them.
enum class Limit { kRequestBytes, kWants, kHaves, kShallow, kDeepenNot };

// What the client and the log see, naming the config key:
// "upload-pack: too many want lines (limit 1000000, max_wants)".
std::string limit_error(Limit limit, const RequestLimits& limits);

// One request's counts. Each add_* is called before the thing is stored; a value is the
// error to send (the request ends there).
class RequestMeter {
 public:
  explicit RequestMeter(const RequestLimits& limits) : limits_(limits) {}

  // Wire bytes of one packet, header included.
  std::optional<std::string> add_bytes(size_t n);
  // A line of a want list or of the arguments of a v2 fetch: counted when it is one of
  // "want", "want-ref", "have", "shallow" or "deepen-not" (by its first word only; the
  // line's parser judges the rest).
  std::optional<std::string> add_line(std::string_view line);

  const RequestLimits& limits() const { return limits_; }

 private:
  std::optional<std::string> add(size_t& count, Limit limit);

  RequestLimits limits_;  // a copy: small, and no lifetime to get wrong
  size_t bytes_ = 0;
  size_t wants_ = 0;
  size_t haves_ = 0;
  size_t shallow_ = 0;
  size_t deepen_not_ = 0;
};

// Removes repeated ids, keeping the first of each in place. O(n log n) and 4 bytes of
// scratch per id: a hash set would cost ~60 bytes per id on requests of a million haves.
void remove_duplicates(std::vector<git_oid>& ids);

}  // namespace gitgate::git::detail
