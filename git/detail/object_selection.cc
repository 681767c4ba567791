#include "git/detail/object_selection.h"

#include <optional>
#include <unordered_set>

#include "git/detail/libgit2.h"

namespace gitgate::git::detail {
namespace {

using OidSet = std::unordered_set<git_oid, OidHash, OidEqual>;

class Selector {
 public:
  explicit Selector(git_repository* repo) : repo_(repo) {}

  std::optional<std::string> run(const RefSet& refs, const SelectionRequest& request);
  ObjectSet take() { return std::move(out_); }

 private:
  std::optional<std::string> walk_commits(const SelectionRequest& request);
  std::optional<std::string> add_want(const git_oid& id);
  std::optional<std::string> subtract_edges();
  std::optional<std::string> add_tree(const git_oid& id, const std::string& path);
  std::optional<std::string> mark_uninteresting(const git_oid& tree_id);
  void include_tags(const RefSet& refs);
  void add(const git_oid& id, std::string path) {
    if (included_.insert(id).second) {
      out_.objects.push_back(PackObject{id, std::move(path)});
    }
  }

  git_repository* repo_;
  std::vector<git_oid> commits_;  // in walk order
  OidSet commit_set_;
  OidSet uninteresting_;  // trees and blobs the client has
  OidSet included_;
  std::vector<git_oid> commit_wants_;
  std::vector<git_oid> loose_wants_;  // trees and blobs asked for directly
  ObjectSet out_;
};

std::optional<std::string> Selector::run(const RefSet& refs, const SelectionRequest& request) {
  if (auto error = walk_commits(request)) {
    return error;
  }
  if (auto error = subtract_edges()) {
    return error;
  }
  for (const git_oid& id : commits_) {
    git_commit* raw = nullptr;
    if (git_commit_lookup(&raw, repo_, &id) != 0) {
      return last_error("cannot read a commit");
    }
    CommitPtr commit(raw);
    add(id, "");
    if (auto error = add_tree(*git_commit_tree_id(commit.get()), "")) {
      return error;
    }
  }
  for (const git_oid& id : loose_wants_) {
    if (auto error = add_tree(id, "")) {
      return error;
    }
  }
  if (request.include_tag) {
    include_tags(refs);
  }
  return std::nullopt;
}

std::optional<std::string> Selector::walk_commits(const SelectionRequest& request) {
  git_revwalk* raw = nullptr;
  if (git_revwalk_new(&raw, repo_) != 0) {
    return last_error("cannot walk commits");
  }
  RevwalkPtr walk(raw);
  git_revwalk_sorting(walk.get(), GIT_SORT_TIME);
  for (const git_oid& id : request.wants) {
    if (auto error = add_want(id)) {
      return error;
    }
  }
  for (const git_oid& id : commit_wants_) {
    if (git_revwalk_push(walk.get(), &id) != 0) {
      return last_error("cannot walk a wanted commit");
    }
  }
  for (const git_oid& id : request.common) {
    git_object* object = nullptr;
    if (git_object_lookup(&object, repo_, &id, GIT_OBJECT_COMMIT) == 0) {
      git_object_free(object);
      git_revwalk_hide(walk.get(), &id);  // non-commit haves say nothing about history
    }
  }
  git_oid id;
  while (!commit_wants_.empty() && git_revwalk_next(&id, walk.get()) == 0) {
    commits_.push_back(id);
    commit_set_.insert(id);
  }
  return std::nullopt;
}

// Tags are added as they are; what they point at is added as a commit to walk or a
// tree/blob to send whole.
std::optional<std::string> Selector::add_want(const git_oid& id) {
  git_object* raw = nullptr;
  if (git_object_lookup(&raw, repo_, &id, GIT_OBJECT_ANY) != 0) {
    return last_error("cannot read a wanted object");
  }
  ObjectPtr object(raw);
  while (git_object_type(object.get()) == GIT_OBJECT_TAG) {
    add(*git_object_id(object.get()), "");
    git_object* target = nullptr;
    if (git_tag_target(&target, reinterpret_cast<git_tag*>(object.get())) != 0) {
      return last_error("cannot read a tag's target");
    }
    object.reset(target);
  }
  const git_oid& target = *git_object_id(object.get());
  if (git_object_type(object.get()) == GIT_OBJECT_COMMIT) {
    commit_wants_.push_back(target);
  } else {
    loose_wants_.push_back(target);
  }
  return std::nullopt;
}

// Parents outside the walk are commits the client has: their trees are not sent.
std::optional<std::string> Selector::subtract_edges() {
  OidSet edges;
  for (const git_oid& id : commits_) {
    git_commit* raw = nullptr;
    if (git_commit_lookup(&raw, repo_, &id) != 0) {
      return last_error("cannot read a commit");
    }
    CommitPtr commit(raw);
    for (unsigned i = 0; i < git_commit_parentcount(commit.get()); ++i) {
      const git_oid* parent = git_commit_parent_id(commit.get(), i);
      if (commit_set_.count(*parent) == 0 && edges.insert(*parent).second) {
        git_commit* raw_parent = nullptr;
        if (git_commit_lookup(&raw_parent, repo_, parent) != 0) {
          return last_error("cannot read a commit");
        }
        CommitPtr parent_commit(raw_parent);
        if (auto error = mark_uninteresting(*git_commit_tree_id(parent_commit.get()))) {
          return error;
        }
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> Selector::mark_uninteresting(const git_oid& tree_id) {
  if (!uninteresting_.insert(tree_id).second) {
    return std::nullopt;
  }
  git_tree* raw = nullptr;
  if (git_tree_lookup(&raw, repo_, &tree_id) != 0) {
    return last_error("cannot read a tree");
  }
  TreePtr tree(raw);
  for (size_t i = 0; i < git_tree_entrycount(tree.get()); ++i) {
    const git_tree_entry* entry = git_tree_entry_byindex(tree.get(), i);
    if (git_tree_entry_type(entry) == GIT_OBJECT_TREE) {
      if (auto error = mark_uninteresting(*git_tree_entry_id(entry))) {
        return error;
      }
    } else if (git_tree_entry_type(entry) == GIT_OBJECT_BLOB) {
      uninteresting_.insert(*git_tree_entry_id(entry));
    }
  }
  return std::nullopt;
}

// Adds a tree (or a blob, for a blob want) and everything under it the client lacks.
std::optional<std::string> Selector::add_tree(const git_oid& id, const std::string& path) {
  if (uninteresting_.count(id) > 0 || included_.count(id) > 0) {
    return std::nullopt;
  }
  add(id, path);
  git_tree* raw = nullptr;
  if (git_tree_lookup(&raw, repo_, &id) != 0) {
    return std::nullopt;  // a blob asked for directly
  }
  TreePtr tree(raw);
  for (size_t i = 0; i < git_tree_entrycount(tree.get()); ++i) {
    const git_tree_entry* entry = git_tree_entry_byindex(tree.get(), i);
    const git_oid& entry_id = *git_tree_entry_id(entry);
    const std::string entry_path = path + git_tree_entry_name(entry);
    if (git_tree_entry_type(entry) == GIT_OBJECT_TREE) {
      if (auto error = add_tree(entry_id, entry_path + "/")) {
        return error;
      }
    } else if (git_tree_entry_type(entry) == GIT_OBJECT_BLOB &&
               uninteresting_.count(entry_id) == 0) {
      add(entry_id, entry_path);
    }  // submodule commits (gitlinks) are not in this repository
  }
  return std::nullopt;
}

// include-tag: an annotated tag whose (peeled) target is in the pack goes with it,
// with every tag layer between the ref and the target.
void Selector::include_tags(const RefSet& refs) {
  for (const AdvertisedRef& ref : refs.refs) {
    if (!ref.peeled || !ref.name.starts_with("refs/tags/") || included_.count(ref.id) > 0 ||
        included_.count(*ref.peeled) == 0) {
      continue;
    }
    git_oid id = ref.id;
    while (!git_oid_equal(&id, &*ref.peeled)) {
      git_tag* raw = nullptr;
      if (git_tag_lookup(&raw, repo_, &id) != 0) {
        break;
      }
      TagPtr tag(raw);
      add(id, "");
      id = *git_tag_target_id(tag.get());
    }
  }
}

}  // namespace

std::variant<ObjectSet, std::string> select_objects(git_repository* repo, const RefSet& refs,
                                                    const SelectionRequest& request) {
  Selector selector(repo);
  if (auto error = selector.run(refs, request)) {
    return *error;
  }
  return selector.take();
}

}  // namespace gitgate::git::detail
