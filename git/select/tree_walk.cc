#include "git/select/tree_walk.h"

#include <utility>
#include <vector>

#include "git/pack/libgit2.h"

namespace gitgate::git::detail {

std::optional<std::string> walk_tree(git_repository* repo, const git_oid& root,
                                     TreeVisitor& visitor, bool with_paths) {
  struct Open {  // a tree being walked, and where in it
    TreePtr tree;
    size_t next = 0;
    std::string path;
    uint64_t depth = 0;
  };
  std::vector<Open> open;  // one per level: at most kMaxTreeDepth + 1
  auto enter = [&](const git_oid& id, std::string path,
                   uint64_t depth) -> std::optional<std::string> {
    if (!visitor.enter_tree(id, path, depth)) {
      return std::nullopt;
    }
    if (depth > kMaxTreeDepth) {
      return "tree " + to_hex(id) + " is nested deeper than " + std::to_string(kMaxTreeDepth) +
             " levels (core.maxTreeDepth)";
    }
    git_tree* raw = nullptr;
    if (git_tree_lookup(&raw, repo, &id) != 0) {
      return last_error("cannot read a tree");
    }
    open.push_back(Open{TreePtr(raw), 0, std::move(path), depth});
    return std::nullopt;
  };
  if (auto error = enter(root, "", 0)) {
    return error;
  }
  while (!open.empty()) {
    Open& top = open.back();
    if (top.next == git_tree_entrycount(top.tree.get())) {
      open.pop_back();
      continue;
    }
    const git_tree_entry* entry = git_tree_entry_byindex(top.tree.get(), top.next++);
    const git_oid id = *git_tree_entry_id(entry);
    const uint64_t depth = top.depth + 1;
    std::string path = with_paths ? top.path + git_tree_entry_name(entry) : std::string();
    if (git_tree_entry_type(entry) == GIT_OBJECT_TREE) {
      if (with_paths) {
        path += '/';
      }
      if (auto error = enter(id, std::move(path), depth)) {  // may move open's storage
        return error;
      }
    } else if (git_tree_entry_type(entry) == GIT_OBJECT_BLOB) {
      visitor.on_blob(id, path, depth);
    }
  }
  return std::nullopt;
}

}  // namespace gitgate::git::detail
