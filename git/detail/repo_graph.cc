#include "git/detail/repo_graph.h"

#include <vector>

namespace gitgate::git::detail {
namespace {

bool advertised(const RefSet& refs, const git_oid& id) {
  for (const AdvertisedRef& ref : refs.refs) {
    if (git_oid_equal(&ref.id, &id) || (ref.peeled && git_oid_equal(&*ref.peeled, &id))) {
      return true;
    }
  }
  return false;
}

}  // namespace

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

std::optional<std::string> RepoGraph::check_want(const RefSet& refs, const git_oid& id) {
  if (advertised(refs, id)) {
    return std::nullopt;
  }
  std::string refused = "upload-pack: not our ref " + to_hex(id);
  const auto commit = peel_to_commit(id);
  if (!commit) {  // unknown, or a tree/blob that is no tip: not checked yet, refused
    return refused;
  }
  std::vector<git_oid> tips;
  for (const AdvertisedRef& ref : refs.refs) {
    if (auto tip = peel_to_commit(ref.id)) {
      tips.push_back(*tip);
    }
  }
  if (advertised(refs, *commit) ||
      git_graph_reachable_from_any(repo_, &*commit, tips.data(), tips.size()) == 1) {
    return std::nullopt;
  }
  return refused;
}

}  // namespace gitgate::git::detail
