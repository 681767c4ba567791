// The repository's object graph through libgit2, as negotiation and want
// validation need it.
#pragma once

#include <git2.h>

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "git/pack/libgit2.h"
#include "git/pack/refs.h"
#include "git/select/negotiation_budget.h"
#include "git/select/object_graph.h"
#include "git/select/tree_walk.h"

namespace gitgate::git::detail {

class RepoGraph : public ObjectGraph {
 public:
  // Walks check budget (when given) as they go and stop once it is spent.
  explicit RepoGraph(git_repository* repo, NegotiationBudget* budget = nullptr);

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

  // check_want for all of wants at once, as git's upload-pack does for the wants that are
  // not tips: one walk from the unadvertised commits that stops where the tips' history
  // begins, instead of one walk per want. The first refusal, or the budget's error.
  std::optional<std::string> check_wants(const RefSet& refs, const std::vector<git_oid>& wants);

  // ok_to_give_up (git's can_all_from_reach): every want that is a commit has one of
  // common among its ancestors (or is one). One walk for all wants: each commit is
  // entered once, and none older than the oldest common commit. False when the budget
  // runs out (the client then just hears no "ready").
  bool all_reached(const std::vector<git_oid>& wants, const std::vector<git_oid>& common) override;

 private:
  void index_tips(const RefSet& refs);
  bool tree_or_blob_reachable(const git_oid& id);
  bool walk_tree(const git_oid& root);
  std::optional<std::string> check_unadvertised_commits(
      const std::vector<std::pair<git_oid, git_oid>>& commits);
  bool out_of_budget(size_t step) const {
    return budget_ != nullptr && step % 256 == 0 && budget_->exceeded();
  }

  git_repository* repo_;
  NegotiationBudget* budget_;
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
