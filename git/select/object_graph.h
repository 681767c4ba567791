// The repository as negotiation sees it: what the client may have in common with us.
#pragma once

#include <git2.h>

#include <algorithm>
#include <vector>

namespace gitgate::git::detail {

class ObjectGraph {
 public:
  virtual ~ObjectGraph() = default;
  virtual bool has_object(const git_oid& id) = 0;
  // True when want equals have or have is an ancestor of want (tags peeled). A want
  // that is not a commit counts as reached: ancestry says nothing about it.
  virtual bool reaches(const git_oid& want, const git_oid& have) = 0;
  // Every want is reached from one of common (git's ok_to_give_up). This default asks
  // reaches() for each pair; RepoGraph answers with one walk.
  virtual bool all_reached(const std::vector<git_oid>& wants, const std::vector<git_oid>& common) {
    return std::all_of(wants.begin(), wants.end(), [&](const git_oid& want) {
      return std::any_of(common.begin(), common.end(),
                         [&](const git_oid& have) { return reaches(want, have); });
    });
  }
};

// git's ok_to_give_up, the one rule for both protocol versions: the server may stop
// negotiating ("ready", or v0's last ACK) once the client shares at least one commit with
// us and every want reaches one of them.
inline bool ok_to_give_up(ObjectGraph& graph, const std::vector<git_oid>& wants,
                          const std::vector<git_oid>& common) {
  return !wants.empty() && !common.empty() && graph.all_reached(wants, common);
}

}  // namespace gitgate::git::detail
