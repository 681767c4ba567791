#include "git/select/shallow.h"

#include <array>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace gitgate::git::detail {
namespace {

struct CommitInfo {
  std::vector<git_oid> parents;
  int64_t time = 0;
};

// Commits read once per request: the walks below revisit them.
// With a budget, reading stops once it is spent: get() then answers nullptr, which ends
// every walk below, and plan_shallow reports the budget.
class Commits {
 public:
  Commits(git_repository* repo, NegotiationBudget* budget) : repo_(repo), budget_(budget) {}

  const CommitInfo* get(const git_oid& id) {
    auto it = cache_.find(id);
    if (it != cache_.end()) {
      return &it->second;
    }
    if (budget_ != nullptr && (spent_ || (cache_.size() % 256 == 0 && budget_->exceeded()))) {
      spent_ = true;
      return nullptr;
    }
    git_commit* raw = nullptr;
    if (git_commit_lookup(&raw, repo_, &id) != 0) {
      failed_ = true;
      return nullptr;
    }
    CommitPtr commit(raw);
    CommitInfo info;
    info.time = git_commit_time(commit.get());
    for (unsigned i = 0; i < git_commit_parentcount(commit.get()); ++i) {
      info.parents.push_back(*git_commit_parent_id(commit.get(), i));
    }
    return &cache_.emplace(id, std::move(info)).first->second;
  }

  // The commit under any tags; nullopt for other objects.
  std::optional<git_oid> peel(const git_oid& id) { return peel_to_commit(repo_, id); }

  bool failed() const { return failed_; }
  bool spent() const { return spent_; }

 private:
  git_repository* repo_;
  NegotiationBudget* budget_;
  bool spent_ = false;
  std::unordered_map<git_oid, CommitInfo, OidHash, OidEqual> cache_;
  bool failed_ = false;
};

struct Marks {
  OidSet shallow;      // SHALLOW: at the boundary
  OidSet not_shallow;  // NOT_SHALLOW: complete on the client after this fetch
  std::vector<git_oid> result;
};

// get_shallow_commits: heads have depth 1; a commit reached at depth >= limit is a
// boundary, unless it is reached again at a smaller depth, whose walk goes on.
void deepen_by_depth(Commits& commits, const std::vector<git_oid>& heads, int limit, Marks& marks) {
  std::unordered_map<git_oid, int, OidHash, OidEqual> depth_of;
  std::vector<std::pair<git_oid, int>> stack;  // commit, its depth (1-based)
  for (auto it = heads.rbegin(); it != heads.rend(); ++it) {
    depth_of[*it] = 1;
    stack.emplace_back(*it, 1);
  }
  while (!stack.empty()) {
    const auto [id, depth] = stack.back();
    stack.pop_back();
    const CommitInfo* info = commits.get(id);
    if (info == nullptr) {
      return;
    }
    if (depth >= limit) {
      if (marks.shallow.insert(id).second) {
        marks.result.push_back(id);
      }
      continue;
    }
    marks.not_shallow.insert(id);
    for (auto p = info->parents.rbegin(); p != info->parents.rend(); ++p) {
      auto [slot, fresh] = depth_of.try_emplace(*p, depth + 1);
      if (!fresh) {
        if (depth + 1 >= slot->second) {
          continue;
        }
        slot->second = depth + 1;
      }
      stack.emplace_back(*p, depth + 1);
    }
  }
}

// Every ancestor of starts (starts included) not in stop.
OidSet ancestors(Commits& commits, const std::vector<git_oid>& starts, const OidSet& stop) {
  OidSet seen;
  std::vector<git_oid> stack(starts.begin(), starts.end());
  while (!stack.empty()) {
    const git_oid id = stack.back();
    stack.pop_back();
    if (stop.count(id) > 0 || !seen.insert(id).second) {
      continue;
    }
    if (const CommitInfo* info = commits.get(id)) {
      stack.insert(stack.end(), info->parents.begin(), info->parents.end());
    }
  }
  return seen;
}

// get_shallow_commits_by_rev_list: the commits `rev-list --max-age=since wants --not
// not_refs` lists are complete; those with a parent outside that list are the boundary.
std::optional<std::string> deepen_by_rev_list(Commits& commits, const std::vector<git_oid>& heads,
                                              const ShallowRequest& request,
                                              const std::vector<git_oid>& not_ids, Marks& marks) {
  const OidSet excluded = ancestors(commits, not_ids, {});
  std::vector<git_oid> listed;
  for (const git_oid& id : ancestors(commits, heads, excluded)) {
    const CommitInfo* info = commits.get(id);
    if (info != nullptr && (!request.since || info->time >= *request.since)) {
      marks.not_shallow.insert(id);
      listed.push_back(id);
    }
  }
  if (listed.empty()) {
    return "no commits selected for shallow requests";
  }
  for (const git_oid& id : listed) {
    const CommitInfo* info = commits.get(id);
    for (const git_oid& parent : info->parents) {
      if (marks.not_shallow.count(parent) == 0) {
        marks.shallow.insert(id);
        marks.result.push_back(id);
        break;
      }
    }
  }
  for (const git_oid& id : marks.result) {
    marks.not_shallow.erase(id);
  }
  return std::nullopt;
}

using RefsByName = std::unordered_map<std::string_view, git_oid>;

// expand_ref: the rules git uses to find a ref by a short name. By name through a map:
// up to max_deepen_not names, each tried six ways, against every ref was quadratic.
std::variant<git_oid, std::string> resolve_not_ref(const RefsByName& refs,
                                                   const std::string& name) {
  constexpr std::array<std::string_view, 6> kRules = {
      "{}", "refs/{}", "refs/tags/{}", "refs/heads/{}", "refs/remotes/{}", "refs/remotes/{}/HEAD"};
  std::optional<git_oid> found;
  for (const std::string_view rule : kRules) {
    const size_t at = rule.find("{}");
    const std::string full =
        std::string(rule.substr(0, at)) + name + std::string(rule.substr(at + 2));
    if (const auto it = refs.find(full); it != refs.end()) {
      if (found) {
        return "git upload-pack: ambiguous deepen-not: deepen-not " + name;
      }
      found = it->second;
    }
  }
  if (!found) {
    return "git upload-pack: deepen-not is not a ref: deepen-not " + name;
  }
  return *found;
}

}  // namespace

