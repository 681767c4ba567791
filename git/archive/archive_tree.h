// What an upload-archive request archives: the tree a tree-ish names (as archive.c
// parse_treeish_arg() finds it for a remote client), and its entries in the order and
// with the paths git's write_archive_entries() gives them.
#pragma once

#include <git2.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "git/archive/archive_args.h"

namespace gitgate::git::detail {

struct ArchiveSource {
  git_oid tree{};
  std::optional<git_oid> commit;  // when the tree-ish is a commit or a tag of one
  int64_t time = 0;               // the commit's committer time, else `now`
};

// archive.c parse_treeish_arg(): unless allow_unreachable (uploadArchive.allowUnreachable),
// the part before the first ':' must name a ref the way `git rev-parse` expands a short
// name (refs/<n>, refs/tags/<n>, refs/heads/<n>, ...); after the ':' comes a path in its
// tree. A tree-ish that names no commit (a tree, "<ref>:<path>") is dated `now`, as in git.
[[nodiscard]] std::variant<ArchiveSource, ArchiveArgsError> resolve_tree_ish(
    git_repository* repo, std::string_view tree_ish, bool allow_unreachable, int64_t now);

// Whether the repository sets uploadArchive.allowUnreachable (git config, default false).
[[nodiscard]] bool allow_unreachable(git_repository* repo);

struct ArchiveEntry {
  std::string path;   // in the archive: prefix, path, and '/' after a directory's name
  uint32_t mode = 0;  // git's: 040000, 0100644, 0100755, 0120000 or 0160000 (a submodule)
  git_oid id{};
};

// A pathspec as archive.c parse_pathspec_arg() gets it: normalised like git's prefix_path()
// (".", "..", repeated '/'), refused when it leaves the tree, uses pathspec magic (":")
// or wildcards (not supported here), or matches nothing in tree.
[[nodiscard]] std::variant<std::vector<std::string>, ArchiveArgsError> check_pathspecs(
    git_repository* repo, const git_oid& tree, const std::vector<std::string>& paths);

// Calls visit with every entry, in archive.c write_archive_entries()'s order: a
// directory (the prefix's first, when it ends in '/') just before the first entry under
// it, none for a directory with no file or submodule under it that the pathspecs match.
// Stops at the first visit that returns false. Returns false on a libgit2 error.
[[nodiscard]] bool walk_archive_tree(git_repository* repo, const git_oid& tree,
                                     std::string_view prefix,
                                     const std::vector<std::string>& pathspecs,
                                     const std::function<bool(const ArchiveEntry&)>& visit);

// Pure: normalises one pathspec (nullopt when it leaves the tree), and tells whether a
// path of the tree (a directory without its '/') is matched by it.
[[nodiscard]] std::optional<std::string> normalize_pathspec(std::string_view path);
[[nodiscard]] bool pathspec_matches(std::string_view pathspec, std::string_view path,
                                    bool is_directory);
// Whether a directory may hold a path the pathspec matches (walk into it).
[[nodiscard]] bool pathspec_may_match_below(std::string_view pathspec, std::string_view directory);

}  // namespace gitgate::git::detail
