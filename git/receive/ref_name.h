// Which ref names a push may create, update or delete: git's check_refname_format
// (refs.c, `git check-ref-format`) with receive-pack's rule that a pushed name lives
// under refs/ ("funny refname" otherwise).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gitgate::git::detail {

// nullopt when name may be pushed; otherwise the reason, e.g. "funny refname".
std::optional<std::string> check_pushed_ref_name(std::string_view name);

}  // namespace gitgate::git::detail
