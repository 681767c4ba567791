// The repository's object graph through libgit2, as negotiation and want
// validation need it.
#pragma once

#include <git2.h>

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "git/detail/advertisement.h"
#include "git/detail/libgit2.h"
#include "git/detail/negotiation.h"

namespace gitgate::git::detail {

class RepoGraph : public ObjectGraph {
 public:
  explicit RepoGraph(git_repository* repo);

  bool has_object(const git_oid& id) override;
  bool reaches(const git_oid& want, const git_oid& have) override;

  // The commit under any layers of tags; nullopt for trees, blobs and unknown ids.
  std::optional<git_oid> peel_to_commit(const git_oid& id);

  // nullopt when the client may ask for id: an advertised tip, or a commit, tree or
  // blob reachable from one (we advertise allow-tip- and allow-reachable-sha1-in-want;
  // a partial clone's lazy fetches want blobs by id); otherwise the message git sends,
  // "upload-pack: not our ref <oid>". refs must stay the same between calls (the tips
  // are computed once, and the walk for trees and blobs goes on where it stopped).
  std::optional<std::string> check_want(const RefSet& refs, const git_oid& id);

 private:
  void index_tips(const RefSet& refs);
  bool tree_or_blob_reachable(const git_oid& id);
  bool walk_tree(const git_oid& id);

  git_repository* repo_;
  OdbPtr odb_;
  bool tips_indexed_ = false;
  std::unordered_set<git_oid, OidHash, OidEqual> advertised_;  // ids and peeled ids
  std::vector<git_oid> tip_commits_;
  // The walk over commits and their trees for tree and blob wants: newest tips first,
  // breadth first, stopping as soon as the object is seen.
  std::vector<git_oid> commit_queue_;
  size_t queue_head_ = 0;
  std::unordered_set<git_oid, OidHash, OidEqual> queued_commits_;
  std::unordered_set<git_oid, OidHash, OidEqual> reachable_;  // trees and blobs seen
};

}  // namespace gitgate::git::detail
