// The rules of a user name, wherever it comes from (the users file, the host's API): it is
// written into the access log between " | " separators and into labels.
#pragma once

#include <string>
#include <string_view>

namespace gitgate::auth::detail {

inline constexpr size_t kMaxNameLength = 64;

// Why name is not a valid user name, or an empty string.
[[nodiscard]] std::string name_problem(std::string_view name);

}  // namespace gitgate::auth::detail
