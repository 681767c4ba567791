#include "git/select/shallow_request.h"

#include <charconv>

#include "git/pack/oid.h"

namespace gitgate::git::detail {
namespace {

// A positive decimal number with nothing after it (git's strtol/parse_timestamp checks).
template <typename T>
std::optional<T> parse_positive(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

//   shallow-line = PKT-LINE("shallow" SP obj-id)
//   depth-request = PKT-LINE("deepen" SP depth) / PKT-LINE("deepen-since" SP timestamp) /
//                   PKT-LINE("deepen-not" SP ref)
std::variant<LineUse, ShallowLineError> parse_shallow_line(std::string_view line,
                                                           ShallowRequest& request) {
  std::string_view rest = line;
  if (rest.starts_with("shallow ")) {
    git_oid id;
    if (!parse_oid(rest.substr(8), id)) {
      return ShallowLineError{"invalid shallow line: " + std::string(line)};
    }
    request.client_shallows.push_back(id);
    return LineUse::kUsed;
  }
  if (rest.starts_with("deepen ")) {
    const auto depth = parse_positive<int>(rest.substr(7));
    if (!depth) {
      return ShallowLineError{"Invalid deepen: " + std::string(line)};
    }
    request.depth = *depth;
    return LineUse::kUsed;
  }
  if (rest.starts_with("deepen-since ")) {
    const auto since = parse_positive<int64_t>(rest.substr(13));
    if (!since) {
      return ShallowLineError{"Invalid deepen-since: " + std::string(line)};
    }
    request.since = since;
    return LineUse::kUsed;
  }
  if (rest.starts_with("deepen-not ")) {
    request.not_refs.emplace_back(rest.substr(11));
    return LineUse::kUsed;
  }
  if (rest == "deepen-relative") {
    request.relative = true;
    return LineUse::kUsed;
  }
  return LineUse::kNotMine;
}

std::optional<std::string> check_shallow_request(const ShallowRequest& request) {
  if (request.depth > 0 && (request.since || !request.not_refs.empty())) {
    return "git upload-pack: deepen and deepen-since (or deepen-not) cannot be used together";
  }
  return std::nullopt;
}

}  // namespace gitgate::git::detail