std::variant<ShallowPlan, ShallowError> plan_shallow(git_repository* repo, const RefSet& refs,
                                                     const ShallowRequest& request,
                                                     const std::vector<git_oid>& wants,
                                                     NegotiationBudget* budget) {
  Commits commits(repo, budget);
  std::vector<git_oid> client_shallows;
  for (const git_oid& id : request.client_shallows) {
    git_object* raw = nullptr;
    if (git_object_lookup(&raw, repo, &id, GIT_OBJECT_ANY) != 0) {
      continue;  // not ours: git skips it
    }
    ObjectPtr object(raw);
    if (git_object_type(object.get()) != GIT_OBJECT_COMMIT) {
      return ShallowError{"invalid shallow object " + to_hex(id)};
    }
    client_shallows.push_back(id);
  }
  std::vector<git_oid> heads;
  for (const git_oid& id : wants) {
    if (auto commit = commits.peel(id)) {
      heads.push_back(*commit);
    }
  }
  Marks marks;
  if (request.depth == kInfiniteDepth) {
    marks.not_shallow.insert(client_shallows.begin(), client_shallows.end());
  } else if (request.depth > 0) {
    deepen_by_depth(commits, request.relative ? client_shallows : heads,
                    request.relative ? request.depth + 1 : request.depth, marks);
  } else if (request.deepens()) {
    std::vector<git_oid> not_ids;
    RefsByName by_name;
    for (const AdvertisedRef& ref : refs.refs) {
      by_name.emplace(ref.name, ref.id);
    }
    for (const std::string& name : request.not_refs) {
      auto resolved = resolve_not_ref(by_name, name);
      if (auto* error = std::get_if<std::string>(&resolved)) {
        return ShallowError{*error};
      }
      if (auto commit = commits.peel(std::get<git_oid>(resolved))) {
        not_ids.push_back(*commit);  // a ref to a tree or blob excludes no commit
      }
    }
    if (auto error = deepen_by_rev_list(commits, heads, request, not_ids, marks)) {
      return ShallowError{*error};
    }
  }
  if (commits.spent()) {
    return ShallowError{budget->error()};
  }
  if (commits.failed()) {
    return ShallowError{last_error("cannot read a commit"), true};
  }
  ShallowPlan plan;
  const OidSet client_set(client_shallows.begin(), client_shallows.end());
  for (const git_oid& id : marks.result) {
    if (client_set.count(id) == 0 && marks.not_shallow.count(id) == 0) {
      plan.shallow.push_back(id);
      plan.cut.insert(id);
    }
  }
  for (const git_oid& id : client_shallows) {
    if (request.deepens() && marks.not_shallow.count(id) > 0) {
      plan.unshallow.push_back(id);
      const CommitInfo* info = commits.get(id);
      if (info != nullptr) {
        plan.extra_wants.insert(plan.extra_wants.end(), info->parents.begin(), info->parents.end());
      }
      plan.extra_haves.push_back(id);
    }
    plan.cut.insert(id);  // the walk follows the client's view of history
  }
  return plan;
}

}  // namespace gitgate::git::detail
