// Object checks of a pushed object, as `git fsck --strict` / receive.fsckObjects
// (fsck.c): malformed commits, tags and trees; zero-padded modes; unsorted or duplicate
// tree entries; names that are dangerous on a checkout ('.git' in any case and its NTFS
// (git~1, ".git " ...) and HFS+ (ignorable code points) aliases, ".", "..", "/" in a name,
// empty names); a symlinked .gitmodules. Only what git makes an error under --strict: other
// bad modes and bad tag names stay warnings there (INFO), and pass here. Pure functions over
// an object's body (no header); no repository access.
#pragma once

#include <git2.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace gitgate::git::detail {

struct FsckProblem {
  std::string id;       // git's message id, as fsck.c names it: "hasDotgit", "badTimezone"
  std::string message;  // git's text: "contains '.git'"
};

// nullopt when the object is well formed. type is GIT_OBJECT_COMMIT, _TREE, _BLOB, _TAG.
// Blobs always pass (git checks .gitmodules blobs; not done here).
std::optional<FsckProblem> fsck_object(git_object_t type, std::span<const uint8_t> body);

// git's own line for the client: "object <hex>: hasDotgit: contains '.git'".
std::string fsck_message(const git_oid& id, const FsckProblem& problem);

}  // namespace gitgate::git::detail
