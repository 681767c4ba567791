// Which ref names a push may create, update or delete: git's check_refname_format
// (refs.c, `git check-ref-format`) with receive-pack's rule that a pushed name lives
// under refs/ ("funny refname" otherwise).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gitgate::git::detail {

// nullopt when name may be pushed; otherwise the reason, "funny refname". A delete may
// name a single level under refs/ ("refs/foo"), so that such a ref, made by other means,
// can be removed by a push (git 2.41, 7c3c55026c "push: allow delete single-level ref").
std::optional<std::string> check_pushed_ref_name(std::string_view name, bool is_delete = false);

}  // namespace gitgate::git::detail
