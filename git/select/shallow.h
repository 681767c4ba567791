// The shallow boundary of a fetch (gitprotocol-pack "Shallow", git's shallow.c and
// upload-pack.c deepen): which commits the client gets as shallow, which of its
// shallow commits become complete, and where the object walk stops.
#pragma once

#include <git2.h>

#include <string>
#include <unordered_set>
#include <variant>
#include <vector>

#include "git/pack/libgit2.h"
#include "git/pack/refs.h"
#include "git/select/negotiation_budget.h"
#include "git/select/shallow_request.h"

namespace gitgate::git::detail {

using OidSet = std::unordered_set<git_oid, OidHash, OidEqual>;

struct ShallowPlan {
  std::vector<git_oid> shallow;      // "shallow <oid>" lines: new boundary commits
  std::vector<git_oid> unshallow;    // "unshallow <oid>" lines: now complete on the client
  OidSet cut;                        // commits whose parents the object walk does not follow
  std::vector<git_oid> extra_wants;  // parents of unshallowed commits
  std::vector<git_oid> extra_haves;  // the unshallowed commits (the client has them)
};

struct ShallowError {
  std::string message;
  bool server_fault = false;  // libgit2 failed; otherwise the request was wrong
};

// wants: validated ids. Commits the client calls shallow that we lack are ignored, as
// git does; one that is no commit is an error.
// With budget, the walks stop once it is spent and the budget's error is returned.
std::variant<ShallowPlan, ShallowError> plan_shallow(git_repository* repo, const RefSet& refs,
                                                     const ShallowRequest& request,
                                                     const std::vector<git_oid>& wants,
                                                     NegotiationBudget* budget = nullptr);

}  // namespace gitgate::git::detail
