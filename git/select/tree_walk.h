// Depth-first walk of a tree and everything under it without recursion, so that a
// deeply nested tree (a client can push one) cannot exhaust the stack.
#pragma once

#include <git2.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace gitgate::git::detail {

// git's core.maxTreeDepth default: a tree nested deeper is refused, not walked.
inline constexpr uint64_t kMaxTreeDepth = 4096;

class TreeVisitor {
 public:
  virtual ~TreeVisitor() = default;
  // A tree at depth (the root is 0) and path ("" for the root, "dir/sub/" below, only
  // when the walk was asked for paths): true to walk its entries.
  virtual bool enter_tree(const git_oid& id, const std::string& path, uint64_t depth) = 0;
  virtual void on_blob(const git_oid& id, const std::string& path, uint64_t depth) = 0;
};

// Visits root and what is under it in the order a recursive walk would: each tree before
// its entries, entries in tree order, a subtree entirely before the next entry. Gitlinks
// (submodule commits) are skipped. The error when a tree cannot be read or nests deeper
// than kMaxTreeDepth.
std::optional<std::string> walk_tree(git_repository* repo, const git_oid& root,
                                     TreeVisitor& visitor, bool with_paths);

}  // namespace gitgate::git::detail
