// The tree half of fsck_object (fsck.h): git's fsck_tree() and the names it refuses.
#pragma once

#include <optional>
#include <string_view>

#include "git/receive/fsck.h"

namespace gitgate::git::detail {

// The first error `git fsck --strict` reports for a tree body, nullopt when it has none.
std::optional<FsckProblem> fsck_tree(std::string_view body);

// Names a checkout must never write (git's is_hfs_dotgit / is_ntfs_dotgit): ".git" in any
// case, with HFS+ ignorable code points, NTFS trailing dots and spaces, "git~1", streams.
bool is_hfs_dotgit(std::string_view name);
bool is_ntfs_dotgit(std::string_view name);

}  // namespace gitgate::git::detail
