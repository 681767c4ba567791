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
  // Unknown ids, and trees or blobs that are no tip (their reachability is not checked).
  return "upload-pack: not our ref " + to_hex(id);
}

}  // namespace gitgate::git::detail
