#include "git/detail/repo_graph.h"

namespace gitgate::git::detail {

RepoGraph::RepoGraph(git_repository* repo) : repo_(repo) {
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, repo) == 0) {
    odb_.reset(odb);
  }
}

bool RepoGraph::has_object(const git_oid& id) {
  return odb_ != nullptr && git_odb_exists(odb_.get(), &id) == 1;
}

std::optional<git_oid> RepoGraph::peel_to_commit(const git_oid& id) {
  git_object* raw = nullptr;
  if (git_object_lookup(&raw, repo_, &id, GIT_OBJECT_ANY) != 0) {
    return std::nullopt;
  }
  ObjectPtr object(raw);
  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, object.get(), GIT_OBJECT_COMMIT) != 0) {
    return std::nullopt;
  }
  ObjectPtr owner(peeled);
  return *git_object_id(peeled);
}

bool RepoGraph::reaches(const git_oid& want, const git_oid& have) {
  if (git_oid_equal(&want, &have)) {
    return true;
  }
  const auto want_commit = peel_to_commit(want);
  if (!want_commit) {
    return true;
  }
  const auto have_commit = peel_to_commit(have);
  if (!have_commit) {
    return false;
  }
  return git_oid_equal(&*want_commit, &*have_commit) ||
         git_graph_descendant_of(repo_, &*want_commit, &*have_commit) == 1;
}

void RepoGraph::index_tips(const RefSet& refs) {
  tips_indexed_ = true;
  for (const AdvertisedRef& ref : refs.refs) {
    advertised_.insert(ref.id);
    if (ref.peeled) {
      advertised_.insert(*ref.peeled);
    }
    if (auto tip = peel_to_commit(ref.id)) {
      tip_commits_.push_back(*tip);
      if (queued_commits_.insert(*tip).second) {
        commit_queue_.push_back(*tip);
      }
    } else {
      git_object* raw = nullptr;  // a tag of a tree or blob: that object is reachable
      if (git_object_lookup(&raw, repo_, ref.peeled ? &*ref.peeled : &ref.id, GIT_OBJECT_ANY) ==
          0) {
        ObjectPtr object(raw);
        if (git_object_type(raw) == GIT_OBJECT_TREE) {
          walk_tree(ref.peeled ? *ref.peeled : ref.id);
        } else {
          reachable_.insert(*git_object_id(raw));
        }
      }
    }
  }
}

std::optional<std::string> RepoGraph::check_want(const RefSet& refs, const git_oid& id) {
  if (!tips_indexed_) {
    index_tips(refs);
  }
  if (advertised_.count(id) > 0) {
    return std::nullopt;
  }
  const auto commit = peel_to_commit(id);
  if (commit && (advertised_.count(*commit) > 0 ||
                 git_graph_reachable_from_any(repo_, &*commit, tip_commits_.data(),
                                              tip_commits_.size()) == 1)) {
    return std::nullopt;
  }
  if (!commit && tree_or_blob_reachable(id)) {
    return std::nullopt;
  }
  return "upload-pack: not our ref " + to_hex(id);
}

bool RepoGraph::walk_tree(const git_oid& id) {
  if (!reachable_.insert(id).second) {
    return true;
  }
  git_tree* raw = nullptr;
  if (git_tree_lookup(&raw, repo_, &id) != 0) {
    return false;
  }
  TreePtr tree(raw);
  for (size_t i = 0; i < git_tree_entrycount(tree.get()); ++i) {
    const git_tree_entry* entry = git_tree_entry_byindex(tree.get(), i);
    if (git_tree_entry_type(entry) == GIT_OBJECT_TREE) {
      walk_tree(*git_tree_entry_id(entry));
    } else if (git_tree_entry_type(entry) == GIT_OBJECT_BLOB) {
      reachable_.insert(*git_tree_entry_id(entry));
    }
  }
  return true;
}

bool RepoGraph::tree_or_blob_reachable(const git_oid& id) {
  if (!has_object(id)) {
    return false;
  }
  while (reachable_.count(id) == 0 && queue_head_ < commit_queue_.size()) {
    const git_oid commit_id = commit_queue_[queue_head_++];
    git_commit* raw = nullptr;
    if (git_commit_lookup(&raw, repo_, &commit_id) != 0) {
      continue;
    }
    CommitPtr commit(raw);
    walk_tree(*git_commit_tree_id(commit.get()));
    for (unsigned i = 0; i < git_commit_parentcount(commit.get()); ++i) {
      const git_oid& parent = *git_commit_parent_id(commit.get(), i);
      if (queued_commits_.insert(parent).second) {
        commit_queue_.push_back(parent);
      }
    }
  }
  return reachable_.count(id) > 0;
}

}  // namespace gitgate::git::detail
