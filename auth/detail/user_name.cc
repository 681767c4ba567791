#include "auth/detail/user_name.h"

#include <fmt/format.h>

namespace gitgate::auth::detail {

std::string name_problem(std::string_view name) {
  if (name.empty()) {
    return "user name is empty";
  }
  if (name.size() > kMaxNameLength) {
    return fmt::format("user name is longer than {} characters", kMaxNameLength);
  }
  for (const char c : name) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && c != '.' && c != '_' && c != '-') {
      return fmt::format("user name '{}' may hold only A-Z a-z 0-9 . _ -", name);
    }
  }
  // "-" is the access log's "no user"; a leading '.' or '-' reads like a path or an option.
  if (name.front() == '-' || name.front() == '.') {
    return fmt::format("user name '{}' must start with a letter or digit", name);
  }
  return {};
}

}  // namespace gitgate::auth::detail
