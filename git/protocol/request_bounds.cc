#include "git/protocol/request_bounds.h"

#include <algorithm>
#include <cstdint>
#include <numeric>

namespace gitgate::git::detail {
namespace {

struct LimitName {
  const char* what;  // as the client reads it: "too many <what>"
  const char* key;   // the [limits] key of the config
  size_t RequestLimits::*value;
};

LimitName name_of(Limit limit) {
  switch (limit) {
    case Limit::kRequestBytes:
      return {"request bytes", "max_request_bytes", &RequestLimits::max_request_bytes};
    case Limit::kWants:
      return {"want lines", "max_wants", &RequestLimits::max_wants};
    case Limit::kHaves:
      return {"have lines", "max_haves", &RequestLimits::max_haves};
    case Limit::kShallow:
      return {"shallow lines", "max_shallow", &RequestLimits::max_shallow};
    case Limit::kDeepenNot:
      return {"deepen-not lines", "max_deepen_not", &RequestLimits::max_deepen_not};
  }
  return {"lines", "?", &RequestLimits::max_request_bytes};
}

}  // namespace

std::string limit_error(Limit limit, const RequestLimits& limits) {
  const LimitName name = name_of(limit);
  return std::string("upload-pack: too many ") + name.what + " (limit " +
         std::to_string(limits.*name.value) + ", " + name.key + ")";
}

std::optional<std::string> RequestMeter::add(size_t& count, Limit limit) {
  if (count >= limits_.*name_of(limit).value) {
    return limit_error(limit, limits_);
  }
  ++count;
  return std::nullopt;
}

std::optional<std::string> RequestMeter::add_bytes(size_t n) {
  if (n > limits_.max_request_bytes - std::min(bytes_, limits_.max_request_bytes)) {
    return limit_error(Limit::kRequestBytes, limits_);
  }
  bytes_ += n;
  return std::nullopt;
}

std::optional<std::string> RequestMeter::add_line(std::string_view line) {
  const std::string_view word = line.substr(0, line.find(' '));
  if (word == "want" || word == "want-ref") {
    return add(wants_, Limit::kWants);
  }
  if (word == "have") {
    return add(haves_, Limit::kHaves);
  }
  if (word == "shallow") {
    return add(shallow_, Limit::kShallow);
  }
  if (word == "deepen-not") {
    return add(deepen_not_, Limit::kDeepenNot);
  }
  return std::nullopt;
}

void remove_duplicates(std::vector<git_oid>& ids) {
  std::vector<uint32_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0U);
  // Equal ids end up adjacent, the first received first (stable).
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return git_oid_cmp(&ids[a], &ids[b]) < 0; });
  std::vector<bool> repeated(ids.size());
  for (size_t i = 1; i < order.size(); ++i) {
    repeated[order[i]] = git_oid_equal(&ids[order[i]], &ids[order[i - 1]]) != 0;
  }
  size_t kept = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!repeated[i]) {
      ids[kept++] = ids[i];
    }
  }
  ids.resize(kept);
}

}  // namespace gitgate::git::detail
