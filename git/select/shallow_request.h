// The shallow and deepen lines a client sends with its wants (gitprotocol-pack
// "shallow", "deepen"; gitprotocol-v2 "fetch"), parsed as git's upload-pack does.
#pragma once

#include <git2.h>

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gitgate::git::detail {

// "deepen 2147483647" is what `git fetch --unshallow` sends (INFINITE_DEPTH).
inline constexpr int kInfiniteDepth = INT_MAX;

struct ShallowRequest {
  std::vector<git_oid> client_shallows;  // "shallow <oid>": the client's boundary
  int depth = 0;                         // "deepen <n>"; 0 = none
  std::optional<int64_t> since;          // "deepen-since <timestamp>"
  std::vector<std::string> not_refs;     // "deepen-not <ref>", as sent
  bool relative = false;                 // "deepen-relative"

  bool deepens() const { return depth > 0 || since.has_value() || !not_refs.empty(); }
  bool any() const { return deepens() || !client_shallows.empty(); }
};

enum class LineUse { kNotMine, kUsed };

// Handles one of "shallow <oid>", "deepen <n>", "deepen-since <t>", "deepen-not <ref>",
// "deepen-relative" (v2 only: v0 sends it as a capability). Returns whether the line
// was one of them, or the error for a malformed one.
struct ShallowLineError {
  std::string reason;
};
std::variant<LineUse, ShallowLineError> parse_shallow_line(std::string_view line,
                                                           ShallowRequest& request);

// The checks git makes once every line is in.
std::optional<std::string> check_shallow_request(const ShallowRequest& request);

}  // namespace gitgate::git::detail
